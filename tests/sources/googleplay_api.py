"""A fake of Google's OAuth token endpoint and the Play Developer API `reviews.list`.

Behaves as polls.md describes the API: a bearer token from the refresh-token grant (wrong client →
401 `invalid_client`, wrong refresh token → 400 `invalid_grant`; a missing or unknown bearer → 401
UNAUTHENTICATED), reviews newest created/modified first (a developer reply counts as a modification:
polls.md does not say, the fake assumes the awkward case), only the last 7 days [secondary], `token`
page tokens, empty lists left out (`{}` for an app without reviews). Answers hold at most
`PAGE_LIMIT` reviews whatever `maxResults` asks, so every poll follows page tokens.
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

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "googleplay" / "poll"
PACKAGE = "com.acme.shop"
EMPTY_PACKAGE = "com.acme.wallet"  # published, nobody has reviewed it this week
SCOPE = "https://www.googleapis.com/auth/androidpublisher"
WEEK = timedelta(days=7)
_REVIEWS = re.compile(r"^/androidpublisher/v3/applications/([A-Za-z0-9_.]+)/reviews$")


def _at(stamp: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(stamp["seconds"]) + stamp.get("nanos", 0) / 1e9, UTC)


def _user(review: dict[str, Any]) -> dict[str, Any]:
    return next(c["userComment"] for c in review["comments"] if "userComment" in c)


def _changed(review: dict[str, Any]) -> datetime:
    """The fake's reading of "newest created/modified": the latest of the review and its reply."""
    return max(_at(c[k]["lastModified"]) for c in review["comments"] for k in c)


def google_error(status: int, message: str, state: str) -> Answer:
    return Answer(status, {"error": {"code": status, "message": message, "status": state}})


class Fake:
    SOURCE = "googleplay"
    PAGE_LIMIT = 3

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES: dict[str, str] = {
            "client_id": "284756019283-8s7d6f5g4h3j2k1l0q9w8e7r6t5y4u3i.apps.googleusercontent.com",
            "client_secret": "GOCSPX-test-mentiondesk-secret",
            "refresh_token": "1//0gTestRefreshTokenForMentiondesk-L9Ir",
        }
        self.now = now
        self.reviews: list[dict[str, Any]] = json.loads((FIXTURES / "reviews.json").read_text())["reviews"]
        stamps = [c[k]["lastModified"] for r in self.reviews for c in r["comments"] for k in c]
        shift = int((now - timedelta(minutes=5)).timestamp()) - max(int(s["seconds"]) for s in stamps)
        for stamp in stamps:
            stamp["seconds"] = str(int(stamp["seconds"]) + shift)
        self.tokens: list[str] = []
        self._next = 0

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url, "token_url": f"{base_url}/token", "packages": [PACKAGE]}

    def initial_ids(self) -> set[str]:
        """What a first poll yields: the last day's reviews and the brand's replies (`own_ids`)."""
        since = self.now - timedelta(hours=24)
        reviews = {r["reviewId"] for r in self.reviews if _at(_user(r)["lastModified"]) >= since}
        return reviews | self.own_ids()

    def own_ids(self) -> set[str]:
        """The developer's replies: they come back as the brand's own (by_brand), at their own time,
        and are recognised rather than stored."""
        since = self.now - timedelta(hours=24)
        return {
            f"{r['reviewId']}:reply"
            for r in self.reviews
            for c in r["comments"]
            if "developerComment" in c and _at(c["developerComment"]["lastModified"]) >= since
        }

    def publish(self, now: datetime) -> str:
        self._next += 1
        review = copy.deepcopy(self.reviews[0])
        review.update(reviewId=f"gp:AOqpTONEW{self._next:04d}vKc0yN2pWfR8sJ4tUe6iBd1aGhYk", authorName="Lee Chen")
        _user(review).update(
            text="\tacme charged me twice for one order and the refund button does nothing", starRating=1
        )
        self._stamp(review, now)
        self.reviews.insert(0, review)
        return str(review["reviewId"])

    def edit(self, review_id: str, now: datetime, text: str, stars: int) -> None:
        """The author rewrites their review: same id, new text, newer lastModified."""
        review = next(r for r in self.reviews if r["reviewId"] == review_id)
        _user(review).update(text=text, starRating=stars)
        self._stamp(review, now)

    @staticmethod
    def _stamp(review: dict[str, Any], now: datetime) -> None:
        _user(review)["lastModified"] = {"seconds": str(int(now.timestamp())), "nanos": 0}

    # -------------------------------------------------------------------------------------- answers

    def handle(self, seen: Seen) -> Answer:
        if seen.method == "POST" and seen.path == "/token":
            return self._token(seen)
        match = _REVIEWS.match(seen.path)
        if seen.method != "GET" or match is None:
            return google_error(404, "Method not found.", "NOT_FOUND")
        if (seen.header("Authorization") or "").removeprefix("Bearer ") not in self.tokens:
            message = "Request had invalid authentication credentials. Expected OAuth 2 access token."
            return google_error(401, message, "UNAUTHENTICATED")
        return self._reviews(seen, match[1])

    def _token(self, seen: Seen) -> Answer:
        form = seen.form()
        if not (seen.header("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
            return Answer(400, {"error": "invalid_request", "error_description": "Bad content type"})
        if form.get("grant_type") != "refresh_token":
            return Answer(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
        secrets = self.SECRET_VALUES
        if form.get("client_id") != secrets["client_id"] or form.get("client_secret") != secrets["client_secret"]:
            return Answer(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
        if form.get("refresh_token") != secrets["refresh_token"]:
            return Answer(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        token = f"ya29.a0test-access-{len(self.tokens) + 1:03d}"
        self.tokens.append(token)
        return Answer(200, {"access_token": token, "expires_in": 3599, "scope": SCOPE, "token_type": "Bearer"})

    def _reviews(self, seen: Seen, package: str) -> Answer:
        if package not in (PACKAGE, EMPTY_PACKAGE):
            return google_error(404, f"Package not found: {package}.", "NOT_FOUND")
        raw = seen.param("maxResults") or "10"
        if not raw.isdigit() or int(raw) < 1:
            return google_error(400, "Invalid value for maxResults", "INVALID_ARGUMENT")
        start = 0
        if seen.param("token"):
            try:
                start = int(base64.urlsafe_b64decode((seen.param("token") or "").encode()).decode().split(":")[1])
            except (ValueError, IndexError):
                return google_error(400, "Invalid pagination token.", "INVALID_ARGUMENT")
        listed = sorted(
            (r for r in self.reviews if package == PACKAGE and _changed(r) >= self.now - WEEK),
            key=_changed,
            reverse=True,
        )
        take = min(int(raw), self.PAGE_LIMIT)
        page = listed[start : start + take]
        if not page:
            return Answer(200, {})
        body: dict[str, Any] = {
            "pageInfo": {"totalResults": len(page), "resultsPerPage": len(page), "startIndex": start},
            "reviews": copy.deepcopy(page),
        }
        if start + take < len(listed):
            body["tokenPagination"] = {"nextPageToken": base64.urlsafe_b64encode(f"p:{start + take}".encode()).decode()}
        return Answer(200, body)
