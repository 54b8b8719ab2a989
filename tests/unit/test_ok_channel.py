"""OK group statistics against the fake REST API on 127.0.0.1: the request signature, anchor paging
of the topics, the errors OK answers with HTTP 200, and the members counter's layouts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from functions.connectors import ok
from functions.core.channels import ChannelStats
from functions.core.polls import Credentials, PollError, RateLimitedError, TokenInvalidError
from functions.runtime.fetch import fetch
from tests.channels.ok_api import Fake
from tests.fakeapi import Answer, FakeApiServer, Seen, fake_api

NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


@pytest.fixture
def served() -> Iterator[tuple[Fake, FakeApiServer]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield fake, server


def _read(fake: Fake, server: FakeApiServer) -> ChannelStats:
    credentials = Credentials(secrets=fake.SECRET_VALUES)
    return ok.channel_stats(fetch, credentials, fake.ACCOUNT, fake.settings(server.url), NOW)


def test_signature_matches_a_vector_computed_outside_python() -> None:
    # printf '%s' tknsec | md5sum → 1c6de25c...; then md5 of the sorted pairs + that, with md5sum
    params = {
        "application_key": "CBA",
        "format": "json",
        "method": "group.getCounters",
        "group_id": "1",
        "counterTypes": "members",
        "access_token": "tkn",
    }
    assert ok.signature(params, "tkn", "sec") == "59c88183b136bb0575622ae2899cd05e"


def test_counts_members_and_the_weeks_topics(served: tuple[Fake, FakeApiServer]) -> None:
    stats = _read(*served)
    assert stats.subscribers == 27345 and {p.id for p in stats.posts} == served[0].expected().posts
    first = next(p for p in stats.posts if p.id == "155012345678901")
    assert (first.likes, first.comments, first.shares, first.views) == (214, 37, 12, 18420)
    assert set(stats.marks) == {"posts"}  # only topics with statistics are listed


def test_topics_are_paged_by_anchor(served: tuple[Fake, FakeApiServer]) -> None:
    fake, server = served
    newest = int((NOW - timedelta(hours=3)).timestamp() * 1000)
    for n in range(120):
        fake.topics.append({"id": str(156000000000000 + n), "created_ms": newest - n * 60000, "likes": 1})
    stats = _read(fake, server)
    assert len(stats.posts) == 120 + len(Fake(NOW).expected().posts)
    anchors = [r.param("anchor") for r in server.requests if r.param("method") == "group.getStatTopics"]
    assert anchors == [None, "100"]


def test_errors_answered_with_http_200(served: tuple[Fake, FakeApiServer]) -> None:
    fake, server = served
    fake.refuse("rate")
    with pytest.raises(RateLimitedError, match="LIMIT_REACHED"):
        _read(fake, server)
    fake.refuse("")
    with pytest.raises(TokenInvalidError, match="PARAM_SIGNATURE"):  # a wrong app secret: a wrong signature
        ok.channel_stats(
            fetch,
            Credentials(secrets={**fake.SECRET_VALUES, "application_secret_key": "wrong"}),
            fake.ACCOUNT,
            fake.settings(server.url),
            NOW,
        )
    with pytest.raises(TokenInvalidError, match="no application_key"):
        ok.channel_stats(fetch, Credentials(secrets={}), fake.ACCOUNT, fake.settings(server.url), NOW)


def test_an_unknown_error_is_a_poll_error_and_a_bare_members_counter_is_read() -> None:
    answers = {"group.getCounters": Answer(200, {"members": 12}), "group.getStatTopics": Answer(200, {"topics": []})}

    def handle(seen: Seen) -> Answer:
        return answers[seen.param("method") or ""]

    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = handle
        assert _read(fake, server).subscribers == 12
        answers["group.getCounters"] = Answer(200, {"error_code": 300, "error_msg": "NOT_FOUND : group"})
        with pytest.raises(PollError, match="error 300"):
            _read(fake, server)
