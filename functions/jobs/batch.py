"""SQS batches with partial failure, the way Powertools' batch utility did before Lambda had it.

Chalice does not enable `ReportBatchItemFailures` on its event source mappings, and without it a
raised exception returns the *whole* batch to the queue. So: records that succeeded are deleted
explicitly, then the handler raises, and only the failed ones come back (then the DLQ after
`maxReceiveCount`). One bad record never loses or re-runs the rest of its batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from functions.runtime.log import log
from functions.stores import queues


class Record(Protocol):
    body: str
    receipt_handle: str


class BatchFailedError(Exception):
    """Raised after deleting the successes: tells Lambda to return the failures to the queue."""


def process(records: Iterable[Record], queue: str, handle: Callable[[str], None], job: str) -> int:
    done: list[str] = []
    failed = 0
    for record in records:
        try:
            handle(record.body)
        except Exception as error:  # one record's failure must not take the batch down
            failed += 1
            log(f"{job}.record_failed", level="error", error=f"{error.__class__.__name__}: {error}")
        else:
            done.append(record.receipt_handle)
    if failed:
        queues.delete(queue, done)
        raise BatchFailedError(f"{job}: {failed} record(s) failed, {len(done)} done and deleted")
    return len(done)
