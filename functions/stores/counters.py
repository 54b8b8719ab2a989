"""Atomic counters (DynamoDB ADD): unsupported events per network, later spike windows."""

from __future__ import annotations

from typing import Any

from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item


def _table() -> Any:
    return aws.dynamodb().Table(settings().counters_table)


def increment(name: str, by: int = 1) -> None:
    _table().update_item(
        Key={"name": name},
        UpdateExpression="ADD #c :by",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":by": by},
    )


def value(name: str) -> int:
    item = _table().get_item(Key={"name": name}, ConsistentRead=True).get("Item")
    return int(from_item(item)["count"]) if item else 0
