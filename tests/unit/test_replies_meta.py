"""Facebook and Instagram answering, without a server: which call each kind of mention gets, the
Send API windows decided by `now`, private replies, Meta's error codes as failure classes, and the
lost-answer lookup. The calls themselves are played against the contract servers in
test_reply_contracts.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.connectors import facebook, instagram
from functions.core.mention import Author, Kind, Thread
from functions.core.polls import HttpResponse
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from tests.replies import errors

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PAGE, IG = "104000000000001", "17841400000000001"
FB_SECRETS, IG_SECRETS = {"page_token": "page-tok"}, {"access_token": "ig-tok"}
GRAPH = errors("graph_errors.json")
OUT = "0123456789abcdef0123456789abcdef"


def _target(
    kind: Kind, external_id: str, *, parent: str | None = None, age: timedelta = timedelta(hours=1), **kw: Any
) -> Target:
    return Target(
        brand="acme",
        network=kw.pop("network", "facebook"),
        external_id=external_id,
        kind=kind,
        author=Author(id=kw.pop("author", "7412589630000011")),
        thread=Thread(root_id=kw.pop("root", "880000000000101"), parent_id=parent),
        url=None,
        created_at=NOW - age,
        account=kw.pop("account", PAGE),
    )


def _fb(target: Target, *, private: bool = False, text: str = "Sorry!") -> Any:
    return facebook.reply_request(target, text, OUT, {}, FB_SECRETS, NOW, private=private)


def _answer(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(status, json.dumps(body).encode(), headers or {})


# --- Facebook: where each kind is answered -----------------------------------------------------


def test_a_comment_is_answered_under_itself_a_reply_under_its_parent_a_post_under_the_post() -> None:
    comment = _target(Kind.COMMENT, "880000000000101_990000000000201", parent="104000000000001_880000000000101")
    reply = _target(Kind.REPLY, "880000000000101_990000000000202", parent="880000000000101_990000000000201")
    post = _target(Kind.POST, "104000000000001_880000000000102")
    urls = [_fb(t).url for t in (comment, reply, post)]
    assert urls == [
        "https://graph.facebook.com/v25.0/880000000000101_990000000000201/comments",
        "https://graph.facebook.com/v25.0/880000000000101_990000000000201/comments",
        "https://graph.facebook.com/v25.0/104000000000001_880000000000102/comments",
    ]
    request = _fb(comment)
    assert (request.method, dict(request.form or {})) == ("POST", {"message": "Sorry!"})
    assert request.headers["Authorization"] == "Bearer page-tok"
    assert "access_token" not in request.params  # never in a URL that gets logged


def test_the_graph_host_and_version_follow_the_settings() -> None:
    comment = _target(Kind.COMMENT, "1_2")
    settings = {"graph_api": "http://127.0.0.1:9/", "graph_version": "v26.0"}
    request = facebook.reply_request(comment, "Hi", OUT, settings, FB_SECRETS, NOW)
    assert request.url == "http://127.0.0.1:9/v26.0/1_2/comments"


def test_no_token_is_a_reason_on_the_ticket_not_a_crash() -> None:
    with pytest.raises(CannotReplyError) as caught:
        facebook.reply_request(_target(Kind.COMMENT, "1_2"), "Hi", OUT, {}, {}, NOW)
    assert caught.value.failure is Failure.AUTH and "page_token" in caught.value.reason


# --- Facebook: private replies and Messenger windows ----------------------------------------------


@pytest.mark.parametrize(("kind", "key"), [(Kind.COMMENT, "comment_id"), (Kind.POST, "post_id")])
def test_a_private_reply_within_7_days_goes_to_the_pages_messages(kind: Kind, key: str) -> None:
    request = _fb(_target(kind, "1_2", age=timedelta(days=6, hours=23)), private=True)
    assert (request.method, request.url) == ("POST", f"https://graph.facebook.com/v25.0/{PAGE}/messages")
    assert request.json_body == {
        "recipient": {key: "1_2"},
        "message": {"text": "Sorry!", "metadata": OUT},
        "messaging_type": "RESPONSE",
    }


def test_a_private_reply_after_7_days_says_the_window_closed() -> None:
    with pytest.raises(CannotReplyError) as caught:
        _fb(_target(Kind.COMMENT, "1_2", age=timedelta(days=7, seconds=1)), private=True)
    assert caught.value.failure is Failure.GONE and "window closed" in caught.value.reason


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(hours=23, minutes=59), {"messaging_type": "RESPONSE"}),
        (timedelta(hours=24, seconds=1), {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),
        (timedelta(days=7), {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),
    ],
)
def test_messenger_answers_within_24_hours_then_as_a_human_agent(age: timedelta, expected: dict[str, str]) -> None:
    message = _target(Kind.MESSAGE, "m_abc", age=age, root=f"m_{PAGE}_7412589630000011")
    body = _fb(message).json_body
    assert body["recipient"] == {"id": "7412589630000011"}
    assert body["message"] == {"text": "Sorry!", "metadata": OUT}  # echoed back with our outbound id
    assert {k: v for k, v in body.items() if k in ("messaging_type", "tag")} == expected


def test_messenger_after_7_days_cannot_be_answered_and_says_why() -> None:
    with pytest.raises(CannotReplyError) as caught:
        _fb(_target(Kind.MESSAGE, "m_abc", age=timedelta(days=8)))
    assert caught.value.failure is Failure.GONE and "7 days" in caught.value.reason


def test_without_the_page_id_no_message_can_be_sent() -> None:
    with pytest.raises(CannotReplyError, match="Page id"):
        _fb(_target(Kind.MESSAGE, "m_abc", account=""))


# --- Meta's answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "failure"),
    [
        (400, "token", Failure.AUTH),
        (400, "rate", Failure.RATE),
        (400, "gone", Failure.GONE),
        (400, "window", Failure.GONE),
        (400, "already_replied", Failure.DUP),
        (400, "already_posted", Failure.DUP),
        (400, "invalid", Failure.INVALID),
        (500, "temporary", Failure.TRANSIENT),
    ],
)
def test_graph_errors_become_failure_classes(status: int, name: str, failure: Failure) -> None:
    result = facebook.reply_result(_answer(status, GRAPH[name]))
    assert isinstance(result, Refused) and result.failure is failure
    assert str(GRAPH[name]["error"]["code"]) in result.reason


@pytest.mark.parametrize(
    ("code", "subcode", "message", "failure"),
    [
        (102, None, "Session key invalid", Failure.AUTH),
        (17, None, "User request limit reached", Failure.RATE),
        (32, None, "Page request limit reached", Failure.RATE),
        (613, None, "Calls to this api have exceeded the rate limit", Failure.RATE),
        (10, None, "(#10) Requires pages_messaging permission", Failure.PERM),
        (200, None, "(#200) Permissions error", Failure.PERM),
        (299, None, "(#299) Requires extended permission", Failure.PERM),
        (230, None, "(#230) Requires pages_messaging_subscriptions permission", Failure.PERM),
        (10903, None, "This activity can't be replied to", Failure.GONE),
        (551, None, "This person isn't available right now", Failure.GONE),
        (100, None, "(#100) Invalid parameter", Failure.INVALID),
        (1, None, "An unknown error occurred", Failure.TRANSIENT),
    ],
)
def test_every_documented_code_has_its_class(code: int, subcode: int | None, message: str, failure: Failure) -> None:
    error = {"message": message, "type": "OAuthException", "code": code, "error_subcode": subcode}
    result = instagram.reply_result(_answer(400, {"error": error}))
    assert isinstance(result, Refused) and result.failure is failure


def test_a_rate_limit_waits_as_long_as_the_usage_header_says() -> None:
    usage = json.dumps({PAGE: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]})
    result = facebook.reply_result(_answer(400, GRAPH["rate"], {"X-Business-Use-Case-Usage": usage}))
    assert isinstance(result, Refused) and result.retried and result.retry_after == 7 * 60


def test_answers_without_an_error_object() -> None:
    assert facebook.reply_result(HttpResponse(502, b"<html>Bad gateway</html>")) == Refused(
        Failure.TRANSIENT, "facebook: HTTP 502 without a Graph error object"
    )
    throttled = facebook.reply_result(HttpResponse(429, b""))
    assert isinstance(throttled, Refused) and throttled.failure is Failure.RATE
    unknown = facebook.reply_result(_answer(200, {"success": True}))
    assert isinstance(unknown, Refused) and unknown.failure is Failure.TRANSIENT  # no id: not known to be posted


def test_created_ids_are_the_ones_the_webhook_gives_back() -> None:
    assert facebook.reply_result(_answer(200, {"id": "880000000000101_990000000000777"})) == Posted(
        "880000000000101_990000000000777"
    )
    sent = {"recipient_id": "7412589630000011", "message_id": "m_Page1Answer"}
    assert facebook.reply_result(_answer(200, sent)) == Posted("m_Page1Answer")


# --- lookup after a lost answer -----------------------------------------------------------------


def test_lookup_finds_our_comment_by_author_and_text_only() -> None:
    target = _target(Kind.COMMENT, "1_2")
    request = facebook.lookup_request(target, OUT, {}, FB_SECRETS)
    assert request.url.endswith("/1_2/comments") and "from" in request.params["fields"]
    listed = {
        "data": [
            {"id": "1_5", "from": {"id": "999"}, "message": "Sorry!"},  # a customer quoting us
            {"id": "1_4", "from": {"id": PAGE}, "message": "Another answer"},
            {"id": "1_3", "from": {"id": PAGE, "name": "Acme"}, "message": "Sorry! "},
        ]
    }
    assert facebook.lookup_result(_answer(200, listed), target, OUT, text="Sorry!") == Posted("1_3")
    assert facebook.lookup_result(_answer(200, listed), target, OUT, text="Not sent") is None
    assert facebook.lookup_result(_answer(200, listed), target, OUT) is None  # no text: nothing to recognise
    assert facebook.lookup_result(_answer(400, GRAPH["token"]), target, OUT, text="Sorry!") is None


def test_messages_are_not_looked_up() -> None:
    with pytest.raises(CannotReplyError, match="echo"):
        facebook.lookup_request(_target(Kind.MESSAGE, "m_1"), OUT, {}, FB_SECRETS)


# --- Facebook moderation --------------------------------------------------------------------------


def test_facebook_moderation_calls() -> None:
    comment = _target(Kind.COMMENT, "1_2", author="6120000000000042")
    hide = facebook.moderation_request("hide", comment, {}, FB_SECRETS)
    unhide = facebook.moderation_request("unhide", comment, {}, FB_SECRETS)
    delete = facebook.moderation_request("delete", comment, {}, FB_SECRETS)
    ban = facebook.moderation_request("ban", comment, {}, FB_SECRETS)
    unban = facebook.moderation_request("unban", _target(Kind.MESSAGE, "m_1"), {}, FB_SECRETS)
    base = "https://graph.facebook.com/v25.0"
    assert (hide.method, hide.url, dict(hide.form or {})) == ("POST", f"{base}/1_2", {"is_hidden": "true"})
    assert dict(unhide.form or {}) == {"is_hidden": "false"}
    assert (delete.method, delete.url) == ("DELETE", f"{base}/1_2")
    assert (ban.method, ban.url, dict(ban.form or {})) == (
        "POST",
        f"{base}/{PAGE}/blocked",
        {"user": "6120000000000042"},
    )
    assert (unban.method, dict(unban.params)) == ("DELETE", {"psid": "7412589630000011"})
    assert set(facebook.MODERATION) == {"hide", "unhide", "delete", "ban", "unban"}


@pytest.mark.parametrize(
    ("action", "target"),
    [
        ("hide", _target(Kind.MESSAGE, "m_1")),
        ("hide", _target(Kind.POST, "1_2")),
        ("restore", _target(Kind.COMMENT, "1_2")),
        ("ban", _target(Kind.COMMENT, "1_2", author="unknown-1_2")),
    ],
)
def test_facebook_moderation_not_offered(action: str, target: Target) -> None:
    with pytest.raises(CannotReplyError):
        facebook.moderation_request(action, target, {}, FB_SECRETS)


def test_moderation_results_name_the_object_from_the_target() -> None:
    comment = _target(Kind.COMMENT, "1_2", author="61200")
    assert facebook.moderation_result("hide", _answer(200, {"success": True}), comment) == Posted("1_2")
    assert facebook.moderation_result("ban", _answer(200, {"success": True}), comment) == Posted("61200")
    refused = facebook.moderation_result("delete", _answer(400, GRAPH["gone"]), comment)
    assert isinstance(refused, Refused) and refused.failure is Failure.GONE
    assert isinstance(facebook.moderation_result("hide", _answer(200, {"success": False})), Refused)


# --- Instagram ----------------------------------------------------------------------------------


def _ig_target(
    kind: Kind, external_id: str, *, parent: str | None = None, age: timedelta = timedelta(hours=1)
) -> Target:
    return _target(kind, external_id, parent=parent, age=age, network="instagram", account=IG, root="18012345678900001")


def test_instagram_replies_go_under_the_top_level_comment() -> None:
    top = _ig_target(Kind.COMMENT, "17890000000000101", parent="18012345678900001")
    under = _ig_target(Kind.REPLY, "17890000000000102", parent="17890000000000101")
    for target in (top, under):
        request = instagram.reply_request(target, "Hi!", OUT, {}, IG_SECRETS, NOW)
        assert request.url == "https://graph.facebook.com/v25.0/17890000000000101/replies"
        assert dict(request.form or {}) == {"message": "Hi!"} and request.headers["Authorization"] == "Bearer ig-tok"


def test_instagram_private_reply_and_dm_windows() -> None:
    comment = _ig_target(Kind.COMMENT, "17890000000000101", age=timedelta(days=3))
    private = instagram.reply_request(comment, "Hi!", OUT, {}, IG_SECRETS, NOW, private=True)
    assert private.url == f"https://graph.facebook.com/v25.0/{IG}/messages"
    assert private.json_body == {
        "recipient": {"comment_id": "17890000000000101"},
        "message": {"text": "Hi!", "metadata": OUT},
    }
    with pytest.raises(CannotReplyError) as late:
        instagram.reply_request(
            _ig_target(Kind.COMMENT, "1", age=timedelta(days=8)), "Hi", OUT, {}, IG_SECRETS, NOW, private=True
        )
    assert late.value.failure is Failure.GONE
    dm = instagram.reply_request(
        _ig_target(Kind.MESSAGE, "aWdf", age=timedelta(hours=30)), "Hi", OUT, {}, IG_SECRETS, NOW
    )
    assert dm.json_body["recipient"] == {"id": "7412589630000011"} and dm.json_body["tag"] == "HUMAN_AGENT"


def test_instagram_moderation_has_no_ban() -> None:
    comment = _ig_target(Kind.COMMENT, "17890000000000101")
    hide = instagram.moderation_request("hide", comment, {}, IG_SECRETS)
    assert (hide.method, dict(hide.params)) == ("POST", {"hide": "true"})
    assert instagram.moderation_request("delete", comment, {}, IG_SECRETS).method == "DELETE"
    assert "ban" not in instagram.MODERATION
    with pytest.raises(CannotReplyError):
        instagram.moderation_request("ban", comment, {}, IG_SECRETS)


def test_instagram_lookup_reads_replies_by_our_account() -> None:
    target = _ig_target(Kind.REPLY, "17890000000000102", parent="17890000000000101")
    request = instagram.lookup_request(target, OUT, {}, IG_SECRETS)
    assert request.url.endswith("/17890000000000101/replies")
    listed = {"data": [{"id": "17890000000000900", "text": "Hi!", "from": {"id": IG, "username": "acmepizza"}}]}
    assert instagram.lookup_result(_answer(200, listed), target, OUT, text="Hi!") == Posted("17890000000000900")
