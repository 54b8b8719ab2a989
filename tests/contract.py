"""Shared helpers of the connector contract suite: fixtures, test secrets, expected outcomes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from functions import connectors
from functions.core.webhooks import Connector, UnsupportedEventError, WebhookRequest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BRAND = "acme"
NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


def secrets_for(connector: Connector) -> dict[str, str]:
    return {name: f"test-{connector.NETWORK}-{name}" for name in connector.SECRETS}


def fixtures(network: str) -> list[Path]:
    """Deliveries are named `<event>__<variant>.json`; goldens and `brand.json` are not deliveries."""
    return sorted(p for p in (FIXTURES / network).glob("*__*.json") if not p.name.endswith(".expected.json"))


def event_type(path: Path) -> str:
    return path.name.split("__", 1)[0]


def signed_request(connector: Connector, body: bytes, now: datetime = NOW) -> WebhookRequest:
    signed = connector.sign(body, secrets_for(connector), now)
    return WebhookRequest(
        method="POST",
        body=signed.body,
        headers={k.lower(): v for k, v in signed.headers.items()},
        query=dict(signed.query),
    )


def outcome(connector: Connector, path: Path) -> Any:
    """What the connector makes of a fixture: a handshake, mentions, or an unsupported event."""
    request = signed_request(connector, path.read_bytes())
    secrets: Mapping[str, str] = secrets_for(connector)
    reply = connector.handshake(request, secrets)
    if reply is not None:
        return {"handshake": {"status": reply.status, "body": reply.body, "content_type": reply.content_type}}
    connector.verify(request, secrets, NOW)
    try:
        return [m.to_dict() for m in connector.parse(request, BRAND)]
    except UnsupportedEventError as error:
        return {"unsupported": error.event_type}


def write_goldens() -> None:
    """Regenerate every `.expected.json`; review the diff before committing it."""
    for network in connectors.push_networks():
        connector = connectors.load(network)
        assert connector is not None
        for path in fixtures(network):
            expected = path.with_name(path.name.replace(".json", ".expected.json"))
            expected.write_text(json.dumps(outcome(connector, path), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write_goldens()
