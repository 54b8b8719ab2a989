"""The Freshdesk adapter against the Freshdesk contract server (tests/servers/helpdesks/freshdesk.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import requests

from functions.core.score import Priority
from functions.core.tickets import DeskState, HelpdeskUnavailableError, TicketDraft
from functions.helpdesks import freshdesk
from functions.helpdesks._common import key_label
from tests.integration.helpdesks import checks
from tests.servers.helpdesks.freshdesk import FreshdeskServer, rule_push

Draft = Callable[..., TicketDraft]


@pytest.fixture
def server() -> Iterator[FreshdeskServer]:
    server = FreshdeskServer().start()
    yield server
    server.stop()


def _desk(server: FreshdeskServer, api_key: str | None = None, **settings: object) -> freshdesk.Freshdesk:
    return freshdesk.create({"url": server.url, **settings}, {"api_key": api_key or server.api_key})


def test_open_find_note_prioritise_and_read_status(server: FreshdeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server, custom_field="cf_mention_id")
    assert desk.find_ticket(key) is None
    ticket = desk.open_ticket(draft(key), key)
    assert ticket.url == f"{server.url}/a/tickets/{ticket.id}"
    assert desk.find_ticket(key) == ticket
    stored = server.tickets[int(ticket.id)]
    assert stored["tags"] == [key_label(key), "network:vk", "category:delivery", "lang:en"]
    assert stored["custom_fields"] == {"cf_mention_id": key}
    assert stored["requester"] == {"email": "vk-42@mentiondesk.invalid", "name": "Ivan P. (vk)"}
    assert (stored["priority"], stored["status"], stored["source"]) == (3, 2, 2)
    assert stored["description"].startswith("<p>The pizza arrived cold.<br>Twice.</p>")

    desk.add_comment(ticket, "Follow-up: <still> cold")
    (note,) = server.notes[int(ticket.id)]
    assert (note["body"], note["private"], note["user_id"]) == (
        "<p>Follow-up: &lt;still&gt; cold</p>",
        True,
        server.api_agent,
    )
    for priority, expected in [(Priority.LOW, 1), (Priority.NORMAL, 2), (Priority.HIGH, 3), (Priority.URGENT, 4)]:
        desk.set_priority(ticket, priority)
        assert server.tickets[int(ticket.id)]["priority"] == expected
    assert desk.ticket_state(ticket).status == "2"
    server.tickets[int(ticket.id)]["status"] = 4  # an agent resolved it
    assert desk.ticket_state(ticket).status == "4"
    desk.reopen(ticket)
    assert desk.ticket_state(ticket).status == "2"


def test_the_state_carries_the_tags_and_the_spam_flag(server: FreshdeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    ours = tuple(server.tickets[int(ticket.id)]["tags"])
    assert desk.ticket_state(ticket) == DeskState("2", ours)
    server.agent_updates(int(ticket.id), spam=True)
    assert desk.ticket_state(ticket) == DeskState("2", ours, spam=True)
    server.agent_updates(int(ticket.id), status=5, tags=("not_complaint",), spam=False)
    assert desk.ticket_state(ticket) == DeskState("5", (*ours, "not_complaint"))


def test_unique_external_id_requester(server: FreshdeskServer, key: str, draft: Draft) -> None:
    ticket = _desk(server, requester_field="unique_external_id").open_ticket(draft(key), key)
    assert server.tickets[int(ticket.id)]["requester"] == {"unique_external_id": "vk:42", "name": "Ivan P. (vk)"}


def test_a_lost_reply_is_found_not_duplicated(server: FreshdeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    server.lose_next_reply()
    with pytest.raises(HelpdeskUnavailableError):
        desk.open_ticket(draft(key), key)
    found = desk.find_ticket(key) or desk.open_ticket(draft(key), key)
    assert found.id == "1" and len(server.tickets) == 1


def test_rate_limits_and_outages_are_retryable(server: FreshdeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    checks.rate_limit_is_retryable_with_its_delay(server, lambda: desk.open_ticket(draft(key), key))
    checks.outage_is_retryable(server, lambda: desk.find_ticket(key))
    assert server.tickets == {}


def test_bad_credentials_are_permanent(server: FreshdeskServer, key: str) -> None:
    assert "401" in str(checks.is_permanent(lambda: _desk(server, api_key="wrong").find_ticket(key)))


def test_the_contract_server_rejects_what_freshdesk_would(server: FreshdeskServer) -> None:
    auth = (server.api_key, "X")
    url = f"{server.url}/api/v2/tickets"
    good = {"subject": "s", "description": "<p>d</p>", "email": "a@b.example", "priority": 1, "status": 2}
    assert requests.post(url, json=good, auth=auth, timeout=5).status_code == 201
    assert requests.post(url, json={**good, "description": None}, auth=auth, timeout=5).status_code == 400
    missing = {k: v for k, v in good.items() if k != "description"}
    answer = requests.post(url, json=missing, auth=auth, timeout=5)
    assert answer.status_code == 400 and answer.json()["description"] == "Validation failed"
    two_requesters = {**good, "unique_external_id": "vk:1"}
    assert requests.post(url, json=two_requesters, auth=auth, timeout=5).status_code == 400
    assert requests.post(url, json={**good, "priority": "3"}, auth=auth, timeout=5).status_code == 400
    assert requests.post(url, json={**good, "source": 5}, auth=auth, timeout=5).status_code == 400
    search = f"{server.url}/api/v2/search/tickets"
    assert requests.get(search, params={"query": "tag:md-1"}, auth=auth, timeout=5).status_code == 400
    assert requests.get(url + "/1", timeout=5).status_code == 401
    assert requests.delete(url + "/1", auth=auth, timeout=5).status_code == 405


def test_conversations_tell_an_agents_reply_from_notes_customers_and_ourselves(
    server: FreshdeskServer, key: str, draft: Draft
) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    number = int(ticket.id)
    desk.add_comment(ticket, "Follow-up from the same author")
    private = server.private_note(number, "<p>Checking with the kitchen</p>")
    public_note = server.public_note(number, "<p>Visible in the portal</p>")
    customer = server.customer_reply(number, "<p>Still waiting!</p>")
    reply = server.agent_reply(number, "<div>Sorry, Ivan: a refund is on its way.</div>")
    server.page_cap = 2  # three pages: the adapter follows `Link: rel="next"`

    comments = desk.comments(ticket)

    assert [c.id for c in comments] == [str(c["id"]) for c in server.notes[number]]
    by_id = {c.id: c for c in comments}
    assert [c.id for c in comments if c.for_customer] == [str(reply)]
    assert by_id[str(reply)].body == "Sorry, Ivan: a refund is on its way."
    assert by_id[str(reply)].created_at is not None
    assert not by_id[str(private)].public and not by_id[str(public_note)].public
    assert (by_id[str(customer)].public, by_id[str(customer)].by_agent) == (True, False)
    assert comments[0].ours and not comments[0].public
    assert len([e for e in server.seen if e.path == "/api/v2/agents/me"]) == 1
    assert all(200 <= e.status < 300 for e in server.seen)


def test_the_rules_push_names_the_ticket_with_the_right_token(server: FreshdeskServer) -> None:
    now = datetime.now(UTC)
    assert freshdesk.reply_event(*rule_push("a-long-token", 42), {"events_token": "a-long-token"}, now) == "42"


def test_the_contract_server_rejects_bad_conversation_listings(server: FreshdeskServer, key: str, draft: Draft) -> None:
    ticket = _desk(server).open_ticket(draft(key), key)
    url = f"{server.url}/api/v2/tickets/{ticket.id}/conversations"
    for params in ({"per_page": "101"}, {"page": "0"}, {"order": "desc"}):
        assert requests.get(url, params=params, auth=(server.api_key, "X"), timeout=5).status_code == 400, params
    assert requests.get(f"{server.url}/api/v2/agents/me", timeout=5).status_code == 401
