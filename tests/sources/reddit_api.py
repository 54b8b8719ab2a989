"""A fake of Reddit's OAuth Data API, over tests/fixtures/reddit/poll/{search,comments}.json.

Behaves as polls.md describes it: the token endpoint wants HTTP Basic client credentials and
`grant_type=client_credentials` (and reports a wrong grant as a 200 with `error`); every call wants
`Authorization: bearer <token>`; a request without a rule-shaped User-Agent is throttled (429), as
Reddit does with default agents. `/search` (site-wide, or one subreddit with `restrict_sr=1`) and
`/r/{sub}/comments` list newest first, `limit` <= 100, `after` = a fullname. Search words are matched
against the title, the body and the link URL (a fake's assumption that makes a link to
acme-gazette.example come back for `acme`: the runner's re-check must drop it). Every answer carries
`X-Ratelimit-Used/Remaining/Reset`; a private subreddit answers 403 with a `reason`.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reddit" / "poll"
USER_AGENT = "python:com.acme.mentiondesk:v1.0.0 (by /u/acme_bot)"
_AGENT_RULE = re.compile(r"^\S+:\S+:\S+ \(by /u/[\w-]{3,20}\)$")
_LISTING = re.compile(r"^/r/(?P<sub>\w+)/(?P<what>search|comments)$")
_UNAUTHORIZED = {"message": "Unauthorized", "error": 401}
_TOKEN_PREFIX = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFFdWFyMnpLMUdhVGxjdWNZIn0.app-"
)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _haystack(item: dict[str, Any]) -> str:
    return _words(" ".join(str(item.get(k) or "") for k in ("title", "selftext", "url", "body")))


def _text(item: dict[str, Any]) -> str:
    return " ".join(str(item.get(k) or "") for k in ("title", "selftext", "body"))


class Fake:
    SOURCE = "reddit"

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {
            "client_id": "p-jcoLKBynTLew",
            "client_secret": "gko_LXELoV07ZBNUXrvWZfzE3aI",
        }
        self.posts = self._load("search.json")
        self.comments = self._load("comments.json")
        newest = max(c["data"]["created_utc"] for c in self.posts + self.comments)
        shift = (now - timedelta(minutes=5)).timestamp() - newest
        for child in self.posts + self.comments:
            child["data"]["created_utc"] += shift
        self.now = now
        self.tokens: set[str] = set()
        self.private = {"acme_staff"}
        self.used = 0
        self.budget = 1000  # requests per 10-minute window, as Reddit reports them
        self._next = 0

    @staticmethod
    def _load(name: str) -> list[dict[str, Any]]:
        children: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())["data"]["children"]
        return children

    def settings(self, base_url: str) -> dict[str, Any]:
        """One site-wide search: the runner suite's outage test wants one target (feeds are tested apart)."""
        return {"api": base_url, "auth": base_url, "user_agent": USER_AGENT}

    def initial_ids(self) -> set[str]:
        since = (self.now - timedelta(hours=24)).timestamp()
        return {
            c["data"]["name"]
            for c in self.posts
            if c["data"]["created_utc"] >= since and re.search(r"\bacme\b", _text(c["data"]).lower())
        }

    def publish(self, now: datetime) -> str:
        self._next += 1
        post = copy.deepcopy(self.posts[0])
        ident = f"1h9zz{self._next:02d}"
        post["data"].update(
            id=ident,
            name=f"t3_{ident}",
            title="acme refund still not here after 3 weeks",
            selftext="",
            created_utc=now.timestamp(),
            permalink=f"/r/pizza/comments/{ident}/acme_refund_still_not_here/",
        )
        self.posts.insert(0, post)
        return str(post["data"]["name"])

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # ------------------------------------------------------------------------------------ requests

    def handle(self, seen: Seen) -> Answer:
        if not _AGENT_RULE.match(seen.header("User-Agent") or ""):
            return Answer(429, {"message": "Too Many Requests", "error": 429}, {"Retry-After": "60"})
        self.used += 1
        if self.used > self.budget:
            return Answer(429, {"message": "Too Many Requests", "error": 429}, self._limits())
        if seen.path == "/api/v1/access_token":
            return self._token(seen)
        if not self._authorized(seen):
            return Answer(401, _UNAUTHORIZED, self._limits())
        return self._listing(seen)

    def _limits(self) -> dict[str, str]:
        return {
            "X-Ratelimit-Used": str(self.used),
            "X-Ratelimit-Remaining": f"{max(0, self.budget - self.used):.1f}",
            "X-Ratelimit-Reset": "312",
        }

    def _token(self, seen: Seen) -> Answer:
        if seen.method != "POST":
            return Answer(405, {"message": "Method Not Allowed", "error": 405})
        expected = f"{self.SECRET_VALUES['client_id']}:{self.SECRET_VALUES['client_secret']}"
        basic = "Basic " + base64.b64encode(expected.encode()).decode()
        if seen.header("Authorization") != basic:
            return Answer(401, _UNAUTHORIZED)
        if seen.form().get("grant_type") != "client_credentials":
            return Answer(200, {"error": "unsupported_grant_type"})
        token = f"{_TOKEN_PREFIX}{len(self.tokens) + 1}"
        self.tokens.add(token)
        return Answer(200, {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    def _authorized(self, seen: Seen) -> bool:
        scheme, _, token = (seen.header("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and token in self.tokens

    def _listing(self, seen: Seen) -> Answer:
        scoped = _LISTING.match(seen.path)
        sub = scoped["sub"] if scoped else None
        if sub is not None and sub.lower() in self.private:
            return Answer(403, {"reason": "private", "message": "Forbidden", "error": 403}, self._limits())
        if seen.path == "/search" or (scoped and scoped["what"] == "search"):
            if not seen.param("q"):
                return Answer(400, {"message": "Bad Request", "error": 400}, self._limits())
            within = sub if seen.param("restrict_sr") in ("1", "true", "on") else None
            found = [p for p in self.posts if self._matches(p["data"], seen.param("q") or "", within)]
        elif scoped:
            found = [c for c in self.comments if c["data"]["subreddit"].lower() == str(sub).lower()]
        else:
            return Answer(404, {"message": "Not Found", "error": 404}, self._limits())
        return Answer(200, self._page(found, seen), self._limits())

    @staticmethod
    def _matches(item: dict[str, Any], q: str, sub: str | None) -> bool:
        """Words and quoted phrases, all required (the only syntax these tests send)."""
        if sub is not None and item["subreddit"].lower() != sub.lower():
            return False
        haystack = f" {_haystack(item)} "
        return all(f" {_words(part)} " in haystack for part in re.findall(r'"[^"]+"|\S+', q) if part != "AND")

    @staticmethod
    def _page(found: list[dict[str, Any]], seen: Seen) -> dict[str, Any]:
        limit = min(100, int(seen.param("limit") or 25))
        ordered = sorted(found, key=lambda c: -c["data"]["created_utc"])
        names = [c["data"]["name"] for c in ordered]
        after = seen.param("after")
        start = names.index(after) + 1 if after in names else 0
        page = ordered[start : start + limit]
        more = start + limit < len(ordered)
        return {
            "kind": "Listing",
            "data": {
                "after": page[-1]["data"]["name"] if more and page else None,
                "before": None,
                "dist": len(page),
                "modhash": "",
                "geo_filter": "",
                "children": page,
            },
        }
