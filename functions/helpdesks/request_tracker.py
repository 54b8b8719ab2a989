"""Request Tracker 5 over REST2 (`/REST/2.0/`).

Contract (RT 5.0 `lib/RT/REST2.pm`, checked against a real RT 5.0.3 in tests):
- auth `Authorization: token <t>` (or basic auth with `username`/`password` secrets);
- create `POST /ticket` JSON {Queue, Subject, Content, ContentType, Requestor, Priority,
  CustomFields} → 201 `{"id": "<n>"}` (a string);
- search `GET /tickets?query=<TicketSQL>`; comment `POST /ticket/<n>/comment` (ContentType is
  required for JSON); update `PUT /ticket/<n>`; read `GET /ticket/<n>` → `Status`.
Gotchas seen on the real server: a Requestor that is not an e-mail address is silently dropped,
so authors become `<network>-<id>@<requestor_domain>`; an unknown custom-field name is silently
ignored and a custom field is not unique, so the idempotency search is ours to do.

Settings: `url`, `queue` (default `General`), `custom_field` (default `MentionId`),
`requestor_domain` (default `mentiondesk.invalid`). Secrets: `token`, or `username` + `password`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from functions.core.score import Priority
from functions.core.tickets import HelpdeskError, TicketDraft, TicketRef, setting
from functions.helpdesks._common import requester_email
from functions.runtime import http

VENDOR = "request_tracker"
FEATURES = frozenset({"priority", "custom_fields", "external_reference", "comments", "status", "reopen"})

PRIORITY = {Priority.LOW: 20, Priority.NORMAL: 50, Priority.HIGH: 75, Priority.URGENT: 95}


def _ticketsql_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class RequestTracker:
    VENDOR = VENDOR
    FEATURES = FEATURES

    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.base = setting(settings, "url").rstrip("/")
        self.api = f"{self.base}/REST/2.0"
        self.queue = setting(settings, "queue", "General")
        self.field = setting(settings, "custom_field", "MentionId")
        self.domain = setting(settings, "requestor_domain", "mentiondesk.invalid")
        self.http = http.session({"Accept": "application/json"})
        if secrets.get("token"):
            self.http.headers["Authorization"] = f"token {secrets['token']}"
        elif secrets.get("username") and secrets.get("password"):
            self.http.auth = (secrets["username"], secrets["password"])
        else:
            raise HelpdeskError("request_tracker needs the secret 'token' or 'username' and 'password'")

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return http.call(self.http, method, f"{self.api}{path}", VENDOR, **kwargs)

    def _ref(self, ticket_id: str) -> TicketRef:
        return TicketRef(VENDOR, ticket_id, f"{self.base}/Ticket/Display.html?id={ticket_id}")

    def open_ticket(self, draft: TicketDraft, idempotency_key: str) -> TicketRef:
        payload = {
            "Queue": self.queue,
            "Subject": draft.subject,
            "Content": draft.body,
            "ContentType": "text/plain",
            "Requestor": requester_email(draft.requester, self.domain),
            "Priority": PRIORITY[draft.priority],
            "CustomFields": {self.field: idempotency_key},
        }
        created = self._call("POST", "/ticket", json=payload).json()
        return self._ref(str(created["id"]))

    def find_ticket(self, idempotency_key: str) -> TicketRef | None:
        query = f"'CF.{{{self.field}}}' = {_ticketsql_literal(idempotency_key)}"
        found = self._call("GET", f"/tickets?query={quote(query)}&orderby=id&order=ASC").json()
        items = found.get("items") or []
        return self._ref(str(items[0]["id"])) if items else None

    def add_comment(self, ticket: TicketRef, text: str) -> None:
        self._call("POST", f"/ticket/{ticket.id}/comment", json={"Content": text, "ContentType": "text/plain"})

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        self._call("PUT", f"/ticket/{ticket.id}", json={"Priority": PRIORITY[priority]})

    def reopen(self, ticket: TicketRef) -> None:
        self._call("PUT", f"/ticket/{ticket.id}", json={"Status": "open"})

    def ticket_status(self, ticket: TicketRef) -> str:
        return str(self._call("GET", f"/ticket/{ticket.id}").json()["Status"])


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> RequestTracker:
    return RequestTracker(settings, secrets)
