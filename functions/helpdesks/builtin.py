"""Builtin helpdesk: tickets in our own DynamoDB table, listed by `GET /tickets`.

The embedded default for local runs and for brands that have no helpdesk yet; it needs no
settings or secrets. Agents reply through `POST /tickets/{id}/replies` (`desk.add_reply`); there is
no push to check (no `reply_event`): the reply route enqueues the reply itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from functions.core.mention import parse_time
from functions.core.score import Priority
from functions.core.tickets import DeskComment, DeskState, HelpdeskError, TicketDraft, TicketRef
from functions.helpdesks._common import strings
from functions.stores import desk

VENDOR = "builtin"
FEATURES = frozenset({"priority", "tags", "external_reference", "comments", "status", "reopen", "replies"})


def comment_of(position: int, raw: dict[str, Any]) -> DeskComment:
    """A stored comment; those written before replies existed (no id, no author) were our notes."""
    author = str(raw.get("author") or desk.OUR_AUTHOR)
    return DeskComment(
        id=str(raw.get("id") or position),
        body=str(raw.get("text", "")),
        public=raw.get("public") is True,
        by_agent=raw.get("by_agent") is True,
        ours=author == desk.OUR_AUTHOR,
        created_at=parse_time(raw["at"]) if raw.get("at") else None,
        author=author,
    )


class BuiltinDesk:
    VENDOR = VENDOR
    FEATURES = FEATURES

    def open_ticket(self, draft: TicketDraft, idempotency_key: str) -> TicketRef:
        fields = {
            "subject": draft.subject,
            "body": draft.body,
            "brand": draft.brand,
            "priority": draft.priority.value,
            "tags": list(draft.tags),
            "mention_id": draft.mention_id,
            "requester": {
                "id": draft.requester.id,
                "handle": draft.requester.handle,
                "network": draft.requester.network,
            },
        }
        return TicketRef(VENDOR, desk.create(idempotency_key, fields, datetime.now(UTC)))

    def find_ticket(self, idempotency_key: str) -> TicketRef | None:
        tid = desk.ticket_id(idempotency_key)
        return TicketRef(VENDOR, tid) if desk.get(tid) else None

    def add_comment(self, ticket: TicketRef, text: str) -> None:
        desk.append_comment(ticket.id, text, datetime.now(UTC))

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        desk.update(ticket.id, priority=priority.value)

    def reopen(self, ticket: TicketRef) -> None:
        desk.update(ticket.id, status="open")

    def _item(self, ticket: TicketRef) -> dict[str, Any]:
        item = desk.get(ticket.id)
        if item is None:
            raise HelpdeskError(f"builtin ticket {ticket.id} does not exist")
        return item

    def ticket_state(self, ticket: TicketRef) -> DeskState:
        """The status word (where this desk's "not a complaint" and "spam" live) and the ticket's tags."""
        item = self._item(ticket)
        return DeskState(str(item["status"]), strings(item.get("tags")))

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        return [comment_of(i, c) for i, c in enumerate(self._item(ticket).get("comments") or [])]


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> BuiltinDesk:
    return BuiltinDesk()
