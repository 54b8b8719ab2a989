"""VKontakte: Callback API events pushed to our URL, and polls (newsfeed.search, the wall listing).

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

Polls (DELIVERY "both"): `newsfeed.search` finds public wall posts naming the brand anywhere on VK,
and `listing` reads the brand's own community wall (wall.get + wall.getComments) so gap detection
can spot webhooks that never arrived. Both build their mentions with the webhook's own builders
(`_post`, `_WALL_COMMENT`), so a post or comment seen by a webhook and by a poll is ONE mention.
Wire contract (../shared/reference/polls.md "VK newsfeed.search"; VKCOM/vk-api-schema 5.199
`wall/methods.json`, `wall/responses.json`, `wall/objects.json`, `errors.json`):
- confirmed: `GET https://api.vk.com/method/<method>?...&v=5.199&access_token=`; newsfeed.search
  takes `q`, `extended=1`, `count` (≤ 200), `start_time`/`end_time` (unix), `start_from` (the last
  `next_from`), `fields`; answers `{response: {items, profiles, groups, count, total_count,
  next_from}}`, newest first; wall.get and wall.getComments take user or service tokens, `count`
  ≤ 100; getComments takes `owner_id`, `post_id`, `sort` (asc/desc), `extended`, `fields`,
  `need_likes`, `thread_items_count` (≤ 10) and returns `wall_wall_comment` items (id, from_id,
  post_id, owner_id, parents_stack, date, text, reply_to_comment, thread); errors come as HTTP 200
  `{error: {error_code, error_msg}}` with the codes in `_AUTH_ERRORS` / `_rate_wait` /
  `_TRANSIENT_ERRORS`.
- secondary: wall.get's `owner_id` (-group id for a community; the stored schema lists `domain`
  for the owner) and the pinned post coming first.
- unconfirmed: the waits after a rate-limit error (`_rate_wait`: ≈3 requests/s per token, a daily
  per-method cap for 29); that `start_time` is inclusive (if not, only posts sharing the mark's
  very second could be missed); that search posts' text is plain (no HTML); VK's ~1,000-result
  cap per search (sweeps ask only for what is newer than the last mark, so they stay far below it).
Tokens: all three methods list user and service tokens (not community tokens) [confirmed].
`listing` takes keyword-only `api`, `version` and `brand` (the contract passes no brand; the gap
checker should pass it, else mentions carry brand "").
Not knowable here: whether a search hit's `from_id` is a community the brand owns (targets get
no accounts), so the brand's own community posts that name it come back and are left to the
runner; suggested posts (`post_type` suggest) are invisible to wall.get with a service token, so
`listing` cannot see the webhook's suggested-post mentions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeGuard

from functions.core import untrusted
from functions.core.channels import ChannelStats, Engagement, PostStats, ScopeMissingError
from functions.core.mention import Action, Author, Kind, Mention, Metrics, Thread, from_unix
from functions.core.polls import (
    Credentials,
    Cursor,
    Fetch,
    HttpRequest,
    HttpResponse,
    PollError,
    PollPage,
    PollTarget,
    RateLimitedError,
    Seen,
    SourceUnavailableError,
    TokenInvalidError,
    check,
    floor,
    search_targets,
    setting,
    sweep,
    until,
)
from functions.core.query import Query, to_vk
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Result, Target
from functions.core.webhooks import (
    ConnectorError,
    Delivery,
    ForeignObjectError,
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
DELIVERY: Delivery = "both"
SECRETS = ("secret", "confirmation")  # the webhook's; the polls' are POLL_SECRETS
POLL_MINUTES = 10
POLL_SECRETS = ("access_token",)  # service key or user token (search); community/service token (wall)
API = "https://api.vk.com"
VERSION = "5.199"
ACK = Reply(200, "ok", "text/plain")

_COMMENT_KINDS = {"wall_reply": "wall", "photo_comment": "photo", "video_comment": "video", "market_comment": "market"}
_VERBS = {
    "new": Action.NEW,
    "reply": Action.NEW,
    "edit": Action.EDIT,
    "restore": Action.RESTORE,
    "delete": Action.DELETE,
}
# Genuine events we knowingly do not turn into mentions: reactions, membership, reposts and chat-service events.
IGNORED_EVENT_TYPES = frozenset(
    {
        "confirmation",
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
        envelope = untrusted.loads(request.body)
    except untrusted.UntrustedInputError as error:
        raise MalformedPayloadError(f"body is not acceptable JSON: {error}") from error
    if not isinstance(envelope, dict) or not isinstance(envelope.get("type"), str):
        raise MalformedPayloadError("body is not a VK Callback API event (no 'type')")
    return envelope


def account_id(request: WebhookRequest) -> str | None:
    """The community the event is for: VK names it in the body (`group_id`)."""
    try:
        group_id = untrusted.loads(request.body).get("group_id")
    except (untrusted.UntrustedInputError, AttributeError):
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
    _check_owner(event, obj, group_id)
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


_OWNER_FIELDS = ("owner_id", "post_owner_id", "photo_owner_id", "video_owner_id", "market_owner_id", "topic_owner_id")


def _check_owner(event: str, obj: Mapping[str, Any], group_id: int) -> None:
    """A community's Callback API reports only objects of that community: every wall post, comment,
    photo, video, market item and board topic it names is owned by `-group_id`. The secret proves
    the community, not the object, so an event naming another owner (another brand's wall, with
    this brand's secret) is refused (403): it could only rewrite, delete or pre-empt a post that
    is not this community's."""
    for name in _OWNER_FIELDS:
        if name in obj and obj[name] != -group_id:
            raise ForeignObjectError(f"{event}: object.{name} is not the wall of community group_id")


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
    """The brand's own community writing (our reply coming back, or an admin answering by hand):
    kept as a mention marked `by_brand`, under the id our reply was stored with, never scored."""
    return from_id == -group_id


def _own(mention: Mention, own: bool) -> Mention:
    return replace(mention, by_brand=True) if own else mention


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


def _post_key(obj: Mapping[str, Any]) -> str:
    """`wall{owner_id}_{id}`: the one identity of a wall post, whoever reports it (webhook, search, wall.get)."""
    return f"wall{_int(obj, 'owner_id')}_{_int(obj, 'id')}"


def _wall_post(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
    post = _post_key(obj)
    return _own(_post(obj, brand, post), _is_own(_int(obj, "from_id"), group_id))


def _post(obj: Mapping[str, Any], brand: str, post: str) -> Mention:
    """A wall post as a mention; shared by `wall_post_new`, newsfeed.search and wall.get."""
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
        owner, parent_item = _parent_item(kind, obj)
        root = f"{kind}{owner}_{parent_item}"
        reply_to = obj.get("reply_to_comment")
        is_reply = isinstance(reply_to, int) and reply_to > 0
        url = _permalink_comment(kind, owner, parent_item, comment_id, _thread_top(obj) if is_reply else None)
        mention = _mention(
            obj,
            brand,
            external_id=f"{root}_c{comment_id}",
            kind=Kind.REPLY if is_reply else Kind.COMMENT,
            url=url,
            thread=Thread(root_id=root, parent_id=f"{root}_c{reply_to}" if is_reply else root),
            metrics=Metrics(likes=_count(obj, "likes"), replies=_count(obj, "thread")),
        )
        return _own(mention, _is_own(from_id, group_id))

    return parse_comment


def _thread_top(obj: Mapping[str, Any]) -> int | None:
    """The top-level comment a reply's thread hangs from: `parents_stack[0]` (VK's `thread=` link
    names it, not the comment replied to); without a stack, the comment replied to."""
    stack = obj.get("parents_stack")
    top = stack[0] if isinstance(stack, list) and stack else obj.get("reply_to_comment")
    return top if isinstance(top, int) and not isinstance(top, bool) and top > 0 else None


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


def _permalink_comment(kind: str, owner: int, item: int, comment_id: int, thread_top: int | None) -> str:
    if kind == "wall":
        thread = f"&thread={thread_top}" if thread_top else ""
        return f"https://vk.com/wall{owner}_{item}?reply={comment_id}{thread}"
    if kind == "market":
        return f"https://vk.com/product{owner}_{item}"
    return f"https://vk.com/{kind}{owner}_{item}"


def _board_post(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
    from_id, post_id = _int(obj, "from_id"), _int(obj, "id")
    owner, topic = _int(obj, "topic_owner_id"), _int(obj, "topic_id")
    root = f"topic{owner}_{topic}"
    mention = _mention(
        obj,
        brand,
        external_id=f"{root}_p{post_id}",
        kind=Kind.COMMENT,
        url=f"https://vk.com/{root}?post={post_id}",
        thread=Thread(root_id=root, parent_id=root),
    )
    return _own(mention, _is_own(from_id, group_id))


def _message(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
    """`message_new` wraps the message since API 5.103: `{message: {...}, client_info: {...}}`.
    `out: 1` marks the community's own message (our reply, or an admin's edit of one): by_brand."""
    message = obj["message"]
    if not isinstance(message, dict):
        raise ValueError("message")
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
    mention = _mention(
        message,
        brand,
        external_id=f"{conversation}_{number}",
        kind=Kind.MESSAGE,
        url=f"https://vk.com/gim{group_id}?sel={peer_id}",
        thread=Thread(root_id=conversation, parent_id=parent),
    )
    return _own(mention, message.get("out") == 1 or _is_own(_int(message, "from_id"), group_id))


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


def _message_reply(obj: Mapping[str, Any], group_id: int, brand: str) -> Mention | None:
    """`message_reply` is the community's own outgoing message (our DM coming back) [type confirmed;
    the bare-message payload secondary: vksdk's MessageReplyObject]: by_brand whatever `out` says."""
    mention = _message({"message": obj}, group_id, brand)
    return _own(mention, True) if mention is not None else None


_HANDLERS: dict[str, Handler] = {
    "wall_post_new": _wall_post,
    "message_new": _message,
    "message_edit": _message_edit,
    "message_reply": _message_reply,
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


# ------------------------------------------------------------------------------------------ polls

PAGE_SIZE = 200  # newsfeed.search `count` maximum [confirmed]
WALL_POSTS = 20  # wall.get `count`: the newest posts, to find the ones being commented on
LISTED_POSTS = 2  # posts whose comments `listing` reads: 1 + 2 calls stay within ≈3 requests/s
COMMENTS_PAGE = 100  # wall.getComments `count` maximum [confirmed]
THREAD_ITEMS = 10  # `thread_items_count` maximum [confirmed]: replies beyond it are not listed
FIELDS = "followers_count,screen_name,members_count"
SETTINGS = frozenset({"api", "v", "search"})
_AUTH_ERRORS = frozenset({5, 15, 27, 28})  # auth failed, access denied, group / app auth failed
_SCOPE_ERRORS = frozenset({7})  # "Permission to perform this action is denied": the token lacks a scope
_TRANSIENT_ERRORS = frozenset({1, 10})  # unknown error, internal server error: try again later
_VERSION = re.compile(r"^\d+\.\d+$")
_ACCOUNT = re.compile(r"^[1-9]\d*$")
_WALL_COMMENT = _comment("wall")

People = Mapping[str, Author]


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    """One newsfeed.search per native query; `search: false` keeps a brand on webhooks only."""
    unknown = sorted(set(settings) - SETTINGS)
    if unknown:
        raise ValueError(f"settings: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(SETTINGS))})")
    search = settings.get("search", True)
    if not isinstance(search, bool):
        raise ValueError("settings.search must be true or false")
    api, version = setting(settings, "api", API), setting(settings, "v", VERSION)
    if not _VERSION.match(version):
        raise ValueError(f"settings.v must be an API version like {VERSION!r}, got {version!r}")
    return search_targets(brand, query, to_vk, api=api, v=version) if search else ()


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    """One newsfeed.search page, newest first, swept back to the last mark (`next_from` pages on)."""
    api, version = target.params["api"], target.params["v"]
    url, params = f"{api}/method/newsfeed.search", _search_params(target, cursor)
    answer = _call(http, credentials, url, params, version=version, now=now)
    people = _people(answer)
    found: dict[str, Mention] = {}
    for item in _items(answer, "newsfeed.search"):
        with _fields("newsfeed.search"):
            mention = _listed(_post(item, target.brand, _post_key(item)), people, "newsfeed.search")
        found[mention.external_id] = mention
    token = answer.get("next_from")
    next_page = token if isinstance(token, str) and token and found else None
    emit, state, more = sweep(cursor, (Seen(m.external_id, m.created_at) for m in found.values()), next_page)
    return PollPage(tuple(m for key, m in found.items() if key in emit), state, more)


def _search_params(target: PollTarget, cursor: Cursor) -> dict[str, str]:
    params = {"q": target.params["q"], "extended": "1", "count": str(PAGE_SIZE), "fields": FIELDS}
    low, high, page = floor(cursor), until(cursor), cursor.get("page")
    if low is not None:
        params["start_time"] = str(int(low.timestamp()))
    if high is not None:
        params["end_time"] = str(int(high.timestamp()))
    if isinstance(page, str) and page:
        params["start_from"] = page
    return params


def listing(
    http: Fetch,
    credentials: Credentials,
    account: str,
    since: datetime,
    now: datetime,
    *,
    api: str = API,
    version: str = VERSION,
    brand: str = "",
) -> tuple[Mention, ...]:
    """The community wall as the webhook would have reported it since `since`: posts by others,
    and comments (with up to THREAD_ITEMS replies each) on the LISTED_POSTS newest commented posts.
    Bounded to 1 + LISTED_POSTS calls; the brand's own posts and answers are left out (the webhook
    keeps them marked `by_brand`, and gap detection looks for customers' mentions only)."""
    group_id = _group_id(account)
    wall_params = {"owner_id": str(-group_id), "count": str(WALL_POSTS), "extended": "1", "fields": FIELDS}
    wall = _call(http, credentials, f"{api}/method/wall.get", wall_params, version=version, now=now)
    posts, people = _items(wall, "wall.get"), _people(wall)
    found = [_listed(m, people, "wall.get") for m in _wall_posts(posts, group_id, brand)]
    for post_id in _commented(posts):
        params = _comment_params(group_id, post_id)
        answer = _call(http, credentials, f"{api}/method/wall.getComments", params, version=version, now=now)
        authors = _people(answer)
        comments = _wall_comments(_items(answer, "wall.getComments"), group_id, post_id, brand)
        found += [_listed(m, authors, "wall.getComments") for m in comments]
    return tuple(m for m in found if m.created_at >= since)


def _wall_posts(posts: Sequence[Any], group_id: int, brand: str) -> Iterator[Mention]:
    """Posts others wrote on the wall (`_wall_post` drops the community's own, as the webhook does)."""
    for post in posts:
        with _fields("wall.get"):
            mention = _wall_post(post, group_id, brand)
        if mention is not None and not mention.by_brand:
            yield mention


def _commented(posts: Sequence[Any]) -> list[int]:
    """The newest posts that have comments (a pinned old post counts by its own date)."""
    commented = [p for p in posts if isinstance(p, dict) and (_count(p, "comments") or 0) > 0]
    try:
        ordered = sorted(commented, key=lambda p: -_int(p, "date"))
        return [_int(p, "id") for p in ordered[:LISTED_POSTS]]
    except (KeyError, ValueError) as error:
        raise MalformedPayloadError(f"vk: a wall.get post without {error}") from error


def _comment_params(group_id: int, post_id: int) -> dict[str, str]:
    return {
        "owner_id": str(-group_id),
        "post_id": str(post_id),
        "count": str(COMMENTS_PAGE),
        "sort": "desc",
        "need_likes": "1",
        "thread_items_count": str(THREAD_ITEMS),
        "extended": "1",
        "fields": FIELDS,
    }


def _wall_comments(items: Sequence[Any], group_id: int, post_id: int, brand: str) -> Iterator[Mention]:
    """Top-level comments and their thread replies, built exactly as `wall_reply_new` builds them."""
    for comment in _flattened(items):
        if comment.get("deleted"):
            continue
        obj = {"owner_id": -group_id, "post_id": post_id, **comment}
        with _fields("wall.getComments"):
            mention = _WALL_COMMENT(obj, group_id, brand)
        if mention is not None and not mention.by_brand:
            yield mention


def _flattened(items: Sequence[Any]) -> Iterator[Mapping[str, Any]]:
    for item in items:
        if not isinstance(item, dict):
            raise MalformedPayloadError("vk: a wall.getComments item is not an object")
        yield item
        thread = item.get("thread")
        replies = thread.get("items") if isinstance(thread, dict) else None
        yield from _flattened(replies if isinstance(replies, list) else [])


def _group_id(account: str) -> int:
    if not _ACCOUNT.match(account):
        raise ValueError(f"vk: account {account!r} is not a community id (a positive number)")
    return int(account)


# --------------------------------------------------------------------------------- the API, shared


def _call(
    http: Fetch,
    credentials: Credentials,
    url: str,
    params: Mapping[str, str],
    *,
    version: str,
    now: datetime,
) -> Mapping[str, Any]:
    """One API method call → its `response` object; VK's in-body errors become poll errors."""
    token = credentials.secrets.get("access_token")
    if not token:
        raise TokenInvalidError("vk: no access_token secret configured for polls")
    response = check(http(HttpRequest(url, {**params, "v": version, "access_token": token})), NETWORK, now)
    body = response.json()
    method = url.rsplit("/", 1)[-1]
    if isinstance(body, dict) and "error" in body:
        raise _api_error(method, body["error"])
    answer = body.get("response") if isinstance(body, dict) else None
    if not isinstance(answer, dict):
        raise MalformedPayloadError(f"vk: {method} answered without a 'response' object")
    return answer


def _api_error(method: str, error: Any) -> ConnectorError:
    code = error.get("error_code") if isinstance(error, dict) else None
    detail = error.get("error_msg") if isinstance(error, dict) else None
    message = f"vk: {method} error {code}: {detail}"
    if not isinstance(code, int) or isinstance(code, bool):
        return MalformedPayloadError(f"vk: {method} answered an error without an error_code")
    if code in _AUTH_ERRORS:
        return TokenInvalidError(message)
    if code in _SCOPE_ERRORS:
        return ScopeMissingError(message)
    wait = _rate_wait(code)
    if wait is not None:
        return RateLimitedError(message, wait)
    if code in _TRANSIENT_ERRORS:
        return SourceUnavailableError(message)
    return PollError(message)


def _rate_wait(code: int) -> float | None:
    """Seconds to wait after VK's rate-limit errors [codes confirmed, numbers unconfirmed]: 6 = too
    many requests per second (≈3/s per token: a second is enough), 9 = flood control (no documented
    window: a minute), 29 = the method's daily cap (an hour, then the runner backs off further)."""
    return {6: 1.0, 9: 60.0, 29: 3600.0}.get(code)


def _items(answer: Mapping[str, Any], method: str) -> list[Any]:
    items = answer.get("items")
    if not isinstance(items, list):
        raise MalformedPayloadError(f"vk: {method} answered without an 'items' list")
    return items


@contextmanager
def _fields(method: str) -> Iterator[None]:
    """Around a webhook builder run on an API object: its missing-field errors become MalformedPayloadError."""
    try:
        yield
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedPayloadError(f"vk: a {method} item with a missing or invalid field {error}") from error


def _people(answer: Mapping[str, Any]) -> dict[str, Author]:
    """`profiles` and `groups` of an extended answer, keyed like `from_id` (communities negative)."""
    people: dict[str, Author] = {}
    for profile in _objects(answer, "profiles"):
        name = " ".join(str(profile.get(k) or "") for k in ("first_name", "last_name")).strip()
        people[str(profile["id"])] = _person(profile["id"], profile, name, "followers_count")
    for group in _objects(answer, "groups"):
        people[str(-group["id"])] = _person(-group["id"], group, str(group.get("name") or ""), "members_count")
    return people


def _objects(answer: Mapping[str, Any], key: str) -> Iterator[Mapping[str, Any]]:
    listed = answer.get(key)
    for obj in listed if isinstance(listed, list) else ():
        if isinstance(obj, dict) and isinstance(obj.get("id"), int):
            yield obj


def _person(owner_id: int, obj: Mapping[str, Any], name: str, audience: str) -> Author:
    """The screen name as handle and link when VK gives one, else the webhook's `id…`/`club…` form."""
    screen, followers = obj.get("screen_name"), obj.get(audience)
    handle = screen if isinstance(screen, str) and screen else _author(owner_id).handle
    return Author(
        id=str(owner_id),
        handle=handle,
        name=name or None,
        url=f"https://vk.com/{handle}",
        followers=followers if isinstance(followers, int) and not isinstance(followers, bool) else None,
    )


def _listed(mention: Mention, people: People, method: str) -> Mention:
    """The author as the answer names them (name, screen name, followers; the id never changes) and
    the API method as the event: nothing that takes part in the identity."""
    return replace(mention, author=people.get(mention.author.id, mention.author), event=method)


# ------------------------------------------------------------------------- the community's statistics

STATS_SECRETS = ("access_token",)  # a service key or an admin's user token (wall.get refuses community keys)
STATS_WALL_PAGE = 100  # wall.get `count` maximum [confirmed]
STATS_WALL_PAGES = 3  # at most 300 posts a snapshot: a week of even a busy community
ENGAGEMENT = Engagement(
    label="ER = (likes + comments + reposts on the community's posts of the last 7 days) / members",
    source="VK publishes no ER in its API; the RU SMM convention (ER post) averaged over the week's posts",
)


def channel_stats(
    http: Fetch, credentials: Credentials, account: str, settings: Mapping[str, Any], now: datetime, *, days: int = 7
) -> ChannelStats:
    """The community's members (`groups.getById`) and its own posts of the last `days` days with
    their counters (`wall.get filter=owner`, newest first after the pinned post, paged by offset).
    `likes.count` sums every reaction type; `reposts.count` includes shares to private messages."""
    api, version = setting(settings, "api", API), setting(settings, "v", VERSION)
    group_id = _group_id(account)
    params = {"group_id": str(group_id), "fields": "members_count"}
    answer = _call(http, credentials, f"{api}/method/groups.getById", params, version=version, now=now)
    group = _the_group(answer, group_id)
    members = group.get("members_count")
    since = now.timestamp() - days * 86400
    posts: list[PostStats] = []
    for page in range(STATS_WALL_PAGES):
        wall_params = {
            "owner_id": str(-group_id),
            "filter": "owner",
            "count": str(STATS_WALL_PAGE),
            "offset": str(page * STATS_WALL_PAGE),
        }
        wall = _call(http, credentials, f"{api}/method/wall.get", wall_params, version=version, now=now)
        items = _items(wall, "wall.get")
        older = False
        for item in items:
            with _fields("wall.get"):
                post = _own_post(item)
            if post.created_at.timestamp() < since:
                older = older or not item.get("is_pinned")  # the pinned post may be old: not the end
                continue
            posts.append(post)
        if older or len(items) < STATS_WALL_PAGE:
            break
    return ChannelStats(
        network=NETWORK,
        account=account,
        taken_at=now,
        subscribers=members if isinstance(members, int) and not isinstance(members, bool) else None,
        posts=tuple(posts),
        name=str(group.get("name") or "") or None,
        marks={} if isinstance(members, int) else {"subscribers": "hidden: groups.getById gave no members_count"},
        days=days,
    )


def _the_group(answer: Mapping[str, Any], group_id: int) -> Mapping[str, Any]:
    """`{groups: [...]}` in 5.199 (a bare list before 5.139 [secondary])."""
    groups = answer.get("groups") if isinstance(answer, dict) else answer
    for group in groups if isinstance(groups, list) else ():
        if isinstance(group, dict) and group.get("id") == group_id:
            return group
    raise MalformedPayloadError(f"vk: groups.getById did not return community {group_id}")


def _own_post(item: Mapping[str, Any]) -> PostStats:
    key = _post_key(item)
    return PostStats(
        id=key,
        created_at=from_unix(_int(item, "date")),
        url=f"https://vk.com/{key}",
        thread_id=key,
        likes=_count(item, "likes"),
        comments=_count(item, "comments"),
        shares=_count(item, "reposts"),
        views=_count(item, "views"),
        text=str(item.get("text") or "")[:140],
    )


# ------------------------------------------------------------------------ answering in the channel
# Wire contract (../shared/reference/replies.md §1; VKCOM/vk-api-schema 5.199 `*/methods.json`,
# `errors.json`, excerpt in tests/contracts/replies/):
# - confirmed: `POST {api}/method/<method>`, form-encoded, `v` and `access_token` in the form; errors
#   as HTTP 200 `{error: {error_code, error_msg}}`; each method's parameters and token types
#   (`access_token_type`): wall.createComment and messages.send take a community token, board/photos/
#   video/market.createComment and every wall/photos/video/market delete/restore and groups.ban/unban
#   only an admin's user token, board.delete/restoreComment and messages.delete either; `guid` on
#   createComment ("avoid repeated comments") and `random_id` on messages.send ("avoid resending");
#   `message` ≤ 9000 characters on messages.send; createComment answers `{comment_id}` (wall) or the
#   bare id (others), deletes/restores `1`; the error codes named in `_REFUSALS`.
# - secondary: error 27 for a community token on a user-only method; `peer_ids` (community tokens
#   only) answering `[{peer_id, message_id, conversation_message_id}]`, which gives the id our DM
#   comes back under (`msg<peer>_<cmid>`, as `message_reply` reports it); `forward` with
#   `is_reply` to quote a message known only by its `conversation_message_id`.
# - unconfirmed: that a repeated `guid` answers the first comment's id rather than an error; that
#   `random_id` is an int32 (the schema gives no int64 format: we stay below 2^31); the comment
#   length limit (not in the schema: REPLY_LIMIT is the messages' 9000); the waits in `_rate_wait`.
# VK has no "hide": a comment is deleted (and may be restored) or its author banned.

REPLY_SECRETS = ("community_token", "user_token")
REPLY_LIMIT = 9000  # messages.send `message` maxLength [confirmed]; comments: no documented limit
REPLY_IDEMPOTENT = True  # `guid` (comments) and `random_id` (messages) drop a repeat [confirmed params]
MODERATION = ("delete", "restore", "ban", "unban")
COMMUNITY, USER = "community_token", "user_token"

_COMMENT_ID = re.compile(r"^(wall|photo|video|market)(-?\d+)_(\d+)(?:_c(\d+))?$")
_TOPIC_ID = re.compile(r"^topic(-?\d+)_(\d+)_p(\d+)$")
_MESSAGE_ID = re.compile(r"^msg(-?\d+)_(\d+)$")
_API_SECTION = {"wall": "wall", "photo": "photos", "video": "video", "market": "market"}
_ITEM_PARAM = {"wall": "post_id", "photo": "photo_id", "video": "video_id", "market": "item_id"}
_WHAT = {"wall": "wall comment", "photo": "photo comment", "video": "video comment", "market": "product comment"}


@dataclass(frozen=True)
class Place:
    """Where a stored VK mention sits, read back from its identity (the ids `parse` builds):
    `section` wall/photo/video/market/topic/msg, `owner` (negative = a community; for msg the peer),
    `item` (post, photo, video, product, topic; for msg the conversation message id), `comment`
    (the comment or board post; None for a wall post or a message)."""

    section: str
    owner: int
    item: int
    comment: int | None = None

    @property
    def prefix(self) -> str:
        return f"{self.section}{self.owner}_{self.item}"


def place(external_id: str) -> Place:
    """The network ids inside a VK identity; a shape `parse` never builds cannot be answered."""
    if found := _COMMENT_ID.match(external_id):
        section, owner, item, comment = found.groups()
        return Place(section, int(owner), int(item), int(comment) if comment else None)
    if found := _TOPIC_ID.match(external_id):
        return Place("topic", int(found[1]), int(found[2]), int(found[3]))
    if found := _MESSAGE_ID.match(external_id):
        return Place("msg", int(found[1]), int(found[2]))
    raise CannotReplyError(f"vk: {external_id!r} is not an id this connector builds", Failure.INVALID)


def random_id(outbound_id: str) -> int:
    """messages.send's dedupe key from our outbound id: stable across retries, positive int32, never
    0 (0 switches VK's dedupe off). A collision only matters within one sender's history."""
    number = int.from_bytes(hashlib.sha256(outbound_id.encode()).digest()[:4], "big") & 0x7FFFFFFF
    return number or 1


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
    """A comment under the customer's comment or post (as the community), or a message in their
    conversation; `private` writes to the author's DMs instead. `now` is not needed: VK has no window."""
    where = place(target.external_id)
    if where.section == "msg":
        return _send(settings, secrets, where.owner, text, outbound_id, quote=where)
    if private:
        return _send(settings, secrets, _person_peer(target), text, outbound_id, quote=None)
    if where.section == "topic":
        token = _token(secrets, (USER,), "a discussion board comment")
        params = {"group_id": str(-where.owner), "topic_id": str(where.item), "from_group": "1"}
        return _method(settings, "board.createComment", token, {**params, "message": text, "guid": outbound_id})
    if where.section == "wall":
        token = _token(secrets, (COMMUNITY, USER), "a wall comment")
        params = {"owner_id": str(where.owner), "post_id": str(where.item), "from_group": _group(target, where)}
    else:
        token = _token(secrets, (USER,), f"a {_WHAT[where.section]}")
        params = {"owner_id": str(where.owner), _ITEM_PARAM[where.section]: str(where.item), "from_group": "1"}
    if where.comment is not None:
        params["reply_to_comment"] = str(where.comment)
    method = f"{_API_SECTION[where.section]}.createComment"
    return _method(settings, method, token, {**params, "message": text, "guid": outbound_id})


def _send(
    settings: Mapping[str, Any],
    secrets: Mapping[str, str],
    peer: int,
    text: str,
    outbound_id: str,
    *,
    quote: Place | None,
) -> HttpRequest:
    """messages.send to one peer through `peer_ids`, whose answer names the conversation message id
    our message comes back under; a known message is quoted with `forward` + `is_reply` (bots in
    group chats know only conversation message ids, which `reply_to` does not take)."""
    token = _token(secrets, (COMMUNITY,), "a message")  # a user token would write as that admin
    params = {"peer_ids": str(peer), "random_id": str(random_id(outbound_id)), "message": text}
    if quote is not None:
        forward = {"peer_id": quote.owner, "conversation_message_ids": [quote.item], "is_reply": True}
        params["forward"] = json.dumps(forward, separators=(",", ":"))
    return _method(settings, "messages.send", token, params)


def _person_peer(target: Target) -> int:
    """A private answer goes to the author's own conversation with the community: people only."""
    author = target.author.id
    if not author.isdigit() or int(author) <= 0:
        raise CannotReplyError(f"vk: a private message needs a person as author, not {author or 'nobody'!r}")
    return int(author)


def _group(target: Target, where: Place) -> str:
    """The brand's community (`from_group`, `groups.ban`): the target's account, else the wall's owner."""
    if target.account:
        return str(_group_id(target.account))
    if where.owner < 0:
        return str(-where.owner)
    raise CannotReplyError("vk: the brand's community id is unknown (no account on the target)", Failure.INVALID)


def _token(secrets: Mapping[str, str], accepted: tuple[str, ...], what: str) -> str:
    """The first accepted token the brand has; the reason names the missing one for the ticket."""
    for name in accepted:
        if secrets.get(name):
            return secrets[name]
    why = " (VK accepts only an admin's user token here)" if accepted == (USER,) else ""
    raise CannotReplyError(
        f"vk: {what} needs the {' or '.join(accepted)} secret, which the brand's VK settings lack{why}"
    )


def _method(settings: Mapping[str, Any], method: str, token: str, params: Mapping[str, str]) -> HttpRequest:
    api, version = setting(settings, "api", API), setting(settings, "v", VERSION)
    form = {**params, "v": version, "access_token": token}
    return HttpRequest(f"{api}/method/{method}", method="POST", form=form)


def reply_result(response: HttpResponse, target: Target | None = None) -> Result:
    """Our comment or message, as the id the webhook will report it under when `target` is given
    (`wall-1_2_c9` from `{comment_id: 9}`, `msg5_46` from `peer_ids`), else VK's bare id."""
    answer = _answer(response)
    if isinstance(answer, Refused):
        return answer
    prefix = place(target.external_id).prefix if target is not None else ""
    if isinstance(answer, dict) and _whole(answer.get("comment_id")):  # wall.createComment
        return Posted(f"{prefix}_c{answer['comment_id']}" if prefix else str(answer["comment_id"]))
    if _whole(answer) and not prefix.startswith("msg"):  # board/photos/video/market.createComment
        marker = "_p" if prefix.startswith("topic") else "_c"
        return Posted(f"{prefix}{marker}{answer}" if prefix else str(answer))
    if isinstance(answer, list) and answer and isinstance(answer[0], dict):  # messages.send peer_ids
        return _sent(answer[0])
    return Refused(Failure.TRANSIENT, f"VK answered without the created id: {str(answer)[:80]}")


def _sent(item: Mapping[str, Any]) -> Result:
    """One `peer_ids` result: its own error (blocked, privacy…) or the conversation message id."""
    if isinstance(item.get("error"), dict):
        return _refusal(item["error"])
    peer, number = item.get("peer_id"), item.get("conversation_message_id")
    if _whole(peer) and _whole(number):
        return Posted(f"msg{peer}_{number}")
    return Refused(Failure.TRANSIENT, "VK answered messages.send without a conversation_message_id")


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _answer(response: HttpResponse) -> Any:
    """VK's `response`, or the Refused its error (in a 200) or an HTTP failure stands for."""
    if response.status == 429:
        return Refused(Failure.RATE, "VK answered HTTP 429", 1.0)
    if response.status != 200:  # VK answers its own errors with 200: anything else is the transport's
        failure = Failure.TRANSIENT if response.status >= 500 else Failure.INVALID
        return Refused(failure, f"VK answered HTTP {response.status}")
    try:
        body = untrusted.loads(response.body)
    except untrusted.UntrustedInputError:
        return Refused(Failure.TRANSIENT, "VK answered something that is not JSON")
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return _refusal(body["error"])
    if not isinstance(body, dict) or "response" not in body:
        return Refused(Failure.TRANSIENT, "VK answered without a 'response'")
    return body["response"]


# error code → (class, what the agent reads); codes [confirmed] in errors.json, classes ours
_REFUSALS: dict[int, tuple[Failure, str]] = {
    1: (Failure.TRANSIENT, "VK had an unknown error"),
    10: (Failure.TRANSIENT, "VK had an internal error"),
    5: (Failure.AUTH, "the VK token was revoked or has expired: reconnect the community"),
    7: (Failure.PERM, "the VK token lacks the permission for this"),
    15: (Failure.PERM, "VK denied access"),
    27: (Failure.PERM, "VK refuses the community token here: an admin's user token is needed"),
    28: (Failure.PERM, "VK refused the application's authorization"),
    18: (Failure.GONE, "the author's VK page was deleted or banned"),
    30: (Failure.GONE, "the author's VK profile is private"),
    104: (Failure.GONE, "VK no longer finds what we answer"),
    212: (Failure.GONE, "comments on this post are closed to us"),
    213: (Failure.GONE, "comments are closed on this post"),
    801: (Failure.GONE, "comments are closed on this video"),
    1401: (Failure.GONE, "comments are closed on this product"),
    900: (Failure.GONE, "the customer has blacklisted the community"),
    901: (Failure.GONE, "the customer has not allowed messages from the community"),
    902: (Failure.GONE, "the customer's privacy settings forbid our message"),
    917: (Failure.GONE, "the community has no access to this chat"),
    945: (Failure.GONE, "this chat was disabled"),
    950: (Failure.GONE, "the time to answer this message has run out"),
    100: (Failure.INVALID, "VK refused a parameter"),
    222: (Failure.INVALID, "links are forbidden in this comment"),
    914: (Failure.INVALID, "the message is too long for VK"),
}


def _refusal(error: Mapping[str, Any]) -> Refused:
    """`error_code`/`error_msg`; a `peer_ids` result names them `code`/`description` [unconfirmed]."""
    code = error.get("error_code", error.get("code"))
    said = str(error.get("error_msg") or error.get("description") or "")
    if not _whole(code):
        return Refused(Failure.TRANSIENT, f"VK answered an error without a code: {said[:80]}")
    wait = _rate_wait(code) or (60.0 if code in (14, 223) else None)  # captcha, too many replies [unconfirmed]
    if wait is not None:
        return Refused(Failure.RATE, f"VK asks us to slow down (VK error {code}: {said})", wait)
    failure, meaning = _REFUSALS.get(code, (Failure.INVALID, "VK refused the request"))
    return Refused(failure, f"{meaning} (VK error {code}: {said})")


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Delete or restore the customer's comment, post or message; ban or unban its author."""
    where = place(target.external_id)
    if action in ("ban", "unban"):
        return _ban(action, target, where, settings, secrets)
    if action not in ("delete", "restore"):
        raise CannotReplyError(f"vk: VK offers no {action!r} (a comment is deleted or its author banned)")
    if where.section == "msg":
        if action == "restore":
            raise CannotReplyError("vk: a message deleted for everyone cannot be restored by the community")
        token = _token(secrets, (COMMUNITY, USER), "deleting a message")
        params = {"peer_id": str(where.owner), "cmids": str(where.item), "delete_for_all": "1"}
        return _method(settings, "messages.delete", token, params)
    if where.section == "topic":
        token = _token(secrets, (COMMUNITY, USER), f"{action.rstrip('e')}ing a board comment")
        params = {"group_id": str(-where.owner), "topic_id": str(where.item), "comment_id": str(where.comment)}
        return _method(settings, f"board.{action}Comment", token, params)
    what = "a wall post" if where.comment is None else f"a {_WHAT[where.section]}"
    token = _token(secrets, (USER,), f"{action.rstrip('e')}ing {what}")
    if where.comment is None:  # a wall post (suggested or searched): wall.delete / wall.restore
        params = {"owner_id": str(where.owner), "post_id": str(where.item)}
        return _method(settings, f"wall.{action}", token, params)
    params = {"owner_id": str(where.owner), "comment_id": str(where.comment)}
    return _method(settings, f"{_API_SECTION[where.section]}.{action}Comment", token, params)


def _ban(
    action: str, target: Target, where: Place, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """groups.ban / groups.unban of the author in the brand's community (user token, scope `groups`)."""
    author = target.author.id
    if not re.fullmatch(r"-?[1-9]\d*", author):
        raise CannotReplyError(f"vk: cannot {action} an author VK does not name ({author or 'nobody'!r})")
    token = _token(secrets, (USER,), f"{action}ning an author")
    params = {"group_id": _group(target, where), "owner_id": author}
    return _method(settings, f"groups.{action}", token, params)


def moderation_result(action: str, response: HttpResponse, target: Target | None = None) -> Result:
    """`1` = done (Posted names the moderated object: the mention, or the banned author); `0` =
    not found; error 243 on a restore = it was never deleted, which is the state asked for."""
    answer = _answer(response)
    if isinstance(answer, Refused):
        if action == "restore" and _error_code(response) == _NOT_DELETED:
            return Posted(target.external_id if target is not None else "")
        return answer
    if answer == 1 or (isinstance(answer, dict) and answer):
        if target is None:
            return Posted("")
        return Posted(target.author.id if action in ("ban", "unban") else target.external_id)
    return Refused(Failure.GONE, f"VK did not find what to {action} (answered {answer!r})")


_NOT_DELETED = 243  # "Comment has not been deleted" [confirmed errors.json]


def _error_code(response: HttpResponse) -> int | None:
    try:
        error = untrusted.loads(response.body).get("error")
    except (untrusted.UntrustedInputError, AttributeError):
        return None
    code = error.get("error_code") if isinstance(error, dict) else None
    return code if _whole(code) else None
