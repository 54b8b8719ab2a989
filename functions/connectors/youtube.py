"""YouTube Data API v3: comments on the brand's channels and videos, and (opt-in) videos naming the brand.

Wire contract (../shared/reference/polls.md, "YouTube Data API v3"):
- `commentThreads.list` [confirmed]: `GET /youtube/v3/commentThreads?part=snippet,replies` with exactly
  one of `allThreadsRelatedToChannelId` / `videoId`, `order=time`, `maxResults` ≤ 100, `pageToken`,
  `textFormat=plainText`; 1 quota unit a page. Threads carry `snippet.videoId`, `snippet.totalReplyCount`,
  `snippet.topLevelComment` {`id`, `snippet`: `textDisplay`, `authorDisplayName`, `authorChannelId.value`,
  `authorChannelUrl`, `likeCount`, `publishedAt`} and `replies.comments[]` (a subset; reply
  `snippet.parentId`). The API key goes in `key=` [confirmed generally].
- `search.list` [confirmed parameters]: `part=snippet&type=video&order=date&q=&publishedAfter=
  &publishedBefore=&maxResults=&pageToken=`; `order=date` is newest first; `maxResults` ≤ 50
  [unconfirmed]; ~100 units a call or one of 100 search calls a day, reset at midnight Pacific.
- Errors: 403 with `error.errors[].reason` `quotaExceeded` / `rateLimitExceeded` [unconfirmed], and
  the reasons `dailyLimitExceeded`, `keyInvalid`, `commentsDisabled`, `videoNotFound` [unconfirmed,
  from memory of the API's error pages]; all kept in the named sets below.
- Permalink `https://www.youtube.com/watch?v={videoId}&lc={commentId}` [unconfirmed]: `_comment_url`.

Sweeps are newest first by `publishedAt`. A pinned thread is listed first whatever its age [seen in
real answers, not documented]: the sweep ends by the page's last thread, so it neither ends a sweep
nor moves the mark; replies are not part of the order (`Seen.ordered` False). Limits, by design:
- An edited comment keeps its id and its `publishedAt` (only `updatedAt` moves): it is not emitted
  again, so the stored text is the one first seen.
- `order=time` orders threads by their top-level comment [unconfirmed]: a new reply to a thread older
  than the sweep's last page is not seen (that would cost a `comments.list?parentId=` per thread), and
  `replies.comments[]` holds only some of a thread's replies.
- Replies written by the brand's own channels (`settings.channels`) are emitted with `by_brand=True`
  (our reply coming back: its id is the one `comments.insert` answered); the brand's own top-level
  comments and videos are dropped.
- `commentsDisabled` on a video is not a failure: the target yields an empty page and its cursor
  carries `disabled: True` (for an operator looking at a silent target) until comments come back.
No ETag use: conditional requests are not in polls.md, so an unchanged source costs one unit a poll.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functions.connectors._answers import by_status, json_of, said, wait_seconds
from functions.connectors._google import google_error
from functions.core.channels import (
    HIDDEN,
    NOT_GIVEN,
    ROUNDED,
    ChannelStats,
    Engagement,
    PostStats,
    ScopeMissingError,
    mark,
)
from functions.core.mention import Author, Kind, Mention, Metrics, Thread, format_time, parse_time
from functions.core.polls import (
    Credentials,
    Cursor,
    Fetch,
    HttpRequest,
    HttpResponse,
    MalformedPayloadError,
    PollError,
    PollPage,
    PollTarget,
    RateLimitedError,
    Seen,
    TokenInvalidError,
    check,
    floor,
    html_to_text,
    optional_int,
    retry_after,
    search_targets,
    setting,
    sweep,
    until,
)
from functions.core.query import Query, to_youtube
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.core.webhooks import Delivery

NETWORK = "youtube"
DISPLAY_NAME = "YouTube"
DELIVERY: Delivery = "poll"
POLL_MINUTES = 30  # one search target polled every 30 minutes spends 48 of the 100 daily search calls
SECRETS: tuple[str, ...] = ("api_key",)
API = "https://www.googleapis.com"
THREADS_PAGE = 100
SEARCH_PAGE = 50
SITE = "https://www.youtube.com"

QUOTA_ZONE = "America/Los_Angeles"  # daily quotas reset at midnight Pacific
QUOTA_FALLBACK = 3600.0  # seconds to wait for a daily quota when the time zone database is missing
QUOTA_SLACK = 60.0  # ask again a minute after the reset, not on the stroke of midnight
DAILY_QUOTA = frozenset({"quotaExceeded", "dailyLimitExceeded"})
SHORT_LIMIT = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
BAD_KEY = frozenset({"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED"})
COMMENTS_OFF = "commentsDisabled"

CHANNEL, VIDEO = "allThreadsRelatedToChannelId", "videoId"  # the commentThreads.list filters we use
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# -------------------------------------------------------------------------------------------- targets


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    """One target per own channel and listed video (every comment counts), plus searches if asked."""
    api = setting(settings, "api", API)
    channels, videos = _ids(settings, "channels"), _ids(settings, "videos")
    search = settings.get("search", False)
    if not isinstance(search, bool):
        raise ValueError("settings.search must be true or false")
    own = tuple(channels)
    found = [_comments_target(brand, query, api, own, by=CHANNEL, item=c) for c in channels]
    found += [_comments_target(brand, query, api, own, by=VIDEO, item=v) for v in videos]
    if search:
        found += search_targets(brand, query, to_youtube, api=api, own=own)
    if not found:
        raise ValueError("youtube needs settings.channels, settings.videos or settings.search: true")
    return tuple(found)


def _ids(settings: Mapping[str, Any], name: str) -> list[str]:
    """A list of channel or video ids, each once."""
    value = settings.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and _ID.match(v) for v in value):
        raise ValueError(f"settings.{name} must be a list of YouTube ids (letters, digits, - and _)")
    if len(set(value)) != len(value):
        raise ValueError(f"settings.{name} lists an id twice")
    return value


def _comments_target(brand: str, query: Query, api: str, own: tuple[str, ...], *, by: str, item: str) -> PollTarget:
    prefix = "channel" if by == CHANNEL else "video"
    params = {"api": api, "filter": by, "id": item, "own": own}
    return PollTarget(brand, f"{prefix}:{item}", params, query=query, match=False)


# ----------------------------------------------------------------------------------------------- poll


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    key = credentials.secrets.get("api_key")
    if not key:
        raise TokenInvalidError("youtube: the api_key secret is not configured")
    if "q" in target.params:
        return _search(http, key, target, cursor, now)
    return _threads(http, key, target, cursor, now)


def _threads(http: Fetch, key: str, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    params = {
        "part": "snippet,replies",
        target.params["filter"]: target.params["id"],
        "order": "time",
        "maxResults": str(THREADS_PAGE),
        "textFormat": "plainText",
        "key": key,
    } | _page(cursor)
    response = _checked(http(HttpRequest(f"{target.params['api']}/youtube/v3/commentThreads", params)), now)
    current = {k: v for k, v in cursor.items() if k != "disabled"}
    if response is None:
        _, state, _ = sweep(current, (), None)
        return PollPage((), {**state, "disabled": True})
    body = response.json()
    scope = _Scope(target.brand, frozenset(target.params["own"]))
    listed = [found for thread in _items(body) for found in _thread(thread, scope)]
    return _page_of(current, listed, body.get("nextPageToken"))


def _search(http: Fetch, key: str, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    params = (
        {
            "part": "snippet",
            "type": "video",
            "order": "date",
            "q": target.params["q"],
            "maxResults": str(SEARCH_PAGE),
            "key": key,
        }
        | _window(cursor)
        | _page(cursor)
    )
    response = _checked(http(HttpRequest(f"{target.params['api']}/youtube/v3/search", params)), now)
    if response is None:
        raise PollError("youtube: search.list answered commentsDisabled")
    body = response.json()
    scope = _Scope(target.brand, frozenset(target.params["own"]))
    listed = [_video(item, scope) for item in _items(body)]
    return _page_of(cursor, listed, body.get("nextPageToken"))


def _page(cursor: Cursor) -> dict[str, str]:
    page = cursor.get("page")
    return {"pageToken": page} if isinstance(page, str) and page else {}


def _window(cursor: Cursor) -> dict[str, str]:
    """`publishedAfter` a second before the floor (whether the bound is inclusive is unconfirmed; the
    sweep drops what it already emitted at the mark) and `publishedBefore` the backfill's end."""
    low, high = floor(cursor), until(cursor)
    window = {"publishedAfter": format_time(low - timedelta(seconds=1))} if low else {}
    return window | ({"publishedBefore": format_time(high)} if high else {})


def _page_of(cursor: Cursor, listed: list[tuple[Seen, Mention | None]], next_page: Any) -> PollPage:
    """Sweep over everything listed (own comments too: they are part of the order); emit the mentions."""
    token = next_page if isinstance(next_page, str) and next_page else None
    emit, state, more = sweep(cursor, (seen for seen, _ in listed), token)
    mentions = {m.external_id: m for seen, m in listed if m is not None and seen.id in emit}
    return PollPage(tuple(mentions.values()), state, more)


def _items(body: Any) -> list[Any]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise MalformedPayloadError("youtube: no 'items' list in the answer")
    return items


# -------------------------------------------------------------------------------------------- errors


def _checked(response: HttpResponse, now: datetime) -> HttpResponse | None:
    """Google's errors by reason; None for `commentsDisabled`, which is a state, not a failure."""
    if response.status not in (400, 403, 404):
        return check(response, NETWORK, now)
    error = google_error(response)
    reasons, message = error.reasons, error.message
    said = f"youtube: HTTP {response.status} {','.join(sorted(reasons)) or 'no reason'}: {message}"
    if COMMENTS_OFF in reasons:
        return None
    if reasons & DAILY_QUOTA:
        raise RateLimitedError(said, quota_reset_seconds(now))
    if reasons & SHORT_LIMIT:
        raise RateLimitedError(said, retry_after(response, now))
    if response.status == 403 or reasons & BAD_KEY:
        raise TokenInvalidError(said)
    raise PollError(said)


def quota_reset_seconds(now: datetime) -> float:
    """Seconds until the next midnight in Pacific time, when YouTube's daily quotas reset."""
    try:
        zone = ZoneInfo(QUOTA_ZONE)
    except ZoneInfoNotFoundError:
        return QUOTA_FALLBACK
    midnight = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(), tzinfo=zone)
    return (midnight - now).total_seconds() + QUOTA_SLACK


# ------------------------------------------------------------------------------------------ mentions


@dataclass(frozen=True)
class _Scope:
    """Whose mentions these are, and which authors are the brand itself."""

    brand: str
    own: frozenset[str]


def _thread(item: Any, scope: _Scope) -> Iterator[tuple[Seen, Mention | None]]:
    """A thread's top-level comment, then the replies it carries."""
    snippet = item.get("snippet") if isinstance(item, dict) else None
    top = snippet.get("topLevelComment") if isinstance(snippet, dict) else None
    if not isinstance(snippet, dict) or not isinstance(top, dict):
        raise MalformedPayloadError("youtube: a comment thread without snippet.topLevelComment")
    video = snippet.get("videoId") if isinstance(snippet.get("videoId"), str) else None
    yield _comment(top, scope, Thread(video, video), snippet.get("totalReplyCount"))
    for reply in _replies(item):
        parent = reply["snippet"].get("parentId") or top.get("id")
        seen, mention = _comment(reply, scope, Thread(video, str(parent)), None)
        yield replace(seen, ordered=False), mention  # `order=time` sorts threads, not their replies


def _replies(thread: Mapping[str, Any]) -> list[Any]:
    replies = thread.get("replies")
    found = replies.get("comments") if isinstance(replies, dict) else None
    if not isinstance(found, list) or not all(
        isinstance(r, dict) and isinstance(r.get("snippet"), dict) for r in found
    ):
        return [] if found is None else _malformed("a reply without snippet")
    return found


def _malformed(what: str) -> Any:
    raise MalformedPayloadError(f"youtube: {what}")


def _comment(comment: Any, scope: _Scope, thread: Thread, replies: Any) -> tuple[Seen, Mention | None]:
    """A top-level comment (its parent is the video) or a reply (its parent is the top-level comment)."""
    snippet = comment.get("snippet") if isinstance(comment, dict) else None
    if not isinstance(snippet, dict) or not comment.get("id") or not isinstance(snippet.get("publishedAt"), str):
        raise MalformedPayloadError("youtube: a comment without id or snippet.publishedAt")
    item, at = str(comment["id"]), _time(snippet["publishedAt"])
    author = _author(snippet)
    text = str(snippet.get("textDisplay") or snippet.get("textOriginal") or "").strip()
    reply = thread.parent_id != thread.root_id
    if (author.id in scope.own and not reply) or not text:
        return Seen(item, at), None
    return Seen(item, at), Mention(
        network=NETWORK,
        external_id=item,
        kind=Kind.REPLY if reply else Kind.COMMENT,
        brand=scope.brand,
        author=author,
        text=text,
        url=_comment_url(thread.root_id, item),
        created_at=at,
        thread=thread,
        metrics=Metrics(likes=optional_int(snippet.get("likeCount")), replies=optional_int(replies)),
        event="commentThreads.list",
        by_brand=author.id in scope.own,
    )


def _author(snippet: Mapping[str, Any]) -> Author:
    """The commenter's channel; display names are `@handle` since YouTube's handles [unconfirmed]."""
    channel = snippet.get("authorChannelId")
    channel_id = channel.get("value") if isinstance(channel, dict) else None
    name = str(snippet.get("authorDisplayName") or "")
    return Author(
        id=str(channel_id or name),
        handle=name.removeprefix("@") if name.startswith("@") else None,
        name=name or None,
        url=snippet.get("authorChannelUrl") or None,
    )


def _video(item: Any, scope: _Scope) -> tuple[Seen, Mention | None]:
    """A search hit: the video as a post; title and description are HTML-escaped [unconfirmed]."""
    ids = item.get("id") if isinstance(item, dict) else None
    snippet = item.get("snippet") if isinstance(item, dict) else None
    video = ids.get("videoId") if isinstance(ids, dict) else None
    if not isinstance(video, str) or not isinstance(snippet, dict) or not isinstance(snippet.get("publishedAt"), str):
        raise MalformedPayloadError("youtube: a search result without id.videoId or snippet.publishedAt")
    at, channel = _time(snippet["publishedAt"]), str(snippet.get("channelId") or "")
    parts = (html_to_text(str(snippet.get(k) or "")) for k in ("title", "description"))
    text = "\n\n".join(p for p in parts if p)
    if channel in scope.own or not text:
        return Seen(video, at), None
    return Seen(video, at), Mention(
        network=NETWORK,
        external_id=video,
        kind=Kind.POST,
        brand=scope.brand,
        author=Author(
            id=channel,
            name=html_to_text(str(snippet.get("channelTitle") or "")) or None,
            url=f"{SITE}/channel/{channel}" if channel else None,
        ),
        text=text,
        url=f"{SITE}/watch?v={video}",
        created_at=at,
        event="search.list",
    )


def _comment_url(video: str | None, comment: str) -> str | None:
    """The `lc=` link that opens a video with the comment highlighted [unconfirmed]."""
    return f"{SITE}/watch?v={video}&lc={comment}" if video else None


def _time(value: str) -> datetime:
    try:
        return parse_time(value)
    except ValueError as error:
        raise MalformedPayloadError(f"youtube: bad time {value!r}") from error


# -------------------------------------------------------------------------- the channel's statistics
# ../shared/specs/google-discovery.youtube.v3.json (excerpt in tests/contracts/channels/) [confirmed]:
# `channels.list?part=statistics,contentDetails,snippet&id=` → `statistics.subscriberCount` (a string),
# `hiddenSubscriberCount`, `contentDetails.relatedPlaylists.uploads`; `playlistItems.list?part=
# contentDetails&playlistId=&maxResults=50` → `contentDetails.videoId`, `videoPublishedAt`;
# `videos.list?part=statistics,snippet&id=<≤50 ids>` → `viewCount`, `likeCount`, `commentCount` (strings,
# absent when the owner hides ratings or turns comments off). Counts above 1,000 subscribers are
# rounded down to three significant figures (channels.list's policy note) [confirmed]. Shares are not
# in the Data API (only in YouTube Analytics, 48-72 h late, with the owner's OAuth) [confirmed].
# Uploads newest first [unconfirmed]: the window is also checked per video.

STATS_SECRETS = ("api_key",)
STATS_UPLOADS = 50  # one playlistItems page: 50 uploads cover a week of any brand channel
SCOPE_REASONS = frozenset({"insufficientPermissions", "forbidden"})
ENGAGEMENT = Engagement(
    label="ER = (likes + comments on the channel's videos of the last 7 days) / subscribers",
    actions=("likes", "comments"),
    source="YouTube publishes no ER; shares are only in YouTube Analytics, so they are left out",
)


def stats_accounts(accounts: tuple[str, ...], settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The brand's own channels: `settings.channels`, as for the comment polls."""
    return tuple(_ids(settings, "channels")) or accounts


def channel_stats(
    http: Fetch, credentials: Credentials, account: str, settings: Mapping[str, Any], now: datetime, *, days: int = 7
) -> ChannelStats:
    """Subscribers (rounded by YouTube, or hidden) and the channel's uploads of the last `days` days."""
    api, key = setting(settings, "api", API), credentials.secrets.get("api_key")
    if not key:
        raise TokenInvalidError("youtube: no api_key secret configured")
    parts = {"part": "statistics,contentDetails,snippet", "id": account, "key": key}
    items = _stats_call(http, f"{api}/youtube/v3/channels", parts, now).get("items")
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise PollError(f"youtube: channel {account} not found")
    channel = items[0]
    statistics = _object(channel.get("statistics"))
    uploads = _object(_object(channel.get("contentDetails")).get("relatedPlaylists")).get("uploads")
    subscribers, marks = _subscribers(statistics)
    marks["shares"] = mark(NOT_GIVEN, "shares are only in YouTube Analytics (owner OAuth, 48-72 h late)")
    posts: tuple[PostStats, ...] = ()
    if isinstance(uploads, str) and uploads:
        posts = _recent_videos(http, api, key, uploads, since=now - timedelta(days=days), now=now)
    hidden = [p.id for p in posts if p.likes is None]
    if hidden:
        marks["likes"] = mark(HIDDEN, f"{len(hidden)} video(s) hide their like count; counted without likes")
    title = _object(channel.get("snippet")).get("title")
    return ChannelStats(NETWORK, account, now, subscribers, posts, str(title) if title else None, marks, days)


def _subscribers(statistics: Mapping[str, Any]) -> tuple[int | None, dict[str, str]]:
    if statistics.get("hiddenSubscriberCount") is True:
        return None, {"subscribers": mark(HIDDEN, "the channel hides its subscriber count")}
    raw = statistics.get("subscriberCount")
    value = int(raw) if isinstance(raw, str) and raw.isdigit() else None
    if value is None:
        return None, {"subscribers": mark(HIDDEN, "subscriberCount not given")}
    if value >= 1000:
        return value, {"subscribers": mark(ROUNDED, "YouTube rounds counts above 1,000 down to 3 significant figures")}
    return value, {}


def _recent_videos(
    http: Fetch, api: str, key: str, playlist: str, *, since: datetime, now: datetime
) -> tuple[PostStats, ...]:
    params = {"part": "contentDetails", "playlistId": playlist, "maxResults": str(STATS_UPLOADS), "key": key}
    listed = _stats_call(http, f"{api}/youtube/v3/playlistItems", params, now).get("items")
    recent = []
    for item in listed if isinstance(listed, list) else []:
        details = item.get("contentDetails") if isinstance(item, dict) else None
        video, published = (details or {}).get("videoId"), (details or {}).get("videoPublishedAt")
        if isinstance(video, str) and isinstance(published, str) and parse_time(published) >= since:
            recent.append(video)
    if not recent:
        return ()
    params = {"part": "statistics,snippet", "id": ",".join(recent), "key": key}
    videos = _stats_call(http, f"{api}/youtube/v3/videos", params, now).get("items")
    return tuple(_upload(v) for v in (videos if isinstance(videos, list) else []) if isinstance(v, dict))


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _upload(item: Mapping[str, Any]) -> PostStats:
    snippet, statistics = _object(item.get("snippet")), _object(item.get("statistics"))
    video = item.get("id")
    if not isinstance(video, str) or not isinstance(snippet.get("publishedAt"), str):
        raise MalformedPayloadError("youtube: a video without id or snippet.publishedAt")

    def number(name: str) -> int | None:
        raw = statistics.get(name)
        return int(raw) if isinstance(raw, str) and raw.isdigit() else None

    return PostStats(
        id=video,
        created_at=parse_time(snippet["publishedAt"]),
        url=f"{SITE}/watch?v={video}",
        thread_id=video,
        likes=number("likeCount"),
        comments=number("commentCount"),
        views=number("viewCount"),
        text=str(snippet.get("title") or "")[:140],
    )


def _stats_call(http: Fetch, url: str, params: Mapping[str, str], now: datetime) -> Mapping[str, Any]:
    response = http(HttpRequest(url, params))
    if response.status in (400, 401, 403, 404):
        error = google_error(response)
        said = f"youtube: HTTP {response.status} {','.join(sorted(error.reasons)) or 'no reason'}: {error.message}"
        if error.reasons & DAILY_QUOTA:
            raise RateLimitedError(said, quota_reset_seconds(now))
        if error.reasons & SHORT_LIMIT:
            raise RateLimitedError(said, retry_after(response, now))
        if error.reasons & BAD_KEY or response.status == 401:
            raise TokenInvalidError(said)
        if error.reasons & SCOPE_REASONS:
            raise ScopeMissingError(said)
        raise PollError(said)
    body = check(response, NETWORK, now).json()
    if not isinstance(body, dict):
        raise MalformedPayloadError("youtube: an answer that is not a JSON object")
    return body


# ------------------------------------------------------------------------------ replies, moderation
# ../shared/reference/replies.md §8 and the discovery document (excerpt in tests/contracts/replies/)
# [confirmed]: `POST /youtube/v3/comments?part=snippet` {"snippet": {"parentId", "textOriginal"}} with
# the brand channel's OAuth token (scope youtube.force-ssl; an API key cannot write) → Comment {id,
# snippet}; one level of replies, so the parent is always the top-level comment (a reply's id is
# `<top-level id>.<suffix>`). `comments.list?part=snippet&parentId=` lists a thread's replies.
# `comments.setModerationStatus?id=&moderationStatus=heldForReview|published|rejected[&banAuthor=true]`
# → 204. Reasons [confirmed]: commentTextRequired, commentTextTooLong, invalidCustomEmoji,
# parentIdMissing, processingFailure, operationNotSupported, parentCommentIsPrivate (400), forbidden,
# ineligibleAccount (403), banWithoutReject (400). [unconfirmed]: quotaExceeded/rateLimitExceeded as 403,
# commentNotFound 404, 401 for a revoked token, the 10,000-character limit. No idempotency: after a lost
# answer the worker looks our reply up under the parent. Unban has no Data API call; nor has a reply
# to a video (a new top-level comment would be `commentThreads.insert`: not offered here).

REPLY_SECRETS: tuple[str, ...] = ("oauth_token",)
REPLY_LIMIT = 10_000
REPLY_IDEMPOTENT = False
MODERATION: tuple[str, ...] = ("hide", "unhide", "delete", "restore", "ban")
_STATUS = {"hide": "heldForReview", "unhide": "published", "delete": "rejected", "restore": "published"}
REPLY_GONE = frozenset({"parentCommentIsPrivate", "operationNotSupported", "commentNotFound", COMMENTS_OFF})
REPLY_PERM = frozenset({"forbidden", "ineligibleAccount", "insufficientPermissions"})
REPLY_AUTH = frozenset({"authError", "unauthorized"})


def reply_request(  # noqa: PLR0917 (the signature of the shared reply contract)
    target: Target,
    text: str,
    outbound_id: str,
    settings: Mapping[str, Any],
    secrets: Mapping[str, str],
    now: datetime,
    *,
    private: bool = False,
) -> HttpRequest:
    """A reply under the customer's top-level comment (YouTube threads are one level deep)."""
    if private:
        raise CannotReplyError("youtube: there are no private messages on YouTube")
    return HttpRequest(
        f"{setting(settings, 'api', API)}/youtube/v3/comments",
        {"part": "snippet"},
        _bearer(secrets),
        method="POST",
        json_body={"snippet": {"parentId": _top_level(target), "textOriginal": text}},
    )


def reply_result(response: HttpResponse) -> Posted | Refused:
    """The created Comment: its id is the id our poll gives the reply when it comes back."""
    if response.status == 200:
        comment = json_of(response)
        if isinstance(comment, dict) and isinstance(comment.get("id"), str):
            return Posted(comment["id"], _posted_url(comment))
        return Refused(Failure.TRANSIENT, "youtube: a 200 answer without the comment id")
    return _refused(response)


def lookup_request(
    target: Target, outbound_id: str, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """The thread's replies, to find ours after a lost answer (the newest 100 are enough)."""
    params = {"part": "snippet", "parentId": _top_level(target), "maxResults": "100", "textFormat": "plainText"}
    return HttpRequest(f"{setting(settings, 'api', API)}/youtube/v3/comments", params, _bearer(secrets))


def lookup_result(
    response: HttpResponse, target: Target, outbound_id: str, *, text: str | None = None
) -> Posted | None:
    """Our reply: written by the brand channel (`target.account`) and, when given, with this text.

    Without `text` (the contract's reader does not get it) the brand's newest reply under the parent
    counts as ours: right unless the brand already answered that thread another time."""
    listed = json_of(response) if response.status == 200 else None
    items = listed.get("items") if isinstance(listed, dict) else None
    ours = [c for c in items or [] if isinstance(c, dict) and _by(c, target.account) and _says(c, text)]
    if not target.account or not ours:
        return None
    newest = max(ours, key=lambda c: str(c["snippet"].get("publishedAt") or ""))
    return Posted(str(newest["id"]), _posted_url(newest))


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """`setModerationStatus` on the customer's comment; ban = rejected + banAuthor (no unban call)."""
    if action not in MODERATION:
        raise CannotReplyError(f"youtube: '{action}' is not offered by the Data API")
    if target.kind is Kind.POST:
        raise CannotReplyError("youtube: a video is not a comment to moderate")
    params = {"id": target.external_id, "moderationStatus": _STATUS.get(action, "rejected")}
    if action == "ban":
        params["banAuthor"] = "true"
    url = f"{setting(settings, 'api', API)}/youtube/v3/comments/setModerationStatus"
    return HttpRequest(url, params, _bearer(secrets), method="POST")


def moderation_result(action: str, response: HttpResponse) -> Posted | Refused:
    """204 and no body: the comment's id is the target's (the answer does not repeat it)."""
    if response.status in (200, 204):
        return Posted("")
    return _refused(response)


def _bearer(secrets: Mapping[str, str]) -> dict[str, str]:
    token = secrets.get("oauth_token")
    if not token:
        raise CannotReplyError(
            "youtube: the brand channel's OAuth token (secret 'oauth_token') is missing", Failure.AUTH
        )
    return {"Authorization": f"Bearer {token}"}


def _top_level(target: Target) -> str:
    if target.kind is Kind.POST:
        raise CannotReplyError("youtube: answering a video needs a new top-level comment, which is not offered")
    return target.external_id.split(".", 1)[0]


def _by(comment: Mapping[str, Any], channel: str) -> bool:
    snippet = comment.get("snippet")
    author = snippet.get("authorChannelId") if isinstance(snippet, dict) else None
    return isinstance(author, dict) and author.get("value") == channel and isinstance(comment.get("id"), str)


def _says(comment: Mapping[str, Any], text: str | None) -> bool:
    snippet = comment["snippet"]
    written = str(snippet.get("textOriginal") or snippet.get("textDisplay") or "")
    return text is None or written.strip() == text.strip()


def _posted_url(comment: Mapping[str, Any]) -> str | None:
    snippet = comment.get("snippet")
    video = snippet.get("videoId") if isinstance(snippet, dict) else None
    return _comment_url(video if isinstance(video, str) else None, str(comment["id"]))


def _refused(response: HttpResponse) -> Refused:
    """Google's reasons first (quota, gone, permission), else the status's class."""
    error = google_error(response)
    reasons = error.reasons
    text = said(NETWORK, response, f"{','.join(sorted(reasons)) or 'no reason'}: {error.message}")
    if reasons & DAILY_QUOTA:
        stamp = response.header("Date")
        return Refused(
            Failure.RATE, text, quota_reset_seconds(parsedate_to_datetime(stamp)) if stamp else QUOTA_FALLBACK
        )
    if reasons & SHORT_LIMIT:
        return Refused(Failure.RATE, text, wait_seconds(response))
    if response.status == 401 or reasons & REPLY_AUTH:
        return Refused(Failure.AUTH, text)
    if reasons & REPLY_GONE:
        return Refused(Failure.GONE, text)
    if reasons & REPLY_PERM:
        return Refused(Failure.PERM, text)
    if response.status == 400:
        return Refused(Failure.INVALID, text)
    return by_status(response, text)


def _until_quota_reset(response: HttpResponse) -> float:
    """Midnight Pacific, measured from the answer's `Date` (the reader has no clock)."""
    try:
        return quota_reset_seconds(parsedate_to_datetime(response.header("Date") or ""))
    except (TypeError, ValueError):
        return QUOTA_FALLBACK
