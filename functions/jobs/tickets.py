"""Ticket worker: one helpdesk ticket per complaint thread; follow-ups become comments.

Duplicate and concurrent jobs are safe through the leases in `stores.tickets`; a helpdesk
outage raises, so SQS retries the job and, after the last attempt, parks it in the tickets DLQ
for `redrive`. A configuration error (a missing helpdesk setting or secret, a refusal for good,
an unknown brand) is not retried: the job goes straight to the DLQ (`functions.jobs.batch`).
Nothing is dropped.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.app import Blueprint, SQSEvent

from functions import helpdesks
from functions.core.brands import Brand, UnknownBrandError
from functions.core.mention import format_time, parse_time
from functions.core.tickets import Helpdesk, TicketDraft, draft_ticket, follow_up_comment
from functions.jobs import batch, incidents
from functions.jobs.escalation import escalate_new_complaint
from functions.runtime.brands import brands
from functions.runtime.log import correlated, log, metric
from functions.runtime.settings import settings
from functions.stores import mentions, tickets
from functions.stores.mentions import StoredMention

bp = Blueprint(__name__)


class RetryLaterError(Exception):
    """Another job holds this thread's lease; SQS brings the job back after its visibility timeout."""


def open_or_follow_up(stored: StoredMention, brand: Brand, desk: Helpdesk, now: datetime) -> str:
    """Route one mention to its thread's ticket, then escalate if it must not wait.

    Returns what happened (opened, commented, duplicate, skipped). Escalation runs on duplicates
    too: it is recorded once per reason, so a job retried after a failed notification finishes it.
    """
    mention, score = stored.mention, stored.score
    outcome, link = _route(stored, brand, desk, now)
    if score.complaint and link is not None:
        current = tickets.get(link.key) or link
        escalate_new_complaint(current, mention, score, brand, desk)
        if current.opened_by == mention.identity:  # a new complaint ticket: part of a spike?
            incidents.link_to_spike(current, brand, desk, now)
    return outcome


def _route(stored: StoredMention, brand: Brand, desk: Helpdesk, now: datetime) -> tuple[str, tickets.Link | None]:
    mention, score = stored.mention, stored.score
    lease = settings().ticket_claim_seconds
    if not score.complaint:  # not a complaint: only ever a follow-up on an existing ticket
        existing = tickets.get(mention.thread_key)
        if existing is None:
            return "skipped", None
        return _follow_up(existing, stored, desk, now=now, lease=lease), existing
    owner = uuid.uuid4().hex
    won, link = tickets.claim_opening(
        mention.thread_key,
        brand.slug,
        desk.VENDOR,
        mention.identity,
        owner=owner,
        now=now,
        lease_seconds=lease,
        extra={"posted_at": format_time(mention.created_at), "priority": score.priority.value},
    )
    if not won and link.solved and mention.identity not in link.mentions:
        reopened = _after_solved(link, stored, brand, desk, owner=owner, now=now)
        if reopened is None:
            return "reopened", link
        won, link = True, reopened
    if won:
        draft = _draft_for(link, stored, brand)
        try:
            ticket = desk.find_ticket(link.idempotency_key) or desk.open_ticket(draft, link.idempotency_key)
        except Exception:
            tickets.release_opening(link.key, owner)
            raise
        tickets.confirm_opened(
            link, owner=owner, ticket=ticket, subject=draft.subject, priority=draft.priority.value, now=now
        )
        mentions.set_ticket(link.opened_by, ticket.vendor, ticket.id, ticket.url)
        link = tickets.get(link.key) or link
        if link.opened_by == mention.identity:
            return "opened", link
        # We finished a crashed job's opening; this mention may still be a follow-up of it.
    return _follow_up(link, stored, desk, now=now, lease=lease), link


def _after_solved(
    link: tickets.Link, stored: StoredMention, brand: Brand, desk: Helpdesk, *, owner: str, now: datetime
) -> tickets.Link | None:
    """A new complaint in a thread whose ticket is solved: reopen it within the brand's window
    (where the helpdesk can), else claim the thread for a new ticket that names the old one.
    Returns the claimed link for a new ticket, or None when the old one was reopened."""
    lease = settings().ticket_claim_seconds
    solved_at = parse_time(link.solved_at) if link.solved_at else now
    if "reopen" in desk.FEATURES and link.ticket and now - solved_at <= timedelta(hours=brand.reopen_window_hours):
        _follow_up(link, stored, desk, now=now, lease=lease)
        desk.reopen(link.ticket)
        tickets.set_status(link.key, "open", solved=False, now=now)
        log("ticket.reopened", key=link.key, ticket=link.ticket.id, brand=brand.slug)
        return None
    claimed = tickets.reclaim_solved(
        link.key,
        stored.mention.identity,
        owner=owner,
        now=now,
        lease_seconds=lease,
        posted_at=format_time(stored.mention.created_at),
        priority=stored.score.priority.value,
    )
    if claimed is None:
        raise RetryLaterError(f"{link.key} is being reopened by another job")
    return claimed


def _draft_for(link: tickets.Link, stored: StoredMention, brand: Brand) -> TicketDraft:
    """The ticket text comes from the mention the link is keyed by (after a takeover, not ours)."""
    first = stored if link.opened_by == stored.mention.identity else mentions.get(link.opened_by) or stored
    mention = first.mention
    earlier = (
        mentions.thread_posts(mention.brand, mention.network, mention.thread.root_id, mention.created_at, 10)
        if mention.thread.root_id
        else []
    )
    draft = draft_ticket(mention, first.score, brand.name, earlier)
    if link.previous_tickets:
        previous = ", ".join(ref.split("#", 1)[-1] for ref in link.previous_tickets)
        draft = replace(draft, body=f"{draft.body}\nEarlier ticket(s) of this thread, solved: {previous}")
    return draft


def _follow_up(link: tickets.Link, stored: StoredMention, desk: Helpdesk, *, now: datetime, lease: int) -> str:
    """Post a later mention of the thread as a comment on its ticket, once."""
    mention, score = stored.mention, stored.score
    if link.state != "open" or link.ticket is None:
        raise RetryLaterError(f"ticket for {link.key} is being opened by another job")
    if mention.identity in link.mentions:
        return "duplicate"
    if not tickets.claim_comment(link.key, mention.identity, now, lease):
        return "duplicate"
    try:
        desk.add_comment(link.ticket, follow_up_comment(mention, score))
    except Exception:
        tickets.release_comment(link.key, mention.identity)
        raise
    tickets.finish_comment(link.key, mention.identity)
    mentions.set_ticket(mention.identity, link.ticket.vendor, link.ticket.id, link.ticket.url)
    return "commented"


def correlation(body: str) -> dict[str, Any]:
    """brand, network and mention of a ticket job, for every log line of it ({} if unreadable).

    Jobs queued before the body carried `brand` get it from the stored mention (`handle_job`)."""
    try:
        raw = batch.decode(body)
        identity = str(raw["mention"])
        parts = identity.split("#", 2)  # brand#network#id, or network#id queued before brand-scoped keys
        scoped = len(parts) == 3 and raw.get("brand") in (None, parts[0])
        return {
            "brand": raw.get("brand") or (parts[0] if scoped else None),
            "network": raw.get("network") or (parts[1] if scoped else parts[0]),
            "mention": identity,
        }
    except (batch.PermanentError, KeyError, TypeError, AttributeError):
        return {}


def handle_job(body: str) -> None:
    identity = batch.decode(body).get("mention")
    if not isinstance(identity, str) or not identity:
        raise batch.PermanentError("ticket job names no mention")
    stored = mentions.get(identity)
    if stored is None:
        raise LookupError(f"mention {identity} is not stored")
    with correlated(brand=stored.mention.brand, network=stored.mention.network, mention=stored.mention.identity):
        brand = brands().get(stored.mention.brand)
        if brand is None:
            raise UnknownBrandError(f"brand {stored.mention.brand!r} is not configured")
        outcome = open_or_follow_up(stored, brand, helpdesks.for_brand(brand), datetime.now(UTC))
        log(f"ticket.{outcome}", mention=stored.mention.identity, network=stored.mention.network, brand=brand.slug)
        if outcome == "opened":
            metric("TicketsOpened", dimensions={"network": stored.mention.network})


@bp.on_sqs_message(queue=settings().tickets_queue, batch_size=5)
def open_tickets(event: SQSEvent) -> None:
    batch.process(event, settings().tickets_queue, handle_job, "ticket", correlation)
