"""Atomic counters (DynamoDB ADD): unsupported events per network, complaints per spike window."""

from __future__ import annotations

from typing import Any

from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item


def _table() -> Any:
    return aws.dynamodb().Table(settings().counters_table)


def increment(name: str, by: int = 1, expires_at: int | None = None) -> int:
    """Add to a counter and return its new value; `expires_at` (epoch s) lets TTL clean it up."""
    expression, values = "ADD #c :by", {":by": by}
    if expires_at is not None:
        expression += " SET expires_at = :exp"
        values[":exp"] = expires_at
    updated = _table().update_item(
        Key={"name": name},
        UpdateExpression=expression,
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues=values,
        ReturnValues="UPDATED_NEW",
    )
    return int(from_item(updated["Attributes"])["count"])


def values(names: list[str]) -> dict[str, int]:
    """Many counters in one round trip (BatchGetItem, 100 keys at most); absent ones are 0."""
    found: dict[str, int] = dict.fromkeys(names, 0)
    table = settings().counters_table
    for start in range(0, len(names), 100):
        request: dict[str, Any] = {
            table: {"Keys": [{"name": n} for n in names[start : start + 100]], "ConsistentRead": True}
        }
        while request:
            page = aws.dynamodb().batch_get_item(RequestItems=request)
            for item in page.get("Responses", {}).get(table, []):
                found[str(item["name"])] = int(from_item(item)["count"])
            request = page.get("UnprocessedKeys") or {}
    return found


def value(name: str) -> int:
    item = _table().get_item(Key={"name": name}, ConsistentRead=True).get("Item")
    return int(from_item(item)["count"]) if item else 0
