"""SQS access: the mentions queue (webhooks and polls → ingest) and the tickets queue."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any

from functions.core.untrusted import clean_text
from functions.runtime import aws

BATCH = 10  # SendMessageBatch / DeleteMessageBatch maximum
MAX_BATCH_BYTES = 256 * 1024  # one message, and one SendMessageBatch in all (SQS's classic limit)


class QueueError(Exception):
    """Some messages were not accepted; the caller must fail so the sender retries."""


class MessageRefusedError(QueueError):
    """SQS refused a message for what it is (too large, characters it does not take): retrying the
    same message cannot help, so the caller must not answer "retry later"."""


@cache
def queue_url(name: str) -> str:
    return aws.sqs().get_queue_url(QueueName=name)["QueueUrl"]


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    return (items[i : i + BATCH] for i in range(0, len(items), BATCH))


def encode(body: dict[str, Any]) -> str:
    """A message body SQS takes: JSON whose strings hold no surrogates or U+FFFE/U+FFFF (SQS refuses
    them, and boto3 cannot even encode a lone surrogate); only strings can hold them, so replacing
    them in the JSON text is safe."""
    return clean_text(json.dumps(body, ensure_ascii=False))


def _batches(messages: Iterable[str]) -> Iterator[list[str]]:
    """At most ten messages and MAX_BATCH_BYTES per SendMessageBatch; a message over it alone is refused."""
    batch: list[str] = []
    size = 0
    for message in messages:
        length = len(message.encode())
        if length > MAX_BATCH_BYTES:
            raise MessageRefusedError(f"a message of {length} bytes is over the {MAX_BATCH_BYTES}-byte limit")
        if batch and (len(batch) == BATCH or size + length > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(message)
        size += length
    if batch:
        yield batch


def send(queue: str, bodies: Sequence[dict[str, Any]]) -> None:
    """Send JSON bodies in batches (ten, and MAX_BATCH_BYTES); any rejected entry raises (nothing silently
    dropped): `MessageRefusedError` when SQS blames the message itself, else `QueueError`."""
    url = queue_url(queue)
    for chunk in _batches([encode(body) for body in bodies]):
        entries = [{"Id": str(i), "MessageBody": message} for i, message in enumerate(chunk)]
        failed = aws.sqs().send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])  # type: ignore[arg-type]
        if failed:
            refused = MessageRefusedError if all(f.get("SenderFault") for f in failed) else QueueError
            raise refused(f"{len(failed)} of {len(entries)} messages rejected by {queue}: {failed[0].get('Code')}")


def dead_letter(queue: str, body: str, reason: str) -> None:
    """Park one message in `<queue>-dlq` at once, with why in its `error` attribute (permanent failures)."""
    aws.sqs().send_message(
        QueueUrl=queue_url(f"{queue}-dlq"),
        MessageBody=clean_text(body) or "(empty)",
        MessageAttributes={"error": {"DataType": "String", "StringValue": clean_text(reason)[:1000] or "-"}},
    )


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
