"""The README demo as a test: `python -m infra.local` serves the pipeline; a pasted curl becomes a
stored mention and a ticket (the latency is measured in bench/pipeline.py, not asserted)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from functions.connectors import generic
from infra.local import running
from tests.conftest import ROOT, free_port

LOCAL_SECRETS = json.loads((ROOT / "infra" / "local-secrets.json").read_text())
READ_KEY = {"X-Api-Key": LOCAL_SECRETS["/mentiondesk/local/read-api-key"]}


@pytest.fixture(scope="module")
def local_service() -> Iterator[str]:
    with running(free_port(), free_port()) as url:
        yield url


def _wait_for(url: str, seconds: float) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while True:
        body: dict[str, object] = requests.get(url, headers=READ_KEY, timeout=2).json()
        if body["count"] or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_readme_vk_curl_becomes_a_mention_and_a_ticket(local_service: str) -> None:
    body = {
        "type": "wall_reply_new",
        "group_id": 218000001,
        "event_id": "demo-1",
        "v": "5.199",
        "secret": LOCAL_SECRETS["/mentiondesk/acme/vk/secret"],
        "object": {
            "id": 7,
            "from_id": 1234,
            "date": 1764200000,
            "post_id": 42,
            "owner_id": -218000001,
            "text": "My order never arrived, I want a refund",
        },
    }
    response = requests.post(f"{local_service}/webhooks/vk", json=body, timeout=5)
    assert (response.status_code, response.text) == (200, "ok")
    tickets = _wait_for(f"{local_service}/tickets?brand=acme", 5.0)  # how fast is for bench/, not a test
    assert tickets["count"] == 1, tickets
    mentions = requests.get(f"{local_service}/mentions?brand=acme", headers=READ_KEY, timeout=2).json()
    assert mentions["items"][0]["id"] == "acme#vk#wall-218000001_42_c7"


def test_signed_generic_webhook_with_the_local_key(local_service: str) -> None:
    payload = json.dumps(
        {
            "type": "mentions",
            "mentions": [
                {
                    "id": "42",
                    "source": "demo",
                    "text": "Charged twice and still no refund",
                    "created_at": "2026-11-27T09:00:00Z",
                    "author": {"id": "u1", "handle": "demo_user"},
                }
            ],
        }
    ).encode()
    signed = generic.sign(
        payload, {"signing_key": LOCAL_SECRETS["/mentiondesk/acme/generic/signing-key"]}, datetime.now(UTC)
    )
    response = requests.post(
        f"{local_service}/webhooks/generic/acme", data=payload, headers=dict(signed.headers), timeout=5
    )
    assert response.status_code == 200
    found = _wait_for(f"{local_service}/mentions?brand=acme&complaint=true&since=2026-11-27T08:00:00Z", 3.0)
    assert found["count"] == 1
