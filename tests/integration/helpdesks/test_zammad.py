"""The Zammad adapter against the Zammad contract server (tests/servers/helpdesks/zammad.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import requests

from functions.core.score import Priority
from functions.core.tickets import DeskState, HelpdeskUnavailableError, TicketDraft
from functions.helpdesks import zammad
from functions.helpdesks._common import key_label
from tests.integration.helpdesks import checks
from tests.servers.helpdesks.zammad import ZammadServer, trigger_push

Draft = Callable[..., TicketDraft]


@pytest.fixture
def server() -> Iterator[ZammadServer]:
    server = ZammadServer().start()
    yield server
    server.stop()


def _desk(server: ZammadServer, token: str | None = None, **settings: object) -> zammad.Zammad:
    return zammad.create({"url": server.url, "group": "Social", **settings}, {"token": token or server.token})


def test_open_find_note_prioritise_and_read_status(server: ZammadServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    assert desk.find_ticket(key) is None
    ticket = desk.open_ticket(draft(key), key)
    assert ticket.url == f"{server.url}/#ticket/zoom/{ticket.id}"
    assert desk.find_ticket(key) == ticket
    stored = server.tickets[int(ticket.id)]
    assert stored["tags"] == [key_label(key), "network:vk", "category:delivery", "lang:en"]
    assert server.customers == {"vk-42@mentiondesk.invalid": stored["customer_id"]}
    assert (stored["group_id"], stored["priority_id"]) == (2, 3)
    (article,) = server.articles[int(ticket.id)]
    assert (article["type"], article["internal"], article["content_type"]) == ("note", True, "text/plain")

    desk.add_comment(ticket, "Follow-up: still cold")
    note = server.articles[int(ticket.id)][-1]
    assert (note["body"], note["type"], note["internal"]) == ("Follow-up: still cold", "note", True)
    for priority, expected in [(Priority.LOW, 1), (Priority.NORMAL, 2), (Priority.HIGH, 3), (Priority.URGENT, 3)]:
        desk.set_priority(ticket, priority)
        assert server.tickets[int(ticket.id)]["priority_id"] == expected
    assert desk.ticket_state(ticket).status == "new"


def test_the_state_carries_the_tags_from_the_tags_endpoint(server: ZammadServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    ours = (key_label(key), "network:vk", "category:delivery", "lang:en")
    assert desk.ticket_state(ticket) == DeskState("new", ours)
    server.agent_updates(int(ticket.id), state_id=4, tags=("not_complaint",))
    assert desk.ticket_state(ticket) == DeskState("closed", (*ours, "not_complaint"))
    assert [e.path for e in server.seen[-2:]] == [f"/api/v1/tickets/{ticket.id}", "/api/v1/tags"]
    headers = {"Authorization": f"Token token={server.token}"}
    url = f"{server.url}/api/v1/tags"
    for params in ({"object": "User", "o_id": ticket.id}, {"object": "Ticket"}, {"object": "Ticket", "o_id": "x"}):
        assert requests.get(url, params=params, headers=headers, timeout=5).status_code == 422, params
    assert requests.get(url, params={"object": "Ticket", "o_id": ticket.id}, timeout=5).status_code == 401


def test_an_install_with_an_urgent_priority(server: ZammadServer, key: str, draft: Draft) -> None:
    desk = _desk(server, priority_ids={"urgent": 4})
    ticket = desk.open_ticket(draft(key), key)
    assert checks.is_permanent(lambda: desk.set_priority(ticket, Priority.URGENT))  # this install has no 4


def test_a_lost_reply_is_found_not_duplicated(server: ZammadServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    server.lose_next_reply()
    with pytest.raises(HelpdeskUnavailableError):
        desk.open_ticket(draft(key), key)
    found = desk.find_ticket(key) or desk.open_ticket(draft(key), key)
    assert found.id == "1" and len(server.tickets) == 1


def test_rate_limits_and_outages_are_retryable(server: ZammadServer, key: str) -> None:
    desk = _desk(server)
    checks.rate_limit_is_retryable_with_its_delay(server, lambda: desk.find_ticket(key))
    checks.outage_is_retryable(server, lambda: desk.find_ticket(key))


def test_bad_credentials_are_permanent(server: ZammadServer, key: str) -> None:
    assert "401" in str(checks.is_permanent(lambda: _desk(server, token="wrong").find_ticket(key)))


def test_the_contract_server_rejects_what_zammad_would(server: ZammadServer) -> None:
    headers = {"Authorization": f"Token token={server.token}"}
    url = f"{server.url}/api/v1/tickets"
    good = {"title": "t", "group": "Social", "customer_id": "guess:a@b.example", "article": {"body": "b"}}
    assert requests.post(url, json=good, headers=headers, timeout=5).status_code == 201
    no_title = {k: v for k, v in good.items() if k != "title"}
    answer = requests.post(url, json=no_title, headers=headers, timeout=5)
    assert (answer.status_code, answer.json()) == (400, {"error": "ticket.title is required"})
    assert requests.post(url, json={**good, "group": "Nope"}, headers=headers, timeout=5).status_code == 422
    assert (
        requests.post(url, json={**good, "customer_id": "a@b.example"}, headers=headers, timeout=5).status_code == 422
    )
    assert requests.post(url, json={**good, "tags": ["a"]}, headers=headers, timeout=5).status_code == 400
    bearer = {"Authorization": f"Bearer {server.token}"}
    assert requests.get(url + "/1", headers=bearer, timeout=5).status_code == 401
    articles = f"{server.url}/api/v1/ticket_articles"
    assert requests.post(articles, json={"ticket_id": "1", "body": "x"}, headers=headers, timeout=5).status_code == 400


def test_comments_tell_an_agents_public_reply_from_notes_customers_and_ourselves(
    server: ZammadServer, key: str, draft: Draft
) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    number = int(ticket.id)
    desk.add_comment(ticket, "Follow-up from the same author")
    note = server.internal_note(number, "Checking with the kitchen")
    customer = server.customer_article(number, "Still waiting!")
    reply = server.agent_reply(number, "<p>Sorry, Ivan:<br>a refund is on its way &amp; more.</p>")

    comments = desk.comments(ticket)
    desk.comments(ticket)

    assert [c.id for c in comments] == [str(a["id"]) for a in server.articles[number]]
    by_id = {c.id: c for c in comments}
    assert [c.id for c in comments if c.for_customer] == [str(reply)]
    assert by_id[str(reply)].body == "Sorry, Ivan:\na refund is on its way & more."
    assert by_id[str(reply)].author == "alice@acme.example"
    assert (by_id[str(note)].public, by_id[str(note)].by_agent) == (False, True)
    assert (by_id[str(customer)].public, by_id[str(customer)].by_agent) == (True, False)
    assert all(c.ours and not c.public for c in comments[:2])  # the first article and our note
    assert len([e for e in server.seen if e.path == "/api/v1/users/me"]) == 1
    assert all(200 <= e.status < 300 for e in server.seen)


def test_a_trigger_push_names_the_ticket_only_for_a_public_agent_article(
    server: ZammadServer, key: str, draft: Draft
) -> None:
    ticket = _desk(server).open_ticket(draft(key), key)
    number, now, secrets = int(ticket.id), datetime.now(UTC), {"webhook_secret": "zammad-hook"}
    reply = trigger_push(server, "zammad-hook", number, server.agent_reply(number, "<p>Done</p>"))
    assert zammad.reply_event(*reply, secrets, now) == ticket.id
    for article in (server.internal_note(number, "x"), server.customer_article(number, "y")):
        assert zammad.reply_event(*trigger_push(server, "zammad-hook", number, article), secrets, now) is None


def test_the_contract_server_rejects_bad_article_listings(server: ZammadServer) -> None:
    headers = {"Authorization": f"Token token={server.token}"}
    assert (
        requests.get(f"{server.url}/api/v1/ticket_articles/by_ticket/999", headers=headers, timeout=5).status_code
        == 404
    )
    listing = f"{server.url}/api/v1/ticket_articles/by_ticket/1?page=2"
    assert requests.get(listing, headers=headers, timeout=5).status_code in (404, 422)
    assert requests.get(f"{server.url}/api/v1/users/me", timeout=5).status_code == 401
