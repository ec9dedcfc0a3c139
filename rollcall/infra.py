"""What chalice does not create, as code: the table, the job queues, alarms, log groups.

One description, two ways to make it real:

- ``merge_template(stage)``: the resources file for ``chalice package --merge-template``
  (CloudFormation), written by ``rollcall infra template --stage S`` (``make package``).
- ``Bootstrap(stage, clients).run()``: the same resources made idempotently with boto3,
  for those who deploy with ``chalice deploy`` (``rollcall infra bootstrap --stage S``).

Names, timeouts and the table come from their one source each: the stage's section of
``.chalice/config.json`` (table and queue names, the worker's timeout) and
``chalicelib.store.schema`` (the table). The IAM policy files, one per function
(``.chalice/policy-<stage>-<function>.json``), are generated here as well (``rollcall infra
policy --write``), and a test keeps them equal.

Nothing secret is written anywhere: credentials live in Parameter Store
(``rollcall secrets set``), which the template and bootstrap only grant read access to.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.secrets import PATH_ROOT
from chalicelib.store import keys
from chalicelib.store.schema import ensure_table, table_definition

APP_NAME = "rollcall"
PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG_FILE = PROJECT_DIR / ".chalice" / "config.json"

# Chalice's function names (keys of ``lambda_functions`` in config.json) and the logical ids
# ``chalice package`` gives them in sam.json (CamelCase of the name; APIHandler for routes).
API_HANDLER = "api_handler"
DISPATCHER = "dispatch_due_jobs"
WORKER = "run_queued_jobs"
LOGICAL_IDS = {API_HANDLER: "APIHandler", DISPATCHER: "DispatchDueJobs", WORKER: "RunQueuedJobs"}
# The worker's SQS event in sam.json: chalice names it <LogicalId>SqsEventSource.
WORKER_EVENT = "RunQueuedJobsSqsEventSource"

# SQS redrive: a message that failed this many receives goes to the dead-letter queue. Five
# outlasts a platform's brief outage (each retry waits a visibility timeout, 6 minutes)
# without retrying a poisoned message all day.
MAX_RECEIVE_COUNT = 5
# AWS's advice for Lambda on SQS: visibility timeout at least 6 × the function's timeout, so a
# message is not handed to a second worker while throttled retries of the first still run.
VISIBILITY_FACTOR = 6
JOB_RETENTION_SECONDS = 4 * 24 * 3600  # SQS's default; a job older than that is stale anyway
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: two weeks to look and replay
# A job waiting longer than this means workers are failing or throttled: reminders are late.
BACKLOG_AGE_SECONDS = 600
ALARM_PERIOD_SECONDS = 300
MIN_WORKER_CONCURRENCY = 2  # Lambda's minimum MaximumConcurrency for an SQS event source

# The webhook's HTTP API (API Gateway v2): what platforms are pointed at. $1.00 per million
# requests where chalice's REST API costs $3.50 (bench/cost.py, docs/shipping.md). Lambda
# proxy integration with payload format 1.0, whose event has what chalice's routing reads
# (requestContext.resourcePath and httpMethod, pathParameters, headers,
# multiValueQueryStringParameters, body, isBase64Encoded): one route per chalice route, so
# resourcePath is the route's path template, as on the REST API. A test keeps HTTP_ROUTES
# equal to app.routes.
HTTP_ROUTES = (
    "GET /webhooks/{platform}",
    "POST /webhooks/{platform}",
    "GET /manage/{community_id}",
    "GET /manage/{community_id}/{page}",
    "POST /manage/{community_id}/{page}",
)
HTTP_PAYLOAD_FORMAT = "1.0"
# The same stage name as chalice's REST API: URLs look alike (…/api/webhooks/<platform>).
HTTP_STAGE = "api"
# Access logs: one JSON line per request, without the body or query (never message text).
HTTP_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "time": "$context.requestTime",
        "route": "$context.routeKey",
        "path": "$context.path",
        "status": "$context.status",
        "length": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationError": "$context.integrationErrorMessage",
        "sourceIp": "$context.identity.sourceIp",
    },
    separators=(",", ":"),
)
# The Lambda permission's statement id for the HTTP API (bootstrap's path).
HTTP_PERMISSION_SID = "rollcall-http-api"


@dataclass(frozen=True)
class Stage:
    """One deployed stage's names and limits, read from ``.chalice/config.json``."""

    name: str
    table: str
    queue: str
    timeouts: dict[str, int] = field(default_factory=dict)
    worker_concurrency: int = MIN_WORKER_CONCURRENCY

    @classmethod
    def load(cls, name: str, config_file: Path = CONFIG_FILE) -> Stage:
        config = json.loads(config_file.read_text(encoding="utf-8"))
        stages = config.get("stages", {})
        if name not in stages:
            raise ValueError(
                f"unknown stage {name!r}: {config_file} has {', '.join(sorted(stages))}"
            )
        section = stages[name]
        env = {
            **config.get("environment_variables", {}),
            **section.get("environment_variables", {}),
        }
        default_timeout = section.get("lambda_timeout", config.get("lambda_timeout", 60))
        functions = section.get("lambda_functions", {})
        timeouts = {
            fn: int(functions.get(fn, {}).get("lambda_timeout", default_timeout))
            for fn in LOGICAL_IDS
        }
        return cls(
            name=name,
            table=env.get("ROLLCALL_TABLE", f"{APP_NAME}-{name}"),
            queue=env.get("ROLLCALL_QUEUE", f"{APP_NAME}-{name}-jobs"),
            timeouts=timeouts,
            worker_concurrency=int(env.get("ROLLCALL_WORKER_CONCURRENCY", MIN_WORKER_CONCURRENCY)),
        )

    @property
    def production(self) -> bool:
        return self.name == "prod"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}-dlq"

    @property
    def alarm_topic(self) -> str:
        return f"{APP_NAME}-{self.name}-alarms"

    @property
    def visibility_timeout(self) -> int:
        return VISIBILITY_FACTOR * self.timeouts[WORKER]

    @property
    def worker_max_concurrency(self) -> int:
        """At most this many workers at once (the event source's ScalingConfig), from the
        stage's ``ROLLCALL_WORKER_CONCURRENCY`` in config.json: chalice reads the same value
        when it imports app.py and sets it itself, on both paths
        (chalicelib/entrypoints/queue.py). Bootstrap and the merge template leave it alone.

        Why not reserved concurrency: it is taken from the account's pool even when idle
        (new accounts have 10 in all), and when SQS polls faster than the reserved workers
        run, throttled receives count toward maxReceiveCount and push healthy jobs into
        the DLQ. MaximumConcurrency caps the pollers instead. 2 is Lambda's minimum.
        """
        return self.worker_concurrency

    @property
    def log_retention_days(self) -> int:
        return 30 if self.production else 7

    @property
    def http_api(self) -> str:
        """The webhook's HTTP API's name (both paths: `rollcall infra url` finds it by it)."""
        return f"{APP_NAME}-{self.name}-http"

    @property
    def http_access_log_group(self) -> str:
        return f"/aws/apigateway/{self.http_api}"

    @property
    def http_throttling(self) -> dict[str, Any]:
        """The HTTP API stage's default route throttling (requests a second, and burst).

        Production: 5,000 a second. The scale model's busiest check-in rate (a million
        communities at 21:00, docs/operator.md "How far one deployment goes") is about
        3,000 a second (150 webhooks at once at ~50 ms), so this refuses nothing real, while
        a flood (a leaked URL, a platform's retry storm) gets 429 at the gateway instead of
        taking the region's whole 10,000 a second of API Gateway quota or more than a
        quarter of the account's 1,000 concurrent functions (~250 at 50 ms), which the
        worker and the tick share. Chat platforms retry a 429. Other stages: 50 a second.
        """
        if self.production:
            return {"ThrottlingBurstLimit": 5000, "ThrottlingRateLimit": 5000.0}
        return {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50.0}

    def http_stage_settings(self, access_log_arn: Any) -> dict[str, Any]:
        """CreateStage's (and AWS::ApiGatewayV2::Stage's) settings, without the API id."""
        return {
            "StageName": HTTP_STAGE,
            "AutoDeploy": True,
            "DefaultRouteSettings": dict(self.http_throttling),
            "AccessLogSettings": {
                "DestinationArn": access_log_arn,
                "Format": HTTP_ACCESS_LOG_FORMAT,
            },
        }

    def function_name(self, function: str) -> str:
        """The Lambda function's name, as ``chalice deploy`` names it. The merge template
        gives the CloudFormation path the same names, so alarms, log groups, the IAM policy
        and the runbook's commands are the same on both paths."""
        if function == API_HANDLER:
            return f"{APP_NAME}-{self.name}"
        return f"{APP_NAME}-{self.name}-{function}"


# -- the resources, described once --------------------------------------------------------


def table_properties(stage: Stage) -> dict[str, Any]:
    """CloudFormation's table: schema.table_definition plus what CreateTable cannot say."""
    properties = dict(table_definition(stage.table))
    properties["TimeToLiveSpecification"] = {
        "AttributeName": keys.TTL_ATTRIBUTE,
        "Enabled": True,
    }
    properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    if stage.production:
        properties["DeletionProtectionEnabled"] = True
    return properties


def dead_letter_queue_attributes(stage: Stage) -> dict[str, Any]:
    return {"MessageRetentionPeriod": DLQ_RETENTION_SECONDS, "SqsManagedSseEnabled": True}


def job_queue_attributes(stage: Stage, dead_letter_arn: Any) -> dict[str, Any]:
    return {
        "VisibilityTimeout": stage.visibility_timeout,
        "MessageRetentionPeriod": JOB_RETENTION_SECONDS,
        "SqsManagedSseEnabled": True,
        "RedrivePolicy": {
            "deadLetterTargetArn": dead_letter_arn,
            "maxReceiveCount": MAX_RECEIVE_COUNT,
        },
    }


def alarms(stage: Stage) -> list[dict[str, Any]]:
    """PutMetricAlarm arguments (also AWS::CloudWatch::Alarm properties: the same names),
    without the actions. Each description says what it means and what to do; the README's
    runbook says more."""

    def alarm(name: str, description: str, **metric: Any) -> dict[str, Any]:
        return {
            "AlarmName": f"{APP_NAME}-{stage.name}-{name}",
            "AlarmDescription": description,
            "Period": ALARM_PERIOD_SECONDS,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            **metric,
        }

    def queue_metric(metric_name: str, queue: str, threshold: float) -> dict[str, Any]:
        return {
            "Namespace": "AWS/SQS",
            "MetricName": metric_name,
            "Dimensions": [{"Name": "QueueName", "Value": queue}],
            "Statistic": "Maximum",
            "Threshold": threshold,
        }

    def function_metric(metric_name: str, function: str) -> dict[str, Any]:
        return {
            "Namespace": "AWS/Lambda",
            "MetricName": metric_name,
            "Dimensions": [{"Name": "FunctionName", "Value": stage.function_name(function)}],
            "Statistic": "Sum",
            "Threshold": 0,
        }

    found = [
        alarm(
            "dlq-not-empty",
            "Jobs failed 5 times and were set aside in the dead-letter queue. Read the"
            " worker's logs, fix the cause, then redrive the DLQ (docs/operator.md: Alarms).",
            **queue_metric("ApproximateNumberOfMessagesVisible", stage.dead_letter_queue, 0),
        ),
        alarm(
            "jobs-backlog",
            f"A job has waited over {BACKLOG_AGE_SECONDS // 60} minutes: workers are failing,"
            " throttled or capped. Check the worker's errors and throttles.",
            **queue_metric("ApproximateAgeOfOldestMessage", stage.queue, BACKLOG_AGE_SECONDS),
        ),
    ]
    for function in LOGICAL_IDS:
        found.append(
            alarm(
                f"{function}-errors",
                f"{stage.function_name(function)} raised errors (timeouts and crashes, not"
                " the per-message failures it reports). Read its logs.",
                **function_metric("Errors", function),
            )
        )
        found.append(
            alarm(
                f"{function}-throttles",
                f"{stage.function_name(function)} was throttled: the account's concurrency"
                " is used up. Check other functions' use or ask AWS for more.",
                **function_metric("Throttles", function),
            )
        )
    return found


# -- CloudFormation: the merge template ----------------------------------------------------


def _cfn_queue(name: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name, **attributes}}


def merge_template(stage: Stage) -> dict[str, Any]:
    """The resources file for ``chalice package --merge-template``.

    Besides new resources it merges onto chalice's own: the functions get chalice-deploy's
    names and wait for their log groups, and the worker's SQS event gets
    ``ReportBatchItemFailures`` (chalice cannot say it; without it Lambda deletes a batch's
    failed messages with the rest; the concurrency cap is chalice's own); the worker waits
    for the queue.
    """
    retain = "Retain" if stage.production else "Delete"
    resources: dict[str, Any] = {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": retain,
            "UpdateReplacePolicy": retain,
            "Properties": table_properties(stage),
        },
        "JobDeadLetterQueue": _cfn_queue(
            stage.dead_letter_queue, dead_letter_queue_attributes(stage)
        ),
        "JobQueue": _cfn_queue(
            stage.queue,
            job_queue_attributes(stage, {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}),
        ),
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": stage.alarm_topic}},
    }
    for function, logical_id in LOGICAL_IDS.items():
        resources[f"{logical_id}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{stage.function_name(function)}",
                "RetentionInDays": stage.log_retention_days,
            },
        }
        resources[logical_id] = {
            "DependsOn": [f"{logical_id}LogGroup"],
            "Properties": {"FunctionName": stage.function_name(function)},
        }
    # Chalice names the queue by an Fn::Sub'd ARN, which CloudFormation does not see as a
    # dependency: the worker (and so its event source mapping) waits for the queue instead.
    # (Setting Queue to a GetAtt would not replace chalice's Fn::Sub: the merge is deep and
    # would produce one object holding both.)
    resources[LOGICAL_IDS[WORKER]]["DependsOn"].append("JobQueue")
    resources[LOGICAL_IDS[WORKER]]["Properties"]["Events"] = {
        WORKER_EVENT: {
            "Properties": {
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            }
        }
    }
    resources.update(_cfn_http_api(stage))
    prefix = f"{APP_NAME}-{stage.name}-"
    for spec in alarms(stage):
        words = spec["AlarmName"].removeprefix(prefix).replace("_", "-").split("-")
        resources["".join(word.title() for word in words) + "Alarm"] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {**spec, "AlarmActions": [{"Ref": "AlarmTopic"}]},
        }
    outputs = {
        "TableName": {"Value": {"Ref": "Table"}},
        "JobQueueUrl": {"Value": {"Ref": "JobQueue"}},
        "DeadLetterQueueUrl": {"Value": {"Ref": "JobDeadLetterQueue"}},
        "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
        # What platforms are pointed at: the HTTP API (chalice's RestAPI answers too).
        "WebhookBaseURL": {
            "Value": {
                "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
                f"/{HTTP_STAGE}/webhooks/"
            }
        },
        "HttpApiId": {"Value": {"Ref": "HttpApi"}},
    }
    return {"Resources": resources, "Outputs": outputs}


def _cfn_http_api(stage: Stage) -> dict[str, Any]:
    """The webhook's HTTP API for the CloudFormation path: the same API, routes, stage,
    throttling and access logs bootstrap makes on the other path."""
    api = {"Ref": "HttpApi"}
    resources: dict[str, Any] = {
        "HttpApi": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {"Name": stage.http_api, "ProtocolType": "HTTP"},
        },
        "HttpApiIntegration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": api,
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": {"Fn::GetAtt": [LOGICAL_IDS[API_HANDLER], "Arn"]},
                "PayloadFormatVersion": HTTP_PAYLOAD_FORMAT,
            },
        },
        "HttpApiAccessLogs": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": stage.http_access_log_group,
                "RetentionInDays": stage.log_retention_days,
            },
        },
        "HttpApiStage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {
                "ApiId": api,
                **stage.http_stage_settings({"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}),
            },
        },
        "HttpApiPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": LOGICAL_IDS[API_HANDLER]},
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}"
                    ":${AWS::AccountId}:${HttpApi}/*"
                },
            },
        },
    }
    target = {"Fn::Join": ["/", ["integrations", {"Ref": "HttpApiIntegration"}]]}
    for key in HTTP_ROUTES:
        words = re.findall(r"[A-Za-z0-9]+", key)  # logical ids are alphanumeric only
        resources["HttpApiRoute" + "".join(word.title() for word in words)] = {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {"ApiId": api, "RouteKey": key, "Target": target},
        }
    return resources


# -- IAM: one policy file per function ----------------------------------------------------

FUNCTIONS = (API_HANDLER, DISPATCHER, WORKER)

# Statements whose resource ends in a wildcard id, and why; the README lists them too, and
# the template test fails on any other wildcard resource.
EXPLAINED_WILDCARDS = {
    "SecureStringDecrypt": "KMS keys have random ids, and the key that encrypts the"
    " parameters is the operator's choice (aws/ssm or their own). The conditions limit it"
    " to decryption by SSM, for this stage's parameters only.",
}

# What Lambda's SQS poller needs on the role of a function with an SQS event source.
POLLER_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")


@dataclass(frozen=True)
class Access:
    """The AWS calls one function's code can make, as IAM actions on the stage's resources.

    tests/deploy/test_policy_reach.py derives them from the code each function can reach
    (from its handler in chalicelib/entrypoints/) and fails on a missing or an extra one.
    """

    table: tuple[str, ...] = ()  # dynamodb actions on the table itself
    indexes: tuple[str, ...] = ()  # the indexes it Queries
    queue: tuple[str, ...] = ()  # sqs actions of its own code (SendMessageBatch: SendMessage)
    poller: bool = False  # an SQS event source: Lambda receives and deletes for it
    secrets: bool = False  # reads the stage's parameters (ssm:GetParametersByPath)


ACCESS = {
    # Webhooks: find the community and member (BatchGetItem), record commands, check-ins,
    # submissions (a late one deletes the cycle's strike: DeleteItem), queue slow commands,
    # read platform secrets. Never a batch write, never an index, never a receive.
    API_HANDLER: Access(
        table=("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem"),
        queue=("GetQueueUrl", "SendMessage"),
        secrets=True,
    ),
    # The tick: Query the due index (one item per shard), enqueue a message per shard with
    # something due. Nothing else.
    DISPATCHER: Access(indexes=(keys.DUE_INDEX,), queue=("GetQueueUrl", "SendMessage")),
    # The worker: runs jobs and deferred commands, sends to the platforms, queues again,
    # and reads a shard of the due index for each of the tick's shard messages.
    WORKER: Access(
        table=(
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "BatchGetItem",
            "BatchWriteItem",
        ),
        indexes=(keys.DUE_INDEX,),
        queue=("GetQueueUrl", "SendMessage"),
        poller=True,
        secrets=True,
    ),
}


def policy_file(stage: str, function: str) -> str:
    """The function's policy file under .chalice/, as config.json names it."""
    return f"policy-{stage}-{function}.json"


def policy(
    stage: Stage,
    function: str,
    *,
    partition: str = "aws",
    region: str = "*",
    account: str = "*",
) -> dict[str, Any]:
    """The least-privilege policy of one of the stage's functions: what its code calls
    (ACCESS), on the stage's own resources, and its own log group.

    Region and account default to ``*`` so one file serves any account; pass them to pin
    the policy to one (``rollcall infra policy --stage S --write --region ... --account
    ...``). The output depends on nothing else: the committed files are reproducible.
    """
    if function not in ACCESS:
        raise ValueError(f"unknown function {function!r}; functions are {', '.join(FUNCTIONS)}")
    access = ACCESS[function]

    def arn(service: str, resource: str) -> str:
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"

    table = arn("dynamodb", f"table/{stage.table}")
    path = f"parameter{PATH_ROOT}/{stage.name}"
    log_group = f"log-group:/aws/lambda/{stage.function_name(function)}"
    queue = arn("sqs", stage.queue)
    statements: list[dict[str, Any]] = []
    if access.table:
        statements.append(
            {
                "Sid": "Table",
                "Effect": "Allow",
                "Action": [f"dynamodb:{action}" for action in access.table],
                "Resource": [table],
            }
        )
    if access.indexes:
        statements.append(
            {
                "Sid": "TableIndexes",
                "Effect": "Allow",
                "Action": ["dynamodb:Query"],
                "Resource": [f"{table}/index/{name}" for name in access.indexes],
            }
        )
    if access.queue:
        statements.append(
            {
                "Sid": "JobQueueSend",
                "Effect": "Allow",
                "Action": [f"sqs:{action}" for action in access.queue],
                "Resource": [queue],
            }
        )
    if access.poller:
        statements.append(
            {
                # What Lambda's SQS poller needs, on the worker's role (chalice's
                # autogenerated policy would add it; ours is generated here).
                "Sid": "JobQueueReceive",
                "Effect": "Allow",
                "Action": list(POLLER_ACTIONS),
                "Resource": [queue],
            }
        )
    if access.secrets:
        statements += [
            {
                # The code reads the stage's parameters with GetParametersByPath only
                # (chalicelib/secrets.py), which is authorized against the path in the
                # request: "/rollcall/<stage>/", trailing slash included, hence "/*".
                "Sid": "SecretParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParametersByPath"],
                "Resource": [arn("ssm", path), arn("ssm", f"{path}/*")],
            },
            {
                "Sid": "SecureStringDecrypt",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": [arn("kms", "key/*")],
                "Condition": {
                    "StringLike": {
                        "kms:ViaService": f"ssm.{region}.amazonaws.com",
                        "kms:EncryptionContext:PARAMETER_ARN": arn("ssm", f"{path}/*"),
                    }
                },
            },
        ]
    statements.append(
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [arn("logs", log_group), arn("logs", f"{log_group}:*")],
        }
    )
    return {"Version": "2012-10-17", "Statement": statements}


def policies(stage: Stage, **pins: str) -> dict[str, dict[str, Any]]:
    """Every function's policy, by file name under .chalice/."""
    return {policy_file(stage.name, fn): policy(stage, fn, **pins) for fn in FUNCTIONS}


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# -- boto3: bootstrap ---------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One resource bootstrap looked at, and what it did: created, updated, kept, pending."""

    kind: str
    name: str
    action: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Clients:
    dynamodb: Any
    sqs: Any = None
    sns: Any = None
    cloudwatch: Any = None
    logs: Any = None
    lambda_: Any = None
    apigatewayv2: Any = None

    @classmethod
    def create(cls, region: str, dynamodb: Any) -> Clients:
        import boto3

        def make(service: str) -> Any:
            return boto3.client(service, region_name=region)

        return cls(
            dynamodb=dynamodb,
            sqs=make("sqs"),
            sns=make("sns"),
            cloudwatch=make("cloudwatch"),
            logs=make("logs"),
            lambda_=make("lambda"),
            apigatewayv2=make("apigatewayv2"),
        )


# Tries of enabling point-in-time recovery on a new table (2, 4, 8, 16, 30, 30... s apart).
PITR_ATTEMPTS = 8


class Bootstrap:
    """Create or update the stage's resources with boto3. Every step reads first and writes
    only what differs, so a second run reports everything ``kept`` and changes nothing."""

    def __init__(
        self, stage: Stage, clients: Clients, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.stage = stage
        self.clients = clients
        self.changes: list[Change] = []
        self._table_created = False
        self._sleep = sleep

    def run(self, *, table_only: bool = False) -> list[Change]:
        """Everything, or only the table (the local stage: no queues, alarms or backups)."""
        self.ensure_table()
        if table_only:
            return self.changes
        self.ensure_backups()
        dlq_arn = self.ensure_queue(
            "dead-letter queue",
            self.stage.dead_letter_queue,
            dead_letter_queue_attributes(self.stage),
        )
        queue_arn = self.ensure_queue(
            "queue", self.stage.queue, job_queue_attributes(self.stage, dlq_arn)
        )
        topic_arn = self.ensure_topic(dlq_arn)
        self.ensure_log_groups()
        self.ensure_alarms(topic_arn)
        self.ensure_event_source(queue_arn)
        self.ensure_http_api()
        return self.changes

    def _note(self, kind: str, name: str, action: str, detail: str = "") -> None:
        self.changes.append(Change(kind, name, action, detail))

    # table ------------------------------------------------------------------------------

    def ensure_table(self) -> None:
        ddb = self.clients.dynamodb
        name = self.stage.table
        try:
            before = ddb.describe_table(TableName=name)["Table"]
            ttl_before = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        except ddb.exceptions.ResourceNotFoundException:
            before, ttl_before = None, {}
        wanted = table_definition(name)
        if before is not None and before["KeySchema"] != wanted["KeySchema"]:
            raise ValueError(
                f"table {name} exists with other keys ({before['KeySchema']}); keys cannot"
                " change: migrate to a new table"
            )
        # Creation and TTL go through the one definition in chalicelib/store/schema.py.
        created = self._table_created = ensure_table(ddb, name)
        self._note("table", name, "created" if created else "kept")
        ttl_on = ttl_before.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        action = "created" if created else ("kept" if ttl_on else "updated")
        self._note("ttl", f"{name}.{keys.TTL_ATTRIBUTE}", action)
        table = ddb.describe_table(TableName=name)["Table"]
        self._ensure_indexes(table, wanted)

    def _fixed(self) -> str:
        """What to call a setting bootstrap had to turn on: part of creating a new table,
        or an update of an existing one."""
        return "created" if self._table_created else "updated"

    def ensure_backups(self) -> None:
        """Point-in-time recovery everywhere; deletion protection in production."""
        ddb = self.clients.dynamodb
        name = self.stage.table
        described = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        status = described.get("PointInTimeRecoveryDescription", {}).get(
            "PointInTimeRecoveryStatus"
        )
        if status == "ENABLED":
            self._note("point-in-time recovery", name, "kept")
        else:
            self._enable_pitr(name)
            self._note("point-in-time recovery", name, self._fixed())
        if not self.stage.production:
            return
        if ddb.describe_table(TableName=name)["Table"].get("DeletionProtectionEnabled"):
            self._note("deletion protection", name, "kept")
        else:
            ddb.update_table(TableName=name, DeletionProtectionEnabled=True)
            self._note("deletion protection", name, self._fixed())

    def _enable_pitr(self, name: str) -> None:
        """Turn on point-in-time recovery. A table minutes old may refuse it for a while
        (ContinuousBackupsUnavailableException) although it is ACTIVE: retried with backoff
        (up to about 2 minutes), so the first bootstrap does not stop before the queues."""
        from botocore.exceptions import ClientError

        for attempt in range(PITR_ATTEMPTS):
            try:
                self.clients.dynamodb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                )
                return
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code != "ContinuousBackupsUnavailableException" or attempt + 1 == PITR_ATTEMPTS:
                    raise
                self._sleep(min(30.0, 2.0 * 2**attempt))

    def _ensure_indexes(self, table: dict[str, Any], wanted: dict[str, Any]) -> None:
        present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
        missing = [i for i in wanted["GlobalSecondaryIndexes"] if i["IndexName"] not in present]
        for index in wanted["GlobalSecondaryIndexes"]:
            if index["IndexName"] in present:
                name = f"{table['TableName']}/{index['IndexName']}"
                self._note("index", name, "created" if self._table_created else "kept")
        if not missing:
            return
        # DynamoDB builds one new index per UpdateTable: add the first, leave the rest for
        # the next run (printed as pending) rather than wait here while it backfills.
        first, *rest = missing
        self.clients.dynamodb.update_table(
            TableName=table["TableName"],
            AttributeDefinitions=wanted["AttributeDefinitions"],
            GlobalSecondaryIndexUpdates=[{"Create": first}],
        )
        self._note("index", f"{table['TableName']}/{first['IndexName']}", "created")
        for index in rest:
            self._note(
                "index",
                f"{table['TableName']}/{index['IndexName']}",
                "pending",
                "run bootstrap again once the index above is ACTIVE",
            )

    # queues -----------------------------------------------------------------------------

    def ensure_queue(self, kind: str, name: str, attributes: dict[str, Any]) -> str:
        """Create the queue or bring its attributes in line; returns its ARN."""
        from botocore.exceptions import ClientError

        sqs = self.clients.sqs
        wanted = {key: _sqs_value(value) for key, value in attributes.items()}
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as error:
            if error.response["Error"]["Code"] not in _NO_QUEUE:
                raise
            url = sqs.create_queue(QueueName=name, Attributes=wanted)["QueueUrl"]
            self._note(kind, name, "created")
        else:
            current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            differing = {
                key: value
                for key, value in wanted.items()
                if not _same_sqs_value(current.get(key), value)
            }
            if differing:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=differing)
                self._note(kind, name, "updated", ", ".join(sorted(differing)))
            else:
                self._note(kind, name, "kept")
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(attributes["Attributes"]["QueueArn"])

    # alarms and where they go -----------------------------------------------------------

    def ensure_topic(self, any_arn_in_account: str) -> str:
        """The SNS topic alarms notify (subscribe an email or a chat webhook to it)."""
        partition, _, region, account = any_arn_in_account.split(":")[1:5]
        arn = f"arn:{partition}:sns:{region}:{account}:{self.stage.alarm_topic}"
        sns = self.clients.sns
        try:
            sns.get_topic_attributes(TopicArn=arn)
        except sns.exceptions.NotFoundException:
            arn = sns.create_topic(Name=self.stage.alarm_topic)["TopicArn"]
            self._note("alarm topic", self.stage.alarm_topic, "created")
        else:
            self._note("alarm topic", self.stage.alarm_topic, "kept")
        return arn

    def ensure_log_groups(self) -> None:
        """Log groups with a retention, before Lambda makes them without one (forever)."""
        logs = self.clients.logs
        for function in LOGICAL_IDS:
            name = f"/aws/lambda/{self.stage.function_name(function)}"
            found = [
                group
                for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
                if group["logGroupName"] == name
            ]
            if not found:
                logs.create_log_group(logGroupName=name)
            if found and found[0].get("retentionInDays") == self.stage.log_retention_days:
                self._note("log group", name, "kept")
                continue
            logs.put_retention_policy(
                logGroupName=name, retentionInDays=self.stage.log_retention_days
            )
            self._note("log group", name, "updated" if found else "created")

    def ensure_alarms(self, topic_arn: str) -> None:
        cloudwatch = self.clients.cloudwatch
        specs = [{**spec, "AlarmActions": [topic_arn]} for spec in alarms(self.stage)]
        existing = {
            alarm["AlarmName"]: alarm
            for page in cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmNames=[spec["AlarmName"] for spec in specs]
            )
            for alarm in page.get("MetricAlarms", [])
        }
        for spec in specs:
            current = existing.get(spec["AlarmName"])
            if current is not None and all(
                _same_alarm_value(current.get(key), value) for key, value in spec.items()
            ):
                self._note("alarm", spec["AlarmName"], "kept")
                continue
            cloudwatch.put_metric_alarm(**spec)
            self._note("alarm", spec["AlarmName"], "updated" if current else "created")

    # the worker's event source ----------------------------------------------------------

    def ensure_event_source(self, queue_arn: str) -> None:
        """Turn on partial batch responses on the mapping ``chalice deploy`` made.

        Chalice creates the SQS event source mapping (with the concurrency cap, which it
        keeps up to date) but cannot ask for ``ReportBatchItemFailures``; its later deploys
        leave the setting alone. Before the first deploy there is nothing to update: run
        bootstrap again after it.
        """
        lambda_ = self.clients.lambda_
        function = self.stage.function_name(WORKER)
        try:
            mappings = lambda_.list_event_source_mappings(
                FunctionName=function, EventSourceArn=queue_arn
            )["EventSourceMappings"]
        except lambda_.exceptions.ResourceNotFoundException:
            mappings = []
        if not mappings:
            self._note(
                "event source",
                function,
                "pending",
                "not deployed yet: run bootstrap again after `chalice deploy`",
            )
            return
        for mapping in mappings:
            if "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []):
                self._note("event source", function, "kept")
                continue
            lambda_.update_event_source_mapping(
                UUID=mapping["UUID"], FunctionResponseTypes=["ReportBatchItemFailures"]
            )
            self._note("event source", function, "updated", "ReportBatchItemFailures")

    # the webhook's HTTP API -------------------------------------------------------------

    def ensure_http_api(self) -> None:
        """The HTTP API in front of the webhook function: its access log group, the API,
        one Lambda proxy integration (payload 1.0), chalice's routes, the stage with its
        throttling and access logs, and the permission to invoke the function. Before the
        first ``chalice deploy`` there is no function to point at: pending until the run
        after it."""
        self._ensure_log_group(self.stage.http_access_log_group)
        lambda_ = self.clients.lambda_
        name = self.stage.http_api
        try:
            function = lambda_.get_function_configuration(
                FunctionName=self.stage.function_name(API_HANDLER)
            )
        except lambda_.exceptions.ResourceNotFoundException:
            self._note(
                "http api", name, "pending", "not deployed yet: run bootstrap again after deploy"
            )
            return
        v2 = self.clients.apigatewayv2
        found = [api for api in _http_apis(v2) if api["Name"] == name]
        if found:
            api_id = found[0]["ApiId"]
            self._note("http api", name, "kept")
        else:
            api_id = v2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
            self._note("http api", name, "created")
        integration_id = self._ensure_integration(api_id, function["FunctionArn"])
        self._ensure_routes(api_id, integration_id)
        self._ensure_http_stage(api_id)
        self._ensure_invoke_permission(api_id, function["FunctionArn"])

    def _ensure_log_group(self, name: str) -> None:
        logs = self.clients.logs
        found = [
            group
            for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            if group["logGroupName"] == name
        ]
        if found and found[0].get("retentionInDays") == self.stage.log_retention_days:
            self._note("log group", name, "kept")
            return
        if not found:
            logs.create_log_group(logGroupName=name)
        logs.put_retention_policy(logGroupName=name, retentionInDays=self.stage.log_retention_days)
        self._note("log group", name, "updated" if found else "created")

    def _ensure_integration(self, api_id: str, function_arn: str) -> str:
        v2 = self.clients.apigatewayv2
        label = f"{self.stage.http_api} -> {self.stage.function_name(API_HANDLER)}"
        wanted = {
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": function_arn,
            "PayloadFormatVersion": HTTP_PAYLOAD_FORMAT,
        }
        integrations = v2.get_integrations(ApiId=api_id).get("Items", [])
        for integration in integrations:
            if integration.get("IntegrationUri") != function_arn:
                continue
            if all(integration.get(key) == value for key, value in wanted.items()):
                self._note("http integration", label, "kept")
            else:
                v2.update_integration(
                    ApiId=api_id, IntegrationId=integration["IntegrationId"], **wanted
                )
                self._note("http integration", label, "updated")
            return str(integration["IntegrationId"])
        created = v2.create_integration(ApiId=api_id, **wanted)
        self._note("http integration", label, "created")
        return str(created["IntegrationId"])

    def _ensure_routes(self, api_id: str, integration_id: str) -> None:
        v2 = self.clients.apigatewayv2
        target = f"integrations/{integration_id}"
        routes = {route["RouteKey"]: route for route in v2.get_routes(ApiId=api_id)["Items"]}
        for key in HTTP_ROUTES:
            route = routes.pop(key, None)
            label = f"{self.stage.http_api} {key}"
            if route is None:
                v2.create_route(ApiId=api_id, RouteKey=key, Target=target)
                self._note("http route", label, "created")
            elif route.get("Target") != target:
                v2.update_route(ApiId=api_id, RouteId=route["RouteId"], Target=target)
                self._note("http route", label, "updated")
            else:
                self._note("http route", label, "kept")
        for key, route in routes.items():  # a route the app no longer has
            v2.delete_route(ApiId=api_id, RouteId=route["RouteId"])
            self._note("http route", f"{self.stage.http_api} {key}", "deleted")

    def _ensure_http_stage(self, api_id: str) -> None:
        v2 = self.clients.apigatewayv2
        group = self.clients.logs.describe_log_groups(
            logGroupNamePrefix=self.stage.http_access_log_group
        )["logGroups"]
        arn = next(
            g["arn"] for g in group if g["logGroupName"] == self.stage.http_access_log_group
        ).removesuffix(":*")
        wanted = self.stage.http_stage_settings(arn)
        label = f"{self.stage.http_api}/{HTTP_STAGE}"
        try:
            current = v2.get_stage(ApiId=api_id, StageName=HTTP_STAGE)
        except v2.exceptions.NotFoundException:
            v2.create_stage(ApiId=api_id, **wanted)
            self._note("http stage", label, "created")
            return
        if http_stage_differences(current, wanted):
            v2.update_stage(ApiId=api_id, **wanted)
            self._note(
                "http stage", label, "updated", ", ".join(http_stage_differences(current, wanted))
            )
        else:
            self._note("http stage", label, "kept")

    def _ensure_invoke_permission(self, api_id: str, function_arn: str) -> None:
        """API Gateway may invoke the webhook function for this API (any stage, route)."""
        lambda_ = self.clients.lambda_
        partition, _, region, account = function_arn.split(":")[1:5]
        source = f"arn:{partition}:execute-api:{region}:{account}:{api_id}/*"
        try:
            policy = json.loads(lambda_.get_policy(FunctionName=function_arn)["Policy"])
        except lambda_.exceptions.ResourceNotFoundException:
            policy = {"Statement": []}
        label = f"{self.stage.function_name(API_HANDLER)} <- {self.stage.http_api}"
        for statement in policy.get("Statement", []):
            if statement.get("Sid") != HTTP_PERMISSION_SID:
                continue
            if source in json.dumps(statement.get("Condition", {})):
                self._note("http permission", label, "kept")
                return
            lambda_.remove_permission(FunctionName=function_arn, StatementId=HTTP_PERMISSION_SID)
        lambda_.add_permission(
            FunctionName=function_arn,
            StatementId=HTTP_PERMISSION_SID,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source,
        )
        self._note("http permission", label, "created")


def _http_apis(v2: Any) -> list[dict[str, Any]]:
    apis: list[dict[str, Any]] = []
    token = None
    while True:
        page = v2.get_apis(**({"NextToken": token} if token else {}))
        apis += page.get("Items", [])
        token = page.get("NextToken")
        if not token:
            return apis


def http_stage_differences(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """Which of the HTTP API stage's settings (GetStage's answer) differ from ``wanted``."""
    differing = []
    route_settings = current.get("DefaultRouteSettings") or {}
    for key, value in wanted["DefaultRouteSettings"].items():
        if route_settings.get(key) is None or float(route_settings[key]) != float(value):
            differing.append(key)
    logs = current.get("AccessLogSettings") or {}
    for key, value in wanted["AccessLogSettings"].items():
        if logs.get(key) != value:
            differing.append(f"AccessLogSettings.{key}")
    if current.get("AutoDeploy") is not True:
        differing.append("AutoDeploy")
    return differing


def http_api_url(v2: Any, stage: Stage) -> str | None:
    """The webhook's base URL on the HTTP API (``…/api/``), or None when there is none."""
    for api in _http_apis(v2):
        if api["Name"] == stage.http_api:
            return f"{api['ApiEndpoint'].rstrip('/')}/{HTTP_STAGE}/"
    return None


_NO_QUEUE = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


def _sqs_value(value: Any) -> str:
    """SQS attributes are strings: booleans lower-case, the redrive policy as JSON."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _same_sqs_value(current: str | None, wanted: str) -> bool:
    if current is None:
        return False
    if wanted.startswith("{"):
        try:
            parsed = json.loads(current)
        except ValueError:
            return False
        return {k: str(v) for k, v in parsed.items()} == {
            k: str(v) for k, v in json.loads(wanted).items()
        }
    return current.lower() == wanted.lower()


def _same_alarm_value(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, int | float) and not isinstance(wanted, bool):
        return current is not None and float(current) == float(wanted)
    if isinstance(wanted, list) and wanted and isinstance(wanted[0], dict):
        return _sorted_dicts(current or []) == _sorted_dicts(wanted)
    return bool(current == wanted)


def _sorted_dicts(items: Iterable[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True) for item in items)


def summarize(changes: Iterable[Change]) -> str:
    """One aligned line per resource, for the terminal."""
    rows = list(changes)
    width_kind = max((len(c.kind) for c in rows), default=0)
    width_name = max((len(c.name) for c in rows), default=0)
    return "\n".join(
        f"{c.kind:<{width_kind}}  {c.name:<{width_name}}  {c.action}"
        + (f"  ({c.detail})" if c.detail else "")
        for c in rows
    )
