"""One brand's health figures, read from the stores: what the health page, its JSON and the
evening digest all show (`functions.api.health_page`, `functions.jobs.digest`).

The figures themselves are computed by `functions.core.health` (pure); this module only does the
bounded reads: the brand's mentions since midnight UTC six days ago (at most `MENTION_LIMIT`,
newest first, flagged `truncated` when the limit is hit), its newest `TICKET_LIMIT` ticket links,
its open links (what the escalation sweep reads anyway), one BatchGetItem for channel and loyalty
counters each, its poll cursors, and its own channels' snapshots (`functions.reports.channels`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.core import health
from functions.core.brands import Brand
from functions.core.mention import format_time, parse_time
from functions.reports import channels as own_channels
from functions.stores import channels, cursors, loyalty, mentions, tickets
from functions.stores.tickets import Link

MENTION_LIMIT = 1000
TICKET_LIMIT = 200


def _view(link: Link) -> health.TicketView:
    return health.TicketView(
        key=link.key,
        ticket_id=link.ticket.id if link.ticket else None,
        ticket_url=link.ticket.url if link.ticket else None,
        status=link.status,
        priority=link.priority,
        posted_at=parse_time(link.posted_at) if link.posted_at else None,
        responded=link.responded,
        solved=link.solved,
        created_at=parse_time(link.created_at) if link.created_at else None,
    )


def open_views(brand: Brand) -> list[health.TicketView]:
    """The brand's open ticket links, as the health figures read them."""
    return [_view(link) for link in tickets.open_links(brand.slug)]


def gather(brand: Brand, now: datetime) -> dict[str, Any]:
    """Everything the health page, its JSON and the digest show, for one brand at `now`."""
    since = health.window_start(now)
    items = mentions.query(brand.slug, since, None, MENTION_LIMIT)
    trend = health.daily_trend(items, now)
    opened = open_views(brand)
    recent = [health.TicketView.from_item(item) for item in tickets.list_links(brand.slug, TICKET_LIMIT)]
    return {
        "brand": brand.slug,
        "name": brand.name,
        "generated_at": format_time(now),
        "window": {
            "since": format_time(since),
            "days": health.TREND_DAYS,
            "mention_limit": MENTION_LIMIT,
            "truncated": len(items) >= MENTION_LIMIT,
        },
        "trend": trend,
        "totals": health.totals(trend),
        "open_complaints": health.open_complaints(opened, now, since),
        "sla": health.sla_risk(opened, brand.escalation, now),
        "first_response": health.first_response(recent, since),
        "engagement": health.engagement(items),
        "own_channels": own_channels.gather(brand, now, items),
        "channels": health.channel_health(channels.last_deliveries(brand.slug, brand.networks), now),
        "polls": health.poll_health(cursors.for_brand(brand.slug), now),
        "loyalty": loyalty.figures(brand.slug),
    }
