"""One deploy command for a stage: `python -m infra.deploy <stage> [--dry-run | --list-secrets | --teardown]`.

1. check the AWS region and credentials (one line and exit 2 if either is missing);
2. create or update the stack `mentiondesk-<stage>` from `infra/template.py` (tables, queues, DLQs,
   alarms, dashboard, the artifacts bucket), waiting for it. A stack left in ROLLBACK_COMPLETE by a
   failed first create is deleted and created again; other failed states stop with the command that
   repairs them; tables or a bucket kept from a torn-down stack stop the create with what to do;
3. write the stack's table/queue names into `.chalice/config.json` and the policy, pinned to this
   account and region, into `.chalice/policy-<stage>.json`, each only if it changes;
4. fetch Chalice's deployment state (`.chalice/deployed/<stage>.json`) from the artifacts bucket, so
   a deploy from any clone updates the stage instead of creating a second REST API; adopt into it
   the SQS event source mappings of this stage that it does not know (left by an interrupted
   `chalice deploy`, whose re-run would otherwise fail on them);
5. `chalice deploy --stage <stage>`, then store the state back in the bucket (also after a failure,
   so what was created is known to the next run).

The runtime dependencies are requirements.txt: Chalice's `automatic_layer` builds them into one
managed layer shared by every function, so a bare `chalice deploy --stage <stage>` works too once
the stack exists (it then skips steps 3 and 4: run this command after a failure or from a new clone).

`--teardown --confirm <stage>` removes the stage: `chalice delete`, this stage's SQS mappings, the
artifacts bucket and the stack. Tables are kept (their DeletionPolicy is Retain) unless
`--delete-data` is given too; it prints which were kept.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.policy import policy
from infra.resources import ARTIFACTS_ENV, QUEUES, TABLES, environment, name
from infra.template import APP, output_environment, template

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".chalice" / "config.json"
DEPLOYED = ROOT / ".chalice" / "deployed"
BRANDS = ROOT / "functions" / "config" / "brands.json"
TEMPLATE_BODY_LIMIT = 51_200  # bytes: CloudFormation's limit for an inline TemplateBody
STATE_PREFIX = "chalice/deployed"
WAIT_SECONDS = 5


class OperatorError(Exception):
    """Something the operator must fix; `main` prints it on one line and exits 2."""


def stack_name(stage: str) -> str:
    return f"{APP}-{stage}"


def state_key(stage: str) -> str:
    return f"{STATE_PREFIX}/{stage}.json"


# --- pure parts (unit-tested) -------------------------------------------------------------------


def check_stage(config: Mapping[str, Any], stage: str) -> None:
    """The stage exists and ships its dependencies in Chalice's managed layer, not in a layer ARN
    that may not exist in this account (that deploy would create functions that fail at import)."""
    stages = config.get("stages", {})
    if stage not in stages:
        raise OperatorError(f"unknown stage {stage!r}; .chalice/config.json has {sorted(stages)}")
    section = {**config, **stages[stage]}
    if section.get("automatic_layer") is not True:
        raise OperatorError(
            f"stage {stage!r} has no `automatic_layer: true` in .chalice/config.json: its functions would deploy"
            " without requirements.txt's packages and fail at import"
        )


def environment_from_outputs(stage: str, outputs: Mapping[str, str]) -> dict[str, str]:
    """The functions' environment from the stack outputs; they must follow the naming convention."""
    found = {"MENTIONDESK_STAGE": stage}
    for key, variable in output_environment().items():
        if key not in outputs:
            raise ValueError(f"stack output {key} ({variable}) is missing")
        found[variable] = outputs[key]
    bucket = found.pop(ARTIFACTS_ENV)  # carries the account and region: checked by its prefix
    expected = environment(stage)
    if not bucket.startswith(f"mentiondesk-{stage}-artifacts"):
        raise ValueError(f"stack output ArtifactsBucketName {bucket!r} is not this stage's artifacts bucket")
    if found != expected:
        different = {k: (found.get(k), v) for k, v in expected.items() if found.get(k) != v}
        raise ValueError(f"stack outputs do not follow infra/resources.py naming: {different}")
    return {**found, ARTIFACTS_ENV: bucket}


def stage_config(config: Mapping[str, Any], stage: str, env: Mapping[str, str]) -> dict[str, Any]:
    """`config` with the stage's environment names (other variables kept)."""
    updated = copy.deepcopy(dict(config))
    stages = updated.setdefault("stages", {})
    if stage not in stages:
        raise ValueError(f"stage {stage!r} is not in .chalice/config.json (add it with its policy file first)")
    section = stages[stage]
    section["environment_variables"] = {**section.get("environment_variables", {}), **env}
    return updated


def write_json(path: Path, document: Mapping[str, Any]) -> bool:
    """Write `document` to `path` only if it differs from what is there; True if written."""
    if path.exists() and json.loads(path.read_text()) == document:
        return False
    path.write_text(json.dumps(document, indent=2) + "\n")
    return True


def write_config(path: Path, stage: str, env: Mapping[str, str]) -> bool:
    """Rewrite `path` only if the stage's section changes; True if it was written."""
    return write_json(path, stage_config(json.loads(path.read_text()), stage, env))


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


def foreign_secrets(brands: Mapping[str, Any]) -> list[Secret]:
    """References outside their brand's own path: the functions' role cannot read them (the policy
    grants `/mentiondesk/<brand>/*` per brand), and one brand must never name another's secret."""
    prefixes = {"ssm": "/mentiondesk/{}/", "secretsmanager": "mentiondesk/{}/"}
    return [s for s in secret_references(brands) if not s.name.startswith(prefixes[s.store].format(s.brand))]


# What to do with the stack in each state CloudFormation reports (None: no such stack).
STACK_ACTIONS = {
    None: "create",
    "CREATE_COMPLETE": "update",
    "UPDATE_COMPLETE": "update",
    "UPDATE_ROLLBACK_COMPLETE": "update",
    "IMPORT_COMPLETE": "update",
    "IMPORT_ROLLBACK_COMPLETE": "update",
    "ROLLBACK_COMPLETE": "recreate",  # a failed first create: it holds nothing, and cannot be updated
}


def stack_action(stage: str, status: str | None) -> str:
    """`create`, `update`, `recreate` or `wait`; a state only a person can repair raises with the fix."""
    stack = stack_name(stage)
    if status in STACK_ACTIONS:
        return STACK_ACTIONS[status]
    if status is not None and status.endswith("_IN_PROGRESS"):
        return "wait"
    if status == "UPDATE_ROLLBACK_FAILED":
        raise OperatorError(
            f"stack {stack} is UPDATE_ROLLBACK_FAILED: see its events, fix the resource named there, then run"
            f" `aws cloudformation continue-update-rollback --stack-name {stack}` and deploy again"
        )
    raise OperatorError(
        f"stack {stack} is {status}: see `aws cloudformation describe-stack-events --stack-name {stack}`;"
        f" if it holds nothing to keep, `python -m infra.deploy {stage} --teardown --confirm {stage}` and deploy again"
    )


def recorded_mappings(state: Mapping[str, Any]) -> set[str]:
    """The SQS event source mappings Chalice's deployment state knows (their UUIDs)."""
    return {
        str(r["event_uuid"])
        for r in state.get("resources", [])
        if r.get("resource_type") == "sqs_event" and "event_uuid" in r
    }


def stray_mappings(stage: str, mappings: Sequence[Mapping[str, Any]], recorded: set[str]) -> list[Mapping[str, Any]]:
    """This stage's SQS mappings (its functions on its queues) that the state does not know."""
    queues = {name(stage, q.suffix) for q in QUEUES}
    prefix = f"{APP}-{stage}-"
    return [
        m
        for m in mappings
        if str(m["EventSourceArn"]).rsplit(":", 1)[-1] in queues
        and str(m["FunctionArn"]).rsplit(":", 1)[-1].startswith(prefix)
        and m["UUID"] not in recorded
    ]


def plan(stage: str) -> list[str]:
    """What a deploy does, in order (printed by --dry-run)."""
    stack = stack_name(stage)
    return [
        "check the AWS region and credentials; check .chalice/config.json has the stage, with automatic_layer",
        f"create or update CloudFormation stack {stack} ({len(json.dumps(template(stage)))} bytes of template); wait"
        " (ROLLBACK_COMPLETE: delete and create again)",
        f"read the outputs of {stack}; check the names against infra/resources.py",
        f"write .chalice/config.json stage {stage} (environment names) and .chalice/policy-{stage}.json (this account"
        " and region), only if different",
        f"fetch .chalice/deployed/{stage}.json from the stack's ArtifactsBucket; adopt into it this stage's SQS"
        " mappings it does not know (left by an interrupted deploy)",
        f"chalice deploy --stage {stage} (requirements.txt → Chalice's managed layer, attached to every function)",
        f"store .chalice/deployed/{stage}.json in the ArtifactsBucket",
    ]


# --- the AWS side (rehearsed against moto's server: tests/deploy/) --------------------------------


@dataclass(frozen=True)
class Aws:
    """The clients a deploy uses, from one session (region and credentials checked)."""

    region: str
    account: str
    cloudformation: Any
    s3: Any
    dynamodb: Any
    awslambda: Any


def connect() -> Aws:
    """AWS clients for the environment's region and credentials; OperatorError names what is missing."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    try:
        session = boto3.session.Session()
    except ProfileNotFound as error:
        raise OperatorError(f"{error} (check AWS_PROFILE)") from error
    if not session.region_name:
        raise OperatorError("no AWS region: set AWS_DEFAULT_REGION (or AWS_REGION), or use a profile that has one")
    if session.get_credentials() is None:
        raise OperatorError("no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    try:
        account = str(session.client("sts").get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as error:
        raise OperatorError(f"AWS refused the credentials: {str(error).splitlines()[0]}") from error
    return Aws(
        session.region_name,
        account,
        session.client("cloudformation"),
        session.client("s3"),
        session.client("dynamodb"),
        session.client("lambda"),
    )


def _stack(aws: Aws, stage: str) -> dict[str, Any] | None:
    try:
        return dict(aws.cloudformation.describe_stacks(StackName=stack_name(stage))["Stacks"][0])
    except aws.cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def _status(stack: Mapping[str, Any] | None) -> str | None:
    return None if stack is None else str(stack["StackStatus"])


def _wait_stable(aws: Aws, stage: str, timeout: float = 1800) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while (stack := _stack(aws, stage)) is not None and str(stack["StackStatus"]).endswith("_IN_PROGRESS"):
        if time.monotonic() > deadline:
            raise OperatorError(f"stack {stack_name(stage)} still {stack['StackStatus']} after {timeout:.0f} s")
        print(f"  {stack['StackStatus']}, waiting", flush=True)
        time.sleep(WAIT_SECONDS)
    return stack


def _delete_stack(aws: Aws, stage: str) -> None:
    aws.cloudformation.delete_stack(StackName=stack_name(stage))
    aws.cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack_name(stage))


def _kept_resources(aws: Aws, stage: str) -> list[str]:
    """Tables and the bucket a new stack would create but that exist already (kept by a teardown)."""
    kept = []
    for table in TABLES:
        try:
            aws.dynamodb.describe_table(TableName=name(stage, table.suffix))
            kept.append(f"table {name(stage, table.suffix)}")
        except aws.dynamodb.exceptions.ResourceNotFoundException:
            pass
    bucket = _bucket_name(aws, stage)
    try:
        aws.s3.head_bucket(Bucket=bucket)
        kept.append(f"bucket {bucket}")
    except aws.s3.exceptions.ClientError:
        pass
    return kept


def _bucket_name(aws: Aws, stage: str) -> str:
    return f"{APP}-{stage}-artifacts-{aws.account}-{aws.region}"


def deploy_stack(aws: Aws, stage: str) -> dict[str, str]:
    """Create, update or recreate the stack as its state asks; returns the outputs."""
    stack = stack_name(stage)
    body = json.dumps(template(stage), separators=(",", ":"))
    if len(body) > TEMPLATE_BODY_LIMIT:
        raise RuntimeError(f"template is {len(body)} bytes, over the inline limit; upload it to S3 first")
    action = stack_action(stage, _status(_stack(aws, stage)))
    if action == "wait":
        action = stack_action(stage, _status(_wait_stable(aws, stage)))
    if action == "recreate":
        print(
            f"stack {stack} is ROLLBACK_COMPLETE (its first create failed): deleting it to create it again", flush=True
        )
        _delete_stack(aws, stage)
        action = "create"
    arguments = {
        "StackName": stack,
        "TemplateBody": body,
        "Tags": [{"Key": "project", "Value": APP}, {"Key": "stage", "Value": stage}],
    }
    if action == "create":
        kept = _kept_resources(aws, stage)
        if kept:
            raise OperatorError(
                f"{', '.join(kept)} exist outside any stack (kept by a teardown); a new stack cannot create them:"
                f" delete them (`python -m infra.deploy {stage} --teardown --confirm {stage} --delete-data`) or"
                " import them into the stack (docs/deploy.md, 'Starting again')"
            )
        print(f"creating stack {stack}", flush=True)
        aws.cloudformation.create_stack(**arguments, OnFailure="ROLLBACK")
        aws.cloudformation.get_waiter("stack_create_complete").wait(StackName=stack)
    else:
        print(f"updating stack {stack}", flush=True)
        try:
            aws.cloudformation.update_stack(**arguments)
            aws.cloudformation.get_waiter("stack_update_complete").wait(StackName=stack)
        except aws.cloudformation.exceptions.ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
            print("  no changes", flush=True)
    described = _stack(aws, stage) or {}
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def fetch_state(aws: Aws, bucket: str, stage: str, deployed: Path = DEPLOYED) -> dict[str, Any]:
    """The bucket's copy of Chalice's state becomes the local one (it is the newest deploy's)."""
    path = deployed / f"{stage}.json"
    try:
        body = aws.s3.get_object(Bucket=bucket, Key=state_key(stage))["Body"].read()
    except aws.s3.exceptions.NoSuchKey:
        return json.loads(path.read_text()) if path.exists() else {}
    state: dict[str, Any] = json.loads(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    if write_json(path, state):
        print(f"deployment state {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} from s3://{bucket}")
    return state


def store_state(aws: Aws, bucket: str, stage: str, deployed: Path = DEPLOYED) -> None:
    path = deployed / f"{stage}.json"
    if path.exists():
        aws.s3.put_object(Bucket=bucket, Key=state_key(stage), Body=path.read_bytes())


def _mappings(aws: Aws) -> list[dict[str, Any]]:
    pages = aws.awslambda.get_paginator("list_event_source_mappings").paginate()
    return [m for page in pages for m in page["EventSourceMappings"]]


def adopt_stray_mappings(aws: Aws, stage: str, state: dict[str, Any], deployed: Path = DEPLOYED) -> int:
    """Write this stage's SQS mappings that Chalice's state does not know into the state, so
    `chalice deploy` updates them instead of failing on a second one (Lambda allows one per queue
    and function); the queue keeps its consumer throughout. Returns how many were adopted."""
    strays = stray_mappings(stage, _mappings(aws), recorded_mappings(state))
    prefix = f"{APP}-{stage}-"
    for mapping in strays:
        function = str(mapping["FunctionArn"]).rsplit(":", 1)[-1]
        queue = str(mapping["EventSourceArn"]).rsplit(":", 1)[-1]
        print(f"adopting SQS mapping {mapping['UUID']} ({queue} → {function}), left by an interrupted deploy")
        state.setdefault("resources", []).append(
            {
                "name": f"{function.removeprefix(prefix)}-sqs-event-source",
                "resource_type": "sqs_event",
                "queue_arn": mapping["EventSourceArn"],
                "event_uuid": mapping["UUID"],
                "queue": queue,
                "lambda_arn": mapping["FunctionArn"],
            }
        )
    if strays:
        state.setdefault("schema_version", "2.0")
        state.setdefault("backend", "api")
        deployed.mkdir(parents=True, exist_ok=True)
        write_json(deployed / f"{stage}.json", state)
    return len(strays)


def remove_mappings(aws: Aws, stage: str) -> None:
    """Every SQS mapping of this stage's functions on its queues (teardown)."""
    for mapping in stray_mappings(stage, _mappings(aws), set()):
        print(f"removing SQS mapping {mapping['UUID']}", flush=True)
        aws.awslambda.delete_event_source_mapping(UUID=mapping["UUID"])


def chalice(command: str, stage: str, aws: Aws, run: Callable[..., Any]) -> None:
    executable = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": aws.region}
    run([str(executable), command, "--stage", stage], cwd=ROOT, env=env, check=True)


def deploy(stage: str, *, aws: Aws | None = None, run: Callable[..., Any] = subprocess.run) -> None:
    check_stage(json.loads(CONFIG.read_text()), stage)
    foreign = foreign_secrets(json.loads(BRANDS.read_text()))
    if foreign:
        raise OperatorError(f"brand file names secrets outside their brand's path: {[s.name for s in foreign]}")
    aws = aws or connect()
    outputs = deploy_stack(aws, stage)
    env = environment_from_outputs(stage, outputs)
    if write_config(CONFIG, stage, env):
        print(f"{CONFIG.relative_to(ROOT)} updated", flush=True)
    policy_file = CONFIG.parent / f"policy-{stage}.json"
    if write_json(policy_file, policy(stage, region=aws.region, account=aws.account)):
        print(f"{policy_file.relative_to(ROOT)} pinned to account {aws.account}, region {aws.region}", flush=True)
    bucket = outputs["ArtifactsBucketName"]
    adopt_stray_mappings(aws, stage, fetch_state(aws, bucket, stage))
    try:
        chalice("deploy", stage, aws, run)
    finally:
        store_state(aws, bucket, stage)


def _empty_bucket(aws: Aws, bucket: str) -> None:
    pages = aws.s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
    for page in pages:
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        if versions:
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
            aws.s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})


def teardown(
    stage: str, *, delete_data: bool, aws: Aws | None = None, run: Callable[..., Any] = subprocess.run
) -> None:
    """Remove the stage; tables stay unless `delete_data` (they hold the brands' mentions)."""
    aws = aws or connect()
    bucket = _bucket_name(aws, stage)
    exists = _stack(aws, stage) is not None
    if exists:
        fetch_state(aws, bucket, stage)
        chalice("delete", stage, aws, run)
    remove_mappings(aws, stage)
    try:
        _empty_bucket(aws, bucket)
        aws.s3.delete_bucket(Bucket=bucket)
        print(f"deleted bucket {bucket}", flush=True)
    except aws.s3.exceptions.ClientError as error:
        if "NoSuchBucket" not in str(error):
            raise
    if exists:
        print(f"deleting stack {stack_name(stage)}", flush=True)
        _delete_stack(aws, stage)
    tables = [name(stage, t.suffix) for t in TABLES]
    for table in tables:
        if not delete_data:
            break
        try:
            aws.dynamodb.delete_table(TableName=table)
            aws.dynamodb.get_waiter("table_not_exists").wait(TableName=table)
            print(f"deleted table {table}", flush=True)
        except aws.dynamodb.exceptions.ResourceNotFoundException:
            pass
    if not delete_data:
        print(f"kept tables (DeletionPolicy Retain): {', '.join(tables)}; --delete-data removes them", flush=True)
    (DEPLOYED / f"{stage}.json").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.deploy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stage")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print what would be done; no AWS calls")
    mode.add_argument("--list-secrets", action="store_true", help="the put-parameter commands for the brand file")
    mode.add_argument("--teardown", action="store_true", help="remove the stage (needs --confirm <stage>)")
    parser.add_argument("--confirm", help="the stage's name again, for --teardown")
    parser.add_argument("--delete-data", action="store_true", help="with --teardown: delete the tables too")
    parser.add_argument("--brands", type=Path, default=BRANDS, help="brand file for --list-secrets (the shipped one)")
    args = parser.parse_args(argv)
    try:
        check_stage(json.loads(CONFIG.read_text()), args.stage)
        if args.list_secrets:
            for secret in secret_references(json.loads(args.brands.read_text())):
                print(f"{secret.command()}    # {secret.brand}")
        elif args.dry_run:
            for number, step in enumerate(plan(args.stage), 1):
                print(f"{number}. {step}")
        elif args.teardown:
            if args.confirm != args.stage:
                raise OperatorError(f"--teardown removes stage {args.stage!r}: add --confirm {args.stage} to go ahead")
            teardown(args.stage, delete_data=args.delete_data)
        else:
            deploy(args.stage)
    except OperatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        print(
            f"error: {shlex.join(map(str, error.cmd))} failed (exit {error.returncode}); see its output above",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
