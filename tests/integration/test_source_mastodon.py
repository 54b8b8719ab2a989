"""Mastodon source against a fake instance on 127.0.0.1: tag timeline and search, paging both ways,
unchanged and new statuses, backfill, rate limits, errors and what each request carried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.connectors import mastodon
from functions.core.mention import Kind
from functions.core.polls import (
    Credentials,
    MalformedPayloadError,
    PollError,
    PollPage,
    PollTarget,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    seed,
)
from functions.core.query import matches, parse
from functions.runtime.fetch import fetch
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.mastodon_api import TOKEN, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
SIGNED_IN = Credentials(secrets={"access_token": TOKEN})
ANONYMOUS = Credentials()
QUERY = parse("acme")


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _targets(server: FakeApiServer, query: str = "acme") -> tuple[PollTarget, PollTarget]:
    tag, search = mastodon.targets("acme", Fake(NOW).settings(server.url), parse(query))
    return tag, search


def _first() -> dict[str, object]:
    return seed(NOW, timedelta(hours=24))


def _uris(statuses: list[dict[str, object]]) -> set[str]:
    since = NOW - timedelta(hours=24)
    return {str(s["uri"]) for s in statuses if datetime.fromisoformat(str(s["created_at"])) >= since}


def test_first_page_of_the_tag_timeline_is_public_and_parsed(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    tag, _ = _targets(server)
    page = mastodon.poll(fetch, ANONYMOUS, tag, _first(), NOW)
    sent = server.requests[0]
    assert sent.path == "/api/v1/timelines/tag/acme" and sent.param("limit") == "40"
    assert sent.param("min_id") is None and sent.param("max_id") is None and sent.header("Authorization") is None
    # the Pixelfed post carries #acme but talks of "Acmeville": the runner's re-check drops it;
    # the 26 h old one is outside the first 24 h
    assert {m.external_id for m in page.mentions} == _uris(fake.tagged("acme"))
    assert not all(matches(QUERY, m.text) for m in page.mentions)
    assert {m.external_id for m in page.mentions if matches(QUERY, m.text)} <= fake.initial_ids()
    host = server.url.removeprefix("http://")  # local accounts get the polled instance's domain
    first = next(m for m in page.mentions if m.author.handle == f"@mika_k@{host}")
    assert first.kind is Kind.POST and first.event == "timelines/tag" and first.lang == "en"
    assert first.text.startswith("@acme my order A-20931 still hasn't shipped") and first.text.endswith("#acme")
    assert first.url == f"https://mastodon.social/@mika_k/{fake.statuses[0]['id']}"
    assert first.author.followers == 1843 and first.author.name == "Mika K." and first.metrics.likes == 11
    reply = next(m for m in page.mentions if m.author.id == "jonas@fosstodon.org")
    assert reply.kind is Kind.REPLY and reply.thread.parent_id == "113558912345678901"
    assert reply.external_id == "https://fosstodon.org/users/jonas/statuses/113558974102938475"
    assert (
        reply.text
        == "Same here: acme's app logs me out every single morning since 4.2.\nReinstalled twice. #acme #bugs"
    )
    spanish = next(m for m in page.mentions if m.lang == "es")
    assert spanish.created_at == datetime.fromisoformat(str(fake.tagged("acme")[3]["created_at"]))
    assert not page.more and page.wait is None
    assert page.cursor == {**_first(), "min_id": fake.tagged("acme")[0]["id"]}


def test_search_sends_the_token_and_finds_untagged_statuses(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    _, search = _targets(server)
    page = mastodon.poll(fetch, SIGNED_IN, search, _first(), NOW)
    sent = server.requests[0]
    assert sent.path == "/api/v2/search" and sent.header("Authorization") == f"Bearer {TOKEN}"
    assert (sent.param("q"), sent.param("type"), sent.param("limit")) == ("acme", "statuses", "40")
    assert {m.external_id for m in page.mentions} == _uris(fake.found("acme"))
    warned = next(m for m in page.mentions if m.author.id == f"rowan@{server.url.removeprefix('http://')}")
    assert warned.text.startswith("hardware rant\n\nThird replacement charger from Acme")
    assert warned.event == "search" and all(matches(QUERY, m.text) for m in page.mentions)


def test_next_page_sweeps_back_with_max_id_then_goes_forward_with_min_id(
    api: tuple[FakeApiServer, Fake], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, fake = api
    monkeypatch.setattr(mastodon, "LIMIT", 2)
    tag, _ = _targets(server)
    tagged = fake.tagged("acme")  # newest first: 4 within 24 h, then one 26 h old
    first = mastodon.poll(fetch, ANONYMOUS, tag, _first(), NOW)
    assert first.more and first.cursor["max_id"] == tagged[1]["id"] and first.cursor["newest"] == tagged[0]["id"]
    second = mastodon.poll(fetch, ANONYMOUS, tag, first.cursor, NOW)
    assert server.requests[1].param("max_id") == tagged[1]["id"] and server.requests[1].param("limit") == "2"
    assert second.more and second.cursor["max_id"] == tagged[3]["id"]
    third = mastodon.poll(fetch, ANONYMOUS, tag, second.cursor, NOW)
    assert [len(p.mentions) for p in (first, second, third)] == [2, 2, 0] and not third.more  # met the 26 h old one
    assert third.cursor == {**_first(), "min_id": tagged[0]["id"]}
    # three new statuses: the forward page takes the two just after min_id, oldest first, then the rest
    new = [fake.publish(NOW + timedelta(minutes=m), tagged=True) for m in (1, 2, 3)]
    ahead = mastodon.poll(fetch, ANONYMOUS, tag, third.cursor, NOW + timedelta(minutes=4))
    assert server.requests[3].param("min_id") == tagged[0]["id"]
    assert [m.external_id for m in ahead.mentions] == new[:2] and ahead.more
    rest = mastodon.poll(fetch, ANONYMOUS, tag, ahead.cursor, NOW + timedelta(minutes=4))
    assert server.requests[-1].param("min_id") == fake.statuses[1]["id"]
    assert [m.external_id for m in rest.mentions] == new[2:] and not rest.more


def test_unchanged_source_gives_nothing_and_the_same_cursor(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    cursors = {}
    for target, credentials in zip(_targets(server), (ANONYMOUS, SIGNED_IN), strict=True):
        first = mastodon.poll(fetch, credentials, target, _first(), NOW)
        again = mastodon.poll(fetch, credentials, target, first.cursor, NOW + timedelta(minutes=10))
        assert again.mentions == () and again.cursor == first.cursor and not again.more
        assert server.requests[-1].param("min_id") == first.cursor["min_id"]
        cursors[target.key] = first.cursor
    new = fake.publish(NOW + timedelta(minutes=11), tagged=True)
    for target, credentials in zip(_targets(server), (ANONYMOUS, SIGNED_IN), strict=True):
        later = mastodon.poll(fetch, credentials, target, cursors[target.key], NOW + timedelta(minutes=12))
        assert [m.external_id for m in later.mentions] == [new] and later.cursor["min_id"] == fake.statuses[0]["id"]
        cursors[target.key] = later.cursor
    untagged = fake.publish(NOW + timedelta(minutes=13))  # no #acme: only the search sees it
    tag, search = _targets(server)
    quiet = mastodon.poll(fetch, ANONYMOUS, tag, cursors[tag.key], NOW + timedelta(minutes=14))
    assert quiet.mentions == () and quiet.cursor == cursors[tag.key]
    found = mastodon.poll(fetch, SIGNED_IN, search, cursors[search.key], NOW + timedelta(minutes=14))
    assert [m.external_id for m in found.mentions] == [untagged]


def test_empty_results(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    (empty_tag,) = mastodon.targets("acme", {"instances": [{"url": server.url, "hashtags": ["nosuchtag"]}]}, QUERY)
    page = mastodon.poll(fetch, ANONYMOUS, empty_tag, _first(), NOW)
    assert page.mentions == () and page.cursor == _first() and not page.more
    _, search = _targets(server, '"no such brand anywhere"')
    assert mastodon.poll(fetch, SIGNED_IN, search, _first(), NOW).mentions == ()
    # an instance without Elasticsearch answers statuses: [] — empty, not an error
    server.queued.append(Answer(200, {"accounts": [], "statuses": [], "hashtags": []}))
    _, search = _targets(server)
    assert mastodon.poll(fetch, SIGNED_IN, search, _first(), NOW) == PollPage((), _first())


def test_backfill_window_bounds_both_ends(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    tag, _ = _targets(server)
    end = NOW - timedelta(minutes=10)  # after every fixture but the newest (5 minutes old)
    page = mastodon.poll(fetch, ANONYMOUS, tag, seed(NOW, timedelta(0), NOW - timedelta(days=7), end), NOW)
    assert {m.external_id for m in page.mentions} == {str(s["uri"]) for s in fake.tagged("acme")[1:]}
    assert page.cursor["done"] is True and "min_id" not in page.cursor


def test_boosts_stand_for_the_boosted_status(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    tag, _ = _targets(server)
    boosted = fake.statuses[0]
    boost = {**fake.statuses[1], "id": str(int(boosted["id"]) + 5), "content": "", "reblog": boosted}
    server.queued.append(Answer(200, [boost]))
    page = mastodon.poll(fetch, ANONYMOUS, tag, _first(), NOW)
    assert [m.external_id for m in page.mentions] == [boosted["uri"]] and page.cursor["min_id"] == boost["id"]


def test_exhausted_rate_limit_sets_the_wait(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    tag, _ = _targets(server)
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-11-27T08:03:00.000Z"}
    server.queued.append(Answer(200, [], reset))
    assert mastodon.poll(fetch, ANONYMOUS, tag, _first(), NOW).wait == 180.0


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            Answer(429, {"error": "Too many requests"}, {"X-RateLimit-Reset": "2026-11-27T08:05:00.000Z"}),
            RateLimitedError,
        ),
        (Answer(503, "<html>502 Bad Gateway</html>"), SourceUnavailableError),
        (Answer(200, b"[{", {"Content-Type": "application/json"}), MalformedPayloadError),
        (Answer(200, {"error": "not a list"}), MalformedPayloadError),
        (Answer(200, [{"id": "abc", "uri": "x"}]), MalformedPayloadError),
        (Answer(401, {"error": "This method requires an authenticated user"}), TokenInvalidError),
        (Answer(422, {"error": "This method requires an authenticated user"}), PollError),
    ],
)
def test_errors(api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception]) -> None:
    server, _ = api
    server.queued.append(answer)
    tag, _ = _targets(server)
    with pytest.raises(error) as raised:
        mastodon.poll(fetch, ANONYMOUS, tag, _first(), NOW)
    if isinstance(raised.value, RateLimitedError):
        assert raised.value.retry_after == 300.0


def test_search_token_refused_or_missing(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    _, search = _targets(server)
    with pytest.raises(TokenInvalidError):
        mastodon.poll(fetch, Credentials(secrets={"access_token": "revoked"}), search, _first(), NOW)
    assert server.requests[0].header("Authorization") == "Bearer revoked"
    with pytest.raises(TokenInvalidError, match="access_token"):
        mastodon.poll(fetch, ANONYMOUS, search, _first(), NOW)
    assert len(server.requests) == 1  # no request without the token


def test_targets_per_instance_and_bad_settings() -> None:
    settings = {
        "instances": [
            {"url": "https://mastodon.social/", "hashtags": ["#Acme", "acme", "acmehome"], "search": True},
            {"url": "https://fosstodon.org", "hashtags": ["acme"], "search": True, "token_secret": "fosstodon_token"},
        ]
    }
    found = mastodon.targets("acme", settings, parse('acme OR "acme home"'))
    assert [t.key for t in found] == [
        "mastodon.social#tag:acme",
        "mastodon.social#tag:acmehome",
        "mastodon.social#q:acme",
        'mastodon.social#q:"acme home"',
        "fosstodon.org#tag:acme",
        "fosstodon.org#q:acme",
        'fosstodon.org#q:"acme home"',
    ]
    assert all(t.match for t in found) and found[0].params["api"] == "https://mastodon.social"
    assert found[-1].params["token_secret"] == "fosstodon_token"
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "settings.instances"),
        ({"instances": [{"url": "mastodon.social", "hashtags": ["acme"]}]}, r"instances\[0\]\.url"),
        ({"instances": [{"url": "https://a.example", "hashtags": ["ac me"]}]}, "hashtags"),
        ({"instances": [{"url": "https://a.example"}]}, "polls nothing"),
        ({"instances": [{"url": "https://a.example", "search": "yes"}]}, "search"),
        (
            {"instances": [{"url": "https://a.example", "search": True}, {"url": "https://b.example", "search": True}]},
            "token_secret",
        ),
        (
            {
                "instances": [
                    {"url": "https://a.example", "hashtags": ["x"]},
                    {"url": "https://A.example/", "hashtags": ["y"]},
                ]
            },
            "twice",
        ),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            mastodon.targets("acme", bad, QUERY)


def test_statuses_keep_their_local_ids_and_the_brands_own_are_marked(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    host = server.url.removeprefix("http://")
    settings = {**fake.settings(server.url), "account": f"mika_k@{host}"}
    tag, _ = mastodon.targets("acme", settings, QUERY)
    page = mastodon.poll(fetch, ANONYMOUS, tag, _first(), NOW)
    ours = [m for m in page.mentions if m.by_brand]
    assert [m.author.id for m in ours] == [f"mika_k@{host}"] and len(page.mentions) > 1
    status = fake.statuses[0]
    assert ours[0].raw_ref == f"{host}#{status['id']}#public#{status['account']['id']}"
    with pytest.raises(ValueError, match=r"settings\.account"):
        mastodon.targets("acme", {**settings, "account": "no-domain"}, QUERY)
