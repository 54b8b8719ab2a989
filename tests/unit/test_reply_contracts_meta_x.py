"""Facebook, Instagram and X answering over real HTTP (`functions.runtime.fetch.fetch`) against the
contract servers in tests/replies/: what each network accepts and refuses, windows, duplicates,
the failure modes, moderation, a lost answer found again by the lookup, and the created id being
the id `parse` gives our reply when it comes back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.connectors import facebook, instagram, x
from functions.core.mention import Author, Kind, Thread
from functions.core.polls import HttpRequest
from functions.core.replies import Failure, Posted, Refused, Target
from functions.core.webhooks import WebhookRequest
from functions.runtime.fetch import fetch
from tests.contract import FIXTURES
from tests.fakeapi import FakeApiServer, fake_api
from tests.replies import facebook_api, instagram_api, x_api
from tests.replies._graph import Node

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
OUT = "0123456789abcdef0123456789abcdef"
CUSTOMER = "6120000000000042"
POST, COMMENT, REPLY = (
    "104000000000001_880000000000101",
    "880000000000101_990000000000201",
    "880000000000101_990000000000202",
)


@pytest.fixture
def server() -> Iterator[FakeApiServer]:
    with fake_api() as running:
        yield running


def _target(network: str, kind: Kind, external_id: str, parent: str | None, account: str, **kw: Any) -> Target:
    return Target(
        brand="acme",
        network=network,
        external_id=external_id,
        kind=kind,
        author=Author(id=kw.get("author", CUSTOMER)),
        thread=Thread(root_id=kw.get("root"), parent_id=parent),
        url=None,
        created_at=kw.get("at", NOW - timedelta(hours=2)),
        account=account,
        text=kw.get("text", ""),
    )


# ------------------------------------------------------------------------------------------- Facebook


@pytest.fixture
def page(server: FakeApiServer) -> facebook_api.Fake:
    fake = facebook_api.fake(NOW)
    fake.add(Node(POST, facebook_api.PAGE, NOW - timedelta(days=1), "Our new pizza"))
    fake.add(Node(COMMENT, CUSTOMER, NOW - timedelta(hours=2), "Cold again!", parent=POST))
    fake.add(Node(REPLY, CUSTOMER, NOW - timedelta(hours=1), "Still waiting", parent=COMMENT))
    fake.users["7412589630000011"] = NOW - timedelta(hours=30)
    server.handler = fake.handle
    return fake


def _fb(server: FakeApiServer) -> tuple[dict[str, str], dict[str, str]]:
    return {"graph_api": server.url}, {"page_token": facebook_api.TOKEN}


def _fb_send(server: FakeApiServer, target: Target, text: str, *, private: bool = False) -> Posted | Refused:
    settings, secrets = _fb(server)
    return facebook.reply_result(
        fetch(facebook.reply_request(target, text, OUT, settings, secrets, NOW, private=private))
    )


FB_COMMENT = _target("facebook", Kind.COMMENT, COMMENT, POST, facebook_api.PAGE, root=POST)
FB_REPLY = _target("facebook", Kind.REPLY, REPLY, COMMENT, facebook_api.PAGE, root=POST, at=NOW - timedelta(hours=1))


def test_facebook_reply_is_created_with_the_id_the_webhook_gives_it_back(
    page: facebook_api.Fake, server: FakeApiServer
) -> None:
    posted = _fb_send(server, FB_REPLY, "So sorry, Jane!")
    assert isinstance(posted, Posted)
    (mine,) = page.mine()[1:]  # the Page's post, then our comment
    assert (mine.id, mine.parent, mine.text) == (posted.external_id, COMMENT, "So sorry, Jane!")  # under the thread
    delivery = json.loads((FIXTURES / "facebook" / "feed_comment__own_page_reply.json").read_text())
    delivery["entry"][0]["changes"][0]["value"].update(comment_id=posted.external_id, parent_id=COMMENT)
    (back,) = facebook.parse(WebhookRequest("POST", json.dumps(delivery).encode(), {}), "acme")
    assert back.by_brand and back.external_id == posted.external_id


def test_facebook_refuses_a_wrong_token_an_unknown_parameter_and_a_missing_target(
    page: facebook_api.Fake, server: FakeApiServer
) -> None:
    settings, _ = _fb(server)
    wrong = facebook.reply_request(FB_COMMENT, "Hi", OUT, settings, {"page_token": "stolen"}, NOW)
    assert isinstance(denied := facebook.reply_result(fetch(wrong)), Refused) and denied.failure is Failure.AUTH
    good = facebook.reply_request(FB_COMMENT, "Hi", OUT, *_fb(server), NOW)
    extra = fetch(replace(good, form={**(good.form or {}), "from_page": "1"}))
    assert isinstance(bad := facebook.reply_result(extra), Refused) and bad.failure is Failure.INVALID
    assert "from_page" in bad.reason
    page.nodes[COMMENT].deleted = True
    assert isinstance(gone := _fb_send(server, FB_COMMENT, "Hi"), Refused) and gone.failure is Failure.GONE
    page.nodes[POST].comments_open = False
    on_post = _target("facebook", Kind.POST, POST, None, facebook_api.PAGE, root=POST)
    assert isinstance(closed := _fb_send(server, on_post, "Hi"), Refused) and closed.failure is Failure.GONE
    assert page.mine() == [page.nodes[POST]]  # nothing was posted


@pytest.mark.parametrize(
    ("mode", "failure"), [("revoked", Failure.AUTH), ("rate", Failure.RATE), ("temporary", Failure.TRANSIENT)]
)
def test_facebook_failure_modes(page: facebook_api.Fake, server: FakeApiServer, mode: str, failure: Failure) -> None:
    page.mode = mode
    refused = _fb_send(server, FB_COMMENT, "Hi")
    assert isinstance(refused, Refused) and refused.failure is failure
    if mode == "rate":
        assert refused.retry_after == 7 * 60


def test_facebook_private_reply_once_per_comment_and_within_7_days(
    page: facebook_api.Fake, server: FakeApiServer
) -> None:
    first = _fb_send(server, FB_COMMENT, "Let's talk here", private=True)
    assert isinstance(first, Posted) and first.external_id.startswith("m_")
    (sent,) = page.sent
    assert (sent.recipient, sent.messaging_type, sent.metadata) == ({"comment_id": COMMENT}, "RESPONSE", OUT)
    again = _fb_send(server, FB_COMMENT, "Let's talk here", private=True)
    assert isinstance(again, Refused) and again.failure is Failure.DUP
    page.now = NOW + timedelta(days=7)  # the server's clock is past the window our builder saw
    late = _fb_send(server, FB_REPLY, "Hello", private=True)
    assert isinstance(late, Refused) and late.failure is Failure.GONE


def test_messenger_as_a_human_agent_after_24_hours_and_not_past_7_days(
    page: facebook_api.Fake, server: FakeApiServer
) -> None:
    message = _target(
        "facebook",
        Kind.MESSAGE,
        "m_in",
        None,
        facebook_api.PAGE,
        author="7412589630000011",
        at=NOW - timedelta(hours=30),
    )
    assert isinstance(_fb_send(server, message, "We refunded you"), Posted)
    assert (page.sent[0].messaging_type, page.sent[0].tag) == ("MESSAGE_TAG", "HUMAN_AGENT")
    too_long = _fb_send(server, message, "x" * 2001)
    assert isinstance(too_long, Refused) and too_long.failure is Failure.INVALID
    page.users["7412589630000011"] = NOW - timedelta(days=8)  # the server knows the customer's last message
    stale = _fb_send(server, message, "Hello?")
    assert isinstance(stale, Refused) and stale.failure is Failure.GONE


def test_facebook_lost_answer_is_found_by_the_lookup_not_posted_twice(
    page: facebook_api.Fake, server: FakeApiServer
) -> None:
    page.lose_next = True
    lost = _fb_send(server, FB_COMMENT, "So sorry, Jane!")
    assert isinstance(lost, Refused) and lost.failure is Failure.TRANSIENT
    settings, secrets = _fb(server)
    answer = fetch(facebook.lookup_request(FB_COMMENT, OUT, settings, secrets))
    found = facebook.lookup_result(answer, FB_COMMENT, OUT, text="So sorry, Jane!")
    (created,) = page.mine()[1:]
    assert found == Posted(created.id)
    assert facebook.lookup_result(answer, FB_COMMENT, OUT, text="Something else") is None


def test_facebook_moderation(page: facebook_api.Fake, server: FakeApiServer) -> None:
    settings, secrets = _fb(server)

    def act(action: str, target: Target) -> Posted | Refused:
        return facebook.moderation_result(
            action, fetch(facebook.moderation_request(action, target, settings, secrets)), target
        )

    assert act("hide", FB_COMMENT) == Posted(COMMENT) and page.nodes[COMMENT].hidden
    assert act("unhide", FB_COMMENT) == Posted(COMMENT) and not page.nodes[COMMENT].hidden
    assert act("ban", FB_COMMENT) == Posted(CUSTOMER) and page.blocked == {CUSTOMER}
    assert act("unban", FB_COMMENT) == Posted(CUSTOMER) and page.blocked == set()
    assert act("delete", FB_REPLY) == Posted(REPLY) and page.nodes[REPLY].deleted
    again = act("delete", FB_REPLY)
    assert isinstance(again, Refused) and again.failure is Failure.GONE


# ------------------------------------------------------------------------------------------ Instagram

MEDIA, IG_TOP, IG_UNDER = "18012345678900001", "17890000000000101", "17890000000000102"


@pytest.fixture
def account(server: FakeApiServer) -> instagram_api.Fake:
    fake = instagram_api.fake(NOW)
    fake.add(Node(MEDIA, instagram_api.ACCOUNT, NOW - timedelta(days=2)))
    fake.add(Node(IG_TOP, CUSTOMER, NOW - timedelta(days=6), "Where is my order?", parent=MEDIA))
    fake.add(Node(IG_UNDER, CUSTOMER, NOW - timedelta(hours=3), "Hello??", parent=IG_TOP))
    server.handler = fake.handle
    return fake


def _ig(server: FakeApiServer) -> tuple[dict[str, str], dict[str, str]]:
    return {"graph_api": server.url}, {"access_token": instagram_api.TOKEN}


IG_REPLY = _target(
    "instagram", Kind.REPLY, IG_UNDER, IG_TOP, instagram_api.ACCOUNT, root=MEDIA, at=NOW - timedelta(hours=3)
)
IG_COMMENT = _target(
    "instagram", Kind.COMMENT, IG_TOP, MEDIA, instagram_api.ACCOUNT, root=MEDIA, at=NOW - timedelta(days=6)
)


def _ig_send(server: FakeApiServer, target: Target, text: str, *, private: bool = False) -> Posted | Refused:
    return instagram.reply_result(fetch(instagram.reply_request(target, text, OUT, *_ig(server), NOW, private=private)))


def test_instagram_reply_to_a_reply_lands_under_the_top_level_comment(
    account: instagram_api.Fake, server: FakeApiServer
) -> None:
    posted = _ig_send(server, IG_REPLY, "Sorry! DM us")
    assert isinstance(posted, Posted)
    (mine,) = account.mine()[1:]
    assert (mine.id, mine.parent) == (posted.external_id, IG_TOP)
    delivery = json.loads((FIXTURES / "instagram" / "comments__own_account_reply.json").read_text())
    delivery["entry"][0]["changes"][0]["value"]["id"] = posted.external_id
    (back,) = instagram.parse(WebhookRequest("POST", json.dumps(delivery).encode(), {}), "acme")
    assert back.by_brand and back.external_id == posted.external_id
    under_a_reply = fetch(
        HttpRequest(
            f"{server.url}/v25.0/{IG_UNDER}/replies",
            headers={"Authorization": f"Bearer {instagram_api.TOKEN}"},
            method="POST",
            form={"message": "x"},
        )
    )
    assert isinstance(refused := instagram.reply_result(under_a_reply), Refused) and refused.failure is Failure.INVALID


def test_instagram_private_reply_once_and_lost_answer(account: instagram_api.Fake, server: FakeApiServer) -> None:
    assert isinstance(_ig_send(server, IG_COMMENT, "Check your DMs", private=True), Posted)
    again = _ig_send(server, IG_COMMENT, "Check your DMs", private=True)
    assert isinstance(again, Refused) and again.failure is Failure.DUP
    account.lose_next = True
    assert isinstance(_ig_send(server, IG_REPLY, "We are on it"), Refused)
    answer = fetch(instagram.lookup_request(IG_REPLY, OUT, *_ig(server)))
    (created,) = account.mine()[1:]
    assert instagram.lookup_result(answer, IG_REPLY, OUT, text="We are on it") == Posted(created.id)


def test_instagram_moderation_and_a_revoked_token(account: instagram_api.Fake, server: FakeApiServer) -> None:
    settings, secrets = _ig(server)

    def act(action: str) -> Posted | Refused:
        request = instagram.moderation_request(action, IG_REPLY, settings, secrets)
        return instagram.moderation_result(action, fetch(request), IG_REPLY)

    assert act("hide") == Posted(IG_UNDER) and account.nodes[IG_UNDER].hidden
    assert act("unhide") == Posted(IG_UNDER) and not account.nodes[IG_UNDER].hidden
    account.mode = "revoked"
    assert isinstance(revoked := act("delete"), Refused) and revoked.failure is Failure.AUTH
    account.mode = None
    assert act("delete") == Posted(IG_UNDER) and account.nodes[IG_UNDER].deleted


# -------------------------------------------------------------------------------------------------- X

MENTION, OTHER, BRAND_POST = "2126370720229228546", "2126370720229228600", "2126360000000000001"


@pytest.fixture
def brand_x(server: FakeApiServer) -> x_api.Fake:
    fake = x_api.Fake()
    fake.add(x_api.Post(BRAND_POST, x_api.BRAND_ID, "Our new menu is out", BRAND_POST))
    fake.add(x_api.Post(MENTION, CUSTOMER, "@AcmePizzaCo 40 minutes late", MENTION))
    fake.add(x_api.Post(OTHER, CUSTOMER, "rubbish menu", BRAND_POST))  # a reply under the brand's post
    server.handler = fake.handle
    return fake


def _x(server: FakeApiServer) -> tuple[dict[str, str], dict[str, str]]:
    return {"api": server.url, "handle": x_api.HANDLE}, {"user_token": x_api.TOKEN}


def _x_send(server: FakeApiServer, target: Target, text: str, *, private: bool = False) -> Posted | Refused:
    return x.reply_result(fetch(x.reply_request(target, text, OUT, *_x(server), NOW, private=private)))


X_MENTION = _target("x", Kind.POST, MENTION, None, x_api.BRAND_ID, text="@AcmePizzaCo 40 minutes late")


def test_x_reply_to_a_mention_comes_back_with_the_same_id(brand_x: x_api.Fake, server: FakeApiServer) -> None:
    posted = _x_send(server, X_MENTION, "So sorry! DM us your order number")
    assert isinstance(posted, Posted)
    (mine,) = brand_x.mine()[1:]
    assert (mine.id, mine.conversation) == (posted.external_id, MENTION)
    delivery = json.loads((FIXTURES / "x" / "tweet_create_events__own_reply.json").read_text())
    delivery["tweet_create_events"][0].update(id=int(posted.external_id), id_str=posted.external_id)
    (back,) = x.parse(WebhookRequest("POST", json.dumps(delivery).encode(), {}), "acme")
    assert back.by_brand and back.external_id == posted.external_id
    again = _x_send(server, X_MENTION, "So sorry! DM us your order number")
    assert isinstance(again, Refused) and again.failure is Failure.DUP


def test_x_refuses_a_reply_where_the_brand_was_not_mentioned(brand_x: x_api.Fake, server: FakeApiServer) -> None:
    # Our copy says it mentions us (edited since?), X's copy does not: X's 403 is what counts.
    stale = _target("x", Kind.REPLY, OTHER, BRAND_POST, x_api.BRAND_ID, text="@AcmePizzaCo rubbish menu")
    refused = _x_send(server, stale, "Sorry to hear that")
    assert isinstance(refused, Refused) and refused.failure is Failure.GONE and "md-private" in refused.reason
    brand_x.posts[MENTION].deleted = True
    gone = _x_send(server, X_MENTION, "Hello?")
    assert isinstance(gone, Refused) and gone.failure is Failure.GONE


def test_x_dm_comes_back_with_the_same_id(brand_x: x_api.Fake, server: FakeApiServer) -> None:
    untagged = _target("x", Kind.POST, OTHER, None, x_api.BRAND_ID, text="rubbish menu")
    posted = _x_send(server, untagged, "Can we help? Reply here", private=True)
    assert isinstance(posted, Posted)
    ((participant, text, event_id),) = brand_x.dms
    assert (participant, text, posted.external_id) == (CUSTOMER, "Can we help? Reply here", f"dm:{event_id}")
    delivery = json.loads((FIXTURES / "x" / "direct_message_events__sent_by_brand.json").read_text())
    delivery["direct_message_events"][0]["id"] = event_id
    (back,) = x.parse(WebhookRequest("POST", json.dumps(delivery).encode(), {}), "acme")
    assert back.by_brand and back.external_id == posted.external_id


def test_x_failure_modes_and_an_unknown_field(brand_x: x_api.Fake, server: FakeApiServer) -> None:
    good = x.reply_request(X_MENTION, "Hi", OUT, *_x(server), NOW)
    extra = fetch(replace(good, json_body={**good.json_body, "for_super_followers_only": True}))
    assert isinstance(bad := x.reply_result(extra), Refused) and bad.failure is Failure.INVALID
    brand_x.mode = "revoked"
    assert isinstance(revoked := _x_send(server, X_MENTION, "Hi"), Refused) and revoked.failure is Failure.AUTH
    brand_x.mode = "rate"
    limited = _x_send(server, X_MENTION, "Hi")
    assert isinstance(limited, Refused) and limited.failure is Failure.RATE
    assert limited.retry_after is not None and abs(limited.retry_after - x_api.RESET_IN) <= 2
    assert brand_x.mine() == [brand_x.posts[BRAND_POST]]


def test_x_hides_replies_only_in_the_brands_conversations(brand_x: x_api.Fake, server: FakeApiServer) -> None:
    settings, secrets = _x(server)
    under_ours = _target("x", Kind.REPLY, OTHER, BRAND_POST, x_api.BRAND_ID)
    hidden = x.moderation_result("hide", fetch(x.moderation_request("hide", under_ours, settings, secrets)), under_ours)
    assert hidden == Posted(OTHER) and brand_x.posts[OTHER].hidden
    elsewhere = _target("x", Kind.REPLY, MENTION, "2126000000000000000", x_api.BRAND_ID)
    refused = x.moderation_result("hide", fetch(x.moderation_request("hide", elsewhere, settings, secrets)), elsewhere)
    assert isinstance(refused, Refused) and refused.failure is Failure.PERM
