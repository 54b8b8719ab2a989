"""A contract server for VK's reply and moderation methods (API 5.199).

Checked against tests/contracts/replies/vk-api-schema.excerpt.json: the method exists, every
parameter is declared (plus `v` and `access_token`), the required ones are present, integers are
integers, `message` fits `maxLength`, and the token's type is one the method's `access_token_type`
lists (a community token on a user-only method gets error 27, as VK answers [secondary]). Like VK,
it answers HTTP 200 with `{"response": ...}` or `{"error": {error_code, error_msg, request_params}}`.

Idempotency as VK documents it: createComment with a `guid` already used on the same object
answers the first comment's id and posts nothing [answer shape unconfirmed]; messages.send with a
`random_id` already used by this sender towards the same peer answers the first message.
`mode`: "closed" (comments closed, 213/801/1401; DMs not allowed, 901), "revoked" (5), "rate" (6).
`delivery()` builds the Callback API event VK would push for one of our created comments or
messages (from_id = -group id), signed by `vk.sign` as the webhook fixtures are.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.connectors import vk
from functions.core.webhooks import SignedDelivery
from tests.fakeapi import Answer, Seen
from tests.replies import spec

GROUP = 218000001
COMMUNITY_TOKEN = "vk1.a.community-key-replies-9f8e7d"
USER_TOKEN = "vk1.a.admin-user-token-replies-1a2b3c"
VERSION = "5.199"
_TOKEN_TYPES = {COMMUNITY_TOKEN: "group", USER_TOKEN: "user"}
_CLOSED = {"wall": 213, "board": 213, "photos": 213, "video": 801, "market": 1401}
_ITEM = {"wall": "post_id", "board": "topic_id", "photos": "photo_id", "video": "video_id", "market": "item_id"}
_EVENT = {"wall": "wall_reply_new", "photos": "photo_comment_new", "video": "video_comment_new"}
_EVENT |= {"market": "market_comment_new", "board": "board_post_new"}
_MESSAGES = {
    3: "Unknown method passed",
    5: "User authorization failed: access_token was given to another ip address or revoked.",
    6: "Too many requests per second",
    8: "Invalid request: v (version) is required",
    15: "Access denied",
    27: "Group authorization failed: method is unavailable with group auth.",
    100: "One of the parameters specified was missing or invalid",
    104: "Not found",
    213: "Access to status replies denied",
    243: "Comment has not been deleted",
    801: "Comments for this video are closed",
    901: "Can't send messages for users without permission",
    914: "Message is too long",
    1401: "Comments for this market are closed",
}


@dataclass
class Created:
    """A comment or message the fake posted (`section` "messages" for a message)."""

    section: str
    owner: int  # owner id of the commented object; the peer for a message
    item: int  # post/topic/photo/video/item id; 0 for a message
    id: int  # comment id; conversation message id for a message
    text: str
    reply_to: int | None = None
    token: str = ""
    params: dict[str, str] = field(default_factory=dict)


class Fake:
    def __init__(self, now: datetime, group: int = GROUP) -> None:
        self.now = now
        self.group = group  # the community whose admin tokens these are
        self.methods = {m["name"]: m for m in spec("vk-api-schema.excerpt.json")["methods"]}
        self.mode: str | None = None
        self.created: list[Created] = []
        self.deleted: set[tuple[str, int, int]] = set()  # (section, owner, comment id)
        self.banned: set[int] = set()
        self._next_comment = 9100
        self._next_message = 400
        self._by_guid: dict[tuple[str, int, int, str], Created] = {}
        self._by_random: dict[tuple[int, str], Created] = {}
        self._cmids: dict[int, int] = {}

    @property
    def secrets(self) -> dict[str, str]:
        return {"community_token": COMMUNITY_TOKEN, "user_token": USER_TOKEN}

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url}

    # ------------------------------------------------------------------------------------ the door

    def handle(self, seen: Seen) -> Answer:
        params = {**{k: v[0] for k, v in seen.query.items()}, **seen.form()}
        name = seen.path.removeprefix("/method/")
        method = self.methods.get(name)
        if method is None:
            return _error(3, params)
        token_type = _TOKEN_TYPES.get(params.get("access_token", ""))
        if token_type is None or self.mode == "revoked":
            return _error(5, params)
        if self.mode == "rate":
            return _error(6, params)
        if params.get("v") != VERSION:
            return _error(8, params)
        refused = self._check(method, params, token_type)
        if refused is not None:
            return refused
        section, verb = name.split(".")
        handler = getattr(self, f"_{verb}", None)
        assert handler is not None, f"the fake has no {verb}"
        result: Answer = handler(section, params)
        return result

    def _check(self, method: dict[str, Any], params: dict[str, str], token_type: str) -> Answer | None:
        declared = {p["name"]: p for p in method["parameters"]}
        given = {k: v for k, v in params.items() if k not in ("v", "access_token")}
        unknown = sorted(set(given) - set(declared))
        missing = [p for p, d in declared.items() if d.get("required") and p not in given]
        if unknown or missing:
            return _error(100, params, f"{(unknown or missing)[0]} is {'undefined' if unknown else 'required'}")
        for key, value in given.items():
            kind = declared[key].get("type")
            if kind == "integer" and not _is_integer(value):
                return _error(100, params, f"{key} not integer")
            limit = declared[key].get("maxLength")
            if key == "message" and limit is not None and len(value) > limit:
                return _error(914, params)
        if token_type not in method["access_token_type"]:
            return _error(27 if token_type == "group" else 15, params)
        return None

    # ----------------------------------------------------------------------------------- replies

    def _createComment(self, section: str, params: dict[str, str]) -> Answer:  # noqa: N802 (VK's name)
        if section == "wall" and params.get("from_group") not in (None, str(self.group)):
            return _error(15, params)
        owner = -int(params["group_id"]) if section == "board" else int(params.get("owner_id", "0"))
        item = int(params[_ITEM[section]])
        if self.mode == "closed":
            return _error(_CLOSED[section], params)
        key = (section, owner, item, params.get("guid", ""))
        if key[3] and key in self._by_guid:
            comment = self._by_guid[key]
        else:
            self._next_comment += 1
            reply_to = params.get("reply_to_comment")
            comment = Created(
                section, owner, item, self._next_comment, params.get("message", ""),
                int(reply_to) if reply_to else None, params["access_token"], dict(params),
            )  # fmt: skip
            self.created.append(comment)
            if key[3]:
                self._by_guid[key] = comment
        if section == "wall":
            stack = [comment.reply_to] if comment.reply_to else []
            return Answer(200, {"response": {"comment_id": comment.id, "parents_stack": stack}})
        return Answer(200, {"response": comment.id})

    def _send(self, section: str, params: dict[str, str]) -> Answer:
        peers = params.get("peer_ids") or params.get("peer_id")
        if not peers or "random_id" not in params:  # random_id is mandatory since 5.90 [secondary]
            return _error(100, params, "random_id is required" if peers else "peer_id is required")
        if "forward" in params:
            forward = json.loads(params["forward"])
            assert set(forward) <= {"owner_id", "peer_id", "conversation_message_ids", "message_ids", "is_reply"}
        peer = int(peers.split(",")[0])
        if self.mode == "closed" and "peer_ids" in params:  # one result per peer, each with its error
            return Answer(200, {"response": [{"peer_id": peer, "error": {"code": 901, "description": _MESSAGES[901]}}]})
        if self.mode == "closed":
            return _error(901, params)
        key = (peer, params["random_id"])
        message = self._by_random.get(key)
        if message is None:
            self._cmids[peer] = self._cmids.get(peer, 40) + 1
            self._next_message += 1
            message = Created("messages", peer, self._next_message, self._cmids[peer], params.get("message", ""))
            message.token, message.params = params["access_token"], dict(params)
            self.created.append(message)
            self._by_random[key] = message
        if "peer_ids" in params:
            item = {"peer_id": peer, "message_id": message.item, "conversation_message_id": message.id}
            return Answer(200, {"response": [item]})
        return Answer(200, {"response": message.item})

    # -------------------------------------------------------------------------------- moderation

    def _deleteComment(self, section: str, params: dict[str, str]) -> Answer:  # noqa: N802 (VK's name)
        self.deleted.add(self._comment_key(section, params))
        return Answer(200, {"response": 1})

    def _restoreComment(self, section: str, params: dict[str, str]) -> Answer:  # noqa: N802 (VK's name)
        key = self._comment_key(section, params)
        if key not in self.deleted:
            return _error(243, params)
        self.deleted.discard(key)
        return Answer(200, {"response": 1})

    def _comment_key(self, section: str, params: dict[str, str]) -> tuple[str, int, int]:
        owner = -int(params["group_id"]) if section == "board" else int(params.get("owner_id", "0"))
        return section, owner, int(params["comment_id"])

    def _delete(self, section: str, params: dict[str, str]) -> Answer:
        if section == "messages":
            cmids = params.get("cmids", "")
            return Answer(200, {"response": {cmid: 1 for cmid in cmids.split(",") if cmid}})
        self.deleted.add((section, int(params["owner_id"]), int(params["post_id"])))
        return Answer(200, {"response": 1})

    def _restore(self, section: str, params: dict[str, str]) -> Answer:
        return self._restoreComment(section, {**params, "comment_id": params["post_id"]})

    def _ban(self, section: str, params: dict[str, str]) -> Answer:
        if params["group_id"] != str(self.group):
            return _error(15, params)
        self.banned.add(int(params["owner_id"]))
        return Answer(200, {"response": 1})

    def _unban(self, section: str, params: dict[str, str]) -> Answer:
        if params["group_id"] != str(self.group):
            return _error(15, params)
        self.banned.discard(int(params["owner_id"]))
        return Answer(200, {"response": 1})

    # ------------------------------------------------------------------ our reply coming back in

    def delivery(self, created: Created, secret: str) -> SignedDelivery:
        """The Callback API event VK pushes for our own comment or message, signed like the fixtures."""
        date = int(self.now.timestamp())
        if created.section == "messages":
            obj: dict[str, Any] = {
                "date": date, "from_id": -self.group, "id": created.item, "out": 1, "peer_id": created.owner,
                "conversation_message_id": created.id, "text": created.text, "attachments": [],
                "fwd_messages": [], "important": False, "is_hidden": False,
                "random_id": int(created.params.get("random_id", "0")),
            }  # fmt: skip
            event = "message_reply"
        else:
            obj = {"id": created.id, "from_id": -self.group, "date": date, "text": created.text}
            obj |= self._where(created)
            if created.reply_to:
                obj |= {"reply_to_comment": created.reply_to, "parents_stack": [created.reply_to]}
            event = _EVENT[created.section]
        event_id = hashlib.sha1(f"{event}:{created.owner}:{created.id}".encode(), usedforsecurity=False).hexdigest()
        envelope = {"type": event, "event_id": event_id, "v": VERSION, "group_id": self.group, "object": obj}
        return vk.sign(json.dumps(envelope, ensure_ascii=False).encode(), {"secret": secret}, self.now)

    @staticmethod
    def _where(created: Created) -> dict[str, int]:
        """The owner/item fields of each comment event, as the webhook fixtures carry them."""
        if created.section == "wall":
            return {"post_id": created.item, "owner_id": created.owner, "post_owner_id": created.owner}
        if created.section == "board":
            return {"topic_id": created.item, "topic_owner_id": created.owner}
        if created.section == "market":
            return {"item_id": created.item, "market_owner_id": created.owner}
        single = created.section.removesuffix("s")  # photos → photo, video
        return {f"{single}_id": created.item, f"{single}_owner_id": created.owner}


def _is_integer(value: str) -> bool:
    return value.lstrip("-").isdigit()


def _error(code: int, params: dict[str, str], detail: str = "") -> Answer:
    message = _MESSAGES.get(code, "error") + (f": {detail}" if detail else "")
    request_params = [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
    return Answer(200, {"error": {"error_code": code, "error_msg": message, "request_params": request_params}})
