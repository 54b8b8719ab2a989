"""The trainer: each brand's complaint model from its own verdicts, champion/challenger.

Every verdict is either for training or held back, fixed by its key (one in `HELD_BACK_ONE_IN`),
so a held-back verdict is never trained on, by this model or a later one. A challenger is trained on
the rest and goes live only if, on the held-back verdicts, its macro-F1 (complaint and not) beats
both the rules' and the current champion's; each promotion and refusal is logged with the figures.
A brand with fewer than `MIN_VERDICTS` (or `MIN_PER_CLASS` of either kind) stays on the rules; a
brand with more than `MAX_VERDICTS` is trained on its newest.

Runs daily (`train_models`) and on demand (`python -m functions.cli train --brand B`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from functions.core.brands import Brand
from functions.core.mention import Author, Kind, Mention
from functions.core.model import Features, Model, macro_f1, train
from functions.core.score import Score
from functions.core.scoring import rule_view as scored_with_features
from functions.core.verdicts import Verdict
from functions.runtime.brands import brands
from functions.runtime.log import log, metric
from functions.stores import models, verdicts

bp = Blueprint(__name__)

HELD_BACK_ONE_IN = 5
MIN_VERDICTS = 60
MIN_PER_CLASS = 15
MAX_ARTIFACT_BYTES = 2 * 1024 * 1024
# The newest: about 45 s of training a brand at 5,000 (1 vCPU; 2,000 take 10 s, 23 s with the threshold's
# folds), 12 brands in one run of 900 s.
MAX_VERDICTS = 5_000
_MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def held_back(key: str) -> bool:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % HELD_BACK_ONE_IN == 0


@dataclass(frozen=True)
class Outcome:
    brand: str
    promoted: bool
    reason: str  # promoted, worse_than_champion, worse_than_rules, too_few_verdicts, too_large
    challenger: float | None = None
    champion: float | None = None
    rules: float | None = None
    version: str | None = None
    verdicts: int = 0


def _view(text: str, lang: str | None, brand: Brand) -> tuple[Score, Features]:
    mention = Mention("verdict", "0", Kind.POST, brand.slug, Author("0"), text, None, _MOMENT, lang=lang)
    return scored_with_features(mention, brand.scoring)


def rule_view(text: str, lang: str | None, brand: Brand) -> Score:
    return _view(text, lang, brand)[0]


def featurize(verdict: Verdict, brand: Brand) -> tuple[Features, Score]:
    """The model's features for a verdict's text, from the rules' view of it (recomputed: the rules change)."""
    ruled, found = _view(verdict.text, verdict.lang, brand)
    return found, ruled


def newest(labelled: list[Verdict], limit: int) -> list[Verdict]:
    """The `limit` newest verdicts: the desk's current sense of a complaint, and a training run that
    fits the scheduled function's time however long a brand's history is."""
    return sorted(labelled, key=lambda v: v.at)[-limit:] if len(labelled) > limit else labelled


def _predict(model: Model, rows: Sequence[Features]) -> list[bool]:
    return [model.probability(f) >= model.threshold for f in rows]


def train_brand(slug: str, now: datetime) -> Outcome:
    brand = brands().get(slug)
    if brand is None:
        raise LookupError(f"brand {slug!r} is not configured")
    labelled = newest([v for v in verdicts.for_brand(slug) if v.text.strip()], MAX_VERDICTS)
    complaints = sum(v.complaint for v in labelled)
    if len(labelled) < MIN_VERDICTS or min(complaints, len(labelled) - complaints) < MIN_PER_CLASS:
        log("training.skipped", brand=slug, verdicts=len(labelled), complaints=complaints, reason="too_few_verdicts")
        return Outcome(slug, False, "too_few_verdicts", verdicts=len(labelled))
    started = time.monotonic()
    rows = [(v, *featurize(v, brand)) for v in labelled]
    fit = [(f, v.complaint) for v, f, _ in rows if not held_back(v.key)]
    sentiments = [v.sentiment for v, _, _ in rows if not held_back(v.key)]
    test = [(v, f, ruled) for v, f, ruled in rows if held_back(v.key)]
    gold = [v.complaint for v, _, _ in test]
    challenger = train(fit, now.strftime("%Y%m%dT%H%M%SZ"), sentiments=sentiments)
    challenger_figure = macro_f1(gold, _predict(challenger, [f for _, f, _ in test]))
    rules_figure = macro_f1(gold, [ruled.complaint for _, _, ruled in test])
    record = models.champion(slug)
    try:
        current = models.load(slug, str(record["version"])) if record else None
    except ValueError as error:  # an artifact this code no longer reads (MDM1): the rules still judge it
        log("training.champion_unreadable", level="warning", brand=slug, error=str(error))
        current = None
    champion_figure = macro_f1(gold, _predict(current, [f for _, f, _ in test])) if current else None
    blob = challenger.to_bytes()
    figures = {"challenger": challenger_figure, "champion": champion_figure, "rules": rules_figure}
    if len(blob) > MAX_ARTIFACT_BYTES:
        reason = "too_large"
    elif challenger_figure <= rules_figure:
        reason = "worse_than_rules"
    elif champion_figure is not None and challenger_figure <= champion_figure:
        reason = "worse_than_champion"
    else:
        reason = "promoted"
    outcome = Outcome(slug, reason == "promoted", reason, version=challenger.version, verdicts=len(labelled), **figures)
    fields: dict[str, Any] = {
        "brand": slug,
        "version": challenger.version,
        "threshold": challenger.threshold,
        "seconds": round(time.monotonic() - started, 1),  # 900 s for all brands: watch this grow
        "held_back": len(test),
        "trained_on": len(fit),
        **figures,
    }
    if outcome.promoted:
        models.promote(
            slug,
            challenger,
            blob,
            {"figure": challenger_figure, "rules": rules_figure, "verdicts": len(labelled), "at": now.isoformat()},
        )
        log("training.promoted", previous=record["version"] if record else None, bytes=len(blob), **fields)
        metric("ModelsPromoted", dimensions={"brand": slug})
    else:
        log("training.refused", reason=reason, live=record["version"] if record else "rules", **fields)
    return outcome


@bp.schedule(Rate(1, unit=Rate.DAYS))
def train_models(event: CloudWatchEvent) -> None:
    now = datetime.now(UTC)
    for brand in brands().all():
        try:
            train_brand(brand.slug, now)
        except Exception as error:  # one brand's failure must not stop the others' training
            log("training.failed", level="error", brand=brand.slug, error=f"{error.__class__.__name__}: {error}")
