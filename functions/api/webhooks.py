"""`/webhooks/{network}[/{brand}]`: verify, parse, enqueue, answer fast (house rules 2, 4, 5).

The order of checks at the door: known network (404) → size (413) → brand (404 by URL, 403 when
no brand owns the account) → handshake → signature on the raw bytes (401/403) → parse (400, or
200 for genuine events we do not handle) → storable (413) → enqueue (503 if SQS is down, so the
network retries; 413 if SQS refuses the message itself, which no retry would change).

A batched delivery (Meta's entries, generic's list) is judged part by part: a malformed or
unstorable part is skipped, logged and counted (`counters`: `skipped#<network>#<reason>`, metric
`WebhookPartsSkipped`) and the rest is accepted; only when nothing is left is the delivery refused,
so one bad entry neither loses the others nor makes the network retry the batch forever.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType

from chalice.app import Blueprint, Response

from functions import connectors
from functions.core.brands import Brand
from functions.core.mention import Mention, version_of
from functions.core.webhooks import (
    Connector,
    MalformedPayloadError,
    Reply,
    SignatureError,
    UnsupportedEventError,
    WebhookRequest,
)
from functions.runtime import secrets
from functions.runtime.brands import brands
from functions.runtime.log import log, metric
from functions.runtime.settings import settings
from functions.stores import channels, counters, queues

bp = Blueprint(__name__)

CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded"]


def _error(status: int, reason: str) -> Response:
    return Response(json.dumps({"error": reason}), status_code=status, headers={"Content-Type": "application/json"})


def _reply(reply: Reply) -> Response:
    return Response(reply.body, status_code=reply.status, headers={"Content-Type": reply.content_type})


def _reject(network: str, brand: str | None, status: int, reason: str, why: str) -> Response:
    log("webhook.rejected", level="warning", network=network, brand=brand, status=status, reason=why)
    metric("WebhooksRejected", dimensions={"network": network, "reason": why})
    return _error(status, reason)


def _find_brand(connector: Connector, slug: str | None, request: WebhookRequest) -> Brand | str:
    """The brand by URL slug or by the account id in the payload; a string is the refusal reason."""
    account = connector.account_id(request)
    if slug is not None:
        brand = brands().get(slug)
        if brand is None:
            return "unknown brand"
        if hasattr(connector, "split"):  # batched deliveries: each part's owner is checked after verify
            return brand
        channel = brand.networks.get(connector.NETWORK)
        if account is not None and (channel is None or account not in channel.accounts):
            return f"account {account} does not belong to brand {slug}"
        return brand
    if account is None:
        return "no brand in the URL and no account id in the payload"
    return brands().owner_of(connector.NETWORK, account) or f"no brand owns {connector.NETWORK} account {account}"


def _part_owner(connector: Connector, part: WebhookRequest, verified: Brand, values: Mapping[str, str]) -> Brand | None:
    """The brand one part of a batched delivery belongs to, if the verification covers it.

    One Meta app can serve pages of several brands and batch them in one signed delivery; the
    signature proves the app, so another brand's entries are accepted only when that brand is
    configured with the very same secrets (the same app). Anything else is dropped and logged.
    """
    account = connector.account_id(part)
    channel = verified.networks.get(connector.NETWORK)
    if account is None or (channel is not None and account in channel.accounts):
        return verified
    owner = brands().owner_of(connector.NETWORK, account)
    owner_channel = owner.networks.get(connector.NETWORK) if owner else None
    if owner is None or owner_channel is None or secrets.resolve(owner_channel.secrets) != dict(values):
        log("webhook.part_dropped", level="warning", network=connector.NETWORK, brand=verified.slug, account=account)
        return None
    return owner


def _skipped(network: str, brand: str, reason: str, detail: str) -> None:
    """One part of a delivery left out while the rest is accepted: logged, counted, never silent."""
    log("webhook.part_skipped", level="warning", network=network, brand=brand, reason=reason, detail=detail[:200])
    metric("WebhookPartsSkipped", dimensions={"network": network, "reason": reason})
    counters.increment(f"skipped#{network}#{reason}")


def _parse_parts(
    connector: Connector, request: WebhookRequest, brand: Brand, values: Mapping[str, str]
) -> list[Mention]:
    """Parse a verified delivery; connectors with `split` hand back one part per owned account.

    One unknown or malformed part does not discard the others; when every part failed, the first
    failure is raised (a malformed one before an unknown one: 400 rather than 200).
    """
    split = getattr(connector, "split", None)
    parts: tuple[WebhookRequest, ...] = split(request) if split is not None else (request,)
    found: list[Mention] = []
    unsupported: list[UnsupportedEventError] = []
    malformed: list[MalformedPayloadError] = []
    for part in parts:
        owner = _part_owner(connector, part, brand, values)
        if owner is None:
            continue
        try:
            found.extend(connector.parse(part, owner.slug))
        except UnsupportedEventError as error:
            unsupported.append(error)
        except MalformedPayloadError as error:
            malformed.append(error)
    if malformed and len(malformed) + len(unsupported) == len(parts):
        raise malformed[0]
    if unsupported and len(unsupported) == len(parts):
        raise unsupported[0]
    for skipped in unsupported:
        log("webhook.unsupported_part", network=connector.NETWORK, brand=brand.slug, event_type=skipped.event_type)
    for bad in malformed:
        _skipped(connector.NETWORK, brand.slug, "malformed", str(bad))
    return found


def _storable(network: str, brand: str, found: list[Mention]) -> list[Mention]:
    """The mentions that can be queued and stored whole; the others are skipped and counted."""
    kept = []
    for mention in found:
        problem = mention.unstorable()
        if problem is None:
            kept.append(mention)
        else:
            _skipped(network, brand, "too_large", problem)
    return kept


def receive(network: str, slug: str | None, request: WebhookRequest, now: datetime) -> Response:
    connector = connectors.load(network)
    if connector is None:
        return _error(404, f"unknown network {network!r}")
    if len(request.body) > settings().max_body_bytes:
        return _reject(network, slug, 413, f"body over {settings().max_body_bytes} bytes", "too_large")
    brand = _find_brand(connector, slug, request)
    if isinstance(brand, str):
        status = 404 if slug is not None and brand == "unknown brand" else 403
        return _reject(network, slug, status, brand, "unknown_brand")
    network_config = brand.networks.get(network)
    if network_config is None:
        return _reject(network, brand.slug, 404, f"brand {brand.slug} has no {network} channel", "no_channel")
    try:
        values = MappingProxyType(secrets.resolve(network_config.secrets))
    except secrets.SecretStoreDownError as error:
        log("webhook.secrets_unavailable", level="error", network=network, brand=brand.slug, error=str(error))
        return _error(503, "secrets store unavailable; retry later")
    try:
        handshake = connector.handshake(request, values)
        if handshake is not None:
            log("webhook.handshake", network=network, brand=brand.slug)
            return _reply(handshake)
        if request.method != "POST":
            return _error(405, "only POST delivers events")
        connector.verify(request, values, now)
        found = _parse_parts(connector, request, brand, values)
    except SignatureError as error:
        return _reject(network, brand.slug, error.status, error.reason, "signature")
    except MalformedPayloadError as error:
        return _reject(network, brand.slug, 400, str(error), "malformed")
    except UnsupportedEventError as error:
        log("webhook.unsupported_event", network=network, brand=brand.slug, event_type=error.event_type)
        metric("WebhooksUnsupported", dimensions={"network": network})
        counters.increment(f"unsupported#{network}#{error.event_type}"[:200])
        return _reply(connector.ACK)
    return _enqueue(connector, brand, found, now)


def _enqueue(connector: Connector, brand: Brand, parsed: list[Mention], now: datetime) -> Response:
    """Queue what can be stored; 413 when nothing can, 503 when SQS is down (the network retries)."""
    network = connector.NETWORK
    found = _storable(network, brand.slug, parsed)
    if parsed and not found:
        return _reject(network, brand.slug, 413, "no mention in the delivery can be stored whole", "too_large")
    try:
        version = version_of(now)  # orders edits and deletes of one mention (functions/stores/mentions.py)
        queues.send(settings().mentions_queue, [{"mention": m.to_dict(), "received_at": version} for m in found])
    except queues.MessageRefusedError as error:  # permanent: a retry of the same bytes cannot pass
        return _reject(network, brand.slug, 413, f"the queue refused the delivery: {error}", "refused")
    except Exception as error:  # SQS down or throttling: make the network retry, lose nothing
        log("webhook.enqueue_failed", level="error", network=network, brand=brand.slug, error=str(error))
        return _error(503, "could not queue the delivery; retry later")
    channels.record_delivery(network, {m.brand for m in found} or {brand.slug}, now)
    for mention in found:
        log("webhook.accepted", mention=mention.identity, network=network, brand=brand.slug)
    metric("MentionsReceived", len(found), dimensions={"network": network})
    return _reply(connector.ACK)


def _bytes(raw: str | bytes | None) -> bytes:
    if raw is None:
        return b""
    return raw if isinstance(raw, bytes) else raw.encode()


def _handle(network: str, slug: str | None) -> Response:
    current = bp.current_request
    request = WebhookRequest(
        method=current.method,
        body=_bytes(current.raw_body),
        headers=MappingProxyType({k.lower(): v for k, v in current.headers.items()}),
        query=MappingProxyType(dict(current.query_params or {})),
    )
    return receive(network, slug, request, datetime.now(UTC))


@bp.route("/webhooks/{network}", methods=["GET", "POST"], content_types=CONTENT_TYPES)
def webhook(network: str) -> Response:
    return _handle(network, None)


@bp.route("/webhooks/{network}/{brand}", methods=["GET", "POST"], content_types=CONTENT_TYPES)
def webhook_for_brand(network: str, brand: str) -> Response:
    return _handle(network, brand)
