"""A fake of X API v2 `GET /2/users/{id}` (`user.fields=public_metrics`) and the user Tweet
timeline `GET /2/users/{id}/tweets` for channel statistics.

As docs.x.com describes them: `Authorization: Bearer <token>` (app-only or OAuth 2.0 user), the
timeline newest first, `max_results` 5-100 with an opaque `next_token`, `start_time` in RFC 3339,
`exclude=retweets,replies`; errors as problem documents (401 `Unauthorized`, 403
`client-not-enrolled` when the app's access level has no reads, 429 with `x-rate-limit-*` headers).
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from tests.channels import Expected, load, shift
from tests.fakeapi import Answer, Seen

TOKEN = "AAAAAAAAAAAAAAAAAAAAAx-stats-bearer-token"
USER = "1590187453124698112"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _errors(now: datetime) -> dict[str, Answer]:
    reset = str(int(now.timestamp()) + 900)
    return {
        "token": Answer(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
        "scope": Answer(
            403,
            {
                "client_id": "29384756",
                "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens"
                " from a Twitter developer App that is attached to a Project.",
                "registration_url": "https://developer.x.com/en/portal/projects-and-apps",
                "title": "Client Forbidden",
                "required_enrollment": "Appropriate Level of API Access",
                "reason": "client-not-enrolled",
                "type": "https://api.twitter.com/2/problems/client-forbidden",
            },
        ),
        "rate": Answer(
            429,
            {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
            {"x-rate-limit-limit": "900", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset},
        ),
    }


class Fake:
    NETWORK = "x"
    ACCOUNT = USER

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES = {"bearer_token": TOKEN}
        self.now = now
        self.user = load("x", "user.json")
        self.tweets = load("x", "tweets.json")["data"]
        for tweet in self.tweets:
            moved = _when(tweet["created_at"]) + shift(now)
            tweet["created_at"] = moved.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.refusing: str | None = None

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url}

    def _own(self, tweet: dict[str, Any]) -> bool:
        kinds = {r["type"] for r in tweet.get("referenced_tweets", [])}
        return not kinds & {"retweeted", "replied_to"}

    def expected(self) -> Expected:
        since = self.now - timedelta(days=7)
        posts = {t["id"] for t in self.tweets if self._own(t) and _when(t["created_at"]) >= since}
        return Expected(self.user["data"]["public_metrics"]["followers_count"], posts, {"clicks", "views"})

    def refuse(self, kind: str) -> None:
        self.refusing = kind

    def handle(self, seen: Seen) -> Answer:
        if self.refusing:
            return _errors(self.now)[self.refusing]
        if seen.header("Authorization") != f"Bearer {TOKEN}":
            return _errors(self.now)["token"]
        if seen.path in (f"/2/users/{USER}", "/2/users/by/username/acme"):
            if "public_metrics" not in (seen.param("user.fields") or "").split(","):
                return Answer(200, {"data": {k: v for k, v in self.user["data"].items() if k != "public_metrics"}})
            return Answer(200, copy.deepcopy(self.user))
        if seen.path == f"/2/users/{USER}/tweets":
            return self._timeline(seen)
        if seen.path.startswith("/2/users/") and seen.path.count("/") == 3:  # a user X does not know: 200
            wanted = seen.path.rsplit("/", 1)[-1]
            return Answer(
                200,
                {
                    "errors": [
                        {
                            "value": wanted,
                            "detail": f"Could not find user with id: [{wanted}].",
                            "title": "Not Found Error",
                            "resource_type": "user",
                            "parameter": "id",
                            "resource_id": wanted,
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                },
            )
        return Answer(404, {"title": "Not Found Error", "type": "about:blank", "status": 404, "detail": seen.path})

    def _timeline(self, seen: Seen) -> Answer:
        count = int(seen.param("max_results") or "10")
        if not 5 <= count <= 100:
            return Answer(400, {"title": "Invalid Request", "detail": "max_results must be 5-100", "status": 400})
        excluded = set((seen.param("exclude") or "").split(","))
        since = _when(seen.param("start_time") or "1970-01-01T00:00:00Z")
        fields = set((seen.param("tweet.fields") or "").split(","))
        listed = []
        for tweet in sorted(self.tweets, key=lambda t: t["created_at"], reverse=True):
            kinds = {r["type"] for r in tweet.get("referenced_tweets", [])}
            if ("retweets" in excluded and "retweeted" in kinds) or ("replies" in excluded and "replied_to" in kinds):
                continue
            if _when(tweet["created_at"]) < since:
                continue
            shown = {k: v for k, v in tweet.items() if k in {"id", "text", "edit_history_tweet_ids"} or k in fields}
            listed.append(copy.deepcopy(shown))
        offset = int(seen.param("pagination_token") or "0")
        page = listed[offset : offset + count]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        if offset + count < len(listed):
            meta["next_token"] = str(offset + count)
        return Answer(200, {"data": page, "meta": meta} if page else {"meta": meta})
