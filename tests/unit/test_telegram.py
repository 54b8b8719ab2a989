"""Telegram specifics the contract suite cannot know: the secret header, routing by chat,
edits, discussion threads, and what is not a customer's post."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.api.webhooks import _find_brand
from functions.connectors import telegram
from functions.core.mention import Action, Kind, Mention
from functions.core.webhooks import MalformedPayloadError, SignatureError, UnsupportedEventError, WebhookRequest
from tests.contract import FIXTURES, NOW

SECRETS = {"secret_token": "Zq8-xT2_kP9mW4vR7nB3"}
HEADER = "x-telegram-bot-api-secret-token"
CHANNEL, DISCUSSION, SUPPORT = -1001762390215, -1001795048233, -1001934221457


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "telegram" / name).read_bytes())
    return document


def _request(document: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> WebhookRequest:
    body = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
    return WebhookRequest("POST", body, {"content-type": "application/json", **(headers or {})})


def _parse(document: dict[str, Any] | str) -> tuple[Mention, ...]:
    return telegram.parse(_request(_document(document) if isinstance(document, str) else document), "acme")


def _one(document: dict[str, Any] | str) -> Mention:
    (mention,) = _parse(document)
    return mention


def test_secret_header_missing_is_401_wrong_is_403_right_passes() -> None:
    body = _document("message__private.json")
    with pytest.raises(SignatureError) as missing:
        telegram.verify(_request(body), SECRETS, NOW)
    assert missing.value.status == 401
    with pytest.raises(SignatureError) as empty:
        telegram.verify(_request(body, {HEADER: ""}), SECRETS, NOW)
    assert empty.value.status == 401
    for wrong in ("Zq8-xT2_kP9mW4vR7nB", "zq8-xT2_kP9mW4vR7nB3", "Zq8-xT2_kP9mW4vR7nB3 "):
        with pytest.raises(SignatureError) as caught:
            telegram.verify(_request(body, {HEADER: wrong}), SECRETS, NOW)
        assert caught.value.status == 403
    telegram.verify(_request(body, {"X-Telegram-Bot-Api-Secret-Token": SECRETS["secret_token"]}), SECRETS, NOW)


def test_unconfigured_secret_fails_closed() -> None:
    with pytest.raises(SignatureError) as caught:
        telegram.verify(_request(_document("message__private.json"), {HEADER: "anything"}), {}, NOW)
    assert caught.value.status == 401


def test_no_handshake_and_an_empty_acknowledgement() -> None:
    assert telegram.handshake(WebhookRequest("GET", b""), SECRETS) is None
    assert telegram.handshake(_request(_document("message__private.json")), SECRETS) is None
    assert (telegram.ACK.status, telegram.ACK.body) == (200, "")  # a JSON body would be read as a method call


def test_account_id_is_the_shared_chat_and_none_for_private_chats() -> None:
    def account(name: str) -> str | None:
        return telegram.account_id(_request(_document(name)))

    assert account("message__private.json") is None
    assert account("edited_message__private.json") is None
    assert account("message__discussion_comment.json") == str(DISCUSSION)
    assert account("message__private_supergroup.json") == str(SUPPORT)
    assert account("channel_post__announcement.json") == str(CHANNEL)
    assert account("edited_channel_post__announcement.json") == str(CHANNEL)
    assert account("message_reaction__thumbs_up.json") is None  # ignored: never refused
    assert telegram.account_id(WebhookRequest("POST", b"\xff")) is None


def test_private_chats_take_the_brand_from_the_url_and_groups_must_be_the_brands() -> None:
    private = _request(_document("message__private.json"))
    group = _request(_document("message__discussion_comment.json"))
    assert not isinstance(_find_brand(telegram, "acme", private), str)
    assert isinstance(_find_brand(telegram, None, private), str)  # no brand URL: refused
    found = _find_brand(telegram, None, group)
    assert not isinstance(found, str) and found.slug == "acme"
    stranger = _document("message__discussion_comment.json")
    stranger["message"]["chat"]["id"] = -1001111111111
    assert _find_brand(telegram, "acme", _request(stranger)) == "account -1001111111111 does not belong to brand acme"


def test_edits_keep_the_identity() -> None:
    original, edited = _one("message__private.json"), _one("edited_message__private.json")
    assert (original.action, edited.action) == (Action.NEW, Action.EDIT)
    assert original.identity == edited.identity == "acme#telegram#5137729046:1542"
    assert original.created_at == edited.created_at  # the post's time, not the edit's
    assert original.text != edited.text
    post, edited_post = _one("channel_post__announcement.json"), _one("edited_channel_post__announcement.json")
    assert post.identity == edited_post.identity and edited_post.action is Action.EDIT


def test_discussion_comment_and_a_reply_in_its_thread_share_a_root() -> None:
    comment, reply = _one("message__discussion_comment.json"), _one("message__discussion_reply.json")
    assert comment.thread.root_id == reply.thread.root_id == f"{DISCUSSION}:3301"
    assert (comment.kind, reply.kind) == (Kind.COMMENT, Kind.REPLY)
    assert reply.thread.parent_id == f"{DISCUSSION}:3321"
    assert comment.thread_key == reply.thread_key  # same author, same post: one ticket thread


def test_first_level_comment_without_thread_id_still_roots_at_the_forwarded_copy() -> None:
    document = _document("message__discussion_comment.json")
    del document["message"]["message_thread_id"]
    assert _one(document).thread.root_id == f"{DISCUSSION}:3301"


def test_private_chat_messages_form_one_conversation() -> None:
    first, photo = _one("message__private.json"), _one("message__private_photo_caption.json")
    assert first.thread.root_id == "5137729046" and first.kind is Kind.MESSAGE
    assert photo.thread.root_id == "1402288157" and photo.thread.parent_id == "1402288157:1560"
    assert photo.text.startswith("Пицца приехала холодной")  # the caption
    assert (first.author.name, first.author.handle, first.author.id) == ("Emily Carter", "emcarter", "5137729046")


@pytest.mark.parametrize("name", ["message__automatic_forward.json", "message__new_member.json"])
def test_copies_of_channel_posts_and_service_messages_are_not_mentions(name: str) -> None:
    assert _parse(name) == ()


@pytest.mark.parametrize(
    ("name", "author"),
    [
        ("message__bot_own.json", "7012345678"),
        ("message__channel_answer.json", str(CHANNEL)),
        ("message__anonymous_admin.json", str(SUPPORT)),
    ],
)
def test_the_brands_own_bot_channel_and_admins_come_back_as_by_brand(name: str, author: str) -> None:
    """Our reply (or a person answering by hand) is kept, under the `<chat>:<message>` id a sent
    reply is stored with, and marked so it is never scored as a customer mention."""
    document = _document(name)
    mention = _one(document)
    assert mention.by_brand and mention.author.id == author
    assert mention.external_id == f"{document['message']['chat']['id']}:{document['message']['message_id']}"


def test_a_customer_is_not_by_brand() -> None:
    assert not _one("message__discussion_comment.json").by_brand


def test_a_customer_commenting_as_their_own_channel_is_kept() -> None:
    document = _document("message__discussion_comment.json")
    document["message"]["from"] = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
    document["message"]["sender_chat"] = {
        "id": -1002233445566,
        "title": "Igor eats",
        "username": "igoreats",
        "type": "channel",
    }
    mention = _one(document)
    assert (mention.author.id, mention.author.handle) == ("-1002233445566", "igoreats")


def test_media_without_caption_is_kept_with_empty_text() -> None:
    document = _document("message__private_photo_caption.json")
    del document["message"]["caption"]
    assert _one(document).text == ""


def test_permalinks() -> None:
    assert _one("message__private.json").url is None
    assert _one("message__discussion_comment.json").url == "https://t.me/acmepizza_chat/3318"
    assert _one("message__private_supergroup.json").url == "https://t.me/c/1934221457/412"
    assert _one("channel_post__announcement.json").url == "https://t.me/acmepizza/892"
    basic = _document("message__private_supergroup.json")
    basic["message"]["chat"] = {"id": -4051234567, "title": "Acme couriers", "type": "group"}
    assert _one(basic).url is None  # basic groups have no message links


def test_channel_post_is_its_own_root_authored_by_the_channel() -> None:
    post = _one("channel_post__announcement.json")
    assert post.kind is Kind.POST
    assert post.thread.root_id == post.external_id == f"{CHANNEL}:892"
    assert (post.author.id, post.author.name) == (str(CHANNEL), "Acme Pizza")


def test_ignored_unsupported_and_malformed_updates() -> None:
    assert _parse("message_reaction__thumbs_up.json") == ()
    with pytest.raises(UnsupportedEventError) as caught:
        _parse("business_message__unsupported.json")
    assert caught.value.event_type == "business_message"
    with pytest.raises(MalformedPayloadError, match="update_id"):
        _parse({"message": _document("message__private.json")["message"]})
    with pytest.raises(MalformedPayloadError, match="no update field"):
        _parse({"update_id": 1})
    broken = _document("message__private.json")
    del broken["message"]["chat"]
    with pytest.raises(MalformedPayloadError, match="message: missing or invalid field"):
        _parse(broken)
