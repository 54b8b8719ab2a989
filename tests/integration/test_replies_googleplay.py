"""Google Play review replies against a fake `reviews.reply` checked by the discovery document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.connectors import googleplay
from functions.core.mention import Author, Kind, Thread
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.runtime.fetch import fetch
from tests.fakeapi import FakeApiServer, fake_api
from tests.replies.googleplay_api import PACKAGE, REVIEW, TOKEN, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
OUTBOUND = "11112222333344445555666677778888"
SECRETS = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _settings(server: FakeApiServer) -> dict[str, Any]:
    return {"api": server.url, "packages": [PACKAGE, "com.acme.wallet"]}


TARGET = Target(
    brand="acme",
    network="googleplay",
    external_id=REVIEW,
    kind=Kind.REVIEW,
    author=Author(id=REVIEW, name="Marco Rossi"),
    thread=Thread(),
    url=f"https://play.google.com/store/apps/details?id={PACKAGE}&reviewId={REVIEW}",
    created_at=NOW,
)


def _reply(server: FakeApiServer, text: str) -> Posted | Refused:
    request = googleplay.reply_request(TARGET, text, OUTBOUND, _settings(server), SECRETS, NOW)
    return googleplay.reply_result(fetch(request), TARGET)


def test_a_reply_is_posted_to_the_review_of_the_app_from_its_link(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    result = _reply(server, "Sorry Marco, 4.2.2 fixes the cart crash.")
    assert result == Posted(googleplay.reply_id(REVIEW), TARGET.url)
    sent = server.requests[0]
    assert sent.path == f"/androidpublisher/v3/applications/{PACKAGE}/reviews/{REVIEW}:reply"
    assert sent.header("Authorization") == f"Bearer {TOKEN}"
    assert fake.posted == [{"replyText": "Sorry Marco, 4.2.2 fixes the cart crash."}]


def test_a_repeat_overwrites_the_reply_so_it_is_safe_to_resend(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    assert googleplay.REPLY_IDEMPOTENT
    assert _reply(server, "First") == _reply(server, "Second")
    assert fake.replies == {REVIEW: "Second"}


@pytest.mark.parametrize(
    ("mode", "failure", "wait"),
    [
        ("gone", Failure.GONE, None),
        ("locked", Failure.PERM, None),
        ("revoked", Failure.AUTH, None),
        ("rate", Failure.RATE, 120.0),
    ],
)
def test_failures_are_classified(
    api: tuple[FakeApiServer, Fake], mode: str, failure: Failure, wait: float | None
) -> None:
    server, fake = api
    fake.mode = mode
    result = _reply(server, "Hello")
    assert isinstance(result, Refused) and (result.failure, result.retry_after) == (failure, wait)
    assert not fake.posted


def test_a_reply_over_350_characters_is_invalid(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    result = _reply(server, "x" * (googleplay.REPLY_LIMIT + 1))
    assert isinstance(result, Refused) and result.failure is Failure.INVALID and not fake.posted


def test_no_private_reply_no_moderation_and_the_app_must_be_known(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    assert googleplay.MODERATION == ()
    with pytest.raises(CannotReplyError, match="publicly"):
        googleplay.reply_request(TARGET, "Hi", OUTBOUND, _settings(server), SECRETS, NOW, private=True)
    unlinked = Target(**{**TARGET.__dict__, "url": None})
    with pytest.raises(CannotReplyError, match="which app"):
        googleplay.reply_request(unlinked, "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    single = googleplay.reply_request(
        unlinked, "Hi", OUTBOUND, {"api": server.url, "packages": [PACKAGE]}, SECRETS, NOW
    )
    assert f"/applications/{PACKAGE}/" in single.url
    with pytest.raises(CannotReplyError) as missing:
        googleplay.reply_request(TARGET, "Hi", OUTBOUND, _settings(server), {}, NOW)
    assert missing.value.failure is Failure.AUTH


def test_the_fake_refuses_fields_and_parameters_the_discovery_document_does_not_declare(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    built = googleplay.reply_request(TARGET, "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    for request in (
        replace(built, json_body={"replyText": "Hi", "language": "en"}),
        replace(built, params={"lang": "en"}),
    ):
        result = googleplay.reply_result(fetch(request), TARGET)
        assert isinstance(result, Refused) and result.failure is Failure.INVALID
    assert not fake.posted
