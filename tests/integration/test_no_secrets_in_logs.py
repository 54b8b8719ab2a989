"""No secret value ever reaches the logs: the whole flow runs while stdout and stderr are captured.

Deliveries for every network (good and forged), tickets with escalations to Slack and Telegram
(whose URL and bot token are secrets), helpdesk events and read-API calls, then a grep of
everything printed for every secret value the test stack holds.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from functions import connectors
from tests.conftest import READ_API_KEY, SECRETS
from tests.contract import fixtures
from tests.helpers import deliver, read, vk_body


def test_no_secret_value_is_ever_logged(
    service: str, driver: Any, on_call: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    for network in connectors.push_networks():
        for path in fixtures(network)[:3]:
            deliver(service, network, path.read_bytes(), in_url=True)
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json", text="Food poisoning from your pizza!"))
    forged = vk_body("wall_reply_new__top_level.json").replace(b'"FIXTURE"', b'"guessed-secret"')
    requests.post(f"{service}/webhooks/vk", data=forged, headers={"Content-Type": "application/json"}, timeout=5)
    driver.drain()
    tickets = read(service, "/tickets?brand=acme").json()["items"]
    assert tickets and on_call.slack  # the flow really ran, escalations included
    requests.post(
        f"{service}/helpdesk-events/builtin",
        json={"ticket_id": tickets[0]["ticket_id"], "status": "solved"},
        headers={"X-Mentiondesk-Token": SECRETS["/mentiondesk/acme/helpdesk/events-token"]},
        timeout=5,
    )
    requests.get(f"{service}/mentions", headers={"X-Api-Key": "wrong-key"}, timeout=5)
    read(service, "/mentions?brand=acme")
    captured = capfd.readouterr()
    printed = captured.out + captured.err
    assert "webhook.accepted" in printed and "ticket.opened" in printed  # logs were captured
    for name, value in {**SECRETS, "read api key": READ_API_KEY}.items():
        assert value not in printed, f"the value of {name} appears in the logs"
