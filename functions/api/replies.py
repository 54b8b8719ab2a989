"""Answering in the channel, over HTTP.

- `POST /helpdesk-replies/{vendor}`: a helpdesk's own push about a new comment (Zendesk webhook,
  Jira webhook, Zammad trigger, Freshdesk automation, the RT scrip), verified as the vendor signs
  it with the secrets of the brands that use this vendor. It only names a ticket: the ticket's
  comments are read back from the desk by the reply worker (push is a hint, the API is the truth).
  401 unsigned, 403 a signature no brand's secret makes, 400 signed but unreadable, 200 otherwise
  (a ticket that is not one of ours is acknowledged and ignored, so the desk does not retry it).
- `POST /tickets/{id}/replies` (builtin desk): `{"text": "...", "author": "..."}` adds an agent's
  public reply to a builtin ticket and queues it for the network (202).
- `POST /mentions/{id}/moderation`: `{"action": "hide"|"unhide"|"delete"|"restore"|"ban"|"unban",
  "reason": "..."}`: queues one moderation action with its audit record (202); 422 when the
  network does not offer the action.
The last two take `X-Api-Key`: the brand's key or the agency key (functions.api.auth).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from chalice.app import Blueprint, Response

from functions import helpdesks
from functions.api.auth import HEADER, authorize
from functions.core import untrusted
from functions.core.brands import Brand
from functions.core.replies import ACTIONS
from functions.core.tickets import DeskEventMalformedError, DeskEventSignatureError
from functions.jobs import replies
from functions.runtime import secrets
from functions.runtime.brands import brands
from functions.runtime.log import log, metric
from functions.stores import desk, mentions, tickets

bp = Blueprint(__name__)
MAX_REPLY_CHARS = 20_000
MAX_FIELD = 500


def _answer(status: int, body: Mapping[str, object]) -> Response:
    return Response(json.dumps(body), status_code=status, headers={"Content-Type": "application/json"})


def _verified(module: Any, vendor: str, headers: Mapping[str, str], body: bytes) -> tuple[Brand, str | None] | Response:
    """(the brand whose secret signed this push, the ticket it names) or the answer to give."""
    if module is None or not hasattr(module, "reply_event"):
        return _answer(404, {"error": f"no helpdesk {vendor[:50]!r} with reply events"})
    now, malformed = datetime.now(UTC), None
    for brand in brands().all():
        names = set(getattr(module, "REPLY_EVENT_SECRETS", ()))
        if brand.helpdesk.vendor != vendor or not names <= set(brand.helpdesk.secrets):
            continue
        try:
            wanted = {n: brand.helpdesk.secrets[n] for n in names}
            return brand, module.reply_event(headers, body, secrets.resolve(wanted), now)
        except DeskEventSignatureError:
            continue
        except DeskEventMalformedError as error:
            malformed = str(error)
    if malformed is not None:
        return _answer(400, {"error": malformed[:300]})
    log("helpdesk_reply.rejected", level="warning", vendor=vendor)
    metric("WebhooksRejected", dimensions={"network": f"helpdesk:{vendor}"})
    return _answer(403, {"error": "signature does not match"})


@bp.route("/helpdesk-replies/{vendor}", methods=["POST"], content_types=["application/json", "text/plain"])
def helpdesk_reply(vendor: str) -> Response:
    request = bp.current_request
    raw = request.raw_body or b""
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    module = helpdesks.module(vendor)
    header = getattr(module, "REPLY_EVENT_HEADER", None)
    if header and not request.headers.get(header):
        return _answer(401, {"error": f"{header} is required"})
    try:
        verified = _verified(module, vendor, request.headers, raw)
    except secrets.SecretStoreDownError:
        return _answer(503, {"error": "secrets store unavailable; retry later"})
    if isinstance(verified, Response):
        return verified
    brand, ticket_id = verified
    if ticket_id is None:
        return _answer(200, {"ok": True, "ignored": "not a reply event"})
    link = tickets.find_by_ticket(vendor, ticket_id, brand.slug)
    if link is None:
        return _answer(200, {"ok": True, "ignored": f"{vendor} ticket {ticket_id[:MAX_FIELD]} is not one of ours"})
    replies.queue_sync(link, f"push:{vendor}")
    log("helpdesk_reply.queued", vendor=vendor, brand=brand.slug, ticket=ticket_id)
    return _answer(200, {"ok": True, "queued": link.ticket.id if link.ticket else ticket_id})


def _reply_body(raw: bytes | str | None) -> tuple[str, str] | str:
    try:
        body = untrusted.loads(raw)
    except untrusted.UntrustedInputError:
        return "body is not acceptable JSON"
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
        return 'body must be {"text": "<the reply>", "author": "<agent>"}'
    author = body.get("author", "agent")
    if not isinstance(author, str) or len(author) > MAX_FIELD:
        return f"'author' must be a string of at most {MAX_FIELD} characters"
    if len(body["text"]) > MAX_REPLY_CHARS:
        return f"'text' is at most {MAX_REPLY_CHARS} characters"
    return body["text"], author or "agent"


@bp.route("/tickets/{ticket_id}/replies", methods=["POST"], content_types=["application/json"])
def builtin_reply(ticket_id: str) -> Response:
    request = bp.current_request
    if not request.headers.get(HEADER):
        return _answer(401, {"error": f"{HEADER} is required"})
    ticket = desk.get(ticket_id) if len(ticket_id) <= 64 else None
    slug = str(ticket.get("brand", "")) if ticket else ""
    grant = authorize(request.headers.get(HEADER), brand=slug, path="/tickets/{id}/replies")
    if isinstance(grant, Response):
        return grant
    if ticket is None:
        return _answer(404, {"error": f"no builtin ticket {ticket_id[:64]}"})
    parsed = _reply_body(request.raw_body)
    if isinstance(parsed, str):
        return _answer(400, {"error": parsed})
    text, author = parsed
    comment_id = desk.add_reply(ticket_id, text, author, datetime.now(UTC))
    link = tickets.find_by_ticket("builtin", ticket_id, slug)
    if link is not None:
        replies.queue_sync(link, "builtin")
    log("builtin_reply.added", brand=slug, ticket=ticket_id, comment=comment_id)
    return _answer(202, {"ok": True, "ticket": ticket_id, "comment": comment_id, "queued": link is not None})


def _moderation_body(raw: bytes | str | None) -> tuple[str, str] | str:
    try:
        body = untrusted.loads(raw)
    except untrusted.UntrustedInputError:
        return "body is not acceptable JSON"
    if not isinstance(body, dict) or body.get("action") not in ACTIONS:
        return f'body must be {{"action": one of {", ".join(ACTIONS)}, "reason": "..."}}'
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_FIELD:
        return f"'reason' must be a string of at most {MAX_FIELD} characters"
    return str(body["action"]), reason


@bp.route("/mentions/{mention_id}/moderation", methods=["POST"], content_types=["application/json"])
def mention_moderation(mention_id: str) -> Response:
    request = bp.current_request
    identity = unquote(mention_id)
    slug = identity.split("#", 1)[0] if identity.count("#") >= 2 else ""
    grant = authorize(request.headers.get(HEADER), brand=slug, path="/mentions/{id}/moderation")
    if isinstance(grant, Response):
        return grant
    brand = brands().get(slug)
    if brand is None:
        return _answer(400, {"error": "the id is a mention identity: brand#network#external_id"})
    parsed = _moderation_body(request.raw_body)
    if isinstance(parsed, str):
        return _answer(400, {"error": parsed})
    action, reason = parsed
    stored = mentions.get(identity)
    if stored is None or stored.mention.brand != brand.slug:
        return _answer(404, {"error": f"no mention {identity[:300]}"})
    by = "api:agency" if grant.agency else f"api:{brand.slug}"
    queued = replies.request_moderation(
        brand, stored.mention, action, by=by, reason=reason, request=uuid.uuid4().hex, now=datetime.now(UTC)
    )
    if isinstance(queued, str):
        return _answer(422, {"error": queued})
    return _answer(202, {"ok": True, "mention": identity, "action": action, "audit": queued[0]})
