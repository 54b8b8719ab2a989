"""A fake of a Bluesky PDS (createSession + the proxied searchPosts), over tests/fixtures/bluesky/poll/posts.json.

Behaves as polls.md and the lexicons describe it: `createSession {identifier, password}` answers an
`accessJwt` (a real-looking JWT whose `exp` is two hours on) or 401 `AuthenticationRequired`;
searchPosts wants `Authorization: Bearer` (401 `AuthMissing` without it, 400 `InvalidToken` /
`ExpiredToken` for a bad or expired one), requires `q`, checks `limit` 1-100, sorts `latest` by
sortAt (the earlier of createdAt and indexedAt), filters `since` (inclusive) / `until` (exclusive)
and pages with an opaque `cursor`. Words and quoted phrases are all required and `-word` excludes;
they are matched against the post text and its link card's URL (a fake's assumption that brings
back a post linking acme-motels.example for `acme`: the runner's re-check must drop it). Answers
carry `ratelimit-*` headers (3000 requests per 5 minutes).
"""

from __future__ import annotations

import base64
import copy
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bluesky" / "poll"
HANDLE = "acme-listener.bsky.social"
DID = "did:plc:l4ctdhpm2qf3ivxw6wfzd5o7"
SESSION = timedelta(hours=2)
LIMIT = 3000


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _sort_at(post: dict[str, Any]) -> datetime:
    return min(_time(post["record"]["createdAt"]), _time(post["indexedAt"]))


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _haystack(post: dict[str, Any]) -> str:
    embed = post["record"].get("embed") or {}
    return f" {_words(post['record']['text'] + ' ' + str((embed.get('external') or {}).get('uri') or ''))} "


def _error(status: int, name: str, message: str) -> Answer:
    return Answer(status, {"error": name, "message": message})


class Fake:
    SOURCE = "bluesky"

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {"identifier": HANDLE, "app_password": "k3mv-pq7x-2hdn-w9tz"}
        self.posts: list[dict[str, Any]] = json.loads((FIXTURES / "posts.json").read_text())["posts"]
        shift = (now - timedelta(minutes=5)) - max(_time(p["indexedAt"]) for p in self.posts)
        for post in self.posts:
            post["record"]["createdAt"] = _iso(_time(post["record"]["createdAt"]) + shift)
            post["indexedAt"] = _iso(_time(post["indexedAt"]) + shift)
        self.now = now
        self.sessions: dict[str, bool] = {}  # accessJwt -> still valid
        self.used = 0
        self._next = 0

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"pds": base_url}

    def initial_ids(self) -> set[str]:
        since = self.now - timedelta(hours=24)
        return {
            p["uri"] for p in self.posts if _sort_at(p) >= since and re.search(r"\bacme\b", p["record"]["text"].lower())
        }

    def publish(self, now: datetime) -> str:
        self._next += 1
        post = copy.deepcopy(self.posts[0])
        post["uri"] = post["uri"].rsplit("/", 1)[0] + f"/3lc3new{self._next:02d}aa"
        post["record"] = {
            "$type": "app.bsky.feed.post",
            "createdAt": _iso(now),
            "langs": ["en"],
            "text": "acme refund still not here",
        }
        post["indexedAt"] = _iso(now)
        self.posts.insert(0, post)
        return str(post["uri"])

    def expire_sessions(self) -> None:
        self.sessions = dict.fromkeys(self.sessions, False)

    # ------------------------------------------------------------------------------------ requests

    def handle(self, seen: Seen) -> Answer:
        self.used += 1
        if seen.path == "/xrpc/com.atproto.server.createSession" and seen.method == "POST":
            answer = self._create_session(seen)
        elif seen.path == "/xrpc/app.bsky.feed.searchPosts" and seen.method == "GET":
            answer = self._authorized(seen) or self._search(seen)
        else:
            answer = _error(404, "MethodNotImplemented", "Method Not Implemented")
        answer.headers.update(self._limits())
        return answer

    def _limits(self) -> dict[str, str]:
        return {
            "ratelimit-limit": str(LIMIT),
            "ratelimit-remaining": str(max(0, LIMIT - self.used)),
            "ratelimit-reset": str(int((self.now + timedelta(minutes=5)).timestamp())),
            "ratelimit-policy": f"{LIMIT};w=300",
        }

    def _create_session(self, seen: Seen) -> Answer:
        try:
            body = json.loads(seen.body)
        except ValueError:
            return _error(400, "InvalidRequest", "Request body must be JSON")
        for name in ("identifier", "password"):
            if not isinstance(body, dict) or not isinstance(body.get(name), str):
                return _error(400, "InvalidRequest", f'Input must have the property "{name}"')
        if (body["identifier"], body["password"]) != (HANDLE, self.SECRET_VALUES["app_password"]):
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        issued = int(self.now.timestamp())
        claims = {
            "scope": "com.atproto.appPass",
            "sub": DID,
            "iat": issued,
            "exp": issued + int(SESSION.total_seconds()),
        }
        token = ".".join((_b64({"typ": "at+jwt", "alg": "ES256K"}), _b64(claims), f"sig{len(self.sessions)}"))
        self.sessions[token] = True
        refresh = ".".join((_b64({"typ": "refresh+jwt", "alg": "ES256K"}), _b64({"sub": DID}), "sig"))
        return Answer(200, {"did": DID, "handle": HANDLE, "accessJwt": token, "refreshJwt": refresh, "active": True})

    def _authorized(self, seen: Seen) -> Answer | None:
        scheme, _, token = (seen.header("Authorization") or "").partition(" ")
        if not token:
            return _error(401, "AuthMissing", "Authentication Required")
        if scheme.lower() != "bearer" or token not in self.sessions:
            return _error(400, "InvalidToken", "Token could not be verified")
        if not self.sessions[token]:
            return _error(400, "ExpiredToken", "Token has expired")
        return None

    def _search(self, seen: Seen) -> Answer:
        q, limit = seen.param("q"), seen.param("limit") or "25"
        if not q:
            return _error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            return _error(400, "InvalidRequest", "Error: limit must be between 1 and 100")
        if seen.param("sort") not in (None, "latest", "top"):
            return _error(400, "InvalidRequest", "Error: sort must be one of latest, top")
        since, until = seen.param("since"), seen.param("until")
        found = [
            p
            for p in self.posts
            if self._matches(p, q)
            and (since is None or _sort_at(p) >= _time(since))
            and (until is None or _sort_at(p) < _time(until))
        ]
        found.sort(key=_sort_at, reverse=True)
        start = int(seen.param("cursor") or 0)
        page = found[start : start + int(limit)]
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(found)}
        if start + int(limit) < len(found):
            body["cursor"] = str(start + int(limit))
        return Answer(200, body)

    @staticmethod
    def _matches(post: dict[str, Any], q: str) -> bool:
        haystack = _haystack(post)
        for part in re.findall(r'-?"[^"]+"|\S+', q):
            negative = part.startswith("-")
            if (f" {_words(part)} " in haystack) == negative:
                return False
        return True
