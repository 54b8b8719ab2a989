"""Operator commands against the moto stack (and the app over HTTP for replay), and as a newcomer
runs them: `python -m functions.cli` in a fresh process, with or without AWS settings, or `--local`
against `make run`'s stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from functions import cli
from functions.core.mention import parse_time
from functions.core.score import Priority, Score
from functions.runtime.settings import settings
from functions.stores import mentions
from infra.local import running
from tests.conftest import FIXTURES, ROOT, WORK, free_port
from tests.helpers import deliver, desk_tickets, mentions_stored, queue_depth, vk_body

LOCAL_SECRETS = json.loads((ROOT / "infra" / "local-secrets.json").read_text())


def newcomer_env(**extra: str) -> dict[str, str]:
    """A shell on a fresh machine: no AWS settings or files, none of the tests' stack variables."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MENTION", "BRANDS_FILE"))}
    nowhere = str(WORK / "no-aws-here")
    return {**keep, "AWS_CONFIG_FILE": nowhere, "AWS_SHARED_CREDENTIALS_FILE": nowhere, **extra}


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "functions.cli", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The CLI failed the documented way: exit 2, one line on stderr, no traceback."""
    assert result.returncode == 2, result
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: "), result.stderr
    return result.stderr


def test_replay_signs_a_captured_delivery_with_the_brands_secrets(service: str, aws: str, tmp_path: Path) -> None:
    capture = tmp_path / "capture.json"
    capture.write_bytes(vk_body("wall_reply_new__top_level.json"))
    assert cli.main(["replay", str(capture), "--url", service, "--network", "vk", "--brand", "acme"]) == 0
    assert queue_depth(settings().mentions_queue) == 1


def test_replay_refuses_what_it_cannot_sign(aws: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "capture.json"
    capture.write_text("{}")
    assert cli.main(["replay", str(capture), "--url", "http://127.0.0.1:9", "--network", "myspace"]) == 2
    assert cli.main(["replay", str(tmp_path / "missing.json"), "--url", "x", "--network", "vk"]) == 2
    assert "unknown network 'myspace'" in capsys.readouterr().err


def test_dlq_shows_depths_and_peeks_without_consuming(aws: str, capsys: pytest.CaptureFixture[str]) -> None:
    sqs = boto3.client("sqs")
    dlq = sqs.get_queue_url(QueueName=f"{settings().tickets_queue}-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody='{"mention": "vk#wall-1_2_c3"}')
    report = cli.dlq(peek=1)
    assert report["tickets"]["dead_letters"] == 1 and report["mentions"]["dead_letters"] == 0
    assert report["tickets"]["peek"] == ['{"mention": "vk#wall-1_2_c3"}']
    assert queue_depth(f"{settings().tickets_queue}-dlq") == 1


def test_rescore_updates_scores_from_an_older_scorer(service: str, driver: Any) -> None:
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    driver.drain()
    (item,) = mentions_stored()
    stale = Score(0.0, False, 0.1, Priority.LOW, "other", "en", ("old-scorer",))
    mentions.set_score(item["id"], stale)
    assert cli.rescore("acme") == 1
    assert cli.rescore(None) == 0  # nothing left to change
    (item,) = mentions_stored()
    assert item["complaint"] is True and "old-scorer" not in item["score"]["reasons"]


def test_erase_author_removes_personal_data_but_keeps_the_identity(service: str, driver: Any) -> None:
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    deliver(service, "vk", vk_body("photo_comment_new__comment.json"))  # another author
    driver.drain()
    assert cli.erase_author("vk", "553201", None) == 1
    erased = [m for m in mentions_stored() if m.get("erased")]
    (kept,) = [m for m in mentions_stored() if not m.get("erased")]
    assert len(erased) == 1 and erased[0]["text"].startswith("[erased")
    assert erased[0]["author"]["id"].startswith("erased-") and "url" not in erased[0]
    assert kept["author"]["id"] == "120034"
    (ticket,) = desk_tickets()
    assert "My order" not in ticket["body"] and ticket["requester"]["id"].startswith("erased-")
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))  # VK redelivers the old post
    driver.drain()
    assert len(mentions_stored()) == 2  # recognised by its identity, not stored again


def test_without_aws_settings_the_cli_says_what_to_set_in_one_line() -> None:
    said = one_line_error(run_cli("dlq", env=newcomer_env(AWS_EC2_METADATA_DISABLED="true")))
    assert "no AWS region" in said and "AWS_PROFILE" in said and "--local" in said
    no_keys = newcomer_env(AWS_DEFAULT_REGION="eu-west-1", AWS_EC2_METADATA_DISABLED="true")
    assert "no AWS credentials" in one_line_error(run_cli("redrive", "tickets", env=no_keys))


def test_aws_unreachable_or_refusing_is_one_line() -> None:
    closed = newcomer_env(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",
    )
    assert "error: AWS: " in one_line_error(run_cli("dlq", env=closed))


def test_bad_arguments_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["replay", "capture.json"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: the following arguments are required: --network (see python -m functions.cli replay --help)"
    ]


def test_replay_of_a_file_that_is_not_the_networks_delivery_is_one_line(
    aws: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not json at all")
    base = ["--url", "http://127.0.0.1:9", "--network", "vk", "--brand", "acme"]
    assert cli.main(["replay", str(listing), *base]) == 2
    assert cli.main(["replay", str(garbage), *base]) == 2
    assert cli.main(["replay", str(garbage), *base, "--fresh"]) == 2
    assert cli.main(["replay", str(listing), "--network", "vk"]) == 2  # where to? no --url, no --local
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"error: cannot sign {listing} as a vk delivery (TypeError")
    assert lines[1].startswith(f"error: cannot sign {garbage} as a vk delivery (JSONDecodeError")
    assert lines[2].startswith(f"error: --fresh: {garbage} is not JSON")
    assert "needs --url" in lines[3]


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`make run`'s stack (python -m infra.local) with its state file in a private place."""
    state = tmp_path_factory.mktemp("local") / "stack.json"
    with running(free_port(), free_port(), state_file=state) as url:
        yield url, state


def test_local_finds_make_runs_stack_and_fresh_replays_are_posted_now(local_stack: tuple[str, Path]) -> None:
    url, state = local_stack
    env = newcomer_env(MENTIONDESK_LOCAL_STATE=str(state))
    fixture = FIXTURES / "vk" / "wall_reply_new__top_level.json"  # dated November 2025
    sent = run_cli("--local", "replay", str(fixture), "--network", "vk", "--fresh", env=env)
    assert sent.returncode == 0 and f"{url}/webhooks/vk/acme → 200" in sent.stdout, sent
    depths = run_cli("--local", "dlq", env=env)
    assert depths.returncode == 0, depths
    assert set(json.loads(depths.stdout)) == {"tickets", "mentions", "replies"}
    key = {"X-Api-Key": LOCAL_SECRETS["/mentiondesk/local/read-api-key"]}
    found = requests.get(f"{url}/mentions?brand=acme", headers=key, timeout=5).json()
    for _ in range(50):
        if found["count"]:
            break
        found = requests.get(f"{url}/mentions?brand=acme", headers=key, timeout=5).json()
    (mention,) = found["items"]
    assert datetime.now(UTC) - parse_time(mention["created_at"]) < timedelta(minutes=5)


def test_local_without_a_running_stack_is_one_line(tmp_path: Path) -> None:
    missing = newcomer_env(MENTIONDESK_LOCAL_STATE=str(tmp_path / "stack.json"))
    assert "start one with `make run`" in one_line_error(run_cli("--local", "dlq", env=missing))
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({"url": f"http://127.0.0.1:{free_port()}", "environment": {}}))
    said = one_line_error(run_cli("--local", "dlq", env=newcomer_env(MENTIONDESK_LOCAL_STATE=str(stale))))
    assert "does not answer" in said
