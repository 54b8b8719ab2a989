"""Bluesky source against a fake PDS on 127.0.0.1: session, searchPosts pages, backfill, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from functions.connectors import bluesky
from functions.core.mention import Kind
from functions.core.polls import (
    Credentials,
    HttpRequest,
    HttpResponse,
    MalformedPayloadError,
    PollError,
    PollTarget,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    seed,
)
from functions.core.query import parse
from functions.runtime.fetch import fetch
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.bluesky_api import HANDLE, SESSION, Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
MARTA = "at://did:plc:7kq2x4mz5w3n6vbtlqe2hxyd/app.bsky.feed.post/3lc2xq7k4ms2a"
JOE = "at://did:plc:q3v5r2lbw6yzd7u4xkfao3nm/app.bsky.feed.post/3lc2xn2bdfk2c"
PRIYA = "at://did:plc:x2mcf7hq4y2ujzrgk5tbl6ow/app.bsky.feed.post/3lc2xkzo5ls2p"
AYSE = "at://did:plc:mp4tx6b2nrkwvhq7j5ydfe3a/app.bsky.feed.post/3lc2x6t2k7c2e"
ROADTRIP = "at://did:plc:a7ylq3kfz2wq5bd6uemx4htn/app.bsky.feed.post/3lc2wprj3cs2f"
OLD = "at://did:plc:b3nq7u6wt4hmx2zpdclfry5e/app.bsky.feed.post/3lbtq2hx7m22d"
ROOT = "at://did:plc:7kq2x4mz5w3n6vbtlqe2hxyd/app.bsky.feed.post/3lc2wuv3z4c2k"


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _target(server: FakeApiServer, query: str = "acme") -> PollTarget:
    (target,) = bluesky.targets("acme", {"pds": server.url}, parse(query))
    return target


def _login(fake: Fake, target: PollTarget) -> Credentials:
    return bluesky.authenticate(fetch, fake.SECRET_VALUES, target, NOW)


def test_authenticate_opens_a_session_and_renews_before_the_jwt_expires(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    credentials = _login(fake, _target(server))
    sent = server.requests[0]
    assert sent.method == "POST" and sent.path == "/xrpc/com.atproto.server.createSession"
    assert json.loads(sent.body) == {"identifier": HANDLE, "password": "k3mv-pq7x-2hdn-w9tz"}
    assert credentials.headers["Authorization"] == f"Bearer {next(iter(fake.sessions))}"
    assert credentials.expires_at == NOW + SESSION - bluesky.EXPIRY_MARGIN


def test_an_opaque_token_is_assumed_to_last_an_hour() -> None:
    def http(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, json.dumps({"accessJwt": "not-a-jwt", "did": "did:plc:x"}).encode())

    target = PollTarget("acme", "q:acme", {"pds": "https://pds.invalid", "q": "acme"})
    credentials = bluesky.authenticate(http, {"identifier": "a", "app_password": "b"}, target, NOW)
    assert credentials.expires_at == NOW + timedelta(hours=1)
    assert bluesky._jwt_expiry("a.!!!.c") is None and bluesky._jwt_expiry("a.bnVsbA.c") is None  # "null"


@pytest.mark.parametrize(
    ("secrets", "answer"),
    [
        ({"identifier": HANDLE, "app_password": "wrong"}, None),
        ({}, Answer(400, {"error": "AuthFactorTokenRequired", "message": "A sign in code has been sent"})),
    ],
)
def test_refused_sign_in(api: tuple[FakeApiServer, Fake], secrets: dict[str, str], answer: Answer | None) -> None:
    server, _ = api
    if answer:
        server.queued.append(answer)
    with pytest.raises(TokenInvalidError):
        bluesky.authenticate(fetch, secrets, _target(server), NOW)


def test_first_page_searches_latest_since_the_floor_and_parses_posts(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server)
    credentials = _login(fake, target)
    page = bluesky.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    sent = server.requests[1]
    assert sent.path == "/xrpc/app.bsky.feed.searchPosts"
    assert {k: sent.param(k) for k in ("q", "sort", "limit", "since", "until", "cursor")} == {
        "q": "acme",
        "sort": "latest",
        "limit": "100",
        "since": "2026-11-26T08:00:00Z",
        "until": None,
        "cursor": None,
    }
    assert sent.header("Authorization") == credentials.headers["Authorization"]
    # The road-trip post came back through its link card's URL: the source returns it, the runner drops it.
    assert {m.external_id for m in page.mentions} == {MARTA, JOE, PRIYA, AYSE, ROADTRIP}
    marta = next(m for m in page.mentions if m.external_id == MARTA)
    assert marta.kind is Kind.POST and marta.event == "app.bsky.feed.searchPosts" and marta.lang == "en"
    assert marta.text == "Three weeks waiting for my acme refund. Support just closes the ticket. 😤"
    assert marta.url == "https://bsky.app/profile/marta.bsky.social/post/3lc2xq7k4ms2a"
    assert marta.author.id == "did:plc:7kq2x4mz5w3n6vbtlqe2hxyd" and marta.author.name == "Marta 🌻"
    assert (marta.metrics.likes, marta.metrics.replies, marta.metrics.shares) == (12, 2, 4)
    assert marta.thread.root_id is None and marta.created_at.replace(microsecond=0) == NOW - timedelta(
        minutes=5, seconds=2
    )
    joe = next(m for m in page.mentions if m.external_id == JOE)
    assert joe.kind is Kind.COMMENT and joe.thread.root_id == ROOT and joe.thread.parent_id == ROOT
    assert joe.author.name is None
    priya = next(m for m in page.mentions if m.external_id == PRIYA)
    assert (
        priya.kind is Kind.REPLY
        and priya.thread.root_id == ROOT
        and priya.thread.parent_id == JOE.replace("3lc2xn2bdfk2c", "3lc2wzzz2aa2b")
    )
    assert priya.url == "https://bsky.app/profile/did:plc:x2mcf7hq4y2ujzrgk5tbl6ow/post/3lc2xkzo5ls2p"
    ayse = next(m for m in page.mentions if m.external_id == AYSE)
    assert ayse.lang == "tr" and ayse.created_at < NOW  # dated days ahead, sorted at when it was indexed
    assert not page.more and page.wait is None
    assert page.cursor["mark"] == "2026-11-27T07:54:58Z"  # Marta's createdAt, 2 s before it was indexed


def test_next_page_follows_the_cursor_until_the_floor(
    api: tuple[FakeApiServer, Fake], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, fake = api
    monkeypatch.setattr(bluesky, "PAGE_SIZE", 3)
    target = _target(server)
    credentials = _login(fake, target)
    first = bluesky.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    assert first.more and [m.external_id for m in first.mentions] == [MARTA, JOE, PRIYA] and first.cursor["page"] == "3"
    second = bluesky.poll(fetch, credentials, target, first.cursor, NOW)
    sent = server.requests[-1]
    assert sent.param("cursor") == "3" and sent.param("since") == "2026-11-26T08:00:00Z"
    assert {m.external_id for m in second.mentions} == {AYSE, ROADTRIP} and not second.more
    assert "page" not in second.cursor and second.cursor["mark"] == first.cursor["top"]


def test_unchanged_source_gives_nothing_and_the_same_cursor_then_a_new_post(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    target = _target(server)
    credentials = _login(fake, target)
    first = bluesky.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    again = bluesky.poll(fetch, credentials, target, first.cursor, NOW + timedelta(minutes=10))
    assert server.requests[-1].param("since") == first.cursor["mark"]  # the search itself starts at the mark
    assert again.mentions == () and again.cursor == first.cursor
    new_id = fake.publish(NOW + timedelta(minutes=11))
    later = bluesky.poll(fetch, credentials, target, first.cursor, NOW + timedelta(minutes=12))
    assert [m.external_id for m in later.mentions] == [new_id]
    assert later.cursor["mark"] == "2026-11-27T08:11:00Z"


def test_empty_result(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server, '"no such brand anywhere" -acme')
    page = bluesky.poll(fetch, _login(fake, target), target, seed(NOW, DAY), NOW)
    assert server.requests[-1].param("q") == '"no such brand anywhere" -acme'
    assert page.mentions == () and not page.more and page.cursor == seed(NOW, DAY)


def test_backfill_window_is_sent_as_since_and_until_and_closes(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server)
    end = NOW - timedelta(minutes=8)  # after everything but the newest post (5 minutes old)
    cursor = seed(NOW, timedelta(0), NOW - timedelta(days=7), end)
    page = bluesky.poll(fetch, _login(fake, target), target, cursor, NOW)
    sent = server.requests[-1]
    assert (sent.param("since"), sent.param("until")) == ("2026-11-20T08:00:00Z", "2026-11-27T07:52:00Z")
    assert {m.external_id for m in page.mentions} == {JOE, PRIYA, AYSE, ROADTRIP, OLD}
    assert page.cursor["done"] is True and not page.more


def test_exhausted_rate_limit_budget_asks_the_runner_to_pause(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server)
    credentials = _login(fake, target)
    fake.used = 2999  # this request is the 3000th of the window
    page = bluesky.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    assert page.mentions and page.wait == 300.0


def test_an_expired_session_is_refused(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server)
    credentials = _login(fake, target)
    fake.expire_sessions()
    with pytest.raises(TokenInvalidError, match="ExpiredToken"):
        bluesky.poll(fetch, credentials, target, seed(NOW, DAY), NOW)


def test_a_search_without_a_session_is_refused(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    with pytest.raises(TokenInvalidError):
        bluesky.poll(fetch, Credentials(), _target(server), seed(NOW, DAY), NOW)
    assert server.requests[-1].header("Authorization") is None


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            Answer(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, {"Retry-After": "42"}),
            RateLimitedError,
        ),
        (Answer(502, {"error": "UpstreamFailure", "message": "Upstream Failure"}), SourceUnavailableError),
        (Answer(200, b'{"posts": [', {"Content-Type": "application/json"}), MalformedPayloadError),
        (Answer(200, {"hitsTotal": 0}), MalformedPayloadError),
        (Answer(200, {"posts": [{"uri": MARTA, "author": {}, "record": {"text": "acme"}}]}), MalformedPayloadError),
        (Answer(400, {"error": "ExpiredToken", "message": "Token has expired"}), TokenInvalidError),
        (Answer(401, {"error": "AuthMissing", "message": "Authentication Required"}), TokenInvalidError),
        (Answer(403, "Request forbidden by administrative rules."), TokenInvalidError),
        (Answer(400, {"error": "InvalidRequest", "message": "Error: q is too long"}), PollError),
    ],
)
def test_errors(api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception]) -> None:
    server, fake = api
    target = _target(server)
    credentials = _login(fake, target)
    server.queued.append(answer)
    with pytest.raises(error) as raised:
        bluesky.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    if error is PollError:
        assert not isinstance(raised.value, TokenInvalidError)
    if isinstance(raised.value, RateLimitedError):
        assert raised.value.retry_after == 42.0


def test_a_429_without_retry_after_waits_for_the_ratelimit_reset(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server)
    credentials = _login(fake, target)
    reset = str(int((NOW + timedelta(seconds=90)).timestamp()))
    server.queued.append(
        Answer(429, {"error": "RateLimitExceeded"}, {"ratelimit-remaining": "0", "ratelimit-reset": reset})
    )
    with pytest.raises(RateLimitedError) as raised:
        bluesky.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    assert raised.value.retry_after == 90.0


def test_targets() -> None:
    found = bluesky.targets("acme", {}, parse('acme -jobs "acme corp"'))
    assert [(t.key, t.params) for t in found] == [
        ('q:acme -jobs "acme corp"', {"pds": bluesky.PDS, "account": "", "q": 'acme -jobs "acme corp"'})
    ]
    assert all(t.match for t in found)
    assert [t.params["q"] for t in bluesky.targets("acme", {}, parse("acme OR acmepizza"))] == ["acme", "acmepizza"]
    with pytest.raises(ValueError, match=r"settings\.pds"):
        bluesky.targets("acme", {"pds": ""}, parse("acme"))


def test_initial_ids_leave_out_the_unmatched_and_the_old() -> None:
    assert Fake(NOW).initial_ids() == {MARTA, JOE, PRIYA, AYSE}


def test_posts_keep_the_content_ids_a_reply_needs_and_the_brands_own_are_marked(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    marta_did = MARTA.removeprefix("at://").split("/")[0]
    (target,) = bluesky.targets("acme", {"pds": server.url, "account": marta_did}, parse("acme"))
    page = bluesky.poll(fetch, _login(fake, target), target, seed(NOW, DAY), NOW)
    found = {m.external_id: m for m in page.mentions}
    assert [m.external_id for m in page.mentions if m.by_brand] == [MARTA]
    post = next(p for p in fake.posts if p["uri"] == JOE)
    assert json.loads(found[JOE].raw_ref or "") == {
        "cid": post["cid"],
        "root_cid": post["record"]["reply"]["root"]["cid"],
    }
    assert set(json.loads(found[MARTA].raw_ref or "")) == {"cid"}  # top level: its own root
    with pytest.raises(ValueError, match=r"settings\.account"):
        bluesky.targets("acme", {"account": "not a did"}, parse("acme"))
