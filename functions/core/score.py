"""The score of a mention, and the rules a brand tunes it with.

The scorer (`scoring.score`, see docs/scoring.md) fills this shape; everything downstream (storage,
tickets, escalation) depends on `Score` only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True)
class ScoringRules:
    """Per-brand knobs: a bank and a pizza shop draw the complaint line in different places.

    - complaint_threshold: complaint probability at or above which a mention is a complaint (a ticket);
    - high_reach_followers: an author with this many followers raises the priority;
    - high_engagement: likes + 2·replies + 3·shares at which a complaint raises the priority;
    - strong_complaint: complaint probability that counts as a strong complaint for the priority;
    - neutral_band: |sentiment| below this is neutral when a label is needed (dashboards, evaluation);
    - urgent_on_severity: a complaint naming health, safety, data, legal or fraud is urgent;
    - extra_complaint_terms: the brand's own problem words ("cold pizza", "card blocked"), each counts
      like a stated problem (reason `term:<term>`);
    - extra_severity_terms: the brand's own severity words (reason `severity:custom:<term>`).
    """

    complaint_threshold: float = 0.45
    high_reach_followers: int = 10_000
    high_engagement: int = 100
    strong_complaint: float = 0.9
    neutral_band: float = 0.15
    urgent_on_severity: bool = True
    extra_complaint_terms: tuple[str, ...] = ()
    extra_severity_terms: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoringRules:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown scoring settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        for key in ("extra_complaint_terms", "extra_severity_terms"):
            if key in values:
                terms = values[key]
                if not isinstance(terms, list | tuple) or not all(isinstance(t, str) and t.strip() for t in terms):
                    raise ValueError(f"{key} must be a list of non-empty strings")
                values[key] = tuple(t.strip().lower() for t in terms)
        rules = cls(**values)
        rules.validate()
        return rules

    def validate(self) -> None:
        if not 0.0 < self.complaint_threshold <= 1.0:
            raise ValueError("complaint_threshold must be in (0, 1]")
        if not 0.0 < self.strong_complaint <= 1.0:
            raise ValueError("strong_complaint must be in (0, 1]")
        if not 0.0 <= self.neutral_band < 1.0:
            raise ValueError("neutral_band must be in [0, 1)")
        for key in ("high_reach_followers", "high_engagement"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be a positive integer")
        if not isinstance(self.urgent_on_severity, bool):
            raise ValueError("urgent_on_severity must be true or false")


@dataclass(frozen=True)
class Score:
    sentiment: float
    complaint: bool
    complaint_probability: float
    priority: Priority
    category: str
    lang: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["priority"] = self.priority.value
        data["reasons"] = list(self.reasons)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        return cls(
            sentiment=float(data["sentiment"]),
            complaint=bool(data["complaint"]),
            complaint_probability=float(data["complaint_probability"]),
            priority=Priority(data["priority"]),
            category=data["category"],
            lang=data["lang"],
            reasons=tuple(data["reasons"]),
        )
