"""`chalice package` ships what the handlers import: unzip the function zip and Chalice's managed
layer and import every handler in a fresh interpreter, the way Lambda lays them out.

The function zip (`deployment.zip`) holds `app.py` and Chalice's runtime; our `functions/` (through
`vendor/`) and the pinned packages of requirements.txt are in the managed layer
(`layer-deployment.zip`), which Lambda unpacks to `/opt`, with `/opt/python/lib/python3.11/site-packages`
on `sys.path` after the function's own folder. Runs with `python -S` (no site-packages), so a module
missing from both fails here instead of in production. `layers/check.py` checks the layer's pins and
that TextBlob's sentiment imports from it alone.
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
task, layer = sys.argv[1], sys.argv[2]
sys.path[:0] = [task, layer]  # Lambda's order: /var/task, then the layer's /opt/python
handlers = json.loads(sys.argv[3])
for handler in handlers:
    module, _, name = handler.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name)), handler
from functions.runtime.brands import brands
from functions import connectors, helpdesks
import boto3, feedparser, requests, textblob  # what the handlers import lazily (scoring, polls) too
files = [m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)]
print(json.dumps({"handlers": len(handlers), "brands": len(brands().all()),
                  "connectors": connectors.available(), "helpdesks": helpdesks.available(),
                  "outside": [f for f in files if "site-packages" in f and not f.startswith(layer)],
                  "from_layer": sorted({f[len(layer):].lstrip("/").split("/")[0] for f in files
                                       if f.startswith(layer)})}))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "package", "--stage", "dev", str(out)], cwd=ROOT, env=env, check=True, timeout=900)
    return out


@pytest.fixture(scope="module")
def layer(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The managed layer as Lambda sees it, checked by layers/check.py (pins, imports alone)."""
    from layers.check import check

    result = check(package, tmp_path_factory.mktemp("opt"))
    print(f"managed layer: {result['zipped_bytes']} bytes zipped, {result['unzipped_bytes']} unzipped")
    return Path(str(result["site_packages"]))


def test_every_handler_imports_from_the_zip_and_the_layer(package: Path, layer: Path, tmp_path: Path) -> None:
    template = json.loads((package / "sam.json").read_text())
    handlers = sorted(
        r["Properties"]["Handler"] for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
    )
    # at least the API, the ingest worker, the ticket worker, the escalation sweep and the digest
    assert len(handlers) >= 5 and "app.app" in handlers
    task = tmp_path / "task"
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        archive.extractall(task)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDS_FILE", "PYTHON"))}
    probe = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, str(task), str(layer), json.dumps(handlers)],
        cwd=task,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found["handlers"] == len(handlers)
    assert found["outside"] == []
    assert {"boto3", "botocore", "feedparser", "functions", "requests", "textblob", "urllib3"} <= set(
        found["from_layer"]
    )
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
    assert queues == ["mentiondesk-dev-mentions", "mentiondesk-dev-replies", "mentiondesk-dev-tickets"]
