"""The evening digest: each brand's health (`functions.reports.health.gather`) as a few lines of
text (`functions.core.health.digest_text`) to the brand's on-call targets, once a day.

Targets: the brand's `escalation.notify` list (Slack, Telegram, SNS), the same channels that hear
escalations; the brand file has no separate digest list yet. The hour is `DIGEST_HOUR_UTC`
(default 20), read when the app is imported, which is when `chalice deploy` builds the schedule:
set it in the deploying shell, not only in the function's environment.

A target that fails is logged and counted (`DigestsFailed`) but does not fail the run: a retried
scheduled invocation would send the digest again to every target that already had it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from chalice.app import Blueprint, CloudWatchEvent, Cron

from functions.core.brands import Brand
from functions.core.health import digest_text
from functions.notifiers import notify
from functions.reports.health import gather
from functions.runtime.brands import brands
from functions.runtime.log import log, metric

bp = Blueprint(__name__)


def digest_hour(raw: str | None = None) -> int:
    """The UTC hour of the digest, from `DIGEST_HOUR_UTC` (0-23, default 20)."""
    value = raw if raw is not None else os.environ.get("DIGEST_HOUR_UTC") or "20"
    if not value.isdigit() or not 0 <= int(value) <= 23:
        raise ValueError(f"DIGEST_HOUR_UTC must be an hour 0-23, got {value!r}")
    return int(value)


def send_digest(brand: Brand, now: datetime) -> int:
    """Send one brand's digest to each of its targets; returns how many accepted it."""
    if not brand.escalation.notify:
        log("digest.no_targets", brand=brand.slug)
        return 0
    text = digest_text(gather(brand, now))
    sent = 0
    for target in brand.escalation.notify:
        try:
            notify(target, text)
        except Exception as error:
            log(
                "digest.failed",
                level="error",
                brand=brand.slug,
                target=target.get("type"),
                error=f"{error.__class__.__name__}: {error}",
            )
            metric("DigestsFailed", dimensions={"target": str(target.get("type"))})
            continue
        sent += 1
    log("digest.sent", brand=brand.slug, targets=sent)
    return sent


@bp.schedule(Cron(0, digest_hour(), "*", "*", "?", "*"))
def digest(event: CloudWatchEvent) -> None:
    now = datetime.now(UTC)
    for brand in brands().all():
        try:
            send_digest(brand, now)
        except Exception as error:  # one brand's store trouble must not cost the others their digest
            log("digest.brand_failed", level="error", brand=brand.slug, error=f"{error.__class__.__name__}: {error}")
