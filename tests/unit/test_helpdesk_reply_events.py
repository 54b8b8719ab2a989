"""Each helpdesk's reply push, checked as `reply_event` checks it: the vectors of
docs/helpdesk-replies.md (computed from the documented formulas), tampering, replay and garbage."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from functions.core.tickets import DeskEventMalformedError, DeskEventSignatureError
from functions.helpdesks import zendesk

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
