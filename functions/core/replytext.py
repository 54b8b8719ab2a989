"""What an agent typed in a helpdesk, made fit to post on a social network. Pure.

Two steps, both used by the reply worker (functions/jobs/replies.py) before it calls a connector's
`reply_request`, and described in docs/replies/text-and-moderation.md:

- `clean(body)`: the helpdesk's HTML (or text) as plain text, without the quoted history an email
  client appended, without the agent's signature, whitespace normalised. An empty result ("") means
  there was nothing of the agent's own to post: the worker tells the agent instead of posting.
- `parts(text, limit, ...)`: the text as one or more posts that each fit the network's limit,
  measured in code points (`len`) or, for Bluesky, in grapheme clusters (`graphemes`).

`ReplyRules` is the brand's configuration of both (brands.json `replies`, functions.core.brands).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

MODES = ("split", "cut")
ELLIPSIS = "…"

# Closings that start a signature when only short name/title lines follow them (en, ru, tr). A brand
# replaces this list with its own (`replies.signature_closings`). Compared case-insensitively, with
# trailing punctuation (",", "!", ".") ignored.
DEFAULT_CLOSINGS: tuple[str, ...] = (
    "best regards",
    "kind regards",
    "warm regards",
    "regards",
    "best wishes",
    "sincerely",
    "yours sincerely",
    "yours truly",
    "с уважением",
    "с наилучшими пожеланиями",
    "всего доброго",
    "всего наилучшего",
    "saygılarımızla",
    "saygılarımla",
    "iyi çalışmalar",
    "iyi günler dileriz",
)
# Lines a phone's mail app appends: a signature of their own, dropped wherever they stand alone.
_DEVICE_LINES = re.compile(
    r"^(?:sent from my \w[\w ]{0,30}|get outlook for \w+|отправлено с (?:моего )?\w[\w ]{0,30}"
    r"|\w+(?:'|’)(?:dan|den|tan|ten) gönderildi)$",
    re.IGNORECASE,
)
_NAME_LINES = 4  # at most this many short lines (name, title, team, company) after a closing
_NAME_LINE_CHARS = 60


class EmptyReplyError(ValueError):
    """Nothing to post: the reply was empty once quoted history and signature were removed."""


class ReplyTooLongError(ValueError):
    """The reply needs more parts than the brand allows. Permanent: the worker tells the agent
    "reply too long for <network>: needs N parts of M characters, at most K allowed"."""

    permanent = True

    def __init__(self, needed: int, limit: int, max_parts: int) -> None:
        super().__init__(f"needs {needed} parts of {limit} characters, at most {max_parts} allowed")
        self.needed = needed
        self.limit = limit
        self.max_parts = max_parts


# --------------------------------------------------------------------------- HTML to text

_HTML_HINT = re.compile(
    r"<(?:p|br|div|span|a|b|i|u|em|strong|ul|ol|li|blockquote|table|html|body|font|img|h[1-6])\b[^>]*>"
    r"|&(?:nbsp|amp|lt|gt|quot|#\d{1,7}|#x[0-9a-f]{1,6});",
    re.IGNORECASE,
)
_PARAGRAPH = frozenset(
    "address article aside dd details div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 "  # noqa: SIM905
    "header hr li main nav ol p pre section summary table tr ul".split()
)
_DROPPED = frozenset({"script", "style", "head", "title", "blockquote"})  # blockquote: the quoted history
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())  # noqa: SIM905
# Gmail, Yahoo, Outlook (web), Apple Mail and Zendesk mark the quoted history and the signature.
_QUOTE_MARKERS = re.compile(
    r"gmail_quote|gmail_signature|yahoo_quoted|moz-cite-prefix|moz-signature|divRplyFwdMsg|appendonsend"
    r"|zd-quote|signature",
    re.IGNORECASE,
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip: list[str] = []  # open tags whose content is dropped
        self.links: list[tuple[str, int]] = []  # open <a>: href, where its text starts in `out`

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.skip:
            if tag not in _VOID:
                self.skip.append(tag)
            return
        marked = any(_QUOTE_MARKERS.search(values.get(name) or "") for name in ("class", "id"))
        if tag in _DROPPED or (marked and tag not in _VOID):
            self.skip.append(tag)
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in _PARAGRAPH:
            self.out.append("\n\n")
        elif tag == "a":
            self.links.append(((values.get("href") or "").strip(), len(self.out)))
        elif tag in ("img", "td", "th"):
            self.out.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag in self.skip:  # close up to the matching tag (forgiving of unclosed inner tags)
                while self.skip and self.skip.pop() != tag:
                    pass
            return
        if tag in _PARAGRAPH:
            self.out.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            self.out[start:] = [_link(label, href)]

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def _link(label: str, href: str) -> str:
    """A link as a social network can show it: the url, or "text (url)" when the text says more."""
    if not href or href.startswith(("#", "javascript:")):
        return label
    if href.lower().startswith("mailto:"):
        address = href[len("mailto:") :].split("?", maxsplit=1)[0]
        return label if not label or address.lower() in label.lower() else f"{label} ({address})"
    bare = re.sub(r"^https?://(?:www\.)?", "", href, flags=re.IGNORECASE).rstrip("/")
    shown = re.sub(r"^https?://(?:www\.)?", "", label, flags=re.IGNORECASE).rstrip("/")
    if not label or shown.lower() == bare.lower():
        return href
    return f"{label} ({href})"


def html_text(markup: str) -> str:
    """Plain text of a helpdesk's HTML comment: paragraphs and blocks become blank lines, `<br>` a
    line break, links their url (or "text (url)"); quoted history (`<blockquote>`, Gmail's
    `gmail_quote`, Outlook's `divRplyFwdMsg`...) and marked signatures are dropped.

    Unlike `functions.core.polls.html_to_text` (one line per block, links dropped: fine for reading
    a mention) this keeps paragraphs, which `parts` splits at, and the links an agent gave."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    while parser.links:  # an <a> never closed
        href, start = parser.links.pop()
        parser.out[start:] = [_link("".join(parser.out[start:]).strip(), href)]
    return "".join(parser.out)


def looks_like_html(body: str) -> bool:
    return bool(_HTML_HINT.search(body))


# --------------------------------------------------------------------------- clean

_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200b\u2060\ufeff]")  # not \t, \n; ZWJ/ZWNJ stay (emoji, scripts)
_SPACES = re.compile(r"[^\S\n]+")
_BLANKS = re.compile(r"\n{3,}")
_SIG_DELIMITER = re.compile(r"^--[ \t]*$")  # RFC 3676 "-- " (clients often strip the trailing space)
# A header that introduces a quoted message. "wrote:" forms may wrap onto a second line (Gmail).
_WROTE = re.compile(
    r"^(?:on\b.{0,300}\bwrote|.{0,300}\b(?:написал(?:а|\(а\))?|пишет)|.{0,300}\b(?:şunu\s+)?yazdı)\s*:\s*$"
    r"|^(?=.{0,300}\d).{0,300}<[^<>\s@]+@[^<>\s]+>\s*:\s*$",  # Gmail in Russian: "<date>, <name> <address>:"
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^-{2,}\s*(?:original message|forwarded message|исходное сообщение|пересылаемое сообщение"
    r"|özgün ileti|orijinal mesaj|iletilen mesaj)\s*-{2,}\s*$|^_{10,}$",
    re.IGNORECASE,
)
_FROM = re.compile(r"^\*?(?:from|от|kimden)\s*:\*?\s*\S", re.IGNORECASE)
_SENT = re.compile(
    r"^\*?(?:sent|date|to|subject|отправлено|дата|кому|тема|gönderildi|gönderilme|tarih|kime|konu)\s*:",
    re.IGNORECASE,
)


def clean(body: str, *, html: bool | None = None, closings: Iterable[str] | None = None) -> str:
    """The agent's own words from a helpdesk comment, ready to post; "" when nothing is left.

    `html`: True for an HTML body, False for text, None to guess (known tags or entities). Removed:
    the quoted history ("On <date>, <name> wrote:", "<name> написал(а):", "... yazdı:", Outlook's
    "-----Original Message-----" or "From: ... Sent: ..." block and everything after it; `>` quoted
    lines), the signature (from an RFC 3676 "-- " line on, a closing from `closings`, default
    `DEFAULT_CLOSINGS`, followed only by a few short name/title lines, a phone's "Sent from my ...")
    and control characters; runs of spaces become one, more than one blank line becomes one.
    Idempotent: cleaning the result again changes nothing."""
    text = html_text(body) if (html if html is not None else looks_like_html(body)) else body
    rules = tuple(_closing_key(c) for c in (DEFAULT_CLOSINGS if closings is None else closings))
    text = _normalise(text)
    while True:  # each step only removes, so this ends; repeating makes the result a fixed point
        again = _normalise(_strip_signature(_strip_quotes(text), rules))
        if again == text:
            return text
        text = again


def _normalise(text: str) -> str:
    text = _CONTROLS.sub("", _BREAKS.sub("\n", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def _strip_quotes(text: str) -> str:
    lines = text.split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _ORIGINAL.match(line) or (_FROM.match(line) and _header_follows(lines, index)):
            break  # Outlook and forwarding: the unquoted history runs to the end
        span = _wrote_header(lines, index)
        if span:
            following = next((rest for rest in lines[index + span :] if rest.strip()), "")
            if not following.startswith(">"):
                break  # top-posting: everything below is the history
            index += span  # bottom-posting: drop the header, the `>` lines go below, the answer stays
            continue
        if not line.startswith(">"):
            kept.append(line)
        index += 1
    return "\n".join(kept)


def _wrote_header(lines: list[str], index: int) -> int:
    """1 or 2 (Gmail wraps a long header before "wrote:") when a "... wrote:" header starts at
    `index`, else 0. A wrapped header's first line holds a date (a digit) and ends no sentence."""
    line = lines[index]
    if _WROTE.match(line):
        return 1
    if index + 1 < len(lines) and re.search(r"\d", line) and not line.endswith((".", "!", "?")):
        following = lines[index + 1]
        if following and not _WROTE.match(following) and _WROTE.match(f"{line} {following}"):
            return 2
    return 0


def _header_follows(lines: list[str], index: int) -> bool:
    """A "From:" line starts a quoted header only when "Sent:"/"Date:"/"To:"... follow it."""
    return any(_SENT.match(line) for line in lines[index + 1 : index + 5])


def _closing_key(closing: str) -> str:
    return _SPACES.sub(" ", closing).strip().rstrip(",.!").strip().casefold()


def _strip_signature(text: str, closings: tuple[str, ...]) -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _SIG_DELIMITER.match(line):
            lines = lines[:index]
            break
    lines = [line for line in lines if not _DEVICE_LINES.match(line)]
    tail = [i for i, line in enumerate(lines) if line.strip()][-(_NAME_LINES + 1) :]
    for start in tail:  # the earliest closing followed only by short name/title lines
        if _is_closing(lines[start], closings) and all(_name_like(line) for line in lines[start + 1 :]):
            return "\n".join(lines[:start])
    return "\n".join(lines)


def _is_closing(line: str, closings: tuple[str, ...]) -> bool:
    key = _closing_key(line)
    for closing in closings:
        if key == closing:
            return True
        if key.startswith(closing) and key[len(closing) : len(closing) + 1] in (",", " "):  # "Regards, Anna"
            name = key[len(closing) :].strip(" ,")
            if len(name) <= 40 and len(name.split()) <= 4 and not re.search(r"[.!?:]", name):
                return True
    return False


def _name_like(line: str) -> bool:
    line = line.strip()
    return not line or (len(line) <= _NAME_LINE_CHARS and not line.endswith(("?", ":")))


# --------------------------------------------------------------------------- graphemes


def _is_extend(char: str) -> bool:
    point = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or point == 0x200D  # zero-width joiner
        or 0xFE00 <= point <= 0xFE0F  # variation selectors
        or 0xE0100 <= point <= 0xE01EF
        or 0x1F3FB <= point <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= point <= 0xE007F  # tags (subdivision flags)
    )


def _hangul(char: str) -> str:
    point = ord(char)
    if 0x1100 <= point <= 0x115F or 0xA960 <= point <= 0xA97C:
        return "L"
    if 0x1160 <= point <= 0x11A7 or 0xD7B0 <= point <= 0xD7C6:
        return "V"
    if 0x11A8 <= point <= 0x11FF or 0xD7CB <= point <= 0xD7FB:
        return "T"
    if 0xAC00 <= point <= 0xD7A3:
        return "LV" if (point - 0xAC00) % 28 == 0 else "LVT"
    return ""


_HANGUL_JOINS = {
    "L": {"L", "V", "LV", "LVT"},
    "LV": {"V", "T"},
    "V": {"V", "T"},
    "LVT": {"T"},
    "T": {"T"},
}


def _is_control(char: str) -> bool:
    """Grapheme_Cluster_Break=Control (and CR, LF): nothing attaches to it."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or (
        unicodedata.category(char) == "Cf" and char not in "\u200c\u200d" and not 0xE0020 <= ord(char) <= 0xE007F
    )


# Extended_Pictographic, approximately (emoji and pictographic symbols): only these join across a ZWJ.
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x231A, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1F0FF),
    (0x1F10D, 0x1F10F),
    (0x1F12F, 0x1F12F),
    (0x1F16C, 0x1F171),
    (0x1F17E, 0x1F17F),
    (0x1F18E, 0x1F18E),
    (0x1F191, 0x1F19A),
    (0x1F1AD, 0x1F1E5),
    (0x1F201, 0x1F2FF),
    (0x1F300, 0x1F3FA),
    (0x1F400, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)


def _pictographic(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _PICTOGRAPHIC)


def _zwj_sequence(cluster: str, char: str) -> bool:
    """UAX #29 GB11: a pictograph, its extenders and a ZWJ join the next pictograph (👨‍👩‍👧)."""
    if not _pictographic(char):
        return False
    index = len(cluster) - 2  # the character before the final ZWJ
    while index >= 0 and cluster[index] != "\u200d" and _is_extend(cluster[index]):
        if unicodedata.category(cluster[index]) == "Mc":  # a spacing mark is not an Extend
            return False
        index -= 1
    return index >= 0 and _pictographic(cluster[index])


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def clusters(text: str) -> list[str]:
    """`text` cut into (an approximation of) extended grapheme clusters, UAX #29: CR LF, combining
    and spacing marks, ZWJ sequences, variation selectors, skin tones, tag sequences, regional
    indicator pairs (flags) and Hangul syllable sequences stay whole. Not handled: Prepend
    characters and Indic conjuncts, and the pictographic set is approximate: where this differs from
    a full segmenter it counts more clusters, never fewer, which is the safe side for a limit."""
    found: list[str] = []
    regional_run = 0
    for char in text:
        if found:
            last = found[-1]
            previous = last[-1]
            joins = (
                (previous == "\r" and char == "\n")
                or (_is_extend(char) and not _is_control(previous))
                or (previous == "\u200d" and _zwj_sequence(last, char))
                or (_regional(char) and _regional(previous) and regional_run % 2 == 1)
                or (_hangul(char) in _HANGUL_JOINS.get(_hangul(previous), set()))
            )
            if joins:
                found[-1] = last + char
                regional_run = regional_run + 1 if _regional(char) else 0
                continue
        found.append(char)
        regional_run = 1 if _regional(char) else 0
    return found


def graphemes(text: str) -> int:
    """How many user-perceived characters `text` holds (Bluesky counts 300 of them per post)."""
    return len(clusters(text))


# --------------------------------------------------------------------------- parts

Measure = Callable[[str], int]
_PARA_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”’»)\]]*(?=\s)|\n")
_WORD_GAP = re.compile(r"\s+")


def parts(
    text: str,
    limit: int,
    *,
    mode: str = "split",
    prefix: str = "",
    max_parts: int = 5,
    measure: Measure = len,
) -> list[str]:
    """`text` as posts that each measure at most `limit` (`measure`: `len` counts code points,
    `graphemes` what Bluesky counts).

    `prefix` is the network's addressing ("@anna "): it goes before the first part only, because
    that post is the answer to the customer (the rest answer our own first part, where the network
    threads them), and it counts against the first part's limit because the network counts it.

    mode "split": the text is cut at paragraph breaks, else sentence ends, else between words (a
    paragraph break is taken when it fills a third of the room, a sentence end or a space when it
    fills half, else the latest break of any kind), and a single word longer than a post is cut hard
    (between grapheme clusters); each part then ends with " (i/n)", counted in the limit. More than
    `max_parts` parts raise `ReplyTooLongError`.
    mode "cut": one post, cut between words where possible, ending with "…".
    Raises `EmptyReplyError` for a blank text, ValueError when `limit` leaves no room for text."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    text = text.strip()
    if not text:
        raise EmptyReplyError("nothing to post")
    if measure(prefix + text) <= limit:
        return [prefix + text]
    if mode == "cut":
        room = limit - measure(prefix) - measure(ELLIPSIS)
        chunk, _ = _take(text, room, measure)
        return [prefix + chunk.rstrip(" ,;:-–—") + ELLIPSIS]
    count = 2
    while True:
        chunks = _split(text, limit, prefix, count, measure)
        if len(chunks) <= count:
            break
        count = len(chunks)  # more parts than numbered for: number for that many (wider) and pack again
    if len(chunks) > max_parts:
        raise ReplyTooLongError(len(chunks), limit, max_parts)
    total = len(chunks)
    return [(prefix if i == 1 else "") + chunk + f" ({i}/{total})" for i, chunk in enumerate(chunks, 1)]


def _split(text: str, limit: int, prefix: str, count: int, measure: Measure) -> list[str]:
    """Greedy packing, each part leaving room for its number out of `count` (out of itself beyond
    `count`, so the caller learns how many parts it takes and packs again for that many)."""
    chunks: list[str] = []
    rest = text
    while rest:
        index = len(chunks) + 1
        room = limit - measure(f" ({index}/{max(count, index)})") - (measure(prefix) if index == 1 else 0)
        chunk, rest = _take(rest, room, measure)
        chunks.append(chunk)
    return chunks


def _take(text: str, room: int, measure: Measure) -> tuple[str, str]:
    """The best first piece of `text` that measures at most `room`, and what is left (stripped)."""
    if room < 1:
        raise ValueError("the limit leaves no room for text after the prefix and numbering")
    window = room + 1  # no measure counts more than the code points: look no further than can fit
    while window < len(text) and measure(text[:window]) <= room:
        window *= 2
    if window >= len(text) and measure(text) <= room:
        return text, ""
    view = text[:window]
    best = 0
    for pattern, share in ((_PARA_BREAK, 3), (_SENTENCE_END, 2), (_WORD_GAP, 2)):
        ends = [found.end() if pattern is _SENTENCE_END else found.start() for found in pattern.finditer(view)]
        end = _longest(text, [e for e in ends if 0 < e < len(text)], room, measure)
        if end and measure(text[:end].rstrip()) >= room / share:
            best = end
            break
        best = max(best, end)
    if not best:  # one word longer than the room: cut between grapheme clusters
        best = _longest(text, _cluster_ends(view), room, measure)
        if not best:  # a single cluster wider than the room (tiny limits): cut between code points
            best = _longest(text, list(range(1, len(view))), room, measure) or 1
    return text[:best].rstrip(), text[best:].strip()


def _longest(text: str, ends: list[int], room: int, measure: Measure) -> int:
    """The largest of the ascending `ends` whose prefix (right-stripped) fits, else 0 (binary search:
    a longer prefix never measures less)."""
    low, high, found = 0, len(ends) - 1, 0
    while low <= high:
        middle = (low + high) // 2
        if measure(text[: ends[middle]].rstrip()) <= room:
            found = ends[middle]
            low = middle + 1
        else:
            high = middle - 1
    return found


def _cluster_ends(text: str) -> list[int]:
    ends: list[int] = []
    position = 0
    for cluster in clusters(text):
        position += len(cluster)
        ends.append(position)
    return ends[:-1]


# --------------------------------------------------------------------------- brand rules


@dataclass(frozen=True)
class ReplyRules:
    """The brand's reply settings (brands.json `replies`).

    - enabled: agents' public replies are posted back (only where the brand set the network's reply
      secrets); false keeps every answer inside the helpdesk;
    - mode: "split" (numbered parts) or "cut" (one post ending with "…") for a reply over the limit;
    - max_parts: at most this many parts; a longer reply goes back to the agent;
    - signature_closings: replaces `DEFAULT_CLOSINGS`;
    - limits: network → a lower limit than the network's own (`REPLY_LIMIT`); never raises it.
    """

    enabled: bool = True
    mode: str = "split"
    max_parts: int = 5
    signature_closings: tuple[str, ...] = DEFAULT_CLOSINGS
    limits: Mapping[str, int] = field(default_factory=dict)

    def limit_for(self, network: str, network_limit: int) -> int:
        return min(self.limits.get(network, network_limit), network_limit)

    @classmethod
    def from_dict(cls, data: Any) -> ReplyRules:
        """Raises ValueError whose message starts with the offending key's path ("mode must ...")."""
        if not isinstance(data, dict):
            raise ValueError("must be an object")
        unknown = sorted(set(data) - {"enabled", "mode", "max_parts", "signature_closings", "networks"})
        if unknown:
            raise ValueError(
                f"{unknown[0]} is not a reply setting (known: enabled, mode, max_parts, signature_closings, networks)"
            )
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ValueError(f"enabled must be true or false, got {enabled!r}")
        mode = data.get("mode", "split")
        if mode not in MODES:
            raise ValueError(f'mode must be "split" or "cut", got {mode!r}')
        max_parts = data.get("max_parts", 5)
        if isinstance(max_parts, bool) or not isinstance(max_parts, int) or not 1 <= max_parts <= 20:
            raise ValueError(f"max_parts must be an integer from 1 to 20, got {max_parts!r}")
        closings = data.get("signature_closings", list(DEFAULT_CLOSINGS))
        if not isinstance(closings, list):
            raise ValueError("signature_closings must be a list of strings")
        for position, closing in enumerate(closings):
            if not isinstance(closing, str) or not closing.strip():
                raise ValueError(f"signature_closings[{position}] must be a non-empty string, got {closing!r}")
        limits = _limits(data.get("networks", {}))
        return cls(
            enabled=enabled,
            mode=mode,
            max_parts=max_parts,
            signature_closings=tuple(c.strip() for c in closings),
            limits=limits,
        )


def _limits(networks: Any) -> dict[str, int]:
    if not isinstance(networks, dict):
        raise ValueError('networks must be an object of network -> {"limit": n}')
    limits: dict[str, int] = {}
    for network, settings in networks.items():
        if not isinstance(settings, dict) or set(settings) - {"limit"}:
            raise ValueError(f'networks.{network} must be an object with only "limit"')
        limit = settings.get("limit")
        if limit is None:
            continue
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 20:
            raise ValueError(f"networks.{network}.limit must be an integer of at least 20, got {limit!r}")
        limits[network] = limit
    return limits
