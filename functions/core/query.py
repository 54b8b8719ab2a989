"""The brand query language for scheduled polls: parse once, compile per source, re-check locally.

A brand's query (`acme "acme corp" -job NOT (hiring OR career)`) is parsed when the brand config is
loaded, so a typo fails the load with a column instead of silently polling nothing. Each source gets
the closest native search string it can express (or `UnsupportedQueryError`, after which the caller
polls the broader `broad_terms`), and every fetched text is re-checked with `matches`, so all
sources obey the same query whatever their search engine really does. Pure: no I/O.

Grammar (operators are uppercase only; `and`/`or`/`not` are ordinary terms):
    expr  := or
    or    := and ("OR" and)*
    and   := unary (("AND")? unary)*          juxtaposition is AND
    unary := ("NOT" | "-") unary | atom      `-word`, `-"phrase"`, `-(...)` exclude
    atom  := TERM | '"' PHRASE '"' | "(" expr ")"
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

_MAX_DEPTH = 50
_TERM_CHARS = re.compile(r"[\w@#.'-]+")
_WORD = re.compile(r"\w+")
# Turkish İ/I/ı and the combining dot left by casefolding İ all become plain "i"; Russian ё becomes е.
_FOLDS = str.maketrans({"İ": "i", "I": "i", "ı": "i", "Ё": "е", "ё": "е"})


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed; `position` is the 0-based column it failed at."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class UnsupportedQueryError(ValueError):
    """The source's native search cannot express the query: poll `broad_terms` and rely on `matches`."""


@dataclass(frozen=True)
class Term:
    """One whole word (may carry `@`, `#`, inner `-`, `.`, `'`)."""

    text: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Phrase:
    """Words in sequence; punctuation between them in the query or the text is ignored."""

    text: str
    pos: int = field(default=0, compare=False)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(_WORD.findall(fold(self.text)))


@dataclass(frozen=True)
class Not:
    child: Node
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    pos: int = field(default=0, compare=False)


Node = Term | Phrase | Not | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed query and the text it came from (kept for logs and error messages)."""

    text: str
    root: Node


# ---------------------------------------------------------------------------------------------- parse


@dataclass(frozen=True)
class _Token:
    kind: str  # TERM PHRASE AND OR NOT MINUS LP RP EOF
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token("LP" if ch == "(" else "RP", ch, i))
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError(f"unterminated quote at column {i}", i)
            body = " ".join(text[i + 1 : end].split())
            if not _WORD.search(body):
                raise QuerySyntaxError(f"empty phrase at column {i}", i)
            tokens.append(_Token("PHRASE", body, i))
            i = end + 1
        elif ch == "-":  # at the start of a token, so it is an exclusion, not an inner hyphen
            tokens.append(_Token("MINUS", ch, i))
            i += 1
        elif m := _TERM_CHARS.match(text, i):
            word = m.group()
            if word in ("AND", "OR", "NOT"):
                tokens.append(_Token(word, word, i))
            elif _WORD.search(word):
                tokens.append(_Token("TERM", word, i))
            else:
                raise QuerySyntaxError(f"a term needs a letter or digit: '{word}' at column {i}", i)
            i = m.end()
        else:
            raise QuerySyntaxError(f"unexpected '{ch}' at column {i}", i)
    tokens.append(_Token("EOF", "", len(text)))
    return tokens


_OPERAND_START = frozenset({"TERM", "PHRASE", "LP", "NOT", "MINUS"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def operand_after(self, op: _Token) -> None:
        """An operator must be followed by something to apply to."""
        if self.peek().kind not in _OPERAND_START:
            raise QuerySyntaxError(f"dangling operator '{op.text}' at column {op.pos}", op.pos)

    def parse_or(self) -> Node:
        start = self.peek().pos
        items = [self.parse_and()]
        while self.peek().kind == "OR":
            self.operand_after(self.take())
            items.append(self.parse_and())
        return _flat(Or, items, start)

    def parse_and(self) -> Node:
        start = self.peek().pos
        items = [self.parse_unary()]
        while True:
            if self.peek().kind == "AND":
                self.operand_after(self.take())
            elif self.peek().kind not in _OPERAND_START:
                return _flat(And, items, start)
            items.append(self.parse_unary())

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok.kind in ("NOT", "MINUS"):
            self.take()
            self.operand_after(tok)
            return Not(self.parse_unary(), tok.pos)
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.take()
        if tok.kind == "TERM":
            return Term(tok.text, tok.pos)
        if tok.kind == "PHRASE":
            return Phrase(tok.text, tok.pos)
        if tok.kind == "LP":
            if self.peek().kind == "RP":
                raise QuerySyntaxError(f"empty parentheses at column {tok.pos}", tok.pos)
            if self.peek().kind == "EOF":
                raise QuerySyntaxError(f"unbalanced '(' at column {tok.pos}", tok.pos)
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise QuerySyntaxError(f"parentheses nested too deeply at column {tok.pos}", tok.pos)
            inner = self.parse_or()
            self.depth -= 1
            close = self.take()
            if close.kind == "EOF":
                raise QuerySyntaxError(f"unbalanced '(' at column {tok.pos}", tok.pos)
            if close.kind != "RP":  # pragma: no cover - parse_or stops only at RP or EOF
                raise QuerySyntaxError(f"unexpected '{close.text}' at column {close.pos}", close.pos)
            return inner
        if tok.kind in ("AND", "OR"):
            raise QuerySyntaxError(f"dangling operator '{tok.text}' at column {tok.pos}", tok.pos)
        if tok.kind == "RP":
            raise QuerySyntaxError(f"unexpected ')' at column {tok.pos}", tok.pos)
        raise QuerySyntaxError(f"unexpected end of query at column {tok.pos}", tok.pos)  # pragma: no cover


def _flat(kind: type[And] | type[Or], items: list[Node], pos: int) -> Node:
    """`a (b c)` and `a b c` are the same query; flattening keeps compilers' shape checks simple."""
    if len(items) == 1:
        return items[0]
    flat: list[Node] = []
    for item in items:
        flat.extend(item.children if isinstance(item, kind) else (item,))
    return kind(tuple(flat), pos)


def _negative_part(node: Node) -> Node | None:
    """The part that matches almost everything, if any: a query must match only texts with a positive term.

    That is also what makes `broad_terms` a safe native query: every match contains one of them.
    """
    if isinstance(node, Term | Phrase):
        return None
    if isinstance(node, Not):
        return node
    if isinstance(node, Or):
        return next((bad for c in node.children if (bad := _negative_part(c)) is not None), None)
    return None if any(_negative_part(c) is None for c in node.children) else node


def parse(text: str) -> Query:
    """Parse a query or raise `QuerySyntaxError` with the column of the problem."""
    parser = _Parser(text)
    if parser.peek().kind == "EOF":
        raise QuerySyntaxError("empty query at column 0", 0)
    root = parser.parse_or()
    extra = parser.peek()
    if extra.kind != "EOF":
        raise QuerySyntaxError(f"unexpected '{extra.text}' at column {extra.pos}", extra.pos)
    if (bad := _negative_part(root)) is not None:
        raise QuerySyntaxError(
            f"a query needs at least one positive term (only exclusions at column {bad.pos})", bad.pos
        )
    return Query(text, root)


def render(node: Node) -> str:
    """Canonical query text for a node; `parse(render(n))` matches the same texts as `n`."""
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Phrase):
        return f'"{node.text}"'
    if isinstance(node, Not):
        inner = render(node.child)
        return f"-{inner}" if isinstance(node.child, Term | Phrase) else f"NOT ({inner})"
    if isinstance(node, And):
        return " ".join(f"({render(c)})" if isinstance(c, And | Or) else render(c) for c in node.children)
    return " OR ".join(f"({render(c)})" if isinstance(c, Or) else render(c) for c in node.children)


# -------------------------------------------------------------------------------------------- matches


def fold(text: str) -> str:
    """NFKC, then Turkish İ/I/ı → i and Russian Ё/ё → е, then casefold (which also strips İ's dot)."""
    return unicodedata.normalize("NFKC", text).translate(_FOLDS).casefold().replace("i\u0307", "i")


@lru_cache(maxsize=1024)
def _pattern(node: Term | Phrase) -> re.Pattern[str]:
    """Whole-word match: `(?<!\\w)`/`(?!\\w)` so `acme` hits `#acme`, `@acme`, `acme's` but not `acmeville`."""
    body = re.escape(fold(node.text)) if isinstance(node, Term) else r"\W+".join(map(re.escape, node.words))
    return re.compile(rf"(?<!\w){body}(?!\w)")


def _eval(node: Node, folded: str) -> bool:
    if isinstance(node, Term | Phrase):
        return _pattern(node).search(folded) is not None
    if isinstance(node, Not):
        return not _eval(node.child, folded)
    if isinstance(node, And):
        return all(_eval(c, folded) for c in node.children)
    return any(_eval(c, folded) for c in node.children)


def matches(query: Query, text: str) -> bool:
    """The local re-check every fetched text goes through, whatever the source's search did."""
    return _eval(query.root, fold(text))


def broad_terms(query: Query) -> list[str]:
    """The positive terms/phrases (phrases quoted), deduplicated: their OR is a superset of the query."""
    out: list[str] = []

    def walk(node: Node) -> None:
        if isinstance(node, Term | Phrase):
            text = render(node)
            if text not in out:
                out.append(text)
        elif isinstance(node, And | Or):
            for child in node.children:
                walk(child)

    walk(query.root)
    return out


# ------------------------------------------------------------------------------------------ compilers


def _unsupported(source: str, what: str, node: Node) -> UnsupportedQueryError:
    return UnsupportedQueryError(f"{source} search cannot express {what}: {render(node)}")


def _atom(node: Node, source: str) -> str:
    if isinstance(node, Term | Phrase):
        return render(node)
    raise _unsupported(source, "grouping or OR", node)


def _and_items(node: Node) -> tuple[Node, ...]:
    return node.children if isinstance(node, And) else (node,)


def _space_and(query: Query, source: str, *, exclusions: bool) -> str:
    """Space-separated AND of terms/phrases, with `-atom` exclusions where the source has them."""
    parts: list[str] = []
    for item in _and_items(query.root):
        if isinstance(item, Not):
            if not exclusions:
                raise _unsupported(source, "NOT", item)
            parts.append("-" + _atom(item.child, source))
        else:
            parts.append(_atom(item, source))
    return " ".join(parts)


def to_reddit(query: Query) -> str:
    """Reddit `q`: Lucene-like AND/OR/NOT (uppercase), quotes, parentheses [polls.md notes: quotes and
    `NOT` (param list unconfirmed); `AND NOT` form and quoting of `-`/`.` terms are our assumption]. Terms with
    non-word characters are quoted so Lucene does not read `-`, `.` or `#` as syntax."""

    def emit(node: Node) -> str:
        if isinstance(node, Term):
            return node.text if _WORD.fullmatch(node.text) else f'"{node.text}"'
        if isinstance(node, Phrase):
            return render(node)
        if isinstance(node, Not):
            return "NOT " + wrap(node.child)
        if isinstance(node, Or):
            return " OR ".join(wrap(c) for c in node.children)
        positives = [c for c in node.children if not isinstance(c, Not)]
        if not positives:  # a bare negative group matches nothing in Lucene
            raise _unsupported("reddit", "a group of only exclusions", node)
        negatives = [c for c in node.children if isinstance(c, Not)]
        return " AND ".join([wrap(c) for c in positives] + [emit(c) for c in negatives])

    def wrap(node: Node) -> str:
        return f"({emit(node)})" if isinstance(node, And | Or) else emit(node)

    return emit(query.root)


def to_hackernews(query: Query) -> str:
    """Algolia HN `query`: space = AND, quotes for phrases [secondary sources]; no OR/NOT (Algolia's
    `-word` needs advancedSyntax, not known to be on), so those raise."""
    return _space_and(query, "hackernews", exclusions=False)


def to_youtube(query: Query) -> str:
    """search.list `q`: `|` = OR, `-` = NOT, space = AND, quotes [`|`/`-` recalled from the
    search.list reference, not in polls.md; quotes and how `|` binds against spaces unconfirmed]. So OR only at the
    top level over terms/phrases, or an AND of terms, phrases and exclusions; anything nested raises."""
    if isinstance(query.root, Or):
        return "|".join(_atom(c, "youtube") for c in query.root.children)
    return _space_and(query, "youtube", exclusions=True)


def to_bluesky(query: Query) -> str:
    """searchPosts `q`: space = AND, quotes, `-` exclusion ["Lucene syntax recommended" per the lexicon;
    OR/parentheses support is not documented, so they raise]."""
    return _space_and(query, "bluesky", exclusions=True)


def to_mastodon(query: Query) -> str:
    """v2 search `q`: treated as plain text [operators vary by version/instance]; only a single term or
    phrase is sent, anything else raises."""
    return _atom(query.root, "mastodon")


def to_vk(query: Query) -> str:
    """newsfeed.search `q`: space = AND, `#hashtag`, `-word` exclusion, quotes [`-word` and quotes are
    unconfirmed]; OR raises."""
    return _space_and(query, "vk", exclusions=True)


COMPILERS: Mapping[str, Callable[[Query], str]] = {
    "reddit": to_reddit,
    "hackernews": to_hackernews,
    "youtube": to_youtube,
    "bluesky": to_bluesky,
    "mastodon": to_mastodon,
    "vk": to_vk,
}
KNOWN_SOURCES: frozenset[str] = frozenset(COMPILERS) | {"rss", "appstore", "googleplay"}


# ------------------------------------------------------------------------------------------- QuerySet


@dataclass(frozen=True)
class QuerySet:
    """A brand's default query plus per-source overrides, all parsed at load."""

    default: Query
    overrides: Mapping[str, Query] = field(default_factory=dict)

    @classmethod
    def from_config(cls, value: object, sources: Iterable[str] = KNOWN_SOURCES) -> QuerySet:
        """`"acme"` or `{"default": "acme", "reddit": "acme NOT r/acme"}`; errors name the key and column."""
        if isinstance(value, str):
            return cls(_parse_keyed("query", value))
        if not isinstance(value, Mapping):
            raise QuerySyntaxError("query: expected a string or an object of source → query", 0)
        known = frozenset(sources)
        parsed: dict[str, Query] = {}
        for key, text in value.items():
            if key != "default" and key not in known:
                raise QuerySyntaxError(f"query: unknown source {key!r} (known: {', '.join(sorted(known))})", 0)
            if not isinstance(text, str):
                raise QuerySyntaxError(f"query.{key}: expected a string", 0)
            parsed[key] = _parse_keyed(f"query.{key}", text)
        if "default" not in parsed:
            raise QuerySyntaxError("query: a 'default' query is required", 0)
        default = parsed.pop("default")
        return cls(default, parsed)

    def query_for(self, source: str) -> Query:
        """The source's override, else the default."""
        return self.overrides.get(source, self.default)


def _parse_keyed(key: str, text: str) -> Query:
    try:
        return parse(text)
    except QuerySyntaxError as e:
        raise QuerySyntaxError(f"{key}: {e.message}", e.position) from None
