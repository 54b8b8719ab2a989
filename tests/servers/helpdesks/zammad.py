"""Zammad REST API v1 as we use it, from the notes in docs/helpdesks.md (zammad-documentation api/).

- `Authorization: Token token=<token>` only, else 401 {"error": "Invalid token"}.
- `POST /api/v1/tickets` (201): `title`, `group` (a known group name), a customer
  (`customer_id`: id or `guess:<email>`, or `customer`), `article` {body, type, internal,
  content_type, subject}, `priority_id` (1-3), `state_id`, `tags` ("a,b") → the ticket.
- `GET /api/v1/tickets/search?query=tags:"<tag>"` → {"tickets": [ids], "tickets_count": n, "assets"}
  (only that query form); `GET /api/v1/tickets/{id}[?expand=true]` (expand names the state);
  `PUT /api/v1/tickets/{id}`; `POST /api/v1/ticket_articles` {ticket_id, body, type, internal, ...}.
- A ticket's read has no tags: `GET /api/v1/tags?object=Ticket&o_id={id}` → {"tags": [...]}
  (api/ticket/tags.rst); an id it holds no tags for → {"tags": []} [unconfirmed]. Agents close
  tickets and tag them in the UI: `agent_updates`.
- `GET /api/v1/ticket_articles/by_ticket/{id}` → every article (a list, no paging) with `internal`,
  `sender` Agent/Customer/System, `created_by_id`, `created_by` (login); what the API writes is by
  the token's user (`GET /api/v1/users/me`), an agent. Tests add what people do in Zammad's UI
  (`agent_reply`, `internal_note`, `customer_article`); `trigger_push` is the signed webhook a
  trigger sends.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from typing import Any

from tests.servers.helpdesks.base import ContractServer, Handler, Rejected, Reply, Request, check_fields

PRIORITIES = {1: "1 low", 2: "2 normal", 3: "3 high"}
STATES = {1: "new", 2: "open", 3: "pending reminder", 4: "closed", 5: "merged", 7: "pending close"}
ARTICLE_TYPES = ("note", "email", "phone", "web", "sms")
TAG_QUERY = re.compile(r'^tags:"([^"\s]+)"$')
GUESS = re.compile(r"^guess:[^@\s]+@[^@\s]+$")
ARTICLE_FIELDS: dict[str, Any] = {
    "subject": str,
    "type": str,
    "internal": bool,
    "content_type": str,
    "sender": str,
    "from": str,
    "to": str,
}


class ZammadServer(ContractServer):
    name = "zammad"

    def __init__(self, token: str = "zammad-token", groups: tuple[str, ...] = ("Users", "Social")) -> None:  # noqa: S107 -- test credentials
        super().__init__()
        self.token = token
        self.groups = groups
        self.tickets: dict[int, dict[str, Any]] = {}
        self.articles: dict[int, list[dict[str, Any]]] = {}
        self.customers: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._article_ids = itertools.count(1)
        self.users = {
            3: {"id": 3, "login": "mentiondesk-api", "firstname": "mentiondesk", "lastname": "API", "role": "Agent"},
            4: {"id": 4, "login": "alice@acme.example", "firstname": "Alice", "lastname": "Agent", "role": "Agent"},
        }
        self.api_user, self.agent = 3, 4

    def authorize(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Token token={self.token}":
            raise Rejected(401, "Invalid token")

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", r"/api/v1/tickets", self._create),
            ("GET", r"/api/v1/tickets/search", self._search),
            ("GET", r"/api/v1/tickets/(\d+)", self._show),
            ("PUT", r"/api/v1/tickets/(\d+)", self._update),
            ("POST", r"/api/v1/ticket_articles", self._article),
            ("GET", r"/api/v1/ticket_articles/by_ticket/(\d+)", self._by_ticket),
            ("GET", r"/api/v1/users/me", self._me),
            ("GET", r"/api/v1/tags", self._tags),
        ]

    def _ticket(self, ticket_id: int) -> dict[str, Any]:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise Rejected(404, f"No such ticket {ticket_id}")
        return ticket

    def _customer(self, document: dict[str, Any]) -> int:
        given = [name for name in ("customer_id", "customer") if name in document]
        if len(given) != 1:
            raise Rejected(422, "a ticket needs exactly one of customer_id, customer")
        value = document[given[0]]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and (GUESS.match(value) or given[0] == "customer"):
            email = value.removeprefix("guess:")
            return self.customers.setdefault(email, 100 + len(self.customers))
        raise Rejected(422, f"{given[0]} must be an id or 'guess:<email>', got {value!r}")

    def _new_article(self, ticket_id: int, raw: dict[str, Any], author: int | None = None) -> dict[str, Any]:
        if raw.get("type", "note") not in ARTICLE_TYPES:
            raise Rejected(422, f"article.type must be one of {ARTICLE_TYPES}")
        article_id = next(self._article_ids)
        by = author or self.api_user
        user = self.users.get(by) or {"login": f"customer-{by}", "role": "Customer"}
        article = {
            "id": article_id,
            "ticket_id": ticket_id,
            "internal": False,
            "content_type": "text/plain",
            "sender": user["role"],
            "sender_id": 1 if user["role"] == "Agent" else 2,
            "created_by_id": by,
            "created_by": user["login"],
            "created_at": f"2026-12-04T10:{article_id % 60:02d}:00.000Z",
            **raw,
        }
        self.articles[ticket_id].append(article)
        return article

    def agent_reply(self, ticket_id: int, html: str) -> int:
        """An agent's public reply typed in Zammad's UI (HTML, as the rich-text editor sends)."""
        with self.lock:
            raw = {"body": html, "type": "web", "internal": False, "content_type": "text/html"}
            return int(self._new_article(ticket_id, raw, self.agent)["id"])

    def internal_note(self, ticket_id: int, text: str) -> int:
        with self.lock:
            return int(self._new_article(ticket_id, {"body": text, "type": "note", "internal": True}, self.agent)["id"])

    def customer_article(self, ticket_id: int, text: str) -> int:
        with self.lock:
            customer = self._ticket(ticket_id)["customer_id"]
            return int(self._new_article(ticket_id, {"body": text, "type": "web", "internal": False}, customer)["id"])

    def agent_updates(self, ticket_id: int, state_id: int | None = None, tags: tuple[str, ...] = ()) -> None:
        """An agent in Zammad's UI: a new state (ids as seeded: 4 closed), tags added."""
        with self.lock:
            ticket = self._ticket(ticket_id)
            if state_id is not None:
                assert state_id in STATES, state_id
                ticket["state_id"] = state_id
            ticket["tags"] = [*ticket["tags"], *(t for t in tags if t not in ticket["tags"])]

    def _tags(self, request: Request, _: re.Match[str]) -> Reply:
        unknown = set(request.query) - {"object", "o_id"}
        if unknown:
            raise Rejected(422, f"unknown query parameters: {sorted(unknown)}")
        if request.param("object") != "Ticket":
            raise Rejected(422, f"this server keeps tags of tickets only, got object={request.param('object')!r}")
        o_id = request.param("o_id") or ""
        if not o_id.isdigit():
            raise Rejected(422, f"o_id must be a ticket id, got {o_id!r}")
        ticket = self.tickets.get(int(o_id))
        return Reply(200, {"tags": list(ticket["tags"]) if ticket else []})

    def _by_ticket(self, request: Request, match: re.Match[str]) -> Reply:
        if request.query:
            raise Rejected(422, f"unknown query parameters: {sorted(request.query)}")
        return Reply(200, self.articles[self._ticket(int(match.group(1)))["id"]])

    def _me(self, request: Request, _: re.Match[str]) -> Reply:
        user = self.users[self.api_user]
        return Reply(200, {"id": user["id"], "login": user["login"], "active": True})

    def _create(self, request: Request, _: re.Match[str]) -> Reply:
        document = request.json()
        check_fields(
            document,
            "ticket",
            {"title": str, "group": str, "article": dict},
            {"customer_id": (int, str), "customer": str, "priority_id": int, "state_id": int, "tags": str},
        )
        if document["group"] not in self.groups:
            raise Rejected(422, f"No such group {document['group']!r}")
        if document.get("priority_id", 2) not in PRIORITIES:
            raise Rejected(422, f"No such priority_id {document.get('priority_id')}")
        if document.get("state_id", 1) not in STATES:
            raise Rejected(422, f"No such state_id {document.get('state_id')}")
        check_fields(document["article"], "article", {"body": str}, ARTICLE_FIELDS)
        tags = [t for t in (part.strip() for part in document.get("tags", "").split(",")) if t]
        ticket_id = next(self._ids)
        stored = {
            "id": ticket_id,
            "number": str(31000 + ticket_id),
            "title": document["title"],
            "group_id": self.groups.index(document["group"]) + 1,
            "customer_id": self._customer(document),
            "priority_id": document.get("priority_id", 2),
            "state_id": document.get("state_id", 1),
            "tags": tags,
        }
        self.tickets[ticket_id] = stored
        self.articles[ticket_id] = []
        self._new_article(ticket_id, document["article"])
        return Reply(201, {k: v for k, v in stored.items() if k != "tags"})

    def _search(self, request: Request, _: re.Match[str]) -> Reply:
        unknown = set(request.query) - {"query", "limit", "page", "per_page", "sort_by", "order_by", "expand"}
        if unknown:
            raise Rejected(422, f"unknown query parameters: {sorted(unknown)}")
        matched = TAG_QUERY.match(request.param("query") or "")
        if matched is None:
            raise Rejected(422, f'this server understands only tags:"...", got {request.param("query")!r}')
        limit = request.param("limit") or "10"
        if not limit.isdigit():
            raise Rejected(422, "limit must be a number")
        ids = [t["id"] for t in self.tickets.values() if matched.group(1) in t["tags"]][: int(limit)]
        assets = {"Ticket": {str(i): self.tickets[i] for i in ids}}
        return Reply(200, {"tickets": ids, "tickets_count": len(ids), "assets": assets})

    def _show(self, request: Request, match: re.Match[str]) -> Reply:
        ticket = {k: v for k, v in self._ticket(int(match.group(1))).items() if k != "tags"}
        if request.param("expand") == "true":
            ticket = {**ticket, "state": STATES[ticket["state_id"]], "priority": PRIORITIES[ticket["priority_id"]]}
        return Reply(200, ticket)

    def _update(self, request: Request, match: re.Match[str]) -> Reply:
        stored = self._ticket(int(match.group(1)))
        document = request.json()
        check_fields(document, "ticket", {}, {"priority_id": int, "state_id": int, "title": str, "group": str})
        if "priority_id" in document and document["priority_id"] not in PRIORITIES:
            raise Rejected(422, f"No such priority_id {document['priority_id']}")
        if "state_id" in document and document["state_id"] not in STATES:
            raise Rejected(422, f"No such state_id {document['state_id']}")
        stored.update(document)
        return Reply(200, {k: v for k, v in stored.items() if k != "tags"})

    def _article(self, request: Request, _: re.Match[str]) -> Reply:
        document = request.json()
        check_fields(document, "article", {"ticket_id": int, "body": str}, ARTICLE_FIELDS)
        self._ticket(document["ticket_id"])
        raw = {k: v for k, v in document.items() if k != "ticket_id"}
        return Reply(201, self._new_article(document["ticket_id"], raw))


def trigger_push(server: ZammadServer, token: str, ticket_id: int, article_id: int) -> tuple[dict[str, str], bytes]:
    """What a Zammad trigger's webhook POSTs for this article: the default payload, signed
    `X-Hub-Signature: sha1=<hex HMAC-SHA1(signature_token, body)>`."""
    article = next(a for a in server.articles[ticket_id] if a["id"] == article_id)
    document = {"ticket": {**server.tickets[ticket_id], "state": "open"}, "article": article}
    body = json.dumps(document).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Zammad User Agent",
        "X-Zammad-Trigger": "mentiondesk replies",
        "X-Zammad-Delivery": f"job-{article_id}",
        "X-Hub-Signature": "sha1=" + hmac.new(token.encode(), body, hashlib.sha1).hexdigest(),
    }
    return headers, body
