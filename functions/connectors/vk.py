"""VKontakte Callback API: community events pushed to our URL.

Wire contract (../shared/reference/webhooks.md §3, VKCOM/vk-api-schema v5.199 and SevereCloud/vksdk):
- confirmed: the envelope `{type, object, group_id, event_id, v, secret}`; the `confirmation`
  event answered with the community's confirmation string as a plain-text body; the `secret`
  field as the only authentication (no HMAC); every other delivery answered 200 with the body
  exactly `ok` (anything else is a failure VK retries); the object fields used below.
- secondary: `board_post_new` carrying `topic_id`/`topic_owner_id`; `X-Retry-Counter` on retries
  (not needed: dedupe is by mention identity).
- unconfirmed: the comment permalink forms `?reply=`/`&thread=`; kept in `_permalink_*` helpers.

Edits (`*_edit`, `message_edit`) and restores carry the full object and update the stored mention;
deletes (`*_delete`) carry only ids and mark it deleted (never erased). All keep the identity of
the original post. Author names and follower counts are not in the payload (`users.get` gives
them); enrichment is left to a later step, so `followers` stays None here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from functions.core.mention import Action, Author, Kind, Mention, Metrics, Thread, from_unix
from functions.core.webhooks import (
    Delivery,
    MalformedPayloadError,
    Reply,
    SignatureError,
    SignedDelivery,
    UnsupportedEventError,
    WebhookRequest,
    require_secret,
    same_secret,
)

NETWORK = "vk"
DISPLAY_NAME = "VKontakte"
DELIVERY: Delivery = "push"
SECRETS = ("secret", "confirmation")
ACK = Reply(200, "ok", "text/plain")

_COMMENT_KINDS = {"wall_reply": "wall", "photo_comment": "photo", "video_comment": "video", "market_comment": "market"}
_VERBS = {"new": Action.NEW, "edit": Action.EDIT, "restore": Action.RESTORE, "delete": Action.DELETE}
# Genuine events we knowingly do not turn into mentions: the community's own outgoing messages,
# reactions, membership, reposts and chat-service events.
IGNORED_EVENT_TYPES = frozenset(
    {
        "confirmation",
        "message_reply",
        "message_allow",
        "message_deny",
        "message_typing_state",
        "message_read",
        "message_event",
        "wall_repost",
        "like_add",
        "like_remove",
        "group_join",
        "group_leave",
        "user_block",
        "user_unblock",
    }
)


Handler = Callable[[Mapping[str, Any], int, str], Mention | None]


def _envelope(request: WebhookRequest) -> dict[str, Any]:
    try:
        envelope = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MalformedPayloadError(f"body is not JSON: {error.__class__.__name__}") from error
    if not isinstance(envelope, dict) or not isinstance(envelope.get("type"), str):
        raise MalformedPayloadError("body is not a VK Callback API event (no 'type')")
    return envelope


def account_id(request: WebhookRequest) -> str | None:
    """The community the event is for: VK names it in the body (`group_id`)."""
    try:
        group_id = json.loads(request.body).get("group_id")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return None
    return str(group_id) if isinstance(group_id, int) and not isinstance(group_id, bool) else None


def handshake(request: WebhookRequest, secrets: Mapping[str, str]) -> Reply | None:
    """Answer `confirmation` with the community's string; VK sends it when the server is added."""
    if request.method != "POST":
        return None
    envelope = _envelope(request)
    if envelope["type"] != "confirmation":
        return None
    return Reply(200, require_secret(secrets, "confirmation"), "text/plain")


def verify(request: WebhookRequest, secrets: Mapping[str, str], now: datetime) -> None:
    """VK's only proof is the `secret` field in the body; no timestamp is signed, so no window."""
    expected = require_secret(secrets, "secret")
    given = _envelope(request).get("secret")
    if not isinstance(given, str) or not given:
        raise SignatureError("the event carries no secret", missing=True)
    if not same_secret(given, expected):
        raise SignatureError("secret does not match")


def sign(body: bytes, secrets: Mapping[str, str], now: datetime) -> SignedDelivery:
    """VK signs by putting the server's secret into the JSON body."""
    envelope = json.loads(body)
    envelope["secret"] = secrets["secret"]
    return SignedDelivery(json.dumps(envelope, ensure_ascii=False).encode(), {"Content-Type": "application/json"})


def parse(request: WebhookRequest, brand: str) -> tuple[Mention, ...]:
    envelope = _envelope(request)
    event = envelope["type"]
    if event in IGNORED_EVENT_TYPES:
        return ()
    handler = _HANDLERS.get(event)
    if handler is None:
        raise UnsupportedEventError(event)
    obj = envelope.get("object")
    group_id = envelope.get("group_id")
    if not isinstance(obj, dict) or not isinstance(group_id, int):
        raise MalformedPayloadError(f"{event}: 'object' and 'group_id' are required")
    try:
        mention = handler(obj, group_id, brand)
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedPayloadError(f"{event}: missing or invalid field {error}") from error
    if mention is None:
        return ()
    raw_ref = envelope.get("event_id")
    return (
        replace(
            mention,
            event=event,
            raw_ref=str(raw_ref) if raw_ref is not None else None,
            action=_VERBS[event.rsplit("_", 1)[1]],
        ),
    )


def _int(obj: Mapping[str, Any], key: str) -> int:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(key)
    return value


def _author(from_id: int) -> Author:
    if from_id < 0:
        return Author(id=str(from_id), handle=f"club{-from_id}", url=f"https://vk.com/club{-from_id}")
    return Author(id=str(from_id), handle=f"id{from_id}", url=f"https://vk.com/id{from_id}")


def _count(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if isinstance(value, dict) and isinstance(value.get("count"), int):
        return int(value["count"])
    return None


def _is_own(from_id: int, group_id: int) -> bool:
    """The brand's own community writing: not a customer mention."""
    return from_id == -group_id


def _mention(
    obj: Mapping[str, Any],
    brand: str,
    *,
    external_id: str,
    kind: Kind,
    url: str,
    thread: Thread,
    metrics: Metrics | None = None,
) -> Mention:
    """The fields every VK object names the same way: author, text, date."""
    return Mention(
        network=NETWORK,
        external_id=external_id,
        kind=kind,
        brand=brand,
        author=_author(_int(obj, "from_id")),
        text=str(obj.get("text", "")),
        url=url,
        created_at=from_unix(_int(obj, "date")),
        thread=thread,
        metrics=metrics or Metrics(),
    )


def _wall_post(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
    owner, post_id, from_id = _int(obj, "owner_id"), _int(obj, "id"), _int(obj, "from_id")
    if _is_own(from_id, group_id):
        return None
    post = f"wall{owner}_{post_id}"
    return _mention(
        obj,
        brand,
        external_id=post,
        kind=Kind.POST,
        url=f"https://vk.com/{post}",
        thread=Thread(root_id=post),
        metrics=Metrics(
            likes=_count(obj, "likes"),
            replies=_count(obj, "comments"),
            shares=_count(obj, "reposts"),
            views=_count(obj, "views"),
        ),
    )


def _comment(kind: str) -> Handler:
    """Wall, photo, video and market comments share one object shape around a different parent."""

    def parse_comment(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
        from_id, comment_id = _int(obj, "from_id"), _int(obj, "id")
        if _is_own(from_id, group_id):
            return None
        owner, parent_item = _parent_item(kind, obj)
        root = f"{kind}{owner}_{parent_item}"
        reply_to = obj.get("reply_to_comment")
        is_reply = isinstance(reply_to, int) and reply_to > 0
        url = _permalink_comment(kind, owner, parent_item, comment_id, reply_to if is_reply else None)
        return _mention(
            obj,
            brand,
            external_id=f"{root}_c{comment_id}",
            kind=Kind.REPLY if is_reply else Kind.COMMENT,
            url=url,
            thread=Thread(root_id=root, parent_id=f"{root}_c{reply_to}" if is_reply else root),
            metrics=Metrics(likes=_count(obj, "likes"), replies=_count(obj, "thread")),
        )

    return parse_comment


def _parent_item(kind: str, obj: Mapping[str, Any]) -> tuple[int, int]:
    """(owner id, item id) of what was commented on; VK names them per object type."""
    if kind == "wall":
        owner = obj.get("owner_id", obj.get("post_owner_id"))
        if not isinstance(owner, int):
            raise ValueError("owner_id")
        return owner, _int(obj, "post_id")
    if kind == "market":
        return _int(obj, "market_owner_id"), _int(obj, "item_id")
    return _int(obj, f"{kind}_owner_id"), _int(obj, f"{kind}_id")


def _permalink_comment(kind: str, owner: int, item: int, comment_id: int, reply_to: int | None) -> str:
    if kind == "wall":
        thread = f"&thread={reply_to}" if reply_to else ""
        return f"https://vk.com/wall{owner}_{item}?reply={comment_id}{thread}"
    if kind == "market":
        return f"https://vk.com/product{owner}_{item}"
    return f"https://vk.com/{kind}{owner}_{item}"


def _board_post(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
    from_id, post_id = _int(obj, "from_id"), _int(obj, "id")
    if _is_own(from_id, group_id):
        return None
    owner, topic = _int(obj, "topic_owner_id"), _int(obj, "topic_id")
    root = f"topic{owner}_{topic}"
    return _mention(
        obj,
        brand,
        external_id=f"{root}_p{post_id}",
        kind=Kind.COMMENT,
        url=f"https://vk.com/{root}?post={post_id}",
        thread=Thread(root_id=root, parent_id=root),
    )


def _message(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
    """`message_new` wraps the message since API 5.103: `{message: {...}, client_info: {...}}`."""
    message = obj["message"]
    if not isinstance(message, dict):
        raise ValueError("message")
    if message.get("out") == 1:
        return None
    peer_id = _int(message, "peer_id")
    # In group chats `id` is 0; `conversation_message_id` is unique within the conversation.
    number = _int(message, "conversation_message_id")
    conversation = f"msg{peer_id}"
    reply = message.get("reply_message")
    parent = (
        f"{conversation}_{reply['conversation_message_id']}"
        if isinstance(reply, dict) and isinstance(reply.get("conversation_message_id"), int)
        else conversation
    )
    return _mention(
        message,
        brand,
        external_id=f"{conversation}_{number}",
        kind=Kind.MESSAGE,
        url=f"https://vk.com/gim{group_id}?sel={peer_id}",
        thread=Thread(root_id=conversation, parent_id=parent),
    )


def _deleted(prefix: str, owner_key: str, item_key: str, marker: str) -> Handler:
    """`*_delete` events carry only ids (no text, no date): enough for the identity to mark."""

    def parse_delete(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
        root = f"{prefix}{_int(obj, owner_key)}_{_int(obj, item_key)}"
        who = obj.get("user_id", obj.get("deleter_id"))
        return Mention(
            network=NETWORK,
            external_id=f"{root}_{marker}{_int(obj, 'id')}",
            kind=Kind.COMMENT,
            brand=brand,
            author=_author(who) if isinstance(who, int) and who else Author(id="unknown"),
            text="",
            url=None,
            created_at=from_unix(0),  # unknown: a delete names the post, not when it was written
            thread=Thread(root_id=root),
        )

    return parse_delete


def _message_edit(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
    """`message_edit` carries the bare message (not wrapped like `message_new`)."""
    return _message({"message": obj}, group_id, brand)


_HANDLERS: dict[str, Handler] = {
    "wall_post_new": _wall_post,
    "message_new": _message,
    "message_edit": _message_edit,
    **{f"board_post_{verb}": _board_post for verb in ("new", "edit", "restore")},
    "board_post_delete": _deleted("topic", "topic_owner_id", "topic_id", "p"),
    **{
        f"{event}_{verb}": _comment(kind)
        for event, kind in _COMMENT_KINDS.items()
        for verb in ("new", "edit", "restore")
    },
    "wall_reply_delete": _deleted("wall", "owner_id", "post_id", "c"),
    "photo_comment_delete": _deleted("photo", "owner_id", "photo_id", "c"),
    "video_comment_delete": _deleted("video", "owner_id", "video_id", "c"),
    "market_comment_delete": _deleted("market", "owner_id", "item_id", "c"),
}
EVENT_TYPES = frozenset(_HANDLERS)
