"""A contract server for OK's Bot API message sending, as far as it is documented (replies.md §6).

`POST /graph/me/messages/<chat:id>?access_token=<group bot token>` with a JSON body
`{"recipient": {"chat_id"}, "message": {"text"}}` [confirmed]; the recipient must be the chat of
the path and the text non-empty. The answer `{"chat_id", "message_id": "mid:..."}` and the error
body `{"error_code", "error_msg"}` (102 session expired, 11 limit reached) are [unconfirmed]: OK
documents neither, so this fake is only as sure as those guesses. No idempotency: the same request
twice sends twice. `mode`: "revoked" (102), "rate" (11).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.fakeapi import Answer, Seen

TOKEN = "tkn1-ok-group-bot-replies-77aa"
_MODES = {"revoked": (102, "PARAM_SESSION_EXPIRED : Session expired"), "rate": (11, "LIMIT_REACHED : Limit reached")}


@dataclass
class Sent:
    chat: str
    mid: str
    text: str


class Fake:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.mode: str | None = None
        self.chats: set[str] = set()
        self.sent: list[Sent] = []

    @property
    def secrets(self) -> dict[str, str]:
        return {"bot_token": TOKEN}

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url}

    def handle(self, seen: Seen) -> Answer:
        chat = seen.path.removeprefix("/graph/me/messages/")
        if seen.method != "POST" or not chat.startswith("chat:"):
            return Answer(404, {"error_code": 404, "error_msg": "NOT_FOUND"})
        if seen.param("access_token") != TOKEN or self.mode == "revoked":
            return _error(*_MODES["revoked"])
        if self.mode == "rate":
            return _error(*_MODES["rate"])
        body = json.loads(seen.body or b"{}")
        if set(body) - {"recipient", "message"} or body.get("recipient") != {"chat_id": chat}:
            return _error(100, "PARAM : recipient must name the chat of the path")
        text = (body.get("message") or {}).get("text")
        if not isinstance(text, str) or not text:
            return _error(100, "PARAM : message.text is required")
        if chat not in self.chats:
            return _error(300, "NOT_FOUND : chat not found")
        sent = Sent(chat, f"mid:{chat.removeprefix('chat:')}.{len(self.sent) + 1:015x}", text)
        self.sent.append(sent)
        return Answer(200, {"chat_id": chat, "message_id": sent.mid})


def _error(code: int, message: str) -> Answer:
    return Answer(200, {"error_code": code, "error_msg": message, "error_data": None})
