"""Freshdesk API v2 as we use it, from the [secondary] notes in docs/helpdesks.md.

- Basic auth with the API key as user name (any password), else 401 `{"code": "invalid_credentials"}`.
- `POST /api/v2/tickets` (201): `subject`, `description`, exactly one requester identifier
  (`email` | `requester_id` | `phone` | `twitter_id` | `facebook_id` | `unique_external_id`),
  `priority` 1-4, `status` 2-5, `source` in the documented list, `tags` strings, `custom_fields`
  {cf_*: value}; errors are 400 {"description": "Validation failed", "errors": [{field, message, code}]}.
- `GET /api/v2/search/tickets?query="tag:'<tag>'"` → {"results": [...], "total": n} (only the
  tag form, whole query in double quotes, as the notes describe);
- `GET|PUT /api/v2/tickets/{id}`; `POST /api/v2/tickets/{id}/notes` {body, private} (201). A ticket
  shows `status`, `tags` and the `spam` boolean (an agent's "Mark as spam" or a `not_complaint` tag:
  `agent_updates`).
- `GET /api/v2/tickets/{id}/conversations?page=&per_page=` (per_page ≤ 100, default 30) → a list of
  conversations, oldest first, the next page in a `Link: <…>; rel="next"` header; `notes` holds
  them all: what the API key writes is by its agent (`GET /api/v2/agents/me`), tests add what people
  do (`agent_reply` source 0, `public_note`/`private_note` source 2, `customer_reply` incoming).
- `rule_push` is what the automation rule's "Trigger webhook" sends (no signature; our token header).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from tests.servers.helpdesks.base import ContractServer, Handler, Rejected, Reply, Request, check_fields, check_strings

REQUESTER_FIELDS = ("email", "requester_id", "phone", "twitter_id", "facebook_id", "unique_external_id")
SOURCES = (1, 2, 3, 7, 9, 10)
TAG_QUERY = re.compile(r"^\"tag:'([^'\"]+)'\"$")
CREATE_OPTIONAL: dict[str, Any] = {
    "name": str,
    "email": str,
    "requester_id": int,
    "phone": str,
    "twitter_id": str,
    "facebook_id": str,
    "unique_external_id": str,
    "status": int,
    "source": int,
    "tags": list,
    "custom_fields": dict,
    "type": str,
    "group_id": int,
    "responder_id": int,
}
UPDATE_FIELDS: dict[str, Any] = {"priority": int, "status": int, "tags": list, "custom_fields": dict, "subject": str}


def _invalid(field: str, message: str) -> Rejected:
    body = {
        "description": "Validation failed",
        "errors": [{"field": field, "message": message, "code": "invalid_value"}],
    }
    return Rejected(400, f"{field}: {message}", body)


class FreshdeskServer(ContractServer):
    name = "freshdesk"

    def __init__(self, api_key: str = "fd-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.tickets: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}  # every conversation of a ticket
        self.page_cap = 100
        self._ids = itertools.count(1)
        self._conversation_ids = itertools.count(5001)
        self.api_agent, self.agent, self.customer = 77001, 77002, 88001

    def authorize(self, request: Request) -> None:
        credentials = request.basic_auth()
        if credentials is None or credentials[0] != self.api_key:
            raise Rejected(
                401, "invalid_credentials", {"code": "invalid_credentials", "message": "You have to be logged in"}
            )

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", r"/api/v2/tickets", self._create),
            ("GET", r"/api/v2/search/tickets", self._search),
            ("POST", r"/api/v2/tickets/(\d+)/notes", self._note),
            ("GET", r"/api/v2/tickets/(\d+)/conversations", self._conversations),
            ("GET", r"/api/v2/agents/me", self._me),
            ("GET", r"/api/v2/tickets/(\d+)", self._show),
            ("PUT", r"/api/v2/tickets/(\d+)", self._update),
        ]

    def _ticket(self, match: re.Match[str]) -> dict[str, Any]:
        ticket = self.tickets.get(int(match.group(1)))
        if ticket is None:
            raise Rejected(404, "not found", {"code": "not_found"})
        return ticket

    @staticmethod
    def _check_values(document: dict[str, Any]) -> None:
        if "priority" in document and document["priority"] not in (1, 2, 3, 4):
            raise _invalid("priority", "It should be one of these values: '1,2,3,4'")
        if "status" in document and document["status"] not in (2, 3, 4, 5):
            raise _invalid("status", "It should be one of these values: '2,3,4,5'")
        if "source" in document and document["source"] not in SOURCES:
            raise _invalid("source", f"It should be one of these values: {SOURCES}")
        if "tags" in document:
            for tag in check_strings(document["tags"], "tags"):
                if not tag or "," in tag or len(tag) > 255:
                    raise _invalid("tags", f"invalid tag {tag!r}")
        for name, value in document.get("custom_fields", {}).items():
            if not name.startswith("cf_") or not isinstance(value, str | int | float | bool):
                raise _invalid(f"custom_fields.{name}", "Unexpected/invalid field in request")

    def _create(self, request: Request, _: re.Match[str]) -> Reply:
        document = request.json()
        try:
            check_fields(document, "ticket", {"subject": str, "description": str, "priority": int}, CREATE_OPTIONAL)
        except Rejected as rejected:
            raise _invalid("ticket", rejected.reason) from rejected
        given = [name for name in REQUESTER_FIELDS if name in document]
        if len(given) != 1:
            raise _invalid("requester", f"exactly one of {REQUESTER_FIELDS} is required, got {given}")
        if "email" in document and "@" not in document["email"]:
            raise _invalid("email", "It should be in the 'valid email address' format")
        self._check_values(document)
        ticket_id = next(self._ids)
        stored = {
            "id": ticket_id,
            "subject": document["subject"],
            "description": document["description"],
            "priority": document["priority"],
            "status": document.get("status", 2),
            "source": document.get("source", 2),
            "tags": list(document.get("tags", [])),
            "spam": False,
            "custom_fields": dict(document.get("custom_fields", {})),
            "requester": {name: document[name] for name in (*given, "name") if name in document},
        }
        self.tickets[ticket_id] = stored
        self.notes[ticket_id] = []
        return Reply(201, stored)

    def agent_updates(
        self, ticket_id: int, status: int | None = None, tags: tuple[str, ...] = (), spam: bool | None = None
    ) -> None:
        """An agent in Freshdesk's UI: a new status (2-5), tags added, "Mark as spam"."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            if status is not None:
                assert status in (2, 3, 4, 5), status
                ticket["status"] = status
            ticket["tags"] = [*ticket["tags"], *(t for t in tags if t not in ticket["tags"])]
            if spam is not None:
                ticket["spam"] = spam

    def _search(self, request: Request, _: re.Match[str]) -> Reply:
        query = request.param("query") or ""
        matched = TAG_QUERY.match(query)
        if matched is None:
            raise _invalid("query", f"this server understands only \"tag:'<tag>'\", got {query!r}")
        found = [t for t in self.tickets.values() if matched.group(1) in t["tags"]]
        return Reply(200, {"results": found, "total": len(found)})

    def _show(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, self._ticket(match))

    def _update(self, request: Request, match: re.Match[str]) -> Reply:
        stored = self._ticket(match)
        document = request.json()
        try:
            check_fields(document, "ticket", {}, UPDATE_FIELDS)
        except Rejected as rejected:
            raise _invalid("ticket", rejected.reason) from rejected
        self._check_values(document)
        stored.update(document)
        return Reply(200, stored)

    def _note(self, request: Request, match: re.Match[str]) -> Reply:
        stored = self._ticket(match)
        document = request.json()
        try:
            check_fields(document, "note", {"body": str}, {"private": bool, "notify_emails": list, "incoming": bool})
        except Rejected as rejected:
            raise _invalid("note", rejected.reason) from rejected
        note = self._conversation(stored["id"], document["body"], private=document.get("private", True))
        return Reply(201, {**note, **{k: v for k, v in document.items() if k not in note}})

    def _conversation(
        self, ticket_id: int, html: str, *, private: bool, source: int = 2, incoming: bool = False, user: int = 0
    ) -> dict[str, Any]:
        conversation_id = next(self._conversation_ids)
        conversation = {
            "id": conversation_id,
            "ticket_id": ticket_id,
            "body": html,
            "body_text": re.sub(r"<[^>]+>", "", html),
            "private": private,
            "incoming": incoming,
            "source": source,
            "user_id": user or self.api_agent,
            "created_at": f"2026-12-04T10:{conversation_id % 60:02d}:00Z",
            "updated_at": f"2026-12-04T10:{conversation_id % 60:02d}:00Z",
        }
        self.notes[ticket_id].append(conversation)
        return conversation

    def agent_reply(self, ticket_id: int, html: str) -> int:
        with self.lock:
            return int(self._conversation(ticket_id, html, private=False, source=0, user=self.agent)["id"])

    def public_note(self, ticket_id: int, html: str) -> int:
        with self.lock:
            return int(self._conversation(ticket_id, html, private=False, user=self.agent)["id"])

    def private_note(self, ticket_id: int, html: str) -> int:
        with self.lock:
            return int(self._conversation(ticket_id, html, private=True, user=self.agent)["id"])

    def customer_reply(self, ticket_id: int, html: str) -> int:
        with self.lock:
            conversation = self._conversation(
                ticket_id, html, private=False, source=0, incoming=True, user=self.customer
            )
            return int(conversation["id"])

    def _conversations(self, request: Request, match: re.Match[str]) -> Reply:
        ticket_id = self._ticket(match)["id"]
        unknown = set(request.query) - {"page", "per_page"}
        if unknown:
            raise _invalid(sorted(unknown)[0], "Unexpected/invalid field in request")
        page_text, size_text = request.param("page") or "1", request.param("per_page") or "30"
        if not page_text.isdigit() or int(page_text) < 1:
            raise _invalid("page", "It should be a Positive Number")
        if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
            raise _invalid("per_page", "It should be a Positive Number less than or equal to 100")
        page, size = int(page_text), min(int(size_text), self.page_cap)
        everything = self.notes[ticket_id]
        shown = everything[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(everything):
            following = f"{self.url}/api/v2/tickets/{ticket_id}/conversations?page={page + 1}&per_page={size_text}"
            headers["Link"] = f'<{following}>; rel="next"'
        return Reply(200, shown, headers)

    def _me(self, request: Request, _: re.Match[str]) -> Reply:
        return Reply(200, {"id": self.api_agent, "contact": {"name": "mentiondesk API", "email": "api@acme.example"}})


def rule_push(token: str, ticket_id: int) -> tuple[dict[str, str], bytes]:
    """The automation rule's "Trigger webhook" as docs/helpdesk-replies.md sets it up: our token in a
    custom header, the Advanced JSON with `{{ticket.id}}` filled in (a number, unquoted)."""
    body = json.dumps({"ticket_id": ticket_id, "event": "{reply_sent:true}"}).encode()
    return {"Content-Type": "application/json", "X-Mentiondesk-Token": token}, body
