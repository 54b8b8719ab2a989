"""Zammad (REST API v1).

Contract (zammad-documentation `api/` pages, see docs/helpdesks.md; checked in tests against
tests/servers/helpdesks/zammad.py, not against a live Zammad):
- [confirmed] auth `Authorization: Token token=<access token>`;
- [confirmed] create `POST /api/v1/tickets` (201) {title, group (name), customer_id:
  "guess:<email>" (finds or creates the customer), priority_id, tags: "a,b", article: {subject,
  body, type: "note", internal: true, content_type: "text/plain"}} → the ticket with `id`;
- [confirmed] note `POST /api/v1/ticket_articles` {ticket_id, body, type: "note", internal: true,
  content_type}; update `PUT /api/v1/tickets/{id}`; read `GET /api/v1/tickets/{id}`;
- [confirmed] default priorities 1 "1 low", 2 "2 normal", 3 "3 high" (ids per install: setting
  `priority_ids`; urgent maps to 3 unless the install has more);
- [unconfirmed] no external id: the mention key goes in as the tag `md-<sha256 prefix>` and is found
  with `GET /api/v1/tickets/search?query=tags:"md-..."`; the answer is read in both shapes seen in
  the docs (`{"tickets": [ids], ...}`, or a list of tickets with `expand=true`);
- [unconfirmed] `?expand=true` on read names the state (`state: "new"`); without it we return
  the numeric `state_id`;
- [confirmed] a ticket's tags are not in its read: `GET /api/v1/tags?object=Ticket&o_id={id}` →
  {"tags": [...]}, a second read the sweep makes for the verdict signals (e.g. `not_complaint`).
- replies (docs/helpdesk-replies.md): [confirmed] `GET /api/v1/ticket_articles/by_ticket/{id}`
  returns every article (no paging) with `internal`, `sender` (Agent/Customer/System),
  `created_by_id`, `content_type`, `body`; [confirmed] `GET /api/v1/users/me` is our token's user;
  [confirmed] the trigger's webhook signs `X-Hub-Signature: sha1=<hex HMAC-SHA1(token, body)>` over
  the default payload `{"ticket": {...}, "article": {...}}` (no timestamp).
No "reopen": states are per install, so a solved thread gets a new ticket that names the old one.

Settings: `url`, `group` (default `Users`), `priority_ids` (optional {"urgent": 4, ...}),
`requester_domain` (default `mentiondesk.invalid`). Secrets: `token`; for the reply push
`webhook_secret` (the webhook's `signature_token`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from functions.core.score import Priority
from functions.core.tickets import DeskComment, DeskState, HelpdeskError, TicketDraft, TicketRef, setting
from functions.helpdesks import _replies
from functions.helpdesks._common import (
    DEFAULT_REQUESTER_DOMAIN,
    field,
    key_label,
    numeric_id,
    priority_names,
    requester_email,
    strings,
)
from functions.runtime import http

VENDOR = "zammad"
FEATURES = frozenset({"priority", "tags", "external_reference", "comments", "status", "replies"})
REPLY_EVENT_SECRETS = ("webhook_secret",)
REPLY_EVENT_HEADER = "X-Hub-Signature"  # without it a push is unsigned: 401 at the door
SIGNATURE_HEADER = "X-Hub-Signature"

PRIORITY = {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 3}


def search_query(idempotency_key: str) -> str:
    return f'tags:"{key_label(idempotency_key)}"'


def ticket_payload(
    draft: TicketDraft,
    idempotency_key: str,
    *,
    group: str,
    domain: str = DEFAULT_REQUESTER_DOMAIN,
    priority_ids: Mapping[Priority, int] = PRIORITY,
) -> dict[str, Any]:
    return {
        "title": draft.subject,
        "group": group,
        "customer_id": f"guess:{requester_email(draft.requester, domain)}",
        "priority_id": priority_ids[draft.priority],
        "tags": ",".join([key_label(idempotency_key), *(t.replace(",", " ") for t in draft.tags)]),
        "article": {
            "subject": draft.subject,
            "body": draft.body,
            "type": "note",
            "internal": True,
            "content_type": "text/plain",
        },
    }


def found_ids(body: Any) -> list[int]:
    """Ticket ids from a search answer: `{"tickets": [1, 2], ...}` or `[{"id": 1, ...}, ...]`."""
    items = body.get("tickets") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise HelpdeskError("zammad: search response has no tickets")
    ids = [item.get("id") if isinstance(item, dict) else item for item in items]
    return sorted(int(i) for i in ids if isinstance(i, int | str) and str(i).isdigit())


def state_of(body: Mapping[str, Any]) -> str:
    """The state's name if the answer was expanded, else its id."""
    if isinstance(body.get("state"), str):
        return str(body["state"])
    return str(field(body, VENDOR, "state_id"))


def reply_event(headers: Mapping[str, str], body: bytes, secrets: Mapping[str, str], now: datetime) -> str | None:
    """The ticket to re-read after the trigger's signed webhook, or None when its article is not a
    public one by an agent (or there is none: a trigger on a ticket change)."""
    _replies.check_prefixed_hmac(
        _replies.header(headers, SIGNATURE_HEADER), _replies.secret(secrets, "webhook_secret"), body, "sha1"
    )
    document = _replies.event(body)
    article = document.get("article")
    ticket = _replies.ticket_id(_replies.at(document, "ticket", "id"), "ticket.id")
    if not isinstance(article, dict) or article.get("internal") is True:
        return None
    return ticket if article.get("sender", "Agent") == "Agent" else None


def article_comment(article: Mapping[str, Any], me: int | None) -> DeskComment:
    body = article.get("body")
    html = str(article.get("content_type", "")).lower() == "text/html"
    return DeskComment(
        id=str(article.get("id", "")),
        body=_replies.plain(body) if html else str(body or ""),
        public=article.get("internal") is False,
        by_agent=article.get("sender") == "Agent",
        ours=me is not None and article.get("created_by_id") == me,
        created_at=_replies.when(article.get("created_at")),
        author=str(article.get("created_by") or article.get("created_by_id") or ""),
    )


class Zammad:
    VENDOR = VENDOR
    FEATURES = FEATURES

    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.base = setting(settings, "url").rstrip("/")
        self.api = f"{self.base}/api/v1"
        self.group = setting(settings, "group", "Users")
        self.domain = setting(settings, "requester_domain", DEFAULT_REQUESTER_DOMAIN)
        self.priority_ids = priority_names(settings, "priority_ids", PRIORITY)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in self.priority_ids.values()):
            raise HelpdeskError("zammad setting 'priority_ids' must map priorities to numeric ids")
        if not secrets.get("token"):
            raise HelpdeskError("zammad needs the secret 'token'")
        self.http = http.session({"Accept": "application/json", "Authorization": f"Token token={secrets['token']}"})
        self._me: int | None = None

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return http.call(self.http, method, f"{self.api}{path}", VENDOR, **kwargs)

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise HelpdeskError(f"zammad: expected JSON from {response.request.method} {response.url}") from error

    def _object(self, response: requests.Response) -> dict[str, Any]:
        body = self._json(response)
        if not isinstance(body, dict):
            raise HelpdeskError(f"zammad: expected a JSON object from {response.request.method} {response.url}")
        return body

    def _ref(self, ticket_id: object) -> TicketRef:
        return TicketRef(VENDOR, str(ticket_id), f"{self.base}/#ticket/zoom/{ticket_id}")

    def _ticket_id(self, ticket: TicketRef) -> int:
        return int(numeric_id(VENDOR, ticket.id))

    def open_ticket(self, draft: TicketDraft, idempotency_key: str) -> TicketRef:
        payload = ticket_payload(
            draft, idempotency_key, group=self.group, domain=self.domain, priority_ids=self.priority_ids
        )
        created = self._object(self._call("POST", "/tickets", json=payload))
        return self._ref(field(created, VENDOR, "id"))

    def find_ticket(self, idempotency_key: str) -> TicketRef | None:
        params = {"query": search_query(idempotency_key), "limit": "10"}
        ids = found_ids(self._json(self._call("GET", "/tickets/search", params=params)))
        return self._ref(ids[0]) if ids else None

    def add_comment(self, ticket: TicketRef, text: str) -> None:
        article = {
            "ticket_id": self._ticket_id(ticket),
            "body": text,
            "type": "note",
            "internal": True,
            "content_type": "text/plain",
        }
        self._call("POST", "/ticket_articles", json=article)

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        self._call("PUT", f"/tickets/{self._ticket_id(ticket)}", json={"priority_id": self.priority_ids[priority]})

    def reopen(self, ticket: TicketRef) -> None:
        """Not offered (no "reopen" in FEATURES): state ids and names differ per install."""
        raise HelpdeskError("zammad: reopen is not offered; FEATURES has no 'reopen'")

    def ticket_state(self, ticket: TicketRef) -> DeskState:
        """The state from the ticket's read, its tags from the tags endpoint (the read has none)."""
        number = self._ticket_id(ticket)
        shown = self._object(self._call("GET", f"/tickets/{number}", params={"expand": "true"}))
        tags = self._object(self._call("GET", "/tags", params={"object": "Ticket", "o_id": str(number)}))
        return DeskState(state_of(shown), strings(tags.get("tags")))

    def me(self) -> int:
        """Our token's user id, asked once per instance: the articles it writes are ours."""
        if self._me is None:
            found = field(self._object(self._call("GET", "/users/me")), VENDOR, "id")
            if not isinstance(found, int) or isinstance(found, bool):
                raise HelpdeskError("zammad: users/me has no numeric id")
            self._me = found
        return self._me

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        articles = self._json(self._call("GET", f"/ticket_articles/by_ticket/{self._ticket_id(ticket)}"))
        if not isinstance(articles, list):
            raise HelpdeskError("zammad: expected a list of articles")
        me = self.me()
        return [article_comment(a, me) for a in articles if isinstance(a, dict)]


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> Zammad:
    return Zammad(settings, secrets)
