"""Ticket links: one item per complaint thread (`Mention.thread_key`), whatever the helpdesk.

Exactly-once ticketing rests on two leases kept in this item:
- opening: the first job claims the thread (conditional put), opens the ticket, then confirms.
  A job that fails leaves the claim with an expired lease, so the next job takes it over with the
  *same* idempotency key (the first mention's identity) and finds the ticket through
  `find_ticket` if the helpdesk created it before the failure was seen.
- the helpdesk idempotency key is the first mention's identity; links migrated from before
  brand-scoped identities keep the old one in `helpdesk_key`, so a ticket opened under it is
  still found (`Link.idempotency_key`).
- commenting: a follow-up mention is claimed in `commenting` before the comment is posted and
  moved into `mentions` after, so duplicate or concurrent jobs post it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from functions.core.mention import format_time
from functions.core.tickets import TicketRef
from functions.runtime import aws
from functions.runtime.settings import settings
from functions.stores.items import from_item, is_conditional_failure


@dataclass(frozen=True)
class Link:
    key: str
    state: str  # "opening" until the helpdesk confirms, then "open"
    opened_by: str  # identity of the first mention: the helpdesk idempotency key
    vendor: str
    ticket: TicketRef | None
    mentions: frozenset[str]
    brand: str = ""
    status: str = "new"  # the helpdesk's word, lower-cased, as last seen
    solved: bool = False
    responded: bool = False
    posted_at: str | None = None  # the first complaint's public post time: the SLA clock starts here
    priority: str | None = None
    escalations: frozenset[str] = frozenset()
    created_at: str | None = None
    solved_at: str | None = None
    previous_tickets: tuple[str, ...] = ()
    helpdesk_key: str | None = None  # set by `migrate-identity`: the pre-migration idempotency key
    reply_private: bool = False  # the agent tagged the ticket `md-private`: replies go as direct messages

    @property
    def idempotency_key(self) -> str:
        """What the helpdesk knows this ticket by: the first mention's identity, or the key it was
        opened under before identities were brand-scoped."""
        return self.helpdesk_key or self.opened_by

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Link:
        data = from_item(item)
        ticket = TicketRef(data["vendor"], data["ticket_id"], data.get("ticket_url")) if data.get("ticket_id") else None
        return cls(
            key=data["key"],
            state=data["state"],
            opened_by=data["opened_by"],
            vendor=data["vendor"],
            ticket=ticket,
            mentions=frozenset(data.get("mentions") or ()),
            brand=data.get("brand", ""),
            status=data.get("status", "new"),
            solved=bool(data.get("solved")),
            responded=bool(data.get("responded")),
            posted_at=data.get("posted_at"),
            priority=data.get("priority"),
            escalations=frozenset(data.get("escalations") or ()),
            created_at=data.get("created_at"),
            solved_at=data.get("solved_at"),
            previous_tickets=tuple(data.get("previous_tickets") or ()),
            helpdesk_key=data.get("helpdesk_key"),
            reply_private=bool(data.get("reply_private")),
        )


def _table() -> Any:
    return aws.dynamodb().Table(settings().tickets_table)


def _conditional(call: Any, **kwargs: Any) -> bool:
    """Run a conditional write; False when the condition failed, other errors propagate."""
    try:
        call(**kwargs)
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def get(key: str) -> Link | None:
    item = _table().get_item(Key={"key": key}, ConsistentRead=True).get("Item")
    return Link.from_item(item) if item else None


def claim_opening(
    key: str,
    brand: str,
    vendor: str,
    mention_id: str,
    *,
    owner: str,
    now: datetime,
    lease_seconds: int,
    extra: Mapping[str, Any] | None = None,
) -> tuple[bool, Link]:
    """Claim the right to open this thread's ticket; (won, link). Takes over expired claims."""
    until = int(now.timestamp()) + lease_seconds
    item = {
        **(extra or {}),
        "key": key,
        "brand": brand,
        "vendor": vendor,
        "state": "opening",
        "opened_by": mention_id,
        "lease_owner": owner,
        "lease_until": until,
        "created_at": format_time(now),
        "commenting": {},
    }
    if _conditional(_table().put_item, Item=item, ConditionExpression=Attr("key").not_exists()):
        return True, Link.from_item(item)
    link = get(key)
    if link is None:
        raise RuntimeError(f"ticket link {key} vanished during claim")
    if link.state != "opening":
        return False, link
    taken = _conditional(
        _table().update_item,
        Key={"key": key},
        UpdateExpression="SET lease_owner = :me, lease_until = :until",
        ConditionExpression=Attr("state").eq("opening") & Attr("lease_until").lt(int(now.timestamp())),
        ExpressionAttributeValues={":me": owner, ":until": until},
    )
    return taken, link


def confirm_opened(link: Link, *, owner: str, ticket: TicketRef, subject: str, priority: str, now: datetime) -> bool:
    return _conditional(
        _table().update_item,
        Key={"key": link.key},
        UpdateExpression=(
            "SET #s = :open, ticket_id = :id, ticket_url = :url, ticket_ref = :ref, opened_at = :at, "
            "subject = :subject, priority = :priority, solved = :no, responded = :no, #status = :new "
            "ADD mentions :mentions REMOVE lease_owner, lease_until, solved_at"
        ),
        ConditionExpression=Attr("lease_owner").eq(owner),
        ExpressionAttributeNames={"#s": "state", "#status": "status"},
        ExpressionAttributeValues={
            ":open": "open",
            ":id": ticket.id,
            ":url": ticket.url,
            ":ref": f"{ticket.vendor}#{ticket.id}",
            ":at": format_time(now),
            ":subject": subject,
            ":priority": priority,
            ":mentions": {link.opened_by},
            ":no": False,
            ":new": "new",
        },
    )


def reclaim_solved(
    key: str, mention_id: str, *, owner: str, now: datetime, lease_seconds: int, posted_at: str, priority: str
) -> Link | None:
    """Start a new ticket for a thread whose ticket was solved long ago; None if someone else did.

    The solved ticket is remembered in `previous_tickets`, and the new one is opened through the
    same lease as a first ticket, keyed by the mention that reopened the thread.
    """
    try:
        updated = _table().update_item(
            Key={"key": key},
            UpdateExpression=(
                "SET #s = :opening, opened_by = :m, lease_owner = :me, lease_until = :until, "
                "posted_at = :posted, priority = :priority, "
                "previous_tickets = list_append(if_not_exists(previous_tickets, :empty), :previous) "
                "REMOVE escalations, helpdesk_key"  # the new ticket's SLA, escalations and key start afresh
            ),
            ConditionExpression="#s = :open AND solved = :yes",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={
                ":opening": "opening",
                ":open": "open",
                ":yes": True,
                ":m": mention_id,
                ":me": owner,
                ":until": int(now.timestamp()) + lease_seconds,
                ":empty": [],
                ":previous": [_current_ticket(key)],
                ":posted": posted_at,
                ":priority": priority,
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return None
        raise
    return Link.from_item(updated["Attributes"])


def _current_ticket(key: str) -> str:
    link = get(key)
    return f"{link.vendor}#{link.ticket.id}" if link and link.ticket else ""


def find_by_ticket(vendor: str, ticket_id: str, brand: str | None = None) -> Link | None:
    """The link of a helpdesk ticket (helpdesk events name tickets by their own ids). Two brands on
    their own instances of one vendor may each have a ticket "42": given `brand`, only its own."""
    page = _table().query(IndexName="by_ticket", KeyConditionExpression=Key("ticket_ref").eq(f"{vendor}#{ticket_id}"))
    links = [Link.from_item(item) for item in page.get("Items", [])]
    mine = [link for link in links if brand is None or link.brand == brand]
    return mine[0] if mine else None


def release_opening(key: str, owner: str) -> None:
    """Give the claim up after a failure: expire the lease, keep the idempotency key."""
    _conditional(
        _table().update_item,
        Key={"key": key},
        UpdateExpression="SET lease_until = :zero",
        ConditionExpression=Attr("lease_owner").eq(owner) & Attr("state").eq("opening"),
        ExpressionAttributeValues={":zero": 0},
    )


def claim_comment(key: str, mention_id: str, now: datetime, lease_seconds: int) -> bool:
    """Claim posting this follow-up; False if it is posted already or another job is posting it."""
    return _conditional(
        _table().update_item,
        Key={"key": key},
        UpdateExpression="SET commenting.#m = :until",
        ConditionExpression=(
            "#s = :open AND NOT contains(mentions, :id) "
            "AND (attribute_not_exists(commenting.#m) OR commenting.#m < :now)"
        ),
        ExpressionAttributeNames={"#m": mention_id, "#s": "state"},
        ExpressionAttributeValues={
            ":until": int(now.timestamp()) + lease_seconds,
            ":open": "open",
            ":id": mention_id,
            ":now": int(now.timestamp()),
        },
    )


def finish_comment(key: str, mention_id: str) -> None:
    _table().update_item(
        Key={"key": key},
        UpdateExpression="ADD mentions :m REMOVE commenting.#m",
        ExpressionAttributeNames={"#m": mention_id},
        ExpressionAttributeValues={":m": {mention_id}},
    )


def release_comment(key: str, mention_id: str) -> None:
    _table().update_item(
        Key={"key": key}, UpdateExpression="REMOVE commenting.#m", ExpressionAttributeNames={"#m": mention_id}
    )


def record_escalation(key: str, reason: str) -> bool:
    """Note that `reason` was escalated for this ticket; False if it already was (once each)."""
    return _conditional(
        _table().update_item,
        Key={"key": key},
        UpdateExpression="ADD escalations :r",
        ConditionExpression="attribute_not_exists(escalations) OR NOT contains(escalations, :reason)",
        ExpressionAttributeValues={":r": {reason}, ":reason": reason},
    )


def forget_escalation(key: str, reason: str) -> None:
    """Undo `record_escalation` after the escalation itself failed, so the retry raises it again."""
    _table().update_item(
        Key={"key": key}, UpdateExpression="DELETE escalations :r", ExpressionAttributeValues={":r": {reason}}
    )


def set_status(key: str, status: str, *, solved: bool, now: datetime) -> None:
    """Record the helpdesk's status; `solved_at` is set when it becomes solved and cleared on reopen.
    A status says nothing about the customer having been answered: `record_first_response` does."""
    at = format_time(now)
    _table().update_item(
        Key={"key": key},
        UpdateExpression=(
            "SET #status = :status, solved = :solved, status_at = :at"
            + (", solved_at = if_not_exists(solved_at, :at)" if solved else " REMOVE solved_at")
        ),
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":status": status, ":solved": solved, ":at": at},
    )


def record_first_response(key: str, at: datetime) -> None:
    """The brand's first public reply in the customer's thread (ours posted, or one written on the
    network by hand): it stops the SLA's first-response clock and times the first response."""
    _table().update_item(
        Key={"key": key},
        UpdateExpression="SET responded = :yes, responded_at = if_not_exists(responded_at, :at)",
        ConditionExpression=Attr("key").exists(),
        ExpressionAttributeValues={":yes": True, ":at": format_time(at)},
    )


def set_reply_private(key: str, private: bool) -> None:
    _table().update_item(
        Key={"key": key}, UpdateExpression="SET reply_private = :p", ExpressionAttributeValues={":p": private}
    )


def set_priority(key: str, priority: str) -> None:
    _table().update_item(
        Key={"key": key}, UpdateExpression="SET priority = :p", ExpressionAttributeValues={":p": priority}
    )


def open_links(brand: str) -> list[Link]:
    """This brand's tickets that are open and not solved: what the sweep looks after."""
    return _links(brand, Attr("state").eq("open") & (Attr("solved").not_exists() | Attr("solved").eq(False)))


def reply_candidates(brand: str, solved_since: datetime) -> list[Link]:
    """This brand's open tickets and those solved since `solved_since`: where an agent's reply may
    still be waiting to go out (agents often reply and solve in one step)."""
    unsolved = Attr("solved").not_exists() | Attr("solved").eq(False)
    return _links(brand, Attr("state").eq("open") & (unsolved | Attr("solved_at").gte(format_time(solved_since))))


def _links(brand: str, condition: Any) -> list[Link]:
    kwargs: dict[str, Any] = {
        "IndexName": "by_brand",
        "KeyConditionExpression": Key("brand").eq(brand),
        "FilterExpression": condition,
    }
    links: list[Link] = []
    while True:
        page = _table().query(**kwargs)
        links.extend(Link.from_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return links
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def list_links(brand: str, limit: int) -> list[dict[str, Any]]:
    page = _table().query(
        IndexName="by_brand", KeyConditionExpression=Key("brand").eq(brand), ScanIndexForward=False, Limit=limit
    )
    return [from_item(item) for item in page.get("Items", [])]
