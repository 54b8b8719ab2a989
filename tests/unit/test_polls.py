"""The poll contract's pure parts: the newest-first sweep, HTTP outcomes, back-off, brand queries."""

from __future__ import annotations

import html
import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.core.brands import BrandConfigError, parse_brands
from functions.core.polls import (
    HttpResponse,
    PollError,
    RateLimitedError,
    Seen,
    SourceUnavailableError,
    TokenInvalidError,
    backoff_seconds,
    check,
    exhausted_wait,
    html_to_text,
    retry_after,
    seed,
    sweep,
)
from functions.core.query import matches, render

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def at(minutes_ago: float) -> datetime:
    return NOW - timedelta(minutes=minutes_ago)


def pages(items: list[Seen], size: int) -> list[tuple[list[Seen], str | None]]:
    """A newest-first listing cut into pages, with a token for each next page."""
    ordered = sorted(items, key=lambda s: s.at, reverse=True)
    cut = [ordered[i : i + size] for i in range(0, len(ordered), size)] or [[]]
    return [(page, str(n + 1) if n + 1 < len(cut) else None) for n, page in enumerate(cut)]


def full_sweep(
    cursor: dict[str, Any], items: list[Seen], size: int = 2, pinned: Seen | None = None
) -> tuple[set[str], dict[str, Any]]:
    """Run a sweep to its end the way the runner would, one page per call; `pinned` is listed
    first on page 1 whatever its age (YouTube's pinned comment under `order=time`)."""
    emitted: set[str] = set()
    listing = pages(items, size)
    if pinned is not None:
        listing[0] = ([pinned, *listing[0][0]], listing[0][1])
    index = 0
    while True:
        page, token = listing[index]
        ids, cursor, more = sweep(cursor, page, token)
        emitted |= ids
        if not more:
            return emitted, cursor
        index = int(cursor["page"])


def test_first_sweep_takes_what_is_newer_than_since_and_sets_the_mark() -> None:
    items = [Seen("a", at(5)), Seen("b", at(60)), Seen("old", at(60 * 30))]
    emitted, cursor = full_sweep(seed(NOW, timedelta(hours=24)), items)
    assert emitted == {"a", "b"}
    assert cursor["mark"] == "2026-11-27T07:55:00Z" and cursor["mark_ids"] == ["a"]
    assert "page" not in cursor and "top" not in cursor


def test_unchanged_listing_gives_nothing_and_the_same_cursor() -> None:
    items = [Seen("a", at(5)), Seen("b", at(60)), Seen("c", at(61))]
    _, cursor = full_sweep(seed(NOW, timedelta(hours=24)), items)
    again, same = full_sweep(cursor, items)
    assert again == set() and same == cursor


def test_a_new_item_in_the_same_second_as_the_mark_is_not_lost() -> None:
    items = [Seen("a", at(5))]
    _, cursor = full_sweep(seed(NOW, timedelta(hours=24)), items)
    twin = Seen("twin", at(5) + timedelta(microseconds=300))
    emitted, after = full_sweep(cursor, [*items, twin])
    assert emitted == {"twin"} and after["mark_ids"] == ["a", "twin"]
    assert full_sweep(after, [*items, twin]) == (set(), after)


def test_a_sweep_cut_short_resumes_from_its_page_token() -> None:
    items = [Seen(str(i), at(i)) for i in range(1, 8)]
    cursor = seed(NOW, timedelta(hours=24))
    first, cursor, more = sweep(cursor, pages(items, 3)[0][0], "1")
    assert more and cursor["page"] == "1" and cursor["top"] == "2026-11-27T07:59:00Z"
    rest, cursor = full_sweep({**cursor}, items[3:], size=3)  # the later pages, as a resumed run sees them
    assert first | rest == {str(i) for i in range(1, 8)}
    assert cursor["mark"] == "2026-11-27T07:59:00Z"  # the newest of the whole sweep, not of its last page


def test_backfill_window_excludes_newer_items_and_is_marked_done() -> None:
    items = [Seen("new", at(5)), Seen("in", at(120)), Seen("old", at(60 * 48))]
    emitted, cursor = full_sweep(seed(NOW, timedelta(0), at(60 * 24), at(60)), items)
    assert emitted == {"in"} and cursor["done"] is True


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=600), min_size=0, max_size=30),
    st.lists(st.integers(min_value=0, max_value=600), min_size=0, max_size=10),
    st.integers(min_value=1, max_value=5),
)
def test_sweeps_never_lose_or_repeat_items(first: list[int], later: list[int], size: int) -> None:
    """Whatever arrives (same seconds included), each item is emitted exactly once over two sweeps."""
    old = [Seen(f"o{i}", at(m + 10)) for i, m in enumerate(first)]
    emitted, cursor = full_sweep(seed(NOW, timedelta(hours=24)), old, size)
    assert emitted == {s.id for s in old}
    mark = max((s.at for s in old), default=at(24 * 60)).replace(microsecond=0)
    new = [Seen(f"n{i}", mark + timedelta(seconds=m % 3)) for i, m in enumerate(later)]
    again, _ = full_sweep(cursor, old + new, size)
    assert again == {s.id for s in new}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=600), min_size=0, max_size=30),
    st.lists(st.integers(min_value=0, max_value=600), min_size=0, max_size=10),
    st.integers(min_value=1, max_value=5),
)
def test_a_pinned_item_older_than_the_floor_neither_ends_a_sweep_nor_moves_the_mark(
    first: list[int], later: list[int], size: int
) -> None:
    """Issue 15: one out-of-order item must not stand for the listing's order."""
    pinned = Seen("pinned", at(60 * 24 * 40))
    old = [Seen(f"o{i}", at(m + 10)) for i, m in enumerate(first)]
    emitted, cursor = full_sweep(seed(NOW, timedelta(hours=24)), old, size, pinned)
    assert emitted == {s.id for s in old}
    mark = max((s.at for s in old), default=at(24 * 60)).replace(microsecond=0)
    assert cursor.get("mark", cursor["since"]) == mark.strftime("%Y-%m-%dT%H:%M:%SZ")
    new = [Seen(f"n{i}", mark + timedelta(seconds=m % 3)) for i, m in enumerate(later)]
    again, _ = full_sweep(cursor, old + new, size, pinned)
    assert again == {s.id for s in new}


def test_the_page_order_ends_a_sweep_and_unordered_items_are_still_emitted() -> None:
    cursor = seed(NOW, timedelta(hours=24))
    # The page's last ordered item is older than the floor: the sweep ends here...
    page = [Seen("a", at(5)), Seen("old", at(60 * 30)), Seen("reply", at(3), ordered=False)]
    ids, state, more = sweep(cursor, page, "next")
    assert ids == {"a", "reply"} and not more and state["mark"] == "2026-11-27T07:57:00Z"
    # ...but an old item that is not last (pinned first) does not end it.
    ids, state, more = sweep(cursor, [Seen("pinned", at(60 * 30)), Seen("a", at(5))], "next")
    assert ids == {"a"} and more and state["page"] == "next" and state["top"] == "2026-11-27T07:55:00Z"


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, RateLimitedError), (500, SourceUnavailableError), (503, SourceUnavailableError), (401, TokenInvalidError)],
)
def test_check_maps_statuses(status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        check(HttpResponse(status), "src", NOW)


def test_check_passes_success_and_not_modified_and_rejects_other_client_errors() -> None:
    assert check(HttpResponse(200), "src", NOW).status == 200
    assert check(HttpResponse(304), "src", NOW).status == 304
    with pytest.raises(PollError, match="HTTP 404") as raised:
        check(HttpResponse(404, b"gone"), "src", NOW)
    assert not isinstance(raised.value, SourceUnavailableError | TokenInvalidError)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"Retry-After": "Fri, 27 Nov 2026 08:02:00 GMT"}, 120.0),
        ({"X-Ratelimit-Reset": "45"}, 45.0),  # Reddit: seconds to the end of the period
        ({"X-RateLimit-Reset": "2026-11-27T08:05:00.000Z"}, 300.0),  # Mastodon: a timestamp
        ({"RateLimit-Reset": str(int(NOW.timestamp()) + 60)}, 60.0),  # Bluesky: epoch seconds
        ({}, None),
    ],
)
def test_retry_after_reads_every_form(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after(HttpResponse(429, headers=headers), NOW) == seconds


def test_exhausted_rate_limit_asks_for_a_pause() -> None:
    spent = HttpResponse(200, headers={"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "12"})
    assert exhausted_wait(spent, NOW) == 12.0
    assert exhausted_wait(HttpResponse(200, headers={"X-RateLimit-Remaining": "7"}), NOW) is None


def test_backoff_is_jittered_exponential_and_capped() -> None:
    rng = random.Random(7)  # noqa: S311 (jitter, not secrecy)
    for failures, ceiling in ((1, 60.0), (2, 120.0), (5, 960.0), (30, 3600.0)):
        waits = [backoff_seconds(failures, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)


def test_html_to_text() -> None:
    assert html_to_text("<p>It&#x27;s <b>broken</b><br>again</p><p>&amp; again</p>") == "It's broken\nagain\n& again"


# ------------------------------------------------------------------------------- brand queries


def _brand(**fields: Any) -> dict[str, Any]:
    return {"brands": [{"slug": "acme", "name": "Acme", **fields}]}


def test_brand_query_defaults_to_its_keywords_then_its_name() -> None:
    keyed = parse_brands(_brand(keywords=["acme", "acme corp"])).get("acme")
    assert keyed is not None and render(keyed.query_for("reddit").root) == 'acme OR "acme corp"'
    named = parse_brands(_brand()).get("acme")
    assert named is not None and matches(named.query_for("rss"), "I love Acme")


def test_per_source_override_and_default() -> None:
    brand = parse_brands(_brand(query={"default": "acme -job", "reddit": "acme NOT jobs"})).get("acme")
    assert brand is not None
    assert render(brand.query_for("reddit").root) != render(brand.query_for("mastodon").root)
    assert not matches(brand.query_for("mastodon"), "acme job offer")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("acme AND (widget", r"brand acme\.query: unbalanced '\(' at column 9"),
        ({"default": "acme", "reddit": "acme OR"}, r"brand acme\.query\.reddit: .*column"),
        ({"default": "acme", "myspace": "acme"}, r"unknown source 'myspace'"),
    ],
)
def test_bad_queries_fail_the_load_with_a_position(query: Any, message: str) -> None:
    with pytest.raises(BrandConfigError, match=message):
        parse_brands(_brand(query=query))


# ------------------------------------------------------------------------------------------ html_to_text

RECORDED_ALGOLIA = Path(__file__).resolve().parents[1] / "fixtures" / "hackernews" / "poll" / "algolia_recorded.json"
_WORDS = re.compile(r"\w+")
_ANY_TAG = re.compile(r"<[^>]*>")
SEPARATORS = [
    " ",
    "\n",
    "<p>",
    "</p>",
    "</p><p>",
    "<br>",
    "<br/>",
    "</h4><figure>",
    "</figure><h3>",
    "<li>",
    "</li><li>",
    "<div>",
    "</div><div>",
    "<hr/>",
    '<img alt="" src="https://cdn.example/1.png" />',
    "</td><td>",
    "</tr><tr>",
    "<!-- generated -->",
    "</blockquote>",
    "<pre>",
    "</h2>\n<h3>",
    "<figcaption>",
]
WRAPPERS = [
    "{}",
    "<b>{}</b>",
    "<i>{}</i>",
    '<a href="https://x.example/?a=1&amp;b=2" rel="nofollow">{}</a>',
    '<span class="h-card">{}</span>',
    "<strong><em>{}</em></strong>",
    "<code>{}</code>",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyzACMEIntelGROWéü0123456789_", min_size=1, max_size=8),
            st.sampled_from(WRAPPERS),
            st.sampled_from(SEPARATORS),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_html_to_text_never_joins_two_words_into_one(parts: list[tuple[str, str, str]]) -> None:
    """Issue 15: whatever tags sit between two words, the text keeps them apart (and adds none)."""
    markup = "".join(wrapper.format(word) + separator for word, wrapper, separator in parts)
    assert _WORDS.findall(html_to_text(markup)) == [word for word, _, _ in parts]


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("ends in its game.<p>Intel kept", "ends in its game.\nIntel kept"),  # the Algolia case
        ("<h4>NOT for everyone</h4><figure><img src='x'/></figure><h3>GROW</h3>", "NOT for everyone\nGROW"),
        ("Acme&#x27;s <i>wait</i> 10 days.<p>Anyone?", "Acme's wait 10 days.\nAnyone?"),
        ("AT&amp;amp;T &amp;#39;s", "AT&T 's"),  # double-escaped
        ("&lt;p&gt;Refund &amp;amp; return&lt;/p&gt;&lt;p&gt;acme&lt;/p&gt;", "Refund & return\nacme"),
        ("use the &lt;div&gt; tag", "use the <div> tag"),  # escaped once beside no markup: typed text
        ("<p>use the &lt;b&gt; tag</p>", "use the <b> tag"),
        ("a&nbsp;b<br/>c", "a b\nc"),
        ("I <3 acme & co", "I <3 acme & co"),
    ],
)
def test_html_to_text_cases(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_recorded_algolia_texts_keep_their_paragraphs_apart() -> None:
    """Real Algolia answers (tests/fixtures/hackernews/poll/SOURCES.md): every word of the text
    with each tag read as a space, and no other; paragraphs on their own lines."""
    answers = json.loads(RECORDED_ALGOLIA.read_text())
    texts = {
        str(hit["objectID"]): str(hit.get("comment_text") or hit.get("story_text"))
        for answer in answers
        for hit in answer["reply"]["hits"]
        if hit.get("comment_text") or hit.get("story_text")
    }
    assert len(texts) >= 5
    for markup in texts.values():
        assert _WORDS.findall(html_to_text(markup)) == _WORDS.findall(html.unescape(_ANY_TAG.sub(" ", markup)))
    assert "net worse off as a result.\nApple used to be" in html_to_text(texts["6651926"])
