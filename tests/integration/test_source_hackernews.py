"""Hacker News source against a fake Algolia API on 127.0.0.1: pages, empty, errors, unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from functions.connectors import hackernews
from functions.core.mention import Kind
from functions.core.polls import (
    Credentials,
    MalformedPayloadError,
    PollTarget,
    RateLimitedError,
    SourceUnavailableError,
    seed,
)
from functions.core.query import parse
from functions.runtime.fetch import fetch
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.hackernews_api import Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
NONE = Credentials()


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _target(server: FakeApiServer, query: str = "acme") -> PollTarget:
    (target,) = hackernews.targets("acme", {"api": server.url}, parse(query))
    return target


def _first(server: FakeApiServer) -> tuple[PollTarget, dict[str, object]]:
    return _target(server), seed(NOW, timedelta(hours=24))


def test_first_page_asks_algolia_for_newer_hits_and_parses_them(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    target, cursor = _first(server)
    page = hackernews.poll(fetch, NONE, target, cursor, NOW)
    sent = server.requests[0]
    assert sent.path == "/api/v1/search_by_date"
    assert sent.param("query") == "acme" and sent.param("tags") == "(story,comment)"
    assert sent.param("numericFilters") == f"created_at_i>={int((NOW - timedelta(hours=24)).timestamp())}"
    # Algolia's prefix match brings "Acmeville" too: the source returns it, the runner's re-check drops it.
    assert {m.external_id for m in page.mentions} == {"41800107", "41800099", "41799950", "41799321"}
    comment = next(m for m in page.mentions if m.external_id == "41800107")
    assert comment.kind is Kind.COMMENT
    assert comment.text.startswith("Acme's router firmware update bricked two of mine.")
    assert "<i>" not in comment.text and "&#x27;" not in comment.text
    assert comment.url == "https://news.ycombinator.com/item?id=41800107"
    assert comment.thread.root_id == "41800001" and comment.author.handle == "tptacek"
    story = next(m for m in page.mentions if m.external_id == "41799950")
    assert story.kind is Kind.POST and story.metrics.likes == 37 and story.metrics.replies == 14
    assert not page.more and page.cursor["mark"] == comment.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_next_page_follows_page_numbers_until_the_mark(
    api: tuple[FakeApiServer, Fake], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = api
    monkeypatch.setattr(hackernews, "PAGE_SIZE", 3)
    target, cursor = _first(server)
    first = hackernews.poll(fetch, NONE, target, cursor, NOW)
    assert first.more and len(first.mentions) == 3 and first.cursor["page"] == "1"
    second = hackernews.poll(fetch, NONE, target, first.cursor, NOW)
    assert server.requests[1].param("page") == "1"
    assert len(second.mentions) == 1 and not second.more
    assert "page" not in second.cursor and second.cursor["mark"] == first.cursor["top"]


def test_unchanged_source_gives_nothing_and_the_same_cursor(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target, cursor = _first(server)
    first = hackernews.poll(fetch, NONE, target, cursor, NOW)
    again = hackernews.poll(fetch, NONE, target, first.cursor, NOW + timedelta(minutes=10))
    assert again.mentions == () and again.cursor == first.cursor
    new_id = fake.publish(NOW + timedelta(minutes=11))
    later = hackernews.poll(fetch, NONE, target, first.cursor, NOW + timedelta(minutes=12))
    assert [m.external_id for m in later.mentions] == [new_id]


def test_empty_result(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    target = _target(server, '"no such brand anywhere"')
    page = hackernews.poll(fetch, NONE, target, seed(NOW, timedelta(hours=24)), NOW)
    assert page.mentions == () and not page.more and "mark" not in page.cursor


def test_backfill_window_bounds_both_ends(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server)
    end = NOW - timedelta(minutes=10)  # after all fixtures but the newest (5 minutes old)
    page = hackernews.poll(fetch, NONE, target, seed(NOW, timedelta(0), NOW - timedelta(days=7), end), NOW)
    assert "created_at_i<" in (server.requests[0].param("numericFilters") or "")
    assert {m.external_id for m in page.mentions} == {h["objectID"] for h in fake.hits if h["objectID"] != "41800107"}
    assert page.cursor["done"] is True


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(429, {"message": "Too many requests"}, {"Retry-After": "42"}), RateLimitedError),
        (Answer(503, "<html>upstream</html>"), SourceUnavailableError),
        (Answer(200, b'{"hits": [', {"Content-Type": "application/json"}), MalformedPayloadError),
        (Answer(200, {"message": "no hits here"}), MalformedPayloadError),
    ],
)
def test_errors(api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception]) -> None:
    server, _ = api
    server.queued.append(answer)
    target, cursor = _first(server)
    with pytest.raises(error) as raised:
        hackernews.poll(fetch, NONE, target, cursor, NOW)
    if isinstance(raised.value, RateLimitedError):
        assert raised.value.retry_after == 42.0


def test_a_query_algolia_cannot_express_becomes_one_search_per_term() -> None:
    found = hackernews.targets("acme", {}, parse('acme OR "acme corp" -jobs'))
    assert [t.params["q"] for t in found] == ["acme", '"acme corp"']
    assert all(t.match and t.params["api"] == hackernews.API for t in found)
    with pytest.raises(ValueError, match=r"settings\.api"):
        hackernews.targets("acme", {"api": ""}, parse("acme"))
