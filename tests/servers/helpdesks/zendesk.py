"""Zendesk Support API v2 as we use it, from the notes in docs/helpdesks.md.

- Basic auth `{email}/token:{api_token}` only (else 401 `{"error": "Couldn't authenticate you"}`).
- `POST /api/v2/tickets` {"ticket": {...}} → 201 {"ticket"} + `Location`; `comment.body` required,
  `priority` low|normal|high|urgent, `tags` strings, `external_id` string, `custom_fields` [{id, value}].
  `Idempotency-Key`: a replay with the same body returns the first 201 with
  `x-idempotency-lookup: hit`; the same key with another body is a 400.
- `GET /api/v2/tickets?external_id=` → {"tickets": [...]} (not unique: every match, by id);
- `GET|PUT /api/v2/tickets/{id}`: PUT {"ticket": {comment?, priority?, status?, tags?}};
- `GET /api/v2/tickets/{id}/comments` → {"comments": [...]}.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from typing import Any

from tests.servers.helpdesks.base import ContractServer, Handler, Rejected, Reply, Request, check_fields, check_strings

PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
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

    def authorize(self, request: Request) -> None:
        if request.basic_auth() != (f"{self.email}/token", self.api_token):
            raise Rejected(401, "Couldn't authenticate you")

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", r"/api/v2/tickets", self._create),
            ("GET", r"/api/v2/tickets", self._list),
            ("GET", r"/api/v2/tickets/(\d+)/comments", self._comments),
            ("GET", r"/api/v2/tickets/(\d+)", self._show),
            ("PUT", r"/api/v2/tickets/(\d+)", self._update),
        ]

    def _ticket(self, match: re.Match[str]) -> dict[str, Any]:
        ticket = self.tickets.get(int(match.group(1)))
        if ticket is None:
            raise Rejected(404, "RecordNotFound")
        return ticket

    @staticmethod
    def _comment(raw: Any, where: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise Rejected(400, f"{where} must be an object")
        check_fields(raw, where, {"body": str}, {"public": bool, "html_body": str, "author_id": int})
        if not raw["body"].strip():
            raise Rejected(400, f"{where}.body is blank")
        return {"body": raw["body"], "public": raw.get("public", True)}

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

    def _comments(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, {"comments": self.comments[self._ticket(match)["id"]]})

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
