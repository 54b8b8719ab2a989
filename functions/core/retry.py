"""How long a failed queue job waits before its next attempt: pure, so it is tested exactly.

A helpdesk that says `Retry-After` is obeyed (up to the cap); otherwise exponential back-off with
full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), so a recovering helpdesk is
not hit by every waiting job at the same second.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def retry_delay(attempt: int, retry_after: float | None, *, base: float, cap: float, rand: Callable[[], float]) -> int:
    """Seconds until attempt `attempt + 1`; `attempt` counts from 1, `rand` returns [0, 1)."""
    if cap <= 0:
        return 0
    if retry_after is not None and retry_after > 0:
        return min(math.ceil(cap), math.ceil(retry_after))
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return math.ceil(rand() * ceiling)
