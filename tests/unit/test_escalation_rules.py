"""Escalation rules, pure: immediate reasons, SLA deadlines once each, spikes against a baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.core.escalation import EscalationRules, SpikeRule, immediate_reasons, is_spike, sla, sla_reason
from functions.core.mention import Author, Kind, Mention, Metrics
from functions.core.score import Priority, Score

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _mention(followers: int | None = None, likes: int = 0, age: timedelta = timedelta(hours=1)) -> Mention:
    return Mention(
        "vk",
        "1",
        Kind.POST,
        "acme",
        Author("7", followers=followers),
        "t",
        None,
        NOW - age,
        metrics=Metrics(likes=likes),
    )


def _score(*reasons: str) -> Score:
    return Score(-0.5, True, 0.9, Priority.HIGH, "delivery", "en", reasons)


def test_ordinary_complaint_is_not_escalated() -> None:
    assert (
        immediate_reasons(_mention(followers=300, likes=3), _score("problem:not_arrived"), EscalationRules(), NOW) == ()
    )


def test_severity_reach_and_engagement_each_escalate() -> None:
    rules = EscalationRules(reach_followers=10_000, engagement_per_hour=50)
    assert immediate_reasons(_mention(), _score("severity:health"), rules, NOW) == ("severe",)
    assert immediate_reasons(_mention(followers=10_000), _score(), rules, NOW) == ("reach",)
    assert immediate_reasons(_mention(likes=120, age=timedelta(hours=2)), _score(), rules, NOW) == ("engagement",)
    assert immediate_reasons(_mention(likes=120, age=timedelta(hours=3)), _score(), rules, NOW) == ()


def test_sla_counts_from_the_post_and_escalates_each_stage_once() -> None:
    rules = EscalationRules(sla_minutes={Priority.HIGH: 120}, at_risk_fraction=0.75)
    state = sla(NOW, Priority.HIGH, rules)
    assert state.deadline == NOW + timedelta(hours=2)
    assert sla_reason(state, NOW + timedelta(minutes=89), frozenset()) is None
    assert sla_reason(state, NOW + timedelta(minutes=90), frozenset()) == "sla_at_risk"
    assert sla_reason(state, NOW + timedelta(minutes=100), frozenset({"sla_at_risk"})) is None
    assert sla_reason(state, NOW + timedelta(minutes=120), frozenset({"sla_at_risk"})) == "sla_breached"
    assert sla_reason(state, NOW + timedelta(minutes=200), frozenset({"sla_at_risk", "sla_breached"})) is None
    assert sla_reason(state, NOW + timedelta(minutes=200), frozenset()) == "sla_breached"  # missed at-risk: breach only


def test_spike_needs_both_the_factor_and_the_minimum() -> None:
    rule = SpikeRule(factor=3, min_count=10)
    assert is_spike(31, [10, 10, 10], rule)
    assert not is_spike(30, [10, 10, 10], rule)
    assert not is_spike(9, [0, 0, 0], rule)
    assert is_spike(10, [], rule)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sla_minutes": {"urgent": 0}}, "positive"),
        ({"at_risk_fraction": 1.5}, "between"),
        ({"notify": [{"type": "pager"}]}, "slack, telegram or sns"),
        ({"sla": 1}, "unknown"),
    ],
)
def test_bad_rules_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EscalationRules.from_dict(data)
