"""The IAM policy grants exactly the AWS calls the code makes: found statically, by AST, in functions/.

Every AWS client comes from `functions.runtime.aws` (`aws.dynamodb()`, `aws.sqs()`, ...). The scan
follows the patterns the code uses: `aws.<service>().<operation>(...)`, `aws.dynamodb().Table(...)`
used directly, bound to a name, or returned by a helper (`_table()` in functions/stores/*.py), and
operations referenced without a call (`_conditional(_table().update_item, ...)`). A client or table
used any other way (passed along, `.meta.client`, a direct boto3 client) fails the scan, so an AWS
call cannot hide from this test. The policy must grant those actions, plus what Lambda's SQS event
source mapping needs and the log actions, and nothing else.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from infra.policy import brand_slugs, policy
from tests.conftest import ROOT

FUNCTIONS = ROOT / "functions"
SERVICES = {"dynamodb", "sqs", "ssm", "secretsmanager", "sns", "s3"}

# (service, operation) → IAM action. An operation missing here fails the test: add it with its action.
ACTIONS = {
    ("dynamodb", "get_item"): "dynamodb:GetItem",
    ("dynamodb", "put_item"): "dynamodb:PutItem",
    ("dynamodb", "update_item"): "dynamodb:UpdateItem",
    ("dynamodb", "delete_item"): "dynamodb:DeleteItem",
    ("dynamodb", "query"): "dynamodb:Query",
    ("dynamodb", "scan"): "dynamodb:Scan",
    ("dynamodb", "batch_get_item"): "dynamodb:BatchGetItem",
    ("dynamodb", "batch_write_item"): "dynamodb:BatchWriteItem",
    ("dynamodb", "batch_writer"): "dynamodb:BatchWriteItem",
    ("dynamodb", "transact_write_items"): "dynamodb:TransactWriteItems",
    ("sqs", "get_queue_url"): "sqs:GetQueueUrl",
    ("sqs", "send_message"): "sqs:SendMessage",
    ("sqs", "send_message_batch"): "sqs:SendMessage",
    ("sqs", "receive_message"): "sqs:ReceiveMessage",
    ("sqs", "delete_message"): "sqs:DeleteMessage",
    ("sqs", "delete_message_batch"): "sqs:DeleteMessage",
    ("sqs", "change_message_visibility"): "sqs:ChangeMessageVisibility",
    ("sqs", "change_message_visibility_batch"): "sqs:ChangeMessageVisibility",
    ("sqs", "get_queue_attributes"): "sqs:GetQueueAttributes",
    ("ssm", "get_parameter"): "ssm:GetParameter",
    ("ssm", "get_parameters"): "ssm:GetParameters",
    ("ssm", "get_parameters_by_path"): "ssm:GetParametersByPath",
    ("secretsmanager", "get_secret_value"): "secretsmanager:GetSecretValue",
    ("sns", "publish"): "sns:Publish",
    ("s3", "get_object"): "s3:GetObject",
    ("s3", "put_object"): "s3:PutObject",
}
NOT_CALLS = {"exceptions"}  # `aws.sqs().exceptions.QueueDoesNotExist`: no request
# Lambda polls the queue for the function (event source mapping, with the function's role).
EVENT_SOURCE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
LOGS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
ALLOWED_BOTO_IMPORTS = {"boto3.dynamodb.conditions", "botocore.exceptions", "botocore.config"}


@dataclass
class Scan:
    calls: set[tuple[str, str]] = field(default_factory=set)  # (service, operation)
    where: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _service_call(node: ast.AST) -> str | None:
    """`aws.<service>()` → service."""
    if (
        isinstance(node, ast.Call)
        and not node.args
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "aws"
        and node.func.attr in SERVICES
    ):
        return node.func.attr
    return None


def _is_table_call(node: ast.AST) -> bool:
    """`aws.dynamodb().Table(...)`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "Table"
        and _service_call(node.func.value) == "dynamodb"
    )


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}


def scan_module(path: Path, scan: Scan) -> None:  # noqa: PLR0912 (one walk per pattern)
    tree = ast.parse(path.read_text(), str(path))
    where = path.relative_to(ROOT).as_posix()
    parents = _parents(tree)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in {"boto3", "botocore"} and alias.name not in ALLOWED_BOTO_IMPORTS:
                    scan.problems.append(
                        f"{where}:{node.lineno}: `import {alias.name}` (clients come from runtime.aws)"
                    )
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] in {"boto3", "botocore"}
            and node.module not in ALLOWED_BOTO_IMPORTS
        ):
            scan.problems.append(f"{where}:{node.lineno}: `from {node.module} import` (use runtime.aws)")

    # Helpers that return a table: `def _table(): return aws.dynamodb().Table(...)`.
    helpers = {
        fn.name
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef)
        and any(isinstance(r, ast.Return) and r.value is not None and _is_table_call(r.value) for r in ast.walk(fn))
    }

    def is_table(node: ast.AST) -> bool:
        return _is_table_call(node) or (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers
        )

    def record(service: str, operation: str, node: ast.AST) -> None:
        if operation in NOT_CALLS:
            return
        scan.calls.add((service, operation))
        scan.where.setdefault((service, operation), []).append(f"{where}:{getattr(node, 'lineno', '?')}")

    def used_as_attribute_base(node: ast.AST) -> str | None:
        parent = parents.get(node)
        return parent.attr if isinstance(parent, ast.Attribute) and parent.value is node else None

    for node in ast.walk(tree):
        service = _service_call(node)
        if service is not None:
            attribute = used_as_attribute_base(node)
            if attribute is None:
                scan.problems.append(
                    f"{where}:{getattr(node, 'lineno', '?')}: aws.{service}() used other than `.operation`"
                )
            elif not (service == "dynamodb" and attribute == "Table"):
                record(service, attribute, node)
            continue
        if is_table(node):
            attribute = used_as_attribute_base(node)
            parent = parents.get(node)
            if attribute is not None:
                record("dynamodb", attribute, node)
            elif not (isinstance(parent, ast.Assign | ast.Return)):
                scan.problems.append(f"{where}:{getattr(node, 'lineno', '?')}: a table used other than `.operation`")

    # Names bound to a table inside a function: `table = aws.dynamodb().Table(...)`; `table.put_item(...)`.
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        bound = {
            target.id
            for node in ast.walk(scope)
            if isinstance(node, ast.Assign) and is_table(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and node.id in bound and isinstance(node.ctx, ast.Load):
                attribute = used_as_attribute_base(node)
                if attribute is None:
                    scan.problems.append(f"{where}:{node.lineno}: table `{node.id}` used other than `.operation`")
                else:
                    record("dynamodb", attribute, node)


# Operator commands run with the operator's credentials, never in a Lambda: not the functions' policy.
OPERATOR_ONLY = {FUNCTIONS / "cli.py", FUNCTIONS / "stores" / "admin.py"}


def _modules() -> Iterator[Path]:
    for path in sorted(FUNCTIONS.rglob("*.py")):
        if path != FUNCTIONS / "runtime" / "aws.py" and path not in OPERATOR_ONLY:
            yield path


@pytest.fixture(scope="module")
def scan() -> Scan:
    found = Scan()
    for path in _modules():
        scan_module(path, found)
    return found


def _granted(stage: str) -> set[str]:
    document = json.loads((ROOT / ".chalice" / f"policy-{stage}.json").read_text())
    assert document == policy(stage), "regenerate: python -m infra.policy <stage> > .chalice/policy-<stage>.json"
    return {action for statement in document["Statement"] for action in statement["Action"]}


def test_the_scan_sees_every_aws_call(scan: Scan) -> None:
    assert scan.problems == []
    unknown = sorted(call for call in scan.calls if call not in ACTIONS)
    assert unknown == [], f"map these operations to IAM actions in ACTIONS: {unknown}"
    # The scan is not vacuous: the calls every pipeline stage makes are found where they are.
    assert {
        ("dynamodb", "put_item"),
        ("dynamodb", "update_item"),
        ("dynamodb", "query"),
        ("dynamodb", "batch_get_item"),
        ("sqs", "send_message_batch"),
        ("sqs", "change_message_visibility"),
        ("ssm", "get_parameter"),
        ("secretsmanager", "get_secret_value"),
        ("sns", "publish"),
    } <= scan.calls
    assert any(w.startswith("functions/stores/counters.py") for w in scan.where[("dynamodb", "batch_get_item")])


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_policy_grants_exactly_the_calls_made(scan: Scan, stage: str) -> None:
    needed = {ACTIONS[call] for call in scan.calls} | EVENT_SOURCE | LOGS
    granted = _granted(stage)
    assert sorted(granted - needed) == [], "granted but never called"
    assert sorted(needed - granted) == [], "called but not granted"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_wildcard_actions_or_resources(stage: str) -> None:
    for statement in policy(stage)["Statement"]:
        assert statement["Effect"] == "Allow"
        assert not any("*" in action for action in statement["Action"]), statement
        for resource in statement["Resource"]:
            assert resource != "*", statement
            service, resource_part = resource.split(":")[2], resource.split(":", 5)[5]
            assert resource_part.strip("*/:") != "", statement
            if service in {"dynamodb", "sqs", "logs"}:
                assert f"mentiondesk-{stage}" in resource, f"{resource} is not limited to stage {stage}"
            elif service == "sns":  # on-call topics: this stage's only
                assert f":mentiondesk-{stage}-" in resource, resource
            elif service == "s3":  # the models in this stage's artifacts bucket, not its deploy state
                assert resource.startswith(f"arn:aws:s3:::mentiondesk-{stage}-artifacts-"), resource
                assert resource.endswith("/models/*"), resource
            else:  # parameters and secrets: this stage's path, or a shipped brand's
                owner = resource_part.split("mentiondesk/", 1)[1].split("/", 1)[0]
                assert owner == stage or owner in brand_slugs(), resource


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_dead_letter_queues_are_read_and_take_permanent_failures_only(stage: str) -> None:
    """Depth for `GET /health`, SendMessage for a job that failed for good; never receive or delete."""
    for statement in policy(stage)["Statement"]:
        if any(resource.endswith("-dlq") for resource in statement["Resource"]):
            assert all(resource.endswith("-dlq") for resource in statement["Resource"])
            assert set(statement["Action"]) == {"sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SendMessage"}
