"""A fake of the Bot API's `getChatMemberCount` and `getChat` for channel statistics.

As Bot API 10.1 describes them (tests/contracts/channels/telegram-bot-api.excerpt.json):
`POST /bot<token>/<method>` with a JSON body `{"chat_id"}`, answers `{"ok": true, "result"}` or
`{"ok": false, "error_code", "description"}` with the same HTTP status; 429 carries
`parameters.retry_after`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tests.channels import Expected, load
from tests.fakeapi import Answer, Seen

TOKEN = "7012345678:AAH-stats-bot-token-for-tests"
CHANNEL = "-1001762390215"
_ERRORS = {
    "token": Answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
    "scope": Answer(
        403, {"ok": False, "error_code": 403, "description": "Forbidden: bot is not a member of the channel chat"}
    ),
    "rate": Answer(
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 35",
            "parameters": {"retry_after": 35},
        },
    ),
}


class Fake:
    NETWORK = "telegram"
    ACCOUNT = CHANNEL

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES = {"bot_token": TOKEN}
        self.refusing: str | None = None

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"bot_api": base_url}

    def expected(self) -> Expected:
        return Expected(
            load("telegram", "getChatMemberCount.json")["result"], set(), {"posts", "likes", "comments", "shares"}
        )

    def refuse(self, kind: str) -> None:
        self.refusing = kind

    def handle(self, seen: Seen) -> Answer:
        if self.refusing:
            return _ERRORS[self.refusing]
        prefix, _, method = seen.path.strip("/").partition("/")
        if prefix != f"bot{TOKEN}":
            return Answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        chat = json.loads(seen.body or b"{}").get("chat_id") if seen.method == "POST" else seen.param("chat_id")
        if str(chat) != CHANNEL:
            return Answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
        if method in ("getChatMemberCount", "getChat"):
            return Answer(200, load("telegram", f"{method}.json"))
        return Answer(404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})
