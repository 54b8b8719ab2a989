"""Every content type a network sends reaches its connector as the exact bytes it signed.

The route accepts `application/json`, `text/plain` and `application/x-www-form-urlencoded`, none of
them among the REST API's binary media types, because `chalice deploy` refuses a view whose content
types mix binary and text support. For a text type, API Gateway's Lambda proxy integration hands
the function the body as a UTF-8 string (`isBase64Encoded: false`; AWS, "Binary media types for REST
APIs": "A text payload is a UTF-8-encoded JSON string", and "If binaryMediaTypes and contentHandling
are not defined, API Gateway handles the payload as a UTF-8 encoded JSON string"), and Chalice's
`raw_body` encodes it back: the same bytes for any UTF-8 body. No network we take sends
`application/octet-stream` (shared/reference/webhooks.md: JSON, VK, OK's `application/json;charset=utf-8`,
Meta, Telegram, X); it was the one binary type, whose body API Gateway base64-encodes, and is now a
clear 415 instead. A body that is not UTF-8 cannot be a JSON delivery of any network; through the
local server (raw bytes) it is verified and refused as malformed (400), never a 5xx.

Each fixture of every push network, signed as the network signs it, is sent twice: as the API
Gateway proxy event Lambda receives (through the Chalice app's Lambda entry point) and as raw bytes
over HTTP to the local server; both must get the same answer, and a verified one (not 401/403).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from functions import connectors
from tests.contract import fixtures
from tests.helpers import brand_secrets, deliver


@pytest.fixture(autouse=True)
def _clean(aws: str) -> None:
    """A fresh moto stack per test (queues for what is accepted)."""


def api_gateway_event(path: str, headers: dict[str, str], query: dict[str, str], body: bytes) -> dict[str, Any]:
    """The REST API's Lambda proxy event for a text-typed POST (AWS's documented shape)."""
    segments = path.strip("/").split("/")
    resource = "/webhooks/{network}" + ("/{brand}" if len(segments) == 3 else "")
    parameters = {"network": segments[1], **({"brand": segments[2]} if len(segments) == 3 else {})}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "pathParameters": parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": "POST",
            "path": f"/api{path}",
            "stage": "api",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7"},
        },
        "body": body.decode("utf-8"),  # what API Gateway does to a text payload
        "isBase64Encoded": False,
    }


def invoke(event: dict[str, Any]) -> tuple[int, str]:
    from app import app

    response = app(event, SimpleNamespace(function_name="mentiondesk-test", aws_request_id="test"))
    return int(response["statusCode"]), str(response.get("body") or "")


def _signed(network: str, fixture: Path) -> tuple[bytes, dict[str, str], dict[str, str]]:
    connector = connectors.load(network)
    assert connector is not None
    signed = connector.sign(fixture.read_bytes(), brand_secrets("acme", network), datetime.now(UTC))
    return signed.body, dict(signed.headers), dict(signed.query)


@pytest.mark.parametrize("network", connectors.push_networks())
def test_the_lambda_event_and_the_raw_bytes_get_the_same_verified_answer(network: str, service: str) -> None:
    for fixture in fixtures(network):
        body, headers, query = _signed(network, fixture)
        content_type = next(v for k, v in headers.items() if k.lower() == "content-type")
        assert content_type.split(";")[0].strip() in {
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
        }
        status, answer = invoke(api_gateway_event(f"/webhooks/{network}/acme", headers, query, body))
        url = f"{service}/webhooks/{network}/acme"
        raw = requests.post(url, params=query, data=body, headers=headers, timeout=10)
        assert (status, answer) == (raw.status_code, raw.text), fixture.name
        assert status not in {401, 403, 415} and status < 500, (fixture.name, answer)


def test_a_delivery_without_content_type_is_read_as_json(service: str) -> None:
    body, headers, query = _signed("vk", fixtures("vk")[-1])
    bare = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    status, answer = invoke(api_gateway_event("/webhooks/vk", bare, query, body))
    assert (status, answer) == (200, "ok")
    raw = requests.post(f"{service}/webhooks/vk", params=query, data=body, headers=bare, timeout=10)
    assert (raw.status_code, raw.text) == (200, "ok")


def test_octet_stream_is_a_clear_415_not_a_5xx() -> None:
    body, headers, query = _signed("generic", fixtures("generic")[0])
    headers = {**headers, "Content-Type": "application/octet-stream"}
    event = api_gateway_event("/webhooks/generic/acme", headers, query, body)
    event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)  # a binary type: base64
    status, answer = invoke(event)
    assert status == 415
    assert "application/octet-stream" in json.loads(answer)["Message"]


def test_a_body_that_is_not_utf8_is_verified_then_refused_as_malformed(service: str) -> None:
    """The signature is computed over the raw bytes: a 400 (not 401) shows they arrived unchanged."""
    body = b'{"id": "42", "text": "caf\xe9 \xff\xfe broken", "author": {"id": "7"}}'
    response = deliver(service, "generic", body, in_url=True)
    assert response.status_code == 400, response.text
    forged = {"X-Mentiondesk-Signature": "sha256=" + "0" * 64}
    tampered = deliver(service, "generic", body, in_url=True, extra_headers=forged)
    assert tampered.status_code in {401, 403}
