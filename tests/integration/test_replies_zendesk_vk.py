"""Answering in the channel end to end through Zendesk's contract server:

a VK complaint webhook opens a Zendesk ticket (brand `zdco`); an agent's public reply is pushed as
Zendesk signs its `ticket.comment_added` webhook to `POST /helpdesk-replies/zendesk`; the worker
reads the comments back, posts `wall.createComment` in the customer's thread and writes the outcome
as an internal note; internal notes and the customer's own comments never go out; a push signed
with another secret is refused; and without any push the 5-minute sweep finds the reply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from functions.jobs import replies
from functions.runtime.brands import brands
from tests.conftest import ZENDESK_PORT, ZENDESK_WEBHOOK_SECRET
from tests.helpers import deliver, read, vk_body
from tests.replies import vk_api
from tests.servers.helpdesks.zendesk import ZendeskServer, zendesk_comment_added_push
from tests.servers.proxy import SwitchableProxy

ZDCO_GROUP = 218000004
COMPLAINT = "Привезли не тот заказ и холодный, это ужасно, верните деньги"


@pytest.fixture
def zendesk() -> Iterator[ZendeskServer]:
    """The Zendesk contract server, reached by the brand at ZENDESK_PORT."""
    server = ZendeskServer().start()
    front = SwitchableProxy(ZENDESK_PORT, server.url).start()
    yield server
    front.stop()
    server.stop()


@pytest.fixture
def vk(network_api: Any) -> vk_api.Fake:
    fake = vk_api.Fake(datetime.now(UTC), group=ZDCO_GROUP)
    network_api.handler = fake.handle
    return fake


def _ticket(service: str, driver: Any, zendesk: ZendeskServer) -> int:
    body = vk_body("wall_reply_new__top_level.json", brand="zdco", text=COMPLAINT)
    assert deliver(service, "vk", body, "zdco").ok
    driver.drain()
    (ticket_id,) = zendesk.tickets
    return ticket_id


def _push(service: str, zendesk: ZendeskServer, ticket_id: int, comment_id: int, secret: str) -> requests.Response:
    headers, body = zendesk_comment_added_push(zendesk, secret, ticket_id, comment_id, datetime.now(UTC))
    return requests.post(f"{service}/helpdesk-replies/zendesk", data=body, headers=headers, timeout=10)


def _notes(zendesk: ZendeskServer, ticket_id: int) -> list[str]:
    return [str(c["body"]) for c in zendesk.comments[ticket_id] if not c["public"]]


def test_zendesk_public_reply_is_posted_once_and_notes_stay_inside(
    service: str, driver: Any, zendesk: ZendeskServer, vk: vk_api.Fake
) -> None:
    ticket_id = _ticket(service, driver, zendesk)
    note = zendesk.internal_note(ticket_id, "Internal: courier was late, refund approved")
    reply = zendesk.agent_reply(ticket_id, "Простите! Деньги вернули, новый заказ уже в пути.")
    zendesk.customer_comment(ticket_id, "Жду")
    for comment in (note, reply):  # the desk pushes every comment; only the public reply goes out
        assert _push(service, zendesk, ticket_id, comment, ZENDESK_WEBHOOK_SECRET).status_code == 200
    driver.drain()

    (posted,) = vk.created
    customer = json.loads(vk_body("wall_reply_new__top_level.json", brand="zdco"))["object"]
    assert (posted.owner, posted.item, posted.reply_to) == (-ZDCO_GROUP, customer["post_id"], customer["id"])
    assert posted.text == "Простите! Деньги вернули, новый заказ уже в пути."
    (outcome,) = [n for n in _notes(zendesk, ticket_id) if n.startswith("mentiondesk: posted to vk")]
    assert str(posted.id) in outcome
    assert read(service, "/brands/zdco/health").json()["first_response"]["exact"] == 1

    # a push replayed by Zendesk's retries, and the sweep: still one comment on VK
    assert _push(service, zendesk, ticket_id, reply, ZENDESK_WEBHOOK_SECRET).status_code == 200
    brand = brands().get("zdco")
    assert brand is not None
    replies.sweep_brand(brand, datetime.now(UTC))
    driver.drain()
    assert len(vk.created) == 1


def test_a_push_signed_with_another_secret_is_refused_and_the_sweep_still_answers(
    service: str, driver: Any, zendesk: ZendeskServer, vk: vk_api.Fake
) -> None:
    ticket_id = _ticket(service, driver, zendesk)
    reply = zendesk.agent_reply(ticket_id, "Спасибо, что написали, уже разбираемся.")
    forged = _push(service, zendesk, ticket_id, reply, "not-the-brand-secret")
    assert forged.status_code == 403
    unsigned = requests.post(f"{service}/helpdesk-replies/zendesk", json={"ticket_id": ticket_id}, timeout=10)
    assert unsigned.status_code == 401
    driver.drain()
    assert vk.created == []
    brand = brands().get("zdco")
    assert brand is not None
    assert replies.sweep_brand(brand, datetime.now(UTC)) == 1  # the fallback without any push
    driver.drain()
    assert [c.text for c in vk.created] == ["Спасибо, что написали, уже разбираемся."]
