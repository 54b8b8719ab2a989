"""Scorer evaluation (not a test): our scorer next to TextBlob-only, on public labelled sets.

    .venv/bin/python bench/scoring.py [--data DIR] [--split test|dev] [--skip-speed]
    .venv/bin/python bench/scoring.py --feedback [--data DIR]

`--feedback`: the learning loop of functions/core/model.py, simulated. Each set is cut in two halves
(sha256("feedback:" + key) % 2); desk verdicts are simulated on one half (a complaint: airline = a
complaint as below; SentiRuEval = a negative label for any company; Turkish = Negatif), with the
desk's sentiment label too (the set's own; SentiRuEval: negative if any company is, else positive if
any is, else neutral), a model is trained in memory on the first 100 / 500 / 1,000 / 2,000 of them
(seeded order) with the shipped settings (`model.Training()`), and the other half is scored.
Nothing is written: the sets stay evaluation-only. Also: the artifact's size and load time, and
throughput with a model loaded against the rules alone (same texts, same run).

`--tune`: how the shipped settings were chosen. The verdict half beyond its first 2,000 is the tuning
split: no curve point trains on it and the curve never scores it. Candidates are trained on the first
2,000 verdicts and judged there; see `tune`.

Data folder: `--data`, else $MENTIONDESK_DATA, else ../shared/data next to the repo. The sets are not
shipped (non-commercial or unknown licences); each lives in its own folder with a SOURCE.md:

- twitter_us_airline_sentiment/Tweets.csv — 3-class sentiment accuracy and macro-F1; complaint
  precision/recall/F1, where a complaint is a negative tweet with a concrete `negativereason`
  (anything but empty or "Can't Tell"). De-duplicated by tweet_id (first row kept).
- sentirueval2016/{banks,tkk}_test_etalon.xml — official metric: macro-F1 over the positive and
  negative classes, per tweet–company pair (every non-NULL company label is one item; our scorer is
  not entity-aware, so each pair gets the tweet's label).
- turkish_tweetset/tweetset.csv (cp1254) — Pozitif/Negatif accuracy (negative = a "negative" label).

Complaint precision/recall on the last two too, per tweet: our complaint flag against a negative label
for any company (SentiRuEval) or Negatif (Turkish), so the complaint precision is visible on all three.

Split, fixed and deterministic: dev when int(sha256(key), 16) % 5 == 0, else test. The key is the
tweet id (airline `tweet_id`), the row's `id` column (SentiRuEval: its `twitid` was rounded by the
export and is not unique), or the 0-based data-row index as a string (Turkish set: no ids).
Thresholds were tuned on dev; report test.

TextBlob-only = `TextBlob(text).sentiment.polarity` for every language: negative at <= -0.1, positive
at >= 0.1, and a complaint when negative (the rule of the scorer this one replaced).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import random
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from functions.core.mention import Author, Kind, Mention  # noqa: E402
from functions.core.model import Features, Model, Training, train  # noqa: E402
from functions.core.score import ScoringRules  # noqa: E402
from functions.core.scoring import rule_view, score, sentiment_label  # noqa: E402

NEG, NEU, POS = "negative", "neutral", "positive"
WHERE = {
    "twitter_us_airline_sentiment": "Kaggle 'crowdflower/twitter-airline-sentiment' (Tweets.csv, CC BY-NC-SA 4.0)",
    "sentirueval2016": "github.com/mokoron/sentirueval (banks_test_etalon.xml, tkk_test_etalon.xml; no licence stated)",
    "turkish_tweetset": "github.com/ezgisubasi/turkish-tweets-sentiment-analysis data/tweetset.csv (no licence stated)",
}


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    gold: str  # negative / neutral / positive
    complaint: bool = False
    entities: tuple[str, ...] = ()  # SentiRuEval: one gold label per labelled company


def is_dev(key: str) -> bool:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 5 == 0


def in_split(items: Iterable[Item], split: str) -> list[Item]:
    return [item for item in items if is_dev(item.key) == (split == "dev")]


def load_airline(folder: Path) -> list[Item]:
    items: dict[str, Item] = {}
    with (folder / "Tweets.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            reason = row["negativereason"].strip()
            complaint = row["airline_sentiment"] == NEG and reason not in ("", "Can't Tell")
            items.setdefault(row["tweet_id"], Item(row["tweet_id"], row["text"], row["airline_sentiment"], complaint))
    return list(items.values())


def load_sentirueval(path: Path) -> list[Item]:
    labels = {"1": POS, "0": NEU, "-1": NEG}
    items = []
    for _, table in ET.iterparse(path):  # noqa: S314 (a local, known data file)
        if table.tag != "table" or not table.get("name", "").startswith("test_"):
            continue
        columns = {c.get("name", ""): (c.text or "") for c in table.findall("column")}
        entities = tuple(
            labels[v] for k, v in columns.items() if k not in ("id", "twitid", "date", "text") and v in labels
        )
        if entities:
            items.append(Item(columns["id"], columns["text"], NEU, entities=entities))
        table.clear()
    return items


def load_turkish(folder: Path) -> list[Item]:
    with (folder / "tweetset.csv").open(encoding="cp1254", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    labels = {"Pozitif": POS, "Negatif": NEG}
    return [
        Item(str(i), row[1], labels[row[0].strip()]) for i, row in enumerate(rows) if row and row[0].strip() in labels
    ]


# --- metrics -------------------------------------------------------------------------------------


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def class_f1(gold: list[str], pred: list[str], label: str) -> float:
    tp = sum(g == label == p for g, p in zip(gold, pred, strict=True))
    fp = sum(p == label != g for g, p in zip(gold, pred, strict=True))
    fn = sum(g == label != p for g, p in zip(gold, pred, strict=True))
    return f1(tp, fp, fn)


def accuracy(gold: list[str], pred: list[str]) -> float:
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)


def prf(gold: list[bool], pred: list[bool]) -> tuple[float, float, float]:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, f1(tp, fp, fn)


# --- the two scorers -----------------------------------------------------------------------------

Verdict = tuple[str, bool]  # (sentiment label, complaint)
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def post(text: str, number: int = 1) -> Mention:
    """A text as the scorer sees a post: no author reach, no engagement."""
    return Mention("bench", str(number), Kind.POST, "bench", Author("0"), text, None, MOMENT)


def ours(rules: ScoringRules) -> Callable[[str], Verdict]:
    def run(text: str) -> Verdict:
        mention = post(text)
        result = score(mention, rules)
        return sentiment_label(result, rules.neutral_band), result.complaint

    return run


def textblob_only() -> Callable[[str], Verdict]:
    from textblob import TextBlob

    def run(text: str) -> Verdict:
        polarity = float(TextBlob(text).sentiment.polarity)
        label = NEG if polarity <= -0.1 else POS if polarity >= 0.1 else NEU
        return label, label == NEG

    return run


# --- report --------------------------------------------------------------------------------------


def evaluate(name: str, items: list[Item], scorers: dict[str, Callable[[str], Verdict]]) -> list[list[str]]:
    rows = []
    verdicts = {who: [run(item.text) for item in items] for who, run in scorers.items()}
    if name == "airline":
        gold = [item.gold for item in items]
        metrics: dict[str, Callable[[list[Verdict]], float]] = {
            "3-class accuracy": lambda v: accuracy(gold, [x[0] for x in v]),
            "3-class macro-F1": lambda v: statistics.mean(
                class_f1(gold, [x[0] for x in v], c) for c in (NEG, NEU, POS)
            ),
            "complaint precision": lambda v: prf([i.complaint for i in items], [x[1] for x in v])[0],
            "complaint recall": lambda v: prf([i.complaint for i in items], [x[1] for x in v])[1],
            "complaint F1": lambda v: prf([i.complaint for i in items], [x[1] for x in v])[2],
        }
    elif name.startswith("SentiRuEval"):
        gold = [label for item in items for label in item.entities]

        def pairs(v: list[Verdict]) -> list[str]:
            return [x[0] for item, x in zip(items, v, strict=True) for _ in item.entities]

        metrics = {
            "macro-F1(pos,neg) official": lambda v: (class_f1(gold, pairs(v), POS) + class_f1(gold, pairs(v), NEG)) / 2,
            "F1 negative": lambda v: class_f1(gold, pairs(v), NEG),
            "F1 positive": lambda v: class_f1(gold, pairs(v), POS),
        }
    else:
        gold = [item.gold for item in items]
        metrics = {"accuracy (Pozitif/Negatif)": lambda v: accuracy(gold, [NEG if x[0] == NEG else POS for x in v])}
    if name != "airline":  # a complaint per tweet: a negative label for any company (SentiRuEval), Negatif (Turkish)
        wanted = [is_complaint(name, item) for item in items]
        metrics["complaint precision"] = lambda v: prf(wanted, [x[1] for x in v])[0]
        metrics["complaint recall"] = lambda v: prf(wanted, [x[1] for x in v])[1]
    for metric, compute in metrics.items():
        rows.append([name, metric, *(f"{compute(verdicts[who]):.3f}" for who in scorers)])
    return rows


def speed(texts: list[str], rules: ScoringRules) -> float:
    """Mentions/s on one core, the rules alone."""
    return len(texts) / seconds(texts, rules, None)


def import_ms(runs: int = 7) -> tuple[float, float]:
    """Median cumulative import time of `app` and of the scorer modules inside it, in ms."""
    totals, scorer = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import app"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        cumulative = {}
        for line in out.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[1].strip().isdigit():
                cumulative[parts[2].strip()] = int(parts[1])
        totals.append(cumulative.get("app", 0) / 1000)
        scorer.append(
            sum(v for k, v in cumulative.items() if k in ("functions.core.scoring", "functions.core.lexicons")) / 1000
        )
    return statistics.median(totals), statistics.median(scorer)


def first_score_ms() -> float:
    code = (
        "import time, app\nfrom bench.scoring import ours\nfrom functions.core.score import ScoringRules\n"
        "t = time.perf_counter(); ours(ScoringRules())('my bag never arrived'); print((time.perf_counter() - t) * 1000)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


# --- the learning loop, simulated (--feedback) ------------------------------------------------------

CURVE = (0, 100, 500, 1000, 2000)
METRIC = {
    "airline": "complaint F1",
    "SentiRuEval": "macro-F1(pos,neg) official",
    "Turkish": "accuracy (Pozitif/Negatif)",
}


def half(key: str) -> int:
    return int(hashlib.sha256(f"feedback:{key}".encode()).hexdigest(), 16) % 2


def is_complaint(name: str, item: Item) -> bool:
    if name == "airline":
        return item.complaint
    if name.startswith("SentiRuEval"):
        return NEG in item.entities
    return item.gold == NEG


def scorer_with(rules: ScoringRules, model: Model | None) -> Callable[[str], Verdict]:
    def run(text: str) -> Verdict:
        mention = post(text)
        result = score(mention, rules, model)
        return sentiment_label(result, rules.neutral_band), result.complaint

    return run


def desk_sentiment(item: Item) -> str:
    """The desk's sentiment label in the simulation: the set's own (SentiRuEval: negative if any company
    is, else positive if any is, else neutral)."""
    if item.entities:
        return NEG if NEG in item.entities else POS if POS in item.entities else NEU
    return item.gold


@dataclass
class Simulation:
    """One set cut for the learning loop: the verdict half in the simulation's seeded order (its first
    2,000 are the desk's verdicts; the rest is the tuning split, trained on by no curve point and never
    scored for the curve) and the scored half."""

    name: str
    short: str  # airline / SentiRuEval / Turkish
    learn: list[Item]
    scored: list[Item]
    rules: ScoringRules
    _examples: list[tuple[Features, bool]] | None = None

    @classmethod
    def of(cls, name: str, everything: list[Item], rules: ScoringRules) -> Simulation:
        learn = [item for item in everything if half(item.key) == 0]
        random.Random(14).shuffle(learn)  # noqa: S311 (a simulation's order)
        scored = [item for item in everything if half(item.key) == 1]
        return cls(name, name.split(" ", maxsplit=1)[0], learn, scored, rules)

    @property
    def tuning(self) -> list[Item]:
        return self.learn[CURVE[-1] :]

    def examples(self) -> list[tuple[Features, bool]]:
        """The verdicts as the trainer sees them (features from the rules' view), computed once."""
        if self._examples is None:
            self._examples = [
                (
                    rule_view(post(item.text), self.rules)[1],
                    is_complaint(self.name, item),
                )
                for item in self.learn[: CURVE[-1]]
            ]
        return self._examples

    def fit(self, count: int, knobs: Training) -> Model:
        return train(
            self.examples()[:count],
            f"sim-{count}",
            sentiments=[desk_sentiment(item) for item in self.learn[:count]],
            knobs=knobs,
        )

    def figures(self, model: Model | None, items: list[Item]) -> dict[str, str]:
        kind = "airline" if self.short == "airline" else self.name if self.short == "SentiRuEval" else "Turkish"
        return {row[1]: row[2] for row in evaluate(kind, items, {"x": scorer_with(self.rules, model)})}

    def figure(self, model: Model | None, items: list[Item]) -> float:
        return float(self.figures(model, items)[METRIC[self.short]])


def simulations(data: Path, rules: ScoringRules) -> list[Simulation]:
    sets: list[tuple[str, Callable[[], list[Item]]]] = [
        ("airline", lambda: load_airline(data / "twitter_us_airline_sentiment")),
        (
            "SentiRuEval (banks + telecom)",
            lambda: (
                load_sentirueval(data / "sentirueval2016" / "banks_test_etalon.xml")
                + load_sentirueval(data / "sentirueval2016" / "tkk_test_etalon.xml")
            ),
        ),
        ("Turkish tweets", lambda: load_turkish(data / "turkish_tweetset")),
    ]
    found = []
    for name, load in sets:
        try:
            found.append(Simulation.of(name, load(), rules))
        except FileNotFoundError as error:
            print(f"{name}: missing {error.filename}", file=sys.stderr)
    return found


def feedback(data: Path) -> None:
    """The learning curve on the scored halves, with the shipped training settings (`Training()`)."""
    knobs = Training()
    trained: list[tuple[str, Model, list[str]]] = []
    for sim in simulations(data, ScoringRules()):
        rows = []
        for count in CURVE:
            model = sim.fit(count, knobs) if count else None
            figures = sim.figures(model, sim.scored)
            extra = (
                f"P {figures['complaint precision']} R {figures['complaint recall']}" if sim.short == "airline" else ""
            )
            label = str(count) if count else "0 (rules)"
            rows.append([sim.name, label, METRIC[sim.short], figures[METRIC[sim.short]], extra])
            if count == CURVE[-1] and model is not None:
                trained.append((sim.short, model, [item.text for item in sim.scored]))
        print(table(rows, ["set", "verdicts", "metric", f"n={len(sim.scored)}", "note"]), flush=True)
    if trained:
        artifact(*trained[-1][1:])
        throughput(trained)


PAIRS_MUST_EARN = 0.002  # mean tuning figure word pairs must add over the same settings without them


def tune(data: Path) -> None:
    """Choose the training settings on the tuning split: each candidate is trained on the first 2,000
    verdicts and judged on the rest of the verdict half (never on the scored half).

    Stage 1: learning rate, epochs and word pairs at 2,000 verdicts, by the best mean of the three
    sets' figures. Word pairs are dropped unless they add more than `PAIRS_MUST_EARN` (they cost a
    lookup per word on every scored mention). The sentiment heads stay unbalanced: balanced ones lost
    on every earlier grid, by 0.02 to 0.04. Stage 2, with those: how many sentiment labels before the
    sentiment heads are learnt, by the best mean over the curve's smaller points. Stage 3: the complaint
    threshold at 0.5, or chosen on out-of-fold predictions of the verdicts themselves (as the trainer
    does for a brand), at 2,000 verdicts."""
    sims = simulations(data, ScoringRules())
    grid = [
        Training(learning_rate=rate, epochs=epochs, word_pairs=pairs, threshold_folds=0)  # stage 3 adds the folds
        for rate in (0.05, 0.1, 0.2)
        for epochs in (8, 16, 32)
        for pairs in (True, False)
    ]
    print("tuning split: " + ", ".join(f"{sim.short} n={len(sim.tuning)}" for sim in sims))
    rows = []
    best: tuple[float, Training] | None = None
    means: list[tuple[float, Training]] = []
    for knobs in grid:
        figures = [sim.figure(sim.fit(CURVE[-1], knobs), sim.tuning) for sim in sims]
        mean = statistics.mean(figures)
        means.append((mean, knobs))
        rows.append(
            [
                f"{knobs.learning_rate}",
                str(knobs.epochs),
                str(knobs.word_pairs),
                *(f"{f:.3f}" for f in figures),
                f"{mean:.4f}",
            ]
        )
        if best is None or mean > best[0]:
            best = (mean, knobs)
        print(" | ".join(rows[-1]), flush=True)
    assert best is not None
    print(table(rows, ["learning rate", "epochs", "word pairs", *(s.short for s in sims), "mean"]))
    chosen = best[1]
    if chosen.word_pairs:  # pairs cost a table lookup per word on every scored mention: kept only if they earn it
        without = replace(chosen, word_pairs=False)
        if best[0] - next(m for m, k in means if k == without) <= PAIRS_MUST_EARN:
            chosen = without
    print(f"\nstage 1: {chosen}")
    rows = []
    for minimum in (100, 500, 1000, 10**9):
        knobs = replace(chosen, min_sentiment=minimum)
        figures = [
            statistics.mean(sim.figure(sim.fit(count, knobs), sim.tuning) for count in CURVE[1:-1]) for sim in sims
        ]
        rows.append(
            [
                str(minimum) if minimum < 10**9 else "never",
                *(f"{f:.3f}" for f in figures),
                f"{statistics.mean(figures):.4f}",
            ]
        )
        print(" | ".join(rows[-1]), flush=True)
    print(table(rows, ["min sentiment labels", *(s.short for s in sims), "mean over 100/500/1,000"]))
    rows = []
    for folds in (0, 4):
        knobs = replace(chosen, threshold_folds=folds)
        models = [sim.fit(CURVE[-1], knobs) for sim in sims]
        figures = [sim.figure(model, sim.tuning) for sim, model in zip(sims, models, strict=True)]
        rows.append(
            [
                "0.5" if not folds else f"from {folds} folds of the verdicts",
                *(f"{f:.3f} (t {m.threshold})" for f, m in zip(figures, models, strict=True)),
                f"{statistics.mean(figures):.4f}",
            ]
        )
        print(" | ".join(rows[-1]), flush=True)
    print(table(rows, ["complaint threshold (stage 3)", *(s.short for s in sims), "mean"]))


def artifact(model: Model, texts: list[str]) -> None:
    blob = model.to_bytes()
    loads = []
    for _ in range(7):
        started = time.perf_counter()
        Model.from_bytes(blob)
        loads.append((time.perf_counter() - started) * 1000)
    print(
        f"\nartifact (last set, 2,000 verdicts): {len(blob) / 1024:,.0f} KiB; load {statistics.median(loads):.1f} ms"
        " (median of 7)"
    )
    live = Model.from_bytes(blob)
    started = time.perf_counter()
    live.probability(rule_view(post(texts[0]), ScoringRules())[1])
    print(f"first judgement after load: {(time.perf_counter() - started) * 1000:.1f} ms")


def throughput(trained: list[tuple[str, Model, list[str]]]) -> None:
    """Mentions/s with a model loaded (the artifact, as the ingest worker loads it) against the rules
    alone, on the same texts in the same run: each set's scored half with its own set's model (each
    brand has its own), alternated, best of three each (the machine is shared); then all three sets
    together (total time), the mix of an agency serving English, Russian and Turkish brands."""
    rules = ScoringRules()
    totals = [0.0, 0.0, 0.0]  # rules, model first pass, model warm: seconds
    for name, model, texts in trained:
        live = Model.from_bytes(model.to_bytes())
        cold = seconds(texts, rules, live)  # the model's per-word cache fills on this pass
        plain = warm = math.inf
        for _ in range(3):
            plain = min(plain, seconds(texts, rules, None))
            warm = min(warm, seconds(texts, rules, live))
        for i, value in enumerate((plain, cold, warm)):
            totals[i] += value
        print(
            f"throughput, {name} ({len(texts):,} texts): rules {len(texts) / plain:,.0f}/s; with its model,"
            f" first pass {len(texts) / cold:,.0f}/s ({plain / cold:.2f}x), warm {len(texts) / warm:,.0f}/s"
            f" ({plain / warm:.2f}x)"
        )
    plain, cold, warm = totals
    print(f"throughput, all sets: first pass {plain / cold:.2f}x, warm {plain / warm:.2f}x the rules alone")


def seconds(texts: list[str], rules: ScoringRules, model: Model | None) -> float:
    """CPU seconds of this process (one core, whatever else the machine runs) to score the texts, after
    200 to warm up (lazy imports, compiled cues)."""
    mentions = [post(t, i) for i, t in enumerate(texts)]
    for mention in mentions[:200]:
        score(mention, rules, model)
    started = time.process_time()
    for mention in mentions:
        score(mention, rules, model)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.environ.get("MENTIONDESK_DATA") or str(ROOT.parent / "shared" / "data")
    parser.add_argument("--data", default=default, help=f"data folder (default {default})")
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--skip-speed", action="store_true", help="no throughput or import-time runs")
    parser.add_argument("--feedback", action="store_true", help="the learning curve from simulated desk verdicts")
    parser.add_argument("--tune", action="store_true", help="choose the training settings on the tuning split")
    args = parser.parse_args()
    data = Path(args.data)
    if args.tune:
        tune(data)
        return
    if args.feedback:
        feedback(data)
        return
    rules = ScoringRules()
    scorers = {"ours": ours(rules), "TextBlob-only": textblob_only()}

    sets: list[tuple[str, str, Callable[[], list[Item]]]] = [
        ("airline", "twitter_us_airline_sentiment", lambda: load_airline(data / "twitter_us_airline_sentiment")),
        (
            "SentiRuEval banks",
            "sentirueval2016",
            lambda: load_sentirueval(data / "sentirueval2016" / "banks_test_etalon.xml"),
        ),
        (
            "SentiRuEval telecom",
            "sentirueval2016",
            lambda: load_sentirueval(data / "sentirueval2016" / "tkk_test_etalon.xml"),
        ),
        ("Turkish tweets", "turkish_tweetset", lambda: load_turkish(data / "turkish_tweetset")),
    ]
    rows: list[list[str]] = []
    texts: list[str] = []
    for name, folder, load in sets:
        try:
            items = in_split(load(), args.split)
        except FileNotFoundError as error:
            print(f"{name}: missing {error.filename}; the set comes from {WHERE[folder]}", file=sys.stderr)
            continue
        rows += [[*row[:2], str(len(items)), *row[2:]] for row in evaluate(name, items, scorers)]
        texts += [item.text for item in items]
    print(f"split: {args.split} (dev = sha256(key) % 5 == 0); data: {data}\n")
    print(table(rows, ["set", "metric", "n", *scorers]))
    if args.skip_speed or not texts:
        return
    rate = speed(texts, rules)
    app_ms, scorer_ms = import_ms()
    print(f"\nthroughput: {rate:,.0f} mentions/s on one core ({len(texts):,} mentions, warm)")
    print(f"cold `import app`: {app_ms:.0f} ms, of which the scorer modules: {scorer_ms:.1f} ms (median of 7)")
    print(f"first score in a fresh process (lazy TextBlob + cue compile): {first_score_ms():.0f} ms")


if __name__ == "__main__":
    main()
