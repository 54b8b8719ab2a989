"""Whether and when a failed queue job runs again: pure, so it is tested exactly.

An error that says it is permanent (a class attribute `permanent = True`: a missing helpdesk
setting or secret, a request the helpdesk refuses for good, a brand that is not configured) is not
retried: the job goes straight to its dead-letter queue, whose alarm fires at once. Everything
else is transient. A helpdesk that says `Retry-After` is obeyed (up to the cap); otherwise
exponential back-off with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"),
so a recovering helpdesk is not hit by every waiting job at the same second.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def is_permanent(error: BaseException) -> bool:
    """True when retrying cannot help (the error's class says `permanent = True`)."""
    return getattr(error, "permanent", False) is True


def retry_delay(attempt: int, retry_after: float | None, *, base: float, cap: float, rand: Callable[[], float]) -> int:
    """Seconds until attempt `attempt + 1`; `attempt` counts from 1, `rand` returns [0, 1)."""
    if cap <= 0:
        return 0
    if retry_after is not None and retry_after > 0:
        return min(math.ceil(cap), math.ceil(retry_after))
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return math.ceil(rand() * ceiling)
