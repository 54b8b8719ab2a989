"""Pieces the SaaS helpdesk adapters share (private: the leading underscore keeps it out of discovery).

- `key_label`: the mention key as a tag/label the helpdesk can search for exactly. Keys look like
  `acme#vk#wall-1_2` or `acme#generic#forum:it's tricky`; labels and tags refuse spaces, quotes and `#` in
  different ways per vendor, so every vendor gets the same `md-<32 hex>` (sha256 prefix, 128 bits).
- `requester_email`: an address-shaped, undeliverable identity for a social author, the same on
  every vendor (and the same as Request Tracker's `requestor_address`) so one author is one contact.
- `json_object`: a 2xx body that must be a JSON object, or a permanent `HelpdeskError`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import requests

from functions.core.mention import NO_AUTHOR
from functions.core.score import Priority
from functions.core.tickets import HelpdeskError, Requester, setting

KEY_LABEL_PREFIX = "md-"
DEFAULT_REQUESTER_DOMAIN = "mentiondesk.invalid"
_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_LABEL_UNSAFE = re.compile(r"\s+")


_NUMBER = re.compile(r"[0-9]+")


def numeric_id(vendor: str, ticket_id: str) -> str:
    """A ticket id of a helpdesk that numbers its tickets (Zendesk, Freshdesk, Zammad), checked before
    it goes into a URL: ASCII digits only (`str.isdigit` also takes "١٢" and "²")."""
    if not _NUMBER.fullmatch(ticket_id):
        raise HelpdeskError(f"{vendor} ticket ids are numbers, got {ticket_id!r}")
    return ticket_id


def key_label(idempotency_key: str) -> str:
    """`md-` + the first 32 hex digits of sha256(key): searchable as one exact token everywhere."""
    return KEY_LABEL_PREFIX + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def requester_email(requester: Requester, domain: str = DEFAULT_REQUESTER_DOMAIN) -> str:
    """`<network>-<author id>@<domain>`: stable per author, never a real mailbox
    (`<network>-no-author@` for a mention whose source names no author)."""
    local = _UNSAFE.sub("-", f"{requester.network}-{requester.id or 'no-author'}".lower()).strip("-")
    return f"{local}@{domain}"


def requester_name(requester: Requester) -> str:
    """What an agent sees as the requester's name: the display name, else the handle, else the id."""
    who = requester.name or (f"@{requester.handle}" if requester.handle else requester.id or NO_AUTHOR)
    return f"{who} ({requester.network})"


def label(text: str) -> str:
    """A tag as a Jira label / Zendesk tag: no whitespace (Zendesk splits tags on spaces)."""
    return _LABEL_UNSAFE.sub("_", text.strip())


def priority_names(settings: Mapping[str, Any], name: str, defaults: Mapping[Priority, Any]) -> dict[Priority, Any]:
    """The vendor's value per priority: `defaults`, overridden per level by the setting `name`
    (an object like `{"urgent": "Highest"}`), for installs whose priority scheme differs."""
    override = settings.get(name) or {}
    if not isinstance(override, Mapping):
        raise HelpdeskError(f"helpdesk setting {name!r} must be an object of priority -> value")
    unknown = set(override) - {p.value for p in Priority}
    if unknown:
        raise HelpdeskError(f"helpdesk setting {name!r} has unknown priorities: {', '.join(sorted(unknown))}")
    return {p: override.get(p.value, defaults[p]) for p in Priority}


def json_object(response: requests.Response, vendor: str) -> dict[str, Any]:
    """The body of a 2xx answer as a JSON object; anything else means the contract changed."""
    try:
        body = response.json()
    except ValueError as error:
        raise HelpdeskError(f"{vendor}: expected JSON from {response.request.method} {response.url}") from error
    if not isinstance(body, dict):
        raise HelpdeskError(f"{vendor}: expected a JSON object from {response.request.method} {response.url}")
    return body


def field(body: Mapping[str, Any], vendor: str, *path: str) -> Any:
    """`body[path[0]][path[1]]...`, or a permanent `HelpdeskError` naming the missing path."""
    value: Any = body
    for step in path:
        if not isinstance(value, Mapping) or value.get(step) is None:
            raise HelpdeskError(f"{vendor}: response has no {'.'.join(path)}")
        value = value[step]
    return value


def strings(value: Any) -> tuple[str, ...]:
    """A desk's list of tags or labels; anything that is not a list of strings reads as none."""
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def base_url(settings: Mapping[str, Any], account_setting: str, template: str) -> str:
    """`url` when given (self-hosted, or a local contract server in tests), else the SaaS host
    built from the account name: `template.format(<settings[account_setting]>)`."""
    if settings.get("url"):
        return setting(settings, "url").rstrip("/")
    return template.format(setting(settings, account_setting))
