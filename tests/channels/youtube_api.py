"""A fake of YouTube Data API v3 `channels.list`, `playlistItems.list` and `videos.list`.

As the discovery document describes them (tests/contracts/channels/youtube-v3.excerpt.json):
`GET /youtube/v3/<resource>?part=...&key=`; counts are strings; errors in Google's envelope
`{"error": {"code", "message", "errors": [{"reason", "domain", "message"}]}}` (`keyInvalid` 400,
`insufficientPermissions` 403, `quotaExceeded` 403).
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from tests.channels import Expected, load, shift
from tests.fakeapi import Answer, Seen

KEY = "AIza-stats-test-key-0123456789"
CHANNEL = "UCq3Ci2bDHVsHQ7Lr9xQwmzA"
_ERRORS = {"token": (400, "keyInvalid"), "scope": (403, "insufficientPermissions"), "rate": (403, "quotaExceeded")}


def _error(status: int, reason: str) -> Answer:
    return Answer(
        status, {"error": {"code": status, "message": reason, "errors": [{"reason": reason, "domain": "youtube"}]}}
    )


def _moved(value: str, by: timedelta) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) + by
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Fake:
    NETWORK = "youtube"
    ACCOUNT = CHANNEL

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES = {"api_key": KEY}
        self.now = now
        by = shift(now)
        self.channels = load("youtube", "channels.json")
        self.uploads = load("youtube", "playlistItems.json")
        for item in self.uploads["items"]:
            item["contentDetails"]["videoPublishedAt"] = _moved(item["contentDetails"]["videoPublishedAt"], by)
        self.videos = {v["id"]: v for v in load("youtube", "videos.json")["items"]}
        for video in self.videos.values():
            video["snippet"]["publishedAt"] = _moved(video["snippet"]["publishedAt"], by)
        self.refusing: str | None = None

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url, "channels": [CHANNEL]}

    def expected(self) -> Expected:
        since = self.now - timedelta(days=7)
        posts = {
            i["contentDetails"]["videoId"]
            for i in self.uploads["items"]
            if datetime.fromisoformat(i["contentDetails"]["videoPublishedAt"].replace("Z", "+00:00")) >= since
        }
        subscribers = int(self.channels["items"][0]["statistics"]["subscriberCount"])
        return Expected(subscribers, posts, {"subscribers", "shares", "likes"})

    def refuse(self, kind: str) -> None:
        self.refusing = kind

    def handle(self, seen: Seen) -> Answer:
        if self.refusing:
            return _error(*_ERRORS[self.refusing])
        if seen.param("key") != KEY:
            return _error(400, "keyInvalid")
        resource = seen.path.removeprefix("/youtube/v3/")
        if resource == "channels" and seen.param("id") == CHANNEL:
            return Answer(200, copy.deepcopy(self.channels))
        if resource == "playlistItems" and seen.param("playlistId") == "UU" + CHANNEL[2:]:
            if int(seen.param("maxResults") or "5") > 50:
                return _error(400, "invalidParameter")
            return Answer(200, copy.deepcopy(self.uploads))
        if resource == "videos":
            ids = (seen.param("id") or "").split(",")
            if len(ids) > 50:
                return _error(400, "invalidParameter")
            items = [copy.deepcopy(self.videos[i]) for i in ids if i in self.videos]
            return Answer(
                200, {"kind": "youtube#videoListResponse", "items": items, "pageInfo": {"totalResults": len(items)}}
            )
        return _error(404, "notFound")
