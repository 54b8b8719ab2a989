"""Queue consumers this process runs itself, for the health report.

On Lambda the SQS event source mappings are AWS's, and nothing registers here (a stuck queue shows
as depth and dead letters). The local stack (`infra/local.py`) runs its consumers as threads in
the same process as the HTTP routes; each registers here and reports every poll, so
`GET /health/details` can say that a consumer died or keeps failing instead of "ok" while
deliveries are accepted and never stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

FAILING_AFTER = 3  # polls in a row that failed before the worker is reported failing


@dataclass
class _Worker:
    alive: Callable[[], bool]
    failures: int = 0
    last_error: str | None = None
    stopped: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_workers: dict[str, _Worker] = {}


def register(name: str, alive: Callable[[], bool]) -> None:
    """A consumer starts; `alive` tells whether its thread still runs."""
    _workers[name] = _Worker(alive)


def report(name: str, error: str | None) -> None:
    """One poll of a consumer ended, well (None) or with this error."""
    worker = _workers.get(name)
    if worker is None:
        return
    with worker.lock:
        if error is None:
            worker.failures = 0
        else:
            worker.failures += 1
            worker.last_error = error[:300]


def stopped(name: str) -> None:
    """A consumer was stopped on purpose (shutdown): not a death."""
    worker = _workers.get(name)
    if worker is not None:
        worker.stopped = True


def status() -> dict[str, dict[str, object]]:
    """Every registered consumer: `state` ok / failing / dead / stopped, failures in a row, last error."""
    found: dict[str, dict[str, object]] = {}
    for name, worker in sorted(_workers.items()):
        if worker.stopped:
            state = "stopped"
        elif not worker.alive():
            state = "dead"
        elif worker.failures >= FAILING_AFTER:
            state = "failing"
        else:
            state = "ok"
        found[name] = {"state": state, "failures_in_a_row": worker.failures, "last_error": worker.last_error}
    return found


def healthy() -> bool:
    return all(entry["state"] in ("ok", "stopped") for entry in status().values())


def forget() -> None:
    """Tests: start from no registered consumers."""
    _workers.clear()
