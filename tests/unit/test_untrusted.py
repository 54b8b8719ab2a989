"""Decoding untrusted input: every way Python's parsers fail becomes one ValueError, or a clean string."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.core import untrusted
from functions.core.untrusted import MAX_DEPTH, UntrustedInputError


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 10000,
        b'{"a":' * 10000,
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b"9" * 5000,
        b"-" + b"9" * 21,
        b"1e999",
        b"-1e999",
        b"0." + b"1" * 60,
        b"NaN",
        b'{"x": Infinity}',
        b"\xff\xfe",
        b"",
        b"{",
    ],
)
def test_refused_with_one_error_type(raw: bytes) -> None:
    with pytest.raises(UntrustedInputError):
        untrusted.loads(raw)


def test_what_networks_send_passes_unchanged() -> None:
    document = {"id": 2**63 - 1, "neg": -(2**63), "f": 1.5e10, "nested": [[[{"a": [1, "ü", None, True]}]]]}
    assert untrusted.loads(json.dumps(document).encode()) == document
    deep = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert untrusted.loads(deep) is not None


def test_unsendable_characters_become_the_replacement_character() -> None:
    raw = b'{"text": "a\\ud800b\\uffff", "\\udfffkey": ["\\ufffe"], "pair": "\\ud83d\\ude00"}'
    assert untrusted.loads(raw) == {"text": "a\ufffdb\ufffd", "\ufffdkey": ["\ufffd"], "pair": "😀"}
    assert untrusted.loads('"\ufffe"') == "\ufffd"  # raw in the body, not escaped
    assert untrusted.clean_text("ok \udc80") == "ok \ufffd"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), ("²", None), ("٣", None), ("9" * 13, None), ("", None), (None, None), ("-1", None)],
)
def test_digits_are_ascii_and_bounded(text: str | None, expected: int | None) -> None:
    assert untrusted.digits(text, 12) == expected


@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_the_one_error(raw: bytes) -> None:
    with contextlib.suppress(UntrustedInputError):
        untrusted.loads(raw)
