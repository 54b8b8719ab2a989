"""Escalation rules: when a complaint must not wait in the queue like the others. Pure.

Three triggers, each raised at most once per ticket (the caller records the reason keys):
- immediate: severe terms, an author above the reach threshold, or a post gaining engagement fast;
- SLA: a first-response deadline per priority, counted from the *public post time* (the customer
  has been waiting since they posted, not since we ingested), at risk at a fraction of it, then
  breached;
- spikes: a brand's complaint count in the current window against its own recent baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from functions.core.mention import Mention
from functions.core.score import Priority, Score

DEFAULT_SLA_MINUTES = {Priority.URGENT: 30, Priority.HIGH: 120, Priority.NORMAL: 480, Priority.LOW: 1440}


@dataclass(frozen=True)
class SpikeRule:
    window_minutes: int = 60
    baseline_windows: int = 24
    factor: float = 3.0
    min_count: int = 10


@dataclass(frozen=True)
class EscalationRules:
    reach_followers: int = 50_000
    engagement_per_hour: float = 100.0
    sla_minutes: Mapping[Priority, int] = field(default_factory=lambda: dict(DEFAULT_SLA_MINUTES))
    at_risk_fraction: float = 0.75
    spike: SpikeRule = field(default_factory=SpikeRule)
    notify: tuple[Mapping[str, Any], ...] = ()  # {"type": slack|telegram|sns, "settings": {}, "secrets": {}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EscalationRules:
        known = {"reach_followers", "engagement_per_hour", "sla_minutes", "at_risk_fraction", "spike", "notify"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown escalation settings: {', '.join(sorted(unknown))}")
        sla = {**DEFAULT_SLA_MINUTES, **{Priority(k): int(v) for k, v in data.get("sla_minutes", {}).items()}}
        rules = cls(
            reach_followers=int(data.get("reach_followers", 50_000)),
            engagement_per_hour=float(data.get("engagement_per_hour", 100.0)),
            sla_minutes=sla,
            at_risk_fraction=float(data.get("at_risk_fraction", 0.75)),
            spike=SpikeRule(**data.get("spike", {})),
            notify=tuple(dict(n) for n in data.get("notify", [])),
        )
        if not 0 < rules.at_risk_fraction < 1:
            raise ValueError("at_risk_fraction must be between 0 and 1")
        if any(minutes <= 0 for minutes in sla.values()):
            raise ValueError("sla_minutes must be positive")
        for target in rules.notify:
            if target.get("type") not in ("slack", "telegram", "sns"):
                raise ValueError(f"notify type must be slack, telegram or sns, got {target.get('type')!r}")
        return rules


def immediate_reasons(mention: Mention, score: Score, rules: EscalationRules, now: datetime) -> tuple[str, ...]:
    """Why this complaint cannot wait: reason keys, empty when it can."""
    reasons: list[str] = []
    if any(reason.startswith("severity:") for reason in score.reasons):
        reasons.append("severe")
    if (mention.author.followers or 0) >= rules.reach_followers:
        reasons.append("reach")
    engagement = sum(v or 0 for v in (mention.metrics.likes, mention.metrics.replies, mention.metrics.shares))
    hours = max((now - mention.created_at).total_seconds() / 3600, 0.25)  # a fresh post: a quarter hour
    if engagement / hours >= rules.engagement_per_hour:
        reasons.append("engagement")
    return tuple(reasons)


@dataclass(frozen=True)
class SlaState:
    deadline: datetime
    at_risk_from: datetime


def sla(posted_at: datetime, priority: Priority, rules: EscalationRules) -> SlaState:
    minutes = rules.sla_minutes[priority]
    return SlaState(
        deadline=posted_at + timedelta(minutes=minutes),
        at_risk_from=posted_at + timedelta(minutes=minutes * rules.at_risk_fraction),
    )


def sla_reason(state: SlaState, now: datetime, already: frozenset[str]) -> str | None:
    """The SLA escalation due now, if it was not raised before: breached wins over at risk."""
    if now >= state.deadline and "sla_breached" not in already:
        return "sla_breached"
    if state.at_risk_from <= now < state.deadline and not already & {"sla_at_risk", "sla_breached"}:
        return "sla_at_risk"
    return None


def window_start(now: datetime, rule: SpikeRule) -> datetime:
    """The start of the spike window `now` falls in (windows are aligned to the epoch)."""
    size = rule.window_minutes * 60
    return datetime.fromtimestamp(int(now.timestamp()) // size * size, tz=now.tzinfo)


def is_spike(current: int, history: Sequence[int], rule: SpikeRule) -> bool:
    """More than `factor` × the brand's own average of earlier windows, and at least `min_count`."""
    if current < rule.min_count:
        return False
    baseline = sum(history) / len(history) if history else 0.0
    return current > rule.factor * max(baseline, 1.0)
