"""Answering in the channel end to end, builtin desk → VK, every part real but the network:

a VK complaint webhook (signed as VK signs it) opens a builtin ticket; an agent replies through
`POST /tickets/{id}/replies`; the reply worker posts `wall.createComment` to the VK contract server
(tests/replies/vk_api.py, checked against VK's method schema) in the customer's comment thread as
the community; the ticket gets the "posted" note; VK's callback of our comment is recognised as ours
and never scored; the health page shows the first response. Then the failure cases: comments
closed, a revoked token (on-call told once), a rate limit (retried, posted once), and moderation.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests

from functions.jobs import replies
from functions.runtime.brands import brands
from functions.runtime.settings import settings
from functions.stores import desk
from functions.stores import replies as ledger
from functions.stores import tickets as links
from tests.conftest import BRAND_READ_KEYS
from tests.fakeapi import Answer, Seen
from tests.helpers import brand_secrets, deliver, desk_tickets, mentions_stored, read, table_items, vk_body
from tests.replies import vk_api

COMPLAINT = "Заказ не привезли, жду уже три часа, верните деньги!"
ANSWER = "<p>Здравствуйте! Мы вернули деньги, курьер приедет через 20 минут.</p><p>--<br>Anna, Acme support</p>"


@pytest.fixture
def vk(network_api: Any) -> vk_api.Fake:
    fake = vk_api.Fake(datetime.now(UTC))
    network_api.handler = fake.handle
    return fake


def _reply(service: str, ticket_id: str, text: str, key: str = BRAND_READ_KEYS["acme"]) -> requests.Response:
    return requests.post(
        f"{service}/tickets/{ticket_id}/replies",
        json={"text": text, "author": "anna"},
        headers={"X-Api-Key": key},
        timeout=10,
    )


def _ticket_with_complaint(service: str, driver: Any) -> dict[str, Any]:
    assert deliver(service, "vk", vk_body("wall_reply_new__top_level.json", text=COMPLAINT)).status_code == 200
    driver.drain()
    (ticket,) = desk_tickets()
    return ticket


def _notes(ticket_id: str) -> list[str]:
    (ticket,) = [t for t in desk_tickets() if t["id"] == ticket_id]
    return [c["text"] for c in ticket["comments"] if not c.get("public")]


def test_agent_reply_reaches_the_customer_thread_once_and_comes_back_as_ours(
    service: str, driver: Any, vk: vk_api.Fake
) -> None:
    ticket = _ticket_with_complaint(service, driver)
    answered = _reply(service, ticket["id"], ANSWER)
    assert answered.status_code == 202, answered.text
    driver.drain()

    (posted,) = vk.created
    customer = json.loads(vk_body("wall_reply_new__top_level.json"))["object"]
    assert posted.section == "wall" and posted.item == customer["post_id"] and posted.reply_to == customer["id"]
    assert posted.params["from_group"] == str(vk_api.GROUP) and posted.token == vk_api.COMMUNITY_TOKEN
    assert posted.text == "Здравствуйте! Мы вернули деньги, курьер приедет через 20 минут."  # HTML and signature gone
    assert [n for n in _notes(ticket["id"]) if n.startswith("mentiondesk: posted to vk")]

    # the sweep and a repeated push find the reply posted: nothing is sent again
    brand = brands().get("acme")
    assert brand is not None
    assert replies.sweep_brand(brand, datetime.now(UTC)) == 1
    driver.drain()
    assert len(vk.created) == 1
    assert len([n for n in _notes(ticket["id"]) if n.startswith("mentiondesk: posted")]) == 1

    # VK calls back with our comment: recognised, not a customer mention, no ticket activity
    stored_before = len(mentions_stored())
    echo = vk.delivery(posted, brand_secrets("acme", "vk")["secret"])
    assert requests.post(f"{service}/webhooks/vk", data=echo.body, headers=echo.headers, timeout=10).text == "ok"
    driver.drain()
    assert len(mentions_stored()) == stored_before
    (record,) = _posted_items().values()
    assert record.get("echoed_at")

    link = links.get(links.list_links("acme", 10)[0]["key"])
    assert link is not None and link.responded
    health = read(service, "/brands/acme/health").json()
    assert health["first_response"]["exact"] == 1 and health["first_response"]["median_minutes"] is not None


def _posted_items() -> dict[str, dict[str, Any]]:
    return {i["key"]: i for i in table_items(settings().replies_table) if i["key"].startswith("posted#")}


def test_comments_closed_is_told_on_the_ticket_and_never_retried(
    service: str, driver: Any, vk: vk_api.Fake, network_api: Any
) -> None:
    ticket = _ticket_with_complaint(service, driver)
    vk.mode = "closed"
    assert _reply(service, ticket["id"], "Мы разобрались, простите за ожидание.").status_code == 202
    driver.drain()
    assert vk.created == []
    (note,) = [n for n in _notes(ticket["id"]) if "NOT posted" in n]
    assert "213" in note and "The customer has not seen this reply" in note
    asked = len(network_api.requests)
    assert asked == 1
    brand = brands().get("acme")
    assert brand is not None
    replies.sweep_brand(brand, datetime.now(UTC))
    driver.drain()
    assert len(network_api.requests) == asked  # a refusal for good is not sent again
    link = links.get(links.list_links("acme", 10)[0]["key"])
    assert link is not None and not link.responded  # the customer saw nothing: the SLA clock still runs


def test_a_revoked_token_tells_the_agent_each_time_and_on_call_once(
    service: str, driver: Any, vk: vk_api.Fake, on_call: Any
) -> None:
    ticket = _ticket_with_complaint(service, driver)
    vk.mode = "revoked"
    for text in ("Первый ответ.", "Второй ответ."):
        assert _reply(service, ticket["id"], text).status_code == 202
        driver.drain()
    refused = [n for n in _notes(ticket["id"]) if "NOT posted" in n]
    assert len(refused) == 2 and all("5" in n for n in refused)
    alerts = [m for m in on_call.slack if "token was refused" in m["text"]]
    assert len(alerts) == 1 and "vk" in alerts[0]["text"]


def test_a_rate_limit_is_retried_and_the_reply_posted_once(
    service: str, driver: Any, vk: vk_api.Fake, network_api: Any
) -> None:
    ticket = _ticket_with_complaint(service, driver)
    network_api.queued.append(Answer(200, {"error": {"error_code": 6, "error_msg": "Too many requests per second"}}))
    assert _reply(service, ticket["id"], "Спасибо, деньги вернули.").status_code == 202
    driver.drain()
    assert len(vk.created) == 1
    notes = _notes(ticket["id"])
    assert [n for n in notes if "retrying" in n] and [n for n in notes if n.startswith("mentiondesk: posted")]


def test_a_lost_answer_is_sent_again_with_the_same_guid_and_posts_once(
    service: str, driver: Any, vk: vk_api.Fake, network_api: Any
) -> None:
    ticket = _ticket_with_complaint(service, driver)

    def lose_first(seen: Seen) -> Answer:  # VK creates the comment, the answer never arrives
        answer = vk.handle(seen)
        network_api.handler = vk.handle
        return Answer(drop=True) if answer.status == 200 else answer

    network_api.handler = lose_first
    brand = brands().get("acme")
    assert brand is not None
    comment = desk.add_reply(ticket["id"], "Курьер уже в пути.", "anna", datetime.now(UTC))
    link_key = links.list_links("acme", 10)[0]["key"]
    with pytest.raises(replies.ReplyRetryError):  # SQS brings the job back once the lease is over
        replies.sync(brand, link_key, datetime.now(UTC))
    with pytest.raises(replies.ReplyRetryError, match="another worker"):  # too early: the lease holds
        replies.sync(brand, link_key, datetime.now(UTC))
    time.sleep(2.1)  # REPLY_LEASE_SECONDS (1 s, counted in whole seconds)
    assert replies.sync(brand, link_key, datetime.now(UTC)) == ["posted"]
    creates = [r for r in network_api.requests if r.path == "/method/wall.createComment"]
    assert len(creates) == 2 and creates[0].form()["guid"] == creates[1].form()["guid"]
    assert len(vk.created) == 1  # VK dropped the repeat of our guid
    part = ledger.get(ledger.part_key("acme", "builtin", ticket["id"], comment, 0))
    assert part is not None and part["state"] == "posted" and int(part["attempts"]) == 2
    assert len([n for n in _notes(ticket["id"]) if n.startswith("mentiondesk: posted")]) == 1


def test_moderation_from_the_api_hides_nothing_vk_cannot_and_deletes_with_the_admin_token(
    service: str, driver: Any, vk: vk_api.Fake, network_api: Any
) -> None:
    ticket = _ticket_with_complaint(service, driver)
    identity = ticket["mention_id"]
    url = f"{service}/mentions/{quote(identity, safe='')}/moderation"
    key = {"X-Api-Key": BRAND_READ_KEYS["acme"]}
    hide = requests.post(url, json={"action": "hide", "reason": "abuse"}, headers=key, timeout=10)
    assert hide.status_code == 422 and "does not offer 'hide'" in hide.json()["error"]
    other = requests.post(url, json={"action": "delete"}, headers={"X-Api-Key": BRAND_READ_KEYS["rtco"]}, timeout=10)
    assert other.status_code == 403  # another brand's key
    deleted = requests.post(url, json={"action": "delete", "reason": "doxxing"}, headers=key, timeout=10)
    assert deleted.status_code == 202
    driver.drain()
    (call,) = [r for r in network_api.requests if r.path == "/method/wall.deleteComment"]
    assert call.form()["access_token"] == vk_api.USER_TOKEN
    record = ledger.get(deleted.json()["audit"])
    assert record is not None and record["state"] == "done" and record["by"] == "api:acme"
    assert [n for n in _notes(ticket["id"]) if n.startswith("mentiondesk moderation: delete on vk")]


def test_ticket_tags_moderate_once_and_md_private_answers_by_direct_message(
    service: str, driver: Any, vk: vk_api.Fake, network_api: Any
) -> None:
    ticket = _ticket_with_complaint(service, driver)
    token = {"X-Mentiondesk-Token": "acme-events-token"}
    event = {"ticket_id": ticket["id"], "status": "open", "tags": ["md-delete", "md-ban", "md-private"]}
    for _ in range(2):  # the desk repeats the tags on every later event: each acts once
        answer = requests.post(f"{service}/helpdesk-events/builtin", json=event, headers=token, timeout=10)
        assert answer.status_code == 200, answer.text
        driver.drain()
    calls = [r.path for r in network_api.requests]
    assert calls.count("/method/wall.deleteComment") == 1 and calls.count("/method/groups.ban") == 1
    customer = json.loads(vk_body("wall_reply_new__top_level.json"))["object"]
    (ban,) = [r for r in network_api.requests if r.path == "/method/groups.ban"]
    assert ban.form()["owner_id"] == str(customer["from_id"])
    assert len([n for n in _notes(ticket["id"]) if n.startswith("mentiondesk moderation:")]) == 2

    assert _reply(service, ticket["id"], "Написали вам в личные сообщения.").status_code == 202
    driver.drain()
    (message,) = vk.created
    assert message.section == "messages" and message.owner == customer["from_id"]  # a DM, not a comment


def test_a_reply_reported_days_late_is_not_posted_and_the_agent_is_told(
    service: str, driver: Any, vk: vk_api.Fake
) -> None:
    ticket = _ticket_with_complaint(service, driver)
    desk.add_reply(ticket["id"], "An answer from last week.", "anna", datetime.now(UTC) - timedelta(days=4))
    brand = brands().get("acme")
    assert brand is not None
    replies.sweep_brand(brand, datetime.now(UTC))
    driver.drain()
    assert vk.created == []
    (note,) = [n for n in _notes(ticket["id"]) if "NOT posted" in n]
    assert "96 hours old" in note
