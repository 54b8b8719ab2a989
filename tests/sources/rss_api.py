"""A fake feed host serving the XML in tests/fixtures/rss/poll/, with honest HTTP validators.

Behaves like a static or cached feed server (RFC 9110, polls.md "RSS / Atom feeds"): `ETag` is a
hash of the bytes and `Last-Modified` the time of the last change; `If-None-Match` wins over
`If-Modified-Since`, and a 304 is sent only when the validator matches. `validators` switches to
the servers seen in the wild: "ignore" (always 200, same body) and "fresh" (a new ETag and
`Last-Modified` on every request, as dynamic pages do). Like many WAF-fronted sites it refuses a
request without a User-Agent or with the default `python-requests/…` one (403).
Dates in the fixtures are rebased so the newest forum post is 5 minutes old.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rss" / "poll"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
# path -> (fixture, Content-Type). The first three are the brand's configured feeds (settings()).
PATHS: dict[str, tuple[str, str]] = {
    "/posts.rss": ("forum.rss", RSS),
    "/review/acme.example.atom": ("reviews.atom", ATOM),
    "/news.rss": ("undated.rss", "application/rss+xml"),  # charset only in the XML declaration
    "/deals.rss": ("broken.rss", RSS),
    "/c/acme/14.rss": ("empty.rss", RSS),
    "/latest.rss": ("truncated.rss", RSS),
    "/challenge": ("page.html", "text/html; charset=UTF-8"),
}
_RFC822 = re.compile(r"<(pubDate|lastBuildDate)>([^<]+)</\1>")
_RFC3339 = re.compile(r"<(published|updated)>([^<]+)</\1>")
_ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}
_NEW_POST = "acme refund still not here after 3 weeks"
_ACME = re.compile(r"\bacme\b", re.IGNORECASE)


@dataclass
class Feed:
    body: bytes
    content_type: str
    modified: datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body, usedforsecurity=False).hexdigest()[:20] + '"'


def _iso(text: str, shift: timedelta) -> str:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")) + shift
    stamp = moment.isoformat()
    return stamp.replace("+00:00", "Z") if text.endswith("Z") else stamp


def rebase(xml: str, shift: timedelta) -> str:
    """Move every feed date by `shift`, keeping each one's format and offset."""
    xml = _RFC822.sub(
        lambda m: f"<{m[1]}>{format_datetime(parsedate_to_datetime(m[2]) + shift)}</{m[1]}>",
        xml,
    )
    return _RFC3339.sub(lambda m: f"<{m[1]}>{_iso(m[2], shift)}</{m[1]}>", xml)


def _dates(xml: str) -> list[datetime]:
    found = [parsedate_to_datetime(m[2]) for m in _RFC822.finditer(xml)]
    return found + [datetime.fromisoformat(m[2].replace("Z", "+00:00")) for m in _RFC3339.finditer(xml)]


class Fake:
    SOURCE = "rss"

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {}
        self.now = now
        self.host = "127.0.0.1"
        self.validators: Literal["honour", "ignore", "fresh"] = "honour"
        self._served = 0
        self._next_post = 4600
        raw = {path: (FIXTURES / name).read_bytes() for path, (name, _) in PATHS.items()}
        newest = max(_dates(raw["/posts.rss"].decode()))
        shift = (now - timedelta(minutes=5)) - newest
        self.feeds: dict[str, Feed] = {}
        for path, (_, kind) in PATHS.items():
            encoding = "latin-1" if b'encoding="ISO-8859-1"' in raw[path] else "utf-8"
            xml = rebase(raw[path].decode(encoding), shift)
            dates = _dates(xml)
            self.feeds[path] = Feed(xml.encode(encoding), kind, max(dates) if dates else now - timedelta(days=30))

    # ------------------------------------------------------------------------------- the protocol

    def settings(self, base_url: str) -> dict[str, Any]:
        self.host = urlsplit(base_url).hostname or self.host
        return {
            "feeds": [
                {"url": f"{base_url}/posts.rss", "name": "Home Network Forum"},
                {"url": f"{base_url}/review/acme.example.atom", "match": False, "name": "ReviewSite: Acme"},
                {"url": f"{base_url}/news.rss", "match": True},
            ]
        }

    def initial_ids(self) -> set[str]:
        """Dated entries of the last 24 h: forum posts that say acme, every review of the brand's
        page (match false). Undated entries are the first poll's baseline: none."""
        since = self.now - timedelta(hours=24)
        forum = {i for i, at, text in self.rss_items("/posts.rss") if at and at >= since and _ACME.search(text)}
        reviews = {i for i, at, _ in self.atom_entries("/review/acme.example.atom") if at >= since}
        return forum | reviews

    def publish(self, now: datetime, *, published: datetime | None = None, text: str | None = None) -> str:
        """A new forum post (Discourse-style bare guid) at the top of the feed; returns its external id."""
        self._next_post += 1
        guid = f"forum.example.com-post-{self._next_post}"
        item = (
            "<item>\n        <title>Acme refund still not here</title>\n"
            "        <dc:creator><![CDATA[new_customer]]></dc:creator>\n"
            f"        <description><![CDATA[<p>{text or _NEW_POST}</p>]]></description>\n"
            f"        <link>https://forum.example.com/t/acme-refund-still-not-here/1201/{self._next_post}</link>\n"
            f"        <pubDate>{format_datetime(published or now)}</pubDate>\n"
            f'        <guid isPermaLink="false">{guid}</guid>\n      </item>\n      <item>'
        )
        feed = self.feeds["/posts.rss"]
        xml = feed.body.decode().replace("<item>", item, 1)
        xml = re.sub(
            r"<lastBuildDate>[^<]+</lastBuildDate>", f"<lastBuildDate>{format_datetime(now)}</lastBuildDate>", xml
        )
        feed.body, feed.modified = xml.encode(), now
        return f"{self.host}/{guid}"

    def handle(self, seen: Seen) -> Answer:
        feed = self.feeds.get(seen.path)
        if seen.method not in ("GET", "HEAD"):
            return Answer(405, "Method Not Allowed", {"Allow": "GET, HEAD"})
        if feed is None:
            return Answer(404, "<html><body><h1>404 Not Found</h1></body></html>", {"Content-Type": "text/html"})
        agent = seen.header("User-Agent") or ""
        if not agent or agent.startswith("python-requests/"):
            return Answer(403, "<html><body>Access denied</body></html>", {"Content-Type": "text/html"})
        headers = self._validators(feed)
        if self.validators == "honour" and self._not_modified(feed, seen):
            return Answer(304, b"", headers)
        return Answer(200, feed.body, {"Content-Type": feed.content_type, **headers})

    # ---------------------------------------------------------------------------------- internals

    def _validators(self, feed: Feed) -> dict[str, str]:
        if self.validators == "fresh":
            self._served += 1
            stamp = self.now + timedelta(seconds=self._served)
            return {
                "ETag": f'W/"{self._served}-{feed.etag.strip(chr(34))}"',
                "Last-Modified": format_datetime(stamp, True),
            }
        return {"ETag": feed.etag, "Last-Modified": format_datetime(feed.modified, usegmt=True)}

    @staticmethod
    def _not_modified(feed: Feed, seen: Seen) -> bool:
        """RFC 9110 §13.2.2: If-None-Match (weak comparison) first; If-Modified-Since only without it."""
        tags = seen.header("If-None-Match")
        if tags is not None:
            wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
            return "*" in wanted or feed.etag in wanted
        since = seen.header("If-Modified-Since")
        if since is None:
            return False
        try:
            return feed.modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False  # an invalid date is ignored (§13.1.3)

    def rss_items(self, path: str) -> list[tuple[str, datetime | None, str]]:
        """(external id as the source must derive it, date, title + description) per RSS item."""
        feed = self.feeds[path]
        found = []
        for item in ET.fromstring(feed.body).iter("item"):  # noqa: S314 (our own fixtures)
            guid, link = item.findtext("guid"), item.findtext("link")
            ident = guid or link or ""
            if ident and "://" not in ident:
                ident = f"{self.host}/{ident}"
            date = item.findtext("pubDate")
            text = f"{item.findtext('title') or ''} {item.findtext('description') or ''}"
            found.append((ident, parsedate_to_datetime(date) if date else None, text))
        return found

    def atom_entries(self, path: str) -> list[tuple[str, datetime, str]]:
        found = []
        for entry in ET.fromstring(self.feeds[path].body).iterfind("a:entry", _ATOM_NS):  # noqa: S314
            date = entry.findtext("a:published", "", _ATOM_NS) or entry.findtext("a:updated", "", _ATOM_NS)
            text = f"{entry.findtext('a:title', '', _ATOM_NS)} {entry.findtext('a:content', '', _ATOM_NS)}"
            ident = entry.findtext("a:id", "", _ATOM_NS)
            found.append((ident, datetime.fromisoformat(date.replace("Z", "+00:00")), text))
        return found
