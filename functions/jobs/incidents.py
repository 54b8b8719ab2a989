"""Complaint spikes: one parent incident ticket per brand and window, child tickets linked to it.

The ingest worker counts each new complaint in its brand's window (an atomic DynamoDB counter
with a TTL). When the ticket worker opens a complaint ticket it compares the current window
with the brand's own recent baseline; in a spike it makes sure the window's incident ticket
exists (opened once, like any ticket, through the link leases), links the child both ways, and
escalates the incident once, so on-call hears about the spike once instead of per complaint.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from functions.core.brands import Brand
from functions.core.escalation import SpikeRule, is_spike, window_start
from functions.core.mention import format_time
from functions.core.score import Priority
from functions.core.tickets import Helpdesk, Requester, TicketDraft
from functions.jobs.escalation import escalate
from functions.runtime.log import log
from functions.runtime.settings import settings
from functions.stores import counters, tickets
from functions.stores.tickets import Link


class IncidentBusyError(Exception):
    """Another job is opening this window's incident ticket; the job is retried shortly."""


def _counter(brand: str, start: datetime) -> str:
    return f"complaints#{brand}#{format_time(start)}"


def count_complaint(brand: Brand, now: datetime) -> int:
    """Count a new complaint in the window of *now* (arrival), kept a little past the baseline."""
    rule = brand.escalation.spike
    keep = timedelta(minutes=rule.window_minutes * (rule.baseline_windows + 2))
    return counters.increment(_counter(brand.slug, window_start(now, rule)), expires_at=int((now + keep).timestamp()))


def spike_counts(brand: str, rule: SpikeRule, now: datetime) -> tuple[int, list[int]]:
    """(current window, the `baseline_windows` before it) for one brand."""
    start, size = window_start(now, rule), timedelta(minutes=rule.window_minutes)
    names = [_counter(brand, start - size * back) for back in range(rule.baseline_windows + 1)]
    found = counters.values(names)
    return found[names[0]], [found[name] for name in names[1:]]


def _incident_draft(brand: Brand, key: str, current: int, start: datetime) -> TicketDraft:
    return TicketDraft(
        subject=f"[{brand.name}] Complaint spike: {current} complaints since {format_time(start)}",
        body=(
            f"mentiondesk opened this incident because complaints about {brand.name} are running at "
            f"more than {brand.escalation.spike.factor:g}x the usual rate in this "
            f"{brand.escalation.spike.window_minutes}-minute window.\nEvery complaint ticket of the window "
            "is linked below; answer the cause here and the customers in their tickets."
        ),
        requester=Requester(id="incident", name="mentiondesk", handle=None, network="mentiondesk"),
        priority=Priority.URGENT,
        tags=("incident", "spike"),
        mention_id=key,
        brand=brand.slug,
    )


def _incident(brand: Brand, desk: Helpdesk, current: int, start: datetime, now: datetime) -> tuple[bool, Link]:
    """The window's incident ticket, opened once whatever the concurrency; (opened now, link)."""
    key = f"incident#{brand.slug}#{format_time(start)}"
    owner = uuid.uuid4().hex
    won, link = tickets.claim_opening(
        key,
        brand.slug,
        desk.VENDOR,
        key,
        owner=owner,
        now=now,
        lease_seconds=settings().ticket_claim_seconds,
        extra={"posted_at": format_time(start), "priority": Priority.URGENT.value, "incident": True},
    )
    if won:
        draft = _incident_draft(brand, key, current, start)
        try:
            ticket = desk.find_ticket(key) or desk.open_ticket(draft, key)
        except Exception:
            tickets.release_opening(key, owner)
            raise
        tickets.confirm_opened(link, owner=owner, ticket=ticket, subject=draft.subject, priority="urgent", now=now)
        log("incident.opened", brand=brand.slug, key=key, ticket=ticket.id, complaints=current)
        link = tickets.get(key) or link
    if link.state != "open" or link.ticket is None:
        raise IncidentBusyError(key)
    return won, link


def _link(incident: Link, child: Link, desk: Helpdesk, now: datetime) -> None:
    """Cross-reference a child complaint ticket and the incident, once per child."""
    if incident.ticket is None or child.ticket is None:
        return
    if not tickets.claim_comment(incident.key, child.key, now, settings().ticket_claim_seconds):
        return
    try:
        desk.add_comment(incident.ticket, f"Linked complaint ticket {child.ticket.id} {child.ticket.url or ''}")
        desk.add_comment(child.ticket, f"Part of incident ticket {incident.ticket.id} (complaint spike)")
    except Exception:
        tickets.release_comment(incident.key, child.key)
        raise
    tickets.finish_comment(incident.key, child.key)


def _window_children(brand: str, start: datetime) -> list[Link]:
    """The brand's open complaint tickets that arrived in this window (before the spike was seen)."""
    return [
        link
        for link in tickets.open_links(brand)
        if not link.key.startswith("incident#")
        and link.created_at is not None
        and link.created_at >= format_time(start)
    ]


def link_to_spike(child: Link, brand: Brand, desk: Helpdesk, now: datetime) -> Link | None:
    """If the brand is in a spike, tie `child` to the window's incident; returns the incident."""
    rule = brand.escalation.spike
    current, history = spike_counts(brand.slug, rule, now)
    if child.ticket is None or not is_spike(current, history, rule):
        return None
    start = window_start(now, rule)
    opened, incident = _incident(brand, desk, current, start, now)
    assert incident.ticket is not None
    for linked in [child, *(_window_children(brand.slug, start) if opened else [])]:
        _link(incident, linked, desk, now)
    baseline = sum(history) / len(history) if history else 0.0
    summary = f"{current} complaints in this window against a baseline of {baseline:.1f} per window."
    escalate(incident.key, incident.ticket, brand, desk, reason="spike", summary=summary)
    return incident
