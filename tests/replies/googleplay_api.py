"""A fake of the Play Developer API `reviews.reply` (androidpublisher v3).

Checked against the discovery document (tests/contracts/replies/androidpublisher-v3.excerpt.json):
undeclared query parameters and body fields other than `ReviewsReplyRequest.replyText` are refused
(400 INVALID_ARGUMENT); "replies of more than approximately 350 characters will be rejected" (400);
a second reply overwrites the first (idempotent). Errors in Google's envelope: 401 UNAUTHENTICATED,
403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED with `Retry-After` [unconfirmed codes].
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.fakeapi import Answer, Seen
from tests.replies import discovery_query, google_error, json_body, spec

TOKEN = "ya29.play-console-token"
PACKAGE = "com.acme.shop"
REVIEW = "gp:AOqpTOHx3LzQm7vKc0yN2pWfR8sJ4tUe6iBd1aGhYkXo9qZ"
MAX_REPLY = 350
EXCERPT = spec("androidpublisher-v3.excerpt.json")
REQUEST_FIELDS = set(EXCERPT["schemas"]["ReviewsReplyRequest"]["properties"])
_REPLY = re.compile(r"^/androidpublisher/v3/applications/([^/]+)/reviews/([^/]+):reply$")


class Fake:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.mode: str | None = None
        self.replies: dict[str, str] = {}
        self.posted: list[dict[str, Any]] = []

    def handle(self, seen: Seen) -> Answer:
        found = _REPLY.match(seen.path)
        if seen.method != "POST" or not found:
            return google_error(404, "notFound", "Not Found", "NOT_FOUND")
        unknown = set(seen.query) - discovery_query(EXCERPT, "reviews.reply")
        if unknown:
            return google_error(400, "badRequest", f"Unknown parameter: {sorted(unknown)}", "INVALID_ARGUMENT")
        if self.mode == "revoked" or seen.header("Authorization") != f"Bearer {TOKEN}":
            return google_error(401, "authError", "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        if self.mode == "rate":
            answer = google_error(429, "rateLimitExceeded", "Quota exceeded.", "RESOURCE_EXHAUSTED")
            answer.headers["Retry-After"] = "120"
            return answer
        if self.mode == "locked":
            return google_error(403, "permissionDenied", "The caller does not have permission", "PERMISSION_DENIED")
        request = json_body(seen)
        if (
            not isinstance(request, dict)
            or set(request) - REQUEST_FIELDS
            or not isinstance(request.get("replyText"), str)
        ):
            return google_error(400, "badRequest", "Invalid JSON payload received.", "INVALID_ARGUMENT")
        if len(request["replyText"]) > MAX_REPLY:
            return google_error(400, "badRequest", "Reply text is too long.", "INVALID_ARGUMENT")
        package, review = found[1], found[2]
        if package != PACKAGE or review != REVIEW or self.mode == "gone":
            return google_error(404, "notFound", "Review not found.", "NOT_FOUND")
        self.replies[review] = request["replyText"]
        self.posted.append(request)
        seconds = str(int(self.now.timestamp()))
        return Answer(
            200, {"result": {"replyText": request["replyText"], "lastEdited": {"seconds": seconds, "nanos": 0}}}
        )
