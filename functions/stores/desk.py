"""The builtin helpdesk's tickets, kept in DynamoDB (the embedded default for local runs).

A ticket's id is derived from its idempotency key, so opening is one conditional put: a retried
or concurrent open finds the ticket the first one made.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from functions.core.mention import format_time
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item, is_conditional_failure, to_item


def _table() -> Any:
    return aws.dynamodb().Table(settings().desk_table)


def ticket_id(idempotency_key: str) -> str:
    return "MD-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12].upper()


def create(idempotency_key: str, fields: dict[str, Any], now: datetime) -> str:
    """Create the ticket for this key once; return its id either way."""
    tid = ticket_id(idempotency_key)
    item = to_item(
        {
            "id": tid,
            "idempotency_key": idempotency_key,
            "status": "new",
            "created_at": format_time(now),
            "comments": [],
            **fields,
        }
    )
    try:
        _table().put_item(Item=item, ConditionExpression=Attr("id").not_exists())
    except ClientError as error:
        if not is_conditional_failure(error):
            raise
    return tid


def get(tid: str) -> dict[str, Any] | None:
    item = _table().get_item(Key={"id": tid}, ConsistentRead=True).get("Item")
    return from_item(item) if item else None


def append_comment(tid: str, text: str, now: datetime) -> None:
    _table().update_item(
        Key={"id": tid},
        UpdateExpression="SET comments = list_append(comments, :c)",
        ConditionExpression=Attr("id").exists(),
        ExpressionAttributeValues={":c": [{"at": format_time(now), "text": text}]},
    )


def update(tid: str, **fields: Any) -> None:
    names = {f"#{k}": k for k in fields}
    values = {f":{k}": v for k, v in to_item(fields).items()}
    _table().update_item(
        Key={"id": tid},
        UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in fields),
        ConditionExpression=Attr("id").exists(),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )
