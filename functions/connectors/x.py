"""X (Twitter) Account Activity API: activity of the subscribed accounts pushed to our webhook;
and the brand account's own statistics through API v2 (`channel_stats`, at the end of this module).

Wire contract (../shared/reference/webhooks.md §6; developer.x.com "Securing webhooks" and the
Account Activity data objects; docs.x.com webhooks quickstart):
- confirmed: the CRC, `GET ?crc_token=` answered 200 JSON `{"response_token": "sha256=" +
  base64(HMAC-SHA256(consumer secret, crc_token))}` within 3 s (at registration and periodically);
  POSTs signed in `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw
  body)>` with no timestamp (so no replay window); the envelope `{for_user_id, <kind>_events: [...]}`
  with one event key per delivery (`tweet_create_events`, `favorite_events`, `follow_events`,
  `direct_message_events` + `users`, `tweet_delete_events`, ...); a 200 acknowledges.
- secondary: the v1.1 Tweet fields used (`id_str`, `created_at` as "Wed Oct 10 20:19:24 +0000
  2018", `text`, `truncated` + `extended_tweet.full_text`, `in_reply_to_status_id_str`,
  `quoted_status_id_str`, `retweeted_status`, `user.{id_str, screen_name, name, followers_count}`,
  the counters, `lang`); the direct message event (`type: message_create`, `id`,
  `created_timestamp` in ms, `message_create.{sender_id, target.recipient_id, message_data.text}`);
  the delete event (`status.{id, user_id}`, `timestamp_ms`).
- unconfirmed: the DM conversation link `x.com/messages/<low id>-<high id>`, kept in `_permalink_dm`;
  the form of CRC tokens (below).

Decisions:
- `account_id` is `for_user_id`, the subscribed (brand) account. The CRC GET carries no body, so X
  must be registered with the brand in the URL: `/webhooks/x/<brand>`.
- Thread root: v1.1 Tweets carry no `conversation_id`, so a reply's root is the Tweet it replies to
  (a customer's replies under one Tweet, and a mention and its author's follow-ups, share it); a
  mention or quote is its own root (a quote's parent is the quoted Tweet). Deeper chains split;
  a later enrichment step could look up v2 `conversation_id`.
- Retweets are ignored: no words of their own, and the original reached us (or not) by itself.
- The brand's own Tweets (`user.id_str == for_user_id`), the DMs it sends (`sender_id ==
  for_user_id`) and its own deletes are kept with `by_brand=True`: our reply coming back (a Tweet's
  id is the `data.id` `POST /2/tweets` answered; a DM's `dm:<event id>` is `dm:<dm_event_id>`, as
  `reply_result` gives it) or a manual answer on X; never scored.
- A DM's identity is `<brand>#x#dm:<event id>`; its root is the conversation with that user,
  `dm:<low user id>-<high user id>` (unconfirmed: the form of X's one-to-one conversation ids).
- Deletes become Action.DELETE with the Tweet's identity; their `created_at` is the delete time.
- `user_event` (the user revoked the app) is not ignored: it is counted as unsupported so it shows.
- The CRC answer is HMAC(consumer secret, token), the same MAC that signs a delivery's body, and the
  CRC is unauthenticated: a token that could be a delivery (it contains `{`) is refused (400), so
  the CRC cannot be used to sign forged deliveries. X's tokens are opaque base64-like strings
  (unconfirmed, from its examples); if X ever sent one with `{`, the CRC would fail loudly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from functions.core import untrusted
from functions.core.channels import HIDDEN, NOT_GIVEN, ChannelStats, Engagement, PostStats, ScopeMissingError, mark
from functions.core.mention import Action, Author, Kind, Mention, Metrics, Thread, from_unix, parse_time
from functions.core.polls import (
    Credentials,
    Fetch,
    HttpRequest,
    HttpResponse,
    PollError,
    RateLimitedError,
    TokenInvalidError,
    check,
    retry_after,
    setting,
)
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
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

NETWORK = "x"
DISPLAY_NAME = "X (Account Activity API)"
DELIVERY: Delivery = "push"
SECRETS: tuple[str, ...] = ("consumer_secret",)
ACK = OK_JSON

SIGNATURE_HEADER = "x-twitter-webhooks-signature"

EVENT_TYPES = frozenset({"tweet_create_events", "direct_message_events", "tweet_delete_events"})
# Activity that is not a customer's words: likes, follows, blocks, mutes, DM typing and read marks.
IGNORED_EVENT_TYPES = frozenset(
    {
        "favorite_events",
        "follow_events",
        "block_events",
        "mute_events",
        "direct_message_indicate_typing_events",
        "direct_message_mark_read_events",
    }
)
# Envelope keys that describe the delivery rather than name an event.
_ENVELOPE = frozenset({"for_user_id", "user_has_blocked", "users", "apps", "source"})

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _mac(key: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), message, hashlib.sha256).digest()).decode()


def _document(request: WebhookRequest) -> dict[str, Any]:
    try:
        document = untrusted.loads(request.body)
    except untrusted.UntrustedInputError as error:
        raise MalformedPayloadError(f"body is not acceptable JSON: {error}") from error
    if not isinstance(document, dict):
        raise MalformedPayloadError("body is not an Account Activity event (not an object)")
    return document


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and untrusted.digits(value, untrusted.MAX_INT_DIGITS) is not None


def account_id(request: WebhookRequest) -> str | None:
    """The subscribed account the activity is for (`for_user_id`)."""
    try:
        document = untrusted.loads(request.body)
    except untrusted.UntrustedInputError:
        return None
    user = document.get("for_user_id") if isinstance(document, dict) else None
    return user if _is_id(user) else None


def handshake(request: WebhookRequest, secrets: Mapping[str, str]) -> Reply | None:
    """The challenge-response check: X proves nothing here, we prove we hold the consumer secret.

    Anyone can call it, and its answer is exactly the signature X puts on a POST whose body is the
    token: a signing oracle. Every delivery we accept is a JSON object, so a token with a `{` is
    refused; X's tokens are short opaque strings without one.
    """
    token = request.query.get("crc_token")
    if request.method != "GET" or not token:
        return None
    if "{" in token:
        raise MalformedPayloadError("crc_token is not a token (it could be signed as a delivery)")
    key = require_secret(secrets, "consumer_secret")
    return Reply(200, json.dumps({"response_token": "sha256=" + _mac(key, token.encode())}), "application/json")


def verify(request: WebhookRequest, secrets: Mapping[str, str], now: datetime) -> None:
    """HMAC over the raw body; X signs no timestamp, so there is no replay window to check."""
    key = require_secret(secrets, "consumer_secret")
    signature = request.header(SIGNATURE_HEADER)
    if not signature:
        raise SignatureError(f"{SIGNATURE_HEADER} is required", missing=True)
    scheme, _, given = signature.partition("=")
    if scheme != "sha256" or not same_secret(given, _mac(key, request.body)):
        raise SignatureError("signature does not match")


def sign(body: bytes, secrets: Mapping[str, str], now: datetime) -> SignedDelivery:
    signature = "sha256=" + _mac(secrets["consumer_secret"], body)
    return SignedDelivery(body, {"Content-Type": "application/json", SIGNATURE_HEADER: signature})


def parse(request: WebhookRequest, brand: str) -> tuple[Mention, ...]:
    document = _document(request)
    keys = [key for key in document if key not in _ENVELOPE]
    handled = [key for key in keys if key in EVENT_TYPES]
    if not handled:
        unknown = sorted(key for key in keys if key not in IGNORED_EVENT_TYPES)
        if unknown:
            raise UnsupportedEventError(unknown[0])
        if not keys:
            raise MalformedPayloadError("the delivery names no event")
        return ()
    if not _is_id(document.get("for_user_id")):
        # Only account-level events (`user_event`: the app was revoked) come without it.
        raise MalformedPayloadError(f"{handled[0]} without a 'for_user_id'")
    found: list[Mention] = []
    for event in handled:
        items = document[event]
        if not isinstance(items, list):
            raise MalformedPayloadError(f"{event} must be a list")
        for index, item in enumerate(items):
            try:
                mention = _HANDLERS[event](item, document, brand)
            except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
                raise MalformedPayloadError(f"{event}[{index}]: missing or invalid field {error}") from error
            if mention is not None:
                found.append(replace(mention, event=event))
    return tuple(found)


def _object(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj[key]
    if not isinstance(value, dict):
        raise ValueError(key)
    return value


def _id(obj: Mapping[str, Any], key: str) -> str:
    """X ids as strings (the `*_str` fields; some events give them as strings already)."""
    value = obj[key]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not _is_id(value):
        raise ValueError(key)
    return str(value)


def _optional_id(obj: Mapping[str, Any], key: str) -> str | None:
    return _id(obj, key) if obj.get(key) is not None else None


def _count(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _time(text: Any) -> datetime:
    """ "Wed Oct 10 20:19:24 +0000 2018", parsed without locale-dependent strptime names."""
    if not isinstance(text, str):
        raise ValueError("created_at")
    _, month, day, clock, offset, year = text.split()
    hour, minute, second = (int(part) for part in clock.split(":"))
    if len(offset) != 5 or offset[0] not in "+-":
        raise ValueError("created_at")
    sign = -1 if offset[0] == "-" else 1
    zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    return datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=zone).astimezone(UTC)


def _millis(value: Any, key: str) -> datetime:
    if isinstance(value, str):
        value = untrusted.digits(value, untrusted.MAX_INT_DIGITS)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(key)
    return from_unix(value / 1000)


def _author(user: Mapping[str, Any]) -> Author:
    screen_name = _optional_str(user.get("screen_name"))
    return Author(
        id=_id(user, "id_str") if "id_str" in user else _id(user, "id"),
        handle=screen_name,
        name=_optional_str(user.get("name")),
        url=f"https://x.com/{screen_name}" if screen_name else None,
        followers=_count(user, "followers_count"),
    )


def _tweet_text(tweet: Mapping[str, Any]) -> str:
    """The whole text: `text` is cut at 140 characters when `truncated` is true."""
    extended = tweet.get("extended_tweet")
    if tweet.get("truncated") is True and isinstance(extended, dict) and isinstance(extended.get("full_text"), str):
        return str(extended["full_text"])
    text = tweet["text"]
    if not isinstance(text, str):
        raise ValueError("text")
    return text


def _lang(tweet: Mapping[str, Any]) -> str | None:
    """X's language tag, except its markers for undetermined or non-linguistic text."""
    lang = tweet.get("lang")
    return lang if isinstance(lang, str) and len(lang) == 2 and lang.isalpha() else None


def _tweet(item: Any, document: Mapping[str, Any], brand: str) -> Mention | None:
    if not isinstance(item, dict):
        raise ValueError("tweet")
    user = _object(item, "user")
    author = _author(user)
    if "retweeted_status" in item:
        return None
    tweet_id = _id(item, "id_str")
    replied = _optional_id(item, "in_reply_to_status_id_str")
    quoted = _optional_id(item, "quoted_status_id_str") if item.get("is_quote_status") is True else None
    if replied is not None:
        kind, thread = Kind.REPLY, Thread(root_id=replied, parent_id=replied)
    else:
        kind, thread = Kind.POST, Thread(root_id=tweet_id, parent_id=quoted)
    return Mention(
        network=NETWORK,
        external_id=tweet_id,
        kind=kind,
        brand=brand,
        author=author,
        text=_tweet_text(item),
        url=f"https://x.com/{author.handle}/status/{tweet_id}" if author.handle else None,
        created_at=_time(item["created_at"]),
        thread=thread,
        metrics=Metrics(
            likes=_count(item, "favorite_count"),
            replies=_count(item, "reply_count"),
            shares=_count(item, "retweet_count"),
        ),
        lang=_lang(item),
        by_brand=author.id == document["for_user_id"],
    )


def _dm_conversation(first: str, second: str) -> str:
    low, high = sorted((first, second), key=int)
    return f"{low}-{high}"


def _permalink_dm(conversation: str) -> str:
    """Unconfirmed: the web client's address of a one-to-one conversation."""
    return f"https://x.com/messages/{conversation}"


def _direct_message(item: Any, document: Mapping[str, Any], brand: str) -> Mention | None:
    if not isinstance(item, dict):
        raise ValueError("direct message event")
    if item.get("type") != "message_create":
        return None
    create = _object(item, "message_create")
    sender = _id(create, "sender_id")
    conversation = _dm_conversation(sender, _id(_object(create, "target"), "recipient_id"))
    users = document.get("users")
    profile = users.get(sender) if isinstance(users, dict) else None
    author = _author(profile) if isinstance(profile, dict) else Author(id=sender)
    text = _object(create, "message_data").get("text", "")
    if not isinstance(text, str):
        raise ValueError("message_data.text")
    root = f"dm:{conversation}"
    return Mention(
        network=NETWORK,
        external_id=f"dm:{_id(item, 'id')}",
        kind=Kind.MESSAGE,
        brand=brand,
        author=author,
        text=text,
        url=_permalink_dm(conversation),
        created_at=_millis(item.get("created_timestamp"), "created_timestamp"),
        thread=Thread(root_id=root, parent_id=root),
        by_brand=sender == document["for_user_id"],
    )


def _delete(item: Any, document: Mapping[str, Any], brand: str) -> Mention | None:
    """Only the ids survive a delete: the identity to mark, and who deleted it."""
    if not isinstance(item, dict):
        raise ValueError("delete event")
    status = _object(item, "status")
    user_id = _id(status, "user_id")
    return Mention(
        network=NETWORK,
        external_id=_id(status, "id"),
        kind=Kind.POST,
        brand=brand,
        author=Author(id=user_id),
        text="",
        url=None,
        created_at=_millis(item.get("timestamp_ms"), "timestamp_ms"),
        action=Action.DELETE,
        by_brand=user_id == document["for_user_id"],
    )


_HANDLERS: dict[str, Callable[[Any, Mapping[str, Any], str], Mention | None]] = {
    "tweet_create_events": _tweet,
    "direct_message_events": _direct_message,
    "tweet_delete_events": _delete,
}


# ------------------------------------------------------------------------- the account's statistics
# Wire contract (../shared/reference/channel-stats.md §7; OpenAPI xdevplatform/xdk v2.159, docs.x.com
# "metrics" and "rate limits"), fixtures written from the vendor docs (tests/fixtures/x/channel/):
# - confirmed: `GET /2/users/{id}` (or `/2/users/by/username/{username}`) `?user.fields=public_metrics`
#   → `data.public_metrics.followers_count`; `GET /2/users/{id}/tweets?max_results=5..100&start_time=
#   &exclude=retweets,replies&tweet.fields=created_at,public_metrics&pagination_token=` → `data[]`,
#   `meta.next_token`, newest first, the 3,200 most recent only; `public_metrics.{like_count,
#   reply_count, retweet_count, quote_count, bookmark_count, impression_count}` at request time;
#   `Authorization: Bearer` with the app-only token or an OAuth 2.0 user token (`tweet.read
#   users.read`); 429 with `x-rate-limit-reset` (epoch seconds).
# - secondary: 401 for a revoked or wrong token; 403 problem documents (`client-not-enrolled`: the
#   app's access level has no reads, e.g. Free; a user token without the scope); a 200 with only
#   `errors[]` (`resource-not-found`, suspended) for an account that cannot be read.
# Reads are paid (pay-per-use credits, $0.005 a post, $0.010 a user; no reads on Free): one user
# lookup and one timeline page a day per account. Clicks and follows (X's own "engagements") need
# owner context (`non_public_metrics`, posts < 30 days) and are not read: the rate approximates.

STATS_SECRETS = ("bearer_token",)  # the app's bearer token or the brand account's OAuth 2.0 user token
STATS_API = "https://api.x.com"
STATS_PAGE = 100  # `max_results` maximum [confirmed]
STATS_PAGES = 3  # at most 300 posts a snapshot
ENGAGEMENT = Engagement(
    label="ER = (likes + replies + reposts + quotes on the account's posts of the last 7 days) / their impressions",
    basis="impressions",
    source="X's own definition is engagements / impressions, engagements including clicks and follows;"
    " public_metrics carry no clicks, so this approximates it",
)
_STATS_USER_ID = re.compile(r"^[0-9]{1,20}$")
_STATS_USERNAME = re.compile(r"^@?[A-Za-z0-9_]{1,15}$")


def channel_stats(
    http: Fetch, credentials: Credentials, account: str, settings: Mapping[str, Any], now: datetime, *, days: int = 7
) -> ChannelStats:
    """Followers (`public_metrics.followers_count`) and the account's own posts of the last `days`
    days (no retweets, no replies) with their public counters: likes, replies as comments, reposts
    plus quotes as shares, impressions as views (the rate's denominator)."""
    token = credentials.secrets.get("bearer_token")
    if not token:
        raise TokenInvalidError("x: no bearer_token secret configured for channel statistics")
    api, headers = setting(settings, "api", STATS_API), {"Authorization": f"Bearer {token}"}
    if _STATS_USER_ID.match(account):
        path = f"{api}/2/users/{account}"
    elif _STATS_USERNAME.match(account):
        path = f"{api}/2/users/by/username/{account.removeprefix('@')}"
    else:
        raise PollError(f"x: account {account!r} is neither a user id nor a username")
    user = _stats_object(_stats_call(http, path, {"user.fields": "public_metrics"}, headers, now).get("data"))
    user_id = user.get("id")
    if not isinstance(user_id, str) or not _STATS_USER_ID.match(user_id):
        raise MalformedPayloadError("x: the user lookup gave no id")
    followers = _stats_object(user.get("public_metrics")).get("followers_count")
    params = {
        "max_results": str(STATS_PAGE),
        "start_time": (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "exclude": "retweets,replies",
        "tweet.fields": "created_at,public_metrics",
    }
    handle = user.get("username") if isinstance(user.get("username"), str) else None
    posts: list[PostStats] = []
    for _ in range(STATS_PAGES):
        page = _stats_call(http, f"{api}/2/users/{user_id}/tweets", params, headers, now)
        data = page.get("data")
        posts.extend(_own_tweet(item, handle) for item in (data if isinstance(data, list) else []))
        token_next = _stats_object(page.get("meta")).get("next_token")
        if not isinstance(token_next, str) or not token_next:
            break
        params = {**params, "pagination_token": token_next}
    marks = {"clicks": mark(NOT_GIVEN, "X counts clicks and follows as engagements; they need owner context")}
    unviewed = [p.id for p in posts if p.views is None]
    if unviewed:
        marks["views"] = mark(NOT_GIVEN, f"{len(unviewed)} post(s) without impression_count; left out of the rate")
    counted = isinstance(followers, int) and not isinstance(followers, bool)
    if not counted:
        marks["subscribers"] = mark(HIDDEN, "public_metrics.followers_count not given")
    name = user.get("name")
    return ChannelStats(
        network=NETWORK,
        account=account,
        taken_at=now,
        subscribers=followers if counted else None,
        posts=tuple(posts),
        name=str(name) if isinstance(name, str) and name else None,
        marks=marks,
        days=days,
    )


def _stats_object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _own_tweet(item: Any, handle: str | None) -> PostStats:
    if not isinstance(item, dict) or not _is_id(item.get("id")) or not isinstance(item.get("created_at"), str):
        raise MalformedPayloadError("x: a post without id or created_at")
    metrics = _stats_object(item.get("public_metrics"))
    retweets, quotes = _count(metrics, "retweet_count"), _count(metrics, "quote_count")
    shares = None if retweets is None and quotes is None else (retweets or 0) + (quotes or 0)
    tweet_id = str(item["id"])
    return PostStats(
        id=tweet_id,
        created_at=parse_time(item["created_at"]),
        url=f"https://x.com/{handle}/status/{tweet_id}" if handle else f"https://x.com/i/web/status/{tweet_id}",
        thread_id=tweet_id,  # a reply's root is the Tweet it answers (see `_tweet`)
        likes=_count(metrics, "like_count"),
        comments=_count(metrics, "reply_count"),
        shares=shares,
        views=_count(metrics, "impression_count"),
        text=str(item.get("text") or "")[:140],
    )


def _x_reset(response: HttpResponse, now: datetime) -> float | None:
    """`x-rate-limit-reset`: the epoch second the 15-minute window reopens."""
    value = (response.header("x-rate-limit-reset") or "").strip()
    return max(0.0, int(value) - now.timestamp()) if value.isdigit() else None


def _stats_call(
    http: Fetch, url: str, params: Mapping[str, str], headers: Mapping[str, str], now: datetime
) -> Mapping[str, Any]:
    response = http(HttpRequest(url, params, headers))
    try:
        body = untrusted.loads(response.body)
    except (untrusted.UntrustedInputError, ValueError, UnicodeDecodeError):
        body = None
    problem = body if isinstance(body, dict) else {}
    said = f"x: HTTP {response.status} {problem.get('title') or ''}: {problem.get('detail') or ''}".rstrip(": ")
    if response.status == 429:
        raise RateLimitedError(said, retry_after(response, now) or _x_reset(response, now))
    if response.status == 401:
        raise TokenInvalidError(said)
    if response.status == 403:  # the app's access level has no reads, or the user token lacks the scope
        raise ScopeMissingError(f"{said} ({problem.get('reason') or 'forbidden'})")
    check(response, NETWORK, now)
    if not isinstance(body, dict):
        raise MalformedPayloadError("x: an answer that is not a JSON object")
    if "data" not in body and isinstance(body.get("errors"), list) and body["errors"]:
        first = _stats_object(body["errors"][0])
        raise PollError(f"x: {first.get('title') or 'error'}: {first.get('detail') or ''}")
    return body


# ------------------------------------------------------------------------------ answering in the channel
# ../shared/reference/replies.md §5. Confirmed (X API v2 spec): `POST /2/tweets` `{text, reply:
# {in_reply_to_tweet_id, auto_populate_reply_metadata}}` → 201 `{data: {id, text}}`; `POST
# /2/dm_conversations/with/{participant_id}/messages` `{text}` → 201 `{data: {dm_conversation_id,
# dm_event_id}}`; `PUT /2/tweets/{id}/hidden` `{hidden}` → `{data: {hidden}}` (replies in a
# conversation the brand started; scope tweet.moderate.write); problem JSON `{title, detail, type,
# status}`; 429 with `x-rate-limit-reset` (epoch seconds). Secondary: since 2026-02 a reply is taken
# only when the post's author mentioned or quoted the brand (403 "... not allowed because you have
# not been mentioned or otherwise engaged ..."); 403 "... duplicate content." Unconfirmed: the
# weighted 280 (twitter-text v3: URLs 23, characters outside Latin/punctuation ranges 2).
# Auth: an OAuth 2.0 user-context token (`Authorization: Bearer`, scopes tweet.read tweet.write
# users.read dm.write, + tweet.moderate.write); OAuth 1.0a signing is not built. Not offered: delete
# (others' posts cannot be deleted), ban (v2 has no block endpoint; a mute is not a ban), restore.
# No lookup: X refuses a repeat of the same text as a duplicate (DUP), which already stops a lost
# answer being posted twice; finding its id would need a paid search read.

REPLY_SECRETS = ("user_token",)
REPLY_API = "https://api.x.com"
REPLY_LIMIT = 280  # weighted (`weighted_length`); the DM limit is 10,000 but one limit serves both
REPLY_IDEMPOTENT = False
MODERATION = ("hide", "unhide")
URL_WEIGHT = 23
PRIVATE_TAG = "md-private"
# twitter-text v3: code points in these ranges weigh 1, every other one 2 (CJK, emoji...).
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf](?:[\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[\U0001f000-\U0001faff\u2600-\u27bf]\ufe0f?)*"
)
_NOT_MENTIONED = "not been mentioned"


def weighted_length(text: str) -> int:
    """X's count of a post: each URL 23, an emoji sequence 2, Latin and punctuation 1, others 2."""
    urls = _URL.findall(text)
    rest = _URL.sub("", text)
    emoji = _EMOJI.findall(rest)
    rest = _EMOJI.sub("", rest)
    light = sum(any(low <= ord(char) <= high for low, high in _LIGHT) for char in rest)
    return URL_WEIGHT * len(urls) + 2 * len(emoji) + light + 2 * (len(rest) - light)


def _handle(settings: Mapping[str, Any]) -> str:
    handle = settings.get("handle")
    if not isinstance(handle, str) or not handle.strip("@ "):
        raise CannotReplyError("x: settings.handle (the brand's @handle) is needed to answer in public")
    return handle.strip("@ ")


def mentions_brand(target: Target, handle: str) -> bool:
    """Did the customer's post @mention the brand, or quote it (Account Activity sends us quotes of
    the brand's posts only)? X takes a public reply only then."""
    if re.search(rf"(?<![A-Za-z0-9_])@{re.escape(handle)}(?![A-Za-z0-9_])", target.text, re.IGNORECASE):
        return True
    return target.kind is Kind.POST and target.thread.parent_id not in (None, target.external_id)


def reply_request(  # noqa: PLR0917 (the signature core/replies.py sets)
    target: Target,
    text: str,
    outbound_id: str,
    settings: Mapping[str, Any],
    secrets: Mapping[str, str],
    now: datetime,
    *,
    private: bool = False,
) -> HttpRequest:
    """A reply under the customer's post (when X allows one), or a DM to its author."""
    token = secrets.get("user_token")
    if not token:
        raise CannotReplyError("x: no user_token secret (OAuth 2.0 user context) is configured", Failure.AUTH)
    api, headers = setting(settings, "api", REPLY_API), {"Authorization": f"Bearer {token}"}
    if private or target.kind is Kind.MESSAGE:
        url = f"{api}/2/dm_conversations/with/{target.author.id}/messages"
        return HttpRequest(url, headers=headers, method="POST", json_body={"text": text})
    if not mentions_brand(target, _handle(settings)):
        raise CannotReplyError(
            f"x: X takes a public reply only when the customer mentioned or quoted @{_handle(settings)}, and this"
            f" post does neither; tag the ticket {PRIVATE_TAG} to answer by direct message instead",
            Failure.GONE,
        )
    if weighted_length(text) > REPLY_LIMIT:
        raise CannotReplyError(
            f"x: the reply weighs {weighted_length(text)} of {REPLY_LIMIT} (links count 23, CJK and emoji 2)",
            Failure.INVALID,
        )
    body = {"text": text, "reply": {"in_reply_to_tweet_id": target.external_id, "auto_populate_reply_metadata": True}}
    return HttpRequest(f"{api}/2/tweets", headers=headers, method="POST", json_body=body)


def _json(response: HttpResponse) -> Mapping[str, Any]:
    try:
        body = untrusted.loads(response.body)
    except (untrusted.UntrustedInputError, ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def reply_result(response: HttpResponse, target: Target | None = None) -> Posted | Refused:
    """The new post's id (as `tweet_create_events` gives it back), a DM's `dm:<dm_event_id>`, or why not."""
    data = _stats_object(_json(response).get("data"))
    if response.status < 300 and _is_id(data.get("id")):
        return Posted(str(data["id"]), f"https://x.com/i/web/status/{data['id']}")
    if response.status < 300 and _is_id(data.get("dm_event_id")):
        return Posted(f"dm:{data['dm_event_id']}")
    return refusal(response)


def _reset_wait(response: HttpResponse) -> float | None:
    """`x-rate-limit-reset` (epoch seconds) less the answer's own `Date`: no clock of ours needed."""
    reset, date = (response.header("x-rate-limit-reset") or "").strip(), response.header("Date")
    if not reset.isdigit() or not date:
        return None
    try:
        return max(0.0, int(reset) - parsedate_to_datetime(date).timestamp())
    except (TypeError, ValueError):
        return None


def refusal(response: HttpResponse) -> Refused:
    """X's problem JSON (or a 200 with only `errors[]`) as a failure class and an agent's line."""
    body = _json(response)
    errors = body.get("errors")
    problem = _stats_object(errors[0]) if response.status < 300 and isinstance(errors, list) and errors else body
    words = f"{problem.get('title') or ''}: {problem.get('detail') or ''}".strip(": ")
    said = f"x: HTTP {response.status} {words}".rstrip()
    kind = str(problem.get("type") or "")
    status = response.status
    if status == 429:
        return Refused(Failure.RATE, said, _reset_wait(response))
    if status == 401:
        return Refused(Failure.AUTH, f"{said} (the brand's X token is expired or revoked: reconnect X)")
    if status == 403 and _NOT_MENTIONED in words.lower():
        return Refused(Failure.GONE, f"{said} Tag the ticket {PRIVATE_TAG} to answer by direct message.")
    if status == 403 and "duplicate" in words.lower():
        return Refused(Failure.DUP, said)
    if status == 403 and "deleted or not visible" in words.lower():
        return Refused(Failure.GONE, said)
    if status == 403 or kind.endswith(("not-authorized-for-resource", "disallowed-resource")):
        return Refused(Failure.PERM, said)
    if status == 404 or kind.endswith("resource-not-found"):
        return Refused(Failure.GONE, said)
    return Refused(Failure.TRANSIENT if status >= 500 else Failure.INVALID, said)


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Hide or unhide a reply (X allows it in conversations the brand started; elsewhere it refuses)."""
    token = secrets.get("user_token")
    if not token:
        raise CannotReplyError("x: no user_token secret (OAuth 2.0 user context) is configured", Failure.AUTH)
    if action not in MODERATION or target.kind is not Kind.REPLY:
        raise CannotReplyError(f"x: {action} is not offered for a {target.kind.value} (only hiding replies is)")
    url = f"{setting(settings, 'api', REPLY_API)}/2/tweets/{target.external_id}/hidden"
    body = {"hidden": action == "hide"}
    return HttpRequest(url, headers={"Authorization": f"Bearer {token}"}, method="PUT", json_body=body)


def moderation_result(action: str, response: HttpResponse, target: Target | None = None) -> Posted | Refused:
    """`{data: {hidden}}` as asked; the post's id comes from `target` (X's answer names none)."""
    hidden = _stats_object(_json(response).get("data")).get("hidden")
    if response.status < 300 and hidden is (action == "hide"):
        return Posted(target.external_id if target is not None else "")
    if response.status < 300:
        return Refused(Failure.INVALID, f"x: asked to {action}, X answered hidden={hidden!r}")
    return refusal(response)


def reply_length(text: str) -> int:
    """How X counts `REPLY_LIMIT` (functions.core.replies): weighted, so the worker splits CJK and
    link-heavy replies where X would refuse them."""
    return weighted_length(text)
