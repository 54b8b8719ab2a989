"""A fake of App Store Connect `POST /v1/customerReviewResponses` (JSON:API).

From developer.apple.com `post-v1-customerreviewresponses` (no licensed OpenAPI to copy, see NOTICE.md):
the document must be `{"data": {"type": "customerReviewResponses", "attributes": {"responseBody"},
"relationships": {"review": {"data": {"type": "customerReviews", "id"}}}}}`; 201 with the response
resource; one response per review, a new POST replaces it (same id). Errors `{"errors": [{"status",
"code", "title", "detail"}]}`: 401 NOT_AUTHORIZED, 404 NOT_FOUND, 409 ENTITY_ERROR (bad document,
body over 5970 characters [secondary]), 429 RATE_LIMIT_EXCEEDED.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.fakeapi import Answer, Seen
from tests.replies import json_body

TOKEN = "eyJraWQiOiJBQkMxMjMiLCJhbGciOiJFUzI1NiJ9.connect.sig"
REVIEW = "11492648291"
MAX_BODY = 5970


def _error(status: int, code: str, detail: str) -> Answer:
    return Answer(status, {"errors": [{"status": str(status), "code": code, "title": code, "detail": detail}]})


class Fake:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.mode: str | None = None
        self.responses: dict[str, dict[str, Any]] = {}  # review id → response resource
        self.posted: list[dict[str, Any]] = []

    def handle(self, seen: Seen) -> Answer:
        if seen.method != "POST" or seen.path != "/v1/customerReviewResponses":
            return _error(404, "NOT_FOUND", "The path provided does not match a defined resource type.")
        if self.mode == "revoked" or seen.header("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "NOT_AUTHORIZED", "Provide a properly configured and signed bearer token.")
        if self.mode == "rate":
            return _error(429, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.")
        document = json_body(seen)
        data = document.get("data") if isinstance(document, dict) else None
        review = _review(data)
        attributes = data.get("attributes") if isinstance(data, dict) else None
        body = attributes.get("responseBody") if isinstance(attributes, dict) else None
        if review is None or not isinstance(body, str) or set(attributes or {}) != {"responseBody"}:
            return _error(409, "ENTITY_ERROR", "The request entity is invalid.")
        if len(body) > MAX_BODY:
            return _error(409, "ENTITY_ERROR.ATTRIBUTE.INVALID", f"responseBody is longer than {MAX_BODY}.")
        if review != REVIEW or self.mode == "gone":
            return _error(404, "NOT_FOUND", f"There is no resource of type 'customerReviews' with id '{review}'")
        ident = self.responses.get(review, {}).get("id") or f"6a1b2c3d-{review}"
        resource = {
            "type": "customerReviewResponses",
            "id": ident,
            "attributes": {"responseBody": body, "lastModifiedDate": self.now.isoformat(), "state": "PENDING_PUBLISH"},
        }
        self.responses[review] = resource
        self.posted.append(document)
        return Answer(201, {"data": resource, "links": {"self": f"/v1/customerReviewResponses/{ident}"}})


def _review(data: Any) -> str | None:
    if not isinstance(data, dict) or data.get("type") != "customerReviewResponses":
        return None
    ref = data.get("relationships", {}).get("review", {}).get("data")
    if not isinstance(ref, dict) or ref.get("type") != "customerReviews" or not isinstance(ref.get("id"), str):
        return None
    return str(ref["id"])
