"""Escalation end to end with the builtin desk: immediate, SLA sweep, status back; once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from functions import helpdesks
from functions.jobs import escalation, replies
from functions.runtime.brands import brands
from functions.stores import desk
from functions.stores import tickets as links
from tests.helpers import deliver, desk_tickets, vk_body
from tests.replies import vk_api

SEVERE = "Your pizza gave my kids food poisoning, I am calling a lawyer"


def _acme() -> Any:
    brand = brands().get("acme")
    assert brand is not None
    return brand


def test_severe_complaint_is_urgent_and_on_call_hears_once(service: str, driver: Any, on_call: Any) -> None:
    for _ in range(3):
        deliver(service, "vk", vk_body("wall_reply_new__top_level.json", text=SEVERE))
    driver.drain()
    (ticket,) = desk_tickets()
    assert ticket["priority"] == "urgent"
    assert any("escalation" in c["text"] for c in ticket["comments"])
    assert len(on_call.slack) == 1 and len(on_call.telegram) == 1
    assert "Acme Pizza" in on_call.slack[0]["text"] and ticket["id"] in on_call.telegram[0]["text"]
    assert on_call.telegram[0]["chat_id"] == "-1001234567890"


def test_high_reach_author_escalates(service: str, driver: Any, on_call: Any) -> None:
    deliver(
        service,
        "generic",
        b'{"type": "mentions", "mentions": [{"id": "9", "source": "x-export", '
        b'"text": "My order never arrived, I want a refund", "created_at": "2026-11-27T09:00:00Z", '
        b'"author": {"id": "star", "handle": "celebrity", "followers": 250000}}]}',
        in_url=True,
    )
    driver.drain()
    assert desk_tickets()[0]["priority"] == "urgent"
    assert "reach" in on_call.slack[0]["text"]


def test_sla_sweep_escalates_a_waiting_ticket_once_and_stops_when_answered(
    service: str, driver: Any, on_call: Any
) -> None:
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))  # posted in 2025: long overdue
    driver.drain()
    assert on_call.slack == []
    brand, now = _acme(), datetime.now(UTC)
    assert escalation.sweep_brand(brand, helpdesks.for_brand(brand), now) == 1
    assert escalation.sweep_brand(brand, helpdesks.for_brand(brand), now + timedelta(minutes=5)) == 0
    assert len(on_call.slack) == 1 and "SLA breached" in on_call.slack[0]["text"]
    (ticket,) = desk_tickets()
    assert ticket["priority"] == "urgent"

    desk.update(ticket["id"], status="solved")  # an agent solved it in the helpdesk
    escalation.sweep_brand(brand, helpdesks.for_brand(brand), now)
    (link,) = [links.get(k["key"]) for k in links.list_links("acme", 10)]
    assert link is not None and link.solved and link.status == "solved"
    assert links.open_links("acme") == []


def test_fresh_ticket_answered_in_time_is_never_escalated(
    service: str, driver: Any, on_call: Any, network_api: Any
) -> None:
    vk = vk_api.Fake(datetime.now(UTC))
    network_api.handler = vk.handle
    recent = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json", date=recent))
    driver.drain()
    brand = _acme()
    (ticket,) = desk_tickets()
    desk.update(ticket["id"], status="open")  # an agent picked it up, but nobody has answered the customer yet
    later = datetime.now(UTC) + timedelta(hours=5)
    assert escalation.sweep_brand(brand, helpdesks.for_brand(brand), later) == 1  # a status is not a response
    on_call.slack.clear()

    deliver(service, "vk", vk_body("wall_reply_new__top_level.json", id=9301, from_id=553202, date=recent))
    driver.drain()
    (fresh,) = [t for t in desk_tickets() if t["id"] != ticket["id"]]
    desk.add_reply(fresh["id"], "Sorry! Refunded, a new pizza is on its way.", "anna", datetime.now(UTC))
    link = links.find_by_ticket("builtin", fresh["id"], "acme")
    assert link is not None
    replies.queue_sync(link, "test")
    driver.drain()
    assert len(vk.created) == 1  # the customer got the answer in their thread: that is the first response
    assert escalation.sweep_brand(brand, helpdesks.for_brand(brand), later) == 0
    assert on_call.slack == []


def test_a_failed_notification_is_retried_by_the_job(service: str, driver: Any, on_call: Any) -> None:
    on_call.failures = 1  # Slack answers 500 once
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json", text=SEVERE))
    driver.drain()
    assert len(desk_tickets()) == 1
    assert len(on_call.slack) == 1  # the retried job escalated; the failed attempt left no record behind
    assert len(on_call.telegram) == 1


def test_complaint_spike_opens_one_incident_and_links_every_child(service: str, driver: Any, on_call: Any) -> None:
    authors = range(700100, 700112)  # twelve customers, twelve threads, against an empty baseline
    for n, author in enumerate(authors):
        deliver(service, "vk", vk_body("wall_reply_new__top_level.json", id=9100 + n, from_id=author))
        if n % 4 == 3:
            driver.drain()  # they arrive over a few batches, as they would
    driver.drain()
    everything = desk_tickets()
    (incident,) = [t for t in everything if "Complaint spike" in t["subject"]]
    children = [t for t in everything if t is not incident]
    assert len(children) == 12
    linked = [c["text"] for c in incident["comments"] if c["text"].startswith("Linked complaint ticket")]
    assert sorted(linked) == sorted({f"Linked complaint ticket {c['id']} " for c in children})
    for child in children:
        assert [
            c for c in child["comments"] if c["text"] == f"Part of incident ticket {incident['id']} (complaint spike)"
        ]
    spike_alerts = [m for m in on_call.slack if "spiking" in m["text"]]
    assert len(spike_alerts) == 1
    assert incident["priority"] == "urgent"


def test_a_normal_day_opens_no_incident(service: str, driver: Any, on_call: Any) -> None:
    for n, author in enumerate(range(700200, 700205)):
        deliver(service, "vk", vk_body("wall_reply_new__top_level.json", id=9200 + n, from_id=author))
    driver.drain()
    assert len(desk_tickets()) == 5
    assert not [t for t in desk_tickets() if "spike" in t["subject"].lower()]
    assert on_call.slack == []


def test_sns_notifier_publishes_to_the_topic(aws: str) -> None:
    """SNS on moto over HTTP: a queue subscribed to the on-call topic receives the escalation."""
    import json

    import boto3

    from functions.notifiers import notify

    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="mentiondesk-oncall")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="oncall-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    notify({"type": "sns", "settings": {"topic_arn": topic}}, "[Acme Pizza] escalated: SLA breached")
    (message,) = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Message"] == "[Acme Pizza] escalated: SLA breached"
    assert envelope["Subject"] == "mentiondesk escalation"
