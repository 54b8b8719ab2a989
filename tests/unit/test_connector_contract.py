"""One contract suite, parametrized over every discovered connector (nothing to edit per network)."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions import connectors
from functions.core.webhooks import Connector, ConnectorError, SignatureError, WebhookRequest
from tests.contract import NOW, event_type, fixtures, outcome, secrets_for, signed_request

NETWORKS = connectors.push_networks()
FIXTURE_CASES = [(net, path) for net in NETWORKS for path in fixtures(net)]
REQUIRED = ("account_id", "handshake", "verify", "parse", "sign")


def _connector(network: str) -> Connector:
    connector = connectors.load(network)
    assert connector is not None
    return connector


def _first_mention_fixture(network: str) -> Path:
    connector = _connector(network)
    return next(p for p in fixtures(network) if event_type(p) in connector.EVENT_TYPES)


def test_discovery_finds_the_foundation_connectors() -> None:
    assert {"vk", "generic"} <= set(NETWORKS)
    assert connectors.load("nope") is None
    assert connectors.load("../vk") is None


@pytest.mark.parametrize("network", NETWORKS)
def test_shape(network: str) -> None:
    connector = _connector(network)
    assert network == connector.NETWORK
    assert connector.DELIVERY in ("push", "poll", "both")
    assert connector.DISPLAY_NAME
    assert not connector.EVENT_TYPES & connector.IGNORED_EVENT_TYPES
    assert connector.ACK.status == 200
    for name in REQUIRED:
        assert inspect.isfunction(getattr(connector, name)), f"{network}.{name} is missing"


@pytest.mark.parametrize(("network", "path"), FIXTURE_CASES, ids=[f"{n}/{p.stem}" for n, p in FIXTURE_CASES])
def test_fixture_matches_golden(network: str, path: Path) -> None:
    expected = json.loads(path.with_name(path.name.replace(".json", ".expected.json")).read_text())
    assert outcome(_connector(network), path) == expected


@pytest.mark.parametrize("network", NETWORKS)
def test_every_event_type_has_a_fixture_and_every_fixture_a_known_type(network: str) -> None:
    connector = _connector(network)
    types = {event_type(p) for p in fixtures(network)}
    assert types >= connector.EVENT_TYPES, f"no fixture for {sorted(connector.EVENT_TYPES - types)}"
    unknown = types - connector.EVENT_TYPES - connector.IGNORED_EVENT_TYPES
    # Unknown types are allowed only as fixtures for the unsupported-event path.
    for path in fixtures(network):
        if event_type(path) in unknown:
            assert "unsupported" in json.loads(path.with_name(path.name.replace(".json", ".expected.json")).read_text())


@pytest.mark.parametrize("network", NETWORKS)
def test_signed_delivery_verifies(network: str) -> None:
    connector = _connector(network)
    request = signed_request(connector, _first_mention_fixture(network).read_bytes())
    connector.verify(request, secrets_for(connector), NOW)
    assert connector.parse(request, "acme")


def _proof_covers_body(network: str) -> bool:
    """HMAC networks sign the body and VK puts its secret in it; a bearer token (Telegram's header,
    OK's URL parameter) proves who sent the delivery, not its bytes, so there is no flip to catch."""
    connector = _connector(network)
    body = _first_mention_fixture(network).read_bytes()
    signed = connector.sign(body, secrets_for(connector), NOW)
    other = connector.sign(body + b" ", secrets_for(connector), NOW)
    return signed.body != body or (dict(signed.headers), dict(signed.query)) != (
        dict(other.headers),
        dict(other.query),
    )


BODY_PROOF = [n for n in NETWORKS if _proof_covers_body(n)]


def test_body_proof_networks_are_found() -> None:
    assert {"vk", "generic"} <= set(BODY_PROOF)


@pytest.mark.parametrize("network", BODY_PROOF)
def test_one_flipped_byte_fails(network: str) -> None:
    connector = _connector(network)
    request = signed_request(connector, _first_mention_fixture(network).read_bytes())
    for index in range(len(request.body)):
        flipped = bytearray(request.body)
        flipped[index] ^= 0x01
        tampered = WebhookRequest("POST", bytes(flipped), request.headers, request.query)
        try:
            connector.verify(tampered, secrets_for(connector), NOW)
        except ConnectorError:
            continue
        # Only a network that signs with a secret in the body and no MAC (VK) may accept a flip,
        # and then only outside the secret: the secret must still read exactly as signed.
        assert json.loads(bytes(flipped)).get("secret") == secrets_for(connector)["secret"]


@pytest.mark.parametrize("network", NETWORKS)
def test_wrong_secret_fails(network: str) -> None:
    connector = _connector(network)
    request = signed_request(connector, _first_mention_fixture(network).read_bytes())
    wrong = {name: value + "x" for name, value in secrets_for(connector).items()}
    with pytest.raises(SignatureError) as caught:
        connector.verify(request, wrong, NOW)
    assert caught.value.status == 403


@pytest.mark.parametrize("network", NETWORKS)
def test_missing_secret_fails_closed(network: str) -> None:
    connector = _connector(network)
    request = signed_request(connector, _first_mention_fixture(network).read_bytes())
    with pytest.raises(SignatureError) as caught:
        connector.verify(request, {}, NOW)
    assert caught.value.status == 401


@pytest.mark.parametrize("network", NETWORKS)
def test_each_dropped_header_fails(network: str) -> None:
    connector = _connector(network)
    request = signed_request(connector, _first_mention_fixture(network).read_bytes())
    for header in request.headers:
        if header == "content-type":
            continue
        headers = {k: v for k, v in request.headers.items() if k != header}
        with pytest.raises(SignatureError):
            connector.verify(WebhookRequest("POST", request.body, headers, request.query), secrets_for(connector), NOW)
    for parameter in request.query:
        query = {k: v for k, v in request.query.items() if k != parameter}
        with pytest.raises(SignatureError):
            connector.verify(WebhookRequest("POST", request.body, request.headers, query), secrets_for(connector), NOW)


def _signs_time(network: str) -> bool:
    connector = _connector(network)
    body = _first_mention_fixture(network).read_bytes()
    return (
        signed_request(connector, body, NOW - timedelta(minutes=6)).headers != signed_request(connector, body).headers
    )


TIMESTAMPED = [n for n in NETWORKS if _signs_time(n)]


def test_networks_with_signed_timestamps_are_found() -> None:
    assert "generic" in TIMESTAMPED
    assert "vk" not in TIMESTAMPED  # VK signs nothing: its secret travels in the body


@pytest.mark.parametrize("network", TIMESTAMPED)
def test_stale_signature_fails(network: str) -> None:
    connector = _connector(network)
    body = _first_mention_fixture(network).read_bytes()
    for skew in (timedelta(minutes=6), -timedelta(minutes=6)):
        stale = signed_request(connector, body, NOW - skew)
        with pytest.raises(SignatureError):
            connector.verify(stale, secrets_for(connector), NOW)
    connector.verify(signed_request(connector, body, NOW - timedelta(minutes=4)), secrets_for(connector), NOW)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network=st.sampled_from(NETWORKS), body=st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_connector_errors(network: str, body: bytes) -> None:
    connector = _connector(network)
    request = WebhookRequest("POST", body, {})
    connector.account_id(request)  # never raises: it only peeks for routing
    with contextlib.suppress(ConnectorError):
        connector.handshake(request, secrets_for(connector))
    with contextlib.suppress(ConnectorError):
        connector.verify(request, secrets_for(connector), NOW)
    with contextlib.suppress(ConnectorError):
        connector.parse(request, "acme")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(
    network=st.sampled_from(NETWORKS),
    document=JSON,
    event=st.sampled_from(["", "wall_reply_new", "message_new", "mentions", "wall_post_new"]),
)
def test_arbitrary_json_parses_or_raises_connector_errors(network: str, document: object, event: str) -> None:
    """Well-formed JSON with any shape, including known event types with junk objects."""
    connector = _connector(network)
    if isinstance(document, dict) and event:
        document = {**document, "type": event, "group_id": 218000001}
    request = WebhookRequest("POST", json.dumps(document).encode(), {})
    with contextlib.suppress(ConnectorError):
        connector.parse(request, "acme")


@pytest.mark.parametrize("network", connectors.available())
def test_declared_constants_agree_with_the_module(network: str) -> None:
    """Discovery reads DELIVERY/POLL_MINUTES from the text (no import at cold start): same values."""
    module = importlib.import_module(f"functions.connectors.{network}")
    declared = connectors.declared(network)
    assert declared.delivery == getattr(module, "DELIVERY", "push")
    assert declared.poll_minutes == getattr(module, "POLL_MINUTES", None)
    if declared.delivery in ("poll", "both"):
        assert connectors.load_source(network) is module and callable(module.poll)
