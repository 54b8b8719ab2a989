"""The deploy artifacts pass cfn-lint: our infra template and `chalice package`'s sam.json, per stage.
The function zip carries `app.py` only (Chalice puts `vendor/`, our `functions/`, into its managed
layer with requirements.txt's packages) and every function gets that layer.

cfn-lint comes from requirements-dev.txt; without it these tests are skipped with the reason,
except under `CI=true`, where that is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra.template import FUNCTIONS, function_name, template
from tests.conftest import ROOT

STAGES = ["dev", "prod"]


def _cfnlint() -> Any:
    try:
        from cfnlint import api  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        reason = "cfn-lint is not installed (pip install -r requirements-dev.txt)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI nothing may be skipped")
        pytest.skip(reason)
    return api


def _errors(document: dict[str, Any], tmp_path: Path) -> list[str]:
    """cfn-lint's errors (E*) for a template; warnings are printed, not failed on."""
    api = _cfnlint()
    path = tmp_path / "template.json"
    path.write_text(json.dumps(document, indent=2))
    matches = api.lint_file(path, config=api.ManualArgs(regions=["us-east-1", "eu-west-1"]))
    for match in matches:
        print(match)
    return [str(m) for m in matches if m.rule.id.startswith("E")]


@pytest.mark.parametrize("stage", STAGES)
def test_infra_template_passes_cfn_lint(stage: str, tmp_path: Path) -> None:
    assert _errors(template(stage), tmp_path) == []


@pytest.fixture(scope="module", params=STAGES)
def packaged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    _cfnlint()
    stage = str(request.param)
    out = tmp_path_factory.mktemp(f"package-{stage}")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "package", "--stage", stage, str(out)], cwd=ROOT, env=env, check=True, timeout=900)
    return stage, out


@pytest.mark.package
def test_chalice_sam_template_passes_cfn_lint(packaged: tuple[str, Path], tmp_path: Path) -> None:
    _, out = packaged
    assert _errors(json.loads((out / "sam.json").read_text()), tmp_path) == []


@pytest.mark.package
def test_alarms_watch_the_functions_chalice_creates(packaged: tuple[str, Path]) -> None:
    """Chalice names functions `mentiondesk-<stage>[-<name>]` from `lambda_functions`; the alarms use the same."""
    stage, out = packaged
    sam = json.loads((out / "sam.json").read_text())
    handlers = [r for r in sam["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    configured = config["stages"][stage]["lambda_functions"]
    assert set(configured) <= set(FUNCTIONS)
    # Poll functions (one per source) and the gap check run on the stage defaults: long enough for a
    # run's page budget, so adding a source needs no edit here.
    assert all(f.startswith("poll_") or f == "gaps" for f in set(FUNCTIONS) - set(configured))
    assert config["stages"][stage]["lambda_timeout"] >= 60
    assert len(handlers) == len(FUNCTIONS)
    watched = {
        d["Value"]
        for r in template(stage)["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["Namespace"] == "AWS/Lambda"
        for d in r["Properties"]["Dimensions"]
    }
    assert watched == {function_name(stage, f) for f in FUNCTIONS}
    assert f"mentiondesk-{stage}" in watched  # the REST API handler has no suffix


# What may sit in the function zip: `app.py` and Chalice's own runtime module, which `chalice
# package` always adds. Our `functions/` (through `vendor/`) and every dependency are in the layer.
FUNCTION_ZIP_ROOT = {"app.py", "chalice"}


@pytest.mark.package
def test_function_zip_carries_no_third_party_packages(packaged: tuple[str, Path]) -> None:
    _, out = packaged
    with zipfile.ZipFile(out / "deployment.zip") as archive:
        names = archive.namelist()
    roots = {name.split("/", 1)[0] for name in names}
    assert roots == FUNCTION_ZIP_ROOT
    assert not [name for name in names if ".dist-info/" in name or "site-packages/" in name]


@pytest.mark.package
def test_every_function_gets_the_managed_layer(packaged: tuple[str, Path]) -> None:
    stage, out = packaged
    sam = json.loads((out / "sam.json").read_text())
    layers = {k: r for k, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::LayerVersion"}
    assert list(layers) == ["ManagedLayer"]
    assert layers["ManagedLayer"]["Properties"]["LayerName"] == f"mentiondesk-{stage}-managed-layer"
    functions = {k: r for k, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert len(functions) == len(FUNCTIONS)
    assert {k: r["Properties"].get("Layers") for k, r in functions.items()} == {
        k: [{"Ref": "ManagedLayer"}] for k in functions
    }
    with zipfile.ZipFile(out / "layer-deployment.zip") as archive:
        roots = {n.split("/")[4] for n in archive.namelist() if n.count("/") > 4}
    assert {"functions", "textblob", "requests", "feedparser", "boto3"} <= roots
