"""SQS batches with partial failure, the way Powertools' batch utility did before Lambda had it.

Chalice does not enable `ReportBatchItemFailures` on its event source mappings, and without it a
raised exception returns the *whole* batch to the queue. So: records that succeeded are deleted
explicitly, then the handler raises, and only the failed ones come back (then the DLQ after
`maxReceiveCount`). One bad record never loses or re-runs the rest of its batch. Each failed
record is hidden until its next attempt: the helpdesk's `Retry-After` when it gave one, else
exponential back-off with full jitter (`functions/core/retry.py`).

Permanent failures are not retried (house rule 12): a record that is not a job at all, names a
brand we do not have, or that DynamoDB refuses as invalid goes straight to the queue's DLQ with the
reason in its `error` message attribute (`python -m functions.cli dlq --peek` shows it), and is
deleted from the queue like a success. Everything else (throttling, outages, helpdesk errors) is
transient and retried.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from functions.core import untrusted
from functions.core.retry import retry_delay
from functions.runtime.log import log, metric
from functions.runtime.settings import settings
from functions.stores import queues
from functions.stores.items import is_invalid_request


class Record(Protocol):
    body: str
    receipt_handle: str

    def to_dict(self) -> dict[str, Any]: ...


class BatchFailedError(Exception):
    """Raised after deleting the successes: tells Lambda to return the failures to the queue."""


class PermanentError(Exception):
    """A record no retry can process: parked in the DLQ with this reason at once."""


def decode(body: str) -> dict[str, Any]:
    """A job's JSON object; anything else is a `PermanentError` (a poison message)."""
    try:
        document = untrusted.loads(body)
    except untrusted.UntrustedInputError as error:
        raise PermanentError(f"message is not a job: {error}") from error
    if not isinstance(document, dict):
        raise PermanentError("message is not a JSON object")
    return document


def is_permanent(error: Exception) -> bool:
    """Errors the same record would raise again on every attempt."""
    return isinstance(error, PermanentError | UnicodeError) or is_invalid_request(error)


def _attempt(record: Record) -> int:
    raw = record.to_dict().get("attributes", {}).get("ApproximateReceiveCount", "1")
    return untrusted.digits(str(raw), 9) or 1


def _back_off(record: Record, queue: str, error: Exception) -> int:
    """Hide a failed record until its next attempt (Retry-After, else jittered exponential)."""
    cfg = settings()
    seconds = retry_delay(
        _attempt(record),
        getattr(error, "retry_after", None),
        base=cfg.retry_base_seconds,
        cap=cfg.retry_max_seconds,
        rand=random.random,
    )
    queues.delay(queue, record.receipt_handle, seconds)
    return seconds


def _park(record: Record, queue: str, error: Exception, job: str) -> None:
    """Send a permanently failing record to the DLQ with the reason (the caller then deletes it)."""
    reason = f"{error.__class__.__name__}: {error}"
    queues.dead_letter(queue, record.body, reason)
    log(f"{job}.record_parked", level="error", attempt=_attempt(record), error=reason[:500])
    metric(f"{job.capitalize()}Parked")  # TicketParked, IngestParked


def process(records: Iterable[Record], queue: str, handle: Callable[[str], None], job: str) -> int:
    done: list[str] = []
    failed = 0
    for record in records:
        try:
            handle(record.body)
        except Exception as error:  # one record's failure must not take the batch down
            if is_permanent(error):
                _park(record, queue, error, job)
                done.append(record.receipt_handle)
                continue
            failed += 1
            retry_in = _back_off(record, queue, error)
            log(
                f"{job}.record_failed",
                level="error",
                attempt=_attempt(record),
                retry_in=retry_in,
                error=f"{error.__class__.__name__}: {error}",
            )
            metric(f"{job.capitalize()}Failures")  # TicketFailures, IngestFailures
        else:
            done.append(record.receipt_handle)
    if failed:
        queues.delete(queue, done)
        raise BatchFailedError(f"{job}: {failed} record(s) failed, {len(done)} done and deleted")
    return len(done)
