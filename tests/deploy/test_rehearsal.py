"""The deploy rehearsal: the README's deploy and operator commands, exactly as documented, against
moto's server on 127.0.0.1 standing in for AWS (with the bridges of tests/servers/moto_aws, each
naming the moto gap it covers), for the stages dev and prod, in a copy of the checkout.

For each stage: the plan and the secrets list; the deploy (stack → config and policy → Chalice's
deployment state → `chalice deploy`); an inventory of what exists against what the app declares
(every `@route`, `@on_sqs_message` and `@schedule`, with its event source, schedule, layer,
environment, timeout, memory and role policy); a second deploy and a bare `chalice deploy` that
change nothing; a re-run after an interrupted deploy (its SQS mappings unknown to the state); the
teardown that keeps the data, the refusal to create over kept tables, and the full teardown.

The commands run in subprocesses with the venv's bin first on PATH (what `. .venv/bin/activate`
does) and only the AWS settings a person would export; each must appear verbatim in the README's
deploy section, so the README cannot drift from what is rehearsed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.resources import TABLES
from tests.conftest import ROOT, free_port
from tests.conftest import STAGE as TEST_STAGE

pytestmark = pytest.mark.deploy

STAGES = ("dev", "prod")
REGION = "eu-west-1"  # not moto's default, so a command that ignores the region is caught
COMMAND_TIMEOUT = 900  # seconds; the first `chalice deploy` downloads the layer's wheels


def _readme_deploy_block() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Deploy", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    assert blocks, "README's Deploy section has no bash block"
    return "\n".join(blocks)


README_COMMANDS = [line.split("#", 1)[0].strip() for line in _readme_deploy_block().splitlines()]


@dataclass(frozen=True)
class Run:
    code: int
    out: str

    def line(self, pattern: str) -> str:
        found = [line for line in self.out.splitlines() if re.search(pattern, line)]
        assert found, f"no line matches {pattern!r} in:\n{self.out[-3000:]}"
        return found[0]


@dataclass(frozen=True)
class Workspace:
    path: Path
    env: dict[str, str]

    def run(self, documented: str, stage: str) -> Run:
        """A README command (`dev` in it stands for the stage), run as a person would run it."""
        assert documented in README_COMMANDS, f"{documented!r} is not in README's Deploy section"
        command = re.sub(r"\bdev\b", stage, documented)
        started = time.monotonic()
        result = subprocess.run(
            shlex.split(command),
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        out = result.stdout + result.stderr
        print(f"$ {command}  → exit {result.returncode} in {time.monotonic() - started:.1f} s")
        return Run(result.returncode, out)


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"moto did not listen on {port}")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server with the bridges, in its own process (the other tests' moto stays unpatched);
    its log (moto's tracebacks on a 500) is printed when the rehearsal fails."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.servers.moto_aws", str(port)], cwd=ROOT, stdout=out, stderr=out
        )
    try:
        _wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        errors = log.read_text(errors="replace").split("Error on request")[1:]
        if errors:
            print(f"moto answered {len(errors)} requests with 500; the last:\n{errors[-1][-3000:]}")


@pytest.fixture(scope="module")
def workspace(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The committed files (as a clone has them), and the environment an operator exports."""
    copy = tmp_path_factory.mktemp("checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        source = ROOT / raw.decode()
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree, not yet committed
        target = copy / raw.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "VIRTUAL_ENV": str(Path(venv_bin).parent),
        "HOME": os.environ.get("HOME", str(copy)),
        "LANG": "C.UTF-8",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "rehearsal",
        "AWS_SECRET_ACCESS_KEY": "rehearsal",
    }
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "XDG_CONFIG_HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    return Workspace(copy, env)


@pytest.fixture(scope="module")
def aws(endpoint: str) -> dict[str, Any]:
    session = boto3.session.Session(
        aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal", region_name=REGION
    )
    return {
        service: session.client(service, endpoint_url=endpoint)
        for service in (
            "lambda",
            "apigateway",
            "events",
            "iam",
            "s3",
            "dynamodb",
            "cloudformation",
            "cloudwatch",
            "sts",
        )
    }


# --- what the app declares ------------------------------------------------------------------------


def _declared() -> dict[str, Any]:
    from chalice.app import ScheduledEventConfig, SQSEventConfig

    from app import app

    sqs = {e.name: (str(e.queue), e.batch_size) for e in app.event_sources if isinstance(e, SQSEventConfig)}
    schedules = {
        e.name: (e.schedule_expression if isinstance(e.schedule_expression, str) else e.schedule_expression.to_string())
        for e in app.event_sources
        if isinstance(e, ScheduledEventConfig)
    }
    routes = {path: sorted(methods) for path, methods in app.routes.items()}
    return {"sqs": sqs, "schedules": schedules, "routes": routes}


def _stage_settings(workspace: Workspace, stage: str, function: str) -> tuple[int, int, dict[str, str]]:
    config = json.loads((workspace.path / ".chalice" / "config.json").read_text())
    section = config["stages"][stage]
    own = section.get("lambda_functions", {}).get(function, {})
    timeout = own.get("lambda_timeout", section.get("lambda_timeout", config.get("lambda_timeout", 60)))
    memory = own.get("lambda_memory_size", section.get("lambda_memory_size", config.get("lambda_memory_size", 128)))
    return int(timeout), int(memory), dict(section["environment_variables"])


def _function_name(stage: str, handler: str) -> str:
    return f"mentiondesk-{stage}" if handler == "api_handler" else f"mentiondesk-{stage}-{handler}"


def inventory(aws: dict[str, Any], workspace: Workspace, stage: str) -> dict[str, Any]:
    """What exists for the stage, checked against the app's declarations; returns the identities
    (code hashes, ids, UUIDs) so a second deploy can be compared with the first."""
    from infra.policy import policy
    from infra.template import FUNCTIONS

    declared = _declared()
    account = aws["sts"].get_caller_identity()["Account"]
    prefix = f"mentiondesk-{stage}"
    functions = {
        f["FunctionName"]: f
        for page in aws["lambda"].get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"] == prefix or f["FunctionName"].startswith(prefix + "-")
    }
    assert sorted(functions) == sorted(_function_name(stage, h) for h in FUNCTIONS)
    layers = {tuple(layer["Arn"] for layer in f.get("Layers", [])) for f in functions.values()}
    assert len(layers) == 1, layers
    (layer_arns,) = layers
    assert len(layer_arns) == 1 and f":layer:{prefix}-managed-layer:" in layer_arns[0], layer_arns
    expected_policy = policy(stage, region=REGION, account=account)
    for handler in FUNCTIONS:
        function = functions[_function_name(stage, handler)]
        timeout, memory, environment = _stage_settings(workspace, stage, handler)
        assert (function["Timeout"], function["MemorySize"]) == (timeout, memory), handler
        assert function["Environment"]["Variables"] == environment, handler
        assert function["Runtime"] == "python3.11"
        role = function["Role"].rsplit("/", 1)[1]
        (policy_name,) = aws["iam"].list_role_policies(RoleName=role)["PolicyNames"]
        document = aws["iam"].get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        assert document == expected_policy, handler

    mappings = {
        (m["FunctionArn"].rsplit(":", 1)[1], m["EventSourceArn"].rsplit(":", 1)[1]): m
        for m in aws["lambda"].list_event_source_mappings()["EventSourceMappings"]
        if m["FunctionArn"].rsplit(":", 1)[1].startswith(prefix + "-")
    }
    wanted = {  # the app was imported here with the test stage's queue names
        (_function_name(stage, handler), queue.replace(f"mentiondesk-{TEST_STAGE}-", f"{prefix}-")): batch
        for handler, (queue, batch) in declared["sqs"].items()
    }
    assert {key: m["BatchSize"] for key, m in mappings.items()} == wanted

    rules = {}
    for handler, expression in declared["schedules"].items():
        rule = aws["events"].describe_rule(Name=f"{_function_name(stage, handler)}-event")
        assert rule["ScheduleExpression"] == expression, handler
        targets = aws["events"].list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert [t["Arn"].rsplit(":", 1)[1] for t in targets] == [_function_name(stage, handler)], handler
        rules[handler] = rule["Arn"]

    apis = [a for a in aws["apigateway"].get_rest_apis()["items"] if a["name"] == "mentiondesk"]
    state = json.loads((workspace.path / ".chalice" / "deployed" / f"{stage}.json").read_text())
    (api_id,) = [r["rest_api_id"] for r in state["resources"] if r["resource_type"] == "rest_api"]
    assert api_id in {a["id"] for a in apis}
    resources = aws["apigateway"].get_resources(restApiId=api_id, limit=500)["items"]
    served = {r["path"]: sorted(r.get("resourceMethods", {})) for r in resources if r.get("resourceMethods")}
    assert served == declared["routes"]
    handler_arn = functions[prefix]["FunctionArn"]
    for resource in resources:
        for method in resource.get("resourceMethods", {}):
            integration = aws["apigateway"].get_integration(
                restApiId=api_id, resourceId=resource["id"], httpMethod=method
            )
            # Chalice's Swagger says `aws_proxy`; API Gateway reports it upper-cased, moto as imported
            assert integration["type"].upper() == "AWS_PROXY", (resource["path"], method)
            assert handler_arn in integration["uri"], (resource["path"], method)

    alarms = {a["AlarmName"] for a in aws["cloudwatch"].describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]}
    assert len(alarms) >= 2 * len(FUNCTIONS)  # errors and throttles per function, and the queues'
    return {
        "code": {name: f["CodeSha256"] for name, f in functions.items()},
        "roles": sorted(f["Role"] for f in functions.values()),
        "api": api_id,
        "mappings": sorted(m["UUID"] for m in mappings.values()),
        "rules": rules,
    }


def _rest_apis(aws: dict[str, Any]) -> int:
    """Chalice names every stage's REST API after the app: one per deployed stage, never a second."""
    return len([a for a in aws["apigateway"].get_rest_apis()["items"] if a["name"] == "mentiondesk"])


def _same(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Nothing but the managed layer's version changed (Chalice republishes it on every deploy)."""
    assert after == before


def _forget_mappings(aws: dict[str, Any], workspace: Workspace, stage: str) -> None:
    """What an interrupted `chalice deploy` leaves: mappings created, the state not written."""
    from infra.deploy import state_key

    bucket = next(
        b["Name"] for b in aws["s3"].list_buckets()["Buckets"] if b["Name"].startswith(f"mentiondesk-{stage}-")
    )
    state = json.loads(aws["s3"].get_object(Bucket=bucket, Key=state_key(stage))["Body"].read())
    state["resources"] = [r for r in state["resources"] if r["resource_type"] != "sqs_event"]
    aws["s3"].put_object(Bucket=bucket, Key=state_key(stage), Body=json.dumps(state).encode())
    shutil.rmtree(workspace.path / ".chalice" / "deployed")


def _stage_tables(aws: dict[str, Any], stage: str) -> list[str]:
    return [t for t in aws["dynamodb"].list_tables()["TableNames"] if t.startswith(f"mentiondesk-{stage}-")]


def test_the_documented_deploy_and_operator_commands(workspace: Workspace, aws: dict[str, Any]) -> None:
    started = time.monotonic()
    first: dict[str, dict[str, Any]] = {}
    for stage in STAGES:
        plan = workspace.run("python -m infra.deploy dev --dry-run", stage)
        assert plan.code == 0 and "chalice deploy --stage" in plan.out, plan.out
        secrets = workspace.run("python -m infra.deploy dev --list-secrets", stage)
        assert secrets.code == 0 and "aws ssm put-parameter" in secrets.out, secrets.out

        deployed = workspace.run("python -m infra.deploy dev", stage)
        assert deployed.code == 0, deployed.out[-4000:]
        first[stage] = inventory(aws, workspace, stage)
        print(
            f"{stage}: {len(first[stage]['code'])} functions, {len(first[stage]['mappings'])} SQS mappings,"
            f" {len(first[stage]['rules'])} schedules, REST API {first[stage]['api']}"
        )

        again = workspace.run("python -m infra.deploy dev", stage)
        assert again.code == 0, again.out[-4000:]
        assert "no changes" in again.line("no changes")
        _same(first[stage], inventory(aws, workspace, stage))

        bare = workspace.run("chalice deploy --stage dev", stage)
        assert bare.code == 0, bare.out[-4000:]
        _same(first[stage], inventory(aws, workspace, stage))

    # both stages stand side by side; each role reads only its own stage's secrets and topics
    for stage, other in (("dev", "prod"), ("prod", "dev")):
        role = f"mentiondesk-{stage}-sweep"
        (name,) = aws["iam"].list_role_policies(RoleName=role)["PolicyNames"]
        document = json.dumps(aws["iam"].get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
        assert f"mentiondesk/{other}/" not in document and f"mentiondesk-{other}-" not in document
        assert f":{REGION}:" in document and ":*:" not in document

    assert _rest_apis(aws) == len(STAGES)

    # a deploy interrupted after creating its SQS mappings, re-run from a fresh clone
    for stage in STAGES:
        _forget_mappings(aws, workspace, stage)
        rerun = workspace.run("python -m infra.deploy dev", stage)
        assert rerun.code == 0, rerun.out[-4000:]
        assert "adopting SQS mapping" in rerun.line("adopting SQS mapping")
        _same(first[stage], inventory(aws, workspace, stage))
    assert _rest_apis(aws) == len(STAGES)

    for stage in STAGES:
        kept = workspace.run("python -m infra.deploy dev --teardown --confirm dev", stage)
        assert kept.code == 0, kept.out[-4000:]
        assert len(_stage_tables(aws, stage)) == len(TABLES)  # the data stays
        refused = workspace.run("python -m infra.deploy dev", stage)
        assert refused.code == 2
        assert refused.line("^error: ").count("\n") == 0 and "--delete-data" in refused.out
        gone = workspace.run("python -m infra.deploy dev --teardown --confirm dev --delete-data", stage)
        assert gone.code == 0, gone.out[-4000:]
        assert _stage_tables(aws, stage) == []
        assert not [b for b in aws["s3"].list_buckets()["Buckets"] if b["Name"].startswith(f"mentiondesk-{stage}-")]
        stacks = aws["cloudformation"].list_stacks()["StackSummaries"]
        assert [
            s for s in stacks if s["StackName"] == f"mentiondesk-{stage}" and s["StackStatus"] != "DELETE_COMPLETE"
        ] == []
    functions = [f["FunctionName"] for f in aws["lambda"].list_functions()["Functions"]]
    assert functions == []
    assert aws["lambda"].list_event_source_mappings()["EventSourceMappings"] == []
    print(f"rehearsal wall time: {time.monotonic() - started:.0f} s")


def test_missing_region_is_one_line(workspace: Workspace) -> None:
    env = {k: v for k, v in workspace.env.items() if k not in {"AWS_DEFAULT_REGION", "AWS_REGION"}}
    result = subprocess.run(
        [sys.executable, "-m", "infra.deploy", "dev"],
        cwd=workspace.path,
        env={**env, "AWS_CONFIG_FILE": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "AWS_DEFAULT_REGION" in result.stderr
