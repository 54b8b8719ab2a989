"""Channel health: the last accepted webhook per brand × network, one counters-table item each.

`last#<brand>#<network>` holds `at` (ISO-8601 UTC of the last delivery we verified and queued)
and `count` (deliveries since the item was created). The webhook route records it after a
successful enqueue: one UpdateItem per delivery and brand, no read. Recording is best effort: the
delivery is already queued, so a failure here is logged and never turns into a retry.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from functions.core.mention import format_time
from functions.runtime import aws
from functions.runtime.log import log
from functions.runtime.settings import settings
from functions.stores.items import from_item


def _name(brand: str, network: str) -> str:
    return f"last#{brand}#{network}"


def record_delivery(network: str, brands: Iterable[str], now: datetime) -> None:
    """Note that `network` just delivered for each brand; never raises."""
    table = aws.dynamodb().Table(settings().counters_table)
    for brand in sorted(set(brands)):
        try:
            table.update_item(
                Key={"name": _name(brand, network)},
                UpdateExpression="SET #at = :at ADD #c :one",
                ExpressionAttributeNames={"#at": "at", "#c": "count"},
                ExpressionAttributeValues={":at": format_time(now), ":one": 1},
            )
        except Exception as error:  # the delivery is queued; a lost timestamp only dims the page
            log("channels.record_failed", level="warning", network=network, brand=brand, error=str(error))


def last_deliveries(brand: str, networks: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """`{network: {"at": ..., "count": ...} or None}` for the brand's networks, in one BatchGetItem."""
    wanted = sorted(set(networks))[:100]  # BatchGetItem's limit; a brand has a handful of networks
    found: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
    if not wanted:
        return found
    table = settings().counters_table
    request: dict[str, Any] = {table: {"Keys": [{"name": _name(brand, n)} for n in wanted]}}
    while request:
        page = aws.dynamodb().batch_get_item(RequestItems=request)
        for item in page.get("Responses", {}).get(table, []):
            data = from_item(item)
            network = str(data["name"]).split("#", 2)[2]
            found[network] = {"at": data.get("at"), "count": int(data.get("count", 0))}
        request = page.get("UnprocessedKeys") or {}
    return found
