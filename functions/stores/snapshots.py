"""Own-channel snapshots: the `snapshots` table (`infra/resources.py`), TTL `expires_at`.

Two kinds of item per brand × network × account:
- `day#<brand>#<network>#<account>#<YYYY-MM-DD>`: the day's raw figures (subscribers, the week's
  summary, marks, the engagement definition, `taken_at`), with `brand` and `day` so the `by_brand`
  index lists a brand's days in one Query. A second snapshot on the same day replaces the first.
  Kept `RETENTION_DAYS` (100): a 90-day trend plus the week before it.
- `posts#<brand>#<network>#<account>`: the latest snapshot's posts with their counters, replaced
  by each snapshot. It has no `brand`/`day` attributes, so the index (and the trend reads) skip it:
  the chart never reads post lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.core.channels import RETENTION_DAYS, ChannelStats, Engagement, PostStats, day, summary
from functions.core.mention import format_time
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item, to_item


def _table() -> Any:
    return aws.dynamodb().Table(settings().snapshots_table)


def _day_key(brand: str, network: str, account: str, on: str) -> str:
    return f"day#{brand}#{network}#{account}#{on}"


def _posts_key(brand: str, network: str, account: str) -> str:
    return f"posts#{brand}#{network}#{account}"


def save(brand: str, stats: ChannelStats, engagement: Engagement) -> dict[str, Any]:
    """Store the day's figures and the latest posts; returns the day item as stored."""
    expires = int((stats.taken_at + timedelta(days=RETENTION_DAYS)).timestamp())
    on = day(stats.taken_at)
    item = {
        "key": _day_key(brand, stats.network, stats.account, on),
        "brand": brand,
        "day": on,
        "network": stats.network,
        "account": stats.account,
        "name": stats.name,
        "taken_at": format_time(stats.taken_at),
        "subscribers": stats.subscribers,
        "summary": summary(stats, engagement),
        "marks": dict(stats.marks),
        "engagement": asdict(engagement),
        "days": stats.days,
        "expires_at": expires,
    }
    table = _table()
    table.put_item(Item=to_item(item))
    table.put_item(
        Item=to_item(
            {
                "key": _posts_key(brand, stats.network, stats.account),
                "taken_at": format_time(stats.taken_at),
                "posts": [p.to_dict() for p in stats.posts],
                "expires_at": expires,
            }
        )
    )
    return item


def history(brand: str, since: datetime) -> list[dict[str, Any]]:
    """The brand's day items from `since` (a UTC day) on, every network and account."""
    found: list[dict[str, Any]] = []
    query: dict[str, Any] = {
        "IndexName": "by_brand",
        "KeyConditionExpression": Key("brand").eq(brand) & Key("day").gte(day(since)),
    }
    while True:
        page = _table().query(**query)
        found += [from_item(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return found
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def latest_posts(brand: str, accounts: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[PostStats]]:
    """The latest snapshot's posts per (network, account), in one BatchGetItem per 100 keys."""
    wanted = sorted(set(accounts))
    found: dict[tuple[str, str], list[PostStats]] = {pair: [] for pair in wanted}
    table = settings().snapshots_table
    for start in range(0, len(wanted), 100):
        keys = [{"key": _posts_key(brand, n, a)} for n, a in wanted[start : start + 100]]
        request: dict[str, Any] = {table: {"Keys": keys}}
        while request:
            page = aws.dynamodb().batch_get_item(RequestItems=request)
            for item in page.get("Responses", {}).get(table, []):
                data = from_item(item)
                _, _, network, account = str(data["key"]).split("#", 3)
                found[(network, account)] = [PostStats.from_dict(p) for p in data.get("posts", [])]
            request = page.get("UnprocessedKeys") or {}
    return found
