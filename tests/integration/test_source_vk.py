"""VK polls against a fake VK API on 127.0.0.1: newsfeed.search pages, errors, and the community
wall listing for gap detection, whose mentions must be the very ones the webhook produces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions import connectors
from functions.connectors import vk
from functions.core.mention import Kind, Mention, from_unix
from functions.core.polls import (
    Credentials,
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
from tests.contract import FIXTURES, signed_request
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.vk_api import Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
ACCOUNT = "218000001"


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _credentials(fake: Fake) -> Credentials:
    return Credentials(secrets=fake.SECRET_VALUES)


def _target(server: FakeApiServer, query: str = "acme") -> PollTarget:
    (target,) = vk.targets("acme", {"api": server.url}, parse(query))
    return target


def _poll(server: FakeApiServer, fake: Fake, cursor: dict[str, Any], query: str = "acme") -> Any:
    return vk.poll(fetch, _credentials(fake), _target(server, query), cursor, NOW)


def _listing(server: FakeApiServer, fake: Fake, since: datetime, **kw: Any) -> tuple[Mention, ...]:
    return vk.listing(fetch, _credentials(fake), ACCOUNT, since, NOW, api=server.url, brand="acme", **kw)


def _date(fake: Fake, post_id: int, comment_id: int | None = None) -> int:
    """The fake's (rebased) unix date of a wall post or comment."""
    if comment_id is None:
        return int(next(p["date"] for p in [*fake.posts, *fake.wall] if p["id"] == post_id))
    everything = [*fake.comments[post_id], *(r for c in fake.comments[post_id] for r in c["thread"]["items"])]
    return int(next(c["date"] for c in everything if c["id"] == comment_id))


def _webhook(fixture: str, **overrides: Any) -> tuple[Mention, ...]:
    """What the webhook path makes of a VK Callback fixture (signed and parsed like production)."""
    connector = connectors.load("vk")
    assert connector is not None
    document = json.loads((FIXTURES / "vk" / fixture).read_text())
    document["object"] |= overrides
    return connector.parse(signed_request(connector, json.dumps(document).encode()), "acme")


def _same_item(mention: Mention) -> tuple[Any, ...]:
    """Everything that makes two sightings one mention (and what the desk shows of it)."""
    return (mention.identity, mention.kind, mention.url, mention.thread, mention.created_at, mention.author.id)


# --------------------------------------------------------------------------------- newsfeed.search


def test_vk_is_both_a_webhook_and_a_poll_source() -> None:
    assert vk.DELIVERY == "both" and "vk" in connectors.push_networks() and "vk" in connectors.poll_sources()
    assert vk.POLL_SECRETS == ("access_token",) and "access_token" not in vk.SECRETS
    assert vk.POLL_MINUTES == 10


def test_first_page_asks_newsfeed_search_for_the_last_day_and_joins_the_authors(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    page = _poll(server, fake, seed(NOW, DAY))
    sent = server.requests[0]
    assert sent.method == "GET" and sent.path == "/method/newsfeed.search"
    assert sent.param("q") == "acme" and sent.param("extended") == "1" and sent.param("count") == "200"
    assert sent.param("start_time") == str(int((NOW - DAY).timestamp()))
    assert sent.param("end_time") is None and sent.param("start_from") is None
    assert sent.param("fields") == "followers_count,screen_name,members_count"
    assert sent.param("v") == "5.199" and sent.param("access_token") == fake.SECRET_VALUES["access_token"]
    # VK stems, so "Acmeist" comes back too: the source passes it on, the runner's re-check drops it.
    got = {m.external_id for m in page.mentions}
    assert got == {"wall48213377_77", "wall-218000001_512", "wall-190000555_3301", "wall61234567_15"}
    assert {m.external_id for m in page.mentions if matches(parse("acme"), m.text)} == fake.initial_ids()
    user = next(m for m in page.mentions if m.external_id == "wall48213377_77")
    assert user.kind is Kind.POST and user.event == "newsfeed.search"
    assert user.url == "https://vk.com/wall48213377_77" and user.thread.root_id == "wall48213377_77"
    assert user.text.startswith("Купил роутер Acme X5")
    assert (user.author.id, user.author.handle, user.author.name) == ("48213377", "ivan.petrov88", "Иван Петров")
    assert user.author.url == "https://vk.com/ivan.petrov88" and user.author.followers == 312
    assert (user.metrics.likes, user.metrics.replies, user.metrics.shares, user.metrics.views) == (12, 3, 1, 840)
    assert user.created_at == from_unix(_date(fake, 77)) == NOW - timedelta(minutes=5)
    group = next(m for m in page.mentions if m.external_id == "wall-190000555_3301")
    assert (group.author.id, group.author.handle, group.author.followers) == ("-190000555", "techreview", 48210)
    assert not page.more and page.cursor["mark"] == "2026-11-27T07:55:00Z"


def test_a_post_found_by_search_is_the_same_mention_as_its_webhook(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    page = _poll(server, fake, seed(NOW, DAY))
    polled = next(m for m in page.mentions if m.external_id == "wall-218000001_512")
    (pushed,) = _webhook("wall_post_new__suggested_by_user.json", date=_date(fake, 512))
    assert _same_item(polled) == _same_item(pushed)


def test_next_page_follows_next_from_until_the_mark(
    api: tuple[FakeApiServer, Fake], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, fake = api
    monkeypatch.setattr(vk, "PAGE_SIZE", 3)
    first = _poll(server, fake, seed(NOW, DAY))
    assert first.more and len(first.mentions) == 3 and first.cursor["page"] == "3/-190000555_3301"
    second = _poll(server, fake, dict(first.cursor))
    assert server.requests[1].param("start_from") == "3/-190000555_3301"
    assert server.requests[1].param("start_time") == server.requests[0].param("start_time")
    # The last match of the day; the 3-day-old one is outside start_time, so there is no next_from.
    assert [m.external_id for m in second.mentions] == ["wall61234567_15"] and not second.more
    assert "page" not in second.cursor and second.cursor["mark"] == first.cursor["top"]


def test_unchanged_source_gives_nothing_and_the_same_cursor(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    first = _poll(server, fake, seed(NOW, DAY))
    again = vk.poll(fetch, _credentials(fake), _target(server), first.cursor, NOW + timedelta(minutes=10))
    assert server.requests[1].param("start_time") == str(int((NOW - timedelta(minutes=5)).timestamp()))
    assert again.mentions == () and again.cursor == first.cursor
    new_id = fake.publish(NOW + timedelta(minutes=11))
    later = vk.poll(fetch, _credentials(fake), _target(server), first.cursor, NOW + timedelta(minutes=12))
    assert [m.external_id for m in later.mentions] == [new_id]
    assert later.cursor["mark"] == "2026-11-27T08:11:00Z"


def test_empty_result(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    page = _poll(server, fake, seed(NOW, DAY), '"no such brand anywhere"')
    assert server.requests[0].param("q") == '"no such brand anywhere"'
    assert page.mentions == () and not page.more and "mark" not in page.cursor


def test_backfill_window_bounds_both_ends(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    end = NOW - timedelta(minutes=10)  # after every match but the newest (5 minutes old)
    page = _poll(server, fake, seed(NOW, timedelta(0), NOW - timedelta(days=7), end))
    assert server.requests[0].param("start_time") == str(int((NOW - timedelta(days=7)).timestamp()))
    assert server.requests[0].param("end_time") == str(int(end.timestamp()))
    got = {m.external_id for m in page.mentions}
    assert got == {"wall-218000001_512", "wall-190000555_3301", "wall61234567_15", "wall70011223_240"}
    assert page.cursor["done"] is True


def _vk_error(code: int) -> Answer:
    return Answer(200, {"error": {"error_code": code, "error_msg": f"error {code}", "request_params": []}})


@pytest.mark.parametrize(
    ("answer", "error", "wait"),
    [
        (Answer(429, {"error": "slow down"}, {"Retry-After": "42"}), RateLimitedError, 42.0),
        (Answer(503, "<html>upstream</html>"), SourceUnavailableError, None),
        (Answer(200, b'{"response": {"items": [', {"Content-Type": "application/json"}), MalformedPayloadError, None),
        (Answer(200, {"response": {"count": 0}}), MalformedPayloadError, None),
        (Answer(200, {"ok": True}), MalformedPayloadError, None),
        (Answer(200, {"response": {"items": [{"id": 1, "text": "no owner"}]}}), MalformedPayloadError, None),
        (_vk_error(5), TokenInvalidError, None),
        (_vk_error(15), TokenInvalidError, None),
        (_vk_error(27), TokenInvalidError, None),
        (_vk_error(28), TokenInvalidError, None),
        (_vk_error(6), RateLimitedError, 1.0),
        (_vk_error(9), RateLimitedError, 60.0),
        (_vk_error(29), RateLimitedError, 3600.0),
        (_vk_error(10), SourceUnavailableError, None),
        (_vk_error(100), PollError, None),
    ],
)
def test_errors(api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception], wait: float | None) -> None:
    server, fake = api
    server.queued.append(answer)
    with pytest.raises(error) as raised:
        _poll(server, fake, seed(NOW, DAY))
    if error is PollError:  # a plain 4xx-like refusal: not retried as an outage
        assert not isinstance(raised.value, SourceUnavailableError | TokenInvalidError)
    if wait is not None:
        assert isinstance(raised.value, RateLimitedError) and raised.value.retry_after == wait


def test_a_refused_token_is_token_invalid_and_a_missing_one_is_never_sent(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    with pytest.raises(TokenInvalidError, match="error 5"):
        vk.poll(fetch, Credentials(secrets={"access_token": "revoked"}), _target(server), seed(NOW, DAY), NOW)
    with pytest.raises(TokenInvalidError, match="no access_token"):
        vk.poll(fetch, Credentials(secrets={"secret": "webhook-only"}), _target(server), seed(NOW, DAY), NOW)
    assert len(server.requests) == 1


def test_the_api_version_goes_with_every_call(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server)
    other = replace(target, params={**target.params, "v": "5.131"})
    with pytest.raises(PollError, match="error 8"):  # the fake speaks only the fixtures' 5.199
        vk.poll(fetch, _credentials(fake), other, seed(NOW, DAY), NOW)
    assert server.requests[0].param("v") == "5.131"


def test_targets_settings() -> None:
    (default,) = vk.targets("acme", {}, parse("acme"))
    assert default.params == {"api": "https://api.vk.com", "v": "5.199", "q": "acme"} and default.match
    assert vk.targets("acme", {"search": False}, parse("acme")) == ()
    split = vk.targets("acme", {}, parse('acme OR "acme corp" -jobs'))
    assert [t.params["q"] for t in split] == ["acme", '"acme corp"']
    assert vk.targets("acme", {}, parse("acme -jobs"))[0].params["q"] == "acme -jobs"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"search": "no"}, r"settings\.search"),
        ({"api": ""}, r"settings\.api"),
        ({"v": "latest"}, r"settings\.v"),
        ({"serach": False}, "unknown key"),
    ],
)
def test_bad_settings_fail_at_brand_load(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        vk.targets("acme", settings, parse("acme"))


# ------------------------------------------------------------------------------ the wall listing


def test_listing_reads_the_wall_and_the_newest_commented_posts(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    found = _listing(server, fake, NOW - DAY)
    wall, *comments = server.requests
    assert wall.path == "/method/wall.get"
    assert (wall.param("owner_id"), wall.param("count"), wall.param("extended")) == ("-218000001", "20", "1")
    assert [c.param("post_id") for c in comments] == ["520", "513"]  # the pinned post is older: not read
    for sent in comments:
        assert sent.path == "/method/wall.getComments" and sent.param("owner_id") == "-218000001"
        assert (sent.param("sort"), sent.param("count"), sent.param("thread_items_count")) == ("desc", "100", "10")
        assert sent.param("extended") == "1" and sent.param("need_likes") == "1"
    for sent in server.requests:
        assert sent.param("access_token") == fake.SECRET_VALUES["access_token"] and sent.param("v") == "5.199"
    # Posts by others and customer comments; the community's own posts and its answer 9043 are left out.
    assert {m.external_id for m in found} == {
        "wall-218000001_519",
        "wall-218000001_512",
        "wall-218000001_520_c9101",
        "wall-218000001_513_c9041",
        "wall-218000001_513_c9050",
    }
    comment = next(m for m in found if m.external_id == "wall-218000001_520_c9101")
    assert comment.kind is Kind.COMMENT and comment.event == "wall.getComments" and comment.brand == "acme"
    assert (comment.author.handle, comment.author.name, comment.author.followers) == ("d.orlov", "Дмитрий Орлов", 88)
    assert comment.metrics.likes == 2
    post = next(m for m in found if m.external_id == "wall-218000001_519")
    assert post.kind is Kind.POST and post.event == "wall.get" and post.author.followers == 40


def test_listing_gives_the_very_mentions_the_webhook_gives(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    listed = {m.external_id: m for m in _listing(server, fake, NOW - DAY)}
    for fixture, comment in [("wall_reply_new__top_level.json", 9041), ("wall_reply_new__reply_in_thread.json", 9050)]:
        (pushed,) = _webhook(fixture, date=_date(fake, 513, comment))
        polled = listed[pushed.external_id]
        assert _same_item(polled) == _same_item(pushed)
        assert polled.text == pushed.text and polled.thread_key == pushed.thread_key
    reply = listed["wall-218000001_513_c9050"]
    assert reply.kind is Kind.REPLY and reply.thread.parent_id == "wall-218000001_513_c9043"
    assert reply.url == "https://vk.com/wall-218000001_513?reply=9050&thread=9041"  # parents_stack[0]
    (own,) = _webhook("wall_reply_new__own_community_answer.json")  # kept by the webhook, marked by_brand
    assert own.by_brand and own.external_id == "wall-218000001_513_c9043"
    assert own.external_id not in listed  # gap detection never expects the brand's own answers


def test_listing_keeps_only_what_is_newer_than_since(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    since = from_unix(_date(fake, 513, 9041) + 1)
    found = _listing(server, fake, since)
    assert {m.external_id for m in found} == {
        "wall-218000001_519",
        "wall-218000001_512",
        "wall-218000001_520_c9101",
        "wall-218000001_513_c9050",
    }
    assert all(m.created_at >= since for m in found)


def test_a_new_wall_comment_shows_up_in_the_next_listing(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    later = NOW + timedelta(minutes=3)
    new_id = fake.add_wall_comment(later)
    found = vk.listing(
        fetch, _credentials(fake), ACCOUNT, later, later + timedelta(minutes=1), api=server.url, brand="acme"
    )
    assert [m.external_id for m in found] == [new_id]
    assert new_id.startswith("wall-218000001_520_c") and found[0].text == "Acme, where is my refund?"


@pytest.mark.parametrize(
    ("queued", "error"),
    [
        ([_vk_error(5)], TokenInvalidError),
        ([_vk_error(15)], TokenInvalidError),
        ([None, _vk_error(6)], RateLimitedError),  # the wall answers, the first getComments is throttled
        ([None, Answer(502, "bad gateway")], SourceUnavailableError),
        ([None, Answer(200, {"response": {"count": 1}})], MalformedPayloadError),
    ],
)
def test_listing_errors(api: tuple[FakeApiServer, Fake], queued: list[Answer | None], error: type[Exception]) -> None:
    server, fake = api
    served: list[Answer | None] = list(queued)

    def answer(seen: Any) -> Answer:
        planned = served.pop(0) if served else None
        return planned if planned is not None else fake.handle(seen)

    server.handler = answer
    with pytest.raises(error):
        _listing(server, fake, NOW - DAY)


def test_listing_refuses_an_account_that_is_not_a_community_id(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    for account in ("club218000001", "-218000001", "0", ""):
        with pytest.raises(ValueError, match="community id"):
            vk.listing(fetch, _credentials(fake), account, NOW - DAY, NOW, api=server.url)
    assert server.requests == []
