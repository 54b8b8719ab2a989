"""One deploy command for a stage: `python -m infra.deploy <stage> [--dry-run | --list-secrets]`.

1. generate the CloudFormation template (`infra/template.py`) and create or update the stack
   `mentiondesk-<stage>` (tables, queues, DLQs, alarms, dashboard, artifacts bucket), waiting for it;
2. build the dependency layer (`layers/build.py`, deterministic), upload it to the artifacts bucket
   under its SHA-256 unless already there, and update the stack with that key (`LayerS3Key`) so
   CloudFormation publishes the layer version (nothing changes when the pins did not);
3. read the stack outputs and write the table/queue names and the layer version ARN (the stage's
   `layers`, which Chalice attaches to every function) into `.chalice/config.json` for the stage,
   only if they differ from what is there;
4. `chalice deploy --stage <stage>`.

The layer is the functions' only copy of their third-party dependencies: `requirements.txt` (what
Chalice bundles into the function zip) lists none, and the deploy refuses to start if it does (a
second copy would shadow the layer's: the function's own folder comes first on `sys.path`).
The committed config carries a placeholder ARN (account 000000000000) so that `chalice package`
works offline; step 3 replaces it, and `chalice deploy` never runs with it.

Needs AWS credentials and a region in the environment (as the AWS CLI does). Secrets are not
deployed: CloudFormation cannot create SecureString parameters; `--list-secrets` prints the
`aws ssm put-parameter` / `aws secretsmanager create-secret` command for every reference in the
brand file, to run once with the real values.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.resources import environment
from infra.template import LAYER_PARAMETER, layer_name, output_environment, template

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".chalice" / "config.json"
BRANDS = ROOT / "functions" / "config" / "brands.json"
REQUIREMENTS = ROOT / "requirements.txt"
LAYER_REQUIREMENTS = ROOT / "layers" / "requirements.txt"
LAYER_ZIP = ROOT / "build" / "layer.zip"
TEMPLATE_BODY_LIMIT = 51_200  # bytes: CloudFormation's limit for an inline TemplateBody
PLACEHOLDER_ACCOUNT = "000000000000"  # the committed config's layer ARN, until a deploy writes the real one
LAYER_OUTPUT = "DependencyLayerArn"


def stack_name(stage: str) -> str:
    return f"mentiondesk-{stage}"


def layer_key(sha256: str) -> str:
    return f"layers/mentiondesk-{sha256[:32]}.zip"


def placeholder_layer_arn(stage: str) -> str:
    """What `.chalice/config.json` carries before the first deploy: well-formed, so `chalice
    package` and cfn-lint work offline, in an account that cannot exist, so it is never deployed."""
    return f"arn:aws:lambda:us-east-1:{PLACEHOLDER_ACCOUNT}:layer:{layer_name(stage)}:1"


def check_layer_arn(stage: str, arn: str, *, placeholder_ok: bool) -> None:
    """`arn` must be a version of this stage's dependency layer (and real, unless `placeholder_ok`)."""
    pattern = rf"arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{{12}}):layer:{re.escape(layer_name(stage))}:[1-9]\d*"
    match = re.fullmatch(pattern, arn)
    if match is None:
        raise ValueError(f"{arn!r} is not a version of the layer {layer_name(stage)}")
    if match.group(1) == PLACEHOLDER_ACCOUNT and not placeholder_ok:
        raise ValueError(f"{arn!r} is the placeholder, not a published layer version")


def configured_layers(config: Mapping[str, Any], stage: str) -> list[str]:
    return list(config["stages"][stage].get("layers", []))


# --- pure parts (unit-tested) -------------------------------------------------------------------


def environment_from_outputs(stage: str, outputs: Mapping[str, str]) -> dict[str, str]:
    """The functions' environment from the stack outputs; they must follow the naming convention."""
    found = {"MENTIONDESK_STAGE": stage}
    for key, variable in output_environment().items():
        if key not in outputs:
            raise ValueError(f"stack output {key} ({variable}) is missing")
        found[variable] = outputs[key]
    expected = environment(stage)
    if found != expected:
        different = {k: (found.get(k), v) for k, v in expected.items() if found.get(k) != v}
        raise ValueError(f"stack outputs do not follow infra/resources.py naming: {different}")
    return found


def stage_config(
    config: Mapping[str, Any], stage: str, env: Mapping[str, str], layer_arn: str | None = None
) -> dict[str, Any]:
    """`config` with the stage's environment names (other variables kept) and, given one, its layer."""
    updated = copy.deepcopy(dict(config))
    stages = updated.setdefault("stages", {})
    if stage not in stages:
        raise ValueError(f"stage {stage!r} is not in .chalice/config.json (add it with its policy file first)")
    section = stages[stage]
    section["environment_variables"] = {**section.get("environment_variables", {}), **env}
    if layer_arn is not None:
        section["layers"] = [layer_arn]
    return updated


def write_config(path: Path, stage: str, env: Mapping[str, str], layer_arn: str | None = None) -> bool:
    """Rewrite `path` only if the stage's section changes; True if it was written."""
    current = json.loads(path.read_text())
    updated = stage_config(current, stage, env, layer_arn)
    if updated == current:
        return False
    path.write_text(json.dumps(updated, indent=2) + "\n")
    return True


def requirement_names(path: Path) -> set[str]:
    names = set()
    for raw in path.read_text().splitlines() if path.exists() else []:
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(line.split("==")[0].split("[")[0].strip().lower().replace("_", "-"))
    return names


def chalice_bundles_layer_packages(requirements: Path = REQUIREMENTS, layer: Path = LAYER_REQUIREMENTS) -> bool:
    """True while requirements.txt (what Chalice packs into the function zip) lists layer packages."""
    return bool(requirement_names(requirements) & requirement_names(layer))


@dataclass(frozen=True)
class Secret:
    brand: str
    store: str  # "ssm" or "secretsmanager"
    name: str

    def command(self) -> str:
        if self.store == "ssm":
            return f"aws ssm put-parameter --type SecureString --name {shlex.quote(self.name)} --value '...'"
        return f"aws secretsmanager create-secret --name {shlex.quote(self.name)} --secret-string '...'"


def secret_references(brands: Mapping[str, Any]) -> list[Secret]:
    """Every `ssm:`/`secretsmanager:` reference in the brand file, once each, in brand order."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "secrets" and isinstance(value, dict):
                    yield from (v for v in value.values() if isinstance(v, str))
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    found: list[Secret] = []
    for brand in brands.get("brands", []):
        for reference in walk(brand):
            store, _, name = reference.partition(":")
            secret = Secret(str(brand.get("slug")), store, name)
            if store in {"ssm", "secretsmanager"} and secret not in found:
                found.append(secret)
    return found


def check_requirements(requirements: Path = REQUIREMENTS, layer: Path = LAYER_REQUIREMENTS) -> None:
    """Refuse a deploy that would ship the layer's packages twice (and run the function's copy)."""
    both = requirement_names(requirements) & requirement_names(layer)
    if both:
        raise SystemExit(
            f"{requirements.name} lists {sorted(both)}, which the layer carries: Chalice would bundle a second copy "
            f"into every function zip, shadowing the layer's. Pin runtime dependencies in layers/requirements.txt only."
        )


def plan(stage: str, *, layer_attached: bool = True) -> list[str]:
    """What a deploy does, in order (printed by --dry-run); `layer_attached` False: requirements.txt
    lists layer packages, and the deploy stops at the first step."""
    stack = stack_name(stage)
    steps = [
        "check requirements.txt lists none of layers/requirements.txt's packages (Chalice would bundle them)",
    ]
    if not layer_attached:
        steps.append(
            "STOP: requirements.txt lists the layer's packages, so Chalice would bundle them into the function zip "
            "and the layer would not be attached (move them to layers/requirements.txt)"
        )
        return steps
    steps += [
        f"generate the template: python -m infra.template {stage} ({len(json.dumps(template(stage)))} bytes)",
        f"create or update CloudFormation stack {stack} with {LAYER_PARAMETER} unchanged; wait",
        f"build the layer: python layers/build.py --out {LAYER_ZIP.relative_to(ROOT)}",
        "upload it to the stack's ArtifactsBucket as layers/mentiondesk-<sha256>.zip unless present",
        f"update stack {stack} with {LAYER_PARAMETER}=<that key> if it changed; wait",
        f"read the outputs of {stack}; check the names against infra/resources.py",
        f"write .chalice/config.json stage {stage}: environment names and `layers` = [the {LAYER_OUTPUT} output]"
        " (only if different)",
        f"chalice deploy --stage {stage} (every function gets the layer)",
    ]
    return steps


# --- the AWS side (not run here: no AWS in tests) -----------------------------------------------


def _deploy_stack(cloudformation: Any, stage: str, layer: str | None) -> dict[str, str]:
    """Create or update the stack; `layer` None keeps the current key. Returns the outputs."""
    stack = stack_name(stage)
    body = json.dumps(template(stage), separators=(",", ":"))
    if len(body) > TEMPLATE_BODY_LIMIT:
        raise RuntimeError(f"template is {len(body)} bytes, over the inline limit; upload it to S3 first")
    try:
        current = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" not in str(error):
            raise
        current = None
    parameter = (
        {"ParameterKey": LAYER_PARAMETER, "ParameterValue": layer}
        if layer is not None
        else (
            {"ParameterKey": LAYER_PARAMETER, "UsePreviousValue": True}
            if current
            else {"ParameterKey": LAYER_PARAMETER, "ParameterValue": ""}
        )
    )
    arguments = {
        "StackName": stack,
        "TemplateBody": body,
        "Parameters": [parameter],
        "Tags": [{"Key": "project", "Value": "mentiondesk"}, {"Key": "stage", "Value": stage}],
    }
    if current is None:
        print(f"creating stack {stack}", flush=True)
        cloudformation.create_stack(**arguments, OnFailure="ROLLBACK")
        cloudformation.get_waiter("stack_create_complete").wait(StackName=stack)
    else:
        print(f"updating stack {stack}", flush=True)
        try:
            cloudformation.update_stack(**arguments)
            cloudformation.get_waiter("stack_update_complete").wait(StackName=stack)
        except cloudformation.exceptions.ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
            print("  no changes", flush=True)
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def _upload_layer(s3: Any, bucket: str, build: Callable[[], dict[str, Any]]) -> str:
    result = build()
    key = layer_key(str(result["sha256"]))
    try:
        s3.head_object(Bucket=bucket, Key=key)
        print(f"layer s3://{bucket}/{key} already uploaded", flush=True)
    except s3.exceptions.ClientError:
        s3.upload_file(str(result["out"]), bucket, key)
        print(f"uploaded s3://{bucket}/{key}", flush=True)
    return key


def deploy(
    stage: str,
    *,
    cloudformation: Any = None,
    s3: Any = None,
    build: Callable[[], dict[str, Any]] | None = None,
    run: Callable[..., Any] = subprocess.run,
    config: Path = CONFIG,
) -> None:
    """The deploy; the keyword arguments replace AWS, the layer build and `chalice` in tests."""
    check_requirements()
    if cloudformation is None or s3 is None:
        import boto3

        session = boto3.session.Session()
        cloudformation, s3 = session.client("cloudformation"), session.client("s3")
    if build is None:
        from layers.build import build as build_layer

        def build() -> dict[str, Any]:
            return build_layer(LAYER_ZIP)

    outputs = _deploy_stack(cloudformation, stage, None)
    key = _upload_layer(s3, outputs["ArtifactsBucketName"], build)
    outputs = _deploy_stack(cloudformation, stage, key)
    env = environment_from_outputs(stage, outputs)
    if LAYER_OUTPUT not in outputs:
        raise RuntimeError(f"stack {stack_name(stage)} has no {LAYER_OUTPUT} output after the layer update")
    layer_arn = outputs[LAYER_OUTPUT]
    check_layer_arn(stage, layer_arn, placeholder_ok=False)
    if write_config(config, stage, env, layer_arn):
        print(f"{config.name} updated (layer {layer_arn})", flush=True)
    for arn in configured_layers(json.loads(config.read_text()), stage):  # what chalice deploy will read
        check_layer_arn(stage, arn, placeholder_ok=False)
    chalice = Path(sys.executable).with_name("chalice")
    run([str(chalice), "deploy", "--stage", stage], cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.deploy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stage")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print what would be done; no AWS calls")
    mode.add_argument("--list-secrets", action="store_true", help="the put-parameter commands for the brand file")
    parser.add_argument("--brands", type=Path, default=BRANDS, help="brand file for --list-secrets (the shipped one)")
    args = parser.parse_args(argv)
    stages = json.loads(CONFIG.read_text())["stages"]
    if args.stage not in stages:
        parser.error(f"unknown stage {args.stage!r}; .chalice/config.json has {sorted(stages)}")
    if args.list_secrets:
        for secret in secret_references(json.loads(args.brands.read_text())):
            print(f"{secret.command()}    # {secret.brand}")
        return 0
    if args.dry_run:
        for number, step in enumerate(plan(args.stage, layer_attached=not chalice_bundles_layer_packages()), 1):
            print(f"{number}. {step}")
        for arn in configured_layers(json.loads(CONFIG.read_text()), args.stage):
            current = "the placeholder" if arn.split(":")[4] == PLACEHOLDER_ACCOUNT else "the last deployed version"
            print(f"(.chalice/config.json has {current}: {arn})")
        return 0
    deploy(args.stage)
    return 0


if __name__ == "__main__":
    sys.exit(main())
