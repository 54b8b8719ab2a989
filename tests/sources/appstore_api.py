"""A fake of Apple's customer-reviews RSS feed (JSON), over tests/fixtures/appstore/poll/reviews.json.

Behaves as the feed is described (polls.md, [secondary]): `/{country}/rss/customerreviews/page={n}/
id={appId}/sortby=mostrecent/json`, newest first, pages 1..10 (deeper pages are a 400), the app's
metadata entry first on page 1, `entry` as a single object when a page holds one entry, no `entry`
past the last review, `feed.link` with first/last/previous/next. Apple serves 50 reviews a page;
this fake serves `PAGE_SIZE` = 4 so nine fixture reviews span three pages (the client reads no page
size, it only follows page numbers). It answers conditional GETs honestly: `ETag` is a hash of the
body, `Last-Modified` the newest review's time, and a matching `If-None-Match` (else a not-older
`If-Modified-Since`) gets a 304.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from functions.core.mention import parse_time
from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "appstore" / "poll"
APP = "284882215"
PAGE_SIZE = 4
MAX_PAGES = 10
PACIFIC = timezone(timedelta(hours=-7))
_PATH = re.compile(r"^/([a-z]{2})/rss/customerreviews/page=(\d+)/id=(\d+)/sortby=mostrecent/json$")


def _updated(entry: dict[str, Any]) -> datetime:
    return parse_time(entry["updated"]["label"])


def _place(entry: dict[str, Any], moment: datetime) -> None:
    entry["updated"]["label"] = moment.astimezone(PACIFIC).isoformat(timespec="seconds")


class Fake:
    SOURCE = "appstore"

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {}
        entries: list[dict[str, Any]] = json.loads((FIXTURES / "reviews.json").read_text())["entries"]
        self.app, self.reviews = entries[0], entries[1:]
        shift = (now - timedelta(minutes=5)) - max(_updated(r) for r in self.reviews)
        for review in self.reviews:
            _place(review, _updated(review) + shift)
        self.now = now

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url, "apps": [{"id": APP, "countries": ["us"]}]}

    def initial_ids(self) -> set[str]:
        since = self.now - timedelta(hours=24)
        return {f"{APP}:{r['id']['label']}" for r in self.reviews if _updated(r) >= since}

    def publish(self, now: datetime) -> str:
        review = copy.deepcopy(self.reviews[0])
        review["id"]["label"] = str(max(int(r["id"]["label"]) for r in self.reviews) + 1)
        review["title"]["label"] = "Still no refund"
        review["content"]["label"] = "Three weeks and the refund is still not here. Contacted support twice."
        review["im:rating"]["label"] = "1"
        _place(review, now)
        self.reviews.insert(0, review)
        return f"{APP}:{review['id']['label']}"

    # ------------------------------------------------------------------------------------ the API

    def handle(self, seen: Seen) -> Answer:
        found = _PATH.match(seen.path)
        if seen.method != "GET" or not found:
            return Answer(404, "<html><body>The requested URL was not found on this server.</body></html>")
        country, page, app = found[1], int(found[2]), found[3]
        if not 1 <= page <= MAX_PAGES:
            return Answer(400, "CustomerReviews RSS page depth is limited to 10")
        reviews = self.reviews if (country, app) == ("us", APP) else []
        body = json.dumps(self._feed(seen.path, country, app, page, reviews), ensure_ascii=False).encode()
        newest = max((_updated(r) for r in reviews), default=datetime(2019, 3, 12, tzinfo=UTC))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
            "Last-Modified": format_datetime(newest.astimezone(UTC), usegmt=True),
        }
        if self._not_modified(seen, headers["ETag"], newest):
            return Answer(304, b"", headers)
        return Answer(200, body, headers)

    @staticmethod
    def _not_modified(seen: Seen, etag: str, newest: datetime) -> bool:
        match = seen.header("If-None-Match")
        if match is not None:
            return etag in [t.strip() for t in match.split(",")]
        since = seen.header("If-Modified-Since")
        return since is not None and parsedate_to_datetime(since) >= newest.replace(microsecond=0)

    def _feed(self, path: str, country: str, app: str, page: int, reviews: list[dict[str, Any]]) -> dict[str, Any]:
        chunk = reviews[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        entries = ([self.app] if page == 1 and reviews else []) + chunk
        last = min(MAX_PAGES, max(1, -(-len(reviews) // PAGE_SIZE)))
        feed: dict[str, Any] = {
            "author": {"name": {"label": "iTunes Store"}, "uri": {"label": "http://www.apple.com/us/itunes/"}},
            "updated": {
                "label": max(r["updated"]["label"] for r in reviews) if reviews else "2019-03-12T08:00:00-07:00"
            },
            "rights": {"label": "Copyright 2008 Apple Inc."},
            "title": {"label": "iTunes Store: Customer Reviews"},
            "icon": {"label": "http://itunes.apple.com/favicon.ico"},
            "link": self._links(country, app, page, last),
            "id": {"label": f"https://mzstoreservices-int-st.itunes.apple.com{path}"},
        }
        if entries:
            feed["entry"] = entries[0] if len(entries) == 1 else entries
        return {"feed": feed}

    @staticmethod
    def _links(country: str, app: str, page: int, last: int) -> list[dict[str, Any]]:
        def href(n: int) -> str:
            return f"https://itunes.apple.com/{country}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/xml"

        store = f"https://apps.apple.com/WebObjects/MZStore.woa/wa/viewGrouping?cc={country}&id=38"
        links = [{"attributes": {"rel": "alternate", "type": "text/html", "href": store}}]
        links.append({"attributes": {"rel": "self", "href": href(page).replace("/xml", "/json")}})
        links += [{"attributes": {"rel": rel, "href": href(n)}} for rel, n in (("first", 1), ("last", last))]
        links.append({"attributes": {"rel": "previous", "href": href(max(1, page - 1))}})
        links.append({"attributes": {"rel": "next", "href": href(min(last, page + 1))}})
        return links
