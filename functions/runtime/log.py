"""Structured JSON logs and CloudWatch embedded-metric-format (EMF) metrics, on stdout.

Lambda ships stdout to CloudWatch Logs, where EMF lines become metrics without an API call, so
counting costs the hot path nothing but a print. Events are dotted slugs (`webhook.rejected`).

`correlated(brand=..., network=..., mention=...)` puts those fields on every line logged inside
it (the queue workers wrap each job in it), so no line of a job can lose its correlation id;
fields passed to `log` itself win.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

NAMESPACE = "mentiondesk"

_correlation: ContextVar[Mapping[str, Any]] = ContextVar("correlation", default=MappingProxyType({}))


@contextmanager
def correlated(**fields: Any) -> Iterator[None]:
    """Add `fields` (those not None) to every log line written inside the block."""
    token = _correlation.set({**_correlation.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _correlation.reset(token)


def log(event: str, level: str = "info", **fields: Any) -> None:
    record = {"ts": round(time.time(), 3), "level": level, "event": event, **_correlation.get(), **fields}
    print(json.dumps(record, default=str, ensure_ascii=False), file=sys.stdout, flush=True)


def metric(name: str, value: float = 1, dimensions: Mapping[str, str] | None = None) -> None:
    """One EMF record; keep dimensions low-cardinality (network, brand, reason)."""
    dims = dict(dimensions or {})
    record = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": NAMESPACE, "Dimensions": [sorted(dims)], "Metrics": [{"Name": name, "Unit": "Count"}]}
            ],
        },
        name: value,
        **dims,
    }
    print(json.dumps(record), file=sys.stdout, flush=True)
