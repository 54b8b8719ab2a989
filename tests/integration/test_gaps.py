"""Gap detection on a brand's VK wall: what the webhook missed is found, backfilled and alerted.

The wall is a fake VK API on 127.0.0.1 (tests/sources/vk_api.py); webhooks go through the real
route; mentions through the real queue and ingest on moto; alerts to the brand's on-call endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.core.brands import Brand, NetworkConfig
from functions.jobs import gaps
from functions.runtime.brands import brands
from functions.runtime.fetch import fetch
from infra.local import seed_secrets
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.helpers import deliver, mentions_stored, read, vk_body
from tests.sources.vk_api import Fake

TOKEN_REF = "/mentiondesk/test/vk/access_token"


@dataclass
class Wall:
    fake: Fake
    server: FakeApiServer
    brand: Brand
    now: datetime


def _with_listing(acme: Brand, url: str) -> Brand:
    vk = acme.networks["vk"]
    listed = NetworkConfig(
        accounts=vk.accounts, secrets={**vk.secrets, "access_token": f"ssm:{TOKEN_REF}"}, settings={"api": url}
    )
    return replace(acme, networks={**acme.networks, "vk": listed})


@pytest.fixture
def wall(aws: str) -> Iterator[Wall]:
    """acme's community wall: two user posts (25 and 35 minutes old) and a 7-minute-old comment."""
    now = datetime.now(UTC)
    fake = Fake(now)
    seed_secrets({TOKEN_REF: fake.SECRET_VALUES["access_token"]})
    with fake_api() as server:
        server.handler = fake.handle
        acme = brands().get("acme")
        assert acme is not None
        yield Wall(fake, server, _with_listing(acme, server.url), now)


def _stored(driver: Any) -> set[str]:
    driver.drain()
    return {m["id"] for m in mentions_stored() if m["network"] == "vk"}


def _post(post_id: int, minutes_ago: float) -> bytes:
    """The Callback API's wall_post_new for a user's post on acme's wall."""
    date = int((datetime.now(UTC) - timedelta(minutes=minutes_ago)).timestamp())
    return vk_body("wall_post_new__suggested_by_user.json", id=post_id, post_type="post", date=date)


def _vk_problem(service: str) -> Any:
    channels = read(service, "/brands/acme/health").json()["channels"]
    return next(c for c in channels if c["network"] == "vk")["problem"]


def test_a_silent_webhook_is_found_backfilled_and_alerted_once(
    wall: Wall, service: str, driver: Any, on_call: Any
) -> None:
    report = gaps.check_all((wall.brand,), wall.now, fetch)
    # The 7-minute-old comment is left to its webhook (grace); the two posts are backfilled.
    assert report.missing == {"vk": ["acme#vk#wall-218000001_512", "acme#vk#wall-218000001_519"]}
    assert _stored(driver) == {"acme#vk#wall-218000001_512", "acme#vk#wall-218000001_519"}
    assert report.alerts == ["acme#vk#silent"]
    (alert,) = on_call.slack
    assert "vk channel problem" in alert["text"] and "Acme Pizza" in alert["text"]
    assert "2 item(s)" in alert["text"]
    assert _vk_problem(service)["kind"] == "silent"

    again = gaps.check_all((wall.brand,), wall.now + timedelta(minutes=15), fetch)
    assert again.missing == {"vk": ["acme#vk#wall-218000001_520_c9101"]}  # the comment is past its grace now
    assert again.alerts == [] and len(on_call.slack) == 1  # still the same silence: told once
    assert _vk_problem(service)["kind"] == "silent"  # still silent: nothing delivered yet

    assert deliver(service, "vk", vk_body("wall_reply_new__top_level.json")).status_code == 200
    gaps.check_all((wall.brand,), datetime.now(UTC), fetch)
    assert _vk_problem(service) is None  # the webhook speaks again: the problem is cleared


def test_a_single_missed_post_is_backfilled_without_calling_the_channel_silent(
    wall: Wall, service: str, driver: Any, on_call: Any
) -> None:
    assert deliver(service, "vk", _post(519, 25)).status_code == 200  # the webhook brought this one
    assert _stored(driver) == {"acme#vk#wall-218000001_519"}
    report = gaps.check_all((wall.brand,), wall.now, fetch)
    assert report.missing == {"vk": ["acme#vk#wall-218000001_512"]}  # 519 is the same identity both ways
    assert _stored(driver) == {"acme#vk#wall-218000001_512", "acme#vk#wall-218000001_519"}
    assert report.alerts == [] and on_call.slack == []  # delivered after the missed post: a gap, not silence


def test_a_new_comment_missed_by_the_webhook_is_backfilled_after_the_grace(
    wall: Wall, driver: Any, on_call: Any
) -> None:
    comment = wall.fake.add_wall_comment(wall.now - timedelta(minutes=12), text="Acme, где мой возврат?")
    report = gaps.check_all((wall.brand,), wall.now, fetch)
    assert f"acme#vk#{comment}" in report.missing["vk"]
    assert f"acme#vk#{comment}" in _stored(driver)


def test_a_refused_token_is_alerted_once(wall: Wall, service: str, on_call: Any) -> None:
    seed_secrets({TOKEN_REF: "revoked"})
    first = gaps.check_all((wall.brand,), wall.now, fetch)
    second = gaps.check_all((wall.brand,), wall.now + timedelta(minutes=15), fetch)
    assert first.alerts == ["acme#vk#token_invalid"] and second.alerts == []
    (alert,) = on_call.slack
    assert "credentials were refused" in alert["text"]
    assert _vk_problem(service)["kind"] == "token_invalid"
    assert all(r.param("access_token") == "revoked" for r in wall.server.requests)


def test_brands_without_a_read_token_are_not_checked(wall: Wall) -> None:
    acme = brands().get("acme")
    assert acme is not None and "access_token" not in acme.networks["vk"].secrets
    assert gaps.check_all((acme,), wall.now, fetch).checked == 0
    assert wall.server.requests == []


def test_a_broken_listing_is_logged_and_the_next_brand_still_checked(wall: Wall, driver: Any) -> None:
    wall.server.queued.append(Answer(200, b'{"response": {"items": [', {"Content-Type": "application/json"}))
    broken = replace(wall.brand, slug="broken")
    report = gaps.check_all((broken, wall.brand), wall.now, fetch)
    missing = {"vk": ["acme#vk#wall-218000001_512", "acme#vk#wall-218000001_519"]}
    assert "broken#vk" in report.errors and report.missing == missing
