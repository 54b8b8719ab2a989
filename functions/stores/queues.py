"""SQS access: the mentions queue (webhooks and polls → ingest) and the tickets queue."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from functions.runtime import aws

BATCH = 10  # SendMessageBatch / DeleteMessageBatch maximum


class QueueError(Exception):
    """Some messages were not accepted; the caller must fail so the sender retries."""


@cache
def queue_url(name: str) -> str:
    return aws.sqs().get_queue_url(QueueName=name)["QueueUrl"]


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    return (items[i : i + BATCH] for i in range(0, len(items), BATCH))


def send(queue: str, bodies: Sequence[dict[str, Any]]) -> None:
    """Send JSON bodies in batches of ten; any rejected entry raises (nothing silently dropped)."""
    url = queue_url(queue)
    for chunk in _chunks(bodies):
        entries = [{"Id": str(i), "MessageBody": json.dumps(body, ensure_ascii=False)} for i, body in enumerate(chunk)]
        failed = aws.sqs().send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])  # type: ignore[arg-type]
        if failed:
            raise QueueError(f"{len(failed)} of {len(entries)} messages rejected by {queue}: {failed[0].get('Code')}")


def park(queue: str, body: str) -> None:
    """Put one message body, unchanged, on a queue (a job that must not be retried → its DLQ)."""
    aws.sqs().send_message(QueueUrl=queue_url(queue), MessageBody=body)


def delete(queue: str, receipt_handles: Sequence[str]) -> None:
    url = queue_url(queue)
    for chunk in _chunks(receipt_handles):
        entries = [{"Id": str(i), "ReceiptHandle": handle} for i, handle in enumerate(chunk)]
        aws.sqs().delete_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]


def depth(queue: str) -> int:
    attributes = aws.sqs().get_queue_attributes(
        QueueUrl=queue_url(queue), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))


def delay(queue: str, receipt_handle: str, seconds: int) -> None:
    """Hide a received message for `seconds` more: the next attempt of a failed job."""
    aws.sqs().change_message_visibility(
        QueueUrl=queue_url(queue), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )


def move(source: str, target: str, limit: int) -> int:
    """Move up to `limit` messages from one queue to another (DLQ redrive); returns how many."""
    moved = 0
    source_url, target_url = queue_url(source), queue_url(target)
    while moved < limit:
        messages = (
            aws.sqs()
            .receive_message(QueueUrl=source_url, MaxNumberOfMessages=min(BATCH, limit - moved), WaitTimeSeconds=0)
            .get("Messages", [])
        )
        if not messages:
            break
        entries = [{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(messages)]
        failed = aws.sqs().send_message_batch(QueueUrl=target_url, Entries=entries).get("Failed", [])  # type: ignore[arg-type]
        if failed:
            raise QueueError(f"{len(failed)} messages not accepted by {target}; they stay in {source}")
        delete(source, [m["ReceiptHandle"] for m in messages])
        moved += len(messages)
    return moved
