"""A fake Mastodon instance: hashtag timelines and v2 status search, over tests/fixtures/mastodon/poll/.

Behaves as mastodon/documentation describes it (polls.md, [confirmed]) and as Mastodon's own
`paginate_by_id` does: newest first; `max_id` = older than, `since_id` = newer than, `min_id` = the
page immediately newer than an id (taken oldest first, returned newest first); `limit` default 20,
at most 40; `Link` header with `rel="next"` (only when the page is full) and `rel="prev"`;
`X-RateLimit-*` headers with the reset as an ISO time. A wrong bearer token is a 401; status search
without a token answers `statuses: []` (full-text search needs a signed-in user since 4.0), and
`offset`/`resolve` without one are a 401. Ids compare as integers, the way Mastodon stores them.
"""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from functions.core.mention import parse_time
from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon" / "poll"
TOKEN = "Vx3mQ9pL2rT8wK5nB7cZ1yH4dF6gJ0sA-uE_iO3aQ"
RATE_LIMIT = 300
_TAG_PATH = re.compile(r"^/api/v1/timelines/tag/([^/]+)$")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _text(status: dict[str, Any]) -> str:
    plain = html.unescape(re.sub(r"<[^>]+>", " ", status.get("content") or ""))
    return f"{status.get('spoiler_text') or ''} {plain}".lower()


def _snowflake(moment: datetime) -> int:
    """Mastodon's ids: milliseconds since the epoch, shifted 16 bits, plus a sequence."""
    return int(moment.timestamp() * 1000) << 16


class Fake:
    SOURCE = "mastodon"

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {"access_token": TOKEN}
        statuses: list[dict[str, Any]] = json.loads((FIXTURES / "statuses.json").read_text())["statuses"]
        shift = (now - timedelta(minutes=5)) - max(parse_time(s["created_at"]) for s in statuses)
        for status in statuses:
            status["created_at"] = _stamp(parse_time(status["created_at"]) + shift)
        self.statuses = statuses
        self.now = now
        self.served = 0

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"instances": [{"url": base_url, "hashtags": ["acme"], "search": True}]}

    # ----------------------------------------------------------------------------- what tests expect

    def tagged(self, tag: str) -> list[dict[str, Any]]:
        return [s for s in self.statuses if tag.lower() in {t["name"].lower() for t in s["tags"]}]

    def found(self, query: str) -> list[dict[str, Any]]:
        words = re.findall(r"\w+", query.lower())
        return [s for s in self.statuses if words and all(re.search(rf"\b{re.escape(w)}\b", _text(s)) for w in words)]

    def initial_ids(self) -> set[str]:
        since = self.now - timedelta(hours=24)
        listed = {s["uri"]: s for s in self.tagged("acme") + self.found("acme")}
        return {
            uri
            for uri, s in listed.items()
            if parse_time(s["created_at"]) >= since and re.search(r"(?<!\w)acme(?!\w)", _text(s))
        }

    def publish(self, now: datetime, *, tagged: bool = False) -> str:
        """A new local status naming acme; untagged by default, so only the search finds it (one
        new mention per run), tagged #acme to show up in the hashtag timeline too."""
        status = copy.deepcopy(self.statuses[0])
        local = str(max(_snowflake(now), max(int(s["id"]) for s in self.statuses) + 1))
        hashtag = (
            ' <a href="https://mastodon.social/tags/acme" class="mention hashtag" rel="tag">#<span>acme</span></a>'
        )
        status.update(
            id=local,
            created_at=_stamp(now),
            uri=f"https://mastodon.social/users/mika_k/statuses/{local}",
            url=f"https://mastodon.social/@mika_k/{local}",
            content=f"<p>acme refund still not here after 3 weeks{hashtag if tagged else ''}</p>",
            tags=[{"name": "acme", "url": "https://mastodon.social/tags/acme"}] if tagged else [],
            replies_count=0,
            reblogs_count=0,
            favourites_count=0,
        )
        self.statuses.insert(0, status)
        return str(status["uri"])

    # ------------------------------------------------------------------------------------ the API

    def handle(self, seen: Seen) -> Answer:
        self.served += 1
        auth = seen.header("Authorization")
        if auth is not None and auth != f"Bearer {TOKEN}":
            return self._answer(401, {"error": "The access token is invalid"})
        tag = _TAG_PATH.match(seen.path)
        if seen.method == "GET" and tag:
            statuses, headers = self._page(self.tagged(unquote(tag[1])), seen)
            return self._answer(200, statuses, headers)
        if seen.method == "GET" and seen.path == "/api/v2/search":
            return self._search(seen, signed_in=auth is not None)
        return self._answer(404, {"error": "Record not found"})

    def _search(self, seen: Seen, *, signed_in: bool) -> Answer:
        query = (seen.param("q") or "").strip()
        if not query:
            return self._answer(400, {"error": "Validation failed: q is missing"})
        if not signed_in and (seen.param("offset") or seen.param("resolve") in ("true", "1")):
            return self._answer(401, {"error": "Search queries pagination is not supported without authentication"})
        wanted = seen.param("type") in (None, "statuses")
        statuses = self._page(self.found(query), seen)[0] if signed_in and wanted else []
        return self._answer(200, {"accounts": [], "statuses": statuses, "hashtags": []})

    def _page(self, statuses: list[dict[str, Any]], seen: Seen) -> tuple[list[dict[str, Any]], dict[str, str]]:
        limit = min(40, max(1, int(seen.param("limit") or 20)))
        ids = {k: int(v) for k in ("max_id", "since_id", "min_id") if (v := seen.param(k))}
        rows = [
            s
            for s in statuses
            if ("max_id" not in ids or int(s["id"]) < ids["max_id"])
            and ("since_id" not in ids or int(s["id"]) > ids["since_id"])
            and ("min_id" not in ids or int(s["id"]) > ids["min_id"])
        ]
        if "min_id" in ids:
            page = sorted(rows, key=lambda s: int(s["id"]))[:limit][::-1]
        else:
            page = sorted(rows, key=lambda s: -int(s["id"]))[:limit]
        return page, self._links(seen, page, limit)

    @staticmethod
    def _links(seen: Seen, page: list[dict[str, Any]], limit: int) -> dict[str, str]:
        if not page:
            return {}
        base = f"https://mastodon.social{seen.path}"
        links = [f'<{base}?{urlencode({"limit": limit, "min_id": page[0]["id"]})}>; rel="prev"']
        if len(page) == limit:
            links.insert(0, f'<{base}?{urlencode({"limit": limit, "max_id": page[-1]["id"]})}>; rel="next"')
        return {"Link": ", ".join(links)}

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
        reset = self.now.replace(second=0, microsecond=0) + timedelta(minutes=5)
        limits = {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - self.served)),
            "X-RateLimit-Reset": _stamp(reset),
        }
        return Answer(status, body, {**limits, **(headers or {})})
