"""Read API for agents and dashboards: `GET /mentions`, `GET /tickets`, `GET /health[/details]`.

Everything here but the bare liveness `GET /health` needs a read key (`functions.api.auth`): a
brand's key reads that brand only (without `?brand=`, the lists hold only its items), the agency
key every brand and `/health/details`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalice.app import Blueprint, Response

from functions import connectors, helpdesks
from functions.api.auth import Grant, require_key
from functions.core import untrusted
from functions.core.mention import parse_time
from functions.runtime import workers
from functions.runtime.brands import brands
from functions.runtime.settings import settings
from functions.stores import loyalty, mentions, queues, tickets

bp = Blueprint(__name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class BadQueryError(ValueError):
    pass


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status_code=status,
        headers={"Content-Type": "application/json"},
    )


def _params() -> dict[str, str]:
    return dict(bp.current_request.query_params or {})


def _brands(params: dict[str, str], grant: Grant) -> list[str]:
    """The brands a list covers: the one asked for (the key was checked for it), else every brand
    the key opens."""
    slug = params.get("brand")
    if slug is None:
        return grant.visible(b.slug for b in brands().all())
    if brands().get(slug) is None:
        raise BadQueryError(f"unknown brand {slug!r}")
    return [slug]


def _limit(params: dict[str, str]) -> int:
    limit = untrusted.digits(params.get("limit", str(DEFAULT_LIMIT)), len(str(MAX_LIMIT)))
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise BadQueryError(f"limit must be an integer in 1..{MAX_LIMIT}")
    return limit


def _since(params: dict[str, str]) -> datetime | None:
    raw = params.get("since")
    if raw is None:
        return None
    try:
        return parse_time(raw)
    except ValueError as error:
        raise BadQueryError("since must be an ISO-8601 time, e.g. 2026-11-27T10:00:00Z") from error


def _complaint(params: dict[str, str]) -> bool | None:
    raw = params.get("complaint")
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise BadQueryError("complaint must be true or false")
    return raw == "true"


@bp.route("/mentions", methods=["GET"])
@require_key(bp)
def list_mentions(*, grant: Grant) -> Response:
    params = _params()
    try:
        slugs, limit, since, complaint = _brands(params, grant), _limit(params), _since(params), _complaint(params)
    except BadQueryError as error:
        return _json({"error": str(error)}, 400)
    items = [item for slug in slugs for item in mentions.query(slug, since, complaint, limit)]
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return _json({"items": items[:limit], "count": min(len(items), limit)})


_LEASE_FIELDS = frozenset({"commenting", "lease_owner", "lease_until"})


def _public(link: dict[str, Any]) -> dict[str, Any]:
    """A ticket link without the worker leases, which mean nothing to a reader."""
    return {k: v for k, v in link.items() if k not in _LEASE_FIELDS}


@bp.route("/tickets", methods=["GET"])
@require_key(bp)
def list_tickets(*, grant: Grant) -> Response:
    params = _params()
    try:
        slugs, limit = _brands(params, grant), _limit(params)
    except BadQueryError as error:
        return _json({"error": str(error)}, 400)
    items = [_public(item) for slug in slugs for item in tickets.list_links(slug, limit)]
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return _json({"items": items[:limit], "count": min(len(items), limit)})


@bp.route("/brands/{brand}/loyalty", methods=["GET"])
@require_key(bp)
def brand_loyalty(brand: str) -> Response:
    """After we solved an author's problem, how often their next post was positive."""
    if brands().get(brand) is None:
        return _json({"error": f"unknown brand {brand!r}"}, 404)
    return _json({"brand": brand, **loyalty.figures(brand)})


@bp.route("/health", methods=["GET"])
def health() -> Response:
    """Liveness only, unauthenticated: for load balancers, uptime checks and `infra.local.running`.

    It calls no AWS API, so anonymous callers can neither learn the deployment's shape nor make
    it spend SQS calls; the queue details are behind the key at `/health/details`.
    """
    return _json({"status": "ok"})


@bp.route("/health/details", methods=["GET"])
@require_key(bp, agency_only=True)
def health_details() -> Response:
    """What on-call wants first: queue depths and dead letters, and the state of the queue consumers
    this process runs itself (the local stack); 503 when a queue cannot be read or a consumer died
    or keeps failing. Deployment-wide (every brand's queues, how many brands there are): the agency
    key only."""
    cfg = settings()
    checks: dict[str, Any] = {}
    status = 200
    try:
        for name in (cfg.mentions_queue, cfg.tickets_queue):
            checks[name] = {"depth": queues.depth(name), "dead_letters": queues.depth(f"{name}-dlq")}
    except Exception as error:  # report, don't crash: health must answer while parts are down
        checks["error"] = f"{error.__class__.__name__}: {error}"
        status = 503
    consumers = workers.status()
    if not workers.healthy():
        status = 503
    return _json(
        {
            "status": "ok" if status == 200 else "degraded",
            "stage": cfg.stage,
            "brands": len(brands().all()),
            "networks": list(connectors.available()),
            "helpdesks": list(helpdesks.available()),
            "queues": checks,
            **({"workers": consumers} if consumers else {}),
        },
        status,
    )
