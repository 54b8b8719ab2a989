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
- [confirmed] read `GET /api/v2/tickets/{id}` → ticket.status new|open|pending|hold|solved|closed and
  ticket.tags (the sweep's verdict signals, e.g. `not_complaint`). A ticket marked as spam leaves
  the normal reads [unconfirmed: it is deleted], so spam reaches us only as a pushed event;
- [confirmed] 429 with `Retry-After` (seconds): handled by `runtime.http`;
- replies (docs/helpdesk-replies.md): [confirmed] `GET /api/v2/tickets/{id}/comments?include=users`
  (oldest first, cursor pages `page[size]` ≤ 100 / `meta.has_more` / `links.next`; `public` false =
  internal note; sideloaded `users[].role` end-user|agent|admin) and `GET /api/v2/users/me` (our API
  user, whose comments are ours); [confirmed] the push is an event webhook signed
  `X-Zendesk-Webhook-Signature` = base64 HMAC-SHA256(secret, timestamp + body) with
  `X-Zendesk-Webhook-Signature-Timestamp`; [secondary] its body (`type`, `detail.id`,
  `event.comment.is_public`), and the trigger alternative's hand-written `{"ticket_id": ...}`.

The mention key goes into `external_id` (and into the custom field `custom_field_id`, if set).

Settings: `url` (e.g. `https://acme.zendesk.com`) or `subdomain`, `email` (the API user),
`custom_field_id` (optional, numeric), `requester_domain` (default `mentiondesk.invalid`).
Secrets: `api_token`; for the reply push `webhook_secret` (the webhook's signing secret).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import requests

from functions.core.score import Priority
from functions.core.tickets import (
    DeskComment,
    DeskEventMalformedError,
    DeskEventSignatureError,
    DeskState,
    HelpdeskError,
    TicketDraft,
    TicketRef,
    setting,
)
from functions.core.webhooks import same_secret
from functions.helpdesks import _replies
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
    strings,
)
from functions.runtime import http

VENDOR = "zendesk"
FEATURES = frozenset(
    {
        "priority",
        "tags",
        "custom_fields",
        "external_reference",
        "comments",
        "status",
        "idempotency_header",
        "reopen",
        "replies",
    }
)
REPLY_EVENT_SECRETS = ("webhook_secret",)
REPLY_EVENT_HEADER = "X-Zendesk-Webhook-Signature"  # without it a push is unsigned: 401 at the door
SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
REPLAY_WINDOW = timedelta(minutes=5)
COMMENT_ADDED = "zen:event-type:ticket.comment_added"
AGENT_ROLES = frozenset({"agent", "admin"})
COMMENTS_PAGE = 100

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


def ticket_state(body: Mapping[str, Any]) -> DeskState:
    """`GET /tickets/{id}` → the status and the tags an agent's macro may have added."""
    return DeskState(str(field(body, VENDOR, "ticket", "status")), strings(_replies.at(body, "ticket", "tags")))


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
        self._me: str | None = None

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

    def ticket_state(self, ticket: TicketRef) -> DeskState:
        return ticket_state(json_object(self._call("GET", self._ticket_path(ticket)), VENDOR))

    def me(self) -> str:
        """Our API user's id, asked once per instance: its comments are ours."""
        if self._me is None:
            self._me = str(field(json_object(self._call("GET", "/users/me"), VENDOR), VENDOR, "user", "id"))
        return self._me

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        found: list[DeskComment] = []
        url: str | None = f"{self.api}{self._ticket_path(ticket)}/comments"
        params: dict[str, Any] | None = {"include": "users", "page[size]": COMMENTS_PAGE}
        while url:
            page = json_object(http.call(self.http, "GET", url, VENDOR, params=params), VENDOR)
            users = {str(u.get("id")): u for u in page.get("users") or [] if isinstance(u, dict)}
            found += [comment_of(c, users, self.me()) for c in page.get("comments") or [] if isinstance(c, dict)]
            more = _replies.at(page, "meta", "has_more") is True
            following = _replies.at(page, "links", "next")
            url = following if more and isinstance(following, str) and following.startswith(self.api) else None
            params = None  # the next link carries the query
        return found


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What Zendesk puts in `X-Zendesk-Webhook-Signature`: the key is the secret's own bytes."""
    return base64.b64encode(bytes.fromhex(_replies.hex_hmac(secret, timestamp.encode() + body))).decode()


def _check_signature(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    given = _replies.header(headers, SIGNATURE_HEADER)
    timestamp = _replies.header(headers, TIMESTAMP_HEADER) or ""
    if not same_secret(given, signature(secret, timestamp, body)):
        raise DeskEventSignatureError("zendesk: signature does not match")
    signed_at = _replies.when(timestamp)
    if signed_at is None or abs(now - signed_at) > REPLAY_WINDOW:
        raise DeskEventSignatureError("zendesk: signature timestamp is outside the replay window")


def _event_ticket(document: Mapping[str, Any]) -> str | None:
    """The event webhook's ticket (`detail.id`, else `subject` `zen:ticket:<id>`) when a public comment was added."""
    if document.get("type") != COMMENT_ADDED:
        return None
    if _replies.at(document, "event", "comment", "is_public") is False:
        return None  # an internal note: nothing for the customer
    subject = document.get("subject")
    fallback = subject.removeprefix("zen:ticket:") if isinstance(subject, str) else None
    return _replies.ticket_id(_replies.at(document, "detail", "id") or fallback, "detail.id")


def reply_event(headers: Mapping[str, str], body: bytes, secrets: Mapping[str, str], now: datetime) -> str | None:
    """The ticket to re-read after Zendesk's signed push, or None for an event that adds no public
    comment. Takes the event webhook (`ticket.comment_added`) and the trigger form `{"ticket_id"}`."""
    _check_signature(headers, body, _replies.secret(secrets, "webhook_secret"), now)
    document = _replies.event(body)
    if "type" in document:
        return _event_ticket(document)
    if "ticket_id" in document:
        return _replies.ticket_id(document["ticket_id"], "ticket_id")
    raise DeskEventMalformedError("zendesk: neither an event (type) nor a trigger body (ticket_id)")


def comment_of(raw: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], me: str) -> DeskComment:
    """One entry of the comments listing; the author's role comes from the `users` sideload."""
    author_id = str(raw.get("author_id", ""))
    author = users.get(author_id, {})
    return DeskComment(
        id=str(raw.get("id", "")),
        body=str(raw.get("plain_body") or raw.get("body") or _replies.plain(raw.get("html_body"))),
        public=raw.get("public") is True,  # fail closed: no flag, no post
        by_agent=author.get("role") in AGENT_ROLES,
        ours=author_id == me,
        created_at=_replies.when(raw.get("created_at")),
        author=str(author.get("name") or author_id),
    )


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> Zendesk:
    return Zendesk(settings, secrets)
