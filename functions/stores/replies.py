"""The reply ledger: every part of every agent reply we post, every moderation action, every echo.

One table (`REPLIES_TABLE`), items told apart by the prefix of their key:
- `part#<brand>#<vendor>#<ticket>#<comment>#<n>`: part n of one helpdesk comment. Written *before*
  the network is called (house rule: record before acting), so one helpdesk comment makes one
  network post whatever the retries, the concurrency or a lost answer:
  `claimed` (a worker holds the lease) → `sending` (the request may have left) → `posted` |
  `failed` | `unknown` (an answer was lost on a network that has neither idempotency nor a way to
  look our reply up: never sent twice, the agent is told to check). `retry` releases the part
  after a rate limit or an outage that happened before anything was sent.
- `posted#<brand>#<network>#<external id>`: what we created on the network, so our own reply
  coming back in a webhook or a poll is recognised (functions.jobs.replies.echo).
- `moderation#<brand>#<mention identity>#<action>#<request>`: the audit record of one action.
- `alert#<brand>#<network>`: the revoked-token alert, sent once until a post succeeds again.
- `manual#<mention identity>`: a brand answer written on the network by hand, told to the agent once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from functions.core.mention import format_time
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item, is_conditional_failure, to_item

FINAL = frozenset({"posted", "failed", "unknown"})


@dataclass(frozen=True)
class Part:
    key: str
    state: str
    brand: str
    network: str
    outbound_id: str
    attempts: int = 0
    owner: str = ""
    taken_over: bool = False  # this claim took over a part left `sending`: its answer was lost
    external_id: str | None = None
    url: str | None = None
    reason: str | None = None
    noted: bool = False

    @classmethod
    def from_item(cls, item: Mapping[str, Any], taken_over: bool = False) -> Part:
        data = from_item(dict(item))
        return cls(
            key=data["key"],
            state=data["state"],
            brand=data.get("brand", ""),
            network=data.get("network", ""),
            outbound_id=data.get("outbound_id", ""),
            attempts=int(data.get("attempts") or 0),
            owner=data.get("owner", ""),
            taken_over=taken_over,
            external_id=data.get("external_id"),
            url=data.get("url"),
            reason=data.get("reason"),
            noted=bool(data.get("noted")),
        )


def _table() -> Any:
    return aws.dynamodb().Table(settings().replies_table)


def part_key(brand: str, vendor: str, ticket_id: str, comment_id: str, n: int) -> str:
    return f"part#{brand}#{vendor}#{ticket_id}#{comment_id}#{n}"


def get(key: str) -> dict[str, Any] | None:
    item = _table().get_item(Key={"key": key}, ConsistentRead=True).get("Item")
    return from_item(item) if item else None


def claim(key: str, fields: Mapping[str, Any], *, owner: str, now: datetime, lease_seconds: int) -> Part | None:
    """Take part `key` for this worker: a new part, a released one (`retry`), or one whose holder's
    lease ran out (`claimed` or `sending`). None when it is final or another worker holds it."""
    stamp = int(now.timestamp())
    try:
        answer = _table().update_item(
            Key={"key": key},
            UpdateExpression=(
                "SET #owner = :owner, lease_until = :until, attempts = if_not_exists(attempts, :zero) + :one, "
                "previous_state = if_not_exists(#state, :new), #state = :claimed, "
                + ", ".join(f"#{name} = if_not_exists(#{name}, :{name})" for name in fields)
            ),
            ConditionExpression=(
                Attr("key").not_exists()
                | Attr("state").eq("retry")
                | (Attr("state").is_in(["claimed", "sending"]) & Attr("lease_until").lt(stamp))
            ),
            ExpressionAttributeNames={"#owner": "owner", "#state": "state", **{f"#{n}": n for n in fields}},
            ExpressionAttributeValues={
                ":owner": owner,
                ":until": stamp + lease_seconds,
                ":zero": 0,
                ":one": 1,
                ":new": "new",
                ":claimed": "claimed",
                **{f":{n}": v for n, v in to_item(dict(fields)).items()},
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return None
        raise
    item = answer["Attributes"]
    return Part.from_item(item, taken_over=item.get("previous_state") == "sending")


def _owned(
    key: str, owner: str, update: str, values: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> bool:
    try:
        _table().update_item(
            Key={"key": key},
            UpdateExpression=update,
            ConditionExpression=Attr("owner").eq(owner),
            ExpressionAttributeNames={"#state": "state", **(names or {})},
            ExpressionAttributeValues={**to_item(dict(values))},
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def sending(key: str, owner: str, now: datetime, lease_seconds: int) -> bool:
    """Mark that the request may leave now; False if this worker lost its lease meanwhile."""
    return _owned(
        key,
        owner,
        "SET #state = :s, lease_until = :until, sent_at = :at",
        {":s": "sending", ":until": int(now.timestamp()) + lease_seconds, ":at": format_time(now)},
    )


def finish(key: str, owner: str, state: str, now: datetime, **fields: Any) -> bool:
    """A final state (`posted`, `failed`, `unknown`) with what the network said."""
    values = {":s": state, ":at": format_time(now), **{f":{k}": v for k, v in fields.items() if v is not None}}
    sets = ", ".join(f"#{k} = :{k}" for k, v in fields.items() if v is not None)
    names = {f"#{k}": k for k, v in fields.items() if v is not None}
    return _owned(key, owner, "SET #state = :s, finished_at = :at" + (f", {sets}" if sets else ""), values, names)


def release(key: str, owner: str, reason: str) -> None:
    """Give the part back (nothing was sent, or the network said to wait): the next attempt claims it."""
    _owned(key, owner, "SET #state = :s, lease_until = :zero, reason = :r", {":s": "retry", ":zero": 0, ":r": reason})


def mark_noted(key: str) -> None:
    set_flag(key, "noted")


def set_flag(key: str, flag: str) -> None:
    _table().update_item(
        Key={"key": key},
        UpdateExpression="SET #f = :t",
        ExpressionAttributeNames={"#f": flag},
        ExpressionAttributeValues={":t": True},
    )


def record_posted(brand: str, network: str, external_id: str, fields: Mapping[str, Any]) -> None:
    """Remember what we created on the network, for recognising it when it comes back."""
    _table().put_item(Item=to_item({"key": f"posted#{brand}#{network}#{external_id}", "brand": brand, **fields}))


def posted(brand: str, network: str, external_id: str) -> dict[str, Any] | None:
    return get(f"posted#{brand}#{network}#{external_id}")


def mark_echoed(brand: str, network: str, external_id: str, now: datetime) -> bool:
    """First sighting of our reply coming back; False when it was seen already (or is not ours)."""
    try:
        _table().update_item(
            Key={"key": f"posted#{brand}#{network}#{external_id}"},
            UpdateExpression="SET echoed_at = :at",
            ConditionExpression=Attr("key").exists() & Attr("echoed_at").not_exists(),
            ExpressionAttributeValues={":at": format_time(now)},
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def parts_of(brand: str, vendor: str, ticket_id: str) -> list[dict[str, Any]]:
    """Every part recorded for one ticket (the audit view of its replies)."""
    prefix = f"part#{brand}#{vendor}#{ticket_id}#"
    return _scan_prefix(prefix, brand)


def _scan_prefix(prefix: str, brand: str) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {
        "IndexName": "by_brand",
        "KeyConditionExpression": Key("brand").eq(brand),
        "FilterExpression": Attr("key").begins_with(prefix),
    }
    found: list[dict[str, Any]] = []
    while True:
        page = _table().query(**kwargs)
        found.extend(from_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def alert_once(brand: str, network: str, now: datetime) -> bool:
    """True the first time a brand's token for this network is found revoked (then until `alert_clear`)."""
    try:
        _table().put_item(
            Item={"key": f"alert#{brand}#{network}", "brand": brand, "at": format_time(now)},
            ConditionExpression=Attr("key").not_exists(),
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def alert_clear(brand: str, network: str) -> None:
    """A post went through: the token works again, so a later revocation alerts anew."""
    _table().delete_item(Key={"key": f"alert#{brand}#{network}"})


def put_once(key: str, record: Mapping[str, Any]) -> bool:
    """Write `key` unless it exists: the audit record of a requested moderation action (a repeated
    request is the same action), a marker that something was told once. False when it existed."""
    try:
        _table().put_item(Item=to_item({"key": key, **record}), ConditionExpression=Attr("key").not_exists())
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def put(key: str, item: Mapping[str, Any]) -> None:
    """Overwrite `key` (a moderation record with its outcome)."""
    _table().put_item(Item=to_item({"key": key, **item}))


def moderations(brand: str, mention_id: str) -> list[dict[str, Any]]:
    return _scan_prefix(f"moderation#{mention_id}#", brand)
