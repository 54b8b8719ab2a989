"""The mention: one customer post, comment, reply, message or review, whatever the network.

Its identity `brand#network#external_id` is the key that makes storage and ticketing idempotent,
so a connector must derive `external_id` from the network's own ids only (never from delivery ids
or clocks): the same post delivered twice, or seen by a webhook and by a poll, gets the same
identity. The brand is part of it: one post that concerns two brands of the agency (a tweet naming
both, a Reddit thread matching both queries, the same `generic` id from two brands' systems) is
two mentions, each stored, ticketed and edited for its own brand only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from functions.core.lang import language_code

# What one mention may weigh, so that whatever the door accepts can be queued (SQS: 256 KiB a
# message on any queue) and stored (DynamoDB: 400 KB an item, 2048 bytes a key attribute).
MAX_TEXT_BYTES = 128 * 1024  # UTF-8 bytes of `text` kept; longer texts are cut, `truncated_from` says so
MAX_MENTION_BYTES = 200 * 1024  # the whole mention as JSON, after the cut
MAX_KEY_BYTES = 1024  # the identity and the thread key (keys of the mentions and tickets tables)


class Kind(StrEnum):
    POST = "post"
    COMMENT = "comment"
    REPLY = "reply"
    MESSAGE = "message"
    REVIEW = "review"


class Action(StrEnum):
    """What the network says happened to the post: edits update it, deletes mark it (never erase)."""

    NEW = "new"
    EDIT = "edit"
    DELETE = "delete"
    RESTORE = "restore"


NO_AUTHOR = "(no author)"  # what people see where a source names no author


@dataclass(frozen=True)
class Author:
    """Who wrote a mention. `id` "" means the source names no author (an RSS item without one):
    such a mention has no author to follow, count for loyalty or file a ticket for by name."""

    id: str
    handle: str | None = None
    name: str | None = None
    url: str | None = None
    followers: int | None = None

    @property
    def known(self) -> bool:
        return bool(self.id)


@dataclass(frozen=True)
class Thread:
    """Where a mention sits: `root_id` is the post or conversation, `parent_id` what it answers."""

    root_id: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True)
class Metrics:
    likes: int | None = None
    replies: int | None = None
    shares: int | None = None
    views: int | None = None
    rating: int | None = None  # stars a review gives (1-5): App Store, Google Play


@dataclass(frozen=True)
class Mention:
    network: str
    external_id: str
    kind: Kind
    brand: str
    author: Author
    text: str
    url: str | None
    created_at: datetime
    thread: Thread = field(default_factory=Thread)
    metrics: Metrics = field(default_factory=Metrics)
    lang: str | None = None
    event: str = ""
    raw_ref: str | None = None
    action: Action = Action.NEW
    truncated_from: int | None = None  # the text's length in characters before it was cut
    # Written by the brand itself (its page, community, bot or account): our own reply coming back,
    # or a manual answer on the network. Never scored as a customer mention (functions.jobs.replies).
    by_brand: bool = False

    def __post_init__(self) -> None:
        if not self.network or not self.external_id:
            raise ValueError("a mention needs a network and an external id")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware (UTC)")
        cut = _cut(self.text, MAX_TEXT_BYTES)
        if cut is not self.text:  # the one place texts are cut: every source, every path
            object.__setattr__(self, "truncated_from", self.truncated_from or len(self.text))
            object.__setattr__(self, "text", cut)
        if self.lang is not None:  # every source's tag (`en_US`, `pt-BR`, `und`) as the scorer's code
            object.__setattr__(self, "lang", language_code(self.lang))

    @property
    def identity(self) -> str:
        return identity(self.brand, self.network, self.external_id)

    @property
    def thread_key(self) -> str:
        """One complaint thread: the same author in the same root post or conversation."""
        root = self.thread.root_id or self.external_id
        return f"{self.brand}#{self.network}#{root}#{self.author.id}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["action"] = self.action.value
        data["created_at"] = format_time(self.created_at)
        if self.truncated_from is None:  # present only on cut texts: the wire format of the rest is unchanged
            del data["truncated_from"]
        if not self.by_brand:  # present only on the brand's own posts, likewise
            del data["by_brand"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        return cls(
            network=data["network"],
            external_id=data["external_id"],
            kind=Kind(data["kind"]),
            brand=data["brand"],
            author=Author(**_ints(data["author"], ("followers",))),
            text=data["text"],
            url=data.get("url"),
            created_at=parse_time(data["created_at"]),
            thread=Thread(**(data.get("thread") or {})),
            metrics=Metrics(**_ints(data.get("metrics") or {}, ("likes", "replies", "shares", "views", "rating"))),
            lang=data.get("lang"),
            event=data.get("event", ""),
            raw_ref=data.get("raw_ref"),
            action=Action(data.get("action", "new")),
            truncated_from=int(data["truncated_from"]) if data.get("truncated_from") is not None else None,
            by_brand=data.get("by_brand") is True,
        )

    def unstorable(self) -> str | None:
        """Why this mention could not be queued and stored whole, or None when it can."""
        for name, key in (("identity", self.identity), ("thread key", self.thread_key)):
            if _utf8_size(key) > MAX_KEY_BYTES:
                return f"{name} of {self.identity[:60]!r}… is over {MAX_KEY_BYTES} bytes"
        size = _utf8_size(json.dumps(self.to_dict(), ensure_ascii=False))
        if size > MAX_MENTION_BYTES:
            return f"mention {self.identity[:60]!r} is {size} bytes as JSON, over {MAX_MENTION_BYTES}"
        return None


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _cut(text: str, limit: int) -> str:
    """`text` itself when it fits in `limit` UTF-8 bytes, else its longest prefix of whole characters that does."""
    if len(text) * 4 <= limit:  # no character takes more than 4 bytes: fits without encoding
        return text
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", "ignore")  # drops a character cut in half (and any lone surrogate)


def identity(brand: str, network: str, external_id: str) -> str:
    """`brand#network#external_id`. Slugs and network names never contain `#`, so the first two
    separators split it back whatever the external id holds."""
    return f"{brand}#{network}#{external_id}"


def legacy_identity(network: str, external_id: str) -> str:
    """The key before identities were brand-scoped (`network#external_id`): read only by the
    `migrate-identity` command and the redirects it leaves behind."""
    return f"{network}#{external_id}"


def _ints(values: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """DynamoDB hands numbers back as Decimal; the domain wants plain ints."""
    return {k: (int(v) if k in keys and v is not None else v) for k, v in values.items()}


def format_time(moment: datetime) -> str:
    """UTC ISO-8601 with a `Z`, second precision: sortable as a string in DynamoDB keys."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse ISO-8601 (with `Z` or an offset) into an aware UTC datetime; naive input is UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:  # "9999-12-31T23:59:59-12:00" is past datetime's last day in UTC
        raise ValueError(f"time {text!r} out of range") from error


def version_of(moment: datetime) -> int:
    """The version of a write made for an event received at `moment`: milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def from_unix(seconds: float) -> datetime:
    """Unix seconds as UTC; a time no `datetime` can hold is a ValueError like any other bad field."""
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError) as error:
        raise ValueError(f"time {seconds!r} out of range") from error
