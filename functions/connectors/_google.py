"""Google's error envelope, shared by the YouTube Data and Android Publisher sources.

`{"error": {"code", "message", "status", "errors": [{"reason"}], "details": [{"reason"}]}}`: the
older `errors[].reason` and the newer ErrorInfo `details[].reason` both name why a call was refused
(quota, bad key, comments disabled...). Not a connector (the leading underscore keeps it out of
discovery).
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.core.polls import HttpResponse, MalformedPayloadError


@dataclass(frozen=True)
class GoogleError:
    reasons: frozenset[str] = frozenset()
    status: str = ""  # e.g. "PERMISSION_DENIED"
    message: str = ""


def google_error(response: HttpResponse) -> GoogleError:
    """The reasons, status and message of an error answer; a body that is not JSON gives its first bytes."""
    try:
        body = response.json()
    except MalformedPayloadError:
        return GoogleError(message=response.body[:200].decode("utf-8", "replace"))
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return GoogleError()
    entries = [e for key in ("errors", "details") for e in (error.get(key) or []) if isinstance(e, dict)]
    return GoogleError(
        reasons=frozenset(str(e["reason"]) for e in entries if e.get("reason")),
        status=str(error.get("status") or ""),
        message=str(error.get("message") or "")[:200],
    )
