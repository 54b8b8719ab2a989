"""Failed jobs wait before their next attempt; dead letters can be replayed with `redrive`."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from functions import cli
from functions.runtime.settings import settings
from tests.helpers import deliver, desk_tickets, mentions_stored, queue_depth, vk_body

SEVERE = "Your pizza gave my kids food poisoning, I am calling a lawyer"


def _log_lines(output: str) -> list[dict[str, Any]]:
    """The JSON log records in captured stdout (EMF metric records left out)."""
    records = (json.loads(line) for line in output.splitlines() if line.startswith("{"))
    return [r for r in records if "event" in r]


def _visible(queue: str) -> int:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    return int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
    )


def _vk_mention(document: dict[str, Any]) -> dict[str, Any]:
    from functions.connectors import vk
    from functions.core.webhooks import WebhookRequest

    (mention,) = vk.parse(WebhookRequest("POST", json.dumps(document).encode()), "acme")
    return mention.to_dict()


def test_a_poison_record_goes_to_the_dlq_at_once_with_the_reason(aws: str, driver: Any) -> None:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=settings().mentions_queue)["QueueUrl"]
    for body in ("{not json", '{"mention": {"network": "vk"}}', "[" * 5000, '{"mention": 1}'):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    driver.drain()
    assert queue_depth(settings().mentions_queue) == 0
    assert queue_depth(f"{settings().mentions_queue}-dlq") == 4  # on the first attempt, not after five


def test_a_failed_record_is_hidden_for_its_back_off(aws: str, driver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.runtime import settings as settings_module

    monkeypatch.setenv("RETRY_MAX_SECONDS", "600")
    monkeypatch.setenv("RETRY_BASE_SECONDS", "600")
    settings_module.settings.cache_clear()
    try:
        sqs = boto3.client("sqs")
        url = sqs.get_queue_url(QueueName=settings().mentions_queue)["QueueUrl"]
        # A transient failure: the mentions table is gone (an outage), so the write fails.
        document = json.loads(vk_body("wall_reply_new__top_level.json"))
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"mention": _vk_mention(document)}))
        boto3.client("dynamodb").delete_table(TableName=settings().mentions_table)
        (source,) = [s for s in driver.sources if s.queue == settings().mentions_queue]
        driver.run_once(source)
        assert queue_depth(settings().mentions_queue) == 1  # kept, not lost...
        assert _visible(settings().mentions_queue) == 0  # ...but hidden for its back-off
        assert driver.run_once(source) == 0
    finally:
        settings_module.settings.cache_clear()


def test_redrive_replays_dead_letters_into_the_pipeline(service: str, driver: Any) -> None:
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    sqs = boto3.client("sqs")
    main_url = sqs.get_queue_url(QueueName=settings().mentions_queue)["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=f"{settings().mentions_queue}-dlq")["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=main_url, MaxNumberOfMessages=10)["Messages"]
    sqs.send_message(QueueUrl=dlq_url, MessageBody=message["Body"])  # as if it had failed five times
    sqs.delete_message(QueueUrl=main_url, ReceiptHandle=message["ReceiptHandle"])
    assert mentions_stored() == []

    assert cli.main(["redrive", "mentions"]) == 0
    assert queue_depth(f"{settings().mentions_queue}-dlq") == 0
    driver.drain()
    (item,) = mentions_stored()
    assert json.loads(message["Body"])["mention"]["external_id"] == item["external_id"]
    assert len(desk_tickets()) == 1


def test_a_missing_helpdesk_secret_goes_straight_to_the_dlq(
    service: str, driver: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # rtco's helpdesk is Request Tracker, whose token only the `rt` fixture stores: here it is missing.
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json", brand="rtco"), brand="rtco")
    capsys.readouterr()
    driver.drain()
    assert queue_depth(settings().tickets_queue) == 0
    assert queue_depth(f"{settings().tickets_queue}-dlq") == 1  # after one attempt, not eight back-offs
    identity = "rtco#vk#wall-218000003_513_c9041"
    lines = _log_lines(capsys.readouterr().out)
    assert [line["event"] for line in lines if line["event"].startswith("ticket.")] == ["ticket.dead_lettered"]
    (parked,) = [line for line in lines if line["event"] == "ticket.dead_lettered"]
    assert (parked["brand"], parked["network"], parked["mention"], parked["attempt"]) == ("rtco", "vk", identity, 1)
    assert "needs the secret 'token'" in parked["error"]
    sqs = boto3.client("sqs")
    dlq = sqs.get_queue_url(QueueName=f"{settings().tickets_queue}-dlq")["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0)["Messages"]
    assert json.loads(message["Body"]) == {"mention": identity, "brand": "rtco", "network": "vk"}  # redrive-able


def test_every_log_line_of_the_workers_carries_brand_network_and_mention(
    service: str, driver: Any, on_call: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    on_call.failures = 1  # Slack answers 500 once: the ticket job fails (transient) and is retried
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json", text=SEVERE))
    capsys.readouterr()
    driver.drain()
    lines = _log_lines(capsys.readouterr().out)
    events = {line["event"] for line in lines}
    # the first attempt opens the ticket and fails to notify; the retry finds it (`ticket.duplicate`)
    assert {"ingest.stored", "ticket.record_failed", "escalation.raised", "ticket.duplicate"} <= events, events
    for line in lines:
        assert (line.get("brand"), line.get("network"), line.get("mention")) == (
            "acme",
            "vk",
            "acme#vk#wall-218000001_513_c9041",
        ), line
    assert queue_depth(f"{settings().tickets_queue}-dlq") == 0  # an outage is retried, not parked
