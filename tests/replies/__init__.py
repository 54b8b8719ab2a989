"""Contract servers for answering in the channel, one module per network: `tests/replies/<network>_api.py`.

Each `Fake` answers like the network's API for replies and moderation, checked against the spec
excerpts in tests/contracts/replies/ (declared parameters only, required ones present, the token
type each method accepts, length limits), implements the network's own idempotency where it has
one, records what was "posted", and switches to the failure modes tests need (`mode`: comments
closed / target gone, token revoked, rate limited). Serve one with `tests.fakeapi.fake_api()`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SPECS = Path(__file__).resolve().parents[1] / "contracts" / "replies"


def spec(name: str) -> Any:
    return json.loads((SPECS / name).read_text())
