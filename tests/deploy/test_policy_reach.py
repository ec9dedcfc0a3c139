"""Each function's IAM policy grants exactly what its code can call: no missing action (it
would fail only in AWS, with AccessDenied), no extra one (least privilege).

The calls are derived from the code (tests/deploy/reach.py: every definition a function's
handler can reach, and the boto3 client calls among them), the functions from the
entrypoints' decorators, and both are compared with rollcall/infra.py's ACCESS and with the
policy documents generated from it.
"""

from __future__ import annotations

import ast
from functools import cache

import pytest

from chalicelib.chat import router
from chalicelib.store import keys
from rollcall import infra
from rollcall.infra import ACCESS, POLLER_ACTIONS, Access, Stage
from tests.deploy.reach import ROOT, Index, Reach

# chat/router.py: the webhook runs only the precheck of a DEFERRED command, never its
# handler (the queue worker does); tests/chat/test_admin_commands.py pins that the webhook
# sends nothing and queues the command.
WEBHOOK_NEVER_RUNS = {
    f"{module}:{function}" for module, function in (router.HANDLERS[n] for n in router.DEFERRED)
}


@cache
def index() -> Index:
    return Index.build()


def handlers() -> dict[str, tuple[tuple[str, ...], bool]]:
    """Chalice function name → (the views it runs, has an SQS event source), read from the
    decorators in chalicelib/entrypoints/. Every route (the webhooks, the organiser's pages)
    is served by the one api_handler function, so its reach is that of all its views."""
    found: dict[str, tuple[tuple[str, ...], bool]] = {}
    for path in sorted((ROOT / "chalicelib" / "entrypoints").glob("*.py")):
        module = f"chalicelib.entrypoints.{path.stem}"
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call):
                    continue
                kind = getattr(decorator.func, "attr", "")
                name = next((k.value for k in decorator.keywords if k.arg == "name"), None)
                if kind == "route":
                    views, _ = found.get(infra.API_HANDLER, ((), False))
                    found[infra.API_HANDLER] = ((*views, f"{module}:{node.name}"), False)
                elif kind in ("schedule", "on_sqs_message"):
                    assert isinstance(name, ast.Constant), f"{node.name}: give it name=..."
                    found[name.value] = ((f"{module}:{node.name}",), kind == "on_sqs_message")
    return found


def reach_of(function: str, skip: set[str] = frozenset()) -> Reach:
    reach = Reach(index(), skip=skip)
    for start in handlers()[function][0]:
        reach.run(start)
    return reach


@cache
def derived(function: str) -> Access:
    poller = handlers()[function][1]
    skip = WEBHOOK_NEVER_RUNS if function == infra.API_HANDLER else set()
    reach = reach_of(function, skip)
    by_service: dict[str, set[str]] = {"dynamodb": set(), "sqs": set(), "ssm": set()}
    for operation in reach.operations:
        by_service[operation.service].add(operation.name)
    table = set(by_service["dynamodb"])
    if not reach.table_queries:
        table.discard("Query")  # only index Queries
    queue = {"SendMessage" if op == "SendMessageBatch" else op for op in by_service["sqs"]}
    assert by_service["ssm"] <= {"GetParametersByPath"}, by_service["ssm"]
    return Access(
        table=tuple(sorted(table)),
        indexes=tuple(sorted(getattr(keys, name.split(".")[-1]) for name in reach.indexes)),
        queue=tuple(sorted(queue)),
        poller=poller,
        secrets=bool(by_service["ssm"]),
    )


def normal(access: Access) -> Access:
    return Access(
        table=tuple(sorted(access.table)),
        indexes=tuple(sorted(access.indexes)),
        queue=tuple(sorted(access.queue)),
        poller=access.poller,
        secrets=access.secrets,
    )


def test_the_functions_are_the_entrypoints_ones():
    assert sorted(handlers()) == sorted(infra.FUNCTIONS) == sorted(ACCESS)


@pytest.mark.parametrize("function", infra.FUNCTIONS)
def test_each_function_is_granted_exactly_what_its_code_calls(function):
    assert normal(ACCESS[function]) == derived(function)


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("function", infra.FUNCTIONS)
def test_each_policy_document_allows_exactly_those_actions(stage, function):
    access = derived(function)
    wanted = {f"dynamodb:{a}" for a in access.table}
    wanted |= {"dynamodb:Query"} if access.indexes else set()
    wanted |= {f"sqs:{a}" for a in access.queue}
    wanted |= set(POLLER_ACTIONS) if access.poller else set()
    wanted |= {"ssm:GetParametersByPath", "kms:Decrypt"} if access.secrets else set()
    wanted |= {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    document = infra.policy(Stage.load(stage), function)
    granted = {action for s in document["Statement"] for action in s["Action"]}
    assert granted == wanted
    indexes = [
        r.rsplit("/", 1)[-1]
        for s in document["Statement"]
        if s["Sid"] == "TableIndexes"
        for r in s["Resource"]
    ]
    assert sorted(indexes) == list(access.indexes)


def test_what_the_functions_are_denied():
    """The point of splitting the policy, spelled out."""
    webhook, tick = derived(infra.API_HANDLER), derived(infra.DISPATCHER)
    assert "BatchWriteItem" not in webhook.table and not webhook.poller
    assert not webhook.indexes
    assert tick.table == () and not tick.secrets and tick.indexes == (keys.DUE_INDEX,)


def test_the_analysis_sees_a_call_behind_a_protocol_a_property_and_a_string_table():
    """Paths the derivation must follow, each found in the real code: Table (a Protocol)
    to DynamoTable, Runtime.queue (a property) to SqsQueue.from_name, router.HANDLERS
    (module and function names as strings) to a chat handler, and the late submission
    that deletes a strike from the webhook."""
    reach = reach_of(infra.API_HANDLER, WEBHOOK_NEVER_RUNS)
    assert "chalicelib.chat.homework:handle_submit" in reach.seen
    assert "chalicelib.queue:SqsQueue.from_name" in reach.seen
    where = {op.name: op.where for op in reach.operations}
    assert where["DeleteItem"] == "chalicelib.store.table:DynamoTable.delete"
    assert "chalicelib.store.homework:delete_strike" in reach.seen  # one way to DeleteItem
    assert not WEBHOOK_NEVER_RUNS & reach.seen
    # The organiser's pages are routes of the same function: their calls count too.
    assert "chalicelib.features.manage:change_settings" in reach.seen
    worker = reach_of(infra.WORKER)
    assert worker.seen >= WEBHOOK_NEVER_RUNS
