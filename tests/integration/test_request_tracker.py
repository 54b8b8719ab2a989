"""The Request Tracker adapter and the whole pipeline against a real Request Tracker 5."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.core.score import Priority
from functions.core.tickets import HelpdeskError, HelpdeskUnavailableError, Requester, TicketDraft
from functions.helpdesks import request_tracker
from functions.runtime.settings import settings
from functions.stores import tickets
from tests.conftest import WORK, RequestTrackerServer, free_port
from tests.helpers import deliver, queue_depth, vk_body

pytestmark = pytest.mark.rt


def _desk(rt: RequestTrackerServer, **secrets: str) -> request_tracker.RequestTracker:
    return request_tracker.create(
        {"url": rt.url, "queue": "mentiondesk", "custom_field": "MentionId"}, secrets or {"token": rt.token}
    )


def _draft(mention_id: str) -> TicketDraft:
    return TicketDraft(
        subject="[Acme] vk complaint from id42: cold pizza",
        body="The pizza arrived cold.\n\n---\nMention: " + mention_id,
        requester=Requester(id="42", name=None, handle="id42", network="vk"),
        priority=Priority.HIGH,
        tags=("network:vk",),
        mention_id=mention_id,
        brand="acme",
    )


def _rt_tickets(rt: RequestTrackerServer, mention_id: str) -> list[dict[str, Any]]:
    return rt.search(f"'CF.{{MentionId}}' = '{mention_id}'")


def test_adapter_opens_finds_comments_and_prioritises(rt: RequestTrackerServer) -> None:
    desk = _desk(rt)
    key = f"vk#wall-1_{uuid.uuid4().hex[:8]}"
    assert desk.find_ticket(key) is None
    ticket = desk.open_ticket(_draft(key), key)
    assert desk.find_ticket(key) == ticket
    shown = rt.get(f"/ticket/{ticket.id}")
    assert shown["Subject"].startswith("[Acme] vk complaint")
    assert shown["Priority"] == "75"
    assert [r["id"] for r in shown["Requestor"]] == ["vk-42@mentiondesk.invalid"]
    assert {cf["name"]: cf["values"] for cf in shown["CustomFields"]}["MentionId"] == [key]
    desk.add_comment(ticket, "Follow-up: still cold")
    assert any(t["Type"] == "Comment" for t in rt.history(ticket.id))
    desk.set_priority(ticket, Priority.URGENT)
    assert rt.get(f"/ticket/{ticket.id}")["Priority"] == "95"
    assert desk.ticket_state(ticket).status == "new"


def test_basic_auth_works_and_bad_credentials_are_a_permanent_error(rt: RequestTrackerServer) -> None:
    assert _desk(rt, username=rt.user, password=rt.password).find_ticket("vk#none") is None
    with pytest.raises(HelpdeskError) as caught:
        _desk(rt, token="1-1-bad").find_ticket("vk#none")
    assert not isinstance(caught.value, HelpdeskUnavailableError)


def test_unreachable_helpdesk_is_a_retryable_error() -> None:
    desk = request_tracker.create({"url": "http://127.0.0.1:9"}, {"token": "t"})
    with pytest.raises(HelpdeskUnavailableError):
        desk.find_ticket("vk#x")


def test_quotes_in_the_key_cannot_break_the_search(rt: RequestTrackerServer) -> None:
    desk = _desk(rt)
    key = "generic#forum:it's \\ tricky " + uuid.uuid4().hex[:6]
    ticket = desk.open_ticket(_draft(key), key)
    assert desk.find_ticket(key) == ticket


def _complaint(service: str, **overrides: Any) -> None:
    response = deliver(
        service, "vk", vk_body("wall_reply_new__top_level.json", brand="rtco", **overrides), brand="rtco"
    )
    assert (response.status_code, response.text) == (200, "ok")


def test_webhook_to_one_rt_ticket_with_retries_and_a_follow_up(
    rt: RequestTrackerServer, service: str, driver: Any
) -> None:
    comment_id = int(uuid.uuid4().int % 10**8)
    for _ in range(3):  # VK retried the delivery
        _complaint(service, id=comment_id)
    driver.drain()
    identity = f"rtco#vk#wall-218000003_513_c{comment_id}"
    (ticket,) = _rt_tickets(rt, identity)
    assert "My order never arrived" in ticket["Subject"]

    follow_up = vk_body("wall_reply_new__reply_in_thread.json", brand="rtco", id=comment_id + 1)
    for _ in range(2):
        deliver(service, "vk", follow_up, brand="rtco")
    driver.drain()
    (comment,) = rt.comments(ticket["id"])
    assert comment.startswith("Follow-up from the same author") and "Still waiting" in comment
    assert len(_rt_tickets(rt, identity)) == 1


def test_outage_delays_tickets_but_loses_none_and_doubles_none(
    rt: RequestTrackerServer, rt_proxy: Any, service: str, driver: Any
) -> None:
    ids = [int(uuid.uuid4().int % 10**8) + i for i in range(3)]
    for n, comment_id in enumerate(ids):
        _complaint(service, id=comment_id, from_id=700000 + n)  # three authors: three threads
    rt_proxy.mode = "down"
    driver.drain(rounds=3)  # the helpdesk answers 503: jobs fail and go back to the queue
    assert queue_depth(settings().tickets_queue) == 3
    assert queue_depth(f"{settings().tickets_queue}-dlq") == 0
    assert all(mode == "down" for mode, _, _ in rt_proxy.seen[-3:])

    rt_proxy.mode = "lost_reply"  # RT creates the tickets, but we only see 504s
    driver.drain(rounds=1)
    lost_writes = [path for mode, method, path in rt_proxy.seen if mode == "lost_reply" and method == "POST"]
    assert len(lost_writes) == 3
    assert all(len(_rt_tickets(rt, f"rtco#vk#wall-218000003_513_c{c}")) == 1 for c in ids)
    rt_proxy.mode = "up"
    driver.drain()
    assert queue_depth(settings().tickets_queue) == 0
    for comment_id in ids:
        assert len(_rt_tickets(rt, f"rtco#vk#wall-218000003_513_c{comment_id}")) == 1


def test_rt_brand_answers_vk_confirmation(service: str, rt: RequestTrackerServer) -> None:
    import requests

    body = json.dumps({"type": "confirmation", "group_id": 218000003}).encode()
    response = requests.post(f"{service}/webhooks/vk", data=body, headers={"Content-Type": "application/json"})
    assert response.text == "rtco-conf"


def test_webhook_to_an_escalated_rt_ticket_then_solved_in_rt(
    rt: RequestTrackerServer, service: str, driver: Any
) -> None:
    import requests

    from functions import helpdesks
    from functions.jobs import escalation
    from functions.runtime.brands import brands
    from functions.stores import tickets as links

    comment_id = int(uuid.uuid4().int % 10**8)
    _complaint(service, id=comment_id, text="Your courier crashed into my car, this is unsafe. I want a refund")
    driver.drain()
    (found,) = _rt_tickets(rt, f"rtco#vk#wall-218000003_513_c{comment_id}")
    ticket = rt.get(f"/ticket/{found['id']}")
    assert ticket["Priority"] == "95"  # urgent: the scorer and the immediate escalation agree
    (note,) = rt.comments(found["id"])
    assert note.startswith("mentiondesk escalation: severity terms")

    brand = brands().get("rtco")
    assert brand is not None
    desk = helpdesks.for_brand(brand)
    assert escalation.sweep_brand(brand, desk, datetime.now(UTC)) == 1  # posted in 2025: SLA long breached
    assert escalation.sweep_brand(brand, desk, datetime.now(UTC)) == 0  # once
    response = requests.put(
        f"{rt.url}/REST/2.0/ticket/{found['id']}", json={"Status": "resolved"}, auth=(rt.user, rt.password), timeout=10
    )
    response.raise_for_status()
    escalation.sweep_brand(brand, desk, datetime.now(UTC))
    assert all(link.ticket is None or link.ticket.id != str(found["id"]) for link in links.open_links("rtco"))


def test_rts_scrip_reports_a_status_change_back(rt: RequestTrackerServer, service: str, driver: Any) -> None:
    """The scrip of docs/helpdesks.md (tests/servers/rt5/seed.pl) posts to /helpdesk-events."""
    import requests

    comment_id = int(uuid.uuid4().int % 10**8)
    _complaint(service, id=comment_id)
    driver.drain()
    (ticket,) = _rt_tickets(rt, f"rtco#vk#wall-218000003_513_c{comment_id}")
    link = tickets.find_by_ticket("request_tracker", str(ticket["id"]))
    assert link is not None and not link.solved
    for status in ("open", "resolved"):  # an agent takes it, then resolves it, in RT's own UI
        requests.put(
            f"{rt.url}/REST/2.0/ticket/{ticket['id']}", json={"Status": status}, auth=(rt.user, rt.password), timeout=10
        ).raise_for_status()
    link = tickets.find_by_ticket("request_tracker", str(ticket["id"]))
    assert link is not None and (link.status, link.solved) == ("resolved", True)
    assert not link.responded  # a status is not a response: nobody answered the customer on VK


def test_make_run_sends_the_demo_brands_tickets_to_a_local_rt(
    rt: RequestTrackerServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`LOCAL_RT_ENV=<dir>/env make run`, as docs/helpdesks.md shows, with the RT that start.sh started."""
    import time

    import requests

    from infra.local import running

    monkeypatch.setenv("LOCAL_RT_ENV", str(WORK / "rt5" / "env"))  # written by start.sh (the rt_server fixture)
    comment_id = int(uuid.uuid4().int % 10**8)
    demo = {
        "type": "wall_reply_new",
        "group_id": 218000001,
        "event_id": f"demo-{comment_id}",
        "v": "5.199",
        "secret": "local-vk-secret",
        "object": {
            "id": comment_id,
            "from_id": 1234,
            "date": int(time.time()),
            "post_id": 42,
            "owner_id": -218000001,
            "text": "My order never arrived, I want a refund",
        },
    }
    with running(free_port(), free_port()) as url:
        assert requests.post(f"{url}/webhooks/vk", json=demo, timeout=5).text == "ok"
        identity = f"acme#vk#wall-218000001_42_c{comment_id}"
        deadline = time.monotonic() + 10
        while not (found := _rt_tickets(rt, identity)) and time.monotonic() < deadline:
            time.sleep(0.2)
    (ticket,) = found
    assert "My order never arrived" in ticket["Subject"]
