"""The poll runner, over every poll source, against its fake API on 127.0.0.1 and moto over HTTP.

Parametrized over `connectors.poll_sources()`: a new source is covered by its module, its fake
(tests/sources/<source>_api.py) and its fixtures. What every source must show through the real
runner, cursor store and queue: a first poll stores exactly the matching mentions; a second poll
of the unchanged source makes zero writes (DynamoDB or SQS, counted at the boto3 boundary); a new
post is picked up alone; an outage backs off and resumes from the cursor.
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
from functions.connectors import hackernews
from functions.core.brands import Brand, Brands, NetworkConfig
from functions.core.query import QuerySet
from functions.jobs import polls
from functions.runtime import aws as aws_clients
from functions.runtime import secrets
from functions.runtime.brands import brands
from functions.runtime.settings import settings
from functions.stores import cursors
from infra.local import seed_secrets
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.helpers import mentions_stored, queue_depth, read
from tests.sources import Fake, load_fake

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
SOURCES = connectors.poll_sources()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
SENDS = ("SendMessage", "SendMessageBatch")


@dataclass
class Calls:
    names: list[str]

    def writes(self) -> list[str]:
        return [n for n in self.names if n in WRITES + SENDS]


@pytest.fixture
def calls(aws: str) -> Iterator[Calls]:
    """Every AWS operation the code makes, seen where boto3 sends it."""
    seen = Calls([])

    def record(model: Any, **_: Any) -> None:
        seen.names.append(model.name)

    clients = (aws_clients.dynamodb().meta.client, aws_clients.sqs())
    for client in clients:
        client.meta.events.register("before-call.*.*", record)
    yield seen
    for client in clients:
        client.meta.events.unregister("before-call.*.*", record)


@dataclass
class World:
    source: str
    fake: Fake
    server: FakeApiServer
    brand: Brand


@contextmanager
def _world(source: str, query: str = "acme") -> Iterator[World]:
    """acme polls `source` from its fake API (secrets seeded in SSM), with `query` as its query."""
    fake = load_fake(source, NOW)
    refs = {name: f"ssm:/mentiondesk/test/{source}/{name}" for name in fake.SECRET_VALUES}
    seed_secrets({ref.removeprefix("ssm:"): fake.SECRET_VALUES[name] for name, ref in refs.items()})
    polls.forget_credentials()
    with fake_api() as server:
        server.handler = fake.handle
        acme = brands().get("acme")
        assert acme is not None
        network = NetworkConfig(settings=fake.settings(server.url), secrets=refs)
        queries = QuerySet.from_config(query)
        yield World(source, fake, server, replace(acme, networks={source: network}, queries=queries))


@pytest.fixture(params=SOURCES)
def world(request: pytest.FixtureRequest, aws: str) -> Iterator[World]:
    with _world(request.param) as built:
        yield built


def _poll(world: World, now: datetime, **options: Any) -> polls.Report:
    return polls.run(polls.plan(world.source, [world.brand]), now, pages=200, **options)


def _stored(driver: Any, source: str) -> set[str]:
    driver.drain()
    return {m["id"] for m in mentions_stored() if m["network"] == source}


def test_every_poll_source_has_a_fake_and_fixtures() -> None:
    for source in SOURCES:
        assert importlib.util.find_spec(f"tests.sources.{source}_api"), f"{source}: no tests/sources/{source}_api.py"
        assert (FIXTURES / source / "poll").is_dir(), f"{source}: no tests/fixtures/{source}/poll/"


def _stored_ids(fake: Any) -> set[str]:
    """What a first poll stores: what it yields but the brand's own replies (recognised, not stored)."""
    own: set[str] = fake.own_ids() if hasattr(fake, "own_ids") else set()
    found: set[str] = fake.initial_ids()
    return found - own


def test_first_poll_stores_the_matching_mentions_once(world: World, driver: Any) -> None:
    report = _poll(world, NOW)
    assert not report.errors and report.pending == 0
    expected = {f"acme#{world.source}#{i}" for i in _stored_ids(world.fake)}
    assert expected, "the fake must offer something to find"
    assert _stored(driver, world.source) == expected
    assert all(r.header("User-Agent") for r in world.server.requests)


def test_second_poll_of_an_unchanged_source_writes_nothing(world: World, driver: Any, calls: Calls) -> None:
    _poll(world, NOW)
    driver.drain()
    calls.names.clear()
    later = NOW + timedelta(minutes=connectors.load_source(world.source).POLL_MINUTES)  # type: ignore[union-attr]
    report = _poll(world, later)
    assert not report.errors and report.sent == 0
    assert calls.writes() == [], f"{world.source} wrote on an unchanged source: {calls.writes()}"
    assert "GetItem" in calls.names  # it did read its cursor: the source was really polled
    assert queue_depth(settings().mentions_queue) == 0


def test_a_new_post_is_picked_up_alone(world: World, driver: Any) -> None:
    _poll(world, NOW)
    before = _stored(driver, world.source)
    new_id = world.fake.publish(NOW + timedelta(minutes=3))
    report = _poll(world, NOW + timedelta(minutes=5))
    assert report.sent == 1
    assert _stored(driver, world.source) - before == {f"acme#{world.source}#{new_id}"}


def test_an_outage_backs_off_then_resumes_from_the_cursor(world: World, driver: Any) -> None:
    world.server.queued.append(Answer(503, "upstream down", {"Retry-After": "120"}))
    report = _poll(world, NOW)
    (failed,) = report.errors  # the first target asked met the outage; any others went on
    state = cursors.get(failed)
    assert state.failures == 1 and state.not_before == NOW + timedelta(seconds=120)
    asked = len(world.server.requests)
    _poll(world, NOW + timedelta(seconds=60))  # still backing off: the failed target is not asked
    assert cursors.get(failed).failures == 1  # not asked while backing off
    _poll(world, NOW + timedelta(seconds=121))
    assert len(world.server.requests) > asked
    expected = {f"acme#{world.source}#{i}" for i in _stored_ids(world.fake)}
    assert _stored(driver, world.source) == expected
    assert all(cursors.get(job.state.key).failures == 0 for job in polls.plan(world.source, [world.brand]))


@pytest.fixture
def hn_world(aws: str) -> Iterator[World]:
    """Hacker News for a brand whose query needs two searches there (Algolia has no OR)."""
    with _world("hackernews", 'acme OR "smart plug"') as built:
        yield built


def test_the_page_budget_is_shared_round_robin_and_the_rest_resumes(
    hn_world: World, monkeypatch: pytest.MonkeyPatch, driver: Any
) -> None:
    monkeypatch.setattr(hackernews, "PAGE_SIZE", 1)
    first = polls.run(polls.plan("hackernews", [hn_world.brand]), NOW, pages=3)
    asked = [r.param("query") for r in hn_world.server.requests]
    assert first.pages == 3 and first.pending == 1  # "smart plug" has one hit; acme has more pages
    assert asked[:2] == ["acme", '"smart plug"']  # one page each in turn, not one target first
    rest = polls.run(polls.plan("hackernews", [hn_world.brand]), NOW, pages=100)
    assert rest.pending == 0
    assert first.sent + rest.sent == 4  # the smart plug story is found by both searches...
    expected = {f"acme#hackernews#{i}" for i in _stored_ids(hn_world.fake)}
    assert _stored(driver, "hackernews") == expected  # ...stored once
    assert polls.run(polls.plan("hackernews", [hn_world.brand]), NOW + timedelta(minutes=10)).sent == 0


def test_overlapping_runs_cannot_both_move_a_cursor(hn_world: World, caplog: pytest.LogCaptureFixture) -> None:
    early = polls.plan("hackernews", [hn_world.brand])
    late = polls.plan("hackernews", [hn_world.brand])  # read the same (empty) cursors
    assert polls.run(early, NOW).writes == 2
    overlap = polls.run(late, NOW)
    assert overlap.writes == 0
    stored = [cursors.get(job.state.key) for job in early]
    assert [s.version for s in stored] == [1, 1]


def test_a_malformed_answer_backs_off_that_target_only(hn_world: World) -> None:
    hn_world.server.queued.append(Answer(200, b'{"hits": [', {"Content-Type": "application/json"}))
    report = polls.run(polls.plan("hackernews", [hn_world.brand]), NOW)
    (failed,) = report.errors
    assert report.errors[failed].startswith("malformed:") and report.sent > 0  # the other search went on
    assert cursors.get(failed).failures == 1 and report.crashed == 0


def test_a_bug_in_a_source_is_contained_then_fails_the_run(
    hn_world: World, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    def broken(hit: Any, brand: str) -> Any:
        raise KeyError("objectID")

    monkeypatch.setattr(hackernews, "_mention", broken)
    report = polls.run(polls.plan("hackernews", [hn_world.brand]), NOW)
    assert report.crashed == 2 and all(e.startswith("crashed:") for e in report.errors.values())
    assert '"event": "poll.crashed"' in capsys.readouterr().out
    monkeypatch.setattr(polls, "brands", lambda: Brands({"acme": hn_world.brand}, {}))
    with pytest.raises(polls.PollRunError, match="2 hackernews target"):
        polls.run_source("hackernews", NOW + timedelta(hours=2), lambda: 900.0)


@pytest.fixture
def reddit_world(aws: str) -> Iterator[World]:
    with _world("reddit") as built:
        yield built


def test_a_token_is_reused_until_it_expires_or_its_secret_rotates(reddit_world: World) -> None:
    def token_requests() -> int:
        return sum(r.path == "/api/v1/access_token" for r in reddit_world.server.requests)

    for minutes in (0, 10, 20):
        assert not polls.run(polls.plan("reddit", [reddit_world.brand]), NOW + timedelta(minutes=minutes)).errors
    assert token_requests() == 1
    reddit_world.fake.SECRET_VALUES["client_secret"] = "rotated-secret"
    seed_secrets({"/mentiondesk/test/reddit/client_secret": "rotated-secret"})
    secrets.clear()  # as if the secrets cache's TTL ran out
    assert not polls.run(polls.plan("reddit", [reddit_world.brand]), NOW + timedelta(minutes=30)).errors
    assert token_requests() == 2
    assert not polls.run(polls.plan("reddit", [reddit_world.brand]), NOW + timedelta(days=2)).errors
    assert token_requests() == 3  # the fake's tokens live a day


def test_the_health_page_shows_each_polled_target(hn_world: World, service: str) -> None:
    hn_world.server.queued.append(Answer(503, "down"))
    polls.run(polls.plan("hackernews", [hn_world.brand]), NOW)
    rows = {p["target"]: p for p in read(service, "/brands/acme/health").json()["polls"]}
    failing, fine = rows["q:acme"], rows['q:"smart plug"']
    assert failing["state"] == "failing" and failing["failures"] == 1 and "HTTP 503" in failing["error"]
    assert fine["state"] == "ok" and fine["newest"] is not None and fine["error"] is None
    page = read(service, "/brands/acme/health.html").text
    assert 'data-source="hackernews"' in page and "failing ×1: hackernews: HTTP 503" in page
