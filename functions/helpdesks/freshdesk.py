"""Freshdesk (API v2).

Contract (docs/helpdesks.md; every fact here is [secondary] — third-party summaries of
developers.freshdesk.com, not the page itself — and checked in tests only against
tests/servers/helpdesks/freshdesk.py, so keep it easy to change):
- auth HTTP Basic with the API key as user name and `X` as password;
- create `POST /api/v2/tickets` (201) {subject, description (HTML), one requester identifier
  (`email` | `unique_external_id` | ...), name, priority 1 Low / 2 Medium / 3 High / 4 Urgent,
  status 2 Open, source, tags, custom_fields {cf_<name>: value}} → {"id": <int>, ...};
- `source`: 2 Portal by default (1 Email, 2 Portal, 3 Phone, 7 Chat, 9 Feedback widget, 10 Outbound
  email; older docs' 5 Twitter / 6 Facebook are not in current lists, so not used);
- no external id and no idempotency header on tickets [unconfirmed]: the key goes in as a tag
  `md-<hash>` and is found with `GET /api/v2/search/tickets?query="tag:'md-<hash>'"` → {"results":
  [...], "total": n} (whole query in double quotes, values in single quotes); tags are the
  filterable field the notes are surest of. How soon a new ticket is searchable is unconfirmed;
- note `POST /api/v2/tickets/{id}/notes` {body (HTML), private: true}; update `PUT
  /api/v2/tickets/{id}`; read `GET /api/v2/tickets/{id}` → status (int; we return it as "2".."5"),
  `spam` (boolean) and `tags`, the sweep's verdict signals;
- 429 with `Retry-After` (seconds) [confirmed KB]: handled by `runtime.http`;
- replies (docs/helpdesk-replies.md): `GET /api/v2/tickets/{id}/conversations?page=&per_page=100`
  (oldest first, next page in `Link: <…>; rel="next"`) [secondary]; fields `private`, `incoming`,
  `source` (0 reply, 2 note), `user_id`, `body` (HTML), `body_text` [confirmed: SDK]; our agent from
  `GET /api/v2/agents/me` [secondary]. A public note (source 2, not private) shows in the portal but
  is not a reply, and notes, public or internal, never go to the customer.
- Freshdesk signs no webhook [secondary]: the automation rule's "Trigger webhook" sends the header
  `X-Mentiondesk-Token: <events_token>` (the status route's token) and `{"ticket_id": {{ticket.id}}}`.

Settings: `url` (e.g. `https://acme.freshdesk.com`) or `domain` (`acme`), `source` (default 2),
`requester_field` (`email`, default: a placeholder address; or `unique_external_id`:
`<network>:<author id>`, needs that contact field enabled), `custom_field` (optional `cf_...` name
that also receives the mention key), `requester_domain` (default `mentiondesk.invalid`).
Secrets: `api_key`; for the reply push `events_token`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from functions.core.score import Priority
from functions.core.tickets import (
    DeskComment,
    DeskEventSignatureError,
    DeskState,
    HelpdeskError,
    Requester,
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
    numeric_id,
    requester_email,
    requester_name,
    strings,
)
from functions.runtime import http

VENDOR = "freshdesk"
FEATURES = frozenset(
    {"priority", "tags", "custom_fields", "external_reference", "comments", "status", "reopen", "replies"}
)
REPLY_EVENT_SECRETS = ("events_token",)
REPLY_EVENT_HEADER = "X-Mentiondesk-Token"  # without it a push is unsigned: 401 at the door
TOKEN_HEADER = "X-Mentiondesk-Token"  # noqa: S105 (a header name)
SOURCE_NOTE = 2  # conversation source: 0 reply, 2 note
CONVERSATIONS_PAGE = 100

PRIORITY = {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 4}
STATUS_OPEN = 2
SOURCE_PORTAL = 2
REQUESTER_FIELDS = ("email", "unique_external_id")


def html_text(text: str) -> str:
    """Plain text as Freshdesk's HTML `description`/`body`: escaped, paragraphs and line breaks kept."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs) or "<p></p>"


def requester_fields(requester: Requester, mode: str, domain: str = DEFAULT_REQUESTER_DOMAIN) -> dict[str, str]:
    """The requester identifier and name for a ticket: a placeholder e-mail or a unique external id."""
    if mode == "unique_external_id":
        return {"unique_external_id": f"{requester.network}:{requester.id}", "name": requester_name(requester)}
    return {"email": requester_email(requester, domain), "name": requester_name(requester)}


def search_query(idempotency_key: str) -> str:
    return f"\"tag:'{key_label(idempotency_key)}'\""


def ticket_payload(
    draft: TicketDraft,
    idempotency_key: str,
    *,
    requester_field: str = "email",
    domain: str = DEFAULT_REQUESTER_DOMAIN,
    source: int = SOURCE_PORTAL,
    custom_field: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "subject": draft.subject,
        "description": html_text(draft.body),
        **requester_fields(draft.requester, requester_field, domain),
        "priority": PRIORITY[draft.priority],
        "status": STATUS_OPEN,
        "source": source,
        "tags": [key_label(idempotency_key), *draft.tags],
    }
    if custom_field:
        payload["custom_fields"] = {custom_field: idempotency_key}
    return payload


def reply_event(headers: Mapping[str, str], body: bytes, secrets: Mapping[str, str], now: datetime) -> str | None:
    """The ticket to re-read after the automation rule's webhook: no signature exists, so the long
    random token it sends is compared in constant time; the body is our hand-written JSON."""
    if not same_secret(_replies.header(headers, TOKEN_HEADER), _replies.secret(secrets, "events_token")):
        raise DeskEventSignatureError(f"freshdesk: {TOKEN_HEADER} does not match")
    return _replies.ticket_id(_replies.event(body).get("ticket_id"), "ticket_id")


def conversation_comment(raw: Mapping[str, Any], me: int | None) -> DeskComment:
    """A conversation: public unless private or a note (a public note shows in the portal but is not
    addressed to the customer); an agent's when it did not come in from outside; ours when our agent
    wrote it."""
    note = raw.get("source") == SOURCE_NOTE
    return DeskComment(
        id=str(raw.get("id", "")),
        body=str(raw.get("body_text") or _replies.plain(raw.get("body"))).strip(),
        public=raw.get("private") is False and not note,
        by_agent=raw.get("incoming") is False,
        ours=me is not None and raw.get("user_id") == me,
        created_at=_replies.when(raw.get("created_at")),
        author=str(raw.get("user_id", "")),
    )


def ticket_state(body: Mapping[str, Any]) -> DeskState:
    """`GET /tickets/{id}` → the status number (as text), the tags and the spam flag."""
    return DeskState(str(field(body, VENDOR, "status")), strings(body.get("tags")), spam=body.get("spam") is True)


class Freshdesk:
    VENDOR = VENDOR
    FEATURES = FEATURES

    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.base = base_url(settings, "domain", "https://{}.freshdesk.com")
        self.api = f"{self.base}/api/v2"
        self.domain = setting(settings, "requester_domain", DEFAULT_REQUESTER_DOMAIN)
        self.requester_field = setting(settings, "requester_field", "email")
        if self.requester_field not in REQUESTER_FIELDS:
            raise HelpdeskError(f"freshdesk setting 'requester_field' must be one of {', '.join(REQUESTER_FIELDS)}")
        source = settings.get("source", SOURCE_PORTAL)
        if not isinstance(source, int) or isinstance(source, bool):
            raise HelpdeskError("freshdesk setting 'source' must be an integer")
        self.source = source
        custom_field = settings.get("custom_field")
        if custom_field is not None and not (isinstance(custom_field, str) and custom_field.startswith("cf_")):
            raise HelpdeskError("freshdesk setting 'custom_field' must be a field API name like 'cf_mention_id'")
        self.custom_field = custom_field
        if not secrets.get("api_key"):
            raise HelpdeskError("freshdesk needs the secret 'api_key'")
        self.http = http.session({"Accept": "application/json"})
        self.http.auth = (secrets["api_key"], "X")
        self._me: int | None = None

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return http.call(self.http, method, f"{self.api}{path}", VENDOR, **kwargs)

    def _ref(self, ticket_id: object) -> TicketRef:
        return TicketRef(VENDOR, str(ticket_id), f"{self.base}/a/tickets/{ticket_id}")

    def _ticket_path(self, ticket: TicketRef) -> str:
        return f"/tickets/{numeric_id(VENDOR, ticket.id)}"

    def open_ticket(self, draft: TicketDraft, idempotency_key: str) -> TicketRef:
        payload = ticket_payload(
            draft,
            idempotency_key,
            requester_field=self.requester_field,
            domain=self.domain,
            source=self.source,
            custom_field=self.custom_field,
        )
        created = json_object(self._call("POST", "/tickets", json=payload), VENDOR)
        return self._ref(field(created, VENDOR, "id"))

    def find_ticket(self, idempotency_key: str) -> TicketRef | None:
        found = json_object(
            self._call("GET", "/search/tickets", params={"query": search_query(idempotency_key)}), VENDOR
        )
        ids = sorted(int(t["id"]) for t in found.get("results") or [] if isinstance(t, dict) and "id" in t)
        return self._ref(ids[0]) if ids else None

    def add_comment(self, ticket: TicketRef, text: str) -> None:
        self._call("POST", f"{self._ticket_path(ticket)}/notes", json={"body": html_text(text), "private": True})

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        self._call("PUT", self._ticket_path(ticket), json={"priority": PRIORITY[priority]})

    def reopen(self, ticket: TicketRef) -> None:
        self._call("PUT", self._ticket_path(ticket), json={"status": STATUS_OPEN})

    def ticket_state(self, ticket: TicketRef) -> DeskState:
        return ticket_state(json_object(self._call("GET", self._ticket_path(ticket)), VENDOR))

    def me(self) -> int:
        """Our API key's agent id, asked once per instance: its conversations are ours."""
        if self._me is None:
            found = field(json_object(self._call("GET", "/agents/me"), VENDOR), VENDOR, "id")
            if not isinstance(found, int) or isinstance(found, bool):
                raise HelpdeskError("freshdesk: agents/me has no numeric id")
            self._me = found
        return self._me

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        found: list[DeskComment] = []
        url: str | None = f"{self.api}{self._ticket_path(ticket)}/conversations"
        params: dict[str, Any] | None = {"page": 1, "per_page": CONVERSATIONS_PAGE}
        while url:
            response = http.call(self.http, "GET", url, VENDOR, params=params)
            page = response.json() if response.content else []
            if not isinstance(page, list):
                raise HelpdeskError("freshdesk: expected a list of conversations")
            found += [conversation_comment(c, self.me()) for c in page if isinstance(c, dict)]
            following = response.links.get("next", {}).get("url")
            url = following if isinstance(following, str) and following.startswith(self.api) else None
            params = None  # the next link carries the query
        return found


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> Freshdesk:
    return Freshdesk(settings, secrets)
