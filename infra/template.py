"""CloudFormation for what Chalice does not create, for one stage.

    python -m infra.template dev > /tmp/mentiondesk-dev.json     (infra/deploy.py does this for you)

- the tables (on demand, point-in-time recovery, TTL where `infra/resources.py` names an attribute)
  and the queues with their DLQs and redrive policies, from `infra/resources.py`, the definition the
  local stack uses too;
- an artifacts bucket that keeps Chalice's deployment state (`.chalice/deployed/<stage>.json`) for
  every operator: `infra/deploy.py` fetches it before `chalice deploy` and stores it after, so a deploy
  from a fresh clone updates the stage's REST API and SQS mappings instead of creating second ones
  (the dependencies travel in Chalice's own managed layer, built from requirements.txt);
- alarms to the SNS topic `mentiondesk-<stage>-alarms`: anything in a DLQ, a queue's oldest message
  too old, Lambda errors and throttles per function;
- a CloudWatch dashboard: queue and DLQ depths, message age, function errors/throttles and the
  service's own EMF metrics (namespace `mentiondesk`);
- an output for every table, queue, DLQ, the topic and the bucket.

Secrets are not here: CloudFormation cannot create SecureString parameters, so they are put with
`aws ssm put-parameter --type SecureString` (`python -m infra.deploy <stage> --list-secrets`).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from functions import connectors
from infra.resources import ARTIFACTS_ENV, DLQ_RETENTION_SECONDS, QUEUES, TABLES, Queue, Table, name, table_definition

APP = "mentiondesk"
# Chalice's Lambda functions (`lambda_functions` in .chalice/config.json). Chalice names the REST API
# handler `<app>-<stage>` and every other function `<app>-<stage>-<name>`;
# tests/integration/test_deploy_artifacts.py checks this list against `chalice package`.
# Every poll source gets its own scheduled function (functions/jobs/polls.py), named after it.
FUNCTIONS = (
    "api_handler",
    "ingest_mentions",
    "open_tickets",
    "sweep",
    "digest",
    "gaps",
    "channel_snapshots",
    "train_models",
    "send_replies",
    "reply_sweep",
    *(f"poll_{source}" for source in connectors.poll_sources()),
)  # checked against chalice package
# The EMF metrics on the dashboard (functions/runtime/log.py, namespace `mentiondesk`).
SERVICE_METRICS = (
    "MentionsReceived",
    "WebhooksRejected",
    "ComplaintsDetected",
    "TicketsOpened",
    "EscalationsRaised",
    "PollErrors",
    "WebhookGaps",
    "ChannelAlerts",
    "SnapshotErrors",
    "RepliesPosted",
    "RepliesRefused",
)
PERIOD = 300  # seconds; SQS reports every 5 minutes, so shorter alarm periods see no data


def function_name(stage: str, function: str) -> str:
    return f"{APP}-{stage}" if function == "api_handler" else f"{APP}-{stage}-{function}"


def age_alarm_seconds(queue: Queue) -> int:
    """A message older than three visibility timeouts has failed at least twice or waits on a backlog."""
    return 3 * queue.visibility_timeout


def _logical(suffix: str, kind: str) -> str:
    return "".join(part.capitalize() for part in suffix.replace("_", "-").split("-")) + kind


def _table(stage: str, table: Table) -> dict[str, Any]:
    props = table_definition(stage, table)
    props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    if table.ttl_attribute:
        props["TimeToLiveSpecification"] = {"AttributeName": table.ttl_attribute, "Enabled": True}
    props["Tags"] = _tags(stage)
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": props,
    }


def _tags(stage: str) -> list[dict[str, str]]:
    return [{"Key": "project", "Value": APP}, {"Key": "stage", "Value": stage}]


def _queues(stage: str, queue: Queue) -> dict[str, Any]:
    dlq = _logical(queue.suffix, "DeadLetterQueue")
    return {
        dlq: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": name(stage, f"{queue.suffix}-dlq"),
                "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
                "SqsManagedSseEnabled": True,
                "Tags": _tags(stage),
            },
        },
        _logical(queue.suffix, "Queue"): {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": name(stage, queue.suffix),
                "VisibilityTimeout": queue.visibility_timeout,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]},
                    "maxReceiveCount": queue.max_receive_count,
                },
                "Tags": _tags(stage),
            },
        },
    }


def _alarm(
    alarm_name: str,
    description: str,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    *,
    statistic: str,
    threshold: float,
    evaluation_periods: int = 1,
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": alarm_name,
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Statistic": statistic,
            "Period": PERIOD,
            "EvaluationPeriods": evaluation_periods,
            "DatapointsToAlarm": evaluation_periods,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
        },
    }


def alarms(stage: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for queue in QUEUES:
        dlq = name(stage, f"{queue.suffix}-dlq")
        found[_logical(queue.suffix, "DeadLetterAlarm")] = _alarm(
            f"{dlq}-not-empty",
            f"Messages in {dlq}: jobs failed {queue.max_receive_count} times. Inspect, fix, then "
            f"`python -m functions.cli redrive {queue.suffix}`.",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": dlq},
            statistic="Maximum",
            threshold=0,
        )
        main = name(stage, queue.suffix)
        found[_logical(queue.suffix, "QueueAgeAlarm")] = _alarm(
            f"{main}-oldest-message-age",
            f"The oldest message in {main} is older than {age_alarm_seconds(queue)} s: its consumer is failing "
            "or falling behind.",
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            {"QueueName": main},
            statistic="Maximum",
            threshold=age_alarm_seconds(queue),
        )
    for function in FUNCTIONS:
        fn = function_name(stage, function)
        found[_logical(function, "ErrorsAlarm")] = _alarm(
            f"{fn}-errors",
            f"{fn} failed invocations in three consecutive 5-minute periods (a single failed batch is retried "
            "by its queue and is not alarming).",
            "AWS/Lambda",
            "Errors",
            {"FunctionName": fn},
            statistic="Sum",
            threshold=0,
            evaluation_periods=3,
        )
        found[_logical(function, "ThrottlesAlarm")] = _alarm(
            f"{fn}-throttles",
            f"{fn} was throttled (account or reserved concurrency exhausted).",
            "AWS/Lambda",
            "Throttles",
            {"FunctionName": fn},
            statistic="Sum",
            threshold=0,
        )
    return found


def _widget(title: str, metrics: list[list[Any]], *, x: int, y: int, stat: str) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "metrics": metrics,
            "stat": stat,
            "period": PERIOD,
            "view": "timeSeries",
        },
    }


def dashboard_body(stage: str) -> dict[str, Any]:
    """The dashboard's JSON; `${AWS::Region}` is substituted by CloudFormation (Fn::Sub)."""
    queues = [name(stage, q.suffix) for q in QUEUES]
    dlqs = [name(stage, f"{q.suffix}-dlq") for q in QUEUES]
    functions = [function_name(stage, f) for f in FUNCTIONS]
    service = [
        [{"expression": f"SEARCH('{{{APP}}} MetricName=\"{metric}\"', 'Sum', {PERIOD})", "id": f"m{i}"}]
        for i, metric in enumerate(SERVICE_METRICS)
    ]
    widgets = [
        _widget(
            "Queue depth",
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] for q in queues],
            x=0,
            y=0,
            stat="Maximum",
        ),
        _widget(
            "DLQ depth (alarm above 0)",
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] for q in dlqs],
            x=12,
            y=0,
            stat="Maximum",
        ),
        _widget(
            "Oldest message age (s)",
            [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q] for q in queues],
            x=0,
            y=6,
            stat="Maximum",
        ),
        _widget(
            "Function errors and throttles",
            [["AWS/Lambda", m, "FunctionName", f] for f in functions for m in ("Errors", "Throttles")],
            x=12,
            y=6,
            stat="Sum",
        ),
        _widget("Service metrics (EMF, namespace mentiondesk, all dimensions)", service, x=0, y=12, stat="Sum"),
        _widget(
            "Function duration p99 (ms)",
            [["AWS/Lambda", "Duration", "FunctionName", f] for f in functions],
            x=12,
            y=12,
            stat="p99",
        ),
    ]
    return {"widgets": widgets}


def _artifacts(stage: str) -> dict[str, Any]:
    return {
        "ArtifactsBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": {"Fn::Sub": f"{APP}-{stage}-artifacts-${{AWS::AccountId}}-${{AWS::Region}}"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "Tags": _tags(stage),
            },
        },
    }


def outputs() -> dict[str, Any]:
    """Output key → value; `infra/deploy.py` maps them back to the functions' environment."""
    found: dict[str, Any] = {}
    for table in TABLES:
        logical = _logical(table.suffix, "Table")
        found[f"{logical}Name"] = {"Description": table.env, "Value": {"Ref": logical}}
    for queue in QUEUES:
        for kind, description in (("Queue", queue.env), ("DeadLetterQueue", f"{queue.env} dead letters")):
            logical = _logical(queue.suffix, kind)
            found[f"{logical}Name"] = {"Description": description, "Value": {"Fn::GetAtt": [logical, "QueueName"]}}
    found["AlarmTopicArn"] = {"Description": "alarm notifications", "Value": {"Ref": "AlarmTopic"}}
    found["ArtifactsBucketName"] = {
        "Description": "deploy state (Chalice's deployed values) and the brands' models (models/<brand>/)",
        "Value": {"Ref": "ArtifactsBucket"},
    }
    return found


def output_environment() -> dict[str, str]:
    """Output key → the environment variable that carries that name to the functions."""
    found = {f"{_logical(t.suffix, 'Table')}Name": t.env for t in TABLES}
    found.update({f"{_logical(q.suffix, 'Queue')}Name": q.env for q in QUEUES})
    found["ArtifactsBucketName"] = ARTIFACTS_ENV
    return found


def template(stage: str) -> dict[str, Any]:
    resources: dict[str, Any] = {_logical(t.suffix, "Table"): _table(stage, t) for t in TABLES}
    for queue in QUEUES:
        resources.update(_queues(stage, queue))
    resources["AlarmTopic"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {
            "TopicName": f"{APP}-{stage}-alarms",
            "DisplayName": f"{APP} {stage} alarms",
            "Tags": _tags(stage),
        },
    }
    resources.update(alarms(stage))
    resources["Dashboard"] = {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": f"{APP}-{stage}",
            "DashboardBody": {"Fn::Sub": json.dumps(dashboard_body(stage), separators=(",", ":"))},
        },
    }
    resources.update(_artifacts(stage))
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{APP} {stage}: tables, queues, alarms, dashboard, deploy state bucket (infra/template.py)",
        "Resources": resources,
        "Outputs": outputs(),
    }


if __name__ == "__main__":
    print(json.dumps(template(sys.argv[1] if len(sys.argv) > 1 else "dev"), indent=2))
