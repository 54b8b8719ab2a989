"""Nothing the door accepts is lost: it is stored (and scored, in bounded time) or refused at the door.

Over real HTTP to the app, SQS and DynamoDB on moto, the queue consumers run as Lambda would.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from functions import connectors
from functions.core.mention import MAX_TEXT_BYTES
from functions.runtime import workers
from functions.runtime.settings import settings
from functions.stores import counters
from tests.conftest import READ_API_KEY
from tests.contract import fixtures
from tests.helpers import brand_secrets, deliver, fixture_bytes, mentions_stored, queue_depth, read

FILLER = "My order never arrived, I want a refund! Charged twice, nobody answers. "
SECONDS_PER_LARGEST_BODY = 20.0  # delivery, queue, score and store of one 512 KiB body on moto


def _one_new_mention_fixture(network: str) -> tuple[Path, str]:
    """A fixture of the network that makes exactly one new customer mention with a text, and that text."""
    for path in fixtures(network):
        golden = json.loads(path.with_name(path.name.replace(".json", ".expected.json")).read_text())
        one = isinstance(golden, list) and len(golden) == 1 and golden[0]["action"] == "new" and golden[0]["text"]
        if one and not golden[0].get("by_brand"):  # the brand's own posts are recognised, not stored
            return path, golden[0]["text"]
    raise AssertionError(f"{network}: no fixture with one new mention")


def _replace_text(document: Any, text: str, replacement: str) -> Any:
    if isinstance(document, dict):
        return {k: _replace_text(v, text, replacement) for k, v in document.items()}
    if isinstance(document, list):
        return [_replace_text(v, text, replacement) for v in document]
    return replacement if document == text else document


def _largest_body(network: str) -> tuple[bytes, int]:
    """The fixture with its text grown until the signed body is as large as the door accepts."""
    from datetime import UTC, datetime

    connector = connectors.load(network)
    assert connector is not None
    path, text = _one_new_mention_fixture(network)
    document = json.loads(path.read_text())

    def signed_size(length: int) -> tuple[bytes, int]:
        body = json.dumps(_replace_text(document, text, (FILLER * (length // len(FILLER) + 1))[:length])).encode()
        return body, len(connector.sign(body, brand_secrets("acme", network), datetime.now(UTC)).body)

    _, empty_size = signed_size(0)
    length = settings().max_body_bytes - empty_size
    body, size = signed_size(length)
    assert size == settings().max_body_bytes, (network, size)
    return body, length


@pytest.mark.parametrize("network", connectors.push_networks())
def test_the_largest_accepted_body_is_stored_and_scored_in_bounded_time(
    service: str, driver: Any, network: str
) -> None:
    body, length = _largest_body(network)
    started = time.monotonic()
    response = deliver(service, network, body, in_url=True)
    assert response.status_code == 200, response.text
    driver.drain()
    elapsed = time.monotonic() - started
    (stored,) = mentions_stored()
    assert stored["truncated_from"] == length
    assert len(stored["text"].encode()) == MAX_TEXT_BYTES and stored["text"].startswith(FILLER)
    assert stored["score"]["complaint"] is True and "problem" in " ".join(stored["score"]["reasons"])
    assert elapsed < SECONDS_PER_LARGEST_BODY, f"{network}: {elapsed:.1f} s"
    assert queue_depth(f"{settings().mentions_queue}-dlq") == 0


def test_one_byte_over_the_limit_is_413_at_the_door(service: str, driver: Any) -> None:
    body, _ = _largest_body("generic")
    grown = body.replace(b'"text": "', b'"text": "x', 1)
    response = deliver(service, "generic", grown, in_url=True)
    assert response.status_code == 413
    assert queue_depth(settings().mentions_queue) == 0


def test_a_full_batch_of_large_mentions_is_queued_in_size_bounded_batches_and_all_stored(
    service: str, driver: Any
) -> None:
    """100 generic mentions of ~5 KB: one delivery just under the limit, more than one SQS batch can carry."""
    text = (FILLER * 80)[:5000]
    items = [
        {"id": str(i), "source": "big", "text": text, "created_at": "2026-11-27T09:00:00Z", "author": {"id": f"u{i}"}}
        for i in range(100)
    ]
    body = json.dumps({"type": "mentions", "mentions": items}).encode()
    assert 10 * len(text) * 10 > 256 * 1024 and len(body) < settings().max_body_bytes
    assert deliver(service, "generic", body, in_url=True).status_code == 200
    driver.drain()
    assert len(mentions_stored()) == 100


def test_lone_surrogates_and_noncharacters_are_stored_as_replacement_characters(service: str, driver: Any) -> None:
    """Was 503 "retry later" (a permanent error reported as transient); the sender retried forever."""
    raw = (
        b'{"type": "mentions", "mentions": [{"id": "s1", "source": "t", "created_at": "2026-11-27T09:00:00Z",'
        b' "author": {"id": "u\\udfff"}, "text": "broken \\ud800 emoji \\ud83d and \\ufffe \xef\xbf\xbf end"}]}'
    )
    response = deliver(service, "generic", raw, in_url=True)
    assert response.status_code == 200, response.text
    driver.drain()
    (stored,) = mentions_stored()
    assert stored["text"] == "broken \ufffd emoji \ufffd and \ufffd \ufffd end"
    assert stored["author"]["id"] == "u\ufffd"
    assert queue_depth(f"{settings().mentions_queue}-dlq") == 0


def _instagram_batch_with_meta_test_comment() -> bytes:
    document = json.loads(fixture_bytes("instagram", "comments__batch_two_accounts.json"))
    value = document["entry"][1]["changes"][0]["value"]
    value.pop("from"), value.pop("media")  # what Meta's own "Test" delivery looks like
    return json.dumps(document).encode()


def test_one_malformed_instagram_comment_is_skipped_and_counted_the_rest_stored(service: str, driver: Any) -> None:
    response = deliver(service, "instagram", _instagram_batch_with_meta_test_comment(), in_url=True)
    assert (response.status_code, response.text) == (200, "EVENT_RECEIVED")
    driver.drain()
    assert len(mentions_stored()) == 3  # of 4
    assert counters.value("skipped#instagram#malformed") == 1


def test_a_delivery_with_nothing_good_in_it_is_still_400(service: str) -> None:
    document = json.loads(fixture_bytes("instagram", "comments__top_level.json"))
    for entry in document["entry"]:
        for change in entry["changes"]:
            change["value"].pop("from")
    response = deliver(service, "instagram", json.dumps(document).encode(), in_url=True)
    assert response.status_code == 400


def _details(service: str) -> requests.Response:
    return requests.get(f"{service}/health/details", headers={"X-Api-Key": READ_API_KEY}, timeout=10)


def _wait_for(condition: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_health_reports_a_consumer_that_keeps_failing_and_it_recovers(service: str, driver: Any) -> None:
    """Locally a message moto could not return made every ReceiveMessage fail, the ingest thread died,
    deliveries kept getting 200 and were never stored, and /health/details said ok."""
    sqs = boto3.client("sqs")
    stop = threading.Event()
    threads = driver.serve(stop)
    try:
        _wait_for(lambda: all(w["state"] == "ok" for w in workers.status().values()))
        assert _details(service).status_code == 200
        url = sqs.get_queue_url(QueueName=settings().mentions_queue)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        sqs.delete_queue(QueueUrl=url)  # every ReceiveMessage of the ingest consumer now fails
        _wait_for(lambda: any(w["state"] == "failing" for w in workers.status().values()))
        details = _details(service)
        assert details.status_code == 503 and details.json()["status"] == "degraded"
        failing = [name for name, w in details.json()["workers"].items() if w["state"] == "failing"]
        assert failing and all(thread.is_alive() for thread in threads)  # failing, not dead
        sqs.create_queue(
            QueueName=settings().mentions_queue,
            Attributes={k: attributes[k] for k in ("VisibilityTimeout", "RedrivePolicy")},
        )
        _wait_for(lambda: all(w["state"] == "ok" for w in workers.status().values()))
        assert _details(service).json()["workers"][failing[0]]["state"] == "ok"
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        workers.forget()
    assert read(service, "/health/details").status_code == 200


# --- ordering: an older version never overwrites a newer one; a delete before its post is kept ----


def _vk(name: str, event_id: str | None = None, **fields: Any) -> bytes:
    from tests.helpers import vk_body

    document = json.loads(vk_body(name, **fields))
    if event_id is not None:
        document["event_id"] = event_id
    return json.dumps(document, ensure_ascii=False).encode()


def _text() -> str:
    (item,) = mentions_stored()
    return str(item["text"])


def test_a_replayed_older_vk_edit_does_not_revert_the_text(service: str, driver: Any) -> None:
    """VK signs no time: anyone holding an old edit delivery (or VK retrying one) could resend it."""
    old_edit = _vk("wall_reply_edit__fixed_typo.json", event_id="e-1", text="Order never arrived, refund please")
    new_edit = _vk("wall_reply_edit__fixed_typo.json", event_id="e-2", text="Refund arrived, thank you, solved")
    for body in (_vk("wall_reply_new__top_level.json"), old_edit, new_edit):
        assert deliver(service, "vk", body).text == "ok"
        driver.drain()
    assert _text() == "Refund arrived, thank you, solved"
    assert deliver(service, "vk", old_edit).text == "ok"  # the replay is acknowledged...
    driver.drain()
    assert _text() == "Refund arrived, thank you, solved"  # ...and changes nothing


def test_edits_processed_out_of_order_keep_the_newest(service: str, driver: Any) -> None:
    """SQS does not keep order: the worker may see the later edit first."""
    from functions.jobs import ingest

    deliver(service, "vk", _vk("wall_reply_new__top_level.json"))
    driver.drain()
    deliver(service, "vk", _vk("wall_reply_edit__fixed_typo.json", event_id="e-1", text="first edit"))
    time.sleep(0.01)
    deliver(service, "vk", _vk("wall_reply_edit__fixed_typo.json", event_id="e-2", text="second edit"))
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=settings().mentions_queue)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    bodies = sorted((m["Body"] for m in messages), key=lambda b: json.loads(b)["received_at"], reverse=True)
    assert [json.loads(b)["mention"]["text"] for b in bodies] == ["second edit", "first edit"]
    for body in bodies:  # newest first
        ingest.ingest(body)
    assert _text() == "second edit"


def test_a_delete_that_arrives_before_its_post_is_not_forgotten(service: str, driver: Any) -> None:
    deliver(service, "vk", _vk("wall_reply_delete__by_author.json"))
    driver.drain()
    assert mentions_stored() == []  # a tombstone is not a mention
    assert read(service, "/mentions?brand=acme").json()["count"] == 0
    deliver(service, "vk", _vk("wall_reply_new__top_level.json"))  # a complaint, but deleted already
    driver.drain()
    (item,) = mentions_stored()
    assert item["deleted"] is True and item["score"]["complaint"] is True
    from tests.helpers import desk_tickets

    assert desk_tickets() == []  # the customer deleted it before we saw it: no ticket
    deliver(service, "vk", _vk("wall_reply_restore__by_moderator.json"))  # a moderator restores it
    driver.drain()
    (item,) = mentions_stored()
    assert item["deleted"] is False
