"""The loyalty figure: after we solved a customer's problem, did their next post turn positive?

When a ticket is solved its author is remembered (`resolved#brand#network#author` in the
counters table); the author's next mention after that time is scored as usual and recorded once,
and the brand's counters `loyalty#<brand>#followed` / `#positive` grow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.core.mention import format_time
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores import counters
from functions.stores.items import is_conditional_failure, to_item

POSITIVE_FROM = 0.05  # sentiment above this counts as positive


def _table() -> Any:
    return aws.dynamodb().Table(settings().counters_table)


def _name(brand: str, network: str, author: str) -> str:
    return f"resolved#{brand}#{network}#{author}"


def record_resolution(brand: str, network: str, author: str, solved_at: datetime) -> None:
    """Remember that this author's problem was solved (a later solve replaces an earlier one)."""
    _table().put_item(
        Item=to_item({"name": _name(brand, network, author), "solved_at": format_time(solved_at), "followed": False})
    )


def record_next_mention(brand: str, network: str, author: str, posted_at: datetime, sentiment: float) -> bool:
    """Count the author's first mention after a resolution, once; False when there is none to count."""
    name = _name(brand, network, author)
    item = _table().get_item(Key={"name": name}, ConsistentRead=True).get("Item")
    if not item or item.get("followed") or str(item["solved_at"]) > format_time(posted_at):
        return False
    positive = sentiment > POSITIVE_FROM
    try:
        _table().update_item(
            Key={"name": name},
            UpdateExpression="SET followed = :yes, sentiment_after = :s, turned_positive = :p",
            ConditionExpression="followed = :no",
            ExpressionAttributeValues=to_item({":yes": True, ":no": False, ":s": sentiment, ":p": positive}),
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    counters.increment(f"loyalty#{brand}#followed")
    if positive:
        counters.increment(f"loyalty#{brand}#positive")
    return True


def figures(brand: str) -> dict[str, Any]:
    found = counters.values([f"loyalty#{brand}#followed", f"loyalty#{brand}#positive"])
    followed, positive = found[f"loyalty#{brand}#followed"], found[f"loyalty#{brand}#positive"]
    return {
        "followed_after_resolution": followed,
        "turned_positive": positive,
        "rate": round(positive / followed, 3) if followed else None,
    }
