"""The poll contract: what a source module receives, returns and raises, and the cursor helpers.

A poll source is a connector module with `DELIVERY` "poll" or "both" and these functions:

    targets(brand, settings, query) -> tuple[PollTarget, ...]
        What to poll for one brand (one search, feed, channel, app...). Raises ValueError on bad
        settings: it runs when the brand file is loaded, so a typo fails the deploy.
    poll(http, credentials, target, cursor, now) -> PollPage
        Fetch ONE page through `http` and return its mentions and the next cursor. Pure apart from
        `http`: no clock (now is passed), no boto3, no retries (the runner owns back-off).
    authenticate(http, secrets, target, now) -> Credentials   (optional)
        Exchange long-lived secrets for a short-lived token (`target.params` carries URLs and the
        User-Agent); the runner caches it per brand and source until `expires_at`, and drops it
        when a poll raises `TokenInvalidError`.
    listing(http, credentials, account, since, now) -> tuple[Mention, ...]   (optional, push networks)
        A cheap look at the brand's own page (recent wall comments...) for gap detection: the
        mentions must carry the very identities the webhook would have produced.

Cursors are JSON objects the source owns, seeded by the runner with `since` (and, for a backfill,
`until`). The runner stores a cursor only when it changed, so a source must not put clocks or
counters in it: re-polling an unchanged source then costs zero writes. `sweep` below is the cursor
logic for the common case of an API that lists newest first.
"""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import Any, Protocol

from functions.core.mention import Mention, format_time, parse_time
from functions.core.query import Query, UnsupportedQueryError, broad_terms
from functions.core.webhooks import ConnectorError, MalformedPayloadError

__all__ = ["MalformedPayloadError"]

Cursor = Mapping[str, Any]
_EMPTY: Mapping[str, str] = MappingProxyType({})


class PollError(ConnectorError):
    """The source answered, but not with a page (a 4xx we cannot fix by waiting): backed off, alerted."""


class SourceUnavailableError(PollError):
    """Outage, timeout or 5xx: retried later from the same cursor."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class RateLimitedError(SourceUnavailableError):
    """429 or the source's own rate-limit error: wait `retry_after` seconds (or back off) and resume."""


class TokenInvalidError(PollError):
    """The credentials were refused (401/403, revoked token): the channel is down until someone fixes them."""


@dataclass(frozen=True)
class HttpRequest:
    url: str
    params: Mapping[str, str | Sequence[str]] = field(default_factory=lambda: _EMPTY)
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    method: str = "GET"
    form: Mapping[str, str] | None = None
    json_body: Any = None
    basic_auth: tuple[str, str] | None = None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise MalformedPayloadError(f"response is not JSON: {error}") from error


Fetch = Callable[[HttpRequest], HttpResponse]


@dataclass(frozen=True)
class Credentials:
    """The brand's secrets for the source, plus headers from `authenticate` (a bearer token)."""

    secrets: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PollTarget:
    """One thing to poll for a brand. `key` is stable (it names the cursor); `match` says whether
    every text is re-checked against the brand query (False for the brand's own channel or app,
    where every comment or review is about the brand whatever its words)."""

    brand: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    query: Query | None = None
    match: bool = True


@dataclass(frozen=True)
class PollPage:
    mentions: tuple[Mention, ...]
    cursor: Cursor
    more: bool = False  # another page is waiting right now (same sweep)
    wait: float | None = None  # the source asked us to pause this long (rate-limit headers)
    skipped: int = 0  # entries of the answer that were not items (a `null` in a list): left out, counted


class PollSource(Protocol):
    NETWORK: str
    POLL_MINUTES: int
    SECRETS: tuple[str, ...]  # what a poll-only source needs; push networks name theirs POLL_SECRETS

    def targets(self, brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]: ...

    def poll(
        self, http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime
    ) -> PollPage: ...


# ------------------------------------------------------------------------------------ HTTP outcomes


def retry_after(response: HttpResponse, now: datetime) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date), else the rate-limit reset headers."""
    value = (response.header("Retry-After") or "").strip()
    if value:
        if value.replace(".", "", 1).isdigit():
            return float(value)
        try:
            return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
        except (TypeError, ValueError):
            pass
    return _reset_seconds(response, now)


def _reset_seconds(response: HttpResponse, now: datetime) -> float | None:
    """`X-RateLimit-Reset` / `RateLimit-Reset`: seconds to wait (Reddit) or an epoch / ISO time (Mastodon)."""
    value = (response.header("X-RateLimit-Reset") or response.header("RateLimit-Reset") or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            return max(0.0, (parse_time(value) - now).total_seconds())
        except ValueError:
            return None
    if number > 1_000_000_000:  # an epoch timestamp, not a duration
        return max(0.0, number - now.timestamp())
    return max(0.0, number)


def exhausted_wait(response: HttpResponse, now: datetime) -> float | None:
    """When the rate-limit headers say nothing is left, how long to pause before the next page."""
    remaining = response.header("X-RateLimit-Remaining") or response.header("RateLimit-Remaining")
    try:
        if remaining is not None and float(remaining) < 1:
            return _reset_seconds(response, now) or 60.0
    except ValueError:
        return None
    return None


def check(response: HttpResponse, source: str, now: datetime) -> HttpResponse:
    """Map an HTTP status to the poll errors; a 2xx or 304 comes back unchanged."""
    status = response.status
    if status == 429:
        raise RateLimitedError(f"{source}: HTTP 429", retry_after(response, now))
    if status >= 500:
        raise SourceUnavailableError(f"{source}: HTTP {status}", retry_after(response, now))
    if status in (401, 403):
        raise TokenInvalidError(f"{source}: HTTP {status} (credentials refused)")
    if status >= 400:
        raise PollError(f"{source}: HTTP {status}: {response.body[:200].decode('utf-8', 'replace')}")
    return response


def backoff_seconds(
    failures: int, *, base: float = 60.0, cap: float = 3600.0, rng: random.Random | None = None
) -> float:
    """Full-jitter exponential back-off (AWS Architecture Blog): spreads retries of many brands apart."""
    ceiling = min(cap, base * 2 ** max(0, failures - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


# --------------------------------------------------------------------------- the newest-first sweep


@dataclass(frozen=True)
class Seen:
    """One listed item: its id and the time the source sorts by. `ordered` is False for items the
    listing does not sort (replies carried inside a YouTube thread): they are emitted and can move
    the mark, but take no part in deciding where the listing's order has passed the floor."""

    id: str
    at: datetime
    ordered: bool = True


def floor(cursor: Cursor) -> datetime | None:
    """The oldest moment this sweep still wants: the last complete sweep's mark, else `since`."""
    value = cursor.get("mark") or cursor.get("since")
    return parse_time(value) if isinstance(value, str) else None


def until(cursor: Cursor) -> datetime | None:
    value = cursor.get("until")
    return parse_time(value) if isinstance(value, str) else None


def _second(moment: datetime) -> str:
    return format_time(moment)


def sweep(cursor: Cursor, items: Iterable[Seen], next_page: str | None) -> tuple[frozenset[str], dict[str, Any], bool]:
    """One page of a newest-first listing → (ids to emit, next cursor, more pages wanted).

    A sweep pages back from the newest item until it meets the previous sweep's mark (or `since`);
    then the newest item it saw becomes the mark. Ties at the mark's second are told apart by id, so
    nothing is lost at the boundary and nothing is re-emitted: an unchanged source yields no ids and
    the very same cursor. A sweep cut short (page budget, error) resumes from its page token.

    The end is decided by the page's order, not by any one item: the listing promises newest first,
    so the sweep ends when the page's *last* ordered item is older than the floor. An item out of
    place (a pinned comment listed first, a review a developer reply moved up) is skipped when it is
    older than the floor, and neither ends the sweep nor moves the mark.
    """
    low = floor(cursor)
    high = until(cursor)
    mark_ids = set(cursor.get("mark_ids") or ()) if cursor.get("mark") else set()
    top: str | None = cursor.get("top")
    top_ids = set(cursor.get("top_ids") or ())
    emit: set[str] = set()
    last: Seen | None = None  # the page's last ordered item: the oldest, by the listing's promise
    for item in items:
        at = _second(item.at)
        if item.ordered:
            last = item
        if high is not None and item.at >= high:
            continue
        if low is not None and at < _second(low):
            continue
        if low is not None and at == _second(low) and item.id in mark_ids:
            continue  # seen last sweep; not the end: more items of that second may follow
        emit.add(item.id)
        if top is None or at > top:
            top, top_ids = at, {item.id}
        elif at == top:
            top_ids.add(item.id)
    reached_end = low is not None and last is not None and _second(last.at) < _second(low)
    more = next_page is not None and not reached_end
    state = {k: v for k, v in cursor.items() if k not in ("page", "top", "top_ids")}
    if more:
        state.update(page=next_page, top=top, top_ids=sorted(top_ids))
        return frozenset(emit), state, True
    mark = cursor.get("mark")
    if top is not None and (mark is None or top > mark):
        state.update(mark=top, mark_ids=sorted(top_ids))
    elif top is not None and top == mark:
        state["mark_ids"] = sorted(mark_ids | top_ids)
    if high is not None:
        state["done"] = True
    return frozenset(emit), {k: v for k, v in state.items() if v is not None}, False


def seed(
    now: datetime, lookback: timedelta, since: datetime | None = None, end: datetime | None = None
) -> dict[str, Any]:
    """The first cursor of a target: poll back `lookback` (or a backfill's range)."""
    cursor: dict[str, Any] = {"since": format_time(since or now - lookback)}
    if end is not None:
        cursor["until"] = format_time(end)
    return cursor


# ------------------------------------------------------------------------------------ shared helpers


def searches(query: Query, compile_native: Callable[[Query], str]) -> tuple[str, ...]:
    """The native search strings for a query: one when the source can express it, else one per
    broad term (their union is a superset; the runner's local re-check restores the exact query)."""
    try:
        return (compile_native(query),)
    except UnsupportedQueryError:
        return tuple(broad_terms(query))


def search_targets(
    brand: str, query: Query, compile_native: Callable[[Query], str], **params: Any
) -> tuple[PollTarget, ...]:
    """One target per native search string; the key names the search, so a changed query starts a
    fresh cursor instead of resuming a sweep of a different search."""
    found = searches(query, compile_native)
    return tuple(PollTarget(brand, f"q:{search}", {**params, "q": search}, query=query) for search in found)


_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>|<!--.*?-->|<![^>]*>|<\?[^>]*>", re.DOTALL)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_ESCAPED_MARKUP = re.compile(r"</[A-Za-z][A-Za-z0-9]*\s*>|<br\s*/?>", re.IGNORECASE)  # closing tags: not typed text
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Inline elements sit inside a word's run of text (`<b>ac</b>me`, `<a href>link</a>`): removed.
_INLINE = frozenset(
    "a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q s samp small span strike strong sub sup "  # noqa: SIM905
    "time tt u var wbr".split()
)
# Blocks and `<p>`-style separators start a new line; any other tag (img, td, unknown) is a space.
_BLOCK = frozenset(
    "address article aside blockquote br caption center dd details dialog div dl dt fieldset figcaption figure "  # noqa: SIM905
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody tfoot "
    "thead tr ul".split()
)


def _untag(markup: str) -> str:
    """Every tag replaced so that no two words join: inline tags vanish, blocks break the line,
    anything else (images, cells, comments, unknown tags) becomes a space."""

    def replace(found: re.Match[str]) -> str:
        name = (found.group(1) or "").lower()
        if name in _INLINE:
            return ""
        return "\n" if name in _BLOCK else " "

    return _TAG.sub(replace, markup)


def html_to_text(markup: str) -> str:
    """Plain text from the small HTML fragments APIs return (HN comments, Mastodon statuses, YouTube,
    feed descriptions). Tags go first, then entities are unescaped, so an escaped `&lt;p&gt;` the
    author typed stays text. A double-escaped field (`&amp;#39;`, or escaped markup with closing tags
    in a field that has no tags of its own) is unescaped once more."""
    text = html.unescape(_untag(markup))
    if not _TAG.search(markup) and _ESCAPED_MARKUP.search(text):
        text = html.unescape(_untag(text))  # `&lt;p&gt;Hi&lt;/p&gt;`: the whole field was escaped markup
    elif _ENTITY.search(text):
        text = html.unescape(text)  # `&amp;#39;` → `&#39;` → `'`
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\xa0", " ").split("\n"))
    return "\n".join(line for line in lines if line)


def optional_int(value: Any) -> int | None:
    """A count from a JSON answer: an int (a bool is not one), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def setting(settings: Mapping[str, Any], name: str, default: str) -> str:
    """A string setting (base URLs and the like), validated at brand load."""
    value = settings.get(name, default)
    if not isinstance(value, str) or not value:
        raise ValueError(f"settings.{name} must be a non-empty string")
    return value.rstrip("/")
