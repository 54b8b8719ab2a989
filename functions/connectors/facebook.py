"""Facebook Pages webhooks (object `page`): Page feed comments and visitor posts, Page mentions,
Messenger messages.

Wire contract (../shared/reference/webhooks.md §1; the Meta plumbing is in `_meta`):
- confirmed: the GET `hub.*` handshake, `X-Hub-Signature-256` over the raw body with the App
  Secret, the batched envelope (`entry[]` per Page, `changes[]` / `messaging[]` per entry), the
  Messenger event `{sender: {id: PSID}, recipient: {id: PAGE_ID}, timestamp (ms), message: {mid,
  text}}`; echoes of the Page's own messages carry `message.is_echo`.
- secondary: the `feed` change value `{item, verb, post_id, comment_id, parent_id, from: {id,
  name}, message, created_time (Unix s)}`; `parent_id == post_id` for a top-level comment, the
  parent comment's id for a reply; verbs `add`, `edited`, `remove`, `hide`, `unhide`; `from` may be
  missing (then the author is `unknown-<item id>`, so strangers are never merged into one thread).
- unconfirmed: the `mention` field value `{item, verb, post_id, comment_id?, sender_id,
  sender_name, message?, created_time?}`; who `from` names on a `remove` (the remover or the
  author: deletes are therefore never dropped as "own"); Messenger `message_edit: {mid, text}`; the
  permalink forms (kept in `_permalink_*`).

Decisions:
- `hide` / `unhide` are ignored: hiding is the Page moderating a comment that still exists (its
  author and their friends still see it) and whose complaint still needs an answer, so it is not a
  delete; and as hide marks nothing, unhide has nothing to restore.
- The Page's own posts, comments and messages (`from.id` / `sender.id` == the entry's Page id,
  Messenger echoes) are kept with `by_brand=True`: our reply coming back (its id is the one the
  create call answered: `<postid>_<commentid>`, the message `mid`) or a manual answer on Facebook;
  never scored. Reactions, likes, shares, delivery/read receipts, postbacks are ignored.
- A `mention` without `message` is skipped (nothing to score; its id is shared with the feed
  event of the same post, which must not be shadowed by an empty text); a `mention` `remove` is
  skipped too (it may mean only that the tag was removed, not that the post is gone).
- Facebook post and comment ids are globally unique (`<pageid>_<postid>`, `<postid>_<commentid>`)
  and are the external ids; messages use `mid`; a conversation's root is `m_<page>_<psid>`.
Names, follower counts and Messenger permalinks are not in the payload (Graph API calls with a
Page token give them); enrichment is left to a later step.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.connectors import _meta
from functions.connectors._meta import Item, optional_id, str_id, text
from functions.core.channels import HIDDEN, NOT_GIVEN, ChannelStats, Engagement, PostStats, mark
from functions.core.mention import Action, Author, Kind, Mention, Thread, parse_time
from functions.core.polls import Credentials, Fetch, HttpRequest, HttpResponse
from functions.core.replies import CannotReplyError, Posted, Refused, Target
from functions.core.webhooks import Delivery, MalformedPayloadError

NETWORK = "facebook"
DISPLAY_NAME = "Facebook Pages"
DELIVERY: Delivery = "push"
SECRETS = _meta.SECRETS
ACK = _meta.ACK
OBJECT = "page"

_POST_ITEMS = ("post", "status", "photo", "video")
EVENT_TYPES = frozenset(
    {
        "feed_comment",
        *(f"feed_{item}" for item in _POST_ITEMS),
        "mention",
        "messaging_message",
        "messaging_message_edit",
        "messaging_echo",
    }
)
# Genuine events we knowingly do not turn into mentions: reactions and shares carry no words of
# the customer; the rest are receipts and button clicks.
IGNORED_EVENT_TYPES = frozenset(
    {
        "feed_reaction",
        "feed_like",
        "feed_share",
        "messaging_delivery",
        "messaging_read",
        "messaging_reaction",
        "messaging_postback",
        "messaging_optin",
        "messaging_referral",
    }
)

_VERBS = {"add": Action.NEW, "edited": Action.EDIT, "edit": Action.EDIT, "remove": Action.DELETE}


# The Meta envelope, GET verification and `X-Hub-Signature-256` are shared with the other Meta
# network (functions/connectors/_meta.py): the first entry's id names the account; no timestamp is
# signed, so there is no replay window.
account_id = _meta.account_id
handshake = _meta.handshake
verify = _meta.verify
sign = _meta.sign


def _change_type(field: str, value: Mapping[str, Any]) -> str:
    """`feed` changes are named by their `item` (`feed_comment`, `feed_reaction`, ...)."""
    if field == "feed":
        item = value.get("item")
        return f"feed_{item}" if isinstance(item, str) else "feed"
    return field


def _action(value: Mapping[str, Any]) -> Action | None:
    """What the verb does to the mention; `hide`, `unhide` and unknown verbs do nothing."""
    verb = value.get("verb")
    return _VERBS.get(verb) if isinstance(verb, str) else None


def _from_id(value: Mapping[str, Any]) -> str | None:
    author = value.get("from")
    return optional_id(author, "id") if isinstance(author, dict) else None


def _is_own(value: Mapping[str, Any], item: Item, action: Action) -> bool:
    """The Page writing on its own feed (kept, `by_brand`); a delete is never the Page's (docstring)."""
    return action is not Action.DELETE and _from_id(value) == item.entry.account


def _author(value: Mapping[str, Any], external_id: str) -> Author:
    author = value.get("from")
    if not isinstance(author, dict) or optional_id(author, "id") is None:
        return Author(id=f"unknown-{external_id}")
    name = author.get("name")
    return Author(id=str_id(author, "id"), name=name if isinstance(name, str) and name else None)


def _number(facebook_id: str) -> str:
    """`<postid>_<commentid>` → `<commentid>`: the form facebook.com links use."""
    return facebook_id.rsplit("_", 1)[-1]


def _permalink_post(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


def _permalink_comment(post_id: str, comment_id: str, reply_to: str | None) -> str:
    if reply_to is None:
        return f"{_permalink_post(post_id)}?comment_id={_number(comment_id)}"
    return f"{_permalink_post(post_id)}?comment_id={_number(reply_to)}&reply_comment_id={_number(comment_id)}"


def _feed_comment(item: Item, brand: str) -> Mention | None:
    value = item.data
    action = _action(value)
    if action is None:
        return None
    post_id, comment_id = str_id(value, "post_id"), str_id(value, "comment_id")
    parent = optional_id(value, "parent_id") or post_id
    reply_to = parent if parent != post_id else None
    return Mention(
        network=NETWORK,
        external_id=comment_id,
        kind=Kind.COMMENT if reply_to is None else Kind.REPLY,
        brand=brand,
        author=_author(value, comment_id),
        text=text(value, "message"),
        url=_permalink_comment(post_id, comment_id, reply_to),
        created_at=_meta.created_at(value, "created_time", item.entry),
        thread=Thread(root_id=post_id, parent_id=parent),
        action=action,
        by_brand=_is_own(value, item, action),
    )


def _feed_post(item: Item, brand: str) -> Mention | None:
    """A visitor's post, status, photo or video on the Page (the Page's own are skipped)."""
    value = item.data
    action = _action(value)
    if action is None:
        return None
    post_id = str_id(value, "post_id")
    return Mention(
        network=NETWORK,
        external_id=post_id,
        kind=Kind.POST,
        brand=brand,
        author=_author(value, post_id),
        text=text(value, "message"),
        url=_permalink_post(post_id),
        created_at=_meta.created_at(value, "created_time", item.entry),
        thread=Thread(root_id=post_id),
        action=action,
        by_brand=_is_own(value, item, action),
    )


def _mention(item: Item, brand: str) -> Mention | None:
    """The Page @mentioned in a post or comment, anywhere on Facebook (ids shared with `feed`)."""
    value = item.data
    action = _action(value)
    message = text(value, "message")
    if action not in (Action.NEW, Action.EDIT) or not message:
        return None
    sender = optional_id(value, "sender_id") or _from_id(value)
    post_id = str_id(value, "post_id")
    comment_id = str_id(value, "comment_id") if value.get("item") == "comment" else None
    external_id = comment_id or post_id
    name = value.get("sender_name")
    return Mention(
        network=NETWORK,
        external_id=external_id,
        kind=Kind.POST if comment_id is None else Kind.COMMENT,
        brand=brand,
        author=(
            Author(id=sender, name=name if isinstance(name, str) and name else None)
            if sender
            else _author(value, external_id)
        ),
        text=message,
        url=_permalink_post(post_id) if comment_id is None else _permalink_comment(post_id, comment_id, None),
        created_at=_meta.created_at(value, "created_time", item.entry),
        thread=Thread(root_id=post_id, parent_id=None if comment_id is None else post_id),
        action=action,
        by_brand=sender == item.entry.account,
    )


def _message(item: Item, brand: str) -> Mention | None:
    return _meta.message(item, brand, NETWORK)


def _message_edit(item: Item, brand: str) -> Mention | None:
    return _meta.message_edit(item, brand, NETWORK)


_HANDLERS: dict[str, _meta.Handler] = {
    "feed_comment": _feed_comment,
    **{f"feed_{kind}": _feed_post for kind in _POST_ITEMS},
    "mention": _mention,
    "messaging_message": _message,
    "messaging_message_edit": _message_edit,
    "messaging_echo": _message,
}

split, parse = _meta.bind(object_type=OBJECT, handlers=_HANDLERS, ignored=IGNORED_EVENT_TYPES, change_type=_change_type)


# ------------------------------------------------------------------------------ the Page's statistics
# ../shared/reference/channel-stats.md §2 (facebook-python-business-sdk v25 `page.py`, `pagepost.py`):
# `GET /{page-id}?fields=followers_count,name` [names confirmed]; `GET /{page-id}/published_posts`
# with `since` (unix), `limit`, cursor paging and `fields=id,created_time,permalink_url,message,shares,
# reactions.summary(total_count).limit(0),comments.summary(true).limit(0)` [secondary, long-standing
# shape]; `shares` is absent when nobody shared [secondary]: read as 0. Page views moved to insights
# (`read_insights`, refreshed once a day): not read here.

STATS_SECRETS = _meta.STATS_SECRETS  # a Page token: pages_read_engagement (ANALYZE task)
STATS_PAGE = 50
STATS_PAGES = 3
POST_FIELDS = (
    "id,created_time,permalink_url,message,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(true).limit(0)"
)
ENGAGEMENT = Engagement(
    label="ER = (reactions + comments + shares on the Page's posts of the last 7 days) / followers",
    source="Meta publishes no ER in the Graph API (page_engaged_users was removed in 2024)",
)


def channel_stats(
    http: Fetch, credentials: Credentials, account: str, settings: Mapping[str, Any], now: datetime, *, days: int = 7
) -> ChannelStats:
    """Followers (`followers_count`, what the Page shows) and the published posts of the last `days`."""
    api = _meta.graph_api(settings)
    page = _meta.graph_get(http, credentials, f"{api}/{account}", {"fields": "followers_count,name"}, NETWORK)
    since = now - timedelta(days=days)
    params = {"fields": POST_FIELDS, "since": str(int(since.timestamp())), "limit": str(STATS_PAGE)}
    listed = _meta.graph_list(http, credentials, f"{api}/{account}/published_posts", params, NETWORK, pages=STATS_PAGES)
    posts = [p for p in (_page_post(item) for item in listed) if p.created_at >= since]
    followers = _meta.count(page.get("followers_count"))
    marks = {"views": mark(NOT_GIVEN, "post views are in Page insights (read_insights), not read")}
    if followers is None:
        marks["subscribers"] = mark(HIDDEN, "followers_count not given")
    name = page.get("name")
    return ChannelStats(NETWORK, account, now, followers, tuple(posts), str(name) if name else None, marks, days)


def _summary(item: Mapping[str, Any], edge: str) -> int | None:
    found = item.get(edge)
    summary = found.get("summary") if isinstance(found, dict) else None
    return _meta.count(summary.get("total_count")) if isinstance(summary, dict) else None


def _page_post(item: Any) -> PostStats:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise MalformedPayloadError("facebook: a published post without an id")
    try:
        created = parse_time(str(item.get("created_time")))
    except ValueError as error:
        raise MalformedPayloadError(f"facebook: created_time {item.get('created_time')!r}") from error
    shares = item.get("shares")
    return PostStats(
        id=item["id"],
        created_at=created,
        url=item.get("permalink_url") if isinstance(item.get("permalink_url"), str) else None,
        thread_id=item["id"],
        likes=_summary(item, "reactions"),
        comments=_summary(item, "comments"),
        shares=_meta.count(shares.get("count")) if isinstance(shares, dict) else 0,
        text=str(item.get("message") or "")[:140],
    )


# ------------------------------------------------------------------------------ answering in the channel
# ../shared/reference/replies.md §2 (Graph API v25.0 as pinned above, `graph_version` overrides it).
# Confirmed: `POST /{comment-id}/comments` (a threaded reply) or `/{post-id}/comments` with `message`
# → `{"id": "<postid>_<commentid>"}`, the very id the `feed` webhook gives our comment back with;
# private reply `POST /{page-id}/messages` `{recipient: {comment_id | post_id}, message: {text},
# messaging_type: RESPONSE}` → `{recipient_id, message_id}` (one per comment, within 7 days);
# Messenger `recipient.id = PSID` (24 h `RESPONSE`, then `MESSAGE_TAG` + `HUMAN_AGENT` to 7 days
# [secondary]), `message.text` under 2000 characters, `message.metadata` echoed back; hide/unhide
# `POST /{comment-id}` `is_hidden`, `DELETE /{comment-id}`. Secondary/unconfirmed: ban and unban
# `POST|DELETE /{page-id}/blocked` with `user` (a comment author) or `psid` (a Messenger user) and
# its answer; the comment length limit (~8000); a reply to a reply answered under its parent
# comment (what the Facebook app does). The Page token goes in `Authorization: Bearer`.

REPLY_SECRETS = ("page_token",)  # a Page access token: pages_manage_engagement (+ pages_messaging)
REPLY_LIMIT = 2000  # Messenger's limit [confirmed]; comments take ~8000 [unconfirmed]: one limit, the smaller
REPLY_IDEMPOTENT = False  # Meta drops no repeats: a lost answer is looked up (`lookup_request`)
MODERATION = ("hide", "unhide", "delete", "ban", "unban")
LOOKUP_LIMIT = 100  # the newest replies read to find ours after a lost answer


def _reply_node(target: Target) -> str:
    """What a public reply is posted under: the comment itself, a reply's parent comment, a post."""
    if target.kind is Kind.REPLY and target.thread.parent_id:
        return target.thread.parent_id
    if target.kind in (Kind.COMMENT, Kind.REPLY, Kind.POST):
        return target.external_id
    raise CannotReplyError(f"facebook: a {target.kind.value} cannot be answered in a thread")


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
    """A comment under the customer's (as the Page), a private reply to it, or a Messenger answer."""
    token = _meta.reply_token(secrets, "page_token", NETWORK)
    api = _meta.graph_api(settings)
    if target.kind is Kind.MESSAGE:
        page = _meta.account_of(target, NETWORK, "Page")
        window = _meta.send_window(NETWORK, target.created_at, now)
        return _meta.send_message(
            api, page, token, recipient={"id": target.author.id}, text=text, outbound_id=outbound_id, messaging=window
        )
    if private:
        page = _meta.account_of(target, NETWORK, "Page")
        _meta.private_reply_window(NETWORK, target.created_at, now)
        key = "post_id" if target.kind is Kind.POST else "comment_id"
        recipient = {key: target.external_id}
        respond = {"messaging_type": "RESPONSE"}
        return _meta.send_message(
            api, page, token, recipient=recipient, text=text, outbound_id=outbound_id, messaging=respond
        )
    return HttpRequest(
        f"{api}/{_reply_node(target)}/comments", headers=_meta.bearer(token), method="POST", form={"message": text}
    )


def reply_result(response: HttpResponse, target: Target | None = None) -> Posted | Refused:
    """The new comment's id (`<postid>_<commentid>`) or the message's `mid`, else the refusal."""
    return _meta.created(NETWORK, response)


def lookup_request(
    target: Target, outbound_id: str, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """The newest replies under the comment (or post) we answered, with their authors and texts.
    Messages have no such listing by author and text here: their echo carries our `metadata`."""
    if target.kind is Kind.MESSAGE:
        raise CannotReplyError("facebook: a lost Messenger answer is found by its echo, not looked up")
    token = _meta.reply_token(secrets, "page_token", NETWORK)
    params = {"fields": "id,from,message,created_time", "order": "reverse_chronological", "limit": str(LOOKUP_LIMIT)}
    return HttpRequest(f"{_meta.graph_api(settings)}/{_reply_node(target)}/comments", params, _meta.bearer(token))


def lookup_result(response: HttpResponse, target: Target, outbound_id: str, *, text: str = "") -> Posted | None:
    """Our comment among them: `from.id` is the Page and `message` is the text we sent. The
    contract's lookup passes no text: without it nothing can be recognised (None)."""
    return _meta.found(response, target.account, "message", text)


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Hide/unhide or delete the customer's comment (delete: also a visitor post); ban/unban its author."""
    token = _meta.reply_token(secrets, "page_token", NETWORK)
    api, headers = _meta.graph_api(settings), _meta.bearer(token)
    if action in ("ban", "unban"):
        page = _meta.account_of(target, NETWORK, "Page")
        if not target.author.known or target.author.id.startswith("unknown-"):
            raise CannotReplyError("facebook: the author of this comment is not known, so cannot be banned")
        who = {("psid" if target.kind is Kind.MESSAGE else "user"): target.author.id}
        if action == "ban":
            return HttpRequest(f"{api}/{page}/blocked", headers=headers, method="POST", form=who)
        return HttpRequest(f"{api}/{page}/blocked", who, headers, method="DELETE")
    if target.kind is Kind.MESSAGE:
        raise CannotReplyError(f"facebook: a Messenger message cannot be {action}d; ban its sender instead")
    if action in ("hide", "unhide") and target.kind in (Kind.COMMENT, Kind.REPLY):
        hidden = "true" if action == "hide" else "false"
        return HttpRequest(f"{api}/{target.external_id}", headers=headers, method="POST", form={"is_hidden": hidden})
    if action == "delete":
        return HttpRequest(f"{api}/{target.external_id}", headers=headers, method="DELETE")
    raise CannotReplyError(f"facebook: {action} is not offered for a {target.kind.value}")


def moderation_result(action: str, response: HttpResponse, target: Target | None = None) -> Posted | Refused:
    """`{"success": true}`; the moderated object (the comment, or the banned author) comes from
    `target`, as Meta's answer names none."""
    object_id = target.author.id if target is not None and action in ("ban", "unban") else None
    return _meta.applied(NETWORK, response, target, object_id)
