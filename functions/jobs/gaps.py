"""Gap detection for push networks: compare a cheap listing of each owned page with what arrived.

Webhooks stop silently (expired tokens, revoked permissions, a subscription switched off). Every
`GAP_MINUTES` this job asks each push connector that has a `listing` for the recent items on each
account the brand owns, and looks them up by identity:
- items we never stored are sent through the normal ingest path (a backfill: dedupe by identity
  makes a late webhook harmless);
- if the webhook delivered nothing since the oldest missed item, the channel is silent: on-call is
  told once ("channel silent"); a refused token is told as "token invalid";
- a clean check clears the channel's problem.
Items younger than `GRACE` are left alone: their webhook may still be on its way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from functions import connectors
from functions.core.brands import Brand
from functions.core.mention import Mention, parse_time
from functions.core.polls import Credentials, Fetch, TokenInvalidError
from functions.core.webhooks import ConnectorError
from functions.jobs import alerts
from functions.runtime import secrets
from functions.runtime.brands import brands
from functions.runtime.fetch import fetch as http_fetch
from functions.runtime.log import log, metric
from functions.runtime.settings import settings
from functions.stores import channels, mentions, queues

bp = Blueprint(__name__)

GAP_MINUTES = 15
WINDOW = timedelta(hours=2)  # how far back each check looks
GRACE = timedelta(minutes=10)  # a webhook this young may still arrive


@dataclass
class GapReport:
    checked: int = 0
    missing: dict[str, list[str]] = field(default_factory=dict)  # network -> identities backfilled
    alerts: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


Listing = Callable[..., tuple[Mention, ...]]


def _listing(network: str, configured: Iterable[str]) -> Listing | None:
    """The connector's listing, if it has one and the brand configured the secrets it needs."""
    connector = connectors.load(network)
    if connector is None or not connectors.reads_configured(connector, configured):
        return None
    return getattr(connector, "listing", None)


def _silent(missed: list[Mention], last: dict[str, Any] | None) -> bool:
    """Silent: nothing delivered since the oldest item the webhook should have brought."""
    oldest = min(m.created_at for m in missed)
    at = last.get("at") if last else None
    return at is None or parse_time(str(at)) < oldest


def _recovered(last: dict[str, Any] | None) -> bool:
    """A clean listing proves the token works; a silent channel must also have delivered since."""
    problem = (last or {}).get("problem")
    if not problem or not last:
        return False
    if problem.get("kind") != "silent":
        return True
    return bool(last.get("at")) and parse_time(str(last["at"])) >= parse_time(str(problem["since"]))


def check_network(brand: Brand, network: str, now: datetime, http: Fetch, report: GapReport) -> None:
    config = brand.networks[network]
    listing = _listing(network, config.secrets)
    if listing is None or not config.accounts:
        return
    options = {"api": config.settings["api"]} if "api" in config.settings else {}
    found: list[Mention] = []
    try:
        credentials = Credentials(secrets=secrets.resolve(config.secrets))
        for account in config.accounts:
            listed = listing(http, credentials, account, now - WINDOW, now, **options)
            found.extend(replace(m, brand=brand.slug) for m in listed)
    except TokenInvalidError as error:
        report.errors[f"{brand.slug}#{network}"] = str(error)
        if alerts.channel_problem(brand, network, "token_invalid", str(error), now):
            report.alerts.append(f"{brand.slug}#{network}#token_invalid")
        return
    except (ConnectorError, ValueError, secrets.SecretStoreDownError) as error:  # try again next run
        report.errors[f"{brand.slug}#{network}"] = str(error)
        log("gaps.listing_failed", level="warning", network=network, brand=brand.slug, error=str(error))
        metric("PollErrors", dimensions={"network": network, "reason": "listing"})
        return
    report.checked += len(found)
    settled = {m.identity: m for m in found if m.created_at <= now - GRACE}
    missed = [settled[i] for i in sorted(set(settled) - mentions.existing(list(settled)))]
    last = channels.last_deliveries(brand.slug, [network])[network]
    if not missed:
        if _recovered(last):
            alerts.channel_recovered(brand, network, now)
        return
    queues.send(settings().mentions_queue, [{"mention": m.to_dict(), "via": "gap"} for m in missed])
    report.missing[network] = [m.identity for m in missed]
    log("gaps.backfilled", level="warning", network=network, brand=brand.slug, missing=len(missed))
    metric("WebhookGaps", len(missed), dimensions={"network": network})
    if _silent(missed, last):
        oldest = min(m.created_at for m in missed)
        detail = f"{len(missed)} item(s) since {oldest:%Y-%m-%d %H:%M} UTC were not delivered"
        if alerts.channel_problem(brand, network, "silent", detail, now):
            report.alerts.append(f"{brand.slug}#{network}#silent")


def check_all(brand_list: tuple[Brand, ...], now: datetime, http: Fetch = http_fetch) -> GapReport:
    report = GapReport()
    for brand in brand_list:
        for network in sorted(brand.networks):
            if network in connectors.push_networks():
                check_network(brand, network, now, http, report)
    return report


@bp.schedule(Rate(GAP_MINUTES, unit=Rate.MINUTES))
def gaps(event: CloudWatchEvent) -> None:
    report = check_all(brands().all(), datetime.now(UTC))
    log("gaps.run", checked=report.checked, missing=sum(len(v) for v in report.missing.values()), alerts=report.alerts)
