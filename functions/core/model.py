"""A brand's complaint model: logistic regression over hashed text features and the rules. Pure.

Features of a mention (`features`):
- words (lower-cased, links and @handles dropped, digits folded to `0`) and word pairs;
- character 4-grams of each word, padded (` help `: ` hel`, `help`, `elp `): spelling variants,
  Russian and Turkish inflections and typos share most of them;
- the rule scorer's view: its complaint log-odds and lexical sentiment as numbers, and every cue
  that fired (`problem:not_arrived`, `severity:health`...) as an indicator.
Each text feature is hashed (CRC-32, stable across processes) into `2**BITS` slots.

Training (`train`) is AdaGrad on the log loss with L2, classes weighted to balance, a fixed number of
epochs in a seeded order: pure Python, a few seconds for thousands of verdicts, deterministic.
The artifact (`Model.to_bytes`) keeps only non-zero weights (uint32 slot + float32 weight,
zlib-compressed) and a JSON header; loading is one decompress and two array reads.

`Model.judge` gives the complaint probability and the reasons an agent reads: `model:<version>` and
the words and cues that pushed hardest toward the decision (`model:+help`, `model:-thanks`).
"""

from __future__ import annotations

import heapq
import json
import math
import random
import re
import struct
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise

BITS = 20
MASK = (1 << BITS) - 1
MAGIC = b"MDM1"
EPOCHS = 8
LEARNING_RATE = 0.3
L2 = 1e-5
PRUNE = 1e-3  # weights smaller than this are dropped from the artifact
REASONS = 3  # how many of the strongest features a score names


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return (
        re.compile(r"https?://\S+|@\w+|&\w+;"),
        re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|[!?]"),
        re.compile(r"\d+"),
    )


_TR = str.maketrans("çğıöşüâîûё", "cgiosuaiuе")


def tokens(text: str) -> list[str]:
    strip, word, digits = _patterns()
    lowered = text.lower() if text.isascii() else text.replace("İ", "i").lower().translate(_TR)
    if "http" in lowered or "@" in lowered or "&" in lowered:
        lowered = strip.sub(" ", lowered)
    return word.findall(digits.sub("0", lowered) if any(c.isdigit() for c in lowered) else lowered)


def _slot(name: str) -> int:
    return zlib.crc32(name.encode()) & MASK


@lru_cache(maxsize=200_000)
def _word_slots(word: str) -> tuple[int, ...]:
    """The word's own slot, then its padded character 4-grams' (cached: words repeat)."""
    padded = f" {word} "
    grams = {padded[i : i + 4] for i in range(len(padded) - 3)} if len(word) > 2 else set()
    return (_slot("w:" + word), *(_slot("c:" + g) for g in sorted(grams)))


@lru_cache(maxsize=200_000)
def _pair_slot(first: str, second: str) -> int:
    return _slot(f"b:{first} {second}")


@lru_cache(maxsize=4096)
def _cue_slot(reason: str) -> int:
    return _slot("r:" + reason)


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


@dataclass(frozen=True)
class Features:
    """One mention: its words (each with its character n-grams) and word pairs, scaled together to unit
    length, the rules' cues as indicators, and the rules' log-odds and sentiment as numbers."""

    words: tuple[str, ...]
    cues: tuple[str, ...]
    rule_logit: float
    rule_sentiment: float
    scale: float  # 1/sqrt(number of text slots)

    def pairs(self) -> list[tuple[int, float]]:
        """(slot, value) for every feature: what training walks."""
        found = [(s, self.scale) for w in self.words for s in _word_slots(w)]
        found += [(_pair_slot(a, b), self.scale) for a, b in pairwise(self.words)]
        found += [(_cue_slot(c), 1.0) for c in self.cues]
        found += [(RULE_LOGIT, self.rule_logit), (RULE_SENTIMENT, self.rule_sentiment), (BIAS, 1.0)]
        return found


def features(text: str, rule_probability: float, rule_sentiment: float, reasons: Sequence[str]) -> Features:
    words = tuple(tokens(text))
    count = 5 * len(words)  # about a word, its n-grams and a pair each: unit length, without counting them
    cues = tuple(c for c in (_cue(r) for r in reasons) if c is not None)
    p = min(max(rule_probability, 1e-3), 1 - 1e-3)
    scale = 1.0 / math.sqrt(count) if count else 0.0
    return Features(words, cues, math.log(p / (1 - p)) / 4, rule_sentiment, scale)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Judgement:
    probability: float
    complaint: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Model:
    version: str
    weights: dict[int, float]
    threshold: float = 0.5
    meta: dict[str, object] = field(default_factory=dict)
    _word_sums: dict[str, float] = field(default_factory=dict, repr=False)  # word -> its slots' weights

    def _word(self, word: str) -> float:
        found = self._word_sums.get(word)
        if found is None:
            get = self.weights.get
            found = sum(get(s, 0.0) for s in _word_slots(word))
            if len(self._word_sums) < 200_000:
                self._word_sums[word] = found
        return found

    def contributions(self, f: Features) -> list[tuple[float, str]]:
        """Each named feature's share of the log-odds (a word with its n-grams; a pair; a cue; the rules)."""
        get = self.weights.get
        word = self._word
        scale = f.scale
        named = [(word(w) * scale, w) for w in f.words]
        for a, b in pairwise(f.words):
            weight = get(_pair_slot(a, b))
            if weight:
                named.append((weight * scale, f"{a} {b}"))
        named += [(get(_cue_slot(cue), 0.0), cue) for cue in f.cues]
        named.append((get(RULE_LOGIT, 0.0) * f.rule_logit, "rules"))
        named.append((get(RULE_SENTIMENT, 0.0) * f.rule_sentiment, "sentiment"))
        return named

    def probability(self, f: Features) -> float:
        return _sigmoid(sum(c for c, _ in self.contributions(f)) + self.weights.get(BIAS, 0.0))

    def judge(self, f: Features) -> Judgement:
        """Probability, decision, and the named features that pushed hardest toward the decision."""
        named = self.contributions(f)
        probability = _sigmoid(sum(c for c, _ in named) + self.weights.get(BIAS, 0.0))
        complaint = probability >= self.threshold
        if complaint:
            strongest = heapq.nlargest(REASONS, (x for x in named if x[0] > 0))
        else:
            strongest = heapq.nsmallest(REASONS, (x for x in named if x[0] < 0))
        reasons = tuple(f"model:{'+' if c > 0 else '-'}{n}" for c, n in strongest)
        return Judgement(round(probability, 3), complaint, (f"model:{self.version}", *reasons))

    def to_bytes(self) -> bytes:
        kept = sorted((s, w) for s, w in self.weights.items() if abs(w) >= PRUNE)
        slots = array("I", (s for s, _ in kept))
        weights = array("f", (w for _, w in kept))
        header = json.dumps(
            {"version": self.version, "threshold": self.threshold, "bits": BITS, "meta": self.meta}
        ).encode()
        body = struct.pack("<II", len(header), len(kept)) + header + slots.tobytes() + weights.tobytes()
        return MAGIC + zlib.compress(body, 6)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Model:
        if not blob.startswith(MAGIC):
            raise ValueError("not a mentiondesk model artifact")
        body = zlib.decompress(blob[len(MAGIC) :])
        header_size, count = struct.unpack_from("<II", body)
        start = 8 + header_size
        header = json.loads(body[8:start])
        if header.get("bits") != BITS:
            raise ValueError(f"model was trained with {header.get('bits')} hash bits, this code uses {BITS}")
        slots, weights = array("I"), array("f")
        slots.frombytes(body[start : start + 4 * count])
        weights.frombytes(body[start + 4 * count : start + 8 * count])
        return cls(
            version=str(header["version"]),
            weights=dict(zip(slots, weights, strict=True)),
            threshold=float(header["threshold"]),
            meta=dict(header.get("meta") or {}),
        )


def train(examples: Sequence[tuple[Features, bool]], version: str, *, epochs: int = EPOCHS, seed: int = 14) -> Model:
    """Fit the weights on labelled examples (AdaGrad, L2, balanced classes, seeded order)."""
    positives = sum(1 for _, y in examples if y)
    negatives = len(examples) - positives
    if not positives or not negatives:
        raise ValueError("training needs verdicts of both kinds")
    weight_of = {True: len(examples) / (2 * positives), False: len(examples) / (2 * negatives)}
    weights: dict[int, float] = {}
    squares: dict[int, float] = {}
    order = list(range(len(examples)))
    shuffle = random.Random(seed).shuffle  # noqa: S311 (a training order, not a secret)
    walked = [f.pairs() for f, _ in examples]
    for _ in range(epochs):
        shuffle(order)
        for index in order:
            label = examples[index][1]
            pairs = walked[index]
            z = sum(weights.get(s, 0.0) * v for s, v in pairs)
            error = (_sigmoid(z) - (1.0 if label else 0.0)) * weight_of[label]
            for s, v in pairs:
                w = weights.get(s, 0.0)
                g = error * v + L2 * w
                g2 = squares.get(s, 0.0) + g * g
                squares[s] = g2
                weights[s] = w - LEARNING_RATE * g / math.sqrt(g2 + 1e-12)
    return Model(version, weights, meta={"verdicts": len(examples), "complaints": positives})


def macro_f1(gold: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean F1 of the two classes (complaint, not): what champion and challenger are compared on."""

    def f1(label: bool) -> float:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    return round((f1(True) + f1(False)) / 2, 4)
