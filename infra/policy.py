"""Least-privilege IAM policy for a stage's functions, from the resource definition.

    python -m infra.policy dev > .chalice/policy-dev.json                      (committed: any account)
    python -m infra.policy dev --region eu-west-1 --account 123456789012       (what a deploy writes)

Only the actions the code calls (tests/unit/test_policy_coverage.py finds them in functions/ and
compares), plus what Lambda's SQS event source mapping needs (ReceiveMessage, DeleteMessage,
GetQueueAttributes on the consumed queues) and the functions' own log groups; only on this stage's
tables, indexes, queues and log groups; S3: read and write the brands' models (`models/*`) in this
stage's artifacts bucket only (not Chalice's deploy state beside them). Secrets: the stage's own
(`/mentiondesk/<stage>/*`, the read key) and those of the brands in the shipped brand file
(`/mentiondesk/<brand>/*`), so dev cannot read prod's read key; on-call topics:
`mentiondesk-<stage>-*` only, so dev cannot page prod's on-call.
The committed files name any region and account (`*`, so `chalice package` works offline);
`python -m infra.deploy` writes the deployment's own region and account before `chalice deploy`.

The DLQs get what `GET /health` reads (their depth) and SendMessage, with which a worker moves a job
that failed for good (a configuration error) there at once; redrive (`python -m functions.cli
redrive`) runs with the operator's credentials, not the functions' role.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.resources import MODELS_PREFIX, QUEUES, TABLES, name

BRANDS = Path(__file__).resolve().parents[1] / "functions" / "config" / "brands.json"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")

DYNAMODB_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
]
SQS_ACTIONS = [
    "sqs:GetQueueUrl",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
]
DLQ_ACTIONS = ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SendMessage"]
MODEL_ACTIONS = ["s3:GetObject", "s3:PutObject"]  # the brands' models under models/ in the artifacts bucket
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def brand_slugs(path: Path = BRANDS) -> list[str]:
    """The brands the stage ships, whose secrets its functions may read."""
    slugs = [str(brand.get("slug")) for brand in json.loads(path.read_text()).get("brands", [])]
    bad = [slug for slug in slugs if not SLUG.fullmatch(slug)]
    if bad:
        raise ValueError(f"brand slugs must be lowercase letters, digits and dashes: {bad}")
    return slugs


def policy(stage: str, *, region: str = "*", account: str = "*", brands: Sequence[str] | None = None) -> dict[str, Any]:
    """`brands`: slugs whose secrets are readable (default: the shipped brand file's)."""
    slugs = brand_slugs() if brands is None else list(brands)
    if stage in slugs:
        raise ValueError(f"a brand may not be named like the stage {stage!r}: their secrets would share a path")

    def _arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{region}:{account}:{resource}"

    owners = [stage, *slugs]
    tables = [_arn("dynamodb", f"table/{name(stage, t.suffix)}") for t in TABLES]
    indexes = [_arn("dynamodb", f"table/{name(stage, t.suffix)}/index/*") for t in TABLES if t.indexes]
    queues = [_arn("sqs", name(stage, q.suffix)) for q in QUEUES]
    dlqs = [_arn("sqs", name(stage, f"{q.suffix}-dlq")) for q in QUEUES]
    # Chalice names the API handler `mentiondesk-<stage>`, the other functions `mentiondesk-<stage>-<name>`.
    groups = [f"log-group:/aws/lambda/mentiondesk-{stage}{suffix}" for suffix in ("", ":*", "-*")]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Tables",
                "Effect": "Allow",
                "Action": DYNAMODB_ACTIONS,
                "Resource": tables + indexes,
            },
            {"Sid": "Queues", "Effect": "Allow", "Action": SQS_ACTIONS, "Resource": queues},
            {"Sid": "DeadLetters", "Effect": "Allow", "Action": DLQ_ACTIONS, "Resource": dlqs},
            {
                "Sid": "Parameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": [_arn("ssm", f"parameter/mentiondesk/{owner}/*") for owner in owners],
            },
            {
                "Sid": "Secrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [_arn("secretsmanager", f"secret:mentiondesk/{owner}/*") for owner in owners],
            },
            {
                "Sid": "OnCallTopics",
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": [_arn("sns", f"mentiondesk-{stage}-*")],
            },
            {
                "Sid": "Models",
                "Effect": "Allow",
                "Action": MODEL_ACTIONS,
                "Resource": [f"arn:aws:s3:::mentiondesk-{stage}-artifacts-{account}-{region}/{MODELS_PREFIX}*"],
            },
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": LOG_ACTIONS,
                "Resource": [_arn("logs", group) for group in groups],
            },
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.policy", description=__doc__)
    parser.add_argument("stage", nargs="?", default="dev")
    parser.add_argument("--region", default="*")
    parser.add_argument("--account", default="*")
    args = parser.parse_args(argv)
    print(json.dumps(policy(args.stage, region=args.region, account=args.account), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
