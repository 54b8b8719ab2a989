"""The brand query language: parsing with columns, the local re-check, native compilers, per-source overrides."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.core.query import (
    And,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    QuerySet,
    QuerySyntaxError,
    Term,
    UnsupportedQueryError,
    broad_terms,
    matches,
    parse,
    render,
    to_bluesky,
    to_hackernews,
    to_mastodon,
    to_reddit,
    to_vk,
    to_youtube,
)

# ------------------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "root"),
    [
        ("a b OR c", Or((And((Term("a"), Term("b"))), Term("c")))),
        ("a AND b OR c", Or((And((Term("a"), Term("b"))), Term("c")))),
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
        ("NOT a b", And((Not(Term("a")), Term("b")))),
        ("a NOT b OR c", Or((And((Term("a"), Not(Term("b")))), Term("c")))),
        ('a -b -"c d"', And((Term("a"), Not(Term("b")), Not(Phrase("c d"))))),
        ("a -(b OR c)", And((Term("a"), Not(Or((Term("b"), Term("c"))))))),
        ("a (b (c OR (d e)))", And((Term("a"), Term("b"), Or((Term("c"), And((Term("d"), Term("e")))))))),
        ("(a OR b) (c OR d)", And((Or((Term("a"), Term("b"))), Or((Term("c"), Term("d")))))),
        ('"Acme,  Inc."', Phrase("Acme, Inc.")),
        (
            "acme-corp @acme #acme acme.com o'neil",
            And(tuple(map(Term, ["acme-corp", "@acme", "#acme", "acme.com", "o'neil"]))),
        ),
        ("Газпром İstanbul ığdır", And((Term("Газпром"), Term("İstanbul"), Term("ığdır")))),
        ("acme and or not", And(tuple(map(Term, ["acme", "and", "or", "not"])))),
    ],
)
def test_parse_precedence_and_terms(text: str, root: Node) -> None:
    assert parse(text).root == root


def test_parse_keeps_the_text_and_positions() -> None:
    q = parse("acme -job")
    assert q.text == "acme -job"
    assert isinstance(q.root, And)
    assert [c.pos for c in q.root.children] == [0, 5]


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("", "empty query at column 0", 0),
        ("   ", "empty query at column 0", 0),
        ("acme AND (b OR c))", "unexpected ')' at column 17", 17),
        (")acme", "unexpected ')' at column 0", 0),
        ("acme (b OR c", "unbalanced '(' at column 5", 5),
        ("acme ((b)", "unbalanced '(' at column 5", 5),
        ("acme (", "unbalanced '(' at column 5", 5),
        ("acme ()", "empty parentheses at column 5", 5),
        ("acme AND", "dangling operator 'AND' at column 5", 5),
        ("acme OR", "dangling operator 'OR' at column 5", 5),
        ("OR acme", "dangling operator 'OR' at column 0", 0),
        ("acme AND OR b", "dangling operator 'AND' at column 5", 5),
        ("acme NOT", "dangling operator 'NOT' at column 5", 5),
        ("acme -", "dangling operator '-' at column 5", 5),
        ("acme (b OR)", "dangling operator 'OR' at column 8", 8),
        ('acme "big deal', "unterminated quote at column 5", 5),
        ('acme ""', "empty phrase at column 5", 5),
        ("acme ~x", "unexpected '~' at column 5", 5),
        ("acme ...", "a term needs a letter or digit: '...' at column 5", 5),
        ("-acme", "a query needs at least one positive term (only exclusions at column 0)", 0),
        ("NOT a NOT b", "a query needs at least one positive term (only exclusions at column 0)", 0),
        ("acme OR -job", "a query needs at least one positive term (only exclusions at column 8)", 8),
        ("acme OR (-a -b)", "a query needs at least one positive term (only exclusions at column 9)", 9),
        ("(" * 60 + "a" + ")" * 60, "parentheses nested too deeply at column 50", 50),
    ],
)
def test_syntax_errors_have_a_column(text: str, message: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    assert str(info.value) == message
    assert info.value.position == column


def test_negations_next_to_a_positive_term_are_fine() -> None:
    assert matches(parse("acme (x OR -y)"), "acme")
    assert not matches(parse("acme (x OR -y)"), "acme y")


# ------------------------------------------------------------------------------------------- matches


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("acme", "I love Acme!", True),
        ("acme", "ACME's new thing", True),
        ("acme", "acmeville is a town", False),
        ("acme", "megaacme", False),
        ("acme", "acme_corp", False),
        ("acme", "#acme rocks", True),
        ("acme", "cc @acme please", True),
        ("acme", "see acme.com or acme-corp", True),
        ("#acme", "#acme rocks", True),
        ("#acme", "acme rocks", False),
        ("@acme", "ping @Acme", True),
        ("acme.com", "visit ACME.COM today", True),
        ("acme.com", "acme com", False),
        ('"acme corp"', "Acme, Corp. is here", True),
        ('"acme corp"', "acme\n\t corp", True),
        ('"acme corp"', "acme big corp", False),
        ('"acme corp"', "acme corporate", False),
        ('"Acme, Inc."', "acme inc", True),
        ("acme widget", "widget by acme", True),
        ("acme widget", "acme only", False),
        ("acme OR widget", "widget only", True),
        ("acme -job", "acme is great", True),
        ("acme -job", "acme job offer", False),
        ('acme -"job offer"', "acme job, offer!", False),
        ('acme -"job offer"', "acme job then offer... no: offer job", True),
        ("acme NOT (job OR hiring)", "acme hiring now", False),
        ("a b OR c", "c", True),
        ("a b OR c", "a", False),
        ("ёлка", "ЕЛКА на площади", True),
        ("елка", "Ёлка!", True),
        ("istanbul", "İSTANBUL", True),
        ("İstanbul", "istanbul", True),
        ("ığdır", "IĞDIR", True),
        ("Газпром", "новости газпрома", False),
        ("Газпром", "новости: ГАЗПРОМ.", True),
        ("straße", "STRASSE", True),
        ("acme", "ａｃｍｅ fullwidth", True),
    ],
)
def test_matches(query: str, text: str, expected: bool) -> None:
    assert matches(parse(query), text) is expected


# ------------------------------------------------------------------------------------------ compilers

Q = parse


def test_reddit() -> None:
    assert to_reddit(Q("acme")) == "acme"
    assert to_reddit(Q('acme "big deal" OR widget')) == '(acme AND "big deal") OR widget'
    assert to_reddit(Q("-job acme NOT (hiring OR career)")) == "acme AND NOT job AND NOT (hiring OR career)"
    assert to_reddit(Q("acme-corp OR acme.com OR #acme")) == '"acme-corp" OR "acme.com" OR "#acme"'
    assert to_reddit(Q("acme NOT (x -y)")) == "acme AND NOT (x AND NOT y)"
    with pytest.raises(UnsupportedQueryError, match="only exclusions"):
        to_reddit(Q("acme NOT (-x -y)"))


def test_hackernews() -> None:
    assert to_hackernews(Q('acme "big deal"')) == 'acme "big deal"'
    for text in ("acme OR widget", "acme -job", "acme (a OR b)"):
        with pytest.raises(UnsupportedQueryError, match="hackernews"):
            to_hackernews(Q(text))


def test_youtube() -> None:
    assert to_youtube(Q('acme OR "acme corp" OR widget')) == 'acme|"acme corp"|widget'
    assert to_youtube(Q('acme widget -job -"job offer"')) == 'acme widget -job -"job offer"'
    for text in ("acme (a OR b)", "a b OR c", "acme NOT (a OR b)"):
        with pytest.raises(UnsupportedQueryError, match="youtube"):
            to_youtube(Q(text))


def test_bluesky_and_vk() -> None:
    for compile_ in (to_bluesky, to_vk):
        assert compile_(Q('acme "big deal" -job')) == 'acme "big deal" -job'
        assert compile_(Q("#acme")) == "#acme"
        for text in ("acme OR widget", "acme NOT (a b)", "acme (a OR b)"):
            with pytest.raises(UnsupportedQueryError):
                compile_(Q(text))


def test_mastodon() -> None:
    assert to_mastodon(Q("acme")) == "acme"
    assert to_mastodon(Q('"acme corp"')) == '"acme corp"'
    for text in ("acme widget", "acme OR widget", "acme -job"):
        with pytest.raises(UnsupportedQueryError, match="mastodon"):
            to_mastodon(Q(text))


def test_broad_terms() -> None:
    assert broad_terms(Q('acme "big deal" OR acme -job NOT (x OR y)')) == ["acme", '"big deal"']
    assert broad_terms(Q("acme (x OR -y)")) == ["acme", "x"]


# ------------------------------------------------------------------------------------------- QuerySet


def test_queryset_string_is_the_default_for_every_source() -> None:
    qs = QuerySet.from_config("acme -job")
    assert qs.query_for("reddit") == qs.query_for("vk") == parse("acme -job")


def test_queryset_overrides() -> None:
    qs = QuerySet.from_config({"default": "acme", "reddit": "acme NOT meme", "vk": "акме"})
    assert qs.query_for("reddit").text == "acme NOT meme"
    assert qs.query_for("vk").text == "акме"
    assert qs.query_for("youtube").text == "acme"


@pytest.mark.parametrize(
    ("value", "message", "column"),
    [
        ("acme (", "query: unbalanced '(' at column 5", 5),
        ({"default": "acme", "reddit": "acme OR"}, "query.reddit: dangling operator 'OR' at column 5", 5),
        ({"default": ""}, "query.default: empty query at column 0", 0),
        ({"reddit": "acme"}, "query: a 'default' query is required", 0),
        ({"default": "acme", "redit": "acme"}, "query: unknown source 'redit'", 0),
        ({"default": 3}, "query.default: expected a string", 0),
        (["acme"], "query: expected a string or an object", 0),
    ],
)
def test_queryset_errors_name_the_key_and_column(value: object, message: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        QuerySet.from_config(value)
    assert str(info.value).startswith(message)
    assert info.value.position == column


# ------------------------------------------------------------------------------------- round-trip


VOCAB = ["acme", "widget", "ёлка", "istanbul", "o'neil", "#acme"]
leaves: st.SearchStrategy[Node] = st.one_of(
    st.sampled_from(VOCAB).map(Term),
    st.lists(st.sampled_from(VOCAB), min_size=1, max_size=2).map(lambda ws: Phrase(" ".join(ws))),
)
trees: st.SearchStrategy[Node] = st.recursive(
    leaves,
    lambda kids: st.one_of(
        kids.map(Not),
        st.lists(kids, min_size=2, max_size=3).map(lambda cs: And(tuple(cs))),
        st.lists(kids, min_size=2, max_size=3).map(lambda cs: Or(tuple(cs))),
    ),
    max_leaves=8,
)
TEXT_WORDS = [*VOCAB, "Acme!", "ACME", "acmeville", "#Widget", "ЁЛКА", "İSTANBUL", "O'Neil", "other"]
texts = st.lists(st.sampled_from(TEXT_WORDS), max_size=6).flatmap(
    lambda ws: st.lists(st.sampled_from([" ", ", ", "\n", "-", "... "]), min_size=len(ws), max_size=len(ws)).map(
        lambda seps: "".join(w + s for w, s in zip(ws, seps, strict=True))
    )
)


@settings(max_examples=300, deadline=None)
@given(tree=trees, anchor=leaves, samples=st.lists(texts, min_size=1, max_size=8))
def test_render_parse_round_trip(tree: Node, anchor: Node, samples: list[str]) -> None:
    try:
        parsed = parse(render(tree))
    except QuerySyntaxError as e:
        assert "positive term" in e.message  # only a query that would match everything is refused
        tree = And((anchor, tree))  # a positive sibling always makes it acceptable
        parsed = parse(render(tree))
    original = Query(render(tree), tree)
    for text in samples:
        assert matches(parsed, text) == matches(original, text), (render(tree), text)
        if matches(parsed, text):  # the broad native query (OR of broad_terms) never loses a match
            assert any(matches(parse(term), text) for term in broad_terms(parsed)), (render(tree), text)
