"""Instagram webhooks (object `instagram`): comments and live comments on the account's media,
Instagram Messaging.

Wire contract (../shared/reference/webhooks.md §2; the Meta plumbing is in `_meta`):
- confirmed: the same handshake, `X-Hub-Signature-256` and batched envelope as Facebook, with
  `entry[].id` = the Instagram professional account id; the `comments` / `live_comments` value
  `{id, text, parent_id (replies only), from: {id, username}, media: {id, media_product_type}}`
  with no timestamp (we use the value's `timestamp` if one appears, else `entry.time`, seconds or
  milliseconds); messaging events shaped like Messenger's (`sender.id` = IGSID, `recipient.id` =
  the account, `timestamp` ms, `message: {mid, text, reply_to?}`), echoes included in the
  `messages` field with `message.is_echo`.
- secondary: the `mentions` value `{media_id, comment_id?}`; `message.is_deleted` on an unsent
  message (→ a delete of the same `mid`); `from.id` of the account's own comments equals the
  entry id.
- unconfirmed / not sent: Meta documents no comment edit or delete notifications for Instagram,
  and message edits only for Messenger, so there are none here.

Decisions:
- `mentions` (our account @mentioned in someone's caption or comment) is ignored: the value holds
  ids only, no text and no author, so it can be neither scored nor threaded, and a placeholder
  would fix an author that an edit can never correct. Turning it into a mention needs Graph API
  calls (`mentioned_comment` / `mentioned_media` with a token): a later enrichment step.
- The account's own comments and messages (`from.id` / `sender.id` == entry id, echoes) are kept
  with `by_brand=True` (our reply coming back: same comment id / `mid` as the create call
  answered); never scored. Read receipts, reactions, postbacks and referrals are ignored.
- External ids are Instagram's own (comment id, message `mid`); a comment thread's root is the
  media id, a conversation's `m_<account>_<igsid>`. The comment permalink needs the media's
  `permalink` (Graph API), so `url` is None; the author links to their profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.connectors import _meta
from functions.connectors._meta import Item, obj, optional_id, str_id, text
from functions.core.channels import HIDDEN, NOT_GIVEN, ChannelStats, Engagement, PostStats, mark
from functions.core.mention import Author, Kind, Mention, Thread, parse_time
from functions.core.polls import Credentials, Fetch, HttpRequest, HttpResponse
from functions.core.replies import CannotReplyError, Posted, Refused, Target
from functions.core.webhooks import Delivery, MalformedPayloadError

NETWORK = "instagram"
DISPLAY_NAME = "Instagram"
DELIVERY: Delivery = "push"
SECRETS = _meta.SECRETS
ACK = _meta.ACK
OBJECT = "instagram"

EVENT_TYPES = frozenset({"comments", "live_comments", "messaging_message", "messaging_echo"})
IGNORED_EVENT_TYPES = frozenset(
    {
        "mentions",
        "messaging_read",
        "messaging_reaction",
        "messaging_postback",
        "messaging_referral",
    }
)


# The Meta envelope, GET verification and `X-Hub-Signature-256` are shared with the other Meta
# network (functions/connectors/_meta.py): the first entry's id names the account; no timestamp is
# signed, so there is no replay window.
account_id = _meta.account_id
handshake = _meta.handshake
verify = _meta.verify
sign = _meta.sign


def _change_type(field: str, value: Mapping[str, Any]) -> str:
    """Instagram changes are named by their field alone."""
    return field


def _author(author: Mapping[str, Any]) -> Author:
    username = author.get("username")
    handle = username if isinstance(username, str) and username else None
    return Author(
        id=str_id(author, "id"),
        handle=handle,
        url=f"https://www.instagram.com/{handle}/" if handle else None,
    )


def _comment(item: Item, brand: str) -> Mention | None:
    """A comment or reply on the account's media (feed, reels, ads, live)."""
    value = item.data
    author = _author(obj(value, "from"))
    media_id = str_id(obj(value, "media"), "id")
    parent = optional_id(value, "parent_id")
    return Mention(
        network=NETWORK,
        external_id=str_id(value, "id"),
        kind=Kind.COMMENT if parent is None else Kind.REPLY,
        brand=brand,
        author=author,
        text=text(value, "text"),
        url=None,
        created_at=_meta.created_at(value, "timestamp", item.entry),
        thread=Thread(root_id=media_id, parent_id=parent or media_id),
        by_brand=author.id == item.entry.account,
    )


def _message(item: Item, brand: str) -> Mention | None:
    return _meta.message(item, brand, NETWORK)


_HANDLERS: dict[str, _meta.Handler] = {
    "comments": _comment,
    "live_comments": _comment,
    "messaging_message": _message,
    "messaging_echo": _message,
}

split, parse = _meta.bind(object_type=OBJECT, handlers=_HANDLERS, ignored=IGNORED_EVENT_TYPES, change_type=_change_type)


# -------------------------------------------------------------------------- the account's statistics
# ../shared/reference/channel-stats.md §3 (facebook-python-business-sdk v25 `iguser.py`, `igmedia.py`;
# Meta's IG User / IG Media reference) [confirmed names]: `GET /{ig-user-id}?fields=followers_count,
# username`; `GET /{ig-user-id}/media?fields=id,timestamp,permalink,like_count,comments_count,caption
# &since=<unix>&limit=` with cursor paging. `like_count`/`comments_count` are organic counts on this
# media only. A media whose owner hid its likes answers without `like_count` [unconfirmed]: that is
# marked hidden, never read as 0. Shares and views need the insights edge (up to 48 h late): not read.

STATS_SECRETS = _meta.STATS_SECRETS  # a token with instagram_basic + pages_read_engagement (FB Login)
STATS_PAGE = 50
STATS_PAGES = 3
ENGAGEMENT = Engagement(
    label="ER = (likes + comments on the account's posts of the last 7 days) / followers",
    actions=("likes", "comments"),
    source="Instagram publishes no ER (the app shows accounts engaged and interactions); shares need insights",
)


def channel_stats(
    http: Fetch, credentials: Credentials, account: str, settings: Mapping[str, Any], now: datetime, *, days: int = 7
) -> ChannelStats:
    """Followers and the media of the last `days` days with their like and comment counts."""
    api = _meta.graph_api(settings)
    user = _meta.graph_get(http, credentials, f"{api}/{account}", {"fields": "followers_count,username"}, NETWORK)
    since = now - timedelta(days=days)
    params = {
        "fields": "id,timestamp,permalink,like_count,comments_count,caption,media_product_type",
        "since": str(int(since.timestamp())),
        "limit": str(STATS_PAGE),
    }
    listed = _meta.graph_list(http, credentials, f"{api}/{account}/media", params, NETWORK, pages=STATS_PAGES)
    posts = [post for post in (_media(item) for item in listed) if post.created_at >= since]
    hidden = sum(post.likes is None for post in posts)
    marks = {"shares": mark(NOT_GIVEN, "shares are in media insights only (up to 48 h late), not read")}
    if hidden:
        marks["likes"] = mark(HIDDEN, f"{hidden} post(s) hide their like count; counted without likes")
    followers = _meta.count(user.get("followers_count"))
    if followers is None:
        marks["subscribers"] = mark(HIDDEN, "followers_count not given")
    username = str(user.get("username") or "") or None
    return ChannelStats(NETWORK, account, now, followers, tuple(posts), username, marks, days)


def _media(item: Any) -> PostStats:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("timestamp"), str):
        raise MalformedPayloadError("instagram: a media item without id or timestamp")
    try:
        created = parse_time(item["timestamp"])
    except ValueError as error:
        raise MalformedPayloadError(f"instagram: media timestamp {item['timestamp']!r}") from error
    return PostStats(
        id=item["id"],
        created_at=created,
        url=item.get("permalink") if isinstance(item.get("permalink"), str) else None,
        thread_id=item["id"],
        likes=_meta.count(item.get("like_count")),
        comments=_meta.count(item.get("comments_count")),
        text=str(item.get("caption") or "")[:140],
    )


# ------------------------------------------------------------------------------ answering in the channel
# ../shared/reference/replies.md §3, the Facebook Login flavour (graph.facebook.com; `graph_api`
# may name graph.instagram.com for an Instagram Login token). Confirmed: `POST /{ig-comment-id}/replies`
# with `message` → `{"id"}` (the id the `comments` webhook gives our reply back with), only on
# top-level comments (a reply to a reply goes under its top-level comment, `thread.parent_id`);
# private reply `POST /{ig-user-id}/messages` `{recipient: {comment_id}, message: {text}}` within 7
# days; DMs `recipient.id = IGSID` (24 h, then `HUMAN_AGENT` to 7 days); hide/unhide
# `POST /{ig-comment-id}?hide=`, `DELETE /{ig-comment-id}`. There is no ban of a comment author (the
# DM-side `moderate_conversations` BLOCK_USER is SDK-only, not built). Unconfirmed: the comment
# length (~2200) and the DM text limit (1000 here, the safe side).

REPLY_SECRETS = ("access_token",)  # instagram_manage_comments (+ instagram_manage_messages)
REPLY_LIMIT = 1000  # DMs [unconfirmed]; comments ~2200 [unconfirmed]: one limit, the smaller
REPLY_IDEMPOTENT = False
MODERATION = ("hide", "unhide", "delete")
LOOKUP_LIMIT = 50


def _top_level(target: Target) -> str:
    """The comment a public reply goes under: a reply's top-level comment, else the comment."""
    if target.kind is Kind.REPLY and target.thread.parent_id:
        return target.thread.parent_id
    if target.kind in (Kind.COMMENT, Kind.REPLY):
        return target.external_id
    raise CannotReplyError(f"instagram: a {target.kind.value} cannot be answered in a thread")


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
    """A reply under the customer's comment, a private reply to it, or a DM in their conversation."""
    token = _meta.reply_token(secrets, "access_token", NETWORK)
    api = _meta.graph_api(settings)
    if target.kind is Kind.MESSAGE or private:
        account = _meta.account_of(target, NETWORK, "Instagram account")
        if target.kind is Kind.MESSAGE:
            window = _meta.send_window(NETWORK, target.created_at, now)
            recipient = {"id": target.author.id}
        else:
            _top_level(target)  # only comments take a private reply
            _meta.private_reply_window(NETWORK, target.created_at, now)
            window, recipient = {}, {"comment_id": target.external_id}
        return _meta.send_message(
            api, account, token, recipient=recipient, text=text, outbound_id=outbound_id, messaging=window
        )
    return HttpRequest(
        f"{api}/{_top_level(target)}/replies", headers=_meta.bearer(token), method="POST", form={"message": text}
    )


def reply_result(response: HttpResponse, target: Target | None = None) -> Posted | Refused:
    return _meta.created(NETWORK, response)


def lookup_request(
    target: Target, outbound_id: str, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """The replies under the top-level comment we answered, with their authors and texts."""
    if target.kind is Kind.MESSAGE:
        raise CannotReplyError("instagram: a lost DM answer is found by its echo, not looked up")
    token = _meta.reply_token(secrets, "access_token", NETWORK)
    params = {"fields": "id,text,from,timestamp", "limit": str(LOOKUP_LIMIT)}
    return HttpRequest(f"{_meta.graph_api(settings)}/{_top_level(target)}/replies", params, _meta.bearer(token))


def lookup_result(response: HttpResponse, target: Target, outbound_id: str, *, text: str = "") -> Posted | None:
    """Our reply among them: `from.id` is our account and `text` what we sent (no text: None)."""
    return _meta.found(response, target.account, "text", text)


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Hide/unhide (`?hide=`) or delete a comment on the account's media."""
    token = _meta.reply_token(secrets, "access_token", NETWORK)
    if target.kind not in (Kind.COMMENT, Kind.REPLY) or action not in MODERATION:
        raise CannotReplyError(f"instagram: {action} is not offered for a {target.kind.value}")
    url, headers = f"{_meta.graph_api(settings)}/{target.external_id}", _meta.bearer(token)
    if action == "delete":
        return HttpRequest(url, headers=headers, method="DELETE")
    return HttpRequest(url, {"hide": "true" if action == "hide" else "false"}, headers, method="POST")


def moderation_result(action: str, response: HttpResponse, target: Target | None = None) -> Posted | Refused:
    """`{"success": true}`; the comment's id comes from `target` (Meta's answer names none)."""
    return _meta.applied(NETWORK, response, target, None)
