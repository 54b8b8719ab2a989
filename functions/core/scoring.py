"""The one scoring function: `score(mention, rules) -> Score`.

How a mention is scored (docs/scoring.md has the long version):

1. language: `mention.lang` or `lang.detect_language` (script + function words, no network);
2. complaint cues of that language (plus the language-free ones: ratings, emoji, hashtags), each a
   named regular expression with a hand-set weight; negatable cues are dropped after a negation
   ("not broken"); see `functions/core/lexicons/`;
3. lexical sentiment: TextBlob's polarity for English (imported on first English score: TextBlob and
   NLTK cost ~0.25 s and the webhook function never scores); our own stem lexicons with negation and
   intensifiers for Russian and Turkish; emoji for every language; praise next to a stated problem, or
   an explicit irony marker, reads as sarcasm and flips praise to blame;
4. complaint probability = logistic(bias + cue evidence + negativity − positivity + severity − resolved),
   compared with the brand's `complaint_threshold`;
5. sentiment (returned) = lexical sentiment pulled down by the complaint evidence, so "my bag never
   arrived" is negative even though no word in it is;
6. priority from severity, complaint strength, negativity, author reach and engagement; category from
   the cues that fired (money first), else from topic words.

Pure and deterministic: the same text and rules give the same `Score`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

from functions.core.lang import detect_language
from functions.core.mention import Mention
from functions.core.score import Priority, Score, ScoringRules

if TYPE_CHECKING:
    from functions.core.model import Features, Model

__all__ = ["detect_language", "rule_view", "score", "sentiment", "sentiment_label"]

CATEGORIES = ("billing", "account", "delivery", "product", "service")  # precedence when several fire

_BIAS = -1.3  # log-odds of a complaint with no evidence at all
_NEGATIVE_WEIGHT = 3.0  # log-odds per unit of negative lexical sentiment
_POSITIVE_WEIGHT = 2.5  # log-odds per unit of positive lexical sentiment
_SEVERITY_WEIGHT = 1.6  # a safety, health, legal or fraud term addressed to a brand is a complaint by itself
_RESOLVED_WEIGHT = 2.5
_SECONDARY = 0.3  # share of a group's further cues (the strongest cue of a group counts in full)
_CUSTOM_WEIGHT = 2.2  # a brand's own complaint term counts like a stated problem

_TR_FOLD = str.maketrans("çğıöşüâîû", "cgiosuaiu")


@dataclass(frozen=True)
class _Cue:
    reason: str
    category: str
    weight: float
    pattern: re.Pattern[str] | None
    negatable: bool
    gate: tuple[str, ...] = ()  # searched only when one of these substrings is present


# A review's own 1-2 star rating weighs like a written "1 star" (same group: not counted twice).
_LOW_STARS = 2
_STARS_WEIGHT = 1.6

# Irony counts as evidence of its own (it has no pattern: see `score`).
_SARCASM = _Cue("sarcasm:marker", "", 1.5, None, False)


@dataclass(frozen=True, eq=False)  # hashed by identity: one per language, cached lookups
class _Lexicon:
    """Stem polarity with longest-prefix lookup, negators and intensifiers (Russian, Turkish)."""

    stems: dict[str, float]
    longest: int  # the longest stem: a word's prefixes longer than this cannot match
    exact: dict[str, float]
    phrases: re.Pattern[str] | None
    intensifiers: dict[str, float]
    negators_before: frozenset[str]
    negators_after: frozenset[str]
    suffix_negation: re.Pattern[str] | None  # Turkish -me/-ma after a stem
    privative: re.Pattern[str] | None  # Turkish -sız/-siz after a stem


@dataclass(frozen=True)
class _Pack:
    """Everything compiled for one language."""

    lang: str
    normalize: Callable[[str], str]
    cues: tuple[_Cue, ...]
    severity: re.Pattern[str] | None  # one pass: a named group per kind
    categories: re.Pattern[str] | None  # one named group per category, in the lexicon's order
    sarcasm_praise: re.Pattern[str] | None
    sarcasm_strong: re.Pattern[str]
    resolved: re.Pattern[str] | None
    negation_before: re.Pattern[str] | None
    negation_after: re.Pattern[str] | None
    lexicon: _Lexicon | None


@cache
def _compiled() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Links/handles/entities, and word tokens; compiled on first use like everything else here."""
    return re.compile(r"https?://\S+|@\w+|&\w+;"), re.compile(r"[^\W\d]+(?:['’][^\W\d]+)?")


def _strip(text: str) -> str:
    """Links, @handles and HTML entities carry no cues (and a handle may contain "late" or "fail")."""
    return _compiled()[0].sub(" ", text) if ("http" in text or "@" in text or "&" in text) else text


def _normalize_en(text: str) -> str:
    return _strip(text.lower().replace("’", "'"))


def _normalize_ru(text: str) -> str:
    return _strip(text.lower().replace("ё", "е"))


def _normalize_tr(text: str) -> str:
    return _strip(text.replace("İ", "i").lower().replace("̇", "").translate(_TR_FOLD))


_NORMALIZERS: dict[str, Callable[[str], str]] = {"en": _normalize_en, "ru": _normalize_ru, "tr": _normalize_tr}


def _module(lang: str) -> ModuleType | None:
    if lang == "en":
        from functions.core.lexicons import en

        return en
    if lang in ("ru", "uk"):
        from functions.core.lexicons import ru

        return ru
    if lang == "tr":
        from functions.core.lexicons import tr

        return tr
    return None


def _compile(pattern: str, fold: Callable[[str], str]) -> re.Pattern[str]:
    return re.compile(fold(pattern))  # text is lower-cased first; IGNORECASE would cost 3x


def _build_lexicon(module: ModuleType, fold: Callable[[str], str], turkish: bool) -> _Lexicon | None:
    polarity: dict[str, float] | None = getattr(module, "POLARITY", None)
    if polarity is None:
        return None
    stems: dict[str, float] = {}
    exact: dict[str, float] = {}
    phrases: list[str] = []
    for key, value in polarity.items():
        word = fold(key.lstrip("="))
        if " " in word:
            phrases.append(re.escape(word))
            word = word.replace(" ", "_")
        if key.startswith("=") or len(word) < 3:
            exact[word] = value
        else:
            stems[word] = value
    intensifiers = {fold(k): v for k, v in module.INTENSIFIERS.items() if " " not in k}
    phrases += [re.escape(fold(k)) for k in module.INTENSIFIERS if " " in k]
    intensifiers |= {fold(k).replace(" ", "_"): v for k, v in module.INTENSIFIERS.items() if " " in k}
    negators = frozenset(fold(word) for word in module.NEGATORS)
    return _Lexicon(
        stems=stems,
        longest=max(map(len, stems), default=0),
        exact=exact,
        phrases=re.compile(r"\b(?:" + "|".join(sorted(phrases, key=len, reverse=True)) + ")") if phrases else None,
        intensifiers=intensifiers,
        negators_before=frozenset() if turkish else negators,
        negators_after=negators if turkish else frozenset(),
        suffix_negation=re.compile(r"(?:y?[ae])?m[aeiou](?![klsy])|(?:y?[ae])?m[aeiou]yor") if turkish else None,
        privative=re.compile(r"s[iu]z") if turkish else None,
    )


@cache
def _pack(lang: str) -> _Pack:
    """Compile one language's cues on first use (keeps the cold import of `app` cheap)."""
    from functions.core.lexicons import common

    module = _module(lang)
    key = "ru" if lang == "uk" else lang
    normalize = _NORMALIZERS.get(key, _normalize_en)
    fold: Callable[[str], str] = (lambda s: s.translate(_TR_FOLD)) if key == "tr" else (lambda s: s.replace("ё", "е"))
    cues = [_Cue(r, c, w, _compile(p, fold), n, common.GATES.get(r, ())) for r, c, w, p, n in common.CUES]
    if module is not None:
        gates: dict[str, tuple[str, ...]] = getattr(module, "GATES", {})
        cues += [
            _Cue(r, c, w, _compile(p, fold), n, tuple(fold(g) for g in gates.get(r, ())))
            for r, c, w, p, n in module.CUES
        ]
    strong = module.SARCASM_STRONG if module is not None else "(?!)"
    categories = "|".join(f"(?P<{name}>{p})" for name, p in module.CATEGORY_WORDS) if module else ""
    severity = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in module.SEVERITY) if module else ""
    return _Pack(
        lang=lang,
        normalize=normalize,
        cues=tuple(cues),
        severity=_compile(severity, fold) if severity else None,
        categories=_compile(categories, fold) if categories else None,
        sarcasm_praise=_compile(module.SARCASM_PRAISE, fold) if module else None,
        sarcasm_strong=_compile(strong, fold),
        resolved=_compile(module.RESOLVED, fold) if module else None,
        negation_before=_compile(module.NEG_BEFORE, fold) if module else None,
        negation_after=_compile(module.NEG_AFTER, fold) if module else None,
        lexicon=_build_lexicon(module, fold, key == "tr") if module else None,
    )


@cache
def _textblob() -> Callable[[str], float]:
    # Deferred: TextBlob and NLTK cost ~0.25 s to import. `textblob.en.sentiment` is the analyzer
    # behind `TextBlob(text).sentiment` (same polarity) without building a blob per call.
    from textblob.en import sentiment as pattern_sentiment

    return lambda text: float(pattern_sentiment(text)[0])


@lru_cache(maxsize=65_536)
def _stem_lookup(lexicon: _Lexicon, word: str) -> tuple[float, int] | None:
    """Polarity of a word and the length of the stem that matched (longest prefix wins).

    Only prefixes up to the longest stem are tried: linear in the word's length, where trying
    every prefix of a 200 KB "word" took seconds (each slice is copied and hashed).
    """
    if word in lexicon.exact:
        return lexicon.exact[word], len(word)
    for end in range(min(len(word), lexicon.longest), 2, -1):
        value = lexicon.stems.get(word[:end])
        if value is not None:
            return value, end
    return None


def _lexicon_polarity(lexicon: _Lexicon, text: str) -> float:
    """Mean polarity of the sentiment words, each scaled by the intensifiers and negators before it."""
    if lexicon.phrases is not None:
        text = lexicon.phrases.sub(lambda m: m.group(0).replace(" ", "_"), text)
    words = _compiled()[1].findall(text)
    total = 0.0
    count = 0
    for i, word in enumerate(words):
        found = _stem_lookup(lexicon, word)
        if found is None:
            continue
        value, end = found
        rest = word[end:]
        if lexicon.privative is not None and lexicon.privative.match(rest):
            value = -0.8 * value
        elif lexicon.suffix_negation is not None and rest and lexicon.suffix_negation.match(rest):
            value = -0.7 * value
        negated = False
        for j in range(i - 1, max(-1, i - 4), -1):
            before = words[j]
            if before in lexicon.intensifiers:
                value *= lexicon.intensifiers[before]
            elif before in lexicon.negators_before and not negated:
                value *= -0.5 if value < 0 else -0.7
                negated = True
            elif _stem_lookup(lexicon, before) is not None:
                break
        after = words[i + 1] if i + 1 < len(words) else ""
        if after in lexicon.negators_after:
            value *= -0.5 if value < 0 else -0.8
        total += max(-1.0, min(1.0, value))
        count += 1
    return total / count if count else 0.0


@cache
def _irony() -> re.Pattern[str]:
    from functions.core.lexicons.common import SARCASM

    return re.compile(SARCASM)


@cache
def _emoji() -> tuple[dict[str, float], re.Pattern[str]]:
    from functions.core.lexicons.common import EMOJI

    return EMOJI, re.compile("[" + "".join(EMOJI) + "]")


def _emoji_polarity(text: str) -> tuple[float, int]:
    if text.isascii():
        return 0.0, 0
    table, pattern = _emoji()
    values = [table[char] for char in pattern.findall(text)]
    return (sum(values) / len(values), len(values)) if values else (0.0, 0)


def _lexical_sentiment(text: str, normalized: str, pack: _Pack) -> float:
    if pack.lang == "en":
        words = _textblob()(text)
        extra = _lexicon_polarity(pack.lexicon, normalized) if pack.lexicon is not None else 0.0
        if extra:
            words = (words + extra) / 2 if words else extra
    elif pack.lexicon is not None:
        words = _lexicon_polarity(pack.lexicon, normalized)
    else:
        words = 0.0
    emoji, count = _emoji_polarity(text)
    if not count:
        return words
    if words == 0.0:
        return emoji
    return (words * 2 + emoji) / 3


def sentiment(text: str, lang: str) -> float:
    """Lexical sentiment in -1..1 before complaint cues: TextBlob for English, our stems for Russian and
    Turkish, emoji for every language."""
    pack = _pack(lang)
    return round(_lexical_sentiment(text, pack.normalize(text), pack), 3)


@lru_cache(maxsize=256)
def _custom(terms: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((term, re.compile(r"\b" + re.escape(term.lower()))) for term in terms)


def _negated(pack: _Pack, text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 40) : match.start()]
    if pack.negation_before is not None and pack.negation_before.search(before):
        return True
    after = text[match.end() : match.end() + 40]
    return pack.negation_after is not None and bool(pack.negation_after.match(after))


def _evidence(fired: list[_Cue]) -> float:
    """Sum over cue groups (problem, wait, ...): the strongest cue in full, the others in part."""
    groups: dict[str, list[float]] = {}
    for cue in fired:
        groups.setdefault(cue.reason.split(":", 1)[0], []).append(cue.weight)
    total = 0.0
    for weights in groups.values():
        weights.sort(reverse=True)
        total += weights[0] + _SECONDARY * sum(weights[1:])
    return total


def _engagement(mention: Mention) -> int:
    metrics = mention.metrics
    return (metrics.likes or 0) + 2 * (metrics.replies or 0) + 3 * (metrics.shares or 0)


def _priority(
    rules: ScoringRules, *, complaint: bool, probability: float, polarity: float, severe: bool, reach: bool, viral: bool
) -> Priority:
    if not complaint:
        return Priority.LOW
    if severe and rules.urgent_on_severity:
        return Priority.URGENT
    points = 2 * reach + 2 * viral + (probability >= rules.strong_complaint) + (polarity <= -0.5)
    if points >= 4:
        return Priority.URGENT
    if points >= 2:
        return Priority.HIGH
    return Priority.NORMAL


def _category(fired: list[_Cue], pack: _Pack, text: str) -> str:
    named = {cue.category for cue in fired if cue.category}
    for name in CATEGORIES:
        if name in named:
            return name
    if pack.categories is None:
        return "other"
    # One pass over the text (was one per category: ~10 µs a complaint); the first category named
    # in CATEGORIES wins, whatever its place in the text.
    found = {match.lastgroup for match in pack.categories.finditer(text)}
    return next((name for name in CATEGORIES if name in found), "other")


def sentiment_label(result: Score, band: float) -> str:
    """ "negative" / "neutral" / "positive": a complaint is negative; otherwise the sentiment's sign
    outside the neutral band."""
    if result.complaint or result.sentiment <= -band:
        return "negative"
    return "positive" if result.sentiment >= band else "neutral"


def score(mention: Mention, rules: ScoringRules, model: Model | None = None) -> Score:
    """Score one mention; every cue that moved the result is named in `reasons`. With the brand's
    `model` (functions.core.model), the model's probability and decision replace the rules', its
    version and strongest features join the reasons, and, if it learnt the desk's sentiment labels,
    its sentiment (P(positive) - P(negative)) replaces the words'."""
    return _score(mention, rules, model, None)


def rule_view(mention: Mention, rules: ScoringRules) -> tuple[Score, Features]:
    """The rules' score and the model's features of a mention, as `score` computes them for a model:
    what the trainer learns from."""
    found: list[Features] = []
    return _score(mention, rules, None, found), found[0]


def _with_model(
    model: Model | None,
    found: list[Features] | None,
    normalized: str,
    ruled: tuple[float, bool, float],
    reasons: list[str],
) -> tuple[float, bool, float, tuple[str, ...]]:
    """The model's probability, decision, sentiment (learnt from the desk's labels, else the rules') and
    reasons, from the same view of the rules the trainer saw (`rule_view`)."""
    from functions.core.model import features

    probability, complaint, polarity = ruled
    view = features(normalized, probability, polarity, reasons, normalized=True)
    if found is not None:
        found.append(view)
    if model is None:
        return probability, complaint, polarity, ()
    judged = model.judge(view, explain_clearance=complaint)
    sentiment = judged.sentiment if judged.sentiment is not None else polarity
    return judged.probability, judged.complaint, sentiment, judged.reasons


def _score(mention: Mention, rules: ScoringRules, model: Model | None, found: list[Features] | None) -> Score:
    text = mention.text
    lang = mention.lang or detect_language(text)
    pack = _pack(lang)
    normalized = pack.normalize(text)

    present = normalized.__contains__  # a gate's substrings, tested without a generator per cue
    fired = [
        cue
        for cue in pack.cues
        if (not cue.gate or any(map(present, cue.gate)))
        and cue.pattern is not None
        and (match := cue.pattern.search(normalized))
        and not (cue.negatable and _negated(pack, normalized, match))
    ]
    for term, pattern in _custom(rules.extra_complaint_terms):
        if pattern.search(normalized):
            fired.append(_Cue(f"term:{term}", "", _CUSTOM_WEIGHT, pattern, False))
    stars = mention.metrics.rating
    if stars is not None and 1 <= stars <= _LOW_STARS:
        fired.append(_Cue(f"rating:{stars}-of-5", "", _STARS_WEIGHT, None, False))
    lexical = _lexical_sentiment(text, normalized, pack)
    reasons = [cue.reason for cue in fired]

    stated_problem = any(cue.reason.startswith(("problem:", "wait:", "request:", "threat:", "term:")) for cue in fired)
    resolved = pack.resolved is not None and bool(pack.resolved.search(normalized))
    marked = ("/s" in normalized or "#" in normalized) and bool(_irony().search(normalized))
    sarcastic = (
        marked
        or bool(pack.sarcasm_strong.search(normalized))
        or (
            stated_problem
            and not resolved
            and pack.sarcasm_praise is not None
            and bool(pack.sarcasm_praise.search(normalized))
        )
    )
    if sarcastic:
        fired.append(_SARCASM)
        reasons.append(_SARCASM.reason)
        lexical = -0.6 * abs(lexical) if lexical else -0.3

    severity = sorted({m.lastgroup or "" for m in pack.severity.finditer(normalized)}) if pack.severity else []
    severity += [
        f"custom:{term}" for term, pattern in _custom(rules.extra_severity_terms) if pattern.search(normalized)
    ]
    reasons += [f"severity:{kind}" for kind in severity]

    evidence = _evidence(fired)
    logit = (
        _BIAS
        + evidence
        + _NEGATIVE_WEIGHT * max(0.0, -lexical)
        - _POSITIVE_WEIGHT * max(0.0, lexical)
        + _SEVERITY_WEIGHT * bool(severity)
        - _RESOLVED_WEIGHT * resolved
    )
    if resolved:
        reasons.append("resolved")
    probability = round(1.0 / (1.0 + math.exp(-logit)), 3)
    complaint = probability >= rules.complaint_threshold
    # The returned sentiment: praise weakened and blame added by the stated problems.
    damped = lexical / (1.0 + evidence) if lexical > 0 else lexical
    polarity = round(max(-1.0, min(1.0, damped - 0.12 * evidence)), 3)
    if model is not None or found is not None:  # the brand's own model decides; the rules' view is among its features
        probability, complaint, polarity, extra = _with_model(
            model, found, normalized, (probability, complaint, polarity), reasons
        )
        reasons += extra
    if polarity <= -0.1:
        reasons.append(f"sentiment:{polarity:+.2f}")

    followers = mention.author.followers or 0
    reach = followers >= rules.high_reach_followers
    if reach:
        reasons.append(f"reach:{followers}")
    engagement = _engagement(mention)
    viral = engagement >= rules.high_engagement
    if viral:
        reasons.append(f"engagement:{engagement}")

    return Score(
        sentiment=polarity,
        complaint=complaint,
        complaint_probability=probability,
        priority=_priority(
            rules,
            complaint=complaint,
            probability=probability,
            polarity=polarity,
            severe=bool(severity),
            reach=reach,
            viral=viral,
        ),
        category=_category(fired, pack, normalized) if complaint else "other",
        lang=lang,
        reasons=tuple(reasons),
    )
