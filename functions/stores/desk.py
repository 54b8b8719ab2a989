"""The builtin helpdesk's tickets, kept in DynamoDB (the embedded default for local runs).

A ticket's id is derived from its idempotency key, so opening is one conditional put: a retried
or concurrent open finds the ticket the first one made. Its comments are a list of
`{id, at, text, public, by_agent, author}`: our own notes are internal (public and by_agent false,
author `OUR_AUTHOR`); an agent's reply (`add_reply`) is public and by an agent, so the reply worker
posts it to the customer's thread.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from functions.core.mention import format_time
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item, is_conditional_failure, to_item

OUR_AUTHOR = "mentiondesk"


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


def _append(tid: str, comment: dict[str, Any]) -> str:
    """Append one comment (a new id each: a comment is never deduplicated here); its id."""
    comment = {"id": uuid.uuid4().hex, **comment}
    _table().update_item(
        Key={"id": tid},
        UpdateExpression="SET comments = list_append(comments, :c)",
        ConditionExpression=Attr("id").exists(),
        ExpressionAttributeValues={":c": [to_item(comment)]},
    )
    return str(comment["id"])


def append_comment(tid: str, text: str, now: datetime) -> None:
    """Our internal note on the ticket (a follow-up, an escalation, a reply's outcome)."""
    _append(tid, {"at": format_time(now), "text": text, "public": False, "by_agent": False, "author": OUR_AUTHOR})


def add_reply(tid: str, text: str, author: str, now: datetime) -> str:
    """An agent's public reply to the customer; its comment id."""
    return _append(tid, {"at": format_time(now), "text": text, "public": True, "by_agent": True, "author": author})


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
