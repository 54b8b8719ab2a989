"""Escalation: raise priority and call on-call by itself, once per reason per ticket.

- `escalate_new_complaint`: called by the ticket worker when a ticket opens or grows (severity,
  reach, fast engagement);
- `sweep` (every 5 minutes): reads each open ticket's state back from its helpdesk (solved
  tickets are marked, so are their mentions; the status, tags, resolution and spam flag give
  verdicts, functions.jobs.verdicts), then escalates tickets whose first-response SLA is
  at risk or breached. The first response is the brand's first public reply in the customer's
  thread on the network (functions/jobs/replies.py), not a status change.
A reason is recorded on the ticket link *before* acting and forgotten if acting fails, so a
retried job raises it again and a successful one never twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from chalice.app import Blueprint, CloudWatchEvent, Rate

from functions import helpdesks
from functions.core.brands import Brand
from functions.core.escalation import immediate_reasons, sla, sla_reason
from functions.core.mention import NO_AUTHOR, Mention, parse_time
from functions.core.score import Priority, Score
from functions.core.tickets import DeskState, Helpdesk, HelpdeskError, HelpdeskUnavailableError, TicketRef, is_solved
from functions.jobs import verdicts
from functions.notifiers import notify
from functions.runtime.brands import brands
from functions.runtime.log import log, metric
from functions.stores import loyalty, mentions, tickets
from functions.stores.tickets import Link

bp = Blueprint(__name__)

WHY = {
    "severe": "severity terms (safety, health, legal, fraud, data)",
    "reach": "the author's reach is above the brand's threshold",
    "engagement": "the post is gaining engagement fast",
    "sla_at_risk": "first-response SLA at risk",
    "sla_breached": "first-response SLA breached",
    "spike": "complaints are spiking",
}


def escalate(link_key: str, ticket: TicketRef, brand: Brand, desk: Helpdesk, *, reason: str, summary: str) -> bool:
    """Raise one escalation once: urgent priority, a note on the ticket, on-call notified."""
    if not tickets.record_escalation(link_key, reason):
        return False
    text = f"[{brand.name}] escalated: {WHY.get(reason, reason)}. Ticket {ticket.vendor} {ticket.id}"
    text += f" {ticket.url}" if ticket.url else ""
    try:
        if "priority" in desk.FEATURES:
            desk.set_priority(ticket, Priority.URGENT)
            tickets.set_priority(link_key, Priority.URGENT.value)
        if "comments" in desk.FEATURES:
            desk.add_comment(ticket, f"mentiondesk escalation: {WHY.get(reason, reason)}.\n{summary}")
        for target in brand.escalation.notify:
            notify(target, f"{text}\n{summary}")
    except Exception:
        tickets.forget_escalation(link_key, reason)
        raise
    log("escalation.raised", reason=reason, ticket=ticket.id, brand=brand.slug, key=link_key)
    metric("EscalationsRaised", dimensions={"reason": reason})
    return True


def escalate_new_complaint(link: Link, mention: Mention, score: Score, brand: Brand, desk: Helpdesk) -> list[str]:
    if link.ticket is None:
        return []
    raised = []
    for reason in immediate_reasons(mention, score, brand.escalation, datetime.now(UTC)):
        who = mention.author.handle or mention.author.id or NO_AUTHOR
        summary = f"{who}: {mention.text[:300]}\n{mention.url or ''}"
        if escalate(link.key, link.ticket, brand, desk, reason=reason, summary=summary):
            raised.append(reason)
    return raised


def apply_status(link: Link, status: str, now: datetime, state: DeskState | None = None) -> Link:
    """Record a ticket status read from the helpdesk (polled or pushed); returns the new link.

    Newly solved: the ticket's mentions are marked solved and the author is remembered, so their
    next post feeds the brand's loyalty figure. A status (or, in `state`, tags, resolution or spam
    flag) that is one of the brand's "not a complaint" signals, or a solved ticket, gives the
    ticket's mentions a verdict (functions.jobs.verdicts), which models learn from.
    """
    status = status.strip().lower()
    solved = is_solved(status)
    state = state or DeskState(status)
    unchanged = (status, solved) == (link.status, link.solved)
    if not unchanged or state.tags or state.resolution or state.spam:
        verdicts.from_ticket(link, replace(state, status=status), now)
    if unchanged:
        return link
    tickets.set_status(link.key, status, solved=solved, now=now)
    if solved and not link.solved:
        mentions.set_ticket_status(link.mentions, "solved")
        if not link.key.startswith("incident#"):
            brand, network, rest = link.key.split("#", 2)
            author = rest.rsplit("#", 1)[1]
            if author:  # "" when the source names no author: no one whose next post to count
                loyalty.record_resolution(brand, network, author, now)
        log("ticket.solved", key=link.key, ticket=link.ticket.id if link.ticket else None, brand=link.brand)
    return replace(link, status=status, solved=solved)


def refresh_status(link: Link, desk: Helpdesk, now: datetime) -> Link:
    """Poll the ticket's state from its helpdesk (for helpdesks that do not push events): the status
    and the tags, resolution or spam flag read with it, so a desk that never calls
    `/helpdesk-events` still gives its "not a complaint" verdicts."""
    if link.ticket is None or "status" not in desk.FEATURES:
        return link
    state = desk.ticket_state(link.ticket)
    return apply_status(link, state.status, now, state)


def sweep_brand(brand: Brand, desk: Helpdesk, now: datetime) -> int:
    """Status back and SLA escalations for one brand's open tickets; returns escalations raised."""
    raised = 0
    for found in tickets.open_links(brand.slug):
        try:
            link = refresh_status(found, desk, now)
        except HelpdeskUnavailableError:
            raise  # the desk is down: the whole brand waits for the next sweep
        except HelpdeskError as error:  # this ticket alone (deleted as spam, unreadable): not the others
            log("escalation.ticket_unreadable", level="warning", brand=brand.slug, link=found.key, error=str(error))
            metric("TicketsUnreadable", dimensions={"brand": brand.slug})
            continue
        if link.solved or link.responded or link.ticket is None or not link.posted_at:
            continue
        priority = Priority(link.priority or Priority.NORMAL.value)
        reason = sla_reason(sla(parse_time(link.posted_at), priority, brand.escalation), now, link.escalations)
        waiting = f"The customer has waited since {link.posted_at}."
        if reason and escalate(link.key, link.ticket, brand, desk, reason=reason, summary=waiting):
            raised += 1
    return raised


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def sweep(event: CloudWatchEvent) -> None:
    now = datetime.now(UTC)
    for brand in brands().all():
        try:
            sweep_brand(brand, helpdesks.for_brand(brand), now)
        except Exception as error:  # one brand's helpdesk outage must not stop the others' sweep
            log(
                "escalation.sweep_failed", level="error", brand=brand.slug, error=f"{error.__class__.__name__}: {error}"
            )
