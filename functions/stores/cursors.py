"""Poll cursors: one item per brand × source × target in the `cursors` table.

The item holds the source's cursor (JSON text, so its shape is the source's business), when the
target may be polled again (`not_before`, after a 429 or a failure), how many runs failed in a row
and the last error. Saves are conditional on `version`: two overlapping runs of one schedule
cannot both advance a cursor (the loser stops and the winner's cursor stands). A save whose item
equals the stored one is skipped, so re-polling an unchanged source writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from functions.core.mention import format_time, parse_time
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item


class CursorConflictError(Exception):
    """Another run saved this cursor first: this run stops polling the target."""


@dataclass(frozen=True)
class CursorState:
    key: str
    cursor: dict[str, Any] | None = None  # None: never polled
    version: int = 0
    not_before: datetime | None = None
    failures: int = 0
    error: str | None = None

    def same_as(self, other: CursorState) -> bool:
        return (self.cursor, self.not_before, self.failures, self.error) == (
            other.cursor,
            other.not_before,
            other.failures,
            other.error,
        )


def key(brand: str, source: str, target: str) -> str:
    return f"{brand}#{source}#{target}"


def _table() -> Any:
    return aws.dynamodb().Table(settings().cursors_table)


def get(name: str) -> CursorState:
    item = _table().get_item(Key={"key": name}, ConsistentRead=True).get("Item")
    if item is None:
        return CursorState(name)
    data = from_item(item)
    return CursorState(
        key=name,
        cursor=json.loads(data["cursor"]) if data.get("cursor") else None,
        version=int(data.get("version", 0)),
        not_before=parse_time(data["not_before"]) if data.get("not_before") else None,
        failures=int(data.get("failures", 0)),
        error=data.get("error"),
    )


@dataclass(frozen=True)
class TargetStatus:
    """What the health page shows per polled target."""

    source: str
    target: str
    newest: str | None  # the newest item the last complete sweep saw (`mark`), when the source keeps one
    failures: int
    error: str | None
    not_before: str | None


def for_brand(brand: str) -> list[TargetStatus]:
    """Every cursor of the brand (schedule and backfills), through the `by_brand` index."""
    found: list[TargetStatus] = []
    request: dict[str, Any] = {"IndexName": "by_brand", "KeyConditionExpression": Key("brand").eq(brand)}
    while True:
        page = _table().query(**request)
        for item in map(from_item, page.get("Items", [])):
            cursor = json.loads(item["cursor"]) if item.get("cursor") else {}
            _, source, target = str(item["key"]).split("#", 2)
            mark = cursor.get("mark")
            found.append(
                TargetStatus(
                    source=source,
                    target=target,
                    newest=mark if isinstance(mark, str) else None,
                    failures=int(item.get("failures", 0)),
                    error=item.get("error"),
                    not_before=item.get("not_before"),
                )
            )
        if "LastEvaluatedKey" not in page:
            return sorted(found, key=lambda s: (s.source, s.target))
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def save(old: CursorState, new: CursorState, *, brand: str, source: str) -> CursorState:
    """Store `new` if it differs from `old` (what this run read); returns what is stored now."""
    if new.same_as(old):
        return old
    item: dict[str, Any] = {
        "key": old.key,
        "brand": brand,
        "source": source,
        "version": old.version + 1,
        "failures": new.failures,
    }
    if new.cursor is not None:
        item["cursor"] = json.dumps(new.cursor, sort_keys=True, ensure_ascii=False)
    if new.not_before is not None:
        item["not_before"] = format_time(new.not_before)
    if new.error:
        item["error"] = new.error[:500]
    condition: dict[str, Any] = (
        {"ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "key"}}
        if old.version == 0
        else {
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": {":v": old.version},
        }
    )
    try:
        _table().put_item(Item=item, **condition)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise CursorConflictError(old.key) from error
        raise
    return replace(new, key=old.key, version=old.version + 1)
