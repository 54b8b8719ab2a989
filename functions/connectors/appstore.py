"""Apple App Store customer reviews of the brand's own apps, through Apple's public RSS feed (JSON).

Wire contract (../shared/reference/polls.md, "Apple App Store customer reviews (RSS)", all
[secondary]: an undocumented feed described by many third parties):
`GET {api}/{country}/rss/customerreviews/page={1..10}/id={appId}/sortby=mostrecent/json`, 50 reviews
a page, at most 10 pages (≈500 newest reviews per storefront), no auth. `feed.entry[]` carries
`id.label`, `author.name.label`, `author.uri.label`, `title.label`, `content.label`,
`im:rating.label` (1-5), `im:version.label`, `updated.label` (ISO 8601), `im:voteSum`,
`link.attributes.href`. Small named assumptions below, all [unconfirmed]:
- `_entries`: a page with one review may carry `entry` as an object, not a list; no `entry` = empty.
- `_is_review`: older feeds put the app's own metadata first in page 1; it has no `im:rating`.
- `_next_page`: `feed.link` may list `rel="next"`/`rel="last"` URLs; when present they steer paging.
- Conditional GET: if Apple sends `ETag`/`Last-Modified`, page 1 is asked conditionally next time.
- `_date`: an entry without `updated` (the older feed format) falls back to its `published`, then
  `im:releaseDate`; an entry with no date at all is left out and counted (`PollPage.skipped`), so
  one such entry no longer fails the page.

Every review is about the brand's app, so targets have `match=False`. Newest first by `updated`, so
the cursor is the shared `sweep`. The external id is `{appId}:{review id}`: review ids look global,
but nothing says so, and the prefix costs nothing. The star rating travels in the event,
`customerreviews:stars=N`, so agents see it while the text stays the reviewer's own words (title,
blank line, body) for the scorer. The feed does not carry developer responses, so our reply never
comes back through this poll (nothing to mark `by_brand`).

Replies: the section at the end of this module, docs/replies/appstore.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from functions.connectors._answers import by_status, json_of, said
from functions.core.mention import Author, Kind, Mention, Metrics, Thread, parse_time
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
    check,
    setting,
    sweep,
)
from functions.core.query import Query
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.core.webhooks import Delivery

NETWORK = "appstore"
DISPLAY_NAME = "Apple App Store"
DELIVERY: Delivery = "poll"
POLL_MINUTES = 60
SECRETS: tuple[str, ...] = ()
API = "https://itunes.apple.com"
MAX_PAGES = 10
EVENT = "customerreviews"
DATE_FIELDS = ("updated", "published", "im:releaseDate")
_APP_ID = re.compile(r"^\d{1,12}$")
_COUNTRY = re.compile(r"^[a-z]{2}$")
_PAGE_IN_URL = re.compile(r"/page=(\d+)/")
_AUTHOR_ID = re.compile(r"/id(\d+)")


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    """One target per app × country storefront: reviews live per storefront."""
    api = setting(settings, "api", API)
    apps = settings.get("apps")
    if not isinstance(apps, list) or not apps:
        raise ValueError('settings.apps must be a non-empty list of {"id": "<app id>", "countries": ["us", ...]}')
    found: dict[str, PollTarget] = {}
    for n, app in enumerate(apps):
        app_id, countries = _app(app, f"settings.apps[{n}]")
        for country in countries:
            params = {"api": api, "app": app_id, "country": country}
            found[f"{app_id}:{country}"] = PollTarget(brand, f"{app_id}:{country}", params, query, match=False)
    return tuple(found.values())


def _app(raw: Any, where: str) -> tuple[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object")
    app_id = str(raw.get("id", ""))
    if not _APP_ID.match(app_id):
        raise ValueError(f"{where}.id must be the numeric App Store id (the digits after 'id' in the app's URL)")
    countries = raw.get("countries", ["us"])
    if not isinstance(countries, list) or not countries or not all(isinstance(c, str) for c in countries):
        raise ValueError(f"{where}.countries must be a non-empty list of storefront codes like 'us'")
    codes = tuple(dict.fromkeys(c.lower() for c in countries))
    bad = [c for c in codes if not _COUNTRY.match(c)]
    if bad:
        raise ValueError(f"{where}.countries: {bad} are not two-letter storefront codes")
    return app_id, codes


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    page = int(cursor.get("page") or 1)
    p = target.params
    url = f"{p['api']}/{p['country']}/rss/customerreviews/page={page}/id={p['app']}/sortby=mostrecent/json"
    response = check(http(HttpRequest(url, headers=_conditional(cursor) if page == 1 else {})), NETWORK, now)
    if response.status == 304:
        return PollPage((), cursor)
    feed = _feed(response)
    entries = [entry for entry in _entries(feed) if _is_review(entry)]
    found = [_mention(entry, target) for entry in entries]
    reviews = [m for m in found if m is not None]
    next_page = _next_page(feed, page) if entries else None
    emit, state, more = sweep(cursor, (Seen(m.external_id, m.created_at) for m in reviews), next_page)
    if page == 1:
        state = _validators(state, response)
    return PollPage(tuple(m for m in reviews if m.external_id in emit), state, more, skipped=len(found) - len(reviews))


# ------------------------------------------------------------------------------- conditional GET


def _conditional(cursor: Cursor) -> dict[str, str]:
    headers = {}
    if isinstance(cursor.get("etag"), str):
        headers["If-None-Match"] = cursor["etag"]
    if isinstance(cursor.get("last_modified"), str):
        headers["If-Modified-Since"] = cursor["last_modified"]
    return headers


def _validators(state: dict[str, Any], response: HttpResponse) -> dict[str, Any]:
    """Page 1's validators, as sent: the next sweep asks for page 1 only if it changed."""
    out = {k: v for k, v in state.items() if k not in ("etag", "last_modified")}
    for key, header in (("etag", "ETag"), ("last_modified", "Last-Modified")):
        value = response.header(header)
        if value:
            out[key] = value
    return out


# ------------------------------------------------------------------------------------------- parsing


def _feed(response: HttpResponse) -> Mapping[str, Any]:
    body = response.json()
    feed = body.get("feed") if isinstance(body, dict) else None
    if not isinstance(feed, dict):
        raise MalformedPayloadError("appstore: no 'feed' object in the answer")
    return feed


def _entries(feed: Mapping[str, Any]) -> list[Any]:
    entry = feed.get("entry")
    if entry is None:
        return []
    if isinstance(entry, dict):
        return [entry]
    if isinstance(entry, list):
        return entry
    raise MalformedPayloadError("appstore: feed.entry is neither a list nor an object")


def _is_review(entry: Any) -> bool:
    return isinstance(entry, dict) and "im:rating" in entry


def _next_page(feed: Mapping[str, Any], page: int) -> str | None:
    """Page+1 up to page 10, unless `feed.link` names another next page or an earlier last one."""
    links = _page_links(feed)
    if page >= min(MAX_PAGES, links.get("last", MAX_PAGES)):
        return None
    following = links.get("next", page + 1)
    return str(following) if page < following <= MAX_PAGES else None


def _page_links(feed: Mapping[str, Any]) -> dict[str, int]:
    """`rel` -> page number of the `feed.link` URLs that name a page (`.../page=3/...`)."""
    links = feed.get("link")
    pages: dict[str, int] = {}
    for link in links if isinstance(links, list) else [links]:
        attributes = link.get("attributes") if isinstance(link, dict) else None
        if isinstance(attributes, dict):
            found = _PAGE_IN_URL.search(str(attributes.get("href") or ""))
            if found:
                pages[str(attributes.get("rel"))] = int(found[1])
    return pages


def _label(entry: Mapping[str, Any], *path: str) -> str:
    node: Any = entry
    for name in (*path, "label"):
        node = node.get(name) if isinstance(node, dict) else None
    return str(node) if isinstance(node, str | int) else ""


def _date(entry: Mapping[str, Any]) -> datetime | None:
    """`updated`, else the entry's other dates (`published`, `im:releaseDate`): the older feed format
    leaves `updated` out of some entries [unconfirmed which one it carries instead]."""
    for name in DATE_FIELDS:
        try:
            return parse_time(_label(entry, name))
        except ValueError:
            continue
    return None


def _mention(entry: Mapping[str, Any], target: PollTarget) -> Mention | None:
    """The review, or None when it carries no date at all (left out and counted, not the whole page)."""
    review_id, stars = _label(entry, "id"), _label(entry, "im:rating")
    if not review_id or not stars.isdigit():
        raise MalformedPayloadError("appstore: a review without id or rating")
    created = _date(entry)
    if created is None:
        return None
    title, content = _label(entry, "title"), _label(entry, "content")
    app = target.params["app"]
    link = entry.get("link")
    href = link.get("attributes", {}).get("href") if isinstance(link, dict) else None
    return Mention(
        network=NETWORK,
        external_id=f"{app}:{review_id}",
        kind=Kind.REVIEW,
        brand=target.brand,
        author=_author(entry),
        text="\n\n".join(p for p in (title.strip(), content.strip()) if p),
        url=href if isinstance(href, str) else None,
        created_at=created,
        thread=Thread(root_id=f"app:{app}"),
        metrics=Metrics(likes=_int(_label(entry, "im:voteSum")), rating=int(stars)),
        event=f"{EVENT}:stars={stars}",
    )


def _author(entry: Mapping[str, Any]) -> Author:
    """Apple's reviewer URI ends in `id<digits>`: the only stable id the feed gives."""
    name, uri = _label(entry, "author", "name"), _label(entry, "author", "uri")
    found = _AUTHOR_ID.search(uri)
    return Author(id=found[1] if found else name or "anonymous", name=name or None, url=uri or None)


def _int(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


# ----------------------------------------------------------------------------------------- replies
# ../shared/reference/replies.md §12 [confirmed, developer.apple.com]: `POST
# https://api.appstoreconnect.apple.com/v1/customerReviewResponses` with the JSON:API document
# {"data": {"type": "customerReviewResponses", "attributes": {"responseBody"}, "relationships":
# {"review": {"data": {"type": "customerReviews", "id"}}}}} → 201 {"data": {"id", "attributes":
# {"responseBody", "lastModifiedDate", "state"}}}; one response per review, a new POST replaces it
# (idempotent), publishing is delayed. Errors `{"errors": [{"status", "code", "title", "detail"}]}`
# [secondary], 429 `RATE_LIMIT_EXCEEDED` over a rolling hour. ≤ 5970 characters [secondary].
# [unconfirmed]: that the review id of the public RSS feed is the `customerReviews` id of App Store
# Connect (both are Apple's review ids; nothing documents it): a mismatch answers 404, which the
# reader reports as GONE with that reason.
# The API wants an ES256 JWT signed with the brand's App Store Connect key; no ECDSA library is in
# the runtime dependencies (requirements.txt), so the builder takes a ready bearer token, the secret
# `connect_token`, minted and renewed (≤ 20 minutes each) by ops' tooling.

REPLY_SECRETS: tuple[str, ...] = ("connect_token",)
REPLY_LIMIT = 5970
REPLY_IDEMPOTENT = True
MODERATION: tuple[str, ...] = ()
CONNECT_API = "https://api.appstoreconnect.apple.com"


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
    """The developer response to the review (a repeat replaces it)."""
    if private:
        raise CannotReplyError("appstore: a review can only be answered publicly")
    token = secrets.get("connect_token")
    if not token:
        raise CannotReplyError("appstore: no App Store Connect token (secret 'connect_token')", Failure.AUTH)
    review = target.external_id.partition(":")[2]
    if not review:
        raise CannotReplyError(f"appstore: {target.external_id} is not an `app:review` id")
    document = {
        "data": {
            "type": "customerReviewResponses",
            "attributes": {"responseBody": text},
            "relationships": {"review": {"data": {"type": "customerReviews", "id": review}}},
        }
    }
    url = f"{setting(settings, 'connect_api', CONNECT_API)}/v1/customerReviewResponses"
    return HttpRequest(url, headers={"Authorization": f"Bearer {token}"}, method="POST", json_body=document)


def reply_result(response: HttpResponse) -> Posted | Refused:
    """The response resource's id (the one to read or delete it by)."""
    answer = json_of(response)
    data = answer.get("data") if isinstance(answer, dict) else None
    if response.status in (200, 201) and isinstance(data, dict) and isinstance(data.get("id"), str):
        return Posted(data["id"])
    errors = answer.get("errors") if isinstance(answer, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    detail = " ".join(str(first.get(k)) for k in ("code", "detail") if first.get(k))
    if response.status == 404:
        detail += " (is the feed's review id the App Store Connect one?)"
    if response.status == 409:
        return Refused(Failure.INVALID, said(NETWORK, response, detail))
    if response.status in (200, 201):
        return Refused(Failure.TRANSIENT, "appstore: a success answer without data.id")
    return by_status(response, said(NETWORK, response, detail))
