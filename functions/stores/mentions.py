"""The mentions table: one item per mention identity, written once (house rule 6).

The key is the brand-scoped identity (`brand#network#external_id`, `Mention.identity`), so a write
for one brand (a new post, an edit, a delete) can only ever reach that brand's item. Keys from
before brand scoping were rewritten by `python -m functions.cli migrate-identity`, which leaves a
small redirect item (`moved_to`, no brand, so outside the `by_brand` index) at each old key: a
ticket job queued with an old key still finds its mention.

Items carry the score beside the mention, whether a ticket job was sent (so a crash between the
write and the enqueue is repaired by the retry, not lost), and the ticket the mention joined.

Ordering: every write carries a `version` (when the door received the event, in milliseconds; the
worker's clock for polls) and the network's event id when it has one (`events`, VK's `event_id`).
An edit, delete or restore applies only when it is newer than what is stored and its event was
not applied before, so neither a replayed old VK edit (VK signs no time; the same event id) nor
SQS delivering two edits out of order can put an older text back. A delete of something not yet
stored leaves a tombstone (`tombstone: true`, the brand, no text): the post that arrives later is
stored already marked deleted and opens no ticket. Tombstones are not mentions: `get` and the
read paths never return them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from functions.core.mention import Action, Mention, format_time, version_of
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
    deleted: bool = False

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> StoredMention:
        data = from_item(item)
        return cls(
            mention=Mention.from_dict(data),
            score=Score.from_dict(data["score"]),
            ticket_job_sent=bool(data.get("ticket_job_sent")),
            deleted=bool(data.get("deleted")),
        )


def _table() -> Any:
    return aws.dynamodb().Table(settings().mentions_table)


def _newer(version: int, ref: str | None) -> ConditionBase:
    """Stored, not a tombstone, older than `version`, and the event `ref` not applied yet."""
    condition = (
        Attr("id").exists()
        & Attr("tombstone").not_exists()
        & (Attr("version").not_exists() | Attr("version").lt(version))
    )
    return condition & ~Attr("events").contains(ref) if ref else condition


def _raw(identity: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = _table().get_item(Key={"id": identity}, ConsistentRead=True).get("Item")
    return item


def put_new(mention: Mention, score: Score, now: datetime, version: int | None = None) -> tuple[bool, StoredMention]:
    """Write the mention unless its identity exists; returns (inserted, what is stored).

    Over a tombstone (its delete came first) the mention is stored marked deleted, unless it is a
    restore newer than the delete. A post's first text is version 0: every edit is newer than the
    creation, however late the post itself was received (a poll or a gap backfill).
    """
    version = 0 if mention.action is Action.NEW else version_of(now) if version is None else version
    item: dict[str, Any] = {
        "id": mention.identity,
        **mention.to_dict(),
        "score": score.to_dict(),
        "complaint": score.complaint,
        "thread_key": mention.thread_key,
        "stored_at": format_time(now),
        "ticket_job_sent": False,
        "version": version,
    }
    if mention.raw_ref:
        item["events"] = {mention.raw_ref}
    try:
        _table().put_item(Item=to_item(item), ConditionExpression=Attr("id").not_exists())
    except ClientError as error:
        if not is_conditional_failure(error):
            raise
        existing = _raw(mention.identity)
        if existing is not None and existing.get("tombstone"):
            return _over_tombstone(mention, score, item, existing)
        if existing is None:  # deleted between the two calls: extremely unlikely, retry the record
            raise
        return False, StoredMention.from_item(existing)
    return True, StoredMention(mention, score, False)


def _over_tombstone(
    mention: Mention, score: Score, item: dict[str, Any], tombstone: dict[str, Any]
) -> tuple[bool, StoredMention]:
    """Store the post whose delete arrived first: deleted, unless it is a newer restore."""
    restored = mention.action is Action.RESTORE and int(tombstone.get("version", 0)) < item["version"]
    events = set(tombstone.get("events") or ()) | set(item.get("events") or ())
    merged = {**item, "deleted": not restored, "deleted_at": None if restored else tombstone.get("deleted_at")}
    merged["version"] = max(int(tombstone.get("version", 0)), item["version"])
    if events:
        merged["events"] = events
    _table().put_item(Item=to_item(merged), ConditionExpression=Attr("tombstone").eq(True))
    return True, StoredMention(mention, score, False, deleted=not restored)


def apply_edit(mention: Mention, score: Score, now: datetime, version: int | None = None) -> StoredMention | None:
    """Replace the text and score of a stored mention (the post was edited); None if not stored, if
    what is stored is newer, or if this very event was applied before (a replay)."""
    version = version_of(now) if version is None else version
    ref = mention.raw_ref
    try:
        updated = _table().update_item(
            Key={"id": mention.identity},
            UpdateExpression=(
                "SET #text = :text, #score = :score, #complaint = :complaint, #metrics = :metrics, edited_at = :at,"
                " version = :version" + (" ADD events :ref" if ref else "")
            ),
            ConditionExpression=_newer(version, ref),
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
                    ":version": version,
                    **({":ref": {ref}} if ref else {}),
                }
            ),
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return None
        raise
    return StoredMention.from_item(updated["Attributes"])


def set_deleted(mention: Mention, deleted: bool, now: datetime, version: int | None = None) -> bool:
    """Mark (or unmark) a mention deleted on its network; we keep it. False if not stored.

    Applied only when newer than what is stored and not applied before; a delete of a mention not
    stored yet leaves a tombstone (and returns False: there was nothing to mark).
    """
    version = version_of(now) if version is None else version
    ref = mention.raw_ref
    try:
        _table().update_item(
            Key={"id": mention.identity},
            UpdateExpression="SET deleted = :deleted, deleted_at = :at, version = :version"
            + (" ADD events :ref" if ref else ""),
            ConditionExpression=_newer(version, ref),
            ExpressionAttributeValues={
                ":deleted": deleted,
                ":at": format_time(now) if deleted else None,
                ":version": version,
                **({":ref": {ref}} if ref else {}),
            },
        )
    except ClientError as error:
        if not is_conditional_failure(error):
            raise
        if deleted and _raw(mention.identity) is None:
            _tombstone(mention, now, version)
        return False
    return True


def _tombstone(mention: Mention, now: datetime, version: int) -> None:
    """Remember a delete whose post we have not seen (it may be on its way)."""
    item: dict[str, Any] = {
        "id": mention.identity,
        "tombstone": True,
        "brand": mention.brand,
        "network": mention.network,
        "deleted": True,
        "deleted_at": format_time(now),
        "version": version,
    }
    if mention.raw_ref:
        item["events"] = {mention.raw_ref}
    try:
        _table().put_item(Item=item, ConditionExpression=Attr("id").not_exists())
    except ClientError as error:
        if not is_conditional_failure(error):  # the post arrived meanwhile: the retry marks it
            raise
        raise RuntimeError(f"{mention.identity} was stored while its delete was recorded; retry") from error


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


def get(identity: str) -> StoredMention | None:
    """The stored mention; a pre-migration key is followed to its brand-scoped item. None when
    nothing, or only a tombstone, is stored under the identity."""
    item = _raw(identity)
    if item is not None and "moved_to" in item:
        item = _raw(str(item["moved_to"]))
    return StoredMention.from_item(item) if item and not item.get("tombstone") else None


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
