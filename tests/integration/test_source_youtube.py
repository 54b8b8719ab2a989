"""YouTube source against a fake Data API v3 on 127.0.0.1: comment threads, search, quota and key errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.connectors import youtube
from functions.core.mention import Kind, Mention, format_time
from functions.core.polls import (
    Credentials,
    Cursor,
    MalformedPayloadError,
    PollError,
    PollPage,
    PollTarget,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    seed,
)
from functions.core.query import parse
from functions.runtime.fetch import fetch
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.youtube_api import API_KEY, CHANNEL, DISABLED_VIDEO, EMPTY_VIDEO, VIDEO, Fake, error

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # midnight in Los Angeles (PST)
KEY = Credentials(secrets={"api_key": API_KEY})
DAY = timedelta(hours=24)

# Fixture ids (tests/fixtures/youtube/poll): the brand channel's threads, newest first.
MARTA = "UgzQW0f7k5X8eJ0Q9Bh4AaABAg"
MARTA_AGAIN = f"{MARTA}.A0mXk7wN1dFA0mXk8zQ4yE"
BRAND_REPLY = f"{MARTA}.A0mXk3vT9sQA0mXk5bL2pR"
DAN = "UgyR8p2LmZt4Vq1WnXc4AaABAg"
LENA = "Ugx5HnT0cWq9Lb3KsMv4AaABAg"
LENA_REPLY = f"{LENA}.A0mWf2hJ6gLA0mWf3kP9sD"
OLD_THREAD = "UgwK7dY3nQp8Rf2VhZs4AaABAg"
NEW_REPLY_ON_OLD = f"{OLD_THREAD}.A0mVx8bN3mKA0mVy1cR7tU"
OLD_REPLY = f"{OLD_THREAD}.A0kLp4sD9fGA0kLp6hJ2wQ"


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _targets(server: FakeApiServer, **settings: Any) -> tuple[PollTarget, ...]:
    return youtube.targets("acme", {"api": server.url, **settings}, parse("acme"))


def _channel(server: FakeApiServer) -> PollTarget:
    (target,) = _targets(server, channels=[CHANNEL])
    return target


def _video(server: FakeApiServer, video: str = VIDEO) -> PollTarget:
    (target,) = _targets(server, videos=[video])
    return target


def _search(server: FakeApiServer) -> PollTarget:
    (target,) = _targets(server, channels=[CHANNEL], search=True)[1:]
    return target


def _sweep(target: PollTarget, cursor: Cursor, now: datetime = NOW) -> tuple[list[Mention], PollPage]:
    """Follow the pages of one sweep to its end."""
    found: list[Mention] = []
    while True:
        page = youtube.poll(fetch, KEY, target, cursor, now)
        found += page.mentions
        if not page.more:
            return found, page
        cursor = dict(page.cursor)


def _by_id(mentions: list[Mention] | tuple[Mention, ...]) -> dict[str, Mention]:
    return {m.external_id: m for m in mentions}


# ------------------------------------------------------------------------------------ comment threads


def test_first_page_of_the_channel_asks_for_its_threads_and_parses_comments_and_replies(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, _ = api
    page = youtube.poll(fetch, KEY, _channel(server), seed(NOW, DAY), NOW)
    sent = server.requests[0]
    assert sent.method == "GET" and sent.path == "/youtube/v3/commentThreads"
    assert sent.param("part") == "snippet,replies" and sent.param("allThreadsRelatedToChannelId") == CHANNEL
    assert sent.param("order") == "time" and sent.param("maxResults") == "100"
    assert sent.param("textFormat") == "plainText" and sent.param("key") == API_KEY
    assert sent.param("pageToken") is None and sent.param("videoId") is None
    found = _by_id(page.mentions)
    # The brand's own reply comes back marked as the brand's; the fake answers 3 threads a page: more to come.
    assert set(found) == {MARTA, MARTA_AGAIN, DAN, LENA, LENA_REPLY, BRAND_REPLY}
    assert [m.external_id for m in page.mentions if m.by_brand] == [BRAND_REPLY]
    ours = found[BRAND_REPLY]
    assert ours.kind is Kind.REPLY and ours.thread.parent_id == MARTA and ours.author.id == CHANNEL
    assert page.more and page.cursor["page"] and "mark" not in page.cursor
    top = found[MARTA]
    assert top.kind is Kind.COMMENT and top.event == "commentThreads.list"
    assert top.text.startswith("My Acme X200 arrived with a cracked screen")
    assert top.thread.root_id == top.thread.parent_id == "Jd8FqLx0pQc"
    assert top.url == f"https://www.youtube.com/watch?v=Jd8FqLx0pQc&lc={MARTA}"
    assert top.author.name == "@marta_k" and top.author.handle == "marta_k"
    assert top.author.url == "http://www.youtube.com/@marta_k" and top.author.id.startswith("UC")
    assert top.metrics.likes == 14 and top.metrics.replies == 2
    assert top.created_at == NOW - timedelta(minutes=30)
    reply = found[MARTA_AGAIN]
    assert reply.kind is Kind.REPLY and reply.thread.root_id == "Jd8FqLx0pQc" and reply.thread.parent_id == MARTA
    assert reply.url == f"https://www.youtube.com/watch?v=Jd8FqLx0pQc&lc={MARTA_AGAIN}"
    assert reply.created_at == NOW - timedelta(minutes=5) and reply.metrics.replies is None
    # An edited comment is emitted with its current text and its first publishedAt.
    assert found[LENA].text.endswith("(edit: still broken after the 2.8.1 update)")


def test_next_page_follows_the_token_until_the_mark_and_keeps_new_replies_on_old_threads(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, _ = api
    target = _channel(server)
    first = youtube.poll(fetch, KEY, target, seed(NOW, DAY), NOW)
    second = youtube.poll(fetch, KEY, target, first.cursor, NOW)
    assert server.requests[1].param("pageToken") == first.cursor["page"]
    # The old thread ends the sweep, but a reply written on it today is still a mention.
    assert [m.external_id for m in second.mentions] == [NEW_REPLY_ON_OLD]
    assert OLD_THREAD not in _by_id(second.mentions) and OLD_REPLY not in _by_id(second.mentions)
    assert not second.more and "page" not in second.cursor and len(server.requests) == 2
    assert second.cursor["mark"] == format_time(NOW - timedelta(minutes=5))
    assert second.cursor["mark_ids"] == [MARTA_AGAIN]


def test_a_pinned_old_thread_listed_first_neither_ends_the_sweep_nor_moves_the_mark(
    api: tuple[FakeApiServer, Fake],
) -> None:
    """Issue 15: under `order=time` the channel's pinned thread comes first though it is weeks old.
    The sweep used to read it as "past the floor", stop after page 1 and set the mark past the
    comments on the pages it never fetched."""
    server, fake = api
    pinned = fake.pin(NOW - timedelta(days=40))
    target = _channel(server)
    found, done = _sweep(target, seed(NOW, DAY))
    threads = [r for r in server.requests if r.path == "/youtube/v3/commentThreads"]
    assert len(threads) == 2  # both pages of the sweep, not just the first
    assert set(_by_id(found)) == {MARTA, MARTA_AGAIN, DAN, LENA, LENA_REPLY, NEW_REPLY_ON_OLD, BRAND_REPLY}
    assert pinned not in _by_id(found)
    assert done.cursor["mark"] == format_time(NOW - timedelta(minutes=5)) and done.cursor["mark_ids"] == [MARTA_AGAIN]
    # A gap wider than a page: four new comments, the pinned thread still listed first.
    later = NOW + timedelta(hours=2)
    new = [fake.publish(later - timedelta(minutes=m)) for m in (40, 30, 20, 10)]
    found_later, after = _sweep(target, done.cursor, later)
    assert set(_by_id(found_later)) == set(new)
    assert after.cursor["mark"] == format_time(later - timedelta(minutes=10))
    again = youtube.poll(fetch, KEY, target, after.cursor, later)
    assert again.mentions == () and again.cursor == after.cursor and not again.more


def test_a_video_target_asks_by_video_id(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    found, last = _sweep(_video(server), seed(NOW, DAY))
    assert server.requests[0].param("videoId") == VIDEO
    assert server.requests[0].param("allThreadsRelatedToChannelId") is None
    # The video's owner is not the brand: its reply is a mention like any other.
    assert {m.kind for m in found} == {Kind.COMMENT, Kind.REPLY} and len(found) == 3
    assert "mark" in last.cursor


def test_unchanged_channel_gives_nothing_and_the_same_cursor_then_a_new_comment(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    target = _channel(server)
    _, done = _sweep(target, seed(NOW, DAY))
    asked = len(server.requests)
    again = youtube.poll(fetch, KEY, target, done.cursor, NOW + timedelta(minutes=30))
    assert again.mentions == () and again.cursor == done.cursor and not again.more
    assert len(server.requests) == asked + 1  # one unit: the first page already reaches the mark
    new_id = fake.publish(NOW + timedelta(minutes=31))
    later = youtube.poll(fetch, KEY, target, done.cursor, NOW + timedelta(minutes=32))
    assert [m.external_id for m in later.mentions] == [new_id]
    assert later.mentions[0].kind is Kind.COMMENT and later.cursor["mark_ids"] == [new_id]


def test_empty_video(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    cursor = seed(NOW, DAY)
    page = youtube.poll(fetch, KEY, _video(server, EMPTY_VIDEO), cursor, NOW)
    assert page.mentions == () and not page.more and page.cursor == cursor


def test_comments_disabled_is_an_empty_page_marked_in_the_cursor(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    target = _video(server, DISABLED_VIDEO)
    cursor = seed(NOW, DAY)
    page = youtube.poll(fetch, KEY, target, cursor, NOW)
    assert page.mentions == () and page.cursor == {**cursor, "disabled": True}
    again = youtube.poll(fetch, KEY, target, page.cursor, NOW + timedelta(minutes=30))
    assert again.cursor == page.cursor  # no write while it stays disabled
    server.queued.append(Answer(200, {"kind": "youtube#commentThreadListResponse", "items": []}))
    back = youtube.poll(fetch, KEY, target, page.cursor, NOW + timedelta(minutes=60))
    assert back.cursor == cursor


def test_backfill_window_skips_what_is_newer_and_completes(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    end = NOW - timedelta(minutes=20)  # after Marta's thread (30 min) but before her reply (5 min)
    found, last = _sweep(_channel(server), seed(NOW, timedelta(0), NOW - timedelta(days=7), end))
    ids = set(_by_id(found))
    assert MARTA in ids and MARTA_AGAIN not in ids and BRAND_REPLY not in ids
    assert OLD_THREAD in ids and OLD_REPLY in ids  # four days back is inside the window
    assert last.cursor["done"] is True


# ---------------------------------------------------------------------------------------------- search


def test_search_asks_for_new_videos_and_drops_the_brands_own(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _search(server)
    assert target.match and target.params["q"] == "acme"
    found, last = _sweep(target, seed(NOW, DAY))
    sent = server.requests[0]
    assert sent.path == "/youtube/v3/search" and sent.param("key") == API_KEY
    assert sent.param("part") == "snippet" and sent.param("type") == "video" and sent.param("order") == "date"
    assert sent.param("q") == "acme" and sent.param("maxResults") == "50"
    assert sent.param("publishedAfter") == format_time(NOW - DAY - timedelta(seconds=1))
    assert sent.param("publishedBefore") is None
    assert server.requests[1].param("pageToken") is not None and len(server.requests) == 2
    videos = _by_id(found)
    # "Acmeville" comes back from YouTube's loose search: the runner's re-check drops it, the fake
    # does not count it; the brand's own upload is dropped here; the 3-day-old one is not asked for.
    assert set(videos) == {"Rb4Tn8Wq2Xe", "Mw7Yc3Vb9Nk", "Hq2Zs6Lp4Tf"}
    assert "Mw7Yc3Vb9Nk" not in fake.initial_ids() and "Rb4Tn8Wq2Xe" in fake.initial_ids()
    video = videos["Hq2Zs6Lp4Tf"]
    assert video.kind is Kind.POST and video.event == "search.list" and video.thread.root_id is None
    assert video.text.startswith("I returned my Acme X200 'smart' speaker — here's why\n\nThree weeks")
    assert video.url == "https://www.youtube.com/watch?v=Hq2Zs6Lp4Tf"
    assert video.author.name == "Honest Reviews"
    assert video.author.url == "https://www.youtube.com/channel/UChonestRev0000000000001"
    assert last.cursor["mark"] == format_time(NOW - timedelta(minutes=65))


def test_search_unchanged_then_backfill_bounds(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    target = _search(server)
    _, done = _sweep(target, seed(NOW, DAY))
    again = youtube.poll(fetch, KEY, target, done.cursor, NOW + timedelta(minutes=30))
    assert again.mentions == () and again.cursor == done.cursor
    assert server.requests[-1].param("publishedAfter") == format_time(NOW - timedelta(minutes=65, seconds=1))
    end = NOW - timedelta(hours=2)
    found, last = _sweep(target, seed(NOW, timedelta(0), NOW - timedelta(days=7), end))
    assert server.requests[-1].param("publishedBefore") == format_time(end)
    assert {m.external_id for m in found} == {"Hq2Zs6Lp4Tf", "Pv5Kx1Rm8Gd"} and last.cursor["done"] is True


def test_a_query_youtube_cannot_express_becomes_one_search_per_term() -> None:
    found = youtube.targets("acme", {"search": True}, parse('(acme OR "acme corp") -jobs'))
    assert [t.params["q"] for t in found] == ["acme", '"acme corp"']
    assert all(t.match and t.params["api"] == youtube.API for t in found)
    assert youtube.targets("acme", {"search": True}, parse("acme OR acmeco"))[0].params["q"] == "acme|acmeco"


# ---------------------------------------------------------------------------------------------- errors


def _midnight_pacific() -> float:
    return 24 * 3600 + youtube.QUOTA_SLACK


QUOTA = error(
    403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.", "youtube.quota"
)
SHORT_LIMIT = Answer(
    403, error(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits").body, {"Retry-After": "7"}
)


@pytest.mark.parametrize(
    ("answer", "kind", "wait"),
    [
        (Answer(429, {"error": {"code": 429}}, {"Retry-After": "42"}), RateLimitedError, 42.0),
        (QUOTA, RateLimitedError, _midnight_pacific()),
        (
            error(403, "dailyLimitExceeded", "Daily Limit Exceeded", "usageLimits"),
            RateLimitedError,
            _midnight_pacific(),
        ),
        (SHORT_LIMIT, RateLimitedError, 7.0),
        (Answer(503, "<html>Service Unavailable</html>"), SourceUnavailableError, None),
        (Answer(500, {"error": {"code": 500, "message": "Backend Error"}}), SourceUnavailableError, None),
        (Answer(200, b'{"items": [', {"Content-Type": "application/json"}), MalformedPayloadError, None),
        (Answer(200, {"kind": "youtube#commentThreadListResponse"}), MalformedPayloadError, None),
        (Answer(200, {"items": [{"id": "x", "snippet": {}}]}), MalformedPayloadError, None),
        (
            error(403, "forbidden", "The caller does not have permission", "youtube.commentThread"),
            TokenInvalidError,
            None,
        ),
        (error(400, "keyInvalid", "Bad Request", "usageLimits"), TokenInvalidError, None),
        (error(400, "invalidPageToken", "The request specifies an invalid page token."), PollError, None),
    ],
)
def test_errors(api: tuple[FakeApiServer, Fake], answer: Answer, kind: type[Exception], wait: float | None) -> None:
    server, _ = api
    server.queued.append(answer)
    with pytest.raises(kind) as raised:
        youtube.poll(fetch, KEY, _channel(server), seed(NOW, DAY), NOW)
    assert type(raised.value) is kind
    if isinstance(raised.value, SourceUnavailableError):
        assert raised.value.retry_after == wait


def test_a_wrong_or_missing_key_is_refused(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    with pytest.raises(TokenInvalidError, match="API_KEY_INVALID"):
        youtube.poll(fetch, Credentials(secrets={"api_key": "AIza-wrong"}), _channel(server), seed(NOW, DAY), NOW)
    asked = len(server.requests)
    with pytest.raises(TokenInvalidError, match="api_key"):
        youtube.poll(fetch, Credentials(), _channel(server), seed(NOW, DAY), NOW)
    assert len(server.requests) == asked  # no request without a key


def test_an_unknown_video_is_a_poll_error_not_a_credentials_problem(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    with pytest.raises(PollError, match="videoNotFound") as raised:
        youtube.poll(fetch, KEY, _video(server, "NoSuchVid00"), seed(NOW, DAY), NOW)
    assert not isinstance(raised.value, TokenInvalidError | SourceUnavailableError)


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2026, 11, 27, 8, 0, tzinfo=UTC), 24 * 3600),  # 00:00 PST: a whole day
        (datetime(2026, 7, 1, 6, 30, tzinfo=UTC), 30 * 60),  # 23:30 PDT
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), 3600),  # 23:00 PST, the night clocks go forward
        (datetime(2026, 3, 8, 9, 0, tzinfo=UTC), 22 * 3600),  # 01:00 PST → next midnight is PDT
    ],
)
def test_daily_quota_waits_until_midnight_pacific(now: datetime, seconds: float) -> None:
    assert youtube.quota_reset_seconds(now) == seconds + youtube.QUOTA_SLACK


# --------------------------------------------------------------------------------------------- targets


def test_targets_one_per_channel_and_video_plus_opt_in_search() -> None:
    found = youtube.targets("acme", {"channels": [CHANNEL], "videos": [VIDEO, EMPTY_VIDEO]}, parse("acme"))
    assert [t.key for t in found] == [f"channel:{CHANNEL}", f"video:{VIDEO}", f"video:{EMPTY_VIDEO}"]
    assert not any(t.match for t in found) and all(t.params["api"] == youtube.API for t in found)
    assert all(t.params["own"] == (CHANNEL,) for t in found)
    with_search = youtube.targets("acme", {"channels": [CHANNEL], "search": True}, parse("acme"))
    assert [t.key for t in with_search] == [f"channel:{CHANNEL}", "q:acme"] and with_search[1].match


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "settings.channels, settings.videos or settings.search"),
        ({"channels": CHANNEL}, r"settings\.channels must be a list"),
        ({"videos": ["https://youtu.be/kX3mP9wQz2E"]}, r"settings\.videos must be a list"),
        ({"videos": [VIDEO, VIDEO]}, "twice"),
        ({"search": "yes"}, r"settings\.search must be true or false"),
        ({"search": True, "api": ""}, r"settings\.api"),
    ],
)
def test_bad_settings_fail_at_load(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        youtube.targets("acme", settings, parse("acme"))
