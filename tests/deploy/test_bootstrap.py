"""`rollcall infra bootstrap` against moto: what exists afterwards, and that it is idempotent.

The chalice-deploy path has no CloudFormation to converge the account: bootstrap is the
whole of it. So these tests read the resources back through the AWS APIs, as an operator
checking the console would, rather than trusting bootstrap's own report.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from chalicelib.store.schema import table_definition
from rollcall.cli import main
from rollcall.infra import Stage

REGION = "us-east-1"


def bootstrap(stage: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        main, ["infra", "bootstrap", "--stage", stage, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def actions(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(r["kind"], r["name"]): r["action"] for r in report["resources"]}


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def queue_attributes(name: str) -> dict[str, str]:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def deploy_worker_like_chalice(stage: Stage) -> str:
    """What `chalice deploy` leaves behind for the worker: the function and a plain SQS
    event source mapping (no ReportBatchItemFailures, no concurrency cap)."""
    role = client("iam").create_role(RoleName="rollcall-dev", AssumeRolePolicyDocument="{}")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    lambda_ = client("lambda")
    lambda_.create_function(
        FunctionName=stage.function_name("run_queued_jobs"),
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
    )
    queue_arn = queue_attributes(stage.queue)["QueueArn"]
    return lambda_.create_event_source_mapping(
        EventSourceArn=queue_arn,
        FunctionName=stage.function_name("run_queued_jobs"),
        BatchSize=10,
    )["UUID"]


def test_bootstrap_creates_the_table_from_the_schema(aws):
    bootstrap("dev")
    ddb = client("dynamodb")
    table = ddb.describe_table(TableName="rollcall-dev")["Table"]
    wanted = table_definition("rollcall-dev")
    assert table["KeySchema"] == wanted["KeySchema"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    indexes = {i["IndexName"]: i["KeySchema"] for i in table["GlobalSecondaryIndexes"]}
    assert indexes == {i["IndexName"]: i["KeySchema"] for i in wanted["GlobalSecondaryIndexes"]}
    ttl = ddb.describe_time_to_live(TableName="rollcall-dev")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    backups = ddb.describe_continuous_backups(TableName="rollcall-dev")
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    # Deletion protection is for production only: dev tables come and go.
    assert not table.get("DeletionProtectionEnabled")


def test_bootstrap_creates_the_queue_with_its_dead_letter_queue(aws):
    bootstrap("dev")
    stage = Stage.load("dev")
    queue = queue_attributes("rollcall-dev-jobs")
    dlq = queue_attributes("rollcall-dev-jobs-dlq")
    assert int(queue["VisibilityTimeout"]) >= 6 * stage.timeouts["run_queued_jobs"]
    redrive = json.loads(queue["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dlq["QueueArn"]
    assert int(redrive["maxReceiveCount"]) == 5
    assert int(dlq["MessageRetentionPeriod"]) == 14 * 24 * 3600


def test_bootstrap_creates_alarms_that_notify_the_topic(aws):
    bootstrap("dev")
    topics = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]]
    assert [t.rsplit(":", 1)[-1] for t in topics] == ["rollcall-dev-alarms"]
    found = {a["AlarmName"]: a for a in client("cloudwatch").describe_alarms()["MetricAlarms"]}
    functions = ["rollcall-dev", "rollcall-dev-dispatch_due_jobs", "rollcall-dev-run_queued_jobs"]
    watched = {
        (a["Namespace"], a["MetricName"], a["Dimensions"][0]["Value"]) for a in found.values()
    }
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "rollcall-dev-jobs-dlq") in watched
    assert ("AWS/SQS", "ApproximateAgeOfOldestMessage", "rollcall-dev-jobs") in watched
    for function in functions:
        assert ("AWS/Lambda", "Errors", function) in watched
        assert ("AWS/Lambda", "Throttles", function) in watched
    assert all(a["AlarmActions"] == topics for a in found.values())
    dlq_alarm = found["rollcall-dev-dlq-not-empty"]
    assert (dlq_alarm["ComparisonOperator"], dlq_alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_bootstrap_gives_the_log_groups_a_retention(aws):
    bootstrap("dev")
    groups = client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/rollcall-dev")
    retention = {g["logGroupName"]: g.get("retentionInDays") for g in groups["logGroups"]}
    assert retention == {
        "/aws/lambda/rollcall-dev": 7,
        "/aws/lambda/rollcall-dev-dispatch_due_jobs": 7,
        "/aws/lambda/rollcall-dev-run_queued_jobs": 7,
    }


def test_a_second_run_changes_nothing(aws):
    """Bootstrap runs after every deploy: it must report, not rewrite, what is right."""
    first = bootstrap("dev")
    alarms_before = client("cloudwatch").describe_alarms()["MetricAlarms"]
    queue_before = queue_attributes("rollcall-dev-jobs")
    second = bootstrap("dev")
    assert first["created"] is True and second["created"] is False
    changed = {key: action for key, action in actions(second).items() if action != "kept"}
    # Only the worker's event source and the HTTP API wait: chalice deploy has not created
    # their functions yet.
    assert changed == {
        ("event source", "rollcall-dev-run_queued_jobs"): "pending",
        ("http api", "rollcall-dev-http"): "pending",
    }
    alarms_after = client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert [a["AlarmConfigurationUpdatedTimestamp"] for a in alarms_after] == [
        a["AlarmConfigurationUpdatedTimestamp"] for a in alarms_before
    ]
    assert queue_attributes("rollcall-dev-jobs") == queue_before


def test_bootstrap_turns_on_partial_batch_failures_after_chalice_deploy(aws):
    """Chalice creates the worker's event source mapping without ReportBatchItemFailures;
    without it Lambda would delete a batch's failed jobs along with the successful ones."""
    bootstrap("dev")
    mapping_id = deploy_worker_like_chalice(Stage.load("dev"))
    report = actions(bootstrap("dev"))
    assert report[("event source", "rollcall-dev-run_queued_jobs")] == "updated"
    mapping = client("lambda").get_event_source_mapping(UUID=mapping_id)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The concurrency cap is chalice's to set (it keeps it on every deploy): not bootstrap's.
    assert not mapping.get("ScalingConfig")
    assert actions(bootstrap("dev"))[("event source", "rollcall-dev-run_queued_jobs")] == "kept"


def deploy_webhook_like_chalice(stage: Stage) -> str:
    """The webhook function as `chalice deploy` leaves it (the HTTP API's target)."""
    role = client("iam").create_role(RoleName="rollcall-dev-api", AssumeRolePolicyDocument="{}")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    created = client("lambda").create_function(
        FunctionName=stage.function_name("api_handler"),
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="app.app",
        Code={"ZipFile": code.getvalue()},
    )
    return str(created["FunctionArn"])


def test_bootstrap_puts_the_http_api_in_front_of_the_webhook_once(aws):
    """After `chalice deploy`, bootstrap makes the HTTP API platforms call: chalice's
    routes to a payload-1.0 proxy of the webhook function, the stage's throttling and JSON
    access logs, the invoke permission; deploy-check's own checker finds nothing wrong, and
    a second run changes nothing."""
    from tests.deploy.motodeploy import _check_http_api

    stage = Stage.load("dev")
    bootstrap("dev")
    arn = deploy_webhook_like_chalice(stage)
    report = actions(bootstrap("dev"))
    assert report[("http api", "rollcall-dev-http")] == "created"
    assert report[("http stage", "rollcall-dev-http/api")] == "created"
    assert report[("http permission", "rollcall-dev <- rollcall-dev-http")] == "created"
    functions = {"api_handler": {"FunctionArn": arn, "FunctionName": "rollcall-dev"}}
    problems: list[str] = []
    _check_http_api(
        client("apigatewayv2"), client("lambda"), client("logs"), stage, functions, problems
    )
    assert problems == []
    (api,) = client("apigatewayv2").get_apis()["Items"]
    stage_settings = client("apigatewayv2").get_stage(ApiId=api["ApiId"], StageName="api")
    assert stage_settings["DefaultRouteSettings"]["ThrottlingRateLimit"] == 50.0
    again = actions(bootstrap("dev"))
    assert {a for k, a in again.items() if k[0].startswith("http")} == {"kept"}
    assert len(client("apigatewayv2").get_apis()["Items"]) == 1


def test_bootstrap_repairs_drift(aws):
    """Someone changed the queue by hand and deleted an alarm: the next run puts both back
    and says so."""
    bootstrap("dev")
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="rollcall-dev-jobs")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "30"})
    client("cloudwatch").delete_alarms(AlarmNames=["rollcall-dev-dlq-not-empty"])
    report = actions(bootstrap("dev"))
    assert report[("queue", "rollcall-dev-jobs")] == "updated"
    assert report[("alarm", "rollcall-dev-dlq-not-empty")] == "created"
    assert queue_attributes("rollcall-dev-jobs")["VisibilityTimeout"] == "360"


def test_production_tables_are_protected_from_deletion(aws):
    bootstrap("prod")
    table = client("dynamodb").describe_table(TableName="rollcall-prod")["Table"]
    assert table["DeletionProtectionEnabled"] is True


def test_bootstrap_of_an_unknown_stage_fails_in_one_line(aws):
    result = CliRunner().invoke(main, ["infra", "bootstrap", "--stage", "staging"])
    assert result.exit_code != 0
    assert result.stderr.startswith("error: unknown stage 'staging'")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_bootstrap_writes_nothing_secret_and_nothing_into_the_repo(aws, stage):
    """Bootstrap creates infrastructure only: no parameters (secrets are set by hand with
    `rollcall secrets set`), and no file in the working tree."""
    before = set(os.listdir("."))
    bootstrap(stage)
    assert client("ssm").describe_parameters()["Parameters"] == []
    assert set(os.listdir(".")) == before


def test_an_older_table_gets_its_missing_indexes_one_per_run(aws):
    """A table made before an index was added to the schema: DynamoDB adds one index per
    UpdateTable, so bootstrap adds one, says the next is pending, and adds it next run."""
    wanted = table_definition("rollcall-dev")
    client("dynamodb").create_table(
        TableName="rollcall-dev",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")],
        KeySchema=wanted["KeySchema"],
    )
    first, second = (wanted["GlobalSecondaryIndexes"][i]["IndexName"] for i in (0, 1))
    report = actions(bootstrap("dev"))
    assert report[("table", "rollcall-dev")] == "kept"
    assert report[("ttl", "rollcall-dev.expires_at")] == "updated"
    assert report[("index", f"rollcall-dev/{first}")] == "created"
    assert report[("index", f"rollcall-dev/{second}")] == "pending"
    report = actions(bootstrap("dev"))
    assert report[("index", f"rollcall-dev/{first}")] == "kept"
    assert report[("index", f"rollcall-dev/{second}")] == "created"
    table = client("dynamodb").describe_table(TableName="rollcall-dev")["Table"]
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {first, second}


def test_a_table_with_other_keys_is_refused(aws):
    client("dynamodb").create_table(
        TableName="rollcall-dev",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    result = CliRunner().invoke(main, ["infra", "bootstrap", "--stage", "dev"])
    assert result.exit_code != 0
    assert "exists with other keys" in result.stderr


def test_a_new_table_that_refuses_backups_for_a_while_is_retried_not_left_half_done(aws):
    """DynamoDB may refuse point-in-time recovery on a table minutes old although it is
    ACTIVE; bootstrap must retry (with backoff) and go on to the queues and alarms."""
    from botocore.exceptions import ClientError

    from rollcall.infra import Bootstrap, Clients

    stage = Stage.load("dev")
    clients = Clients.create(REGION, client("dynamodb"))
    refusals = [2]

    def refuse_twice(params, **_):
        if refusals[0]:
            refusals[0] -= 1
            error = {"Code": "ContinuousBackupsUnavailableException", "Message": "retry later"}
            raise ClientError({"Error": error}, "UpdateContinuousBackups")

    clients.dynamodb.meta.events.register(
        "before-call.dynamodb.UpdateContinuousBackups", refuse_twice
    )
    slept: list[float] = []
    changes = Bootstrap(stage, clients, sleep=slept.append).run()
    assert refusals == [0] and slept == [2.0, 4.0]
    kinds = {c.kind for c in changes}
    assert {"point-in-time recovery", "queue", "alarm"} <= kinds
    backups = client("dynamodb").describe_continuous_backups(TableName=stage.table)
    status = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert status["PointInTimeRecoveryStatus"] == "ENABLED"


def test_infra_url_prints_the_http_apis_base_url_or_says_there_is_none(aws):
    stage = Stage.load("dev")
    missing = CliRunner().invoke(main, ["infra", "url", "--stage", "dev"])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (
        "error: stage dev has no HTTP API rollcall-dev-http: deploy it (bootstrap after"
        " `chalice deploy`, or the CloudFormation stack)"
    )
    bootstrap("dev")
    deploy_webhook_like_chalice(stage)
    bootstrap("dev")
    (api,) = client("apigatewayv2").get_apis()["Items"]
    found = CliRunner().invoke(main, ["infra", "url", "--stage", "dev"])
    assert found.exit_code == 0, found.output
    assert found.stdout == f"https://{api['ApiId']}.execute-api.us-east-1.amazonaws.com/api/\n"


def test_platform_setup_of_a_deployed_stage_prints_the_http_api_webhook(aws):
    """Without --url or ROLLCALL_PUBLIC_URL, a deployed stage's guide gives platforms the
    HTTP API's webhook (what they are meant to call), not a placeholder."""
    stage = Stage.load("dev")
    bootstrap("dev")
    deploy_webhook_like_chalice(stage)
    bootstrap("dev")
    (api,) = client("apigatewayv2").get_apis()["Items"]
    result = CliRunner().invoke(
        main, ["platform", "setup", "telegram", "--stage", "dev", "--locale", "en", "--json"]
    )
    assert result.exit_code == 0, result.output
    guide = json.loads(result.stdout)
    assert guide["webhook_url_known"] is True
    assert guide["webhook_url"] == (
        f"https://{api['ApiId']}.execute-api.us-east-1.amazonaws.com/api/webhooks/telegram"
    )
