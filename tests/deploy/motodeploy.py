"""A real `chalice deploy` of rollcall, on moto's server, by the operator's runbook.

docs/operator.md (Deploying) tells an operator to run ``rollcall infra bootstrap``,
``chalice deploy``, bootstrap again, ``rollcall secrets set``, and to replay a job. This
module does exactly that against a moto server running in the test process:

- ``patched_moto()``: the few moto gaps the runbook runs into, patched on moto's classes in
  this process only. Each ``Gap`` names the moto version it works around and can tell, by
  running moto's own unpatched code, whether moto still has the gap (a test asserts it does,
  so the day moto fixes one the suite says which patch to delete).
  ``cloudformation_gaps()`` are those of the CloudFormation path, patched only for it.
- ``MotoServer``: ``moto.server.ThreadedMotoServer`` on 127.0.0.1, on a free port; its
  ``account(id)`` gives clients in another account of the same server.
- ``runbook_block(heading)``: the commands of one of operator.md's ``sh`` blocks, which
  ``Project.literally`` runs as printed (``--stage prod`` becomes ``--stage ci``).
- ``FakeTelegram``: a Bot API on 127.0.0.1 that keeps what a replayed job posts.
- ``Project``: a temporary copy of the project with a ``ci`` stage added to its
  ``.chalice/config.json`` (a copy of ``dev`` under ci's names), so the real config and
  ``.chalice/deployed/`` are never touched. Chalice's wheel cache (``.chalice/deployments``)
  points at ``build/deploy-check/deployments`` so only the first run downloads wheels.
- ``deploy_stack()``: the CloudFormation path (``make package``'s commands, the zips to S3,
  ``create_stack``).
- ``check_deployment()``: what must exist after the runbook, read back through each
  service's own API; returns one line per problem (an empty list: the deployment is right).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
OPERATOR_DOC = ROOT / "docs" / "operator.md"
CACHE_DIR = ROOT / "build" / "deploy-check" / "deployments"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
PROBE_ACCOUNT = "999999999999"  # where the gap probes make (and delete) their resources
STAGE = "ci"
# What chalice packages, and what the CLI needs to run from the copy.
PROJECT_FILES = ("app.py", "requirements.txt", "chalicelib", "rollcall", ".chalice")


# -- moto's gaps ----------------------------------------------------------------------------


@dataclass
class Gap:
    """One place where moto does not do what AWS does, and the patch for it.

    ``still_open`` runs moto's original (unpatched) code on the smallest input that shows
    the gap, and says whether it still misbehaves.
    """

    name: str
    moto_version: str
    why: str
    target: Any  # the moto class patched
    attribute: str
    replacement: Callable[..., Any]
    probe: Callable[[Any], bool]  # given moto's original attribute (or None): gap still open?
    _saved: list[Any] = field(default_factory=list)
    _depth: int = 0

    def original(self) -> Any:
        if self._saved:
            return self._saved[0]
        return vars(self.target).get(self.attribute)

    def still_open(self) -> bool:
        return self.probe(self.original())

    def apply(self) -> None:
        """Patch (nested applications are counted: only the outermost undo restores)."""
        self._depth += 1
        if self._depth > 1:
            return
        _PATCHED[(id(self.target), self.attribute)] = self
        self._saved.append(vars(self.target).get(self.attribute))
        setattr(self.target, self.attribute, self.replacement)

    def undo(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        original = self._saved.pop()
        if original is None:
            delattr(self.target, self.attribute)
        else:
            setattr(self.target, self.attribute, original)


_PATCHED: dict[tuple[int, str], Gap] = {}


def _moto(target: Any, attribute: str) -> Any:
    """moto's own ``target.attribute``, which a patch calls around its fix."""
    return _PATCHED[(id(target), attribute)].original()


def _gaps() -> list[Gap]:
    from moto.apigateway.models import APIGatewayBackend
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda.responses import LambdaResponse

    gaps: list[Gap] = []

    # moto 5.2.5: ImportRestApi reads info.description unconditionally (KeyError -> 500).
    # Chalice's swagger has only info.title and info.version, as AWS allows.
    def import_rest_api(self: Any, api_doc: dict[str, Any], fail_on_warnings: bool) -> Any:
        info = api_doc.get("info", {})
        if "description" not in info:
            api_doc = {**api_doc, "info": {**info, "description": ""}}
        return _moto(APIGatewayBackend, "import_rest_api")(self, api_doc, fail_on_warnings)

    def import_probe(original: Any) -> bool:
        backend = APIGatewayBackend(REGION, ACCOUNT)
        doc = {"openapi": "3.0.1", "info": {"title": "probe", "version": "1"}, "paths": {}}
        try:
            original(backend, doc, False)
        except KeyError:
            return True
        return False

    gaps.append(
        Gap(
            "ImportRestApi requires info.description",
            "5.2.5",
            "chalice deploy creates the REST API with ImportRestApi; its swagger has no"
            " description, which AWS accepts",
            APIGatewayBackend,
            "import_rest_api",
            import_rest_api,
            import_probe,
        )
    )

    # moto 5.2.5: PutRestApi/ImportRestApi refuse a Swagger 2.0 document
    # (InvalidOpenApiDocVersionException). AWS imports Swagger 2.0, which is what chalice
    # sends; moto's importer reads only `paths` and the x-amazon-apigateway extensions,
    # which are the same in both versions, so the patch hides the version key.
    def put_rest_api(
        self: Any, function_id: str, api_doc: dict[str, Any], fail_on_warnings: bool, mode="merge"
    ) -> Any:
        if "swagger" in api_doc:
            api_doc = {key: value for key, value in api_doc.items() if key != "swagger"}
        return _moto(APIGatewayBackend, "put_rest_api")(
            self, function_id, api_doc, fail_on_warnings, mode
        )

    def swagger_probe(original: Any) -> bool:
        from moto.apigateway.exceptions import InvalidOpenApiDocVersionException

        backend = APIGatewayBackend(REGION, ACCOUNT)
        api = backend.create_rest_api(name="probe", description="")
        doc = {"swagger": "2.0", "info": {"title": "probe", "version": "1"}, "paths": {}}
        try:
            original(backend, api.id, doc, False, "overwrite")
        except InvalidOpenApiDocVersionException:
            return True
        return False

    gaps.append(
        Gap(
            "PutRestApi refuses Swagger 2.0",
            "5.2.5",
            "chalice deploy sends Swagger 2.0 to ImportRestApi and, on a redeploy, PutRestApi",
            APIGatewayBackend,
            "put_rest_api",
            put_rest_api,
            swagger_probe,
        )
    )

    # moto 5.2.5: ListEventSourceMappings(FunctionName=name) compares the name with what
    # the mapping was created with; chalice creates it with the function's ARN, so a
    # listing by name (what bootstrap does) finds nothing. AWS matches either.
    def list_event_source_mappings(
        self: Any, event_source_arn: str, function_name: str
    ) -> list[Any]:
        found = list(
            _moto(LambdaBackend, "list_event_source_mappings")(self, event_source_arn, None)
        )
        if not function_name:
            return found
        try:
            arn = self._lambdas.get_function_by_name_or_arn_with_qualifier(function_name)
        except Exception:  # unknown function: AWS answers with an empty list too
            return [m for m in found if m.function_name == function_name]
        return [m for m in found if m.function_arn == arn.function_arn]

    def mapping_probe(original: Any) -> bool:
        queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:probe"
        function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:probe"
        mapping = SimpleNamespace(
            event_source_arn=queue, function_name=function, function_arn=function
        )
        lambdas = SimpleNamespace(
            get_function_by_name_or_arn_with_qualifier=lambda name: SimpleNamespace(
                function_arn=function
            )
        )
        fake = SimpleNamespace(_event_source_mappings={"uuid": mapping}, _lambdas=lambdas)
        return list(original(fake, queue, "probe")) == []

    gaps.append(
        Gap(
            "ListEventSourceMappings by name misses mappings created by ARN",
            "5.2.5",
            "bootstrap lists the worker's mapping by function name to turn on"
            " ReportBatchItemFailures; chalice created it with the function's ARN",
            LambdaBackend,
            "list_event_source_mappings",
            list_event_source_mappings,
            mapping_probe,
        )
    )

    # moto 5.2.5: GetLayerVersionByArn (GET /layers?find=LayerVersion&Arn=...) is not
    # implemented (NotImplementedError -> 500), though the backend can answer it. Chalice
    # calls it on every redeploy to see whether its managed layer still exists.
    def get_layer_version_by_arn(self: Any) -> Any:
        from moto.awslambda.exceptions import UnknownLayerException

        arn = self.querystring.get("Arn", [""])[0]
        layer = self.backend.layers_versions_by_arn(arn)
        if layer is None:
            raise UnknownLayerException()
        return 200, {}, json.dumps(layer.get_layer_version())

    gaps.append(
        Gap(
            "GetLayerVersionByArn is not implemented",
            "5.2.5",
            "chalice deploy (a redeploy) checks its managed layer by ARN",
            LambdaResponse,
            "get_layer_version_by_arn",
            get_layer_version_by_arn,
            lambda original: original is None,
        )
    )

    # moto 5.2.5: apigatewayv2's UpdateStage is not implemented (NotImplementedError -> 500),
    # though its Stage keeps every setting. Bootstrap calls it to put back the HTTP API
    # stage's throttling or access logs when they drifted.
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    def update_stage(self: Any) -> Any:
        from urllib.parse import unquote

        api_id = self.path.split("/")[-3]
        stage = self.apigatewayv2_backend.get_stage(api_id, unquote(self.path.split("/")[-1]))
        body = json.loads(self.body or "{}")
        if "defaultRouteSettings" in body:
            stage.default_route_settings = body["defaultRouteSettings"]
        if "accessLogSettings" in body:
            stage.access_log_settings = body["accessLogSettings"]
        if "autoDeploy" in body:
            stage.auto_deploy = body["autoDeploy"]
        return 200, {}, json.dumps(stage.to_json())

    gaps.append(
        Gap(
            "apigatewayv2 UpdateStage is not implemented",
            "5.2.5",
            "bootstrap repairs the HTTP API stage's throttling and access logs with UpdateStage",
            ApiGatewayV2Response,
            "update_stage",
            update_stage,
            lambda original: original is None,
        )
    )
    return gaps


def _cloudformation_gaps() -> list[Gap]:
    """What `aws cloudformation deploy` of `make package`'s sam.json runs into on moto."""
    from moto.apigateway.models import RestAPI
    from moto.awslambda.models import LambdaFunction
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Stack
    from moto.dynamodb.models.table import Table
    from moto.iam.models import Role

    gaps: list[Gap] = []

    # moto 5.2.5: no SAM transform. A template with `Transform: AWS::Serverless-2016-10-31`
    # (chalice package's sam.json) is parsed as it is, so every AWS::Serverless::* resource
    # is skipped. CloudFormation expands it with the SAM translator, which the patch runs.
    def parse_template(template: str) -> dict[str, Any]:
        parsed = _moto(Stack, "parse_template").__func__(template)
        if parsed.get("Transform") != "AWS::Serverless-2016-10-31":
            return parsed
        import boto3
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator

        translator = Translator({}, Parser(), boto_session=boto3.Session(region_name=REGION))
        return translator.translate(parsed, parameter_values={})

    def transform_probe(original: Any) -> bool:
        template = {
            "Transform": "AWS::Serverless-2016-10-31",
            "Resources": {
                "Probe": {
                    "Type": "AWS::Serverless::Function",
                    "Properties": {
                        "CodeUri": "s3://probe/probe.zip",
                        "Handler": "app.handler",
                        "Runtime": "python3.11",
                    },
                }
            },
        }
        parsed = original.__func__(json.dumps(template))
        return parsed["Resources"]["Probe"]["Type"] == "AWS::Serverless::Function"

    gaps.append(
        Gap(
            "CloudFormation has no SAM transform",
            "5.2.5",
            "chalice package writes a SAM template (AWS::Serverless::Function, ::Api, ...)",
            Stack,
            "parse_template",
            staticmethod(parse_template),
            transform_probe,
        )
    )

    # moto 5.2.5: AWS::DynamoDB::Table ignores TimeToLiveSpecification and
    # PointInTimeRecoverySpecification.
    def create_table(cls: Any, resource_name: str, cloudformation_json: dict, *args, **kwargs):
        from moto.dynamodb.models import dynamodb_backends

        table = _moto(Table, "create_from_cloudformation_json").__func__(
            cls, resource_name, cloudformation_json, *args, **kwargs
        )
        properties = cloudformation_json["Properties"]
        backend = dynamodb_backends[table.account_id][table.region_name]
        if "TimeToLiveSpecification" in properties:
            backend.update_time_to_live(table.name, properties["TimeToLiveSpecification"])
        if "PointInTimeRecoverySpecification" in properties:
            backend.update_continuous_backups(
                table.name, properties["PointInTimeRecoverySpecification"]
            )
        return table

    def table_probe(original: Any) -> bool:
        from moto.dynamodb.models import dynamodb_backends

        spec = {
            "Properties": {
                "TableName": "probe",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            }
        }
        table = original.__func__(Table, "probe", spec, PROBE_ACCOUNT, REGION)
        try:
            return table.ttl.get("TimeToLiveStatus") != "ENABLED"
        finally:
            dynamodb_backends[PROBE_ACCOUNT][REGION].delete_table("probe")

    gaps.append(
        Gap(
            "AWS::DynamoDB::Table ignores TTL and point-in-time recovery",
            "5.2.5",
            "the merge template turns both on for the table",
            Table,
            "create_from_cloudformation_json",
            classmethod(create_table),
            table_probe,
        )
    )

    # moto 5.2.5: AWS::ApiGateway::RestApi ignores Body (no routes are created) and
    # requires Name, which AWS takes from the body's info.title when absent.
    def create_rest_api(cls: Any, resource_name: str, cloudformation_json: dict, *args, **kw):
        from moto.apigateway.models import apigateway_backends

        properties = dict(cloudformation_json["Properties"])
        body = properties.get("Body")
        if body and "Name" not in properties:
            properties["Name"] = body.get("info", {}).get("title", resource_name)
        cloudformation_json = {**cloudformation_json, "Properties": properties}
        api = _moto(RestAPI, "create_from_cloudformation_json").__func__(
            cls, resource_name, cloudformation_json, *args, **kw
        )
        if body:
            backend = apigateway_backends[api.account_id][api.region_name]
            backend.put_rest_api(api.id, body, fail_on_warnings=False, mode="overwrite")
        return api

    def rest_api_probe(original: Any) -> bool:
        from moto.apigateway.models import apigateway_backends

        body = {"openapi": "3.0.1", "info": {"title": "probe"}, "paths": {"/probe": {"post": {}}}}
        spec = {"Properties": {"Name": "probe", "Body": body}}
        api = original.__func__(RestAPI, "probe", spec, PROBE_ACCOUNT, REGION)
        try:
            return "/probe" not in {r.get_path() for r in api.resources.values()}
        finally:
            apigateway_backends[PROBE_ACCOUNT][REGION].delete_rest_api(api.id)

    gaps.append(
        Gap(
            "AWS::ApiGateway::RestApi ignores Body",
            "5.2.5",
            "the SAM API's routes are its swagger Body",
            RestAPI,
            "create_from_cloudformation_json",
            classmethod(create_rest_api),
            rest_api_probe,
        )
    )

    # moto 5.2.5: an AWS::IAM::Role's inline Policies are stored as dicts, and
    # GetRolePolicy then answers with their Python repr instead of JSON.
    def put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
        if not isinstance(policy_json, str):
            policy_json = json.dumps(policy_json)
        _moto(Role, "put_policy")(self, policy_name, policy_json)

    def policy_probe(original: Any) -> bool:
        fake = SimpleNamespace(policies={})
        original(fake, "probe", {"Version": "2012-10-17"})
        return not isinstance(fake.policies["probe"], str)

    gaps.append(
        Gap(
            "AWS::IAM::Role inline policies come back as Python repr",
            "5.2.5",
            "the checker compares each role's policy with its file",
            Role,
            "put_policy",
            put_policy,
            policy_probe,
        )
    )

    # moto 5.2.5: AWS::Lambda::Function ignores Architectures and Layers (x86_64, no layer).
    def create_function(cls: Any, resource_name: str, cloudformation_json: dict, *args, **kw):
        function = _moto(LambdaFunction, "create_from_cloudformation_json").__func__(
            cls, resource_name, cloudformation_json, *args, **kw
        )
        properties = cloudformation_json["Properties"]
        if "Architectures" in properties:
            function.architectures = properties["Architectures"]
        if "Layers" in properties:
            # A Ref to the stack's AWS::Lambda::LayerVersion arrives as moto's object.
            arns = [getattr(layer, "arn", layer) for layer in properties["Layers"]]
            function.layers = function._get_layers_data(arns)
        return function

    def function_probe(original: Any) -> bool:
        import io
        import zipfile

        from moto.awslambda.models import lambda_backends
        from moto.iam.models import iam_backends

        iam = iam_backends[PROBE_ACCOUNT]["aws"]
        role = iam.create_role("probe", "{}", "/", None, "", [], None)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
        spec = {
            "Properties": {
                "Code": {"ZipFile": code.getvalue()},
                "Handler": "app.handler",
                "Role": role.arn,
                "Runtime": "python3.11",
                "Architectures": ["arm64"],
            }
        }
        function = original.__func__(LambdaFunction, "probe", spec, PROBE_ACCOUNT, REGION)
        try:
            return function.architectures != ["arm64"]
        finally:
            lambda_backends[PROBE_ACCOUNT][REGION].delete_function("probe")
            iam.delete_role("probe")

    gaps.append(
        Gap(
            "AWS::Lambda::Function ignores Architectures and Layers",
            "5.2.5",
            "the functions are arm64 and use chalice's managed layer",
            LambdaFunction,
            "create_from_cloudformation_json",
            classmethod(create_function),
            function_probe,
        )
    )

    # moto 5.2.5: no AWS::CloudWatch::Alarm and no AWS::ApiGateway::Stage in CloudFormation
    # (skipped with a warning). The patch makes both with the services' own calls.
    class Created:
        def __init__(self, physical_resource_id: str) -> None:
            self.physical_resource_id = physical_resource_id

        def is_created(self) -> bool:
            return True

    class AlarmResource:
        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict, account_id: str, region: str, **kw
        ) -> Created:
            from moto.cloudwatch.models import cloudwatch_backends

            p = cloudformation_json["Properties"]
            cloudwatch_backends[account_id][region].put_metric_alarm(
                name=p["AlarmName"],
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                comparison_operator=p["ComparisonOperator"],
                evaluation_periods=p["EvaluationPeriods"],
                period=p.get("Period"),
                threshold=p.get("Threshold"),
                statistic=p.get("Statistic"),
                description=p.get("AlarmDescription", ""),
                dimensions=p.get("Dimensions", []),
                alarm_actions=p.get("AlarmActions", []),
                treat_missing_data=p.get("TreatMissingData"),
            )
            return Created(p["AlarmName"])

    class StageResource:
        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict, account_id: str, region: str, **kw
        ) -> Created:
            from moto.apigateway.models import apigateway_backends

            p = cloudformation_json["Properties"]
            # A Ref to the stack's API or deployment may arrive as moto's object.
            stage = apigateway_backends[account_id][region].create_stage(
                getattr(p["RestApiId"], "id", p["RestApiId"]),
                p["StageName"],
                deploymentId=getattr(p.get("DeploymentId"), "id", p.get("DeploymentId", "")),
                variables=p.get("Variables"),
                description=p.get("Description", ""),
            )
            return Created(stage.name)

    def v2_backend(account_id: str, region: str) -> Any:
        from moto.apigatewayv2.models import apigatewayv2_backends

        return apigatewayv2_backends[account_id][region]

    def ref(value: Any, attribute: str) -> Any:
        """A Ref to another of the stack's resources may arrive as moto's object."""
        return getattr(value, attribute, getattr(value, "physical_resource_id", value))

    def camel(value: Any) -> Any:
        """CloudFormation's PascalCase properties as the API's camelCase request body."""
        if isinstance(value, dict):
            return {key[:1].lower() + key[1:]: camel(item) for key, item in value.items()}
        return value

    class HttpApiResource:
        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict, account_id: str, region: str, **kw
        ) -> Created:
            p = cloudformation_json["Properties"]
            api = v2_backend(account_id, region).create_api(
                api_key_selection_expression=None, cors_configuration=None,
                description=p.get("Description"), disable_schema_validation=None,
                disable_execute_api_endpoint=None, name=p["Name"],
                protocol_type=p["ProtocolType"], route_selection_expression=None, tags={},
                version=None,
            )  # fmt: skip
            return Created(api.api_id)

    class HttpIntegrationResource:
        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict, account_id: str, region: str, **kw
        ) -> Created:
            p = cloudformation_json["Properties"]
            integration = v2_backend(account_id, region).create_integration(
                api_id=ref(p["ApiId"], "physical_resource_id"), connection_id=None,
                connection_type=None, content_handling_strategy=None, credentials_arn=None,
                description=None, integration_method=p.get("IntegrationMethod"),
                integration_subtype=None, integration_type=p["IntegrationType"],
                integration_uri=ref(p["IntegrationUri"], "function_arn"),
                passthrough_behavior=None,
                payload_format_version=p.get("PayloadFormatVersion"), request_parameters=None,
                request_templates=None, response_parameters=None,
                template_selection_expression=None, timeout_in_millis=None, tls_config=None,
            )  # fmt: skip
            return Created(integration.id)

    class HttpRouteResource:
        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict, account_id: str, region: str, **kw
        ) -> Created:
            p = cloudformation_json["Properties"]
            route = v2_backend(account_id, region).create_route(
                api_id=ref(p["ApiId"], "physical_resource_id"), api_key_required=False,
                authorization_scopes=[], authorization_type=None, authorizer_id=None,
                model_selection_expression=None, operation_name=None, request_models=None,
                request_parameters=None, route_key=p["RouteKey"],
                route_response_selection_expression=None, target=p.get("Target"),
            )  # fmt: skip
            return Created(route.route_id)

    class HttpStageResource:
        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict, account_id: str, region: str, **kw
        ) -> Created:
            p = dict(cloudformation_json["Properties"])
            api_id = ref(p.pop("ApiId"), "physical_resource_id")
            stage = v2_backend(account_id, region).create_stage(api_id, camel(p))
            return Created(stage.name)

    missing_types = {
        "AWS::CloudWatch::Alarm": AlarmResource,
        "AWS::ApiGateway::Stage": StageResource,
        "AWS::ApiGatewayV2::Api": HttpApiResource,
        "AWS::ApiGatewayV2::Integration": HttpIntegrationResource,
        "AWS::ApiGatewayV2::Route": HttpRouteResource,
        "AWS::ApiGatewayV2::Stage": HttpStageResource,
    }

    def resource_class_from_type(resource_type: str) -> Any:
        if resource_type in missing_types:
            return missing_types[resource_type]
        return _moto(parsing, "resource_class_from_type")(resource_type)

    def types_probe(original: Any) -> bool:
        return any(original(resource_type) is None for resource_type in missing_types)

    gaps.append(
        Gap(
            "CloudFormation has no AWS::CloudWatch::Alarm, AWS::ApiGateway::Stage nor"
            " AWS::ApiGatewayV2::{Api,Integration,Route,Stage}",
            "5.2.5",
            "the merge template's eight alarms and its HTTP API; SAM's API stage",
            parsing,
            "resource_class_from_type",
            resource_class_from_type,
            types_probe,
        )
    )
    return gaps


CLOUDFORMATION_GAPS: list[Gap] = []


def cloudformation_gaps() -> list[Gap]:
    if not CLOUDFORMATION_GAPS:
        CLOUDFORMATION_GAPS.extend(_cloudformation_gaps())
    return CLOUDFORMATION_GAPS


GAPS: list[Gap] = []


def gaps() -> list[Gap]:
    if not GAPS:
        GAPS.extend(_gaps())
    return GAPS


@contextlib.contextmanager
def patched_moto(which: list[Gap] | None = None) -> Iterator[list[Gap]]:
    """moto with the runbook's gaps patched (or ``which``: e.g. ``cloudformation_gaps()``),
    in this process, for the duration."""
    applied = gaps() if which is None else which
    for gap in applied:
        gap.apply()
    try:
        yield applied
    finally:
        for gap in reversed(applied):
            gap.undo()


# -- the server -----------------------------------------------------------------------------


class MotoServer:
    """moto's server in a thread of this process, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def __enter__(self) -> MotoServer:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        # Backends are global to the process: start from an empty account.
        requests.post(f"{self.url}/moto-api/reset", timeout=30).raise_for_status()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def client(self, service: str, credentials: dict[str, str] | None = None) -> Any:
        import boto3

        keys = credentials or {"AccessKeyId": "testing", "SecretAccessKey": "testing"}
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=self.url,
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys.get("SessionToken"),
        )

    def account(self, account_id: str) -> Callable[[str], Any]:
        """Clients in another account of the same server (moto keeps accounts apart by the
        credentials of an assumed role), so two deployments of one stage do not meet."""
        role = f"arn:aws:iam::{account_id}:role/deploy-check"
        assumed = self.client("sts").assume_role(RoleArn=role, RoleSessionName="deploy-check")
        credentials = assumed["Credentials"]
        return lambda service: self.client(service, credentials)


# -- the runbook, from docs/operator.md ----------------------------------------------------


def runbook_block(heading: str, doc: Path = OPERATOR_DOC) -> list[str]:
    """The commands of the first ``sh`` block under ``### heading``: comments stripped, one
    command a line. Raises when the section or its block is gone, so a rewrite of the
    runbook cannot silently leave this check running something else."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    try:
        start = lines.index(f"### {heading}")
    except ValueError:
        raise AssertionError(f"{doc.name} has no section '### {heading}'") from None
    commands: list[str] = []
    inside = False
    pending = ""  # a command continued with a trailing backslash
    for line in lines[start + 1 :]:
        if line.startswith("#") and not inside:
            break
        if line.strip() == "```sh":
            inside = True
        elif line.strip() == "```" and inside:
            return commands
        elif inside:
            command = line.split(" #", 1)[0].strip()
            if not command or command.startswith("#"):
                continue
            if command.endswith("\\"):
                pending += command[:-1].strip() + " "
                continue
            commands.append(pending + command)
            pending = ""
    raise AssertionError(f"{doc.name}: no ```sh block under '### {heading}'")


def bootstrap_actions(stdout: str) -> dict[tuple[str, str], str]:
    """Bootstrap's text report (``kind  name  action  (detail)``) by (kind, name)."""
    import re

    found = {}
    for line in stdout.splitlines():
        columns = re.split(r"\s{2,}", line.strip())
        if len(columns) >= 3:
            found[(columns[0], columns[1])] = columns[2]
    return found


class FakeTelegram:
    """A Bot API on 127.0.0.1 that accepts every call and keeps it: what a replayed job
    posts (``ROLLCALL_TELEGRAM_API_BASE`` is a plain setting), with the token in the path."""

    def __init__(self) -> None:
        import http.server
        import threading

        calls = self.calls = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                calls.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
                body = json.dumps({"ok": True, "result": {"message_id": len(calls)}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- the project copy and the runbook's commands --------------------------------------------


def add_stage(config: dict[str, Any], stage: str, like: str = "dev") -> dict[str, Any]:
    """``config`` with ``stage`` added as a copy of ``like`` under the new stage's names."""
    text = json.dumps(config["stages"][like])
    text = text.replace(f"rollcall-{like}", f"rollcall-{stage}")
    text = text.replace(f"policy-{like}", f"policy-{stage}")
    text = text.replace(f'"ROLLCALL_STAGE": "{like}"', f'"ROLLCALL_STAGE": "{stage}"')
    return {**config, "stages": {**config["stages"], stage: json.loads(text)}}


@dataclass
class Run:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return f"$ {' '.join(self.command)}  (exit {self.returncode})\n{self.stdout}\n{self.stderr}"


@dataclass
class Project:
    """A copy of the project with a ``ci`` stage, and the runbook's commands run in it."""

    directory: Path
    endpoint: str
    stage: str = STAGE
    runs: list[Run] = field(default_factory=list)

    @classmethod
    def create(cls, directory: Path, endpoint: str, source: Path = ROOT) -> Project:
        directory.mkdir(parents=True, exist_ok=True)
        skip = shutil.ignore_patterns("__pycache__", "deployments", "deployed", "venv")
        for name in PROJECT_FILES:
            path = source / name
            if path.is_dir():
                shutil.copytree(path, directory / name, ignore=skip)
            else:
                shutil.copy2(path, directory / name)
        chalice_dir = directory / ".chalice"
        config = json.loads((chalice_dir / "config.json").read_text(encoding="utf-8"))
        (chalice_dir / "config.json").write_text(
            json.dumps(add_stage(config, STAGE), indent=2), encoding="utf-8"
        )
        # The policy files (one per stage, or per function) under ci's names. moto does not
        # enforce IAM; chalice only needs the files to exist and parse.
        for policy in sorted(chalice_dir.glob("policy-dev*.json")):
            text = policy.read_text(encoding="utf-8")
            text = text.replace("rollcall-dev", f"rollcall-{STAGE}")
            text = text.replace("rollcall/dev", f"rollcall/{STAGE}")
            target = policy.name.replace("policy-dev", f"policy-{STAGE}", 1)
            (chalice_dir / target).write_text(text, encoding="utf-8")
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        (chalice_dir / "deployments").symlink_to(CACHE_DIR, target_is_directory=True)
        return cls(directory, endpoint)

    @property
    def config_file(self) -> Path:
        return self.directory / ".chalice" / "config.json"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AWS_", "ROLLCALL_")) and key != "PYTHONPATH"
        }
        env.update(
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=str(self.directory / "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(self.directory / "no-aws-credentials"),
            ROLLCALL_HOME=str(self.directory / ".rollcall"),
            PYTHONPATH=str(self.directory),  # the copy's rollcall, chalicelib and app
        )
        return env

    def run(self, *command: str, stdin: str | None = None, **env: str) -> Run:
        """One runbook command, as the operator types it (``rollcall ...``, ``chalice ...``),
        with the venv's scripts and the copy's code."""
        program = Path(sys.executable).parent / command[0]
        done = subprocess.run(
            [str(program), *command[1:]],
            cwd=self.directory,
            env={**self.env(), **env},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        run = Run(list(command), done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run

    def literally(self, line: str, *, stdin: str | None = None, **env: str) -> Run:
        """A runbook line as printed, for the ``ci`` stage instead of ``prod``; a trailing
        ``< file`` is read from the project directory as the operator's shell would."""
        import shlex

        line = line.replace("--stage prod", f"--stage {self.stage}")
        if " < " in line:
            line, source = (part.strip() for part in line.split(" < ", 1))
            stdin = (self.directory / source).read_text(encoding="utf-8")
        return self.must(*shlex.split(line), stdin=stdin, **env)

    def must(self, *command: str, stdin: str | None = None, **env: str) -> Run:
        run = self.run(*command, stdin=stdin, **env)
        if run.returncode != 0:
            raise AssertionError(f"runbook step failed:\n{run}")
        return run


# -- the CloudFormation path ----------------------------------------------------------------


def deploy_stack(project: Project, clients: Callable[[str], Any]) -> dict[str, str]:
    """operator.md's "First deploy with CloudFormation" for the copy's stage: ``make
    package``'s commands (the merge template, the bytecode-only copy, ``chalice package``
    of that copy), then what ``aws
    cloudformation package`` and ``deploy`` do (no AWS CLI here): the zips to S3, the
    template pointing at them, and the stack. Returns the stack's outputs."""
    stage = project.stage
    out = f"build/package-{stage}"
    project.must(
        "rollcall", "infra", "template", "--stage", stage, "-o", f"build/resources-{stage}.json"
    )
    project.must("python", "-m", "rollcall.ship", "build/ship")
    project.must(
        "chalice", "--project-dir", "build/ship", "package", "--stage", stage,
        "--merge-template", str(project.directory / f"build/resources-{stage}.json"),
        str(project.directory / out),
    )  # fmt: skip
    template = json.loads((project.directory / out / "sam.json").read_text(encoding="utf-8"))
    s3, bucket = clients("s3"), "rollcall-artifacts"
    s3.create_bucket(Bucket=bucket)
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            value = properties.get(key)
            if isinstance(value, str) and value.endswith(".zip"):
                s3.upload_file(str(project.directory / out / value), bucket, value)
                properties[key] = f"s3://{bucket}/{value}"
    cloudformation = clients("cloudformation")
    name = f"rollcall-{stage}"
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    (described,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    if described["StackStatus"] != "CREATE_COMPLETE":
        raise AssertionError(f"stack {name}: {described['StackStatus']}")
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


# -- the checker ----------------------------------------------------------------------------

# Most expectations come from the code and config being deployed (rollcall.infra, the table
# schema, .chalice/config.json). These few are fixed here as well, so that losing one from
# the code is caught too, not only losing one from the account.
REQUIRED_INDEXES = ("kind", "due")  # `due`: what the dispatcher queries every tick
REQUIRED_ALARMS = (
    "dlq-not-empty",
    "jobs-backlog",
    "api_handler-errors",
    "api_handler-throttles",
    "dispatch_due_jobs-errors",
    "dispatch_due_jobs-throttles",
    "run_queued_jobs-errors",
    "run_queued_jobs-throttles",
)


def _stage_section(config: dict[str, Any], stage: str) -> dict[str, Any]:
    return config["stages"][stage]


def _function_setting(
    config: dict[str, Any], stage: str, function: str, key: str, default: Any
) -> Any:
    """Chalice's precedence: the stage's function, the stage, the top level, chalice's own."""
    section = _stage_section(config, stage)
    for level in (section.get("lambda_functions", {}).get(function, {}), section, config):
        if key in level:
            return level[key]
    return default


def check_deployment(
    clients: Callable[[str], Any],
    config_file: Path,
    stage: str,
    *,
    alarms: Callable[[Any], list[dict[str, Any]]] | None = None,
    table_definition: Callable[[str], dict[str, Any]] | None = None,
) -> list[str]:
    """Everything the runbook should have made, read back through each service's API.

    ``clients(service)`` gives a boto3 client on the account. The expected alarms and table
    default to rollcall's own (``rollcall.infra.alarms``, ``schema.table_definition``).
    Returns one line per problem.
    """
    from chalicelib.entrypoints.schedules import TICK
    from chalicelib.store import keys, schema
    from rollcall import infra

    alarms = alarms or infra.alarms
    table_definition = table_definition or schema.table_definition

    config = json.loads(config_file.read_text(encoding="utf-8"))
    target = infra.Stage.load(stage, config_file)
    problems: list[str] = []
    functions = _check_functions(clients("lambda"), config, target, problems)
    _check_roles(clients("iam"), config, config_file.parent, target, functions, problems)
    _check_schedule(clients("events"), target, functions, TICK, problems)
    _check_api(clients("apigateway"), config, target, functions, problems)
    queue_arn = _check_queues(clients("sqs"), target, problems)
    _check_table(clients("dynamodb"), target, table_definition, keys.TTL_ATTRIBUTE, problems)
    _check_alarms(clients("cloudwatch"), clients("sns"), target, alarms, functions, problems)
    _check_log_groups(clients("logs"), target, problems)
    _check_event_source(clients("lambda"), target, functions, queue_arn, problems)
    _check_http_api(clients("apigatewayv2"), clients("lambda"), clients("logs"), target,
                    functions, problems)  # fmt: skip
    return problems


def _check_functions(
    lambda_: Any, config: dict[str, Any], target: Any, problems: list[str]
) -> dict[str, dict[str, Any]]:
    from rollcall import infra

    env = {
        **config.get("environment_variables", {}),
        **_stage_section(config, target.name).get("environment_variables", {}),
    }
    found: dict[str, dict[str, Any]] = {}
    layers: dict[str, list[str]] = {}
    for function in infra.LOGICAL_IDS:
        name = target.function_name(function)
        try:
            conf = lambda_.get_function_configuration(FunctionName=name)
        except lambda_.exceptions.ResourceNotFoundException:
            problems.append(f"lambda {name}: missing")
            continue
        found[function] = conf
        memory = _function_setting(config, target.name, function, "lambda_memory_size", 128)
        timeout = _function_setting(config, target.name, function, "lambda_timeout", 60)
        wanted_arch = [_function_setting(config, target.name, function, "lambda_architecture", "")]
        if conf.get("MemorySize") != memory:
            problems.append(f"lambda {name}: memory {conf.get('MemorySize')} MB, not {memory}")
        if conf.get("Timeout") != timeout:
            problems.append(f"lambda {name}: timeout {conf.get('Timeout')} s, not {timeout}")
        if wanted_arch != [""] and conf.get("Architectures") != wanted_arch:
            problems.append(f"lambda {name}: architectures {conf.get('Architectures')}")
        if not str(conf.get("Runtime", "")).startswith("python3."):
            problems.append(f"lambda {name}: runtime {conf.get('Runtime')}")
        layers[name] = [layer["Arn"] for layer in conf.get("Layers", [])]
        variables = conf.get("Environment", {}).get("Variables", {})
        for key, value in env.items():
            if variables.get(key) != value:
                problems.append(f"lambda {name}: {key}={variables.get(key)!r}, not {value!r}")
    # automatic_layer: the dependencies are one layer the functions share (named
    # rollcall-<stage>-managed-layer by chalice deploy, by CloudFormation otherwise).
    if config.get("automatic_layer") and layers:
        shared = {arn for arns in layers.values() for arn in arns}
        for name, arns in layers.items():
            if len(arns) != 1:
                problems.append(f"lambda {name}: {len(arns)} layers, not the managed layer")
        if len(shared) > 1:
            problems.append(f"lambda: the functions do not share one layer ({sorted(shared)})")
        for arn in sorted(shared):
            try:
                lambda_.get_layer_version_by_arn(Arn=arn)
            except lambda_.exceptions.ResourceNotFoundException:
                problems.append(f"layer {arn}: missing")
    return found


def _check_roles(
    iam: Any,
    config: dict[str, Any],
    chalice_dir: Path,
    target: Any,
    functions: dict[str, dict[str, Any]],
    problems: list[str],
) -> None:
    """Each function's role holds the policy file the config names for it, and nothing else
    (``autogen_policy`` off: chalice's generated policy would allow ``Resource: *``)."""
    for function, conf in functions.items():
        if _function_setting(config, target.name, function, "autogen_policy", True):
            problems.append(f"lambda {conf['FunctionName']}: autogen_policy is on")
            continue
        policy_file = _function_setting(config, target.name, function, "iam_policy_file", None)
        if policy_file is None:
            problems.append(f"lambda {conf['FunctionName']}: no iam_policy_file")
            continue
        wanted = json.loads((chalice_dir / policy_file).read_text(encoding="utf-8"))
        role = conf["Role"].rsplit("/", 1)[-1]
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        documents = [
            iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"] for name in names
        ]
        documents = [json.loads(d) if isinstance(d, str) else d for d in documents]
        if documents != [wanted]:
            problems.append(f"role {role}: policies {names} are not exactly {policy_file}")


def _check_schedule(
    events: Any, target: Any, functions: dict[str, Any], tick: str, problems: list[str]
) -> None:
    from rollcall import infra

    dispatcher = functions.get(infra.DISPATCHER)
    if dispatcher is None:
        return
    arn = dispatcher["FunctionArn"]
    rules = events.list_rule_names_by_target(TargetArn=arn)["RuleNames"]
    if not rules:
        problems.append(f"schedule: no EventBridge rule targets {dispatcher['FunctionName']}")
        return
    for rule_name in rules:
        rule = events.describe_rule(Name=rule_name)
        if rule.get("ScheduleExpression") != tick or rule.get("State") != "ENABLED":
            problems.append(
                f"schedule {rule_name}: {rule.get('ScheduleExpression')} {rule.get('State')},"
                f" not {tick} ENABLED"
            )


def _check_api(
    apigateway: Any,
    config: dict[str, Any],
    target: Any,
    functions: dict[str, Any],
    problems: list[str],
) -> None:
    from rollcall import infra

    apis = [api for api in apigateway.get_rest_apis()["items"] if api["name"] == config["app_name"]]
    if len(apis) != 1:
        problems.append(f"api: {len(apis)} REST APIs named {config['app_name']}, not 1")
        if not apis:
            return
    api_id = apis[0]["id"]
    resources = {
        r["path"]: r for r in apigateway.get_resources(restApiId=api_id, limit=500)["items"]
    }
    route = resources.get("/webhooks/{platform}")
    if route is None or "POST" not in route.get("resourceMethods", {}):
        problems.append("api: no POST /webhooks/{platform}")
    else:
        integration = apigateway.get_integration(
            restApiId=api_id, resourceId=route["id"], httpMethod="POST"
        )
        handler = functions.get(infra.API_HANDLER, {}).get("FunctionArn", "<api handler>")
        if handler not in integration.get("uri", ""):
            problems.append(f"api: POST /webhooks/{{platform}} goes to {integration.get('uri')}")
    stage_name = _stage_section(config, target.name).get("api_gateway_stage", "api")
    stages = [s["stageName"] for s in apigateway.get_stages(restApiId=api_id)["item"]]
    if stage_name not in stages:
        problems.append(f"api: no stage {stage_name!r} ({stages})")


def _check_queues(sqs: Any, target: Any, problems: list[str]) -> str | None:
    from rollcall import infra

    def attributes(name: str) -> dict[str, str] | None:
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except sqs.exceptions.QueueDoesNotExist:
            problems.append(f"queue {name}: missing")
            return None
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    dlq = attributes(target.dead_letter_queue)
    queue = attributes(target.queue)
    if queue is None:
        return None
    redrive = json.loads(queue.get("RedrivePolicy", "{}"))
    if dlq is not None and redrive.get("deadLetterTargetArn") != dlq["QueueArn"]:
        problems.append(f"queue {target.queue}: redrive to {redrive.get('deadLetterTargetArn')}")
    if int(redrive.get("maxReceiveCount", 0)) != infra.MAX_RECEIVE_COUNT:
        problems.append(f"queue {target.queue}: maxReceiveCount {redrive.get('maxReceiveCount')}")
    if int(queue["VisibilityTimeout"]) < target.visibility_timeout:
        problems.append(
            f"queue {target.queue}: visibility {queue['VisibilityTimeout']} s,"
            f" under {target.visibility_timeout} s"
        )
    return queue["QueueArn"]


def _check_table(
    ddb: Any, target: Any, table_definition: Any, ttl_attribute: str, problems: list[str]
) -> None:
    name = target.table
    try:
        table = ddb.describe_table(TableName=name)["Table"]
    except ddb.exceptions.ResourceNotFoundException:
        problems.append(f"table {name}: missing")
        return
    wanted = table_definition(name)
    if table["KeySchema"] != wanted["KeySchema"]:
        problems.append(f"table {name}: keys {table['KeySchema']}")
    present = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    for index_name in REQUIRED_INDEXES:
        if index_name not in {i["IndexName"] for i in wanted["GlobalSecondaryIndexes"]}:
            problems.append(f"table {name}: the schema lost index {index_name!r}")
    for index in wanted["GlobalSecondaryIndexes"]:
        got = present.get(index["IndexName"])
        if got is None:
            problems.append(f"table {name}: no index {index['IndexName']!r}")
        elif got["KeySchema"] != index["KeySchema"]:
            problems.append(f"table {name}: index {index['IndexName']!r} keys {got['KeySchema']}")
    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") != "ENABLED" or ttl.get("AttributeName") != ttl_attribute:
        problems.append(f"table {name}: TTL {ttl}")
    backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    pitr = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    if pitr != "ENABLED":
        problems.append(f"table {name}: point-in-time recovery {pitr}")
    if target.production and not table.get("DeletionProtectionEnabled"):
        problems.append(f"table {name}: no deletion protection")


def _check_alarms(
    cloudwatch: Any,
    sns: Any,
    target: Any,
    alarms: Callable[[Any], list[dict[str, Any]]],
    functions: dict[str, Any],
    problems: list[str],
) -> None:
    from rollcall import infra

    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    topic = next((t for t in topics if t.rsplit(":", 1)[-1] == target.alarm_topic), None)
    if topic is None:
        problems.append(f"alarm topic {target.alarm_topic}: missing")
    wanted = alarms(target)
    for suffix in REQUIRED_ALARMS:
        alarm_name = f"{infra.APP_NAME}-{target.name}-{suffix}"
        if alarm_name not in {spec["AlarmName"] for spec in wanted}:
            problems.append(f"alarm {alarm_name}: no longer in rollcall.infra.alarms")
    found = {
        alarm["AlarmName"]: alarm
        for alarm in cloudwatch.describe_alarms(AlarmNames=[w["AlarmName"] for w in wanted])[
            "MetricAlarms"
        ]
    }
    deployed = {conf["FunctionName"] for conf in functions.values()}
    for spec in wanted:
        alarm = found.get(spec["AlarmName"])
        if alarm is None:
            problems.append(f"alarm {spec['AlarmName']}: missing")
            continue
        if topic is not None and topic not in alarm.get("AlarmActions", []):
            problems.append(f"alarm {spec['AlarmName']}: does not notify {target.alarm_topic}")
        for key in ("Namespace", "MetricName", "Threshold", "ComparisonOperator"):
            if alarm.get(key) != spec[key]:
                problems.append(f"alarm {spec['AlarmName']}: {key} {alarm.get(key)!r}")
        dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        watched = dimensions.get("FunctionName")
        if watched is not None and watched not in deployed:
            problems.append(f"alarm {spec['AlarmName']}: watches {watched}, not deployed")
        queue = dimensions.get("QueueName")
        if queue is not None and queue not in (target.queue, target.dead_letter_queue):
            problems.append(f"alarm {spec['AlarmName']}: watches queue {queue}")


def _check_log_groups(logs: Any, target: Any, problems: list[str]) -> None:
    from rollcall import infra

    for function in infra.LOGICAL_IDS:
        name = f"/aws/lambda/{target.function_name(function)}"
        groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        group = next((g for g in groups if g["logGroupName"] == name), None)
        if group is None:
            problems.append(f"log group {name}: missing")
        elif group.get("retentionInDays") != target.log_retention_days:
            problems.append(f"log group {name}: retention {group.get('retentionInDays')} days")


def _check_event_source(
    lambda_: Any,
    target: Any,
    functions: dict[str, Any],
    queue_arn: str | None,
    problems: list[str],
) -> None:
    from rollcall import infra

    worker = functions.get(infra.WORKER)
    if worker is None or queue_arn is None:
        return
    # By the function's ARN: what chalice used, and what moto 5.2.5 matches unpatched too.
    mappings = lambda_.list_event_source_mappings(
        FunctionName=worker["FunctionArn"], EventSourceArn=queue_arn
    )["EventSourceMappings"]
    name = worker["FunctionName"]
    if len(mappings) != 1:
        problems.append(f"event source {name}: {len(mappings)} mappings from {target.queue}")
    for mapping in mappings:
        if "ReportBatchItemFailures" not in (mapping.get("FunctionResponseTypes") or []):
            problems.append(f"event source {name}: without ReportBatchItemFailures")
        concurrency = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency")
        if concurrency != target.worker_max_concurrency:
            problems.append(f"event source {name}: maximum concurrency {concurrency}")
        if mapping.get("State") not in (None, "Enabled", "Enabling", "Updating"):
            problems.append(f"event source {name}: {mapping.get('State')}")


# The webhook's HTTP API: fixed here as well as in rollcall.infra, so a route lost from the
# code is caught too (the webhook route above all: it is what every platform calls).
REQUIRED_HTTP_ROUTES = ("POST /webhooks/{platform}", "GET /webhooks/{platform}")


def _check_http_api(
    v2: Any,
    lambda_: Any,
    logs: Any,
    target: Any,
    functions: dict[str, Any],
    problems: list[str],
    *,
    routes: tuple[str, ...] | None = None,
) -> None:
    """The HTTP API platforms are pointed at, through apigatewayv2's own API: one API of
    the stage's name; chalice's routes, each to one Lambda proxy integration (payload 1.0)
    of the webhook function; the stage with its throttling and JSON access logs to a log
    group with the stage's retention; and the function's permission for the API."""
    from rollcall import infra

    wanted_routes = infra.HTTP_ROUTES if routes is None else routes
    name = target.http_api
    for key in REQUIRED_HTTP_ROUTES:
        if key not in wanted_routes:
            problems.append(f"http api {name}: route {key!r} no longer in rollcall.infra")
    apis = [api for api in v2.get_apis()["Items"] if api["Name"] == name]
    if len(apis) != 1:
        problems.append(f"http api {name}: {len(apis)} APIs of that name, not 1")
        if not apis:
            return
    api = apis[0]
    api_id = api["ApiId"]
    if api.get("ProtocolType") != "HTTP":
        problems.append(f"http api {name}: protocol {api.get('ProtocolType')}")
    handler = functions.get(infra.API_HANDLER, {}).get("FunctionArn", "<api handler>")
    integrations = {i["IntegrationId"]: i for i in v2.get_integrations(ApiId=api_id)["Items"]}
    routes_found = {r["RouteKey"]: r for r in v2.get_routes(ApiId=api_id)["Items"]}
    for key in wanted_routes:
        route = routes_found.get(key)
        if route is None:
            problems.append(f"http api {name}: no route {key!r}")
            continue
        integration = integrations.get(str(route.get("Target", "")).removeprefix("integrations/"))
        if integration is None:
            problems.append(f"http api {name}: {key!r} has no integration ({route.get('Target')})")
            continue
        if (
            integration.get("IntegrationType") != "AWS_PROXY"
            or integration.get("IntegrationUri") != handler
            or integration.get("PayloadFormatVersion") != infra.HTTP_PAYLOAD_FORMAT
        ):
            problems.append(
                f"http api {name}: {key!r} goes to {integration.get('IntegrationType')}"
                f" {integration.get('IntegrationUri')} (payload"
                f" {integration.get('PayloadFormatVersion')}), not a proxy of {handler}"
                f" (payload {infra.HTTP_PAYLOAD_FORMAT})"
            )
    for key in sorted(set(routes_found) - set(wanted_routes)):
        problems.append(f"http api {name}: route {key!r} the app does not have")
    try:
        stage = v2.get_stage(ApiId=api_id, StageName=infra.HTTP_STAGE)
    except v2.exceptions.NotFoundException:
        problems.append(f"http api {name}: no stage {infra.HTTP_STAGE!r}")
    else:
        settings = stage.get("DefaultRouteSettings") or {}
        for key, value in target.http_throttling.items():
            if settings.get(key) is None or float(settings[key]) != float(value):
                problems.append(f"http api {name}: {key} {settings.get(key)}, not {value}")
        if stage.get("AutoDeploy") is not True:
            problems.append(f"http api {name}: stage {infra.HTTP_STAGE} not auto-deployed")
        access = stage.get("AccessLogSettings") or {}
        group = target.http_access_log_group
        if not str(access.get("DestinationArn", "")).endswith(f":log-group:{group}"):
            problems.append(f"http api {name}: access logs go to {access.get('DestinationArn')}")
        if access.get("Format") != infra.HTTP_ACCESS_LOG_FORMAT:
            problems.append(f"http api {name}: access log format {access.get('Format')!r}")
    groups = logs.describe_log_groups(logGroupNamePrefix=target.http_access_log_group)
    found = [g for g in groups["logGroups"] if g["logGroupName"] == target.http_access_log_group]
    if not found:
        problems.append(f"log group {target.http_access_log_group}: missing")
    elif found[0].get("retentionInDays") != target.log_retention_days:
        problems.append(
            f"log group {target.http_access_log_group}: retention"
            f" {found[0].get('retentionInDays')} days"
        )
    if infra.API_HANDLER in functions:
        try:
            policy = json.loads(lambda_.get_policy(FunctionName=handler)["Policy"])
        except lambda_.exceptions.ResourceNotFoundException:
            policy = {"Statement": []}
        allowed = [
            s
            for s in policy.get("Statement", [])
            if "apigateway.amazonaws.com" in json.dumps(s.get("Principal"))
            and f":{api_id}/" in json.dumps(s.get("Condition", {}))
        ]
        if not allowed:
            problems.append(
                f"http api {name}: may not invoke {functions[infra.API_HANDLER]['FunctionName']}"
            )
