"""App Store review responses against a fake App Store Connect `customerReviewResponses`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.connectors import appstore
from functions.core.mention import Author, Kind, Thread
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.runtime.fetch import fetch
from tests.fakeapi import FakeApiServer, fake_api
from tests.replies.appstore_api import REVIEW, TOKEN, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
OUTBOUND = "aaaabbbbccccddddeeeeffff00001111"
SECRETS = {"connect_token": TOKEN}
TARGET = Target(
    brand="acme",
    network="appstore",
    external_id=f"1234567890:{REVIEW}",
    kind=Kind.REVIEW,
    author=Author(id="987654321", name="Jo"),
    thread=Thread(root_id="app:1234567890"),
    url=None,
    created_at=NOW,
)


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _settings(server: FakeApiServer) -> dict[str, Any]:
    return {"connect_api": server.url, "apps": [{"id": "1234567890"}]}


def _reply(server: FakeApiServer, text: str, target: Target = TARGET) -> Posted | Refused:
    return appstore.reply_result(fetch(appstore.reply_request(target, text, OUTBOUND, _settings(server), SECRETS, NOW)))


def test_a_response_is_a_json_api_document_for_the_feeds_review_id(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    result = _reply(server, "Thanks Jo, fixed in 3.1.")
    assert isinstance(result, Posted) and result.external_id == f"6a1b2c3d-{REVIEW}"
    assert server.requests[0].header("Authorization") == f"Bearer {TOKEN}"
    assert fake.posted == [
        {
            "data": {
                "type": "customerReviewResponses",
                "attributes": {"responseBody": "Thanks Jo, fixed in 3.1."},
                "relationships": {"review": {"data": {"type": "customerReviews", "id": REVIEW}}},
            }
        }
    ]


def test_a_repeat_replaces_the_response(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    assert _reply(server, "One") == _reply(server, "Two") and len(fake.responses) == 1


@pytest.mark.parametrize(
    ("mode", "failure"), [("gone", Failure.GONE), ("revoked", Failure.AUTH), ("rate", Failure.RATE)]
)
def test_failures_are_classified(api: tuple[FakeApiServer, Fake], mode: str, failure: Failure) -> None:
    server, fake = api
    fake.mode = mode
    result = _reply(server, "Hello")
    assert isinstance(result, Refused) and result.failure is failure and not fake.posted


def test_an_unknown_review_says_the_ids_may_differ_and_a_long_body_is_invalid(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, _ = api
    other = Target(**{**TARGET.__dict__, "external_id": "1234567890:999"})
    gone = _reply(server, "Hi", other)
    assert isinstance(gone, Refused) and gone.failure is Failure.GONE and "App Store Connect" in gone.reason
    long = _reply(server, "x" * (appstore.REPLY_LIMIT + 1))
    assert isinstance(long, Refused) and long.failure is Failure.INVALID


def test_no_token_no_private_reply_no_moderation(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    assert appstore.MODERATION == ()
    with pytest.raises(CannotReplyError) as missing:
        appstore.reply_request(TARGET, "Hi", OUTBOUND, _settings(server), {}, NOW)
    assert missing.value.failure is Failure.AUTH
    with pytest.raises(CannotReplyError, match="publicly"):
        appstore.reply_request(TARGET, "Hi", OUTBOUND, _settings(server), SECRETS, NOW, private=True)
