"""Hacker News through Algolia's HN Search API: stories and comments that name the brand.

Wire contract (../shared/reference/polls.md, "Hacker News — Algolia HN Search API", all
[secondary]: the API page itself was not read, several consistent third-party guides were):
`GET /api/v1/search_by_date?query=&tags=(story,comment)&numericFilters=created_at_i>=T&hitsPerPage=
&page=`, newest first, no auth; hits carry `objectID`, `created_at_i`, `author`, `title`/`story_text`
or `comment_text` (HTML), `story_id`, `parent_id`, `points`, `num_comments`. Deep paging is capped
near 1,000 hits, so each sweep asks only for what is newer than the last one (`created_at_i>=mark`)
instead of paging far back. No ETag: an unchanged source still costs one request, but no writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from functions.core.mention import Author, Kind, Mention, Metrics, Thread, from_unix
from functions.core.polls import (
    Credentials,
    Cursor,
    Fetch,
    HttpRequest,
    MalformedPayloadError,
    PollPage,
    PollTarget,
    Seen,
    check,
    floor,
    html_to_text,
    search_targets,
    setting,
    sweep,
    until,
)
from functions.core.query import Query, to_hackernews
from functions.core.webhooks import Delivery

NETWORK = "hackernews"
DISPLAY_NAME = "Hacker News"
DELIVERY: Delivery = "poll"
POLL_MINUTES = 10
SECRETS: tuple[str, ...] = ()
API = "https://hn.algolia.com"
PAGE_SIZE = 100
SITE = "https://news.ycombinator.com"


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    tags = setting(settings, "tags", "(story,comment)")
    return search_targets(brand, query, to_hackernews, api=setting(settings, "api", API), tags=tags)


def _filters(cursor: Cursor) -> str:
    low, high = floor(cursor), until(cursor)
    parts = [f"created_at_i>={int(low.timestamp())}"] if low else []
    if high:
        parts.append(f"created_at_i<{int(high.timestamp())}")
    return ",".join(parts)


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    page = int(cursor.get("page") or 0)
    params = {"query": target.params["q"], "tags": target.params["tags"], "hitsPerPage": str(PAGE_SIZE)}
    params |= {"page": str(page)} | ({"numericFilters": _filters(cursor)} if _filters(cursor) else {})
    response = check(http(HttpRequest(f"{target.params['api']}/api/v1/search_by_date", params)), NETWORK, now)
    body = response.json()
    hits = body.get("hits") if isinstance(body, dict) else None
    if not isinstance(hits, list):
        raise MalformedPayloadError("hackernews: no 'hits' list in the answer")
    found = {m.external_id: m for m in (_mention(hit, target.brand) for hit in hits) if m is not None}
    pages = body.get("nbPages")
    next_page = str(page + 1) if isinstance(pages, int) and page + 1 < pages and hits else None
    emit, state, more = sweep(cursor, (Seen(m.external_id, m.created_at) for m in found.values()), next_page)
    return PollPage(tuple(m for key, m in found.items() if key in emit), state, more)


def _mention(hit: Any, brand: str) -> Mention | None:
    if not isinstance(hit, dict) or "objectID" not in hit or not isinstance(hit.get("created_at_i"), int):
        raise MalformedPayloadError("hackernews: a hit without objectID or created_at_i")
    item = str(hit["objectID"])
    comment = hit.get("comment_text")
    if isinstance(comment, str):
        text, kind = html_to_text(comment), Kind.COMMENT
    else:
        title, story = hit.get("title") or "", html_to_text(hit.get("story_text") or "")
        text, kind = "\n\n".join(p for p in (title, story) if p), Kind.POST
    if not text:
        return None
    author = str(hit.get("author") or "")
    story_id, parent = hit.get("story_id"), hit.get("parent_id")
    return Mention(
        network=NETWORK,
        external_id=item,
        kind=kind,
        brand=brand,
        author=Author(id=author, handle=author, url=f"{SITE}/user?id={author}" if author else None),
        text=text,
        url=f"{SITE}/item?id={item}",
        created_at=from_unix(hit["created_at_i"]),
        thread=Thread(
            root_id=str(story_id) if story_id is not None and kind is Kind.COMMENT else None,
            parent_id=str(parent) if parent is not None else None,
        ),
        metrics=Metrics(likes=hit.get("points"), replies=hit.get("num_comments")),
        event="search_by_date",
    )
