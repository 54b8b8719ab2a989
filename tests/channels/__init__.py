"""Fakes of the networks' channel-statistics APIs, one module per network:
`tests/channels/<network>_api.py`, over `tests/fixtures/<network>/channel/` (SOURCES.md there).

Each defines `class Fake(now)` that answers like the real API (auth, paging, windows, the network's
error shapes) and says what a snapshot must find (`expected`). `refuse(kind)` makes the next calls
fail the way the network says "token revoked" (`token`), "missing permission" (`scope`) or "rate
limited" (`rate`). The generic suite (tests/integration/test_channel_snapshots.py) runs every fake
through the real job, store and alerts, so a new network is covered by its module, fake and fixtures.
Fixture times are rebased so the newest post is `NEWEST_AGE` older than the test's `now`.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WRITTEN_NEWEST = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # the newest post's time as the fixtures hold it
NEWEST_AGE = timedelta(hours=2)


def load(network: str, name: str) -> Any:
    return json.loads((FIXTURES / network / "channel" / name).read_text())


def shift(now: datetime) -> timedelta:
    return now - NEWEST_AGE - WRITTEN_NEWEST


@dataclass(frozen=True)
class Expected:
    subscribers: int | None
    posts: set[str]  # ids of the posts of the last 7 days
    marks: set[str] = field(default_factory=set)  # fields the snapshot must mark


class Fake(Protocol):
    NETWORK: str
    SECRET_VALUES: dict[str, str]
    ACCOUNT: str

    def __init__(self, now: datetime) -> None: ...
    def settings(self, base_url: str) -> dict[str, Any]: ...
    def expected(self) -> Expected: ...
    def handle(self, seen: Seen) -> Answer: ...
    def refuse(self, kind: str) -> None: ...


def load_fake(network: str, now: datetime) -> Fake:
    module = importlib.import_module(f"tests.channels.{network}_api")
    fake: Fake = module.Fake(now)
    return fake
