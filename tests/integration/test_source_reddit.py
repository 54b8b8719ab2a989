"""Reddit source against a fake OAuth Data API on 127.0.0.1: token, searches, comment feeds, errors."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from functions.connectors import reddit
from functions.core.mention import Kind
from functions.core.polls import (
    Credentials,
    HttpRequest,
    MalformedPayloadError,
    PollError,
    PollTarget,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    seed,
)
from functions.core.query import matches, parse
from functions.runtime.fetch import fetch
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.reddit_api import USER_AGENT, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _targets(server: FakeApiServer, fake: Fake, query: str = "acme", **extra: object) -> tuple[PollTarget, ...]:
    return reddit.targets("acme", {**fake.settings(server.url), **extra}, parse(query))


def _search(server: FakeApiServer, fake: Fake, query: str = "acme") -> PollTarget:
    (target,) = _targets(server, fake, query)
    return target


def _login(fake: Fake, target: PollTarget) -> Credentials:
    return reddit.authenticate(fetch, fake.SECRET_VALUES, target, NOW)


def test_authenticate_gets_an_app_only_token_with_basic_auth_and_the_user_agent(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    credentials = _login(fake, _search(server, fake))
    sent = server.requests[0]
    assert sent.method == "POST" and sent.path == "/api/v1/access_token"
    assert sent.form() == {"grant_type": "client_credentials"}
    assert (
        sent.header("Authorization")
        == "Basic " + base64.b64encode(b"p-jcoLKBynTLew:gko_LXELoV07ZBNUXrvWZfzE3aI").decode()
    )
    assert sent.header("User-Agent") == USER_AGENT
    assert credentials.headers["Authorization"].startswith("bearer ")
    assert credentials.expires_at == NOW + timedelta(seconds=86400) - reddit.EXPIRY_MARGIN


@pytest.mark.parametrize(
    "answer",
    [Answer(401, {"message": "Unauthorized", "error": 401}), Answer(200, {"error": "invalid_grant"})],
)
def test_refused_client_credentials(api: tuple[FakeApiServer, Fake], answer: Answer) -> None:
    server, fake = api
    server.queued.append(answer)
    with pytest.raises(TokenInvalidError):
        _login(fake, _search(server, fake))


def test_wrong_secret_is_refused_by_the_fake_like_reddit(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    with pytest.raises(TokenInvalidError):
        reddit.authenticate(fetch, {**fake.SECRET_VALUES, "client_secret": "nope"}, _search(server, fake), NOW)


def test_first_page_searches_new_posts_and_parses_them(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _search(server, fake)
    page = reddit.poll(fetch, _login(fake, target), target, seed(NOW, DAY), NOW)
    sent = server.requests[1]
    assert sent.path == "/search"
    assert {k: sent.param(k) for k in ("q", "sort", "type", "limit", "raw_json")} == {
        "q": "acme",
        "sort": "new",
        "type": "link",
        "limit": "100",
        "raw_json": "1",
    }
    assert sent.param("after") is None and sent.param("restrict_sr") is None
    assert sent.header("Authorization") == f"bearer {next(iter(fake.tokens))}"
    assert sent.header("User-Agent") == USER_AGENT
    # The bike-lane link only matched through its acme-gazette URL: the source returns it, the runner drops it.
    assert {m.external_id for m in page.mentions} == {"t3_1h8k2qz", "t3_1h8hz0m", "t3_1h8fw3a", "t3_1h8e11c"}
    post = next(m for m in page.mentions if m.external_id == "t3_1h8k2qz")
    assert post.kind is Kind.POST and post.event == "search"
    assert post.text == (
        "Acme Pizza delivery took 2 hours tonight\n\n"
        "Ordered at 7, got it at 9 & cold. Support chat just loops back to the FAQ. Anyone else in Denver?"
    )
    assert post.url == "https://www.reddit.com/r/pizza/comments/1h8k2qz/acme_pizza_delivery_took_2_hours_tonight/"
    assert post.author.id == "t2_9x1kq3" and post.author.handle == "slice_lover_88"
    assert post.author.url == "https://www.reddit.com/user/slice_lover_88"
    assert post.metrics.likes == 14 and post.metrics.replies == 6
    assert post.created_at == NOW - timedelta(minutes=5)
    link = next(m for m in page.mentions if m.external_id == "t3_1h8fw3a")
    assert link.text == "Acme smart plug firmware bricked my whole setup"
    assert not page.more and page.wait is None and page.cursor["mark"] == "2026-11-27T07:55:00Z"


def test_next_page_follows_after_until_the_mark(
    api: tuple[FakeApiServer, Fake], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, fake = api
    monkeypatch.setattr(reddit, "PAGE_SIZE", 3)
    target = _search(server, fake)
    credentials = _login(fake, target)
    first = reddit.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    assert first.more and len(first.mentions) == 3 and first.cursor["page"] == "t3_1h8fw3a"
    second = reddit.poll(fetch, credentials, target, first.cursor, NOW)
    assert server.requests[-1].param("after") == "t3_1h8fw3a" and server.requests[-1].param("limit") == "3"
    # the next page holds the bike-lane link and the 3-day-old post, which ends the sweep
    assert [m.external_id for m in second.mentions] == ["t3_1h8e11c"] and not second.more
    assert "page" not in second.cursor and second.cursor["mark"] == first.cursor["top"]


def test_unchanged_source_gives_nothing_and_the_same_cursor_then_a_new_post(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    target = _search(server, fake)
    credentials = _login(fake, target)
    first = reddit.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    again = reddit.poll(fetch, credentials, target, first.cursor, NOW + timedelta(minutes=10))
    assert again.mentions == () and again.cursor == first.cursor
    new_id = fake.publish(NOW + timedelta(minutes=11))
    later = reddit.poll(fetch, credentials, target, first.cursor, NOW + timedelta(minutes=12))
    assert [m.external_id for m in later.mentions] == [new_id]
    assert later.cursor["mark"] == "2026-11-27T08:11:00Z"


def test_empty_result(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _search(server, fake, '"no such brand anywhere"')
    page = reddit.poll(fetch, _login(fake, target), target, seed(NOW, DAY), NOW)
    assert server.requests[-1].param("q") == '"no such brand anywhere"'
    assert page.mentions == () and not page.more and page.cursor == seed(NOW, DAY)


def test_backfill_window_skips_newer_posts_and_closes(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _search(server, fake)
    end = NOW - timedelta(minutes=10)  # after everything but the newest post (5 minutes old)
    cursor = seed(NOW, timedelta(0), NOW - timedelta(days=7), end)
    page = reddit.poll(fetch, _login(fake, target), target, cursor, NOW)
    assert {m.external_id for m in page.mentions} == {"t3_1h8hz0m", "t3_1h8fw3a", "t3_1h8e11c", "t3_1h2b7vd"}
    assert page.cursor["done"] is True and not page.more
    old = next(m for m in page.mentions if m.external_id == "t3_1h2b7vd")
    assert old.author.handle == "[deleted]" and old.author.url is None


def test_comment_feed_lists_a_subreddits_newest_comments_with_their_thread(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    search, feed = _targets(server, fake, comments_in=["acme"])
    assert (search.key, feed.key) == ("q:acme", "r/acme:comments") and feed.match
    page = reddit.poll(fetch, _login(fake, feed), feed, seed(NOW, DAY), NOW)
    sent = server.requests[-1]
    assert sent.path == "/r/acme/comments" and sent.param("limit") == "100" and sent.param("q") is None
    assert {m.external_id for m in page.mentions} == {"t1_m2k9f7x", "t1_m2k9a1b"}  # r/pizza's and the old one are not
    comment = next(m for m in page.mentions if m.external_id == "t1_m2k9a1b")
    assert comment.kind is Kind.COMMENT and comment.event == "comments"
    assert comment.thread.root_id == "t3_1h8hz0m" and comment.thread.parent_id == "t3_1h8hz0m"
    assert comment.url == "https://www.reddit.com/r/acme/comments/1h8hz0m/is_the_acme_app_down_for_anyone_else/m2k9a1b/"
    reply = next(m for m in page.mentions if m.external_id == "t1_m2k9f7x")
    assert reply.kind is Kind.REPLY and reply.thread.parent_id == "t1_m2k9a1b"
    assert reply.text == "Works again for me after clearing the cache."
    assert not matches(feed.query or parse("x"), reply.text)  # no acme: the runner's re-check drops it


def test_subreddit_searches_are_restricted_and_keyed_per_subreddit(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    found = _targets(server, fake, subreddits=["r/acme", "pizza"])
    assert [t.key for t in found] == ["r/acme:q:acme", "r/pizza:q:acme"]
    page = reddit.poll(fetch, _login(fake, found[0]), found[0], seed(NOW, DAY), NOW)
    sent = server.requests[-1]
    assert sent.path == "/r/acme/search" and sent.param("restrict_sr") == "1" and sent.param("sort") == "new"
    assert [m.external_id for m in page.mentions] == ["t3_1h8hz0m"]


def test_exhausted_rate_limit_budget_asks_the_runner_to_pause(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _search(server, fake)
    credentials = _login(fake, target)
    fake.budget = fake.used + 1
    page = reddit.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    assert page.mentions and page.wait == 312.0


def test_the_fake_throttles_a_request_without_the_user_agent_rule(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    answer = fetch(
        HttpRequest(f"{server.url}/api/v1/access_token", method="POST", form={"grant_type": "client_credentials"})
    )
    assert answer.status == 429  # the production Fetch's default agent is not Reddit's format
    target = _search(server, fake)
    credentials = _login(fake, target)
    with pytest.raises(RateLimitedError):
        reddit.poll(
            fetch,
            credentials,
            PollTarget("acme", "x", {**target.params, "user_agent": "python-requests/2.32"}),
            seed(NOW, DAY),
            NOW,
        )


def test_an_expired_token_is_refused(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _search(server, fake)
    credentials = _login(fake, target)
    fake.expire_tokens()
    with pytest.raises(TokenInvalidError):
        reddit.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    assert server.requests[-1].header("Authorization") == credentials.headers["Authorization"]


def test_a_private_subreddit_is_a_poll_error_not_a_token_error(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    (feed,) = _targets(server, fake, comments_in=["acme_staff"])[1:]
    with pytest.raises(PollError) as raised:
        reddit.poll(fetch, _login(fake, feed), feed, seed(NOW, DAY), NOW)
    assert not isinstance(raised.value, TokenInvalidError) and "private" in str(raised.value)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(429, {"message": "Too Many Requests", "error": 429}, {"Retry-After": "42"}), RateLimitedError),
        (Answer(503, "<html>all our servers are busy</html>"), SourceUnavailableError),
        (Answer(200, b'{"kind": "Listing", "data": {', {"Content-Type": "application/json"}), MalformedPayloadError),
        (Answer(200, {"kind": "Listing", "data": {"after": None}}), MalformedPayloadError),
        (
            Answer(200, {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"title": "x"}}]}}),
            MalformedPayloadError,
        ),
        (Answer(401, {"message": "Unauthorized", "error": 401}), TokenInvalidError),
        (Answer(403, {"message": "Forbidden", "error": 403}), TokenInvalidError),
    ],
)
def test_errors(api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception]) -> None:
    server, fake = api
    target = _search(server, fake)
    credentials = _login(fake, target)
    server.queued.append(answer)
    with pytest.raises(error) as raised:
        reddit.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    if isinstance(raised.value, RateLimitedError):
        assert raised.value.retry_after == 42.0


def test_targets_validate_settings_at_brand_load() -> None:
    good = {"user_agent": USER_AGENT}
    (target,) = reddit.targets("acme", good, parse("acme"))
    assert target.params == {
        "api": reddit.API,
        "auth": reddit.AUTH,
        "user_agent": USER_AGENT,
        "account": "",
        "path": "/search",
        "q": "acme",
    }
    found = reddit.targets("acme", good, parse('acme OR "acme corp" -jobs'))
    assert [t.params["q"] for t in found] == ['acme OR ("acme corp" AND NOT jobs)']  # Lucene: one search
    for bad in ({}, {"user_agent": "python-requests/2.32.3"}, {"user_agent": "Mozilla/5.0 (Windows NT 10.0)"}):
        with pytest.raises(ValueError, match=r"settings\.user_agent"):
            reddit.targets("acme", bad, parse("acme"))
    with pytest.raises(ValueError, match=r"settings\.comments_in: not a subreddit name: acme pizza"):
        reddit.targets("acme", {**good, "comments_in": ["acme pizza"]}, parse("acme"))
    with pytest.raises(ValueError, match=r"settings\.subreddits must be a list"):
        reddit.targets("acme", {**good, "subreddits": "acme"}, parse("acme"))


def test_initial_ids_leave_out_the_unmatched_and_the_old() -> None:
    fake = Fake(NOW)
    assert fake.initial_ids() == {"t3_1h8k2qz", "t3_1h8hz0m", "t3_1h8fw3a"}  # not the bike lanes, not 3 days old


def test_what_the_brands_account_wrote_is_marked_as_the_brands(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    _, feed = _targets(server, fake, comments_in=["acme"], account="Kettle_Corn")  # usernames ignore case
    page = reddit.poll(fetch, _login(fake, feed), feed, seed(NOW, DAY), NOW)
    assert {m.external_id: m.by_brand for m in page.mentions} == {"t1_m2k9f7x": True, "t1_m2k9a1b": False}
    with pytest.raises(ValueError, match=r"settings\.account"):
        _targets(server, fake, account="not a name!")
