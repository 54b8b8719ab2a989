"""Odnoklassniki (OK.ru) Bot API: messages written to a group's chats, pushed to a subscribed URL;
and the group's own statistics through the signed REST API (`channel_stats`, at the end of this module).

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

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.core import untrusted
from functions.core.channels import HIDDEN, LAGGING, ChannelStats, Engagement, PostStats, ScopeMissingError, mark
from functions.core.mention import Author, Kind, Mention, Thread, from_unix
from functions.core.polls import (
    Credentials,
    Fetch,
    HttpRequest,
    HttpResponse,
    PollError,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    optional_int,
    setting,
)
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Result, Target
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


# ------------------------------------------------------------------------- the group's statistics
# Wire contract (../shared/reference/channel-stats.md §5 and replies.md §6; apiok/documentation
# @cba701bb `docs/method/ru/group/group.getCounters.md`, `group.getStatTopics.md`); fixtures written
# from those docs (tests/fixtures/ok/channel/):
# - confirmed: `group.getCounters(group_id, counterTypes=members)` gives the group's members;
#   `group.getStatTopics(gid, start_time, end_time, anchor, count, fields)` lists the group's topics
#   of a period with their statistics, times in milliseconds, `anchor` paging, and only topics that
#   already have statistics.
# - secondary: the REST call `GET https://api.ok.ru/fb.do?method=&application_key=&format=json
#   &access_token=&sig=` with sig = md5(the other parameters sorted by name as `k=v`, concatenated,
#   + md5(access_token + application secret key)), lowercase hex; the topic fields `id`,
#   `created_ms`, `likes`, `comments`, `reshares`, `renderings`, `reach` (public OK clients); the
#   error body `{error_code, error_msg, error_data}` with HTTP 200 and the codes below (apiok.ru's
#   error list, as remembered: 102 session expired, 103 invalid session, 104 bad signature, 10
#   permission denied, 11 limit reached, 8 flood blocked).
# - unconfirmed: the answers' layouts (`{counters: {members}}`, `{topics, anchor, has_more}`); that
#   the statistics need an administrator's session and GROUP_CONTENT + VALUABLE_ACCESS, which OK
#   grants on request to api-support@ok.ru; the call limits (undocumented).

STATS_SECRETS = ("application_key", "application_secret_key", "access_token")  # the app's, an admin's token
STATS_API = "https://api.ok.ru"
STATS_PAGE = 100  # `count` per getStatTopics page [unconfirmed maximum]
STATS_PAGES = 3
STATS_FIELDS = "id,created_ms,likes,comments,reshares,renderings,reach"
ENGAGEMENT = Engagement(
    label="ER = (likes + comments + reshares on the group's topics of the last 7 days) / members",
    source="OK publishes no ER definition (a per-topic `engagement` counter exists, undefined);"
    " the RU SMM convention (ER post) as for VK",
)
_TOKEN_ERRORS = frozenset({101, 102, 103, 104, 105})
_SCOPE_ERRORS = frozenset({10})
_LIMIT_ERRORS = frozenset({8, 11, 25})
_OUTAGE_ERRORS = frozenset({2, 9999})


def signature(params: Mapping[str, str], access_token: str, application_secret_key: str) -> str:
    """OK's `sig`: md5 of the sorted `k=v` pairs (without `access_token` and `sig`) followed by
    md5(access_token + application secret key)."""
    # MD5 is OK's scheme, not our choice: `usedforsecurity=False` keeps it working on FIPS builds.
    secret = hashlib.md5((access_token + application_secret_key).encode(), usedforsecurity=False).hexdigest()
    signed = "".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("access_token", "sig"))
    return hashlib.md5((signed + secret).encode(), usedforsecurity=False).hexdigest()


def channel_stats(
    http: Fetch, credentials: Credentials, account: str, settings: Mapping[str, Any], now: datetime, *, days: int = 7
) -> ChannelStats:
    """The group's members (`group.getCounters`) and its topics of the last `days` days with their
    likes, comments and reshares (`group.getStatTopics`, which lists only topics with statistics)."""
    secrets = credentials.secrets
    missing = [name for name in STATS_SECRETS if not secrets.get(name)]
    if missing:
        raise TokenInvalidError(f"ok: no {', '.join(missing)} secret configured for group statistics")
    if not account.isdigit():
        raise PollError(f"ok: group id {account!r} is not a number")
    api = setting(settings, "api", STATS_API)

    def call(method: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        return _stats_call(http, api, method, params, secrets)

    counters = call("group.getCounters", {"group_id": account, "counterTypes": "members"})
    found = counters.get("counters") if isinstance(counters.get("counters"), dict) else counters
    members = optional_int(found.get("members")) if isinstance(found, dict) else None
    since = now - timedelta(days=days)
    params = {
        "gid": account,
        "start_time": str(int(since.timestamp() * 1000)),
        "end_time": str(int(now.timestamp() * 1000)),
        "count": str(STATS_PAGE),
        "fields": STATS_FIELDS,
    }
    posts: list[PostStats] = []
    for _ in range(STATS_PAGES):
        page = call("group.getStatTopics", params)
        topics = page.get("topics")
        for topic in topics if isinstance(topics, list) else []:
            post = _topic(topic, account)
            if since <= post.created_at <= now:
                posts.append(post)
        anchor = page.get("anchor")
        if page.get("has_more") is not True or not isinstance(anchor, str) or not anchor:
            break
        params = {**params, "anchor": anchor}
    marks = {"posts": mark(LAGGING, "group.getStatTopics lists only topics that already have statistics")}
    if members is None:
        marks["subscribers"] = mark(HIDDEN, "group.getCounters gave no members counter")
    return ChannelStats(NETWORK, account, now, members, tuple(posts), None, marks, days)


def _topic(topic: Any, group: str) -> PostStats:
    if not isinstance(topic, dict):
        raise MalformedPayloadError("ok: a topic that is not an object")
    topic_id, created = topic.get("id"), optional_int(topic.get("created_ms"))
    if not isinstance(topic_id, str | int) or isinstance(topic_id, bool) or created is None:
        raise MalformedPayloadError("ok: a topic without id or created_ms")
    return PostStats(
        id=str(topic_id),
        created_at=from_unix(created / 1000),
        url=f"https://ok.ru/group/{group}/topic/{topic_id}",  # [secondary] the web address of a group topic
        thread_id=str(topic_id),
        likes=optional_int(topic.get("likes")),
        comments=optional_int(topic.get("comments")),
        shares=optional_int(topic.get("reshares")),
        views=optional_int(topic.get("renderings")),
    )


def _stats_call(
    http: Fetch, api: str, method: str, params: Mapping[str, str], secrets: Mapping[str, str]
) -> Mapping[str, Any]:
    signed = {"application_key": secrets["application_key"], "format": "json", "method": method, **params}
    signed["sig"] = signature(signed, secrets["access_token"], secrets["application_secret_key"])
    response = http(HttpRequest(f"{api}/fb.do", {**signed, "access_token": secrets["access_token"]}))
    if response.status == 429:
        raise RateLimitedError(f"ok: {method}: HTTP 429")
    if response.status >= 500:
        raise SourceUnavailableError(f"ok: {method}: HTTP {response.status}")
    try:
        body = untrusted.loads(response.body)
    except (untrusted.UntrustedInputError, ValueError, UnicodeDecodeError) as error:
        raise MalformedPayloadError(f"ok: {method}: HTTP {response.status}, not JSON") from error
    if isinstance(body, dict) and "error_code" in body:
        code = optional_int(body.get("error_code"))
        said = f"ok: {method}: error {code} {body.get('error_msg') or ''}".rstrip()
        if code in _TOKEN_ERRORS:
            raise TokenInvalidError(said)
        if code in _SCOPE_ERRORS:
            raise ScopeMissingError(said + " (an administrator's token with GROUP_CONTENT and VALUABLE_ACCESS)")
        if code in _LIMIT_ERRORS:
            raise RateLimitedError(said)
        if code in _OUTAGE_ERRORS:
            raise SourceUnavailableError(said)
        raise PollError(said)
    if response.status >= 400 or not isinstance(body, dict):
        raise PollError(f"ok: {method}: HTTP {response.status}, not an answer object")
    return body


# ------------------------------------------------------------------------ answering in the channel
# Wire contract (../shared/reference/replies.md §6; apiok.ru `graph.user.messages` in
# apiok/documentation, which carries no licence, so read, not copied):
# - confirmed: `POST {api}/graph/me/messages/<chat id>?access_token=<the group's bot token>`,
#   `Content-Type: application/json;charset=utf-8`, `{"recipient": {"chat_id": "chat:<id>"},
#   "message": {"text": ...}}` writes into a group chat as the group.
# - unconfirmed: the answer (`{chat_id, message_id: "mid:..."}` is read when present: the id the
#   message would carry in a webhook, though OK does not deliver the token owner's own messages);
#   errors (read as OK's REST `{error_code, error_msg}` and HTTP statuses); a length limit (none is
#   documented: REPLY_LIMIT is a guess, kept easy to change); any reply/quote field (none exists).
# Group posts and discussions: OK documents no usable API to answer them (discussions.* methods are
# parameter skeletons without token type, rights or answers), so those targets are refused with
# that reason instead of guessed at. No moderation is documented either: MODERATION is empty.

REPLY_SECRETS = ("bot_token",)  # the group's Bot API token ("access key" in the group's settings)
REPLY_LIMIT = 4000  # [unconfirmed]: OK documents no limit
REPLY_IDEMPOTENT = False  # no idempotency key; nothing documented to look a sent message up by
MODERATION: tuple[str, ...] = ()
NO_DISCUSSION_API = (
    "ok: OK documents no API for answering group posts or discussions (only chat messages of the"
    " group's bot); answer on ok.ru by hand"
)


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
    """A message in the customer's chat with the group's bot; that chat is already private, so
    `private` changes nothing. Anything but a chat message is refused (NO_DISCUSSION_API)."""
    chat = target.thread.root_id or ""
    if target.kind is not Kind.MESSAGE or not chat.startswith("chat:"):
        raise CannotReplyError(NO_DISCUSSION_API)
    token = secrets.get("bot_token")
    if not token:
        raise CannotReplyError("ok: the brand's OK settings lack the bot_token secret (the group's Bot API token)")
    return HttpRequest(
        f"{setting(settings, 'api', STATS_API)}/graph/me/messages/{chat}",
        params={"access_token": token},
        headers={"Content-Type": "application/json;charset=utf-8"},
        method="POST",
        json_body={"recipient": {"chat_id": chat}, "message": {"text": text}},
    )


def reply_result(response: HttpResponse, target: Target | None = None) -> Result:
    """`message_id` when OK names it; a success without one is still posted, under no id."""
    try:
        body = untrusted.loads(response.body)
    except untrusted.UntrustedInputError:
        body = None
    if isinstance(body, dict) and "error_code" in body:
        return _refusal(optional_int(body.get("error_code")), str(body.get("error_msg") or ""))
    if response.status == 429:
        return Refused(Failure.RATE, "OK answered HTTP 429")
    if response.status >= 500 or not isinstance(body, dict):
        return Refused(Failure.TRANSIENT, f"OK answered HTTP {response.status} without a JSON object")
    if response.status in (401, 403):
        return Refused(Failure.AUTH if response.status == 401 else Failure.PERM, f"OK answered HTTP {response.status}")
    if response.status >= 400:
        return Refused(Failure.INVALID, f"OK answered HTTP {response.status}")
    mid = body.get("message_id")
    return Posted(mid if isinstance(mid, str) and mid.startswith("mid:") else "")


def _refusal(code: int | None, said: str) -> Refused:
    """OK's REST error codes (as for the statistics above, secondary) to the reply classes."""
    reason = f"OK error {code}: {said}".rstrip(": ")
    if code in _TOKEN_ERRORS:
        return Refused(Failure.AUTH, f"{reason} (the group's bot token was refused: renew it)")
    if code in _SCOPE_ERRORS:
        return Refused(Failure.PERM, reason)
    if code in _LIMIT_ERRORS:
        return Refused(Failure.RATE, reason, 60.0)  # no documented wait
    if code in _OUTAGE_ERRORS:
        return Refused(Failure.TRANSIENT, reason)
    return Refused(Failure.INVALID, reason)


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """None documented (MODERATION is empty): always refused, with the reason for the ticket."""
    raise CannotReplyError(f"ok: OK documents no API to {action} a comment or message of a group")


def moderation_result(action: str, response: HttpResponse, target: Target | None = None) -> Result:
    return Refused(Failure.UNSUPPORTED, f"ok: OK documents no API to {action}")
