"""Abuse and scam cues for the optional auto-moderation rule (functions.core.moderation). Written by the team.

Deliberately small: direct abuse aimed at a person and the commonest obscenities in English, Russian
and Turkish, written by hand from general knowledge of the languages, not copied from any published
list. No slur list is shipped (a fair one needs a maintained source and review by speakers), so
slurs not below are not caught. Matching is on lower-cased text; Turkish is also folded to ASCII
(ç→c, ğ→g, ı→i, ö→o, ş→s, ü→u) because it is often typed without diacritics, so the Turkish
patterns are written folded. A complaint is never hidden, whatever words it uses (the rule checks
`score.complaint` first): these only catch abuse in mentions that are not complaints.
"""

from __future__ import annotations

# language -> regular expressions (case-insensitive, matched on lower-cased text)
INSULTS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bf+u+c+k+\s*(?:you|u|off|yourselves|yourself)\b",
        r"\b(?:mother\s*)?fuckers?\b",
        r"\bassholes?\b",
        r"\bbitch(?:es)?\b",
        r"\bcunts?\b",
        r"\bdickheads?\b",
        r"\bscumbags?\b",
        r"\bwhores?\b",
        r"\bretards?\b",
        r"\bkill\s+yourself\b|\bkys\b",
        r"\bpiece\s+of\s+shit\b",
    ),
    "ru": (
        r"\b(?:на|по)?ху[йяеёи]\w*",
        r"\b\w*пизд\w*",
        r"\b(?:за|вы|до|у|от|на|по)?[её]б(?:ан|ал|ат|уч|лан|ище)\w*",
        r"\bбля(?:дь|ть|ди)?\b",
        r"\bсук[аиу]\b",
        r"\bмудак\w*|\bмудил\w*",
        r"\bдолбо[её]б\w*",
        r"\bуроды?\b",
        r"\bдебил\w*",
        r"\bтвар[ьи]\b",
        r"\bмраз[ьи]\b",
        r"\bшлюх\w*",
        r"\bгандон\w*",
    ),
    "tr": (
        r"\bsik(?:tir|eyim|erim|ik|im)\w*",
        r"\bamk\b|\bamina\b|\bamcik\w*",
        r"\borospu\w*",
        r"\bpic(?:ler|in|e)?\b",
        r"\byavsak\w*",
        r"\bserefsiz\w*",
        r"\bgerizekali\w*",
        r"\bgot\s*veren\w*",
        r"\bkahpe\w*",
    ),
}

# Link shorteners: a shortened link under a brand's post is how most comment scams hide their target.
# Not here: t.co (X wraps every link in it) and the networks' own redirectors.
SHORTENERS: frozenset[str] = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "tinyurl.com",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "v.gd",
        "cutt.ly",
        "rebrand.ly",
        "shorturl.at",
        "tiny.cc",
        "rb.gy",
        "t.ly",
        "clck.ru",
        "vk.cc",
        "u.to",
        "s.id",
        "shorte.st",
        "adf.ly",
        "qps.ru",
    }
)

# "Free giveaway ... click/DM": a prize, then (within a few lines) a call to follow a link or to write
# privately. The rule also wants a link in the text, or the call to be a DM (`GIVEAWAY_DM`).
GIVEAWAY_PRIZE = (
    r"\b(?:free\s+(?:gift|iphone|money|cash|prize|giveaway|tickets?)|giveaway|you(?:'ve|\s+have)?\s+won|winners?\b"
    r"|prize|gift\s*card|airdrop|розыгрыш\w*|разыгрыва\w*|приз\w*|бесплатн\w*\s+подар\w*|вы\s+выиграли"
    r"|ucretsiz\s+hediye|cekilis\w*|hediye\s+ceki|kazandiniz|kazanan\w*)"
)
GIVEAWAY_CALL = (
    r"(?:\bclick\b|\btap\b|\blink\s+in\s+(?:my\s+)?bio\b|\bclaim\s+(?:it|now|here|your)\b|переходи\w*|перейди\w*"
    r"|жмите|по\s+ссылке|tikla\w*|linke\s+gir|bio(?:da|daki)\s+link)"
)
GIVEAWAY_DM = (
    r"(?:\bdm\b|\bmessage\s+(?:me|us)\b|\bwhats\s*app\b|\btelegram\b|пиши\w*\s+в\s+(?:лс|личк\w*)|\bв\s+лс\b"
    r"|в\s+личные\s+сообщения|\bdm\s*(?:at|den|ye)\b|\bmesaj\s+at)"
)
