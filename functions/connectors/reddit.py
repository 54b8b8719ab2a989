"""Reddit through its OAuth Data API: new posts that name the brand, and new comments in chosen subreddits.

Wire contract (../shared/reference/polls.md, "Reddit search (JSON listing)"):
- [confirmed] OAuth2 app-only token: `POST https://www.reddit.com/api/v1/access_token`, HTTP Basic
  `client_id:client_secret`, form `grant_type=client_credentials`; then `https://oauth.reddit.com` with
  `Authorization: bearer <token>`. The token answer's fields (`access_token`, `expires_in`) are
  [unconfirmed], so they are read by `_token` alone.
- [confirmed] every request carries a unique User-Agent `<platform>:<app ID>:<version> (by /u/<user>)`:
  default agents are throttled, so `targets` refuses a brand without one (`USER_AGENT_RULE`).
- [confirmed] `X-Ratelimit-Remaining` / `X-Ratelimit-Reset` (seconds): an exhausted budget becomes
  `PollPage.wait`; 429 when exceeded.
- [unconfirmed param list] `GET /search` or `/r/{sub}/search?restrict_sr=1` with `q`, `sort=new`,
  `type=link`, `limit` <= 100, `after` (a fullname), `raw_json=1`; search never returns comments, so
  comments come from `GET /r/{sub}/comments` (newest first) per subreddit named in `comments_in`.
- [unconfirmed field list] Listings `{"kind": "Listing", "data": {"after", "children": [{"kind": "t3"|"t1",
  "data": {...}}]}}`; posts carry `name`, `title`, `selftext`, `author`, `author_fullname`, `created_utc`,
  `permalink`, `score`, `num_comments`; comments `body`, `link_id`, `parent_id`. Listings stop near
  1,000 items, so a sweep pages back only to the previous sweep's mark.
- [unconfirmed, our reading] a private, quarantined or banned subreddit answers 403/404 with a
  `reason` in the body: that is the subreddit refusing us, not our token (`_subreddit_refusal`).
The fullname (`t3_…` / `t1_…`) is the external id, so a post and a comment never collide. Reddit
sends no ETag here: an unchanged source still costs one request, but no writes. A post or comment by
the brand's own account (`settings.account`, a username) is emitted with `by_brand=True`: our reply
coming back has the fullname `/api/comment` answered.

Replies and moderation: the section at the end of this module, docs/replies/reddit.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from functions.connectors._answers import by_status, json_of, said
from functions.core.mention import Author, Kind, Mention, Metrics, Thread, from_unix
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
    Seen,
    TokenInvalidError,
    check,
    exhausted_wait,
    optional_int,
    search_targets,
    setting,
    sweep,
)
from functions.core.query import Query, to_reddit
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.core.webhooks import Delivery

NETWORK = "reddit"
DISPLAY_NAME = "Reddit"
DELIVERY: Delivery = "poll"
POLL_MINUTES = 10
SECRETS: tuple[str, ...] = ("client_id", "client_secret")
API = "https://oauth.reddit.com"
AUTH = "https://www.reddit.com"
SITE = "https://www.reddit.com"
PAGE_SIZE = 100
DEFAULT_TOKEN_SECONDS = 3600  # "historically 3600 s" when the answer names no lifetime
EXPIRY_MARGIN = timedelta(minutes=5)  # renew before the token dies mid-sweep
USER_AGENT_RULE = re.compile(r"^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+:[A-Za-z0-9._+-]+ \(by /u/[A-Za-z0-9_-]{3,20}\)$")
SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
USERNAME = re.compile(r"^[A-Za-z0-9_-]{3,20}$")


# -------------------------------------------------------------------------------------------- targets


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    """Searches (site-wide, or one per `subreddits` entry) plus one comment feed per `comments_in` entry."""
    base = {
        "api": setting(settings, "api", API),
        "auth": setting(settings, "auth", AUTH),
        "user_agent": _user_agent(settings),
        "account": _account(settings),
    }
    subs = _subreddits(settings, "subreddits")
    if subs:
        found = tuple(_scoped(t, sub) for sub in subs for t in _searches(brand, query, base, sub))
    else:
        found = _searches(brand, query, base, None)
    feeds = tuple(
        PollTarget(brand, f"r/{sub}:comments", {**base, "path": f"/r/{sub}/comments"}, query=query)
        for sub in _subreddits(settings, "comments_in")
    )
    return found + feeds


def _user_agent(settings: Mapping[str, Any]) -> str:
    """Reddit's rule, checked at brand load: a missing or browser-like agent gets throttled silently."""
    value = settings.get("user_agent")
    if not isinstance(value, str) or not USER_AGENT_RULE.match(value):
        raise ValueError(
            "settings.user_agent is required and must look like "
            "'<platform>:<app ID>:<version> (by /u/<reddit username>)', "
            "e.g. 'python:com.acme.mentions:v1.0.0 (by /u/acme_bot)'"
        )
    return value


def _account(settings: Mapping[str, Any]) -> str:
    """The brand's Reddit username (optional, "" when not set): what it writes is marked `by_brand`."""
    value = settings.get("account", "")
    if not isinstance(value, str) or (value and not USERNAME.match(value.removeprefix("u/"))):
        raise ValueError("settings.account must be the brand's Reddit username, like acme_support")
    return value.removeprefix("u/")


def _subreddits(settings: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A list of subreddit names (`acme` or `r/acme`), validated so a typo fails the deploy."""
    value = settings.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"settings.{name} must be a list of subreddit names")
    names = [v.strip().removeprefix("/").removeprefix("r/") for v in value]
    bad = [v for v in names if not SUBREDDIT.match(v)]
    if bad:
        raise ValueError(f"settings.{name}: not a subreddit name: {', '.join(bad)}")
    return tuple(dict.fromkeys(names))


def _searches(brand: str, query: Query, base: Mapping[str, str], sub: str | None) -> tuple[PollTarget, ...]:
    if sub is None:
        return search_targets(brand, query, to_reddit, **base, path="/search")
    return search_targets(brand, query, to_reddit, **base, path=f"/r/{sub}/search", restrict_sr="1")


def _scoped(target: PollTarget, sub: str) -> PollTarget:
    """The key names the subreddit too: the same words searched in two subreddits are two cursors."""
    return replace(target, key=f"r/{sub}:{target.key}")


# --------------------------------------------------------------------------------------------- token


def authenticate(http: Fetch, secrets: Mapping[str, str], target: PollTarget, now: datetime) -> Credentials:
    """App-only OAuth (client credentials): no Reddit user is involved, the app reads public listings."""
    request = HttpRequest(
        f"{target.params['auth']}/api/v1/access_token",
        headers={"User-Agent": target.params["user_agent"]},
        method="POST",
        form={"grant_type": "client_credentials"},
        basic_auth=(secrets.get("client_id", ""), secrets.get("client_secret", "")),
    )
    token, lifetime = _token(check(http(request), NETWORK, now))
    return Credentials(
        headers={"Authorization": f"bearer {token}"},
        expires_at=now + timedelta(seconds=lifetime) - EXPIRY_MARGIN,
    )


def _token(response: HttpResponse) -> tuple[str, float]:
    """`access_token` and `expires_in`; Reddit reports some refusals as a 200 with an `error` field."""
    body = response.json()
    if not isinstance(body, dict):
        raise MalformedPayloadError("reddit: the token answer is not an object")
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise TokenInvalidError(f"reddit: no access token ({body.get('error') or 'no error given'})")
    lifetime = body.get("expires_in")
    return token, float(lifetime) if isinstance(lifetime, int | float) else DEFAULT_TOKEN_SECONDS


# ---------------------------------------------------------------------------------------------- poll


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    response = http(_request(credentials, target, cursor))
    _subreddit_refusal(response, target)
    response = check(response, NETWORK, now)
    data = _listing(response.json())
    found = {m.external_id: m for m in _mentions(data["children"], target) if m is not None}
    after = data.get("after")
    next_page = after if isinstance(after, str) and after and data["children"] else None
    emit, state, more = sweep(cursor, (Seen(m.external_id, m.created_at) for m in found.values()), next_page)
    mentions = tuple(m for key, m in found.items() if key in emit)
    return PollPage(mentions, state, more, exhausted_wait(response, now))


def _request(credentials: Credentials, target: PollTarget, cursor: Cursor) -> HttpRequest:
    params: dict[str, str] = {"limit": str(PAGE_SIZE), "raw_json": "1"}
    if "q" in target.params:
        params |= {"q": target.params["q"], "sort": "new", "type": "link"}
    if "restrict_sr" in target.params:
        params["restrict_sr"] = target.params["restrict_sr"]
    if cursor.get("page"):
        params["after"] = str(cursor["page"])
    headers = {**credentials.headers, "User-Agent": target.params["user_agent"]}
    return HttpRequest(f"{target.params['api']}{target.params['path']}", params, headers)


def _subreddit_refusal(response: HttpResponse, target: PollTarget) -> None:
    """A 403/404 naming a `reason` (private, quarantined, banned) is about the subreddit: fixing the
    token would not help, so it is a PollError, not TokenInvalidError."""
    if response.status not in (403, 404):
        return
    try:
        body = response.json()
    except MalformedPayloadError:
        return
    if isinstance(body, dict) and isinstance(body.get("reason"), str):
        raise PollError(f"reddit: {target.params['path']} refused: {body['reason']}")


def _listing(body: Any) -> dict[str, Any]:
    data = body.get("data") if isinstance(body, dict) and body.get("kind") == "Listing" else None
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        raise MalformedPayloadError("reddit: the answer is not a Listing with children")
    return data


def _mentions(children: list[Any], target: PollTarget) -> list[Mention | None]:
    """Posts and comments; other kinds (a subreddit list after a redirect) are not mentions."""
    event = target.params["path"].rsplit("/", 1)[-1]
    out: list[Mention | None] = []
    for child in children:
        if not isinstance(child, dict) or not isinstance(child.get("data"), dict):
            raise MalformedPayloadError("reddit: a listing child without data")
        if child.get("kind") == "t3":
            out.append(_own(_post(child["data"], target.brand, event), target))
        elif child.get("kind") == "t1":
            out.append(_own(_comment(child["data"], target.brand, event), target))
    return out


def _own(mention: Mention | None, target: PollTarget) -> Mention | None:
    """Marks what the brand's own account wrote (usernames compare without case)."""
    account = str(target.params.get("account") or "").lower()
    if mention is None or not account or (mention.author.handle or "").lower() != account:
        return mention
    return replace(mention, by_brand=True)


def _required(item: dict[str, Any]) -> tuple[str, datetime]:
    name, created = item.get("name"), item.get("created_utc")
    if not isinstance(name, str) or not name or not isinstance(created, int | float):
        raise MalformedPayloadError("reddit: an item without name or created_utc")
    return name, from_unix(created)


def _author(item: dict[str, Any]) -> Author:
    handle = str(item.get("author") or "[deleted]")
    deleted = handle == "[deleted]"
    return Author(
        id=str(item.get("author_fullname") or handle),
        handle=handle,
        url=None if deleted else f"{SITE}/user/{handle}",
    )


def _post(item: dict[str, Any], brand: str, event: str) -> Mention | None:
    name, created = _required(item)
    text = "\n\n".join(p for p in (str(item.get("title") or ""), str(item.get("selftext") or "")) if p)
    if not text:
        return None
    return Mention(
        network=NETWORK,
        external_id=name,
        kind=Kind.POST,
        brand=brand,
        author=_author(item),
        text=text,
        url=f"{SITE}{item['permalink']}" if isinstance(item.get("permalink"), str) else None,
        created_at=created,
        metrics=Metrics(likes=optional_int(item.get("score")), replies=optional_int(item.get("num_comments"))),
        event=event,
    )


def _comment(item: dict[str, Any], brand: str, event: str) -> Mention | None:
    """A comment on the post is a COMMENT, an answer to another comment a REPLY."""
    name, created = _required(item)
    text = str(item.get("body") or "")
    if not text:
        return None
    link, parent = item.get("link_id"), item.get("parent_id")
    return Mention(
        network=NETWORK,
        external_id=name,
        kind=Kind.REPLY if str(parent).startswith("t1_") else Kind.COMMENT,
        brand=brand,
        author=_author(item),
        text=text,
        url=_comment_url(item),
        created_at=created,
        thread=Thread(
            root_id=link if isinstance(link, str) else None, parent_id=parent if isinstance(parent, str) else None
        ),
        metrics=Metrics(likes=optional_int(item.get("score"))),
        event=event,
    )


def _comment_url(item: dict[str, Any]) -> str | None:
    """`permalink` when given; else rebuilt from the subreddit, post and comment ids (Reddit ignores the slug)."""
    if isinstance(item.get("permalink"), str):
        return f"{SITE}{item['permalink']}"
    sub, link, ident = item.get("subreddit"), item.get("link_id"), item.get("id")
    if isinstance(sub, str) and isinstance(link, str) and isinstance(ident, str):
        return f"{SITE}/r/{sub}/comments/{link.removeprefix('t3_')}/_/{ident}/"
    return None


# ------------------------------------------------------------------------------ replies, moderation
# ../shared/reference/replies.md §7, all [secondary] (Pyprohly/reddit-api-doc-notes, reddit.com/dev/api):
# `POST /api/comment` form `api_type=json`, `thing_id` (t3_ post, t1_ comment, t4_ message), `text`
# (markdown), scope `submit`, the brand account's bearer token and the polls.md User-Agent. Success
# and refusals both come as HTTP 200: `{"json": {"errors": [[CODE, message, field], ...], "data":
# {"things": [{"kind": "t1", "data": {"name", "permalink", ...}}]}}}`. RATELIMIT ("take a break for
# N seconds/minutes") → RATE; THREAD_LOCKED, TOO_OLD, DELETED_COMMENT, USER_BLOCKED, SOMETHING_IS_BROKEN
# → GONE; NO_TEXT, TOO_LONG [unconfirmed] → INVALID; HTTP 401 auth, 403 (unknown thing or no right),
# 429. Private: `POST /api/compose` (`to`, `subject`, `text`; scope privatemessages). No idempotency:
# after a lost answer the worker reads the brand's newest comments (`GET /user/{name}/comments`,
# scope history) for one under the same parent. Moderation needs the brand to moderate the subreddit:
# `/api/remove` (delete), `/api/approve` (restore), `/r/{sub}/api/friend|unfriend type=banned`;
# Reddit has no hide. The poll's token is app-only (client credentials) and cannot write: replies use
# the secret `user_token`, a bearer token of the brand's account (minted and refreshed by ops, e.g. a
# script app's password grant or a permanent code-flow refresh token).

REPLY_SECRETS: tuple[str, ...] = ("user_token",)
REPLY_LIMIT = 10_000
REPLY_IDEMPOTENT = False
MODERATION: tuple[str, ...] = ("delete", "restore", "ban", "unban")
PRIVATE_SUBJECT = "Re: your post"
GONE_CODES = frozenset({"THREAD_LOCKED", "TOO_OLD", "DELETED_COMMENT", "USER_BLOCKED", "SOMETHING_IS_BROKEN"})
_WAIT = re.compile(r"(\d+)\s*(second|minute|hour)", re.IGNORECASE)
_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
_SUB_IN_URL = re.compile(r"/r/([A-Za-z0-9_]+)/")
_THINGS = ("t1_", "t3_", "t4_")


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
    """A comment under the customer's post or comment, or a private message to its author."""
    if private:
        if not target.author.handle or target.author.handle == "[deleted]":
            raise CannotReplyError("reddit: the author is deleted, no one to message", Failure.GONE)
        form = {"api_type": "json", "to": target.author.handle, "subject": PRIVATE_SUBJECT, "text": text}
        return _call(settings, secrets, "/api/compose", form)
    if not target.external_id.startswith(_THINGS):
        raise CannotReplyError(f"reddit: {target.external_id} is not a post, comment or message")
    return _call(settings, secrets, "/api/comment", {"api_type": "json", "thing_id": target.external_id, "text": text})


def reply_result(response: HttpResponse) -> Posted | Refused:
    """The comment's fullname (`t1_…`), which is its id when our poll reads it back."""
    if response.status != 200:
        return _status(response)
    answer = json_of(response)
    result = answer.get("json") if isinstance(answer, dict) else None
    if not isinstance(result, dict):
        return Refused(Failure.TRANSIENT, "reddit: a 200 answer without `json`")
    errors = result.get("errors")
    if isinstance(errors, list) and errors:
        return _error(errors)
    data = result.get("data")
    things = data.get("things") if isinstance(data, dict) else None
    if not things:  # /api/compose answers `{"json": {"errors": []}}`: sent, with no id [secondary]
        return Posted("")
    thing = things[0].get("data") if isinstance(things[0], dict) else None
    if not isinstance(thing, dict) or not isinstance(thing.get("name"), str):
        return Refused(Failure.TRANSIENT, "reddit: the created thing has no name")
    link = thing.get("permalink")
    return Posted(thing["name"], f"{SITE}{link}" if isinstance(link, str) else None)


def lookup_request(
    target: Target, outbound_id: str, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """The brand account's newest comments (ours is among them if it was posted)."""
    account = _account(settings)
    if not account:
        raise CannotReplyError("reddit: settings.account (the brand's username) is needed to find our reply")
    request = _call(settings, secrets, f"/user/{account}/comments", None)
    return replace(request, method="GET", params={"limit": "25", "sort": "new", "raw_json": "1"})


def lookup_result(
    response: HttpResponse, target: Target, outbound_id: str, *, text: str | None = None
) -> Posted | None:
    """A comment of ours under the same parent (and with the same text when it is given)."""
    if response.status != 200:
        return None
    listing = json_of(response)
    data = listing.get("data") if isinstance(listing, dict) else None
    for child in data.get("children", []) if isinstance(data, dict) else []:
        item = child.get("data") if isinstance(child, dict) else None
        if not isinstance(item, dict) or item.get("parent_id") != target.external_id:
            continue
        if text is None or str(item.get("body") or "").strip() == text.strip():
            link = item.get("permalink")
            return Posted(str(item.get("name")), f"{SITE}{link}" if isinstance(link, str) else None)
    return None


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Remove or approve the thing; ban or unban its author from the subreddit (moderators only)."""
    if action == "delete":
        return _call(settings, secrets, "/api/remove", {"id": target.external_id, "spam": "false"})
    if action == "restore":
        return _call(settings, secrets, "/api/approve", {"id": target.external_id})
    if action not in ("ban", "unban"):
        raise CannotReplyError(f"reddit: no '{action}' (Reddit has no hiding; remove or approve instead)")
    found = _SUB_IN_URL.search(target.url or "")
    if not found or not target.author.handle or target.author.handle == "[deleted]":
        raise CannotReplyError("reddit: the subreddit or the author's name is unknown")
    verb = "friend" if action == "ban" else "unfriend"
    form = {"api_type": "json", "name": target.author.handle, "type": "banned"}
    return _call(settings, secrets, f"/r/{found[1]}/api/{verb}", form)


def moderation_result(action: str, response: HttpResponse) -> Posted | Refused:
    """`{}` (remove, approve) or `{"json": {"errors": []}}` (friend, unfriend) on success."""
    if response.status != 200:
        return _status(response)
    answer = json_of(response)
    result = answer.get("json") if isinstance(answer, dict) else None
    errors = result.get("errors") if isinstance(result, dict) else None
    return _error(errors) if isinstance(errors, list) and errors else Posted("")


def _call(
    settings: Mapping[str, Any], secrets: Mapping[str, str], path: str, form: dict[str, str] | None
) -> HttpRequest:
    token = secrets.get("user_token")
    if not token:
        raise CannotReplyError("reddit: no token of the brand's account (secret 'user_token')", Failure.AUTH)
    headers = {"Authorization": f"bearer {token}", "User-Agent": _user_agent(settings)}
    return HttpRequest(f"{setting(settings, 'api', API)}{path}", headers=headers, method="POST", form=form)


def _error(errors: list[Any]) -> Refused:
    """The first `[CODE, message, field]` of `json.errors`, classified."""
    first = errors[0] if isinstance(errors[0], list) and errors[0] else [str(errors[0])]
    code, message = str(first[0]), str(first[1]) if len(first) > 1 else ""
    text = f"reddit: {code}: {message}"[:240]
    if code == "RATELIMIT":
        return Refused(Failure.RATE, text, _wait(message))
    # NO_TEXT, TOO_LONG and any code we do not know: not retried, the agent reads why
    return Refused(Failure.GONE if code in GONE_CODES else Failure.INVALID, text)


def _wait(message: str) -> float | None:
    """ "take a break for 9 seconds" / "try again in 5 minutes" → seconds."""
    found = _WAIT.search(message)
    return float(found[1]) * _UNITS[found[2].lower()] if found else None


def _status(response: HttpResponse) -> Refused:
    """401 token, 403 no right or unknown thing, 404 gone, 429 quota (reset header), 5xx transient."""
    return by_status(response, said(NETWORK, response, response.body[:200].decode("utf-8", "replace")))
