"""App Store reviews source against a fake customer-reviews feed on 127.0.0.1: pages, the metadata
entry, single-object entries, conditional GET (304), unchanged and new reviews, backfill, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.connectors import appstore
from functions.core.mention import Kind, Mention
from functions.core.polls import (
    Credentials,
    HttpRequest,
    MalformedPayloadError,
    PollError,
    PollTarget,
    RateLimitedError,
    SourceUnavailableError,
    seed,
)
from functions.core.query import parse
from functions.runtime.fetch import fetch
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.appstore_api import APP, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
NONE = Credentials()
FEED = f"/us/rss/customerreviews/page=1/id={APP}/sortby=mostrecent/json"


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _target(server: FakeApiServer) -> PollTarget:
    (target,) = appstore.targets("acme", Fake(NOW).settings(server.url), parse("acme"))
    return target


def _first() -> dict[str, object]:
    return seed(NOW, timedelta(hours=24))


def _sweep(server: FakeApiServer, cursor: dict[str, object]) -> tuple[list[Mention], dict[str, object]]:
    """Poll until the sweep says no more pages, like the runner does."""
    found: list[Mention] = []
    target = _target(server)
    while True:
        page = appstore.poll(fetch, NONE, target, cursor, NOW)
        found += page.mentions
        cursor = dict(page.cursor)
        if not page.more:
            return found, cursor


def test_first_page_skips_the_app_entry_and_parses_reviews(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    page = appstore.poll(fetch, NONE, _target(server), _first(), NOW)
    sent = server.requests[0]
    assert sent.path == FEED and sent.header("If-None-Match") is None and sent.header("If-Modified-Since") is None
    assert [m.external_id for m in page.mentions] == [f"{APP}:{r['id']['label']}" for r in fake.reviews[:4]]
    first = page.mentions[0]
    assert first.kind is Kind.REVIEW and first.event == "customerreviews:stars=2"
    assert first.metrics.rating == 2  # the stars the scorer reads
    assert first.text == (
        "Logs me out every day\n\nSince 4.2 the app logs me out every morning and the Face ID prompt never shows up. "
        "Please fix, I use this daily."
    )
    assert first.author.id == "1187734201" and first.author.name == "MikaK_42"
    assert first.author.url == "https://itunes.apple.com/us/reviews/id1187734201"
    assert first.url == f"https://itunes.apple.com/us/review?id={APP}&type=Purple%20Software"
    assert first.created_at == NOW - timedelta(minutes=5) and first.thread.root_id == f"app:{APP}"
    assert first.metrics.likes == 3 and page.mentions[2].event == "customerreviews:stars=1"
    assert page.more and page.cursor["page"] == "2" and page.cursor["etag"].startswith('"')
    assert page.cursor["last_modified"].endswith("GMT")


def test_next_pages_follow_page_numbers_until_the_floor(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    found, cursor = _sweep(server, _first())
    assert [r.path.split("/")[4] for r in server.requests] == ["page=1", "page=2"]  # page 2 reaches the floor
    assert {m.external_id for m in found} == fake.initial_ids() and len(found) == 7
    assert "page" not in cursor and cursor["mark"] == found[0].created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert server.requests[1].header("If-None-Match") is None  # validators only ever guard page 1


def test_a_single_review_page_is_an_object_and_the_last_page_stops(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    found, cursor = _sweep(server, seed(NOW, timedelta(days=30)))
    assert [r.path.split("/")[4] for r in server.requests] == ["page=1", "page=2", "page=3"]
    assert len(found) == len(fake.reviews) == 9  # page 3 held one review, sent as an object; "last" was page 3
    assert "done" not in cursor and "page" not in cursor


def test_unchanged_feed_is_a_304_with_the_same_cursor_then_a_new_review(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    _, cursor = _sweep(server, _first())
    server.reset()
    again = appstore.poll(fetch, NONE, _target(server), cursor, NOW + timedelta(hours=1))
    sent = server.requests[0]
    assert (
        sent.header("If-None-Match") == cursor["etag"] and sent.header("If-Modified-Since") == cursor["last_modified"]
    )
    assert again.mentions == () and again.cursor == cursor and not again.more
    new = fake.publish(NOW + timedelta(minutes=30))
    later = appstore.poll(fetch, NONE, _target(server), cursor, NOW + timedelta(hours=1))
    assert [m.external_id for m in later.mentions] == [new] and later.mentions[0].event == "customerreviews:stars=1"
    assert not later.more and later.cursor["etag"] != cursor["etag"]
    assert appstore.poll(fetch, NONE, _target(server), later.cursor, NOW).cursor == later.cursor


def test_unchanged_feed_without_validators_still_gives_nothing(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    _, cursor = _sweep(server, _first())
    plain = {k: v for k, v in cursor.items() if k not in ("etag", "last_modified")}
    body = fetch(HttpRequest(server.url + FEED)).body
    server.queued.append(Answer(200, body, {"Content-Type": "application/json"}))
    again = appstore.poll(fetch, NONE, _target(server), plain, NOW)
    assert again.mentions == () and again.cursor == plain


def test_entries_without_updated_fall_back_to_their_other_dates_and_never_fail_the_page(
    api: tuple[FakeApiServer, Fake],
) -> None:
    """Issue 15: an entry of the older feed format without `updated` failed the whole page."""
    server, _ = api
    body = json.loads(fetch(HttpRequest(server.url + FEED)).body)
    reviews = [e for e in body["feed"]["entry"] if "im:rating" in e]
    released, undated = reviews[0], reviews[1]
    released["im:releaseDate"] = {"label": released.pop("updated")["label"]}
    undated.pop("updated")
    server.queued.append(Answer(200, body, {"Content-Type": "application/json"}))
    page = appstore.poll(fetch, NONE, _target(server), _first(), NOW)
    ids = {m.external_id for m in page.mentions}
    assert f"{APP}:{released['id']['label']}" in ids and f"{APP}:{undated['id']['label']}" not in ids
    assert page.skipped == 1 and len(ids) == len(reviews) - 1


def test_empty_feed(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    (other,) = appstore.targets("acme", {"api": server.url, "apps": [{"id": "999", "countries": ["gb"]}]}, parse("a"))
    page = appstore.poll(fetch, NONE, other, _first(), NOW)
    assert server.requests[0].path == "/gb/rss/customerreviews/page=1/id=999/sortby=mostrecent/json"
    assert page.mentions == () and not page.more and "mark" not in page.cursor


def test_backfill_window_bounds_both_ends(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    end = NOW - timedelta(minutes=10)  # after every review but the newest (5 minutes old)
    found, cursor = _sweep(server, seed(NOW, timedelta(0), NOW - timedelta(days=7), end))
    assert {m.external_id for m in found} == {f"{APP}:{r['id']['label']}" for r in fake.reviews[1:]}
    assert cursor["done"] is True


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(429, "Too Many Requests", {"Retry-After": "42"}), RateLimitedError),
        (Answer(503, "<html>Service Unavailable</html>"), SourceUnavailableError),
        (Answer(200, b'{"feed": {"entry": [', {"Content-Type": "application/json"}), MalformedPayloadError),
        (Answer(200, {"feed": {"entry": "nope"}}), MalformedPayloadError),
        (Answer(200, {"feed": {"entry": {"im:rating": {"label": "5"}}}}), MalformedPayloadError),
        (Answer(200, {"resultCount": 0, "results": []}), MalformedPayloadError),
        (Answer(400, "CustomerReviews RSS page depth is limited to 10"), PollError),
    ],
)
def test_errors(api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception]) -> None:
    server, _ = api
    server.queued.append(answer)
    with pytest.raises(error) as raised:
        appstore.poll(fetch, NONE, _target(server), _first(), NOW)
    if isinstance(raised.value, RateLimitedError):
        assert raised.value.retry_after == 42.0


def test_targets_one_per_app_and_storefront() -> None:
    found = appstore.targets(
        "acme", {"apps": [{"id": "284882215", "countries": ["us", "GB", "us"]}, {"id": 1459969523}]}, parse("acme")
    )
    assert [t.key for t in found] == ["284882215:us", "284882215:gb", "1459969523:us"]
    assert all(not t.match and t.params["api"] == appstore.API for t in found)
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "settings.apps"),
        ({"apps": [{"id": "id284882215"}]}, r"apps\[0\]\.id"),
        ({"apps": [{"id": "1", "countries": []}]}, "countries"),
        ({"apps": [{"id": "1", "countries": ["usa"]}]}, "storefront"),
        ({"apps": [{"id": "1"}], "api": ""}, r"settings\.api"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            appstore.targets("acme", bad, parse("acme"))
