"""Checks every helpdesk adapter must pass against its contract server (or Prism's front)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from functions.core.tickets import HelpdeskError, HelpdeskUnavailableError
from tests.servers.helpdesks.base import HelpdeskServer


def rate_limit_is_retryable_with_its_delay(server: HelpdeskServer, call: Callable[[], object]) -> None:
    server.fail_next(1, status=429, retry_after=7)
    with pytest.raises(HelpdeskUnavailableError) as caught:
        call()
    assert caught.value.retry_after == 7.0
    assert server.seen[-1].status == 429


def outage_is_retryable(server: HelpdeskServer, call: Callable[[], object]) -> None:
    server.fail_next(1, status=503, retry_after=1)
    with pytest.raises(HelpdeskUnavailableError) as caught:
        call()
    assert caught.value.retry_after == 1.0
    server.fail_next(1, status=502, retry_after=None)
    with pytest.raises(HelpdeskUnavailableError) as caught:
        call()
    assert caught.value.retry_after is None


def is_permanent(call: Callable[[], object]) -> HelpdeskError:
    """The call fails with a HelpdeskError that the queue must not retry."""
    with pytest.raises(HelpdeskError) as caught:
        call()
    assert not isinstance(caught.value, HelpdeskUnavailableError)
    return caught.value
