"""Contract servers for answering in the channel: `tests/replies/<network>_api.py`.

Each plays the network's write API the way the reference notes describe it (../shared/reference/
replies.md; no vendor OpenAPI is copied, §14): it checks paths, methods, parameters and the token,
refuses what the network refuses (unknown parameter, missing field, text over the limit, windows),
keeps what was posted so a test can read it back (and the lookup can find it), and can be switched
into the failure modes a test needs: the target gone, the token revoked, rate limited.
Error bodies come from `tests/fixtures/replies/` (SOURCES.md there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "replies"


def errors(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded
