"""The trainer against the moto stack: few verdicts stay on the rules; enough of them train a model that
goes live (artifact and champion pointer in the artifacts bucket) and that the ingest worker scores
with; a worse challenger is refused and the champion stays; the CLI runs it on demand."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from functions import cli
from functions.core.model import Model
from functions.core.verdicts import Source, Verdict
from functions.jobs import training
from functions.runtime.brands import brands
from functions.runtime.settings import settings
from functions.stores import models, verdicts
from tests.helpers import deliver, mentions_stored, vk_body

NOW = datetime(2026, 12, 1, tzinfo=UTC)
THINGS = ["oven", "phone", "router", "parcel", "card", "app", "kettle", "bike", "tv", "laptop", "printer", "lamp"]
# Flat complaints with no angry word, which the rules miss; and chatter that shares their words.
COMPLAINTS = ["the {} door will not close properly since the update", "the {} I bought came with a crack, any advice?"]
CHATTER = ["just got my new {} from acme, loving it", "does the {} come in blue? asking for a friend"]


def _verdicts(flip: bool = False, prefix: str = "") -> list[Verdict]:
    found = []
    for i, thing in enumerate(THINGS * 3):
        for j, (templates, complaint) in enumerate(((COMPLAINTS, True), (CHATTER, False))):
            text = templates[i % 2].format(thing) + f" #{i}"
            key = f"acme#vk#{prefix}{i}-{j}"
            wrong = flip and not training.held_back(key)  # wrong labels only where the trainer learns
            found.append(Verdict(key, "acme", complaint != wrong, Source.IMPORT, NOW.isoformat(), text, "en"))
    return found


def test_few_verdicts_stay_on_the_rules(aws: str) -> None:
    for verdict in _verdicts()[:20]:
        verdicts.record(verdict)
    outcome = training.train_brand("acme", NOW)
    assert (outcome.promoted, outcome.reason, outcome.verdicts) == (False, "too_few_verdicts", 20)
    assert models.live("acme") is None


def test_a_trained_model_goes_live_and_the_ingest_worker_scores_with_it(
    service: str, driver: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for verdict in _verdicts():
        verdicts.record(verdict)
    outcome = training.train_brand("acme", NOW)
    assert outcome.promoted and outcome.reason == "promoted", outcome
    assert outcome.challenger is not None and outcome.rules is not None and outcome.challenger > outcome.rules
    promoted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "training.promoted" in line]
    assert promoted and promoted[0]["challenger"] == outcome.challenger and promoted[0]["rules"] == outcome.rules
    s3 = boto3.client("s3")
    record = json.loads(
        s3.get_object(Bucket=settings().artifacts_bucket, Key="models/acme/champion.json")["Body"].read()
    )
    blob = s3.get_object(Bucket=settings().artifacts_bucket, Key=f"models/acme/{record['version']}.bin")["Body"].read()
    assert record["version"] == outcome.version and len(blob) < 2 * 1024 * 1024
    assert Model.from_bytes(blob).version == outcome.version

    text = "my blender stopped working after a week, please help"
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json", text=text))
    driver.drain()
    (stored,) = mentions_stored()
    reasons = stored["score"]["reasons"]
    assert f"model:{outcome.version}" in reasons and stored["complaint"] is True
    assert any(r.startswith("model:+") for r in reasons)  # the features that weighed most are named


def test_a_worse_challenger_is_refused_and_the_champion_stays(aws: str) -> None:
    for verdict in _verdicts():
        verdicts.record(verdict)
    first = training.train_brand("acme", NOW)
    assert first.promoted
    for verdict in _verdicts(flip=True):  # a bad import relabels what the trainer learns from
        verdicts.record(verdict)
    second = training.train_brand("acme", NOW + timedelta(days=1))
    assert not second.promoted and second.reason in ("worse_than_rules", "worse_than_champion"), second
    assert second.challenger is not None and second.champion is not None and second.challenger < second.champion
    assert models.champion("acme")["version"] == first.version  # type: ignore[index]


def test_cli_train_says_what_happened(aws: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--brand", "acme"]) == 1
    assert "train acme: too_few_verdicts (0 verdicts" in capsys.readouterr().out
    for verdict in _verdicts():
        verdicts.record(verdict)
    assert cli.main(["train", "--brand", "acme"]) == 0
    assert cli.main(["train", "--brand", "nobody"]) == 2


def test_verdicts_with_the_desks_sentiment_teach_the_model_that_label_space(aws: str) -> None:
    kinds = (
        ("the {} door will not close properly since the update #{}", True, "negative"),
        ("does the {} come in blue? asking for a friend #{}", False, "neutral"),
        ("just got my new {} from acme, loving it #{}", False, "positive"),
    )
    for i in range(250):
        for j, (template, complaint, sentiment) in enumerate(kinds):
            text = template.format(THINGS[i % len(THINGS)], i)
            key = f"acme#vk#s{i}-{j}"
            verdicts.record(Verdict(key, "acme", complaint, Source.IMPORT, NOW.isoformat(), text, "en", sentiment))
    assert {v.sentiment for v in verdicts.for_brand("acme")} == {"negative", "neutral", "positive"}
    outcome = training.train_brand("acme", NOW)
    assert outcome.promoted, outcome
    live = models.live("acme")
    assert live is not None and live.heads == 3
    from functions.core.mention import Author, Kind, Mention
    from functions.core.scoring import score

    def scored(text: str) -> float:
        mention = Mention("vk", "1", Kind.POST, "acme", Author("0"), text, None, NOW, lang="en")
        brand = brands().get("acme")
        assert brand is not None
        return score(mention, brand.scoring, live).sentiment

    assert scored("just got my new toaster from acme, loving it") > 0.5
    assert abs(scored("does the toaster come in blue? asking for a friend")) < 0.5


def test_a_champion_in_an_old_artifact_format_does_not_block_training(aws: str) -> None:
    s3 = boto3.client("s3")
    bucket = settings().artifacts_bucket
    s3.put_object(Bucket=bucket, Key="models/acme/old.bin", Body=b"MDM1" + b"\x00" * 16)
    s3.put_object(Bucket=bucket, Key="models/acme/champion.json", Body=json.dumps({"version": "old"}).encode())
    assert models.live("acme") is None  # the worker stays on the rules
    for verdict in _verdicts():
        verdicts.record(verdict)
    outcome = training.train_brand("acme", NOW)
    assert outcome.promoted and outcome.champion is None, outcome


def test_a_long_history_trains_on_its_newest_verdicts(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap keeps a run within the scheduled function's time: the oldest verdicts are left out."""
    everything = _verdicts()
    for age, verdict in enumerate(everything):  # the first verdicts are the newest
        verdicts.record(replace(verdict, at=(NOW - timedelta(minutes=age)).isoformat()))
    monkeypatch.setattr(training, "MAX_VERDICTS", 60)
    outcome = training.train_brand("acme", NOW)
    assert outcome.verdicts == 60
    kept = training.newest(list(verdicts.for_brand("acme")), 60)
    assert {v.key for v in kept} == {v.key for v in everything[:60]}
