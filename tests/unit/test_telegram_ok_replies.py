"""Telegram and OK answers, builders and readers alone (the wire is in test_reply_contracts.py)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from functions.connectors import ok, telegram
from functions.core.mention import Author, Kind
from functions.core.polls import HttpResponse
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.core.webhooks import WebhookRequest
from tests.contract import FIXTURES, NOW

BOT = {"bot_token": "123:abc"}
OUTBOUND = "0123456789abcdef0123456789abcdef"


def _target(network: str, fixture: str) -> Target:
    connector = {"telegram": telegram, "ok": ok}[network]
    body = (FIXTURES / network / fixture).read_bytes()
    (mention,) = connector.parse(WebhookRequest("POST", body, {"content-type": "application/json"}), "acme")
    return Target.of(mention)


def _telegram(status: int, body: object) -> HttpResponse:
    return HttpResponse(status, json.dumps(body).encode())


def test_telegram_replies_to_the_comment_in_its_chat_and_never_without_the_reply() -> None:
    target = _target("telegram", "message__discussion_reply.json")
    chat, message = target.external_id.split(":")
    request = telegram.reply_request(target, "Спасибо!", OUTBOUND, {}, BOT, NOW)
    assert request.url == "https://api.telegram.org/bot123:abc/sendMessage" and request.method == "POST"
    assert request.json_body == {
        "chat_id": int(chat),
        "text": "Спасибо!",
        "reply_parameters": {"message_id": int(message), "allow_sending_without_reply": False},
    }


def test_telegram_names_the_forum_topic_only_in_chats_listed_as_forums() -> None:
    target = _target("telegram", "message__discussion_comment.json")
    chat, topic = (target.thread.root_id or "").split(":")
    assert "message_thread_id" not in telegram.reply_request(target, "x", OUTBOUND, {}, BOT, NOW).json_body
    forum = telegram.reply_request(target, "x", OUTBOUND, {"forums": [chat]}, BOT, NOW)
    assert forum.json_body["message_thread_id"] == int(topic)


def test_telegram_private_writes_to_the_author_and_refuses_channels_and_posts() -> None:
    target = _target("telegram", "message__discussion_reply.json")
    request = telegram.reply_request(target, "x", OUTBOUND, {}, BOT, NOW, private=True)
    assert request.json_body == {"chat_id": int(target.author.id), "text": "x"}
    with pytest.raises(CannotReplyError, match="person"):
        telegram.reply_request(
            replace(target, author=Author(id="-1002233445566")), "x", OUTBOUND, {}, BOT, NOW, private=True
        )
    post = _target("telegram", "channel_post__announcement.json")
    with pytest.raises(CannotReplyError, match="discussion group"):
        telegram.reply_request(post, "x", OUTBOUND, {}, BOT, NOW)
    with pytest.raises(CannotReplyError, match="bot_token"):
        telegram.reply_request(target, "x", OUTBOUND, {}, {}, NOW)


def test_telegram_has_no_idempotency_nor_lookup() -> None:
    assert telegram.REPLY_IDEMPOTENT is False and not hasattr(telegram, "lookup_request")
    assert telegram.REPLY_LIMIT == 4096


@pytest.mark.parametrize(
    ("status", "description", "failure"),
    [
        (429, "Too Many Requests: retry after 35", Failure.RATE),
        (401, "Unauthorized", Failure.AUTH),
        (404, "Not Found", Failure.AUTH),
        (403, "Forbidden: bot was blocked by the user", Failure.GONE),
        (403, "Forbidden: bot can't initiate conversation with a user", Failure.GONE),
        (403, "Forbidden: bot was kicked from the supergroup chat", Failure.PERM),
        (400, "Bad Request: message to be replied not found", Failure.GONE),
        (400, "Bad Request: TOPIC_CLOSED", Failure.GONE),
        (400, "Bad Request: message is too long", Failure.INVALID),
        (400, "Bad Request: not enough rights to restrict/unrestrict chat member", Failure.PERM),
        (400, "Bad Request: can't parse entities", Failure.INVALID),
        (502, "Bad Gateway", Failure.TRANSIENT),
    ],
)
def test_telegram_errors_become_reply_failures(status: int, description: str, failure: Failure) -> None:
    body: dict[str, object] = {"ok": False, "error_code": status, "description": description}
    if status == 429:
        body["parameters"] = {"retry_after": 35}
    result = telegram.reply_result(_telegram(status, body))
    assert isinstance(result, Refused) and result.failure is failure and description in result.reason
    assert result.retry_after == (35.0 if status == 429 else None)


def test_telegram_migrated_group_is_gone_with_its_new_id() -> None:
    body = {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat"}
    result = telegram.reply_result(_telegram(400, {**body, "parameters": {"migrate_to_chat_id": -1001234}}))
    assert isinstance(result, Refused) and result.failure is Failure.GONE and "-1001234" in result.reason


def test_telegram_posted_id_and_link() -> None:
    chat = {"id": -1001795048233, "type": "supergroup", "username": "acmepizza_chat"}
    result = telegram.reply_result(_telegram(200, {"ok": True, "result": {"message_id": 3400, "chat": chat}}))
    assert result == Posted("-1001795048233:3400", "https://t.me/acmepizza_chat/3400")


@pytest.mark.parametrize(
    ("author", "action", "method"),
    [
        ("5137729046", "ban", "banChatMember"),
        ("5137729046", "unban", "unbanChatMember"),
        ("-1002233445566", "ban", "banChatSenderChat"),
        ("-1002233445566", "unban", "unbanChatSenderChat"),
    ],
)
def test_telegram_bans_people_and_sender_chats(author: str, action: str, method: str) -> None:
    target = replace(_target("telegram", "message__discussion_reply.json"), author=Author(id=author))
    request = telegram.moderation_request(action, target, {}, BOT)
    assert request.url.endswith(f"/{method}")
    assert request.json_body.get("only_if_banned", True) is True


def test_telegram_moderation_limits() -> None:
    target = _target("telegram", "message__discussion_reply.json")
    assert telegram.moderation_request("delete", target, {}, BOT).json_body == dict(
        zip(("chat_id", "message_id"), map(int, target.external_id.split(":")), strict=True)
    )
    for action in ("hide", "restore"):
        with pytest.raises(CannotReplyError):
            telegram.moderation_request(action, target, {}, BOT)
    with pytest.raises(CannotReplyError, match="private chat"):
        telegram.moderation_request("ban", _target("telegram", "message__private.json"), {}, BOT)
    assert telegram.moderation_result("ban", _telegram(200, {"ok": True, "result": True}), target) == Posted(
        target.author.id
    )


def test_ok_answers_a_chat_message_in_its_chat() -> None:
    target = _target("ok", "MESSAGE_CREATED__text.json")
    request = ok.reply_request(target, "Спасибо!", OUTBOUND, {}, {"bot_token": "tkn"}, NOW)
    assert request.url == f"https://api.ok.ru/graph/me/messages/{target.thread.root_id}"
    assert request.params == {"access_token": "tkn"}
    assert request.json_body == {"recipient": {"chat_id": target.thread.root_id}, "message": {"text": "Спасибо!"}}
    with pytest.raises(CannotReplyError, match="bot_token"):
        ok.reply_request(target, "x", OUTBOUND, {}, {}, NOW)


def test_ok_refuses_group_discussions_with_the_reason() -> None:
    comment = replace(_target("ok", "MESSAGE_CREATED__text.json"), kind=Kind.COMMENT)
    with pytest.raises(CannotReplyError, match="no API for answering group posts or discussions") as refused:
        ok.reply_request(comment, "x", OUTBOUND, {}, {"bot_token": "tkn"}, NOW)
    assert refused.value.failure is Failure.UNSUPPORTED and ok.MODERATION == ()
    with pytest.raises(CannotReplyError):
        ok.moderation_request("delete", comment, {}, {"bot_token": "tkn"})


@pytest.mark.parametrize(
    ("body", "failure"),
    [
        ({"error_code": 102, "error_msg": "PARAM_SESSION_EXPIRED"}, Failure.AUTH),
        ({"error_code": 10, "error_msg": "PERMISSION_DENIED"}, Failure.PERM),
        ({"error_code": 11, "error_msg": "LIMIT_REACHED"}, Failure.RATE),
        ({"error_code": 2, "error_msg": "SERVICE"}, Failure.TRANSIENT),
        ({"error_code": 100, "error_msg": "PARAM"}, Failure.INVALID),
    ],
)
def test_ok_errors_become_reply_failures(body: dict[str, object], failure: Failure) -> None:
    result = ok.reply_result(HttpResponse(200, json.dumps(body).encode()))
    assert isinstance(result, Refused) and result.failure is failure


def test_ok_posted_names_the_mid_when_ok_gives_one() -> None:
    sent = {"chat_id": "chat:C3ecb9d02a600", "message_id": "mid:C3ecb9d02a600.15cea6fa5af4af4"}
    assert ok.reply_result(HttpResponse(200, json.dumps(sent).encode())) == Posted(sent["message_id"])
    assert ok.reply_result(HttpResponse(200, b"{}")) == Posted("")
