"""`chalice package` plus the dependency layer ship what the handlers import: unzip both and import
every handler in a fresh interpreter, the way Lambda lays them out.

The function zip (`deployment.zip`) holds our code only; the third-party packages come from the
layer (`layers/build.py`), which Lambda unpacks to `/opt` and puts `/opt/python` on `sys.path`
after the function's own folder. Runs with `python -S` (no site-packages), so a module missing from
both fails here instead of in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.package

LAYER_BUILD_BUDGET_SECONDS = 60  # offline from pip's cache it takes ~8 s on the 2-core machine

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
                  "outside": [f for f in files if "site-packages" in f],
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
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer as Lambda sees it: `build/layer.zip`'s `python/` folder, built here from the pins."""
    from layers.build import build

    out = tmp_path_factory.mktemp("layer")
    started = time.monotonic()
    result = build(out / "layer.zip")
    elapsed = time.monotonic() - started
    print(f"layer build: {elapsed:.1f} s, {result['zipped_bytes']} bytes zipped, {result['unzipped_bytes']} unzipped")
    assert elapsed < LAYER_BUILD_BUDGET_SECONDS
    with zipfile.ZipFile(out / "layer.zip") as archive:
        archive.extractall(out / "opt")
    return out / "opt" / "python"


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
    assert {"boto3", "botocore", "feedparser", "requests", "textblob", "urllib3"} <= set(found["from_layer"])
    assert found["brands"] >= 1
    assert {"vk", "generic"} <= set(found["connectors"])
    assert {"builtin", "request_tracker"} <= set(found["helpdesks"])


def test_the_layer_is_byte_reproducible(layer: Path, tmp_path: Path) -> None:
    """A second build from the same pins gives the same zip, so a deploy with unchanged pins uploads
    nothing and publishes no new layer version."""
    from layers.build import build, sha256

    first = layer.parent.parent / "layer.zip"
    again = build(tmp_path / "layer.zip", verify=False)
    assert again["sha256"] == sha256(first)


def test_sqs_triggers_point_at_the_stage_queues(package: Path) -> None:
    template = json.loads((package / "sam.json").read_text())
    queues = sorted(
        event["Properties"]["Queue"]["Fn::Sub"].rsplit(":", 1)[1]
        for resource in template["Resources"].values()
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    )
    assert queues == ["mentiondesk-dev-mentions", "mentiondesk-dev-tickets"]
