"""The Zendesk adapter against the Zendesk contract server (tests/servers/helpdesks/zendesk.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import requests

from functions.core.score import Priority
from functions.core.tickets import DeskState, HelpdeskUnavailableError, TicketDraft
from functions.helpdesks import zendesk
from tests.integration.helpdesks import checks
from tests.servers.helpdesks.zendesk import ZendeskServer, zendesk_comment_added_push

Draft = Callable[..., TicketDraft]


@pytest.fixture
def server() -> Iterator[ZendeskServer]:
    server = ZendeskServer().start()
    yield server
    server.stop()


def _desk(server: ZendeskServer, token: str | None = None, **settings: object) -> zendesk.Zendesk:
    return zendesk.create(
        {"url": server.url, "email": server.email, **settings}, {"api_token": token or server.api_token}
    )


def test_open_find_comment_prioritise_and_read_status(server: ZendeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server, custom_field_id=360000000001)
    assert desk.find_ticket(key) is None
    ticket = desk.open_ticket(draft(key), key)
    assert ticket.vendor == "zendesk" and ticket.url == f"{server.url}/agent/tickets/{ticket.id}"
    assert desk.find_ticket(key) == ticket
    stored = server.tickets[int(ticket.id)]
    assert stored["external_id"] == key
    assert stored["custom_fields"] == [{"id": 360000000001, "value": key}]
    assert stored["requester"] == {"name": "Ivan P. (vk)", "email": "vk-42@mentiondesk.invalid"}
    assert stored["priority"] == "high"
    assert stored["tags"] == ["category:delivery", "lang:en", "network:vk"]
    assert server.comments[int(ticket.id)][0]["public"] is False

    desk.add_comment(ticket, "Follow-up: still cold")
    assert {k: server.comments[int(ticket.id)][-1][k] for k in ("body", "public")} == {
        "body": "Follow-up: still cold",
        "public": False,
    }
    for priority, expected in [
        (Priority.LOW, "low"),
        (Priority.NORMAL, "normal"),
        (Priority.HIGH, "high"),
        (Priority.URGENT, "urgent"),
    ]:
        desk.set_priority(ticket, priority)
        assert server.tickets[int(ticket.id)]["priority"] == expected
    assert desk.ticket_state(ticket).status == "new"
    desk.reopen(ticket)
    assert desk.ticket_state(ticket).status == "open"
    assert all(200 <= exchange.status < 300 for exchange in server.seen)


def test_the_state_carries_the_tags(server: ZendeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    assert desk.ticket_state(ticket) == DeskState("new", ("category:delivery", "lang:en", "network:vk"))
    server.agent_updates(int(ticket.id), status="solved", tags=("not_complaint",))
    state = desk.ticket_state(ticket)
    assert state.status == "solved" and "not_complaint" in state.tags and not state.spam


def test_a_lost_reply_is_found_not_duplicated(server: ZendeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    server.lose_next_reply()
    with pytest.raises(HelpdeskUnavailableError):
        desk.open_ticket(draft(key), key)
    assert len(server.tickets) == 1  # Zendesk made it; we never heard
    found = desk.find_ticket(key)
    assert found is not None and found.id == str(next(iter(server.tickets)))
    assert (desk.find_ticket(key) or desk.open_ticket(draft(key), key)) == found
    assert len(server.tickets) == 1


def test_the_idempotency_key_replays_the_first_ticket(server: ZendeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    first = desk.open_ticket(draft(key), key)
    assert desk.open_ticket(draft(key), key) == first  # within Zendesk's 2 hours: a replay
    assert len(server.tickets) == 1


def test_rate_limits_and_outages_are_retryable(server: ZendeskServer, key: str) -> None:
    desk = _desk(server)
    checks.rate_limit_is_retryable_with_its_delay(server, lambda: desk.find_ticket(key))
    checks.outage_is_retryable(server, lambda: desk.find_ticket(key))


def test_bad_credentials_are_permanent(server: ZendeskServer, key: str) -> None:
    error = checks.is_permanent(lambda: _desk(server, token="wrong").find_ticket(key))
    assert "401" in str(error)


def test_the_contract_server_rejects_what_zendesk_would(server: ZendeskServer) -> None:
    auth = (f"{server.email}/token", server.api_token)
    url = f"{server.url}/api/v2/tickets"
    no_comment = requests.post(url, json={"ticket": {"subject": "x"}}, auth=auth, timeout=5)
    assert (no_comment.status_code, no_comment.json()) == (400, {"error": "ticket.comment is required"})
    bad_priority = {"ticket": {"subject": "x", "comment": {"body": "y"}, "priority": "high!"}}
    assert requests.post(url, json=bad_priority, auth=auth, timeout=5).status_code == 400
    unknown = {"ticket": {"subject": "x", "comment": {"body": "y"}, "prio": "high"}}
    assert requests.post(url, json=unknown, auth=auth, timeout=5).status_code == 400
    assert requests.post(url, data="subject=x", auth=auth, timeout=5).status_code == 415
    assert requests.delete(url, auth=auth, timeout=5).status_code == 405
    assert requests.get(url, auth=("agent@acme.example", server.api_token), timeout=5).status_code == 401
    assert requests.get(f"{server.url}/api/v2/tickets/999", auth=auth, timeout=5).status_code == 404


def test_comments_tell_an_agents_public_reply_from_notes_customers_and_ourselves(
    server: ZendeskServer, key: str, draft: Draft
) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    number = int(ticket.id)
    desk.add_comment(ticket, "Follow-up from the same author")
    note = server.internal_note(number, "Checking with the kitchen")
    customer = server.customer_comment(number, "Still waiting!")
    reply = server.agent_reply(number, "Sorry, Ivan: a refund is on its way.")
    server.page_cap = 2  # three pages: the adapter follows `links.next`

    comments = desk.comments(ticket)

    assert [c.id for c in comments] == [str(c["id"]) for c in server.comments[number]]
    by_id = {c.id: c for c in comments}
    assert [c.id for c in comments if c.for_customer] == [str(reply)]
    assert by_id[str(reply)].body == "Sorry, Ivan: a refund is on its way."
    assert by_id[str(reply)].author == "Agent Alice"
    stored_reply = next(c for c in server.comments[number] if c["id"] == reply)
    assert by_id[str(reply)].created_at == datetime.fromisoformat(stored_reply["created_at"])
    assert (by_id[str(note)].public, by_id[str(note)].by_agent) == (False, True)
    assert (by_id[str(customer)].public, by_id[str(customer)].by_agent) == (True, False)
    assert all(c.ours and not c.public for c in comments[:2])  # the description and our follow-up
    me_calls = [e for e in server.seen if e.path == "/api/v2/users/me"]
    assert len(me_calls) == 1  # asked once per adapter instance, not once per page
    assert all(200 <= e.status < 300 for e in server.seen)


def test_a_comment_added_push_names_the_ticket_to_re_read(server: ZendeskServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    reply = server.agent_reply(int(ticket.id), "We are on it")
    headers, body = zendesk_comment_added_push(server, "whsec", int(ticket.id), reply, now)
    assert zendesk.reply_event(headers, body, {"webhook_secret": "whsec"}, now) == ticket.id
    note = server.internal_note(int(ticket.id), "internal")
    headers, body = zendesk_comment_added_push(server, "whsec", int(ticket.id), note, now)
    assert zendesk.reply_event(headers, body, {"webhook_secret": "whsec"}, now) is None


def test_the_contract_server_rejects_bad_comment_listings(server: ZendeskServer, key: str, draft: Draft) -> None:
    ticket = _desk(server).open_ticket(draft(key), key)
    auth = (f"{server.email}/token", server.api_token)
    url = f"{server.url}/api/v2/tickets/{ticket.id}/comments"
    assert requests.get(url, params={"page[size]": "101"}, auth=auth, timeout=5).status_code == 400
    assert requests.get(url, params={"include": "groups"}, auth=auth, timeout=5).status_code == 400
    assert requests.get(url, params={"page[after]": "nope"}, auth=auth, timeout=5).status_code == 400
    assert requests.get(url, params={"per_pag": "1"}, auth=auth, timeout=5).status_code == 400
    assert requests.get(f"{server.url}/api/v2/users/me", timeout=5).status_code == 401
