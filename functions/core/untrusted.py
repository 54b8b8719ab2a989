"""Decoding what strangers send: JSON bodies and numbers in headers, query strings and payloads.

Every door (webhook connectors, helpdesk events, the read API's query string, queue messages)
decodes through here, so "no input yields a 5xx" rests on one module instead of each caller
remembering every way Python's own parsers fail:

- `json.loads` raises RecursionError (not ValueError) on `[` × 10000, accepts `NaN`/`Infinity`,
  turns `1e999` into `inf` (DynamoDB refuses it), and a 5000-digit number into a ValueError only
  past Python's int-string limit, or a 20-digit one into an int no `datetime` can hold;
- `str.isdigit()` is true for "²" and "٣", which `int()` then refuses or reads as another number;
- a JSON string may hold a lone surrogate ("\\ud800") or U+FFFE/U+FFFF, which UTF-8 encoding (boto3)
  and SQS refuse later, far from the door, as a transient-looking failure.

`loads` refuses the first three (`UntrustedInputError`, a ValueError: a 400 at the door) and
replaces the characters of the last with U+FFFD, so a truncated emoji does not lose a post.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64  # arrays and objects inside each other; real deliveries nest under 15
MAX_INT_DIGITS = 20  # every id or time a network sends fits in 64 bits (20 digits)
MAX_FLOAT_CHARS = 40
# What UTF-8 encoders and SQS refuse (surrogates) or reject (the two noncharacters SQS forbids).
_UNSENDABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


class UntrustedInputError(ValueError):
    """The input is not something we accept: a client error, never retried."""


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise UntrustedInputError(f"number with more than {MAX_INT_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_FLOAT_CHARS:
        raise UntrustedInputError(f"number longer than {MAX_FLOAT_CHARS} characters")
    value = float(text)
    if not math.isfinite(value):
        raise UntrustedInputError("number out of range")
    return value


def _constant(name: str) -> Any:
    raise UntrustedInputError(f"{name} is not JSON")


def clean_text(text: str) -> str:
    """The text with lone surrogates and U+FFFE/U+FFFF replaced by U+FFFD (one each)."""
    return text if text.isascii() else _UNSENDABLE.sub(REPLACEMENT, text)


def _checked(document: Any) -> Any:
    """Depth-checked and cleaned, without recursion (a deep document must not be walked by recursion)."""
    root: list[Any] = [document]
    stack: list[tuple[Any, Any, int]] = [(root, 0, 0)]
    while stack:
        parent, key, depth = stack.pop()
        value = parent[key]
        if isinstance(value, str):
            parent[key] = clean_text(value)
        elif isinstance(value, list | dict):
            if depth >= MAX_DEPTH:
                raise UntrustedInputError(f"nested deeper than {MAX_DEPTH}")
            if isinstance(value, dict) and not all(k.isascii() for k in value):
                value = parent[key] = {clean_text(k): v for k, v in value.items()}
            keys = value.keys() if isinstance(value, dict) else range(len(value))
            stack.extend((value, k, depth + 1) for k in keys)
    return root[0]


def loads(raw: bytes | str | None) -> Any:
    """JSON from an untrusted source, bounded in depth and number size, with sendable strings.

    Raises `UntrustedInputError` (a ValueError) for anything else: bad UTF-8, bad JSON, too deep,
    numbers too long or not finite, NaN/Infinity.
    """
    try:
        document = json.loads(raw or b"", parse_int=_int, parse_float=_float, parse_constant=_constant)
    except UntrustedInputError:
        raise
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise UntrustedInputError(f"not JSON ({error.__class__.__name__})") from None
    return _checked(document)


def digits(text: str | None, max_digits: int) -> int | None:
    """A non-negative decimal integer of ASCII digits only, at most `max_digits` long; else None."""
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
