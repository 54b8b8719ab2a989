"""Zendesk Support (Ticketing API v2).

Contract (docs/helpdesks.md; research notes from developer.zendesk.com and Zendesk's OpenAPI,
checked in tests against tests/servers/helpdesks/zendesk.py, not against a live Zendesk):
- [confirmed] auth HTTP Basic `{email}/token:{api_token}`;
- [confirmed] create `POST /api/v2/tickets` {"ticket": {subject, comment: {body, public}, requester:
  {name, email}, priority: low|normal|high|urgent, tags, external_id, custom_fields: [{id, value}]}}
  → 201 {"ticket": {"id": <int>, ...}}; a requester with a new e-mail creates the user;
- [confirmed] `external_id` is NOT unique; list by it with `GET /api/v2/tickets?external_id=<id>`
  → {"tickets": [...]};
- [confirmed exists; behaviour secondary] header `Idempotency-Key` on create: ≤255 chars, kept
  2 hours, a replay returns the first 201, the same key with another body → 400. It covers a lost
  reply within 2 hours; the `external_id` search covers the rest;
- [paths confirmed, body shape unconfirmed] comment = `PUT /api/v2/tickets/{id}`
  {"ticket": {"comment": {"body", "public": false}}}; priority and status the same way;
- [confirmed] read `GET /api/v2/tickets/{id}` → ticket.status new|open|pending|hold|solved|closed;
- [confirmed] 429 with `Retry-After` (seconds): handled by `runtime.http`.

The mention key goes into `external_id` (and into the custom field `custom_field_id`, if set).

Settings: `url` (e.g. `https://acme.zendesk.com`) or `subdomain`, `email` (the API user),
`custom_field_id` (optional, numeric), `requester_domain` (default `mentiondesk.invalid`).
Secrets: `api_token`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from functions.core.score import Priority
from functions.core.tickets import HelpdeskError, TicketDraft, TicketRef, setting
from functions.helpdesks._common import (
    DEFAULT_REQUESTER_DOMAIN,
    base_url,
    field,
    json_object,
    key_label,
    label,
    numeric_id,
    requester_email,
    requester_name,
)
from functions.runtime import http

VENDOR = "zendesk"
FEATURES = frozenset(
    {"priority", "tags", "custom_fields", "external_reference", "comments", "status", "idempotency_header", "reopen"}
)

PRIORITY = {Priority.LOW: "low", Priority.NORMAL: "normal", Priority.HIGH: "high", Priority.URGENT: "urgent"}
IDEMPOTENCY_KEY_CHARS = 255


def idempotency_key_header(idempotency_key: str) -> str:
    """The key itself when it fits a header (printable ASCII, ≤255 chars), else its stable label."""
    fits = len(idempotency_key) <= IDEMPOTENCY_KEY_CHARS and idempotency_key.isascii() and idempotency_key.isprintable()
    return idempotency_key if fits else key_label(idempotency_key)


def ticket_payload(
    draft: TicketDraft, idempotency_key: str, *, domain: str = DEFAULT_REQUESTER_DOMAIN, custom_field_id: int | None
) -> dict[str, Any]:
    ticket: dict[str, Any] = {
        "subject": draft.subject,
        "comment": {"body": draft.body, "public": False},
        "requester": {"name": requester_name(draft.requester), "email": requester_email(draft.requester, domain)},
        "priority": PRIORITY[draft.priority],
        "tags": [label(tag) for tag in draft.tags],
        "external_id": idempotency_key,
    }
    if custom_field_id is not None:
        ticket["custom_fields"] = [{"id": custom_field_id, "value": idempotency_key}]
    return {"ticket": ticket}


class Zendesk:
    VENDOR = VENDOR
    FEATURES = FEATURES

    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.base = base_url(settings, "subdomain", "https://{}.zendesk.com")
        self.api = f"{self.base}/api/v2"
        self.domain = setting(settings, "requester_domain", DEFAULT_REQUESTER_DOMAIN)
        custom_field = settings.get("custom_field_id")
        if custom_field is not None and (isinstance(custom_field, bool) or not str(custom_field).isdigit()):
            raise HelpdeskError("zendesk setting 'custom_field_id' must be a numeric field id")
        self.custom_field_id = int(str(custom_field)) if custom_field is not None else None
        if not secrets.get("api_token"):
            raise HelpdeskError("zendesk needs the secret 'api_token'")
        self.http = http.session({"Accept": "application/json"})
        self.http.auth = (f"{setting(settings, 'email')}/token", secrets["api_token"])

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return http.call(self.http, method, f"{self.api}{path}", VENDOR, **kwargs)

    def _ref(self, ticket_id: object) -> TicketRef:
        return TicketRef(VENDOR, str(ticket_id), f"{self.base}/agent/tickets/{ticket_id}")

    @staticmethod
    def _ticket_path(ticket: TicketRef) -> str:
        """Zendesk ticket ids are numbers (as Freshdesk and Zammad check): anything else never reaches a URL."""
        return f"/tickets/{numeric_id(VENDOR, ticket.id)}"

    def _update(self, ticket: TicketRef, changes: dict[str, Any]) -> None:
        self._call("PUT", self._ticket_path(ticket), json={"ticket": changes})

    def open_ticket(self, draft: TicketDraft, idempotency_key: str) -> TicketRef:
        payload = ticket_payload(draft, idempotency_key, domain=self.domain, custom_field_id=self.custom_field_id)
        headers = {"Idempotency-Key": idempotency_key_header(idempotency_key)}
        created = json_object(self._call("POST", "/tickets", json=payload, headers=headers), VENDOR)
        return self._ref(field(created, VENDOR, "ticket", "id"))

    def find_ticket(self, idempotency_key: str) -> TicketRef | None:
        found = json_object(self._call("GET", "/tickets", params={"external_id": idempotency_key}), VENDOR)
        ids = sorted(int(t["id"]) for t in found.get("tickets") or [] if isinstance(t, dict) and "id" in t)
        return self._ref(ids[0]) if ids else None  # external_id is not unique: the oldest wins

    def add_comment(self, ticket: TicketRef, text: str) -> None:
        self._update(ticket, {"comment": {"body": text, "public": False}})

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        self._update(ticket, {"priority": PRIORITY[priority]})

    def reopen(self, ticket: TicketRef) -> None:
        self._update(ticket, {"status": "open"})

    def ticket_status(self, ticket: TicketRef) -> str:
        shown = json_object(self._call("GET", self._ticket_path(ticket)), VENDOR)
        return str(field(shown, VENDOR, "ticket", "status"))


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> Zendesk:
    return Zendesk(settings, secrets)
