"""Property tests through the webhook route: whatever arrives, signed or not, never a 5xx."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions import connectors
from functions.api.webhooks import receive
from functions.core.webhooks import WebhookRequest
from tests.contract import secrets_for

NETWORKS = connectors.push_networks()
CLIENT_ANSWERS = {200, 400, 401, 403, 404, 405, 413}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=25,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(network=st.sampled_from(NETWORKS), body=st.binary(max_size=300), method=st.sampled_from(["GET", "POST"]))
def test_arbitrary_bytes_get_a_client_answer(aws: str, network: str, body: bytes, method: str) -> None:
    for slug in ("acme", None):
        response = receive(network, slug, WebhookRequest(method, body, {}), datetime.now(UTC))
        assert response.status_code in CLIENT_ANSWERS


ENVELOPE_KEYS = [
    "type",
    "object",
    "group_id",
    "entry",
    "object_type",
    "update_id",
    "message",
    "for_user_id",
    "tweet_create_events",
    "direct_message_events",
    "webhookType",
    "mentions",
]
KNOWN_TYPES = sorted({t for n in NETWORKS for t in connectors.load(n).EVENT_TYPES})  # type: ignore[union-attr]


@FUZZ
@given(
    network=st.sampled_from(NETWORKS),
    junk=st.dictionaries(st.text(max_size=12), JSON, max_size=4),
    envelope=st.dictionaries(st.sampled_from(ENVELOPE_KEYS), JSON | st.sampled_from(KNOWN_TYPES), max_size=5),
)
def test_signed_junk_of_any_shape_gets_a_client_answer(
    aws: str, network: str, junk: dict[str, object], envelope: dict[str, object]
) -> None:
    """Correctly signed, so it reaches `parse`: junk in a known envelope must get 400 or 200, never a crash."""
    connector = connectors.load(network)
    assert connector is not None
    signed = connector.sign(json.dumps({**junk, **envelope}).encode(), secrets_for(connector), datetime.now(UTC))
    headers = {k.lower(): v for k, v in signed.headers.items()}
    request = WebhookRequest("POST", signed.body, headers, dict(signed.query))
    response = receive(network, "acme", request, datetime.now(UTC))
    assert response.status_code in CLIENT_ANSWERS, response.body
