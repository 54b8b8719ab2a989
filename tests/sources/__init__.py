"""Fakes of the poll sources' APIs, one module per source: `tests/sources/<source>_api.py`.

Each defines `class Fake` (constructed with the test's `now`) that answers requests the way the
real API does, over realistic items from `tests/fixtures/<source>/poll/`. The generic poll suite
(tests/integration/test_poll_runner.py) runs every fake through the real runner, moto and SQS, so a
new source is covered by adding its module, its fake and its fixtures: nothing shared is edited.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any, Protocol

from tests.fakeapi import Answer, Seen


class Fake(Protocol):
    SOURCE: str
    SECRET_VALUES: dict[str, str]  # secret name -> value the brand's `secrets` refer to

    def __init__(self, now: datetime) -> None: ...

    def handle(self, seen: Seen) -> Answer:
        """Answer like the real API: auth, pagination, since-filters, validators."""
        ...

    def settings(self, base_url: str) -> dict[str, Any]:
        """The brand's `networks.<source>.settings`, pointing every URL at the fake server."""
        ...

    def initial_ids(self) -> set[str]:
        """External ids a first poll (since = now - 24 h, brand query `acme`) must emit, no more."""
        ...

    def publish(self, now: datetime) -> str:
        """A new post mentioning acme appears in the API; returns its external id."""
        ...


def load_fake(source: str, now: datetime) -> Fake:
    module = importlib.import_module(f"tests.sources.{source}_api")
    fake: Fake = module.Fake(now)
    return fake
