"""A contract server for the Bot API methods that answer and moderate (Bot API 10.1).

Checked against tests/contracts/replies/telegram-bot-api.excerpt.json: `POST /bot<token>/<method>`
with a JSON body whose fields the method declares (stricter than Telegram, which ignores unknown
fields: a typo here fails the test instead of silently doing nothing), required fields present,
`reply_parameters` holding only ReplyParameters fields, `text` 1-4096 characters. Answers
`{"ok": true, "result"}` or `{"ok": false, "error_code", "description", "parameters"}` with the same
HTTP status. No idempotency (Telegram has none): the same request twice posts twice.

The fake knows the chats and messages a test `seed`s; replying to another message is "message to
be replied not found". `mode`: "gone" (the replied message was deleted), "blocked" (403 blocked by
the user), "kicked" (403 the bot was removed from the group), "revoked" (401), "rate" (429 with
`retry_after`). Private chats accept messages only from users who `started` the bot.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.fakeapi import Answer, Seen
from tests.replies import spec

TOKEN = "7012345678:AAH-replies-bot-token-for-tests"
BOT = {"id": 7012345678, "is_bot": True, "first_name": "Acme Support", "username": "acme_support_bot"}
RETRY_AFTER = 35
_MODES = {
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "kicked": (403, "Forbidden: bot was kicked from the supergroup chat"),
    "revoked": (401, "Unauthorized"),
    "gone": (400, "Bad Request: message to be replied not found"),
}


@dataclass
class Sent:
    chat: int
    message_id: int
    text: str
    body: dict[str, Any]


class Fake:
    def __init__(self, now: datetime) -> None:
        excerpt = spec("telegram-bot-api.excerpt.json")
        self.now = now
        self.methods: dict[str, Any] = excerpt["methods"]
        self.reply_fields = {f["name"] for f in excerpt["types"]["ReplyParameters"]["fields"]}
        text = next(f for f in self.methods["sendMessage"]["fields"] if f["name"] == "text")
        found = re.search(r"(\d+)-(\d+) characters", text["description"])  # "1-4096 characters after entities parsing"
        assert found is not None
        self.text_limits = (int(found[1]), int(found[2]))
        self.mode: str | None = None
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: set[tuple[int, int]] = set()
        self.started: set[int] = set()
        self.sent: list[Sent] = []
        self.banned: set[tuple[int, int]] = set()
        self._next = 5000

    @property
    def secrets(self) -> dict[str, str]:
        return {"bot_token": TOKEN}

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"bot_api": base_url}

    def seed(self, chat: dict[str, Any], *message_ids: int) -> None:
        """A chat the bot is in, with messages it may answer, delete or whose authors it may ban."""
        self.chats[int(chat["id"])] = chat
        self.messages |= {(int(chat["id"]), number) for number in message_ids}

    # ------------------------------------------------------------------------------------ the door

    def handle(self, seen: Seen) -> Answer:
        prefix, _, name = seen.path.strip("/").partition("/")
        if not prefix.startswith("bot") or name not in self.methods:
            return _error(404, "Not Found")
        if prefix != f"bot{TOKEN}" or self.mode == "revoked":
            return _error(401, "Unauthorized")
        if self.mode == "rate":
            return _error(429, f"Too Many Requests: retry after {RETRY_AFTER}", {"retry_after": RETRY_AFTER})
        body = json.loads(seen.body or b"{}")
        refused = self._check(self.methods[name], body)
        if refused is not None:
            return refused
        chat = int(body["chat_id"])
        if chat not in self.chats and not (chat > 0 and chat in self.started):
            if chat > 0:
                return _error(403, "Forbidden: bot can't initiate conversation with a user")
            return _error(400, "Bad Request: chat not found")
        if self.mode in ("blocked", "kicked"):
            return _error(*_MODES[self.mode])
        result: Answer = getattr(self, f"_{name}")(chat, body)
        return result

    def _check(self, method: dict[str, Any], body: dict[str, Any]) -> Answer | None:
        fields = {f["name"]: f for f in method["fields"]}
        unknown = sorted(set(body) - set(fields))
        if unknown:
            return _error(400, f"Bad Request: unknown parameter {unknown[0]} (not in the Bot API spec)")
        missing = [name for name, f in fields.items() if f["required"] and name not in body]
        if missing:
            return _error(400, f"Bad Request: {missing[0]} is empty")
        if "reply_parameters" in body and not set(body["reply_parameters"]) <= self.reply_fields:
            return _error(400, "Bad Request: can't parse reply parameters JSON object")
        text, (low, high) = body.get("text"), self.text_limits
        if text is not None and not low <= len(text) <= high:
            return _error(400, "Bad Request: message is too long" if text else "Bad Request: message text is empty")
        return None

    # ------------------------------------------------------------------------------------ methods

    def _sendMessage(self, chat: int, body: dict[str, Any]) -> Answer:  # noqa: N802 (the Bot API's name)
        reply = body.get("reply_parameters")
        if reply is not None and (self.mode == "gone" or (chat, reply["message_id"]) not in self.messages):
            return _error(*_MODES["gone"])
        self._next += 1
        self.sent.append(Sent(chat, self._next, body["text"], body))
        self.messages.add((chat, self._next))
        where = self.chats.get(chat) or {"id": chat, "type": "private", "first_name": "Customer"}
        message: dict[str, Any] = {
            "message_id": self._next,
            "from": BOT,
            "chat": where,
            "date": int(self.now.timestamp()),
            "text": body["text"],
        }
        if "message_thread_id" in body:
            message |= {"message_thread_id": body["message_thread_id"], "is_topic_message": True}
        return Answer(200, {"ok": True, "result": message})

    def _deleteMessage(self, chat: int, body: dict[str, Any]) -> Answer:  # noqa: N802 (the Bot API's name)
        key = (chat, int(body["message_id"]))
        if self.mode == "gone" or key not in self.messages:
            return _error(400, "Bad Request: message to delete not found")
        self.messages.discard(key)
        return Answer(200, {"ok": True, "result": True})

    def _banChatMember(self, chat: int, body: dict[str, Any]) -> Answer:  # noqa: N802 (the Bot API's name)
        self.banned.add((chat, int(body["user_id"])))
        return Answer(200, {"ok": True, "result": True})

    def _unbanChatMember(self, chat: int, body: dict[str, Any]) -> Answer:  # noqa: N802 (the Bot API's name)
        if body.get("only_if_banned") is not True:  # our rule, not Telegram's: it would kick a member out
            return _error(400, "Bad Request: (fake) unbanChatMember without only_if_banned")
        self.banned.discard((chat, int(body["user_id"])))
        return Answer(200, {"ok": True, "result": True})

    def _banChatSenderChat(self, chat: int, body: dict[str, Any]) -> Answer:  # noqa: N802 (the Bot API's name)
        self.banned.add((chat, int(body["sender_chat_id"])))
        return Answer(200, {"ok": True, "result": True})

    def _unbanChatSenderChat(self, chat: int, body: dict[str, Any]) -> Answer:  # noqa: N802 (the Bot API's name)
        self.banned.discard((chat, int(body["sender_chat_id"])))
        return Answer(200, {"ok": True, "result": True})


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> Answer:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Answer(status, body)
