"""RSS / Atom source against a fake feed host on 127.0.0.1: parsing, conditional GET, servers that
ignore validators, undated entries, broken feeds, errors, backfill and settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions.connectors import rss
from functions.core.mention import Kind
from functions.core.polls import (
    Credentials,
    Cursor,
    Fetch,
    HttpRequest,
    HttpResponse,
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
from functions.runtime.fetch import USER_AGENT, fetch
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.rss_api import Fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
NONE = Credentials()
ACME = parse("acme")
FORUM, REVIEWS, NEWS = "/posts.rss", "/review/acme.example.atom", "/news.rss"
RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "rss" / "poll"


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        fake.settings(server.url)
        yield server, fake


def _target(server: FakeApiServer, path: str = FORUM, **feed: Any) -> PollTarget:
    (target,) = rss.targets("acme", {"feeds": [{"url": server.url + path, **feed}]}, ACME)
    return target


def _poll(target: PollTarget, cursor: Cursor | None = None, now: datetime = NOW) -> PollPage:
    return rss.poll(fetch, NONE, target, seed(NOW, timedelta(hours=24)) if cursor is None else cursor, now)


def _ids(page: PollPage) -> set[str]:
    return {m.external_id for m in page.mentions}


# ---------------------------------------------------------------------------------------- first page


def test_the_brands_feeds_as_the_runner_sees_them(api: tuple[FakeApiServer, Fake]) -> None:
    """Every configured feed, with the runner's re-check: exactly the fake's initial ids, then the
    published post alone, then nothing and equal cursors."""
    server, fake = api
    found = rss.targets("acme", fake.settings(server.url), ACME)
    assert [t.match for t in found] == [True, False, True]

    def kept(page: PollPage, target: PollTarget) -> set[str]:
        return {m.external_id for m in page.mentions if not target.match or matches(ACME, m.text)}

    first = {t.key: _poll(t) for t in found}
    assert set().union(*(kept(first[t.key], t) for t in found)) == fake.initial_ids()
    new_id = fake.publish(NOW + timedelta(minutes=10))
    later = {t.key: _poll(t, first[t.key].cursor, NOW + timedelta(minutes=15)) for t in found}
    assert set().union(*(kept(later[t.key], t) for t in found)) == {new_id}
    for target in found:
        again = _poll(target, later[target.key].cursor, NOW + timedelta(minutes=30))
        assert again.mentions == () and again.cursor == later[target.key].cursor


def test_first_poll_of_a_forum_feed_parses_rss_items(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    page = _poll(_target(server))
    sent = server.requests[0]
    assert sent.method == "GET" and sent.path == FORUM
    assert sent.header("User-Agent") == USER_AGENT and "application/rss+xml" in (sent.header("Accept") or "")
    assert sent.header("If-None-Match") is None and sent.header("If-Modified-Since") is None
    # The 3-day-old post is left out; "Acmeville" comes back (the runner's re-check drops it).
    host = "127.0.0.1/forum.example.com-post-"
    assert _ids(page) == {host + "4521", host + "4519", host + "4517", host + "4516"}
    kept = {m.external_id for m in page.mentions if matches(ACME, m.text)}
    assert kept == fake.initial_ids() & _ids(page) == {host + "4521", host + "4517", host + "4516"}
    post = next(m for m in page.mentions if m.external_id == host + "4521")
    assert post.kind is Kind.POST and post.event == "rss" and post.lang == "en"
    assert post.text == (
        "Acme R7 router drops Wi-Fi every night\n\nSince the 3.2 firmware my Acme R7 drops 5 GHz at 2am"
        " & only a reboot helps.\nSupport told me to wait for 3.3. Anyone else?"
    )
    assert post.url == "https://forum.example.com/t/acme-r7-router-drops-wi-fi-every-night/1187/4"
    assert post.created_at == NOW - timedelta(minutes=5) and post.created_at.tzinfo is not None
    assert post.author.handle == post.author.name == "dmitri_k" and post.author.id == "127.0.0.1/dmitri_k"
    assert not page.more and page.wait is None  # <ttl>10</ttl> is shorter than our 15-minute schedule
    assert page.cursor["etag"] == fake.feeds[FORUM].etag
    assert page.cursor["modified"] == "Fri, 27 Nov 2026 07:55:00 GMT" and len(page.cursor["seen"]) == 5


def test_an_atom_review_page_of_the_brand_keeps_every_recent_review(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server, REVIEWS, match=False)
    page = _poll(target)
    assert not target.match
    assert _ids(page) == fake.initial_ids() - {i for i in fake.initial_ids() if "forum" in i}
    first = next(m for m in page.mentions if m.external_id.endswith("6745b1c2e8f0a1d3c4b5a697"))
    assert first.event == "atom" and first.lang == "en"
    assert first.text.endswith("Support offered 15% off a new one. Never again.") and "<b>" not in first.text
    assert first.author.url == first.author.id == "https://reviews.example.com/users/5f2a9c0d7e6b"
    assert first.url == "https://reviews.example.com/reviews/6745b1c2e8f0a1d3c4b5a697"
    # Only <updated>, with a +01:00 offset: it is the date, converted to UTC.
    updated_only = next(m for m in page.mentions if m.external_id.endswith("6745a0f1d2c3b4a596877869"))
    assert updated_only.created_at == datetime(2026, 11, 27, 1, 5, 12, tzinfo=UTC)
    assert updated_only.text == "Quick delivery, easy setup\n\nRated 5 of 5. Arrived next day, working in ten minutes."


def test_empty_feed(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    page = _poll(_target(server, "/c/acme/14.rss"))
    assert page.mentions == () and not page.more and page.cursor["seen"] == []
    assert "done" not in page.cursor


# ------------------------------------------------------------------------------- unchanged source


def test_conditional_get_sends_validators_verbatim_and_304_keeps_the_cursor(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server)
    first = _poll(target)
    again = _poll(target, first.cursor, NOW + timedelta(minutes=15))
    sent = server.requests[1]
    assert sent.header("If-None-Match") == fake.feeds[FORUM].etag
    assert sent.header("If-Modified-Since") == "Fri, 27 Nov 2026 07:55:00 GMT"
    assert again.mentions == () and again.cursor == first.cursor and again.wait is None


def test_if_modified_since_alone_is_honoured(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    target = _target(server)
    cursor = {k: v for k, v in _poll(target).cursor.items() if k != "etag"}
    again = _poll(target, cursor)
    assert server.requests[1].header("If-None-Match") is None
    assert again.mentions == () and again.cursor == cursor


@pytest.mark.parametrize("mode", ["ignore", "fresh"])
def test_a_server_that_ignores_validators_still_gives_nothing_and_the_same_cursor(
    api: tuple[FakeApiServer, Fake], mode: str
) -> None:
    server, fake = api
    fake.validators = "ignore" if mode == "ignore" else "fresh"
    target = _target(server)
    first = _poll(target)
    for minutes in (15, 30):
        again = _poll(target, first.cursor, NOW + timedelta(minutes=minutes))
        assert again.mentions == () and again.cursor == first.cursor
    assert all(r.header("If-None-Match") == first.cursor["etag"] for r in server.requests[1:])


# ---------------------------------------------------------------------------- "next page": new items


def test_new_items_after_the_first_poll_including_a_late_backdated_one(api: tuple[FakeApiServer, Fake]) -> None:
    """RSS has no pagination: the next page is the same feed once new items were added. An item
    that appears late with an older date (moderation) is still new to us."""
    server, fake = api
    target = _target(server)
    first = _poll(target)
    newest = fake.publish(NOW + timedelta(minutes=10))
    late = fake.publish(NOW + timedelta(minutes=10), published=NOW - timedelta(hours=2), text="acme ate my refund")
    later = _poll(target, first.cursor, NOW + timedelta(minutes=15))
    assert server.requests[1].header("If-None-Match") == first.cursor["etag"]  # stale: the server answers 200
    assert _ids(later) == {newest, late}
    assert later.cursor["etag"] == fake.feeds[FORUM].etag != first.cursor["etag"]
    assert later.cursor["modified"] == "Fri, 27 Nov 2026 08:10:00 GMT"
    assert len(later.cursor["seen"]) == 7 and later.cursor["since"] == first.cursor["since"]
    quiet = _poll(target, later.cursor, NOW + timedelta(minutes=30))
    assert quiet.mentions == () and quiet.cursor == later.cursor


def test_new_items_are_found_when_the_server_ignores_validators(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    fake.validators = "ignore"
    target = _target(server)
    first = _poll(target)
    new_id = fake.publish(NOW + timedelta(minutes=10))
    assert _ids(_poll(target, first.cursor, NOW + timedelta(minutes=15))) == {new_id}


# ------------------------------------------------------------------------------------ undated feeds


def test_undated_entries_are_a_baseline_first_then_new_ones_count_from_first_sight(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    target = _target(server, NEWS)
    first = _poll(target)
    assert first.mentions == () and len(first.cursor["seen"]) == 3
    feed = fake.feeds[NEWS]
    item = b"<item><title>Acme recall notice</title><link>http://acme-owners.example.org/news/recall.html</link>"
    feed.body = feed.body.replace(b"<item>", item + b"<description>Check your serial.</description></item><item>", 1)
    later = _poll(target, first.cursor, NOW + timedelta(minutes=15))
    (mention,) = later.mentions
    assert mention.external_id == "http://acme-owners.example.org/news/recall.html"  # no guid: the link
    assert mention.created_at == NOW + timedelta(minutes=15) and not mention.author.known  # names no author
    assert _poll(target, later.cursor, NOW + timedelta(minutes=30)).cursor == later.cursor


def test_undated_entries_parse_latin1_content_and_get_stable_ids(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    target = _target(server, NEWS)
    first = _poll(target, {"since": "2026-11-26T08:00:00Z", "seen": []})  # as if seen before
    by_title = {m.text.split("\n")[0]: m for m in first.mentions}
    beta = by_title["Acme firmware 3.3 beta: first impressions"]
    assert beta.external_id == "http://acme-owners.example.org/news/firmware-3-3-beta.html"
    assert "Grüße to the acme beta team" in beta.text  # content:encoded wins over the description
    assert "Café Central" in by_title["Club meeting moved to December"].text  # ISO-8859-1 decoded
    tip = by_title["Acme modem tip: disable the ISP's DNS rebinding filter"]
    assert tip.external_id.startswith("sha256:") and tip.url is None  # neither guid nor link
    again = _poll(target, {"since": "2026-11-26T08:00:00Z", "seen": []})
    assert {m.external_id for m in again.mentions} == {m.external_id for m in first.mentions}


# --------------------------------------------------------------------------------------- identities


def test_global_ids_are_shared_between_feeds_and_bare_ids_are_scoped_to_the_host() -> None:
    tag = {"id": "tag:reviews.example.com,2026:review/1", "link": "https://reviews.example.com/r/1"}
    assert rss.external_id(tag, "https://a.example/feed") == rss.external_id(tag, "https://b.example/x.atom")
    bare = {"id": "4521"}
    assert rss.external_id(bare, "https://forum.example.com/posts.rss") == "forum.example.com/4521"
    assert rss.external_id(bare, "https://other.example/posts.rss") == "other.example/4521"
    assert rss.external_id({"link": "https://x.example/p/1"}, "https://x.example/rss") == "https://x.example/p/1"
    long_id = {"id": "https://news.example/" + "a" * 300}
    hashed = rss.external_id(long_id, "https://news.example/rss")
    assert hashed.startswith("sha256:") and len(hashed) == 47
    assert hashed == rss.external_id(long_id, "https://elsewhere.example/rss")


def test_the_same_guid_twice_in_a_feed_is_one_mention(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    feed = fake.feeds[FORUM]
    start = feed.body.index(b"<item>")
    first_item = feed.body[start : feed.body.index(b"</item>") + len(b"</item>")]
    feed.body = feed.body.replace(b"</channel>", first_item + b"</channel>")
    assert len(_poll(_target(server)).mentions) == 4


# ---------------------------------------------------------------------------------------- backfill


def test_backfill_window_bounds_both_ends_and_completes(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    end = NOW - timedelta(minutes=10)  # leaves out the newest post (5 minutes old)
    page = _poll(_target(server), seed(NOW, timedelta(0), NOW - timedelta(days=7), end))
    ids = {i.rsplit("-", 1)[-1] for i in _ids(page)}
    assert ids == {"4519", "4517", "4516", "4480"} and page.cursor["done"] is True
    undated = _poll(_target(server, NEWS), seed(NOW, timedelta(0), NOW - timedelta(days=7), end) | {"seen": []})
    assert undated.mentions == () and undated.cursor["done"] is True


# -------------------------------------------------------------------------------- broken and errors


def test_a_slightly_broken_feed_keeps_its_entries(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    page = _poll(_target(server, "/deals.rss"))  # bare `&` and `&nbsp;` in XML: feedparser sets bozo
    (deal,) = page.mentions
    assert deal.external_id == "https://deals.example.net/d/55120"
    title, body = deal.text.split("\n\n")
    assert title == "Acme R7 for $89 at BigStore & it's already out of stock"
    assert body == "Price-matched, then cancelled my order. Thanks acme store."


def test_a_moved_feed_is_followed(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    server.queued.append(Answer(301, b"", {"Location": server.url + FORUM}))
    page = _poll(_target(server, "/old/feed.xml"))
    assert [r.path for r in server.requests] == ["/old/feed.xml", FORUM] and len(page.mentions) == 4


@pytest.mark.parametrize(("ttl", "wait"), [(180, 10800.0), (100000, rss.MAX_TTL_WAIT), (15, None), ("soon", None)])
def test_ttl_longer_than_the_schedule_becomes_a_wait(
    api: tuple[FakeApiServer, Fake], ttl: object, wait: float | None
) -> None:
    server, fake = api
    body = fake.feeds[FORUM].body.replace(b"<ttl>10</ttl>", f"<ttl>{ttl}</ttl>".encode())
    server.queued.append(Answer(200, body, {"Content-Type": "application/rss+xml"}))
    page = _poll(_target(server))
    assert page.wait == wait and len(page.mentions) == 4


@pytest.mark.parametrize(
    ("answer", "error", "retry"),
    [
        (Answer(429, "Too Many Requests", {"Retry-After": "120"}), RateLimitedError, 120.0),
        (Answer(503, "<html>maintenance</html>", {"Retry-After": "Fri, 27 Nov 2026 08:30:00 GMT"}), None, 1800.0),
        (Answer(502, "<html>Bad Gateway</html>"), SourceUnavailableError, None),
        (Answer(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="forum"'}), TokenInvalidError, None),
        (Answer(403, "<html>Access denied</html>"), TokenInvalidError, None),
        (Answer(404, "<html>Not Found</html>"), PollError, None),
        (Answer(200, b"", {"Content-Type": "application/rss+xml"}), MalformedPayloadError, None),
    ],
)
def test_http_errors(
    api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception] | None, retry: float | None
) -> None:
    server, _ = api
    server.queued.append(answer)
    with pytest.raises(error or SourceUnavailableError) as raised:
        _poll(_target(server))
    assert getattr(raised.value, "retry_after", None) == retry


@pytest.mark.parametrize("path", ["/latest.rss", "/challenge"])
def test_truncated_xml_and_an_html_page_are_malformed(api: tuple[FakeApiServer, Fake], path: str) -> None:
    server, _ = api
    with pytest.raises(MalformedPayloadError, match="is not a feed"):
        _poll(_target(server, path))


def test_the_fake_refuses_requests_without_a_real_user_agent(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api

    def bare(request: HttpRequest) -> HttpResponse:
        return fetch(replace(request, headers={**request.headers, "User-Agent": "python-requests/2.32"}))

    with pytest.raises(TokenInvalidError):
        rss.poll(bare, NONE, _target(server), seed(NOW, timedelta(hours=24)), NOW)


# ----------------------------------------------------------------------------------------- settings


def test_targets_one_per_feed_with_stable_keys_and_match_defaults() -> None:
    settings = {
        "feeds": [
            {"url": "https://forum.example.com/posts.rss", "name": "Forum"},
            {"url": " https://reviews.example.com/review/acme.example.atom ", "match": False},
        ]
    }
    forum, reviews = rss.targets("acme", settings, ACME)
    assert forum.match and not reviews.match and forum.query is ACME
    assert forum.key == rss.feed_key("https://forum.example.com/posts.rss") and forum.key.startswith("feed:")
    assert forum.key == rss.targets("acme", settings, ACME)[0].key != reviews.key
    assert forum.params == {"url": "https://forum.example.com/posts.rss", "name": "Forum"}
    assert reviews.params["name"] == "reviews.example.com"
    assert reviews.params["url"] == "https://reviews.example.com/review/acme.example.atom"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, r"settings\.feeds must be a non-empty list"),
        ({"feeds": []}, r"settings\.feeds must be a non-empty list"),
        ({"feeds": ["https://x.example/rss"]}, r"settings\.feeds\[0\] must be an object"),
        ({"feeds": [{"name": "x"}]}, r"settings\.feeds\[0\]\.url must be a non-empty string"),
        ({"feeds": [{"url": "ftp://x.example/rss"}]}, r"must be an http\(s\) URL"),
        ({"feeds": [{"url": "https:///rss"}]}, r"must be an http\(s\) URL"),
        ({"feeds": [{"url": "https://x.example/rss", "match": "no"}]}, r"\.match must be true or false"),
        ({"feeds": [{"url": "https://x.example/rss", "mach": False}]}, r"unknown keys \['mach'\]"),
        ({"feeds": [{"url": "https://x.example/rss", "name": " "}]}, r"\.name must be a non-empty string"),
        ({"feeds": [{"url": "https://x.example/rss"}, {"url": "https://x.example/rss"}]}, r"\[1\]: .* listed twice"),
    ],
)
def test_bad_settings_fail_the_brand_load(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rss.targets("acme", settings, ACME)


def test_the_cursor_is_bounded_to_the_newest_entries(
    api: tuple[FakeApiServer, Fake], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = api
    monkeypatch.setattr(rss, "MAX_ENTRIES", 2)
    first = _poll(_target(server))
    assert {i.rsplit("-", 1)[-1] for i in _ids(first)} == {"4521", "4519"} and len(first.cursor["seen"]) == 2
    unconditional = {k: v for k, v in first.cursor.items() if k not in ("etag", "modified")}
    again = _poll(_target(server), unconditional)  # a full 200: the older entries stay out
    assert again.mentions == () and again.cursor == unconditional


# ------------------------------------------------------------------------------- recorded real feeds


def _recorded(name: str, content_type: str = "text/xml; charset=UTF-8") -> Fetch:
    """A real feed saved by another project (SOURCES.md), answered without a server: `poll` is pure."""
    body = (RECORDED / name).read_bytes()
    return lambda request: HttpResponse(200, body, {"Content-Type": content_type})


def test_a_recorded_medium_feed_keeps_headings_and_figures_apart_from_the_words_around() -> None:
    """Issue 15: Medium's `…NOT for everyone</h4><figure>…<h3>GROW…` became "everyoneGROW"."""
    (target,) = rss.targets("acme", {"feeds": [{"url": "https://medium.com/feed/invironment/tagged/food"}]}, ACME)
    then = datetime(2020, 7, 21, 21, 19, 7, tzinfo=UTC)
    page = rss.poll(_recorded("medium.rss"), NONE, target, seed(then, timedelta(days=1000)), then)
    assert len(page.mentions) == 7
    texts = {m.external_id: m.text for m in page.mentions}
    assert "gardening is NOT for everyone\nGROW, you bastards, GROW!" in texts["https://medium.com/p/77cbb94ffe0b"]
    words = re.compile(r"\w+")
    for text in texts.values():
        glued = [w for w in words.findall(text) if re.search(r"[a-z][A-Z]{2}", w)]
        assert glued == [], glued


def _cut(name: str, size: int) -> Fetch:
    body = (RECORDED / name).read_bytes()[:size]
    return lambda request: HttpResponse(200, body, {"Content-Type": "application/atom+xml"})


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99, -3, -9])
def test_a_recorded_feed_cut_short_is_malformed_and_the_cursor_stays(keep: float) -> None:
    """Issue 15: half of heise's real Atom feed parsed "successfully", `seen` shrank to it, and the
    next full poll emitted the other entries again. A feed that ends mid-document is malformed."""
    (target,) = rss.targets("acme", {"feeds": [{"url": "https://www.heise.de/developer/rss/news-atom.xml"}]}, ACME)
    then = datetime(2016, 2, 1, 18, tzinfo=UTC)
    full = rss.poll(_recorded("heise.atom", "application/atom+xml"), NONE, target, seed(then, timedelta(days=30)), then)
    assert len(full.mentions) == 15 and len(full.cursor["seen"]) == 15
    size = len((RECORDED / "heise.atom").read_bytes())
    cut = int(size * keep) if keep > 0 else size + int(keep)  # -3: only `d>\n` of `</feed>` is missing
    with pytest.raises(MalformedPayloadError, match="ends mid-document"):
        rss.poll(_cut("heise.atom", cut), NONE, target, full.cursor, then + timedelta(minutes=15))
    again = rss.poll(_recorded("heise.atom", "application/atom+xml"), NONE, target, full.cursor, then)
    assert again.mentions == () and again.cursor == full.cursor


def test_a_complete_feed_with_an_xml_slip_keeps_the_ids_it_may_have_missed(api: tuple[FakeApiServer, Fake]) -> None:
    """The lenient parse of a not-well-formed (but complete) feed is kept; its `seen` also keeps the
    previous ids, so an entry the parse lost does not come back as new once the feed is fixed."""
    server, _ = api
    target = _target(server, "/deals.rss")
    earlier = {**seed(NOW, timedelta(hours=24)), "seen": ["0123456789abcdef"]}
    page = _poll(target, earlier)
    assert len(page.mentions) == 1 and "0123456789abcdef" in page.cursor["seen"]
    assert len(page.cursor["seen"]) == 2
