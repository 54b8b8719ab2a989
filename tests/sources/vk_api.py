"""A fake of the VK API methods the vk source calls, over tests/fixtures/vk/poll/*.json.

Behaves as VKCOM/vk-api-schema 5.199 and polls.md describe the real API: `GET /method/<name>`,
every call carrying `access_token` (error 5 otherwise) and `v` (error 8 when missing; this fake
speaks only 5.199, the fixtures' shape); errors come as HTTP 200 `{"error": {error_code,
error_msg, request_params}}`. Methods:

- `newsfeed.search`: `q` (words matched as prefixes, since VK's search is morphological, so `acme`
  also finds "Acmeist": the runner's re-check drops it; `-word` excludes; `"..."` is a phrase),
  `start_time` (default 24 h ago) / `end_time` inclusive, `count` ≤ 200, `start_from` = the
  previous answer's `next_from` (present only while results remain), newest first; `extended=1`
  adds the authors' `profiles` / `groups`, with only the `fields` asked for.
- `wall.get`: `owner_id` of the acme community (-218000001), `count` ≤ 100, `offset`, pinned post
  first then newest first; `extended=1` adds `profiles` / `groups`.
- `wall.getComments`: `owner_id`, `post_id`, `count` ≤ 100, `sort` asc (default) / desc,
  `thread_items_count` ≤ 10 (the first replies of each thread, chronologically), `need_likes`.

Times are rebased so the newest item is 5 minutes older than the fake's `now`. For tests:

- `publish(now) -> str`: a new post naming acme appears in search; returns its external id
  (`wall{owner_id}_{id}`).
- `add_wall_comment(now, text="...", *, post_id=None, from_id=553888) -> str`: a new top-level
  comment appears on the acme community wall (on the newest post unless `post_id` is given; that
  post's `comments.count` goes up) and is returned by wall.getComments; returns the external id
  the webhook would give it (`wall-218000001_{post_id}_c{comment_id}`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vk" / "poll"
GROUP_ID = 218000001
VERSION = "5.199"
TOKEN = "vk-service-key-test-0f9e8d7c"
_TERM = re.compile(r'-?"[^"]*"|-?\S+')
_USER_FIELDS = ("screen_name", "followers_count")
_GROUP_FIELDS = ("members_count",)
_LIMITS = {"newsfeed.search": 200, "wall.get": 100, "wall.getComments": 100}


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class VkError(Exception):
    """An API error the fake answers as HTTP 200 with an `error` object, like VK."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Fake:
    SOURCE = "vk"

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {"access_token": TOKEN}
        self.now = now
        self.clock = now  # "the current time" for the API's defaults; publishing moves it forward
        search = _load("newsfeed_search.json")["response"]
        wall = _load("wall_get.json")["response"]
        comments = {int(k): v["response"] for k, v in _load("wall_get_comments.json")["posts"].items()}
        newest = max(i["date"] for i in search["items"])
        self.shift = int((now - timedelta(minutes=5)).timestamp()) - newest
        self.posts: list[dict[str, Any]] = [self._rebased(i) for i in search["items"]]
        self.wall: list[dict[str, Any]] = [self._rebased(i) for i in wall["items"]]
        self.comments: dict[int, list[dict[str, Any]]] = {
            post: [self._rebased(c) for c in answer["items"]] for post, answer in comments.items()
        }
        self.profiles = {p["id"]: p for p in [*search["profiles"], *wall["profiles"]]}
        self.groups = {g["id"]: g for g in [*search["groups"], *wall["groups"]]}
        for answer in comments.values():
            self.profiles |= {p["id"]: p for p in answer["profiles"]}
            self.groups |= {g["id"]: g for g in answer["groups"]}
        self._next_post, self._next_comment = 900, 9900

    def _rebased(self, item: dict[str, Any]) -> dict[str, Any]:
        moved = copy.deepcopy(item)
        moved["date"] += self.shift
        thread = moved.get("thread")
        for reply in thread.get("items", []) if isinstance(thread, dict) else []:
            reply["date"] += self.shift
        return moved

    # ------------------------------------------------------------------------------ the protocol

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url}

    def initial_ids(self) -> set[str]:
        since = (self.now - timedelta(hours=24)).timestamp()
        return {
            f"wall{p['owner_id']}_{p['id']}"
            for p in self.posts
            if p["date"] >= since and re.search(r"\bacme\b", p["text"].lower())
        }

    def publish(self, now: datetime) -> str:
        self._next_post += 1
        post = copy.deepcopy(self.posts[0])
        post.update(id=self._next_post, date=int(now.timestamp()), text="acme refund still not here after 3 weeks")
        self.clock = max(self.clock, now)
        self.posts.insert(0, post)
        return f"wall{post['owner_id']}_{post['id']}"

    def add_wall_comment(
        self,
        now: datetime,
        text: str = "Acme, where is my refund?",
        *,
        post_id: int | None = None,
        from_id: int = 553888,
    ) -> str:
        """A customer comments on the community wall (see the module docstring)."""
        newest_first = sorted(self.wall, key=lambda p: -p["date"])
        post = next(p for p in newest_first if post_id is None or p["id"] == post_id)
        self._next_comment += 1
        comment = {
            "id": self._next_comment,
            "from_id": from_id,
            "post_id": post["id"],
            "owner_id": -GROUP_ID,
            "parents_stack": [],
            "date": int(now.timestamp()),
            "text": text,
            "likes": {"can_like": 1, "count": 0, "user_likes": 0, "can_publish": 1},
            "thread": {"count": 0, "items": [], "can_post": True, "show_reply_button": True, "groups_can_post": True},
        }
        self.comments.setdefault(post["id"], []).append(comment)
        self.clock = max(self.clock, now)
        post["comments"]["count"] += 1
        if from_id > 0:
            self.profiles.setdefault(from_id, {"id": from_id, "first_name": "New", "last_name": "Customer"})
        return f"wall-{GROUP_ID}_{post['id']}_c{comment['id']}"

    # ------------------------------------------------------------------------------- the API

    def handle(self, seen: Seen) -> Answer:
        params = {k: v[0] for k, v in seen.query.items()} | (seen.form() if seen.method == "POST" else {})
        method = seen.path.removeprefix("/method/")
        try:
            if not seen.path.startswith("/method/") or method not in _LIMITS:
                raise VkError(3, "Unknown method passed")
            self._authorize(params)
            _limit(params, "count", _LIMITS[method])
            if method == "newsfeed.search":
                return Answer(200, {"response": self._search(params)})
            if method == "wall.get":
                return Answer(200, {"response": self._wall_get(params)})
            return Answer(200, {"response": self._get_comments(params)})
        except VkError as error:
            shown = [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
            error_body = {"error_code": error.code, "error_msg": error.message, "request_params": shown}
            return Answer(200, {"error": error_body})

    @staticmethod
    def _authorize(params: dict[str, str]) -> None:
        if params.get("access_token") != TOKEN:
            raise VkError(5, "User authorization failed: invalid access_token (4).")
        if params.get("v") != VERSION:
            raise VkError(8, "Invalid request: v is required (this fake speaks 5.199 only)")

    def _search(self, params: dict[str, str]) -> dict[str, Any]:
        if not params.get("q"):
            raise VkError(100, "One of the parameters specified was missing or invalid: q is undefined")
        low = _integer(params, "start_time", int((self.clock - timedelta(hours=24)).timestamp()))
        high = _integer(params, "end_time", int(self.clock.timestamp()))
        found = sorted(
            (p for p in self.posts if low <= p["date"] <= high and _matches(params["q"], p["text"])),
            key=lambda p: (-p["date"], -p["id"]),
        )
        offset = int((params.get("start_from") or "0").split("/")[0])
        size = _integer(params, "count", 30)
        page = found[offset : offset + size]
        body: dict[str, Any] = {"items": copy.deepcopy(page), "count": len(page), "total_count": len(found)}
        if offset + size < len(found):
            body["next_from"] = f"{offset + size}/{page[-1]['owner_id']}_{page[-1]['id']}"
        return body | self._extended(params, page, ("from_id", "owner_id"))

    def _wall_order(self) -> list[dict[str, Any]]:
        return sorted(self.wall, key=lambda p: (not p.get("is_pinned"), -p["date"]))

    def _wall_get(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("owner_id") != str(-GROUP_ID):
            raise VkError(100, "One of the parameters specified was missing or invalid: owner_id is incorrect")
        offset, size = _integer(params, "offset", 0), _integer(params, "count", 20)
        page = self._wall_order()[offset : offset + size]
        body = {"count": len(self.wall), "items": copy.deepcopy(page)}
        return body | self._extended(params, page, ("from_id", "owner_id"))

    def _get_comments(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("owner_id") != str(-GROUP_ID) or not params.get("post_id", "").isdigit():
            raise VkError(100, "One of the parameters specified was missing or invalid: owner_id or post_id")
        post_id = int(params["post_id"])
        if not any(p["id"] == post_id for p in self.wall):
            raise VkError(100, "One of the parameters specified was missing or invalid: post_id is incorrect")
        if params.get("sort", "asc") not in ("asc", "desc"):
            raise VkError(100, "One of the parameters specified was missing or invalid: sort is incorrect")
        threads = _integer(params, "thread_items_count", 0)
        _limit(params, "thread_items_count", 10)
        ordered = sorted(self.comments.get(post_id, []), key=lambda c: c["id"], reverse=params.get("sort") == "desc")
        offset, size = _integer(params, "offset", 0), _integer(params, "count", 10)
        page = [_shown(c, threads, params.get("need_likes") == "1") for c in ordered[offset : offset + size]]
        every = [*page, *(r for c in page for r in c.get("thread", {}).get("items", []))]
        total = sum(1 + c["thread"]["count"] for c in self.comments.get(post_id, []))
        body = {
            "count": total,
            "current_level_count": len(ordered),
            "can_post": True,
            "show_reply_button": True,
            "groups_can_post": True,
            "items": page,
        }
        return body | self._extended(params, every, ("from_id",))

    def _extended(
        self, params: dict[str, str], items: Iterable[dict[str, Any]], keys: tuple[str, ...]
    ) -> dict[str, Any]:
        """`profiles` and `groups` for everyone the page names, when `extended=1`."""
        if params.get("extended") != "1":
            return {}
        asked = set((params.get("fields") or "").split(","))
        owners = {item[k] for item in items for k in keys if isinstance(item.get(k), int)}
        profiles = [_fields(self.profiles[o], _USER_FIELDS, asked) for o in sorted(owners) if o in self.profiles]
        groups = [_fields(self.groups[-o], _GROUP_FIELDS, asked) for o in sorted(owners) if -o in self.groups]
        return {"profiles": profiles, "groups": groups}


def _shown(comment: dict[str, Any], threads: int, likes: bool) -> dict[str, Any]:
    shown = copy.deepcopy(comment)
    thread = shown.get("thread") or {"count": 0, "items": []}
    thread["items"] = sorted(thread.get("items", []), key=lambda r: r["id"])[:threads]
    shown["thread"] = thread
    for item in [shown, *thread["items"]]:
        if not likes:
            item.pop("likes", None)
    return shown


def _fields(obj: dict[str, Any], optional: tuple[str, ...], asked: set[str]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in optional or k in asked}


def _integer(params: dict[str, str], name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not value.lstrip("-").isdigit():
        raise VkError(100, f"One of the parameters specified was missing or invalid: {name} not integer")
    return int(value)


def _limit(params: dict[str, str], name: str, most: int) -> None:
    if _integer(params, name, 0) > most:
        raise VkError(100, f"One of the parameters specified was missing or invalid: {name} is more than {most}")


def _matches(query: str, text: str) -> bool:
    """Words as prefixes (VK stems), `"phrases"` as substrings, `-term` excludes."""
    folded = text.lower()
    for term in _TERM.findall(query.lower()):
        negative, body = term.startswith("-"), term.lstrip("-")
        if body.startswith('"'):
            found = body.strip('"') in folded
        else:
            found = re.search(rf"(?<!\w){re.escape(body)}", folded) is not None
        if found == negative:
            return False
    return True
