"""Verdicts in: the desk's "not a complaint" signals and solved tickets (pushed and swept), an agent's
`POST /mentions/{id}/verdict` (a missed complaint opens its ticket), and `cli verdicts import`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from functions import cli
from functions.core.verdicts import Source
from functions.jobs import escalation
from functions.runtime.brands import brands
from functions.stores import desk, verdicts
from tests.conftest import BRAND_READ_KEYS, READ_API_KEY
from tests.helpers import deliver, desk_tickets, mentions_stored, vk_body

TOKEN = {"X-Mentiondesk-Token": "acme-events-token"}
QUIET = "Hello acme, what time do you open on Sunday?"


def _stored(service: str, driver: Any, text: str | None = None, fixture: str = "wall_reply_new__top_level.json") -> str:
    body = vk_body(fixture, text=text) if text else vk_body(fixture)
    deliver(service, "vk", body)
    driver.drain()
    identities = [m["id"] for m in mentions_stored() if text is None or m["text"] == text]
    return str(identities[-1])


def _event(service: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{service}/helpdesk-events/builtin", json=body, headers=TOKEN, timeout=5)


def _verdict(service: str, identity: str, body: object, key: str | None = READ_API_KEY) -> requests.Response:
    headers = {"X-Api-Key": key} if key else {}
    url = f"{service}/mentions/{quote(identity, safe='')}/verdict"
    return requests.post(url, json=body, headers=headers, timeout=5)


def test_a_ticket_closed_as_not_a_complaint_is_a_no_and_a_later_solve_does_not_undo_it(
    service: str, driver: Any
) -> None:
    identity = _stored(service, driver)
    (ticket,) = desk_tickets()
    assert _event(service, {"ticket_id": ticket["id"], "status": "not_complaint"}).status_code == 200
    verdict = verdicts.get(identity)
    assert verdict is not None and verdict.complaint is False and verdict.source is Source.DESK
    assert verdict.brand == "acme" and "never arrived" in verdict.text
    assert _event(service, {"ticket_id": ticket["id"], "status": "solved"}).status_code == 200
    assert verdicts.get(identity) == verdict  # a solved status is weaker than the desk's explicit "no"


def test_a_solved_ticket_is_a_yes_and_tags_or_spam_from_the_desk_are_a_no(service: str, driver: Any) -> None:
    identity = _stored(service, driver)
    (ticket,) = desk_tickets()
    desk.update(ticket["id"], status="solved")
    escalation.sweep_brand(brands().get("acme"), _builtin(), datetime.now(UTC))  # type: ignore[arg-type]
    verdict = verdicts.get(identity)
    assert verdict is not None and verdict.complaint is True and verdict.source is Source.SOLVED
    tagged = _event(service, {"ticket_id": ticket["id"], "status": "solved", "tags": "vip not_complaint"})
    assert tagged.status_code == 200
    assert verdicts.get(identity).complaint is False  # type: ignore[union-attr]
    assert _event(service, {"ticket_id": ticket["id"], "status": "open", "spam": "yes"}).status_code == 400


def _builtin() -> Any:
    from functions import helpdesks

    return helpdesks.for_brand(brands().get("acme"))  # type: ignore[arg-type]


def test_the_verdict_route_is_brand_scoped_and_checks_its_input(service: str, driver: Any) -> None:
    identity = _stored(service, driver)
    assert _verdict(service, identity, {"complaint": False}, key=None).status_code == 401
    assert _verdict(service, identity, {"complaint": False}, key=BRAND_READ_KEYS["rtco"]).status_code == 403
    assert _verdict(service, identity, {"complaint": "no"}).status_code == 400
    assert _verdict(service, "acme#vk#nope", {"complaint": False}).status_code == 404
    assert _verdict(service, "not-an-identity", {"complaint": False}).status_code == 400  # the agency key
    assert _verdict(service, "not-an-identity", {"complaint": False}, key=BRAND_READ_KEYS["acme"]).status_code == 403
    answer = _verdict(service, identity, {"complaint": False}, key=BRAND_READ_KEYS["acme"])
    assert answer.status_code == 200 and answer.json() == {"ok": True, "mention": identity, "complaint": False}
    verdict = verdicts.get(identity)
    assert verdict is not None and verdict.source is Source.AGENT and verdict.complaint is False


def test_an_agents_verdict_can_carry_a_sentiment_label_for_the_sentiment_heads(service: str, driver: Any) -> None:
    identity = _stored(service, driver)
    for wrong in ("angry", "NEGATIVE", "-1", 1, True, ["negative"], {"label": "negative"}):
        answer = _verdict(service, identity, {"complaint": False, "sentiment": wrong})
        assert answer.status_code == 400
        assert "sentiment must be one of negative, neutral, positive" in answer.json()["error"]
    assert verdicts.get(identity) is None  # a refused body writes nothing
    assert _verdict(service, identity, {"sentiment": "negative"}).status_code == 400  # complaint stays required
    assert _verdict(service, identity, {"complaint": True, "sentiment": "neutral"}, key=None).status_code == 401
    rtco = BRAND_READ_KEYS["rtco"]
    assert _verdict(service, identity, {"complaint": True, "sentiment": "neutral"}, key=rtco).status_code == 403
    assert _verdict(service, "acme#vk#nope", {"complaint": True, "sentiment": "neutral"}).status_code == 404

    answer = _verdict(service, identity, {"complaint": True, "sentiment": "negative"}, key=BRAND_READ_KEYS["acme"])
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "mention": identity, "complaint": True, "sentiment": "negative"}
    verdict = verdicts.get(identity)
    assert verdict is not None and (verdict.complaint, verdict.source, verdict.sentiment) == (
        True,
        Source.AGENT,
        "negative",
    )
    assert _verdict(service, identity, {"complaint": False, "sentiment": None}).json()["complaint"] is False
    assert verdicts.get(identity).sentiment is None  # type: ignore[union-attr] # the latest agent's word, whole


def test_marking_a_missed_complaint_opens_its_ticket_now(service: str, driver: Any) -> None:
    identity = _stored(service, driver, text=QUIET)
    assert desk_tickets() == []
    answer = _verdict(service, identity, {"complaint": True}, key=BRAND_READ_KEYS["acme"])
    assert answer.status_code == 200 and answer.json()["ticket"] == "queued"
    driver.drain()
    (ticket,) = desk_tickets()
    assert QUIET in ticket["body"]
    (stored,) = [m for m in mentions_stored() if m["id"] == identity]
    assert stored["complaint"] is True and "verdict:complaint" in stored["score"]["reasons"]
    again = _verdict(service, identity, {"complaint": True})
    assert again.status_code == 200 and "ticket" not in again.json()  # one ticket, not two
    driver.drain()
    assert len(desk_tickets()) == 1


def test_cli_imports_ids_and_texts_with_progress_and_keeps_agents_verdicts(
    service: str, driver: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = _stored(service, driver)
    quiet = _stored(service, driver, text=QUIET, fixture="photo_comment_new__comment.json")
    assert _verdict(service, quiet, {"complaint": True}).status_code == 200  # an agent's, stands
    network_id = identity.split("#", 1)[1]
    rows = [
        "id,text,label",
        f"{network_id},,not_complaint",
        f"{quiet},,0",
        ',"the app crashes every time I pay, please help",1',
        ",no label here,maybe",
    ]
    csv = tmp_path / "verdicts.csv"
    csv.write_text("\n".join(rows) + "\n")
    assert cli.main(["verdicts", "import", str(csv), "--brand", "acme"]) == 1  # one row refused
    out = capsys.readouterr()
    assert "2 written, 1 kept" in out.out and "1 refused" in out.out
    assert "verdicts import: 4 done" in out.err and "line 5" in out.err
    assert verdicts.get(identity).complaint is False  # type: ignore[union-attr]
    assert verdicts.get(quiet).complaint is True  # type: ignore[union-attr]
    texts = [v for v in verdicts.for_brand("acme") if v.key.startswith("acme#text#")]
    assert [(v.complaint, v.source, v.lang) for v in texts] == [(True, Source.IMPORT, "en")]
    assert cli.main(["verdicts", "import", str(tmp_path / "missing.csv"), "--brand", "acme"]) == 2
    assert cli.main(["verdicts", "import", str(csv), "--brand", "nobody"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2
