"""Cached AWS clients (house rule 8: no module-level clients).

boto3 reads `AWS_ENDPOINT_URL` itself, which is how the local stack and the tests point every
call at moto's server over HTTP; nothing here knows about it. Timeouts are short because every
caller is either a webhook that must answer fast or a queue worker that is retried anyway.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBServiceResource
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient

_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


@cache
def dynamodb() -> DynamoDBServiceResource:
    return _session().resource("dynamodb", config=_CONFIG)


@cache
def sqs() -> SQSClient:
    return _session().client("sqs", config=_CONFIG)


@cache
def ssm() -> SSMClient:
    return _session().client("ssm", config=_CONFIG)


@cache
def secretsmanager() -> SecretsManagerClient:
    return _session().client("secretsmanager", config=_CONFIG)


@cache
def sns() -> SNSClient:
    return _session().client("sns", config=_CONFIG)


@cache
def s3() -> Any:  # no S3 stubs in the dev environment (boto3-stubs has dynamodb, sqs, ssm, secretsmanager, sns)
    return _session().client("s3", config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch endpoints between sessions)."""
    for getter in (_session, dynamodb, sqs, ssm, secretsmanager, sns, s3):
        getter.cache_clear()
