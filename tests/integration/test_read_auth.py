"""Read keys over real HTTP: 401 without, 403 wrong, 503 unset (fail closed), 200 right; a brand's
key opens that brand only, the agency key every brand; several keys in one value for rotation."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import requests

from functions.api import auth
from functions.runtime import secrets
from tests.conftest import BRAND_READ_KEYS
from tests.helpers import deliver, vk_body

KEY = "read-key-for-auth-tests"
BRAND_ROUTES = [
    "/mentions?brand={brand}",
    "/tickets?brand={brand}",
    "/brands/{brand}/loyalty",
    "/brands/{brand}/health",
    "/brands/{brand}/health.html",
]
READ_ROUTES = [*(route.format(brand="acme") for route in BRAND_ROUTES), "/health/details"]


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
    for wrong in ("nope", KEY[:-1], KEY + "x", KEY.upper(), BRAND_READ_KEYS["rtco"], f"{KEY} {KEY}"):
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


def _put(name: str, value: str) -> None:
    boto3.client("ssm").put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    secrets.clear()  # as if the TTL ran out


@pytest.mark.parametrize("route", BRAND_ROUTES)
def test_a_brand_key_opens_its_own_brand_and_no_other(service: str, read_key: str, route: str) -> None:
    acme, rtco = BRAND_READ_KEYS["acme"], BRAND_READ_KEYS["rtco"]
    assert _get(service, route.format(brand="acme"), acme).status_code == 200
    assert _get(service, route.format(brand="rtco"), rtco).status_code == 200
    for path, key in ((route.format(brand="rtco"), acme), (route.format(brand="acme"), rtco)):
        refused = _get(service, path, key)
        assert (refused.status_code, refused.json()) == (403, {"error": "wrong X-Api-Key"}), path
    assert _get(service, route.format(brand="rtco"), KEY).status_code == 200  # the agency key: every brand


def test_a_brand_key_cannot_learn_which_brands_exist(service: str, read_key: str) -> None:
    """Another brand and no brand at all get the same 403; only the agency key hears 404."""
    acme = BRAND_READ_KEYS["acme"]
    for path in ("/brands/rtco/health", "/brands/no-such-brand/health", "/mentions?brand=no-such-brand"):
        assert _get(service, path, acme).json() == {"error": "wrong X-Api-Key"}, path
    assert _get(service, "/brands/no-such-brand/health", KEY).status_code == 404
    assert _get(service, "/mentions?brand=no-such-brand", KEY).status_code == 400


def test_deployment_wide_details_need_the_agency_key(service: str, read_key: str) -> None:
    assert _get(service, "/health/details", BRAND_READ_KEYS["acme"]).status_code == 403
    assert _get(service, "/health/details", KEY).status_code == 200


def test_without_a_brand_parameter_a_brand_key_lists_its_own_items_only(service: str, read_key: str) -> None:
    from datetime import UTC, datetime

    from functions.core.mention import Author, Kind, Mention
    from functions.core.score import Score
    from functions.stores import mentions

    now = datetime.now(UTC)
    for brand in ("acme", "rtco"):
        post = Mention("generic", "demo:42", Kind.POST, brand, Author("u1"), "hello", None, now)
        mentions.put_new(post, Score.from_dict(_NEUTRAL), now)
    seen = {
        key: {item["brand"] for item in _get(service, "/mentions", key).json()["items"]}
        for key in (KEY, *BRAND_READ_KEYS.values())
    }
    assert seen == {KEY: {"acme", "rtco"}, BRAND_READ_KEYS["acme"]: {"acme"}, BRAND_READ_KEYS["rtco"]: {"rtco"}}
    assert _get(service, "/tickets", BRAND_READ_KEYS["acme"]).status_code == 200


_NEUTRAL = {
    "sentiment": 0.0,
    "complaint_probability": 0.0,
    "complaint": False,
    "priority": "low",
    "category": "other",
    "lang": "en",
    "reasons": [],
}


def test_a_brand_key_is_rotated_without_downtime(service: str, read_key: str) -> None:
    """The value holds the new key beside the old one while clients move, then the new one alone."""
    name, old = "/mentiondesk/acme/read-keys", BRAND_READ_KEYS["acme"]
    _put(name, f"acme-new-key {old}")
    assert _get(service, "/brands/acme/health", "acme-new-key").status_code == 200
    assert _get(service, "/brands/acme/health", old).status_code == 200
    _put(name, "acme-new-key")
    assert _get(service, "/brands/acme/health", old).status_code == 403
    assert _get(service, "/brands/acme/health", "acme-new-key").status_code == 200


def test_the_agency_key_is_rotated_the_same_way(service: str, read_key: str) -> None:
    _put(auth.parameter_name(), f"agency-next\n{KEY}\n")
    for key in ("agency-next", KEY):
        assert _get(service, "/health/details", key).status_code == 200
        assert _get(service, "/brands/rtco/health", key).status_code == 200


def test_an_unset_brand_key_closes_that_brand_to_brand_keys_only(service: str, read_key: str) -> None:
    boto3.client("ssm").delete_parameter(Name="/mentiondesk/acme/read-keys")
    secrets.clear()
    refused = _get(service, "/brands/acme/health", BRAND_READ_KEYS["acme"])
    assert refused.status_code == 503 and "/mentiondesk/acme/read-keys" in refused.json()["error"]
    assert _get(service, "/brands/acme/health", KEY).status_code == 200  # the agency still reads it
    assert _get(service, "/brands/rtco/health", BRAND_READ_KEYS["rtco"]).status_code == 200


def test_a_brand_key_reference_must_be_a_secret_reference() -> None:
    import json

    from functions.core.brands import BrandConfigError, load_brands

    def brand(secrets_: object) -> str:
        return json.dumps({"brands": [{"slug": "acme", "secrets": secrets_}]})

    assert load_brands(brand({"read_keys": "ssm:/mentiondesk/acme/read-keys"})).by_slug["acme"].secrets
    with pytest.raises(BrandConfigError, match=r"brand acme\.secrets\.read_keys"):
        load_brands(brand({"read_keys": "plain-text-key"}))
    with pytest.raises(BrandConfigError, match="unknown read_key"):
        load_brands(brand({"read_key": "ssm:/x"}))
