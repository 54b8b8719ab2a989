"""VK answers and moderation, builders and readers alone (the wire is in test_reply_contracts.py):
which method and token each kind of mention needs, what is missing, how VK's errors read."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from functions.connectors import vk
from functions.core.mention import Author
from functions.core.polls import HttpRequest, HttpResponse
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from functions.core.webhooks import WebhookRequest
from tests.contract import FIXTURES, NOW

GROUP = "218000001"
SECRETS = {"community_token": "community", "user_token": "user"}
OUTBOUND = "0123456789abcdef0123456789abcdef"


def _target(fixture: str) -> Target:
    body = (FIXTURES / "vk" / fixture).read_bytes()
    (mention,) = vk.parse(WebhookRequest("POST", body, {"content-type": "application/json"}), "acme")
    return Target.of(mention, account=GROUP)


def _reply(target: Target, secrets: dict[str, str] | None = None, *, private: bool = False) -> HttpRequest:
    return vk.reply_request(
        target, "Спасибо!", OUTBOUND, {}, SECRETS if secrets is None else secrets, NOW, private=private
    )


def _method(request: HttpRequest) -> str:
    return request.url.rsplit("/", 1)[-1]


def _answer(body: object, status: int = 200) -> HttpResponse:
    return HttpResponse(status, json.dumps(body).encode())


def test_a_wall_comment_is_answered_in_its_thread_as_the_community_with_our_guid() -> None:
    target = _target("wall_reply_new__reply_in_thread.json")
    request = _reply(target)
    assert request.method == "POST" and _method(request) == "wall.createComment"
    assert request.form is not None
    form = dict(request.form)
    assert form == {
        "owner_id": "-218000001",
        "post_id": "513",
        "from_group": GROUP,
        "reply_to_comment": target.external_id.rsplit("_c", 1)[1],
        "message": "Спасибо!",
        "guid": OUTBOUND,
        "v": vk.VERSION,
        "access_token": "community",
    }


def test_a_wall_post_gets_a_top_level_comment() -> None:
    request = _reply(_target("wall_post_new__suggested_by_user.json"))
    assert _method(request) == "wall.createComment" and request.form is not None
    assert (
        "reply_to_comment" not in request.form
        and request.form["post_id"] == _target("wall_post_new__suggested_by_user.json").external_id.rsplit("_", 1)[1]
    )


@pytest.mark.parametrize(
    ("fixture", "method", "item"),
    [
        ("board_post_new__topic_comment.json", "board.createComment", "topic_id"),
        ("photo_comment_new__comment.json", "photos.createComment", "photo_id"),
        ("video_comment_new__comment.json", "video.createComment", "video_id"),
        ("market_comment_new__comment.json", "market.createComment", "item_id"),
    ],
)
def test_board_photo_video_and_product_comments_need_the_admins_user_token(
    fixture: str, method: str, item: str
) -> None:
    target = _target(fixture)
    request = _reply(target)
    assert _method(request) == method and request.form is not None
    assert request.form["access_token"] == "user" and request.form["guid"] == OUTBOUND
    assert request.form[item] == vk.place(target.external_id).item.__str__()
    with pytest.raises(CannotReplyError, match="user_token") as missing:
        _reply(target, {"community_token": "community"})
    assert missing.value.failure is Failure.UNSUPPORTED and "comment" in missing.value.reason


def test_a_message_is_quoted_by_its_conversation_message_id_with_a_stable_random_id() -> None:
    target = _target("message_new__group_chat_reply.json")
    where = vk.place(target.external_id)
    request = _reply(target)
    assert _method(request) == "messages.send" and request.form is not None
    assert request.form["peer_ids"] == str(where.owner) and request.form["access_token"] == "community"
    forward = json.loads(request.form["forward"])
    assert forward == {"peer_id": where.owner, "conversation_message_ids": [where.item], "is_reply": True}
    assert request.form["random_id"] == _reply(target).form["random_id"] == str(vk.random_id(OUTBOUND))  # type: ignore[index]


def test_random_id_is_a_positive_int32_that_differs_per_outbound_id() -> None:
    ids = {vk.random_id(f"{n:032x}") for n in range(500)}
    assert len(ids) == 500 and all(0 < i < 2**31 for i in ids)


def test_a_message_is_never_sent_with_the_admins_user_token() -> None:
    with pytest.raises(CannotReplyError, match="community_token"):
        _reply(_target("message_new__private.json"), {"user_token": "user"})


def test_private_answers_a_comment_in_the_authors_messages() -> None:
    target = _target("wall_reply_new__top_level.json")
    request = _reply(target, private=True)
    assert _method(request) == "messages.send" and request.form is not None
    assert request.form["peer_ids"] == target.author.id and "forward" not in request.form
    community = replace(target, author=Author(id="-5550001"))
    with pytest.raises(CannotReplyError, match="person"):
        _reply(community, private=True)


def test_a_wall_comment_falls_back_to_the_user_token_and_names_the_community_one_when_none() -> None:
    target = _target("wall_reply_new__top_level.json")
    assert _reply(target, {"user_token": "user"}).form["access_token"] == "user"  # type: ignore[index]
    with pytest.raises(CannotReplyError, match="community_token or user_token secret"):
        _reply(target, {})


def test_an_id_this_connector_never_builds_cannot_be_answered() -> None:
    target = replace(_target("wall_reply_new__top_level.json"), external_id="status123")
    with pytest.raises(CannotReplyError) as refused:
        _reply(target)
    assert refused.value.failure is Failure.INVALID


@pytest.mark.parametrize(
    ("code", "failure"),
    [
        (5, Failure.AUTH),
        (6, Failure.RATE),
        (9, Failure.RATE),
        (29, Failure.RATE),
        (7, Failure.PERM),
        (15, Failure.PERM),
        (27, Failure.PERM),
        (28, Failure.PERM),
        (212, Failure.GONE),
        (213, Failure.GONE),
        (801, Failure.GONE),
        (1401, Failure.GONE),
        (104, Failure.GONE),
        (901, Failure.GONE),
        (914, Failure.INVALID),
        (100, Failure.INVALID),
        (1, Failure.TRANSIENT),
        (10, Failure.TRANSIENT),
        (99999, Failure.INVALID),
    ],
)
def test_vk_error_codes_become_reply_failures(code: int, failure: Failure) -> None:
    result = vk.reply_result(_answer({"error": {"error_code": code, "error_msg": "said", "request_params": []}}))
    assert isinstance(result, Refused) and result.failure is failure
    assert f"VK error {code}" in result.reason
    assert (result.retry_after is not None) == (failure is Failure.RATE)


def test_http_failures_and_garbage_are_retried() -> None:
    for response in (HttpResponse(502, b"bad gateway"), HttpResponse(200, b"<html>"), _answer({"response": None})):
        result = vk.reply_result(response)
        assert isinstance(result, Refused) and result.retried


@pytest.mark.parametrize(
    ("fixture", "answer", "suffix"),
    [
        ("wall_reply_new__top_level.json", {"comment_id": 9200, "parents_stack": []}, "_c9200"),
        ("photo_comment_new__comment.json", 77, "_c77"),
        ("board_post_new__topic_comment.json", 31, "_p31"),
    ],
)
def test_the_created_comment_is_named_as_the_webhook_will_name_it(fixture: str, answer: object, suffix: str) -> None:
    target = _target(fixture)
    assert vk.reply_result(_answer({"response": answer}), target) == Posted(
        vk.place(target.external_id).prefix + suffix
    )


def test_the_sent_message_is_named_by_peer_and_conversation_message_id() -> None:
    target = _target("message_new__private.json")
    peer = vk.place(target.external_id).owner
    sent = _answer({"response": [{"peer_id": peer, "message_id": 501, "conversation_message_id": 48}]})
    assert vk.reply_result(sent, target) == Posted(f"msg{peer}_48")
    refused = _answer({"response": [{"peer_id": peer, "error": {"code": 902, "description": "privacy"}}]})
    result = vk.reply_result(refused, target)
    assert isinstance(result, Refused) and result.failure is Failure.GONE


@pytest.mark.parametrize(
    ("fixture", "action", "method", "token"),
    [
        ("wall_reply_new__top_level.json", "delete", "wall.deleteComment", "user"),
        ("wall_reply_new__top_level.json", "restore", "wall.restoreComment", "user"),
        ("photo_comment_new__comment.json", "delete", "photos.deleteComment", "user"),
        ("board_post_new__topic_comment.json", "delete", "board.deleteComment", "community"),
        ("wall_post_new__suggested_by_user.json", "delete", "wall.delete", "user"),
        ("message_new__private.json", "delete", "messages.delete", "community"),
        ("wall_reply_new__top_level.json", "ban", "groups.ban", "user"),
        ("wall_reply_new__top_level.json", "unban", "groups.unban", "user"),
    ],
)
def test_moderation_methods_and_tokens(fixture: str, action: str, method: str, token: str) -> None:
    target = _target(fixture)
    request = vk.moderation_request(action, target, {}, SECRETS)
    assert _method(request) == method and request.form is not None and request.form["access_token"] == token
    if action in ("ban", "unban"):
        assert (request.form["group_id"], request.form["owner_id"]) == (GROUP, target.author.id)


def test_vk_has_no_hide_and_bans_need_the_user_token() -> None:
    target = _target("wall_reply_new__top_level.json")
    assert "hide" not in vk.MODERATION and set(vk.MODERATION) <= {"delete", "restore", "ban", "unban"}
    with pytest.raises(CannotReplyError, match="no 'hide'"):
        vk.moderation_request("hide", target, {}, SECRETS)
    with pytest.raises(CannotReplyError, match="user_token"):
        vk.moderation_request("ban", target, {}, {"community_token": "community"})


def test_moderation_results() -> None:
    target = _target("wall_reply_new__top_level.json")
    assert vk.moderation_result("delete", _answer({"response": 1}), target) == Posted(target.external_id)
    assert vk.moderation_result("ban", _answer({"response": 1}), target) == Posted(target.author.id)
    not_deleted = _answer({"error": {"error_code": 243, "error_msg": "Comment has not been deleted"}})
    assert vk.moderation_result("restore", not_deleted, target) == Posted(target.external_id)
    missing = vk.moderation_result("delete", _answer({"response": 0}), target)
    assert isinstance(missing, Refused) and missing.failure is Failure.GONE
