"""A fake Mastodon instance for statuses and blocks (../../docs/replies/mastodon.md).

From mastodon/documentation `methods/statuses.md`, `methods/accounts.md`, `api/rate-limits.md`
(no licensed OpenAPI to copy, see NOTICE.md): `POST /api/v1/statuses` with a bearer token, `status`,
`in_reply_to_id`, `visibility`; `Idempotency-Key` returns the first status for a repeated key;
errors `{"error"}` — 401 bad or revoked token, 404 `Record not found`, 422 validation (blank, over the
instance's 500 characters, bad visibility), 429 with `X-RateLimit-*` (reset as an ISO time) and a
`Date`. Mastodon ignores parameters it does not know, so the fake does too and records them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakeapi import Answer, Seen
from tests.replies import json_body

TOKEN = "mastodon-brand-token-0123456789"
BRAND_ID = "109998877665544"
CUSTOMER_STATUS = "113512345678901234"
CUSTOMER_ACCOUNT = "109123456789012345"
MAX_CHARACTERS = 500
VISIBILITIES = ("public", "unlisted", "private", "direct")
_BLOCK = re.compile(r"^/api/v1/accounts/(\d+)/(block|unblock)$")


def _wall_clock() -> datetime:
    """The reset is measured from the `Date` header, which the test server sets from the real clock."""
    return datetime.now(UTC).replace(microsecond=0)


class Fake:
    def __init__(self, base: str, now: datetime) -> None:
        self.base, self.now = base, now
        self.mode: str | None = None
        self.statuses: dict[str, dict[str, Any]] = {CUSTOMER_STATUS: {"id": CUSTOMER_STATUS, "visibility": "public"}}
        self.posted: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, Any]] = {}
        self.blocked: set[str] = set()
        self._next = 113600000000000000

    def handle(self, seen: Seen) -> Answer:
        if self.mode == "revoked" or seen.header("Authorization") != f"Bearer {TOKEN}":
            return Answer(401, {"error": "The access token is invalid"})
        if self.mode == "rate":
            reset = (_wall_clock() + timedelta(minutes=3)).isoformat().replace("+00:00", ".000Z")
            headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
            return Answer(429, {"error": "Too many requests"}, headers)
        if seen.method == "POST" and seen.path == "/api/v1/statuses":
            return self._status(seen)
        found = _BLOCK.match(seen.path)
        if seen.method == "POST" and found:
            return self._block(found[1], found[2] == "block")
        return Answer(404, {"error": "Record not found"})

    def _status(self, seen: Seen) -> Answer:
        key = seen.header("Idempotency-Key")
        if key and key in self.keys:
            return Answer(200, self.keys[key])
        params = json_body(seen) if seen.header("Content-Type") == "application/json" else seen.form()
        text = str(params.get("status") or "")
        if not text.strip():
            return Answer(422, {"error": "Validation failed: Text can't be blank"})
        if len(text) > MAX_CHARACTERS:
            return Answer(422, {"error": f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded"})
        if params.get("visibility", "public") not in VISIBILITIES:
            return Answer(422, {"error": "Validation failed: Visibility is not included in the list"})
        parent = params.get("in_reply_to_id")
        if parent is not None and (parent not in self.statuses or self.mode == "gone"):
            return Answer(404, {"error": "Record not found"})
        self._next += 1
        ident = str(self._next)
        status = {
            "id": ident,
            "uri": f"{self.base}/users/acme/statuses/{ident}",
            "url": f"{self.base}/@acme/{ident}",
            "created_at": self.now.isoformat().replace("+00:00", ".000Z"),
            "in_reply_to_id": parent,
            "visibility": params.get("visibility", "public"),
            "content": f"<p>{text}</p>",
            "account": {"id": BRAND_ID, "acct": "acme", "username": "acme"},
            "application": {"name": "mentiondesk", "website": None},
        }
        self.statuses[ident] = status
        self.posted.append(params)
        if key:
            self.keys[key] = status
        return Answer(200, status)

    def _block(self, account: str, block: bool) -> Answer:
        if account != CUSTOMER_ACCOUNT or self.mode == "gone":
            return Answer(404, {"error": "Record not found"})
        (self.blocked.add if block else self.blocked.discard)(account)
        return Answer(200, {"id": account, "following": False, "blocking": block, "muting": False})
