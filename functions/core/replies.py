"""Answering in the channel: an agent's reply or a moderator's action, whatever the network. Pure.

A connector that can answer exposes pure builders and readers (house rule 3: no I/O), and the
reply worker (functions/jobs/replies.py) does the call, records before acting and writes the
outcome back onto the ticket:

- `REPLY_SECRETS`: the secret names the builders read from the brand's network secrets;
- `REPLY_LIMIT`: characters one reply may hold (the worker cuts or splits the text to fit);
- `REPLY_SESSION`: True when the builders need a session from the connector's poll `authenticate`
  (Bluesky's createSession, Google's refresh-token grant): the worker calls it with the first of the
  brand's `targets` and passes the `Authorization` header's value as `secrets["authorization"]`;
- `REPLY_IDEMPOTENT`: True when the network itself drops a repeat of the same `outbound_id`
  (VK `guid`/`random_id`, Mastodon `Idempotency-Key`, Bluesky's chosen `rkey`, an app store's
  overwrite), so a request whose answer was lost may be sent again;
- `reply_request(target, text, outbound_id, settings, secrets, now, *, private=False) -> HttpRequest`,
  raising `CannotReplyError` when the network offers no way (the reason goes onto the ticket).
  `private` asks for a direct message to the author instead of a reply in the thread (the agent
  chose it with the ticket tag `md-private`; X offers it when a public reply is not allowed);
  `now` decides time windows (Messenger's 24 h, a private reply's 7 days);
- `reply_result(response, target=None) -> Posted | Refused`: `Posted.external_id` in the scheme
  `parse` gives our reply when it comes back (VK needs the target to build it);
- optional `address(target) -> str`: how the network addresses the customer (`@handle `), put
  before the text and counted in the limit;
- optional `reply_length(text) -> int`: how the network counts `REPLY_LIMIT` when it is not code
  points (X weighs links as 23 and CJK as 2, Bluesky counts graphemes);
- optional, for networks without idempotency: `lookup_request(target, outbound_id, settings,
  secrets) -> HttpRequest` and `lookup_result(response, target, outbound_id, *, text) -> Posted | None`
  (`text`: the part we sent, where the network keeps no id of ours to match), which find our reply
  after a lost answer instead of posting twice;
- `MODERATION`: the actions of `ACTIONS` the network offers, with `moderation_request(action,
  target, settings, secrets) -> HttpRequest` and `moderation_result(action, response, *, target)
  -> Posted | Refused` (`Posted.external_id` is then the moderated object's id).

`settings` and `secrets` are the brand's for that network (brands.json `networks.<network>`);
`settings["api"]` (or the connector's own base-URL setting) points the requests at a local contract
server in tests. `outbound_id` is ours, stable across retries of the same reply part (32 hex chars).

Error classes follow shared/reference/replies.md §0: RATE (wait), AUTH (token expired or revoked:
reconnect, alert a human), PERM (scope or role), GONE (deleted, closed, locked, window expired),
INVALID (too long, bad parameter), DUP (already posted: counts as posted where we can tell).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from functions.core.mention import Author, Kind, Mention, Thread

ACTIONS = ("hide", "unhide", "delete", "restore", "ban", "unban")


class Failure(StrEnum):
    RATE = "rate"  # retried after `retry_after`
    AUTH = "auth"  # token expired or revoked: not retried; the brand's on-call is told once
    PERM = "perm"  # the token lacks a scope or role: not retried
    GONE = "gone"  # target deleted, comments closed, thread locked, window expired: not retried
    INVALID = "invalid"  # too long, bad parameter: not retried
    DUP = "dup"  # the network says it is a duplicate of what we posted
    TRANSIENT = "transient"  # 5xx, timeout, "try again": retried
    UNSUPPORTED = "unsupported"  # the network (or the brand's tokens) offer no way to do it


RETRIED = frozenset({Failure.RATE, Failure.TRANSIENT})


class CannotReplyError(Exception):
    """The network offers no way to do this for this target (OK group discussions, an X reply to a
    customer who did not mention the brand, a VK board comment without an admin's user token), or
    the brand lacks the secret it needs. Permanent: the reason is written on the ticket."""

    permanent = True

    def __init__(self, reason: str, failure: Failure = Failure.UNSUPPORTED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.failure = failure


@dataclass(frozen=True)
class Target:
    """What we answer: the customer's mention as stored, and the brand's account on its network
    (VK group id, Facebook Page id, Telegram chat, X user id; "" where the network has none)."""

    brand: str
    network: str
    external_id: str
    kind: Kind
    author: Author
    thread: Thread
    url: str | None
    created_at: datetime
    account: str = ""
    raw_ref: str | None = None
    text: str = ""  # the customer's words (X: does it mention the brand? Bluesky: nothing)

    @classmethod
    def of(cls, mention: Mention, account: str = "") -> Target:
        return cls(
            brand=mention.brand,
            network=mention.network,
            external_id=mention.external_id,
            kind=mention.kind,
            author=mention.author,
            thread=mention.thread,
            url=mention.url,
            created_at=mention.created_at,
            account=account,
            raw_ref=mention.raw_ref,
            text=mention.text,
        )


@dataclass(frozen=True)
class Posted:
    """The network created (or, for moderation, applied) it: its id and, where known, a link."""

    external_id: str
    url: str | None = None


@dataclass(frozen=True)
class Refused:
    failure: Failure
    reason: str  # one line an agent understands: "comments are closed on this post (VK error 213)"
    retry_after: float | None = None

    @property
    def retried(self) -> bool:
        return self.failure in RETRIED


Result = Posted | Refused
