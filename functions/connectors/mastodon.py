"""Mastodon, per instance: hashtag timelines (public) and full-text status search (user token).

Wire contract (../shared/reference/polls.md, "Mastodon (per instance)", [confirmed] from
mastodon/documentation unless noted): `GET /api/v1/timelines/tag/{hashtag}` and
`GET /api/v2/search?q=&type=statuses` (status search needs a user token with `read:search` and an
instance running Elasticsearch; without either the answer is `statuses: []`, an empty result, not an
error), `limit` at most 40, `max_id` = older than, `min_id` = the page immediately newer than an id.
Ids are instance-local strings of snowflake integers: compared as numbers, never as strings. Status
`uri` is global, so it is the external id: one status seen through two instances is one mention.
Rate limits: `X-RateLimit-Remaining` / `X-RateLimit-Reset` (an ISO time).

The cursor is ours. A first run (or a backfill) sweeps back from the newest status with `max_id`
until it passes `since` (or a page comes back short); from then on each poll asks for `min_id` =
the newest id seen, so an unchanged timeline costs one request, no mentions and an equal cursor, and a
burst larger than one page is caught up page by page, oldest first. Assumptions, kept small:
- "a short page means the end" (`_full`): Mastodon only sets `Link: rel="next"` when a page is full.
- v2 search honouring `min_id`/`max_id` as an id range in relevance order is how Mastodon's
  SearchService reads (seen in its source, not documented): a search page newer than `min_id` may
  then skip a lower-ranked status when more than `LIMIT` arrive between two polls.
- Boosts (`reblog` set) stand for the boosted status: same `uri`, so never a second mention.
- `in_reply_to_id` is stored as the thread parent as given: it is local to the polled instance.
- `raw_ref` keeps what a reply and a block need and the uri does not give: `host#status id#visibility
  #account id`, all local to the polled instance.
- A status by the brand's own account (`settings.account`, `user@domain`) is emitted with
  `by_brand=True`: it is our reply coming back (its `uri` is what `reply_result` stored) or a manual one.

Replies and moderation (functions/core/replies.py; ../shared/reference/replies.md §9): see the section
at the end of this module and docs/replies/mastodon.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

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
    TokenInvalidError,
    check,
    exhausted_wait,
    floor,
    html_to_text,
    search_targets,
    until,
)
from functions.core.query import Query, to_mastodon
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.core.webhooks import Delivery

NETWORK = "mastodon"
DISPLAY_NAME = "Mastodon"
DELIVERY: Delivery = "poll"
POLL_MINUTES = 10
# No secret is required: hashtag timelines are public. An instance with `search: true` needs a user
# token (scope read:search) under the secret named by its `token_secret` (default "access_token").
SECRETS: tuple[str, ...] = ()
TOKEN_SECRET = "access_token"  # noqa: S105 (a secret's name, not its value)
LIMIT = 40
_HASHTAG = re.compile(r"^\w+$")
_ADDRESS = re.compile(r"^[\w.-]+@[\w.:-]+$")


# ------------------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class _Instance:
    url: str
    host: str
    hashtags: tuple[str, ...]
    search: bool
    token_secret: str | None


def targets(brand: str, settings: Mapping[str, Any], query: Query) -> tuple[PollTarget, ...]:
    """One target per instance × hashtag (public timeline) and one per instance search string."""
    raw = settings.get("instances")
    if not isinstance(raw, list) or not raw:
        raise ValueError('settings.instances must be a non-empty list of {"url", "hashtags", "search"}')
    instances = [_instance(item, f"settings.instances[{n}]") for n, item in enumerate(raw)]
    _check_unique(instances)
    account = _account(settings)
    found: list[PollTarget] = []
    for instance in instances:
        base = {"api": instance.url, "host": instance.host, "token_secret": instance.token_secret, "account": account}
        found += [
            PollTarget(brand, f"{instance.host}#tag:{tag}", {**base, "tag": tag}, query) for tag in instance.hashtags
        ]
        if instance.search:
            for target in search_targets(brand, query, to_mastodon, **base):
                found.append(PollTarget(brand, f"{instance.host}#{target.key}", target.params, query))
    return tuple(found)


def _account(settings: Mapping[str, Any]) -> str | None:
    """The brand's own account as `user@domain` (optional): its statuses are marked `by_brand`."""
    value = settings.get("account")
    if value is None:
        return None
    if not isinstance(value, str) or not _ADDRESS.match(value.lstrip("@")):
        raise ValueError("settings.account must be the brand's address, like acme@mastodon.social")
    return value.lstrip("@").lower()


def _instance(raw: Any, where: str) -> _Instance:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object")
    url = raw.get("url")
    url = url.rstrip("/") if isinstance(url, str) else ""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.path or parts.query:
        raise ValueError(f"{where}.url must be an instance URL like https://mastodon.social")
    hashtags = raw.get("hashtags", [])
    if not isinstance(hashtags, list) or not all(
        isinstance(t, str) and _HASHTAG.match(t.lstrip("#")) for t in hashtags
    ):
        raise ValueError(f"{where}.hashtags must be a list of hashtags (letters, digits, _)")
    search = raw.get("search", False)
    if not isinstance(search, bool):
        raise ValueError(f"{where}.search must be true or false")
    if not hashtags and not search:
        raise ValueError(f"{where} polls nothing: give hashtags or search: true")
    token = raw.get("token_secret", TOKEN_SECRET if search else None)
    if token is not None and (not isinstance(token, str) or not token):
        raise ValueError(f"{where}.token_secret must be a secret name")
    tags = tuple(dict.fromkeys(t.lstrip("#").lower() for t in hashtags))
    return _Instance(url, parts.netloc.lower(), tags, search, token)


def _check_unique(instances: list[_Instance]) -> None:
    """A host polled twice would share cursors; a token belongs to one instance only."""
    hosts = [i.host for i in instances]
    if len(set(hosts)) != len(hosts):
        raise ValueError("settings.instances lists the same instance twice")
    owners: dict[str, str] = {}
    for instance in instances:
        if instance.token_secret is None:
            continue
        other = owners.setdefault(instance.token_secret, instance.host)
        if other != instance.host:
            raise ValueError(
                f"settings.instances: {other} and {instance.host} both use the secret "
                f"'{instance.token_secret}', but a token works on one instance: give each a token_secret"
            )


# --------------------------------------------------------------------------------------------- poll


@dataclass(frozen=True)
class _Item:
    """One listed status: its local id (position in the listing), listing time and mention."""

    id: int
    at: datetime
    mention: Mention | None


def poll(http: Fetch, credentials: Credentials, target: PollTarget, cursor: Cursor, now: datetime) -> PollPage:
    response = check(http(_request(target, credentials, cursor)), NETWORK, now)
    items = [_item(status, target) for status in _statuses(response, target)]
    emitted, state, more = _advance(cursor, items, full=len(items) >= LIMIT)
    return PollPage(emitted, state, more, exhausted_wait(response, now))


def _request(target: PollTarget, credentials: Credentials, cursor: Cursor) -> HttpRequest:
    params: dict[str, str] = {"limit": str(LIMIT)}
    if "min_id" in cursor:
        params["min_id"] = str(cursor["min_id"])
    elif "max_id" in cursor:
        params["max_id"] = str(cursor["max_id"])
    headers = _auth(target, credentials)
    api = target.params["api"]
    if "tag" in target.params:
        return HttpRequest(f"{api}/api/v1/timelines/tag/{quote(target.params['tag'])}", params, headers)
    if not headers:
        name, host = target.params["token_secret"], target.params["host"]
        raise TokenInvalidError(f"mastodon: search on {host} needs a user token (read:search) in secret '{name}'")
    return HttpRequest(f"{api}/api/v2/search", {"q": target.params["q"], "type": "statuses", **params}, headers)


def _auth(target: PollTarget, credentials: Credentials) -> dict[str, str]:
    """The instance's own token, when the brand gave one: search needs it, tag timelines accept it
    (and need it on instances that turned public preview off)."""
    name = target.params.get("token_secret")
    token = credentials.secrets.get(name) if isinstance(name, str) else None
    return {"Authorization": f"Bearer {token}"} if token else {}


def _statuses(response: HttpResponse, target: PollTarget) -> list[Any]:
    body = response.json()
    if "tag" not in target.params:
        body = body.get("statuses") if isinstance(body, dict) else None
    if not isinstance(body, list):
        raise MalformedPayloadError("mastodon: expected a list of statuses")
    return body


def _advance(cursor: Cursor, items: list[_Item], *, full: bool) -> tuple[tuple[Mention, ...], dict[str, Any], bool]:
    """Forward from `min_id` once caught up; before that, back from the newest with `max_id`."""
    low, high = floor(cursor), until(cursor)
    keep = [i for i in items if "min_id" not in cursor or i.id > int(cursor["min_id"])]
    emit = {
        i.mention.external_id: i.mention
        for i in sorted(keep, key=lambda i: i.id)
        if i.mention and (low is None or i.mention.created_at >= low) and (high is None or i.mention.created_at < high)
    }
    state = dict(cursor)
    if "min_id" in cursor:
        if keep:
            state["min_id"] = str(max(i.id for i in keep))
        return tuple(emit.values()), state, full and bool(keep)
    newest = max([int(cursor.get("newest") or 0), *(i.id for i in items)])
    if full and items and (low is None or min(i.at for i in items) >= low):
        state.update(max_id=str(min(i.id for i in items)), newest=str(newest))
        return tuple(emit.values()), state, True
    state.pop("max_id", None)
    state.pop("newest", None)
    if high is not None:
        state["done"] = True
    elif newest:
        state["min_id"] = str(newest)
    return tuple(emit.values()), state, False


# ------------------------------------------------------------------------------------------ parsing


def _item(status: Any, target: PollTarget) -> _Item:
    if not isinstance(status, dict) or not str(status.get("id", "")).isdigit():
        raise MalformedPayloadError("mastodon: a status without a numeric id")
    shown = status["reblog"] if isinstance(status.get("reblog"), dict) else status
    return _Item(int(status["id"]), _time(status), _mention(shown, target))


def _time(status: Mapping[str, Any]) -> datetime:
    try:
        return parse_time(str(status["created_at"]))
    except (KeyError, ValueError) as error:
        raise MalformedPayloadError(f"mastodon: status {status.get('id')} has no valid created_at") from error


def _mention(status: Mapping[str, Any], target: PollTarget) -> Mention | None:
    uri = status.get("uri")
    if not isinstance(uri, str) or not uri:
        raise MalformedPayloadError(f"mastodon: status {status.get('id')} has no uri")
    warning = str(status.get("spoiler_text") or "").strip()
    text = "\n\n".join(p for p in (warning, html_to_text(str(status.get("content") or ""))) if p)
    if not text:
        return None  # media only, nothing to read
    parent = status.get("in_reply_to_id")
    author = _author(status.get("account"), target.params["host"])
    return Mention(
        network=NETWORK,
        external_id=uri,
        kind=Kind.REPLY if parent else Kind.POST,
        brand=target.brand,
        author=author,
        text=text,
        url=str(status.get("url") or uri),
        created_at=_time(status),
        thread=Thread(parent_id=str(parent) if parent else None),
        metrics=Metrics(
            likes=_count(status, "favourites_count"),
            replies=_count(status, "replies_count"),
            shares=_count(status, "reblogs_count"),
        ),
        lang=status.get("language") or None,
        event="search" if "q" in target.params else "timelines/tag",
        raw_ref=_raw_ref(status, target.params["host"]),
        by_brand=author.id.lower() == target.params.get("account"),
    )


def _raw_ref(status: Mapping[str, Any], host: str) -> str:
    """`host#status id#visibility#account id`: what a reply (`in_reply_to_id`, the customer's
    visibility) and a block need, local to the instance that listed the status."""
    account = status.get("account")
    account_id = account.get("id") if isinstance(account, dict) else ""
    return f"{host}#{status.get('id')}#{status.get('visibility') or 'public'}#{account_id or ''}"


def _author(account: Any, host: str) -> Author:
    """Author id = the full `user@domain` address: `account.id` is only valid on the polled instance."""
    if not isinstance(account, dict) or not account.get("acct"):
        raise MalformedPayloadError("mastodon: a status without its account")
    acct = str(account["acct"])
    address = acct if "@" in acct else f"{acct}@{host}"
    followers = account.get("followers_count")
    return Author(
        id=address,
        handle=f"@{address}",
        name=str(account.get("display_name") or "") or None,
        url=account.get("url") or None,
        followers=followers if isinstance(followers, int) else None,
    )


def _count(status: Mapping[str, Any], name: str) -> int | None:
    value = status.get(name)
    return value if isinstance(value, int) else None


# ------------------------------------------------------------------------------ replies, moderation
# ../shared/reference/replies.md §9, [confirmed] from mastodon/documentation (statuses.md, rate-limits.md)
# unless noted: `POST /api/v1/statuses` (scope write:statuses) with `status`, `in_reply_to_id`,
# `visibility` public|unlisted|private|direct, and the header `Idempotency-Key` (a repeat within 1 h
# returns the first status instead of posting again) → 200 Status {id, uri, url}; errors `{"error"}`
# with 401 (token), 404/410 (gone), 422 (validation: blank, too long), 429 + `X-RateLimit-Reset` (ISO).
# Block `POST /api/v1/accounts/:id/block` and `/unblock` (write:blocks) → 200 Relationship.
# [unconfirmed]: beginning the text with `@acct ` is what delivers it (a `direct` status reaches only
# the accounts it mentions); the 500-character default (`configuration.statuses.max_characters` of
# the instance may differ); 403 meaning a missing scope or a suspended account.
#
# The brand posts from its own instance: the entry of `settings.instances` whose host is the domain
# of `settings.account`, with that entry's token (`token_secret`, default `access_token`). Ids are
# local to an instance, so a status listed by another instance cannot be answered without first
# resolving it there (`/api/v2/search?resolve=true`): that is refused with the reason.

REPLY_SECRETS: tuple[str, ...] = (TOKEN_SECRET,)
REPLY_LIMIT = 500
REPLY_IDEMPOTENT = True
MODERATION: tuple[str, ...] = ("ban", "unban")
_VISIBILITY = frozenset({"public", "unlisted", "private", "direct"})


@dataclass(frozen=True)
class _Local:
    """The customer's status as the brand's instance knows it (from `raw_ref`)."""

    host: str
    status: str
    visibility: str
    account: str


def address(target: Target) -> str:
    """`@user@domain `: the customer's full address, so the mention reaches them from any instance."""
    return f"@{target.author.id} " if target.author.id else ""


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
    """A status in reply to the customer's, as visible as theirs (or `direct` when private)."""
    api, token = _home(settings, secrets)
    local = _local(target, api)
    visibility = "direct" if private else local.visibility
    return HttpRequest(
        f"{api}/api/v1/statuses",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": outbound_id},
        method="POST",
        json_body={"status": text, "in_reply_to_id": local.status, "visibility": visibility},
    )


def reply_result(response: HttpResponse) -> Posted | Refused:
    """The status we created: its `uri` is the id our poll gives it when it comes back."""
    if response.status == 200:
        status = json_of(response)
        uri = status.get("uri") if isinstance(status, dict) else None
        if isinstance(uri, str) and uri:
            url = status.get("url")
            return Posted(uri, url if isinstance(url, str) else None)
        return Refused(Failure.TRANSIENT, "mastodon: a 200 answer without the status uri")
    return _refused(response)


def moderation_request(
    action: str, target: Target, settings: Mapping[str, Any], secrets: Mapping[str, str]
) -> HttpRequest:
    """Block (ban) or unblock the author: an ordinary account cannot hide or delete others' posts."""
    if action not in MODERATION:
        raise CannotReplyError(f"mastodon: no '{action}' for an ordinary account (only block and unblock)")
    api, token = _home(settings, secrets)
    local = _local(target, api)
    if not local.account:
        raise CannotReplyError("mastodon: the author's account id on our instance is unknown")
    verb = "block" if action == "ban" else "unblock"
    return HttpRequest(
        f"{api}/api/v1/accounts/{local.account}/{verb}", headers={"Authorization": f"Bearer {token}"}, method="POST"
    )


def moderation_result(action: str, response: HttpResponse) -> Posted | Refused:
    """A Relationship whose `blocking` says the action took (its `id` is the author's local id)."""
    relation = json_of(response) if response.status == 200 else None
    if isinstance(relation, dict) and relation.get("blocking") is (action == "ban"):
        return Posted(str(relation.get("id")))
    if response.status == 200:
        return Refused(Failure.TRANSIENT, f"mastodon: {action} answered without the expected relationship")
    return _refused(response)


def _home(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> tuple[str, str]:
    """The brand's instance URL (the listed instance of `settings.account`'s domain) and its token."""
    account = _account(settings)
    if account is None:
        raise CannotReplyError("mastodon: settings.account (the brand's user@domain) is not set")
    domain = account.rsplit("@", 1)[1]
    listed = [_instance(item, "settings.instances[]") for item in settings.get("instances") or []]
    home = next((i for i in listed if i.host == domain), None)
    if home is None:
        raise CannotReplyError(f"mastodon: {domain} (the brand's instance) is not in settings.instances")
    token = secrets.get(home.token_secret or TOKEN_SECRET)
    if not token:
        name = home.token_secret or TOKEN_SECRET
        raise CannotReplyError(f"mastodon: no token for {domain} in secret '{name}'", Failure.AUTH)
    return home.url, token


def _local(target: Target, api: str) -> _Local:
    host, status, visibility, account = [*(target.raw_ref or "").split("#"), "", "", ""][:4]
    if not status.isdigit():
        raise CannotReplyError("mastodon: the status's local id was not kept (polled before replies existed)")
    if host != urlsplit(api).netloc.lower():
        raise CannotReplyError(f"mastodon: the status was seen on {host}; its id there is unknown on our instance")
    return _Local(host, status, visibility if visibility in _VISIBILITY else "public", account)


def _refused(response: HttpResponse) -> Refused:
    """Mastodon's `{"error": "..."}` by status: 401 auth, 403 perm, 404/410 gone, 422 invalid, 429 rate."""
    answer = json_of(response)
    error = answer.get("error") if isinstance(answer, dict) else None
    return by_status(response, said(NETWORK, response, str(error or "")))
