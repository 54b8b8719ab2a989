"""Webhook → queue → score → DynamoDB once → ticket, with the builtin desk, on moto over HTTP."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from functions import connectors
from functions.core.mention import Mention
from functions.core.scoring import score
from functions.jobs import ingest, tickets
from functions.runtime.brands import brands
from functions.runtime.settings import settings
from functions.stores import counters, mentions
from functions.stores import tickets as ticket_links
from tests.contract import fixtures
from tests.helpers import deliver, desk_tickets, mentions_stored, queue_depth, read, vk_body

STORING_ACTIONS = ("new", "edit", "restore")  # a delete of something never stored stores nothing


def _golden(path: Path) -> object:
    return json.loads(path.with_name(path.name.replace(".json", ".expected.json")).read_text())


def _expected_identities(network: str) -> set[str]:
    identities: set[str] = set()
    for path in fixtures(network):
        golden = _golden(path)
        if isinstance(golden, list):
            identities |= {
                f"{m['brand']}#{m['network']}#{m['external_id']}"
                for m in golden
                if m["action"] in STORING_ACTIONS and not m.get("by_brand")  # the brand's own: recognised, not stored
            }
    return identities


def _deliver_fixture(service: str, network: str, path: Path) -> requests.Response:
    """A fixture as its network sends it, signed with acme's secrets, to acme's URL."""
    return deliver(service, network, path.read_bytes(), in_url=True)


def test_every_fixture_of_every_connector_delivered_three_times_is_stored_once(service: str, driver: Any) -> None:
    expected: set[str] = set()
    for network in connectors.push_networks():
        for path in fixtures(network):
            golden = _golden(path)
            if isinstance(golden, dict) and "handshake" in golden:
                continue
            for _ in range(3):
                response = _deliver_fixture(service, network, path)
                assert response.status_code == 200, (path.name, response.text)
            expected |= _expected_identities(network)
    driver.drain()
    stored = [item["id"] for item in mentions_stored()]
    assert len(stored) == len(set(stored))
    assert set(stored) == expected
    complaint_threads = {item["thread_key"] for item in mentions_stored() if item["complaint"]}
    complaint_tickets = [t for t in desk_tickets() if "incident" not in t["tags"]]  # a spike adds its incident
    assert len(complaint_tickets) == len(complaint_threads) > 0  # one ticket per complaint thread, none twice


@pytest.mark.parametrize("network", connectors.push_networks())
def test_unsupported_events_are_answered_like_success_and_counted(service: str, aws: str, network: str) -> None:
    unsupported = [p for p in fixtures(network) if isinstance(_golden(p), dict) and "unsupported" in _golden(p)]  # type: ignore[operator]
    for path in unsupported:
        event = _golden(path)["unsupported"]  # type: ignore[index]
        assert _deliver_fixture(service, network, path).status_code == 200
        assert counters.value(f"unsupported#{network}#{event}") == 1
    assert queue_depth(settings().mentions_queue) == 0


def test_edit_delete_and_restore_keep_one_mention(service: str, driver: Any) -> None:
    steps: list[tuple[str, bool | None]] = [  # each delivery, then the mention's `deleted` flag
        ("wall_reply_new__top_level.json", None),
        ("wall_reply_edit__fixed_typo.json", None),
        ("wall_reply_delete__by_author.json", True),
        ("wall_reply_restore__by_moderator.json", False),
    ]
    for name, deleted in steps:
        deliver(service, "vk", vk_body(name))
        driver.drain()
        (item,) = mentions_stored()
        assert item.get("deleted") == deleted, name
    (item,) = mentions_stored()
    assert "#88123" in item["text"]  # the edit's text, kept through delete and restore
    assert item["edited_at"] and len(desk_tickets()) == 1


def test_complaint_becomes_one_ticket_then_follow_up_becomes_a_comment(service: str, driver: Any) -> None:
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    driver.drain()
    (ticket,) = desk_tickets()
    assert ticket["priority"] in ("normal", "high")
    assert (
        "My order never arrived" in ticket["body"] and "https://vk.com/wall-218000001_513?reply=9041" in ticket["body"]
    )
    assert ticket["comments"] == []

    deliver(service, "vk", vk_body("wall_reply_new__reply_in_thread.json"))
    deliver(service, "vk", vk_body("wall_reply_new__reply_in_thread.json"))  # a retry of the follow-up
    driver.drain()
    (ticket,) = desk_tickets()
    assert len(ticket["comments"]) == 1
    assert "Still waiting" in ticket["comments"][0]["text"]

    listed = read(service, "/tickets?brand=acme").json()["items"]
    assert len(listed) == 1 and len(listed[0]["mentions"]) == 2
    shown = read(service, "/mentions?brand=acme&complaint=true").json()["items"]
    assert {m["ticket"]["id"] for m in shown} == {ticket["id"]}


def test_praise_is_stored_but_opens_no_ticket(service: str, driver: Any) -> None:
    deliver(service, "vk", vk_body("photo_comment_new__comment.json"))
    driver.drain()
    (item,) = mentions_stored()
    assert item["complaint"] is False
    assert item["score"]["sentiment"] > 0
    assert desk_tickets() == []


def test_read_api_filters(service: str, driver: Any) -> None:
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))  # 2025-11-27T10:00Z, complaint
    deliver(service, "vk", vk_body("photo_comment_new__comment.json"))  # 2025-11-27T13:00Z, praise
    driver.drain()
    everything = read(service, "/mentions").json()
    assert everything["count"] == 2
    assert [m["created_at"] for m in everything["items"]] == sorted(
        (m["created_at"] for m in everything["items"]), reverse=True
    )
    assert read(service, "/mentions?since=2025-11-27T12:00:00Z").json()["count"] == 1
    assert read(service, "/mentions?complaint=false").json()["items"][0]["text"].startswith("Looks")
    assert read(service, "/mentions?brand=rtco").json()["count"] == 0


def _queue_url(name: str) -> str:
    return str(boto3.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def test_one_bad_record_does_not_lose_or_repeat_the_rest_of_its_batch(aws: str, driver: Any) -> None:
    good = [
        vk_connector_mention("wall_reply_new__top_level.json"),
        vk_connector_mention("photo_comment_new__comment.json"),
    ]
    sqs = boto3.client("sqs")
    url = _queue_url(settings().mentions_queue)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"mention": good[0].to_dict()}))
    sqs.send_message(QueueUrl=url, MessageBody="{not json")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"mention": good[1].to_dict()}))
    (source,) = [s for s in driver.sources if s.queue == settings().mentions_queue]
    driver.run_once(source)  # one batch of three: two stored, the poison parked in the DLQ at once
    assert sorted(i["id"] for i in mentions_stored()) == sorted(m.identity for m in good)
    assert queue_depth(settings().mentions_queue) == 0  # a permanent failure is not retried
    dlq = _queue_url(f"{settings().mentions_queue}-dlq")
    (dead,) = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"])["Messages"]
    assert dead["Body"] == "{not json"
    assert "message is not a job" in dead["MessageAttributes"]["error"]["StringValue"]
    driver.drain()
    assert len(mentions_stored()) == 2


def vk_connector_mention(name: str, **overrides: Any) -> Mention:
    from functions.core.webhooks import WebhookRequest

    connector = connectors.load("vk")
    assert connector is not None
    (mention,) = connector.parse(WebhookRequest("POST", vk_body(name, **overrides)), "acme")
    return mention


def test_crash_between_store_and_ticket_job_is_repaired_by_the_retry(aws: str, driver: Any) -> None:
    mention = vk_connector_mention("wall_reply_new__top_level.json")
    # The first attempt stored the mention and died before sending the ticket job.
    inserted, _ = mentions.put_new(mention, score(mention, brands().get("acme").scoring), datetime.now(UTC))  # type: ignore[union-attr]
    assert inserted
    ingest.ingest(json.dumps({"mention": mention.to_dict()}))  # SQS redelivers the same record
    driver.drain()
    assert len(desk_tickets()) == 1
    assert mentions.get(mention.identity).ticket_job_sent  # type: ignore[union-attr]


def _run_until_done(body: str, errors: list[BaseException]) -> None:
    """One worker: like SQS, a job that raises comes back until it succeeds."""
    for _ in range(200):
        try:
            tickets.handle_job(body)
            return
        except tickets.RetryLaterError:
            threading.Event().wait(0.05)
        except BaseException as error:
            errors.append(error)
            return


def test_concurrent_workers_open_one_ticket_and_post_each_follow_up_once(aws: str) -> None:
    first = vk_connector_mention("wall_reply_new__top_level.json")
    # Both are complaints, so either job may be the one that opens the ticket.
    follow_up = vk_connector_mention("wall_reply_new__reply_in_thread.json", text="Still no refund, cancelled again!")
    for mention in (first, follow_up):
        ingest_directly(mention)
    jobs = [json.dumps({"mention": m.identity}) for m in (first, follow_up) for _ in range(6)]
    errors: list[BaseException] = []
    workers = [threading.Thread(target=_run_until_done, args=(job, errors)) for job in jobs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    (ticket,) = desk_tickets()  # whichever job won the claim opened it; the other thread post is a comment
    assert ticket["mention_id"] in (first.identity, follow_up.identity)
    other = follow_up if ticket["mention_id"] == first.identity else first
    assert len(ticket["comments"]) == 1
    assert other.text in ticket["comments"][0]["text"]
    link = ticket_links.get(first.thread_key)
    assert link is not None and link.mentions == {first.identity, follow_up.identity}


def ingest_directly(mention: Mention) -> None:
    result = score(mention, brands().get("acme").scoring)  # type: ignore[union-attr]
    assert result.complaint
    mentions.put_new(mention, result, datetime.now(UTC))


@pytest.mark.parametrize("attempts", [1, 3])
def test_same_job_many_times_makes_one_ticket(aws: str, attempts: int) -> None:
    mention = vk_connector_mention("market_comment_new__comment.json")
    ingest_directly(mention)
    for _ in range(attempts):
        tickets.handle_job(json.dumps({"mention": mention.identity}))
    assert len(desk_tickets()) == 1


def test_ticket_shows_the_earlier_posts_of_its_thread(service: str, driver: Any) -> None:
    earlier = vk_body(
        "wall_reply_new__top_level.json",
        id=9001,
        from_id=4242,
        date=1764230000,
        text="Is delivery to the north district running today?",
    )
    deliver(service, "vk", earlier)
    driver.drain()
    assert desk_tickets() == []  # a question, not a complaint
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    driver.drain()
    (ticket,) = desk_tickets()
    assert "Earlier in this thread:\n- 2025-11-27T07:53:20Z id4242: Is delivery to the north district" in ticket["body"]
