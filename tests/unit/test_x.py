"""X specifics the contract suite cannot know: the CRC answer, the signature header, threads,
own activity, followers, deletes and the routing by `for_user_id`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from functions.api.webhooks import _find_brand
from functions.connectors import x
from functions.core.mention import Action, Kind, Mention
from functions.core.webhooks import MalformedPayloadError, SignatureError, UnsupportedEventError, WebhookRequest
from tests.contract import FIXTURES, NOW

CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
SECRETS = {"consumer_secret": CONSUMER_SECRET}
BRAND_ID = "1590187453124698112"
# Computed outside Python: printf '%s' TOKEN | openssl dgst -sha256 -hmac SECRET -binary | base64
CRC_TOKEN = "nVbC3mHMpTv7kq6Zk0xY2Rj9wHf3a"
CRC_DIGEST = "I5GXILTFyCcQd+mNzxpNEz18oggc8Z7OSm+IsthBKEA="
SMALL_BODY = b'{"for_user_id":"1590187453124698112","favorite_events":[]}'
SMALL_BODY_DIGEST = "AQkJFi/edokZ47OpjVf1Ztvy+sDz3oRBwwe11H6GaRE="


def _raw(name: str) -> bytes:
    return (FIXTURES / "x" / name).read_bytes()


def _request(body: bytes, headers: dict[str, str] | None = None) -> WebhookRequest:
    return WebhookRequest("POST", body, {"content-type": "application/json", **(headers or {})})


def _parse(name: str) -> tuple[Mention, ...]:
    return x.parse(_request(_raw(name)), "acme")


def _one(name: str) -> Mention:
    (mention,) = _parse(name)
    return mention


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_raw(name))
    return document


def _independent_signature(body: bytes, secret: str = CONSUMER_SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_crc_answer_matches_a_vector_computed_outside_python() -> None:
    reply = x.handshake(WebhookRequest("GET", b"", {}, {"crc_token": CRC_TOKEN}), SECRETS)
    assert reply is not None
    assert (reply.status, reply.content_type) == (200, "application/json")
    assert json.loads(reply.body) == {"response_token": "sha256=" + CRC_DIGEST}


def test_crc_answer_matches_hmac_base64_for_any_token() -> None:
    token = "bm9uY2UtMTc5NTc3MDg0NQ"
    reply = x.handshake(WebhookRequest("GET", b"", {}, {"crc_token": token}), SECRETS)
    assert reply is not None
    assert json.loads(reply.body)["response_token"] == _independent_signature(token.encode())


def test_crc_needs_the_token_the_get_and_a_configured_secret() -> None:
    assert x.handshake(WebhookRequest("GET", b"", {}, {}), SECRETS) is None
    assert x.handshake(WebhookRequest("POST", b"{}", {}, {"crc_token": CRC_TOKEN}), SECRETS) is None
    with pytest.raises(SignatureError) as caught:
        x.handshake(WebhookRequest("GET", b"", {}, {"crc_token": CRC_TOKEN}), {})
    assert caught.value.status == 401


def test_crc_cannot_be_used_to_sign_a_forged_delivery() -> None:
    forged = json.dumps({"for_user_id": BRAND_ID, "tweet_create_events": []})
    # The oracle exists: the CRC answer for this token would be a valid signature of this body.
    x.verify(
        _request(forged.encode(), {"x-twitter-webhooks-signature": _independent_signature(forged.encode())}),
        SECRETS,
        NOW,
    )
    with pytest.raises(MalformedPayloadError):
        x.handshake(WebhookRequest("GET", b"", {}, {"crc_token": forged}), SECRETS)
    with pytest.raises(MalformedPayloadError):
        x.handshake(WebhookRequest("GET", b"", {}, {"crc_token": " \n{}"}), SECRETS)


def test_signature_header_computed_independently_verifies() -> None:
    assert _independent_signature(SMALL_BODY) == "sha256=" + SMALL_BODY_DIGEST
    x.verify(_request(SMALL_BODY, {"x-twitter-webhooks-signature": "sha256=" + SMALL_BODY_DIGEST}), SECRETS, NOW)
    # Header names are case-insensitive; the connector's own signing agrees with the independent one.
    x.verify(_request(SMALL_BODY, {"X-Twitter-Webhooks-Signature": "sha256=" + SMALL_BODY_DIGEST}), SECRETS, NOW)
    assert x.sign(SMALL_BODY, SECRETS, NOW).headers[x.SIGNATURE_HEADER] == "sha256=" + SMALL_BODY_DIGEST


def test_signature_missing_is_401_and_wrong_is_403() -> None:
    with pytest.raises(SignatureError) as missing:
        x.verify(_request(SMALL_BODY), SECRETS, NOW)
    assert missing.value.status == 401
    for wrong in (
        _independent_signature(SMALL_BODY, CONSUMER_SECRET + "x"),
        "sha1=" + SMALL_BODY_DIGEST,
        SMALL_BODY_DIGEST,
        "sha256=" + hashlib.sha256(SMALL_BODY).hexdigest(),
    ):
        with pytest.raises(SignatureError) as caught:
            x.verify(_request(SMALL_BODY, {"x-twitter-webhooks-signature": wrong}), SECRETS, NOW)
        assert caught.value.status == 403


def test_account_id_is_for_user_id() -> None:
    assert x.account_id(_request(_raw("tweet_create_events__mention.json"))) == BRAND_ID
    assert x.account_id(_request(b'{"for_user_id": 1590187453124698112}')) is None
    assert x.account_id(_request(b"[]")) is None
    assert x.account_id(WebhookRequest("GET", b"")) is None


def test_crc_get_finds_its_brand_only_by_url() -> None:
    crc = WebhookRequest("GET", b"", {}, {"crc_token": CRC_TOKEN})
    assert not isinstance(_find_brand(x, "acme", crc), str)
    assert _find_brand(x, None, crc) == "no brand in the URL and no account id in the payload"


def test_mention_captures_author_followers_text_and_permalink() -> None:
    mention = _one("tweet_create_events__mention.json")
    assert mention.identity == "acme#x#2126370720229228546"
    assert mention.kind is Kind.POST
    assert (mention.author.handle, mention.author.name, mention.author.followers) == (
        "jwhitfield_",
        "James Whitfield",
        1873,
    )
    assert mention.url == "https://x.com/jwhitfield_/status/2126370720229228546"
    assert mention.created_at.isoformat() == "2026-11-27T17:41:00+00:00"
    assert mention.lang == "en"


def test_truncated_tweet_gives_the_full_text_and_counters() -> None:
    mention = _one("tweet_create_events__reply.json")
    assert mention.text.endswith("Деньги так и не вернули.")
    assert "https://t.co/" not in mention.text
    assert mention.author.followers == 23415
    assert (mention.metrics.likes, mention.metrics.replies, mention.metrics.shares) == (41, 2, 3)


def test_a_mention_and_its_authors_follow_up_share_a_thread() -> None:
    first, follow_up = _one("tweet_create_events__mention.json"), _one("tweet_create_events__self_reply.json")
    assert follow_up.kind is Kind.REPLY
    assert follow_up.thread.root_id == first.external_id == follow_up.thread.parent_id
    assert first.thread_key == follow_up.thread_key


def test_reply_roots_at_the_tweet_it_answers_and_quote_at_itself() -> None:
    reply = _one("tweet_create_events__reply.json")
    replied = _document("tweet_create_events__reply.json")["tweet_create_events"][0]["in_reply_to_status_id_str"]
    assert (reply.kind, reply.thread.root_id) == (Kind.REPLY, replied)
    quote = _one("tweet_create_events__quote.json")
    assert quote.kind is Kind.POST
    assert quote.thread.root_id == quote.external_id
    assert quote.thread.parent_id == replied  # both point at the brand's announcement


def test_retweets_are_not_mentions() -> None:
    assert _parse("tweet_create_events__retweet.json") == ()


def test_own_posts_and_dms_come_back_as_the_brands() -> None:
    post, dm = _one("tweet_create_events__own_reply.json"), _one("direct_message_events__sent_by_brand.json")
    assert post.by_brand and dm.by_brand
    assert post.author.id == dm.author.id == BRAND_ID
    customer = _one("direct_message_events__from_customer.json")
    assert not customer.by_brand
    assert dm.thread.root_id == customer.thread.root_id  # the same conversation, whoever wrote


def test_direct_message_is_a_message_in_the_conversation_with_that_user() -> None:
    mention = _one("direct_message_events__from_customer.json")
    assert mention.kind is Kind.MESSAGE
    assert mention.identity.startswith("acme#x#dm:")
    assert mention.author.followers == 1873  # from the `users` map
    assert mention.author.handle == "jwhitfield_"
    assert mention.thread.root_id == f"dm:874110236547891200-{BRAND_ID}"
    # The brand's answer would sit in the same conversation whichever side wrote it.
    assert x._dm_conversation(BRAND_ID, "874110236547891200") == x._dm_conversation("874110236547891200", BRAND_ID)


def test_delete_marks_the_same_identity() -> None:
    created, deleted = _one("tweet_create_events__mention.json"), _one("tweet_delete_events__mention_deleted.json")
    assert deleted.action is Action.DELETE
    assert deleted.identity == created.identity
    assert deleted.author.id == created.author.id


def test_own_delete_marks_the_brands_post() -> None:
    document = _document("tweet_delete_events__mention_deleted.json")
    document["tweet_delete_events"][0]["status"]["user_id"] = BRAND_ID
    (deleted,) = x.parse(_request(json.dumps(document).encode()), "acme")
    assert deleted.by_brand and deleted.action is Action.DELETE


def test_ignored_and_unsupported_events() -> None:
    assert _parse("favorite_events__like.json") == ()
    with pytest.raises(UnsupportedEventError) as caught:
        _parse("user_event__revoke.json")
    assert caught.value.event_type == "user_event"


def test_handled_event_without_for_user_id_or_with_bad_fields_is_malformed() -> None:
    document = _document("tweet_create_events__mention.json")
    del document["for_user_id"]
    with pytest.raises(MalformedPayloadError, match="for_user_id"):
        x.parse(_request(json.dumps(document).encode()), "acme")
    document = _document("tweet_create_events__mention.json")
    document["tweet_create_events"][0]["created_at"] = "2026-11-27T17:41:00Z"
    with pytest.raises(MalformedPayloadError, match=r"tweet_create_events\[0\]"):
        x.parse(_request(json.dumps(document).encode()), "acme")
    with pytest.raises(MalformedPayloadError):
        x.parse(_request(b'{"for_user_id": "1"}'), "acme")


def test_created_at_offsets_are_honoured() -> None:
    assert x._time("Wed Oct 10 20:19:24 +0000 2018").isoformat() == "2018-10-10T20:19:24+00:00"
    assert x._time("Wed Oct 10 23:19:24 +0300 2018").isoformat() == "2018-10-10T20:19:24+00:00"
