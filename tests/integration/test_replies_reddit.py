"""Reddit replies, private messages, lookups and moderation against a fake of its write API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.connectors import reddit
from functions.core.mention import Author, Kind, Thread
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.runtime.fetch import fetch
from tests.fakeapi import FakeApiServer, fake_api
from tests.replies.reddit_api import ACCOUNT, COMMENT, CUSTOMER, POST, SUBREDDIT, TOKEN, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
OUTBOUND = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SECRETS = {"user_token": TOKEN}
USER_AGENT = "python:com.acme.mentions:v1.0.0 (by /u/acme_support)"


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _settings(server: FakeApiServer) -> dict[str, Any]:
    return {"api": server.url, "user_agent": USER_AGENT, "account": ACCOUNT}


def _target(external_id: str = COMMENT) -> Target:
    return Target(
        brand="acme",
        network="reddit",
        external_id=external_id,
        kind=Kind.COMMENT,
        author=Author(id="t2_cust", handle=CUSTOMER),
        thread=Thread(POST, POST),
        url=f"https://www.reddit.com/r/{SUBREDDIT}/comments/{POST[3:]}/_/{COMMENT[3:]}/",
        created_at=NOW,
    )


def _reply(server: FakeApiServer, text: str, *, private: bool = False) -> Posted | Refused:
    request = reddit.reply_request(_target(), text, OUTBOUND, _settings(server), SECRETS, NOW, private=private)
    return reddit.reply_result(fetch(request))


def test_a_reply_is_a_comment_on_the_thing_with_the_brand_token_and_agent(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    result = _reply(server, "Sorry, DM us your order number.")
    assert isinstance(result, Posted) and result.external_id.startswith("t1_")
    assert result.url and result.url.startswith(f"https://www.reddit.com/r/{SUBREDDIT}/comments/")
    sent = server.requests[0]
    assert sent.path == "/api/comment" and sent.header("Authorization") == f"bearer {TOKEN}"
    assert sent.header("User-Agent") == USER_AGENT
    assert sent.form() == {"api_type": "json", "thing_id": COMMENT, "text": "Sorry, DM us your order number."}
    assert fake.comments[0]["parent_id"] == COMMENT


@pytest.mark.parametrize(
    ("mode", "failure", "wait"),
    [
        ("gone", Failure.GONE, None),
        ("locked", Failure.GONE, None),
        ("revoked", Failure.AUTH, None),
        ("rate", Failure.RATE, 540.0),
    ],
)
def test_failures_are_classified(
    api: tuple[FakeApiServer, Fake], mode: str, failure: Failure, wait: float | None
) -> None:
    server, fake = api
    fake.mode = mode
    result = _reply(server, "Hello")
    assert isinstance(result, Refused) and (result.failure, result.retry_after) == (failure, wait)
    assert not fake.comments


def test_too_long_and_empty_texts_and_unknown_things_are_refused(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    for text, code in (("x" * (reddit.REPLY_LIMIT + 1), "TOO_LONG"), (" ", "NO_TEXT")):
        result = _reply(server, text)
        assert isinstance(result, Refused) and result.failure is Failure.INVALID and code in result.reason
    request = reddit.reply_request(_target("t1_unknown"), "Hi", OUTBOUND, _settings(server), SECRETS, NOW)
    result = reddit.reply_result(fetch(request))
    assert isinstance(result, Refused) and result.failure is Failure.PERM


def test_private_is_a_message_to_the_author(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    assert isinstance(_reply(server, "Here are the details", private=True), Posted)
    assert fake.messages == [
        {"api_type": "json", "to": CUSTOMER, "subject": reddit.PRIVATE_SUBJECT, "text": "Here are the details"}
    ]


def test_no_idempotency_so_the_lookup_reads_our_comments_for_one_under_the_parent(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, _ = api
    lookup = reddit.lookup_request(_target(), OUTBOUND, _settings(server), SECRETS)
    assert reddit.lookup_result(fetch(lookup), _target(), OUTBOUND) is None
    other = reddit.reply_request(_target(POST), "On the post", OUTBOUND, _settings(server), SECRETS, NOW)
    assert isinstance(reddit.reply_result(fetch(other)), Posted)
    assert reddit.lookup_result(fetch(lookup), _target(), OUTBOUND) is None  # ours, but under another parent
    posted = _reply(server, "Under the comment")
    assert reddit.lookup_result(fetch(lookup), _target(), OUTBOUND) == posted
    assert reddit.lookup_result(fetch(lookup), _target(), OUTBOUND, text="another text") is None
    assert server.requests[0].method == "GET" and server.requests[0].path == f"/user/{ACCOUNT}/comments"


@pytest.mark.parametrize(
    ("action", "path", "form"),
    [
        ("delete", "/api/remove", {"id": COMMENT, "spam": "false"}),
        ("restore", "/api/approve", {"id": COMMENT}),
        ("ban", f"/r/{SUBREDDIT}/api/friend", {"api_type": "json", "name": CUSTOMER, "type": "banned"}),
        ("unban", f"/r/{SUBREDDIT}/api/unfriend", {"api_type": "json", "name": CUSTOMER, "type": "banned"}),
    ],
)
def test_moderation_calls(api: tuple[FakeApiServer, Fake], action: str, path: str, form: dict[str, str]) -> None:
    server, fake = api
    response = fetch(reddit.moderation_request(action, _target(), _settings(server), SECRETS))
    assert isinstance(reddit.moderation_result(action, response), Posted)
    assert fake.moderated == [(path, form)]


def test_moderation_without_being_a_moderator_is_perm_and_hide_does_not_exist(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    fake.moderator = False
    response = fetch(reddit.moderation_request("delete", _target(), _settings(server), SECRETS))
    result = reddit.moderation_result("delete", response)
    assert isinstance(result, Refused) and result.failure is Failure.PERM
    with pytest.raises(CannotReplyError):
        reddit.moderation_request("hide", _target(), _settings(server), SECRETS)
