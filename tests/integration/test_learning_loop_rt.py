"""End to end with a real Request Tracker: mentions become RT tickets; agents close the contest posts
as `rejected` (RT's "not a complaint") and resolve the real problems; the sweep turns that into
verdicts; the trainer learns and a similar post then scores lower; a worse challenger is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from functions.core.verdicts import Source, Verdict
from functions.jobs import escalation, training
from functions.runtime.brands import brands
from functions.stores import models, verdicts
from tests.conftest import RequestTrackerServer
from tests.helpers import deliver, mentions_stored, vk_body

pytestmark = pytest.mark.rt

CONTEST = "Quiz night! Why is the rtco tower still blinking red at midnight? Answer to win #{}"
PROBLEM = "Why is my rtco bill still not showing online? again! #{}"
THINGS = ["tower", "cake", "mascot", "balloon", "logo", "van", "cap", "mug", "shirt", "sticker", "flag", "kite"]


def _history(flip: bool = False) -> list[Verdict]:
    """What an import of the brand's earlier tickets brings: contests were never complaints."""
    now = datetime.now(UTC).isoformat()
    found = []
    for i, thing in enumerate(THINGS * 3):
        for j, (text, complaint) in enumerate(
            (
                (f"rtco giveaway: guess why the {thing} is still not here, answer to win #{i}", False),
                (f"my rtco {thing} line stopped working again, still waiting #{i}", True),
            )
        ):
            key = f"rtco#text#h{i}-{j}"
            wrong = flip and not training.held_back(key)
            found.append(Verdict(key, "rtco", complaint != wrong, Source.IMPORT, now, text, "en"))
    return found


def _post(service: str, number: int, text: str) -> None:
    body = vk_body("wall_reply_new__top_level.json", brand="rtco", id=9100 + number, post_id=700 + number, text=text)
    assert deliver(service, "vk", body, brand="rtco").status_code == 200


def _set_status(rt: RequestTrackerServer, ticket_id: str, status: str) -> None:
    response = requests.put(
        f"{rt.url}/REST/2.0/ticket/{ticket_id}", json={"Status": status}, auth=(rt.user, rt.password), timeout=10
    )
    response.raise_for_status()


def test_rt_rejections_train_a_model_that_scores_contests_lower_and_a_worse_one_is_refused(
    rt: RequestTrackerServer, service: str, driver: Any
) -> None:
    for number in range(3):
        _post(service, number, CONTEST.format(number))
        _post(service, 10 + number, PROBLEM.format(number))
    driver.drain()
    stored = {m["text"]: m for m in mentions_stored()}
    assert all(m["complaint"] for m in stored.values())  # the rules open a ticket for every one
    for text, item in stored.items():
        _set_status(rt, item["ticket"]["id"], "rejected" if text.startswith("Quiz") else "resolved")
    brand = brands().get("rtco")
    assert brand is not None
    from functions import helpdesks

    escalation.sweep_brand(brand, helpdesks.for_brand(brand), datetime.now(UTC))
    from_rt = {v.text: v for v in verdicts.for_brand("rtco")}
    assert {(t.startswith("Quiz"), v.complaint, v.source) for t, v in from_rt.items()} == {
        (True, False, Source.DESK),
        (False, True, Source.SOLVED),
    }
    for verdict in _history():
        verdicts.record(verdict)
    rules_view = training.rule_view(CONTEST.format(99), "en", brand)
    first = training.train_brand("rtco", datetime.now(UTC))
    assert first.promoted, first
    models.forget()  # a warm worker re-reads the champion pointer after MODEL_CACHE_SECONDS

    _post(service, 99, CONTEST.format(99))
    driver.drain()
    (scored,) = [m for m in mentions_stored() if m["text"] == CONTEST.format(99)]
    assert f"model:{first.version}" in scored["score"]["reasons"]
    assert scored["score"]["complaint_probability"] < rules_view.complaint_probability
    assert scored["complaint"] is False  # no ticket for the next contest

    for verdict in _history(flip=True):
        verdicts.record(verdict)
    second = training.train_brand("rtco", datetime.now(UTC) + timedelta(seconds=1))
    assert not second.promoted and second.reason in ("worse_than_rules", "worse_than_champion"), second
    assert models.champion("rtco")["version"] == first.version  # type: ignore[index]
