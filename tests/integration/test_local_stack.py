"""The README demo as a test: `python -m infra.local` serves the pipeline; a pasted curl becomes a
stored mention and a ticket (the latency is measured in bench/pipeline.py, not asserted)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

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


def _wait_for(url: str, seconds: float, found: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The listing at `url` once one of its items is `found`, or at the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        body: dict[str, Any] = requests.get(url, headers=READ_KEY, timeout=2).json()
        if any(found(item) for item in body["items"]):
            return body
        if time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def _opened(link: dict[str, Any]) -> bool:
    return bool(link["state"] == "open" and link.get("ticket_id"))


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
            "date": int(time.time()),  # the README stamps it with $(date +%s)
            "post_id": 42,
            "owner_id": -218000001,
            "text": "My order never arrived, I want a refund",
        },
    }
    response = requests.post(f"{local_service}/webhooks/vk", json=body, timeout=5)
    assert (response.status_code, response.text) == (200, "ok")
    # a link is listed while the worker still holds it ("opening"); the ticket exists once it is "open"
    tickets = _wait_for(f"{local_service}/tickets?brand=acme", 5.0, _opened)  # how fast is for bench/, not a test
    assert [t["state"] for t in tickets["items"]] == ["open"], tickets
    mentions = requests.get(f"{local_service}/mentions?brand=acme", headers=READ_KEY, timeout=2).json()
    assert mentions["items"][0]["id"] == "acme#vk#wall-218000001_42_c7"
    health = requests.get(f"{local_service}/brands/acme/health", headers=READ_KEY, timeout=5).json()
    # a fresh demo: counted in the 7 days, waiting minutes not a year, no SLA breached yet
    assert (health["totals"]["mentions"], health["totals"]["complaints"], health["open_complaints"]["count"]) == (
        1,
        1,
        1,
    )
    assert health["open_complaints"]["oldest_waiting"]["waiting_minutes"] < 5 and health["sla"]["breached"] == 0


def test_signed_generic_webhook_with_the_local_key(local_service: str) -> None:
    payload = json.dumps(
        {
            "type": "mentions",
            "mentions": [
                {
                    "id": "42",
                    "source": "demo",
                    "text": "Charged twice and still no refund",
                    "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
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
    since = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = _wait_for(
        f"{local_service}/mentions?brand=acme&complaint=true&since={since}",
        3.0,
        lambda item: bool(item["id"] == "acme#generic#demo:42"),
    )
    assert "acme#generic#demo:42" in {i["id"] for i in found["items"]}
