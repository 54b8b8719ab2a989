"""Request Tracker 5 over REST2 (`/REST/2.0/`).

Contract (RT 5.0 `lib/RT/REST2.pm`, checked against a real RT 5.0.3 in tests):
- auth `Authorization: token <t>` (or basic auth with `username`/`password` secrets);
- create `POST /ticket` JSON {Queue, Subject, Content, ContentType, Requestor, Priority,
  CustomFields} → 201 `{"id": "<n>"}` (a string);
- search `GET /tickets?query=<TicketSQL>`; comment `POST /ticket/<n>/comment` (ContentType is
  required for JSON); update `PUT /ticket/<n>`; read `GET /ticket/<n>` → `Status` (also the verdict signal: `rejected`).
- replies (docs/helpdesk-replies.md, [confirmed: live] on RT 5.0.3): `GET /ticket/<n>/history`
  (`page`/`per_page`, oldest first) — `Correspond` is a reply to the requestors, `Comment` internal;
  the text from `GET /transaction/<t>/attachments?fields=Content,ContentType,Headers` (plain text
  there, unlike `/attachment/<id>`, which is base64); staff = `GET /user/<name>` `Privileged`.
  RT 5 has no webhooks and no "me" call: the push is the scrip `infra/rt/mentiondesk_replies.pl`
  (ours, signed `X-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, no timestamp), and our API
  user is the setting `api_user` (default: the `username` secret); with neither, every REST-made
  Correspond (`X-RT-Interface: REST`) counts as ours, so nothing can loop.
Gotchas seen on the real server: a Requestor that is not an e-mail address is silently dropped,
so authors become `<network>-<id>@<requestor_domain>`; an unknown custom-field name is silently
ignored and a custom field is not unique, so the idempotency search is ours to do.

Settings: `url`, `queue` (default `General`), `custom_field` (default `MentionId`),
`requestor_domain` (default `mentiondesk.invalid`), `api_user` (the RT user the token belongs to).
Secrets: `token`, or `username` + `password`; for the reply push `webhook_secret`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from functions.core.score import Priority
from functions.core.tickets import DeskComment, DeskState, HelpdeskError, TicketDraft, TicketRef, setting
from functions.helpdesks import _replies
from functions.helpdesks._common import field, json_object, requester_email
from functions.runtime import http

VENDOR = "request_tracker"
FEATURES = frozenset({"priority", "custom_fields", "external_reference", "comments", "status", "reopen", "replies"})
REPLY_EVENT_SECRETS = ("webhook_secret",)
REPLY_EVENT_HEADER = "X-Signature"  # without it a push is unsigned: 401 at the door
SIGNATURE_HEADER = "X-Signature"
HISTORY_PAGE = 100
COMMENT_TYPES = frozenset({"Correspond", "Comment"})

PRIORITY = {Priority.LOW: 20, Priority.NORMAL: 50, Priority.HIGH: 75, Priority.URGENT: 95}


def _ticketsql_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


ATTACHMENT_FIELDS = {"fields": "Content,ContentType,Headers", "per_page": 100}


def _number(ticket: TicketRef) -> str:
    if not ticket.id.isascii() or not ticket.id.isdigit():
        raise HelpdeskError(f"request_tracker ticket ids are numbers, got {ticket.id!r}")
    return ticket.id


def ticket_state(body: Mapping[str, Any]) -> DeskState:
    """`GET /ticket/{id}` → the status only: RT's "not a complaint" is a status (`rejected`); it has
    no tags or spam flag. A body without a status means the contract changed (a permanent error)."""
    return DeskState(str(field(body, VENDOR, "Status")))


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
        self.api_user = settings.get("api_user") or (None if secrets.get("token") else secrets["username"])
        self._privileged: dict[str, bool] = {}

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
        created = json_object(self._call("POST", "/ticket", json=payload), VENDOR)
        return self._ref(str(field(created, VENDOR, "id")))

    def find_ticket(self, idempotency_key: str) -> TicketRef | None:
        query = f"'CF.{{{self.field}}}' = {_ticketsql_literal(idempotency_key)}"
        found = json_object(self._call("GET", f"/tickets?query={quote(query)}&orderby=id&order=ASC"), VENDOR)
        items = found.get("items") or []
        return self._ref(str(field(items[0], VENDOR, "id"))) if isinstance(items, list) and items else None

    def add_comment(self, ticket: TicketRef, text: str) -> None:
        self._call("POST", f"/ticket/{ticket.id}/comment", json={"Content": text, "ContentType": "text/plain"})

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        self._call("PUT", f"/ticket/{ticket.id}", json={"Priority": PRIORITY[priority]})

    def reopen(self, ticket: TicketRef) -> None:
        self._call("PUT", f"/ticket/{ticket.id}", json={"Status": "open"})

    def ticket_state(self, ticket: TicketRef) -> DeskState:
        return ticket_state(json_object(self._call("GET", f"/ticket/{_number(ticket)}"), VENDOR))

    def _history(self, ticket: TicketRef) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page, pages = 1, 1
        while page <= pages:
            params = {"fields": "Type,Creator,Created", "per_page": HISTORY_PAGE, "page": page}
            body = json_object(self._call("GET", f"/ticket/{_number(ticket)}/history", params=params), VENDOR)
            found += [t for t in body.get("items") or [] if isinstance(t, dict)]
            pages = body["pages"] if isinstance(body.get("pages"), int) else page
            page += 1
        return found

    def _is_privileged(self, user: str) -> bool:
        """Staff or not, asked once per user per instance."""
        if user not in self._privileged:
            shown = json_object(self._call("GET", f"/user/{quote(user, safe='')}"), VENDOR)
            self._privileged[user] = str(shown.get("Privileged", "0")) == "1"
        return self._privileged[user]

    def _comment(self, transaction: Mapping[str, Any]) -> DeskComment:
        creator = str(_replies.at(transaction, "Creator", "id") or "")
        attachments = self._call("GET", f"/transaction/{transaction['id']}/attachments", params=ATTACHMENT_FIELDS)
        text, headers = _text(json_object(attachments, VENDOR))
        made_by_rest = "x-rt-interface: rest" in headers.lower()
        return DeskComment(
            id=str(transaction["id"]),
            body=text,
            public=transaction.get("Type") == "Correspond",
            by_agent=bool(creator) and self._is_privileged(creator),
            ours=creator == self.api_user if self.api_user else made_by_rest,
            created_at=_replies.when(transaction.get("Created")),
            author=creator,
        )

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        return [self._comment(t) for t in self._history(ticket) if t.get("Type") in COMMENT_TYPES and t.get("id")]


def reply_event(headers: Mapping[str, str], body: bytes, secrets: Mapping[str, str], now: datetime) -> str | None:
    """The ticket to re-read after our scrip's signed POST `{ticket_id, transaction_id, type, creator}`,
    or None for a transaction that is not a Correspond. RT signs no time: a replayed POST only makes
    the worker re-read a ticket whose replies are already deduplicated by comment id."""
    _replies.check_prefixed_hmac(
        _replies.header(headers, SIGNATURE_HEADER), _replies.secret(secrets, "webhook_secret"), body, "sha256"
    )
    document = _replies.event(body)
    if document.get("type") != "Correspond":
        return None
    return _replies.ticket_id(document.get("ticket_id"), "ticket_id")


def _text(attachments: Mapping[str, Any]) -> tuple[str, str]:
    """(plain text, MIME headers) of a transaction: its first text/plain part, else its first
    text/html part as text. The headers come from its first part (the one RT stamps `X-RT-Interface`)."""
    parts = [a for a in _replies.items(attachments.get("items")) if isinstance(a, dict)]
    headers = str(parts[0].get("Headers") or "") if parts else ""
    with_text = [p for p in parts if p.get("Content")]
    for kind, as_text in (("text/plain", str), ("text/html", _replies.plain)):
        for part in with_text:
            if str(part.get("ContentType", "")).lower() == kind:
                return as_text(part["Content"]).strip(), headers
    return "", headers


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> RequestTracker:
    return RequestTracker(settings, secrets)
