"""Verdicts: a person's word on whether a mention was a complaint. Pure.

Where they come from (`Source`), strongest first when two disagree about one mention:
- `agent`: `POST /mentions/{id}/verdict`, an agent marking a mention by hand (with a sentiment
  label when the agent gives one);
- `import`: `python -m functions.cli verdicts import`, a brand's history;
- `desk`: the helpdesk's own "not a complaint / spam" signal on the mention's ticket (per brand:
  `helpdesk.not_complaint` in the brand file, default per vendor in `DEFAULT_SIGNALS`);
- `solved`: a ticket solved without such a signal: the agents treated it as a complaint.

A signal is `status:<word>` (the ticket's status, lower-cased), `tag:<tag>` (Zendesk, Zammad, a Jira
label), `resolution:<name>` (Jira), or `spam` (Zendesk, Freshdesk). Statuses like closed or rejected
are also used for real complaints on some desks, so only the configured signals count as "no".
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

from functions.core.tickets import DeskState, is_solved


class Source(IntEnum):
    """Where a verdict came from; a higher value is not overwritten by a lower one."""

    SOLVED = 1
    DESK = 2
    IMPORT = 3
    AGENT = 4


DEFAULT_SIGNALS: Mapping[str, tuple[str, ...]] = {
    "zendesk": ("tag:not_complaint", "spam"),
    "freshdesk": ("spam", "tag:not_complaint"),
    "jira": ("resolution:not a complaint", "tag:not-complaint"),
    "jira_sm": ("resolution:not a complaint", "resolution:declined", "tag:not-complaint"),
    "zammad": ("tag:not_complaint",),
    "request_tracker": ("status:rejected",),
    "builtin": ("status:not_complaint", "status:spam"),
}
SIGNAL_KINDS = ("status", "tag", "resolution")


class SignalError(ValueError):
    """A `not_complaint` signal in the brand file that is not `status:`, `tag:`, `resolution:` or `spam`."""


def parse_signals(raw: object) -> tuple[str, ...]:
    """The brand file's `helpdesk.not_complaint`: a list of signals, normalised to lower case."""
    if not isinstance(raw, list | tuple) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise SignalError("not_complaint must be a list of signals like 'status:rejected', 'tag:x', 'spam'")
    signals = tuple(s.strip().lower() for s in raw)
    for signal in signals:
        kind, _, value = signal.partition(":")
        if signal != "spam" and (kind not in SIGNAL_KINDS or not value.strip()):
            raise SignalError(
                f"not_complaint signal {signal!r}: expected status:<word>, tag:<tag>, resolution:<name> or spam"
            )
    return signals


def signals_for(vendor: str, configured: Sequence[str] | None) -> tuple[str, ...]:
    """The brand's own signals, else its vendor's default."""
    return tuple(configured) if configured is not None else DEFAULT_SIGNALS.get(vendor, ())


def desk_verdict(state: DeskState, signals: Sequence[str]) -> tuple[bool, Source] | None:
    """(complaint, source) from a ticket's state: "no" on a configured signal, "yes" when solved
    without one, None while the ticket is open and unmarked."""
    if state.signals() & set(signals):
        return False, Source.DESK
    if is_solved(state.status):
        return True, Source.SOLVED
    return None


@dataclass(frozen=True)
class Verdict:
    """One labelled mention of one brand. `key` is the mention's identity (`brand#network#id`), or
    `brand#text#<sha256>` for an imported text with no stored mention."""

    key: str
    brand: str
    complaint: bool
    source: Source
    at: str  # ISO time
    text: str
    lang: str | None = None
    sentiment: str | None = None  # the desk's or agent's label, "negative" / "neutral" / "positive", if given


def text_key(brand: str, text: str) -> str:
    return f"{brand}#text#{hashlib.sha256(' '.join(text.split()).encode()).hexdigest()[:32]}"


YES = frozenset({"1", "yes", "y", "true", "complaint", "c"})
NO = frozenset({"0", "no", "n", "false", "not_complaint", "not complaint", "not-complaint", "spam", "nc"})


SENTIMENT_LABELS = ("negative", "neutral", "positive")  # what a verdict's `sentiment` holds
SENTIMENTS = {
    "negative": "negative",
    "neg": "negative",
    "-1": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "0": "neutral",
    "positive": "positive",
    "pos": "positive",
    "1": "positive",
    "+1": "positive",
}


def parse_sentiment(raw: str) -> str | None:
    """An import's optional `sentiment` column: negative/neutral/positive (or -1/0/1)."""
    return SENTIMENTS.get(raw.strip().lower())


def parse_label(raw: str) -> bool | None:
    value = raw.strip().lower()
    return True if value in YES else False if value in NO else None


@dataclass(frozen=True)
class ImportRow:
    line: int
    mention_id: str | None  # `network#external_id` or the full identity
    text: str | None
    complaint: bool
    sentiment: str | None = None


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


def read_import(lines: Iterable[str]) -> Iterator[ImportRow | BadRow]:
    """Rows of an import CSV with a header: `label` and `id` or `text` (or both; `id` wins), and an
    optional `sentiment` (negative/neutral/positive or -1/0/1: the desk's own sentiment label, which
    the brand's model learns when enough verdicts carry one)."""
    reader = csv.DictReader(lines)
    columns = {c.strip().lower() for c in reader.fieldnames or ()}
    if "label" not in columns or not columns & {"id", "text"}:
        raise ValueError("the CSV needs a header with 'label' and 'id' or 'text'")
    for row in reader:
        line = reader.line_num
        data = {str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        label = parse_label(data.get("label", ""))
        if label is None:
            yield BadRow(line, f"label {data.get('label', '')!r} is not yes/no (1/0, complaint/not_complaint)")
            continue
        mention_id, text = data.get("id") or None, data.get("text") or None
        if mention_id is None and text is None:
            yield BadRow(line, "neither id nor text")
            continue
        sentiment = parse_sentiment(data["sentiment"]) if data.get("sentiment") else None
        if data.get("sentiment") and sentiment is None:
            yield BadRow(line, f"sentiment {data['sentiment']!r} is not negative/neutral/positive (-1/0/1)")
            continue
        yield ImportRow(line, mention_id, text, label, sentiment)
