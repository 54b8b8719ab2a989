"""Ingest worker: score each queued mention, store it once, hand complaints to the ticket queue.

Scoring uses the brand's live complaint model where it has one (functions.stores.models, cached),
else the rules.

A message is `{"mention": <Mention.to_dict()>}`; the ticket job it sends is
`{"mention": <identity>, "brand": ..., "network": ...}` (brand and network for the logs).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint, SQSEvent

from functions.core.brands import UnknownBrandError
from functions.core.mention import Action, Mention, identity
from functions.core.scoring import score as score_mention
from functions.jobs import batch, incidents, replies
from functions.runtime.brands import brands
from functions.runtime.log import log, metric
from functions.runtime.settings import settings
from functions.stores import loyalty, mentions, models, queues, tickets

bp = Blueprint(__name__)


def correlation(body: str) -> dict[str, Any]:
    """brand, network and mention of a queued message, for every log line of its job ({} if unreadable)."""
    try:
        raw = batch.decode(body)["mention"]
        return {
            "brand": raw["brand"],
            "network": raw["network"],
            "mention": identity(str(raw["brand"]), str(raw["network"]), str(raw["external_id"])),
        }
    except (batch.PermanentError, KeyError, TypeError):
        return {}


def _belongs_on_a_ticket(stored: mentions.StoredMention) -> bool:
    """Complaints open tickets; anything else the same author adds to a ticketed thread joins it."""
    return stored.score.complaint or tickets.get(stored.mention.thread_key) is not None


def _brand_and_network(mention: Mention) -> dict[str, str]:
    return {"brand": mention.brand, "network": mention.network}


def _message(body: str) -> tuple[Mention, int | None]:
    """The queued mention and when the door received it (its write version; None from polls).

    A message that does not hold a mention is permanent (the DLQ, not retries)."""
    document = batch.decode(body)
    try:
        mention = Mention.from_dict(document["mention"])
    except (KeyError, TypeError, ValueError) as error:
        raise batch.PermanentError(f"message holds no valid mention: {error!r}"[:300]) from error
    received = document.get("received_at")
    return mention, received if isinstance(received, int) and not isinstance(received, bool) else None


def ingest(body: str) -> None:
    mention, version = _message(body)
    brand = brands().get(mention.brand)
    if brand is None:
        raise UnknownBrandError(f"brand {mention.brand!r} is not configured")
    now = datetime.now(UTC)
    if mention.by_brand:  # the brand's own reply coming back: never scored as a customer mention
        replies.echo(mention, now)
        return
    fields = {"mention": mention.identity, "network": mention.network, "brand": mention.brand}
    if mention.action in (Action.DELETE, Action.RESTORE):
        marked = mentions.set_deleted(mention, mention.action is Action.DELETE, now, version)
        log(f"ingest.{mention.action.value}" if marked else "ingest.not_applied", action=mention.action, **fields)
        if marked or mention.action is Action.DELETE:
            return
        # A restore of a post we never stored carries the whole post: store it like a new one.
    score = score_mention(mention, brand.scoring, models.live(brand.slug))  # None: the rules alone
    stored = mentions.apply_edit(mention, score, now, version) if mention.action is Action.EDIT else None
    if stored is not None:
        log("ingest.edited", complaint=score.complaint, **fields)
    else:  # new, or an edit of something not stored, or an edit older than what is stored (a no-op)
        inserted, stored = mentions.put_new(mention, score, now, version)
        if inserted and stored.deleted:
            log("ingest.stored_deleted", **fields)  # its delete came first: kept, no ticket
            return
        if inserted:
            log("ingest.stored", complaint=stored.score.complaint, **fields)
            metric("MentionsStored", dimensions={"network": mention.network})
            if stored.score.complaint:
                metric("ComplaintsDetected", dimensions={"network": mention.network})
                incidents.count_complaint(brand, now)
            replies.auto_moderate(brand, mention, stored.score, now)
            if mention.author.known:  # a source that names no author has no one to follow
                loyalty.record_next_mention(
                    brand.slug, mention.network, mention.author.id, mention.created_at, stored.score.sentiment
                )
        else:
            log("ingest.duplicate", **fields)
    # Also on a duplicate: a crash after the write but before this send is repaired by the retry.
    if not stored.ticket_job_sent and not stored.deleted and _belongs_on_a_ticket(stored):
        queues.send(settings().tickets_queue, [{"mention": mention.identity, **_brand_and_network(mention)}])
        mentions.mark_ticket_job_sent(mention.identity)


@bp.on_sqs_message(queue=settings().mentions_queue, batch_size=10)
def ingest_mentions(event: SQSEvent) -> None:
    batch.process(event, settings().mentions_queue, ingest, "ingest", correlation)
