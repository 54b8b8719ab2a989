"""Reply worker: an agent's public reply goes to the customer's thread, once; moderation goes out.

Jobs on the replies queue (`REPLIES_QUEUE`, with its DLQ and `redrive replies`):
- `{"job": "sync", "brand", "link"}`: read the ticket's comments back from its helpdesk (push is a
  hint, the API is the truth) and post every public agent reply we have not posted yet. Queued by
  the helpdesk's push (`POST /helpdesk-replies/{vendor}`), the builtin desk's
  `POST /tickets/{id}/replies`, and the 5-minute `reply_sweep` (the fallback for desks without push
  and for pushes that were lost).
- `{"job": "moderate", "brand", "audit"}`: one moderation action whose audit record is written.

Exactly once: each part of a reply is claimed in the ledger (functions/stores/replies.py) before
the network is called. A part whose answer was lost (the worker died or timed out after sending) is
sent again only where the network drops repeats of our `outbound_id` (VK, Mastodon, Bluesky, app
stores); elsewhere the connector's lookup looks for our reply first, and where there is none
(Telegram) the part is marked `unknown` and the agent told, rather than risk a second post.

Every outcome goes onto the ticket as an internal note (posted with a link, refused with the
reason, retrying). A revoked token also alerts the brand's on-call, once until a post succeeds.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from chalice.app import Blueprint, CloudWatchEvent, Rate, SQSEvent

from functions import connectors, helpdesks
from functions.core import replytext
from functions.core.brands import Brand, UnknownBrandError
from functions.core.mention import Mention, format_time, identity
from functions.core.moderation import ModerationRecord, auto_action
from functions.core.polls import HttpResponse, PollError, SourceUnavailableError
from functions.core.replies import ACTIONS, CannotReplyError, Failure, Posted, Refused, Target
from functions.core.score import Score
from functions.core.tickets import DeskComment, Helpdesk, TicketRef
from functions.jobs import batch
from functions.notifiers import notify
from functions.runtime import fetch, secrets
from functions.runtime.brands import brands
from functions.runtime.log import log, metric
from functions.runtime.settings import settings
from functions.stores import mentions, queues, tickets
from functions.stores import replies as ledger
from functions.stores.tickets import Link

bp = Blueprint(__name__)

RECENTLY_SOLVED = timedelta(hours=24)  # agents often reply and solve at once: such tickets are swept too
# A reply the desk reports only this late (the desk's push and the sweep were both down, or replies
# were just switched on for tickets with old answers) is not posted: the thread has moved on.
STALE_AFTER = timedelta(hours=72)


class ReplyRetryError(Exception):
    """Not now (rate limited, an outage, another worker holds the part): SQS brings the job back."""

    permanent = False

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Channel:
    """What one brand has on one network for answering: its account, settings and secrets."""

    network: str
    module: Any
    account: str
    settings: Mapping[str, Any]
    secrets: Mapping[str, str]


# ---------------------------------------------------------------- queueing


def queue_sync(link: Link, why: str) -> None:
    queues.send(settings().replies_queue, [{"job": "sync", "brand": link.brand, "link": link.key, "why": why}])


def queue_moderation(brand: str, audit_key: str) -> None:
    queues.send(settings().replies_queue, [{"job": "moderate", "brand": brand, "audit": audit_key}])


def correlation(body: str) -> dict[str, Any]:
    try:
        job = batch.decode(body)
    except batch.PermanentError:
        return {}
    return {k: str(job[k]) for k in ("brand", "link", "audit") if isinstance(job.get(k), str)}


def handle(body: str) -> None:
    job = batch.decode(body)
    brand = brands().get(str(job.get("brand")))
    if brand is None:
        raise UnknownBrandError(f"brand {job.get('brand')!r} is not configured")
    now = datetime.now(UTC)
    if job.get("job") == "sync" and isinstance(job.get("link"), str):
        sync(brand, job["link"], now)
    elif job.get("job") == "moderate" and isinstance(job.get("audit"), str):
        moderate(brand, job["audit"], now)
    else:
        raise batch.PermanentError(f"not a replies job: {sorted(job)}")


@bp.on_sqs_message(queue=settings().replies_queue, batch_size=5)
def send_replies(event: SQSEvent) -> None:
    batch.process(event, settings().replies_queue, handle, "replies", correlation)


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def reply_sweep(event: CloudWatchEvent) -> None:
    now = datetime.now(UTC)
    for brand in brands().all():
        try:
            sweep_brand(brand, now)
        except Exception as error:  # one brand's outage must not stop the others' sweep
            log("replies.sweep_failed", level="error", brand=brand.slug, error=f"{error.__class__.__name__}: {error}")


def sweep_brand(brand: Brand, now: datetime) -> int:
    """Queue a sync of every open (or just solved) ticket of a brand whose desk lists comments."""
    if not brand.replies.enabled or "replies" not in helpdesks.features(brand.helpdesk.vendor):
        return 0
    links = [link for link in tickets.reply_candidates(brand.slug, now - RECENTLY_SOLVED) if link.ticket]
    for link in links:
        queue_sync(link, "sweep")
    return len(links)


# ---------------------------------------------------------------- replies


def channel(brand: Brand, network: str) -> Channel | None:
    """The brand's way to answer on `network`, or None when the network cannot take replies."""
    module = connectors.load_replier(network)
    config = brand.networks.get(network)
    if module is None or config is None:
        return None
    wanted = {name: ref for name, ref in config.secrets.items() if name in getattr(module, "REPLY_SECRETS", ())}
    account = config.accounts[0] if config.accounts else ""
    values = secrets.resolve(wanted)
    if getattr(module, "REPLY_SESSION", False):
        values = {**values, "authorization": _session(module, brand, network, values)}
    return Channel(network, module, account, config.settings, values)


def _session(module: Any, brand: Brand, network: str, values: Mapping[str, str]) -> str:
    """A session token from the connector's own `authenticate` (Bluesky, Google Play); "" when the
    brand has no target to authenticate against (the builder then says what is missing)."""
    config = brand.networks[network]
    found = module.targets(brand.slug, config.settings, brand.query_for(network))
    if not found:
        return ""
    try:
        credentials = module.authenticate(fetch.fetch, values, found[0], datetime.now(UTC))
    except SourceUnavailableError as error:
        raise ReplyRetryError(f"{network} session: {error}") from error
    except PollError as error:  # refused credentials: the builder reports the missing session as AUTH
        log("replies.session_refused", level="warning", brand=brand.slug, network=network, error=str(error)[:300])
        return ""
    return str(credentials.headers.get("Authorization", ""))


@dataclass(frozen=True)
class Outgoing:
    """One ticket's replies going out: the brand, its desk, the ticket and the customer post
    they answer (the customer's latest in the ticket's thread), at one moment."""

    brand: Brand
    desk: Helpdesk
    link: Link
    ticket: TicketRef
    mention: Mention
    now: datetime

    def part_key(self, comment_id: str, n: int) -> str:
        return ledger.part_key(self.brand.slug, self.ticket.vendor, self.ticket.id, comment_id, n)

    def fields(self, key: str, text: str) -> dict[str, Any]:
        """What the ledger keeps of a part, written with its claim."""
        return {
            "brand": self.brand.slug,
            "network": self.mention.network,
            "vendor": self.ticket.vendor,
            "ticket_id": self.ticket.id,
            "link": self.link.key,
            "mention": self.mention.identity,
            "outbound_id": outbound_id(key),
            "text": text,
        }


def sync(brand: Brand, link_key: str, now: datetime) -> list[str]:
    """Post every public agent reply of one ticket that is not posted yet; returns the part states."""
    link = tickets.get(link_key)
    if link is None or link.brand != brand.slug or link.ticket is None:
        log("replies.no_ticket", level="warning", link=link_key, brand=brand.slug)
        return []
    desk = helpdesks.for_brand(brand)
    if "replies" not in desk.FEATURES or not brand.replies.enabled:
        return []
    mention = answered_mention(link)
    if mention is None:
        return []
    job = Outgoing(brand, desk, link, link.ticket, mention, now)
    states = []
    for comment in desk.comments(link.ticket):
        if comment.for_customer:
            states.extend(deliver_comment(job, comment))
    return states


def answered_mention(link: Link) -> Mention | None:
    """The customer's latest post in the ticket's thread: where the reply goes."""
    found = [stored.mention for stored in map(mentions.get, sorted(link.mentions)) if stored is not None]
    customers = [m for m in found if not m.by_brand]
    return max(customers, key=lambda m: m.created_at) if customers else None


def outbound_id(part_key: str) -> str:
    """Ours, stable across retries of one part: the network's idempotency key where it has one."""
    return hashlib.sha256(part_key.encode("utf-8")).hexdigest()[:32]


def deliver_comment(job: Outgoing, comment: DeskComment) -> list[str]:
    """Clean, cut or split one agent reply and post each part once."""
    first_key = job.part_key(comment.id, 0)
    first = ledger.get(first_key)
    if first is not None and first.get("state") in ledger.FINAL and first.get("noted"):
        return [str(first["state"])]  # the common case on every sweep: done long ago
    if comment.created_at is not None and job.now - comment.created_at > STALE_AFTER:
        hours = int((job.now - comment.created_at).total_seconds() // 3600)
        return [_refuse_unposted(job, first_key, f"the reply is {hours} hours old; too late to post it in the thread")]
    where = channel(job.brand, job.mention.network)
    if where is None:
        return [_refuse_unposted(job, first_key, f"{job.mention.network} cannot take replies")]
    target = Target.of(job.mention, where.account)
    try:
        texts = _texts(job.brand, where, target, comment)
    except (replytext.ReplyTooLongError, replytext.EmptyReplyError) as error:
        return [_refuse_unposted(job, first_key, str(error))]
    return [deliver_part(job, where, target, text, job.part_key(comment.id, n)) for n, text in enumerate(texts)]


def _texts(brand: Brand, where: Channel, target: Target, comment: DeskComment) -> list[str]:
    rules = brand.replies
    cleaned = replytext.clean(comment.body, closings=rules.signature_closings)
    address = where.module.address(target) if hasattr(where.module, "address") else ""
    limit = rules.limit_for(where.network, int(getattr(where.module, "REPLY_LIMIT", 2000)))
    measure = getattr(where.module, "reply_length", len)
    return replytext.parts(cleaned, limit, mode=rules.mode, prefix=address, max_parts=rules.max_parts, measure=measure)


def _refuse_unposted(job: Outgoing, key: str, reason: str) -> str:
    """A reply that can never go out (no way on this network, empty or far too long): recorded once, told once."""
    owner = uuid.uuid4().hex
    if (
        ledger.claim(key, job.fields(key, ""), owner=owner, now=job.now, lease_seconds=settings().reply_lease_seconds)
        is not None
    ):
        ledger.finish(key, owner, "failed", job.now, reason=reason, failure=Failure.UNSUPPORTED.value)
    _note_outcome(job, key, ledger.get(key) or {})
    return "failed"


@dataclass(frozen=True)
class Attempt:
    """One worker's go at one part: where it goes, what it says, and the claim it holds."""

    where: Channel
    target: Target
    key: str
    text: str
    owner: str
    outbound_id: str


def deliver_part(job: Outgoing, where: Channel, target: Target, text: str, key: str) -> str:
    """Post one part exactly once; returns its final state or raises `ReplyRetryError`."""
    owner = uuid.uuid4().hex
    lease = settings().reply_lease_seconds
    part = ledger.claim(key, job.fields(key, text), owner=owner, now=job.now, lease_seconds=lease)
    if part is None:
        current = ledger.get(key) or {}
        if current.get("state") in ledger.FINAL:
            _note_outcome(job, key, current)
            return str(current["state"])
        held = int(current.get("lease_until") or 0) - int(job.now.timestamp())
        raise ReplyRetryError(f"part {key} is being posted by another worker", retry_after=max(held, 0) + 1)
    attempt = Attempt(where, target, key, text, owner, part.outbound_id)
    if part.taken_over and not getattr(where.module, "REPLY_IDEMPOTENT", False):
        found = _already_posted(job, attempt)
        if found is not None:
            return found
    try:
        request = where.module.reply_request(
            target, text, part.outbound_id, where.settings, where.secrets, job.now, private=job.link.reply_private
        )
    except CannotReplyError as error:
        return _finish(job, attempt, "failed", reason=error.reason, failure=error.failure.value)
    if not ledger.sending(key, owner, job.now, lease):
        raise ReplyRetryError(f"part {key}: lease lost before sending")
    result = where.module.reply_result(_send(key, owner, request), target=target)
    if isinstance(result, Posted):
        return _posted(job, attempt, result)
    return _refused(job, attempt, result)


def _already_posted(job: Outgoing, attempt: Attempt) -> str | None:
    """A part whose earlier answer was lost, on a network that drops no repeats: found by the
    connector's lookup (posted), or, without one, given up as `unknown` rather than sent twice.
    None: not there, send it."""
    if not hasattr(attempt.where.module, "lookup_request"):
        network = attempt.where.network
        reason = (
            f"the answer from {network} was lost and {network} cannot tell whether it arrived; "
            "not sent again to avoid posting twice: please check the thread"
        )
        return _finish(job, attempt, "unknown", reason=reason)
    found = _look_up(attempt)
    return _posted(job, attempt, found) if found is not None else None


def _finish(job: Outgoing, attempt: Attempt, state: str, **fields: Any) -> str:
    ledger.finish(attempt.key, attempt.owner, state, job.now, **fields)
    _note_outcome(job, attempt.key, ledger.get(attempt.key) or {})
    return state


def _send(key: str, owner: str, request: Any) -> HttpResponse:
    """The network call. A failure to connect means nothing left: the part is released for the
    retry. Anything later (a timeout, a reset) may have posted: the part stays `sending`, so the
    retry takes it over on the careful path (idempotency key or lookup)."""
    try:
        return fetch.fetch(request)
    except SourceUnavailableError as error:
        if _never_sent(error):
            ledger.release(key, owner, str(error)[:300])
            raise ReplyRetryError(f"{error}") from error
        # it may have been posted: try again once the lease is over, on the careful path
        raise ReplyRetryError(f"{error}", retry_after=settings().reply_lease_seconds + 1) from error


def _never_sent(error: Exception) -> bool:
    cause = error.__cause__
    if isinstance(cause, requests.ConnectTimeout):
        return True
    return isinstance(cause, requests.ConnectionError) and "NewConnectionError" in repr(cause.args)


def _look_up(attempt: Attempt) -> Posted | None:
    where = attempt.where
    request = where.module.lookup_request(attempt.target, attempt.outbound_id, where.settings, where.secrets)
    try:
        response = fetch.fetch(request)
    except SourceUnavailableError as error:
        raise ReplyRetryError(f"looking for our reply: {error}") from error
    found: Posted | None = where.module.lookup_result(response, attempt.target, attempt.outbound_id, text=attempt.text)
    return found


def _posted(job: Outgoing, attempt: Attempt, result: Posted) -> str:
    network = attempt.where.network
    ledger.finish(attempt.key, attempt.owner, "posted", job.now, external_id=result.external_id, url=result.url)
    link_fields = {"part": attempt.key, "link": job.link.key, "at": format_time(job.now)}
    ledger.record_posted(job.brand.slug, network, result.external_id, link_fields)
    tickets.record_first_response(job.link.key, job.now)
    ledger.alert_clear(job.brand.slug, network)
    log("replies.posted", brand=job.brand.slug, network=network, ticket=job.ticket.id, external_id=result.external_id)
    metric("RepliesPosted", dimensions={"network": network})
    _note_outcome(job, attempt.key, ledger.get(attempt.key) or {})
    return "posted"


def _refused(job: Outgoing, attempt: Attempt, result: Refused) -> str:
    network = attempt.where.network
    if result.retried:
        ledger.release(attempt.key, attempt.owner, result.reason)
        _note_retrying(job, attempt.key, result)
        raise ReplyRetryError(f"{network}: {result.reason}", result.retry_after)
    if result.failure is Failure.DUP and hasattr(attempt.where.module, "lookup_request"):
        found = _look_up(attempt)  # a repeat of our own key: the first one is the post (Bluesky)
        if found is not None:
            return _posted(job, attempt, found)
    log("replies.refused", level="warning", brand=job.brand.slug, network=network, failure=result.failure.value)
    metric("RepliesRefused", dimensions={"network": network, "failure": result.failure.value})
    if result.failure is Failure.AUTH:
        _alert_revoked(job.brand, network, result.reason, job.now)
    state = "posted" if result.failure is Failure.DUP else "failed"
    return _finish(job, attempt, state, reason=result.reason, failure=result.failure.value)


# ---------------------------------------------------------------- notes on the ticket


def _note_outcome(job: Outgoing, key: str, part: Mapping[str, Any]) -> None:
    state, network = part.get("state"), job.mention.network
    if state == "posted" and part.get("external_id"):
        text = f"mentiondesk: posted to {network} as the brand: {part.get('url') or part['external_id']}"
    elif state == "posted":
        text = f"mentiondesk: {network} already had this reply ({part.get('reason')})."
    elif state == "unknown":
        text = f"mentiondesk: {network}: {part.get('reason')}."
    else:
        text = f"mentiondesk: NOT posted to {network}: {part.get('reason')}. The customer has not seen this reply."
    _note_once(job, key, "noted", text, part)


def _note_retrying(job: Outgoing, key: str, result: Refused) -> None:
    wait = f" in about {int(result.retry_after)} s" if result.retry_after else ""
    text = f"mentiondesk: {job.mention.network} did not take the reply yet ({result.reason}); retrying{wait}."
    _note_once(job, key, "retry_noted", text)


def _note_once(job: Outgoing, key: str, flag: str, text: str, part: Mapping[str, Any] | None = None) -> None:
    """An internal note on the ticket, once per part and kind (a crash between the note and its
    flag repeats the note, never the network post)."""
    current = part if part is not None else ledger.get(key) or {}  # the caller's fresh read, else one here
    if current.get(flag) or "comments" not in job.desk.FEATURES:
        return
    job.desk.add_comment(job.ticket, text)
    ledger.set_flag(key, flag)


# ---------------------------------------------------------------- moderation


def moderation_key(mention_id: str, action: str, request: str) -> str:
    return f"moderation#{mention_id}#{action}#{request}"


def request_moderation(
    brand: Brand, mention: Mention, action: str, *, by: str, reason: str, request: str, now: datetime
) -> tuple[str, bool] | str:
    """Record one moderation request (its audit record, before anything is sent) and queue it:
    (audit key, newly queued), or the one-line reason the network does not offer this action."""
    module = connectors.load_replier(mention.network)
    offered = frozenset(getattr(module, "MODERATION", ())) if module is not None else frozenset()
    if action not in offered:
        can = ", ".join(sorted(offered)) or "nothing"
        return f"{mention.network} does not offer {action!r} through its API (it offers: {can})"
    key = moderation_key(mention.identity, action, request)
    record = ModerationRecord(mention.brand, mention.network, mention.external_id, action, by, reason, now)
    created = ledger.put_once(key, record.to_item())
    if created:
        queue_moderation(brand.slug, key)
        log("moderation.requested", brand=brand.slug, network=mention.network, action=action, by=by)
    return key, created


def auto_moderate(brand: Brand, mention: Mention, score: Score, now: datetime) -> str | None:
    """The brand's optional auto rule on a newly stored mention: spam and abuse hidden (never a
    complaint: functions.core.moderation). Returns the action queued, if any."""
    found = auto_action(mention, score, brand.moderation.auto)
    if found is None:
        return None
    reason = ", ".join(found.reasons)
    queued = request_moderation(brand, mention, found.action, by="auto-rule", reason=reason, request="auto", now=now)
    if isinstance(queued, str):
        log("moderation.auto_unavailable", brand=brand.slug, network=mention.network, reason=queued)
        return None
    return found.action


def moderate(brand: Brand, audit_key: str, now: datetime) -> str:
    """Carry out one recorded moderation action; its outcome goes into the audit record and, when
    the mention is on a ticket, onto the ticket. Hide, delete and ban are safe to repeat, so a job
    retried after a lost answer sends the action again."""
    item = ledger.get(audit_key)
    if item is None or item.get("brand") != brand.slug:
        raise batch.PermanentError(f"no moderation record {audit_key} of brand {brand.slug}")
    record = ModerationRecord.from_item(item)
    if record.state != "requested":
        return record.state
    stored = mentions.get(record.identity)
    where = channel(brand, record.network)
    if stored is None or where is None:
        return _moderated(brand, audit_key, record.finished("unsupported", "the mention or its network is gone"))
    target = Target.of(stored.mention, where.account)
    try:
        request = where.module.moderation_request(record.action, target, where.settings, where.secrets)
    except CannotReplyError as error:
        return _moderated(brand, audit_key, record.finished("unsupported", error.reason))
    try:
        response = fetch.fetch(request)
    except SourceUnavailableError as error:
        raise ReplyRetryError(f"{where.network} moderation: {error}") from error
    result = where.module.moderation_result(record.action, response, target=target)
    if isinstance(result, Posted):
        return _moderated(brand, audit_key, record.finished("done", f"{record.action} applied", result.external_id))
    if result.retried:
        raise ReplyRetryError(f"{where.network}: {result.reason}", result.retry_after)
    if result.failure is Failure.AUTH:
        _alert_revoked(brand, where.network, result.reason, now)
    return _moderated(brand, audit_key, record.finished("refused", result.reason))


def _moderated(brand: Brand, key: str, record: ModerationRecord) -> str:
    ledger.put(key, record.to_item())
    log("moderation.finished", brand=brand.slug, network=record.network, action=record.action, state=record.state)
    metric("ModerationActions", dimensions={"action": record.action, "state": record.state})
    stored = mentions.get(record.identity)
    link = tickets.get(stored.mention.thread_key) if stored is not None else None
    text = (
        f"mentiondesk moderation: {record.action} on {record.network} (requested by {record.by}): "
        f"{record.state}, {record.result}."
    )
    _note_ticket(brand, link, text)
    return record.state


def _note_ticket(brand: Brand, link: Link | None, text: str) -> None:
    """An internal note on the link's ticket, where there is one and the desk takes comments."""
    if link is None or link.ticket is None:
        return
    desk = helpdesks.for_brand(brand)
    if "comments" in desk.FEATURES:
        desk.add_comment(link.ticket, text)


def _alert_revoked(brand: Brand, network: str, reason: str, now: datetime) -> None:
    """Tell the brand's on-call that a network token was refused, once until a post succeeds again."""
    if not ledger.alert_once(brand.slug, network, now):
        return
    text = (
        f"[{brand.name}] the {network} token was refused ({reason}). Replies and moderation on {network} "
        "are not going out until it is reconnected."
    )
    for target in brand.escalation.notify:
        notify(target, text)


# ---------------------------------------------------------------- our replies coming back


def echo(mention: Mention, now: datetime) -> str:
    """The brand's own post came back in a webhook or a poll: never a customer mention.

    Ours (in the ledger): its ticket already has the note; the sighting is recorded. Written on the
    network by hand: when it answers a ticketed customer post, it is the ticket's first response
    and the agent sees it as a note."""
    posted = ledger.posted(mention.brand, mention.network, mention.external_id)
    if posted is not None:
        first = ledger.mark_echoed(mention.brand, mention.network, mention.external_id, now)
        log("replies.echo", brand=mention.brand, network=mention.network, first=first, link=posted.get("link"))
        metric("OwnRepliesSeen", dimensions={"network": mention.network})
        return "ours"
    link = _answered_link(mention)
    if link is None or link.ticket is None:
        log("replies.brand_post", brand=mention.brand, network=mention.network, mention=mention.identity)
        return "brand"
    tickets.record_first_response(link.key, mention.created_at)
    brand = brands().get(mention.brand)
    if brand is not None and ledger.put_once(f"manual#{mention.identity}", {"brand": mention.brand}):
        text = (
            f"mentiondesk: the brand answered on {mention.network} directly "
            f"({mention.url or mention.external_id}):\n\n{mention.text[:2000]}"
        )
        _note_ticket(brand, link, text)
    log("replies.manual_answer", brand=mention.brand, network=mention.network, link=link.key)
    return "manual"


def _answered_link(mention: Mention) -> Link | None:
    """The ticket of the customer post this brand post answers (its parent), if it has one."""
    parent = mention.thread.parent_id
    if not parent:
        return None
    stored = mentions.get(identity(mention.brand, mention.network, parent))
    return tickets.get(stored.mention.thread_key) if stored is not None else None


# ---------------------------------------------------------------- requests made from the ticket

TAG_PREFIX = "md-"
PRIVATE_TAG = "md-private"
ONCE_PER_AUTHOR = frozenset({"ban", "unban"})


def from_ticket_tags(brand: Brand, link: Link, tags: tuple[str, ...], now: datetime) -> list[str]:
    """What the ticket's tags ask of the network: moderation of its customer posts (`md-hide`...)
    and replies as direct messages (`md-private`). Each tag acts once per ticket, however often
    the desk repeats it (the audit key names the ticket). Returns the actions queued."""
    wanted = {tag.strip().lower() for tag in tags}
    if (PRIVATE_TAG in wanted) != link.reply_private:
        tickets.set_reply_private(link.key, PRIVATE_TAG in wanted)
    if link.ticket is None:
        return []
    posts = [stored.mention for stored in map(mentions.get, sorted(link.mentions)) if stored is not None]
    customer = [m for m in posts if not m.by_brand]
    queued = []
    for action in (a for a in ACTIONS if f"{TAG_PREFIX}{a}" in wanted):
        for mention in customer[:1] if action in ONCE_PER_AUTHOR else customer:
            done = request_moderation(
                brand,
                mention,
                action,
                by=f"ticket:{link.ticket.vendor}:{link.ticket.id}",
                reason=f"tag {TAG_PREFIX}{action} on the ticket",
                request=f"ticket-{link.ticket.id}",
                now=now,
            )
            if isinstance(done, tuple) and done[1]:
                queued.append(f"{action}:{mention.identity}")
    return queued
