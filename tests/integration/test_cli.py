"""Operator commands against the moto stack (and the app over HTTP for replay)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from functions import cli
from functions.core.score import Priority, Score
from functions.runtime.settings import settings
from functions.stores import mentions
from tests.helpers import deliver, desk_tickets, mentions_stored, queue_depth, vk_body


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
