"""Odnoklassniki (OK.ru) Bot API: messages written to a group's chats, pushed to a subscribed URL.

What OK delivers at all (../shared/reference/webhooks.md §4; apiok.ru Bot API, method
`graph.user.subscribe`): only chat events of a group's bot — new chat messages (not those the
token's owner sends), chat title/icon changes and members joining or leaving. There is NO webhook
for wall posts, comments or discussions of a group: those are left to the OK polling connector.

Wire contract:
- confirmed: that OK's Bot API pushes group-chat events to subscribed URLs, and nothing for walls.
- secondary (apiok.ru's `graph.user.subscribe` page, read in a copy of its documentation source):
  `POST https://api.ok.ru/graph/me/subscribe?access_token=<group bot token>` with `{"url": ...}`
  registers any URL; deliveries are JSON POSTs to be answered 200 within 5 s or retried (a URL
  silent for 8 hours may be dropped), from 217.20.145.192/28, 217.20.151.160/28, 217.20.153.48/28;
  the message shape `{sender: {user_id: "user:<id>"}, recipient: {chat_id: "chat:<id>"},
  message: {text, seq, mid: "mid:<chat>.<n>", attachments?}, timestamp: <ms>}`. Third-party bots
  also read `sender.name` and dispatch on a top-level `webhookType` (`MESSAGE_CREATED`), which
  apiok.ru's example omits: a body without it that carries a message with a `mid` is read as
  MESSAGE_CREATED.
- unconfirmed: the names of the other event types (`CHAT_STARTED`, `MESSAGE_CALLBACK`,
  `CHAT_SYSTEM`), ignored here; unknown ones are counted as unsupported, which shows their names;
  that `user:<id>` is the numeric profile id (`_profile_url`); that OK keeps a query string in a
  subscribed URL (third-party integrations rely on it).

Authentication (ours: OK documents no signature, secret header or handshake): the URL we register
with OK carries the brand's `webhook_token` as a query parameter,
`https://<api>/api/webhooks/ok/<brand>?token=<webhook_token>`, compared in constant time; missing
is 401, wrong 403. It proves the sender knows the URL, nothing more: it is not a signature over
the body, has no replay window, and sits in every log that records full URLs (API Gateway access
logs must not log query strings for this route). Rotate it by subscribing the new URL and
unsubscribing the old one. OK's source networks (above) could be checked in front of us as well.

Decisions:
- `account_id` is None: a chat id names one conversation (there is one per customer), not an
  account a brand can list, and the group the token belongs to is not reliably in the payload; the
  brand is the one in the URL.
- The identity is `<brand>#ok#<mid>` (OK's message id, kept as sent, e.g. `mid:C3ecb9d02a600.15cea6...`);
  the thread root is the chat (`chat:<id>`), so one customer's messages form one conversation.
- No permalink exists for a chat message (None); `sender.name` is used when present.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from functions.core import untrusted
from functions.core.mention import Author, Kind, Mention, Thread, from_unix
from functions.core.webhooks import (
    OK_JSON,
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

NETWORK = "ok"
DISPLAY_NAME = "Odnoklassniki (OK.ru)"
DELIVERY: Delivery = "push"
SECRETS: tuple[str, ...] = ("webhook_token",)
ACK = OK_JSON

QUERY_PARAMETER = "token"
MESSAGE_CREATED = "MESSAGE_CREATED"
EVENT_TYPES = frozenset({MESSAGE_CREATED})
# Unconfirmed names: a customer opening the chat, a button press, chat title/icon/member changes.
IGNORED_EVENT_TYPES = frozenset({"CHAT_STARTED", "MESSAGE_CALLBACK", "CHAT_SYSTEM"})


def _document(request: WebhookRequest) -> dict[str, Any]:
    try:
        document = untrusted.loads(request.body)
    except untrusted.UntrustedInputError as error:
        raise MalformedPayloadError(f"body is not acceptable JSON: {error}") from error
    if not isinstance(document, dict):
        raise MalformedPayloadError("body is not an OK Bot API event (not an object)")
    return document


def _event_type(document: Mapping[str, Any]) -> str:
    event = document.get("webhookType")
    if isinstance(event, str) and event:
        return event
    message = document.get("message")
    if event is None and isinstance(message, dict) and isinstance(message.get("mid"), str):
        return MESSAGE_CREATED  # apiok.ru's own example of a delivered message has no webhookType
    raise MalformedPayloadError("body is not an OK Bot API event (no 'webhookType')")


def account_id(request: WebhookRequest) -> str | None:
    """None: OK's chat ids are per conversation, so the brand is always named in the URL."""
    return None


def handshake(request: WebhookRequest, secrets: Mapping[str, str]) -> Reply | None:
    return None


def verify(request: WebhookRequest, secrets: Mapping[str, str], now: datetime) -> None:
    """The `token` query parameter of the URL we subscribed; OK itself signs nothing."""
    expected = require_secret(secrets, "webhook_token")
    given = request.query.get(QUERY_PARAMETER)
    if not given:
        raise SignatureError(f"the '{QUERY_PARAMETER}' query parameter is required", missing=True)
    if not same_secret(given, expected):
        raise SignatureError("webhook token does not match")


def sign(body: bytes, secrets: Mapping[str, str], now: datetime) -> SignedDelivery:
    """What OK sends: the body and its content type. The token travels in the URL we registered,
    `?token=<webhook_token>`, which a SignedDelivery (body and headers only) cannot carry yet; once
    it has a `query`, this returns `query={QUERY_PARAMETER: secrets["webhook_token"]}` as well."""
    return SignedDelivery(
        body, {"Content-Type": "application/json;charset=utf-8"}, {QUERY_PARAMETER: secrets["webhook_token"]}
    )


def parse(request: WebhookRequest, brand: str) -> tuple[Mention, ...]:
    document = _document(request)
    event = _event_type(document)
    if event in IGNORED_EVENT_TYPES:
        return ()
    if event not in EVENT_TYPES:
        raise UnsupportedEventError(event)
    try:
        return (_message(document, brand),)
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
        raise MalformedPayloadError(f"{event}: missing or invalid field {error}") from error


def _object(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj[key]
    if not isinstance(value, dict):
        raise ValueError(key)
    return value


def _prefixed(obj: Mapping[str, Any], key: str, prefix: str) -> str:
    """OK's typed ids: `user:123`, `chat:C3ecb...`, `mid:C3ecb....15cea...`."""
    value = obj[key]
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) == len(prefix):
        raise ValueError(key)
    return value


def _profile_url(user_id: str) -> str | None:
    """Unconfirmed: that the bot API's user id is the profile's numeric id."""
    return f"https://ok.ru/profile/{user_id}" if user_id.isdigit() else None


def _author(sender: Mapping[str, Any]) -> Author:
    user_id = _prefixed(sender, "user_id", "user:").removeprefix("user:")
    name = sender.get("name")
    return Author(id=user_id, name=name if isinstance(name, str) and name else None, url=_profile_url(user_id))


def _message(document: Mapping[str, Any], brand: str) -> Mention:
    message = _object(document, "message")
    chat = _prefixed(_object(document, "recipient"), "chat_id", "chat:")
    text = message.get("text", "")
    timestamp = document["timestamp"]
    if not isinstance(text, str):
        raise ValueError("message.text")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise ValueError("timestamp")
    return Mention(
        network=NETWORK,
        external_id=_prefixed(message, "mid", "mid:"),
        kind=Kind.MESSAGE,
        brand=brand,
        author=_author(_object(document, "sender")),
        text=text,
        url=None,
        created_at=from_unix(timestamp / 1000),
        thread=Thread(root_id=chat, parent_id=chat),
        event=MESSAGE_CREATED,
    )
