"""Replies as posted: cleaning what an agent typed, and cutting it to the network's limit."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import regex  # type: ignore[import-untyped,unused-ignore]
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.core.replytext import (
    DEFAULT_CLOSINGS,
    EmptyReplyError,
    ReplyTooLongError,
    clean,
    clusters,
    graphemes,
    parts,
)

# ----------------------------------------------------------------------------- clean: examples


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Gmail, English, the header wrapped onto two lines
        (
            "Your refund is on its way.\n\nOn Fri, Dec 4, 2026 at 10:00 AM Bob Smith <bob@example.com>\nwrote:\n"
            "> where is my refund\n",
            "Your refund is on its way.",
        ),
        ("Done!\n\nOn Thu, 3 Dec 2026, Bob wrote:\nwhere is it", "Done!"),
        # Apple Mail in Russian
        (
            "Заказ в пути.\n\n4 дек. 2026 г., в 10:00, Иван <ivan@example.ru> написал(а):\n\n> где заказ?",
            "Заказ в пути.",
        ),
        ("Заказ в пути.\n\n04.12.2026 10:00, Иван пишет:\n> где заказ?", "Заказ в пути."),
        # Gmail in Russian: no verb, the address ends the header
        ("Заказ в пути.\n\nпт, 4 дек. 2026 г. в 10:00, Иван <ivan@example.ru>:\nгде заказ?", "Заказ в пути."),
        # Gmail in Turkish
        (
            "Siparişiniz yolda.\n\n4 Ara 2026 Cum, 10:00 tarihinde Ali <ali@example.com> şunu yazdı:\nnerede?",
            "Siparişiniz yolda.",
        ),
        # Outlook
        ("We fixed it.\n\n-----Original Message-----\nFrom: Bob\nSent: Friday\nhi", "We fixed it."),
        (
            "We fixed it.\n\n________________________________\nFrom: Bob <bob@example.com>\nSent: Friday, December 4\n"
            "To: Support\nSubject: pizza\n\nit was cold",
            "We fixed it.",
        ),
        ("We fixed it.\n\nFrom: Bob <bob@example.com>\nSent: Friday\nTo: Support\n\ncold pizza", "We fixed it."),
        ("Исправили.\n\nОт: Иван\nОтправлено: 4 декабря\nКому: Поддержка\n\nхолодная", "Исправили."),
        ("Düzelttik.\n\nKimden: Ali\nGönderildi: 4 Aralık\n\nsoğuk", "Düzelttik."),
        # a "From:" in the agent's own words is not a header
        ("From: our kitchen, with love.\nEnjoy!", "From: our kitchen, with love.\nEnjoy!"),
        # `>` quoted lines, and bottom-posting: the header goes, the answer below stays
        ("> my pizza was cold\nSorry about that!", "Sorry about that!"),
        ("On Fri, Bob wrote:\n> my pizza was cold\n\nSorry about that!", "Sorry about that!"),
        # signatures
        ("Done.\n-- \nAnna\nAcme Support", "Done."),
        ("Done.\n--\nAnna", "Done."),
        ("Thanks for waiting.\n\nBest regards,\nAnna Smith\nSupport team | Acme Pizza", "Thanks for waiting."),
        ("Thanks for waiting.\nKind regards, Anna", "Thanks for waiting."),
        ("Спасибо, что подождали.\n\nС уважением,\nАнна\nСлужба поддержки", "Спасибо, что подождали."),
        ("Beklediğiniz için teşekkürler.\n\nSaygılarımızla,\nAcme Destek Ekibi", "Beklediğiniz için teşekkürler."),
        ("Fixed.\n\nSent from my iPhone", "Fixed."),
        # a closing followed by real text is not a signature
        ("Regards,\nyour order ships tomorrow, and we added a free drink to it as an apology?", None),
        ("Regards, the refund is on its way and should arrive soon", None),
        # whitespace
        ("  Hello\t\t there  \n\n\n\n\nSecond   paragraph \u200b ", "Hello there\n\nSecond paragraph"),
        ("line one\r\nline two\u2028line three", "line one\nline two\nline three"),
        # nothing of the agent's own
        ("On Fri, Bob wrote:\n> hi", ""),
        ("Best regards,\nAnna", ""),
        ("   \n\n ", ""),
    ],
)
def test_clean_removes_history_and_signatures(body: str, expected: str | None) -> None:
    assert clean(body, html=False) == (body if expected is None else expected)


def test_html_keeps_paragraphs_and_line_breaks_and_shows_links() -> None:
    body = (
        "<div><p>Hello <b>Anna</b>,</p><p>see <a href='https://acme.com/faq'>our FAQ</a>, "
        "<a href='https://acme.com/menu'>acme.com/menu</a> or <a href='mailto:help@acme.com'>write us</a>"
        "<br>Bye&nbsp;&amp; thanks</p></div>"
        "<div class='gmail_signature'>Anna | Acme</div>"
        "<blockquote>old <p>history</p></blockquote>"
        "<div class='gmail_quote'>On Fri, Bob wrote: <p>cold</p></div>"
    )
    assert clean(body) == (
        "Hello Anna,\n\nsee our FAQ (https://acme.com/faq), https://acme.com/menu or write us (help@acme.com)\n"
        "Bye & thanks"
    )


def test_html_is_guessed_and_can_be_forced() -> None:
    assert clean("a <b>bold</b> move") == "a bold move"
    assert clean("1 < 2 and 3 > 2", html=None) == "1 < 2 and 3 > 2"
    assert clean("<b>literal</b>", html=False) == "<b>literal</b>"
    assert clean("&lt;p&gt; typed", html=True) == "<p> typed"
    assert clean("<p>On Fri, Bob wrote:</p><p>&gt; cold</p><p>Answer</p>") == "Answer"


def test_closings_are_the_brands_own() -> None:
    body = "Done.\n\nCheers,\nAnna"
    assert clean(body) == body
    assert clean(body, closings=["cheers"]) == "Done."
    assert clean("Done.\n\nBest regards,\nAnna", closings=["cheers"]) == "Done.\n\nBest regards,\nAnna"
    assert "с уважением" in DEFAULT_CLOSINGS
    assert "saygılarımızla" in DEFAULT_CLOSINGS


# ----------------------------------------------------------------------------- graphemes


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("abc", 3),
        ("e\u0301", 1),  # e + combining acute
        ("👍🏽", 1),  # skin tone
        ("👨\u200d👩\u200d👧\u200d👦", 1),  # ZWJ family
        ("❤️", 1),  # variation selector
        ("🇺🇸🇩🇪", 2),  # two flags
        ("🇺🇸🇩", 2),  # a flag and a lone regional indicator
        ("한국어", 3),  # precomposed syllables
        ("\u1100\u1161\u11a8", 1),  # conjoining jamo: one syllable
        ("\r\n", 1),
        ("नमस्ते", 4),  # Devanagari: marks join (conjuncts not merged: counted high, never low)
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 1),  # Scotland (tags)
    ],
)
def test_graphemes(text: str, count: int) -> None:
    assert graphemes(text) == count
    assert "".join(clusters(text)) == text


# ----------------------------------------------------------------------------- parts: examples


def test_a_short_reply_is_one_part_with_the_prefix() -> None:
    assert parts("Thanks!", 280, prefix="@anna ") == ["@anna Thanks!"]


def test_split_prefers_paragraphs_then_sentences_and_numbers_the_parts() -> None:
    text = "First paragraph is here.\n\nSecond paragraph. It has two sentences and is a bit longer than that."
    result = parts(text, 60, prefix="@bob ")
    assert result[0] == f"@bob First paragraph is here. (1/{len(result)})"
    assert all(len(p) <= 60 for p in result)
    assert [p[-5:] for p in result] == [f"({i}/{len(result)})" for i in range(1, len(result) + 1)]
    assert result[1].startswith("Second paragraph.")


def test_an_overlong_word_is_cut_hard() -> None:
    result = parts("x" * 250, 100)
    assert all(len(p) <= 100 for p in result)
    assert "".join(re.sub(r" \(\d+/\d+\)$", "", p) for p in result) == "x" * 250


def test_cut_mode_keeps_one_part_ending_with_an_ellipsis() -> None:
    [part] = parts("word " * 100, 50, mode="cut", prefix="@a ")
    assert part.startswith("@a word") and part.endswith("word…") and len(part) <= 50


def test_too_many_parts_is_an_error_naming_the_numbers() -> None:
    with pytest.raises(ReplyTooLongError) as raised:
        parts("word " * 1000, 100, max_parts=5)
    assert raised.value.needed > 5 and raised.value.limit == 100 and raised.value.max_parts == 5
    assert f"needs {raised.value.needed} parts of 100 characters, at most 5 allowed" in str(raised.value)


def test_empty_text_and_impossible_limits_are_errors() -> None:
    with pytest.raises(EmptyReplyError):
        parts("  \n ", 100)
    with pytest.raises(ValueError, match="no room"):
        parts("a long enough text " * 3, 10, prefix="@somebody_long ")
    with pytest.raises(ValueError, match="mode"):
        parts("x", 10, mode="chop")


def test_graphemes_measure_keeps_emoji_whole() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    result = parts(family * 400, 300, measure=graphemes)
    assert all(graphemes(p) <= 300 for p in result)
    for part in result:
        body = re.sub(r" \(\d+/\d+\)$", "", part)
        assert body == family * (len(body) // len(family))


# ----------------------------------------------------------------------------- properties

_WORDS = st.lists(
    st.sampled_from([*"abcxyzабвğşı.,!?é", "e\u0301", "👍🏽", "🇺🇸", "\u200d", "한", "-", "'"]),
    min_size=1,
    max_size=30,
).map("".join)
_SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", ". ", "! ", "\t"])
_TEXTS = st.lists(st.tuples(_WORDS, _SEPARATORS), min_size=1, max_size=80).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)
)
_MEASURES: list[Callable[[str], int]] = [len, graphemes]


def _bodies(result: list[str], prefix: str) -> list[str]:
    assert result[0].startswith(prefix)
    if len(result) == 1:
        return [result[0][len(prefix) :]]
    bodies = []
    for index, part in enumerate(result, 1):
        label = f" ({index}/{len(result)})"
        assert part.endswith(label)
        bodies.append(part[: -len(label)][len(prefix) if index == 1 else 0 :])
    return bodies


@settings(max_examples=150, deadline=None)
@given(
    text=_TEXTS,
    limit=st.integers(min_value=30, max_value=400),
    prefix=st.sampled_from(["", "@anna ", "@👍🏽x "]),
    which=st.sampled_from([0, 1]),
)
def test_split_parts_fit_lose_nothing_and_carry_the_prefix_once(text: str, limit: int, prefix: str, which: int) -> None:
    measure = _MEASURES[which]
    if not text.strip():
        return
    result = parts(text, limit, prefix=prefix, max_parts=1000, measure=measure)
    assert all(measure(p) <= limit for p in result)
    bodies = _bodies(result, prefix)
    assert all(body.strip() for body in bodies)
    assert "".join("".join(b.split()) for b in bodies) == "".join(text.split())
    if prefix:  # the generated texts hold no "@": the prefix can only be ours
        assert sum(p.count(prefix) for p in result) == 1


@settings(max_examples=100, deadline=None)
@given(text=_TEXTS, limit=st.integers(min_value=20, max_value=300), which=st.sampled_from([0, 1]))
def test_cut_is_one_part_within_the_limit(text: str, limit: int, which: int) -> None:
    measure = _MEASURES[which]
    if not text.strip():
        return
    [part] = parts(text, limit, mode="cut", prefix="@a ", measure=measure)
    assert measure(part) <= limit and part.startswith("@a ")
    if measure("@a " + text.strip()) > limit:
        assert part.endswith("…")


_BODY_PIECES = st.sampled_from(
    [
        "Hello",
        "Best regards,",
        "Anna",
        "-- ",
        "> quoted",
        "On Fri, Bob wrote:",
        "From: Bob",
        "Sent: Friday",
        "С уважением,",
        "Saygılarımızla",
        "Sent from my iPhone",
        "",
        "   ",
        "Your order ships tomorrow.",
        "<p>para</p>",
        "<br>",
        "&amp;",
        "<a href='https://x.io'>x</a>",
        "\t\u200b",
        "-----Original Message-----",
        "Regards, Anna",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.one_of(_BODY_PIECES, st.text(max_size=20)), max_size=15),
    html=st.sampled_from([None, True, False]),
)
def test_clean_is_idempotent_on_its_own_output(pieces: list[str], html: bool | None) -> None:
    once = clean("\n".join(pieces), html=html)
    assert clean(once, html=False) == once
    assert once == once.strip()
    assert "\n\n\n" not in once


# `regex` (a pinned dependency) segments by the full UAX #29 rules: the oracle for the approximation.
_GRAPHEME_POOL = [
    *"aé .\n\r",
    "e\u0301",
    "\u0301",
    "👍",
    "🏽",
    "\u200d",
    "\u200c",
    "\u200b",
    "👨",
    "👩",
    "❤",
    "\ufe0f",
    "🇺",
    "🇸",
    "한",
    "\u1100",
    "\u1161",
    "\u11a8",
    "न",
    "\u094d",
    "ि",
    "🏴",
    "\U000e0067",
    "\u0e33",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_GRAPHEME_POOL), max_size=20).map("".join))
def test_graphemes_never_counts_fewer_than_the_standard(text: str) -> None:
    assert graphemes(text) >= len(regex.findall(r"\X", text))


@pytest.mark.parametrize(
    "text",
    [
        "Thanks 👍🏽! Your order 🍕 is on its way 🚚💨",
        "👨\u200d👩\u200d👧\u200d👦 family, ❤️ love, 🏳️\u200d🌈 flag, 🇹🇷🇷🇺🇺🇸",
        "Café, naïve, e\u0301, 한국어, \u1100\u1161\u11a8",
        "Спасибо! Teşekkürler! 謝謝",
        "👩🏽\u200d💻 and 🧑\u200d🤝\u200d🧑",
    ],
)
def test_graphemes_match_the_standard_on_ordinary_text(text: str) -> None:
    assert graphemes(text) == len(regex.findall(r"\X", text))
