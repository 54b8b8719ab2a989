"""Scheduled polls: one Lambda per poll source, each running every brand's targets for that source.

A run takes one page at a time from each target in turn (round robin), so one busy target cannot
starve the others, and stops at the page budget or before the Lambda deadline. After each page the
mentions go to the same queue as webhook mentions (dedupe is by identity downstream), then the
cursor is saved: a run that dies resumes from its last saved page, and at worst re-sends a page
whose mentions are already stored. Failures back off per target (Retry-After, else full-jitter
exponential) without blocking other brands; refused credentials raise a channel alert.

Adding a source adds `functions/connectors/<source>.py`: `register` below gives it its schedule.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.app import Blueprint, Rate

from functions import connectors
from functions.core.brands import Brand
from functions.core.mention import Mention
from functions.core.polls import (
    Credentials,
    Cursor,
    Fetch,
    MalformedPayloadError,
    PollError,
    PollPage,
    PollSource,
    PollTarget,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    backoff_seconds,
    seed,
)
from functions.core.query import matches
from functions.jobs import alerts
from functions.runtime import secrets
from functions.runtime.brands import brands
from functions.runtime.fetch import fetch as http_fetch
from functions.runtime.log import log, metric
from functions.runtime.settings import settings
from functions.stores import cursors, queues
from functions.stores.cursors import CursorConflictError, CursorState

bp = Blueprint(__name__)

LOOKBACK = timedelta(hours=24)  # how far back a brand-new target starts
PAGE_BUDGET = 40  # pages per run of one source, over all brands
SAFETY_SECONDS = 20.0  # stop taking pages this long before the Lambda deadline


@dataclass
class Job:
    """One target of one brand, as this run sees it."""

    source: PollSource
    brand: Brand
    target: PollTarget
    state: CursorState  # as stored
    finished: bool = False
    held: CursorState | None = None  # moved on in memory, not saved yet (pages that found nothing)

    @property
    def current(self) -> CursorState:
        return self.held or self.state


@dataclass
class Report:
    pages: int = 0
    sent: int = 0
    dropped: int = 0  # fetched but not matching the brand query
    writes: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    pending: int = 0  # targets with more pages left for the next run
    crashed: int = 0  # pages that failed on a bug (not the source's answer): the run fails at the end
    skipped: int = 0  # entries of a page that were not items (a `null` in Google Play's reviews[])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_credentials: dict[tuple[str, str], tuple[dict[str, str], Credentials]] = {}  # (secrets used, token)


def forget_credentials() -> None:
    _credentials.clear()


def _window_key(target: PollTarget, window: tuple[datetime, datetime] | None) -> str:
    if window is None:
        return target.key
    return f"{target.key}#backfill:{window[0]:%Y%m%dT%H%M%S}-{window[1]:%Y%m%dT%H%M%S}"


def plan(source_name: str, brand_list: Iterable[Brand], window: tuple[datetime, datetime] | None = None) -> list[Job]:
    """Every target of every brand configured for the source, with its stored cursor."""
    source = connectors.load_source(source_name)
    if source is None:
        raise ValueError(f"{source_name!r} is not a poll source; known: {', '.join(connectors.poll_sources())}")
    jobs = []
    for brand in brand_list:
        network = brand.networks.get(source_name)
        if network is None or not connectors.reads_configured(source, network.secrets):
            continue
        for target in source.targets(brand.slug, network.settings, brand.query_for(source_name)):
            name = cursors.key(brand.slug, source_name, _window_key(target, window))
            jobs.append(Job(source, brand, target, cursors.get(name)))
    return jobs


def _credentials_for(job: Job, http: Fetch, now: datetime) -> Credentials:
    """Secrets come through the secrets cache (its TTL sees rotations); a token from `authenticate`
    is kept per brand and source until a minute before it expires, or until the secrets change."""
    source, brand = job.source.NETWORK, job.brand.slug
    values = secrets.resolve(job.brand.networks[source].secrets)
    authenticate: Callable[..., Credentials] | None = getattr(job.source, "authenticate", None)
    if authenticate is None:
        return Credentials(secrets=values)
    made_from, cached = _credentials.get((brand, source), ({}, None))
    if cached is not None and made_from == values and (cached.expires_at or now) - timedelta(minutes=1) > now:
        return cached
    fresh: Credentials = authenticate(http, values, job.target, now)
    _credentials[(brand, source)] = (values, fresh)
    return fresh


def _relevant(job: Job, found: Sequence[Mention]) -> list[Mention]:
    if not job.target.match or job.target.query is None:
        return list(found)
    query = job.target.query
    return [m for m in found if matches(query, m.text)]


def _failed(job: Job, cursor: Cursor, error: Exception, now: datetime) -> CursorState:
    """Back off; the cursor (seeded if new) is kept, so the retry resumes where this run stopped."""
    failures = job.current.failures + 1
    wait = backoff_seconds(failures)
    if isinstance(error, SourceUnavailableError) and error.retry_after is not None:
        wait = max(error.retry_after, 1.0)
    return replace(
        job.current, cursor=dict(cursor), not_before=now + timedelta(seconds=wait), failures=failures, error=str(error)
    )


def _reason(error: Exception) -> str:
    if isinstance(error, RateLimitedError):
        return "rate_limited"
    if isinstance(error, TokenInvalidError):
        return "token_invalid"
    if isinstance(error, SourceUnavailableError):
        return "unavailable"
    if isinstance(error, PollError):
        return "rejected"
    return "malformed" if isinstance(error, MalformedPayloadError | ValueError) else "crashed"


def _save(job: Job, new: CursorState, report: Report) -> None:
    job.held = None
    stored = cursors.save(job.state, new, brand=job.brand.slug, source=job.source.NETWORK)
    report.writes += stored is not job.state
    job.state = stored


def _succeeded(job: Job, page: PollPage, now: datetime) -> CursorState:
    """The new state after a page. A pause asked for by an unchanged page (a feed's `<ttl>`, a spent
    rate limit) is not stored: that would cost a write on every poll of an unchanged source; the
    target is left for this run, and a real 429 on the next one is stored."""
    unchanged = not page.mentions and dict(page.cursor) == job.current.cursor
    not_before = now + timedelta(seconds=page.wait) if page.wait and not unchanged else None
    return replace(job.current, cursor=dict(page.cursor), not_before=not_before, failures=0, error=None)


def _fields(job: Job) -> dict[str, str]:
    return {"network": job.source.NETWORK, "brand": job.brand.slug, "target": job.target.key}


def step(job: Job, http: Fetch, now: datetime, report: Report, window: tuple[datetime, datetime] | None) -> None:
    """Poll one page of one target and record the outcome; never raises for the source's faults."""
    cursor = job.current.cursor or seed(now, LOOKBACK, *(window or ()))
    try:
        page = job.source.poll(http, _credentials_for(job, http, now), job.target, cursor, now)
    except Exception as error:  # one source's fault, even a bug, must not stop the other brands
        reason = _reason(error)
        if reason == "crashed":
            report.crashed += 1
            log("poll.crashed", level="error", error=repr(error), trace=traceback.format_exc(), **_fields(job))
        else:
            log(f"poll.{reason}", level="warning", error=str(error), **_fields(job))
        metric("PollErrors", dimensions={"network": job.source.NETWORK, "reason": reason})
        report.errors[job.state.key] = f"{reason}: {error}"
        if isinstance(error, TokenInvalidError):
            _credentials.pop((job.brand.slug, job.source.NETWORK), None)
            alerts.channel_problem(job.brand, job.source.NETWORK, "token_invalid", str(error), now)
        _save(job, _failed(job, cursor, error, now), report)
        job.finished = True
        return
    relevant = _relevant(job, page.mentions)
    if relevant:
        queues.send(settings().mentions_queue, [{"mention": m.to_dict(), "via": "poll"} for m in relevant])
        metric("MentionsReceived", len(relevant), dimensions={"network": job.source.NETWORK})
    report.pages += 1
    report.sent += len(relevant)
    report.dropped += len(page.mentions) - len(relevant)
    if page.skipped:
        report.skipped += page.skipped
        log("poll.skipped", level="warning", skipped=page.skipped, **_fields(job))
        metric("PollErrors", page.skipped, dimensions={"network": job.source.NETWORK, "reason": "skipped_item"})
    if job.state.error:
        alerts.channel_recovered(job.brand, job.source.NETWORK, now)
    if window is not None and not page.more and page.wait is None:
        page = replace(page, cursor={**page.cursor, "done": True})  # a backfill window has one sweep
    job.finished = not page.more or page.wait is not None or bool(page.cursor.get("done"))
    if relevant or job.finished:
        _save(job, _succeeded(job, page, now), report)
    else:  # an empty page mid-sweep: nothing to lose by re-reading it, so no write for it
        job.held = _succeeded(job, page, now)
    log("poll.page", mentions=len(relevant), more=page.more, **_fields(job))


def _due(job: Job, now: datetime, window: tuple[datetime, datetime] | None) -> bool:
    if job.state.not_before is not None and job.state.not_before > now:
        return False
    return not (window and job.state.cursor and job.state.cursor.get("done"))


def run(
    jobs: list[Job],
    now: datetime,
    *,
    http: Fetch = http_fetch,
    pages: int = PAGE_BUDGET,
    seconds_left: Callable[[], float] = lambda: 900.0,
    window: tuple[datetime, datetime] | None = None,
    on_page: Callable[[Report], None] | None = None,
) -> Report:
    """Round robin over due jobs, one page each per turn, within the page and time budgets."""
    report = Report()
    active = [job for job in jobs if _due(job, now, window)]
    while active and report.pages < pages and seconds_left() > SAFETY_SECONDS:
        for job in list(active):
            if report.pages >= pages or seconds_left() <= SAFETY_SECONDS:
                break
            try:
                step(job, http, now, report, window)
            except CursorConflictError:
                log("poll.overlap", level="warning", **_fields(job))
                job.finished = True
            except secrets.SecretStoreDownError as error:
                log("poll.secrets_down", level="warning", error=str(error), **_fields(job))
                report.errors[job.state.key] = f"secrets: {error}"
                job.finished = True
            if job.finished:
                active.remove(job)
            if on_page:
                on_page(report)
    for job in active:  # cut short by the budget: keep the sweep's place for the next run
        with suppress(CursorConflictError):
            _save(job, job.current, report)
    report.pending = len(active)
    return report


class PollRunError(Exception):
    """Some target failed on a bug: raised after every other target was polled, so the function's
    Errors alarm fires (the failed targets back off like any failure)."""


def run_source(source_name: str, now: datetime, seconds_left: Callable[[], float]) -> Report:
    """What each scheduled poll function does."""
    started = time.monotonic()
    report = run(plan(source_name, brands().all()), now, seconds_left=seconds_left)
    log("poll.run", network=source_name, seconds=round(time.monotonic() - started, 3), **report.as_dict())
    if report.crashed:
        raise PollRunError(f"{report.crashed} {source_name} target(s) failed on a bug; see poll.crashed")
    return report


def _handler(source_name: str) -> Callable[[Any], None]:
    def poll_source(event: Any) -> None:
        context = getattr(event, "context", None)
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        run_source(source_name, datetime.now(UTC), _left(remaining))

    poll_source.__name__ = poll_source.__qualname__ = function_name(source_name)
    return poll_source


def _left(remaining: Callable[[], int] | None) -> Callable[[], float]:
    if remaining is None:
        return lambda: 900.0
    return lambda: remaining() / 1000.0


def function_name(source_name: str) -> str:
    return f"poll_{source_name}"


def register() -> None:
    """One scheduled function per poll source, at the rate the source asks for."""
    for source_name in connectors.poll_sources():
        minutes = connectors.declared(source_name).poll_minutes or 15
        handler = _handler(source_name)
        globals()[handler.__name__] = handler  # Lambda finds handlers as `functions.jobs.polls.<name>`
        bp.schedule(Rate(minutes, unit=Rate.MINUTES), name=handler.__name__)(handler)


register()
