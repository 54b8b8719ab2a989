"""The one scoring function: `score(mention, rules) -> Score`.

A first, simple scorer: TextBlob polarity for English, a handful of complaint cues in English and
Russian, reach and severity for priority. It is pure and deterministic; the full multilingual
scorer (issue 5) replaces the insides of this module and keeps `score`.

TextBlob (and NLTK under it) costs ~0.25 s to import, so it is imported on first use: the webhook
function never scores and must not pay for it on a cold start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from functions.core.mention import Mention
from functions.core.score import Priority, Score, ScoringRules

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_TURKISH = re.compile(r"[ğışİĞŞ]")
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)

# (reason, pattern, weight): a problem stated as fact, waiting, a refund or cancellation request,
# a threat to leave. Written by the team; the full cue lexicon comes with the scoring issue.
_CUES: tuple[tuple[str, re.Pattern[str], float], ...] = tuple(
    (reason, re.compile(pattern, re.IGNORECASE), weight)
    for reason, pattern, weight in (
        ("problem:not_arrived", r"\b(never|not|hasn'?t|didn'?t|still not)\s+(arrived|delivered|come|received)", 0.45),
        ("problem:broken", r"\b(broken|damaged|doesn'?t work|not working|stopped working|defective)\b", 0.4),
        ("problem:charged", r"\b(charged twice|double charged|overcharged|stole my money)\b", 0.5),
        ("problem:cancelled", r"\b(cancell?ed|delayed)\b", 0.3),
        ("problem:access", r"\b(can'?t|cannot|unable to)\s+(log ?in|sign ?in|access|pay)\b", 0.45),
        ("request:refund", r"\b(refund|money back|chargeback)\b", 0.4),
        ("waiting", r"\b(still waiting|for \d+ (days|weeks|hours)|again|no response|no answer)\b", 0.3),
        ("question:where", r"\bwhere is my\b", 0.4),
        ("threat:leave", r"\b(never (again|order|buy|fly)|switching to|going to report|lawyer)\b", 0.35),
        ("ru:problem", r"(не (приш[её]?л|доставил|работает|могу)|сломал|списал[иа]? дважды|отмен[иеё]л)", 0.45),
        ("ru:request", r"(верните деньги|возврат|жалоб)", 0.4),
        ("ru:waiting", r"(до сих пор|уже \d+ (дн|недел|час)|снова|опять|никто не отвечает)", 0.3),
        ("ru:quality", r"(ужасн|отвратительн|безобраз|кошмар|хамств|обман)", 0.35),
    )
)

_SEVERE = re.compile(
    r"\b(food poisoning|poison|injur|fire|unsafe|data breach|hacked|fraud|lawsuit|lawyer)|"
    r"(отравил|мошенн|утечк|суд)",
    re.IGNORECASE,
)

_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("billing", re.compile(r"refund|charged|money|payment|bill|возврат|деньг|списал", re.IGNORECASE)),
    ("delivery", re.compile(r"deliver|arriv|order|courier|package|bag|доставк|курьер|заказ", re.IGNORECASE)),
    ("account", re.compile(r"log ?in|sign ?in|password|account|аккаунт|пароль|войти", re.IGNORECASE)),
    ("product", re.compile(r"broken|defect|damaged|quality|сломал|брак|качеств", re.IGNORECASE)),
    ("service", re.compile(r"staff|rude|support|operator|хамств|оператор|поддержк", re.IGNORECASE)),
)


def detect_language(text: str) -> str:
    """Script-based guess: Cyrillic → ru, Turkish letters → tr, Latin → en, otherwise `und`."""
    if _CYRILLIC.search(text):
        return "ru"
    if _TURKISH.search(text):
        return "tr"
    if _LATIN.search(text):
        return "en"
    return "und"


@cache
def _polarity() -> Callable[[str], float]:
    from textblob import TextBlob  # deferred: see module docstring

    return lambda text: float(TextBlob(text).sentiment.polarity)


def sentiment(text: str, lang: str) -> float:
    """TextBlob polarity for English; other languages lean on cues until the scoring issue."""
    if lang == "en":
        return round(_polarity()(text), 3)
    return 0.0


def _priority(probability: float, severe: bool, followers: int | None, rules: ScoringRules) -> Priority:
    if severe:
        return Priority.URGENT
    if probability >= 0.8 or (followers or 0) >= rules.high_reach_followers:
        return Priority.HIGH
    if probability >= rules.complaint_threshold:
        return Priority.NORMAL
    return Priority.LOW


def _category(text: str) -> str:
    return next((name for name, pattern in _CATEGORIES if pattern.search(text)), "other")


def score(mention: Mention, rules: ScoringRules) -> Score:
    """Score one mention; every cue that moved the result is named in `reasons`."""
    text = mention.text
    lang = mention.lang or detect_language(text)
    polarity = sentiment(text, lang)
    reasons: list[str] = []
    probability = 0.0
    for reason, pattern, weight in _CUES:
        if pattern.search(text):
            reasons.append(reason)
            probability += weight
    if polarity < -0.1:
        reasons.append(f"sentiment:{polarity:+.2f}")
        probability += min(0.4, -polarity * 0.5)
    severe = bool(_SEVERE.search(text))
    if severe:
        reasons.append("severity:term")
        probability += 0.2
    probability = round(min(1.0, probability), 3)
    complaint = probability >= rules.complaint_threshold
    followers = mention.author.followers
    if followers and followers >= rules.high_reach_followers:
        reasons.append(f"reach:{followers}")
    return Score(
        sentiment=polarity,
        complaint=complaint,
        complaint_probability=probability,
        priority=_priority(probability, severe and complaint, followers, rules),
        category=_category(text) if complaint else "other",
        lang=lang,
        reasons=tuple(reasons),
    )
