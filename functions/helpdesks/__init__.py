"""Helpdesk adapter discovery: `functions/helpdesks/<vendor>.py` exposes `VENDOR`, `FEATURES` and
`create(settings, secrets) -> Helpdesk`. Adding a vendor adds a module and edits no shared file.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from functions.core.brands import Brand
from functions.core.tickets import Helpdesk, HelpdeskError
from functions.runtime import secrets

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@cache
def available() -> tuple[str, ...]:
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if _NAME.match(m.name)))


def create(vendor: str, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> Helpdesk:
    if vendor not in available():
        raise HelpdeskError(f"unknown helpdesk vendor {vendor!r}; available: {', '.join(available())}")
    module = importlib.import_module(f"{__name__}.{vendor}")
    desk: Helpdesk = module.create(settings, secrets)
    return desk


def module(vendor: str) -> Any | None:
    """The adapter module of `vendor` (its FEATURES and module-level functions), or None."""
    return importlib.import_module(f"{__name__}.{vendor}") if vendor in available() else None


@cache
def features(vendor: str) -> frozenset[str]:
    """A vendor's FEATURES without building an adapter (no settings or secrets needed)."""
    found = module(vendor)
    return frozenset(found.FEATURES) if found is not None else frozenset()


def for_brand(brand: Brand) -> Helpdesk:
    """The helpdesk a brand's tickets go to, with its secrets resolved."""
    config = brand.helpdesk
    return create(config.vendor, config.settings, secrets.resolve(config.secrets))
