"""Verdicts in: from a ticket's state on its desk, from an agent, from an import.

- `from_ticket`: a ticket's status (swept or pushed) says "not a complaint" (the brand's signals) or
  solved (a complaint): every mention on the ticket that the scorer flagged gets that verdict;
- `mark`: one stored mention labelled by an agent or an import (with the sentiment label, if one
  was given); an agent's "this *is* a
  complaint" on a mention the scorer let through opens its ticket now (`open_missed`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from functions.core.mention import format_time
from functions.core.tickets import DeskState
from functions.core.verdicts import Source, Verdict, desk_verdict
from functions.runtime.brands import brands
from functions.runtime.log import log, metric
from functions.runtime.settings import settings
from functions.stores import mentions, queues, verdicts
from functions.stores.mentions import StoredMention
from functions.stores.tickets import Link

MISSED = "verdict:complaint"  # the reason an agent's verdict adds to a score it turned into a complaint


def from_ticket(link: Link, state: DeskState, now: datetime) -> int:
    """Record the verdict a ticket's state gives its flagged mentions; returns how many were written."""
    brand = brands().get(link.brand)
    if brand is None or link.key.startswith("incident#"):
        return 0
    found = desk_verdict(state, brand.helpdesk.verdict_signals)
    if found is None:
        return 0
    complaint, source = found
    written = 0
    for identity in sorted(link.mentions | {link.opened_by}):
        stored = mentions.get(identity)
        if stored is None or stored.mention.brand != brand.slug:
            continue
        if not (stored.score.complaint or identity == link.opened_by):
            continue  # a follow-up the scorer did not flag: the ticket's fate says nothing about it
        if _already(identity, complaint, source):
            continue  # the sweep reads a marked, still open ticket every 5 minutes: once is enough
        written += mark(stored, complaint, source, now)
    if written:
        log("verdict.recorded", brand=brand.slug, source=source.name.lower(), complaint=complaint, count=written)
        metric("VerdictsRecorded", dimensions={"source": source.name.lower()})
    return written


def _already(identity: str, complaint: bool, source: Source) -> bool:
    """The mention already has this very verdict from this source."""
    found = verdicts.get(identity)
    return found is not None and (found.complaint, found.source) == (complaint, source)


def mark(stored: StoredMention, complaint: bool, source: Source, now: datetime, sentiment: str | None = None) -> bool:
    """One mention's verdict, with its text (what the trainer reads) and, when a person gave one, its
    sentiment label (negative/neutral/positive, for the sentiment heads); False if a stronger one stands."""
    mention = stored.mention
    verdict = Verdict(
        key=mention.identity,
        brand=mention.brand,
        complaint=complaint,
        source=source,
        at=format_time(now),
        text=mention.text,
        lang=stored.score.lang,
        sentiment=sentiment,
    )
    return verdicts.record(verdict)


def open_missed(stored: StoredMention) -> bool:
    """A mention an agent says is a complaint but the scorer let through: mark its score a complaint
    and send its ticket job now. False when it already is one (its ticket is open or on the way)."""
    if stored.score.complaint:
        return False
    score = replace(stored.score, complaint=True, reasons=(*stored.score.reasons, MISSED))
    mentions.set_score(stored.mention.identity, score)
    mention = stored.mention
    queues.send(
        settings().tickets_queue, [{"mention": mention.identity, "brand": mention.brand, "network": mention.network}]
    )
    mentions.mark_ticket_job_sent(mention.identity)
    log("verdict.missed_complaint", brand=mention.brand, network=mention.network, mention=mention.identity)
    return True
