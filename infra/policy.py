"""Least-privilege IAM policy for a stage's functions, from the resource definition.

    python -m infra.policy dev > .chalice/policy-dev.json

Only the actions the code calls (tests/unit/test_policy_coverage.py finds them in functions/ and
compares), plus what Lambda's SQS event source mapping needs (ReceiveMessage, DeleteMessage,
GetQueueAttributes on the consumed queues) and the functions' own log groups; only on this stage's
tables, indexes, queues, log groups, and on the secrets and topics named `mentiondesk*`.

The DLQs get only what `GET /health` reads (their depth) and SendMessage, with which the workers park
a permanently failing record at once: redrive (`python -m functions.cli redrive`) runs with the
operator's credentials, not the functions' role.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from infra.resources import QUEUES, TABLES, name

PARTITION_REGION_ACCOUNT = "arn:aws:{service}:*:*:"

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
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def _arn(service: str, resource: str) -> str:
    return PARTITION_REGION_ACCOUNT.format(service=service) + resource


def policy(stage: str) -> dict[str, Any]:
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
            {"Sid": "DeadLetterDepth", "Effect": "Allow", "Action": DLQ_ACTIONS, "Resource": dlqs},
            {
                "Sid": "Parameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": [_arn("ssm", "parameter/mentiondesk/*")],
            },
            {
                "Sid": "Secrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [_arn("secretsmanager", "secret:mentiondesk/*")],
            },
            {
                "Sid": "OnCallTopics",
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": [_arn("sns", "mentiondesk-*")],
            },
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": LOG_ACTIONS,
                "Resource": [_arn("logs", group) for group in groups],
            },
        ],
    }


if __name__ == "__main__":
    print(json.dumps(policy(sys.argv[1] if len(sys.argv) > 1 else "dev"), indent=2))
