"""Telegram Bot API: one `Update` per POST, pushed to the URL given to `setWebhook`.

Wire contract (../shared/reference/webhooks.md §5; Bot API spec PaulSonOfLars/telegram-bot-api-spec
`api.json`, Bot API 10.1, and core.telegram.org/bots/api):
- confirmed: the body is one `Update` (`update_id` plus exactly one update field); the header
  `X-Telegram-Bot-Api-Secret-Token` carries the `secret_token` given to `setWebhook` and is the only
  authentication (no HMAC, no timestamp: the body is not covered and there is no replay window);
  no GET handshake; any 2xx acknowledges (we answer an empty body: a JSON body would be read as a
  Bot API call); `message_id` is unique only within its chat; the `Message` fields used below
  (`date`, `text`/`caption`, `from`, `sender_chat`, `chat`, `message_thread_id`,
  `reply_to_message`, `is_automatic_forward`); no update exists for deleted messages.
- secondary: a channel post's comments are messages in the linked discussion group whose
  `message_thread_id` is the id of the post's automatically forwarded copy there (the first level
  also has that copy as `reply_to_message`).
- unconfirmed: the permalink of private supergroups and channels (`t.me/c/<id without -100>/<id>`),
  kept in `_permalink_private`.

Decisions:
- `account_id` is the chat id for groups, supergroups and channels, so a chat must be listed in the
  brand's `accounts` (the route refuses chats of other brands, including groups strangers add the
  bot to), and None for private chats: there the chat id is the customer's user id, which no brand
  lists, so the brand comes from the URL `/webhooks/telegram/<brand>` (one bot per brand).
  Non-message updates also return None: they are ignored, and must not be refused and retried.
- The identity is `<brand>#telegram#<chat id>:<message id>`, the same for `message` and `edited_message`
  (Action.EDIT) and for `channel_post` and `edited_channel_post`.
- Thread root: a channel post is its own root; a message in a thread (discussion comments under a
  channel post, forum topics, reply threads) has `<chat id>:<message_thread_id>`, so a comment and
  the replies to it share it; any other message belongs to its conversation, root `<chat id>`.
- Not a mention: the automatic forward of a channel post into its discussion group (the post itself
  arrives as `channel_post`).
- The brand's own writing is kept, marked `by_brand` (our reply coming back, or a person answering
  by hand; never scored): messages from a bot (bots get no updates for other bots' messages
  [secondary: Bot FAQ], so a bot author is ours; the bot's own id is not known here); anonymous
  group admins (`sender_chat` is the chat itself); the channel answering under its own post
  (`sender_chat` is the channel of the forwarded copy replied to). Without the brand's channel ids
  here, the channel answering deeper in a thread looks like a customer writing as their own
  channel and is kept as a customer.
- Channel posts are kept as POSTs, so agents see what a discussion is about; the bot only gets
  them for channels where it is an admin, which are the brand's own (its scoring should rarely
  flag announcements; moving them to "ignored" is a one-line change in `parse`).
- Service messages (members joining, pins, topic changes: no text, caption or content) are skipped;
  media without a caption is kept with empty text. Followers are not in updates (None).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeGuard

from functions.core import untrusted
from functions.core.channels import NOT_GIVEN, ChannelStats, Engagement, ScopeMissingError, mark
from functions.core.mention import Action, Author, Kind, Mention, Thread, from_unix
from functions.core.polls import (
    Credentials,
    Fetch,
    HttpRequest,
    HttpResponse,
    PollError,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    setting,
)
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Result, Target
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

NETWORK = "telegram"
DISPLAY_NAME = "Telegram"
DELIVERY: Delivery = "push"
SECRETS: tuple[str, ...] = ("secret_token",)
ACK = Reply(200, "", "text/plain")

AUTH_HEADER = "X-Telegram-Bot-Api-Secret-Token"

_ACTIONS = {
    "message": Action.NEW,
    "edited_message": Action.EDIT,
    "channel_post": Action.NEW,
    "edited_channel_post": Action.EDIT,
}
_CHANNEL_UPDATES = frozenset({"channel_post", "edited_channel_post"})
EVENT_TYPES = frozenset(_ACTIONS)
# Genuine updates that are not customer posts. Business-account messages are left out on purpose:
# they are customer messages we do not handle yet, so they are answered and counted as unsupported.
IGNORED_EVENT_TYPES = frozenset(
    {
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
        "business_connection",
        "deleted_business_messages",
    }
)

_SHARED_CHATS = frozenset({"group", "supergroup", "channel"})
# A message without text or caption is a customer post only if it carries one of these.
_CONTENT = frozenset(
    {
        "animation",
        "audio",
        "contact",
        "dice",
        "document",
        "location",
        "paid_media",
        "photo",
        "poll",
        "sticker",
        "story",
        "venue",
        "video",
        "video_note",
        "voice",
    }
)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _update(request: WebhookRequest) -> dict[str, Any]:
    try:
        update = untrusted.loads(request.body)
    except untrusted.UntrustedInputError as error:
        raise MalformedPayloadError(f"body is not acceptable JSON: {error}") from error
    if not isinstance(update, dict) or not _is_int(update.get("update_id")):
        raise MalformedPayloadError("body is not a Telegram Update (no integer 'update_id')")
    return update


def _event_type(update: Mapping[str, Any]) -> str:
    """The update field present: Telegram sends exactly one besides `update_id`."""
    fields = [key for key in update if key != "update_id"]
    if not fields:
        raise MalformedPayloadError("the Update carries no update field")
    for group in (EVENT_TYPES, IGNORED_EVENT_TYPES):
        known = [key for key in fields if key in group]
        if known:
            return known[0]
    return sorted(fields)[0]


def account_id(request: WebhookRequest) -> str | None:
    """The group, supergroup or channel a message update is in; None for private chats and the rest."""
    try:
        update = untrusted.loads(request.body)
    except untrusted.UntrustedInputError:
        return None
    if not isinstance(update, dict):
        return None
    message = next((update[key] for key in sorted(EVENT_TYPES) if key in update), None)
    chat = message.get("chat") if isinstance(message, dict) else None
    if not isinstance(chat, dict) or chat.get("type") not in _SHARED_CHATS or not _is_int(chat.get("id")):
        return None
    return str(chat["id"])


def handshake(request: WebhookRequest, secrets: Mapping[str, str]) -> Reply | None:
    """Telegram has none: `setWebhook` is an API call we make, nothing calls us to confirm it."""
    return None


def verify(request: WebhookRequest, secrets: Mapping[str, str], now: datetime) -> None:
    """The `secret_token` echoed in a header; it covers no body bytes and no time."""
    expected = require_secret(secrets, "secret_token")
    given = request.header(AUTH_HEADER)
    if not given:
        raise SignatureError(f"{AUTH_HEADER} is required", missing=True)
    if not same_secret(given, expected):
        raise SignatureError("secret token does not match")


def sign(body: bytes, secrets: Mapping[str, str], now: datetime) -> SignedDelivery:
    return SignedDelivery(body, {"Content-Type": "application/json", AUTH_HEADER: secrets["secret_token"]})


def parse(request: WebhookRequest, brand: str) -> tuple[Mention, ...]:
    update = _update(request)
    event = _event_type(update)
    if event in IGNORED_EVENT_TYPES:
        return ()
    if event not in EVENT_TYPES:
        raise UnsupportedEventError(event)
    message = update[event]
    if not isinstance(message, dict):
        raise MalformedPayloadError(f"{event} must be a Message object")
    try:
        mention = _message(message, event, brand)
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
        raise MalformedPayloadError(f"{event}: missing or invalid field {error}") from error
    if mention is None:
        return ()
    return (replace(mention, event=event, raw_ref=str(update["update_id"]), action=_ACTIONS[event]),)


def _int(obj: Mapping[str, Any], key: str) -> int:
    value = obj[key]
    if not _is_int(value):
        raise ValueError(key)
    return int(value)


def _object(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj[key]
    if not isinstance(value, dict):
        raise ValueError(key)
    return value


def _optional_object(obj: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(key)
    return value


def _text(message: Mapping[str, Any]) -> str | None:
    """The text or media caption; "" for media without one; None for a service message."""
    for key in ("text", "caption"):
        value = message.get(key)
        if isinstance(value, str):
            return value
    return "" if _CONTENT & message.keys() else None


def _message(message: Mapping[str, Any], event: str, brand: str) -> Mention | None:
    chat = _object(message, "chat")
    chat_id, message_id = _int(chat, "id"), _int(message, "message_id")
    text = _text(message)
    if text is None:
        return None
    external_id = f"{chat_id}:{message_id}"
    by_brand = False
    if event in _CHANNEL_UPDATES:
        author, kind, thread = _chat_author(chat), Kind.POST, Thread(root_id=external_id)
    else:
        found = _sender(message, chat_id)
        if found is None:
            return None
        author, by_brand = found
        kind, thread = _place(message, chat_id, str(chat.get("type")))
    return Mention(
        network=NETWORK,
        external_id=external_id,
        kind=kind,
        brand=brand,
        author=author,
        text=text,
        url=_permalink(chat, message_id),
        created_at=from_unix(_int(message, "date")),
        thread=thread,
        by_brand=by_brand,
    )


def _sender(message: Mapping[str, Any], chat_id: int) -> tuple[Author, bool] | None:
    """Who wrote a chat message and whether it is the brand (see the module docstring); None for
    the automatic copy of a channel post."""
    if message.get("is_automatic_forward") is True:
        return None
    sender_chat = _optional_object(message, "sender_chat")
    if sender_chat is not None:
        sender_id = _int(sender_chat, "id")
        return _chat_author(sender_chat), sender_id in (chat_id, _forwarded_channel(message))
    user = _object(message, "from")
    return _user_author(user), user.get("is_bot") is True


def _forwarded_channel(message: Mapping[str, Any]) -> int | None:
    """The channel whose post this message answers, when it replies to the post's forwarded copy."""
    reply_to = _optional_object(message, "reply_to_message")
    if reply_to is None or reply_to.get("is_automatic_forward") is not True:
        return None
    channel = _optional_object(reply_to, "sender_chat")
    return _int(channel, "id") if channel is not None else None


def _place(message: Mapping[str, Any], chat_id: int, chat_type: str) -> tuple[Kind, Thread]:
    """Kind and thread of a chat message: in a thread (comments, topics) or in the conversation."""
    reply_to = _optional_object(message, "reply_to_message")
    parent = f"{chat_id}:{_int(reply_to, 'message_id')}" if reply_to is not None else None
    thread_id = message.get("message_thread_id")
    if not _is_int(thread_id) and reply_to is not None and reply_to.get("is_automatic_forward") is True:
        thread_id = reply_to["message_id"]
    if chat_type != "private" and _is_int(thread_id):
        root = f"{chat_id}:{thread_id}"
        return (Kind.COMMENT if parent in (None, root) else Kind.REPLY), Thread(root_id=root, parent_id=parent or root)
    conversation = str(chat_id)
    return Kind.MESSAGE, Thread(root_id=conversation, parent_id=parent or conversation)


def _profile_url(username: Any) -> str | None:
    return f"https://t.me/{username}" if isinstance(username, str) and username else None


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _user_author(user: Mapping[str, Any]) -> Author:
    names = (user.get("first_name"), user.get("last_name"))
    name = " ".join(part for part in names if isinstance(part, str) and part)
    return Author(
        id=str(_int(user, "id")),
        handle=_optional_str(user.get("username")),
        name=name or None,
        url=_profile_url(user.get("username")),
    )


def _chat_author(chat: Mapping[str, Any]) -> Author:
    """A channel (its posts, or a customer commenting as their channel) as the author."""
    return Author(
        id=str(_int(chat, "id")),
        handle=_optional_str(chat.get("username")),
        name=_optional_str(chat.get("title")),
        url=_profile_url(chat.get("username")),
    )


def _permalink(chat: Mapping[str, Any], message_id: int) -> str | None:
    """Public chats by username; private supergroups and channels by id; private chats have none."""
    if chat.get("type") == "private":
        return None
    username = chat.get("username")
    if isinstance(username, str) and username:
        return f"https://t.me/{username}/{message_id}"
    return _permalink_private(_int(chat, "id"), message_id)


def _permalink_private(chat_id: int, message_id: int) -> str | None:
    """Unconfirmed format; basic groups (ids without the -100 prefix) have no message links."""
    digits = str(chat_id)
    if not digits.startswith("-100"):
        return None
    return f"https://t.me/c/{digits[4:]}/{message_id}"


# --------------------------------------------------------------------------- the channel's statistics
# Bot API 10.1 (../shared/specs/telegram-bot-api-spec.api.min.json, excerpt in
# tests/contracts/channels/): `getChatMemberCount(chat_id)` → Integer [confirmed]; `getChat` →
# ChatFullInfo with `title` [confirmed]; answers `{"ok": true, "result": ...}` or `{"ok": false,
# "error_code", "description", "parameters": {"retry_after"}}` [confirmed]. The Bot API gives no
# channel history, views, forwards or comment counts [confirmed by the spec]: those need an MTProto
# user session (`messages.getMessagesViews`, `stats.getBroadcastStats`), not built here.

STATS_SECRETS = ("bot_token",)  # the bot that is an admin of the brand's channel
BOT_API = "https://api.telegram.org"
ENGAGEMENT = Engagement(
    label="no rate: the Bot API gives no post counters (views, reactions, forwards)",
    source="Telegram publishes no ER; views and forwards exist only in MTProto (a logged-in admin session)",
)
_NO_COUNTERS = mark(NOT_GIVEN, "the Bot API gives no channel history, views, reactions or forwards")


def channel_stats(
    http: Fetch, credentials: Credentials, account: str, settings: Mapping[str, Any], now: datetime, *, days: int = 7
) -> ChannelStats:
    """Subscribers of one channel (`getChatMemberCount`) and its title (`getChat`); no posts."""
    token = credentials.secrets.get("bot_token")
    if not token:
        raise TokenInvalidError("telegram: no bot_token secret configured for channel statistics")
    api = setting(settings, "bot_api", BOT_API)
    count = _bot_call(http, f"{api}/bot{token}/getChatMemberCount", account)
    chat = _bot_call(http, f"{api}/bot{token}/getChat", account)
    if not isinstance(count, int) or isinstance(count, bool):
        raise MalformedPayloadError("telegram: getChatMemberCount answered without an integer result")
    title = chat.get("title") if isinstance(chat, dict) else None
    return ChannelStats(
        network=NETWORK,
        account=account,
        taken_at=now,
        subscribers=count,
        name=str(title) if title else None,
        marks={"posts": _NO_COUNTERS, "likes": _NO_COUNTERS, "comments": _NO_COUNTERS, "shares": _NO_COUNTERS},
        days=days,
    )


def _bot_call(http: Fetch, url: str, chat_id: str) -> Any:
    response = http(HttpRequest(url, method="POST", json_body={"chat_id": chat_id}))
    method = url.rsplit("/", 1)[-1]
    try:
        body = untrusted.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and body.get("ok") is True and "result" in body:
        return body["result"]
    raise _bot_error(method, response, body)


def _bot_error(method: str, response: HttpResponse, body: Any) -> Exception:
    """Telegram's error object: 401 the token was revoked, 403 the bot is not (an admin) in the
    channel, 429 `parameters.retry_after`, 5xx outages; anything else is the request's fault."""
    code = body.get("error_code") if isinstance(body, dict) else None
    status = code if isinstance(code, int) else response.status
    said = f"telegram: {method} {status}: {body.get('description') if isinstance(body, dict) else 'no JSON'}"
    if status == 401 or (status == 404 and isinstance(body, dict)):  # a wrong token path answers 404 Not Found
        return TokenInvalidError(said)
    if status == 403:
        return ScopeMissingError(said)
    if status == 429:
        parameters = body.get("parameters") if isinstance(body, dict) else None
        wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
        return RateLimitedError(said, float(wait) if isinstance(wait, int | float) else None)
    if status >= 500:
        return SourceUnavailableError(said)
    if not isinstance(body, dict):
        return MalformedPayloadError(said)
    return PollError(said)


# ------------------------------------------------------------------------ answering in the channel
# Wire contract (../shared/reference/replies.md §4; Bot API 10.1, excerpt in tests/contracts/replies/):
# - confirmed: `POST {bot_api}/bot<token>/<method>` with a JSON body; `sendMessage(chat_id, text
#   1-4096 characters, message_thread_id, reply_parameters{message_id, allow_sending_without_reply})`
#   → `{ok: true, result: Message}`; `deleteMessage(chat_id, message_id)`, `banChatMember(chat_id,
#   user_id)`, `unbanChatMember(chat_id, user_id, only_if_banned)`, `banChatSenderChat` /
#   `unbanChatSenderChat(chat_id, sender_chat_id)` → `{ok: true, result: true}`; errors
#   `{ok: false, error_code, description, parameters: {retry_after, migrate_to_chat_id}}`.
# - secondary: the descriptions read in `_refusal` ("bot was blocked by the user", "message to be
#   replied not found", "message is too long"...); that a reply to a forwarded channel post lands in
#   that post's comment thread without `message_thread_id` (sent only for chats listed in the
#   brand's `forums` setting, where it names the topic).
# No idempotency key exists and a bot cannot read a chat's history (no getMessages), so there is no
# lookup after a lost answer either: REPLY_IDEMPOTENT is False and the worker must not resend blindly.

REPLY_SECRETS = ("bot_token",)
REPLY_LIMIT = 4096  # `text`: 1-4096 characters after entity parsing [confirmed]; we send plain text
REPLY_IDEMPOTENT = False
MODERATION = ("delete", "ban", "unban")

_ID = re.compile(r"^(-?\d+):(\d+)$")


def _ids(external_id: str) -> tuple[int, int]:
    """(chat id, message id) of a `<chat>:<message>` identity as `parse` builds it."""
    found = _ID.match(external_id)
    if found is None:
        raise CannotReplyError(f"telegram: {external_id!r} is not a <chat>:<message> id", Failure.INVALID)
    return int(found[1]), int(found[2])


def reply_request(  # noqa: PLR0917 (the signature functions.core.replies sets for every network)
    target: Target,
    text: str,
    outbound_id: str,
    settings: Mapping[str, Any],
    secrets: Mapping[str, str],
    now: datetime,
    *,
    private: bool = False,
) -> HttpRequest:
    """A reply to the customer's message in its chat (a comment thread, a forum topic, a private
    chat), or with `private` a message in the customer's private chat with the bot, which Telegram
    allows only once they have started it. `outbound_id` and `now` are not used: no key, no window."""
    chat, message = _ids(target.external_id)
    if target.kind is Kind.POST:
        raise CannotReplyError(
            "telegram: a channel post is the brand's own; answer its comments in the discussion group"
        )
    if private:
        author = target.author.id
        if not author.isdigit():
            raise CannotReplyError(f"telegram: a private message needs a person as author, not {author or 'nobody'!r}")
        return _bot_request(settings, secrets, "sendMessage", {"chat_id": int(author), "text": text})
    body: dict[str, Any] = {
        "chat_id": chat,
        "text": text,
        "reply_parameters": {"message_id": message, "allow_sending_without_reply": False},
    }
    topic = _topic(target, chat, settings)
    if topic is not None:
        body["message_thread_id"] = topic
    return _bot_request(settings, secrets, "sendMessage", body)


def _topic(target: Target, chat: int, settings: Mapping[str, Any]) -> int | None:
    """The forum topic of the target, for chats the brand lists as forums (`forums: [chat ids]`)."""
    forums = settings.get("forums") or ()
    if str(chat) not in {str(forum) for forum in forums}:
        return None
    root = _ID.match(target.thread.root_id or "")
    return int(root[2]) if root is not None and int(root[1]) == chat else None


def _bot_request(
    settings: Mapping[str, Any], secrets: Mapping[str, str], method: str, body: Mapping[str, Any]
) -> HttpRequest:
    """The token is part of the URL (the Bot API has no header for it): never log this URL."""
    token = secrets.get("bot_token")
    if not token:
        raise CannotReplyError("telegram: the brand's Telegram settings lack the bot_token secret")
    return HttpRequest(
        f"{setting(settings, 'bot_api', BOT_API)}/bot{token}/{method}", method="POST", json_body=dict(body)
    )


def reply_result(response: HttpResponse, target: Target | None = None) -> Result:
    """Our message as `<chat>:<message>`, the id it would come back under, with its link."""
    result = _bot_result(response)
    if isinstance(result, Refused):
        return result
    chat = result.get("chat") if isinstance(result, dict) else None
    number = result.get("message_id") if isinstance(result, dict) else None
    if not isinstance(chat, dict) or not _is_int(chat.get("id")) or not _is_int(number):
        return Refused(Failure.TRANSIENT, "Telegram answered sendMessage without a message id")
    return Posted(f"{chat['id']}:{number}", _permalink(chat, int(number)))


def _bot_result(response: HttpResponse) -> Any:
    """The `result` of an `{ok: true}` answer, or the Refused its error stands for."""
    try:
        body = untrusted.loads(response.body)
    except untrusted.UntrustedInputError:
        body = None
    if isinstance(body, dict) and body.get("ok") is True and "result" in body:
        return body["result"]
    return _refusal(response, body)


def _refusal(response: HttpResponse, body: Any) -> Refused:
    """Telegram's error classes by status, refined by the description where one status means two
    things (403 blocked by the customer vs. bot removed from the group; 400 gone vs. too long)."""
    error: Mapping[str, Any] = body if isinstance(body, dict) else {}
    given = error.get("error_code")
    code = int(given) if _is_int(given) else response.status
    said = str(error.get("description") or f"HTTP {response.status}")
    reason = f"Telegram: {said}"
    found = error.get("parameters")
    parameters: Mapping[str, Any] = found if isinstance(found, dict) else {}
    lowered = said.lower()
    if code == 429:
        wait = parameters.get("retry_after")
        return Refused(Failure.RATE, reason, float(wait) if isinstance(wait, int | float) else None)
    if code in (401, 404) and error:  # a revoked token; a wrong token path answers 404 Not Found
        return Refused(Failure.AUTH, f"{reason}: the bot token was revoked, reconnect the bot")
    if code >= 500 or not error:
        return Refused(Failure.TRANSIENT, reason)
    if code == 403:
        gone = any(cue in lowered for cue in ("blocked by the user", "user is deactivated", "can't initiate"))
        return Refused(Failure.GONE if gone else Failure.PERM, reason)
    if _is_int(parameters.get("migrate_to_chat_id")):
        return Refused(Failure.GONE, f"{reason} (the group is now chat {parameters['migrate_to_chat_id']})")
    if "too long" in lowered:
        return Refused(Failure.INVALID, reason)
    if "not enough rights" in lowered or "administrator" in lowered:
        return Refused(Failure.PERM, reason)
    if any(cue in lowered for cue in ("not found", "can't be deleted", "topic_closed", "topic_deleted")):
        return Refused(Failure.GONE, reason)
    return Refused(Failure.INVALID, reason)


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Delete the customer's message (under 48 h old, `can_delete_messages`), or ban / unban its
    author from the group: a person with (un)banChatMember, a channel with (un)banChatSenderChat."""
    chat, message = _ids(target.external_id)
    if action == "delete":
        return _bot_request(settings, secrets, "deleteMessage", {"chat_id": chat, "message_id": message})
    if action not in ("ban", "unban"):
        raise CannotReplyError(f"telegram: the Bot API offers no {action!r} for messages")
    if chat > 0:
        raise CannotReplyError(f"telegram: a private chat has no members to {action}")
    author = target.author.id
    if not re.fullmatch(r"-?\d+", author):
        raise CannotReplyError(f"telegram: cannot {action} an author Telegram does not name")
    if author.startswith("-"):
        return _bot_request(
            settings, secrets, f"{action}ChatSenderChat", {"chat_id": chat, "sender_chat_id": int(author)}
        )
    body: dict[str, Any] = {"chat_id": chat, "user_id": int(author)}
    if action == "unban":
        body["only_if_banned"] = True  # else unbanning a member would remove them from the group
    return _bot_request(settings, secrets, f"{action}ChatMember", body)


def moderation_result(action: str, response: HttpResponse, target: Target | None = None) -> Result:
    """`result: true` = done; Posted names the message (delete) or the author (ban, unban)."""
    result = _bot_result(response)
    if isinstance(result, Refused):
        return result
    if result is not True:
        return Refused(Failure.TRANSIENT, f"Telegram answered {action} with {result!r}")
    if target is None:
        return Posted("")
    return Posted(target.author.id if action in ("ban", "unban") else target.external_id)
