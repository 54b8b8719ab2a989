"""Back-off for failed queue jobs: Retry-After obeyed, else exponential with full jitter, capped."""

from __future__ import annotations

import pytest

from functions.core.retry import retry_delay


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 10), (2, 20), (3, 40), (6, 320), (7, 600), (30, 600)])
def test_exponential_ceiling_is_reached_by_the_top_of_the_jitter(attempt: int, ceiling: int) -> None:
    assert retry_delay(attempt, None, base=10, cap=600, rand=lambda: 0.999999) == ceiling


def test_full_jitter_spreads_between_zero_and_the_ceiling() -> None:
    assert retry_delay(4, None, base=10, cap=600, rand=lambda: 0.0) == 0
    assert retry_delay(4, None, base=10, cap=600, rand=lambda: 0.5) == 40


def test_retry_after_is_obeyed_up_to_the_cap() -> None:
    assert retry_delay(1, 30, base=10, cap=600, rand=lambda: 0.0) == 30
    assert retry_delay(1, 1.2, base=10, cap=600, rand=lambda: 0.0) == 2
    assert retry_delay(1, 7200, base=10, cap=600, rand=lambda: 0.0) == 600


def test_zero_cap_means_retry_at_once() -> None:
    assert retry_delay(5, 30, base=10, cap=0, rand=lambda: 0.9) == 0
