"""`chalice package` ships what the handlers import: unzip it and import them in a fresh interpreter.

Runs with `python -S` (no site-packages), so a module or dependency missing from the zip fails
here instead of in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.package

PROBE = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
handlers = json.loads(sys.argv[2])
for handler in handlers:
    module, _, name = handler.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name)), handler
from functions.runtime.brands import brands
from functions import connectors, helpdesks
print(json.dumps({"handlers": len(handlers), "brands": len(brands().all()),
                  "connectors": connectors.available(), "helpdesks": helpdesks.available(),
                  "outside": [m.__file__ for m in list(sys.modules.values())
                              if getattr(m, "__file__", None) and "site-packages" in m.__file__]}))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "package", "--stage", "dev", str(out)], cwd=ROOT, env=env, check=True, timeout=900)
    return out


def test_every_handler_imports_from_the_zip_alone(package: Path, tmp_path: Path) -> None:
    template = json.loads((package / "sam.json").read_text())
    handlers = sorted(
        r["Properties"]["Handler"] for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
    )
    assert len(handlers) == 5  # the API, the ingest worker, the ticket worker, the escalation sweep, the digest
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDS_FILE", "PYTHON"))}
    probe = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, str(tmp_path), json.dumps(handlers)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found["outside"] == []
    assert found["brands"] >= 1
    assert {"vk", "generic"} <= set(found["connectors"])
    assert {"builtin", "request_tracker"} <= set(found["helpdesks"])


def test_sqs_triggers_point_at_the_stage_queues(package: Path) -> None:
    template = json.loads((package / "sam.json").read_text())
    queues = sorted(
        event["Properties"]["Queue"]["Fn::Sub"].rsplit(":", 1)[1]
        for resource in template["Resources"].values()
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    )
    assert queues == ["mentiondesk-dev-mentions", "mentiondesk-dev-tickets"]
