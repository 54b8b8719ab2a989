"""Wiring for the helpdesk adapter tests: contract servers per vendor, and Prism for Jira.

Prism (tests/servers/prism, installed by its install.sh) mocks Atlassian's own OpenAPI for the Jira
platform (tests/contracts/jira) and answers a request that breaks it with a 4xx and an
`sl-violations` header. It runs once per session, started directly from node_modules (no npx).
Without it the Jira tests are skipped with the reason, except under `CI=true`, where that fails.

Why `--ignoreExamples` and not `--errors`: the spec's response examples are JSON *strings*
(an Atlassian quirk) and Prism's generated `IssueBean`s miss required properties, so `--errors`
turns every valid read into a 500 over Prism's own responses. Request checks do not depend on
`--errors`: a request that breaks the spec still gets a 4xx with `sl-violations`, and the front
(`RecordingForwarder`) records those violations so each test asserts there were none.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from functions.core.score import Priority
from functions.core.tickets import Requester, TicketDraft
from tests.servers.helpdesks.base import RecordingForwarder

PRISM_DIR = Path(__file__).resolve().parents[2] / "servers" / "prism"
PRISM = PRISM_DIR / "node_modules" / ".bin" / "prism"
JIRA_SPEC = Path(__file__).resolve().parents[2] / "contracts" / "jira" / "jira-cloud-platform-swagger.v3.json"
SPEC_SHA256 = "1f0911c58a45c712ba748f6b2b71bad688a0d28283296e6d24c7b2cc0d304624"
PRISM_START_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _require_prism() -> None:
    if PRISM.exists() and os.access(PRISM, os.X_OK):
        return
    reason = "Prism is not installed (run tests/servers/prism/install.sh; needs npm and Node 20.16+)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI nothing may be skipped")
    pytest.skip(reason)


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + PRISM_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prism exited with {process.returncode}: {log.read_text()[-2000:]}")
        if "Prism is listening" in log.read_text(errors="replace"):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
        time.sleep(0.2)
    raise RuntimeError(f"prism did not listen on {port} within {PRISM_START_SECONDS}s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def prism() -> Iterator[str]:
    """Prism mocking the Jira Cloud platform spec on 127.0.0.1; its URL."""
    _require_prism()
    assert hashlib.sha256(JIRA_SPEC.read_bytes()).hexdigest() == SPEC_SHA256, "the Jira spec copy was changed"
    port = _free_port()
    log = Path(tempfile.mkdtemp(prefix="prism-")) / "prism.log"
    command = [str(PRISM), "mock", str(JIRA_SPEC), "--ignoreExamples", "-h", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "SCARF_ANALYTICS": "false"}
        )
    try:
        _wait_for(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def prism_front(prism: str) -> Iterator[RecordingForwarder]:
    """A recording, fault-staging front for Prism: what the adapter talks to."""
    front = RecordingForwarder(prism).start()
    try:
        yield front
    finally:
        front.stop()


def make_draft(key: str, priority: Priority = Priority.HIGH) -> TicketDraft:
    return TicketDraft(
        subject="[Acme] vk complaint from id42: cold pizza",
        body=f"The pizza arrived cold.\nTwice.\n\n---\nNetwork: vk (comment)\nMention: {key}",
        requester=Requester(id="42", name="Ivan P.", handle="id42", network="vk"),
        priority=priority,
        tags=("network:vk", "category:delivery", "lang:en"),
        mention_id=key,
        brand="acme",
    )


@pytest.fixture
def key() -> str:
    """A fresh mention key, shaped like a real one (with the `#` a label cannot hold)."""
    return f"vk#wall-218000001_513_c{uuid.uuid4().hex[:8]}"


@pytest.fixture
def draft() -> Callable[..., TicketDraft]:
    return make_draft
