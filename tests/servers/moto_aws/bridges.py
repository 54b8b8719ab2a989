"""Where moto 5.2 lacks what real AWS does for our deploy, and the smallest patch that bridges it.

Product code is never bent to moto: each gap is named here, with what AWS does, and patched in the
moto server process that the deploy rehearsal (tests/deploy/) starts; the shared test server
(tests/conftest.py) takes only `atomic_dynamodb_writes`.
"""

from __future__ import annotations

import functools
import threading
from typing import Any


def _rest_api_imports_swagger_2() -> None:
    """API Gateway imports Swagger 2.0 (what `chalice deploy` sends), with or without
    `info.description`, and takes `x-amazon-apigateway-binary-media-types` as the API's binary types.
    moto imports OpenAPI 3 only, requires a description and ignores the extension."""
    from moto.apigateway.models import APIGatewayBackend

    original_import = APIGatewayBackend.import_rest_api
    original_put = APIGatewayBackend.put_rest_api

    def as_openapi_3(document: dict[str, Any]) -> dict[str, Any]:
        converted = {key: value for key, value in document.items() if key != "swagger"}
        converted["openapi"] = "3.0.1"
        converted["info"] = {"description": "", **document.get("info", {})}
        return converted

    def import_rest_api(self: Any, api_doc: dict[str, Any], fail_on_warnings: bool) -> Any:
        if "swagger" not in api_doc:
            return original_import(self, api_doc, fail_on_warnings)
        api = original_import(self, as_openapi_3(api_doc), False)
        api.binaryMediaTypes = list(api_doc.get("x-amazon-apigateway-binary-media-types", []))
        return api

    def put_rest_api(
        self: Any, function_id: str, api_doc: dict[str, Any], fail_on_warnings: bool, mode: str = "merge"
    ) -> Any:
        if "swagger" not in api_doc:
            return original_put(self, function_id, api_doc, fail_on_warnings, mode)
        api = original_put(self, function_id, as_openapi_3(api_doc), False, mode)
        api.binaryMediaTypes = list(api_doc.get("x-amazon-apigateway-binary-media-types", []))
        return api

    APIGatewayBackend.import_rest_api = import_rest_api  # type: ignore[method-assign]
    APIGatewayBackend.put_rest_api = put_rest_api  # type: ignore[method-assign]


def _cloudwatch_alarms_in_cloudformation() -> None:
    """CloudFormation creates `AWS::CloudWatch::Alarm` resources; moto skips the type (no model), so
    the stack completes with none of the alarms the template declares. A model that puts the alarm."""
    from moto.cloudformation.parsing import get_model_list, get_model_map, get_name_type_map
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.common_models import CloudFormationModel

    class AlarmResource(CloudFormationModel):
        def __init__(self, name: str) -> None:
            self.name = name

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
        ) -> AlarmResource:
            spec = cloudformation_json["Properties"]
            name = spec.get("AlarmName", resource_name)
            cloudwatch_backends[account_id][region_name].put_metric_alarm(
                name=name,
                namespace=spec["Namespace"],
                metric_name=spec["MetricName"],
                comparison_operator=spec["ComparisonOperator"],
                evaluation_periods=int(spec["EvaluationPeriods"]),
                period=int(spec["Period"]),
                threshold=float(spec["Threshold"]),
                statistic=spec["Statistic"],
                description=spec.get("AlarmDescription", ""),
                dimensions=list(spec.get("Dimensions", [])),
                alarm_actions=list(spec.get("AlarmActions", [])),
                ok_actions=list(spec.get("OKActions", [])),
                datapoints_to_alarm=spec.get("DatapointsToAlarm"),
                treat_missing_data=spec.get("TreatMissingData"),
            )
            return cls(name)

        @classmethod
        def update_from_cloudformation_json(
            cls,
            original_resource: Any,
            new_resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
        ) -> AlarmResource:
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
        ) -> None:
            name = cloudformation_json.get("Properties", {}).get("AlarmName", resource_name)
            cloudwatch_backends[account_id][region_name].delete_alarms([name])

    for cached in (get_model_list, get_model_map, get_name_type_map):
        cached.cache_clear()


def _one_mapping_per_queue_and_function() -> None:
    """Lambda refuses a second event source mapping of one SQS queue to one function
    (ResourceConflictException); moto creates it, so an interrupted `chalice deploy` re-run would
    double the consumers here where AWS fails the deploy."""
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.models import LambdaBackend

    original = LambdaBackend.create_event_source_mapping

    def create(self: Any, spec: dict[str, Any]) -> Any:
        function = self.get_function(spec["FunctionName"]).function_arn
        for mapping in self._event_source_mappings.values():
            if mapping.event_source_arn == spec["EventSourceArn"] and mapping.function_arn == function:
                raise LambdaClientError(
                    "ResourceConflictException",
                    f'An event source mapping with SQS arn (" {spec["EventSourceArn"]} ") and function'
                    f' (" {spec["FunctionName"]} ") already exists. Please update or delete the existing'
                    f" mapping with UUID {mapping.uuid}",
                )
        return original(self, spec)

    LambdaBackend.create_event_source_mapping = create  # type: ignore[method-assign]


def _layer_version_by_arn() -> None:
    """Lambda's GetLayerVersionByArn (`GET /2018-10-31/layers?find=LayerVersion&Arn=...`), which
    `chalice deploy` calls to see whether its managed layer still exists; moto has no such action."""
    import json

    from moto.awslambda.exceptions import UnknownLayerVersionException
    from moto.awslambda.responses import LambdaResponse

    def get_layer_version_by_arn(self: Any) -> str:
        arn = self._get_param("Arn")
        layer_version = self.backend.layers_versions_by_arn(arn)
        if layer_version is None:
            raise UnknownLayerVersionException([arn])
        return json.dumps(layer_version.get_layer_version())

    LambdaResponse.get_layer_version_by_arn = get_layer_version_by_arn  # type: ignore[attr-defined]


def _update_without_changes_is_refused() -> None:
    """CloudFormation answers an update whose template and parameters are unchanged with
    `ValidationError: No updates are to be performed.`; moto runs it as an update."""
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.update_stack

    def update_stack(self: Any, name: str, template: str, **rest: Any) -> Any:
        stack = self.get_stack(name)
        tags = rest.get("tags")
        if stack.has_template(template) and not rest.get("parameters") and (tags is None or tags == stack.tags):
            raise ValidationError(name, message="No updates are to be performed.")
        return original(self, name, template, **rest)

    CloudFormationBackend.update_stack = update_stack  # type: ignore[method-assign,assignment]


_WRITES = threading.Lock()


def atomic_dynamodb_writes() -> None:
    """DynamoDB applies a conditional write atomically per item: of twelve concurrent
    `attribute_not_exists` puts exactly one succeeds (the DynamoDB developer guide, "Condition
    expressions"). moto's threaded server checks and then writes without a lock, so two threads
    can both pass the check. Writes are serialised here, which is the guarantee AWS gives and our
    exactly-once claims rely on. Used by the shared test server too (tests/conftest.py)."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_mentiondesk_atomic", False):
        return
    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        original = getattr(DynamoDBBackend, name)

        @functools.wraps(original)
        def serialised(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with _WRITES:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, serialised)
    DynamoDBBackend._mentiondesk_atomic = True  # type: ignore[attr-defined]


BRIDGES = (
    atomic_dynamodb_writes,
    _rest_api_imports_swagger_2,
    _cloudwatch_alarms_in_cloudformation,
    _one_mapping_per_queue_and_function,
    _layer_version_by_arn,
    _update_without_changes_is_refused,
)


def apply() -> None:
    for bridge in BRIDGES:
        bridge()
