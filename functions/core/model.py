"""A brand's complaint model: logistic regression over hashed text features and the rules. Pure.

Features of a mention (`features`):
- words (lower-cased, links and @handles dropped, digits folded to `0`; the scorer hands over its
  normalized text) and word pairs;
- character 4-grams of each word, padded (` help `: ` hel`, `help`, `elp `): spelling variants,
  Russian and Turkish inflections and typos share most of them;
- the rule scorer's view: its complaint log-odds and returned sentiment as numbers, and every cue
  that fired (`problem:not_arrived`, `severity:health`...) as an indicator.
Words, n-grams and cues are hashed (CRC-32, stable across processes) into `2**BITS` slots; a pair's
slot is computed from its two words' slots.

Heads: complaint, always; negative and positive (one-vs-rest) when enough verdicts carry the desk's
sentiment label — the model of the desk's own label space, whose P(positive) - P(negative) becomes
the returned sentiment.

Training (`train`) is AdaGrad on the log loss with L2, a fixed number of epochs in a seeded order
(complaint classes weighted to balance; the sentiment heads at the labels' own rates): pure Python,
a few seconds for thousands of verdicts, deterministic. The complaint threshold is the brand's own,
chosen on out-of-fold predictions of its verdicts once there are enough (`choose_threshold`).

The artifact (`Model.to_bytes`, MDM2) keeps the slots where any head's weight is not negligible
(uint32) and one float32 column per head, zlib-compressed, with a JSON header; loading builds one
table of per-slot weight tuples.

`Model.judge` gives the complaint probability, the sentiment if learnt, and the reasons an agent
reads: `model:<version>` and, for a complaint or a clearance worth explaining, the words and cues
that pushed hardest toward the decision (`model:+help`, `model:-thanks`).
"""

from __future__ import annotations

import json
import math
import random
import re
import struct
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from itertools import pairwise
from operator import add, xor
from typing import cast

BITS = 20
MASK = (1 << BITS) - 1
MAGIC = b"MDM2"
OLD_MAGIC = b"MDM1"
PRUNE = 1e-3  # weights smaller than this are dropped from the artifact
REASONS = 3  # how many of the strongest features a score names


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return (
        re.compile(r"https?://\S+|@\w+|&\w+;"),
        re.compile(r"\w+(?:['’]\w+)?|[!?]"),  # after digits are folded to 0
        re.compile(r"\d+"),
    )


_TR = str.maketrans("çğıöşüâîûё", "cgiosuaiuе")


def tokens(text: str, *, normalized: bool = False) -> list[str]:
    """Words, numbers (as `0`) and ! ?, lower-cased and folded. `normalized`: the text is the scorer's
    normalized text already (lower-cased, Turkish folded, links and handles gone)."""
    strip, word, digits = _patterns()
    if normalized:
        return word.findall(digits.sub("0", text))
    lowered = text.lower() if text.isascii() else text.replace("İ", "i").lower().translate(_TR)
    if "http" in lowered or "@" in lowered or "&" in lowered:
        lowered = strip.sub(" ", lowered)
    return word.findall(digits.sub("0", lowered))


def _slot(name: str) -> int:
    return zlib.crc32(name.encode()) & MASK


@lru_cache(maxsize=200_000)
def _word_slots(word: str) -> tuple[int, ...]:
    """The word's own slot, then its padded character 4-grams' (cached: words repeat)."""
    padded = f" {word} "
    grams = {padded[i : i + 4] for i in range(len(padded) - 3)} if len(word) > 2 else set()
    return (_slot("w:" + word), *(_slot("c:" + g) for g in sorted(grams)))


_PAIR_MULTIPLIER = 0x9E3779B1
_PAIR_OFFSET = 0x632BE5AB


def _pair_halves(slot: int) -> tuple[int, int]:
    """A word slot's two halves of a pair slot: as the pair's first word and as its second."""
    return (slot * _PAIR_MULTIPLIER) & MASK, (slot + _PAIR_OFFSET) & MASK


def _pair_slot(first: int, second: int) -> int:
    """A word pair's slot, from its words' own slots: arithmetic, no string to build or hash. Scoring
    XORs the halves each word's row keeps (`Model._word`): the same slot, since masking and XOR commute."""
    return ((first * _PAIR_MULTIPLIER) ^ (second + _PAIR_OFFSET)) & MASK


@lru_cache(maxsize=4096)
def _cue_slot(reason: str) -> int:
    return _slot("r:" + reason)


@lru_cache(maxsize=4096)
def _cue(reason: str) -> str | None:
    """A rule reason as a feature name: values dropped (`sentiment:-0.62` is a number feature already)."""
    kind = reason.split(":", 1)[0]
    if kind in ("sentiment", "reach", "engagement", "model"):
        return None
    if kind == "term":
        return "term"
    return reason


RULE_LOGIT = _slot("n:rule_logit")
RULE_SENTIMENT = _slot("n:rule_sentiment")
BIAS = _slot("n:bias")


@dataclass(frozen=True, slots=True)
class Features:
    """One mention: its words (each with its character n-grams) and word pairs, scaled together to unit
    length, the rules' cues as indicators, and the rules' log-odds and sentiment as numbers."""

    words: tuple[str, ...]
    cues: tuple[str, ...]
    rule_logit: float
    rule_sentiment: float
    scale: float  # 1/sqrt(number of text slots)

    def pairs(self, *, word_pairs: bool = True) -> list[tuple[int, float]]:
        """(slot, value) for every feature: what training walks."""
        found = [(s, self.scale) for w in self.words for s in _word_slots(w)]
        if word_pairs:
            ids = [_word_slots(w)[0] for w in self.words]
            found += [(_pair_slot(a, b), self.scale) for a, b in pairwise(ids)]
        found += [(_cue_slot(c), 1.0) for c in self.cues]
        found += [(RULE_LOGIT, self.rule_logit), (RULE_SENTIMENT, self.rule_sentiment), (BIAS, 1.0)]
        return found


def features(
    text: str, rule_probability: float, rule_sentiment: float, reasons: Sequence[str], *, normalized: bool = False
) -> Features:
    words = tuple(tokens(text, normalized=normalized))
    count = 5 * len(words)  # about a word, its n-grams and a pair each: unit length, without counting them
    cues = tuple(c for c in map(_cue, reasons) if c is not None) if reasons else ()
    p = min(max(rule_probability, 1e-3), 1 - 1e-3)
    scale = 1.0 / math.sqrt(count) if count else 0.0
    return Features(words, cues, math.log(p / (1 - p)) / 4, rule_sentiment, scale)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True, slots=True)
class Judgement:
    probability: float
    complaint: bool
    reasons: tuple[str, ...]
    sentiment: float | None = None  # P(positive) - P(negative) from the desk's own labels, when learnt


HEADS = ("complaint", "negative", "positive")  # the sentiment heads exist when the verdicts carried labels


@dataclass(frozen=True, eq=False)
class Model:
    """Weights by slot (`table`: a tuple per slot, one weight per head): the complaint head and, when
    the brand's verdicts carried the desk's sentiment label, one-vs-rest heads for negative and
    positive: the model of the desk's own label space, which then gives the returned sentiment.
    One lookup per feature whatever the number of heads."""

    version: str
    table: dict[int, tuple[float, ...]]
    threshold: float = 0.5
    meta: dict[str, object] = field(default_factory=dict)
    heads: int = 1  # 1: complaint; 3: complaint, negative, positive
    _word_sums: dict[str, tuple[float, ...]] = field(default_factory=dict, repr=False)  # word -> per head

    @classmethod
    def of(
        cls, version: str, heads: Sequence[dict[int, float]], meta: dict[str, object], threshold: float = 0.5
    ) -> Model:
        slots = set().union(*heads)
        table = {s: tuple(head.get(s, 0.0) for head in heads) for s in slots}
        return cls(version, table, threshold, meta, len(heads))

    @cached_property
    def _fixed(self) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
        """The weights every mention uses, looked up once: the rules' log-odds, their sentiment, the bias;
        and the zero row of a slot the model does not know."""
        zero = (0.0,) * self.heads
        get = self.table.get
        return get(RULE_LOGIT, zero), get(RULE_SENTIMENT, zero), get(BIAS, zero), zero

    @cached_property
    def _word_pairs(self) -> bool:
        """Whether the model was trained on word pairs (else scoring skips their lookups)."""
        return bool(self.meta.get("word_pairs", True))

    def _word(self, word: str) -> tuple[float, ...]:
        """The word's halves of a pair slot (as first word, as second), then, per head, the sum of its
        and its n-grams' weights (cached)."""
        table = self.table
        zero = self._fixed[3]
        slots = _word_slots(word)
        first, second = _pair_halves(slots[0])
        found = (first, second, *map(sum, zip(zero, *(table.get(s, zero) for s in slots), strict=True)))
        if len(self._word_sums) < 200_000:
            self._word_sums[word] = found  # the halves are ints among the floats
        return found

    def _logits(
        self, f: Features
    ) -> tuple[list[float], list[tuple[float, ...]], list[tuple[float, ...] | None], list[tuple[float, ...] | None]]:
        """Each head's log-odds (complaint, then negative and positive if learnt), and what they were
        summed from: the words (their pair halves, then a weight per head), the pairs' and the cues'
        weights (None: a slot the model does not know). The hot path of a scored mention: one cached
        lookup per word, one table lookup per pair and cue; the pair slots, the lookups and the sums
        are maps and zips, run in C."""
        get = self.table.get
        cached, word = self._word_sums.get, self._word
        rule_row, sentiment_row, bias_row, zero = self._fixed
        words = [cached(w) or word(w) for w in f.words]
        pairs: list[tuple[float, ...] | None] = []
        if not words:
            sums: Iterable[float] = zero
        else:
            columns = list(zip(*words, strict=True))
            if self._word_pairs and len(words) > 1:
                firsts, seconds = cast("tuple[int, ...]", columns[0]), cast("tuple[int, ...]", columns[1])
                pairs = list(map(get, map(xor, firsts, seconds[1:])))
            known = list(filter(None, pairs))  # most pairs are not in the model
            sums = map(sum, columns[2:])
            if known:
                sums = map(add, sums, map(sum, zip(*known, strict=True)))
        cues = list(map(get, map(_cue_slot, f.cues))) if f.cues else []
        known = list(filter(None, cues))
        cue_sums = map(sum, zip(*known, strict=True)) if known else zero
        rule_logit, rule_sentiment, scale = f.rule_logit, f.rule_sentiment, f.scale
        logits = [
            t * scale + c + lw * rule_logit + sw * rule_sentiment + b
            for t, c, lw, sw, b in zip(sums, cue_sums, rule_row, sentiment_row, bias_row, strict=True)
        ]
        return logits, words, pairs, cues

    def probability(self, f: Features) -> float:
        return _sigmoid(self._logits(f)[0][0])

    def judge(self, f: Features, *, explain_clearance: bool = False) -> Judgement:
        """Probability, decision, the desk-label sentiment if learnt, and the named features that pushed
        hardest toward the decision. The features are ranked for a complaint (a ticket: the agent reads
        why) and for a clearance when `explain_clearance` (the rules would have opened a ticket);
        otherwise only the version is named: ranking costs more than the decision."""
        logits, words, pairs, cues = self._logits(f)
        probability = _sigmoid(logits[0])
        complaint = probability >= self.threshold
        sentiment = round(_sigmoid(logits[2]) - _sigmoid(logits[1]), 3) if len(logits) == 3 else None
        if not complaint and not explain_clearance:
            return Judgement(round(probability, 3), complaint, (f"model:{self.version}",), sentiment)
        reasons = self._strongest(f, words, pairs, cues, complaint)
        return Judgement(round(probability, 3), complaint, (f"model:{self.version}", *reasons), sentiment)

    def _strongest(
        self,
        f: Features,
        words: list[tuple[float, ...]],
        pairs: list[tuple[float, ...] | None],
        cues: list[tuple[float, ...] | None],
        complaint: bool,
    ) -> list[str]:
        """The few named features with the largest share of the complaint log-odds toward the decision
        (a word with its n-grams, a pair, a cue, the rules, the rules' sentiment), as reasons. Shares are
        ranked by index; only the strongest get a name (a pair's name costs a string)."""
        scale = f.scale
        rule_row, sentiment_row, _, _ = self._fixed
        shares = [row[2] * scale for row in words]
        shares += [row[0] * scale if row else 0.0 for row in pairs]
        shares += [row[0] if row else 0.0 for row in cues]
        shares += [rule_row[0] * f.rule_logit, sentiment_row[0] * f.rule_sentiment]
        ranked = sorted(range(len(shares)), key=shares.__getitem__, reverse=complaint)[:REASONS]
        strongest = [(shares[i], i) for i in ranked if (shares[i] > 0 if complaint else shares[i] < 0)]
        names, texts = f.words, len(words) + len(pairs)

        def name(index: int) -> str:
            if index < len(names):
                return names[index]
            if index < texts:
                return f"{names[index - len(names)]} {names[index - len(names) + 1]}"
            if index < texts + len(cues):
                return f.cues[index - texts]
            return "rules" if index == texts + len(cues) else "sentiment"

        return [f"model:{'+' if c > 0 else '-'}{name(i)}" for c, i in strongest]

    def to_bytes(self) -> bytes:
        """MDM2: a JSON header, the kept slots (uint32), then each head's weights (float32) in that order."""
        kept = sorted(s for s, w in self.table.items() if max(map(abs, w)) >= PRUNE)
        body = array("I", kept).tobytes()
        for head in range(self.heads):
            body += array("f", (self.table[s][head] for s in kept)).tobytes()
        header = json.dumps(
            {
                "version": self.version,
                "threshold": self.threshold,
                "bits": BITS,
                "meta": self.meta,
                "heads": list(HEADS[: self.heads]),
            }
        ).encode()
        return MAGIC + zlib.compress(struct.pack("<II", len(header), len(kept)) + header + body, 6)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Model:
        """An MDM2 artifact (MDM1, from before the sentiment heads and the arithmetic pair slots, is refused:
        the ingest worker then stays on the rules until the next training)."""
        if blob.startswith(OLD_MAGIC):
            raise ValueError("model artifact of an older feature hashing (MDM1): train the brand again")
        if not blob.startswith(MAGIC):
            raise ValueError("not a mentiondesk model artifact")
        body = zlib.decompress(blob[len(MAGIC) :])
        header_size, count = struct.unpack_from("<II", body)
        start = 8 + header_size
        header = json.loads(body[8:start])
        if header.get("bits") != BITS:
            raise ValueError(f"model was trained with {header.get('bits')} hash bits, this code uses {BITS}")
        heads = len(header.get("heads") or ["complaint"])
        slots = array("I")
        slots.frombytes(body[start : start + 4 * count])
        columns = []
        for head in range(heads):
            weights = array("f")
            offset = start + 4 * count * (1 + head)
            weights.frombytes(body[offset : offset + 4 * count])
            columns.append(weights)
        return cls(
            version=str(header["version"]),
            table=dict(zip(slots, zip(*columns, strict=True), strict=True)),
            threshold=float(header["threshold"]),
            meta=dict(header.get("meta") or {}),
            heads=heads,
        )


@dataclass(frozen=True)
class Training:
    """How a model is trained. The defaults were chosen on the simulation's tuning split
    (`bench/scoring.py --tune`: verdicts never trained on and never scored), not on the halves the
    learning curve is scored on.

    - complaint_balance: the complaint classes weighed alike (1) or at their rates (0): a missed
      complaint costs more than a needless ticket;
    - sentiment_balance: the same for the sentiment heads (0 keeps the desk's base rates, so that
      P(positive) - P(negative) is a sentiment);
    - min_sentiment: verdicts with a sentiment label (and 10 of each side) before the sentiment heads
      are learnt;
    - word_pairs: adjacent word pairs as features (one more lookup per word when scoring);
    - threshold_folds: the complaint threshold is the one that did best (macro-F1, complaint and not)
      on out-of-fold predictions of the brand's own verdicts in this many folds, the complaint head
      only (about doubling the training time); 0, or fewer than `CV_MIN_PER_CLASS` verdicts of either
      kind: 0.5.
    """

    learning_rate: float = 0.05
    epochs: int = 32
    l2: float = 1e-5
    complaint_balance: float = 1.0
    sentiment_balance: float = 0.0
    min_sentiment: int = 500
    word_pairs: bool = True
    threshold_folds: int = 4


# Fewer verdicts of either kind: the threshold stays 0.5. On the tuning split the folds' threshold
# lost at 100, 500 and 1,000 verdicts (mean -0.002 to -0.021) and won at 2,000 (+0.002).
CV_MIN_PER_CLASS = 500
THRESHOLDS = tuple(round(0.3 + 0.025 * i, 3) for i in range(17))  # 0.3 .. 0.7


def _score_with(weights: dict[int, float], walked: list[tuple[int, float]]) -> float:
    """P(yes) of one example under one head's weights, while they are being fitted."""
    return _sigmoid(sum(weights.get(s, 0.0) * v for s, v in walked))


def _fit(
    walked: Sequence[list[tuple[int, float]]], labels: Sequence[bool], knobs: Training, seed: int, balance: float
) -> dict[int, float]:
    """One head: AdaGrad on the log loss with L2, classes weighted toward balance (`balance` 1: fully,
    0: not at all), seeded order."""
    positives = sum(labels)
    weight_of = {
        True: (len(labels) / (2 * positives)) ** balance,
        False: (len(labels) / (2 * (len(labels) - positives))) ** balance,
    }
    weights: dict[int, float] = {}
    squares: dict[int, float] = {}
    order = list(range(len(labels)))
    shuffle = random.Random(seed).shuffle  # noqa: S311 (a training order, not a secret)
    rate, l2 = knobs.learning_rate, knobs.l2
    for _ in range(knobs.epochs):
        shuffle(order)
        for index in order:
            label = labels[index]
            pairs = walked[index]
            error = (_score_with(weights, pairs) - (1.0 if label else 0.0)) * weight_of[label]
            for s, v in pairs:
                w = weights.get(s, 0.0)
                g = error * v + l2 * w
                g2 = squares.get(s, 0.0) + g * g
                squares[s] = g2
                weights[s] = w - rate * g / math.sqrt(g2 + 1e-12)
    return weights


def choose_threshold(
    walked: Sequence[list[tuple[int, float]]],
    labels: Sequence[bool],
    knobs: Training,
    seed: int,
    minimum: int = CV_MIN_PER_CLASS,
) -> float:
    """The complaint threshold that did best on out-of-fold predictions of these verdicts (fold `i % k`:
    each verdict predicted by a head that never saw it), by macro-F1; ties go to the one nearest 0.5.
    A brand's desk draws its own line between a complaint and not; 0.5 is nobody's."""
    folds = knobs.threshold_folds
    positives = sum(labels)
    if folds < 2 or min(positives, len(labels) - positives) < minimum:
        return 0.5
    predicted = [0.0] * len(labels)
    for fold in range(folds):
        inside = [i for i in range(len(labels)) if i % folds != fold]
        weights = _fit([walked[i] for i in inside], [labels[i] for i in inside], knobs, seed, knobs.complaint_balance)
        for i in range(fold, len(labels), folds):
            predicted[i] = _score_with(weights, walked[i])
    return max(THRESHOLDS, key=lambda t: (macro_f1(labels, [p >= t for p in predicted]), -abs(t - 0.5)))


def train(
    examples: Sequence[tuple[Features, bool]],
    version: str,
    *,
    sentiments: Sequence[str | None] | None = None,
    knobs: Training = Training(),
    seed: int = 14,
) -> Model:
    """Fit the complaint head on labelled examples and, when enough of them carry the desk's sentiment
    label (`sentiments`, "negative" / "neutral" / "positive" or None, one per example), the negative
    and positive heads on those."""
    positives = sum(1 for _, y in examples if y)
    negatives = len(examples) - positives
    if not positives or not negatives:
        raise ValueError("training needs verdicts of both kinds")
    walked = [f.pairs(word_pairs=knobs.word_pairs) for f, _ in examples]
    labels = [y for _, y in examples]
    weights = _fit(walked, labels, knobs, seed, knobs.complaint_balance)
    heads: tuple[dict[int, float], ...] = (weights,)
    threshold = choose_threshold(walked, labels, knobs, seed)
    meta: dict[str, object] = {"verdicts": len(examples), "complaints": positives, "word_pairs": knobs.word_pairs}
    if sentiments is not None:
        rows = [(w, s) for w, s in zip(walked, sentiments, strict=True) if s in ("negative", "neutral", "positive")]
        sides = [sum(s == side for _, s in rows) for side in ("negative", "positive")]
        if len(rows) >= knobs.min_sentiment and all(10 <= n <= len(rows) - 10 for n in sides):
            sentiment_walked = [w for w, _ in rows]
            heads += (
                _fit(sentiment_walked, [s == "negative" for _, s in rows], knobs, seed, knobs.sentiment_balance),
                _fit(sentiment_walked, [s == "positive" for _, s in rows], knobs, seed, knobs.sentiment_balance),
            )
            meta["sentiment_labels"] = len(rows)
    return Model.of(version, heads, meta, threshold)


def macro_f1(gold: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean F1 of the two classes (complaint, not): what champion and challenger are compared on."""

    def f1(label: bool) -> float:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    return round((f1(True) + f1(False)) / 2, 4)
