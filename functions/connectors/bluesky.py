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
still costs one request, but no writes. `raw_ref` keeps the content ids a reply's strong refs need
(`{"cid": <the post's>, "root_cid": <its thread root's, when it is a reply>}`). A post by the brand's
own account (`settings.account`, its DID or handle) is emitted with `by_brand=True`.

Replies and moderation: the section at the end of this module, docs/replies/bluesky.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.connectors._answers import by_status, json_of, said
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
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.core.replytext import graphemes
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
_ACCOUNT = re.compile(r"^(did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$")


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    return search_targets(brand, query, to_bluesky, pds=setting(settings, "pds", PDS), account=_account(settings))


def _account(settings: Mapping[str, Any]) -> str:
    """The brand's own account, its DID or handle ("" when not set): repo of our replies, and the
    author whose posts are the brand's."""
    value = settings.get("account", "")
    if not isinstance(value, str) or (value and not _ACCOUNT.match(value)):
        raise ValueError("settings.account must be the brand's DID (did:plc:...) or handle (acme.bsky.social)")
    return value


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
    account = str(target.params.get("account") or "")
    found = {m.external_id: m for m in (_mention(post, target.brand, account) for post in posts) if m is not None}
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


def _mention(post: Any, brand: str, account: str = "") -> Mention | None:
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
        raw_ref=_cids(post, reply),
        by_brand=bool(account) and account in (post["author"].get("did"), post["author"].get("handle")),
    )


def _cids(post: Mapping[str, Any], reply: Any) -> str | None:
    """The content ids a reply to this post needs for its strong refs: its own and its root's."""
    cid = post.get("cid")
    if not isinstance(cid, str) or not cid:
        return None
    root = reply.get("root") if isinstance(reply, dict) else None
    root_cid = root.get("cid") if isinstance(root, dict) else None
    refs = {"cid": cid} | ({"root_cid": root_cid} if isinstance(root_cid, str) else {})
    return json.dumps(refs, separators=(",", ":"))


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


# ------------------------------------------------------------------------------ replies, moderation
# ../shared/reference/replies.md §10 and the lexicons (tests/contracts/replies/) [confirmed]:
# `POST {pds}/xrpc/com.atproto.repo.createRecord` {repo, collection: app.bsky.feed.post, rkey?, record:
# {$type, text ≤ 300 graphemes / 3000 bytes, createdAt, facets?, reply: {root, parent}}} → {uri, cid};
# `root` and `parent` are strong refs (uri + cid): parent = the post we answer, root = its thread's
# first post (the parent itself when it is top level). A mention is a facet
# `app.bsky.richtext.facet#mention {did}` over UTF-8 byte offsets. We choose the record key: a TID
# derived from `outbound_id`, so a retry writes the same key and the PDS refuses it as existing
# [unconfirmed: error name and wording], which counts as posted (DUP; `lookup_request` reads the
# record back for its uri). Limits [confirmed]: 5000 points/h per DID (a create costs 3), 429 with
# `ratelimit-reset` (epoch). Ban = an `app.bsky.graph.block` record whose key is derived from the
# author's DID (unban deletes that key) [lexicon not copied; shape from replies.md]. Left out: DMs
# (the chat service behind `atproto-proxy`), hiding replies with a threadgate (only in threads the
# brand started, and a read-modify-write of one record), deleting others' posts (impossible).
# Auth: the poll's `authenticate` (createSession) gives `Credentials.headers`; the worker passes its
# `Authorization` value as `secrets["authorization"]`. The repo is `settings.account`.

REPLY_SECRETS: tuple[str, ...] = SECRETS
REPLY_LIMIT = 300  # graphemes (`reply_length`)
REPLY_IDEMPOTENT = True
REPLY_SESSION = True  # the worker calls `authenticate` and passes the session as secrets["authorization"]
MODERATION: tuple[str, ...] = ("ban", "unban")
POST = "app.bsky.feed.post"
BLOCK = "app.bsky.graph.block"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
_BLOCK_EPOCH_US = 1_700_000_000_000_000  # block keys sit in Nov 2023: a plausible past TID time
_DUPLICATE = ("already exists", "duplicate")


def tid(micros: int, clock: int) -> str:
    """A TID record key: 13 base32-sortable characters of (microseconds << 10 | clock id)."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> (5 * n)) & 31] for n in reversed(range(13)))


def reply_key(outbound_id: str, target: Target) -> str:
    """The TID of our reply: the customer's post time plus up to 71 minutes picked by a hash of
    `outbound_id`, so it is the same on every retry, differs per reply part whatever the id's
    format, and never precedes the post."""
    digest = hashlib.sha256(outbound_id.encode()).hexdigest()
    start = int(target.created_at.timestamp() * 1_000_000)
    return tid(start + int(digest[:8], 16), int(digest[8:11], 16))


def address(target: Target) -> str:
    """`@handle `: turned into a mention facet by `reply_request`."""
    return f"@{target.author.handle} " if target.author.handle else ""


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
    """A post in the customer's thread, with our chosen record key."""
    if private:
        raise CannotReplyError("bluesky: direct messages (chat.bsky) are not offered")
    refs = _refs(target)
    record: dict[str, Any] = {
        "$type": POST,
        "text": text,
        "createdAt": now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "reply": refs,
    }
    facets = _mention_facet(target, text)
    if facets:
        record["facets"] = facets
    call = {"repo": _repo(settings), "collection": POST, "rkey": reply_key(outbound_id, target), "record": record}
    return _procedure(settings, secrets, "com.atproto.repo.createRecord", call)


def reply_result(response: HttpResponse) -> Posted | Refused:
    """The created post's `uri` (the poll's id for it); an existing key means it was posted before."""
    answer = json_of(response)
    if response.status == 200 and isinstance(answer, dict) and isinstance(answer.get("uri"), str):
        return Posted(answer["uri"], _web_url(answer["uri"]))
    return _refused(response, answer)


def lookup_request(
    target: Target, outbound_id: str, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Our reply's record, read back by its key (after a lost answer or a DUP)."""
    params = {"repo": _repo(settings), "collection": POST, "rkey": reply_key(outbound_id, target)}
    return HttpRequest(f"{setting(settings, 'pds', PDS)}/xrpc/com.atproto.repo.getRecord", params, _auth(secrets))


def lookup_result(response: HttpResponse, target: Target, outbound_id: str) -> Posted | None:
    answer = json_of(response) if response.status == 200 else None
    uri = answer.get("uri") if isinstance(answer, dict) else None
    return Posted(uri, _web_url(uri)) if isinstance(uri, str) else None


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Block (ban) the author with a record keyed by their DID, or delete that record (unban)."""
    if action not in MODERATION:
        raise CannotReplyError(f"bluesky: no '{action}' (others' posts cannot be hidden or deleted here)")
    did = target.author.id
    if not did.startswith("did:"):
        raise CannotReplyError("bluesky: the author's DID is unknown")
    key = tid(_BLOCK_EPOCH_US + int(hashlib.sha256(did.encode()).hexdigest()[:10], 16), 0)
    call: dict[str, Any] = {"repo": _repo(settings), "collection": BLOCK, "rkey": key}
    if action == "unban":
        return _procedure(settings, secrets, "com.atproto.repo.deleteRecord", call)
    # moderation_request gets no clock: the block says it was made when the customer posted
    created = target.created_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    call["record"] = {"$type": BLOCK, "subject": did, "createdAt": created}
    return _procedure(settings, secrets, "com.atproto.repo.createRecord", call)


def moderation_result(action: str, response: HttpResponse) -> Posted | Refused:
    answer = json_of(response)
    if response.status == 200:
        uri = answer.get("uri") if isinstance(answer, dict) else None
        return Posted(uri if isinstance(uri, str) else "")
    return _refused(response, answer)


def _refs(target: Target) -> dict[str, dict[str, str]]:
    """`{root, parent}` strong refs from the uris in `thread` and the cids the poll kept in `raw_ref`."""
    try:
        cids = json.loads(target.raw_ref or "")
    except ValueError:
        cids = None
    if not isinstance(cids, dict) or not isinstance(cids.get("cid"), str):
        raise CannotReplyError("bluesky: the post's content id was not kept (polled before replies existed)")
    parent = {"uri": target.external_id, "cid": cids["cid"]}
    if target.thread.root_id is None:
        return {"root": parent, "parent": parent}
    if not isinstance(cids.get("root_cid"), str):
        raise CannotReplyError("bluesky: the thread root's content id is unknown")
    return {"root": {"uri": target.thread.root_id, "cid": cids["root_cid"]}, "parent": parent}


def _mention_facet(target: Target, text: str) -> list[dict[str, Any]]:
    """A mention facet over the leading `@handle` (byte offsets in UTF-8), when the text starts so."""
    handle = f"@{target.author.handle}" if target.author.handle else ""
    if not handle or not text.startswith(handle) or not target.author.id.startswith("did:"):
        return []
    end = len(handle.encode("utf-8"))
    feature = {"$type": "app.bsky.richtext.facet#mention", "did": target.author.id}
    return [{"index": {"byteStart": 0, "byteEnd": end}, "features": [feature]}]


def _repo(settings: Mapping[str, Any]) -> str:
    account = _account(settings)
    if not account:
        raise CannotReplyError("bluesky: settings.account (the brand's DID or handle) is not set")
    return account


def _auth(secrets: Mapping[str, str]) -> dict[str, str]:
    authorization = secrets.get("authorization")
    if not authorization:
        raise CannotReplyError("bluesky: no session (secrets['authorization'] from authenticate)", Failure.AUTH)
    return {"Authorization": authorization}


def _procedure(settings: Mapping[str, Any], secrets: Mapping[str, str], nsid: str, call: Any) -> HttpRequest:
    url = f"{setting(settings, 'pds', PDS)}/xrpc/{nsid}"
    return HttpRequest(url, headers=_auth(secrets), method="POST", json_body=call)


def _web_url(uri: str) -> str | None:
    """https://bsky.app/profile/{did}/post/{rkey} from at://{did}/app.bsky.feed.post/{rkey}."""
    parts = uri.removeprefix("at://").split("/")
    return f"{SITE}/profile/{parts[0]}/post/{parts[2]}" if len(parts) == 3 and parts[1] == POST else None


def _refused(response: HttpResponse, answer: Any) -> Refused:
    """XRPC `{"error", "message"}`: token names → AUTH, an existing key → DUP, other 400s → INVALID."""
    name = str(answer.get("error") or "") if isinstance(answer, dict) else ""
    message = str(answer.get("message") or "") if isinstance(answer, dict) else ""
    text = said(NETWORK, response, f"{name}: {message}" if name else message)
    if name in TOKEN_ERRORS:
        return Refused(Failure.AUTH, text)
    if response.status == 400 and any(word in message.lower() for word in _DUPLICATE):
        return Refused(Failure.DUP, text)
    return by_status(response, text)


def reply_length(text: str) -> int:
    """Bluesky counts a post's 300 in graphemes (functions.core.replies `reply_length`)."""
    return graphemes(text)
