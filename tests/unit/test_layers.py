"""Imports point down the layers: the pure core imports only itself, and what the schedules and
queues run (`jobs`) and the reports both of them share (`reports`) never reach up into HTTP (`api`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

FUNCTIONS = ROOT / "functions"
# package → the packages of `functions` it must not import
FORBIDDEN = {
    "core": {"api", "jobs", "reports", "stores", "runtime", "helpdesks", "connectors", "notifiers", "cli"},
    "reports": {"api", "jobs", "cli"},
    "jobs": {"api", "cli"},
}


def imported_packages(path: Path) -> Iterator[tuple[int, str]]:
    """(line, package) for every `functions.<package>` that `path` imports, however it is written."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] != "functions":
                continue
            if len(parts) > 1:
                yield node.lineno, parts[1]
            else:
                yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "functions" and len(parts) > 1:
                    yield node.lineno, parts[1]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_down(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports functions.{imported}"
        for path in sorted((FUNCTIONS / package).rglob("*.py"))
        for line, imported in imported_packages(path)
        if imported in FORBIDDEN[package]
    ]
    assert wrong == []
