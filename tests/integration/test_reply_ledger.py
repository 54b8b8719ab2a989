"""The reply ledger's claims against DynamoDB (moto's server over HTTP): one winner among
concurrent workers, final parts never re-claimed, a lost answer taken over only after its lease."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from functions.stores import replies as ledger

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
FIELDS = {"brand": "acme", "network": "vk", "outbound_id": "0" * 32}


def _claim(key: str, now: datetime = NOW, owner: str | None = None) -> ledger.Part | None:
    return ledger.claim(key, FIELDS, owner=owner or uuid.uuid4().hex, now=now, lease_seconds=60)


def test_twelve_concurrent_workers_one_claim(aws: str) -> None:
    key = ledger.part_key("acme", "builtin", "MD-1", "c1", 0)
    with ThreadPoolExecutor(12) as pool:
        claims = list(pool.map(lambda _: _claim(key), range(12)))
    assert len([c for c in claims if c is not None]) == 1


def test_a_final_part_is_never_claimed_again(aws: str) -> None:
    key = ledger.part_key("acme", "builtin", "MD-1", "c2", 0)
    part = _claim(key, owner="w1")
    assert part is not None and part.attempts == 1 and not part.taken_over
    assert ledger.sending(key, "w1", NOW, 60)
    assert ledger.finish(key, "w1", "posted", NOW, external_id="42")
    assert _claim(key, NOW + timedelta(days=1)) is None
    assert (ledger.get(key) or {})["external_id"] == "42"


def test_a_part_left_sending_is_taken_over_after_its_lease_only(aws: str) -> None:
    key = ledger.part_key("acme", "builtin", "MD-1", "c3", 0)
    assert _claim(key, owner="w1") is not None
    assert ledger.sending(key, "w1", NOW, 60)
    assert _claim(key, NOW + timedelta(seconds=30)) is None  # still within the sender's lease
    taken = _claim(key, NOW + timedelta(seconds=61), owner="w2")
    assert taken is not None and taken.taken_over and taken.attempts == 2
    assert not ledger.finish(key, "w1", "posted", NOW)  # the first worker lost it: its write is refused


def test_a_released_part_is_claimed_again_without_take_over(aws: str) -> None:
    key = ledger.part_key("acme", "builtin", "MD-1", "c4", 0)
    assert _claim(key, owner="w1") is not None
    ledger.release(key, "w1", "rate limited")
    again = _claim(key, NOW + timedelta(seconds=1))
    assert again is not None and not again.taken_over and again.attempts == 2


def test_the_revoked_token_alert_is_sent_once_until_a_post_succeeds(aws: str) -> None:
    assert ledger.alert_once("acme", "vk", NOW)
    assert not ledger.alert_once("acme", "vk", NOW)
    assert ledger.alert_once("acme", "telegram", NOW)  # per network
    ledger.alert_clear("acme", "vk")
    assert ledger.alert_once("acme", "vk", NOW)


def test_our_post_is_recognised_once(aws: str) -> None:
    ledger.record_posted("acme", "vk", "wall-1_2_c3", {"part": "p", "link": "l"})
    assert (ledger.posted("acme", "vk", "wall-1_2_c3") or {})["link"] == "l"
    assert ledger.posted("other", "vk", "wall-1_2_c3") is None  # brand-scoped
    assert ledger.mark_echoed("acme", "vk", "wall-1_2_c3", NOW)
    assert not ledger.mark_echoed("acme", "vk", "wall-1_2_c3", NOW)
    assert not ledger.mark_echoed("acme", "vk", "never-posted", NOW)
