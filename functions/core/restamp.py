"""Make a captured or fixture delivery look as if it were posted just now (`replay --fresh`).

A demo or a replay of an old capture would otherwise store mentions dated months back: outside the
health page's 7-day window, "oldest waiting 371 d", every SLA breached. `restamp` shifts every
timestamp of a delivery by the same amount, so its newest one is `now` and the others keep their
distance (a reply stays after its post). Pure: JSON in, JSON out, no clock.

Timestamps are recognised by their field name (`TIME_KEYS`, the names the push networks use:
VK and Telegram `date`, Meta `time`/`created_time`, OK and X `timestamp(_ms)`, generic
`created_at`, ...) and their form: Unix seconds or milliseconds (as numbers or digit strings),
ISO-8601, or X's `Wed Oct 10 20:19:24 +0000 2018`. Anything else is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.core.mention import parse_time

TIME_KEYS = frozenset(
    {
        "date",
        "edit_date",
        "forward_date",
        "update_time",
        "time",
        "created_time",
        "updated_time",
        "timestamp",
        "timestamp_ms",
        "created_timestamp",
        "created_at",
        "date_time",
    }
)
SECONDS = (10**9, 10**11)  # 2001 .. 5138 as Unix seconds
MILLISECONDS = (10**12, 10**14)
X_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def _read(value: Any) -> datetime | None:
    """The moment a timestamp-shaped value names, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if SECONDS[0] <= value < SECONDS[1]:
            return datetime.fromtimestamp(value, UTC)
        if MILLISECONDS[0] <= value < MILLISECONDS[1]:
            return datetime.fromtimestamp(value / 1000, UTC)
        return None
    if isinstance(value, str) and value.isdigit():
        return _read(int(value))
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return parse_time(value)
        except ValueError:
            return None
    if isinstance(value, str):
        try:
            return datetime.strptime(value, X_FORMAT)
        except ValueError:
            return None
    return None


def _write(original: Any, moment: datetime) -> Any:
    """`moment` in the form of `original`."""
    if isinstance(original, int):
        seconds = moment.timestamp()
        return round(seconds) if original < SECONDS[1] else round(seconds * 1000)
    if isinstance(original, float):
        return moment.timestamp() if original < SECONDS[1] else moment.timestamp() * 1000
    if original.isdigit():
        return str(_write(int(original), moment))
    if original[4:5] == "-":
        text = moment.isoformat(timespec="milliseconds" if "." in original else "seconds")
        return text.replace("+00:00", "Z") if original.endswith("Z") else text
    return moment.strftime(X_FORMAT)


def _moments(node: Any) -> Iterator[datetime]:
    if isinstance(node, dict):
        for key, value in node.items():
            moment = _read(value) if key in TIME_KEYS else None
            if moment is not None:
                yield moment
            else:
                yield from _moments(value)
    elif isinstance(node, list):
        for item in node:
            yield from _moments(item)


def _shifted(node: Any, delta: timedelta) -> Any:
    if isinstance(node, dict):
        shifted = {}
        for key, value in node.items():
            moment = _read(value) if key in TIME_KEYS else None
            shifted[key] = _write(value, moment + delta) if moment is not None else _shifted(value, delta)
        return shifted
    if isinstance(node, list):
        return [_shifted(item, delta) for item in node]
    return node


def restamp(document: Any, now: datetime) -> Any:
    """`document` with every timestamp moved by the same amount, so that the newest one is `now`."""
    newest = max(_moments(document), default=None)
    if newest is None:
        return document
    return _shifted(document, now.replace(microsecond=0) - newest.astimezone(UTC))
