"""The Jira Cloud adapter against Atlassian's own OpenAPI, through Prism.

Every request the adapter makes goes through `RecordingForwarder` to Prism, which validates it
against tests/contracts/jira; each test asserts Prism found nothing wrong with our requests.
Prism's answers are generated from the spec's schemas (keys like "string", no status), so what
we read from them is tested in tests/unit/test_helpdesk_payloads.py with canned responses, and the
sweep's reading of a resolution and labels end to end against the JSM contract server, which
answers the same platform getIssue (tests/integration/test_desk_verdicts.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from functions.core.score import Priority
from functions.core.tickets import HelpdeskError, HelpdeskUnavailableError, TicketDraft, TicketRef
from functions.helpdesks import jira
from tests.integration.helpdesks import checks
from tests.servers.helpdesks.base import RecordingForwarder, request_violations

Draft = Callable[..., TicketDraft]
AUTH = ("agent@acme.example", "jira-token")


def _desk(front: RecordingForwarder) -> jira.Jira:
    settings = {"url": front.url, "email": AUTH[0], "project_key": "SUP"}
    return jira.create(settings, {"api_token": AUTH[1]})


def _assert_valid(front: RecordingForwarder, calls: int) -> None:
    exchanges = front.seen[-calls:]
    assert len(exchanges) == calls
    for exchange in exchanges:
        assert exchange.request_violations == (), exchange
        assert 200 <= exchange.status < 300, exchange


def test_every_call_is_valid_against_the_jira_spec(prism_front: RecordingForwarder, key: str, draft: Draft) -> None:
    desk = _desk(prism_front)
    ticket = desk.open_ticket(draft(key), key)
    _assert_valid(prism_front, 1)
    assert desk.find_ticket(key) is not None  # Prism's generated search result
    _assert_valid(prism_front, 1)
    desk.add_comment(ticket, "Follow-up: still cold\n\nSecond paragraph")
    _assert_valid(prism_front, 1)
    for priority in Priority:
        desk.set_priority(ticket, priority)
    _assert_valid(prism_front, 4)
    with pytest.raises(HelpdeskError, match=r"fields\.status\.name"):
        desk.ticket_state(ticket)  # a valid request; Prism's generated IssueBean has no status
    _assert_valid(prism_front, 1)  # `fields=status,resolution,labels` as getIssue takes it
    paths = [(e.method, e.path) for e in prism_front.seen]
    assert paths == [
        ("POST", "/rest/api/3/issue"),
        ("GET", "/rest/api/3/search/jql"),
        ("POST", f"/rest/api/3/issue/{ticket.id}/comment"),
        *[("PUT", f"/rest/api/3/issue/{ticket.id}")] * 4,
        ("GET", f"/rest/api/3/issue/{ticket.id}"),
    ]


def test_prism_rejects_requests_that_break_the_spec(prism: str) -> None:
    """Proof the check is live. The spec types `fields` as a free-form object (Jira checks fields
    per project at run time), so a missing summary is not a spec violation: these are."""
    fields_not_an_object = requests.post(f"{prism}/rest/api/3/issue", json={"fields": "summary"}, auth=AUTH, timeout=10)
    # Prism answers a broken request with the 4xx the operation declares: createIssue has 422 since 2023.
    assert fields_not_an_object.status_code == 422
    assert request_violations(fields_not_an_object.headers.get("sl-violations")) == (
        "request.body.fields: Request body property fields must be object",
    )
    no_body = requests.post(f"{prism}/rest/api/3/issue", auth=AUTH, timeout=10)
    assert no_body.status_code == 422 and request_violations(no_body.headers.get("sl-violations"))
    comment = f"{prism}/rest/api/3/issue/SUP-1/comment"
    visibility = requests.post(
        comment, json={"body": jira.adf_doc("x"), "visibility": "internal"}, auth=AUTH, timeout=10
    )
    assert visibility.status_code == 400 and request_violations(visibility.headers.get("sl-violations"))
    search = requests.get(
        f"{prism}/rest/api/3/search/jql", params={"jql": "x", "maxResults": "one"}, auth=AUTH, timeout=10
    )
    assert search.status_code == 400 and request_violations(search.headers.get("sl-violations"))


def test_a_lost_reply_is_looked_up_before_opening_again(
    prism_front: RecordingForwarder, key: str, draft: Draft
) -> None:
    desk = _desk(prism_front)
    prism_front.lose_next_reply()
    with pytest.raises(HelpdeskUnavailableError):
        desk.open_ticket(draft(key), key)
    assert desk.find_ticket(key) == TicketRef("jira", "string", f"{prism_front.url}/browse/string")
    _assert_valid(prism_front, 2)  # the lost create reached Prism valid; the search too


def test_rate_limits_and_outages_are_retryable(prism_front: RecordingForwarder, key: str) -> None:
    desk = _desk(prism_front)
    checks.rate_limit_is_retryable_with_its_delay(prism_front, lambda: desk.find_ticket(key))
    checks.outage_is_retryable(prism_front, lambda: desk.find_ticket(key))


def test_unauthorised_is_permanent(prism_front: RecordingForwarder, key: str) -> None:
    """The spec lets anonymous callers in (`security: [..., {}]`), so Prism cannot refuse us: the
    front answers the 401 Jira would."""
    desk = _desk(prism_front)
    prism_front.fail_next(1, status=401, retry_after=None)
    assert "401" in str(checks.is_permanent(lambda: desk.find_ticket(key)))


def test_reading_comments_is_valid_against_the_jira_spec(prism_front: RecordingForwarder) -> None:
    """The comment listing (with our property marker on what we add) as Atlassian's spec allows;
    what the answers mean is tested against the JSM server, which speaks the same platform calls."""
    desk = _desk(prism_front)
    ticket = TicketRef("jira", "SUP-7")
    desk.add_comment(ticket, "Our note")
    desk.comments(ticket)
    desk.comments(ticket)
    _assert_valid(prism_front, 4)
    assert [(e.method, e.path) for e in prism_front.seen] == [
        ("POST", "/rest/api/3/issue/SUP-7/comment"),
        ("GET", "/rest/api/3/issue/SUP-7/comment"),
        ("GET", "/rest/api/3/myself"),
        ("GET", "/rest/api/3/issue/SUP-7/comment"),
    ]
