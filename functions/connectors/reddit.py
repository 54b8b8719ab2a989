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
sends no ETag here: an unchanged source still costs one request, but no writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

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


# -------------------------------------------------------------------------------------------- targets


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    """Searches (site-wide, or one per `subreddits` entry) plus one comment feed per `comments_in` entry."""
    base = {
        "api": setting(settings, "api", API),
        "auth": setting(settings, "auth", AUTH),
        "user_agent": _user_agent(settings),
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
            out.append(_post(child["data"], target.brand, event))
        elif child.get("kind") == "t1":
            out.append(_comment(child["data"], target.brand, event))
    return out


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
