"""Contract servers for answering in the channel, one module per network: `tests/replies/<network>_api.py`.

Each `Fake` answers like the network's write API for replies and moderation: checked against the
spec excerpts in tests/contracts/replies/ where the vendor publishes one under a licence we can copy
(VK, Telegram, Google), else against the reference notes (../shared/reference/replies.md; Meta and
X publish none we may copy, §14). It checks paths, methods, parameters and the token type, refuses
what the network refuses (unknown parameter, missing field, text over the limit, windows),
implements the network's own idempotency where it has one, keeps what was posted so a test (and the
lookup) can read it back, and switches into the failure modes tests need (`mode`: comments closed /
target gone, token revoked, rate limited; the Google, Mastodon, Reddit, Bluesky and app-store fakes
name theirs `gone`, `locked`, `revoked`, `rate`). Error bodies of the reference-only fakes come from
`tests/fixtures/replies/` (SOURCES.md there). Serve one with `tests.fakeapi.fake_api()`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fakeapi import Answer, Seen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "replies"
SPECS = CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "replies"
MODES = ("gone", "locked", "revoked", "rate")


def errors(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def spec(name: str) -> Any:
    return json.loads((SPECS / name).read_text())


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
