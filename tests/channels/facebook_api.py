"""A fake of the Graph API for a Page's statistics: `GET /<version>/<page-id>?fields=followers_count,
name` and `/<page-id>/published_posts` (`since`, `limit`, `after`), with the reactions/comments
summaries and `shares` absent when nobody shared; Meta's error object (190, 10, 4)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from tests.channels import Expected, load, shift
from tests.channels._graph import ERRORS, moved, page, when
from tests.fakeapi import Answer, Seen

TOKEN = "EAAG-page-stats-token"
PAGE = "104000000000001"


class Fake:
    NETWORK = "facebook"
    ACCOUNT = PAGE

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES = {"access_token": TOKEN}
        self.now = now
        self.page = load("facebook", "page.json")
        self.posts = load("facebook", "published_posts.json")["data"]
        for post in self.posts:
            post["created_time"] = moved(post["created_time"], shift(now))
        self.refusing: str | None = None
        self.base = ""

    def settings(self, base_url: str) -> dict[str, Any]:
        self.base = base_url
        return {"graph_api": base_url}

    def expected(self) -> Expected:
        since = self.now - timedelta(days=7)
        return Expected(
            self.page["followers_count"], {p["id"] for p in self.posts if when(p["created_time"]) >= since}, {"views"}
        )

    def refuse(self, kind: str) -> None:
        self.refusing = kind

    def handle(self, seen: Seen) -> Answer:
        if self.refusing:
            return ERRORS[self.refusing]
        if seen.param("access_token") != TOKEN:
            return ERRORS["token"]
        parts = seen.path.strip("/").split("/")
        if parts[1:] == [PAGE]:
            return Answer(200, copy.deepcopy(self.page))
        if parts[1:] == [PAGE, "published_posts"]:
            if "reactions.summary(total_count)" not in (seen.param("fields") or ""):
                return Answer(200, {"data": []})
            return page(seen, self.base, copy.deepcopy(self.posts), "created_time")
        return Answer(
            400, {"error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}}
        )
