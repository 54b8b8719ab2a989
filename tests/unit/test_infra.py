"""The committed deploy files agree with the one resource definition they are derived from."""

from __future__ import annotations

import json

import pytest

from infra.policy import policy
from infra.resources import QUEUES, TABLES, environment
from infra.template import template
from tests.conftest import ROOT

CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_stage_environment_names_this_stages_resources(stage: str) -> None:
    env = CONFIG["stages"][stage]["environment_variables"]
    # ARTIFACTS_BUCKET (its name carries the account and region) is written by infra/deploy.py from the stack
    assert {k: v for k, v in env.items() if k not in ("BRANDS_FILE", "ARTIFACTS_BUCKET")} == environment(stage)
    assert (ROOT / "functions" / env["BRANDS_FILE"]).is_file()


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_policy_file_is_the_generated_one(stage: str) -> None:
    assert CONFIG["stages"][stage]["autogen_policy"] is False
    committed = json.loads((ROOT / ".chalice" / CONFIG["stages"][stage]["iam_policy_file"]).read_text())
    assert committed == policy(stage)
    actions = [a for statement in committed["Statement"] for a in statement["Action"]]
    assert not any(a.endswith("*") for a in actions)


def test_queue_visibility_covers_six_consumer_timeouts() -> None:
    functions = CONFIG["stages"]["prod"]["lambda_functions"]
    consumers = {"mentions": "ingest_mentions", "tickets": "open_tickets", "replies": "send_replies"}
    for queue in QUEUES:
        assert queue.visibility_timeout >= 6 * functions[consumers[queue.suffix]]["lambda_timeout"]


def test_template_has_every_table_and_a_dlq_per_queue() -> None:
    resources = template("prod")["Resources"]
    tables = [r for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == len(TABLES)
    assert all(t["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] for t in tables)
    queues = {
        r["Properties"]["QueueName"]: r["Properties"] for r in resources.values() if r["Type"] == "AWS::SQS::Queue"
    }
    for queue in QUEUES:
        main = queues[f"mentiondesk-prod-{queue.suffix}"]
        assert f"mentiondesk-prod-{queue.suffix}-dlq" in queues
        assert main["RedrivePolicy"]["maxReceiveCount"] == queue.max_receive_count
