"""Connector discovery: the module name is the network's identity.

Adding a network adds `functions/connectors/<network>.py` (and its fixtures under tests/) and
edits no shared file: `load` imports by name on demand, `available` lists the package.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from typing import cast

from functions.core.webhooks import Connector

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@cache
def available() -> tuple[str, ...]:
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if _NAME.match(m.name)))


def load(network: str) -> Connector | None:
    """The connector module for `network`, or None for a name that is not one of ours."""
    if not _NAME.match(network) or network not in available():
        return None
    return cast(Connector, importlib.import_module(f"{__name__}.{network}"))
