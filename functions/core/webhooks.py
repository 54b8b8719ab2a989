"""The connector contract: what a network module receives, returns and raises.

Connectors are pure: no boto3, no Chalice, no clock, no sockets. The route hands them a
`WebhookRequest` (raw body bytes, lower-cased headers), the brand's resolved secrets and the
current time; they hand back mentions, a handshake `Reply` or one of the three errors below,
which the route alone maps to HTTP (house rule 4).

Optional: `split(request) -> tuple[WebhookRequest, ...]` for networks that batch several owned
accounts in one signed delivery (Meta: one entry per page, several items per entry). The route
verifies the whole delivery once, then finds each part's brand by `account_id(part)` and parses it
for that brand; a part that is malformed or unsupported is skipped and counted while the others are
accepted. Meta's parts are single items, so one bad comment costs only itself. Inside one part,
items of types the connector does not handle are skipped, not raised: raising
`UnsupportedEventError` is for a delivery with nothing handled in it.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Literal, Protocol

from functions.core.mention import Mention

Delivery = Literal["push", "poll", "both"]


class ConnectorError(Exception):
    """Base of what a connector may raise; anything else is a bug (a 500 and an alarm)."""


class SignatureError(ConnectorError):
    """The delivery is not provably from the network: 401 when credentials are missing, else 403."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = 401 if missing else 403


class ForeignObjectError(SignatureError):
    """Provably from one account, but about an object of another (VK: brand B's secret, brand A's
    wall in `owner_id`). The proof does not cover that object, so it is refused like a bad one (403)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)


class MalformedPayloadError(ConnectorError):
    """Signed (or unsignable) but not parseable: answered 400 with this one-line reason."""


class UnsupportedEventError(ConnectorError):
    """A genuine event we do not handle: answered like success (200) and counted, never retried."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unsupported event type {event_type!r}")
        self.event_type = event_type


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    query: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup (HTTP header names are case-insensitive)."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    content_type: str = "text/plain"


OK_JSON = Reply(200, '{"ok": true}', "application/json")


@dataclass(frozen=True)
class SignedDelivery:
    """What a network would send: the bytes, the headers (VK puts its secret in the body) and the
    query parameters of the URL we registered with it (OK: a token, its only proof)."""

    body: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def same_secret(given: str | bytes | None, expected: str | bytes | None) -> bool:
    """Constant-time equality that fails closed when either side is missing or empty."""
    if not given or not expected:
        return False
    a = given.encode() if isinstance(given, str) else given
    b = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)


def require_secret(secrets: Mapping[str, str], name: str) -> str:
    """A secret the connector cannot work without: absent means we cannot verify, so reject."""
    value = secrets.get(name)
    if not value:
        raise SignatureError(f"secret {name!r} is not configured for this brand", missing=True)
    return value


class Connector(Protocol):
    """The shape every `functions.connectors.<network>` module has (a module satisfies it)."""

    NETWORK: str
    DISPLAY_NAME: str
    DELIVERY: Delivery
    EVENT_TYPES: frozenset[str]
    IGNORED_EVENT_TYPES: frozenset[str]
    SECRETS: tuple[str, ...]
    ACK: Reply

    def account_id(self, request: WebhookRequest) -> str | None: ...

    def handshake(self, request: WebhookRequest, secrets: Mapping[str, str]) -> Reply | None: ...

    def verify(self, request: WebhookRequest, secrets: Mapping[str, str], now: datetime) -> None: ...

    def parse(self, request: WebhookRequest, brand: str) -> tuple[Mention, ...]: ...

    def sign(self, body: bytes, secrets: Mapping[str, str], now: datetime) -> SignedDelivery: ...
