"""Agent replies in a real Request Tracker 5: the replies scrip (infra/rt/mentiondesk_replies.pl,
installed by tests/servers/rt5/start.sh) pushes a privileged Correspond, and `comments()` tells it
from internal comments, the customer's answers and our own API user's writes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from functions.core.score import Priority
from functions.core.tickets import DeskEventSignatureError, Requester, TicketDraft, TicketRef
from functions.helpdesks import request_tracker
from tests.conftest import RT_REPLIES_PORT, RT_REPLIES_SECRET, WORK, RequestTrackerServer
from tests.servers.receiver import Receiver

pytestmark = pytest.mark.rt

AGENT = ("agent", "agent-password")  # tests/servers/rt5/seed.pl
CUSTOMER = ("customer", "customer-password")


@pytest.fixture
def hook() -> Iterator[Receiver]:
    receiver = Receiver(RT_REPLIES_PORT).start()
    yield receiver
    receiver.stop()


def _desk(rt: RequestTrackerServer, **settings: str) -> request_tracker.RequestTracker:
    return request_tracker.create({"url": rt.url, "queue": "mentiondesk", **settings}, {"token": rt.token})


def _ticket(desk: request_tracker.RequestTracker) -> TicketRef:
    key = f"vk#wall-1_{uuid.uuid4().hex[:8]}"
    draft = TicketDraft(
        subject="[Acme] vk complaint from id42: cold pizza",
        body="The pizza arrived cold.",
        requester=Requester(id="42", name=None, handle="id42", network="vk"),
        priority=Priority.HIGH,
        tags=(),
        mention_id=key,
        brand="rtco",
    )
    return desk.open_ticket(draft, key)


def _write(rt: RequestTrackerServer, ticket: TicketRef, kind: str, text: str, auth: tuple[str, str]) -> None:
    """What an agent (or the requestor) does in RT: a reply (`correspond`) or an internal `comment`."""
    response = requests.post(
        f"{rt.url}/REST/2.0/ticket/{ticket.id}/{kind}",
        json={"Content": text, "ContentType": "text/plain"},
        auth=auth,
        timeout=30,
    )
    assert response.status_code == 201, response.text


def test_an_agents_reply_is_pushed_signed_and_read_back_as_for_the_customer(
    rt_server: RequestTrackerServer, hook: Receiver
) -> None:
    rt = rt_server
    desk = _desk(rt, api_user="root")
    ticket = _ticket(desk)
    _write(rt, ticket, "correspond", "Sorry, Ivan: a refund is on its way.", AGENT)
    (pushed,) = hook.wait_for(1)
    assert pushed.path == "/helpdesk-replies/request_tracker"
    sent = json.loads(pushed.body)
    assert (sent["ticket_id"], sent["type"], sent["creator"]) == (ticket.id, "Correspond", "agent")
    now = datetime.now(UTC)
    secrets = {"webhook_secret": RT_REPLIES_SECRET}
    assert request_tracker.reply_event(pushed.headers, pushed.body, secrets, now) == ticket.id
    with pytest.raises(DeskEventSignatureError):
        request_tracker.reply_event(pushed.headers, pushed.body, {"webhook_secret": "another"}, now)

    _write(rt, ticket, "comment", "Internal: check the courier", AGENT)  # On Correspond only: no push
    _write(rt, ticket, "correspond", "Still cold!", CUSTOMER)  # unprivileged: no push
    desk.add_comment(ticket, "Follow-up from the same author")  # ours, internal
    _write(rt, ticket, "correspond", "Posted on vk as the brand", (rt.user, rt.password))  # ours, pushed
    deliveries = hook.wait_for(2)
    assert [json.loads(d.body)["creator"] for d in deliveries] == ["agent", "root"]

    comments = desk.comments(ticket)
    assert [c.body for c in comments] == [
        "Sorry, Ivan: a refund is on its way.",
        "Internal: check the courier",
        "Still cold!",
        "Follow-up from the same author",
        "Posted on vk as the brand",
    ]
    assert [(c.public, c.by_agent, c.ours) for c in comments] == [
        (True, True, False),
        (False, True, False),
        (True, False, False),
        (False, True, True),
        (True, True, True),
    ]
    assert [c.for_customer for c in comments] == [True, False, False, False, False]
    assert comments[0].id == sent["transaction_id"] and comments[0].author == "agent"
    assert all(c.created_at is not None for c in comments)


def test_without_api_user_every_rest_reply_counts_as_ours(rt_server: RequestTrackerServer, hook: Receiver) -> None:
    """A token alone does not say whose it is (REST2 has no "me"): no loop beats a missed reply."""
    desk = _desk(rt_server)
    ticket = _ticket(desk)
    _write(rt_server, ticket, "correspond", "Typed by an agent, but through REST", AGENT)
    (comment,) = desk.comments(ticket)
    assert (comment.public, comment.by_agent, comment.ours) == (True, True, True)


def test_an_undelivered_push_is_logged_and_the_reply_still_made(rt_server: RequestTrackerServer) -> None:
    """Nobody listens on the hook's port: RT still takes the agent's reply, and says why it did not push."""
    desk = _desk(rt_server, api_user="root")
    ticket = _ticket(desk)
    started = time.monotonic()
    _write(rt_server, ticket, "correspond", "Answered while mentiondesk is down", AGENT)
    assert time.monotonic() - started < 10  # the scrip waits at most 3 s, never RT's own timeouts
    (reply,) = [c for c in desk.comments(ticket) if c.public]
    assert reply.for_customer  # the sweep will find it
    log = (WORK / "rt5" / "rt-app.log").read_text(errors="replace")
    assert f"mentiondesk: reply #{reply.id} not delivered" in log
