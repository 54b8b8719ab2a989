"""The agency view: one row per brand and own account, the look before sleep that covers every
client (`GET /agency/health[.html]`, the agency key only).

Reads per brand: its open ticket links (as the escalation sweep does), its snapshot days of the last
`WEEK_AND_A_DAY` days (one index Query) and its accounts' open statistics problems (one BatchGetItem).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from functions.core import channels as figures
from functions.core import health
from functions.core.brands import Brand
from functions.core.channels import stats_channel
from functions.reports.channels import by_account, engagement_of, own_accounts
from functions.reports.health import open_views
from functions.stores import channels, snapshots

WEEK_AND_A_DAY = 8  # today, yesterday, and the same day last week


def agency_rows(brand_list: Iterable[Brand], now: datetime) -> list[dict[str, Any]]:
    """One row per brand and own account (a brand without any: one row), for the agency view:
    subscribers, engagement now and a week ago, open complaints and SLA at risk (brand-wide)."""
    rows = []
    for brand in brand_list:
        views = open_views(brand)
        opened = health.open_complaints(views, now)
        risk = health.sla_risk(views, brand.escalation, now)
        accounts = own_accounts(brand)
        history = by_account(snapshots.history(brand.slug, now - timedelta(days=WEEK_AND_A_DAY)))
        pairs = sorted(set(accounts) | set(history))
        problems = channels.open_problems(brand.slug, [stats_channel(n, a) for n, a in pairs])
        brand_part = {
            "brand": brand.slug,
            "brand_name": brand.name,
            "open_complaints": opened["count"],
            "sla_breached": risk["breached"],
            "sla_at_risk": risk["at_risk"],
        }
        if not pairs:
            rows.append({**brand_part, "network": None, "account": None})
            continue
        for network, account in pairs:
            days = history.get((network, account), {})
            engagement = engagement_of(days, network)
            found = figures.history_figures(days, now)
            rows.append(
                {
                    **brand_part,
                    "network": network,
                    "account": account,
                    "subscribers": found["subscribers"],
                    "growth_week": found["growth_week"],
                    "rate": found["rate"],
                    "rate_week_ago": found["rate_week_ago"],
                    "rate_change": found["rate_change"],
                    "definition": engagement.label,
                    "marks": found["marks"],
                    "as_of": found["as_of"],
                    "problem": problems.get(stats_channel(network, account)),
                }
            )
    return rows
