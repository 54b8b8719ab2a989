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
- The account's own comments and messages (`from.id` / `sender.id` == entry id, echoes) are
  skipped; read receipts, reactions, postbacks and referrals are ignored.
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
from functions.core.polls import Credentials, Fetch
from functions.core.webhooks import Delivery, MalformedPayloadError

NETWORK = "instagram"
DISPLAY_NAME = "Instagram"
DELIVERY: Delivery = "push"
SECRETS = _meta.SECRETS
ACK = _meta.ACK
OBJECT = "instagram"

EVENT_TYPES = frozenset({"comments", "live_comments", "messaging_message"})
IGNORED_EVENT_TYPES = frozenset(
    {
        "mentions",
        "messaging_echo",
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
    if author.id == item.entry.account:
        return None
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
    )


def _message(item: Item, brand: str) -> Mention | None:
    return _meta.message(item, brand, NETWORK)


_HANDLERS: dict[str, _meta.Handler] = {
    "comments": _comment,
    "live_comments": _comment,
    "messaging_message": _message,
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
