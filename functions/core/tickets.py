"""The helpdesk contract and what a ticket says: pure, vendor-neutral.

Adapters (`functions/helpdesks/<vendor>.py`) translate a `TicketDraft` into their API; callers
branch on `FEATURES`, never on vendor names. The vocabulary: "priority", "tags", "custom_fields",
"external_reference", "comments", "status" (the adapter reads a ticket back with
`ticket_state(ticket)`: its status word and, from the same read, whatever the desk reports that can
mean "not a complaint": tags, resolution, spam flag; functions/jobs/escalation.py), "idempotency_header",
"reopen", "replies" (the adapter lists a ticket's comments with `comments(ticket)`, so agents' public
replies can be posted back to the network: functions/jobs/replies.py).

An adapter whose desk pushes news of replies (a Zendesk webhook, a Jira webhook, a Zammad trigger,
a Freshdesk rule, the RT scrip) also has, at module level: `REPLY_EVENT_SECRETS`, the brand's
helpdesk secrets it checks; `REPLY_EVENT_HEADER`, the header carrying the signature or token; and
`reply_event(headers, body, secrets, now) -> str | None`, which verifies the raw bytes and returns
the ticket id to re-read (None: a genuine event we do not act on), raising `DeskEventSignatureError`
or `DeskEventMalformedError`. Push is a hint; the comment list read back through the API decides
what is posted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from functions.core.mention import NO_AUTHOR, Mention, format_time
from functions.core.score import Priority, Score


class HelpdeskError(Exception):
    """The helpdesk refused the request for good (bad config, validation): retrying won't help,
    so the job goes straight to its dead-letter queue (`permanent`, see `functions.core.retry`)."""

    permanent = True


class HelpdeskUnavailableError(HelpdeskError):
    """Outage, timeout, 429 or 5xx: the job is retried later (SQS), never dropped."""

    permanent = False

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeskEventSignatureError(Exception):
    """A helpdesk push whose signature (or token) does not match: 401/403 at the door."""


class DeskEventMalformedError(Exception):
    """A helpdesk push that is signed but unreadable: 400 at the door."""


@dataclass(frozen=True)
class DeskComment:
    """One comment of a ticket as its helpdesk reports it, reduced to what decides whether it goes
    to the customer: `public` (not an internal note), `by_agent` (staff, not the requester), `ours`
    (written through our own API user or carrying our marker, so nothing loops)."""

    id: str
    body: str  # plain text; adapters turn HTML into text
    public: bool
    by_agent: bool
    ours: bool
    created_at: datetime | None = None
    author: str = ""  # the agent's name or id, for the audit record

    @property
    def for_customer(self) -> bool:
        return self.public and self.by_agent and not self.ours


@dataclass(frozen=True)
class DeskState:
    """What a desk says about a ticket: its status word and, where the desk reports them, its tags
    (Zendesk, Freshdesk and Zammad tags, Jira labels), resolution (Jira) and spam flag (Freshdesk).
    The brand's "not a complaint" signals are looked for among them (functions.core.verdicts)."""

    status: str
    tags: tuple[str, ...] = ()
    resolution: str | None = None
    spam: bool = False

    def signals(self) -> frozenset[str]:
        found = {f"status:{self.status.strip().lower()}"} | {f"tag:{t.strip().lower()}" for t in self.tags}
        if self.resolution:
            found.add(f"resolution:{self.resolution.strip().lower()}")
        if self.spam:
            found.add("spam")
        return frozenset(found)


@dataclass(frozen=True)
class TicketRef:
    vendor: str
    id: str
    url: str | None = None


@dataclass(frozen=True)
class Requester:
    id: str
    name: str | None
    handle: str | None
    network: str


@dataclass(frozen=True)
class TicketDraft:
    subject: str
    body: str
    requester: Requester
    priority: Priority
    tags: tuple[str, ...]
    mention_id: str
    brand: str


class Helpdesk(Protocol):
    VENDOR: str
    FEATURES: frozenset[str]

    def open_ticket(self, draft: TicketDraft, idempotency_key: str) -> TicketRef: ...

    def find_ticket(self, idempotency_key: str) -> TicketRef | None: ...

    def add_comment(self, ticket: TicketRef, text: str) -> None: ...

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None: ...

    def ticket_state(self, ticket: TicketRef) -> DeskState:
        """Only called where FEATURES has "status": the ticket's status with the tags, resolution and
        spam flag its desk reports (the sweep turns them into verdicts, as a pushed event's)."""
        ...

    def reopen(self, ticket: TicketRef) -> None:
        """Only called where FEATURES has "reopen"."""
        ...

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        """Only called where FEATURES has "replies": the ticket's comments, oldest first."""
        ...


SUBJECT_CHARS = 80


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _facts(mention: Mention, score: Score) -> str:
    author = mention.author
    reach = f", {author.followers} followers" if author.followers is not None else ""
    return "\n".join(
        [
            f"Network: {mention.network} ({mention.kind.value})",
            f"Author: {author.name or author.handle or author.id or NO_AUTHOR}{reach}"
            + (f" — {author.url}" if author.url else ""),
            f"Posted: {format_time(mention.created_at)}",
            f"Link: {mention.url or 'n/a'}",
            f"Language: {score.lang}; sentiment {score.sentiment:+.2f}; "
            f"complaint {score.complaint_probability:.0%}; category {score.category}; priority {score.priority.value}",
            f"Why: {', '.join(score.reasons) or 'n/a'}",
            f"Mention: {mention.identity}",
        ]
    )


THREAD_CONTEXT_POSTS = 10


def _thread_context(earlier: Sequence[Mention]) -> str:
    """The posts before this one in the same thread, oldest first, so the agent sees the conversation."""
    if not earlier:
        return ""
    lines = [
        f"- {format_time(m.created_at)} {m.author.handle or m.author.name or m.author.id or NO_AUTHOR}:"
        f" {_one_line(m.text, 280)}"
        for m in sorted(earlier, key=lambda m: m.created_at)[-THREAD_CONTEXT_POSTS:]
    ]
    return "\n\nEarlier in this thread:\n" + "\n".join(lines)


def draft_ticket(mention: Mention, score: Score, brand_name: str, earlier: Sequence[Mention] = ()) -> TicketDraft:
    """A ticket an agent can act on without opening the network."""
    who = mention.author.handle or mention.author.name or mention.author.id or NO_AUTHOR
    return TicketDraft(
        subject=f"[{brand_name}] {mention.network} complaint from {who}: {_one_line(mention.text, SUBJECT_CHARS)}",
        body=f"{mention.text}\n\n---\n{_facts(mention, score)}{_thread_context(earlier)}",
        requester=Requester(
            id=mention.author.id, name=mention.author.name, handle=mention.author.handle, network=mention.network
        ),
        priority=score.priority,
        tags=(f"network:{mention.network}", f"category:{score.category}", f"lang:{score.lang}"),
        mention_id=mention.identity,
        brand=mention.brand,
    )


def follow_up_comment(mention: Mention, score: Score) -> str:
    return f"Follow-up from the same author:\n\n{mention.text}\n\n---\n{_facts(mention, score)}"


def setting(settings: Mapping[str, object], name: str, default: str | None = None) -> str:
    """A required adapter setting from the brand file; its absence is a config error, not an outage."""
    value = settings.get(name, default)
    if not isinstance(value, str) or not value:
        raise HelpdeskError(f"helpdesk setting {name!r} is required")
    return value


# Helpdesks name their states differently; these are the words (lower-cased) we read as "solved":
# RT resolved/rejected, Zendesk solved/closed, Freshdesk 4/5 (Resolved/Closed), Zammad closed,
# Jira/JSM resolved/done/closed/canceled. (A status no longer stands for the first response: the
# brand's first public reply on the network does, functions/jobs/replies.py.)
SOLVED_STATUSES = frozenset({"resolved", "rejected", "solved", "closed", "done", "canceled", "cancelled", "4", "5"})


def is_solved(status: str) -> bool:
    return status.strip().lower() in SOLVED_STATUSES
