"""Answering in the channel end to end through a real Request Tracker 5:

a VK complaint webhook opens an RT ticket; an agent corresponds in RT; RT's replies scrip
(infra/rt/mentiondesk_replies.pl) pushes the signed event to `POST /helpdesk-replies/request_tracker`;
the reply worker reads the ticket's history back, and the VK contract server receives
`wall.createComment` answering the customer's comment as the community; the RT ticket gets the
"posted" comment; VK's callback of our comment is recognised as ours; the health page shows the first
response. Then the same flow with VK answering "comments closed".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.conftest import BRAND_READ_KEYS, RT_REPLIES_PORT, RequestTrackerServer
from tests.helpers import brand_secrets, deliver, mentions_stored, read, vk_body
from tests.replies import vk_api
from tests.servers.proxy import SwitchableProxy

pytestmark = pytest.mark.rt

AGENT = ("agent", "agent-password")  # tests/servers/rt5/seed.pl: a privileged agent
RTCO_GROUP = 218000003
COMPLAINT = "Интернет не работает третий день, поддержка не отвечает, верните деньги"


@pytest.fixture
def scrip_to_service(service: str) -> Iterator[SwitchableProxy]:
    """RT's scrip posts to RT_REPLIES_URL; here that port forwards to the app's HTTP routes."""
    relay = SwitchableProxy(RT_REPLIES_PORT, service).start()
    yield relay
    relay.stop()


@pytest.fixture
def vk(network_api: Any) -> vk_api.Fake:
    fake = vk_api.Fake(datetime.now(UTC), group=RTCO_GROUP)
    network_api.handler = fake.handle
    return fake


def _rt_ticket(service: str, driver: Any, rt: RequestTrackerServer, comment_id: int) -> str:
    """A new RT ticket for a new customer comment (RT outlives the tests: each test its own comment)."""
    body = vk_body("wall_reply_new__top_level.json", brand="rtco", text=COMPLAINT, id=comment_id)
    assert deliver(service, "vk", body, "rtco").ok
    driver.drain()
    post = json.loads(body)["object"]["post_id"]
    (ticket,) = rt.search(f"'CF.{{MentionId}}' = 'rtco#vk#wall-{RTCO_GROUP}_{post}_c{comment_id}'")
    return str(ticket["id"])


def _correspond(rt: RequestTrackerServer, ticket_id: str, text: str) -> None:
    response = requests.post(
        f"{rt.url}/REST/2.0/ticket/{ticket_id}/correspond",
        json={"Content": text, "ContentType": "text/plain"},
        auth=AGENT,
        timeout=30,
    )
    assert response.status_code == 201, response.text


def _drain_until(driver: Any, done: Any, seconds: float = 10.0) -> None:
    """The scrip's push arrives a moment after RT answers the agent; drain until it was handled."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        driver.drain()
        if done():
            return
        time.sleep(0.1)


def test_rt_agent_reply_is_posted_to_the_vk_thread_and_comes_back_as_ours(
    service: str, driver: Any, rt: RequestTrackerServer, vk: vk_api.Fake, scrip_to_service: SwitchableProxy
) -> None:
    ticket_id = _rt_ticket(service, driver, rt, 9301)
    _correspond(rt, ticket_id, "Здравствуйте! Мастер приедет сегодня до 18:00, абонентскую плату вернём.")
    _drain_until(driver, lambda: bool(vk.created))

    assert [seen[2] for seen in scrip_to_service.seen] == ["/helpdesk-replies/request_tracker"]
    (posted,) = vk.created
    customer = json.loads(vk_body("wall_reply_new__top_level.json", brand="rtco"))["object"]
    assert (posted.section, posted.owner, posted.item) == ("wall", -RTCO_GROUP, customer["post_id"])
    assert posted.reply_to == 9301 and posted.params["from_group"] == str(RTCO_GROUP)
    assert posted.text.startswith("Здравствуйте! Мастер приедет")
    assert [c for c in rt.comments(ticket_id) if c.startswith("mentiondesk: posted to vk as the brand")]

    before = len(mentions_stored())
    echo = vk.delivery(posted, brand_secrets("rtco", "vk")["secret"])
    assert requests.post(f"{service}/webhooks/vk", data=echo.body, headers=echo.headers, timeout=10).text == "ok"
    driver.drain()
    assert len(mentions_stored()) == before  # ours: not a customer mention, not scored

    health = read(service, "/brands/rtco/health", BRAND_READ_KEYS["rtco"]).json()
    assert health["first_response"]["exact"] == 1

    # our "posted" comment in RT and RT's own history never loop back out
    _drain_until(driver, lambda: False, seconds=1.0)
    assert len(vk.created) == 1


def test_rt_reply_to_a_post_with_comments_closed_is_reported_on_the_ticket(
    service: str, driver: Any, rt: RequestTrackerServer, vk: vk_api.Fake, scrip_to_service: SwitchableProxy
) -> None:
    ticket_id = _rt_ticket(service, driver, rt, 9302)
    vk.mode = "closed"
    _correspond(rt, ticket_id, "Мы всё исправили.")
    _drain_until(driver, lambda: any("NOT posted" in c for c in rt.comments(ticket_id)))
    (note,) = [c for c in rt.comments(ticket_id) if "NOT posted" in c]
    assert "213" in note and vk.created == []
    health = read(service, "/brands/rtco/health", BRAND_READ_KEYS["rtco"]).json()
    assert health["first_response"]["exact"] == 0


def test_rt_reply_with_a_revoked_community_token_is_reported_on_the_ticket(
    service: str, driver: Any, rt: RequestTrackerServer, vk: vk_api.Fake, scrip_to_service: SwitchableProxy
) -> None:
    ticket_id = _rt_ticket(service, driver, rt, 9303)
    vk.mode = "revoked"
    _correspond(rt, ticket_id, "Деньги вернули.")
    _drain_until(driver, lambda: any("NOT posted" in c for c in rt.comments(ticket_id)))
    (note,) = [c for c in rt.comments(ticket_id) if "NOT posted" in c]
    assert "error 5" in note and "token" in note and vk.created == []
