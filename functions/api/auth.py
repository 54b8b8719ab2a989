"""Read API keys: `X-Api-Key`, compared in constant time, scoped to brands.

Two kinds of key, both secrets read through `functions.runtime.secrets` (cached for
`SECRETS_TTL_SECONDS`, so a changed value is live within the TTL):
- the agency key, one SSM SecureString per stage named by `READ_API_KEY_PARAMETER` (default
  `/mentiondesk/<stage>/read-api-key`): every brand, and the deployment-wide `/health/details`;
- a brand key, referenced from the brand file as `secrets.read_keys` (like every other secret):
  that brand only, on every route that names a brand, and only its items where none is named.

A secret's value may hold several keys separated by whitespace (`"<new> <old>"`): each is valid,
which is how a key is rotated without downtime (add the new one, hand it out, drop the old one).

`require_key(bp)` wraps every read route; later routes that act on one brand (replies,
moderation, verdicts) call `authorize(given, brand=slug)` and get the same answers:
- no `X-Api-Key` header: 401, without a call to SSM (anonymous scanners cost nothing);
- a key that opens nothing here (wrong, or another brand's): 403, the same answer for a brand that
  exists and one that does not, so a brand's key cannot learn which other brands the agency serves;
- a key that opens nothing while the agency parameter (or the named brand's) is missing or
  unreadable: 503 naming it (fail closed, and the operator sees why); the secret store itself
  down: 503 "retry later".

Webhooks and `/helpdesk-events` are not wrapped: each network and helpdesk has its own proof.
Keys never travel in URLs (they would land in access logs and browser history).
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from chalice.app import Blueprint, Request, Response

from functions.core.webhooks import same_secret
from functions.runtime import secrets
from functions.runtime.brands import brands
from functions.runtime.log import log, metric
from functions.runtime.settings import settings

HEADER = "X-Api-Key"
PARAMETER_ENV = "READ_API_KEY_PARAMETER"
BRAND_KEYS = "read_keys"  # the brand file's `secrets` entry holding a brand's read keys

View = TypeVar("View", bound=Callable[..., Response])


@dataclass(frozen=True)
class Grant:
    """What a read key opens: every brand (the agency key, `brands` None) or the named ones."""

    brands: frozenset[str] | None

    @property
    def agency(self) -> bool:
        return self.brands is None

    def allows(self, slug: str) -> bool:
        return self.brands is None or slug in self.brands

    def visible(self, slugs: Iterable[str]) -> list[str]:
        """The slugs this key may read, in the order given."""
        return [slug for slug in slugs if self.allows(slug)]


AGENCY = Grant(None)


def parameter_name() -> str:
    """The SSM parameter holding the agency read key(s) for this stage."""
    return os.environ.get(PARAMETER_ENV) or f"/mentiondesk/{settings().stage}/read-api-key"


def keys_in(value: str) -> tuple[str, ...]:
    """The keys a secret's value holds: one, or several separated by whitespace (rotation)."""
    return tuple(value.split())


def opens(given: str, value: str) -> bool:
    """Is `given` one of the keys in `value`? Every key is compared, each in constant time."""
    return any([same_secret(given, key) for key in keys_in(value)])


def _refuse(status: int, reason: str, why: str, path: str) -> Response:
    log("read.rejected", level="warning", status=status, reason=why, path=path)
    metric("ReadRejected", dimensions={"reason": why})
    return Response(
        json.dumps({"error": reason}),
        status_code=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


def _candidates(brand: str | None, agency_only: bool) -> list[tuple[Grant, str]]:
    """(what it opens, secret reference) for each key source that could open this request: the
    agency key, then the named brand's keys, or every brand's when no brand is named."""
    found = [(AGENCY, f"ssm:{parameter_name()}")]
    if agency_only:
        return found
    named = brands().get(brand) if brand is not None else None
    pool = (named,) if named is not None else () if brand is not None else brands().all()
    return found + [(Grant(frozenset({b.slug})), b.secrets[BRAND_KEYS]) for b in pool if BRAND_KEYS in b.secrets]


def authorize(
    given: str | None, *, brand: str | None = None, agency_only: bool = False, path: str = ""
) -> Grant | Response:
    """The grant of the key `given` for a request about `brand` (None: no brand named), or the
    refusal to send back. `agency_only` routes (deployment-wide figures) take the agency key only."""
    if not given:
        return _refuse(401, f"missing {HEADER} header", "missing", path)
    closed: list[str] = []  # unreadable sources this request depends on: the agency key, the named brand's
    for grant, ref in _candidates(brand, agency_only):
        try:
            value = secrets.secret(ref)
        except secrets.SecretStoreDownError:
            return _refuse(503, "secrets store unavailable; retry later", "store_down", path)
        except secrets.SecretUnavailableError:
            if grant.agency or brand is not None:
                closed.append(ref)
            continue
        if opens(given, value):
            return grant
    if closed:
        return _refuse(503, f"read API key is not configured ({_describe(closed[0])}); access is closed", "unset", path)
    return _refuse(403, f"wrong {HEADER}", "wrong", path)


def _describe(ref: str) -> str:
    store, _, name = ref.partition(":")
    return f"SSM parameter {name}" if store == "ssm" else f"secret {name}"


def requested_brand(request: Request) -> str | None:
    """The brand a read request is about: `/brands/{brand}/...`, else `?brand=`, else None."""
    uri: Mapping[str, str] = request.uri_params or {}
    query: Mapping[str, str] = request.query_params or {}
    return uri.get("brand") or query.get("brand")


def require_key(bp: Blueprint, *, agency_only: bool = False) -> Callable[[View], View]:
    """Decorator for a route of `bp`: the view runs only for a key that opens the brand the request
    names (or, with `agency_only`, for the agency key). A view with a `grant` parameter is handed
    the `Grant`, to narrow what it lists when no brand is named."""

    def decorate(view: View) -> View:
        wants_grant = "grant" in inspect.signature(view).parameters

        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            request = bp.current_request
            grant = authorize(
                request.headers.get(HEADER),
                brand=None if agency_only else requested_brand(request),
                agency_only=agency_only,
                path=request.path,
            )
            if isinstance(grant, Response):
                return grant
            return view(*args, grant=grant, **kwargs) if wants_grant else view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
