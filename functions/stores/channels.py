"""Channel health: the last accepted webhook per brand × network, one counters-table item each,
and the channel's open problem (`problem#<brand>#<network>`: token invalid, silent), if any.

`last#<brand>#<network>` holds `at` (ISO-8601 UTC of the last delivery we verified and queued)
and `count` (deliveries since the item was created). The webhook route records it after a
successful enqueue. To keep the door fast, each container writes at most once per
`CHANNEL_RECORD_SECONDS` (60) per brand × network and adds the deliveries it saw meanwhile, so
`at` is at most that much behind and `count` may miss the last minute of a container that dies.
Recording is best effort: the delivery is already queued, so a failure is logged, never retried.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.core.mention import format_time
from functions.runtime import aws
from functions.runtime.log import log
from functions.runtime.settings import settings
from functions.stores.items import from_item


def _name(brand: str, network: str) -> str:
    return f"last#{brand}#{network}"


_lock = threading.Lock()
_written_at: dict[tuple[str, str], float] = {}
_unwritten: dict[tuple[str, str], int] = {}


def _due(key: tuple[str, str], now: float) -> int:
    """Count this delivery; the number to write now, or 0 while the last write is recent."""
    with _lock:
        _unwritten[key] = _unwritten.get(key, 0) + 1
        if now - _written_at.get(key, float("-inf")) < settings().channel_record_seconds:
            return 0
        _written_at[key] = now
        return _unwritten.pop(key)


def record_delivery(network: str, brands: Iterable[str], now: datetime) -> None:
    """Note that `network` just delivered for each brand; never raises."""
    table = aws.dynamodb().Table(settings().counters_table)
    for brand in sorted(set(brands)):
        key = (brand, network)
        count = _due(key, now.timestamp())
        if not count:
            continue
        try:
            table.update_item(
                Key={"name": _name(brand, network)},
                UpdateExpression="SET #at = :at ADD #c :n",
                ExpressionAttributeNames={"#at": "at", "#c": "count"},
                ExpressionAttributeValues={":at": format_time(now), ":n": count},
            )
        except Exception as error:  # the delivery is queued; a lost timestamp only dims the page
            with _lock:
                _unwritten[key] = _unwritten.get(key, 0) + count
                _written_at.pop(key, None)
            log("channels.record_failed", level="warning", network=network, brand=brand, error=str(error))


def forget() -> None:
    """Drop this container's write-behind state (tests start each case clean)."""
    with _lock:
        _written_at.clear()
        _unwritten.clear()


def _problem_name(brand: str, network: str) -> str:
    return f"problem#{brand}#{network}"


def raise_problem(brand: str, network: str, kind: str, detail: str, now: datetime, *, hours: float = 6.0) -> bool:
    """Record that a channel is broken; True only for the first report of this kind (so on-call is
    told once), and again after `hours` if it is still broken (TTL-style re-arm)."""
    try:
        aws.dynamodb().Table(settings().counters_table).put_item(
            Item={
                "name": _problem_name(brand, network),
                "kind": kind,
                "detail": detail[:300],
                "since": format_time(now),
                "rearm_at": int(now.timestamp() + hours * 3600),
            },
            ConditionExpression="attribute_not_exists(#n) OR #k <> :kind OR rearm_at < :now",
            ExpressionAttributeNames={"#n": "name", "#k": "kind"},
            ExpressionAttributeValues={":kind": kind, ":now": int(now.timestamp())},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def clear_problem(brand: str, network: str) -> bool:
    """The channel works again; True when there was a problem to clear."""
    gone = (
        aws.dynamodb()
        .Table(settings().counters_table)
        .delete_item(Key={"name": _problem_name(brand, network)}, ReturnValues="ALL_OLD")
    )
    return bool(gone.get("Attributes"))


def last_deliveries(brand: str, networks: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """`{network: {"at", "count", "problem"} or None}` for the brand's networks, in one BatchGetItem."""
    wanted = sorted(set(networks))[:50]  # two keys each within BatchGetItem's 100; a brand has a handful
    found: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
    if not wanted:
        return found
    table = settings().counters_table
    keys = [{"name": name(brand, n)} for n in wanted for name in (_name, _problem_name)]
    request: dict[str, Any] = {table: {"Keys": keys}}
    while request:
        page = aws.dynamodb().batch_get_item(RequestItems=request)
        for item in page.get("Responses", {}).get(table, []):
            data = from_item(item)
            prefix, _, network = str(data["name"]).split("#", 2)
            row = found[network] or {"at": None, "count": 0, "problem": None}
            if prefix == "problem":
                row["problem"] = {k: data.get(k) for k in ("kind", "detail", "since")}
            else:
                row.update(at=data.get("at"), count=int(data.get("count", 0)))
            found[network] = row
        request = page.get("UnprocessedKeys") or {}
    return found


def open_problems(brand: str, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """`{name: {"kind", "detail", "since"}}` for the named channels of the brand that have an open
    problem (names as given to `raise_problem`, e.g. `vk:stats` for the channel statistics)."""
    wanted = sorted(set(names))
    found: dict[str, dict[str, Any]] = {}
    table = settings().counters_table
    for start in range(0, len(wanted), 100):
        keys = [{"name": _problem_name(brand, n)} for n in wanted[start : start + 100]]
        request: dict[str, Any] = {table: {"Keys": keys}}
        while request:
            page = aws.dynamodb().batch_get_item(RequestItems=request)
            for item in page.get("Responses", {}).get(table, []):
                data = from_item(item)
                found[str(data["name"]).split("#", 2)[2]] = {k: data.get(k) for k in ("kind", "detail", "since")}
            request = page.get("UnprocessedKeys") or {}
    return found
