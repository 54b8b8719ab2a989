"""Contract servers for answering in the channel: `tests/replies/<network>_api.py`.

Each `Fake` answers the reply and moderation calls as the network's spec says (copied excerpts in
tests/contracts/replies/, or the documented fields in ../../docs/replies/<network>.md where no
licensed spec exists): it refuses what the vendor refuses (unknown parameter where the spec lists
them, wrong token, missing field, text over the limit), keeps the network's idempotency where it has
one, records what was posted in `posted`, and answers lookups. `mode` switches it into a failure:
`gone` (target deleted), `locked` (thread closed), `revoked` (token revoked), `rate` (rate limited,
with the network's retry hint).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fakeapi import Answer, Seen

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "replies"
MODES = ("gone", "locked", "revoked", "rate")


def spec(name: str) -> Any:
    return json.loads((CONTRACTS / name).read_text())


def discovery_query(excerpt: Any, method: str) -> set[str]:
    """The query parameters a Google discovery method accepts: its own plus the global ones."""
    own = excerpt["methods"][method]["parameters"]
    return {k for k, v in own.items() if v["location"] == "query"} | set(excerpt["parameters"])


def google_error(status: int, reason: str, message: str, status_name: str = "") -> Answer:
    """Google's error envelope, with the old `errors[].reason` and the `status` name."""
    error: dict[str, Any] = {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}
    if status_name:
        error["status"] = status_name
    return Answer(status, {"error": error})


def json_body(seen: Seen) -> Any:
    try:
        return json.loads(seen.body or b"null")
    except ValueError:
        return None
