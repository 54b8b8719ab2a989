"""The pure parts of the SaaS helpdesk adapters: payloads, priority maps, ADF, requester forms,
and reading answers (for Jira, canned from the spec's CreatedIssue / SearchResults / IssueBean)."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from functions import helpdesks
from functions.core.score import Priority
from functions.core.tickets import DeskState, HelpdeskError, Requester, TicketDraft, TicketRef
from functions.helpdesks import _common, freshdesk, jira, jira_sm, request_tracker, zammad, zendesk

VOCABULARY = {
    "priority",
    "tags",
    "custom_fields",
    "external_reference",
    "comments",
    "status",
    "idempotency_header",
    "replies",
}
KEY = "vk#wall-218000001_513_c77"
IVAN = Requester(id="42", name="Ivan P.", handle="id42", network="vk")
DRAFT = TicketDraft(
    subject="[Acme] vk complaint from id42: cold pizza",
    body="Cold pizza.\nTwice.\n\n---\nMention: " + KEY,
    requester=IVAN,
    priority=Priority.URGENT,
    tags=("network:vk", "category:delivery"),
    mention_id=KEY,
    brand="acme",
)


def test_adapters_are_discovered_and_declare_known_features() -> None:
    assert {"zendesk", "freshdesk", "jira", "jira_sm", "zammad"} <= set(helpdesks.available())
    assert "_common" not in helpdesks.available()
    for module in (zendesk, freshdesk, jira, jira_sm, zammad):
        assert not module.FEATURES - VOCABULARY - {"reopen"}, module.VENDOR
        assert {"comments", "status", "priority", "external_reference"} <= module.FEATURES
    assert "idempotency_header" in zendesk.FEATURES


def test_every_desk_with_a_push_declares_its_reply_event_and_secrets() -> None:
    """Every adapter reads replies; those the desk can push about name the secrets their check needs."""
    for vendor in helpdesks.available():
        module = importlib.import_module(f"functions.helpdesks.{vendor}")
        assert "replies" in module.FEATURES, vendor
        if vendor == "builtin":  # its reply route enqueues directly: nothing to verify
            assert not hasattr(module, "reply_event")
            continue
        assert callable(module.reply_event), vendor
        assert module.REPLY_EVENT_SECRETS and all(isinstance(s, str) for s in module.REPLY_EVENT_SECRETS), vendor
    assert "reopen" not in jira.FEATURES | jira_sm.FEATURES | zammad.FEATURES


def test_priority_maps_speak_each_vendors_language() -> None:
    assert zendesk.PRIORITY == {
        Priority.LOW: "low",
        Priority.NORMAL: "normal",
        Priority.HIGH: "high",
        Priority.URGENT: "urgent",
    }
    assert freshdesk.PRIORITY == {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 4}
    assert jira.PRIORITY == jira_sm.PRIORITY
    assert jira.PRIORITY == {
        Priority.LOW: "Low",
        Priority.NORMAL: "Medium",
        Priority.HIGH: "High",
        Priority.URGENT: "Highest",
    }
    assert zammad.PRIORITY == {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 3}


def test_priority_overrides_per_install() -> None:
    names = _common.priority_names({"priorities": {"urgent": "Blocker"}}, "priorities", jira.PRIORITY)
    assert names[Priority.URGENT] == "Blocker" and names[Priority.LOW] == "Low"
    with pytest.raises(HelpdeskError, match="unknown priorities: critical"):
        _common.priority_names({"priorities": {"critical": "P1"}}, "priorities", jira.PRIORITY)
    with pytest.raises(HelpdeskError, match="must be an object"):
        _common.priority_names({"priorities": ["P1"]}, "priorities", jira.PRIORITY)


def test_key_label_is_stable_exact_and_label_safe() -> None:
    assert _common.key_label(KEY) == _common.key_label(KEY)
    assert _common.key_label(KEY) != _common.key_label(KEY + "0")
    assert re.fullmatch(r"md-[0-9a-f]{32}", _common.key_label("generic#forum:it's \\ tricky ü"))


def test_requester_address_forms() -> None:
    assert _common.requester_email(IVAN) == "vk-42@mentiondesk.invalid"
    odd = Requester(id="Ab C/1", name=None, handle=None, network="x")
    assert _common.requester_email(odd, "social.example") == "x-ab-c-1@social.example"
    assert _common.requester_name(IVAN) == "Ivan P. (vk)"
    assert _common.requester_name(Requester(id="7", name=None, handle="bob", network="tg")) == "@bob (tg)"
    assert _common.requester_name(odd) == "Ab C/1 (x)"
    assert freshdesk.requester_fields(IVAN, "email") == {"email": "vk-42@mentiondesk.invalid", "name": "Ivan P. (vk)"}
    assert freshdesk.requester_fields(IVAN, "unique_external_id") == {
        "unique_external_id": "vk:42",
        "name": "Ivan P. (vk)",
    }


def test_zendesk_payload_and_idempotency_header() -> None:
    payload = zendesk.ticket_payload(DRAFT, KEY, custom_field_id=None)
    assert payload == {
        "ticket": {
            "subject": DRAFT.subject,
            "comment": {"body": DRAFT.body, "public": False},
            "requester": {"name": "Ivan P. (vk)", "email": "vk-42@mentiondesk.invalid"},
            "priority": "urgent",
            "tags": ["network:vk", "category:delivery"],
            "external_id": KEY,
        }
    }
    assert zendesk.ticket_payload(DRAFT, KEY, custom_field_id=5)["ticket"]["custom_fields"] == [{"id": 5, "value": KEY}]
    assert zendesk.idempotency_key_header(KEY) == KEY
    assert zendesk.idempotency_key_header("x" * 256) == _common.key_label("x" * 256)
    assert zendesk.idempotency_key_header("généric#1") == _common.key_label("généric#1")


def test_freshdesk_payload_html_and_search() -> None:
    payload = freshdesk.ticket_payload(DRAFT, KEY)
    assert payload["description"] == f"<p>Cold pizza.<br>Twice.</p><p>---<br>Mention: {KEY}</p>"
    assert (payload["priority"], payload["status"], payload["source"]) == (4, 2, 2)
    assert payload["tags"] == [_common.key_label(KEY), "network:vk", "category:delivery"]
    assert "custom_fields" not in payload
    assert freshdesk.html_text("a < b & c") == "<p>a &lt; b &amp; c</p>"
    assert freshdesk.html_text("") == "<p></p>"
    assert freshdesk.search_query(KEY) == f"\"tag:'{_common.key_label(KEY)}'\""


def test_adf_paragraphs_and_breaks() -> None:
    assert jira.adf_doc("one\ntwo\n\nthree") == {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": "one"}, {"type": "hardBreak"}, {"type": "text", "text": "two"}],
            },
            {"type": "paragraph", "content": [{"type": "text", "text": "three"}]},
        ],
    }
    assert jira.adf_doc("") == {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": []}]}
    doc = jira.adf_doc("a\r\n\r\n\r\n  \n\nb\n\nc\n\nd")
    texts = [node["text"] for p in doc["content"] for node in p["content"] if node["type"] == "text"]
    assert texts == ["a", "b", "c", "d"]
    assert all(node.get("text") != "" for p in doc["content"] for node in p["content"])


def test_jira_issue_payload() -> None:
    payload = jira.issue_payload(DRAFT, KEY, project_key="SUP")
    fields = payload["fields"]
    assert fields["project"] == {"key": "SUP"} and fields["issuetype"] == {"name": "Task"}
    assert fields["priority"] == {"name": "Highest"}
    assert fields["labels"] == [_common.key_label(KEY), "network:vk", "category:delivery"]
    assert fields["description"] == jira.adf_doc(DRAFT.body)
    assert len(jira.summary("x" * 300)) == 255
    assert jira.key_jql(KEY) == f'labels = "{_common.key_label(KEY)}" ORDER BY created ASC'


def test_jira_reads_the_spec_shaped_answers() -> None:
    created = {"id": "10000", "key": "ED-24", "self": "https://your-domain.atlassian.net/rest/api/3/issue/10000"}
    assert jira.created_key(created) == "ED-24"
    search: dict[str, Any] = {
        "startAt": 0,
        "maxResults": 1,
        "total": 2,
        "issues": [{"id": "10002", "key": "ED-1", "fields": {"status": {"name": "To Do"}}}],
    }
    assert jira.first_issue_key(search) == "ED-1"
    assert jira.first_issue_key({"startAt": 0, "maxResults": 1, "total": 0, "issues": []}) is None
    with pytest.raises(HelpdeskError):
        jira.first_issue_key({"errorMessages": []})
    issue = {"id": "10002", "key": "ED-1", "fields": {"status": {"name": "In Progress", "id": "3"}}}
    assert jira.status_name(issue) == "In Progress"
    with pytest.raises(HelpdeskError, match=r"fields\.status\.name"):
        jira.status_name({"id": "1", "key": "ED-1", "fields": {}})
    with pytest.raises(HelpdeskError):
        jira.created_key({"id": "1"})


JIRA_SPEC = Path(__file__).resolve().parents[1] / "contracts" / "jira" / "jira-cloud-platform-swagger.v3.json"


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The spec operation a concrete request path hits (templates like `{issueIdOrKey}` match one segment)."""
    for template, operations in spec["paths"].items():
        if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), path) and method.lower() in operations:
            return dict(operations[method.lower()])
    raise AssertionError(f"{method} {path} is not in the Jira spec")


def test_the_jira_adapters_call_no_operation_the_current_spec_deprecates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: `GET /rest/api/3/search` is deprecated and being removed (CHANGE-2046). Every platform
    call of `jira` and `jira_sm` is looked up in Atlassian's current spec (tests/contracts/jira)."""
    spec = json.loads(JIRA_SPEC.read_text())
    calls: list[tuple[str, str]] = []
    answers = {"POST": {"id": "10000", "key": "SUP-1", "issueKey": "SUP-1"}, "GET": {"issues": [{"key": "SUP-1"}]}}

    def call(site: jira.JiraSite, method: str, path: str, **_: Any) -> requests.Response:
        calls.append((method, path))
        answer = requests.Response()
        answer.status_code, answer._content = 200, json.dumps(answers.get(method, {})).encode()
        return answer

    monkeypatch.setattr(jira.JiraSite, "call", call)
    settings = {"url": "https://acme.atlassian.net", "email": "a@acme.example", "project_key": "SUP"}
    desk = jira.create(settings, {"api_token": "t"})
    ticket = desk.open_ticket(DRAFT, KEY)
    assert desk.find_ticket(KEY) is not None
    desk.add_comment(ticket, "more")
    desk.set_priority(ticket, Priority.URGENT)
    sm = jira_sm.create({**settings, "service_desk_id": "10", "request_type_id": "25"}, {"api_token": "t"})
    assert sm.find_ticket(KEY) is not None
    platform = sorted({(m, p) for m, p in calls if p.startswith("/rest/api/")})
    assert ("GET", "/rest/api/3/search/jql") in platform
    deprecated = [(m, p) for m, p in platform if _operation(spec, m, p).get("deprecated")]
    assert deprecated == []
    assert _operation(spec, "GET", "/rest/api/3/search").get("deprecated") is True  # the copy is current


def test_jira_sm_request_payload_and_answers() -> None:
    payload = jira_sm.request_payload(
        DRAFT, KEY, service_desk_id="10", request_type_id="25", on_behalf_account_id="5b10a2844c20165700ede210"
    )
    assert payload == {
        "serviceDeskId": "10",
        "requestTypeId": "25",
        "requestFieldValues": {
            "summary": DRAFT.subject,
            "description": DRAFT.body,
            "labels": [_common.key_label(KEY), "network:vk", "category:delivery"],
        },
        "raiseOnBehalfOf": "5b10a2844c20165700ede210",
    }
    bare = jira_sm.request_payload(DRAFT, KEY, service_desk_id="10", request_type_id="25", labels_in_request=False)
    assert "labels" not in bare["requestFieldValues"] and "raiseOnBehalfOf" not in bare
    created = {"issueId": "107001", "issueKey": "HELPDESK-1", "_links": {"web": "https://x/portal/1/HELPDESK-1"}}
    assert jira_sm.created_request(created) == ("HELPDESK-1", "https://x/portal/1/HELPDESK-1")
    assert jira_sm.created_request({"issueKey": "HELPDESK-1"}) == ("HELPDESK-1", None)
    assert jira_sm.request_status({"currentStatus": {"status": "Waiting for support"}}) == "Waiting for support"


def test_zammad_payload_and_answers() -> None:
    payload = zammad.ticket_payload(DRAFT, KEY, group="Social")
    assert payload["customer_id"] == "guess:vk-42@mentiondesk.invalid"
    assert payload["priority_id"] == 3
    assert payload["tags"] == f"{_common.key_label(KEY)},network:vk,category:delivery"
    assert payload["article"] == {
        "subject": DRAFT.subject,
        "body": DRAFT.body,
        "type": "note",
        "internal": True,
        "content_type": "text/plain",
    }
    assert zammad.search_query(KEY) == f'tags:"{_common.key_label(KEY)}"'
    assert zammad.found_ids({"tickets": [7, 3], "tickets_count": 2, "assets": {}}) == [3, 7]
    assert zammad.found_ids([{"id": 9, "title": "x"}]) == [9]
    with pytest.raises(HelpdeskError):
        zammad.found_ids({"error": "x"})
    assert zammad.state_of({"state_id": 4, "state": "closed"}) == "closed"
    assert zammad.state_of({"state_id": 4}) == "4"


def test_each_desk_reads_its_not_a_complaint_signals_with_the_status() -> None:
    """What the sweep reads: Zendesk `ticket.tags`, Freshdesk `tags` and `spam`, Jira `fields.labels`
    and `fields.resolution.name` (null while unresolved); anything else in those places reads as none."""
    shown = {"ticket": {"id": 7, "status": "solved", "tags": ["network:vk", "not_complaint"]}}
    assert zendesk.ticket_state(shown) == DeskState("solved", ("network:vk", "not_complaint"))
    assert zendesk.ticket_state({"ticket": {"status": "open", "tags": None}}) == DeskState("open")
    with pytest.raises(HelpdeskError, match=r"ticket\.status"):
        zendesk.ticket_state({"ticket": {"tags": []}})

    assert freshdesk.ticket_state({"id": 3, "status": 5, "spam": True, "tags": ["md-1"]}) == DeskState(
        "5", ("md-1",), spam=True
    )
    assert freshdesk.ticket_state({"status": 4, "spam": "true", "tags": "not_complaint"}) == DeskState("4")
    with pytest.raises(HelpdeskError, match="status"):
        freshdesk.ticket_state({"spam": True})

    resolved = {
        "id": "10002",
        "key": "SUP-1",
        "fields": {
            "status": {"name": "Done", "statusCategory": {"key": "done"}},
            "resolution": {"id": "10003", "name": "Not a complaint"},
            "labels": ["md-abc", "not-complaint", 7],
        },
    }
    assert jira.issue_state(resolved) == DeskState("Done", ("md-abc", "not-complaint"), "Not a complaint")
    open_issue = {"key": "SUP-2", "fields": {"status": {"name": "To Do"}, "resolution": None, "labels": []}}
    assert jira.issue_state(open_issue) == DeskState("To Do")
    assert jira.issue_signals({"key": "SUP-3", "fields": {"resolution": {"name": "Declined"}}}) == ((), "Declined")
    assert jira.issue_signals({"key": "SUP-4"}) == ((), None)
    assert _common.strings(["a", None, "b", {"c": 1}]) == ("a", "b")
    assert _common.strings("a,b") == ()

    # RT: the status only (its "not a complaint" is the status `rejected`); a body without one is permanent
    assert request_tracker.ticket_state({"id": 5, "Status": "rejected", "Queue": {"id": "1"}}) == DeskState("rejected")
    with pytest.raises(HelpdeskError, match="no Status"):
        request_tracker.ticket_state({"id": 5, "Status": None})


@pytest.mark.parametrize(
    ("vendor", "settings", "secrets", "message"),
    [
        ("zendesk", {"subdomain": "acme"}, {"api_token": "t"}, "'email' is required"),
        ("zendesk", {"url": "https://z", "email": "a@b", "custom_field_id": "x"}, {"api_token": "t"}, "numeric"),
        ("zendesk", {"url": "https://z", "email": "a@b"}, {}, "api_token"),
        ("freshdesk", {"domain": "acme", "requester_field": "phone"}, {"api_key": "k"}, "requester_field"),
        ("freshdesk", {"domain": "acme", "custom_field": "mention"}, {"api_key": "k"}, "cf_"),
        ("jira", {"url": "https://j", "email": "a@b"}, {"api_token": "t"}, "'project_key' is required"),
        ("jira_sm", {"url": "https://j", "email": "a@b", "service_desk_id": "1"}, {"api_token": "t"}, "request_type"),
        ("zammad", {"url": "https://zm", "priority_ids": {"urgent": "4"}}, {"token": "t"}, "numeric ids"),
        ("zammad", {"url": "https://zm"}, {}, "token"),
    ],
)
def test_configuration_errors_are_permanent_and_named(
    vendor: str, settings: dict[str, Any], secrets: dict[str, str], message: str
) -> None:
    with pytest.raises(HelpdeskError, match=message):
        helpdesks.create(vendor, settings, secrets)


DESKS = {
    "zendesk": ({"url": "https://z.example", "email": "a@b"}, {"api_token": "t"}),
    "freshdesk": ({"domain": "acme"}, {"api_key": "k"}),
    "zammad": ({"url": "https://zm.example"}, {"token": "t"}),
}


@pytest.mark.parametrize("vendor", sorted(DESKS))
@pytest.mark.parametrize("ticket_id", ["12a", "../users/1", "1/comments", "", " 12", "١٢"])
def test_ticket_ids_that_are_not_numbers_never_reach_a_url(
    vendor: str, ticket_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: Zendesk did not check its ticket ids, unlike Freshdesk and Zammad."""
    sent: list[str] = []
    monkeypatch.setattr("functions.runtime.http.call", lambda session, method, url, *a, **k: sent.append(url))
    desk = helpdesks.create(vendor, *DESKS[vendor])
    ticket = TicketRef(vendor, ticket_id, None)
    acts: list[Callable[[], object]] = [
        lambda: desk.add_comment(ticket, "x"),
        lambda: desk.set_priority(ticket, Priority.HIGH),
        lambda: desk.ticket_state(ticket),
    ]
    if "reopen" in desk.FEATURES:
        acts.append(lambda: desk.reopen(ticket))
    for act in acts:
        with pytest.raises(HelpdeskError, match="ticket ids are numbers"):
            act()
    assert sent == []


def test_base_urls_from_subdomains() -> None:
    assert zendesk.create({"subdomain": "acme", "email": "a@b"}, {"api_token": "t"}).api == (
        "https://acme.zendesk.com/api/v2"
    )
    assert freshdesk.create({"domain": "acme"}, {"api_key": "k"}).api == "https://acme.freshdesk.com/api/v2"


def test_a_mention_without_an_author_says_so_to_the_agent() -> None:
    """An RSS item that names no author (id ""): the ticket and the requester say "no author" instead
    of an empty name or a bare `rss-@...` address."""
    from datetime import UTC, datetime

    from functions.core.mention import Author, Kind, Mention
    from functions.core.score import Priority, Score
    from functions.core.tickets import draft_ticket
    from functions.helpdesks._common import requester_email, requester_name

    mention = Mention(
        network="rss",
        external_id="https://blog.example.com/p/1",
        brand="acme",
        kind=Kind.POST,
        text="Acme lost my parcel",
        author=Author(id=""),
        url="https://blog.example.com/p/1",
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
    )
    assert not mention.author.known and Author(id="blog.example.com/ann").known
    score = Score(
        sentiment=-0.5,
        complaint=True,
        complaint_probability=0.9,
        category="delivery",
        priority=Priority.HIGH,
        lang="en",
        reasons=("lost",),
    )
    draft = draft_ticket(mention, score, "Acme")
    assert "complaint from (no author):" in draft.subject and "Author: (no author)" in draft.body
    assert requester_email(draft.requester) == "rss-no-author@mentiondesk.invalid"
    assert requester_name(draft.requester) == "(no author) (rss)"
