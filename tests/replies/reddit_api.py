"""A fake of Reddit's write API as the brand's account: comments, messages, moderation, the user's comments.

From reddit.com/dev/api and Pyprohly/reddit-api-doc-notes (no licence, not copied; see
../../docs/replies/reddit.md): every call needs `Authorization: bearer` and a User-Agent; refusals of
`/api/comment` come with HTTP 200 in `json.errors` as `[CODE, message, field]` (THREAD_LOCKED,
DELETED_COMMENT, RATELIMIT "take a break for N minutes", NO_TEXT, TOO_LONG over 10,000 characters);
an unknown `thing_id` is a 403; a bad token a 401. No idempotency: a repeat posts twice. Moderation
answers 403 unless the account moderates the subreddit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.fakeapi import Answer, Seen

TOKEN = "reddit-brand-user-token"
ACCOUNT = "acme_support"
SUBREDDIT = "acme"
POST = "t3_1h2x9qz"
COMMENT = "t1_m1a2b3c"  # the customer's comment under POST
CUSTOMER = "angry_cust"
MAX_TEXT = 10_000
_FORBIDDEN = {"message": "Forbidden", "error": 403}


def _errors(code: str, message: str, field: str) -> Answer:
    return Answer(200, {"json": {"errors": [[code, message, field]]}})


class Fake:
    def __init__(self, now: datetime, *, moderator: bool = True) -> None:
        self.now, self.moderator = now, moderator
        self.mode: str | None = None
        self.things = {POST, COMMENT}
        self.comments: list[dict[str, Any]] = []  # ours, oldest first
        self.messages: list[dict[str, str]] = []
        self.moderated: list[tuple[str, dict[str, str]]] = []

    def handle(self, seen: Seen) -> Answer:
        if not (seen.header("User-Agent") or "").startswith("python:"):
            return Answer(429, {"message": "Too Many Requests", "error": 429})  # default agents are throttled
        if self.mode == "revoked" or seen.header("Authorization") != f"bearer {TOKEN}":
            return Answer(401, {"message": "Unauthorized", "error": 401})
        if seen.method == "GET" and seen.path == f"/user/{ACCOUNT}/comments":
            return self._listing()
        form = seen.form()
        if seen.path == "/api/comment":
            return self._comment(form)
        if seen.path == "/api/compose":
            return self._compose(form)
        if seen.path in ("/api/remove", "/api/approve", f"/r/{SUBREDDIT}/api/friend", f"/r/{SUBREDDIT}/api/unfriend"):
            return self._moderate(seen.path, form)
        return Answer(404, {"message": "Not Found", "error": 404})

    def _comment(self, form: dict[str, str]) -> Answer:
        if form.get("api_type") != "json":
            return Answer(200, b"<html>jquery answer</html>")
        parent, text = form.get("thing_id", ""), form.get("text", "")
        if parent not in self.things:
            return Answer(403, _FORBIDDEN)
        if self.mode == "rate":
            return _errors(
                "RATELIMIT",
                "Looks like you've been doing that a lot. Take a break for 9 minutes before trying again.",
                "ratelimit",
            )
        if self.mode == "locked":
            return _errors("THREAD_LOCKED", "Comments are locked.", "parent")
        if self.mode == "gone":
            return _errors("DELETED_COMMENT", "that comment has been deleted", "parent")
        if not text.strip():
            return _errors("NO_TEXT", "we need something here", "text")
        if len(text) > MAX_TEXT:
            return _errors("TOO_LONG", f"this is too long (max: {MAX_TEXT})", "text")
        ident = f"n{len(self.comments):05d}x"
        thing = {
            "id": ident,
            "name": f"t1_{ident}",
            "parent_id": parent,
            "link_id": POST,
            "author": ACCOUNT,
            "body": text,
            "subreddit": SUBREDDIT,
            "permalink": f"/r/{SUBREDDIT}/comments/{POST[3:]}/_/{ident}/",
            "created_utc": self.now.timestamp(),
        }
        self.comments.append(thing)
        return Answer(200, {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": thing}]}}})

    def _compose(self, form: dict[str, str]) -> Answer:
        if not form.get("to"):
            return _errors("NO_USER", "please enter a username", "to")
        if not form.get("subject"):
            return _errors("NO_SUBJECT", "please enter a subject", "subject")
        if not form.get("text", "").strip():
            return _errors("NO_TEXT", "we need something here", "text")
        self.messages.append(form)
        return Answer(200, {"json": {"errors": []}})

    def _listing(self) -> Answer:
        children = [{"kind": "t1", "data": c} for c in reversed(self.comments)]
        return Answer(200, {"kind": "Listing", "data": {"after": None, "children": children}})

    def _moderate(self, path: str, form: dict[str, str]) -> Answer:
        if not self.moderator:
            return Answer(403, _FORBIDDEN)
        if path.endswith("friend") and (form.get("type") != "banned" or not form.get("name")):
            return _errors("INVALID_OPTION", "that option is not valid", "type")
        if path in ("/api/remove", "/api/approve") and form.get("id") not in self.things:
            return Answer(403, _FORBIDDEN)
        self.moderated.append((path, form))
        return Answer(200, {} if path.startswith("/api/") else {"json": {"errors": []}})
