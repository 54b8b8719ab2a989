"""The mention: one customer post, comment, reply, message or review, whatever the network.

Its identity `network#external_id` is the key that makes storage and ticketing idempotent, so a
connector must derive `external_id` from the network's own ids only (never from delivery ids or
clocks): the same post delivered twice, or seen by a webhook and by a poll, gets the same identity.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from functions.core.lang import language_code


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


@dataclass(frozen=True)
class Author:
    id: str
    handle: str | None = None
    name: str | None = None
    url: str | None = None
    followers: int | None = None


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

    def __post_init__(self) -> None:
        if not self.network or not self.external_id:
            raise ValueError("a mention needs a network and an external id")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware (UTC)")
        if self.lang is not None:  # every source's tag (`en_US`, `pt-BR`, `und`) as the scorer's code
            object.__setattr__(self, "lang", language_code(self.lang))

    @property
    def identity(self) -> str:
        return f"{self.network}#{self.external_id}"

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
        )


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
    return moment.astimezone(UTC)


def from_unix(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
