"""Ticket lifecycle after opening: status back (pushed and polled), reopen or relink, loyalty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from functions.jobs import escalation
from functions.stores import desk
from functions.stores import tickets as links
from tests.helpers import deliver, desk_tickets, mentions_stored, read, vk_body

TOKEN = {"X-Mentiondesk-Token": "acme-events-token"}


def _open_complaint(service: str, driver: Any) -> dict[str, Any]:
    deliver(service, "vk", vk_body("wall_reply_new__top_level.json"))
    driver.drain()
    (ticket,) = desk_tickets()
    return ticket


def _event(service: str, body: object, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{service}/helpdesk-events/builtin", json=body, headers=headers or TOKEN, timeout=5)


def test_helpdesk_event_solves_the_ticket_and_its_mentions(service: str, driver: Any) -> None:
    ticket = _open_complaint(service, driver)
    answer = _event(service, {"ticket_id": ticket["id"], "status": "Solved"})
    assert answer.status_code == 200 and answer.json() == {"ok": True, "status": "solved", "solved": True}
    (link,) = [links.get(item["key"]) for item in links.list_links("acme", 5)]
    assert link is not None and link.solved and link.solved_at
    assert [m.get("ticket_status") for m in mentions_stored()] == ["solved"]


def test_helpdesk_events_are_authenticated_and_checked(service: str, driver: Any) -> None:
    ticket = _open_complaint(service, driver)
    good = {"ticket_id": ticket["id"], "status": "solved"}
    assert _event(service, good, headers={"X-Other": "x"}).status_code == 401
    assert _event(service, good, headers={"X-Mentiondesk-Token": "guess"}).status_code == 403
    assert _event(service, {"ticket_id": ticket["id"]}).status_code == 400
    assert _event(service, {"ticket_id": "MD-NOPE", "status": "solved"}).status_code == 404
    # Without the right token an unknown ticket and a known one look the same: no id oracle.
    for ticket_id in ("MD-NOPE", ticket["id"]):
        guess = _event(service, {"ticket_id": ticket_id, "status": "solved"}, headers={"X-Mentiondesk-Token": "guess"})
        assert (guess.status_code, guess.json()) == (403, {"error": "token does not match"})
    assert (
        requests.post(
            f"{service}/helpdesk-events/builtin",
            data=b"{",
            headers={**TOKEN, "Content-Type": "application/json"},
            timeout=5,
        ).status_code
        == 400
    )
    assert not links.get(links.list_links("acme", 5)[0]["key"]).solved  # type: ignore[union-attr]


def test_new_complaint_soon_after_solve_reopens_the_same_ticket(service: str, driver: Any) -> None:
    ticket = _open_complaint(service, driver)
    desk.update(ticket["id"], status="solved")
    escalation.sweep_brand(*_acme_desk(), datetime.now(UTC))  # the status poll sees it solved
    deliver(service, "vk", vk_body("wall_reply_new__reply_in_thread.json", text="It happened again! Cancelled again"))
    driver.drain()
    (reopened,) = desk_tickets()
    assert reopened["id"] == ticket["id"] and reopened["status"] == "open"
    assert any("It happened again" in c["text"] for c in reopened["comments"])
    (link,) = [links.get(item["key"]) for item in links.list_links("acme", 5)]
    assert link is not None and not link.solved


def test_new_complaint_long_after_solve_opens_a_new_ticket_naming_the_old(service: str, driver: Any) -> None:
    ticket = _open_complaint(service, driver)
    desk.update(ticket["id"], status="solved")
    escalation.sweep_brand(*_acme_desk(), datetime.now(UTC) - timedelta(days=10))  # solved ten days ago
    deliver(service, "vk", vk_body("wall_reply_new__reply_in_thread.json", text="Cancelled again, still no refund!"))
    driver.drain()
    (old,) = [t for t in desk_tickets() if t["id"] == ticket["id"]]
    (new,) = [t for t in desk_tickets() if t["id"] != ticket["id"]]
    assert old["status"] == "solved"
    assert new["id"] != ticket["id"] and f"Earlier ticket(s) of this thread, solved: {ticket['id']}" in new["body"]
    (link,) = [links.get(item["key"]) for item in links.list_links("acme", 5)]
    assert link is not None and link.ticket is not None and link.ticket.id == new["id"]
    assert link.previous_tickets == (f"builtin#{ticket['id']}",)
    assert link.posted_at == "2025-11-27T11:00:00Z" and link.escalations == frozenset()  # the new post's SLA


def test_loyalty_counts_the_authors_next_post_after_the_solve(service: str, driver: Any) -> None:
    ticket = _open_complaint(service, driver)
    _event(service, {"ticket_id": ticket["id"], "status": "solved"})
    thanks = int((datetime.now(UTC) + timedelta(minutes=1)).timestamp())
    deliver(
        service,
        "vk",
        vk_body(
            "photo_comment_new__comment.json",
            from_id=553201,
            date=thanks,
            text="Thank you, great support, the refund arrived!",
        ),
    )
    deliver(
        service,
        "vk",
        vk_body(
            "video_comment_new__comment.json",
            from_id=553201,
            date=thanks + 60,
            text="Another post by the same happy customer",
        ),
    )
    driver.drain()
    figures = read(service, "/brands/acme/loyalty").json()
    assert figures == {"brand": "acme", "followed_after_resolution": 1, "turned_positive": 1, "rate": 1.0}
    assert read(service, "/brands/nobody/loyalty").status_code == 404


def _acme_desk() -> tuple[Any, Any]:
    from functions import helpdesks
    from functions.runtime.brands import brands

    brand = brands().get("acme")
    assert brand is not None
    return brand, helpdesks.for_brand(brand)
