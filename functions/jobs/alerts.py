"""Channel alerts: "token invalid", "channel silent" and the channel statistics' bad days (missing
scope, rate limit, outage) go to the brand's on-call targets, once.

The problem is recorded first (a conditional write that only the first reporter wins), then told;
if telling fails the record is withdrawn, so the next run tries again instead of staying quiet.
The health page shows open problems; a successful poll or delivery clears them.
"""

from __future__ import annotations

from datetime import datetime

from functions.core.brands import Brand
from functions.notifiers import notify
from functions.runtime.log import log, metric
from functions.stores import channels

WHAT = {
    "token_invalid": "its credentials were refused — renew the token in the secret store",
    "silent": "its page shows activity that its webhook never delivered — check the webhook subscription",
    "missing_scope": "its token works but lacks a permission the statistics need — grant it and renew the token",
    "rate_limited": "the network's rate limit stopped today's snapshot — the day stays a gap unless rerun",
    "unavailable": "the network did not answer — the day stays a gap unless rerun",
    "rejected": "the network refused the request — check the account id and settings",
}


def channel_problem(brand: Brand, network: str, kind: str, detail: str, now: datetime) -> bool:
    """Record and announce a broken channel; True when on-call was told now."""
    if not channels.raise_problem(brand.slug, network, kind, detail, now):
        return False
    text = f"[{brand.name}] {network} channel problem: {WHAT.get(kind, kind)}. {detail}"
    try:
        for target in brand.escalation.notify:
            notify(target, text)
    except Exception as error:  # told nobody for sure: withdraw, so the next run alerts again
        channels.clear_problem(brand.slug, network)
        log("alert.failed", level="error", network=network, brand=brand.slug, kind=kind, error=str(error))
        return False
    log("alert.channel_problem", level="warning", network=network, brand=brand.slug, kind=kind, detail=detail)
    metric("ChannelAlerts", dimensions={"network": network, "kind": kind})
    return True


def channel_recovered(brand: Brand, network: str, now: datetime) -> None:
    if channels.clear_problem(brand.slug, network):
        log("alert.channel_recovered", network=network, brand=brand.slug, at=now.isoformat())
