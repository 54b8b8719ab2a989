"""Google Play reviews of the brand's own apps, through the Play Developer API (androidpublisher v3).

Wire contract (../shared/reference/polls.md, "Google Play reviews"):
- `reviews.list` [confirmed]: `GET /androidpublisher/v3/applications/{packageName}/reviews` with
  `token` (page token) and `maxResults`, a bearer token for the `androidpublisher` scope; answers
  `{reviews[], tokenPagination{nextPageToken}, pageInfo}`, production reviews that have text, newest
  created or modified first. "Only reviews from last week" [secondary]: a longer backfill gets less.
- Review [confirmed]: `reviewId`, `authorName`, `comments[]` holding a `userComment` {`text`,
  `lastModified{seconds,nanos}`, `starRating`, `reviewerLanguage`, `thumbsUpCount`, ...} and maybe a
  `developerComment` {`text`, `lastModified`}.
- Quota [confirmed]: 200 GET an hour per app, hence `POLL_MINUTES = 30` (a sweep is one or two pages).
- Auth [confirmed: OAuth client or service account]: only the OAuth client's refresh-token grant is
  implemented (`authenticate`: `POST https://oauth2.googleapis.com/token`, RFC 6749 §6). A service
  account signs an RS256 JWT with its private key, and no RSA library is in the runtime dependencies.

Choices, all about what the API does not say:
- The author has no id in the API. A Play user writes at most one review per app, so the review id
  stands for the author (`author.id`): threads and follow-ups then stay per review.
- `created_at` is the user comment's `lastModified` (the API gives no creation time).
- `reviewerLanguage` is the device's locale (`en_US`, `id_ID`, `en_ID` in real answers), not
  necessarily the review's language: `Mention` keeps only its language (`en`), the scorer's code.
- An edited review keeps its `reviewId` and moves up with a newer `lastModified`, so the sweep emits it
  again, and nothing in the answer says whether a review is new or rewritten. Every review is
  therefore `Action.EDIT`, as webhook networks send edits: ingest replaces the stored text and
  re-scores it, and stores a review it never saw as new (`apply_edit` then `put_new`). Before, only a
  review rewritten after the developer's reply was an edit; any other rewrite kept the first text.
- A `null` inside `reviews[]` (seen in real answers) is left out and counted (`PollPage.skipped`,
  `PollErrors{reason=skipped_item}`); the rest of the page is kept.
- The star rating is not text the user wrote, and Metrics has no rating field: it travels in `event`
  as `reviews.list:stars=N`, so a later scorer rule can read it; `text` stays the user's words.
- A text "title<TAB>body" (reviews written with a separate title) becomes "title\\n\\nbody" [unconfirmed].
- Permalink `https://play.google.com/store/apps/details?id={package}&reviewId={reviewId}` [unconfirmed].
- The developer's reply (`developerComment`) is emitted as its own mention, `by_brand=True`, id
  `{reviewId}:reply` (the id `reply_result` gives ours), at its `lastModified`: it takes part in the
  sweep out of order (`Seen.ordered` False), so a reply to an old review still comes back.

Replies: the section at the end of this module, docs/replies/googleplay.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from functions.connectors._answers import by_status, json_of, said, wait_seconds
from functions.connectors._google import google_error
from functions.core.mention import Action, Author, Kind, Mention, Metrics, Thread, from_unix
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
    optional_int,
    retry_after,
    setting,
    sweep,
)
from functions.core.query import Query
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.core.webhooks import Delivery

NETWORK = "googleplay"
DISPLAY_NAME = "Google Play"
DELIVERY: Delivery = "poll"
POLL_MINUTES = 30
SECRETS: tuple[str, ...] = ("client_id", "client_secret", "refresh_token")
API = "https://androidpublisher.googleapis.com"
OAUTH_URL = "https://oauth2.googleapis.com/token"
PAGE_SIZE = 100
STORE = "https://play.google.com/store/apps/details"
TOKEN_LIFETIME = 3600  # seconds, when the token answer leaves out expires_in
QUOTA_WAIT = 3600.0  # the per-app quota is hourly: when Google does not say how long, wait that
QUOTA_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "RATE_LIMIT_EXCEEDED"})
REFUSED_GRANTS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"})

_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    """One target per app: every review of the brand's app is about the brand (no query re-check)."""
    api, token_url = setting(settings, "api", API), setting(settings, "token_url", OAUTH_URL)
    packages = settings.get("packages")
    if not isinstance(packages, list) or not packages or not all(isinstance(p, str) for p in packages):
        raise ValueError("settings.packages must be a non-empty list of Android package names")
    for package in packages:
        if not _PACKAGE.match(package):
            raise ValueError(f"settings.packages: {package!r} is not a package name like com.example.app")
    if len(set(packages)) != len(packages):
        raise ValueError("settings.packages lists an app twice")
    params = {"api": api, "token_url": token_url}
    return tuple(
        PollTarget(brand, f"package:{p}", {**params, "package": p}, query=query, match=False) for p in packages
    )


# ---------------------------------------------------------------------------------------------- OAuth


def authenticate(http: Fetch, secrets: Mapping[str, str], target: PollTarget, now: datetime) -> Credentials:
    """Exchange the refresh token for an access token (the runner caches it until `expires_at`)."""
    missing = [name for name in SECRETS if not secrets.get(name)]
    if missing:
        raise TokenInvalidError(f"googleplay: secrets not configured: {', '.join(missing)}")
    form = {"grant_type": "refresh_token"} | {name: secrets[name] for name in SECRETS}
    response = http(HttpRequest(target.params["token_url"], method="POST", form=form))
    if response.status in (400, 401):
        _refused(response)
    body = check(response, NETWORK, now).json()
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise MalformedPayloadError("googleplay: the token answer has no access_token")
    lifetime = body.get("expires_in")
    seconds = lifetime if isinstance(lifetime, int) and lifetime > 0 else TOKEN_LIFETIME
    return Credentials(
        secrets=dict(secrets),
        headers={"Authorization": f"Bearer {token}"},
        expires_at=now + timedelta(seconds=seconds),
    )


def _refused(response: HttpResponse) -> None:
    """An OAuth error answer: a revoked or wrong grant/client is a credentials problem, anything
    else (`invalid_request`, `unsupported_grant_type`) is our bug."""
    try:
        body = response.json()
    except MalformedPayloadError:
        body = {}
    code = str(body.get("error") or "") if isinstance(body, dict) else ""
    said = f"googleplay: token refresh answered {response.status} {code or 'without an error code'}"
    if response.status == 401 or code in REFUSED_GRANTS:
        raise TokenInvalidError(said)
    raise PollError(said)


# ----------------------------------------------------------------------------------------------- poll


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    package = target.params["package"]
    params = {"maxResults": str(PAGE_SIZE)}
    page = cursor.get("page")
    if isinstance(page, str) and page:
        params["token"] = page
    url = f"{target.params['api']}/androidpublisher/v3/applications/{package}/reviews"
    response = _checked(http(HttpRequest(url, params, headers=credentials.headers)), now)
    body = response.json()
    if not isinstance(body, dict):
        raise MalformedPayloadError("googleplay: the answer is not a JSON object")
    reviews = _reviews(body)
    listed = [_review(item, target) for item in reviews if item is not None]
    low = floor(cursor)
    counted = [seen for seen, _, replied_at in listed if not _bumped(seen, replied_at, low)]
    answers = [_developer_reply(item, target) for item in reviews if item is not None]
    ours = [found for found in answers if found is not None]
    emit, state, more = sweep(cursor, counted + [seen for seen, _ in ours], _next_page(body))
    mentions = tuple(m for seen, m, _ in listed if m is not None and seen.id in emit)
    replies = tuple(m for seen, m in ours if seen.id in emit)
    return PollPage(mentions + replies, state, more, skipped=len(reviews) - len(listed))


def _bumped(seen: Seen, replied_at: datetime | None, low: datetime | None) -> bool:
    """An old review our developer answered lately. If a reply moves a review up the list (the order
    is "newest created/modified"), it would end the sweep before newer reviews on the next page: it is
    left out of the sweep (it was emitted when it was new, and it is older than the floor anyway)."""
    return replied_at is not None and low is not None and seen.at < low < replied_at


def _checked(response: HttpResponse, now: datetime) -> HttpResponse:
    """Quota errors may come as 429 or as a 403 with a rate-limit reason; other 401/403 are refusals."""
    if response.status == 429 or (response.status == 403 and _reasons(response) & QUOTA_REASONS):
        raise RateLimitedError(f"googleplay: HTTP {response.status} quota", retry_after(response, now) or QUOTA_WAIT)
    return check(response, NETWORK, now)


def _reasons(response: HttpResponse) -> frozenset[str]:
    error = google_error(response)
    return error.reasons | {error.status}


def _reviews(body: Mapping[str, Any]) -> list[Any]:
    """Google leaves empty lists out: an app without reviews answers `{}`."""
    reviews = body.get("reviews", [])
    if not isinstance(reviews, list):
        raise MalformedPayloadError("googleplay: 'reviews' is not a list")
    return reviews


def _next_page(body: Mapping[str, Any]) -> str | None:
    pagination = body.get("tokenPagination")
    token = pagination.get("nextPageToken") if isinstance(pagination, dict) else None
    return token if isinstance(token, str) and token else None


# ------------------------------------------------------------------------------------------- mentions


def _review(item: Any, target: PollTarget) -> tuple[Seen, Mention | None, datetime | None]:
    """The review as the sweep sees it, its mention (None without text) and when we replied."""
    review_id = item.get("reviewId") if isinstance(item, dict) else None
    user, developer = _comments(item)
    if not isinstance(review_id, str) or not review_id or user is None:
        raise MalformedPayloadError("googleplay: a review without reviewId or userComment")
    at = _moment(user.get("lastModified"))
    text = _review_text(str(user.get("text") or ""))
    replied_at = _moment(developer.get("lastModified")) if developer is not None else None
    if not text:
        return Seen(review_id, at), None, replied_at
    package = target.params["package"]
    mention = Mention(
        network=NETWORK,
        external_id=review_id,
        kind=Kind.REVIEW,
        brand=target.brand,
        author=Author(id=review_id, name=str(item.get("authorName") or "") or None),
        text=text,
        url=_review_url(package, review_id),
        created_at=at,
        metrics=Metrics(likes=optional_int(user.get("thumbsUpCount")), rating=_stars(user)),
        lang=str(user.get("reviewerLanguage") or "") or None,
        event=_event(user.get("starRating")),
        action=Action.EDIT,
    )
    return Seen(review_id, at), mention, replied_at


def _developer_reply(item: Any, target: PollTarget) -> tuple[Seen, Mention] | None:
    """The developer's answer to a review (ours or typed in the Play Console), as the brand's own."""
    _, developer = _comments(item)
    text = str(developer.get("text") or "").strip() if developer is not None else ""
    if developer is None or not text:
        return None
    review_id, at = str(item["reviewId"]), _moment(developer.get("lastModified"))
    package = target.params["package"]
    mention = Mention(
        network=NETWORK,
        external_id=reply_id(review_id),
        kind=Kind.REPLY,
        brand=target.brand,
        author=Author(id=package, name="developer"),
        text=text,
        url=_review_url(package, review_id),
        created_at=at,
        thread=Thread(root_id=review_id, parent_id=review_id),
        event="reviews.list:developerComment",
        action=Action.EDIT,
        by_brand=True,
    )
    return Seen(mention.external_id, at, ordered=False), mention


def reply_id(review_id: str) -> str:
    """The developer reply's id: a review has at most one, and the API gives it none of its own."""
    return f"{review_id}:reply"


def _comments(item: Any) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]:
    """The user's comment and the developer's reply, wherever they sit in `comments[]`."""
    comments = item.get("comments") if isinstance(item, dict) else None
    found: dict[str, Mapping[str, Any]] = {}
    for comment in comments if isinstance(comments, list) else []:
        for key in ("userComment", "developerComment"):
            value = comment.get(key) if isinstance(comment, dict) else None
            if isinstance(value, dict):
                found.setdefault(key, value)
    return found.get("userComment"), found.get("developerComment")


def _moment(value: Any) -> datetime:
    """A protobuf Timestamp in JSON: `seconds` (a string, int64) and `nanos`."""
    seconds = value.get("seconds") if isinstance(value, dict) else None
    nanos = value.get("nanos", 0) if isinstance(value, dict) else 0
    try:
        return from_unix(int(str(seconds)) + int(str(nanos or 0)) / 1e9)
    except (TypeError, ValueError) as error:
        raise MalformedPayloadError(f"googleplay: bad lastModified {value!r}") from error


def _review_text(text: str) -> str:
    """A review with a title arrives as "title<TAB>body" [unconfirmed]; keep both, on their own lines."""
    title, tab, body = text.partition("\t")
    if not tab:
        return text.strip()
    return "\n\n".join(part.strip() for part in (title, body) if part.strip())


def _stars(user: Mapping[str, Any]) -> int | None:
    stars = user.get("starRating")
    return stars if isinstance(stars, int) and 1 <= stars <= 5 else None


def _event(stars: Any) -> str:
    return f"reviews.list:stars={stars}" if isinstance(stars, int) and 1 <= stars <= 5 else "reviews.list"


def _review_url(package: str, review_id: str) -> str:
    """The store page scrolled to the review [unconfirmed: the reviewId parameter is not documented]."""
    return f"{STORE}?id={package}&reviewId={review_id}"


# ----------------------------------------------------------------------------------------- replies
# ../shared/reference/replies.md §11 and the discovery document (excerpt in tests/contracts/replies/)
# [confirmed]: `POST /androidpublisher/v3/applications/{packageName}/reviews/{reviewId}:reply`
# {"replyText"} → {"result": {"replyText", "lastEdited"}}; "replies of more than approximately 350
# characters will be rejected", HTML stripped; a second reply overwrites the first (idempotent: a
# retry after a lost answer is safe). No delete, no moderation, no private messages. Errors in
# Google's envelope: 400 length, 403 permission, 404 unknown review [unconfirmed], 429 or a 403
# with a quota reason (2000 replies a day per app [confirmed, polls.md]).
# Auth is the poll's: `authenticate` (refresh-token grant) gives `Credentials.headers`; the worker
# passes its `Authorization` value as `secrets["authorization"]` (the builders do no I/O).

REPLY_SECRETS: tuple[str, ...] = SECRETS
REPLY_LIMIT = 350
REPLY_IDEMPOTENT = True
REPLY_SESSION = True  # the worker calls `authenticate` and passes the token as secrets["authorization"]
MODERATION: tuple[str, ...] = ()
REPLY_GONE = frozenset({"notFound", "NOT_FOUND"})


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
    """The developer reply to the review (a repeat overwrites it with the same text)."""
    if private:
        raise CannotReplyError("googleplay: a review can only be answered publicly")
    authorization = secrets.get("authorization")
    if not authorization:
        raise CannotReplyError("googleplay: no access token (secrets['authorization'] from authenticate)", Failure.AUTH)
    package = _package(target, settings)
    url = (
        f"{setting(settings, 'api', API)}/androidpublisher/v3/applications/{package}/reviews/{target.external_id}:reply"
    )
    return HttpRequest(url, headers={"Authorization": authorization}, method="POST", json_body={"replyText": text})


def reply_result(response: HttpResponse, target: Target | None = None) -> Posted | Refused:
    """`result.replyText` says it took. The answer names no id: ours is `{reviewId}:reply` (the id the
    poll gives the developer comment), known only when the worker passes the `target`."""
    if response.status == 200:
        answer = json_of(response)
        result = answer.get("result") if isinstance(answer, dict) else None
        if isinstance(result, dict) and isinstance(result.get("replyText"), str):
            return Posted(reply_id(target.external_id) if target else "", target.url if target else None)
        return Refused(Failure.TRANSIENT, "googleplay: a 200 answer without result.replyText")
    error = google_error(response)
    text = said(NETWORK, response, f"{error.status or ','.join(sorted(error.reasons))}: {error.message}")
    if response.status == 429 or (error.reasons | {error.status}) & QUOTA_REASONS:
        return Refused(Failure.RATE, text, wait_seconds(response) or QUOTA_WAIT)
    if (error.reasons | {error.status}) & REPLY_GONE:
        return Refused(Failure.GONE, text)
    return by_status(response, text)


def _package(target: Target, settings: Mapping[str, Any]) -> str:
    """The app: from the review's link (`?id=<package>`), else the brand's only app."""
    found = parse_qs(urlsplit(target.url or "").query).get("id")
    packages = settings.get("packages")
    if found and _PACKAGE.match(found[0]):
        return found[0]
    if isinstance(packages, list) and len(packages) == 1 and isinstance(packages[0], str):
        return packages[0]
    raise CannotReplyError("googleplay: which app the review belongs to is unknown")
