"""The builtin desk's comments for replies, in DynamoDB (moto's server)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from functions.core.tickets import TicketDraft, TicketRef
from functions.helpdesks import builtin
from functions.stores import desk


def test_an_agents_reply_is_for_the_customer_and_our_notes_are_not(
    aws: str, key: str, draft: Callable[..., TicketDraft]
) -> None:
    helpdesk = builtin.create({}, {})
    ticket = helpdesk.open_ticket(draft(key), key)
    helpdesk.add_comment(ticket, "Follow-up: still cold")
    now = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)
    reply_id = desk.add_reply(ticket.id, "Sorry! A refund is on its way.", "alice", now)

    note, reply = helpdesk.comments(ticket)

    assert (note.body, note.public, note.by_agent, note.ours, note.for_customer) == (
        "Follow-up: still cold",
        False,
        False,
        True,
        False,
    )
    assert (reply.id, reply.body, reply.author, reply.created_at) == (
        reply_id,
        "Sorry! A refund is on its way.",
        "alice",
        now,
    )
    assert reply.for_customer and note.id != reply.id


def test_comments_written_before_replies_existed_are_our_notes(aws: str) -> None:
    tid = desk.create(f"legacy-{uuid.uuid4().hex}", {"subject": "old"}, datetime(2026, 1, 1, tzinfo=UTC))
    desk.update(tid, comments=[{"at": "2026-01-02T00:00:00Z", "text": "escalated"}])
    (old,) = builtin.create({}, {}).comments(TicketRef("builtin", tid))
    assert (old.id, old.body, old.ours, old.public, old.for_customer) == ("0", "escalated", True, False, False)
