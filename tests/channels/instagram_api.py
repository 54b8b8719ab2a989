"""A fake of the Instagram Graph API (Facebook Login host) for channel statistics:
`GET /<version>/<ig-user-id>?fields=followers_count,username` and `/<ig-user-id>/media` with
`since`, `limit`, `after` cursor paging; Meta's error object (190 token, 10 permission, 4 rate)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from tests.channels import Expected, load, shift
from tests.channels._graph import ERRORS, moved, page, when
from tests.fakeapi import Answer, Seen

TOKEN = "EAAG-instagram-stats-token"
ACCOUNT = "17841400000000001"


class Fake:
    NETWORK = "instagram"
    ACCOUNT = ACCOUNT

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES = {"access_token": TOKEN}
        self.now = now
        self.user = load("instagram", "user.json")
        self.media = load("instagram", "media.json")["data"]
        for item in self.media:
            item["timestamp"] = moved(item["timestamp"], shift(now))
        self.refusing: str | None = None
        self.base = ""

    def settings(self, base_url: str) -> dict[str, Any]:
        self.base = base_url
        return {"graph_api": base_url}

    def expected(self) -> Expected:
        since = self.now - timedelta(days=7)
        posts = {m["id"] for m in self.media if when(m["timestamp"]) >= since}
        return Expected(self.user["followers_count"], posts, {"shares", "likes"})

    def refuse(self, kind: str) -> None:
        self.refusing = kind

    def handle(self, seen: Seen) -> Answer:
        if self.refusing:
            return ERRORS[self.refusing]
        if seen.param("access_token") != TOKEN:
            return ERRORS["token"]
        parts = seen.path.strip("/").split("/")
        if parts[1:] == [ACCOUNT]:
            return Answer(200, copy.deepcopy(self.user))
        if parts[1:] == [ACCOUNT, "media"]:
            return page(seen, self.base, copy.deepcopy(self.media), "timestamp")
        return Answer(
            400, {"error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}}
        )
