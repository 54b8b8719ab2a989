"""Generic signed JSON webhook: for listening tools and in-house systems without a connector.

The contract (ours, documented in the README):
- `POST /webhooks/generic/{brand}`, `Content-Type: application/json`.
- `X-Mentiondesk-Timestamp`: Unix seconds when the sender signed.
- `X-Mentiondesk-Signature`: `v1=` + hex HMAC-SHA256, key = the brand's `signing_key`, message =
  `timestamp + "." + raw body`. Deliveries older or newer than 5 minutes are rejected (replay).
- Body: `{"type": "mentions", "mentions": [ {id, source, text, created_at, author: {id, handle?,
  name?, followers?}, kind?, url?, lang?, thread: {root_id?, parent_id?}?, metrics?} ]}`,
  at most 100 mentions; `{"type": "ping"}` is accepted and ignored.
The external id is `<source>:<id>` (identity `<brand>#generic#<source>:<id>`): the sender's own ids,
so a resend is stored once, and two brands' systems both sending id "42" are two mentions; thread
ids are scoped the same way, so a reply's `root_id` names its post's external id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from functions.core import untrusted
from functions.core.mention import Author, Kind, Mention, Metrics, Thread, parse_time
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

NETWORK = "generic"
DISPLAY_NAME = "Generic signed webhook"
DELIVERY: Delivery = "push"
SECRETS = ("signing_key",)
ACK = Reply(200, '{"ok": true}', "application/json")
EVENT_TYPES = frozenset({"mentions"})
IGNORED_EVENT_TYPES = frozenset({"ping"})

TIMESTAMP_HEADER = "X-Mentiondesk-Timestamp"
SIGNATURE_HEADER = "X-Mentiondesk-Signature"
REPLAY_WINDOW_SECONDS = 300
MAX_TIMESTAMP_DIGITS = 12  # Unix seconds stay under 12 digits until the year 33658
MAX_MENTIONS = 100


def account_id(request: WebhookRequest) -> str | None:
    """The brand comes from the URL: one signing key per brand, no account id in the body."""
    return None


def handshake(request: WebhookRequest, secrets: Mapping[str, str]) -> Reply | None:
    return None


def _mac(key: str, timestamp: str, body: bytes) -> str:
    return hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(request: WebhookRequest, secrets: Mapping[str, str], now: datetime) -> None:
    key = require_secret(secrets, "signing_key")
    timestamp = request.header(TIMESTAMP_HEADER)
    signature = request.header(SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise SignatureError(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required", missing=True)
    seconds = untrusted.digits(timestamp, MAX_TIMESTAMP_DIGITS)
    if seconds is None:
        raise SignatureError("timestamp is not Unix seconds")
    if abs(now.timestamp() - seconds) > REPLAY_WINDOW_SECONDS:
        raise SignatureError("timestamp outside the 5-minute replay window")
    scheme, _, given = signature.partition("=")
    if scheme != "v1" or not same_secret(given, _mac(key, timestamp, request.body)):
        raise SignatureError("signature does not match")


def sign(body: bytes, secrets: Mapping[str, str], now: datetime) -> SignedDelivery:
    timestamp = str(int(now.timestamp()))
    return SignedDelivery(
        body,
        {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: "v1=" + _mac(secrets["signing_key"], timestamp, body),
        },
    )


def parse(request: WebhookRequest, brand: str) -> tuple[Mention, ...]:
    try:
        document = untrusted.loads(request.body)
    except untrusted.UntrustedInputError as error:
        raise MalformedPayloadError(f"body is not acceptable JSON: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        raise MalformedPayloadError("body must be an object with a 'type'")
    event = document["type"]
    if event in IGNORED_EVENT_TYPES:
        return ()
    if event not in EVENT_TYPES:
        raise UnsupportedEventError(event)
    items = document.get("mentions")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_MENTIONS:
        raise MalformedPayloadError(f"'mentions' must be a list of 1..{MAX_MENTIONS} objects")
    return tuple(_mention(item, index, brand) for index, item in enumerate(items))


def _str(item: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise MalformedPayloadError(f"{where}.{key} must be a non-empty string")
    return value


def _count(raw: Any, key: str, where: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise MalformedPayloadError(f"{where}.{key} must be a non-negative integer")
    return raw


def _object(item: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = item.get(key) or {}
    if not isinstance(value, dict):
        raise MalformedPayloadError(f"{where}.{key} must be an object")
    return value


def _scoped(source: str | None, item_id: str | None) -> str | None:
    """Thread ids live in the sender's id space, like `external_id`, so a reply's root matches its post."""
    return f"{source}:{item_id}" if item_id else None


def _mention(item: Any, index: int, brand: str) -> Mention:
    where = f"mentions[{index}]"
    if not isinstance(item, dict):
        raise MalformedPayloadError(f"{where} must be an object")
    source, item_id = _str(item, "source", where), _str(item, "id", where)
    text = item.get("text")
    if not isinstance(text, str):
        raise MalformedPayloadError(f"{where}.text must be a string")
    try:
        created_at = parse_time(str(_str(item, "created_at", where)))
        kind = Kind(item.get("kind", "post"))
    except ValueError as error:
        raise MalformedPayloadError(f"{where}: {error}") from error
    author, thread, metrics = (_object(item, k, where) for k in ("author", "thread", "metrics"))
    return Mention(
        network=NETWORK,
        external_id=f"{source}:{item_id}",
        kind=kind,
        brand=brand,
        author=Author(
            id=str(_str(author, "id", f"{where}.author")),
            handle=_str(author, "handle", f"{where}.author", required=False),
            name=_str(author, "name", f"{where}.author", required=False),
            url=_str(author, "url", f"{where}.author", required=False),
            followers=_count(author.get("followers"), "followers", f"{where}.author"),
        ),
        text=text,
        url=_str(item, "url", where, required=False),
        created_at=created_at,
        thread=Thread(
            root_id=_scoped(source, _str(thread, "root_id", f"{where}.thread", required=False)),
            parent_id=_scoped(source, _str(thread, "parent_id", f"{where}.thread", required=False)),
        ),
        metrics=Metrics(
            **{k: _count(metrics.get(k), k, f"{where}.metrics") for k in ("likes", "replies", "shares", "views")}
        ),
        lang=_str(item, "lang", where, required=False),
        event="mentions",
    )
