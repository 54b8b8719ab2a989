"""Instagram specifics the contract suite cannot know: the shared Meta handshake and signature,
batches and their split, comment threads, unsent messages, what is not a mention."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from functions.connectors import instagram
from functions.core.mention import Action, Kind, Mention
from functions.core.webhooks import MalformedPayloadError, SignatureError, UnsupportedEventError, WebhookRequest
from tests.contract import FIXTURES, NOW

SECRETS = {"app_secret": "fedcba9876543210fedcba9876543210", "verify_token": "ig-verify"}
ACCOUNT, ACCOUNT2 = "17841400000000001", "17841400000000002"


def _fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "instagram" / f"{name}.json").read_text())
    return document


def _request(document: dict[str, Any]) -> WebhookRequest:
    return WebhookRequest("POST", json.dumps(document).encode(), {"content-type": "application/json"})


def _parse(name: str) -> tuple[Mention, ...]:
    return instagram.parse(_request(_fixture(name)), "acme")


def test_handshake_answers_the_challenge_and_refuses_a_wrong_token() -> None:
    hub = {"hub.mode": "subscribe", "hub.verify_token": "ig-verify", "hub.challenge": "927364518"}
    reply = instagram.handshake(WebhookRequest("GET", b"", {}, hub), SECRETS)
    assert reply is not None and (reply.status, reply.body) == (200, "927364518")
    with pytest.raises(SignatureError) as wrong:
        instagram.handshake(WebhookRequest("GET", b"", {}, {**hub, "hub.verify_token": "x"}), SECRETS)
    assert wrong.value.status == 403
    with pytest.raises(MalformedPayloadError):
        instagram.handshake(WebhookRequest("GET", b"", {}, {**hub, "hub.mode": "x"}), SECRETS)


def test_signature_is_hmac_sha256_of_the_raw_body_with_the_app_secret() -> None:
    body = (FIXTURES / "instagram" / "comments__reply.json").read_bytes()
    documented = "sha256=" + hmac.new(SECRETS["app_secret"].encode(), body, hashlib.sha256).hexdigest()
    instagram.verify(WebhookRequest("POST", body, {"X-Hub-Signature-256": documented}), SECRETS, NOW)
    assert instagram.sign(body, SECRETS, NOW).headers["X-Hub-Signature-256"] == documented
    with pytest.raises(SignatureError) as missing:
        instagram.verify(WebhookRequest("POST", body, {}), SECRETS, NOW)
    assert missing.value.status == 401


def test_batched_delivery_makes_one_mention_per_change_and_splits_per_item() -> None:
    document = _fixture("comments__batch_two_accounts")
    changes = sum(len(entry["changes"]) for entry in document["entry"])
    request = _request(document)
    assert len(instagram.parse(request, "acme")) == changes == 4
    parts = instagram.split(request)
    assert [instagram.account_id(part) for part in parts] == [ACCOUNT, ACCOUNT, ACCOUNT2, ACCOUNT2]  # one per item
    assert all(len(json.loads(part.body)["entry"]) == 1 and part.headers == request.headers for part in parts)
    assert [m for part in parts for m in instagram.parse(part, "acme")] == list(instagram.parse(request, "acme"))


def test_comment_and_its_reply_share_the_media_as_thread_root() -> None:
    (top,) = _parse("comments__top_level")
    (reply,) = _parse("comments__reply")
    assert (top.kind, reply.kind) == (Kind.COMMENT, Kind.REPLY)
    assert top.thread.root_id == reply.thread.root_id == "18012345678900001"
    assert reply.thread.parent_id == top.external_id
    assert (top.author.handle, top.author.url) == ("jane.cooper.nyc", "https://www.instagram.com/jane.cooper.nyc/")


def test_comment_time_comes_from_the_entry_in_seconds_or_milliseconds() -> None:
    document = _fixture("comments__top_level")
    (in_seconds,) = instagram.parse(_request(document), "acme")
    document["entry"][0]["time"] *= 1000
    (in_milliseconds,) = instagram.parse(_request(document), "acme")
    assert in_seconds.created_at == in_milliseconds.created_at
    assert in_seconds.created_at.isoformat() == "2025-11-27T10:00:05+00:00"


def test_unsent_message_deletes_the_same_identity() -> None:
    (message,) = _parse("messaging_message__text")
    (unsent,) = _parse("messaging_message__unsent")
    assert message.identity == unsent.identity
    assert (message.action, unsent.action) == (Action.NEW, Action.DELETE)
    assert message.thread.root_id == unsent.thread.root_id == f"m_{ACCOUNT}_6543210987650011"


def test_message_reply_points_at_the_message_it_answers() -> None:
    (message,) = _parse("messaging_message__reply_ru")
    assert message.kind is Kind.MESSAGE
    assert message.thread.parent_id == "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjAAZDZD"


@pytest.mark.parametrize(
    "name",
    [
        "messaging_read__seen",
        "messaging_reaction__love",
        "mentions__caption",
        "mentions__comment",
    ],
)
def test_not_a_customer_mention(name: str) -> None:
    assert _parse(name) == ()


def test_the_accounts_own_reply_and_echo_come_back_as_the_brands() -> None:
    (reply,) = _parse("comments__own_account_reply")
    (echo,) = _parse("messaging_echo__account_reply")
    assert reply.by_brand and echo.by_brand
    assert reply.author.id == echo.author.id == ACCOUNT
    assert echo.thread.root_id == f"m_{ACCOUNT}_6543210987650011"  # the conversation with its recipient
    (customer,) = _parse("comments__top_level")
    assert not customer.by_brand


def test_unknown_field_alone_is_unsupported() -> None:
    with pytest.raises(UnsupportedEventError) as caught:
        _parse("story_insights__unsupported")
    assert caught.value.event_type == "story_insights"


def test_a_page_delivery_is_not_instagram() -> None:
    document = {**_fixture("comments__top_level"), "object": "page"}
    with pytest.raises(UnsupportedEventError):
        instagram.parse(_request(document), "acme")


@pytest.mark.parametrize(
    "value",
    [
        {"id": "1", "text": "t", "media": {"id": "2"}},
        {"id": "1", "text": "t", "from": {"id": "3"}},
        {"id": "1", "text": "t", "from": {"username": "x"}, "media": {"id": "2"}},
        {"text": "t", "from": {"id": "3"}, "media": {"id": "2"}},
    ],
)
def test_comment_with_missing_fields_is_malformed(value: dict[str, Any]) -> None:
    document = {
        "object": "instagram",
        "entry": [{"id": ACCOUNT, "time": 1, "changes": [{"field": "comments", "value": value}]}],
    }
    with pytest.raises(MalformedPayloadError, match="comments"):
        instagram.parse(_request(document), "acme")
