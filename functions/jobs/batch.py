"""SQS batches with partial failure, the way Powertools' batch utility did before Lambda had it.

Chalice does not enable `ReportBatchItemFailures` on its event source mappings, and without it a
raised exception returns the *whole* batch to the queue. So: records that succeeded are deleted
explicitly, then the handler raises, and only the failed ones come back (then the DLQ after
`maxReceiveCount`). One bad record never loses or re-runs the rest of its batch. Each failed
record is hidden until its next attempt: the helpdesk's `Retry-After` when it gave one, else
exponential back-off with full jitter (`functions/core/retry.py`).

A permanent failure is not retried (house rule 12): a record that is not a job at all, names a
brand we do not have, that DynamoDB refuses as invalid, or that meets a configuration error (a
missing helpdesk setting or secret, a refusal for good) goes straight to `<queue>-dlq`, its body
unchanged and the reason in its `error` message attribute (`python -m functions.cli dlq --peek`
shows it; `redrive` replays it once the cause is fixed), and the DLQ alarm fires within minutes
instead of after every back-off. If that send fails, the record is retried like any failure and
reaches the DLQ through the queue's redrive policy. Everything else (throttling, outages, helpdesk
errors) is transient and retried.

Every line logged while a record is handled carries its correlation fields (brand, network,
mention), which `correlate` reads from the body.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from functions.core import retry, untrusted
from functions.core.retry import retry_delay
from functions.runtime.log import correlated, log, metric
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

    permanent = True


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
    return retry.is_permanent(error) or isinstance(error, UnicodeError) or is_invalid_request(error)


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


def _dead_letter(record: Record, queue: str, job: str, reason: str) -> bool:
    """Park a record that must not be retried in `<queue>-dlq`; False if that send failed."""
    dlq = f"{queue}-dlq"
    try:
        queues.dead_letter(queue, record.body, reason)
    except Exception as error:  # e.g. no permission on the DLQ: fall back to the ordinary retries
        log(f"{job}.dead_letter_failed", level="error", dlq=dlq, error=f"{error.__class__.__name__}: {error}")
        return False
    log(f"{job}.dead_lettered", level="error", attempt=_attempt(record), dlq=dlq, error=reason[:500])
    metric(f"{job.capitalize()}Parked")  # TicketParked, IngestParked
    return True


def _run(record: Record, queue: str, handle: Callable[[str], None], job: str) -> bool:
    """Handle one record; True when its message is finished with (done, or parked in the DLQ)."""
    try:
        handle(record.body)
    except Exception as error:  # one record's failure must not take the batch down
        reason = f"{error.__class__.__name__}: {error}"
        metric(f"{job.capitalize()}Failures")  # TicketFailures, IngestFailures
        if is_permanent(error) and _dead_letter(record, queue, job, reason):
            return True
        retry_in = _back_off(record, queue, error)
        log(f"{job}.record_failed", level="error", attempt=_attempt(record), retry_in=retry_in, error=reason)
        return False
    return True


def process(
    records: Iterable[Record],
    queue: str,
    handle: Callable[[str], None],
    job: str,
    correlate: Callable[[str], Mapping[str, Any]],
) -> int:
    done: list[str] = []
    failed = 0
    for record in records:
        with correlated(**correlate(record.body)):
            if _run(record, queue, handle, job):
                done.append(record.receipt_handle)
            else:
                failed += 1
    if failed:
        queues.delete(queue, done)
        raise BatchFailedError(f"{job}: {failed} record(s) failed, {len(done)} done and deleted")
    return len(done)
