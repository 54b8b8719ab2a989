"""X API v2 for a brand answering: `POST /2/tweets` (a reply), `POST /2/dm_conversations/with/{id}/
messages`, `PUT /2/tweets/{id}/hidden`. Built from the reference notes (shared/reference/replies.md
§5), not from X's OpenAPI (its licence is the Developer Agreement, §14). Rules it keeps: the OAuth 2.0
user token; 280 weighted characters (its own count: URLs 23, non-Latin 2); since 2026-02 a reply only
to a post that mentioned or quoted the brand; no two posts with the same text; hiding only replies in
a conversation the brand started. Problem bodies: tests/fixtures/replies/x_problems.json.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakeapi import Answer, Seen
from tests.replies import errors

PROBLEMS = errors("x_problems.json")
TOKEN = "x-oauth2-user-token"
BRAND_ID, HANDLE = "1590187453124698112", "AcmePizzaCo"
RESET_IN = 420  # seconds until the rate-limit window reopens, when rate limited


@dataclass
class Post:
    id: str
    author: str
    text: str
    conversation: str  # the id of the post that started the conversation
    quoted_author: str | None = None
    deleted: bool = False
    hidden: bool = False


@dataclass
class Fake:
    posts: dict[str, Post] = field(default_factory=dict)
    dms: list[tuple[str, str, str]] = field(default_factory=list)  # (participant, text, event id)
    mode: str | None = None  # "revoked", "rate"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(2126400000000000001))

    def add(self, post: Post) -> Post:
        self.posts[post.id] = post
        return post

    def mine(self) -> list[Post]:
        return [p for p in self.posts.values() if p.author == BRAND_ID]

    def handle(self, seen: Seen) -> Answer:
        if seen.header("Authorization") != f"Bearer {TOKEN}" or self.mode == "revoked":
            return Answer(401, PROBLEMS["unauthorized"])
        if self.mode == "rate":
            reset = str(int(time.time()) + RESET_IN)
            return Answer(429, PROBLEMS["rate"], {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})
        try:
            body = json.loads(seen.body) if seen.body else {}
        except ValueError:
            return self.invalid("The request body is not JSON")
        parts = seen.path.strip("/").split("/")
        if (seen.method, parts) == ("POST", ["2", "tweets"]):
            return self.tweet(body)
        if seen.method == "POST" and parts[:3] == ["2", "dm_conversations", "with"] and parts[4:] == ["messages"]:
            return self.dm(parts[3], body)
        if seen.method == "PUT" and parts[:2] == ["2", "tweets"] and parts[3:] == ["hidden"]:
            return self.hide(parts[2], body)
        return Answer(404, {"title": "Not Found Error", "detail": f"Could not find {seen.path}", "status": 404})

    def invalid(self, detail: str) -> Answer:
        body = copy.deepcopy(PROBLEMS["invalid"])
        body["errors"][0]["message"] = detail
        return Answer(400, body)

    def forbidden(self, name: str) -> Answer:
        return Answer(403, PROBLEMS[name])

    @staticmethod
    def weight(text: str) -> int:
        urls = re.findall(r"https?://\S+", text)
        rest = re.sub(r"https?://\S+", "", text)
        return 23 * len(urls) + sum(1 if ord(c) < 0x1100 else 2 for c in rest)

    def tweet(self, body: dict[str, Any]) -> Answer:
        extra = set(body) - {"text", "reply", "quote_tweet_id", "media"}
        reply = body.get("reply") or {}
        extra |= set(reply) - {"in_reply_to_tweet_id", "exclude_reply_user_ids", "auto_populate_reply_metadata"}
        if extra:
            return self.invalid(f"The query parameter [{sorted(extra)[0]}] is not one of the allowed parameters")
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return self.invalid("$.text: is missing but it is required")
        if self.weight(text) > 280:
            return self.invalid("$.text: the post is too long")
        if any(p.text == text for p in self.mine()):
            return self.forbidden("duplicate")
        target_id = reply.get("in_reply_to_tweet_id")
        conversation = None
        if target_id is not None:
            target = self.posts.get(target_id)
            if target is None or target.deleted:
                return self.forbidden("not_visible")
            engaged = f"@{HANDLE.lower()}" in target.text.lower() or target.quoted_author == BRAND_ID
            if not engaged:
                return self.forbidden("not_mentioned")
            conversation = target.conversation
        post_id = str(next(self._ids))
        self.add(Post(post_id, BRAND_ID, text, conversation or post_id))
        return Answer(201, {"data": {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}})

    def dm(self, participant: str, body: dict[str, Any]) -> Answer:
        extra = set(body) - {"text", "attachments"}
        if extra:
            return self.invalid(f"The query parameter [{sorted(extra)[0]}] is not one of the allowed parameters")
        text = body.get("text")
        if not isinstance(text, str) or not text or len(text) > 10000:
            return self.invalid("$.text: must be 1 to 10000 characters")
        event_id = str(next(self._ids))
        self.dms.append((participant, text, event_id))
        low, high = sorted((participant, BRAND_ID), key=int)
        return Answer(201, {"data": {"dm_conversation_id": f"{low}-{high}", "dm_event_id": event_id}})

    def hide(self, post_id: str, body: dict[str, Any]) -> Answer:
        if set(body) != {"hidden"} or not isinstance(body["hidden"], bool):
            return self.invalid("$.hidden: is missing but it is required")
        post = self.posts.get(post_id)
        if post is None or post.deleted:
            return Answer(404, {"title": "Not Found Error", "detail": f"Could not find post {post_id}", "status": 404})
        starter = self.posts.get(post.conversation)
        if post.conversation == post.id or starter is None or starter.author != BRAND_ID:
            return self.forbidden("not_hideable")
        post.hidden = body["hidden"]
        return Answer(200, {"data": {"hidden": post.hidden}})
