"""Bluesky through `app.bsky.feed.searchPosts`, signed in with an app password: posts that name the brand.

Wire contract (../shared/reference/polls.md, "Bluesky app.bsky.feed.searchPosts"):
- [confirmed] unauthenticated search is refused (403 "Request forbidden by administrative rules"), so
  `authenticate` opens a session: `POST {pds}/xrpc/com.atproto.server.createSession {identifier,
  password}` → `accessJwt` [secondary: issue comments], sent as `Authorization: Bearer`. How long a
  session lives is [unconfirmed] (about 2 hours): the JWT's own `exp` claim is read when it decodes
  (`_jwt_expiry`, no signature check: we only need to know when to renew), else one hour is assumed.
- [confirmed] params `q`, `sort=latest`, `since` (inclusive) / `until` (exclusive) on the post's
  `sortAt`, `limit` 1-100, `cursor`; output `{cursor?, hitsTotal?, posts: [postView]}`; postView
  `uri`, `author` {did, handle, displayName}, `record` {text, createdAt, langs, reply {root, parent}},
  `likeCount`, `replyCount`, `repostCount`, `indexedAt`. The cursor may stop before the end of the
  results: the sweep then closes early, which `since` keeps small.
- [unconfirmed] `sortAt` is the earlier of `createdAt` and `indexedAt` (`_sort_at`): a post dated in
  the future sorts at the time it was indexed.
- [secondary] rate limits (3000 requests / 5 min per IP) come as `ratelimit-remaining` /
  `ratelimit-reset` (epoch): an exhausted budget becomes `PollPage.wait`, a 429 `RateLimitedError`.
- XRPC auth errors: a 400 named `ExpiredToken` / `InvalidToken` (`TOKEN_ERRORS`, from the XRPC
  error names [unconfirmed]) or a 401 are refused credentials. The 403 "administrative rules" answer
  is one too: it is what Bluesky says when a search does not count as signed in, so waiting never
  helps, while dropping the session and signing in again may.
The post `uri` (`at://did/app.bsky.feed.post/rkey`) is the external id. No ETag: an unchanged source
still costs one request, but no writes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.core.mention import Author, Kind, Mention, Metrics, Thread, format_time, from_unix, parse_time
from functions.core.polls import (
    Credentials,
    Cursor,
    Fetch,
    HttpRequest,
    HttpResponse,
    MalformedPayloadError,
    PollPage,
    PollTarget,
    Seen,
    TokenInvalidError,
    check,
    exhausted_wait,
    floor,
    optional_int,
    search_targets,
    setting,
    sweep,
    until,
)
from functions.core.query import Query, to_bluesky
from functions.core.webhooks import Delivery

NETWORK = "bluesky"
DISPLAY_NAME = "Bluesky"
DELIVERY: Delivery = "poll"
POLL_MINUTES = 10
SECRETS: tuple[str, ...] = ("identifier", "app_password")
PDS = "https://bsky.social"
SITE = "https://bsky.app"
PAGE_SIZE = 100
EVENT = "app.bsky.feed.searchPosts"
DEFAULT_SESSION = timedelta(hours=1)  # when the access JWT's `exp` cannot be read
EXPIRY_MARGIN = timedelta(minutes=5)  # renew before the session dies mid-sweep
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing", "AuthenticationRequired"})
INVALID_HANDLE = "handle.invalid"


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    return search_targets(brand, query, to_bluesky, pds=setting(settings, "pds", PDS))


# --------------------------------------------------------------------------------------------- token


def authenticate(http: Fetch, secrets: Mapping[str, str], target: PollTarget, now: datetime) -> Credentials:
    """An app-password session: searchPosts is refused without one."""
    body = {"identifier": secrets.get("identifier", ""), "password": secrets.get("app_password", "")}
    request = HttpRequest(
        f"{target.params['pds']}/xrpc/com.atproto.server.createSession", method="POST", json_body=body
    )
    response = http(request)
    if response.status == 400:  # a well-formed sign-in refused: the account or its password
        raise TokenInvalidError(f"bluesky: createSession refused ({_error_name(response) or 'HTTP 400'})")
    answer = check(response, NETWORK, now).json()
    token = answer.get("accessJwt") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise MalformedPayloadError("bluesky: createSession answered without accessJwt")
    expiry = _jwt_expiry(token)
    return Credentials(
        headers={"Authorization": f"Bearer {token}"},
        expires_at=expiry - EXPIRY_MARGIN if expiry else now + DEFAULT_SESSION,
    )


def _jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT, read without verifying it (only our renewal time depends on it)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # bad base64 (binascii.Error), bad UTF-8 or bad JSON are all ValueErrors
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return from_unix(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def _error_name(response: HttpResponse) -> str | None:
    """The XRPC error name (`{"error": "ExpiredToken", "message": ...}`), if the body has one."""
    try:
        body = response.json()
    except MalformedPayloadError:
        return None
    name = body.get("error") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None


# ---------------------------------------------------------------------------------------------- poll


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    response = http(HttpRequest(f"{target.params['pds']}/xrpc/{EVENT}", _params(target, cursor), credentials.headers))
    if response.status == 400 and _error_name(response) in TOKEN_ERRORS:
        raise TokenInvalidError(f"bluesky: session refused ({_error_name(response)})")
    response = check(response, NETWORK, now)  # 401 and the 403 "administrative rules" → TokenInvalidError
    posts, next_page = _page(response.json())
    found = {m.external_id: m for m in (_mention(post, target.brand) for post in posts) if m is not None}
    emit, state, more = sweep(cursor, (Seen(m.external_id, m.created_at) for m in found.values()), next_page)
    mentions = tuple(m for key, m in found.items() if key in emit)
    return PollPage(mentions, state, more, exhausted_wait(response, now))


def _params(target: PollTarget, cursor: Cursor) -> dict[str, str]:
    """`since` is the sweep's floor, so the search itself stops where the previous sweep ended."""
    params = {"q": target.params["q"], "sort": "latest", "limit": str(PAGE_SIZE)}
    low, high = floor(cursor), until(cursor)
    if low is not None:
        params["since"] = format_time(low)
    if high is not None:
        params["until"] = format_time(high)
    if cursor.get("page"):
        params["cursor"] = str(cursor["page"])
    return params


def _page(body: Any) -> tuple[list[Any], str | None]:
    posts = body.get("posts") if isinstance(body, dict) else None
    if not isinstance(posts, list):
        raise MalformedPayloadError("bluesky: no 'posts' list in the answer")
    token = body.get("cursor")
    return posts, token if isinstance(token, str) and token and posts else None


def _sort_at(record: dict[str, Any], post: dict[str, Any]) -> datetime:
    """The earlier of the author's `createdAt` and the AppView's `indexedAt` (see the module notes)."""
    try:
        created = parse_time(str(record["createdAt"]))
        indexed = parse_time(str(post["indexedAt"]))
    except (KeyError, ValueError) as error:
        raise MalformedPayloadError(f"bluesky: a post without a usable createdAt/indexedAt: {error}") from error
    return min(created, indexed)


def _mention(post: Any, brand: str) -> Mention | None:
    record = post.get("record") if isinstance(post, dict) else None
    if not isinstance(record, dict) or not isinstance(post.get("uri"), str) or not isinstance(post.get("author"), dict):
        raise MalformedPayloadError("bluesky: a post without uri, author or record")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    uri: str = post["uri"]
    reply = record.get("reply")
    root, parent = (_ref(reply.get("root")), _ref(reply.get("parent"))) if isinstance(reply, dict) else (None, None)
    langs = record.get("langs")
    return Mention(
        network=NETWORK,
        external_id=uri,
        kind=Kind.POST if parent is None else Kind.COMMENT if parent == root else Kind.REPLY,
        brand=brand,
        author=_author(post["author"]),
        text=text,
        url=_permalink(post["author"], uri),
        created_at=_sort_at(record, post),
        thread=Thread(root_id=root, parent_id=parent),
        metrics=Metrics(
            likes=optional_int(post.get("likeCount")),
            replies=optional_int(post.get("replyCount")),
            shares=optional_int(post.get("repostCount")),
        ),
        lang=langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None,
        event=EVENT,
    )


def _ref(value: Any) -> str | None:
    """The `uri` of a strong ref (`{uri, cid}`)."""
    uri = value.get("uri") if isinstance(value, dict) else None
    return uri if isinstance(uri, str) else None


def _profile(author: dict[str, Any]) -> str:
    """The handle, or the DID when the handle no longer verifies (`handle.invalid`)."""
    handle = author.get("handle")
    return handle if isinstance(handle, str) and handle and handle != INVALID_HANDLE else str(author.get("did"))


def _author(author: dict[str, Any]) -> Author:
    name = author.get("displayName")
    return Author(
        id=str(author.get("did") or author.get("handle")),
        handle=author.get("handle") if isinstance(author.get("handle"), str) else None,
        name=name if isinstance(name, str) and name else None,
        url=f"{SITE}/profile/{_profile(author)}",
    )


def _permalink(author: dict[str, Any], uri: str) -> str:
    """https://bsky.app/profile/{handle}/post/{rkey}: the rkey is the last segment of the at:// uri."""
    return f"{SITE}/profile/{_profile(author)}/post/{uri.rsplit('/', 1)[-1]}"
