"""Bluesky replies and blocks against a fake PDS checked by the atproto lexicons."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.connectors import bluesky
from functions.core.mention import Author, Kind, Thread
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.runtime.fetch import fetch
from tests.fakeapi import FakeApiServer, fake_api
from tests.replies.bluesky_api import BRAND_DID, CUSTOMER_DID, JWT, ROOT, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
OUTBOUND = "c0ffee00112233445566778899aabbcc"
SECRETS = {"identifier": "acme.bsky.social", "app_password": "x", "authorization": f"Bearer {JWT}"}
PARENT = f"at://{CUSTOMER_DID}/app.bsky.feed.post/3lbparent5x7a"
HANDLE = "dana.bsky.social"


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _settings(server: FakeApiServer) -> dict[str, Any]:
    return {"pds": server.url, "account": BRAND_DID}


def _target(*, top_level: bool = False, refs: str | None = "") -> Target:
    cids = {"cid": "bafyparent"} if top_level else {"cid": "bafyparent", "root_cid": "bafyroot"}
    return Target(
        brand="acme",
        network="bluesky",
        external_id=PARENT,
        kind=Kind.POST if top_level else Kind.COMMENT,
        author=Author(id=CUSTOMER_DID, handle=HANDLE),
        thread=Thread() if top_level else Thread(ROOT, ROOT),
        url=None,
        created_at=datetime(2026, 11, 27, 7, 0, tzinfo=UTC),
        raw_ref=json.dumps(cids) if refs == "" else refs,
    )


def _reply(server: FakeApiServer, text: str, target: Target | None = None) -> Posted | Refused:
    request = bluesky.reply_request(target or _target(), text, OUTBOUND, _settings(server), SECRETS, NOW)
    return bluesky.reply_result(fetch(request))


def test_a_reply_carries_strong_refs_a_mention_facet_and_our_record_key(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    text = bluesky.address(_target()) + "sorry, fixed — café ☕"
    result = _reply(server, text)
    key = bluesky.reply_key(OUTBOUND, _target())
    assert result == Posted(
        f"at://{BRAND_DID}/app.bsky.feed.post/{key}", f"https://bsky.app/profile/{BRAND_DID}/post/{key}"
    )
    (call,) = fake.posted
    assert call["repo"] == BRAND_DID and call["rkey"] == key and call["collection"] == "app.bsky.feed.post"
    record = call["record"]
    assert record["reply"] == {
        "root": {"uri": ROOT, "cid": "bafyroot"},
        "parent": {"uri": PARENT, "cid": "bafyparent"},
    }
    assert record["createdAt"] == "2026-11-27T08:00:00.000Z" and record["text"] == text
    assert record["facets"] == [
        {
            "index": {"byteStart": 0, "byteEnd": len(f"@{HANDLE}")},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": CUSTOMER_DID}],
        }
    ]


def test_a_top_level_post_is_its_own_root(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    assert isinstance(_reply(server, "Hello", _target(top_level=True)), Posted)
    reply = fake.posted[0]["record"]["reply"]
    assert reply["root"] == reply["parent"] == {"uri": PARENT, "cid": "bafyparent"}
    assert "facets" not in fake.posted[0]["record"]  # the text does not start with the handle


def test_a_repeat_is_refused_as_a_duplicate_and_the_lookup_gives_the_uri(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    first = _reply(server, "Hello")
    again = _reply(server, "Hello")
    assert isinstance(first, Posted) and isinstance(again, Refused) and again.failure is Failure.DUP
    assert len(fake.posted) == 1
    lookup = bluesky.lookup_request(_target(), OUTBOUND, _settings(server), SECRETS)
    assert bluesky.lookup_result(fetch(lookup), _target(), OUTBOUND) == first
    other = bluesky.lookup_request(_target(), "d" * 32, _settings(server), SECRETS)
    assert bluesky.lookup_result(fetch(other), _target(), "d" * 32) is None


def test_record_keys_are_valid_tids_stable_per_outbound_id_and_distinct_per_part() -> None:
    keys = {bluesky.reply_key(f"{n:032x}", _target()) for n in range(50)}
    assert len(keys) == 50 and bluesky.reply_key(OUTBOUND, _target()) == bluesky.reply_key(OUTBOUND, _target())
    assert all(len(k) == 13 and k[0] in "234567abcdefghij" for k in keys)
    assert sorted([bluesky.tid(1, 0), bluesky.tid(2, 0), bluesky.tid(2**40, 5)]) == [
        bluesky.tid(1, 0),
        bluesky.tid(2, 0),
        bluesky.tid(2**40, 5),
    ]


@pytest.mark.parametrize(("mode", "failure"), [("revoked", Failure.AUTH), ("rate", Failure.RATE)])
def test_failures_are_classified(api: tuple[FakeApiServer, Fake], mode: str, failure: Failure) -> None:
    server, fake = api
    fake.mode = mode
    result = _reply(server, "Hello")
    assert isinstance(result, Refused) and result.failure is failure and not fake.posted
    if failure is Failure.RATE:
        assert result.retry_after is not None and 298 <= result.retry_after <= 300


def test_over_300_graphemes_is_invalid_but_300_emoji_families_fit(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    too_long = _reply(server, "x" * (bluesky.REPLY_LIMIT + 1))
    assert isinstance(too_long, Refused) and too_long.failure is Failure.INVALID
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one grapheme, 18 bytes
    assert isinstance(_reply(server, family * 150), Posted)  # 150 graphemes, 2700 bytes


def test_a_post_without_its_content_ids_cannot_be_answered(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    with pytest.raises(CannotReplyError, match="content id"):
        bluesky.reply_request(_target(refs=None), "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    with pytest.raises(CannotReplyError, match="root"):
        bluesky.reply_request(_target(refs='{"cid": "bafyparent"}'), "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    with pytest.raises(CannotReplyError, match="direct messages"):
        bluesky.reply_request(_target(), "Hi", OUTBOUND, _settings(server), SECRETS, NOW, private=True)


def test_ban_writes_a_block_record_keyed_by_the_author_and_unban_deletes_it(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    settings = _settings(server)
    banned = bluesky.moderation_result("ban", fetch(bluesky.moderation_request("ban", _target(), settings, SECRETS)))
    assert isinstance(banned, Posted) and banned.external_id.startswith(f"at://{BRAND_DID}/app.bsky.graph.block/")
    assert fake.records[banned.external_id]["subject"] == CUSTOMER_DID
    unban = bluesky.moderation_request("unban", _target(), settings, SECRETS)
    assert isinstance(bluesky.moderation_result("unban", fetch(unban)), Posted)
    assert banned.external_id not in fake.records
    with pytest.raises(CannotReplyError):
        bluesky.moderation_request("hide", _target(), settings, SECRETS)


def test_the_fake_refuses_records_the_lexicons_refuse(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    built = bluesky.reply_request(_target(), "@dana.bsky.social hi", OUTBOUND, _settings(server), SECRETS, NOW)
    call = built.json_body
    no_text = {**call, "record": {k: v for k, v in call["record"].items() if k != "text"}}
    weak_ref = {
        **call,
        "record": {**call["record"], "reply": {"root": {"uri": ROOT}, "parent": call["record"]["reply"]["parent"]}},
    }
    facet = call["record"]["facets"][0]
    far_facet = {**call, "record": {**call["record"], "facets": [{**facet, "index": {"byteStart": 0, "byteEnd": 999}}]}}
    bad_key = {**call, "rkey": "not-a-tid"}
    for body in (no_text, weak_ref, far_facet, bad_key, {k: v for k, v in call.items() if k != "repo"}):
        result = bluesky.reply_result(fetch(replace(built, json_body=body)))
        assert isinstance(result, Refused) and result.failure is Failure.INVALID, body
    assert not fake.posted
