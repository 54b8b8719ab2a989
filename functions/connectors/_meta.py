"""Meta Webhooks plumbing shared by `facebook` (object `page`) and `instagram` (object `instagram`).

The leading underscore keeps this module out of connector discovery: it is not a network.

Wire contract (../shared/reference/webhooks.md §1 and §2):
- confirmed: the GET handshake (`hub.mode=subscribe`, `hub.verify_token` equal to ours, answer 200
  with the raw `hub.challenge` as plain text); `X-Hub-Signature-256: sha256=<lowercase hex
  HMAC-SHA256(App Secret, raw body)>` with no signed timestamp (so no replay window: duplicates are
  absorbed by mention identity); the envelope `{object, entry: [{id, time, changes: [{field,
  value}], messaging: [{sender, recipient, timestamp, message}]}]}`; one delivery may batch several
  entries (one per Page / IG account) and several changes or messaging events per entry; any 200
  acknowledges (the body is not read by Meta).
- secondary: `entry.time` is seconds for some fields and milliseconds for others (both seen), so
  `moment` accepts both; `message.is_echo` marks the account's own outgoing messages.
- unconfirmed: `message.is_deleted` (an unsent message) and `message_edit` (Messenger only); kept
  in `message` / `message_edit` below.

Every function here is pure: no boto3, no clock, no sockets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from functions.core import untrusted
from functions.core.channels import ScopeMissingError
from functions.core.mention import Action, Author, Kind, Mention, Thread, from_unix, parse_time
from functions.core.polls import (
    Credentials,
    Fetch,
    HttpRequest,
    PollError,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    setting,
)
from functions.core.webhooks import (
    MalformedPayloadError,
    Reply,
    SignatureError,
    SignedDelivery,
    UnsupportedEventError,
    WebhookRequest,
    require_secret,
    same_secret,
)

SECRETS = ("app_secret", "verify_token")
ACK = Reply(200, "EVENT_RECEIVED", "text/plain")
SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_SCHEME = "sha256"
MAX_CHALLENGE = 256
# Above this a Unix time is in milliseconds (1e11 seconds is the year 5138).
MILLISECONDS_FROM = 100_000_000_000
# Keys of a messaging event that say who and when, not what happened.
_MESSAGING_ENVELOPE_KEYS = frozenset({"sender", "recipient", "timestamp"})


@dataclass(frozen=True)
class Entry:
    """One `entry`: the Page or Instagram professional account the events are for."""

    account: str
    time: datetime | None


@dataclass(frozen=True)
class Item:
    """One change or messaging event of an entry, named by its event type."""

    type: str
    entry: Entry
    data: Mapping[str, Any]


Handler = Callable[[Item, str], Mention | None]
ChangeType = Callable[[str, Mapping[str, Any]], str]


# --- envelope --------------------------------------------------------------------------------


def envelope(request: WebhookRequest) -> dict[str, Any]:
    """The JSON body with its `object` and `entry` list checked; anything else is malformed."""
    try:
        document = untrusted.loads(request.body)
    except untrusted.UntrustedInputError as error:
        raise MalformedPayloadError(f"body is not acceptable JSON: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("object"), str):
        raise MalformedPayloadError("body is not a Meta webhook delivery (no 'object')")
    if not isinstance(document.get("entry"), list):
        raise MalformedPayloadError("'entry' must be a list")
    return document


def _id(value: Any) -> str | None:
    """Meta sends ids as strings; tolerate integers, refuse everything else."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def account_id(request: WebhookRequest) -> str | None:
    """The first entry's `id` (the Page or IG account); a split part has exactly one entry."""
    try:
        entries = untrusted.loads(request.body).get("entry")
        first = entries[0] if isinstance(entries, list) and entries else None
    except (untrusted.UntrustedInputError, AttributeError):
        return None
    return _id(first.get("id")) if isinstance(first, dict) else None


def _entry(raw: Any) -> Entry:
    if not isinstance(raw, dict):
        raise MalformedPayloadError("every entry must be an object")
    account = _id(raw.get("id"))
    if account is None:
        raise MalformedPayloadError("every entry needs an 'id'")
    try:
        time = moment(raw.get("time"))
    except ValueError as error:
        raise MalformedPayloadError(f"entry {account}: invalid 'time'") from error
    return Entry(account, time)


def _list(raw: Mapping[str, Any], key: str, account: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise MalformedPayloadError(f"entry {account}: '{key}' must be a list")
    return value


def items(document: Mapping[str, Any], change_type: ChangeType) -> list[Item]:
    """Every change and messaging event of every entry, in delivery order."""
    found: list[Item] = []
    for raw in document["entry"]:
        entry = _entry(raw)
        for change in _list(raw, "changes", entry.account):
            if not isinstance(change, dict) or not isinstance(change.get("field"), str):
                raise MalformedPayloadError(f"entry {entry.account}: a change needs a 'field'")
            value = change.get("value")
            if not isinstance(value, dict):
                raise MalformedPayloadError(f"entry {entry.account}: change {change['field']!r} has no 'value' object")
            found.append(Item(change_type(change["field"], value), entry, value))
        for event in _list(raw, "messaging", entry.account):
            if not isinstance(event, dict):
                raise MalformedPayloadError(f"entry {entry.account}: a messaging event must be an object")
            found.append(Item(messaging_type(event), entry, event))
    return found


def messaging_type(event: Mapping[str, Any]) -> str:
    """`messaging_message`, `messaging_echo` (our own message), else `messaging_<first key>`."""
    message = event.get("message")
    if message is not None:
        echo = isinstance(message, dict) and message.get("is_echo") is True
        return "messaging_echo" if echo else "messaging_message"
    kind = next((key for key in event if key not in _MESSAGING_ENVELOPE_KEYS), "empty")
    return f"messaging_{kind}"


# --- handshake, signature --------------------------------------------------------------------


def handshake(request: WebhookRequest, secrets: Mapping[str, str]) -> Reply | None:
    """Meta's GET subscription check; a GET without `hub.*` parameters is not a handshake."""
    if request.method != "GET" or not any(key.startswith("hub.") for key in request.query):
        return None
    expected = require_secret(secrets, "verify_token")
    given = request.query.get("hub.verify_token")
    if not given:
        raise SignatureError("hub.verify_token is missing", missing=True)
    if not same_secret(given, expected):
        raise SignatureError("hub.verify_token does not match")
    if request.query.get("hub.mode") != "subscribe":
        raise MalformedPayloadError("hub.mode must be 'subscribe'")
    challenge = request.query.get("hub.challenge")
    if not challenge or len(challenge) > MAX_CHALLENGE:
        raise MalformedPayloadError("hub.challenge is missing or too long")
    return Reply(200, challenge, "text/plain")


def _mac(app_secret: str, body: bytes) -> str:
    return hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify(request: WebhookRequest, secrets: Mapping[str, str], now: datetime) -> None:
    """HMAC of the raw bytes with the App Secret; Meta signs no timestamp, so there is no window."""
    app_secret = require_secret(secrets, "app_secret")
    signature = request.header(SIGNATURE_HEADER)
    if not signature:
        raise SignatureError(f"{SIGNATURE_HEADER} is required", missing=True)
    scheme, _, given = signature.partition("=")
    if scheme != SIGNATURE_SCHEME or not same_secret(given.lower(), _mac(app_secret, request.body)):
        raise SignatureError("signature does not match")


def sign(body: bytes, secrets: Mapping[str, str], now: datetime) -> SignedDelivery:
    return SignedDelivery(
        body,
        {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: f"{SIGNATURE_SCHEME}={_mac(secrets['app_secret'], body)}",
        },
    )


# --- batches ---------------------------------------------------------------------------------


def _single_entries(raw: Any) -> list[Any]:
    """An entry as one entry per change or messaging event; a malformed entry stays whole (its part
    is then refused by `parse`, alone)."""
    if not isinstance(raw, dict):
        return [raw]
    changes, messaging = raw.get("changes", []), raw.get("messaging", [])
    if not isinstance(changes, list) or not isinstance(messaging, list) or len(changes) + len(messaging) <= 1:
        return [raw]
    base = {key: value for key, value in raw.items() if key not in ("changes", "messaging")}
    return [{**base, "changes": [change]} for change in changes] + [{**base, "messaging": [m]} for m in messaging]


def _worth_parsing(single: Mapping[str, Any], known: Callable[[str], bool], change_type: ChangeType) -> bool:
    """A part is kept when it holds something we know, or something malformed `parse` must report."""
    try:
        return any(known(item.type) for item in items(single, change_type))
    except MalformedPayloadError:
        return True


def split(request: WebhookRequest, known: Callable[[str], bool], change_type: ChangeType) -> tuple[WebhookRequest, ...]:
    """One part per change or messaging event: the same envelope holding one entry with that one
    item, with the same headers. The route finds each part's brand by its entry's id and judges it
    alone, so one malformed comment (Meta's own "Test" delivery has no `from` or `media`) is skipped
    and counted while the rest of the batch is stored.

    Items of types we do not know (neither handled nor ignored) are left out when something else is
    there; when nothing is, the delivery stays whole and `parse` reports it as unsupported.
    """
    document = envelope(request)
    singles = [single for raw in document["entry"] for single in _single_entries(raw)]
    if len(singles) <= 1:
        return (request,)
    parts: list[WebhookRequest] = []
    for entry in singles:
        single = {**document, "entry": [entry]}
        if _worth_parsing(single, known, change_type):
            parts.append(replace(request, body=json.dumps(single, ensure_ascii=False).encode()))
    return tuple(parts) or (request,)


def parse(
    request: WebhookRequest,
    brand: str,
    *,
    object_type: str,
    handlers: Mapping[str, Handler],
    ignored: frozenset[str],
    change_type: ChangeType,
) -> tuple[Mention, ...]:
    """Every handled item becomes at most one mention; ignored and unknown items are skipped.

    A delivery with nothing known in it (only unknown types) is an `UnsupportedEventError`, so
    the route answers 200 and counts it; a handled item with bad fields is malformed (400).
    """
    document = envelope(request)
    if document["object"] != object_type:
        raise UnsupportedEventError(f"object:{document['object']}"[:100])
    found: list[Mention] = []
    unknown: list[str] = []
    known = False
    for item in items(document, change_type):
        if item.type in ignored:
            known = True
            continue
        handler = handlers.get(item.type)
        if handler is None:
            unknown.append(item.type)
            continue
        known = True
        try:
            mention = handler(item, brand)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise MalformedPayloadError(f"{item.type}: missing or invalid field {error}") from error
        if mention is not None:
            found.append(replace(mention, event=item.type))
    if unknown and not known:
        raise UnsupportedEventError(unknown[0][:100])
    return tuple(found)


def bind(
    *, object_type: str, handlers: Mapping[str, Handler], ignored: frozenset[str], change_type: ChangeType
) -> tuple[
    Callable[[WebhookRequest], tuple[WebhookRequest, ...]], Callable[[WebhookRequest, str], tuple[Mention, ...]]
]:
    """A Meta network's `split` and `parse`, from its object type, handlers and ignored types."""

    def known(event_type: str) -> bool:
        return event_type in handlers or event_type in ignored

    def split_parts(request: WebhookRequest) -> tuple[WebhookRequest, ...]:
        """One part per entry, so each account's brand is found by its own id."""
        return split(request, known, change_type)

    def parse_delivery(request: WebhookRequest, brand: str) -> tuple[Mention, ...]:
        return parse(
            request, brand, object_type=object_type, handlers=handlers, ignored=ignored, change_type=change_type
        )

    return split_parts, parse_delivery


# --- field helpers (raise KeyError/TypeError/ValueError; `parse` makes them 400s) ---------------


def moment(raw: Any) -> datetime | None:
    """Unix seconds or milliseconds (number or digits), or ISO-8601 like `2025-03-22T18:20:04+0000`."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        raw = untrusted.digits(raw, untrusted.MAX_INT_DIGITS)
    try:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return from_unix(raw / 1000 if raw >= MILLISECONDS_FROM else raw)
        if isinstance(raw, str):
            return parse_time(raw)
    except (OverflowError, OSError) as error:
        raise ValueError("time out of range") from error
    raise ValueError("time")


def created_at(value: Mapping[str, Any], key: str, entry: Entry) -> datetime:
    """The item's own time if it has one, else when Meta sent the entry."""
    when = moment(value.get(key)) or entry.time
    if when is None:
        raise ValueError(key)
    return when


def str_id(value: Mapping[str, Any], key: str) -> str:
    found = _id(value[key])
    if found is None:
        raise ValueError(key)
    return found


def optional_id(value: Mapping[str, Any], key: str) -> str | None:
    return _id(value.get(key))


def obj(value: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    found = value[key]
    if not isinstance(found, dict):
        raise TypeError(key)
    return found


def text(value: Mapping[str, Any], key: str) -> str:
    found = value.get(key)
    if found is None:
        return ""
    if not isinstance(found, str):
        raise TypeError(key)
    return found


# --- messaging (Messenger and Instagram Messaging share the event shape) -----------------------


def conversation(account: str, user: str) -> str:
    """The thread root of a conversation: the account and the account-scoped user id (PSID/IGSID)."""
    return f"m_{account}_{user}"


def message(item: Item, brand: str, network: str) -> Mention | None:
    """A user's message; `is_deleted` (unsent) marks the same identity deleted."""
    event = item.data
    sender = str_id(obj(event, "sender"), "id")
    if sender == item.entry.account:  # our own message without the echo flag
        return None
    body = obj(event, "message")
    reply_to = body.get("reply_to")
    parent = optional_id(reply_to, "mid") if isinstance(reply_to, dict) else None
    action = Action.DELETE if body.get("is_deleted") is True else Action.NEW
    return _user_message(item, brand, network, sender=sender, body=body, parent=parent, action=action)


def message_edit(item: Item, brand: str, network: str) -> Mention | None:
    """`message_edit: {mid, text, num_edit}`: the same identity as the message, new text."""
    event = item.data
    sender = str_id(obj(event, "sender"), "id")
    if sender == item.entry.account:
        return None
    edit = obj(event, "message_edit")
    return _user_message(item, brand, network, sender=sender, body=edit, parent=None, action=Action.EDIT)


def _user_message(
    item: Item, brand: str, network: str, *, sender: str, body: Mapping[str, Any], parent: str | None, action: Action
) -> Mention:
    """A user's message in their conversation with the account (new, unsent or edited)."""
    root = conversation(item.entry.account, sender)
    return Mention(
        network=network,
        external_id=str_id(body, "mid"),
        kind=Kind.MESSAGE,
        brand=brand,
        author=Author(id=sender),
        text=text(body, "text"),
        url=None,
        created_at=created_at(item.data, "timestamp", item.entry),
        thread=Thread(root_id=root, parent_id=parent or root),
        action=action,
    )


# ------------------------------------------------------------------------ Graph API reads (statistics)
# ../shared/reference/channel-stats.md §2-3: `GET https://graph.facebook.com/<version>/<node>`, the Page
# or IG token as `access_token`; errors `{"error": {"message", "type", "code", "error_subcode",
# "fbtrace_id"}}` [confirmed envelope]. Codes [secondary, Graph API "Handling errors" page]: 190
# invalid/expired token, 102 session; 10 and 200-299 permission (a scope or the ANALYZE task);
# 4, 17, 32, 613 and 80001-80014 (business use case) rate limits; 1, 2 transient.

GRAPH_API = "https://graph.facebook.com"
GRAPH_VERSION = "v25.0"
STATS_SECRETS = ("access_token",)
_TOKEN_CODES = frozenset({102, 190})
_RATE_CODES = frozenset({4, 17, 32, 613})
_TRANSIENT_CODES = frozenset({1, 2})


def graph_get(
    http: Fetch, credentials: Credentials, url: str, params: Mapping[str, str], network: str
) -> Mapping[str, Any]:
    """One Graph API read → its JSON object; Meta's error object becomes the poll errors."""
    token = credentials.secrets.get("access_token")
    if not token:
        raise TokenInvalidError(f"{network}: no access_token secret configured for channel statistics")
    response = http(HttpRequest(url, {**params, "access_token": token}))
    try:
        body = untrusted.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    if response.status < 400 and isinstance(body, dict) and "error" not in body:
        return body
    raise graph_error(network, response.status, body)


def graph_error(network: str, status: int, body: Any) -> Exception:
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    said = f"{network}: HTTP {status} Graph error {code}: {error.get('message') if isinstance(error, dict) else ''}"
    if not isinstance(code, int):
        if status == 429 or status >= 500:
            return (RateLimitedError if status == 429 else SourceUnavailableError)(said)
        return MalformedPayloadError(f"{network}: HTTP {status} without a Graph error object")
    if code in _TOKEN_CODES:
        return TokenInvalidError(said)
    if code == 10 or 200 <= code <= 299:
        return ScopeMissingError(said)
    if code in _RATE_CODES or 80001 <= code <= 80014:
        return RateLimitedError(said, 3600.0)  # Meta gives no wait; the usage headers say when [secondary]
    if code in _TRANSIENT_CODES or status >= 500:
        return SourceUnavailableError(said)
    return PollError(said)


def graph_api(settings: Mapping[str, Any]) -> str:
    """`<graph_api>/<graph_version>`: Meta's host and version unless the source's settings name others."""
    return f"{setting(settings, 'graph_api', GRAPH_API)}/{setting(settings, 'graph_version', GRAPH_VERSION)}"


def graph_list(
    http: Fetch, credentials: Credentials, url: str, params: Mapping[str, str], network: str, *, pages: int
) -> Iterator[Any]:
    """The items of a Graph edge (`data`), following its `after` cursor for at most `pages` pages."""
    edge = url.rsplit("/", 1)[-1]
    for _ in range(pages):
        answer = graph_get(http, credentials, url, params, network)
        data = answer.get("data")
        if not isinstance(data, list):
            raise MalformedPayloadError(f"{network}: /{edge} answered without a data list")
        yield from data
        after = next_page(answer)
        if after is None:
            return
        params = {**params, "after": after}


def next_page(body: Mapping[str, Any]) -> str | None:
    """The `paging.cursors.after` cursor while `paging.next` says there is more."""
    paging = body.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


def count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
