"""OK specifics the contract suite cannot know: the URL token, routing by URL only, the
message shape with and without `webhookType`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.api.webhooks import _find_brand
from functions.connectors import ok
from functions.core.mention import Kind, Mention, format_time
from functions.core.webhooks import MalformedPayloadError, SignatureError, UnsupportedEventError, WebhookRequest
from tests.contract import FIXTURES, NOW

SECRETS = {"webhook_token": "pJ4f0cW9-r2LxQe7s1VbN8kT"}


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "ok" / name).read_bytes())
    return document


def _request(document: dict[str, Any], query: dict[str, str] | None = None) -> WebhookRequest:
    body = json.dumps(document, ensure_ascii=False).encode()
    return WebhookRequest("POST", body, {"content-type": "application/json;charset=utf-8"}, query or {})


def _one(document: dict[str, Any] | str) -> Mention:
    (mention,) = ok.parse(_request(_document(document) if isinstance(document, str) else document), "acme")
    return mention


def test_token_missing_is_401_wrong_is_403_right_passes() -> None:
    document = _document("MESSAGE_CREATED__text.json")
    for query in ({}, {"token": ""}, {"Token": SECRETS["webhook_token"]}):
        with pytest.raises(SignatureError) as missing:
            ok.verify(_request(document, query), SECRETS, NOW)
        assert missing.value.status == 401
    for wrong in ("pJ4f0cW9-r2LxQe7s1VbN8k", "pJ4f0cW9-r2LxQe7s1VbN8kT0", "PJ4f0cW9-r2LxQe7s1VbN8kT"):
        with pytest.raises(SignatureError) as caught:
            ok.verify(_request(document, {"token": wrong}), SECRETS, NOW)
        assert caught.value.status == 403
    ok.verify(_request(document, {"token": SECRETS["webhook_token"]}), SECRETS, NOW)


def test_a_token_in_a_header_or_the_body_is_not_accepted() -> None:
    document = {**_document("MESSAGE_CREATED__text.json"), "token": SECRETS["webhook_token"]}
    request = WebhookRequest("POST", json.dumps(document).encode(), {"token": SECRETS["webhook_token"]})
    with pytest.raises(SignatureError):
        ok.verify(request, SECRETS, NOW)


def test_unconfigured_token_fails_closed() -> None:
    with pytest.raises(SignatureError) as caught:
        ok.verify(_request(_document("MESSAGE_CREATED__text.json"), {"token": "anything"}), {}, NOW)
    assert caught.value.status == 401


def test_brand_comes_from_the_url_only() -> None:
    request = _request(_document("MESSAGE_CREATED__text.json"))
    assert ok.account_id(request) is None
    assert ok.handshake(request, SECRETS) is None
    found = _find_brand(ok, "acme", request)
    assert not isinstance(found, str) and found.slug == "acme"
    assert isinstance(_find_brand(ok, None, request), str)


def test_message_is_a_message_in_its_chat() -> None:
    mention = _one("MESSAGE_CREATED__text.json")
    assert mention.identity == "acme#ok#mid:C5a4fd2e4c800.18f3a2c91b70e4d"
    assert mention.kind is Kind.MESSAGE
    assert mention.thread.root_id == "chat:C5a4fd2e4c800"
    assert (mention.author.id, mention.author.name) == ("574112946217", "Татьяна Белова")
    assert format_time(mention.created_at) == "2026-11-27T14:22:37Z"
    assert mention.url is None


def test_apiok_example_shape_without_webhook_type_is_a_message() -> None:
    mention = _one("MESSAGE_CREATED__without_webhook_type.json")
    assert mention.event == "MESSAGE_CREATED"
    assert mention.author.name is None


def test_two_messages_of_one_customer_share_the_thread() -> None:
    first = _document("MESSAGE_CREATED__text.json")
    second = json.loads(json.dumps(first))
    second["message"].update(mid="mid:C5a4fd2e4c800.18f3a2c9d4410aa", text="Алло? Жду ответа.")
    assert _one(first).thread_key == _one(second).thread_key
    assert _one(first).identity != _one(second).identity


def test_ignored_unknown_and_malformed() -> None:
    assert ok.parse(_request(_document("CHAT_STARTED__user.json")), "acme") == ()
    with pytest.raises(UnsupportedEventError) as caught:
        ok.parse(_request(_document("MESSAGE_EDITED__unsupported.json")), "acme")
    assert caught.value.event_type == "MESSAGE_EDITED"
    with pytest.raises(MalformedPayloadError, match="webhookType"):
        ok.parse(_request({"sender": {"user_id": "user:1"}}), "acme")
    broken = _document("MESSAGE_CREATED__text.json")
    broken["sender"]["user_id"] = "574112946217"  # OK's ids are typed: `user:<id>`
    with pytest.raises(MalformedPayloadError, match="MESSAGE_CREATED"):
        ok.parse(_request(broken), "acme")
