"""Least-privilege IAM policy for a stage's functions, from the resource definition.

    python -m infra.policy dev > .chalice/policy-dev.json

Only the actions the code calls, only on this stage's tables, indexes, queues and secrets.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from infra.resources import QUEUES, TABLES, name

PARTITION_REGION_ACCOUNT = "arn:aws:{service}:*:*:"

DYNAMODB_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
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


def _arn(service: str, resource: str) -> str:
    return PARTITION_REGION_ACCOUNT.format(service=service) + resource


def policy(stage: str) -> dict[str, Any]:
    tables = [_arn("dynamodb", f"table/{name(stage, t.suffix)}") for t in TABLES]
    queues = [_arn("sqs", name(stage, q.suffix + suffix)) for q in QUEUES for suffix in ("", "-dlq")]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Tables",
                "Effect": "Allow",
                "Action": DYNAMODB_ACTIONS,
                "Resource": tables + [f"{t}/index/*" for t in tables],
            },
            {"Sid": "Queues", "Effect": "Allow", "Action": SQS_ACTIONS, "Resource": queues},
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
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [_arn("logs", "log-group:/aws/lambda/mentiondesk-*")],
            },
        ],
    }


if __name__ == "__main__":
    print(json.dumps(policy(sys.argv[1] if len(sys.argv) > 1 else "dev"), indent=2))
