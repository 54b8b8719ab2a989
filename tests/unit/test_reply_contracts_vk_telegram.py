"""The reply and moderation requests on the wire: built by the connectors, sent with the production
`fetch` to the contract servers in tests/replies/ (which check them against the vendors' specs),
and read back by the connectors. Our own VK reply also comes back through `parse` as by_brand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from functions.connectors import ok, telegram, vk
from functions.core.mention import Author
from functions.core.polls import HttpRequest
from functions.core.replies import Failure, Posted, Refused, Target
from functions.core.webhooks import WebhookRequest
from functions.runtime.fetch import fetch
from tests.contract import FIXTURES, NOW
from tests.fakeapi import FakeApiServer, fake_api
from tests.replies import ok_api, telegram_api, vk_api

OUTBOUND = "5f0e9a7c2b1d4e3f8a6b5c4d3e2f1a0b"
VK_SECRET = "vk-callback-secret-for-replies"


@pytest.fixture
def server() -> Iterator[FakeApiServer]:
    with fake_api() as running:
        yield running


def _target(network: str, fixture: str, account: str = "") -> Target:
    connector = {"vk": vk, "telegram": telegram, "ok": ok}[network]
    body = (FIXTURES / network / fixture).read_bytes()
    (mention,) = connector.parse(WebhookRequest("POST", body, {"content-type": "application/json"}), "acme")
    return Target.of(mention, account=account)


# ------------------------------------------------------------------------------------------------ VK


def _vk(server: FakeApiServer) -> vk_api.Fake:
    fake = vk_api.Fake(NOW)
    server.handler = fake.handle
    return fake


def _vk_reply(fake: vk_api.Fake, server: FakeApiServer, fixture: str, **options: bool) -> tuple[Target, object]:
    target = _target("vk", fixture, str(vk_api.GROUP))
    request = vk.reply_request(
        target, "Спасибо, разбираемся!", OUTBOUND, fake.settings(server.url), fake.secrets, NOW, **options
    )
    return target, vk.reply_result(fetch(request), target)


@pytest.mark.parametrize(
    "fixture",
    [
        "wall_reply_new__top_level.json",
        "wall_reply_new__reply_in_thread.json",
        "wall_post_new__suggested_by_user.json",
        "board_post_new__topic_comment.json",
        "photo_comment_new__comment.json",
        "video_comment_new__comment.json",
        "market_comment_new__comment.json",
        "message_new__private.json",
        "message_new__group_chat_reply.json",
    ],
)
def test_vk_reply_is_accepted_and_comes_back_by_brand_under_the_stored_id(server: FakeApiServer, fixture: str) -> None:
    fake = _vk(server)
    _, posted = _vk_reply(fake, server, fixture)
    assert isinstance(posted, Posted), posted
    (created,) = fake.created
    assert created.text == "Спасибо, разбираемся!"
    signed = fake.delivery(created, VK_SECRET)
    request = WebhookRequest("POST", signed.body, {k.lower(): v for k, v in signed.headers.items()})
    vk.verify(request, {"secret": VK_SECRET}, NOW)
    (echo,) = vk.parse(request, "acme")
    assert echo.by_brand and echo.external_id == posted.external_id


def test_vk_the_same_outbound_id_twice_posts_one_comment(server: FakeApiServer) -> None:
    fake = _vk(server)
    _, first = _vk_reply(fake, server, "wall_reply_new__top_level.json")
    _, again = _vk_reply(fake, server, "wall_reply_new__top_level.json")
    assert first == again and len(fake.created) == 1
    assert vk.REPLY_IDEMPOTENT


def test_vk_the_same_outbound_id_twice_sends_one_message(server: FakeApiServer) -> None:
    fake = _vk(server)
    _, first = _vk_reply(fake, server, "message_new__private.json")
    _, again = _vk_reply(fake, server, "message_new__private.json")
    assert first == again and len(fake.created) == 1


def test_vk_a_community_token_on_a_user_only_method_is_refused(server: FakeApiServer) -> None:
    fake = _vk(server)
    target = _target("vk", "photo_comment_new__comment.json", str(vk_api.GROUP))
    request = vk.reply_request(target, "x", OUTBOUND, fake.settings(server.url), fake.secrets, NOW)
    assert request.form is not None
    wrong = replace(request, form={**request.form, "access_token": vk_api.COMMUNITY_TOKEN})
    result = vk.reply_result(fetch(wrong), target)
    assert isinstance(result, Refused) and result.failure is Failure.PERM and "VK error 27" in result.reason
    assert fake.created == []


def test_vk_fake_refuses_undeclared_and_missing_parameters(server: FakeApiServer) -> None:
    """The server side of the spec check: without it, the acceptance above would prove nothing."""
    fake = _vk(server)
    target = _target("vk", "wall_reply_new__top_level.json", str(vk_api.GROUP))
    request = vk.reply_request(target, "x", OUTBOUND, fake.settings(server.url), fake.secrets, NOW)
    assert request.form is not None
    for form in ({**request.form, "reply_to": "1"}, {k: v for k, v in request.form.items() if k != "post_id"}):
        result = vk.reply_result(fetch(replace(request, form=form)), target)
        assert isinstance(result, Refused) and "VK error 100" in result.reason


def test_vk_a_message_over_the_limit_is_invalid(server: FakeApiServer) -> None:
    fake = _vk(server)
    target = _target("vk", "message_new__private.json", str(vk_api.GROUP))
    text = "я" * (vk.REPLY_LIMIT + 1)
    result = vk.reply_result(
        fetch(vk.reply_request(target, text, OUTBOUND, fake.settings(server.url), fake.secrets, NOW))
    )
    assert isinstance(result, Refused) and result.failure is Failure.INVALID and fake.created == []


@pytest.mark.parametrize(
    ("mode", "fixture", "failure"),
    [
        ("closed", "wall_reply_new__top_level.json", Failure.GONE),
        ("closed", "video_comment_new__comment.json", Failure.GONE),
        ("closed", "message_new__private.json", Failure.GONE),
        ("revoked", "wall_reply_new__top_level.json", Failure.AUTH),
        ("rate", "wall_reply_new__top_level.json", Failure.RATE),
    ],
)
def test_vk_failure_modes(server: FakeApiServer, mode: str, fixture: str, failure: Failure) -> None:
    fake = _vk(server)
    fake.mode = mode
    _, result = _vk_reply(fake, server, fixture)
    assert isinstance(result, Refused) and result.failure is failure and fake.created == []
    assert result.retried == (failure is Failure.RATE)


def test_vk_private_answer_to_a_comment_goes_to_the_authors_messages(server: FakeApiServer) -> None:
    fake = _vk(server)
    target, posted = _vk_reply(fake, server, "wall_reply_new__top_level.json", private=True)
    (sent,) = fake.created
    assert sent.section == "messages" and sent.owner == int(target.author.id)
    assert posted == Posted(f"msg{target.author.id}_{sent.id}")


def test_vk_moderation_round_trip(server: FakeApiServer) -> None:
    fake = _vk(server)
    target = _target("vk", "wall_reply_new__top_level.json", str(vk_api.GROUP))
    settings = fake.settings(server.url)

    def act(action: str) -> object:
        return vk.moderation_result(
            action, fetch(vk.moderation_request(action, target, settings, fake.secrets)), target
        )

    assert act("restore") == Posted(target.external_id)  # never deleted: VK's 243 is the state asked for
    assert act("delete") == Posted(target.external_id) and fake.deleted
    assert act("restore") == Posted(target.external_id) and not fake.deleted
    assert act("ban") == Posted(target.author.id) and fake.banned == {int(target.author.id)}
    assert act("unban") == Posted(target.author.id) and not fake.banned


# ------------------------------------------------------------------------------------------ Telegram


def _telegram(server: FakeApiServer, target: Target) -> telegram_api.Fake:
    fake = telegram_api.Fake(NOW)
    chat, message = target.external_id.split(":")
    fake.seed({"id": int(chat), "type": "supergroup", "title": "Acme Pizza"}, int(message))
    server.handler = fake.handle
    return fake


def _send(
    fake: telegram_api.Fake, server: FakeApiServer, target: Target, text: str = "Спасибо!", **options: bool
) -> object:
    request = telegram.reply_request(target, text, OUTBOUND, fake.settings(server.url), fake.secrets, NOW, **options)
    return telegram.reply_result(fetch(request), target)


def test_telegram_reply_is_accepted_and_named_by_chat_and_message(server: FakeApiServer) -> None:
    target = _target("telegram", "message__discussion_reply.json")
    fake = _telegram(server, target)
    posted = _send(fake, server, target)
    (sent,) = fake.sent
    assert isinstance(posted, Posted) and posted.external_id == f"{sent.chat}:{sent.message_id}"
    assert sent.body["reply_parameters"]["message_id"] == int(target.external_id.split(":")[1])


def test_telegram_has_no_idempotency_the_same_request_posts_twice(server: FakeApiServer) -> None:
    target = _target("telegram", "message__discussion_reply.json")
    fake = _telegram(server, target)
    first, again = _send(fake, server, target), _send(fake, server, target)
    assert first != again and len(fake.sent) == 2  # why the worker must never resend blindly


def test_telegram_text_over_4096_is_invalid(server: FakeApiServer) -> None:
    target = _target("telegram", "message__discussion_reply.json")
    fake = _telegram(server, target)
    assert isinstance(_send(fake, server, target, "я" * telegram.REPLY_LIMIT), Posted)
    result = _send(fake, server, target, "я" * (telegram.REPLY_LIMIT + 1))
    assert isinstance(result, Refused) and result.failure is Failure.INVALID


def test_telegram_fake_refuses_fields_the_spec_does_not_declare(server: FakeApiServer) -> None:
    target = _target("telegram", "message__discussion_reply.json")
    fake = _telegram(server, target)
    request = telegram.reply_request(target, "x", OUTBOUND, fake.settings(server.url), fake.secrets, NOW)
    legacy = replace(request, json_body={**request.json_body, "reply_to_message_id": 1})
    result = telegram.reply_result(fetch(legacy))
    assert isinstance(result, Refused) and result.failure is Failure.INVALID and fake.sent == []


@pytest.mark.parametrize(
    ("mode", "failure", "retry_after"),
    [
        ("gone", Failure.GONE, None),
        ("blocked", Failure.GONE, None),
        ("kicked", Failure.PERM, None),
        ("revoked", Failure.AUTH, None),
        ("rate", Failure.RATE, float(telegram_api.RETRY_AFTER)),
    ],
)
def test_telegram_failure_modes(server: FakeApiServer, mode: str, failure: Failure, retry_after: float | None) -> None:
    target = _target("telegram", "message__discussion_reply.json")
    fake = _telegram(server, target)
    fake.mode = mode
    result = _send(fake, server, target)
    assert isinstance(result, Refused) and (result.failure, result.retry_after) == (failure, retry_after)


def test_telegram_private_needs_a_customer_who_started_the_bot(server: FakeApiServer) -> None:
    target = _target("telegram", "message__discussion_reply.json")
    fake = _telegram(server, target)
    refused = _send(fake, server, target, private=True)
    assert isinstance(refused, Refused) and refused.failure is Failure.GONE
    fake.started.add(int(target.author.id))
    assert _send(fake, server, target, private=True) == Posted(f"{target.author.id}:{fake.sent[0].message_id}")


@pytest.mark.parametrize("author", ["5137729046", "-1002233445566"])
def test_telegram_moderation_round_trip(server: FakeApiServer, author: str) -> None:
    target = replace(_target("telegram", "message__discussion_reply.json"), author=Author(id=author))
    fake = _telegram(server, target)
    settings, chat = fake.settings(server.url), int(target.external_id.split(":")[0])

    def act(action: str) -> object:
        request = telegram.moderation_request(action, target, settings, fake.secrets)
        return telegram.moderation_result(action, fetch(request), target)

    assert act("ban") == Posted(author) and fake.banned == {(chat, int(author))}
    assert act("unban") == Posted(author) and not fake.banned
    assert act("delete") == Posted(target.external_id)
    gone = act("delete")
    assert isinstance(gone, Refused) and gone.failure is Failure.GONE


# ------------------------------------------------------------------------------------------------ OK


def _ok(server: FakeApiServer, target: Target) -> tuple[ok_api.Fake, HttpRequest]:
    fake = ok_api.Fake(NOW)
    fake.chats.add(target.thread.root_id or "")
    server.handler = fake.handle
    return fake, ok.reply_request(target, "Спасибо!", OUTBOUND, fake.settings(server.url), fake.secrets, NOW)


def test_ok_message_is_sent_into_the_customers_chat(server: FakeApiServer) -> None:
    target = _target("ok", "MESSAGE_CREATED__text.json")
    fake, request = _ok(server, target)
    assert ok.reply_result(fetch(request)) == Posted(fake.sent[0].mid)
    assert (
        fake.sent[0].chat == target.thread.root_id
        and json.loads(server.requests[0].body)["message"]["text"] == "Спасибо!"
    )


@pytest.mark.parametrize(("mode", "failure"), [("revoked", Failure.AUTH), ("rate", Failure.RATE)])
def test_ok_failure_modes(server: FakeApiServer, mode: str, failure: Failure) -> None:
    fake, request = _ok(server, _target("ok", "MESSAGE_CREATED__text.json"))
    fake.mode = mode
    result = ok.reply_result(fetch(request))
    assert isinstance(result, Refused) and result.failure is failure and fake.sent == []
