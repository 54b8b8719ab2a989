"""Store access for operator commands only (`functions/cli.py`): full scans.

These run with the operator's credentials, never in a Lambda, so the functions' IAM policy does
not grant what they need (`dynamodb:Scan`); tests/unit/test_policy_coverage.py leaves this module
and the CLI out on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores import desk
from functions.stores.items import from_item


def _mentions() -> Any:
    return aws.dynamodb().Table(settings().mentions_table)


def _desk() -> Any:
    return aws.dynamodb().Table(settings().desk_table)


def mentions(brand: str | None = None) -> Iterator[dict[str, Any]]:
    """Every stored mention (of one brand through its index, else the whole table), page by page.

    For operator commands (re-scoring, erasure), never for request paths.
    """
    kwargs: dict[str, Any] = {}
    if brand is not None:
        kwargs = {"IndexName": "by_brand", "KeyConditionExpression": Key("brand").eq(brand)}
    read = _mentions().query if brand is not None else _mentions().scan
    while True:
        page = read(**kwargs)
        yield from (from_item(item) for item in page.get("Items", []) if not item.get("tombstone"))
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def erase_requester(network: str, author: str, pseudonym: str) -> int:
    """Erase one social author from the builtin desk's tickets (subject, body, requester, comments)."""
    erased = 0
    kwargs: dict[str, Any] = {}
    while True:
        page = _desk().scan(**kwargs)
        for item in page.get("Items", []):
            requester = item.get("requester") or {}
            if requester.get("network") == network and requester.get("id") == author:
                desk.update(
                    str(item["id"]),
                    subject="[erased]",
                    body="[erased at the author's request]",
                    requester={"id": pseudonym, "network": network},
                    comments=[],
                )
                erased += 1
        if "LastEvaluatedKey" not in page:
            return erased
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
