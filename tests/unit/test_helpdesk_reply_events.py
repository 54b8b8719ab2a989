"""Each helpdesk's reply push, checked as `reply_event` checks it: the vectors of
docs/helpdesk-replies.md (computed from the documented formulas), tampering, replay and garbage."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from functions.core.tickets import DeskEventMalformedError, DeskEventSignatureError
from functions.helpdesks import freshdesk, jira, jira_sm, request_tracker, zammad, zendesk

NOW = datetime(2026, 7, 22, 10, 0, 30, tzinfo=UTC)


def _hub(secret: str, body: bytes, digest: str = "sha256") -> str:
    return f"{digest}=" + hmac.new(secret.encode(), body, getattr(hashlib, digest)).hexdigest()


# Zendesk ----------------------------------------------------------------------------------------

ZD_SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="  # Zendesk's fixed secret for test sends
ZD_TS = "2026-07-22T10:00:00Z"
ZD_BODY = b'{"type":"zen:event-type:ticket.comment_added","id":"x"}'
ZD_VECTOR = "XVwZuux7Fo/sMGDUaRYgcRiE7FuhjKR+RXLT8RIF18M="


def _zd(body: bytes, *, ts: str = ZD_TS, secret: str = ZD_SECRET) -> dict[str, str]:
    return {
        "x-zendesk-webhook-signature": zendesk.signature(secret, ts, body),
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
    }


def test_zendesk_signature_matches_the_documented_vector() -> None:
    assert zendesk.signature(ZD_SECRET, ZD_TS, ZD_BODY) == ZD_VECTOR
    headers = {"X-Zendesk-Webhook-Signature": ZD_VECTOR, "X-Zendesk-Webhook-Signature-Timestamp": ZD_TS}
    with pytest.raises(DeskEventMalformedError):  # genuine, but it names no ticket
        zendesk.reply_event(headers, ZD_BODY, {"webhook_secret": ZD_SECRET}, NOW)


def test_zendesk_public_comment_names_its_ticket_and_notes_or_other_events_do_not() -> None:
    public = b'{"type":"zen:event-type:ticket.comment_added","subject":"zen:ticket:5158","detail":{"id":"5158"},'
    public += b'"event":{"comment":{"id":"1","is_public":true}}}'
    secrets = {"webhook_secret": ZD_SECRET}
    assert zendesk.reply_event(_zd(public), public, secrets, NOW) == "5158"
    private = public.replace(b'"is_public":true', b'"is_public":false')
    assert zendesk.reply_event(_zd(private), private, secrets, NOW) is None
    status = b'{"type":"zen:event-type:ticket.status_changed","detail":{"id":"5158"}}'
    assert zendesk.reply_event(_zd(status), status, secrets, NOW) is None
    trigger = b'{"ticket_id":"77","comment":"a \\"quoted\\" reply"}'
    assert zendesk.reply_event(_zd(trigger), trigger, secrets, NOW) == "77"


@pytest.mark.parametrize(
    "change",
    ["tampered", "wrong secret", "old", "future", "no signature", "no timestamp", "no secret configured"],
)
def test_zendesk_refuses_what_it_did_not_sign_now(change: str) -> None:
    body = b'{"ticket_id":"77"}'
    headers, secrets, sent = _zd(body), {"webhook_secret": ZD_SECRET}, body
    if change == "tampered":
        sent = b'{"ticket_id":"78"}'
    elif change == "wrong secret":
        headers = _zd(body, secret="another")
    elif change in ("old", "future"):
        shift = timedelta(minutes=6) * (-1 if change == "old" else 1)
        ts = (NOW + shift).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = _zd(body, ts=ts)
    elif change == "no signature":
        del headers["x-zendesk-webhook-signature"]
    elif change == "no timestamp":
        del headers["X-Zendesk-Webhook-Signature-Timestamp"]
    else:
        secrets = {}
    with pytest.raises(DeskEventSignatureError):
        zendesk.reply_event(headers, sent, secrets, NOW)


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"ticket_id":"../admin"}', b'{"ticket_id":true}', b"{}"])
def test_zendesk_signed_garbage_is_malformed(body: bytes) -> None:
    with pytest.raises(DeskEventMalformedError):
        zendesk.reply_event(_zd(body), body, {"webhook_secret": ZD_SECRET}, NOW)


# Zammad -----------------------------------------------------------------------------------------

ZAMMAD_BODY = b'{"ticket":{"id":81},"article":{"id":104}}'
ZAMMAD_VECTOR = "sha1=4e0dbd44552460959a804a1e02a0a2f7d14890bd"


def test_zammad_signature_matches_the_documented_vector() -> None:
    assert _hub("zammad-token", ZAMMAD_BODY, "sha1") == ZAMMAD_VECTOR
    headers = {"x-hub-signature": ZAMMAD_VECTOR}
    assert zammad.reply_event(headers, ZAMMAD_BODY, {"webhook_secret": "zammad-token"}, NOW) == "81"


@pytest.mark.parametrize(
    ("article", "expected"),
    [
        ('{"internal":false,"sender":"Agent"}', "81"),
        ('{"internal":true,"sender":"Agent"}', None),
        ('{"internal":false,"sender":"Customer"}', None),
        ("null", None),
    ],
)
def test_zammad_acts_only_on_a_public_agent_article(article: str, expected: str | None) -> None:
    body = b'{"ticket":{"id":81},"article":' + article.encode() + b"}"
    headers = {"X-Hub-Signature": _hub("zammad-token", body, "sha1")}
    assert zammad.reply_event(headers, body, {"webhook_secret": "zammad-token"}, NOW) == expected


@pytest.mark.parametrize("change", ["tampered", "wrong secret", "sha256 instead", "no signature", "no secret"])
def test_zammad_refuses_what_it_did_not_sign(change: str) -> None:
    signature = {
        "tampered": ZAMMAD_VECTOR,
        "wrong secret": _hub("other", ZAMMAD_BODY, "sha1"),
        "sha256 instead": _hub("zammad-token", ZAMMAD_BODY),
        "no signature": "",
        "no secret": ZAMMAD_VECTOR,
    }[change]
    body = ZAMMAD_BODY.replace(b"81", b"82") if change == "tampered" else ZAMMAD_BODY
    secrets = {} if change == "no secret" else {"webhook_secret": "zammad-token"}
    with pytest.raises(DeskEventSignatureError):
        zammad.reply_event({"X-Hub-Signature": signature}, body, secrets, NOW)


@pytest.mark.parametrize("body", [b"<xml/>", b'{"ticket":{}}', b'{"ticket":{"id":"1 OR 1"}}', b'"x"'])
def test_zammad_signed_garbage_is_malformed(body: bytes) -> None:
    with pytest.raises(DeskEventMalformedError):
        zammad.reply_event({"X-Hub-Signature": _hub("k", body, "sha1")}, body, {"webhook_secret": "k"}, NOW)


# Request Tracker (our scrip) ---------------------------------------------------------------------

RT_BODY = b'{"creator":"agent","ticket_id":"7","transaction_id":"40","type":"Correspond"}'


def test_request_tracker_correspond_names_its_ticket_and_other_types_do_not() -> None:
    secrets = {"webhook_secret": "rt-secret"}
    assert request_tracker.reply_event({"X-Signature": _hub("rt-secret", RT_BODY)}, RT_BODY, secrets, NOW) == "7"
    comment = RT_BODY.replace(b"Correspond", b"Comment")
    assert request_tracker.reply_event({"x-signature": _hub("rt-secret", comment)}, comment, secrets, NOW) is None


@pytest.mark.parametrize("change", ["tampered", "wrong secret", "bare hex", "no signature", "no secret"])
def test_request_tracker_refuses_what_the_scrip_did_not_sign(change: str) -> None:
    good = _hub("rt-secret", RT_BODY)
    signature = {"wrong secret": _hub("x", RT_BODY), "bare hex": good.removeprefix("sha256="), "no signature": ""}
    headers = {"X-Signature": signature.get(change, good)}
    body = RT_BODY.replace(b'"7"', b'"8"') if change == "tampered" else RT_BODY
    secrets = {} if change == "no secret" else {"webhook_secret": "rt-secret"}
    with pytest.raises(DeskEventSignatureError):
        request_tracker.reply_event(headers, body, secrets, NOW)


@pytest.mark.parametrize("body", [b"", b"{", b'{"type":"Correspond"}', b'{"type":"Correspond","ticket_id":"7/../1"}'])
def test_request_tracker_signed_garbage_is_malformed(body: bytes) -> None:
    with pytest.raises(DeskEventMalformedError):
        request_tracker.reply_event({"X-Signature": _hub("k", body)}, body, {"webhook_secret": "k"}, NOW)


# Jira and JSM (one admin webhook) -----------------------------------------------------------------

JIRA_BODY = b'{"webhookEvent":"comment_created"}'
JIRA_VECTOR = "sha256=e930796517062d62de8f7a9c7a312434595c02a3b47b6402da0a37565e1492e0"
JIRA_COMMENT = (
    b'{"webhookEvent":"comment_created","comment":{"id":"10100","author":{"accountId":"5b10","accountType":'
    b'"atlassian"},"body":"Hello, we have refunded you.","jsdPublic":true},"issue":{"id":"10001","key":"SUP-7"}}'
)


def test_jira_signature_matches_the_documented_vector() -> None:
    assert _hub("jira-secret", JIRA_BODY) == JIRA_VECTOR
    with pytest.raises(DeskEventMalformedError):  # genuine, but it names no issue
        jira.reply_event({"X-Hub-Signature": JIRA_VECTOR}, JIRA_BODY, {"webhook_secret": "jira-secret"}, NOW)


@pytest.mark.parametrize("adapter", [jira, jira_sm])
def test_jira_public_comment_names_its_issue_and_internal_or_other_events_do_not(adapter: Any) -> None:
    secrets = {"webhook_secret": "jira-secret"}

    def event(body: bytes) -> str | None:
        return cast(
            "str | None", adapter.reply_event({"x-hub-signature": _hub("jira-secret", body)}, body, secrets, NOW)
        )

    assert event(JIRA_COMMENT) == "SUP-7"
    assert event(JIRA_COMMENT.replace(b'"jsdPublic":true', b'"jsdPublic":false')) is None
    restricted = JIRA_COMMENT.replace(b'"jsdPublic":true', b'"visibility":{"type":"role","value":"Developers"}')
    assert event(restricted) is None
    assert event(JIRA_COMMENT.replace(b"comment_created", b"comment_updated")) is None


@pytest.mark.parametrize("change", ["tampered", "wrong secret", "sha1 instead", "no signature", "no secret"])
def test_jira_refuses_what_it_did_not_sign(change: str) -> None:
    good = _hub("jira-secret", JIRA_COMMENT)
    signature = {
        "wrong secret": _hub("other", JIRA_COMMENT),
        "sha1 instead": _hub("jira-secret", JIRA_COMMENT, "sha1"),
        "no signature": "",
    }.get(change, good)
    body = JIRA_COMMENT.replace(b"SUP-7", b"SUP-8") if change == "tampered" else JIRA_COMMENT
    secrets = {} if change == "no secret" else {"webhook_secret": "jira-secret"}
    with pytest.raises(DeskEventSignatureError):
        jira.reply_event({"X-Hub-Signature": signature}, body, secrets, NOW)


@pytest.mark.parametrize(
    "body",
    [b"nope", b'{"webhookEvent":"comment_created","issue":{"key":"SUP 7"}}', b'{"webhookEvent":"comment_created"}'],
)
def test_jira_signed_garbage_is_malformed(body: bytes) -> None:
    with pytest.raises(DeskEventMalformedError):
        jira.reply_event({"X-Hub-Signature": _hub("k", body)}, body, {"webhook_secret": "k"}, NOW)


def test_jira_comments_read_adf_markers_and_restrictions() -> None:
    adf = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "mention", "attrs": {"id": "x", "text": "@Ivan"}},
                    {"type": "text", "text": " sorry"},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "refunded "},
                    {"type": "emoji", "attrs": {"shortName": ":ok:", "text": "👌"}},
                ],
            },
            {"type": "bulletList", "content": [{"type": "listItem", "content": [{"type": "text", "text": "one"}]}]},
        ],
    }
    agent = {"accountId": "a1", "displayName": "Agent A", "accountType": "atlassian"}
    reply = jira.comment_of({"id": "1", "body": adf, "author": agent, "created": "2026-10-02T05:20:00.000+0000"}, "me")
    assert (reply.body, reply.for_customer, reply.author) == ("@Ivan sorry\nrefunded 👌\none", True, "Agent A")
    assert reply.created_at == datetime(2026, 10, 2, 5, 20, tzinfo=UTC)
    marked = jira.comment_of({"id": "2", "body": "x", "author": agent, "properties": jira.MARKER}, "me")
    assert marked.ours and not marked.for_customer
    ours = jira.comment_of({"id": "3", "body": "x", "author": {**agent, "accountId": "me"}}, "me")
    assert ours.ours
    restricted = jira.comment_of({"id": "4", "body": "x", "author": agent, "visibility": {"type": "group"}}, "me")
    assert not restricted.public
    app = jira.comment_of({"id": "5", "body": "x", "author": {"accountId": "bot", "accountType": "app"}}, "me")
    assert not app.by_agent
    deep: dict[str, Any] = {"type": "text", "text": "lost"}
    for _ in range(jira.ADF_DEPTH + 5):
        deep = {"type": "paragraph", "content": [deep]}
    assert jira.adf_text(deep).strip() == ""  # too deep to be Jira's: dropped, not a RecursionError


# Freshdesk (no signature: our token) --------------------------------------------------------------


def test_freshdesk_token_names_the_ticket() -> None:
    secrets = {"events_token": "t" * 40}
    body = b'{"ticket_id": 123, "status": "Open", "latest_public_comment": "x"}'
    assert freshdesk.reply_event({"x-mentiondesk-token": "t" * 40}, body, secrets, NOW) == "123"


@pytest.mark.parametrize("token", ["", "t" * 39, "T" * 40, None])
def test_freshdesk_refuses_a_wrong_or_missing_token(token: str | None) -> None:
    headers = {} if token is None else {"X-Mentiondesk-Token": token}
    with pytest.raises(DeskEventSignatureError):
        freshdesk.reply_event(headers, b'{"ticket_id": 1}', {"events_token": "t" * 40}, NOW)
    with pytest.raises(DeskEventSignatureError):  # no token configured: nothing is trusted
        freshdesk.reply_event({"X-Mentiondesk-Token": "t" * 40}, b'{"ticket_id": 1}', {}, NOW)


@pytest.mark.parametrize("body", [b"{{ticket.id}}", b'{"ticket_id": ""}', b'{"ticket_id": 1.5}', b"{}"])
def test_freshdesk_garbage_with_the_token_is_malformed(body: bytes) -> None:
    with pytest.raises(DeskEventMalformedError):
        freshdesk.reply_event({"X-Mentiondesk-Token": "k" * 40}, body, {"events_token": "k" * 40}, NOW)
