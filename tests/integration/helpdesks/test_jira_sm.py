"""The Jira Service Management adapter against its contract server (tests/servers/helpdesks/jira_sm.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import requests

from functions.core.score import Priority
from functions.core.tickets import DeskState, HelpdeskUnavailableError, TicketDraft, TicketRef
from functions.helpdesks import jira, jira_sm
from functions.helpdesks._common import key_label
from tests.integration.helpdesks import checks
from tests.servers.helpdesks.jira_sm import JiraServiceManagementServer, comment_created_push

Draft = Callable[..., TicketDraft]
ACCOUNT = "5b10a2844c20165700ede210"


@pytest.fixture
def server() -> Iterator[JiraServiceManagementServer]:
    server = JiraServiceManagementServer().start()
    yield server
    server.stop()


def _desk(
    server: JiraServiceManagementServer, token: str | None = None, **settings: object
) -> jira_sm.JiraServiceManagement:
    config = {
        "url": server.url,
        "email": server.email,
        "service_desk_id": server.service_desk_id,
        "request_type_id": server.request_type_id,
        **settings,
    }
    return jira_sm.create(config, {"api_token": token or server.api_token})


def test_open_find_comment_prioritise_and_read_status(
    server: JiraServiceManagementServer, key: str, draft: Draft
) -> None:
    desk = _desk(server, on_behalf_account_id=ACCOUNT)
    assert desk.find_ticket(key) is None
    ticket = desk.open_ticket(draft(key), key)
    assert ticket.id == "SUP-1" and ticket.url == f"{server.url}/servicedesk/customer/portal/1/SUP-1"
    found = desk.find_ticket(key)
    assert found is not None and found.id == ticket.id
    stored = server.requests["SUP-1"]
    assert stored["labels"] == [key_label(key), "network:vk", "category:delivery", "lang:en"]
    assert stored["reporter"] == ACCOUNT
    assert stored["priority"] == "High"  # set right after creation
    assert stored["description"].startswith("The pizza arrived cold.\nTwice.")

    desk.add_comment(ticket, "Follow-up: still cold")
    assert [(c["public"], c["body"]) for c in server.comments["SUP-1"]] == [(False, "Follow-up: still cold")]
    for priority, expected in [
        (Priority.LOW, "Low"),
        (Priority.NORMAL, "Medium"),
        (Priority.HIGH, "High"),
        (Priority.URGENT, "Highest"),
    ]:
        desk.set_priority(ticket, priority)
        assert server.requests["SUP-1"]["priority"] == expected
    assert desk.ticket_state(ticket).status == "Waiting for support"


def test_the_state_carries_the_resolution_and_labels_from_the_platform_issue(
    server: JiraServiceManagementServer, key: str, draft: Draft
) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    ours = (key_label(key), "network:vk", "category:delivery", "lang:en")
    assert desk.ticket_state(ticket) == DeskState("Waiting for support", ours)
    server.agent_updates(ticket.id, status="Declined", resolution="Declined", labels=("not-complaint",))
    assert desk.ticket_state(ticket) == DeskState("Declined", (*ours, "not-complaint"), "Declined")
    reads = [(e.method, e.path) for e in server.seen[-2:]]
    assert reads == [("GET", f"/rest/servicedeskapi/request/{ticket.id}"), ("GET", f"/rest/api/3/issue/{ticket.id}")]
    assert all(200 <= e.status < 300 for e in server.seen)


def test_plain_jira_reads_the_same_platform_issue(server: JiraServiceManagementServer, key: str, draft: Draft) -> None:
    """Prism's generated issues have no state (test_jira.py); this server answers getIssue as the
    platform documents it, so the `jira` adapter's reading is checked here."""
    created = _desk(server).open_ticket(draft(key), key)
    settings = {"url": server.url, "email": server.email, "project_key": "SUP"}
    desk = jira.create(settings, {"api_token": server.api_token})
    ticket = TicketRef("jira", created.id)
    server.agent_updates(created.id, status="Done", resolution="Not a complaint")
    state = desk.ticket_state(ticket)
    assert (state.status, state.resolution, state.tags[0]) == ("Done", "Not a complaint", key_label(key))
    assert desk.ticket_state(ticket).status == "Done"
    assert server.seen[-1].method == "GET" and server.seen[-1].path == f"/rest/api/3/issue/{created.id}"


def test_labels_can_be_set_after_creation(server: JiraServiceManagementServer, key: str, draft: Draft) -> None:
    desk = _desk(server, labels_in_request=False, priorities={"high": "Highest"})
    ticket = desk.open_ticket(draft(key), key)
    assert server.requests[ticket.id]["labels"][0] == key_label(key)
    assert server.requests[ticket.id]["priority"] == "Highest"
    assert desk.find_ticket(key) is not None


def test_a_lost_reply_is_found_not_duplicated(server: JiraServiceManagementServer, key: str, draft: Draft) -> None:
    desk = _desk(server)
    server.lose_next_reply()
    with pytest.raises(HelpdeskUnavailableError):
        desk.open_ticket(draft(key), key)
    found = desk.find_ticket(key) or desk.open_ticket(draft(key), key)
    assert found.id == "SUP-1" and len(server.requests) == 1


def test_rate_limits_and_outages_are_retryable(server: JiraServiceManagementServer, key: str) -> None:
    desk = _desk(server)
    checks.rate_limit_is_retryable_with_its_delay(server, lambda: desk.find_ticket(key))
    checks.outage_is_retryable(server, lambda: desk.find_ticket(key))


def test_bad_credentials_are_permanent(server: JiraServiceManagementServer, key: str) -> None:
    assert "401" in str(checks.is_permanent(lambda: _desk(server, token="wrong").find_ticket(key)))


def test_the_contract_server_rejects_what_jsm_would(server: JiraServiceManagementServer) -> None:
    auth = (server.email, server.api_token)
    url = f"{server.url}/rest/servicedeskapi/request"
    good = {"serviceDeskId": "10", "requestTypeId": "25", "requestFieldValues": {"summary": "s"}}
    assert requests.post(url, json=good, auth=auth, timeout=5).status_code == 201
    no_summary = {**good, "requestFieldValues": {"description": "d"}}
    answer = requests.post(url, json=no_summary, auth=auth, timeout=5)
    assert (answer.status_code, answer.json()) == (400, {"error": "requestFieldValues.summary is required"})
    by_email = {**good, "raiseOnBehalfOf": "ivan@example.com"}
    assert requests.post(url, json=by_email, auth=auth, timeout=5).status_code == 400
    numeric_ids = {**good, "serviceDeskId": 10}
    assert requests.post(url, json=numeric_ids, auth=auth, timeout=5).status_code == 400
    not_on_type = {**good, "requestFieldValues": {"summary": "s", "priority": {"name": "High"}}}
    assert requests.post(url, json=not_on_type, auth=auth, timeout=5).status_code == 400
    edit = f"{server.url}/rest/api/3/issue/SUP-1"
    assert requests.put(edit, json={"fields": {"priority": {"name": "P1"}}}, auth=auth, timeout=5).status_code == 400
    search = f"{server.url}/rest/api/3/search/jql"
    assert requests.get(search, params={"jql": "text ~ x"}, auth=auth, timeout=5).status_code == 400
    removed = f"{server.url}/rest/api/3/search"  # CHANGE-2046: the old search answers 410 Gone
    assert requests.get(removed, params={"jql": 'labels = "md-x"'}, auth=auth, timeout=5).status_code == 410
    assert requests.get(f"{url}/SUP-1", timeout=5).status_code == 401


def test_comments_tell_an_agents_public_reply_from_notes_customers_and_ourselves(
    server: JiraServiceManagementServer, key: str, draft: Draft
) -> None:
    desk = _desk(server)
    ticket = desk.open_ticket(draft(key), key)
    desk.add_comment(ticket, "Follow-up from the same author")
    note = server.internal_note(ticket.id, "Checking with the kitchen")
    customer = server.customer_comment(ticket.id, "Still waiting!")
    reply = server.agent_reply(ticket.id, "Sorry, Ivan: a refund is on its way.")
    server.page_cap = 3  # two pages: the adapter follows startAt until total

    comments = desk.comments(ticket)

    assert [c.id for c in comments] == [c["id"] for c in server.comments[ticket.id]]
    by_id = {c.id: c for c in comments}
    assert [c.id for c in comments if c.for_customer] == [reply]
    assert (by_id[reply].body, by_id[reply].author) == ("Sorry, Ivan: a refund is on its way.", "Agent A")
    assert by_id[reply].created_at == datetime(2026, 12, 4, 10, int(reply) % 60, tzinfo=UTC)
    assert (by_id[note].public, by_id[note].by_agent) == (False, True)
    assert (by_id[customer].public, by_id[customer].by_agent) == (True, False)
    assert comments[0].ours and not comments[0].public
    assert len([e for e in server.seen if e.path == "/rest/api/3/myself"]) == 1
    assert all(200 <= e.status < 300 for e in server.seen)


def test_a_comment_created_push_names_the_request_unless_internal(
    server: JiraServiceManagementServer, key: str, draft: Draft
) -> None:
    ticket = _desk(server).open_ticket(draft(key), key)
    now, secrets = datetime.now(UTC), {"webhook_secret": "jira-hook"}
    reply = comment_created_push(server, "jira-hook", ticket.id, server.agent_reply(ticket.id, "Done"))
    assert jira_sm.reply_event(*reply, secrets, now) == ticket.id
    note = comment_created_push(server, "jira-hook", ticket.id, server.internal_note(ticket.id, "x"))
    assert jira_sm.reply_event(*note, secrets, now) is None


def test_the_contract_server_rejects_bad_comment_listings(
    server: JiraServiceManagementServer, key: str, draft: Draft
) -> None:
    ticket = _desk(server).open_ticket(draft(key), key)
    auth = (server.email, server.api_token)
    url = f"{server.url}/rest/api/3/issue/{ticket.id}/comment"
    for params in ({"orderBy": "updated"}, {"startAt": "-1"}, {"expand": "everything"}, {"start": "0"}):
        assert requests.get(url, params=params, auth=auth, timeout=5).status_code == 400, params
    assert requests.get(f"{server.url}/rest/api/3/issue/SUP-999/comment", auth=auth, timeout=5).status_code == 404
    assert requests.get(f"{server.url}/rest/api/3/myself", timeout=5).status_code == 401
