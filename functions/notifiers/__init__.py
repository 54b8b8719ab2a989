"""On-call notifiers: `functions/notifiers/<type>.py` with `send(settings, secrets, text)`.

A brand's `escalation.notify` lists targets `{"type": ..., "settings": {...}, "secrets": {...}}`;
adding a channel adds a module and edits no shared file.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from functions.runtime import secrets


def notify(target: Mapping[str, Any], text: str) -> None:
    """Send `text` to one target; errors propagate so the calling job is retried."""
    module = importlib.import_module(f"{__name__}.{target['type']}")
    module.send(dict(target.get("settings", {})), secrets.resolve(target.get("secrets", {})), text)
