"""`POST /helpdesk-events/{vendor}`: a helpdesk tells us a ticket's status changed.

One small body for every vendor, set up in the helpdesk's own trigger/automation (README):
`{"ticket_id": "<the helpdesk's id>", "status": "<its status word>"}`, optionally with what the
desk says about the verdict: `"tags": [...]` (Zendesk, Zammad, Jira labels), `"resolution": "..."`
(Jira) and `"spam": true` (Zendesk, Freshdesk); the brand's `helpdesk.not_complaint` signals decide
which of them mean "not a complaint" (functions.core.verdicts). Tags also carry the moderators'
and agents' requests (functions.jobs.replies.from_ticket_tags): `md-hide`, `md-unhide`,
`md-delete`, `md-restore`, `md-ban`, `md-unban` moderate the ticket's customer posts on the network;
`md-private` sends the ticket's replies as direct messages. With the header
`X-Mentiondesk-Token` equal to the brand's `helpdesk.secrets.events_token`. Helpdesks without
such triggers are polled by the escalation sweep instead.

The token is checked before anything is looked up: it names the brand (the one whose helpdesk is
this vendor and whose events token it is), and only then is the ticket looked for among that
brand's. A caller without a token learns nothing about which tickets exist: an unknown ticket and
a wrong token are not told apart until the token is right (403 either way), and another brand's
ticket is as unknown (404) as one that does not exist.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from chalice.app import Blueprint, Response

from functions.core import untrusted
from functions.core.brands import Brand
from functions.core.tickets import DeskState
from functions.core.webhooks import same_secret
from functions.jobs import replies
from functions.jobs.escalation import apply_status
from functions.runtime import secrets
from functions.runtime.brands import brands
from functions.runtime.log import log
from functions.stores import tickets

bp = Blueprint(__name__)
TOKEN_HEADER = "X-Mentiondesk-Token"  # noqa: S105 (a header name)


MAX_FIELD = 200  # a ticket id or status word longer than this is not one


def _answer(status: int, body: dict[str, object]) -> Response:
    return Response(json.dumps(body), status_code=status, headers={"Content-Type": "application/json"})


def _brand_of(vendor: str, token: str) -> Brand | None:
    """The brand using this helpdesk vendor whose events token this is (each compared in constant time)."""
    found = None
    for brand in brands().all():
        if brand.helpdesk.vendor != vendor or "events_token" not in brand.helpdesk.secrets:
            continue
        expected = secrets.resolve({"events_token": brand.helpdesk.secrets["events_token"]}).get("events_token")
        if same_secret(token, expected) and found is None:
            found = brand
    return found


def _event(raw: bytes | str | None) -> tuple[str, DeskState] | str:
    """(ticket id, what the desk says about it) or the one-line reason the body is refused."""
    try:
        body = untrusted.loads(raw)
    except untrusted.UntrustedInputError:
        return "body is not acceptable JSON"
    if not isinstance(body, dict):
        return "body must be an object"
    ticket_id, status = body.get("ticket_id"), body.get("status")
    if isinstance(ticket_id, int) and not isinstance(ticket_id, bool):
        ticket_id = str(ticket_id)
    if not isinstance(ticket_id, str) or not ticket_id or not isinstance(status, str) or not status.strip():
        return "'ticket_id' and 'status' are required strings"
    if len(ticket_id) > MAX_FIELD or len(status) > MAX_FIELD:
        return f"'ticket_id' and 'status' are at most {MAX_FIELD} characters"
    tags, resolution, spam = body.get("tags", []), body.get("resolution"), body.get("spam", False)
    if isinstance(tags, str):
        tags = [t for t in tags.replace(",", " ").split() if t]  # Zendesk's {{ticket.tags}} is one string
    if not isinstance(tags, list) or not all(isinstance(t, str) and len(t) <= MAX_FIELD for t in tags):
        return f"'tags' must be a list of strings of at most {MAX_FIELD} characters"
    if len(tags) > MAX_FIELD:
        return f"at most {MAX_FIELD} 'tags'"
    if resolution is not None and (not isinstance(resolution, str) or len(resolution) > MAX_FIELD):
        return f"'resolution' must be a string of at most {MAX_FIELD} characters"
    if not isinstance(spam, bool):
        return "'spam' must be true or false"
    return ticket_id, DeskState(status, tuple(tags), resolution or None, spam)


@bp.route("/helpdesk-events/{vendor}", methods=["POST"], content_types=["application/json"])
def helpdesk_event(vendor: str) -> Response:
    request = bp.current_request
    token = request.headers.get(TOKEN_HEADER)
    if not token:
        return _answer(401, {"error": f"{TOKEN_HEADER} is required"})
    try:
        brand = _brand_of(vendor, token)
    except secrets.SecretStoreDownError:
        return _answer(503, {"error": "secrets store unavailable; retry later"})
    if brand is None:
        log("helpdesk_event.rejected", level="warning", vendor=vendor[:50])
        return _answer(403, {"error": "token does not match"})
    event = _event(request.raw_body)
    if isinstance(event, str):
        return _answer(400, {"error": event})
    ticket_id, state = event
    link = tickets.find_by_ticket(vendor, ticket_id, brand.slug)
    if link is None:
        return _answer(404, {"error": f"no {vendor} ticket {ticket_id} of brand {brand.slug}"})
    now = datetime.now(UTC)
    updated = apply_status(link, state.status, now, state)
    replies.from_ticket_tags(brand, updated, state.tags, now)
    log("helpdesk_event.applied", vendor=vendor, brand=brand.slug, ticket=ticket_id, status=updated.status)
    return _answer(200, {"ok": True, "status": updated.status, "solved": updated.solved})
