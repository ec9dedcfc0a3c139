"""The CloudFormation package and the IAM policies: what a deploy would create and allow.

One real `chalice package` (with the merge template built from code) per test session:
the checks that matter, ReportBatchItemFailures above all, only hold if the merge lands
on the logical ids chalice really generates, so they are made on its real output. It
takes a few seconds with chalice's wheel cache (.chalice/deployments) and needs a package
index the first time, nothing else.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.store import keys
from chalicelib.store.schema import table_definition
from rollcall import infra, ship
from rollcall.infra import EXPLAINED_WILDCARDS, LOGICAL_IDS, WORKER_EVENT, Stage

# `chalice package` and the deploy share .chalice/deployments and build/: under pytest-xdist
# (--dist loadgroup) these modules run on one worker, one after another.
pytestmark = pytest.mark.xdist_group("chalice-package")

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_BUDGET_BYTES = 5_000_000


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("package")
    merge = work / "resources-dev.json"
    merge.write_text(infra.to_json(infra.merge_template(Stage.load("dev"))))
    out = work / "package-dev"
    # What `make package` packages: the bytecode-only copy of the project.
    shipped = ship.stage(work / "ship")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        # chalice package needs a region, never an account: no credentials that work.
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(work / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
    }
    done = subprocess.run(
        [
            *(sys.executable, "-c", "from chalice.cli import main; main()"),
            *("--project-dir", str(shipped), "package", "--stage", "dev"),
            *("--merge-template", str(merge), str(out)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"chalice package failed:\n{done.stdout}\n{done.stderr}"
    return out


@pytest.fixture(scope="session")
def template(package_dir: Path) -> dict[str, Any]:
    return json.loads((package_dir / "sam.json").read_text())


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r.get("Type") == kind}


def worker(resources: dict[str, Any]) -> dict[str, Any]:
    return resources[LOGICAL_IDS["run_queued_jobs"]]


# -- the packaged template -----------------------------------------------------------------


def test_the_packaged_template_passes_cfn_lint(package_dir):
    from cfnlint.api import lint_file

    matches = lint_file(package_dir / "sam.json")
    assert [str(m) for m in matches] == []


def test_every_merged_override_lands_on_a_resource_chalice_generated(resources):
    """A merge entry without a Type only adds to chalice's resource of that logical id; if
    chalice ever renamed it, the merge would silently create a broken resource instead."""
    merged = infra.merge_template(Stage.load("dev"))["Resources"]
    for name, resource in merged.items():
        if "Type" not in resource:
            assert resources[name]["Type"] == "AWS::Serverless::Function", name


def test_the_table_is_the_schema_with_ttl_and_backups(resources):
    (table,) = of_type(resources, "AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    wanted = table_definition("rollcall-dev")
    assert properties["TableName"] == "rollcall-dev"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == wanted["KeySchema"]
    assert properties["AttributeDefinitions"] == wanted["AttributeDefinitions"]
    indexes = {i["IndexName"]: i for i in properties["GlobalSecondaryIndexes"]}
    assert set(indexes) == {keys.KIND_INDEX, keys.DUE_INDEX}
    assert indexes == {i["IndexName"]: i for i in wanted["GlobalSecondaryIndexes"]}
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": keys.TTL_ATTRIBUTE,
        "Enabled": True,
    }
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_the_functions_use_the_table_and_queue_the_template_creates(resources):
    tables = {
        r["Properties"]["TableName"] for r in of_type(resources, "AWS::DynamoDB::Table").values()
    }
    queues = {r["Properties"]["QueueName"] for r in of_type(resources, "AWS::SQS::Queue").values()}
    functions = of_type(resources, "AWS::Serverless::Function")
    assert set(functions) == set(LOGICAL_IDS.values())
    for function in functions.values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["ROLLCALL_TABLE"] in tables
        assert variables["ROLLCALL_QUEUE"] in queues
        assert variables["ROLLCALL_STAGE"] == "dev"
        assert function["Properties"]["Architectures"] == ["arm64"]


def test_function_memory_and_timeouts_follow_the_config(resources):
    sizes = {
        name: (r["Properties"]["MemorySize"], r["Properties"]["Timeout"])
        for name, r in of_type(resources, "AWS::Serverless::Function").items()
    }
    assert sizes == {
        "APIHandler": (256, 10),
        "DispatchDueJobs": (256, 60),
        "RunQueuedJobs": (256, 60),
    }


def test_the_job_queue_redrives_to_the_dead_letter_queue(resources):
    queue = resources["JobQueue"]["Properties"]
    dlq = resources["JobDeadLetterQueue"]["Properties"]
    assert queue["QueueName"] == "rollcall-dev-jobs"
    assert dlq["QueueName"] == "rollcall-dev-jobs-dlq"
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    worker_timeout = worker(resources)["Properties"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * worker_timeout


def test_the_worker_reports_batch_item_failures(resources):
    """Without ReportBatchItemFailures Lambda treats a returned batchItemFailures as
    success and deletes the failed jobs with the rest (DESIGN.md section 6)."""
    events = worker(resources)["Properties"]["Events"]
    sqs_events = {name: e for name, e in events.items() if e["Type"] == "SQS"}
    assert list(sqs_events) == [WORKER_EVENT]
    properties = sqs_events[WORKER_EVENT]["Properties"]
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["Queue"]["Fn::Sub"].endswith(":rollcall-dev-jobs")
    # The cap is chalice's own (on_sqs_message(maximum_concurrency=...)), from the stage's
    # ROLLCALL_WORKER_CONCURRENCY: the merge template does not set it.
    assert properties["ScalingConfig"] == {"MaximumConcurrency": 2}
    merged = infra.merge_template(Stage.load("dev"))["Resources"]
    assert (
        "ScalingConfig"
        not in merged["RunQueuedJobs"]["Properties"]["Events"][WORKER_EVENT]["Properties"]
    )
    # Chalice names the queue by a string ARN: the dependency has to be explicit.
    assert "JobQueue" in worker(resources)["DependsOn"]


def test_the_merge_template_puts_the_http_api_in_front_of_the_webhook_function():
    """The CloudFormation path's HTTP API: chalice's routes, one payload-1.0 proxy of the
    webhook function, a throttled stage with JSON access logs, the invoke permission, and
    the WebhookBaseURL output on it (what the runbook gives platforms)."""
    stage = Stage.load("prod")
    template = infra.merge_template(stage)
    merged = template["Resources"]
    assert merged["HttpApi"]["Properties"] == {"Name": "rollcall-prod-http", "ProtocolType": "HTTP"}
    integration = merged["HttpApiIntegration"]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["APIHandler", "Arn"]}
    assert integration["PayloadFormatVersion"] == "1.0"
    routes = [r["Properties"] for r in of_type(merged, "AWS::ApiGatewayV2::Route").values()]
    assert sorted(r["RouteKey"] for r in routes) == sorted(infra.HTTP_ROUTES)
    assert "POST /webhooks/{platform}" in {r["RouteKey"] for r in routes}
    assert all(
        r["Target"] == {"Fn::Join": ["/", ["integrations", {"Ref": "HttpApiIntegration"}]]}
        for r in routes
    )
    http_stage = merged["HttpApiStage"]["Properties"]
    assert http_stage["StageName"] == "api" and http_stage["AutoDeploy"] is True
    assert http_stage["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": 5000,
        "ThrottlingRateLimit": 5000.0,
    }
    assert http_stage["AccessLogSettings"]["DestinationArn"] == {
        "Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]
    }
    assert json.loads(http_stage["AccessLogSettings"]["Format"])["status"] == "$context.status"
    assert merged["HttpApiAccessLogs"]["Properties"] == {
        "LogGroupName": "/aws/apigateway/rollcall-prod-http",
        "RetentionInDays": 30,
    }
    permission = merged["HttpApiPermission"]["Properties"]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["FunctionName"] == {"Ref": "APIHandler"}
    assert "${HttpApi}/*" in permission["SourceArn"]["Fn::Sub"]
    assert "${HttpApi}" in template["Outputs"]["WebhookBaseURL"]["Value"]["Fn::Sub"]


def test_the_http_api_targets_the_function_chalice_packages(resources):
    """The merge lands on chalice's real logical id for the webhook function."""
    assert resources["APIHandler"]["Type"] == "AWS::Serverless::Function"
    assert resources["HttpApiIntegration"]["Properties"]["IntegrationUri"] == {
        "Fn::GetAtt": ["APIHandler", "Arn"]
    }


def test_each_stage_caps_its_workers_in_its_config():
    """prod runs at most 10 workers at once, dev (and stages copied from it) 2, Lambda's
    minimum: the value chalice reads from the stage's environment when it imports app.py."""
    assert Stage.load("prod").worker_max_concurrency == 10
    assert Stage.load("dev").worker_max_concurrency == 2


def test_alarms_watch_the_dlq_and_every_function(resources):
    alarms = [r["Properties"] for r in of_type(resources, "AWS::CloudWatch::Alarm").values()]
    watched = {(a["MetricName"], a["Dimensions"][0]["Value"]) for a in alarms}
    assert ("ApproximateNumberOfMessagesVisible", "rollcall-dev-jobs-dlq") in watched
    names = {
        r["Properties"]["FunctionName"]
        for r in of_type(resources, "AWS::Serverless::Function").values()
    }
    assert names == {
        "rollcall-dev",
        "rollcall-dev-dispatch_due_jobs",
        "rollcall-dev-run_queued_jobs",
    }
    for name in names:
        assert ("Errors", name) in watched
        assert ("Throttles", name) in watched
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)


def test_the_package_stays_within_the_size_budget(package_dir):
    sizes = {p.name: p.stat().st_size for p in package_dir.glob("*.zip")}
    assert set(sizes) == {"deployment.zip", "layer-deployment.zip"}
    assert sum(sizes.values()) <= PACKAGE_BUDGET_BYTES, sizes


def test_the_package_leaves_out_dev_tools(package_dir):
    """boto3 comes with the Lambda runtime; chalice's CLI, moto and pytest are dev tools."""
    import zipfile

    names: set[str] = set()
    for path in package_dir.glob("*.zip"):
        with zipfile.ZipFile(path) as archive:
            names |= {
                n.split("/")[4] if n.startswith("python/") else n.split("/")[0]
                for n in archive.namelist()
            }
    assert not names & {"boto3", "botocore", "moto", "pytest", "cfnlint", "rollcall"}


def test_the_package_ships_chalicelib_as_bytecode_only(package_dir):
    """rollcall/ship.py: one sourceless .pyc per module of chalicelib, no source, no cache."""
    import zipfile

    with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
        names = set(archive.namelist())
    shipped = {n for n in names if n.startswith("chalicelib/")}
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "chalicelib").rglob("*.py")}
    assert sources, "no chalicelib sources found"
    assert {s + "c" for s in sources} == shipped
    assert "app.py" in names


def test_the_packaged_functions_run_from_bytecode_and_name_their_sources(package_dir, tmp_path):
    """Unzipped as Lambda lays it out (code, then the layer's site-packages), the app
    imports from the shipped bytecode alone, and a traceback still names the module's
    source path and line."""
    import zipfile

    code, layer = tmp_path / "task", tmp_path / "opt"
    zipfile.ZipFile(package_dir / "deployment.zip").extractall(code)
    zipfile.ZipFile(package_dir / "layer-deployment.zip").extractall(layer)
    probe = (
        "import traceback, app, chalicelib\n"
        "from chalicelib.domain.periods import Period\n"
        "print(chalicelib.__file__)\n"
        "print(sorted(app.app.routes)[0])\n"
        "try:\n"
        "    Period.parse('not a period')\n"
        "except ValueError as error:\n"
        "    frame = traceback.extract_tb(error.__traceback__)[-1]\n"
        "    print(frame.filename, frame.lineno)\n"
    )
    site = layer / "python" / "lib" / "python3.11" / "site-packages"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=code,
        env={
            **os.environ,
            "PYTHONPATH": f"{code}{os.pathsep}{site}",
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    module_file, first_route, where = done.stdout.splitlines()
    assert module_file == str(code / "chalicelib" / "__init__.pyc")
    assert first_route.startswith("/")
    filename, line = where.split()
    assert filename == "chalicelib/domain/periods.py" and int(line) > 0


# -- production differs where it should ---------------------------------------------------


def test_production_keeps_its_table_when_the_stack_goes():
    resources = infra.merge_template(Stage.load("prod"))["Resources"]
    table = resources["Table"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    dev_table = infra.merge_template(Stage.load("dev"))["Resources"]["Table"]
    assert dev_table["DeletionPolicy"] == "Delete"


# -- chalice's config and the IAM policies -------------------------------------------------


def chalice_config() -> dict[str, Any]:
    return json.loads((ROOT / ".chalice" / "config.json").read_text())


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deployed_stages_give_each_function_its_own_policy_file(stage):
    config = chalice_config()
    section = config["stages"][stage]
    assert section["autogen_policy"] is False
    assert "iam_policy_file" not in section  # no shared fallback: each function names its own
    functions = section["lambda_functions"]
    assert sorted(functions) == sorted(infra.FUNCTIONS)
    for function in infra.FUNCTIONS:
        assert functions[function]["iam_policy_file"] == infra.policy_file(stage, function)
    assert config["automatic_layer"] is True
    assert config["lambda_architecture"] == "arm64"


def policy_files(stage: str) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((ROOT / ".chalice").glob(f"policy-{stage}*"))}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_policy_files_are_the_generated_ones(stage):
    """Hand edits would drift from the code: regenerate with `rollcall infra policy --stage S
    --write` (pinning the partition, region or account there is fine: the comparison uses
    each file's own). No other policy file of the stage lies around."""
    on_disk = policy_files(stage)
    assert sorted(on_disk) == sorted(infra.policy_file(stage, f) for f in infra.FUNCTIONS)
    for function in infra.FUNCTIONS:
        text = on_disk[infra.policy_file(stage, function)]
        first_arn = json.loads(text)["Statement"][0]["Resource"][0]
        _, partition, _, region, account = first_arn.split(":", 5)[:5]
        pins = {"partition": partition, "region": region, "account": account}
        assert text == infra.to_json(infra.policy(Stage.load(stage), function, **pins))


def test_pinned_policies_name_the_region_and_account_everywhere():
    document = infra.policy(
        Stage.load("prod"), "run_queued_jobs", region="ap-northeast-1", account="123456789012"
    )
    text = json.dumps(document)
    assert ":*:" not in text and "ssm.*." not in text
    assert "arn:aws:sqs:ap-northeast-1:123456789012:rollcall-prod-jobs" in text
    assert "ssm.ap-northeast-1.amazonaws.com" in text


def wildcard_resources(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(Sid, resource) for every resource that names no particular resource: "*", or an
    ARN whose resource part is only a type and a wildcard (``key/*``, ``table/*``)."""
    found = []
    for statement in document["Statement"]:
        resources = statement["Resource"]
        for resource in [resources] if isinstance(resources, str) else resources:
            resource_part = resource.split(":", 5)[5] if resource.startswith("arn:") else resource
            if re.fullmatch(r"(?:[\w-]+[/:])?\*", resource_part):
                found.append((statement["Sid"], resource))
    return found


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("function", infra.FUNCTIONS)
def test_policies_name_their_resources_except_the_explained_ones(stage, function):
    text = (ROOT / ".chalice" / infra.policy_file(stage, function)).read_text()
    document = json.loads(text)
    wildcards = wildcard_resources(document)
    assert {sid for sid, _ in wildcards} <= set(EXPLAINED_WILDCARDS)
    readme = (ROOT / "README.md").read_text()
    for sid in {sid for sid, _ in wildcards}:
        assert f"`{sid}`" in readme, f"README does not explain the wildcard in {sid}"
    for statement in document["Statement"]:
        if statement["Sid"] in EXPLAINED_WILDCARDS:
            assert statement.get("Condition"), "a wildcard needs conditions to narrow it"
            continue
        for resource in statement["Resource"]:
            assert f"rollcall-{stage}" in resource or f"/rollcall/{stage}" in resource


def test_the_wildcard_check_catches_a_star():
    document = {
        "Statement": [
            {"Sid": "X", "Resource": "*"},
            {"Sid": "Y", "Resource": ["arn:aws:dynamodb:*:*:table/*"]},
        ]
    }
    assert wildcard_resources(document) == [("X", "*"), ("Y", "arn:aws:dynamodb:*:*:table/*")]


def test_each_packaged_function_has_its_own_role_with_its_own_policy(resources):
    roles = set()
    for function, logical_id in LOGICAL_IDS.items():
        role_id = resources[logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
        roles.add(role_id)
        (attached,) = resources[role_id]["Properties"]["Policies"]
        on_disk = (ROOT / ".chalice" / infra.policy_file("dev", function)).read_text()
        assert attached["PolicyDocument"] == json.loads(on_disk)
    assert len(roles) == len(LOGICAL_IDS)


@pytest.mark.parametrize("function", ["api_handler", "run_queued_jobs"])
def test_the_secret_statement_covers_the_path_the_code_asks_for(function):
    """GetParametersByPath is authorized against the path in the request, which
    chalicelib/secrets.py sends with a trailing slash."""
    from fnmatch import fnmatchcase

    from chalicelib.secrets import parameter_path

    document = infra.policy(Stage.load("prod"), function)
    (statement,) = [s for s in document["Statement"] if s["Sid"] == "SecretParameters"]
    asked = f"arn:aws:ssm:*:*:parameter{parameter_path('prod')}"
    assert any(fnmatchcase(asked, resource) for resource in statement["Resource"])
    assert not fnmatchcase("arn:aws:ssm:*:*:parameter/rollcall/dev/", statement["Resource"][-1])
