"""`make deploy-check`: the operator's runbook (docs/operator.md, Deploying), run for real.

A moto server runs in this process (with moto 5.2.5's gaps patched, see motodeploy.py), and
the runbook's commands run against it as subprocesses, exactly as typed, in a copy of the
project with a ``ci`` stage: bootstrap, ``chalice deploy``, bootstrap again, secrets, a
community, a dry run, a redeploy. Then every resource is read back through its own
service's API by ``check_deployment``, which is also shown to catch a broken deployment.

The first run downloads the Lambda's wheels (cached under build/deploy-check/); later runs
take about half a minute. See docs/deploy-check.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.deploy import motodeploy
from tests.deploy.motodeploy import MotoServer, Project, Run, check_deployment, patched_moto

COMMUNITY = "ci-readers"
DRY_RUN_AT = "2026-11-23T21:00:00+08:00"
ROSTER = "user_id,name,role,squad,joined_at\nu1,Ann,owner,A,2026-11-01\nu2,Bo,member,A,2026-11-02\n"


@dataclass
class Deployment:
    server: MotoServer
    project: Project
    steps: dict[str, Run] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return self.server.client(service)

    def problems(self) -> list[str]:
        return check_deployment(self.client, self.project.config_file, self.project.stage)

    def bootstrap(self) -> dict[str, Any]:
        return self.project.must("rollcall", "infra", "bootstrap", "--stage", "ci", "--json").json()


def actions(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(r["kind"], r["name"]): r["action"] for r in report["resources"]}


def run_runbook(project: Project) -> dict[str, Run]:
    """docs/operator.md's commands, in its order. Each must exit 0."""
    steps: dict[str, Run] = {}
    bootstrap = ("rollcall", "infra", "bootstrap", "--stage", "ci", "--json")
    steps["bootstrap"] = project.must(*bootstrap)
    steps["deploy"] = project.must("chalice", "deploy", "--stage", "ci")
    steps["bootstrap again"] = project.must(*bootstrap)
    steps["secret"] = project.must(
        "rollcall", "secrets", "set", "TELEGRAM_BOT_TOKEN", "--stage", "ci", "--json",
        stdin="123456:ci-token\n",
    )  # fmt: skip
    project.must(
        "rollcall", "secrets", "set", "TELEGRAM_SECRET_TOKEN", "--stage", "ci",
        stdin="ci-secret-token\n",
    )  # fmt: skip
    steps["secrets list"] = project.must("rollcall", "secrets", "list", "--stage", "ci", "--json")
    # "export ROLLCALL_STAGE=prod" in the runbook: the stage's table and its secrets.
    steps["community"] = project.must(
        "rollcall", "community", "create", "--id", COMMUNITY, "--name", "CI readers",
        "--platform", "telegram", "--chat-id", "-1001234", "--timezone", "Asia/Shanghai",
        "--locale", "en", "--json",
        ROLLCALL_STAGE="ci",
    )  # fmt: skip
    (project.directory / "members.csv").write_text(ROSTER, encoding="utf-8")
    steps["members"] = project.must(
        "rollcall", "member", "import", "--community", COMMUNITY, "members.csv", "--json",
        ROLLCALL_STAGE="ci",
    )  # fmt: skip
    steps["dry run"] = project.must(
        "rollcall", "job", "run", "daily-reminder", "--community", COMMUNITY,
        "--at", DRY_RUN_AT, "--dry-run", "--json",
        ROLLCALL_STAGE="ci",
    )  # fmt: skip
    steps["redeploy"] = project.must("chalice", "deploy", "--stage", "ci")
    return steps


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with patched_moto(), MotoServer() as server:
        project = Project.create(tmp_path_factory.mktemp("deploy-check") / "rollcall", server.url)
        yield Deployment(server, project, run_runbook(project))


# -- the runbook ---------------------------------------------------------------------------


def test_the_runbook_deploys_everything_it_promises(deployment):
    assert deployment.problems() == []


def test_the_first_bootstrap_leaves_the_worker_pending_and_the_second_turns_it_on(deployment):
    worker = ("event source", "rollcall-ci-run_queued_jobs")
    assert actions(deployment.steps["bootstrap"].json())[worker] == "pending"
    assert actions(deployment.steps["bootstrap again"].json())[worker] == "updated"


def test_chalice_deploys_the_three_functions_once_and_the_redeploy_updates_them(deployment):
    first, again = deployment.steps["deploy"].stdout, deployment.steps["redeploy"].stdout
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


def test_secrets_are_secure_strings_under_the_stage_path(deployment):
    listed = deployment.steps["secrets list"].stdout
    assert "ci-token" not in listed and "ci-secret-token" not in listed
    ssm = deployment.client("ssm")
    parameters = ssm.get_parameters_by_path(Path="/rollcall/ci", WithDecryption=True)
    values = {p["Name"]: (p["Type"], p["Value"]) for p in parameters["Parameters"]}
    assert values == {
        "/rollcall/ci/ROLLCALL_TELEGRAM_BOT_TOKEN": ("SecureString", "123456:ci-token"),
        "/rollcall/ci/ROLLCALL_TELEGRAM_SECRET_TOKEN": ("SecureString", "ci-secret-token"),
    }


def test_the_dry_run_replays_a_job_on_the_deployed_table_and_records_nothing(deployment):
    assert deployment.steps["members"].json()["created"] == 2
    first = deployment.steps["dry run"].json()
    assert (first["status"], first["period"], first["summary"]["expected"]) == (
        "dry-run",
        "2026-11-23",
        2,
    )
    assert first["parts"], "a dry run shows what would be posted"
    # Nothing was recorded: the same dry run again finds the period still to do.
    again = deployment.project.must(
        "rollcall", "job", "run", "daily-reminder", "--community", COMMUNITY,
        "--at", DRY_RUN_AT, "--dry-run", "--json",
        ROLLCALL_STAGE="ci",
    ).json()  # fmt: skip
    assert again == first


# -- the checker catches a broken deployment ------------------------------------------------


def _worker_mapping(deployment: Deployment) -> dict[str, Any]:
    lambda_ = deployment.client("lambda")
    arn = lambda_.get_function(FunctionName="rollcall-ci-run_queued_jobs")["Configuration"][
        "FunctionArn"
    ]
    (mapping,) = lambda_.list_event_source_mappings(FunctionName=arn)["EventSourceMappings"]
    return mapping


def test_a_worker_without_report_batch_item_failures_is_reported(deployment):
    lambda_ = deployment.client("lambda")
    lambda_.update_event_source_mapping(
        UUID=_worker_mapping(deployment)["UUID"], FunctionResponseTypes=[]
    )
    assert "event source rollcall-ci-run_queued_jobs: without ReportBatchItemFailures" in (
        deployment.problems()
    )
    deployment.bootstrap()  # what the runbook says to run after every deploy
    assert deployment.problems() == []


def test_a_table_without_its_due_index_is_reported(deployment):
    ddb = deployment.client("dynamodb")
    ddb.update_table(
        TableName="rollcall-ci", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "due"}}]
    )
    assert "table rollcall-ci: no index 'due'" in deployment.problems()
    deployment.bootstrap()
    assert deployment.problems() == []


def test_a_missing_alarm_is_reported(deployment):
    deployment.client("cloudwatch").delete_alarms(AlarmNames=["rollcall-ci-dlq-not-empty"])
    assert deployment.problems() == ["alarm rollcall-ci-dlq-not-empty: missing"]
    deployment.bootstrap()
    assert deployment.problems() == []


def test_a_function_with_other_memory_or_environment_is_reported(deployment):
    lambda_ = deployment.client("lambda")
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
    deployment.project.must("chalice", "deploy", "--stage", "ci")
    assert deployment.problems() == []


# -- moto's gaps ---------------------------------------------------------------------------


@pytest.mark.parametrize("gap", motodeploy.gaps(), ids=lambda gap: gap.attribute)
def test_moto_still_has_the_gap_we_patch(gap):
    """Fails the day moto fixes one: then delete that Gap from motodeploy.py."""
    assert gap.still_open(), (
        f"moto fixed {gap.name!r} (patched since moto {gap.moto_version}): remove its patch"
    )


def test_a_role_with_a_policy_other_than_its_file_is_reported(deployment):
    iam = deployment.client("iam")
    iam.put_role_policy(
        RoleName="rollcall-ci-api_handler",
        PolicyName="rollcall-ci-api_handler",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    problems = deployment.problems()
    assert any(p.startswith("role rollcall-ci-api_handler: policies") for p in problems), problems
    deployment.project.must("chalice", "deploy", "--stage", "ci")
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
