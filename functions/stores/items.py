"""DynamoDB item conversion: DynamoDB has no floats (Decimal in, plain numbers out)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def to_item(value: Any) -> Any:
    """Floats become Decimals; None values are dropped (DynamoDB indexes reject empty keys)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: to_item(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_item(v) for v in value]
    return value


def from_item(value: Any) -> Any:
    """Decimals back to int or float, sets to sorted lists, for JSON and the domain types."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_item(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_item(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(from_item(v) for v in value)
    return value


def is_invalid_request(error: Exception) -> bool:
    """DynamoDB refusing the request itself (an item over 400 KB, a key over 2048 bytes, a bad
    value): the same request fails the same way every time."""
    response = getattr(error, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") in ("ValidationException", "SerializationException"))


def is_conditional_failure(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")
