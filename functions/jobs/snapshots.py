"""Daily snapshots of the brands' own channels: subscribers and the week's posts with their counters.

Every brand × network × own account whose network module reads channel statistics
(`connectors.channel_sources()`, `channel_stats` in the module) and whose brand configured that
module's `STATS_SECRETS` is read once a day (`channel_snapshots`, `SNAPSHOT_CRON` below, before the
evening digest) and on demand (`python -m functions.cli channels snapshot --brand B`). The connector
does the reading through the `http` it is given; this job resolves secrets, stores the result
(`functions.stores.snapshots`) and handles bad days:

- a refused token, a missing scope, a rate limit or an outage is recorded as an open problem of the
  channel `<network>:stats:<account>` (shown on the health page) and told to on-call once
  (`functions.jobs.alerts`, re-armed after 6 hours while it lasts); the day is then missing, which
  the chart shows as a gap, never as a zero; the next good snapshot clears the problem;
- a bug (anything else) is logged as `snapshot.crashed` and fails the run after every other
  channel was read, so the function's Errors alarm fires.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint, Cron

from functions import connectors
from functions.core.brands import Brand
from functions.core.channels import DAYS, ChannelStats, Engagement, ScopeMissingError, stats_channel
from functions.core.polls import (
    Credentials,
    Fetch,
    MalformedPayloadError,
    PollError,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
)
from functions.jobs import alerts
from functions.reports.channels import own_accounts
from functions.runtime import secrets
from functions.runtime.brands import brands
from functions.runtime.fetch import fetch as http_fetch
from functions.runtime.log import log, metric
from functions.stores import snapshots

bp = Blueprint(__name__)

SNAPSHOT_CRON = (0, 17)  # minute, hour UTC: before the 20:00 digest, after most of the day's activity


@dataclass(frozen=True)
class Target:
    brand: Brand
    network: str
    account: str
    module: Any

    @property
    def label(self) -> str:
        return f"{self.brand.slug}/{self.network}/{self.account}"


@dataclass
class Report:
    taken: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    crashed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"taken": self.taken, "errors": self.errors, "crashed": self.crashed}


class SnapshotRunError(Exception):
    """Some channel failed on a bug: raised after every other channel was read."""


def plan(brand_list: Iterable[Brand]) -> list[Target]:
    """Every own account of every brand whose network reads statistics and whose secrets are configured."""
    return [
        Target(brand, network, account, connectors.load_channel_source(network))
        for brand in brand_list
        for network, account in own_accounts(brand)
    ]


def _reason(error: Exception) -> str:
    if isinstance(error, TokenInvalidError):
        return "token_invalid"
    if isinstance(error, ScopeMissingError):
        return "missing_scope"
    if isinstance(error, RateLimitedError):
        return "rate_limited"
    if isinstance(error, SourceUnavailableError):
        return "unavailable"
    if isinstance(error, PollError):
        return "rejected"
    return "malformed" if isinstance(error, MalformedPayloadError) else "crashed"


def take(target: Target, now: datetime, http: Fetch = http_fetch, days: int = DAYS) -> dict[str, Any]:
    """Read one channel and store the day's snapshot; returns the stored day item. Raises the
    connector's errors (the caller decides whether they are a bad day or a bug)."""
    config = target.brand.networks[target.network]
    values = secrets.resolve({name: config.secrets[name] for name in target.module.STATS_SECRETS})
    stats: ChannelStats = target.module.channel_stats(
        http, Credentials(secrets=values), target.account, config.settings, now, days=days
    )
    engagement: Engagement = target.module.ENGAGEMENT
    return snapshots.save(target.brand.slug, stats, engagement)


def run(targets: Iterable[Target], now: datetime, *, http: Fetch = http_fetch) -> Report:
    """Snapshot every target; one channel's bad day never stops the others."""
    report = Report()
    for target in targets:
        fields = {"network": target.network, "brand": target.brand.slug, "account": target.account}
        try:
            item = take(target, now, http)
        except secrets.SecretStoreDownError as error:
            log("snapshot.secrets_down", level="warning", error=str(error), **fields)
            report.errors[target.label] = f"secrets: {error}"
            continue
        except Exception as error:
            reason = _reason(error)
            report.errors[target.label] = f"{reason}: {error}"
            metric("SnapshotErrors", dimensions={"network": target.network, "reason": reason})
            if reason == "crashed":
                report.crashed += 1
                log("snapshot.crashed", level="error", error=repr(error), trace=traceback.format_exc(), **fields)
                continue
            log(f"snapshot.{reason}", level="warning", error=str(error), **fields)
            alerts.channel_problem(target.brand, stats_channel(target.network, target.account), reason, str(error), now)
            continue
        alerts.channel_recovered(target.brand, stats_channel(target.network, target.account), now)
        report.taken.append(target.label)
        log("snapshot.taken", subscribers=item.get("subscribers"), posts=item["summary"]["posts"], **fields)
    return report


def run_all(now: datetime, brand_list: Iterable[Brand] | None = None) -> Report:
    report = run(plan(brand_list if brand_list is not None else brands().all()), now)
    log("snapshot.run", **report.as_dict())
    if report.crashed:
        raise SnapshotRunError(f"{report.crashed} channel(s) failed on a bug; see snapshot.crashed")
    return report


@bp.schedule(Cron(SNAPSHOT_CRON[0], SNAPSHOT_CRON[1], "*", "*", "?", "*"))
def channel_snapshots(event: Any) -> None:
    run_all(datetime.now(UTC))
