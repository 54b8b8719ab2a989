"""Brand configuration: who we listen for, on which accounts, and where their tickets go.

One deployment serves many brands (an agency runs 10-12). The configuration is one JSON file
(`BRANDS_FILE`, documented in the README) and holds only the *names* of secrets, as references
like `ssm:/mentiondesk/acme/vk/secret` or `secretsmanager:mentiondesk/acme/rt`; the values are
fetched at run time by `functions.runtime.secrets`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.core.escalation import EscalationRules
from functions.core.moderation import ModerationRules
from functions.core.query import Query, QuerySet, QuerySyntaxError
from functions.core.replytext import ReplyRules
from functions.core.score import ScoringRules
from functions.core.verdicts import SignalError, parse_signals, signals_for

SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
SECRET_REF = re.compile(r"^(ssm|secretsmanager):\S+$")
# The brand's own secrets (beside its networks' and helpdesk's): `read_keys` opens the read API
# for this brand only (functions.api.auth).
BRAND_SECRETS = frozenset({"read_keys"})


class BrandConfigError(ValueError):
    """The brand file is wrong; the message names the brand and the field."""


class UnknownBrandError(LookupError):
    """A queued job names a brand this deployment does not have: a configuration error, so the
    job goes straight to its dead-letter queue (`permanent`, see `functions.core.retry`)."""

    permanent = True


@dataclass(frozen=True)
class NetworkConfig:
    accounts: tuple[str, ...] = ()
    secrets: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HelpdeskConfig:
    vendor: str = "builtin"
    settings: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    not_complaint: tuple[str, ...] | None = None  # the desk's "not a complaint" signals; None: the vendor's default

    @property
    def verdict_signals(self) -> tuple[str, ...]:
        """What on a ticket means "not a complaint" (functions.core.verdicts)."""
        return signals_for(self.vendor, self.not_complaint)


@dataclass(frozen=True)
class Brand:
    slug: str
    name: str
    keywords: tuple[str, ...]
    networks: Mapping[str, NetworkConfig]
    helpdesk: HelpdeskConfig
    scoring: ScoringRules
    escalation: EscalationRules = field(default_factory=EscalationRules)
    reopen_window_hours: float = 72.0
    queries: QuerySet | None = None  # what polls search for; None only for hand-built test brands
    secrets: Mapping[str, str] = field(default_factory=dict)  # the brand's own: BRAND_SECRETS
    replies: ReplyRules = field(default_factory=ReplyRules)  # answering in the channel (on by default)
    moderation: ModerationRules = field(default_factory=ModerationRules)  # auto-rule off by default

    def query_for(self, source: str) -> Query:
        """The source's override, else the default query (the brand name for hand-built brands)."""
        return (self.queries or _default_queries(self.keywords, self.name)).query_for(source)


@dataclass(frozen=True)
class Brands:
    """All brands, indexed for the two ways a webhook finds its brand: URL slug or account id."""

    by_slug: Mapping[str, Brand]
    by_account: Mapping[tuple[str, str], Brand]

    def get(self, slug: str) -> Brand | None:
        return self.by_slug.get(slug)

    def owner_of(self, network: str, account_id: str) -> Brand | None:
        return self.by_account.get((network, account_id))

    def all(self) -> tuple[Brand, ...]:
        return tuple(self.by_slug.values())


def _secrets(where: str, raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise BrandConfigError(f"{where}.secrets must be an object of name -> reference")
    for name, ref in raw.items():
        if not isinstance(ref, str) or not SECRET_REF.match(ref):
            raise BrandConfigError(
                f"{where}.secrets.{name}: expected 'ssm:<name>' or 'secretsmanager:<id>', got {ref!r}"
            )
    return dict(raw)


def _network(where: str, raw: Any) -> NetworkConfig:
    if not isinstance(raw, dict):
        raise BrandConfigError(f"{where} must be an object")
    accounts = raw.get("accounts", [])
    if not isinstance(accounts, list) or not all(isinstance(a, str | int) for a in accounts):
        raise BrandConfigError(f"{where}.accounts must be a list of ids")
    return NetworkConfig(
        accounts=tuple(str(a) for a in accounts),
        secrets=_secrets(where, raw.get("secrets", {})),
        settings=dict(raw.get("settings", {})),
    )


def _quoted(word: str) -> str:
    return f'"{word}"' if " " in word.strip() else word.strip()


def _default_queries(keywords: tuple[str, ...], name: str) -> QuerySet:
    """No `query` configured: any of the keywords (else the brand name), each as a term or phrase."""
    words = [k.replace('"', " ") for k in keywords if k.strip()] or [name.replace('"', " ")]
    return QuerySet.from_config(" OR ".join(_quoted(w) for w in words))


def _queries(where: str, raw: Any, keywords: tuple[str, ...], name: str) -> QuerySet:
    try:
        return _default_queries(keywords, name) if raw is None else QuerySet.from_config(raw)
    except QuerySyntaxError as error:
        raise BrandConfigError(f"{where}.{error.message}") from error


def _brand(raw: Any, index: int) -> Brand:
    if not isinstance(raw, dict):
        raise BrandConfigError(f"brands[{index}] must be an object")
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise BrandConfigError(f"brands[{index}].slug must be a lowercase slug, got {slug!r}")
    where = f"brand {slug}"
    helpdesk = raw.get("helpdesk", {"vendor": "builtin"})
    if not isinstance(helpdesk, dict) or not isinstance(helpdesk.get("vendor"), str):
        raise BrandConfigError(f"{where}.helpdesk.vendor is required")
    networks = raw.get("networks", {})
    if not isinstance(networks, dict):
        raise BrandConfigError(f"{where}.networks must be an object")
    try:
        rules = ScoringRules.from_dict(raw.get("scoring", {}))
    except (TypeError, ValueError) as error:
        raise BrandConfigError(f"{where}.scoring: {error}") from error
    try:
        escalation = EscalationRules.from_dict(raw.get("escalation", {}))
    except (TypeError, ValueError) as error:
        raise BrandConfigError(f"{where}.escalation: {error}") from error
    for position, target in enumerate(escalation.notify):
        _secrets(f"{where}.escalation.notify[{position}]", target.get("secrets", {}))
    own_secrets = _secrets(where, raw.get("secrets", {}))
    unknown = sorted(set(own_secrets) - BRAND_SECRETS)
    if unknown:
        raise BrandConfigError(
            f"{where}.secrets: unknown {', '.join(unknown)} (known: {', '.join(sorted(BRAND_SECRETS))})"
        )
    reopen = raw.get("reopen_window_hours", 72.0)
    if not isinstance(reopen, int | float) or reopen < 0:
        raise BrandConfigError(f"{where}.reopen_window_hours must be a non-negative number")
    try:
        signals = parse_signals(helpdesk["not_complaint"]) if "not_complaint" in helpdesk else None
    except SignalError as error:
        raise BrandConfigError(f"{where}.helpdesk.{error}") from error
    try:
        replies = ReplyRules.from_dict(raw.get("replies", {}))
    except ValueError as error:
        raise BrandConfigError(f"{where}.replies{_path(error)}") from error
    try:
        moderation = ModerationRules.from_dict(raw.get("moderation", {}))
    except ValueError as error:
        raise BrandConfigError(f"{where}.moderation{_path(error)}") from error
    name = str(raw.get("name", slug))
    keywords = tuple(str(k) for k in raw.get("keywords", []))
    return Brand(
        slug=slug,
        name=name,
        keywords=keywords,
        networks={net: _network(f"{where}.networks.{net}", cfg) for net, cfg in networks.items()},
        helpdesk=HelpdeskConfig(
            vendor=helpdesk["vendor"],
            settings=dict(helpdesk.get("settings", {})),
            secrets=_secrets(f"{where}.helpdesk", helpdesk.get("secrets", {})),
            not_complaint=signals,
        ),
        scoring=rules,
        escalation=escalation,
        reopen_window_hours=float(reopen),
        queries=_queries(where, raw.get("query"), keywords, name),
        secrets=own_secrets,
        replies=replies,
        moderation=moderation,
    )


def _path(error: ValueError) -> str:
    """`.mode must be ...` for a setting's error, ` must be an object` for the section's own."""
    message = str(error)
    return f" {message}" if message.startswith("must ") else f".{message}"


def parse_brands(document: Mapping[str, Any]) -> Brands:
    """Validate the whole file at load: a typo fails the deploy, not the first webhook."""
    raw_brands = document.get("brands")
    if not isinstance(raw_brands, list) or not raw_brands:
        raise BrandConfigError("the brand file needs a non-empty 'brands' list")
    by_slug: dict[str, Brand] = {}
    by_account: dict[tuple[str, str], Brand] = {}
    for index, raw in enumerate(raw_brands):
        brand = _brand(raw, index)
        if brand.slug in by_slug:
            raise BrandConfigError(f"brand {brand.slug} is defined twice")
        by_slug[brand.slug] = brand
        for network, cfg in brand.networks.items():
            for account in cfg.accounts:
                owner = by_account.setdefault((network, account), brand)
                if owner is not brand:
                    raise BrandConfigError(f"{network} account {account} belongs to both {owner.slug} and {brand.slug}")
    return Brands(by_slug=by_slug, by_account=by_account)


def load_brands(text: str) -> Brands:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BrandConfigError(f"brand file is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise BrandConfigError("the brand file must be a JSON object")
    return parse_brands(document)
