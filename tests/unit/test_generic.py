"""Generic webhook specifics: the documented signature, limits and validation messages."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from functions.connectors import generic
from functions.core.mention import Mention
from functions.core.webhooks import MalformedPayloadError, WebhookRequest
from tests.contract import NOW

KEY = {"signing_key": "k"}


def _mention(**overrides: object) -> dict[str, object]:
    return {
        "id": "1",
        "source": "s",
        "text": "t",
        "created_at": "2026-11-27T10:00:00Z",
        "author": {"id": "a"},
        **overrides,
    }


def _parse(document: object) -> tuple[Mention, ...]:
    return generic.parse(WebhookRequest("POST", json.dumps(document).encode()), "acme")


def test_signature_is_hmac_sha256_of_timestamp_dot_body_as_documented() -> None:
    body = b'{"type": "ping"}'
    timestamp = str(int(NOW.timestamp()))
    documented = "v1=" + hmac.new(b"k", timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"x-mentiondesk-timestamp": timestamp, "x-mentiondesk-signature": documented}
    generic.verify(WebhookRequest("POST", body, headers), KEY, NOW)
    assert generic.sign(body, KEY, NOW).headers["X-Mentiondesk-Signature"] == documented


def test_brand_comes_from_the_url_only() -> None:
    assert generic.account_id(WebhookRequest("POST", b'{"type": "mentions"}')) is None


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"type": "mentions", "mentions": []}, "list of 1..100"),
        ({"type": "mentions", "mentions": [_mention()] * 101}, "list of 1..100"),
        ({"type": "mentions", "mentions": [_mention(id="")]}, r"mentions\[0\].id"),
        ({"type": "mentions", "mentions": [_mention(created_at="yesterday")]}, r"mentions\[0\]"),
        ({"type": "mentions", "mentions": [_mention(kind="tweet")]}, r"mentions\[0\]"),
        ({"type": "mentions", "mentions": [_mention(author={"id": "a", "followers": -1})]}, "followers"),
        ({"type": "mentions", "mentions": [_mention(text=None)]}, "text"),
        ([1, 2], "object"),
    ],
)
def test_invalid_documents_name_the_field(document: object, reason: str) -> None:
    with pytest.raises(MalformedPayloadError, match=reason):
        _parse(document)


def test_offsets_become_utc() -> None:
    (mention,) = _parse({"type": "mentions", "mentions": [_mention(created_at="2026-11-27T13:00:00+03:00")]})
    assert mention.created_at.isoformat() == "2026-11-27T10:00:00+00:00"


@pytest.mark.parametrize("timestamp", ["²", "٣٣", "9" * 5000, "1" * 13, "-1", " 1"])
def test_a_timestamp_that_is_not_ascii_unix_seconds_is_refused_before_the_hmac(timestamp: str) -> None:
    from functions.core.webhooks import SignatureError

    headers = {"x-mentiondesk-timestamp": timestamp, "x-mentiondesk-signature": "v1=00"}
    with pytest.raises(SignatureError, match="Unix seconds"):
        generic.verify(WebhookRequest("POST", b"{}", headers), KEY, NOW)


@pytest.mark.parametrize(
    "body",
    [b"[" * 10000, b'{"a":' * 10000, b"9" * 5000, b'{"type": "mentions", "mentions": [{"id": ' + b"9" * 5000 + b"}]}"],
)
def test_deep_or_huge_number_bodies_are_malformed(body: bytes) -> None:
    with pytest.raises(MalformedPayloadError, match="not acceptable JSON"):
        generic.parse(WebhookRequest("POST", body), "acme")
