"""A fake of the YouTube Data API v3 (`commentThreads.list`, `search.list`) over tests/fixtures/youtube/poll.

Behaves as polls.md describes the API: the key in `key=` (a missing key is 403 `forbidden`, a wrong
one 400 with `API_KEY_INVALID`), `part` required, exactly one thread filter, `maxResults` within
1-100 (threads) or 0-50 (search), threads newest first by their top-level comment (`order=time`)
but a pinned thread first whatever its age (`pin`), search newest first (`order=date`) filtered by
`publishedAfter` (inclusive) / `publishedBefore`,
opaque page tokens bound to the query. Search is loose like YouTube's: `acme` also finds
"Acmeville" (the runner's re-check drops it). Answers hold at most `PAGE_LIMIT` items whatever
`maxResults` asks (the real API may return fewer than asked), so every poll follows page tokens.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "youtube" / "poll"
API_KEY = "AIzaSyD-test-mentiondesk-youtube-0000000"
CHANNEL = "UCq3Ci2bDHVsHQ7Lr9xQwmzA"  # the brand's own channel
BRAND_VIDEO = "Jd8FqLx0pQc"  # on the brand's channel
VIDEO = "kX3mP9wQz2E"  # an influencer's review of an acme product, listed in settings.videos
EMPTY_VIDEO = "Zq0Rn5tLs8A"  # exists, nobody has commented
DISABLED_VIDEO = "Dn9Cq4Hx7Wk"  # comments turned off
THREAD_FILTERS = ("allThreadsRelatedToChannelId", "videoId", "id")
_ACME = re.compile(r"\bacme\b", re.IGNORECASE)
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _time(value: str) -> datetime:
    return datetime.strptime(value, _STAMP).replace(tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_STAMP)


def error(status: int, reason: str, message: str, domain: str = "youtube.parameter") -> Answer:
    """Google's JSON error envelope."""
    entry = {"message": message, "domain": domain, "reason": reason}
    return Answer(status, {"error": {"code": status, "message": message, "errors": [entry]}})


def _bad_key() -> Answer:
    message = "API key not valid. Please pass a valid API key."
    info = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {"service": "youtube.googleapis.com"},
    }
    entry = {"message": message, "domain": "global", "reason": "badRequest"}
    body = {"code": 400, "message": message, "errors": [entry], "status": "INVALID_ARGUMENT", "details": [info]}
    return Answer(400, {"error": body})


def _comments(thread: dict[str, Any]) -> list[dict[str, Any]]:
    replies = thread.get("replies", {}).get("comments", [])
    return [thread["snippet"]["topLevelComment"], *replies]


def _published(thread: dict[str, Any]) -> datetime:
    return _time(thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"])


class Fake:
    SOURCE = "youtube"
    PAGE_LIMIT = 3

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {"api_key": API_KEY}
        self.now = now
        self.threads: list[dict[str, Any]] = json.loads((FIXTURES / "commentThreads.json").read_text())["items"]
        self.videos: list[dict[str, Any]] = json.loads((FIXTURES / "search.json").read_text())["items"]
        self._rebase(now - timedelta(minutes=5))
        self._next = 0
        self.pinned: list[str] = []  # thread ids `order=time` lists first, whatever their age

    # ------------------------------------------------------------------------------------- fixtures

    def _stamped(self) -> list[tuple[dict[str, Any], str]]:
        """Every (object, field) holding a time, so all can be shifted together."""
        found = [(c["snippet"], k) for t in self.threads for c in _comments(t) for k in ("publishedAt", "updatedAt")]
        return found + [(v["snippet"], k) for v in self.videos for k in ("publishedAt", "publishTime")]

    def _rebase(self, newest: datetime) -> None:
        stamped = self._stamped()
        shift = newest - max(_time(obj[key]) for obj, key in stamped)
        for obj, key in stamped:
            obj[key] = _stamp(_time(obj[key]) + shift)

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url, "channels": [CHANNEL], "videos": [VIDEO], "search": True}

    def initial_ids(self) -> set[str]:
        since = self.now - timedelta(hours=24)
        polled = [t for t in self.threads if t["snippet"]["channelId"] == CHANNEL or t["snippet"]["videoId"] == VIDEO]
        top = {t["snippet"]["topLevelComment"]["id"] for t in polled}
        comments = {  # the brand's own replies come too (marked by_brand: `own_ids`); its own top-level comments do not
            c["id"]
            for t in polled
            for c in _comments(t)
            if _time(c["snippet"]["publishedAt"]) >= since
            and (c["snippet"]["authorChannelId"]["value"] != CHANNEL or c["id"] not in top)
        }
        videos = {
            v["id"]["videoId"]
            for v in self.videos
            if _time(v["snippet"]["publishedAt"]) >= since
            and _ACME.search(v["snippet"]["title"] + " " + v["snippet"]["description"])
            and v["snippet"]["channelId"] != CHANNEL
        }
        return comments | videos

    def own_ids(self) -> set[str]:
        """The brand channel's replies in the last day: recognised as the brand's own, not stored."""
        since = self.now - timedelta(hours=24)
        polled = [t for t in self.threads if t["snippet"]["channelId"] == CHANNEL or t["snippet"]["videoId"] == VIDEO]
        top = {t["snippet"]["topLevelComment"]["id"] for t in polled}
        return {
            c["id"]
            for t in polled
            for c in _comments(t)
            if _time(c["snippet"]["publishedAt"]) >= since
            and c["snippet"]["authorChannelId"]["value"] == CHANNEL
            and c["id"] not in top
        }

    def publish(self, now: datetime) -> str:
        """Someone comments on the brand's video."""
        self._next += 1
        thread = copy.deepcopy(next(t for t in self.threads if t["snippet"]["videoId"] == BRAND_VIDEO))
        thread.pop("replies", None)
        new_id = f"UgzNEW{self._next:04d}x8eJ0Q9Bh4AaABAg"
        top = thread["snippet"]["topLevelComment"]
        top["id"] = thread["id"] = new_id
        text = "acme charged me twice for the X200 and the refund form just errors out"
        top["snippet"].update(textDisplay=text, textOriginal=text, publishedAt=_stamp(now), updatedAt=_stamp(now))
        thread["snippet"]["totalReplyCount"] = 0
        self.threads.insert(0, thread)
        return new_id

    def pin(self, published: datetime) -> str:
        """The brand pins its own old welcome comment (pinned_thread.json) on its video: YouTube then
        lists that thread first under `order=time`, before newer threads (seen in real answers)."""
        thread = json.loads((FIXTURES / "pinned_thread.json").read_text())
        snippet = thread["snippet"]["topLevelComment"]["snippet"]
        snippet["publishedAt"] = snippet["updatedAt"] = _stamp(published)
        self.threads.append(thread)
        self.pinned.append(thread["id"])
        return str(thread["id"])

    # -------------------------------------------------------------------------------------- answers

    def handle(self, seen: Seen) -> Answer:
        if seen.method != "GET" or seen.path not in ("/youtube/v3/commentThreads", "/youtube/v3/search"):
            return Answer(404, "<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>")
        key = seen.param("key")
        if not key:
            message = "The request is missing a valid API key."
            return error(403, "forbidden", message, "global")
        if key != API_KEY:
            return _bad_key()
        part = seen.param("part") or ""
        if not part:
            return error(400, "required", "Required parameter: part")
        if "snippet" not in part.split(","):
            return error(400, "invalidPart", f"'{part}' is not a valid value for part here")
        if seen.path.endswith("/search"):
            return self._search(seen)
        return self._threads(seen)

    def _threads(self, seen: Seen) -> Answer:
        filters = [f for f in THREAD_FILTERS if seen.param(f) is not None]
        if len(filters) != 1:
            reason = "incompatibleParameters" if filters else "missingRequiredParameter"
            return error(400, reason, "Specify exactly one of allThreadsRelatedToChannelId, id and videoId.")
        if (seen.param("order") or "time") not in ("time", "relevance"):
            return error(400, "invalidParameter", "order")
        if (seen.param("textFormat") or "html") not in ("html", "plainText"):
            return error(400, "invalidParameter", "textFormat")
        size = self._size(seen, 20, 1, 100)
        if size is None:
            return error(400, "invalidParameter", "maxResults must be between 1 and 100")
        video, channel = seen.param("videoId"), seen.param("allThreadsRelatedToChannelId")
        if video == DISABLED_VIDEO:
            message = (
                'The video identified by the <code><a href="/youtube/v3/docs/commentThreads/list#videoId">'
                "videoId</a></code> parameter has disabled comments."
            )
            return error(403, "commentsDisabled", message, "youtube.commentThread")
        if video is not None and video not in self._known_videos():
            return error(404, "videoNotFound", "The video identified by the videoId parameter could not be found.")
        if channel is not None and channel not in {t["snippet"]["channelId"] for t in self.threads}:
            return error(404, "channelNotFound", "The channel could not be found.")
        found = sorted(
            (t for t in self.threads if t["snippet"]["videoId"] == video or t["snippet"]["channelId"] == channel),
            key=_published,
            reverse=True,
        )
        if (seen.param("order") or "time") == "time":
            found.sort(key=lambda t: t["id"] not in self.pinned)  # stable: pinned first, the rest by time
        rendered = [self._render(t, seen) for t in found]
        return self._paged(seen, "youtube#commentThreadListResponse", rendered, size)

    def _known_videos(self) -> set[str]:
        return {t["snippet"]["videoId"] for t in self.threads} | {EMPTY_VIDEO, DISABLED_VIDEO}

    @staticmethod
    def _render(thread: dict[str, Any], seen: Seen) -> dict[str, Any]:
        """`part` decides whether replies come; `textFormat=html` escapes and breaks lines."""
        shown = copy.deepcopy(thread)
        if "replies" not in (seen.param("part") or "").split(","):
            shown.pop("replies", None)
        if seen.param("textFormat") != "plainText":
            for comment in _comments(shown):
                snippet = comment["snippet"]
                snippet["textDisplay"] = html.escape(snippet["textOriginal"]).replace("\n", "<br>")
        return shown

    def _search(self, seen: Seen) -> Answer:
        if seen.param("type") not in (None, "video"):
            return error(400, "invalidParameter", "the fake only holds videos")
        order = seen.param("order") or "relevance"
        if order not in ("date", "rating", "relevance", "title", "videoCount", "viewCount"):
            return error(400, "invalidParameter", "order")
        size = self._size(seen, 5, 0, 50)
        if size is None:
            return error(400, "invalidParameter", "maxResults must be between 0 and 50")
        try:
            after, before = (
                _time(v) if v else None for v in (seen.param(k) for k in ("publishedAfter", "publishedBefore"))
            )
        except ValueError:
            return error(400, "invalidPublishedAfter", "publishedAfter/publishedBefore must be RFC 3339 date-times")
        found = [
            v
            for v in self.videos
            if self._matches(v, seen.param("q") or "")
            and (after is None or _time(v["snippet"]["publishedAt"]) >= after)
            and (before is None or _time(v["snippet"]["publishedAt"]) < before)
        ]
        found.sort(key=lambda v: _time(v["snippet"]["publishedAt"]), reverse=True)
        return self._paged(seen, "youtube#searchListResponse", copy.deepcopy(found), size)

    @staticmethod
    def _matches(video: dict[str, Any], q: str) -> bool:
        """`|` = OR of alternatives, space = AND, `-word` excludes; a word matches any word it starts."""
        text = html.unescape(video["snippet"]["title"] + " " + video["snippet"]["description"]).lower()

        def has(word: str) -> bool:
            return re.search(rf"\b{re.escape(word.strip(chr(34)).lower())}", text) is not None

        for alternative in q.split("|"):
            words = alternative.split()
            wanted = [w for w in words if not w.startswith("-")]
            if wanted and all(has(w) for w in wanted) and not any(has(w[1:]) for w in words if w.startswith("-")):
                return True
        return False

    @staticmethod
    def _size(seen: Seen, default: int, low: int, high: int) -> int | None:
        raw = seen.param("maxResults")
        if raw is None:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            return None
        return int(raw)

    def _paged(self, seen: Seen, kind: str, items: list[dict[str, Any]], size: int) -> Answer:
        bound = _signature(seen)
        start = 0
        token = seen.param("pageToken")
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                start = int(state["o"])
                assert state["q"] == bound
            except (ValueError, KeyError, AssertionError):
                return error(400, "invalidPageToken", "The request specifies an invalid page token.")
        take = min(size, self.PAGE_LIMIT)
        body: dict[str, Any] = {"kind": kind, "etag": hashlib.sha256(bound.encode()).hexdigest()[:27]}
        if start + take < len(items):
            body["nextPageToken"] = _token(start + take, bound)
        body["pageInfo"] = {"totalResults": len(items), "resultsPerPage": size}
        body["items"] = items[start : start + take]
        return Answer(200, body)


def _signature(seen: Seen) -> str:
    """What a page token is bound to: the request minus its token and key."""
    kept = sorted((k, v[0]) for k, v in seen.query.items() if k not in ("pageToken", "key"))
    return hashlib.sha256(json.dumps([seen.path, kept]).encode()).hexdigest()[:16]


def _token(offset: int, bound: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": bound}).encode()).decode()
