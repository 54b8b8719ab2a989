"""Connector discovery: the module name is the network's identity.

Adding a network adds `functions/connectors/<network>.py` (and its fixtures under tests/) and
edits no shared file: `load` imports by name on demand, `available` lists the package,
`push_networks` / `poll_sources` split it by `DELIVERY`; `channel_sources` lists those that read
the brand's own channel statistics.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

from functions.core.polls import PollSource
from functions.core.webhooks import Connector

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@cache
def available() -> tuple[str, ...]:
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if _NAME.match(m.name)))


@dataclass(frozen=True)
class Declared:
    delivery: str = "push"
    poll_minutes: int | None = None


_CONSTANT = re.compile(r'^(DELIVERY|POLL_MINUTES)\s*(?::\s*\w+)?\s*=\s*"?(\w+)"?', re.MULTILINE)


@cache
def declared(network: str) -> Declared:
    """`DELIVERY` and `POLL_MINUTES` read from the module's text, not by importing it: every function
    imports the app at cold start, and compiling every connector there (Lambda keeps no .pyc) cost
    ~40 ms for nothing. tests/unit/test_connector_contract.py checks this agrees with the modules."""
    found = dict(_CONSTANT.findall((Path(__file__).parent / f"{network}.py").read_text(encoding="utf-8")))
    minutes = found.get("POLL_MINUTES")
    return Declared(found.get("DELIVERY", "push"), int(minutes) if minutes else None)


def _delivery(network: str) -> str:
    return declared(network).delivery


@cache
def push_networks() -> tuple[str, ...]:
    """Networks that deliver webhooks (DELIVERY push or both)."""
    return tuple(n for n in available() if _delivery(n) in ("push", "both"))


@cache
def poll_sources() -> tuple[str, ...]:
    """Networks we poll on a schedule (DELIVERY poll or both)."""
    return tuple(n for n in available() if _delivery(n) in ("poll", "both"))


def _defining(function: str) -> tuple[str, ...]:
    """Networks whose module defines `function`, found in the module's text like `declared`, without
    importing it."""
    pattern = re.compile(rf"^def {function}\(", re.MULTILINE)
    return tuple(
        n for n in available() if pattern.search((Path(__file__).parent / f"{n}.py").read_text(encoding="utf-8"))
    )


def _module_if(network: str, among: tuple[str, ...]) -> Any | None:
    if not _NAME.match(network) or network not in among:
        return None
    return importlib.import_module(f"{__name__}.{network}")


@cache
def channel_sources() -> tuple[str, ...]:
    """Networks whose module reads the brand's own channel statistics (`def channel_stats`, see
    `functions.core.channels`)."""
    return _defining("channel_stats")


def load_channel_source(network: str) -> Any | None:
    """The connector module that reads `network`'s channel statistics, or None."""
    return _module_if(network, channel_sources())


@cache
def reply_networks() -> tuple[str, ...]:
    """Networks whose module can post a reply in the customer's thread (`def reply_request`, see
    `functions.core.replies`)."""
    return _defining("reply_request")


def load_replier(network: str) -> Any | None:
    """The connector module that posts replies and moderates on `network`, or None."""
    return _module_if(network, reply_networks())


def reads_configured(module: object, configured: Iterable[str]) -> bool:
    """Whether a brand configured the read secrets a push network needs for polls and listings
    (`POLL_SECRETS`); without them the brand wants webhooks only, which is not a broken channel."""
    return set(getattr(module, "POLL_SECRETS", ())) <= set(configured)


def load(network: str) -> Connector | None:
    """The webhook connector for `network`, or None for a name that is not one of ours or never pushes."""
    if not _NAME.match(network) or network not in push_networks():
        return None
    return cast(Connector, importlib.import_module(f"{__name__}.{network}"))


def load_source(network: str) -> PollSource | None:
    """The poll source module for `network`, or None."""
    if not _NAME.match(network) or network not in poll_sources():
        return None
    return cast(PollSource, importlib.import_module(f"{__name__}.{network}"))
