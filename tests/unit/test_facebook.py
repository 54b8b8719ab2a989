"""Facebook specifics the contract suite cannot know: the GET handshake, the documented signature,
batches and their split, threads, edits and deletes of one identity, what is not a mention."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.connectors import facebook
from functions.core.mention import Action, Kind, Mention
from functions.core.webhooks import (
    ConnectorError,
    MalformedPayloadError,
    SignatureError,
    UnsupportedEventError,
    WebhookRequest,
)
from tests.contract import FIXTURES, NOW

SECRETS = {"app_secret": "0123456789abcdef0123456789abcdef", "verify_token": "meatball-42"}
PAGE, PAGE2 = "104000000000001", "104000000000002"


def _fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "facebook" / f"{name}.json").read_text())
    return document


def _request(document: dict[str, Any]) -> WebhookRequest:
    return WebhookRequest("POST", json.dumps(document).encode(), {"content-type": "application/json"})


def _parse(name: str) -> tuple[Mention, ...]:
    return facebook.parse(_request(_fixture(name)), "acme")


def _get(**query: str) -> WebhookRequest:
    return WebhookRequest("GET", b"", {}, query)


# --- handshake ---------------------------------------------------------------------------------

HUB = {"hub.mode": "subscribe", "hub.verify_token": "meatball-42", "hub.challenge": "1158201444"}


def test_handshake_answers_the_raw_challenge_as_plain_text() -> None:
    reply = facebook.handshake(_get(**HUB), SECRETS)
    assert reply is not None
    assert (reply.status, reply.body, reply.content_type) == (200, "1158201444", "text/plain")


def test_handshake_with_a_wrong_token_is_403() -> None:
    with pytest.raises(SignatureError) as caught:
        facebook.handshake(_get(**{**HUB, "hub.verify_token": "meatball-43"}), SECRETS)
    assert caught.value.status == 403


def test_handshake_without_a_token_or_without_our_token_is_401() -> None:
    without = {k: v for k, v in HUB.items() if k != "hub.verify_token"}
    with pytest.raises(SignatureError) as missing:
        facebook.handshake(_get(**without), SECRETS)
    assert missing.value.status == 401
    with pytest.raises(SignatureError) as unconfigured:
        facebook.handshake(_get(**HUB), {"app_secret": "x"})
    assert unconfigured.value.status == 401


def test_handshake_with_a_wrong_mode_or_no_challenge_is_malformed() -> None:
    with pytest.raises(MalformedPayloadError, match=r"hub\.mode"):
        facebook.handshake(_get(**{**HUB, "hub.mode": "unsubscribe"}), SECRETS)
    with pytest.raises(MalformedPayloadError, match=r"hub\.challenge"):
        facebook.handshake(_get(**{k: v for k, v in HUB.items() if k != "hub.challenge"}), SECRETS)


def test_only_a_get_with_hub_parameters_is_a_handshake() -> None:
    assert facebook.handshake(_get(), SECRETS) is None
    assert facebook.handshake(WebhookRequest("POST", b"{}", {}, HUB), SECRETS) is None


# --- signature ---------------------------------------------------------------------------------


def _documented_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRETS["app_secret"].encode(), body, hashlib.sha256).hexdigest()


def test_signature_is_hmac_sha256_of_the_raw_body_with_the_app_secret() -> None:
    body = (FIXTURES / "facebook" / "feed_comment__reply.json").read_bytes()
    facebook.verify(WebhookRequest("POST", body, {"X-Hub-Signature-256": _documented_signature(body)}), SECRETS, NOW)
    assert facebook.sign(body, SECRETS, NOW).headers["X-Hub-Signature-256"] == _documented_signature(body)


def test_signature_over_reserialised_json_fails() -> None:
    body = (FIXTURES / "facebook" / "feed_comment__reply.json").read_bytes()  # Meta's \\u escapes
    reserialised = json.dumps(json.loads(body), ensure_ascii=False).encode()
    with pytest.raises(SignatureError):
        facebook.verify(
            WebhookRequest("POST", reserialised, {"x-hub-signature-256": _documented_signature(body)}), SECRETS, NOW
        )


def test_missing_signature_or_app_secret_is_401_wrong_scheme_is_403() -> None:
    body = b'{"object": "page", "entry": []}'
    legacy = "sha1=" + hmac.new(SECRETS["app_secret"].encode(), body, hashlib.sha1).hexdigest()
    with pytest.raises(SignatureError) as only_legacy:
        facebook.verify(WebhookRequest("POST", body, {"x-hub-signature": legacy}), SECRETS, NOW)
    assert only_legacy.value.status == 401
    with pytest.raises(SignatureError) as no_secret:
        facebook.verify(WebhookRequest("POST", body, {"x-hub-signature-256": _documented_signature(body)}), {}, NOW)
    assert no_secret.value.status == 401
    with pytest.raises(SignatureError) as scheme:
        facebook.verify(WebhookRequest("POST", body, {"x-hub-signature-256": legacy}), SECRETS, NOW)
    assert scheme.value.status == 403


# --- batches and split -------------------------------------------------------------------------


def _changes(document: dict[str, Any]) -> int:
    return sum(len(entry.get("changes", [])) + len(entry.get("messaging", [])) for entry in document["entry"])


def test_batched_delivery_makes_one_mention_per_change() -> None:
    document = _fixture("feed_comment__batch_two_pages")
    assert len(document["entry"]) == 2 and _changes(document) == 5
    mentions = facebook.parse(_request(document), "acme")
    assert len(mentions) == 5
    assert len({m.identity for m in mentions}) == 5


def test_messenger_batch_makes_one_mention_per_message() -> None:
    assert len(_parse("messaging_message__two_in_a_row_ru")) == 2


def test_split_gives_one_part_per_item_with_its_page_and_the_same_headers() -> None:
    request = _request(_fixture("feed_comment__batch_two_pages"))
    parts = facebook.split(request)
    assert [facebook.account_id(part) for part in parts] == [PAGE, PAGE, PAGE, PAGE2, PAGE2]
    for part in parts:
        assert len(json.loads(part.body)["entry"]) == 1 and _changes(json.loads(part.body)) == 1
        assert json.loads(part.body)["object"] == "page"
        assert part.headers == request.headers
    from_parts = [m for part in parts for m in facebook.parse(part, "acme")]
    assert from_parts == list(facebook.parse(request, "acme"))


def test_a_single_entry_is_not_split() -> None:
    request = _request(_fixture("feed_comment__top_level"))
    assert facebook.split(request) == (request,)


def test_split_leaves_out_entries_with_nothing_known_so_no_part_ends_the_delivery() -> None:
    document = _fixture("feed_comment__batch_two_pages")
    unknown = _fixture("ratings__unsupported")["entry"][0]
    unknown["id"] = PAGE2
    document["entry"] = [unknown, document["entry"][0]]
    parts = facebook.split(_request(document))
    assert [facebook.account_id(part) for part in parts] == [PAGE, PAGE, PAGE]
    assert sum(len(facebook.parse(part, "acme")) for part in parts) == 3


def test_a_batch_of_only_unknown_entries_stays_whole_and_is_unsupported() -> None:
    document = _fixture("ratings__unsupported")
    document["entry"] = [document["entry"][0], {**document["entry"][0], "id": PAGE2}]
    request = _request(document)
    assert facebook.split(request) == (request,)
    with pytest.raises(UnsupportedEventError) as caught:
        facebook.parse(request, "acme")
    assert caught.value.event_type == "ratings"


def test_account_id_is_the_first_entry_id() -> None:
    assert facebook.account_id(_request(_fixture("feed_comment__batch_two_pages"))) == PAGE
    assert facebook.account_id(_request({"object": "page", "entry": [{"id": 104000000000002}]})) == PAGE2
    assert facebook.account_id(_request({"object": "page", "entry": []})) is None
    assert facebook.account_id(WebhookRequest("POST", b"[1]")) is None
    assert facebook.account_id(WebhookRequest("GET", b"")) is None


# --- threads, edits, deletes -------------------------------------------------------------------


def test_comment_and_its_reply_share_the_post_as_thread_root() -> None:
    (top,) = _parse("feed_comment__top_level")
    (reply,) = _parse("feed_comment__reply")
    assert (top.kind, reply.kind) == (Kind.COMMENT, Kind.REPLY)
    assert top.thread.root_id == reply.thread.root_id == "104000000000001_880000000000101"
    assert reply.thread.parent_id == top.external_id
    assert reply.url is not None and "reply_comment_id=990000000000202" in reply.url


def test_comment_edit_and_remove_keep_the_identity() -> None:
    (new,) = _parse("feed_comment__top_level")
    (edited,) = _parse("feed_comment__edited")
    (removed,) = _parse("feed_comment__removed")
    assert new.identity == edited.identity == removed.identity == "acme#facebook#880000000000101_990000000000201"
    assert (new.action, edited.action, removed.action) == (Action.NEW, Action.EDIT, Action.DELETE)
    assert "#4471" in edited.text
    assert new.thread_key == edited.thread_key


def test_visitor_post_edit_and_remove_keep_the_identity() -> None:
    mentions = [_parse(name)[0] for name in ("feed_post__visitor_post", "feed_post__edited", "feed_post__removed")]
    assert {m.identity for m in mentions} == {"acme#facebook#104000000000001_880000000000888"}
    assert [m.action for m in mentions] == [Action.NEW, Action.EDIT, Action.DELETE]


def test_messenger_edit_keeps_the_message_identity() -> None:
    (message,) = _parse("messaging_message__text")
    (edited,) = _parse("messaging_message_edit__edited")
    assert message.identity == edited.identity
    assert (message.action, edited.action) == (Action.NEW, Action.EDIT)
    assert message.thread_key == edited.thread_key


def test_hide_and_unhide_are_not_deletes_and_change_nothing() -> None:
    hidden = _fixture("feed_comment__hidden_by_page")
    assert facebook.parse(_request(hidden), "acme") == ()
    hidden["entry"][0]["changes"][0]["value"]["verb"] = "unhide"
    assert facebook.parse(_request(hidden), "acme") == ()


def test_page_removing_a_customer_comment_is_still_a_delete() -> None:
    document = _fixture("feed_comment__removed")
    document["entry"][0]["changes"][0]["value"]["from"] = {"id": PAGE, "name": "Acme Pizza"}
    (removed,) = facebook.parse(_request(document), "acme")
    assert removed.action is Action.DELETE
    assert not removed.by_brand  # the customer's comment, whoever removed it


# --- not mentions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "feed_reaction__like_on_post",
        "messaging_delivery__receipt",
        "messaging_read__receipt",
        "mention__comment_without_text",
    ],
)
def test_not_a_customer_mention(name: str) -> None:
    assert _parse(name) == ()


@pytest.mark.parametrize("name", ["feed_comment__own_page_reply", "feed_status__own_page_post"])
def test_the_pages_own_writing_comes_back_as_the_brands(name: str) -> None:
    (own,) = _parse(name)
    assert own.by_brand and own.author.id == PAGE


def test_a_customers_comment_is_not_the_brands() -> None:
    (comment,) = _parse("feed_comment__top_level")
    assert not comment.by_brand


def test_an_echo_is_the_pages_message_in_the_conversation_with_its_recipient() -> None:
    (echo,) = _parse("messaging_echo__page_answer")
    (customer,) = _parse("messaging_message__text")
    assert echo.by_brand and not customer.by_brand
    assert echo.kind is Kind.MESSAGE and echo.author.id == PAGE
    assert echo.thread.root_id == f"m_{PAGE}_7412589630000011"


def test_own_message_without_the_echo_flag_is_the_brands_too() -> None:
    document = _fixture("messaging_message__text")
    event = document["entry"][0]["messaging"][0]
    customer = event["sender"]["id"]
    event["sender"], event["recipient"] = {"id": PAGE}, {"id": customer}
    (own,) = facebook.parse(_request(document), "acme")
    assert own.by_brand and own.thread.root_id == f"m_{PAGE}_{customer}"


def test_unknown_items_next_to_known_ones_are_skipped() -> None:
    (mention,) = _parse("feed_comment__mixed_with_unknown_field")
    assert mention.event == "feed_comment"


def test_another_object_is_unsupported() -> None:
    document = {**_fixture("feed_comment__top_level"), "object": "instagram"}
    with pytest.raises(UnsupportedEventError) as caught:
        facebook.parse(_request(document), "acme")
    assert caught.value.event_type == "object:instagram"


# --- fields ------------------------------------------------------------------------------------


def test_author_without_from_is_unique_to_the_item() -> None:
    document = _fixture("feed_comment__top_level")
    del document["entry"][0]["changes"][0]["value"]["from"]
    (mention,) = facebook.parse(_request(document), "acme")
    assert mention.author.id == "unknown-880000000000101_990000000000201"


def test_page_mention_uses_the_sender_and_the_post_id() -> None:
    (mention,) = _parse("mention__post")
    assert (mention.kind, mention.author.id, mention.author.name) == (Kind.POST, "100050000000001", "Oleg Petrov")
    assert mention.external_id == "100050000000001_412000000000001"


def test_times_in_seconds_and_milliseconds_are_both_read() -> None:
    (comment,) = _parse("feed_comment__top_level")
    (message,) = _parse("messaging_message__text")
    assert comment.created_at.isoformat() == "2025-11-27T10:00:00+00:00"
    assert message.created_at.isoformat().startswith("2025-11-27T10:59:59.87")


def test_missing_time_everywhere_is_malformed() -> None:
    document = _fixture("feed_comment__top_level")
    del document["entry"][0]["time"]
    del document["entry"][0]["changes"][0]["value"]["created_time"]
    with pytest.raises(MalformedPayloadError, match="created_time"):
        facebook.parse(_request(document), "acme")


@pytest.mark.parametrize(
    "change",
    [
        {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "1_2", "created_time": 1}},
        {"field": "feed", "value": {"item": "post", "verb": "add", "post_id": ["x"], "created_time": 1}},
        {
            "field": "feed",
            "value": {"item": "comment", "verb": "add", "post_id": "1", "comment_id": "1_2", "message": 5},
        },
        {"field": "feed", "value": "not an object"},
        {"value": {}},
    ],
)
def test_known_item_with_bad_fields_is_malformed_not_a_crash(change: dict[str, Any]) -> None:
    document = {"object": "page", "entry": [{"id": PAGE, "time": 1764237600, "changes": [change]}]}
    with pytest.raises(MalformedPayloadError):
        facebook.parse(_request(document), "acme")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
FIELDS = st.sampled_from(["feed", "mention", "ratings", ""])
ITEMS = st.sampled_from(["comment", "post", "status", "photo", "video", "reaction", "x"])
VERBS = st.sampled_from(["add", "edited", "remove", "hide", "unhide", "x"])


@settings(max_examples=300, deadline=None)
@given(
    field=FIELDS,
    item_verb=st.tuples(ITEMS, VERBS),
    value=st.dictionaries(
        st.sampled_from(["from", "post_id", "comment_id", "parent_id", "message", "created_time", "sender_id"]), JSON
    ),
    messaging=st.dictionaries(st.sampled_from(["sender", "timestamp", "message", "message_edit", "read"]), JSON),
    time=JSON,
)
def test_meta_shaped_junk_raises_only_connector_errors(
    field: str, item_verb: tuple[str, str], value: dict[str, Any], messaging: dict[str, Any], time: Any
) -> None:
    """The contract suite fuzzes any JSON; this reaches the per-item handlers behind a valid envelope."""
    entry = {
        "id": PAGE,
        "time": time,
        "changes": [{"field": field, "value": {**value, "item": item_verb[0], "verb": item_verb[1]}}],
    }
    request = _request({"object": "page", "entry": [entry, {"id": PAGE2, "messaging": [messaging]}]})
    with contextlib.suppress(ConnectorError):
        facebook.split(request)
    with contextlib.suppress(ConnectorError):
        facebook.parse(request, "acme")
