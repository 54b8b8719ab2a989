"""What the adapters share to read replies: checking a desk's push and reading its comments.

Every desk's push is a hint (docs/helpdesk-replies.md): `reply_event` checks it on the raw bytes,
takes the ticket id, and the reply worker re-reads `comments()` to decide what goes out. So a push
is refused only for a bad signature (`DeskEventSignatureError`) or an unreadable signed body
(`DeskEventMalformedError`); everything it says beyond the ticket id is left to the API.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from functions.core import untrusted
from functions.core.mention import parse_time
from functions.core.polls import html_to_text
from functions.core.tickets import DeskEventMalformedError, DeskEventSignatureError
from functions.core.webhooks import same_secret

MAX_TICKET_ID = 100  # a desk's ticket id or key longer than this is not one
_TICKET_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever the case of the mapping's keys (Chalice's or a plain dict)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def secret(secrets: Mapping[str, str], name: str) -> str:
    """A secret the check needs: without it no push can be trusted, so every push is refused."""
    value = secrets.get(name)
    if not value:
        raise DeskEventSignatureError(f"secret {name!r} is not configured")
    return value


def hex_hmac(key: str, body: bytes, digest: str = "sha256") -> str:
    return hmac.new(key.encode("utf-8"), body, getattr(hashlib, digest)).hexdigest()


def check_prefixed_hmac(given: str | None, key: str, body: bytes, digest: str) -> None:
    """`<digest>=<lower hex HMAC(key, raw body)>` (GitHub's `X-Hub-Signature` form), compared in constant time."""
    if not same_secret((given or "").strip().lower(), f"{digest}={hex_hmac(key, body, digest)}"):
        raise DeskEventSignatureError("signature does not match")


def event(body: bytes) -> dict[str, Any]:
    """A signed body as a JSON object, or `DeskEventMalformedError`."""
    try:
        document = untrusted.loads(body)
    except untrusted.UntrustedInputError as error:
        raise DeskEventMalformedError("body is not acceptable JSON") from error
    if not isinstance(document, dict):
        raise DeskEventMalformedError("body must be a JSON object")
    return document


def ticket_id(value: Any, where: str) -> str:
    """A ticket id or key from a push (a number or a string), checked before it reaches a URL."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _TICKET_ID.fullmatch(value) or len(value) > MAX_TICKET_ID:
        raise DeskEventMalformedError(f"{where} is not a ticket id")
    return value


def at(path: Mapping[str, Any], *steps: str) -> Any:
    """`path[steps[0]][steps[1]]...`, or None where a step is missing or not an object."""
    value: Any = path
    for step in steps:
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def when(value: Any) -> datetime | None:
    """A comment's creation time, or None when the desk sent none we can read."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def plain(markup: Any) -> str:
    """A comment body the desk keeps as HTML, as plain text."""
    return html_to_text(markup) if isinstance(markup, str) else ""


def obj(value: Any) -> Mapping[str, Any]:
    """A JSON object from a desk's answer, or an empty one where it sent something else."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    """A JSON array from a desk's answer, or an empty one where it sent something else."""
    return value if isinstance(value, list) else []
