"""Store access for operator commands only (`functions/cli.py`): full scans.

These run with the operator's credentials, never in a Lambda, so the functions' IAM policy does
not grant what they need (`dynamodb:Scan`); tests/unit/test_policy_coverage.py leaves this module
and the CLI out on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores import desk
from functions.stores.items import from_item, is_conditional_failure


def _mentions() -> Any:
    return aws.dynamodb().Table(settings().mentions_table)


def _desk() -> Any:
    return aws.dynamodb().Table(settings().desk_table)


def _links() -> Any:
    return aws.dynamodb().Table(settings().tickets_table)


def scan_raw(table: str) -> Iterator[dict[str, Any]]:
    """Every item of `mentions` or `tickets` as DynamoDB gives it (Decimals, sets): for rewriting
    items in place without changing their types (the identity migration)."""
    resource = _mentions() if table == "mentions" else _links()
    kwargs: dict[str, Any] = {"ConsistentRead": True}
    while True:
        page = resource.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def get_mention_raw(key: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = _mentions().get_item(Key={"id": key}, ConsistentRead=True).get("Item")
    return item


def put_mention_if_absent(item: dict[str, Any]) -> bool:
    """Write a mentions item unless its key is taken; False when it was."""
    try:
        _mentions().put_item(Item=item, ConditionExpression=Attr("id").not_exists())
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def put_mention(item: dict[str, Any]) -> None:
    _mentions().put_item(Item=item)


def replace_with_redirect(old: dict[str, Any], redirect: dict[str, Any]) -> bool:
    """Put the redirect where the old item is, only if that item is still the one we copied."""
    try:
        _mentions().put_item(Item=redirect, ConditionExpression=Attr("brand").eq(old["brand"]))
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def rewrite_link_ids(link: dict[str, Any], update: dict[str, Any]) -> bool:
    """Set a ticket link's mention ids, only if its `opened_by` is still what we read."""
    values: dict[str, Any] = {":o": update["opened_by"], ":c": update["commenting"], ":was": link["opened_by"]}
    parts = ["opened_by = :o", "commenting = :c"]
    if update["mentions"]:
        parts.append("mentions = :m")
        values[":m"] = update["mentions"]
    if "helpdesk_key" in update:
        parts.append("helpdesk_key = :h")
        values[":h"] = update["helpdesk_key"]
    try:
        _links().update_item(
            Key={"key": link["key"]},
            UpdateExpression="SET " + ", ".join(parts),
            ConditionExpression="opened_by = :was",
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


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
