"""The score of a mention, and the rules a brand tunes it with.

The scorer here is deliberately simple (TextBlob polarity for English plus complaint cues in
English and Russian); the real one replaces `scoring.score` and keeps this shape, so everything
downstream (storage, tickets, escalation) depends on `Score` only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True)
class ScoringRules:
    """Per-brand knobs: a bank and a pizza shop draw the complaint line in different places."""

    complaint_threshold: float = 0.5
    high_reach_followers: int = 10_000

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoringRules:
        unknown = set(data) - {"complaint_threshold", "high_reach_followers"}
        if unknown:
            raise ValueError(f"unknown scoring settings: {', '.join(sorted(unknown))}")
        rules = cls(**data)
        if not 0.0 < rules.complaint_threshold <= 1.0:
            raise ValueError("complaint_threshold must be in (0, 1]")
        return rules


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
