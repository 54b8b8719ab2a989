"""VK specifics the contract suite cannot know: confirmation, the `ok` body, own posts, ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.connectors import vk
from functions.core.webhooks import ForeignObjectError, MalformedPayloadError, SignatureError, WebhookRequest
from tests.contract import FIXTURES, NOW

SECRETS = {"secret": "s3cret", "confirmation": "abc123"}


def _request(document: dict[str, object]) -> WebhookRequest:
    return WebhookRequest("POST", json.dumps(document).encode(), {"content-type": "application/json"})


def test_confirmation_is_answered_with_the_brand_string_as_plain_text() -> None:
    reply = vk.handshake(_request({"type": "confirmation", "group_id": 218000001}), SECRETS)
    assert reply is not None
    assert (reply.status, reply.body, reply.content_type) == (200, "abc123", "text/plain")


def test_confirmation_without_a_configured_string_is_refused() -> None:
    with pytest.raises(SignatureError):
        vk.handshake(_request({"type": "confirmation", "group_id": 1}), {"secret": "s"})


def test_every_accepted_delivery_is_acknowledged_with_literal_ok() -> None:
    assert (vk.ACK.status, vk.ACK.body) == (200, "ok")


def test_secret_missing_from_body_is_401_and_wrong_is_403() -> None:
    body = json.loads((FIXTURES / "vk" / "wall_reply_new__top_level.json").read_text())
    del body["secret"]
    with pytest.raises(SignatureError) as missing:
        vk.verify(_request(body), SECRETS, NOW)
    assert missing.value.status == 401
    with pytest.raises(SignatureError) as wrong:
        vk.verify(_request({**body, "secret": "s3creT"}), SECRETS, NOW)
    assert wrong.value.status == 403


def test_account_id_is_the_group_id() -> None:
    assert vk.account_id(_request({"type": "x", "group_id": 218000001})) == "218000001"
    assert vk.account_id(_request({"type": "x", "group_id": "218000001"})) is None
    assert vk.account_id(WebhookRequest("POST", b"not json")) is None


def test_known_event_with_missing_fields_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedPayloadError, match="wall_reply_new"):
        vk.parse(_request({"type": "wall_reply_new", "group_id": 1, "object": {"id": 1}}), "acme")


def test_reply_and_its_top_level_comment_share_a_thread_root() -> None:
    top = vk.parse(_request(json.loads((FIXTURES / "vk" / "wall_reply_new__top_level.json").read_text())), "acme")
    reply = vk.parse(
        _request(json.loads((FIXTURES / "vk" / "wall_reply_new__reply_in_thread.json").read_text())), "acme"
    )
    assert top[0].thread_key == reply[0].thread_key  # same author, same post: one ticket thread


_OWNED = sorted(
    path
    for path in (FIXTURES / "vk").glob("*__*.json")
    if not path.name.endswith(".expected.json")
    and any("owner" in key for key in json.loads(path.read_text()).get("object", {}))
)


@pytest.mark.parametrize("path", _OWNED, ids=lambda p: p.stem)
def test_an_object_on_another_communitys_wall_is_refused(path: Path) -> None:
    """With this community's secret, an event naming another owner (another brand's wall) is a 403,
    for every owner field VK uses (wall, photo, video, market, board; new, edit, restore, delete)."""
    document = json.loads(path.read_text())
    assert vk.parse(_request(document), "acme") is not None  # as VK sends it: the community's own wall
    for name in [key for key in document["object"] if "owner" in key]:
        forged = {**document, "object": {**document["object"], name: -218000002}}
        with pytest.raises(ForeignObjectError, match=name) as refused:
            vk.parse(_request(forged), "acme")
        assert refused.value.status == 403


def test_the_owner_check_covers_every_event_with_an_owner() -> None:
    """Every handled event but messages names an owner in its fixtures, so the check above sees them all."""
    covered = {path.name.split("__")[0] for path in _OWNED}
    assert covered == {event for event in vk.EVENT_TYPES if not event.startswith("message_")}


def test_reply_link_names_the_thread_top_from_parents_stack_not_the_comment_replied_to() -> None:
    document = json.loads((FIXTURES / "vk" / "wall_reply_new__reply_in_thread.json").read_text())
    assert document["object"]["parents_stack"] == [9041] and document["object"]["reply_to_comment"] == 9043
    (reply,) = vk.parse(_request(document), "acme")
    assert reply.url == "https://vk.com/wall-218000001_513?reply=9050&thread=9041"
    assert reply.thread.parent_id == "wall-218000001_513_c9043"  # what it answers stays the comment replied to
    del document["object"]["parents_stack"]
    (without_stack,) = vk.parse(_request(document), "acme")
    assert without_stack.url == "https://vk.com/wall-218000001_513?reply=9050&thread=9043"


@pytest.mark.parametrize("date", [99999999999999999999, -99999999999999999999, 10**18])
def test_a_date_no_calendar_holds_is_malformed_not_a_crash(date: int) -> None:
    document = json.loads((FIXTURES / "vk" / "wall_reply_new__top_level.json").read_text())
    document["object"]["date"] = date
    with pytest.raises(MalformedPayloadError, match="wall_reply_new"):
        vk.parse(_request(document), "acme")


@pytest.mark.parametrize("body", [b"[" * 10000, b'{"a":' * 10000, b"9" * 5000, b'{"group_id": ' + b"9" * 5000 + b"}"])
def test_hostile_bodies_have_no_account_and_are_malformed(body: bytes) -> None:
    assert vk.account_id(WebhookRequest("POST", body)) is None
    with pytest.raises(MalformedPayloadError):
        vk.parse(WebhookRequest("POST", body), "acme")


@pytest.mark.parametrize(
    ("name", "external_id"),
    [
        ("wall_reply_new__own_community_answer.json", "wall-218000001_513_c9043"),
        ("wall_post_new__own_community_post.json", None),
        ("message_reply__outgoing.json", "msg553201_46"),
        ("message_edit__community_reply.json", "msg553201_46"),
    ],
)
def test_the_communitys_own_writing_comes_back_by_brand(name: str, external_id: str | None) -> None:
    """Our comment or DM returns under the id `reply_result` stored for it, marked by_brand."""
    (mention,) = vk.parse(_request(json.loads((FIXTURES / "vk" / name).read_text())), "acme")
    assert mention.by_brand and mention.author.id == "-218000001"
    assert external_id is None or mention.external_id == external_id


def test_a_customer_comment_is_not_by_brand() -> None:
    (mention,) = vk.parse(
        _request(json.loads((FIXTURES / "vk" / "wall_reply_new__top_level.json").read_text())), "acme"
    )
    assert not mention.by_brand
