"""The verdicts table: one item per labelled mention, keyed by its brand-scoped identity.

A verdict is written unless a stronger one is there (`Source`: agent > import > desk > solved), so a
later "solved" cannot undo an agent's "not a complaint". Items carry the mention's text, so a
brand's training set is one query (`by_brand`), with no reads of the mentions table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from functions.core.verdicts import Source, Verdict
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item, is_conditional_failure, to_item


def _table() -> Any:
    return aws.dynamodb().Table(settings().verdicts_table)


def record(verdict: Verdict) -> bool:
    """Write the verdict unless a stronger source has spoken; True if written."""
    item = to_item(
        {
            "id": verdict.key,
            "brand": verdict.brand,
            "complaint": verdict.complaint,
            "source": verdict.source.name.lower(),
            "rank": int(verdict.source),
            "at": verdict.at,
            "text": verdict.text,
            "lang": verdict.lang,
            "sentiment": verdict.sentiment,
        }
    )
    try:
        _table().put_item(
            Item=item, ConditionExpression=Attr("id").not_exists() | Attr("rank").lte(int(verdict.source))
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def _verdict(item: dict[str, Any]) -> Verdict:
    data = from_item(item)
    return Verdict(
        key=data["id"],
        brand=data["brand"],
        complaint=bool(data["complaint"]),
        source=Source(int(data["rank"])),
        at=data["at"],
        text=data.get("text") or "",
        lang=data.get("lang"),
        sentiment=data.get("sentiment"),
    )


def get(key: str) -> Verdict | None:
    item = _table().get_item(Key={"id": key}, ConsistentRead=True).get("Item")
    return _verdict(item) if item else None


def for_brand(brand: str) -> Iterator[Verdict]:
    """Every verdict of one brand, oldest first (the trainer's input)."""
    kwargs: dict[str, Any] = {"IndexName": "by_brand", "KeyConditionExpression": Key("brand").eq(brand)}
    while True:
        page = _table().query(**kwargs)
        yield from (_verdict(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
