"""`make deploy-check`: the operator's runbook (docs/operator.md, Deploying), run for real.

A moto server runs in this process (with moto 5.2.5's gaps patched, see motodeploy.py). The
runbook's `sh` blocks run against it as subprocesses, as printed (stage ci for prod), in a
copy of the project with a ``ci`` stage: bootstrap, ``chalice deploy``, bootstrap again,
secrets, a job replayed dry and then forced (to a fake Telegram on 127.0.0.1), a redeploy,
and at the end ``chalice delete``. After each step that matters, every resource is read back
through its own service's API by ``check_deployment``. Tests break the deployment through
boto3 to show that the checker catches it. With aws-sam-translator installed, the
CloudFormation path is deployed too, in a second account.

The first run downloads the Lambda's wheels (cached under build/deploy-check/); a run takes
about half a minute. See docs/deploy-check.md.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.deploy import motodeploy
from tests.deploy.motodeploy import (
    OPERATOR_DOC,
    FakeTelegram,
    MotoServer,
    Project,
    Run,
    bootstrap_actions,
    check_deployment,
    cloudformation_gaps,
    deploy_stack,
    patched_moto,
    runbook_block,
)

# `chalice package` and the deploy share .chalice/deployments and build/: under pytest-xdist
# (--dist loadgroup) these modules run on one worker, one after another.
pytestmark = pytest.mark.xdist_group("chalice-package")

ROSTER = "user_id,name,role,squad,joined_at\nu1,Ann,owner,A,2026-11-01\nu2,Bo,member,A,2026-11-02\n"
TELEGRAM_CHAT = "-1001234"
SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123456:ci-token",
    "TELEGRAM_SECRET_TOKEN": "ci-secret-token",
    "SLACK_SIGNING_SECRET": "ci-signing-secret",
}
BOOTSTRAP = ["rollcall", "infra", "bootstrap"]
BOOTSTRAP_LINE = "rollcall infra bootstrap --stage prod"  # as the runbook prints it
SHIP_LINE = "python -m rollcall.ship"  # the bytecode-only copy in build/ship
DEPLOY_LINE = "chalice --project-dir build/ship deploy --stage prod"  # deploys that copy
URL_LINE = "rollcall infra url --stage prod"  # operator.md, Connect each platform's webhook


@dataclass
class Step:
    run: Run
    telegram_calls: int  # what the fake Telegram had received when the command ended


@dataclass
class Deployment:
    server: MotoServer
    project: Project
    telegram: FakeTelegram
    steps: list[Step] = field(default_factory=list)

    def client(self, service: str) -> Any:
        return self.server.client(service)

    def problems(self) -> list[str]:
        return check_deployment(self.client, self.project.config_file, self.project.stage)

    def bootstrap(self) -> dict[str, Any]:
        return self.project.must(*BOOTSTRAP, "--stage", "ci", "--json").json()

    def find(self, *prefix: str) -> list[Step]:
        return [step for step in self.steps if step.run.command[: len(prefix)] == list(prefix)]

    def telegram_calls_during(self, step: Step) -> list[tuple[str, dict[str, Any]]]:
        index = self.steps.index(step)
        before = self.steps[index - 1].telegram_calls if index else 0
        return self.telegram.calls[before : step.telegram_calls]


def actions(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(r["kind"], r["name"]): r["action"] for r in report["resources"]}


def run_runbook(deployment: Deployment) -> None:
    """docs/operator.md's commands, as printed there (for stage ci), in its order: each
    must exit 0. Only the community and its roster, which the runbook leaves to the
    organiser, are this test's own commands."""
    project, telegram = deployment.project, deployment.telegram

    def step(line: str, *, stdin: str | None = None, **env: str) -> None:
        run = project.literally(line, stdin=stdin, **env)
        deployment.steps.append(Step(run, len(telegram.calls)))

    for line in runbook_block("First deploy with `chalice deploy`"):
        step(line)
    (project.directory / "signing-secret.txt").write_text(
        SECRETS["SLACK_SIGNING_SECRET"] + "\n", encoding="utf-8"
    )
    for line in runbook_block("Secrets"):
        name = line.split()[3] if line.startswith("rollcall secrets set") else ""
        step(line, stdin=SECRETS.get(name, "") + "\n")
    # Telegram needs both of its settings; the runbook's example sets only the token.
    step(
        "rollcall secrets set TELEGRAM_SECRET_TOKEN --stage prod",
        stdin=SECRETS["TELEGRAM_SECRET_TOKEN"],
    )
    # Connect each platform's webhook: the URL is `rollcall infra url` (the HTTP API) +
    # webhooks/<platform>; for Telegram `rollcall platform setup telegram --apply` calls
    # setWebhook.
    step(URL_LINE)
    api_url = deployment.steps[-1].run.stdout.strip()
    step(
        f"rollcall platform setup telegram --url {api_url} --stage prod --apply --locale en",
        ROLLCALL_TELEGRAM_API_BASE=telegram.url,
    )
    replay = runbook_block("Replay a job")
    exports = dict(
        line.removeprefix("export ").split("=", 1) for line in replay if line.startswith("export ")
    )
    assert exports == {"ROLLCALL_STAGE": "prod"}, replay
    env = {"ROLLCALL_STAGE": "ci", "ROLLCALL_TELEGRAM_API_BASE": telegram.url}
    jobs = [line for line in replay if line.startswith("rollcall job run")]
    community = jobs[0].split("--community ", 1)[1].split()[0]
    step(
        f"rollcall community create --id {community} --name Readers --platform telegram"
        f" --chat-id {TELEGRAM_CHAT} --timezone Asia/Shanghai --locale en",
        **env,
    )
    (project.directory / "members.csv").write_text(ROSTER, encoding="utf-8")
    step(f"rollcall member import --community {community} members.csv", **env)
    for line in jobs:
        step(line, **env)
    # A redeploy: the runbook's copy and `chalice deploy` lines again.
    for line in runbook_block("First deploy with `chalice deploy`"):
        if not line.startswith("rollcall infra bootstrap"):
            step(line)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with patched_moto(), MotoServer() as server, FakeTelegram() as telegram:
        project = Project.create(tmp_path_factory.mktemp("deploy-check") / "rollcall", server.url)
        deployment = Deployment(server, project, telegram)
        run_runbook(deployment)
        yield deployment


# -- the runbook ---------------------------------------------------------------------------


def test_the_runbook_deploys_everything_it_promises(deployment):
    assert deployment.problems() == []


def test_the_first_bootstrap_leaves_the_worker_pending_and_the_second_turns_it_on(deployment):
    first, *_, last = [step.run for step in deployment.find(*BOOTSTRAP)]
    worker = ("event source", "rollcall-ci-run_queued_jobs")
    assert bootstrap_actions(first.stdout)[worker] == "pending"
    assert bootstrap_actions(last.stdout)[worker] == "updated"
    # The HTTP API waits for the webhook function too, then comes with its routes.
    http_api = ("http api", "rollcall-ci-http")
    assert bootstrap_actions(first.stdout)[http_api] == "pending"
    assert bootstrap_actions(last.stdout)[http_api] == "created"
    assert (
        bootstrap_actions(last.stdout)[("http route", "rollcall-ci-http POST /webhooks/{platform}")]
        == "created"
    )


def test_the_runbook_deploys_the_bytecode_only_copy_and_keeps_the_projects_record(deployment):
    """`chalice --project-dir build/ship deploy`: what chalice zipped is build/ship's
    chalicelib, bytecode only, and its record of the deployment is the project's own
    .chalice/deployed (build/ship/.chalice is a link), so `chalice url` and `chalice delete`
    in the project directory find it."""
    assert [
        line
        for line in runbook_block("First deploy with `chalice deploy`")
        if not line.startswith("rollcall")
    ] == [SHIP_LINE, DEPLOY_LINE]
    project = deployment.project.directory
    assert (project / "build" / "ship" / ".chalice").resolve() == project / ".chalice"
    assert (project / ".chalice" / "deployed" / "ci.json").is_file()
    shipped = {
        path.suffix
        for path in (project / "build" / "ship" / "chalicelib").rglob("*")
        if path.is_file()
    }
    assert ".pyc" in shipped and ".py" not in shipped


def test_chalice_deploys_the_three_functions_once_and_the_redeploy_updates_them(deployment):
    first, again = [step.run.stdout for step in deployment.find(*DEPLOY_LINE.split()[:4])]
    for name in ("rollcall-ci", "rollcall-ci-dispatch_due_jobs", "rollcall-ci-run_queued_jobs"):
        assert f"Creating lambda function: {name}" in first
        assert f"Updating lambda function: {name}" in again
    lambda_ = deployment.client("lambda")
    names = {f["FunctionName"] for f in lambda_.list_functions()["Functions"]}
    assert names == {"rollcall-ci", "rollcall-ci-dispatch_due_jobs", "rollcall-ci-run_queued_jobs"}
    layers = lambda_.list_layers()["Layers"]
    assert [layer["LayerName"] for layer in layers] == ["rollcall-ci-managed-layer"]


def test_a_redeploy_keeps_what_bootstrap_set_and_bootstrap_then_changes_nothing(deployment):
    # `chalice deploy` updates the worker's event source; ReportBatchItemFailures survives.
    assert deployment.problems() == []
    report = deployment.bootstrap()
    assert {action for action in actions(report).values()} == {"kept"}


def test_secrets_are_secure_strings_under_the_stage_path_and_never_printed(deployment):
    for step in deployment.find("rollcall", "secrets"):
        assert not any(value in step.run.stdout for value in SECRETS.values()), step.run
    ssm = deployment.client("ssm")
    parameters = ssm.get_parameters_by_path(Path="/rollcall/ci", WithDecryption=True)
    values = {p["Name"]: (p["Type"], p["Value"]) for p in parameters["Parameters"]}
    assert values == {
        f"/rollcall/ci/ROLLCALL_{name}": ("SecureString", value) for name, value in SECRETS.items()
    }


def test_the_telegram_webhook_is_the_http_api_with_the_secret_token_from_ssm(deployment):
    """Platforms are pointed at the HTTP API ($1.00 a million requests), not chalice's REST
    API ($3.50): `rollcall infra url` prints its base URL."""
    assert f"`{URL_LINE}`" in OPERATOR_DOC.read_text(encoding="utf-8")
    (setup,) = deployment.find("rollcall", "platform", "setup")
    (api,) = deployment.client("apigatewayv2").get_apis()["Items"]
    assert api["Name"] == "rollcall-ci-http"
    webhook = f"https://{api['ApiId']}.execute-api.us-east-1.amazonaws.com/api/webhooks/telegram"
    assert deployment.telegram_calls_during(setup) == [
        (
            f"/bot{SECRETS['TELEGRAM_BOT_TOKEN']}/setWebhook",
            {
                "url": webhook,
                "secret_token": SECRETS["TELEGRAM_SECRET_TOKEN"],
                "allowed_updates": ["message", "chat_member"],
            },
        )
    ]


def test_a_replayed_job_posts_only_when_forced_with_the_token_from_parameter_store(deployment):
    dry_run, forced = deployment.find("rollcall", "job", "run")
    assert "--dry-run" in dry_run.run.command and "--force" in forced.run.command
    assert deployment.telegram_calls_during(dry_run) == []
    posted = deployment.telegram_calls_during(forced)
    assert posted, "the forced replay posted nothing"
    # The token is only in Parameter Store: the CLI read it from there, for stage ci.
    assert {path for path, _ in posted} == {f"/bot{SECRETS['TELEGRAM_BOT_TOKEN']}/sendMessage"}
    assert {body["chat_id"] for _, body in posted} == {TELEGRAM_CHAT}


def test_a_dry_run_records_nothing(deployment):
    def dry_run() -> dict[str, Any]:
        return deployment.project.must(
            "rollcall", "job", "run", "monthly-report", "--community", "C1",
            "--at", "2026-12-01T09:00:00+08:00", "--dry-run", "--json",
            ROLLCALL_STAGE="ci",
        ).json()  # fmt: skip

    first = dry_run()
    assert first["status"] == "dry-run"
    assert dry_run() == first


# -- the checker catches a broken deployment ------------------------------------------------


@contextlib.contextmanager
def repaired_by(deployment: Deployment, line: str) -> Iterator[None]:
    """Break something inside; then, pass or fail, repair it the runbook's way (``line``),
    so one failing check cannot leave the deployment broken for the next test."""
    try:
        yield
    finally:
        deployment.project.literally(line)


def _worker_mapping(deployment: Deployment) -> dict[str, Any]:
    lambda_ = deployment.client("lambda")
    arn = lambda_.get_function(FunctionName="rollcall-ci-run_queued_jobs")["Configuration"][
        "FunctionArn"
    ]
    (mapping,) = lambda_.list_event_source_mappings(FunctionName=arn)["EventSourceMappings"]
    return mapping


def test_a_worker_without_report_batch_item_failures_is_reported(deployment):
    lambda_ = deployment.client("lambda")
    with repaired_by(deployment, BOOTSTRAP_LINE):  # the runbook: bootstrap after every deploy
        lambda_.update_event_source_mapping(
            UUID=_worker_mapping(deployment)["UUID"], FunctionResponseTypes=[]
        )
        assert "event source rollcall-ci-run_queued_jobs: without ReportBatchItemFailures" in (
            deployment.problems()
        )
    assert deployment.problems() == []


def test_a_worker_without_its_concurrency_cap_is_reported_and_chalice_puts_it_back(deployment):
    """The cap is chalice's (on_sqs_message(maximum_concurrency=...)): bootstrap no longer
    sets it, so the runbook's deploy line is what repairs it."""
    lambda_ = deployment.client("lambda")
    with repaired_by(deployment, DEPLOY_LINE):
        lambda_.update_event_source_mapping(
            UUID=_worker_mapping(deployment)["UUID"], ScalingConfig={"MaximumConcurrency": 50}
        )
        assert deployment.problems() == [
            "event source rollcall-ci-run_queued_jobs: maximum concurrency 50"
        ]
    assert _worker_mapping(deployment)["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert deployment.problems() == []


def _http_api_id(deployment: Deployment) -> str:
    (api,) = deployment.client("apigatewayv2").get_apis()["Items"]
    return str(api["ApiId"])


def test_an_http_api_without_its_webhook_route_is_reported(deployment):
    v2 = deployment.client("apigatewayv2")
    api_id = _http_api_id(deployment)
    (route,) = [
        r
        for r in v2.get_routes(ApiId=api_id)["Items"]
        if r["RouteKey"] == "POST /webhooks/{platform}"
    ]
    with repaired_by(deployment, BOOTSTRAP_LINE):
        v2.delete_route(ApiId=api_id, RouteId=route["RouteId"])
        assert deployment.problems() == [
            "http api rollcall-ci-http: no route 'POST /webhooks/{platform}'"
        ]
    assert deployment.problems() == []


def test_an_http_api_stage_without_throttling_or_access_logs_is_reported(deployment):
    v2 = deployment.client("apigatewayv2")
    with repaired_by(deployment, BOOTSTRAP_LINE):
        v2.update_stage(
            ApiId=_http_api_id(deployment),
            StageName="api",
            DefaultRouteSettings={"DetailedMetricsEnabled": False},
            AccessLogSettings={},
        )
        problems = deployment.problems()
        assert "http api rollcall-ci-http: ThrottlingRateLimit None, not 50.0" in problems
        assert "http api rollcall-ci-http: ThrottlingBurstLimit None, not 100" in problems
        assert "http api rollcall-ci-http: access logs go to None" in problems
    assert deployment.problems() == []


def test_an_http_api_pointed_elsewhere_is_reported(deployment):
    v2 = deployment.client("apigatewayv2")
    api_id = _http_api_id(deployment)
    (integration,) = v2.get_integrations(ApiId=api_id)["Items"]
    with repaired_by(deployment, BOOTSTRAP_LINE):
        v2.update_integration(
            ApiId=api_id, IntegrationId=integration["IntegrationId"], PayloadFormatVersion="2.0"
        )
        problems = deployment.problems()
        assert len(problems) == 5, problems  # one per route
        assert all("not a proxy of" in problem for problem in problems), problems
    assert deployment.problems() == []


def test_a_table_without_its_due_index_is_reported(deployment):
    ddb = deployment.client("dynamodb")
    with repaired_by(deployment, BOOTSTRAP_LINE):
        ddb.update_table(
            TableName="rollcall-ci", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "due"}}]
        )
        assert "table rollcall-ci: no index 'due'" in deployment.problems()
    assert deployment.problems() == []


def test_a_missing_alarm_is_reported(deployment):
    with repaired_by(deployment, BOOTSTRAP_LINE):
        deployment.client("cloudwatch").delete_alarms(AlarmNames=["rollcall-ci-dlq-not-empty"])
        assert deployment.problems() == ["alarm rollcall-ci-dlq-not-empty: missing"]
    assert deployment.problems() == []


def test_a_function_with_other_memory_or_environment_is_reported(deployment):
    lambda_ = deployment.client("lambda")
    with repaired_by(deployment, DEPLOY_LINE):
        lambda_.update_function_configuration(
            FunctionName="rollcall-ci-run_queued_jobs",
            MemorySize=128,
            Environment={"Variables": {"ROLLCALL_STAGE": "ci", "ROLLCALL_TABLE": "rollcall-dev"}},
        )
        problems = deployment.problems()
        assert "lambda rollcall-ci-run_queued_jobs: memory 128 MB, not 256" in problems
        assert (
            "lambda rollcall-ci-run_queued_jobs: ROLLCALL_TABLE='rollcall-dev', not 'rollcall-ci'"
            in problems
        )
    assert deployment.problems() == []


def test_a_role_with_a_policy_other_than_its_file_is_reported(deployment):
    everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    with repaired_by(deployment, DEPLOY_LINE):
        deployment.client("iam").put_role_policy(
            RoleName="rollcall-ci-api_handler",
            PolicyName="rollcall-ci-api_handler",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [everything]}),
        )
        (problem,) = deployment.problems()  # its file: one per stage, or one per function
        assert problem.startswith("role rollcall-ci-api_handler: policies"), problem
    assert deployment.problems() == []


def test_losing_the_due_index_or_an_alarm_from_the_code_is_reported_too(deployment):
    """The checker takes most expectations from the code it checks; a few are fixed, so a
    change that drops them from the code fails here as well as in the account."""
    from chalicelib.store.schema import table_definition
    from rollcall.infra import alarms

    def without_due(name: str) -> dict[str, Any]:
        definition = table_definition(name)
        indexes = [i for i in definition["GlobalSecondaryIndexes"] if i["IndexName"] != "due"]
        return {**definition, "GlobalSecondaryIndexes": indexes}

    def without_backlog(stage: Any) -> list[dict[str, Any]]:
        return [a for a in alarms(stage) if not a["AlarmName"].endswith("-jobs-backlog")]

    problems = check_deployment(
        deployment.client,
        deployment.project.config_file,
        "ci",
        alarms=without_backlog,
        table_definition=without_due,
    )
    assert problems == [
        "table rollcall-ci: the schema lost index 'due'",
        "alarm rollcall-ci-jobs-backlog: no longer in rollcall.infra.alarms",
    ]


# -- tearing down (last: it removes the deployment) ---------------------------------------


def test_chalice_delete_removes_what_chalice_made_and_leaves_what_bootstrap_made(deployment):
    """operator.md, Tear down: `chalice delete` removes the functions, API, schedule and
    subscription; what bootstrap made stays until removed by name."""
    teardown = OPERATOR_DOC.read_text(encoding="utf-8")
    assert "`chalice delete --stage prod`" in teardown
    deployment.project.literally("chalice delete --stage prod")
    lambda_, events = deployment.client("lambda"), deployment.client("events")
    assert lambda_.list_functions()["Functions"] == []
    assert lambda_.list_event_source_mappings()["EventSourceMappings"] == []
    assert deployment.client("apigateway").get_rest_apis()["items"] == []
    assert events.list_rules(NamePrefix="rollcall-ci")["Rules"] == []
    # The HTTP API is bootstrap's: removed by name, as Tear down says.
    assert "aws apigatewayv2 delete-api" in teardown
    assert [a["Name"] for a in deployment.client("apigatewayv2").get_apis()["Items"]] == [
        "rollcall-ci-http"
    ]
    left = deployment.problems()
    assert not [p for p in left if p.startswith(("table", "queue", "log group", "alarm topic"))]
    assert {p.split(":")[0] for p in left if p.startswith("alarm")} == {
        f"alarm rollcall-ci-{function}-{metric}"
        for function in ("api_handler", "dispatch_due_jobs", "run_queued_jobs")
        for metric in ("errors", "throttles")
    }  # still there, watching functions that are gone


# -- the CloudFormation path ----------------------------------------------------------------

CLOUDFORMATION_ACCOUNT = "111111111111"  # beside the chalice-deploy path's account


@dataclass
class Stack:
    clients: Any
    outputs: dict[str, str]


@pytest.fixture(scope="module")
def stack(deployment: Deployment) -> Iterator[Stack]:
    pytest.importorskip(
        "samtranslator", reason="the CloudFormation path needs aws-sam-translator (SAM)"
    )
    clients = deployment.server.account(CLOUDFORMATION_ACCOUNT)
    with patched_moto(cloudformation_gaps()):
        yield Stack(clients, deploy_stack(deployment.project, clients))


def test_the_cloudformation_path_deploys_everything_it_promises(stack, deployment):
    assert check_deployment(stack.clients, deployment.project.config_file, "ci") == []


def test_the_stack_outputs_what_the_runbook_reads_from_them(stack):
    api = stack.outputs["HttpApiId"]
    assert stack.outputs["WebhookBaseURL"] == (
        f"https://{api}.execute-api.us-east-1.amazonaws.com/api/webhooks/"
    )
    (http_api,) = stack.clients("apigatewayv2").get_apis()["Items"]
    assert http_api["ApiId"] == api and http_api["Name"] == "rollcall-ci-http"
    assert stack.outputs["TableName"] == "rollcall-ci"
    assert stack.outputs["AlarmTopicArn"].endswith(":rollcall-ci-alarms")
    assert stack.outputs["JobQueueUrl"].endswith("/rollcall-ci-jobs")


# -- moto's gaps ---------------------------------------------------------------------------


every_gap = pytest.mark.parametrize(
    "gap",
    motodeploy.gaps() + motodeploy.cloudformation_gaps(),
    ids=lambda gap: re.sub(r"\W+", "-", gap.name.split(" ", 1)[0] + " " + gap.attribute),
)


@every_gap
def test_moto_still_has_the_gap_we_patch(gap):
    """Fails the day moto fixes one: then delete that Gap from motodeploy.py."""
    assert gap.still_open(), (
        f"moto fixed {gap.name!r} (patched since moto {gap.moto_version}, because"
        f" {gap.why}): remove its patch"
    )


@every_gap
def test_our_patch_closes_the_gap(gap):
    """The same probe, on the patched attribute: the patch does what its comment says."""
    if gap.attribute == "parse_template":
        pytest.importorskip("samtranslator", reason="the SAM transform needs aws-sam-translator")
    before = vars(gap.target).get(gap.attribute)
    with patched_moto([gap]):
        assert not gap.probe(vars(gap.target)[gap.attribute])
    assert vars(gap.target).get(gap.attribute) is before, "the patch is undone afterwards"


# -- reading the runbook ---------------------------------------------------------------------


def test_the_runbook_is_read_from_its_section_and_a_lost_section_fails_loudly(tmp_path):
    doc = tmp_path / "operator.md"
    doc.write_text(
        "### First deploy with `chalice deploy`\n\nText.\n\n```sh\n"
        "# the first time\nrollcall infra bootstrap --stage prod    # table\n\n"
        "chalice deploy \\\n    --stage prod\n```\n\n### Secrets\n\nNo block here.\n\n## Next\n",
        encoding="utf-8",
    )
    assert runbook_block("First deploy with `chalice deploy`", doc) == [
        "rollcall infra bootstrap --stage prod",
        "chalice deploy --stage prod",
    ]
    with pytest.raises(AssertionError, match="no ```sh block under '### Secrets'"):
        runbook_block("Secrets", doc)
    with pytest.raises(AssertionError, match="no section '### Replay a job'"):
        runbook_block("Replay a job", doc)


def test_bootstrap_text_report_is_read_by_kind_and_name():
    report = (
        "table         rollcall-ci                  kept\n"
        "event source  rollcall-ci-run_queued_jobs  pending  (not deployed yet: run again)\n"
        "(stage ci, http://127.0.0.1:1)\n"
    )
    assert bootstrap_actions(report) == {
        ("table", "rollcall-ci"): "kept",
        ("event source", "rollcall-ci-run_queued_jobs"): "pending",
    }
