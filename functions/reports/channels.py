"""The brand's own channels as the health page, its JSON, the digest and the agency view show them.

Reads, all bounded: the brand's snapshot days of the last `TREND_DAYS` (one index Query), the latest
posts of each own account (one BatchGetItem) and the accounts' open statistics problems (one
BatchGetItem on the counters table). Figures are computed by `functions.core.channels` (pure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from functions import connectors
from functions.core import channels as figures
from functions.core.brands import Brand
from functions.core.channels import Engagement, stats_channel
from functions.stores import channels, snapshots


def own_accounts(brand: Brand) -> list[tuple[str, str]]:
    """(network, account) for each own account whose network reads statistics and whose brand
    configured the secrets it needs (`STATS_SECRETS`)."""
    found = []
    for network, config in sorted(brand.networks.items()):
        module = connectors.load_channel_source(network)
        if module is None or not set(module.STATS_SECRETS) <= set(config.secrets):
            continue
        pick = getattr(module, "stats_accounts", None)
        accounts = pick(config.accounts, config.settings) if pick else config.accounts
        found += [(network, str(account)) for account in accounts]
    return found


def by_account(items: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Mapping[str, Any]]]:
    days: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for item in items:
        days.setdefault((str(item["network"]), str(item["account"])), {})[str(item["day"])] = item
    return days


def engagement_of(days: Mapping[str, Mapping[str, Any]], network: str) -> Engagement:
    """The definition stored with the newest snapshot, else the module's own."""
    for _, item in sorted(days.items(), reverse=True):
        stored = item.get("engagement")
        if isinstance(stored, dict) and stored.get("label"):
            return Engagement(
                label=str(stored["label"]),
                basis=str(stored.get("basis") or "subscribers"),
                actions=tuple(stored.get("actions") or figures.ACTIONS),
                source=str(stored.get("source") or ""),
            )
    module = connectors.load_channel_source(network)
    return module.ENGAGEMENT if module is not None else Engagement(label="unknown")


def gather(brand: Brand, now: datetime, mentions: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """One entry per own account: figures now, the 30-day series, posts, and an open problem."""
    accounts = own_accounts(brand)
    history = by_account(snapshots.history(brand.slug, now - timedelta(days=figures.TREND_DAYS + 7)))
    pairs = sorted(set(accounts) | set(history))
    posts = snapshots.latest_posts(brand.slug, pairs)
    problems = channels.open_problems(brand.slug, [stats_channel(n, a) for n, a in pairs])
    rows = []
    for network, account in pairs:
        days = history.get((network, account), {})
        engagement = engagement_of(days, network)
        now_figures = figures.history_figures(days, now)
        newest = days[max(days)] if days else {}
        rows.append(
            {
                "network": network,
                "account": account,
                "name": newest.get("name"),
                "definition": {"label": engagement.label, "basis": engagement.basis, "source": engagement.source},
                **now_figures,
                "series": figures.series(days, now),
                "posts": figures.post_figures(
                    posts.get((network, account), []), now_figures["subscribers"], engagement, mentions
                ),
                "problem": problems.get(stats_channel(network, account)),
                "configured": (network, account) in accounts,
            }
        )
    return rows
