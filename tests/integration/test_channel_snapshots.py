"""Own-channel snapshots, over every network that reads them, against its fake API on 127.0.0.1,
moto over HTTP and the on-call contract endpoints.

Parametrized over `connectors.channel_sources()`: a network is covered by its `channel_stats`, its
fake (tests/channels/<network>_api.py) and its fixtures (tests/fixtures/<network>/channel/). What
each must show through the real job, store and alerts: a snapshot stores the subscribers and
exactly the week's posts with their counters and marks; a revoked token, a missing scope and a rate
limit each become that channel's problem on the health figures and reach on-call once; the next
good snapshot clears it; a day without a snapshot is a gap in the series, never a zero.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions import connectors
from functions.core.brands import Brand, NetworkConfig
from functions.core.channels import stats_channel
from functions.jobs import snapshots as job
from functions.reports import channels as report
from functions.runtime.brands import brands
from functions.stores import channels, snapshots
from infra.local import seed_secrets
from tests.channels import Fake, load_fake
from tests.fakeapi import FakeApiServer, fake_api

NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
NETWORKS = connectors.channel_sources()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass
class World:
    network: str
    fake: Fake
    server: FakeApiServer
    brand: Brand


@contextmanager
def _world(network: str) -> Iterator[World]:
    fake = load_fake(network, NOW)
    refs = {name: f"ssm:/mentiondesk/test/{network}-stats/{name}" for name in fake.SECRET_VALUES}
    seed_secrets({ref.removeprefix("ssm:"): fake.SECRET_VALUES[name] for name, ref in refs.items()})
    with fake_api() as server:
        server.handler = fake.handle
        acme = brands().get("acme")
        assert acme is not None
        config = NetworkConfig(accounts=(fake.ACCOUNT,), secrets=refs, settings=fake.settings(server.url))
        yield World(network, fake, server, replace(acme, networks={network: config}))


@pytest.fixture(params=NETWORKS)
def world(request: pytest.FixtureRequest, aws: str) -> Iterator[World]:
    with _world(request.param) as built:
        yield built


def _run(world: World, now: datetime = NOW) -> job.Report:
    return job.run(job.plan([world.brand]), now)


def test_every_stats_network_has_a_fake_and_fixtures() -> None:
    assert {"vk", "telegram", "youtube", "instagram", "facebook", "x", "ok"} <= set(NETWORKS)
    for network in NETWORKS:
        assert importlib.util.find_spec(f"tests.channels.{network}_api"), network
        assert (FIXTURES / network / "channel" / "SOURCES.md").is_file(), network
        module = connectors.load_channel_source(network)
        assert module is not None and module.STATS_SECRETS and module.ENGAGEMENT.label


def test_a_snapshot_stores_subscribers_and_the_weeks_posts(world: World) -> None:
    result = _run(world)
    assert result.errors == {} and result.taken == [f"acme/{world.network}/{world.fake.ACCOUNT}"]
    expected = world.fake.expected()
    (day,) = snapshots.history("acme", NOW - timedelta(days=1))
    assert day["subscribers"] == expected.subscribers and day["day"] == "2026-11-27"
    assert set(day.get("marks", {})) == expected.marks, day.get("marks")
    module = connectors.load_channel_source(world.network)
    assert module is not None and day["engagement"]["label"] == module.ENGAGEMENT.label
    posts = snapshots.latest_posts("acme", [(world.network, world.fake.ACCOUNT)])[(world.network, world.fake.ACCOUNT)]
    assert {p.id for p in posts} == expected.posts
    assert day["summary"]["posts"] == len(expected.posts)
    assert day["expires_at"] >= int((NOW + timedelta(days=90)).timestamp())  # a 90-day trend survives the TTL
    secret = next(iter(world.fake.SECRET_VALUES.values()))
    assert all(r.header("User-Agent") for r in world.server.requests)
    if world.network != "telegram":  # the bot token is in the Bot API's URL path by design
        assert all(secret not in r.path for r in world.server.requests)


@pytest.mark.parametrize(
    ("kind", "reason"), [("token", "token_invalid"), ("scope", "missing_scope"), ("rate", "rate_limited")]
)
def test_a_bad_day_is_a_channel_problem_told_once_then_cleared(
    world: World, on_call: Any, kind: str, reason: str
) -> None:
    world.fake.refuse(kind)
    first, second = _run(world), _run(world, NOW + timedelta(minutes=5))
    label = f"acme/{world.network}/{world.fake.ACCOUNT}"
    assert first.errors[label].startswith(f"{reason}:") and second.errors[label].startswith(f"{reason}:")
    told = [m["text"] for m in on_call.slack]
    assert len(told) == 1 and f"{world.network}:stats:{world.fake.ACCOUNT}" in told[0]  # once, not per run
    rows = report.gather(world.brand, NOW)
    (row,) = rows
    assert row["problem"]["kind"] == reason and row["subscribers"] is None
    assert all(point["subscribers"] is None for point in row["series"])  # the missing day is a gap, not 0

    world.fake.refuse("")  # answering again
    assert _run(world).errors == {}
    assert channels.open_problems("acme", [stats_channel(world.network, world.fake.ACCOUNT)]) == {}


def test_a_missed_day_is_a_gap_in_the_series(world: World) -> None:
    for days_ago in (8, 7, 2, 0):  # nothing on days 1 and 3-6
        assert _run(world, NOW - timedelta(days=days_ago)).errors == {}
    (row,) = report.gather(world.brand, NOW)
    by_day = {p["date"]: p for p in row["series"]}
    assert by_day["2026-11-26"]["subscribers"] is None and by_day["2026-11-25"]["subscribers"] is not None
    assert by_day["2026-11-27"]["subscribers"] == world.fake.expected().subscribers
    assert row["growth_day"] is None  # yesterday is missing: no day-over-day figure rather than a guess
    assert row["growth_week"] == 0  # the fake's count did not move
    assert len(row["series"]) == 30 and row["series"][-1]["date"] == "2026-11-27"
