"""`POST /mentions/{id}/verdict`: an agent says whether a mention is a complaint.

`id` is the mention's identity, `brand#network#external_id` (URL-encoded: `acme%23vk%23-1_42`);
the body is `{"complaint": true}` or `{"complaint": false}`, optionally with the agent's reading of
the mention's tone, `"sentiment": "negative" | "neutral" | "positive"` (anything else is a 400), with
`X-Api-Key` the agency key or the brand's own read key (`functions.api.auth.authorize`, the same
401/403/503 answers as the read API). The verdict is stored for the brand's model
(`functions.stores.verdicts`, source `agent`, which nothing but another agent's verdict overwrites);
a sentiment on it teaches the model's sentiment heads as the import's `sentiment` column does.
Marking a mention the scorer let through as a complaint opens its ticket now: its ticket job is
queued at once (`"ticket": "queued"`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import unquote

from chalice.app import Blueprint, Response

from functions.api.auth import HEADER, authorize
from functions.core.verdicts import SENTIMENT_LABELS, Source
from functions.jobs import verdicts as learning
from functions.runtime.log import log
from functions.stores import mentions

bp = Blueprint(__name__)


def _answer(status: int, body: dict[str, object]) -> Response:
    return Response(json.dumps(body), status_code=status, headers={"Content-Type": "application/json"})


BODY_SHAPE = '{"complaint": true|false} with an optional "sentiment": "negative"|"neutral"|"positive"'


def _body(raw: bytes | str | None) -> tuple[bool, str | None] | str:
    """(complaint, sentiment or None) from the request body, or the one-line reason it is refused."""
    try:
        body = json.loads(raw or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "body is not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("complaint"), bool):
        return f"body must be {BODY_SHAPE}"
    sentiment = body.get("sentiment")
    if sentiment is not None and sentiment not in SENTIMENT_LABELS:
        return f"sentiment must be one of {', '.join(SENTIMENT_LABELS)} (or left out), got {json.dumps(sentiment)[:50]}"
    return bool(body["complaint"]), sentiment


@bp.route("/mentions/{mention_id}/verdict", methods=["POST"], content_types=["application/json"])
def mention_verdict(mention_id: str) -> Response:
    request = bp.current_request
    identity = unquote(mention_id)
    brand = identity.split("#", 1)[0] if identity.count("#") >= 2 else None
    grant = authorize(request.headers.get(HEADER), brand=brand or "", path="/mentions/{id}/verdict")
    if isinstance(grant, Response):
        return grant
    if brand is None:
        return _answer(400, {"error": "the id is a mention identity: brand#network#external_id"})
    parsed = _body(request.raw_body)
    if isinstance(parsed, str):
        return _answer(400, {"error": parsed})
    complaint, sentiment = parsed
    stored = mentions.get(identity)
    if stored is None or stored.mention.brand != brand:
        return _answer(404, {"error": f"no mention {identity}"})
    now = datetime.now(UTC)
    learning.mark(stored, complaint, Source.AGENT, now, sentiment=sentiment)
    queued = complaint and learning.open_missed(stored)
    log(
        "verdict.agent",
        brand=brand,
        network=stored.mention.network,
        complaint=complaint,
        sentiment=sentiment,
        ticket_queued=queued,
    )
    body: dict[str, object] = {"ok": True, "mention": identity, "complaint": complaint}
    if sentiment is not None:
        body["sentiment"] = sentiment
    if queued:
        body["ticket"] = "queued"
    return _answer(200, body)
