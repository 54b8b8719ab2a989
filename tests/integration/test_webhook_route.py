"""The door: every answer of `/webhooks/{network}` over real HTTP, with SQS and SSM on moto."""

from __future__ import annotations

import json

import boto3
import pytest
import requests

from functions.runtime.settings import settings
from functions.stores import counters
from tests.helpers import brand_secrets, deliver, fixture_bytes, queue_depth, read, vk_body


@pytest.fixture(autouse=True)
def _clean(aws: str) -> None:
    """Every test here starts on a fresh moto stack."""


def _post_json(url: str, document: object) -> requests.Response:
    """An unsigned delivery, for the cases the connector's `sign` must not be used for."""
    return requests.post(url, data=json.dumps(document).encode(), headers={"Content-Type": "application/json"})


def _reason(response: requests.Response) -> str:
    return str(response.json()["error"])


def test_unknown_network_is_404(service: str) -> None:
    response = requests.post(f"{service}/webhooks/myspace", data=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 404
    assert "myspace" in _reason(response)


def test_vk_confirmation_answers_the_brand_string(service: str) -> None:
    body = json.dumps({"type": "confirmation", "group_id": 218000001}).encode()
    response = requests.post(f"{service}/webhooks/vk", data=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.text) == (200, brand_secrets("acme", "vk")["confirmation"])
    assert response.headers["Content-Type"].startswith("text/plain")


def test_accepted_delivery_is_queued_and_answered_ok(service: str) -> None:
    response = deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    assert (response.status_code, response.text) == (200, "ok")
    assert queue_depth(settings().mentions_queue) == 1


def test_wrong_vk_secret_is_403_and_nothing_is_queued(service: str) -> None:
    document = json.loads(vk_body("wall_reply_new__top_level.json"))
    document["secret"] = "guess"
    response = _post_json(f"{service}/webhooks/vk", document)
    assert response.status_code == 403
    assert queue_depth(settings().mentions_queue) == 0


def test_missing_vk_secret_is_401(service: str) -> None:
    document = json.loads(vk_body("wall_reply_new__top_level.json"))
    document.pop("secret")
    response = _post_json(f"{service}/webhooks/vk", document)
    assert response.status_code == 401


def test_brand_without_configured_secret_fails_closed(service: str) -> None:
    document = json.loads(fixture_bytes("vk", "wall_reply_new__top_level.json"))
    document.update(group_id=218000009, secret="anything")
    response = _post_json(f"{service}/webhooks/vk", document)
    assert response.status_code == 401


def test_account_no_brand_owns_is_403(service: str) -> None:
    document = json.loads(fixture_bytes("vk", "wall_reply_new__top_level.json"))
    document.update(group_id=1, secret=brand_secrets("acme", "vk")["secret"])
    response = _post_json(f"{service}/webhooks/vk", document)
    assert response.status_code == 403
    assert "no brand owns vk account 1" in _reason(response)


def test_brand_in_url_must_own_the_account(service: str) -> None:
    response = deliver(
        service, "vk", vk_body("wall_reply_new__top_level.json", brand="rtco"), brand="acme", in_url=True
    )
    assert response.status_code == 403


def test_generic_needs_a_known_brand_in_the_url(service: str) -> None:
    body = fixture_bytes("generic", "mentions__single_review.json")
    assert deliver(service, "generic", body, in_url=True).status_code == 200
    assert (
        requests.post(
            f"{service}/webhooks/generic/nobody", data=body, headers={"Content-Type": "application/json"}
        ).status_code
        == 404
    )
    assert (
        requests.post(
            f"{service}/webhooks/generic", data=body, headers={"Content-Type": "application/json"}
        ).status_code
        == 403
    )


def test_stale_generic_timestamp_is_403(service: str) -> None:
    body = fixture_bytes("generic", "mentions__single_review.json")
    from datetime import UTC, datetime, timedelta

    from functions.connectors import generic

    signed = generic.sign(body, brand_secrets("acme", "generic"), datetime.now(UTC) - timedelta(minutes=10))
    response = requests.post(f"{service}/webhooks/generic/acme", data=body, headers=dict(signed.headers))
    assert response.status_code == 403
    assert "replay" in _reason(response)


def test_malformed_body_is_400_with_one_line_reason(service: str) -> None:
    response = deliver(service, "generic", b'{"type": "mentions", "mentions": [{"id": 1}]}', in_url=True)
    assert response.status_code == 400
    assert "\n" not in _reason(response) and "mentions[0]" in _reason(response)
    broken = requests.post(f"{service}/webhooks/vk", data=b'{"type": ', headers={"Content-Type": "application/json"})
    assert broken.status_code in (400, 403)  # no group id → no brand to verify against: refused either way


def test_malformed_known_vk_event_is_400(service: str) -> None:
    response = deliver(service, "vk", vk_body("wall_reply_new__top_level.json", post_id="x"))
    assert response.status_code == 400
    assert "wall_reply_new" in _reason(response)


def test_oversized_body_is_413(service: str) -> None:
    huge = b'{"type": "mentions", "pad": "' + b"x" * settings().max_body_bytes + b'"}'
    response = deliver(service, "generic", huge, in_url=True)
    assert response.status_code == 413


def test_unsupported_event_is_200_ok_and_counted(service: str) -> None:
    for _ in range(2):
        response = deliver(service, "vk", vk_body("donut_subscription_create__unsupported.json"))
        assert (response.status_code, response.text) == (200, "ok")
    assert counters.value("unsupported#vk#donut_subscription_create") == 2
    assert queue_depth(settings().mentions_queue) == 0


def test_ignored_event_is_ok_and_queues_nothing(service: str) -> None:
    response = deliver(service, "vk", vk_body("group_join__user.json"))
    assert (response.status_code, response.text) == (200, "ok")
    assert queue_depth(settings().mentions_queue) == 0


def test_queue_outage_is_503_so_the_network_retries(service: str) -> None:
    from functions.stores import queues

    sqs = boto3.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=settings().mentions_queue)["QueueUrl"])
    queues.queue_url.cache_clear()
    response = deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    assert response.status_code == 503


def test_batched_generic_delivery_queues_each_mention(service: str) -> None:
    assert (
        deliver(
            service, "generic", fixture_bytes("generic", "mentions__batch_with_thread.json"), in_url=True
        ).status_code
        == 200
    )
    assert queue_depth(settings().mentions_queue) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("brand=nobody", "unknown brand"),
        ("since=yesterday", "ISO-8601"),
        ("complaint=maybe", "true or false"),
        ("limit=0", "limit"),
    ],
)
def test_read_api_rejects_bad_filters(service: str, query: str, message: str) -> None:
    response = read(service, f"/mentions?{query}")
    assert response.status_code == 400
    assert message in _reason(response)


def test_health_reports_queues(service: str) -> None:
    assert requests.get(f"{service}/health").json() == {"status": "ok"}  # liveness: no key, no details
    body = read(service, "/health/details").json()
    assert body["status"] == "ok"
    assert body["queues"][settings().mentions_queue] == {"depth": 0, "dead_letters": 0}
    assert {"vk", "generic"} <= set(body["networks"])


def test_secret_store_outage_is_503_not_a_rejection(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SSM down is our problem: the network must retry, not be told its delivery is forged."""
    from functions.runtime import aws

    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9")  # nothing listens on the discard port
    aws.reset()
    try:
        response = deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    finally:
        monkeypatch.delenv("AWS_ENDPOINT_URL_SSM")
        aws.reset()
    assert response.status_code == 503
    assert queue_depth(settings().mentions_queue) == 0


def test_missing_parameter_fails_closed_with_401(service: str) -> None:
    boto3.client("ssm").delete_parameter(Name="/mentiondesk/acme/vk/secret")
    assert deliver(service, "vk", vk_body("wall_reply_new__top_level.json")).status_code == 401
