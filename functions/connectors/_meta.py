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

The account's own messages (echoes, or `sender.id` == the entry id) are kept as the brand's
(`by_brand`): our reply coming back. The second half holds what both networks share for answering
(replies.md §2-3): the Send API windows, Graph error codes as failure classes, the lost-answer lookup.

Every function here is pure: no boto3, no clock, no sockets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from functions.core import untrusted
from functions.core.channels import ScopeMissingError
from functions.core.mention import Action, Author, Kind, Mention, Thread, from_unix, parse_time
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
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
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
    """A user's message; `is_deleted` (unsent) marks the same identity deleted. The account's own
    message (an echo, or one without the flag) is kept as the brand's, in the conversation with its
    recipient: its `mid` is the `message_id` the Send API answered, so the reply ledger matches it."""
    event = item.data
    body = obj(event, "message")
    reply_to = body.get("reply_to")
    parent = optional_id(reply_to, "mid") if isinstance(reply_to, dict) else None
    action = Action.DELETE if body.get("is_deleted") is True else Action.NEW
    return _user_message(item, brand, network, body=body, parent=parent, action=action)


def message_edit(item: Item, brand: str, network: str) -> Mention | None:
    """`message_edit: {mid, text, num_edit}`: the same identity as the message, new text."""
    edit = obj(item.data, "message_edit")
    return _user_message(item, brand, network, body=edit, parent=None, action=Action.EDIT)


def _user_message(
    item: Item, brand: str, network: str, *, body: Mapping[str, Any], parent: str | None, action: Action
) -> Mention:
    """A message in a user's conversation with the account (new, unsent or edited), whoever wrote it."""
    sender = str_id(obj(item.data, "sender"), "id")
    by_brand = sender == item.entry.account
    user = str_id(obj(item.data, "recipient"), "id") if by_brand else sender
    root = conversation(item.entry.account, user)
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
        by_brand=by_brand,
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


# ----------------------------------------------------------------------------- answering (replies)
# ../shared/reference/replies.md §2-3. Confirmed: the error object above; `Authorization: Bearer`
# for the token; `POST /{page-id|ig-user-id}/messages` with `recipient`, `message` and
# `messaging_type`; private replies (one per comment, within 7 days); Messenger's 24 h window and
# the `HUMAN_AGENT` tag (7 days) [the tag's 7 days: secondary]; `message.metadata` echoed back.
# Secondary: the codes of `reply_refusal` beyond 190/102/10/200-299/100+33 (Send API error page,
# koala issues), the `X-Business-Use-Case-Usage` header's `estimated_time_to_regain_access` (minutes).
# Meta keeps no idempotency key, so a lost answer is found again by listing the replies (`found`).

RESPONSE_WINDOW = timedelta(hours=24)  # Messenger / IG Messaging: after the customer's last message
HUMAN_AGENT_WINDOW = timedelta(days=7)  # MESSAGE_TAG + HUMAN_AGENT: a person answers, up to 7 days
PRIVATE_REPLY_WINDOW = timedelta(days=7)  # one private reply per comment, within 7 days of it
_AUTH_CODES = frozenset({102, 190})
_DUP_CODES = frozenset({368, 10900})  # 368 "You've already posted this" [secondary]; 10900 already replied
_GONE_CODES = frozenset({551, 1705, 10903})  # person unavailable, object missing, cannot reply to this activity
_PERM_CODES = frozenset({230, 10904})  # permissions disallow messaging; the Page/account has messaging off


def reply_token(secrets: Mapping[str, str], name: str, network: str) -> str:
    """The brand's token for answering; a missing one is a configuration gap, not a network refusal."""
    token = secrets.get(name)
    if not token:
        raise CannotReplyError(f"{network}: no {name} secret is configured for answering", Failure.AUTH)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def send_message(
    api: str,
    account: str,
    token: str,
    *,
    recipient: Mapping[str, str],
    text: str,
    outbound_id: str,
    messaging: Mapping[str, str],
) -> HttpRequest:
    """`POST /{account}/messages`: the Send API body, with our outbound id as `metadata` (echoed back)."""
    body = {"recipient": dict(recipient), "message": {"text": text, "metadata": outbound_id}, **messaging}
    return HttpRequest(f"{api}/{account}/messages", headers=bearer(token), method="POST", json_body=body)


def send_window(network: str, sent_at: datetime, now: datetime) -> dict[str, str]:
    """`RESPONSE` within 24 h of the customer's message, `MESSAGE_TAG`/`HUMAN_AGENT` up to 7 days."""
    age = now - sent_at
    if age <= RESPONSE_WINDOW:
        return {"messaging_type": "RESPONSE"}
    if age <= HUMAN_AGENT_WINDOW:
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    days = age.days
    raise CannotReplyError(
        f"{network}: the customer wrote {days} days ago; Meta lets a person answer a message for 7 days only"
        " (24 h, then the HUMAN_AGENT tag): wait for the customer to write again",
        Failure.GONE,
    )


def private_reply_window(network: str, written_at: datetime, now: datetime) -> None:
    """A private reply to a comment is allowed within 7 days of the comment."""
    if now - written_at > PRIVATE_REPLY_WINDOW:
        raise CannotReplyError(
            f"{network}: the private-reply window closed (7 days after the comment, it was"
            f" {(now - written_at).days} days ago); answer in the thread instead",
            Failure.GONE,
        )


def account_of(target: Target, network: str, what: str) -> str:
    if not target.account:
        raise CannotReplyError(f"{network}: no {what} id is known for this brand", Failure.UNSUPPORTED)
    return target.account


def _body(response: HttpResponse) -> Any:
    try:
        return untrusted.loads(response.body)
    except (untrusted.UntrustedInputError, ValueError, UnicodeDecodeError):
        return None


def _usage_wait(response: HttpResponse) -> float | None:
    """`X-Business-Use-Case-Usage`: `{id: [{estimated_time_to_regain_access: minutes}]}` → seconds."""
    raw = response.header("X-Business-Use-Case-Usage")
    try:
        usage = json.loads(raw) if raw else None
    except ValueError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in (usage.values() if isinstance(usage, dict) else ())
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    waits = [m for m in minutes if isinstance(m, int | float) and not isinstance(m, bool) and m > 0]
    return max(waits) * 60.0 if waits else None


def reply_refusal(network: str, response: HttpResponse) -> Refused:
    """Meta's error object (or a bare status) as a failure class and a line an agent understands."""
    body = _body(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        if response.status == 429:
            return Refused(Failure.RATE, f"{network}: HTTP 429", _usage_wait(response))
        failure = Failure.TRANSIENT if response.status >= 500 else Failure.INVALID
        return Refused(failure, f"{network}: HTTP {response.status} without a Graph error object")
    code, subcode = error["code"], error.get("error_subcode")
    message = str(error.get("message") or "")
    said = f"{network}: {message} (Graph error {code}{f'/{subcode}' if subcode else ''})"
    return Refused(_failure(code, subcode, message, response.status), said, _usage_wait(response))


def _failure(code: int, subcode: Any, message: str, status: int) -> Failure:
    lowered = message.lower()
    if code in _AUTH_CODES:
        return Failure.AUTH
    if code in _RATE_CODES or 80001 <= code <= 80014:
        return Failure.RATE
    if code in _DUP_CODES or "already posted" in lowered:
        return Failure.DUP
    if code == 10 and (subcode == 2018278 or "window" in lowered):
        return Failure.GONE  # "sent outside of allowed window"
    if code == 10 or 200 <= code <= 299 or code in _PERM_CODES:
        return Failure.PERM
    if (code == 100 and subcode == 33) or code in _GONE_CODES:
        return Failure.GONE  # "object ... does not exist, cannot be loaded due to missing permissions"
    if code in _TRANSIENT_CODES or status >= 500:
        return Failure.TRANSIENT
    return Failure.INVALID


def created(network: str, response: HttpResponse) -> Posted | Refused:
    """A comment's `{"id"}` or a message's `{"message_id"}` (the echo's `mid`), else the refusal."""
    body = _body(response)
    if response.status < 300 and isinstance(body, dict) and "error" not in body:
        made = _id(body.get("id")) or _id(body.get("message_id"))
        if made is not None:
            return Posted(made)
        return Refused(Failure.TRANSIENT, f"{network}: HTTP {response.status} without an id: answer unknown")
    return reply_refusal(network, response)


def applied(network: str, response: HttpResponse, target: Target | None, object_id: str | None) -> Posted | Refused:
    """A moderation call's `{"success": true}` (Meta names no object in it: `object_id` does)."""
    body = _body(response)
    if response.status < 300 and isinstance(body, dict) and "error" not in body:
        if body.get("success") is False:
            return Refused(Failure.INVALID, f"{network}: the action was not applied (success: false)")
        return Posted(object_id or (target.external_id if target is not None else ""))
    return reply_refusal(network, response)


def found(response: HttpResponse, account: str, text_key: str, text: str) -> Posted | None:
    """Our reply in a listing of replies (`data[]`): written by the account, with the very text.

    Meta has no idempotency key and its comments carry no metadata, so the text is the only mark:
    two identical answers by the brand under one comment cannot be told apart (either will do).
    """
    body = _body(response)
    data = body.get("data") if isinstance(body, dict) and response.status < 300 else None
    wanted = text.strip()
    for item in data if isinstance(data, list) and wanted else ():
        if _ours(item, account, text_key, wanted):
            return Posted(str(item["id"]))
    return None


def _ours(item: Any, account: str, text_key: str, wanted: str) -> bool:
    if not isinstance(item, dict) or _id(item.get("id")) is None or not isinstance(item.get("from"), dict):
        return False
    said = item.get(text_key)
    return _id(item["from"].get("id")) == account and isinstance(said, str) and said.strip() == wanted
