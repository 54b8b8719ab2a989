"""The sweep reads each desk's own "not a complaint" marker, not only its status word.

For every vendor with a contract server (Zendesk `zdco`, Freshdesk `fdco`, Zammad `zmco`, Jira
Service Management `jsco`) and the builtin desk (`acme`): VK complaints open real tickets through
the worker, an agent marks one the vendor's way (a tag, the spam flag, a resolution or label) and
solves the other, and `escalation.sweep_brand` — no `/helpdesk-events` push — turns that into a
`desk` verdict "no" and a `solved` verdict "yes". Request Tracker's marker is a status (`rejected`):
tests/integration/test_learning_loop_rt.py sweeps it against a real RT. Plain Jira is checked against
Atlassian's spec through Prism (tests/integration/helpdesks/test_jira.py), whose generated issues
have no state to read; its getIssue reading is the one the JSM server answers here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions import helpdesks
from functions.core.verdicts import Source
from functions.jobs import escalation
from functions.runtime.brands import brands
from functions.stores import desk, verdicts
from tests.conftest import DESK_PORTS, ZENDESK_PORT
from tests.helpers import deliver, mentions_stored, vk_body
from tests.servers.helpdesks.base import HelpdeskServer
from tests.servers.helpdesks.freshdesk import FreshdeskServer
from tests.servers.helpdesks.jira_sm import JiraServiceManagementServer
from tests.servers.helpdesks.zammad import ZammadServer
from tests.servers.helpdesks.zendesk import ZendeskServer
from tests.servers.proxy import SwitchableProxy

COMPLAINTS = (
    "Привезли не тот заказ и холодный, это ужасно, верните деньги",
    "Курьер опоздал на два часа, еда холодная, это ужасно, верните деньги",
)


@dataclass(frozen=True)
class Opened:
    identity: str  # the mention
    ticket: str  # its ticket's id on the desk


def _served(server: HelpdeskServer, port: int) -> Iterator[Any]:
    """The contract server, reached by its brand through a proxy on the brand file's port."""
    server.start()
    front = SwitchableProxy(port, server.url).start()
    try:
        yield server
    finally:
        front.stop()
        server.stop()


@pytest.fixture
def zendesk() -> Iterator[ZendeskServer]:
    yield from _served(ZendeskServer(), ZENDESK_PORT)


@pytest.fixture
def freshdesk() -> Iterator[FreshdeskServer]:
    yield from _served(FreshdeskServer(), DESK_PORTS["freshdesk_port"])


@pytest.fixture
def zammad() -> Iterator[ZammadServer]:
    yield from _served(ZammadServer(), DESK_PORTS["zammad_port"])


@pytest.fixture
def jira_sm() -> Iterator[JiraServiceManagementServer]:
    yield from _served(JiraServiceManagementServer(), DESK_PORTS["jira_sm_port"])


def _open(service: str, driver: Any, brand: str) -> tuple[Opened, Opened]:
    """Two complaints by two authors on the brand's VK wall: two tickets, opened by the worker."""
    for number, text in enumerate(COMPLAINTS):
        body = vk_body("wall_reply_new__top_level.json", brand=brand, id=9200 + number, post_id=800 + number, text=text)
        assert deliver(service, "vk", body, brand).ok
    driver.drain()
    stored = {m["text"]: m for m in mentions_stored() if m["brand"] == brand}
    first, second = (Opened(str(stored[t]["id"]), str(stored[t]["ticket"]["id"])) for t in COMPLAINTS)
    assert first.ticket != second.ticket
    return first, second


def _sweep(slug: str, later: timedelta = timedelta(0)) -> None:
    brand = brands().get(slug)
    assert brand is not None
    escalation.sweep_brand(brand, helpdesks.for_brand(brand), datetime.now(UTC) + later)


def _verdict(opened: Opened) -> tuple[bool, Source] | None:
    found = verdicts.get(opened.identity)
    return (found.complaint, found.source) if found else None


def _no_verdicts_while_open(slug: str, *opened: Opened) -> None:
    """Swept before the agent acts: open and unmarked, nothing is learnt."""
    _sweep(slug)
    assert [_verdict(o) for o in opened] == [None] * len(opened)


def test_zendesk_a_not_complaint_tag_is_a_no_and_a_solved_ticket_a_yes(
    service: str, driver: Any, zendesk: ZendeskServer
) -> None:
    marked, solved = _open(service, driver, "zdco")
    _no_verdicts_while_open("zdco", marked, solved)
    zendesk.agent_updates(int(marked.ticket), status="solved", tags=("not_complaint",))  # the agent's macro
    zendesk.agent_updates(int(solved.ticket), status="solved")
    _sweep("zdco")
    assert _verdict(marked) == (False, Source.DESK)
    assert _verdict(solved) == (True, Source.SOLVED)


def test_freshdesk_spam_or_a_tag_is_a_no_and_a_resolved_ticket_a_yes(
    service: str, driver: Any, freshdesk: FreshdeskServer
) -> None:
    spam, solved = _open(service, driver, "fdco")
    _no_verdicts_while_open("fdco", spam, solved)
    freshdesk.agent_updates(int(spam.ticket), spam=True)  # "Mark as spam": the ticket stays open
    freshdesk.agent_updates(int(solved.ticket), status=4)  # Resolved
    _sweep("fdco")
    assert _verdict(spam) == (False, Source.DESK)
    assert _verdict(solved) == (True, Source.SOLVED)
    first = verdicts.get(spam.identity)
    _sweep("fdco", later=timedelta(minutes=5))  # still open and still spam: read again, not rewritten
    assert verdicts.get(spam.identity) == first
    freshdesk.agent_updates(int(solved.ticket), status=5, tags=("not_complaint",))
    freshdesk.agent_updates(int(spam.ticket), status=5)
    _sweep("fdco")  # solved tickets are not swept again: the first reading stands
    assert _verdict(solved) == (True, Source.SOLVED)


def test_freshdesk_a_not_complaint_tag_on_a_closed_ticket_is_a_no(
    service: str, driver: Any, freshdesk: FreshdeskServer
) -> None:
    tagged, _ = _open(service, driver, "fdco")
    freshdesk.agent_updates(int(tagged.ticket), status=5, tags=("not_complaint",))
    _sweep("fdco")
    assert _verdict(tagged) == (False, Source.DESK)


def test_zammad_a_not_complaint_tag_is_a_no_and_a_closed_ticket_a_yes(
    service: str, driver: Any, zammad: ZammadServer
) -> None:
    tagged, closed = _open(service, driver, "zmco")
    _no_verdicts_while_open("zmco", tagged, closed)
    zammad.agent_updates(int(tagged.ticket), state_id=4, tags=("not_complaint",))
    zammad.agent_updates(int(closed.ticket), state_id=4)
    _sweep("zmco")
    assert _verdict(tagged) == (False, Source.DESK)
    assert _verdict(closed) == (True, Source.SOLVED)
    tag_reads = [e for e in zammad.seen if e.path == "/api/v1/tags"]
    assert tag_reads and all(e.status == 200 for e in tag_reads)


def test_jira_sm_a_declined_resolution_or_a_label_is_a_no_and_a_resolved_request_a_yes(
    service: str, driver: Any, jira_sm: JiraServiceManagementServer
) -> None:
    declined, resolved = _open(service, driver, "jsco")
    _no_verdicts_while_open("jsco", declined, resolved)
    jira_sm.agent_updates(declined.ticket, status="Declined", resolution="Declined")
    jira_sm.agent_updates(resolved.ticket, status="Resolved", resolution="Done")
    _sweep("jsco")
    assert _verdict(declined) == (False, Source.DESK)
    assert _verdict(resolved) == (True, Source.SOLVED)


def test_jira_sm_a_not_complaint_label_on_an_open_request_is_a_no(
    service: str, driver: Any, jira_sm: JiraServiceManagementServer
) -> None:
    labelled, still_open = _open(service, driver, "jsco")
    jira_sm.agent_updates(labelled.ticket, labels=("not-complaint",))
    _sweep("jsco")
    assert _verdict(labelled) == (False, Source.DESK)
    assert _verdict(still_open) is None


def test_builtin_a_not_complaint_tag_is_a_no_and_a_solved_ticket_a_yes(service: str, driver: Any) -> None:
    tagged, solved = _open(service, driver, "acme")
    _no_verdicts_while_open("acme", tagged, solved)
    item = desk.get(tagged.ticket)
    assert item is not None
    desk.update(tagged.ticket, tags=[*item["tags"], "not_complaint"])
    desk.update(solved.ticket, status="solved")
    _sweep("acme")
    assert _verdict(tagged) == (False, Source.DESK)
    assert _verdict(solved) == (True, Source.SOLVED)


def test_a_ticket_the_desk_deleted_does_not_stop_the_sweep_of_the_others(
    service: str, driver: Any, zendesk: ZendeskServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Zendesk deletes a ticket marked as spam: its read is a 404 from then on. The sweep reads every
    other ticket of the brand all the same (it used to stop at the 404, on every run)."""
    deleted, marked = _open(service, driver, "zdco")
    del zendesk.tickets[int(deleted.ticket)]
    zendesk.agent_updates(int(marked.ticket), status="solved", tags=("not_complaint",))
    _sweep("zdco")
    assert _verdict(marked) == (False, Source.DESK)
    assert _verdict(deleted) is None
    assert '"escalation.ticket_unreadable"' in capsys.readouterr().out
