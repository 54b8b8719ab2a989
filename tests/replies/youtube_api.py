"""A fake of YouTube Data API v3 `comments.insert`, `comments.list` and `comments.setModerationStatus`.

Checked against the discovery document (tests/contracts/replies/youtube-v3.excerpt.json): query
parameters the method does not declare are refused (400 `unknownParameter`), `part` is required, the
body may hold only `CommentSnippet` fields. Reasons from the comments.insert reference page:
`parentIdMissing`, `commentTextRequired`, `commentTextTooLong` (over 10,000 characters
[unconfirmed]), `operationNotSupported` (replies closed), `banWithoutReject`; `commentNotFound` (404),
`authError` (401), `quotaExceeded` (403) [unconfirmed]. No idempotency: a repeat posts twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.fakeapi import Answer, Seen
from tests.replies import discovery_query, google_error, json_body, spec

TOKEN = "ya29.brand-channel-token"
CHANNEL = "UCq3Ci2bDHVsHQ7Lr9xQwmzA"  # the brand's channel
VIDEO = "Jd8FqLx0pQc"
TOP = "UgzQW0f7k5X8eJ0Q9Bh4AaABAg"  # the customer's top-level comment
MAX_TEXT = 10_000
EXCERPT = spec("youtube-v3.excerpt.json")
SNIPPET = set(EXCERPT["schemas"]["CommentSnippet"]["properties"])
COMMENT = set(EXCERPT["schemas"]["Comment"]["properties"])
STATUSES = set(EXCERPT["methods"]["comments.setModerationStatus"]["parameters"]["moderationStatus"]["enum"])
_METHODS = {
    ("POST", "/youtube/v3/comments"): "comments.insert",
    ("GET", "/youtube/v3/comments"): "comments.list",
    ("POST", "/youtube/v3/comments/setModerationStatus"): "comments.setModerationStatus",
}


class Fake:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.mode: str | None = None
        self.replies: dict[str, list[dict[str, Any]]] = {TOP: []}
        self.posted: list[dict[str, Any]] = []
        self.moderated: list[dict[str, str]] = []

    def handle(self, seen: Seen) -> Answer:
        method = _METHODS.get((seen.method, seen.path))
        if method is None:
            return google_error(404, "notFound", "Not Found")
        unknown = set(seen.query) - discovery_query(EXCERPT, method)
        if unknown:
            return google_error(400, "unknownParameter", f"Unknown parameter: {sorted(unknown)}")
        if self.mode == "revoked" or seen.header("Authorization") != f"Bearer {TOKEN}":
            return google_error(401, "authError", "Invalid Credentials", "UNAUTHENTICATED")
        if self.mode == "rate":
            return google_error(
                403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota."
            )
        if method == "comments.setModerationStatus":
            return self._moderate(seen)
        if not seen.param("part"):
            return google_error(400, "required", "Required parameter: part")
        if method == "comments.list":
            return self._list(seen)
        return self._insert(seen)

    def _insert(self, seen: Seen) -> Answer:
        comment = json_body(seen)
        snippet = comment.get("snippet") if isinstance(comment, dict) else None
        if not isinstance(snippet, dict) or set(comment) - COMMENT or set(snippet) - SNIPPET:
            return google_error(400, "invalid", "Invalid JSON payload received.")
        parent, text = snippet.get("parentId"), str(snippet.get("textOriginal") or "")
        if not parent:
            return google_error(400, "parentIdMissing", "No parent ID was specified.")
        if not text.strip():
            return google_error(400, "commentTextRequired", "The comment must contain text.")
        if len(text) > MAX_TEXT:
            return google_error(400, "commentTextTooLong", "The comment text is too long.")
        if parent not in self.replies or self.mode == "gone":
            return google_error(404, "commentNotFound", "The parent comment could not be found.")
        if self.mode == "locked":
            return google_error(400, "operationNotSupported", "Replies are not allowed on this comment.")
        created = {
            "kind": "youtube#comment",
            "etag": f"etag-{len(self.posted)}",
            "id": f"{parent}.A0nRpl{len(self.posted):04d}xYz",
            "snippet": {
                "channelId": CHANNEL,
                "videoId": VIDEO,
                "textDisplay": text,
                "textOriginal": text,
                "parentId": parent,
                "authorDisplayName": "@acme",
                "authorChannelId": {"value": CHANNEL},
                "canRate": True,
                "viewerRating": "none",
                "likeCount": 0,
                "publishedAt": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "updatedAt": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        }
        self.replies[parent].append(created)
        self.posted.append(comment)
        return Answer(200, created)

    def _list(self, seen: Seen) -> Answer:
        parent = seen.param("parentId") or ""
        items = list(reversed(self.replies.get(parent, [])))
        return Answer(
            200, {"kind": "youtube#commentListResponse", "items": items, "pageInfo": {"totalResults": len(items)}}
        )

    def _moderate(self, seen: Seen) -> Answer:
        status, ban = seen.param("moderationStatus"), seen.param("banAuthor")
        if not seen.param("id") or status not in STATUSES:
            return google_error(400, "invalidModerationStatus", "Invalid moderation status.")
        if ban == "true" and status != "rejected":
            return google_error(400, "banWithoutReject", "banAuthor can only be used with rejected.")
        if self.mode == "gone" or seen.param("id") != TOP:
            return google_error(404, "commentNotFound", "The comment could not be found.")
        self.moderated.append({"id": seen.param("id") or "", "status": status or "", "ban": ban or "false"})
        return Answer(204, b"")
