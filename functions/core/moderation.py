"""Moderation in the channel: the brand's optional auto-rule and the audit record of every action. Pure.

Moderators hide, delete, restore comments and ban authors from the helpdesk or the API; the reply
worker (functions/jobs/replies.py) records each request as a `ModerationRecord` *before* calling the
network, then writes the outcome onto it. The auto-rule (`auto_action`) proposes the same actions
for spam and abuse when the brand switched it on (brands.json `moderation.auto`, off by default).

A complaint is never hidden or deleted automatically, whatever it says or links to: a customer who
swears about a cold pizza is still owed an answer, and hiding the complaint would hide the problem.
Mentions written by the brand itself (`by_brand`) and deletions are never moderated either.
See docs/replies/text-and-moderation.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from functions.core.lexicons import abuse
from functions.core.mention import Action, Mention, format_time, identity, parse_time
from functions.core.replies import ACTIONS
from functions.core.score import Score

AUTO_ACTIONS = ("hide", "delete")
STATES = ("requested", "done", "refused", "unsupported")
AUTO_RULE_BY = "auto-rule"
SPAM_REPEATS = 3  # the same link this many times in one mention is spam
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class AutoRule:
    """brands.json `moderation.auto`.

    - enabled: off by default; the brand opts in;
    - action: "hide" (reversible, the default) or "delete";
    - own_domains: the brand's own sites: never flagged, and the model for lookalikes
      (acme-pizza.ru, acrne.com, acme.com.win-prize.xyz when the brand owns acme.com);
    - scam_domains: domains always treated as scams (and their subdomains);
    - insults: hide abuse (functions/core/lexicons/abuse.py), on by default once the rule is on;
    - spam: hide a mention repeating the same link `SPAM_REPEATS` times, on by default.
    """

    enabled: bool = False
    action: str = "hide"
    own_domains: tuple[str, ...] = ()
    scam_domains: tuple[str, ...] = ()
    insults: bool = True
    spam: bool = True


@dataclass(frozen=True)
class ModerationRules:
    """brands.json `moderation`: the auto-rule, and how long a ban lasts (`ban_days`, 0: no end)."""

    auto: AutoRule = field(default_factory=AutoRule)
    ban_days: int = 30

    @classmethod
    def from_dict(cls, data: Any) -> ModerationRules:
        """Raises ValueError whose message starts with the offending key's path ("auto.action ...")."""
        if not isinstance(data, dict):
            raise ValueError("must be an object")
        _known("", data, ("auto", "ban_days"))
        ban_days = data.get("ban_days", 30)
        if isinstance(ban_days, bool) or not isinstance(ban_days, int) or not 0 <= ban_days <= 3650:
            raise ValueError(f"ban_days must be an integer from 0 (no end) to 3650, got {ban_days!r}")
        return cls(auto=_auto(data.get("auto", {})), ban_days=ban_days)


def _known(where: str, data: dict[str, Any], names: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValueError(f"{where}{unknown[0]} is not a moderation setting (known: {', '.join(names)})")


def _auto(data: Any) -> AutoRule:
    if not isinstance(data, dict):
        raise ValueError("auto must be an object")
    _known("auto.", data, ("enabled", "action", "own_domains", "scam_domains", "insults", "spam"))
    for name in ("enabled", "insults", "spam"):
        if name in data and not isinstance(data[name], bool):
            raise ValueError(f"auto.{name} must be true or false, got {data[name]!r}")
    action = data.get("action", "hide")
    if action not in AUTO_ACTIONS:
        raise ValueError(f'auto.action must be "hide" or "delete", got {action!r}')
    return AutoRule(
        enabled=data.get("enabled", False),
        action=action,
        own_domains=_domains("auto.own_domains", data.get("own_domains", [])),
        scam_domains=_domains("auto.scam_domains", data.get("scam_domains", [])),
        insults=data.get("insults", True),
        spam=data.get("spam", True),
    )


def _domains(where: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"{where} must be a list of domain names")
    found: list[str] = []
    for position, value in enumerate(raw):
        domain = _host(value) if isinstance(value, str) else ""
        if not _DOMAIN.match(domain):
            raise ValueError(f"{where}[{position}] must be a domain name like example.com, got {value!r}")
        found.append(domain)
    return tuple(found)


# --------------------------------------------------------------------------- the auto-rule


@dataclass(frozen=True)
class AutoAction:
    """What the rule asks for, and why (`scam:shortener:bit.ly`, `abuse:insult:ru`, `spam:repeated_link`)."""

    action: str
    reasons: tuple[str, ...]


_LINK = re.compile(
    r"(?:(?:https?://|www\.)[^\s<>\"']+)"
    r"|(?<![\w@.-])(?:[a-z0-9\u00a1-\uffff-]{1,63}\.)+[a-z\u00a1-\uffff]{2,24}(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_COMMON_TLDS = frozenset(
    "com net org info biz io co me ly gl cc us uk ru su tr de xyz top site online club shop store link click "  # noqa: SIM905
    "live app today win vip icu buzz fun space website pro tk ml ga cf gq rf рф".split()
)
_TWO_PART_SUFFIX = re.compile(r"\.(?:com|co|org|net|gov|edu|ac|gen|biz|msk|spb)\.[a-z]{2}$")
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "х": "x",
        "у": "y",
        "і": "l",
        "ѕ": "s",
        "0": "o",
        "1": "l",
        "i": "l",
        "3": "e",
        "5": "s",
        "-": "",
        "_": "",
    }
)
_TURKISH_FOLD = str.maketrans("çğıöşüâîû", "cgiosuaiu")
_INSULTS: dict[str, re.Pattern[str]] = {}
_PATTERNS: dict[str, re.Pattern[str]] = {}


def auto_action(mention: Mention, score: Score, rule: AutoRule) -> AutoAction | None:
    """The action the brand's auto-rule takes on this mention, with its reasons; None for no action.

    Never acts on a complaint (`score.complaint`), on the brand's own posts (`by_brand`), on a
    deletion, or when the rule is off."""
    if not rule.enabled or score.complaint or mention.by_brand or mention.action is Action.DELETE:
        return None
    text = mention.text
    reasons = [*_scam(text, rule), *_spam(text, rule)]
    if rule.insults:
        reasons.extend(f"abuse:insult:{lang}" for lang in _insults(text, score.lang))
    if not reasons:
        return None
    return AutoAction(action=rule.action, reasons=tuple(dict.fromkeys(reasons)))


def links(text: str) -> list[tuple[str, str]]:
    """(host, host + path) of every link in `text`: with a scheme, `www.`, a path, or a common TLD."""
    found: list[tuple[str, str]] = []
    for match in _LINK.finditer(text):
        raw = match.group(0).rstrip(".,;:!?)]}»\"'")
        explicit = raw.lower().startswith(("http://", "https://", "www."))
        host = _host(raw)
        if not host or "." not in host:
            continue
        if not explicit and "/" not in raw and host.rsplit(".", 1)[-1] not in _COMMON_TLDS:
            continue  # "hello.world" in a sentence is not a link
        path = raw.split("//", 1)[-1].split("/", 1)[1] if "/" in raw.split("//", 1)[-1] else ""
        found.append((host, f"{host}/{path}".rstrip("/").lower()))
    return found


def _host(value: str) -> str:
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value.strip().lower())
    host = re.split(r"[/?#:]", host, maxsplit=1)[0].rstrip(".")
    host = host.split("@")[-1]
    if host.startswith("www."):
        host = host[4:]
    if "xn--" in host:
        try:
            host = host.encode("ascii").decode("idna")
        except UnicodeError:
            return host
    return host


def _registrable(host: str) -> tuple[str, str]:
    """(the label a company registers, the rest): `acme` of `shop.acme.co.uk`. Approximate: no
    public suffix list, two-part suffixes like `co.uk` and `com.tr` are recognised by shape."""
    suffix = _TWO_PART_SUFFIX.search(host)
    body = host[: suffix.start()] if suffix else host.rsplit(".", 1)[0]
    label = body.rsplit(".", 1)[-1]
    return label, body[: -len(label)].rstrip(".")


def _is_under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _skeleton(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace("rn", "m").replace("vv", "w").translate(_HOMOGLYPHS)


def _distance(left: str, right: str) -> int:
    """Levenshtein distance (short labels only)."""
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, 1):
        current = [i]
        for j, b in enumerate(right, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1]


def _lookalike(host: str, own_domains: tuple[str, ...]) -> bool:
    label, _ = _registrable(host)
    shape = _skeleton(host)
    for own in own_domains:
        own_label, _ = _registrable(own)
        if len(own_label) < 4:  # "ab.com": too short to tell a lookalike from a coincidence
            continue
        if _skeleton(label) == _skeleton(own_label):
            return True  # acme.net, acrne.com, аcme.com (Cyrillic а), acme-.com
        if abs(len(label) - len(own_label)) <= 2 and _distance(label, own_label) <= (1 if len(own_label) <= 6 else 2):
            return True  # acmme.com, acne.com
        if _skeleton(own_label) in shape:
            return True  # acme-support.com, acmegiveaway.net, acme.com.claim-prize.xyz
    return False


def _scam(text: str, rule: AutoRule) -> list[str]:
    reasons: list[str] = []
    found = links(text)
    for host, _ in found:
        if any(_is_under(host, own) for own in rule.own_domains):
            continue
        if any(_is_under(host, bad) for bad in rule.scam_domains):
            reasons.append(f"scam:domain:{host}")
        elif host in abuse.SHORTENERS:
            reasons.append(f"scam:shortener:{host}")
        elif _lookalike(host, rule.own_domains):
            reasons.append(f"scam:lookalike:{host}")
    folded = text.lower().translate(_TURKISH_FOLD)
    prize = _pattern("prize", abuse.GIVEAWAY_PRIZE).search(folded)
    if prize:
        call = _pattern("call", abuse.GIVEAWAY_CALL).search(folded)
        dm = _pattern("dm", abuse.GIVEAWAY_DM).search(folded)
        if dm or (call and found):
            reasons.append("scam:giveaway")
    return reasons


def _spam(text: str, rule: AutoRule) -> list[str]:
    if not rule.spam:
        return []
    counts: dict[str, int] = {}
    for host, key in links(text):
        if not any(_is_under(host, own) for own in rule.own_domains):
            counts[key] = counts.get(key, 0) + 1
    return ["spam:repeated_link"] if any(n >= SPAM_REPEATS for n in counts.values()) else []


def _pattern(name: str, source: str) -> re.Pattern[str]:
    if name not in _PATTERNS:
        _PATTERNS[name] = re.compile(source, re.IGNORECASE)
    return _PATTERNS[name]


def _insults(text: str, lang: str) -> list[str]:
    """Languages whose insult list matches. English and Russian lists are checked on every text
    (their words are unambiguous in other languages); the Turkish one on Turkish texts only (folded
    to ASCII, "pic" would be an English word)."""
    if not _INSULTS:
        _INSULTS.update({code: re.compile("|".join(words), re.IGNORECASE) for code, words in abuse.INSULTS.items()})
    lowered = text.lower()
    hits = [code for code in ("en", "ru") if _INSULTS[code].search(lowered)]
    if lang == "tr" and _INSULTS["tr"].search(lowered.translate(_TURKISH_FOLD)):
        hits.append("tr")
    return hits


# --------------------------------------------------------------------------- the audit record


@dataclass(frozen=True)
class ModerationRecord:
    """One moderation request and its outcome, kept for the audit trail.

    `by` is who asked: an agent's helpdesk id, `auto-rule`, or `api:<key id>`; `reason` why (the
    agent's words, or the rule's reasons joined by ", "); `state` is `requested` when written (before
    the network is called), then `done`, `refused` (the network said no: `result` says why) or
    `unsupported` (the network or the brand's tokens offer no way); `result_id` is the network's id
    of the moderated object or ban."""

    brand: str
    network: str
    external_id: str
    action: str
    by: str
    reason: str
    requested_at: datetime
    state: str = "requested"
    result: str = ""
    result_id: str | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        if self.state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}, got {self.state!r}")
        if not self.brand or not self.network or not self.external_id or not self.by:
            raise ValueError("a moderation record needs a brand, network, external id and who asked")
        if self.requested_at.tzinfo is None:
            raise ValueError("requested_at must be timezone-aware (UTC)")

    @property
    def identity(self) -> str:
        """The moderated mention's identity (`brand#network#external_id`)."""
        return identity(self.brand, self.network, self.external_id)

    def finished(self, state: str, result: str, result_id: str | None = None) -> ModerationRecord:
        """This record with its outcome."""
        return replace(self, state=state, result=result, result_id=result_id)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "brand": self.brand,
            "network": self.network,
            "external_id": self.external_id,
            "identity": self.identity,
            "action": self.action,
            "by": self.by,
            "reason": self.reason,
            "requested_at": format_time(self.requested_at),
            "state": self.state,
            "result": self.result,
        }
        if self.result_id is not None:
            item["result_id"] = self.result_id
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ModerationRecord:
        result_id = item.get("result_id")
        return cls(
            brand=str(item["brand"]),
            network=str(item["network"]),
            external_id=str(item["external_id"]),
            action=str(item["action"]),
            by=str(item["by"]),
            reason=str(item.get("reason", "")),
            requested_at=parse_time(str(item["requested_at"])),
            state=str(item.get("state", "requested")),
            result=str(item.get("result", "")),
            result_id=None if result_id is None else str(result_id),
        )


def api_by(key_id: str) -> str:
    """`by` for an action asked through the API with the read/moderation key `key_id`."""
    return f"api:{key_id}"
