"""YouTube replies, lookups and moderation, built by the connector and sent with the real fetch to a
fake Data API that checks them against the discovery document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.connectors import youtube
from functions.core.mention import Author, Kind, Thread
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.runtime.fetch import fetch
from tests.fakeapi import FakeApiServer, fake_api
from tests.replies.youtube_api import CHANNEL, TOKEN, TOP, VIDEO, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
OUTBOUND = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
SECRETS = {"oauth_token": TOKEN}


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _settings(server: FakeApiServer) -> dict[str, Any]:
    return {"api": server.url, "channels": [CHANNEL]}


def _target(external_id: str = TOP, kind: Kind = Kind.COMMENT, parent: str = VIDEO) -> Target:
    return Target(
        brand="acme",
        network="youtube",
        external_id=external_id,
        kind=kind,
        author=Author(id="UCcustomer000000000000aa", name="@marta_k"),
        thread=Thread(VIDEO, parent),
        url=None,
        created_at=NOW,
        account=CHANNEL,
    )


def _reply(server: FakeApiServer, text: str, target: Target | None = None) -> Posted | Refused:
    request = youtube.reply_request(target or _target(), text, OUTBOUND, _settings(server), SECRETS, NOW)
    return youtube.reply_result(fetch(request))


def test_a_reply_goes_under_the_top_level_comment_with_the_channel_token(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    result = _reply(server, "Sorry Marta, we are sending a new one.")
    assert isinstance(result, Posted) and result.external_id.startswith(f"{TOP}.")
    assert result.url == f"https://www.youtube.com/watch?v={VIDEO}&lc={result.external_id}"
    sent = server.requests[0]
    assert sent.method == "POST" and sent.param("part") == "snippet"
    assert sent.header("Authorization") == f"Bearer {TOKEN}"
    assert fake.posted == [{"snippet": {"parentId": TOP, "textOriginal": "Sorry Marta, we are sending a new one."}}]


def test_a_reply_to_a_reply_goes_under_its_top_level_comment(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    result = _reply(server, "Thanks!", _target(f"{TOP}.A0mXk7wN1dFA0mXk8zQ4yE", Kind.REPLY, TOP))
    assert isinstance(result, Posted) and fake.posted[0]["snippet"]["parentId"] == TOP


@pytest.mark.parametrize(
    ("mode", "failure"),
    [
        ("gone", Failure.GONE),
        ("locked", Failure.GONE),
        ("revoked", Failure.AUTH),
        ("rate", Failure.RATE),
    ],
)
def test_failures_are_classified(api: tuple[FakeApiServer, Fake], mode: str, failure: Failure) -> None:
    server, fake = api
    fake.mode = mode
    result = _reply(server, "Hello")
    assert isinstance(result, Refused) and result.failure is failure and not fake.posted
    if failure is Failure.RATE:  # the daily quota: until midnight Pacific, measured from the answer's Date
        assert result.retry_after is not None and 0 < result.retry_after <= 25 * 3600


def test_too_long_and_empty_texts_are_invalid(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    for text, reason in (("x" * (youtube.REPLY_LIMIT + 1), "commentTextTooLong"), (" ", "commentTextRequired")):
        result = _reply(server, text)
        assert isinstance(result, Refused) and result.failure is Failure.INVALID and reason in result.reason
    assert not fake.posted


def test_no_idempotency_so_the_lookup_finds_our_reply_after_a_lost_answer(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    settings = _settings(server)
    lookup = youtube.lookup_request(_target(), OUTBOUND, settings, SECRETS)
    assert youtube.lookup_result(fetch(lookup), _target(), OUTBOUND) is None  # not posted yet
    posted = _reply(server, "We are on it.")
    assert isinstance(posted, Posted)
    assert youtube.lookup_result(fetch(lookup), _target(), OUTBOUND) == posted
    assert youtube.lookup_result(fetch(lookup), _target(), OUTBOUND, text="We are on it.") == posted
    assert youtube.lookup_result(fetch(lookup), _target(), OUTBOUND, text="something else") is None
    assert server.requests[0].param("parentId") == TOP and server.requests[0].method == "GET"


@pytest.mark.parametrize(
    ("action", "status", "ban"),
    [
        ("hide", "heldForReview", None),
        ("unhide", "published", None),
        ("delete", "rejected", None),
        ("restore", "published", None),
        ("ban", "rejected", "true"),
    ],
)
def test_moderation_sets_the_status(api: tuple[FakeApiServer, Fake], action: str, status: str, ban: str | None) -> None:
    server, fake = api
    response = fetch(youtube.moderation_request(action, _target(), _settings(server), SECRETS))
    assert response.status == 204 and isinstance(youtube.moderation_result(action, response), Posted)
    assert fake.moderated == [{"id": TOP, "status": status, "ban": ban or "false"}]


def test_moderation_of_a_deleted_comment_is_gone_and_unban_is_not_offered(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    fake.mode = "gone"
    response = fetch(youtube.moderation_request("delete", _target(), _settings(server), SECRETS))
    result = youtube.moderation_result("delete", response)
    assert isinstance(result, Refused) and result.failure is Failure.GONE
    with pytest.raises(CannotReplyError):
        youtube.moderation_request("unban", _target(), _settings(server), SECRETS)


def test_videos_private_replies_and_a_missing_token_cannot_be_sent(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    video = _target(VIDEO, Kind.POST, "")
    with pytest.raises(CannotReplyError, match="video"):
        youtube.reply_request(video, "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    with pytest.raises(CannotReplyError, match="private"):
        youtube.reply_request(_target(), "Hi", OUTBOUND, _settings(server), SECRETS, NOW, private=True)
    with pytest.raises(CannotReplyError) as missing:
        youtube.reply_request(_target(), "Hi", OUTBOUND, _settings(server), {}, NOW)
    assert missing.value.failure is Failure.AUTH and not server.requests


def test_the_fake_refuses_what_the_discovery_document_does_not_declare(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    built = youtube.reply_request(_target(), "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    extra_param = replace(built, params={**built.params, "videoId": VIDEO})
    extra_field = replace(built, json_body={"snippet": {"parentId": TOP, "textOriginal": "Hi", "mood": "sorry"}})
    no_part = replace(built, params={})
    for request, reason in ((extra_param, "unknownParameter"), (extra_field, "invalid"), (no_part, "required")):
        result = youtube.reply_result(fetch(request))
        assert isinstance(result, Refused) and result.failure is Failure.INVALID and reason in result.reason
    assert not fake.posted
