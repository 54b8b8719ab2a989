"""Failed queue jobs: configuration errors are permanent; otherwise Retry-After obeyed, else exponential
back-off with full jitter, capped."""

from __future__ import annotations

import pytest

from functions.core.brands import UnknownBrandError
from functions.core.retry import is_permanent, retry_delay
from functions.core.tickets import HelpdeskError, HelpdeskUnavailableError
from functions.runtime.secrets import SecretStoreDownError


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


def test_configuration_errors_are_permanent_and_outages_are_not() -> None:
    assert is_permanent(HelpdeskError("request_tracker needs the secret 'token' or 'username' and 'password'"))
    assert is_permanent(UnknownBrandError("brand 'gone' is not configured"))
    assert not is_permanent(HelpdeskUnavailableError("zendesk: HTTP 503", retry_after=30))
    assert not is_permanent(SecretStoreDownError("ssm:/x: ThrottlingException"))
    assert not is_permanent(ValueError("Expecting value: line 1 column 1"))
