"""X answering, without a server: the mention rule (since 2026-02 X refuses a reply to a post that
neither mentioned nor quoted the brand), the DM path, the weighted length, problem JSON as failure
classes with the rate-limit wait, and hiding replies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.connectors import x
from functions.core.mention import Author, Kind, Thread
from functions.core.polls import HttpResponse
from functions.core.replies import CannotReplyError, Failure, Posted, Refused, Target
from tests.replies import errors

NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
BRAND_ID, CUSTOMER = "1590187453124698112", "874110236547891200"
SETTINGS, SECRETS = {"handle": "@AcmePizzaCo"}, {"user_token": "user-tok"}
PROBLEMS = errors("x_problems.json")
OUT = "0123456789abcdef0123456789abcdef"


def _target(
    text: str, kind: Kind = Kind.POST, *, external_id: str = "2126370720229228546", parent: str | None = None
) -> Target:
    return Target(
        brand="acme",
        network="x",
        external_id=external_id,
        kind=kind,
        author=Author(id=CUSTOMER, handle="jwhitfield_"),
        thread=Thread(root_id=parent or external_id, parent_id=parent),
        url=None,
        created_at=NOW - timedelta(hours=1),
        account=BRAND_ID,
        text=text,
    )


def _request(target: Target, text: str = "Sorry James, DM us?", *, private: bool = False) -> Any:
    return x.reply_request(target, text, OUT, SETTINGS, SECRETS, NOW, private=private)


def _answer(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(status, json.dumps(body).encode(), headers or {})


def test_a_post_that_mentions_the_brand_gets_a_public_reply() -> None:
    request = _request(_target("@acmepizzaco my order is 40 minutes late"))
    assert (request.method, request.url) == ("POST", "https://api.x.com/2/tweets")
    assert request.headers["Authorization"] == "Bearer user-tok"
    assert request.json_body == {
        "text": "Sorry James, DM us?",
        "reply": {"in_reply_to_tweet_id": "2126370720229228546", "auto_populate_reply_metadata": True},
    }


def test_a_quote_of_the_brand_gets_a_public_reply() -> None:
    quote = _target(
        "this is what they call fast delivery", external_id="2126379276609388999", parent="2126370720229228546"
    )
    assert _request(quote).json_body["reply"]["in_reply_to_tweet_id"] == "2126379276609388999"


@pytest.mark.parametrize("text", ["acme pizza is late again", "@AcmePizzaCompany is late", "mail@AcmePizzaCo.com"])
def test_a_post_without_the_brands_handle_cannot_be_answered_in_public(text: str) -> None:
    with pytest.raises(CannotReplyError) as caught:
        _request(_target(text))
    assert caught.value.failure is Failure.GONE
    assert "mentioned or quoted @AcmePizzaCo" in caught.value.reason and "md-private" in caught.value.reason


def test_private_or_a_dm_goes_to_the_dm_conversation_with_the_author() -> None:
    for request in (_request(_target("acme pizza is late"), private=True), _request(_target("hi", Kind.MESSAGE))):
        assert request.url == f"https://api.x.com/2/dm_conversations/with/{CUSTOMER}/messages"
        assert request.json_body == {"text": "Sorry James, DM us?"}


def test_public_replies_need_the_handle_and_the_token() -> None:
    with pytest.raises(CannotReplyError, match=r"settings\.handle"):
        x.reply_request(_target("@AcmePizzaCo hi"), "Hi", OUT, {}, SECRETS, NOW)
    with pytest.raises(CannotReplyError) as caught:
        x.reply_request(_target("@AcmePizzaCo hi"), "Hi", OUT, SETTINGS, {}, NOW)
    assert caught.value.failure is Failure.AUTH


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("Sorry!", 6),
        ("See https://acme.example/orders/12345?ref=x now", 4 + 23 + 4),
        ("申し訳ありません", 16),
        ("ok 👍🏽", 5),
        ("“quoted” — dash", 15),
    ],
)
def test_weighted_length(text: str, weight: int) -> None:
    assert x.weighted_length(text) == weight


def test_a_reply_over_the_weighted_280_is_refused_before_sending() -> None:
    _request(_target("@AcmePizzaCo"), "a" * 280)
    with pytest.raises(CannotReplyError) as caught:
        _request(_target("@AcmePizzaCo"), "申" * 141)
    assert caught.value.failure is Failure.INVALID and "282" in caught.value.reason


def test_created_ids_are_in_the_parse_scheme() -> None:
    made = x.reply_result(_answer(201, {"data": {"id": "2126400000000000001", "text": "Sorry"}}))
    assert made == Posted("2126400000000000001", "https://x.com/i/web/status/2126400000000000001")
    dm = x.reply_result(_answer(201, {"data": {"dm_conversation_id": "1-2", "dm_event_id": "2126400000000000002"}}))
    assert dm == Posted("dm:2126400000000000002")  # what parse gives the DM event back as


@pytest.mark.parametrize(
    ("status", "name", "failure"),
    [
        (403, "duplicate", Failure.DUP),
        (403, "not_mentioned", Failure.GONE),
        (403, "not_visible", Failure.GONE),
        (403, "not_hideable", Failure.PERM),
        (401, "unauthorized", Failure.AUTH),
        (429, "rate", Failure.RATE),
        (400, "invalid", Failure.INVALID),
    ],
)
def test_problems_become_failure_classes(status: int, name: str, failure: Failure) -> None:
    result = x.reply_result(_answer(status, PROBLEMS[name]))
    assert isinstance(result, Refused) and result.failure is failure


def test_not_mentioned_tells_the_agent_about_md_private() -> None:
    result = x.reply_result(_answer(403, PROBLEMS["not_mentioned"]))
    assert isinstance(result, Refused) and "md-private" in result.reason and "not been mentioned" in result.reason


def test_rate_limit_waits_until_the_reset_measured_by_the_answers_own_date() -> None:
    headers = {"Date": "Fri, 27 Nov 2026 18:00:00 GMT", "x-rate-limit-reset": str(int(NOW.timestamp()) + 300)}
    result = x.reply_result(_answer(429, PROBLEMS["rate"], headers))
    assert isinstance(result, Refused) and result.retry_after == 300 and result.retried
    bare = x.reply_result(_answer(429, PROBLEMS["rate"]))
    assert isinstance(bare, Refused) and bare.retry_after is None


def test_partial_errors_and_outages() -> None:
    gone = {"errors": [{"title": "Not Found Error", "type": "https://api.x.com/2/problems/resource-not-found"}]}
    result = x.reply_result(_answer(200, gone))
    assert isinstance(result, Refused) and result.failure is Failure.GONE
    outage = x.reply_result(HttpResponse(503, b"Service Unavailable"))
    assert isinstance(outage, Refused) and outage.failure is Failure.TRANSIENT


def test_hiding_a_reply_and_what_x_does_not_offer() -> None:
    reply = _target("@AcmePizzaCo rubbish", Kind.REPLY, external_id="2126379276609388547", parent="2126370720229228546")
    hide = x.moderation_request("hide", reply, SETTINGS, SECRETS)
    assert (hide.method, hide.url, hide.json_body) == (
        "PUT",
        "https://api.x.com/2/tweets/2126379276609388547/hidden",
        {"hidden": True},
    )
    assert x.moderation_request("unhide", reply, SETTINGS, SECRETS).json_body == {"hidden": False}
    assert set(x.MODERATION) == {"hide", "unhide"}
    for action, target in (("delete", reply), ("ban", reply), ("hide", _target("@AcmePizzaCo"))):
        with pytest.raises(CannotReplyError):
            x.moderation_request(action, target, SETTINGS, SECRETS)


def test_hide_results() -> None:
    reply = _target("x", Kind.REPLY, external_id="5", parent="4")
    assert x.moderation_result("hide", _answer(200, {"data": {"hidden": True}}), reply) == Posted("5")
    assert isinstance(x.moderation_result("hide", _answer(200, {"data": {"hidden": False}}), reply), Refused)
    refused = x.moderation_result("unhide", _answer(403, PROBLEMS["not_hideable"]), reply)
    assert isinstance(refused, Refused) and refused.failure is Failure.PERM
