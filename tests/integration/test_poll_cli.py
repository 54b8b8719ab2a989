"""Operator commands for polls: `poll` (one pass now) and `backfill` (a date range, resumable)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions import cli
from functions.core.brands import Brands, NetworkConfig
from functions.jobs import polls
from functions.runtime.brands import brands
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.helpers import mentions_stored
from tests.sources.hackernews_api import Fake


@pytest.fixture
def hn(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeApiServer, Fake]]:
    """acme polls Hacker News from a fake Algolia whose posts are dated around the real now."""
    fake = Fake(datetime.now(UTC))
    polls.forget_credentials()
    with fake_api() as server:
        server.handler = fake.handle
        acme = brands().get("acme")
        assert acme is not None
        polled = replace(acme, networks={"hackernews": NetworkConfig(settings=fake.settings(server.url))})
        monkeypatch.setattr(cli, "brands", lambda: Brands({"acme": polled}, {}))
        yield server, fake


def _stored(driver: Any) -> set[str]:
    driver.drain()
    return {m["id"] for m in mentions_stored() if m["network"] == "hackernews"}


def test_backfill_fills_the_range_once_and_a_rerun_fetches_nothing(
    hn: tuple[FakeApiServer, Fake], driver: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    server, fake = hn
    since = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%d")
    until = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    assert cli.main(["backfill", "hackernews", "--brand", "acme", "--since", since, "--until", until]) == 0
    out = capsys.readouterr()
    assert "complete" in out.out and "page(s)" in out.err  # progress on stderr, result on stdout
    newest = max(fake.hits, key=lambda h: h["created_at_i"])["objectID"]
    expected = {f"acme#hackernews#{h['objectID']}" for h in fake.hits if h["objectID"] != newest}
    expected.discard("acme#hackernews#41799321")  # "Acmeville": fetched, dropped by the query re-check
    assert _stored(driver) == expected  # the 3-day-old post too: backfill reaches past the 24 h lookback
    asked = len(server.requests)
    assert cli.main(["backfill", "hackernews", "--brand", "acme", "--since", since, "--until", until]) == 0
    assert len(server.requests) == asked  # finished range: nothing fetched again
    assert cli.main(["backfill", "hackernews", "--brand", "acme", "--since", since, "--until", until, "--again"]) == 0
    assert len(server.requests) > asked and _stored(driver) == expected  # fetched again, stored once


def test_backfill_waits_out_a_rate_limit_and_resumes(
    hn: tuple[FakeApiServer, Fake], driver: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    server, _ = hn
    server.queued.append(Answer(429, {"message": "slow down"}, {"Retry-After": "1"}))
    since = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    assert cli.main(["backfill", "hackernews", "--brand", "acme", "--since", since]) == 0
    assert "waiting" in capsys.readouterr().err
    assert len(_stored(driver)) == 3


def test_backfill_gives_up_when_the_wait_would_be_too_long(
    hn: tuple[FakeApiServer, Fake], capsys: pytest.CaptureFixture[str]
) -> None:
    server, _ = hn
    server.queued.append(Answer(429, {"message": "slow down"}, {"Retry-After": "3600"}))
    since = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    assert cli.main(["backfill", "hackernews", "--brand", "acme", "--since", since, "--max-wait", "5"]) == 1
    captured = capsys.readouterr()
    assert "INCOMPLETE" in captured.out and "rate_limited" in captured.err


def test_bad_backfill_input_is_exit_2(hn: tuple[FakeApiServer, Fake], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["backfill", "nosuch", "--brand", "acme", "--since", "2026-11-01"]) == 2
    assert cli.main(["backfill", "hackernews", "--brand", "nobody", "--since", "2026-11-01"]) == 2
    assert cli.main(["backfill", "hackernews", "--brand", "acme", "--since", "yesterday"]) == 2
    backwards = ["--since", "2026-11-02", "--until", "2026-11-01"]
    assert cli.main(["backfill", "hackernews", "--brand", "acme", *backwards]) == 2
    assert "unknown poll source 'nosuch'" in capsys.readouterr().err


def test_poll_runs_one_pass_now(
    hn: tuple[FakeApiServer, Fake], driver: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["poll", "hackernews", "--brand", "acme"]) == 0
    assert '"sent": 3' in capsys.readouterr().out
    assert len(_stored(driver)) == 3


def test_poll_of_a_source_the_brand_does_not_have_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    # the test brands listen on push networks only: nobody polls Hacker News here
    assert cli.main(["poll", "hackernews", "--brand", "acme"]) == 2
    assert cli.main(["poll", "hackernews"]) == 2
    assert cli.main(["backfill", "hackernews", "--brand", "acme", "--since", "2026-11-01"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "error: brand 'acme' has no hackernews source (networks.hackernews in the brand file)"
    assert lines[1] == "error: no brand has a hackernews source (networks.hackernews in the brand file)"
    assert lines[2] == lines[0]


def test_channels_snapshot_refuses_a_brand_without_own_channels(aws: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["channels", "snapshot", "--brand", "nobody"]) == 2
    assert cli.main(["channels", "snapshot", "--brand", "acme"]) == 2  # acme's test networks carry no STATS_SECRETS
    with pytest.raises(SystemExit) as exited:
        cli.main(["channels", "snapshot"])
    assert exited.value.code == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors[0].startswith("error: unknown brand 'nobody'")
    assert errors[1].startswith("error: brand 'acme' has no own channel configured for statistics")
    assert "--brand" in errors[2]


def test_channels_snapshot_takes_the_brands_snapshot_now(
    aws: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.local import seed_secrets
    from tests.channels.vk_api import Fake as VkStats

    fake = VkStats(datetime.now(UTC))
    seed_secrets({"/mentiondesk/acme/vk-stats/access_token": fake.SECRET_VALUES["access_token"]})
    with fake_api() as server:
        server.handler = fake.handle
        acme = brands().get("acme")
        assert acme is not None
        config = NetworkConfig(
            accounts=(fake.ACCOUNT,),
            secrets={"access_token": "ssm:/mentiondesk/acme/vk-stats/access_token"},
            settings=fake.settings(server.url),
        )
        monkeypatch.setattr(cli, "brands", lambda: Brands({"acme": replace(acme, networks={"vk": config})}, {}))
        assert cli.main(["channels", "snapshot", "--brand", "acme"]) == 0
        assert '"acme/vk/218000001"' in capsys.readouterr().out
        fake.refuse("token")
        assert cli.main(["channels", "snapshot", "--brand", "acme"]) == 1
        assert "token_invalid" in capsys.readouterr().out
