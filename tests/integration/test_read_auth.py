"""The read API's key over real HTTP: 401 without, 403 wrong, 503 unset (fail closed), 200 right."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import requests

from functions.api import auth
from functions.runtime import secrets
from tests.helpers import deliver, vk_body

KEY = "read-key-for-auth-tests"
READ_ROUTES = [
    "/mentions?brand=acme",
    "/tickets?brand=acme",
    "/brands/acme/loyalty",
    "/brands/acme/health",
    "/brands/acme/health.html",
    "/health/details",
]


@pytest.fixture
def read_key(aws: str) -> Iterator[str]:
    """The stage's read API key in moto's SSM, where `READ_API_KEY_PARAMETER` points by default."""
    boto3.client("ssm").put_parameter(Name=auth.parameter_name(), Value=KEY, Type="SecureString", Overwrite=True)
    secrets.clear()
    yield KEY
    secrets.clear()


def _get(service: str, path: str, key: str | None) -> requests.Response:
    headers = {} if key is None else {auth.HEADER: key}
    return requests.get(f"{service}{path}", headers=headers, timeout=10)


def test_the_parameter_is_named_per_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(auth.PARAMETER_ENV, raising=False)
    assert auth.parameter_name() == "/mentiondesk/test/read-api-key"
    monkeypatch.setenv(auth.PARAMETER_ENV, "/elsewhere/key")
    assert auth.parameter_name() == "/elsewhere/key"


@pytest.mark.parametrize("path", READ_ROUTES)
def test_missing_key_is_401(service: str, read_key: str, path: str) -> None:
    response = _get(service, path, None)
    assert response.status_code == 401
    assert response.json() == {"error": "missing X-Api-Key header"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", READ_ROUTES)
def test_wrong_key_is_403(service: str, read_key: str, path: str) -> None:
    for wrong in ("nope", KEY[:-1], KEY + "x", KEY.upper()):
        response = _get(service, path, wrong)
        assert response.status_code == 403, wrong
        assert response.json() == {"error": "wrong X-Api-Key"}


@pytest.mark.parametrize("path", READ_ROUTES)
def test_right_key_is_200(service: str, read_key: str, path: str) -> None:
    response = _get(service, path, KEY)
    assert response.status_code == 200, response.text
    assert KEY not in response.text


@pytest.mark.parametrize("path", READ_ROUTES)
def test_unset_parameter_closes_the_read_api_with_a_reason(service: str, read_key: str, path: str) -> None:
    boto3.client("ssm").delete_parameter(Name=auth.parameter_name())
    secrets.clear()
    response = _get(service, path, KEY)
    assert response.status_code == 503
    reason = response.json()["error"]
    assert "read API key is not configured" in reason and auth.parameter_name() in reason


def test_the_key_is_not_taken_from_the_url(service: str, read_key: str) -> None:
    for name in ("key", "api_key", "X-Api-Key"):
        assert requests.get(f"{service}/mentions", params={name: KEY}, timeout=10).status_code == 401


def test_a_rotated_key_is_used_once_the_cache_expires(service: str, read_key: str) -> None:
    assert _get(service, "/mentions", KEY).status_code == 200  # read once, then cached for SECRETS_TTL_SECONDS
    boto3.client("ssm").put_parameter(Name=auth.parameter_name(), Value="rotated", Type="SecureString", Overwrite=True)
    assert _get(service, "/mentions", KEY).status_code == 200
    secrets.clear()  # the TTL runs out
    assert _get(service, "/mentions", KEY).status_code == 403
    assert _get(service, "/mentions", "rotated").status_code == 200


def test_secret_store_outage_is_503_retry_later(service: str, read_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.runtime import aws

    secrets.clear()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9")  # nothing listens on the discard port
    aws.reset()
    try:
        response = _get(service, "/mentions", KEY)
    finally:
        monkeypatch.delenv("AWS_ENDPOINT_URL_SSM")
        aws.reset()
    assert response.status_code == 503
    assert "retry later" in response.json()["error"]


def test_liveness_stays_open_and_says_nothing_else(service: str, read_key: str) -> None:
    response = requests.get(f"{service}/health", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_webhooks_keep_their_own_authentication(service: str, read_key: str) -> None:
    """No read key on a delivery: the network's own proof decides (200 signed, 403 forged)."""
    assert deliver(service, "vk", vk_body("wall_reply_new__top_level.json")).status_code == 200
    forged = requests.post(
        f"{service}/webhooks/vk", data=vk_body("wall_reply_new__top_level.json"), headers={auth.HEADER: KEY}, timeout=10
    )
    assert forged.status_code in (401, 403)


def test_helpdesk_events_keep_their_own_token(service: str, read_key: str) -> None:
    response = requests.post(
        f"{service}/helpdesk-events/builtin", json={"ticket_id": "1", "status": "open"}, headers={auth.HEADER: KEY}
    )
    assert response.status_code == 401
