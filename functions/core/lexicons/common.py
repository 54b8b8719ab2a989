"""Cues that do not depend on the language: emoji, star ratings, hashtags. Written by the team."""

from __future__ import annotations

from functions.core.lexicons import Cue

# Emoji polarity (-1..1). Keys are single code points (variation selectors are ignored).
EMOJI: dict[str, float] = {
    # negative
    "😡": -0.9,
    "🤬": -1.0,
    "😠": -0.8,
    "😤": -0.6,
    "👎": -0.7,
    "💩": -0.8,
    "😞": -0.6,
    "😔": -0.5,
    "😢": -0.6,
    "😭": -0.6,
    "😩": -0.6,
    "😫": -0.6,
    "🙄": -0.6,
    "😒": -0.6,
    "🤦": -0.6,
    "😑": -0.4,
    "😐": -0.2,
    "😕": -0.4,
    "🙁": -0.5,
    "☹": -0.6,
    "😖": -0.6,
    "😣": -0.5,
    "🤮": -0.9,
    "🤢": -0.8,
    "💔": -0.6,
    "😾": -0.6,
    "🖕": -1.0,
    # positive
    "😍": 0.9,
    "🥰": 0.9,
    "😊": 0.7,
    "🙂": 0.4,
    "😀": 0.6,
    "😃": 0.6,
    "😄": 0.6,
    "😁": 0.6,
    "😆": 0.5,
    "😂": 0.3,
    "🤣": 0.3,
    "😘": 0.7,
    "❤": 0.8,
    "💕": 0.8,
    "💖": 0.8,
    "💙": 0.7,
    "💜": 0.7,
    "👍": 0.6,
    "👌": 0.6,
    "🙏": 0.4,
    "🎉": 0.7,
    "👏": 0.5,
    "✨": 0.4,
    "🔥": 0.4,
    "💯": 0.5,
    "😎": 0.5,
    "🤗": 0.6,
    "⭐": 0.3,
    "🌟": 0.5,
    "💪": 0.5,
    "🥳": 0.8,
    "🙌": 0.7,
    "✈": 0.1,
}

CUES: tuple[Cue, ...] = (
    # "1/10", "0/5", "1 star", "one star", "★☆☆☆☆", "1 звезда", "1 yıldız"
    (
        "rating:low",
        "",
        1.6,
        r"(?<![\d.])(?:[0-2]\s*/\s*(?:10|5)|[0-3]\s*/\s*10)(?![\d.])|\b(?:zero|one|no|0|1)[\s-]*stars?\b"
        r"|\b[01]\s*(?:звезд|балл)|\b[01]\s*y[ıi]ld[ıi]z|\b[★⭐]\s*[☆]{3,}",
        False,
    ),
    (
        "hashtag:complaint",
        "",
        1.2,
        r"#\w*(?:fail|worst|never\w*again|ripoff|scam|boycott|epicfail|shame|awful|disappoint|angry|sucks?|badpolicy|cheat"
        r"|lost|delay|cancel|stuck|frustrat|annoy|lies|greed|rude|notcool|nothappy|unacceptable|pathetic|horrible|terrible"
        r"|joke|rant|nooption|busy|позор|отстой"
        r"|rezalet|boykot|mağdur|magdur)\w*",
        False,
    ),
    ("punctuation:exasperated", "", 0.4, r"[?!]{3,}|\?!|!\?", False),
)

# A cue is only searched for when one of these substrings is in the (lower-cased) text: cheap gates
# for patterns that would otherwise be tried at every position.
GATES: dict[str, tuple[str, ...]] = {
    "rating:low": ("/", "star", "звезд", "балл", "yildiz", "★", "⭐"),
    "hashtag:complaint": ("#",),
    "punctuation:exasperated": ("?!", "!?", "???", "!!!"),
}

# "/s" and #sarcasm are unambiguous; mixed with praise words elsewhere they flip the polarity.
SARCASM = r"(?:^|\s)/s\b|#sarcas\w*|#irony|#сарказм|#ирония|#ironi|#sarkazm"
