"""Delivering webhooks the way networks do: real bytes, signed by the connector's `sign`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import requests

from functions import connectors
from functions.runtime.settings import settings
from tests.conftest import FIXTURES, READ_API_KEY, SECRETS

BRAND_GROUPS = {
    "acme": 218000001,
    "rtco": 218000003,
    "zdco": 218000004,
    "fdco": 218000005,
    "zmco": 218000006,
    "jsco": 218000007,
}


def brand_secrets(brand: str, network: str) -> dict[str, str]:
    prefix = f"/mentiondesk/{brand}/{network}/"
    return {key.removeprefix(prefix): value for key, value in SECRETS.items() if key.startswith(prefix)}


def vk_body(fixture: str, brand: str = "acme", **object_overrides: Any) -> bytes:
    """A VK fixture as if sent to `brand`'s community: its group id, on its wall."""
    raw = (FIXTURES / "vk" / fixture).read_text()
    document = json.loads(raw.replace(str(BRAND_GROUPS["acme"]), str(BRAND_GROUPS[brand])))
    if object_overrides:
        document["object"] = {**document["object"], **object_overrides}
    return json.dumps(document, ensure_ascii=False).encode()


def deliver(
    service: str,
    network: str,
    body: bytes,
    brand: str = "acme",
    *,
    in_url: bool = False,
    extra_headers: dict[str, str] | None = None,
) -> requests.Response:
    connector = connectors.load(network)
    assert connector is not None
    signed = connector.sign(body, brand_secrets(brand, network), datetime.now(UTC))
    url = f"{service}/webhooks/{network}" + (f"/{brand}" if in_url else "")
    headers = {**signed.headers, **(extra_headers or {})}
    return requests.post(url, params=dict(signed.query), data=signed.body, headers=headers, timeout=10)


def read(service: str, path: str, key: str = READ_API_KEY) -> requests.Response:
    """GET a read route (`/mentions?...`, `/tickets?...`, `/brands/...`) with the read API key."""
    return requests.get(f"{service}{path}", headers={"X-Api-Key": key}, timeout=10)


def fixture_bytes(network: str, name: str) -> bytes:
    return Path(FIXTURES / network / name).read_bytes()


def table_items(table: str) -> list[dict[str, Any]]:
    return list(boto3.resource("dynamodb").Table(table).scan(ConsistentRead=True)["Items"])


def mentions_stored() -> list[dict[str, Any]]:
    """Stored mentions; tombstones (deletes that came before their post) are not mentions."""
    return [item for item in table_items(settings().mentions_table) if not item.get("tombstone")]


def desk_tickets() -> list[dict[str, Any]]:
    return table_items(settings().desk_table)


def queue_depth(name: str) -> int:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
