"""Structured JSON logs and CloudWatch embedded-metric-format (EMF) metrics, on stdout.

Lambda ships stdout to CloudWatch Logs, where EMF lines become metrics without an API call, so
counting costs the hot path nothing but a print. Events are dotted slugs (`webhook.rejected`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from typing import Any

NAMESPACE = "mentiondesk"


def log(event: str, level: str = "info", **fields: Any) -> None:
    record = {"ts": round(time.time(), 3), "level": level, "event": event, **fields}
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
