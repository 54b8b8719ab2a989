"""X account statistics against the fake API v2 on 127.0.0.1: the account by id or username, paging
of the timeline, the rate-limit wait, an unknown account, and what the reader counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from functions.connectors import x
from functions.core import channels
from functions.core.channels import ScopeMissingError
from functions.core.polls import Credentials, PollError, RateLimitedError, TokenInvalidError
from functions.runtime.fetch import fetch
from tests.channels.x_api import Fake
from tests.fakeapi import FakeApiServer, fake_api

NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


@pytest.fixture
def served() -> Iterator[tuple[Fake, FakeApiServer]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield fake, server


def _read(fake: Fake, server: FakeApiServer, account: str = "1590187453124698112") -> channels.ChannelStats:
    return x.channel_stats(fetch, Credentials(secrets=fake.SECRET_VALUES), account, fake.settings(server.url), NOW)


def test_counts_followers_and_own_posts_with_impressions(served: tuple[Fake, FakeApiServer]) -> None:
    stats = _read(*served)
    assert stats.subscribers == 48210 and stats.name == "Acme Support"
    first = next(p for p in stats.posts if p.id == "2126370720229228546")
    assert (first.likes, first.comments, first.shares, first.views) == (388, 63, 41 + 9, 21450)
    assert first.url == "https://x.com/acme/status/2126370720229228546"
    summary = channels.summary(stats, x.ENGAGEMENT)
    rated = [p for p in channels.window_posts(stats) if p.views]
    expected = sum(p.actions() or 0 for p in rated) / sum(p.views or 0 for p in rated)
    assert summary["rate"] == round(expected, 6)  # the post without impressions is out of both terms
    assert set(stats.marks) == {"clicks", "views"}
    token = served[0].SECRET_VALUES["bearer_token"]
    assert all(token not in str(r.query) and r.header("Authorization") == f"Bearer {token}" for r in served[1].requests)


def test_a_username_is_looked_up_by_username(served: tuple[Fake, FakeApiServer]) -> None:
    stats = _read(*served, account="@acme")
    assert stats.subscribers == 48210 and {p.id for p in stats.posts} == served[0].expected().posts
    assert served[1].requests[0].path == "/2/users/by/username/acme"


def test_the_timeline_is_paged_by_next_token(served: tuple[Fake, FakeApiServer]) -> None:
    fake, server = served
    newest = NOW - timedelta(hours=3)
    for n in range(130):
        fake.tweets.append(
            {
                "id": str(2127000000000000000 + n),
                "created_at": (newest - timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "text": f"post {n}",
                "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0},
            }
        )
    stats = _read(fake, server)
    assert len(stats.posts) == 130 + len(Fake(NOW).expected().posts)
    assert [r.param("pagination_token") for r in server.requests if r.path.endswith("/tweets")] == [None, "100"]


def test_refusals_become_the_channel_errors(served: tuple[Fake, FakeApiServer]) -> None:
    fake, server = served
    fake.refuse("rate")
    with pytest.raises(RateLimitedError) as limited:
        _read(fake, server)
    assert limited.value.retry_after == 900.0  # from x-rate-limit-reset
    fake.refuse("scope")
    with pytest.raises(ScopeMissingError, match="client-not-enrolled"):
        _read(fake, server)
    fake.refuse("token")
    with pytest.raises(TokenInvalidError):
        _read(fake, server)


def test_an_unknown_account_is_a_poll_error_not_a_crash(served: tuple[Fake, FakeApiServer]) -> None:
    with pytest.raises(PollError, match="Not Found Error"):
        _read(*served, account="1590187453124698113")
    with pytest.raises(PollError, match="neither a user id nor a username"):
        _read(*served, account="not a handle!")
