"""A fake PDS for `com.atproto.repo.createRecord`, `getRecord` and `deleteRecord` (posts and blocks).

Checked against the lexicons (tests/contracts/replies/atproto-lexicon.*): createRecord's required
`repo`, `collection`, `record`; a post's required `text` (≤ 300 graphemes, ≤ 3000 bytes) and
`createdAt`; `reply.root` and `reply.parent` strong refs with `uri` and `cid`; facets with byte
offsets inside the text. The record key must be a TID; an existing key is refused (400
InvalidRequest "Record already exists" [unconfirmed wording]), which is what makes our chosen key
idempotent. Auth errors in the XRPC shape: 400 `ExpiredToken`, 401 `AuthMissing`; 429 with
`ratelimit-*` headers (reset as epoch seconds) and a `Date`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import regex  # type: ignore[import-untyped]  # runtime dependency (requirements.txt), no stubs

from tests.fakeapi import Answer, Seen
from tests.replies import json_body, spec

JWT = "eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJkaWQ6cGxjOmFjbWUifQ.sig"
BRAND_DID = "did:plc:acmebrand7x2k4q"
CUSTOMER_DID = "did:plc:custo4mer9z8y7"
ROOT = "at://did:plc:custo4mer9z8y7/app.bsky.feed.post/3lbroot2k3a2x"
POST_LEXICON = spec("atproto-lexicon.app.bsky.feed.post.json")["defs"]["main"]["record"]
CREATE = spec("atproto-lexicon.com.atproto.repo.createRecord.json")["defs"]["main"]["input"]["schema"]
STRONG_REF = spec("atproto-lexicon.com.atproto.repo.strongRef.json")["defs"]["main"]
TEXT = POST_LEXICON["properties"]["text"]
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def _invalid(message: str) -> Answer:
    return Answer(400, {"error": "InvalidRequest", "message": message})


def _wall_clock() -> datetime:
    """The reset is measured from the `Date` header, which the test server sets from the real clock."""
    return datetime.now(UTC).replace(microsecond=0)


class Fake:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.mode: str | None = None
        self.records: dict[str, dict[str, Any]] = {}  # at:// uri → record
        self.posted: list[dict[str, Any]] = []

    def handle(self, seen: Seen) -> Answer:
        if seen.header("Authorization") is None:
            return Answer(401, {"error": "AuthMissing", "message": "Authentication Required"})
        if self.mode == "revoked" or seen.header("Authorization") != f"Bearer {JWT}":
            return Answer(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
        if self.mode == "rate":
            reset = str(int((_wall_clock() + timedelta(minutes=5)).timestamp()))
            headers = {"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": reset}
            return Answer(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, headers)
        name = seen.path.removeprefix("/xrpc/")
        if name == "com.atproto.repo.createRecord" and seen.method == "POST":
            return self._create(json_body(seen))
        if name == "com.atproto.repo.getRecord":
            uri = f"at://{seen.param('repo')}/{seen.param('collection')}/{seen.param('rkey')}"
            if uri not in self.records:
                return Answer(400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"})
            return Answer(200, {"uri": uri, "cid": "bafyreiours", "value": self.records[uri]})
        if name == "com.atproto.repo.deleteRecord" and seen.method == "POST":
            call = json_body(seen) or {}
            self.records.pop(f"at://{call.get('repo')}/{call.get('collection')}/{call.get('rkey')}", None)
            return Answer(200, {"commit": {"cid": "bafyreicommit", "rev": "3lbrev"}})
        return Answer(501, {"error": "MethodNotImplemented", "message": name})

    def _create(self, call: Any) -> Answer:
        if not isinstance(call, dict) or any(k not in call for k in CREATE["required"]):
            return _invalid(f"Input must have the properties: {CREATE['required']}")
        if call["repo"] != BRAND_DID:
            return _invalid("Repo does not belong to the session")
        rkey, record = call.get("rkey"), call["record"]
        if rkey is not None and not _TID.match(rkey):
            return _invalid("Invalid record key: must be a TID")
        problem = self._check(call["collection"], record)
        if problem:
            return _invalid(problem)
        uri = f"at://{BRAND_DID}/{call['collection']}/{rkey or 'auto' + str(len(self.records))}"
        if uri in self.records:
            return _invalid(f"Record already exists: {uri}")
        self.records[uri] = record
        self.posted.append(call)
        return Answer(200, {"uri": uri, "cid": f"bafyrei{len(self.records):04d}", "validationStatus": "valid"})

    def _check(self, collection: str, record: Any) -> str | None:
        if not isinstance(record, dict) or record.get("$type") != collection:
            return "Record/$type must match the collection"
        if collection != "app.bsky.feed.post":
            return None
        if any(k not in record for k in POST_LEXICON["required"]):
            return f"Record must have the properties: {POST_LEXICON['required']}"
        text = record["text"]
        if len(regex.findall(r"\X", text)) > TEXT["maxGraphemes"] or len(text.encode()) > TEXT["maxLength"]:
            return f"Record/text must not be longer than {TEXT['maxGraphemes']} graphemes"
        reply = record.get("reply")
        if reply is not None:
            for side in ("root", "parent"):
                ref = reply.get(side) if isinstance(reply, dict) else None
                if not isinstance(ref, dict) or any(not ref.get(k) for k in STRONG_REF["required"]):
                    return f"Record/reply/{side} must be a strong ref (uri, cid)"
            if self.mode == "gone" and reply["parent"]["uri"] != ROOT:
                return None  # a PDS does not check that the parent still exists: the AppView drops it later
        for facet in record.get("facets") or []:
            index = facet.get("index", {})
            if not 0 <= index.get("byteStart", -1) < index.get("byteEnd", -1) <= len(text.encode()):
                return "Record/facets/index must lie within the text"
        return None
