"""Zendesk Support API v2 as we use it, from the notes in docs/helpdesks.md.

- Basic auth `{email}/token:{api_token}` only (else 401 `{"error": "Couldn't authenticate you"}`).
- `POST /api/v2/tickets` {"ticket": {...}} → 201 {"ticket"} + `Location`; `comment.body` required,
  `priority` low|normal|high|urgent, `tags` strings, `external_id` string, `custom_fields` [{id, value}].
  `Idempotency-Key`: a replay with the same body returns the first 201 with
  `x-idempotency-lookup: hit`; the same key with another body is a 400.
- `GET /api/v2/tickets?external_id=` → {"tickets": [...]} (not unique: every match, by id);
- `GET|PUT /api/v2/tickets/{id}`: PUT {"ticket": {comment?, priority?, status?, tags?}}; GET → {"ticket"}
  with `status` and `tags` (where an agent's macro adds `not_complaint`: `agent_updates`);
- `GET /api/v2/tickets/{id}/comments` → {"comments": [...], "users"?: [...], "meta", "links"}: oldest
  first, cursor pages (`page[size]` 1..100, `page[after]`), `include=users` sideloads the authors
  (`role` end-user|agent|admin); comments made through the API are by the authenticated user
  (`via.channel` "api"); `GET /api/v2/users/me` → {"user"} (that user).
- Tests add what agents and customers do in Zendesk's UI (`agent_reply`, `internal_note`,
  `customer_comment`), and `comment_added_push` is the signed event webhook Zendesk would send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.servers.helpdesks.base import ContractServer, Handler, Rejected, Reply, Request, check_fields, check_strings

PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
CLOCK_START = datetime(2026, 12, 4, 10, tzinfo=UTC)  # comments are a minute apart from here
TICKET_FIELDS: dict[str, Any] = {
    "subject": str,
    "requester": dict,
    "requester_id": int,
    "priority": str,
    "type": str,
    "status": str,
    "tags": list,
    "external_id": str,
    "custom_fields": list,
}


class ZendeskServer(ContractServer):
    name = "zendesk"

    def __init__(self, email: str = "agent@acme.example", api_token: str = "zd-token") -> None:  # noqa: S107 -- test credentials
        super().__init__()
        self.email = email
        self.api_token = api_token
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.idempotency: dict[str, tuple[str, Reply]] = {}
        self._ids = itertools.count(101)
        self._comment_ids = itertools.count(9001)
        self.page_cap = 100  # Zendesk's largest page; tests lower it to make the adapter page
        self.users: dict[int, dict[str, Any]] = {
            1: {"id": 1, "name": "mentiondesk API", "email": email, "role": "admin"},
            2: {"id": 2, "name": "Agent Alice", "email": "alice@acme.example", "role": "agent"},
        }
        self.api_user, self.agent = 1, 2

    def authorize(self, request: Request) -> None:
        if request.basic_auth() != (f"{self.email}/token", self.api_token):
            raise Rejected(401, "Couldn't authenticate you")

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", r"/api/v2/tickets", self._create),
            ("GET", r"/api/v2/tickets", self._list),
            ("GET", r"/api/v2/tickets/(\d+)/comments", self._comments),
            ("GET", r"/api/v2/users/me", self._me),
            ("GET", r"/api/v2/tickets/(\d+)", self._show),
            ("PUT", r"/api/v2/tickets/(\d+)", self._update),
        ]

    def _ticket(self, match: re.Match[str]) -> dict[str, Any]:
        ticket = self.tickets.get(int(match.group(1)))
        if ticket is None:
            raise Rejected(404, "RecordNotFound")
        return ticket

    def _comment(self, raw: Any, where: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise Rejected(400, f"{where} must be an object")
        check_fields(raw, where, {"body": str}, {"public": bool, "html_body": str, "author_id": int})
        if not raw["body"].strip():
            raise Rejected(400, f"{where}.body is blank")
        return self._stored_comment(raw["body"], raw.get("public", True), self.api_user, "api")

    def _stored_comment(self, body: str, public: bool, author_id: int, channel: str) -> dict[str, Any]:
        comment_id = next(self._comment_ids)
        return {
            "id": comment_id,
            "type": "Comment",
            "author_id": author_id,
            "body": body,
            "html_body": f'<div class="zd-comment"><p>{body}</p></div>',
            "plain_body": body,
            "public": public,
            "created_at": (CLOCK_START + timedelta(minutes=comment_id - 9000)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "via": {"channel": channel},
        }

    def _add(self, ticket_id: int, body: str, public: bool, author_id: int) -> int:
        with self.lock:
            comment = self._stored_comment(body, public, author_id, "web")
            self.comments[ticket_id].append(comment)
            return int(comment["id"])

    def agent_updates(self, ticket_id: int, status: str | None = None, tags: tuple[str, ...] = ()) -> None:
        """An agent in Zendesk's UI: a new status, tags added (as a macro adds them)."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            if status is not None:
                assert status in STATUSES, status
                ticket["status"] = status
            ticket["tags"] = sorted(set(ticket["tags"]) | set(tags))

    def agent_reply(self, ticket_id: int, body: str) -> int:
        """An agent's public reply typed in Zendesk's agent UI; its comment id."""
        return self._add(ticket_id, body, True, self.agent)

    def internal_note(self, ticket_id: int, body: str) -> int:
        return self._add(ticket_id, body, False, self.agent)

    def customer_comment(self, ticket_id: int, body: str) -> int:
        """The requester answers (by e-mail or the help center): public, by an end-user."""
        with self.lock:
            user_id = max(self.users) + 1
            self.users[user_id] = {"id": user_id, "name": "Ivan P.", "email": "ivan@example.com", "role": "end-user"}
        return self._add(ticket_id, body, True, user_id)

    @staticmethod
    def _check_common(ticket: dict[str, Any]) -> None:
        if "priority" in ticket and ticket["priority"] not in PRIORITIES:
            raise Rejected(400, f"ticket.priority must be one of {PRIORITIES}")
        if "status" in ticket and ticket["status"] not in STATUSES:
            raise Rejected(400, f"ticket.status must be one of {STATUSES}")
        if "tags" in ticket:
            for tag in check_strings(ticket["tags"], "ticket.tags"):
                if not tag or any(c.isspace() for c in tag):
                    raise Rejected(400, f"ticket.tags: {tag!r} would be split on whitespace")
        for position, custom in enumerate(ticket.get("custom_fields", [])):
            if not isinstance(custom, dict):
                raise Rejected(400, f"ticket.custom_fields[{position}] must be an object")
            check_fields(custom, f"ticket.custom_fields[{position}]", {"id": int, "value": (str, int, float, bool)})

    def _create(self, request: Request, _: re.Match[str]) -> Reply:
        document = request.json()
        check_fields(document, "body", {"ticket": dict})
        ticket = document["ticket"]
        check_fields(ticket, "ticket", {"subject": str, "comment": dict}, TICKET_FIELDS)
        comment = self._comment(ticket["comment"], "ticket.comment")
        self._check_common(ticket)
        if "requester" in ticket:
            check_fields(ticket["requester"], "ticket.requester", {"email": str}, {"name": str, "locale_id": int})
            if "@" not in ticket["requester"]["email"]:
                raise Rejected(400, "ticket.requester.email is not an e-mail address")
        key = request.headers.get("idempotency-key")
        fingerprint = hashlib.sha256(request.body).hexdigest()
        if key is not None:
            if not key or len(key) > 255:
                raise Rejected(400, "Idempotency-Key must be 1-255 characters")
            if key in self.idempotency:
                seen, reply = self.idempotency[key]
                if seen != fingerprint:
                    raise Rejected(
                        400,
                        "IdempotentRequestError",
                        {"error": "IdempotentRequestError", "description": "Request parameters don't match"},
                    )
                return Reply(reply.status, reply.body, {**reply.headers, "x-idempotency-lookup": "hit"})
        ticket_id = next(self._ids)
        stored = {
            "id": ticket_id,
            "url": f"{self.url}/api/v2/tickets/{ticket_id}.json",
            "subject": ticket["subject"],
            "description": comment["body"],
            "status": "new",
            "priority": ticket.get("priority"),
            "requester": ticket.get("requester"),
            "tags": sorted(set(ticket.get("tags", []))),
            "external_id": ticket.get("external_id"),
            "custom_fields": ticket.get("custom_fields", []),
        }
        self.tickets[ticket_id] = stored
        self.comments[ticket_id] = [comment]
        reply = Reply(201, {"ticket": stored}, {"Location": stored["url"]})
        if key is not None:
            self.idempotency[key] = (fingerprint, reply)
            reply = Reply(201, reply.body, {**reply.headers, "x-idempotency-lookup": "miss"})
        return reply

    def _list(self, request: Request, _: re.Match[str]) -> Reply:
        unknown = set(request.query) - {"external_id", "page", "per_page", "sort_by", "sort_order"}
        if unknown:
            raise Rejected(400, f"unknown query parameters: {sorted(unknown)}")
        wanted = request.param("external_id")
        found = [t for t in self.tickets.values() if wanted is None or t["external_id"] == wanted]
        return Reply(200, {"tickets": found, "count": len(found), "next_page": None, "previous_page": None})

    def _show(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, {"ticket": self._ticket(match)})

    def _me(self, request: Request, _: re.Match[str]) -> Reply:
        return Reply(200, {"user": self.users[self.api_user]})

    def _comments(self, request: Request, match: re.Match[str]) -> Reply:
        """Oldest first, cursor pagination (our cursor is the last comment id of the page)."""
        ticket_id = self._ticket(match)["id"]
        unknown = set(request.query) - {"include", "page[size]", "page[after]", "sort", "include_inline_images"}
        if unknown:
            raise Rejected(400, f"unknown query parameters: {sorted(unknown)}")
        if request.param("include") not in (None, "users"):
            raise Rejected(400, "include: only users can be sideloaded here")
        size_text = request.param("page[size]") or "100"
        if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
            raise Rejected(400, "page[size] must be 1..100", {"error": "InvalidPaginationParameter"})
        size = min(int(size_text), self.page_cap)
        after = request.param("page[after]")
        comments = self.comments[ticket_id]
        start = 0 if after is None else next((i + 1 for i, c in enumerate(comments) if str(c["id"]) == after), -1)
        if start < 0:
            raise Rejected(400, "page[after] is not a cursor we gave", {"error": "InvalidPaginationParameter"})
        page = comments[start : start + size]
        more = start + size < len(comments)
        body: dict[str, Any] = {
            "comments": page,
            "meta": {"has_more": more, "after_cursor": str(page[-1]["id"]) if page else None, "before_cursor": None},
            "links": {"next": None, "prev": None},
        }
        if more:
            query = f"page[size]={size_text}&page[after]={page[-1]['id']}"
            if request.param("include"):
                query = f"include=users&{query}"
            body["links"]["next"] = f"{self.url}/api/v2/tickets/{ticket_id}/comments?{query}"
        if request.param("include") == "users":
            authors = {c["author_id"] for c in page}
            body["users"] = [self.users[a] for a in sorted(authors) if a in self.users]
        return Reply(200, body)

    def _update(self, request: Request, match: re.Match[str]) -> Reply:
        stored = self._ticket(match)
        document = request.json()
        check_fields(document, "body", {"ticket": dict})
        changes = document["ticket"]
        check_fields(changes, "ticket", {}, {**TICKET_FIELDS, "comment": dict})
        if not changes:
            raise Rejected(400, "ticket has no changes")
        self._check_common(changes)
        if "comment" in changes:
            self.comments[stored["id"]].append(self._comment(changes["comment"], "ticket.comment"))
        for name in ("priority", "status", "subject", "tags"):
            if name in changes:
                stored[name] = changes[name]
        return Reply(200, {"ticket": stored})


def signed_push(secret: str, document: dict[str, Any], now: datetime) -> tuple[dict[str, str], bytes]:
    """Headers and body of a Zendesk webhook delivery: base64 HMAC-SHA256(secret, timestamp + body)."""
    body = json.dumps(document).encode()
    timestamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Id": "01HWEBHOOK",
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
    }
    return headers, body


def comment_added_push(
    secret: str, ticket_id: int, comment: dict[str, Any], author: dict[str, Any], now: datetime
) -> tuple[dict[str, str], bytes]:
    """The `zen:event-type:ticket.comment_added` delivery for one comment (shape: reference §1a)."""
    document = {
        "type": "zen:event-type:ticket.comment_added",
        "account_id": 22129848,
        "id": f"evt-{ticket_id}-{comment['id']}",
        "time": now.strftime("%Y-%m-%dT%H:%M:%S.000000000Z"),
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {"id": str(ticket_id), "status": "OPEN", "via": {"channel": "web_service"}},
        "event": {
            "comment": {
                "id": str(comment["id"]),
                "body": comment["body"],
                "is_public": comment["public"],
                "author": {"id": str(author["id"]), "is_staff": author["role"] != "end-user", "name": author["name"]},
            }
        },
    }
    return signed_push(secret, document, now)


def zendesk_comment_added_push(
    server: ZendeskServer, secret: str, ticket_id: int, comment_id: int, now: datetime
) -> tuple[dict[str, str], bytes]:
    """The push Zendesk sends for a comment already on the server (for end-to-end tests)."""
    comment = next(c for c in server.comments[ticket_id] if c["id"] == comment_id)
    return comment_added_push(secret, ticket_id, comment, server.users[comment["author_id"]], now)
