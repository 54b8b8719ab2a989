"""Mastodon replies and blocks, built by the connector and sent with the real fetch to a fake instance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from functions.connectors import mastodon
from functions.core.mention import Author, Kind, Thread
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.runtime.fetch import fetch
from tests.fakeapi import FakeApiServer, fake_api
from tests.replies.mastodon_api import CUSTOMER_ACCOUNT, CUSTOMER_STATUS, TOKEN, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
OUTBOUND = "5f1d3c2b4a6978685746352413021100"
SECRETS = {"access_token": TOKEN}


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    with fake_api() as server:
        fake = Fake(server.url, NOW)
        server.handler = fake.handle
        yield server, fake


def _settings(server: FakeApiServer) -> dict[str, Any]:
    host = urlsplit(server.url).netloc
    return {"account": f"acme@{host}", "instances": [{"url": server.url, "hashtags": ["acme"]}]}


def _target(server: FakeApiServer, visibility: str = "unlisted", host: str | None = None) -> Target:
    host = host or urlsplit(server.url).netloc
    return Target(
        brand="acme",
        network="mastodon",
        external_id=f"https://social.example/users/dana/statuses/{CUSTOMER_STATUS}",
        kind=Kind.POST,
        author=Author(id="dana@social.example", handle="@dana@social.example"),
        thread=Thread(),
        url=None,
        created_at=NOW,
        raw_ref=f"{host}#{CUSTOMER_STATUS}#{visibility}#{CUSTOMER_ACCOUNT}",
    )


def _reply(server: FakeApiServer, text: str, **kwargs: Any) -> Posted | Refused:
    target = _target(server)
    request = mastodon.reply_request(target, text, OUTBOUND, _settings(server), SECRETS, NOW, **kwargs)
    return mastodon.reply_result(fetch(request))


def test_a_reply_answers_the_status_as_visible_as_it_with_the_idempotency_key(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    text = mastodon.address(_target(server)) + "Sorry about that, we are on it."
    result = _reply(server, text)
    assert isinstance(result, Posted) and result.external_id.startswith(f"{server.url}/users/acme/statuses/")
    assert result.url and result.url.startswith(f"{server.url}/@acme/")
    sent = server.requests[0]
    assert sent.header("Idempotency-Key") == OUTBOUND and sent.header("Authorization") == f"Bearer {TOKEN}"
    assert fake.posted == [{"status": text, "in_reply_to_id": CUSTOMER_STATUS, "visibility": "unlisted"}]
    assert text.startswith("@dana@social.example ")


def test_a_repeat_with_the_same_key_returns_the_first_status_and_posts_nothing(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    first, again = _reply(server, "Hello"), _reply(server, "Hello")
    assert first == again and len(fake.posted) == 1


def test_private_is_a_direct_status(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    assert isinstance(_reply(server, "@dana@social.example details by DM", private=True), Posted)
    assert fake.posted[0]["visibility"] == "direct"


@pytest.mark.parametrize(
    ("mode", "failure", "wait"),
    [("gone", Failure.GONE, None), ("revoked", Failure.AUTH, None), ("rate", Failure.RATE, 180.0)],
)
def test_failures_are_classified(
    api: tuple[FakeApiServer, Fake], mode: str, failure: Failure, wait: float | None
) -> None:
    server, fake = api
    fake.mode = mode
    result = _reply(server, "Hello")
    assert isinstance(result, Refused) and result.failure is failure and result.retried is (failure is Failure.RATE)
    if wait is None:
        assert result.retry_after is None
    else:  # measured from the answer's Date header, which has whole seconds
        assert result.retry_after is not None and wait - 2 <= result.retry_after <= wait
    assert not fake.posted


def test_too_long_and_blank_texts_are_invalid(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    for text in ("x" * (mastodon.REPLY_LIMIT + 1), "  "):
        result = _reply(server, text)
        assert (
            isinstance(result, Refused) and result.failure is Failure.INVALID and "Validation failed" in result.reason
        )
    assert not fake.posted


def test_a_status_seen_on_another_instance_or_before_replies_cannot_be_answered(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, _ = api
    elsewhere = _target(server, host="mastodon.social")
    with pytest.raises(CannotReplyError, match=r"seen on mastodon\.social"):
        mastodon.reply_request(elsewhere, "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    old = Target(**{**_target(server).__dict__, "raw_ref": None})
    with pytest.raises(CannotReplyError, match="local id"):
        mastodon.reply_request(old, "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    with pytest.raises(CannotReplyError) as missing:
        mastodon.reply_request(_target(server), "Hi", OUTBOUND, _settings(server), {}, NOW)
    assert missing.value.failure is Failure.AUTH
    assert not server.requests


def test_ban_blocks_the_author_and_unban_unblocks(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    settings, target = _settings(server), _target(server)
    for action, blocked in (("ban", {CUSTOMER_ACCOUNT}), ("unban", set())):
        response = fetch(mastodon.moderation_request(action, target, settings, SECRETS))
        assert mastodon.moderation_result(action, response) == Posted(CUSTOMER_ACCOUNT)
        assert fake.blocked == blocked
    assert [r.path for r in server.requests] == [
        f"/api/v1/accounts/{CUSTOMER_ACCOUNT}/block",
        f"/api/v1/accounts/{CUSTOMER_ACCOUNT}/unblock",
    ]
    with pytest.raises(CannotReplyError):
        mastodon.moderation_request("hide", target, settings, SECRETS)
