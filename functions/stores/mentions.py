"""The mentions table: one item per mention identity, written once (house rule 6).

The key is the brand-scoped identity (`brand#network#external_id`, `Mention.identity`), so a write
for one brand (a new post, an edit, a delete) can only ever reach that brand's item. Keys from
before brand scoping were rewritten by `python -m functions.cli migrate-identity`, which leaves a
small redirect item (`moved_to`, no brand, so outside the `by_brand` index) at each old key: a
ticket job queued with an old key still finds its mention.

Items carry the score beside the mention, whether a ticket job was sent (so a crash between the
write and the enqueue is repaired by the retry, not lost), and the ticket the mention joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from functions.core.mention import Mention, format_time
from functions.core.score import Score
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item, is_conditional_failure, to_item

MAX_PAGE = 200
THREAD_SCAN = 500


@dataclass(frozen=True)
class StoredMention:
    mention: Mention
    score: Score
    ticket_job_sent: bool

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> StoredMention:
        data = from_item(item)
        return cls(
            mention=Mention.from_dict(data),
            score=Score.from_dict(data["score"]),
            ticket_job_sent=bool(data.get("ticket_job_sent")),
        )


def _table() -> Any:
    return aws.dynamodb().Table(settings().mentions_table)


def put_new(mention: Mention, score: Score, now: datetime) -> tuple[bool, StoredMention]:
    """Write the mention unless its identity exists; returns (inserted, what is stored)."""
    item = to_item(
        {
            "id": mention.identity,
            **mention.to_dict(),
            "score": score.to_dict(),
            "complaint": score.complaint,
            "thread_key": mention.thread_key,
            "stored_at": format_time(now),
            "ticket_job_sent": False,
        }
    )
    try:
        _table().put_item(Item=item, ConditionExpression=Attr("id").not_exists())
    except ClientError as error:
        if not is_conditional_failure(error):
            raise
        existing = get(mention.identity)
        if existing is None:  # deleted between the two calls: extremely unlikely, retry the record
            raise
        return False, existing
    return True, StoredMention(mention, score, False)


def apply_edit(mention: Mention, score: Score, now: datetime) -> StoredMention | None:
    """Replace the text and score of a stored mention (the post was edited); None if not stored."""
    try:
        updated = _table().update_item(
            Key={"id": mention.identity},
            UpdateExpression=(
                "SET #text = :text, #score = :score, #complaint = :complaint, #metrics = :metrics, edited_at = :at"
            ),
            ConditionExpression=Attr("id").exists(),
            # Several of these are DynamoDB reserved words ("metrics", "text"): name them all.
            ExpressionAttributeNames={
                "#text": "text",
                "#score": "score",
                "#complaint": "complaint",
                "#metrics": "metrics",
            },
            ExpressionAttributeValues=to_item(
                {
                    ":text": mention.text,
                    ":score": score.to_dict(),
                    ":complaint": score.complaint,
                    ":metrics": mention.to_dict()["metrics"],
                    ":at": format_time(now),
                }
            ),
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return None
        raise
    return StoredMention.from_item(updated["Attributes"])


def set_deleted(identity: str, deleted: bool, now: datetime) -> bool:
    """Mark (or unmark) a mention deleted on its network; we keep it. False if not stored."""
    try:
        _table().update_item(
            Key={"id": identity},
            UpdateExpression="SET deleted = :deleted, deleted_at = :at",
            ConditionExpression=Attr("id").exists(),
            ExpressionAttributeValues={":deleted": deleted, ":at": format_time(now) if deleted else None},
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def set_ticket_status(identities: frozenset[str], status: str) -> None:
    """Carry the ticket's status to each of its mentions (a solved ticket solves them)."""
    for identity in identities:
        try:
            _table().update_item(
                Key={"id": identity},
                UpdateExpression="SET ticket_status = :s",
                ConditionExpression=Attr("id").exists(),
                ExpressionAttributeValues={":s": status},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise


def _item(identity: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = _table().get_item(Key={"id": identity}, ConsistentRead=True).get("Item")
    return item


def get(identity: str) -> StoredMention | None:
    """The stored mention; a pre-migration key is followed to its brand-scoped item."""
    item = _item(identity)
    if item is not None and "moved_to" in item:
        item = _item(str(item["moved_to"]))
    return StoredMention.from_item(item) if item else None


def existing(identities: list[str]) -> set[str]:
    """Which of these identities are stored (BatchGetItem, keys only, 100 per call)."""
    found: set[str] = set()
    table = settings().mentions_table
    unique = sorted(set(identities))
    for start in range(0, len(unique), 100):
        keys = [{"id": i} for i in unique[start : start + 100]]
        request: dict[str, Any] = {table: {"Keys": keys, "ProjectionExpression": "id", "ConsistentRead": True}}
        while request:
            page = aws.dynamodb().batch_get_item(RequestItems=request)
            found.update(str(item["id"]) for item in page.get("Responses", {}).get(table, []))
            request = page.get("UnprocessedKeys") or {}
    return found


def mark_ticket_job_sent(identity: str) -> None:
    _table().update_item(
        Key={"id": identity},
        UpdateExpression="SET ticket_job_sent = :t",
        ExpressionAttributeValues={":t": True},
    )


def set_ticket(identity: str, vendor: str, ticket_id: str, ticket_url: str | None) -> None:
    _table().update_item(
        Key={"id": identity},
        UpdateExpression="SET ticket = :ticket",
        ExpressionAttributeValues={":ticket": to_item({"vendor": vendor, "id": ticket_id, "url": ticket_url})},
    )


def query(brand: str, since: datetime | None, complaint: bool | None, limit: int) -> list[dict[str, Any]]:
    """Newest first, for one brand, through the `by_brand` index (no scans)."""
    condition: ConditionBase = Key("brand").eq(brand)
    if since is not None:
        condition = condition & Key("created_at").gte(format_time(since))
    kwargs: dict[str, Any] = {"IndexName": "by_brand", "KeyConditionExpression": condition, "ScanIndexForward": False}
    if complaint is not None:
        kwargs["FilterExpression"] = Attr("complaint").eq(complaint)
    items: list[dict[str, Any]] = []
    while len(items) < limit:
        page = _table().query(**kwargs, Limit=min(MAX_PAGE, limit * 2))
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [from_item(item) for item in items[:limit]]


def thread_posts(brand: str, network: str, root_id: str, before: datetime, limit: int) -> list[Mention]:
    """Stored posts of one thread written before `before`, newest first (for the ticket's context).

    Reads the brand's recent mentions through `by_brand` and keeps the thread's; a thread older
    than the last `THREAD_SCAN` mentions of the brand is shown without context rather than scanned.
    """
    page = _table().query(
        IndexName="by_brand",
        KeyConditionExpression=Key("brand").eq(brand) & Key("created_at").lt(format_time(before)),
        FilterExpression=Attr("network").eq(network)
        & (Attr("thread.root_id").eq(root_id) | Attr("external_id").eq(root_id)),
        ScanIndexForward=False,
        Limit=THREAD_SCAN,
    )
    return [Mention.from_dict(from_item(item)) for item in page.get("Items", [])][:limit]


def set_score(identity: str, score: Score) -> None:
    """Replace a mention's score (after a scorer change); tickets already opened stay as they are."""
    _table().update_item(
        Key={"id": identity},
        UpdateExpression="SET #score = :score, #complaint = :complaint",
        ExpressionAttributeNames={"#score": "score", "#complaint": "complaint"},
        ExpressionAttributeValues=to_item({":score": score.to_dict(), ":complaint": score.complaint}),
    )


ERASED = "[erased at the author's request]"


def erase_author(identity: str, pseudonym: str) -> None:
    """Remove an author's personal data from one mention; the identity stays so a redelivery of the
    same post is still recognised (and not stored again)."""
    _table().update_item(
        Key={"id": identity},
        UpdateExpression="SET #text = :text, author = :author, erased = :yes REMOVE #url",
        ExpressionAttributeNames={"#text": "text", "#url": "url"},
        ExpressionAttributeValues={":text": ERASED, ":author": {"id": pseudonym}, ":yes": True},
    )
