"""RSS 2.0 and Atom feeds (forums, review sites, news, Google Alerts RSS): their entries as mentions.

Wire contract (../shared/reference/polls.md, "RSS / Atom feeds"; standards quoted from memory there,
so [unconfirmed] section numbers): conditional GET (RFC 9110) with `ETag` / `Last-Modified` stored
verbatim from a 200 and sent back as `If-None-Match` / `If-Modified-Since`, `304` = nothing new;
some servers ignore validators, so entries are also deduplicated by RSS `<guid>` (else `<link>`) or
Atom `<id>`; dates are RSS `pubDate` or Atom `published`/`updated`; `Retry-After` on 429/503 and
RSS `<ttl>` (minutes) are respected. Parsing is feedparser's (it copes with RSS 0.9x-2.0, RDF and
Atom, encodings, entities and slightly broken XML); the bytes come through OUR `http`, feedparser
never touches the network.

Decisions (docs/networks/rss.md says why):
* Cursor = `seen`: short hashes of the entries the feed listed last time, not a date mark. Feeds are
  small windows, not always sorted, and moderated items (reviews) appear late with older dates: a
  date mark would drop those, a set of ids does not. An entry is emitted when its id is new and its
  date is within [since, until); an unchanged feed gives the same set, hence the same cursor.
* Validators are refreshed only when the set of entries changed: a server that mints a new ETag or
  `Last-Modified: now` for every request then costs a download per poll, but never a write.
* Entries without a date: the first poll takes them as the baseline (their age is unknown); later
  new ones are emitted with `created_at = now` (first seen); a backfill skips them.
* One page per feed: RSS has no pagination and RFC 5005 Atom paging is not followed.
* A body that ends mid-document (expat's "no element found" / "unclosed token", or no `</rss>`,
  `</feed>`, `</rdf:RDF>`) is malformed: the cursor stays and the target backs off. A complete
  document with a well-formedness slip (a bare `&`) is kept, and its `seen` keeps the old ids too,
  so entries the lenient parse may have missed do not come back as new.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from functions.core.lang import language_code
from functions.core.mention import Author, Kind, Mention, parse_time
from functions.core.polls import (
    Credentials,
    Cursor,
    Fetch,
    HttpRequest,
    HttpResponse,
    MalformedPayloadError,
    PollPage,
    PollTarget,
    check,
    html_to_text,
    until,
)
from functions.core.query import Query
from functions.core.webhooks import Delivery

NETWORK = "rss"
DISPLAY_NAME = "RSS / Atom feeds"
DELIVERY: Delivery = "poll"
POLL_MINUTES = 15
SECRETS: tuple[str, ...] = ()
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, "
    "text/xml;q=0.8, */*;q=0.1"
)
MAX_ENTRIES = 500  # newest first; bounds the cursor (~10 KB) whatever the feed's size
MAX_ID_CHARS = 200  # longer ids (or ids with spaces) are hashed
MAX_TTL_WAIT = 6 * 3600.0  # a `<ttl>` longer than this is honoured only up to it: mentions must stay fresh
_FEED_KEYS = frozenset({"url", "match", "name"})
_CUT_SHORT = ("no element found", "unclosed token", "unclosed cdata section")  # expat at the end of input
_ROOT_END = re.compile(rb"</(?:[\w.-]+:)?(?:rss|feed|rdf)\s*>", re.IGNORECASE)
_TAIL = 64 * 1024  # the root's end tag is near the end; trailing comments and whitespace are allowed
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SPACES = re.compile(r"\s+")


# ------------------------------------------------------------------------------------------ targets


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    """One target per configured feed; a typo in the list fails the brand load."""
    feeds = settings.get("feeds")
    if not isinstance(feeds, list) or not feeds:
        raise ValueError('settings.feeds must be a non-empty list of {"url": ..., "match"?: bool, "name"?: str}')
    found = [_target(brand, feed, query, f"settings.feeds[{index}]") for index, feed in enumerate(feeds)]
    keys = [t.key for t in found]
    for index, target in enumerate(found):
        if keys.index(target.key) != index:
            raise ValueError(f"settings.feeds[{index}]: {target.params['url']} is listed twice")
    return tuple(found)


def _target(brand: str, feed: Any, query: Query, where: str) -> PollTarget:
    if not isinstance(feed, dict):
        raise ValueError(f"{where} must be an object with a url")
    unknown = sorted(set(feed) - _FEED_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown} (allowed: url, match, name)")
    url = _feed_url(feed.get("url"), where)
    match = feed.get("match", True)
    if not isinstance(match, bool):
        raise ValueError(f"{where}.match must be true or false")
    name = feed.get("name", _host(url))
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}.name must be a non-empty string")
    return PollTarget(brand, feed_key(url), {"url": url, "name": name.strip()}, query=query, match=match)


def _feed_url(value: Any, where: str) -> str:
    url = value.strip() if isinstance(value, str) else ""
    if not url:
        raise ValueError(f"{where}.url must be a non-empty string")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{where}.url must be an http(s) URL with a host, got {url!r}")
    return url


def feed_key(url: str) -> str:
    """The cursor's name: a hash of the url as configured (URLs can be long; keys must stay small)."""
    return f"feed:{_digest(url, 16)}"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _digest(text: str, size: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


# --------------------------------------------------------------------------------------------- poll


@dataclass(frozen=True)
class _Entry:
    mention: Mention
    dated: bool


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    """One conditional GET of the feed: a 304 changes nothing, a 200 yields the entries not seen before."""
    url = str(target.params["url"])
    response = check(http(HttpRequest(url, headers=_request_headers(cursor))), NETWORK, now)
    if response.status == 304:
        return PollPage((), cursor)
    parsed = _parse(response, url)
    entries = _entries(parsed, target, now)
    seen = set(cursor.get("seen") or ())
    first = "seen" not in cursor
    emit = tuple(e.mention for e in entries if _tag(e) not in seen and _wanted(e, cursor, first))
    # A feed read past a well-formedness error may have lost entries: remember the old ids too.
    kept = frozenset(seen) if parsed.bozo and _not_well_formed(parsed) else frozenset()
    return PollPage(emit, _next_cursor(cursor, entries, response, kept), wait=_ttl_wait(parsed))


def _request_headers(cursor: Cursor) -> dict[str, str]:
    """Conditional GET: the validators of the last 200, verbatim (RFC 9110 says not to rewrite them)."""
    headers = {"Accept": ACCEPT}
    if isinstance(cursor.get("etag"), str):
        headers["If-None-Match"] = cursor["etag"]
    if isinstance(cursor.get("modified"), str):
        headers["If-Modified-Since"] = cursor["modified"]
    return headers


def _parse(response: HttpResponse, url: str) -> Any:
    """feedparser over the bytes (a BytesIO, so it never opens a URL or a file). A broken feed that
    still yields entries is kept: slightly invalid XML (a bare `&`, an HTML entity) is common."""
    import feedparser  # here, not at the top: every function imports the connectors at cold start

    headers = {k.lower(): v for k, v in response.headers.items()}
    headers.setdefault("content-location", url)  # resolves relative links in entries
    parsed = feedparser.parse(io.BytesIO(response.body), response_headers=headers)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        kind = headers.get("content-type", "no content-type")
        raise MalformedPayloadError(f"rss: {url} is not a feed ({kind}): {parsed.get('bozo_exception')}")
    if _truncated(response.body, parsed):
        raise MalformedPayloadError(
            f"rss: {url} ends mid-document: {parsed.get('bozo_exception') or 'no root end tag'}"
        )
    return parsed


def _not_well_formed(parsed: Any) -> bool:
    """feedparser's `bozo` for broken XML (a SAX error), not for a mislabelled encoding or type."""
    return type(parsed.get("bozo_exception")).__name__ == "SAXParseException"


def _truncated(body: bytes, parsed: Any) -> bool:
    """A body cut short (a dropped connection, a size limit, a proxy): the parser hit the end inside
    an element, or the root element (`</rss>`, `</feed>`, `</rdf:RDF>`) is never closed. Half a feed
    must not pass for the whole: the entries it lacks would leave `seen` and come back as new."""
    error = str(parsed.get("bozo_exception") or "").lower()
    if parsed.bozo and _not_well_formed(parsed) and any(words in error for words in _CUT_SHORT):
        return True
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        body = body.decode("utf-16", "replace").encode()
    return _ROOT_END.search(body[-_TAIL:]) is None


def _entries(parsed: Any, target: PollTarget, now: datetime) -> tuple[_Entry, ...]:
    """The feed's entries, undated first (feed order) then newest first, duplicates and the
    excess beyond MAX_ENTRIES dropped: feeds are not always sorted."""
    event = "atom" if str(parsed.get("version") or "").startswith("atom") else "rss"
    lang = _lang(parsed.feed.get("language"))
    found: dict[str, _Entry] = {}
    for raw in parsed.entries:
        entry = _entry(raw, target, event, lang, now)
        if entry is not None:
            found.setdefault(entry.mention.external_id, entry)
    ordered = sorted(found.values(), key=lambda e: (e.dated, -e.mention.created_at.timestamp()))
    return tuple(ordered[:MAX_ENTRIES])


def _tag(entry: _Entry) -> str:
    """What the cursor remembers of an entry: a short hash of its external id."""
    return _digest(entry.mention.external_id, 16)


def _wanted(entry: _Entry, cursor: Cursor, first: bool) -> bool:
    """Dated entries inside [since, until); undated ones only after the first poll, never in a backfill."""
    high = until(cursor)
    if not entry.dated:
        return not first and high is None
    since = cursor.get("since")
    at = entry.mention.created_at
    return (not isinstance(since, str) or at >= parse_time(since)) and (high is None or at < high)


def _next_cursor(
    cursor: Cursor, entries: Iterable[_Entry], response: HttpResponse, kept: frozenset[str] = frozenset()
) -> Cursor:
    """The cursor after a 200: the same object when the feed lists the same entries (whatever its
    validators say), else the new set of ids (plus `kept`, bounded) with this response's validators."""
    state = {k: v for k, v in cursor.items() if k not in ("seen", "etag", "modified")}
    listed = {_tag(e) for e in entries}
    state["seen"] = sorted(listed) + sorted(kept - listed)[: max(0, MAX_ENTRIES - len(listed))]
    state["seen"].sort()
    if until(cursor) is not None:
        state["done"] = True
    if state == {k: v for k, v in cursor.items() if k not in ("etag", "modified")}:
        return cursor
    validators = {"etag": response.header("ETag"), "modified": response.header("Last-Modified")}
    return state | {k: v for k, v in validators.items() if v}


def _ttl_wait(parsed: Any) -> float | None:
    """RSS `<ttl>` minutes as a pause, when longer than our schedule (capped at MAX_TTL_WAIT)."""
    try:
        seconds = float(parsed.feed.get("ttl") or 0) * 60
    except (TypeError, ValueError):
        return None
    return min(seconds, MAX_TTL_WAIT) if seconds > POLL_MINUTES * 60 else None


# ------------------------------------------------------------------------------------------ entries


def _entry(raw: Any, target: PollTarget, event: str, lang: str | None, now: datetime) -> _Entry | None:
    url = str(target.params["url"])
    text = _text(raw)
    if not text:
        return None
    at = _date(raw)
    mention = Mention(
        network=NETWORK,
        external_id=external_id(raw, url),
        kind=Kind.POST,
        brand=target.brand,
        author=_author(raw, _host(url)),
        text=text,
        url=_str(raw.get("link")),
        created_at=at or now,
        lang=_entry_lang(raw) or lang,
        event=event,
    )
    return _Entry(mention, at is not None)


def external_id(raw: Mapping[str, Any], feed_url: str) -> str:
    """The feed's own id: RSS guid / Atom id, else the link. An id with a scheme (URL, tag:, urn:)
    is global, so two feeds carrying it give one mention; a bare one ("4521") is scoped to the feed's
    host. Neither id nor link: a hash of host, title and text. Long ids are hashed."""
    host = _host(feed_url)
    found = _str(raw.get("id")) or _str(raw.get("link"))
    if found is None:
        return "sha256:" + _digest("\n".join((host, str(raw.get("title") or ""), _body(raw)[0])), 40)
    if not _SCHEME.match(found):
        found = f"{host}/{found}"
    if len(found) > MAX_ID_CHARS or _SPACES.search(found):
        return "sha256:" + _digest(found, 40)
    return found


def _text(raw: Mapping[str, Any]) -> str:
    title = _plain(str(raw.get("title") or ""), str((raw.get("title_detail") or {}).get("type") or ""))
    body = _plain(*_body(raw))
    return "\n\n".join(part for part in dict.fromkeys((title, body)) if part)


def _body(raw: Mapping[str, Any]) -> tuple[str, str]:
    """Full content (Atom content, RSS content:encoded) when given, else the summary/description."""
    content = raw.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping) and content[0].get("value"):
        return str(content[0]["value"]), str(content[0].get("type") or "text/html")
    detail = raw.get("summary_detail") or {}
    return str(raw.get("summary") or ""), str(detail.get("type") or "text/html")


def _plain(value: str, kind: str) -> str:
    """Plain text of an HTML or text field; no-break spaces (`&nbsp;`) become plain ones."""
    value = value.replace("\xa0", " ")
    if "html" in kind:
        return html_to_text(value).replace("\xa0", " ")
    return "\n".join(line for line in (_SPACES.sub(" ", part).strip() for part in value.split("\n")) if line)


def _date(raw: Mapping[str, Any]) -> datetime | None:
    """`published`, else `updated` (feedparser gives UTC struct_time; no date → None)."""
    for name in ("published_parsed", "updated_parsed"):
        value = raw.get(name)
        if value:
            year, month, day, hour, minute, second = (int(part) for part in value[:6])
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _author(raw: Mapping[str, Any], host: str) -> Author:
    """RSS `<author>` (email (name)), `dc:creator`, Atom `<author>`; a bare name is scoped to the host."""
    detail = raw.get("author_detail") or {}
    name = _str(detail.get("name")) or _str(raw.get("author"))
    email, href = _str(detail.get("email")), _str(detail.get("href"))
    ident = href or email or (f"{host}/{name}" if name else "")
    return Author(id=ident, handle=name, name=name, url=href)


def _entry_lang(raw: Mapping[str, Any]) -> str | None:
    content = raw.get("content")
    first = content[0] if isinstance(content, list) and content else {}
    return _lang(first.get("language") or (raw.get("summary_detail") or {}).get("language"))


def _lang(value: Any) -> str | None:
    """`en-us` / `en_US` / `eng` → `en`; anything else (or nothing) → None."""
    return language_code(value)


def _str(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None
