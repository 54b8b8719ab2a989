"""Helpers the reply readers share: the answer's JSON, its wait hint and the HTTP status classes.

Not a connector (the leading underscore keeps it out of discovery). The readers get no clock
(`reply_result(response)`), so a wait given as a time (`Retry-After: <HTTP date>`, an epoch or ISO
`X-RateLimit-Reset`) is measured from the answer's own `Date` header, and is unknown without one.
"""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from functions.core.polls import HttpResponse, MalformedPayloadError, retry_after
from functions.core.replies import Failure, Refused


def json_of(response: HttpResponse) -> Any:
    """The answer's JSON, or None when it has none (an HTML error page, an empty 204)."""
    try:
        return response.json()
    except MalformedPayloadError:
        return None


def wait_seconds(response: HttpResponse) -> float | None:
    """Seconds the network asked us to wait (`Retry-After`, else the rate-limit reset headers)."""
    stamp = response.header("Date")
    try:
        now = parsedate_to_datetime(stamp) if stamp else None
    except (TypeError, ValueError):
        now = None
    if now is not None:
        return retry_after(response, now if now.tzinfo else now.replace(tzinfo=UTC))  # `-0000`: UTC, unsaid
    value = (response.header("Retry-After") or "").strip()
    return float(value) if value.replace(".", "", 1).isdigit() else None


def by_status(response: HttpResponse, reason: str) -> Refused:
    """The class an HTTP status alone implies (used when the body names nothing more precise)."""
    status = response.status
    if status == 429:
        return Refused(Failure.RATE, reason, wait_seconds(response))
    if status >= 500 or status == 408:
        return Refused(Failure.TRANSIENT, reason, wait_seconds(response))
    if status == 401:
        return Refused(Failure.AUTH, reason)
    if status == 403:
        return Refused(Failure.PERM, reason)
    if status in (404, 410):
        return Refused(Failure.GONE, reason)
    return Refused(Failure.INVALID, reason)


def said(network: str, response: HttpResponse, detail: str) -> str:
    """One line for the ticket: network, status and what the network said."""
    return f"{network}: HTTP {response.status}: {detail[:200]}" if detail else f"{network}: HTTP {response.status}"
