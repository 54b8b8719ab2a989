"""A fake of Algolia's HN Search API `search_by_date`, over tests/fixtures/hackernews/poll/hits.json.

Behaves as the API is described (polls.md, [secondary]): newest first, words ANDed with the last
word matched as a prefix (so `acme` also finds "Acmeville": the runner's local re-check must drop
it), `tags` with parentheses = OR, `numericFilters` on `created_at_i`, `page`/`hitsPerPage`/`nbPages`.
"""

from __future__ import annotations

import copy
import json
import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hackernews" / "poll"
_OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
}
_FILTER = re.compile(r"^(\w+)(>=|<=|>|<|=)(\d+)$")


def _text(hit: dict[str, Any]) -> str:
    return " ".join(str(hit.get(k) or "") for k in ("title", "story_text", "comment_text")).lower()


class Fake:
    SOURCE = "hackernews"

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {}
        hits: list[dict[str, Any]] = json.loads((FIXTURES / "hits.json").read_text())["hits"]
        shift = int((now - timedelta(minutes=5)).timestamp()) - max(h["created_at_i"] for h in hits)
        for hit in hits:
            self._place(hit, hit["created_at_i"] + shift)
        self.hits = hits
        self.now = now
        self._next_id = 41900000

    @staticmethod
    def _place(hit: dict[str, Any], at: int) -> None:
        hit["created_at_i"] = at
        hit["created_at"] = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url}

    def initial_ids(self) -> set[str]:
        since = (self.now - timedelta(hours=24)).timestamp()
        return {h["objectID"] for h in self.hits if h["created_at_i"] >= since and re.search(r"\bacme\b", _text(h))}

    def publish(self, now: datetime) -> str:
        self._next_id += 1
        hit = copy.deepcopy(self.hits[0])
        hit.update(objectID=str(self._next_id), comment_text="acme refund still not here after 3 weeks")
        self._place(hit, int(now.timestamp()))
        self.hits.insert(0, hit)
        return str(hit["objectID"])

    def _matches(self, hit: dict[str, Any], seen: Seen) -> bool:
        words = re.findall(r"\w+", (seen.param("query") or "").lower())
        text = _text(hit)
        found = [re.search(rf"\b{re.escape(w)}\b", text) for w in words[:-1]]
        last = re.search(rf"\b{re.escape(words[-1])}", text) if words else True
        tags = (seen.param("tags") or "").strip("()").split(",")
        in_tags = not any(tags) or any(t in hit["_tags"] for t in tags)
        return all(found) and bool(last) and in_tags and self._numeric(hit, seen.param("numericFilters") or "")

    @staticmethod
    def _numeric(hit: dict[str, Any], filters: str) -> bool:
        for part in filter(None, filters.split(",")):
            match = _FILTER.match(part)
            assert match, f"numericFilters {part!r} is not Algolia syntax"
            if not _OPS[match[2]](int(hit[match[1]]), int(match[3])):
                return False
        return True

    def handle(self, seen: Seen) -> Answer:
        if seen.path != "/api/v1/search_by_date":
            return Answer(404, {"message": "not found", "status": 404})
        size, page = int(seen.param("hitsPerPage") or 20), int(seen.param("page") or 0)
        found = sorted((h for h in self.hits if self._matches(h, seen)), key=lambda h: -h["created_at_i"])
        pages = max(1, -(-len(found) // size))
        body = {
            "hits": found[page * size : (page + 1) * size],
            "nbHits": len(found),
            "page": page,
            "nbPages": pages,
            "hitsPerPage": size,
            "query": seen.param("query"),
            "params": "",
        }
        return Answer(200, body)
