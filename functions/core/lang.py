"""Language of a mention without a network call: the script first, then a vote of function words.

Cyrillic → `ru` (`uk` when it has Ukrainian-only letters and none of the Russian-only ones);
Latin → `tr` on Turkish-only letters (ğ ı ş İ) or a majority of Turkish function words, otherwise
`de`/`es`/`fr` when their function words win, otherwise `en`; other scripts get their own code;
text with no letters at all (emoji, numbers) is `und`. Short posts are what we see, so the rule is
simple on purpose: a wrong `de` for an English post only means the English cue lists are not run.
"""

from __future__ import annotations

import re
from functools import cache


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """Compiled on first use: the cold import of `app` should not pay for regular expressions."""
    return (
        re.compile(r"[^\W\d_]+"),
        re.compile(r"https?://\S+|@\w+|&\w+;"),
        re.compile(r"[a-zA-Z\u00c0-\u024f]"),
        re.compile(r"[\u0400-\u04ff]"),
        re.compile(
            r"[\u0370-\u03ff\u0590-\u06ff\u0900-\u097f\u0e00-\u0e7f\u10a0-\u10ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
        ),
    )


_TR_ONLY = frozenset("ğıışİĞŞ")
_TR_LIKELY = frozenset("çöüÇÖÜ")
_UK_ONLY = frozenset("іїєґІЇЄҐ")
_RU_ONLY = frozenset("ыэъёЫЭЪЁ")

# Written by the team: the most frequent short function words of each language (no overlap with
# English words that are common in brand mentions).
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "a",
            "an",
            "and",
            "or",
            "but",
            "is",
            "are",
            "was",
            "were",
            "be",
            "been",
            "my",
            "your",
            "our",
            "their",
            "i",
            "you",
            "we",
            "they",
            "it",
            "this",
            "that",
            "to",
            "of",
            "in",
            "on",
            "for",
            "with",
            "at",
            "from",
            "by",
            "not",
            "no",
            "never",
            "can",
            "can't",
            "cannot",
            "don't",
            "didn't",
            "won't",
            "isn't",
            "have",
            "has",
            "had",
            "do",
            "does",
            "did",
            "what",
            "where",
            "when",
            "why",
            "how",
            "who",
            "please",
            "thanks",
            "thank",
            "just",
            "still",
            "again",
            "me",
            "us",
            "him",
            "her",
            "so",
            "very",
            "all",
            "any",
            "will",
            "would",
            "should",
            "could",
        ]
    ),
    "tr": frozenset(
        [
            "ve",
            "bir",
            "bu",
            "şu",
            "çok",
            "ne",
            "için",
            "icin",
            "da",
            "de",
            "ile",
            "gibi",
            "daha",
            "ama",
            "fakat",
            "değil",
            "degil",
            "ben",
            "sen",
            "biz",
            "siz",
            "mi",
            "mı",
            "mu",
            "mü",
            "var",
            "yok",
            "olan",
            "kadar",
            "hala",
            "hâlâ",
            "hiç",
            "hic",
            "bi",
            "neden",
            "niye",
            "nasıl",
            "nasil",
            "nerede",
            "ise",
            "diye",
            "artık",
            "artik",
            "sadece",
            "bana",
            "beni",
            "sana",
            "benim",
            "sizin",
            "hep",
            "bile",
            "zaten",
            "veya",
            "şey",
            "sey",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ein",
            "eine",
            "ich",
            "sie",
            "wir",
            "mit",
            "auf",
            "für",
            "noch",
            "auch",
            "sich",
            "wie",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "es",
            "no",
            "que",
            "por",
            "para",
            "con",
            "una",
            "un",
            "pero",
            "mi",
            "su",
            "muy",
            "del",
            "se",
            "lo",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "est",
            "pas",
            "que",
            "pour",
            "avec",
            "une",
            "un",
            "mais",
            "mon",
            "très",
            "des",
            "du",
            "je",
            "vous",
            "ne",
        ]
    ),
}

# First matching range wins: (code, lowest code point, highest code point).
_SCRIPTS: tuple[tuple[str, int, int], ...] = (
    ("el", 0x0370, 0x03FF),
    ("he", 0x0590, 0x05FF),
    ("ar", 0x0600, 0x06FF),
    ("hi", 0x0900, 0x097F),
    ("th", 0x0E00, 0x0E7F),
    ("ka", 0x10A0, 0x10FF),
    ("ko", 0xAC00, 0xD7AF),
    ("ja", 0x3040, 0x30FF),
    ("zh", 0x4E00, 0x9FFF),
)


def _count_scripts(text: str) -> tuple[int, int, tuple[str, int]]:
    """Letters in Latin, in Cyrillic, and the most frequent other script with its count."""
    _, _, latin_letter, cyrillic_letter, other_letter = _patterns()
    latin = len(latin_letter.findall(text))
    cyrillic = len(cyrillic_letter.findall(text)) if not text.isascii() else 0
    if text.isascii() or not other_letter.search(text):
        return latin, cyrillic, ("und", 0)
    other: dict[str, int] = {}
    for char in text:
        code = ord(char)
        name = next((name for name, low, high in _SCRIPTS if low <= code <= high), None)
        if name is not None and char.isalpha():
            other[name] = other.get(name, 0) + 1
    return latin, cyrillic, max(other.items(), key=lambda item: item[1], default=("und", 0))


def detect_language(text: str) -> str:
    """ISO 639-1 code of the post's language, or `und` when there is nothing to go on."""
    word_pattern, noise, *_ = _patterns()
    if "http" in text or "@" in text or "&" in text:
        text = noise.sub(" ", text)  # links, handles and HTML entities are not the post's language
    latin, cyrillic, best_other = _count_scripts(text)
    chars = set(text)
    if cyrillic and cyrillic >= latin and cyrillic >= best_other[1]:
        return "uk" if chars & _UK_ONLY and not chars & _RU_ONLY else "ru"
    if best_other[1] > latin:
        return best_other[0]
    if not latin:
        return "und"
    if chars & _TR_ONLY:
        return "tr"
    words = word_pattern.findall(text.lower())
    votes = {lang: sum(word in vocabulary for word in words) for lang, vocabulary in _FUNCTION_WORDS.items()}
    winner = max(votes, key=lambda lang: votes[lang])
    if votes[winner] > votes["en"]:
        return winner
    if not votes["en"] and chars & _TR_LIKELY and not votes["de"]:
        return "tr"  # ç/ö/ü and no English or German function word: Turkish typed without ğ/ı/ş
    return "en"


# ---------------------------------------------------------------------------- sources' language tags

# Three-letter ISO 639-2/3 codes (bibliographic and terminology) of the languages the scorer or the
# detector names, and the legacy two-letter codes Java/Android (Google Play) and X still send.
_ALIASES: dict[str, str] = {
    "eng": "en", "rus": "ru", "ukr": "uk", "tur": "tr", "deu": "de", "ger": "de", "spa": "es",
    "fra": "fr", "fre": "fr", "ell": "el", "gre": "el", "heb": "he", "ara": "ar", "hin": "hi",
    "tha": "th", "kat": "ka", "geo": "ka", "kor": "ko", "jpn": "ja", "zho": "zh", "chi": "zh",
    "ind": "id", "iw": "he", "in": "id", "ji": "yi",
}  # fmt: skip
# "No linguistic content", "undetermined", "multiple", "uncoded", and X's markers for text that is
# only a hashtag, a mention, media or a link (qht, qme, qam, qct, qst): no language at all.
_NO_LANGUAGE = frozenset({"und", "zxx", "mul", "mis", "qht", "qme", "qam", "qct", "qst", "xx"})
_PRIMARY = re.compile(r"^[a-z]{2,3}$")


def language_code(tag: object) -> str | None:
    """A source's language tag as the scorer's code (ISO 639-1, lowercase), or None.

    Sources send BCP 47 (`en-US`, `pt-BR`, `zh-Hant-TW`: Bluesky, Mastodon, feeds), POSIX/Java locales
    (`en_US`, `id_ID`, `en_ID`, legacy `in_ID`: Google Play's device setting), upper case (`EN`),
    three-letter codes (`eng`) and "no language" markers (`und`, X's `qme`). Only the language counts;
    the region is dropped. Anything else is None, and the scorer detects the language from the text.
    """
    if not isinstance(tag, str):
        return None
    primary = re.split(r"[-_.@\s]", tag.strip().lower(), maxsplit=1)[0]
    if not _PRIMARY.match(primary) or primary in _NO_LANGUAGE:
        return None
    code = _ALIASES.get(primary, primary)
    return code if len(code) == 2 else None
