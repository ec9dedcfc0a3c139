"""The other direction of tests/deploy/test_policy_reach.py: the functions' real paths, run
through Chalice's own handlers on moto, with a botocore hook recording every request each
function makes. Every request must be allowed by that function's policy: a check that the
static derivation behind the policies misses nothing on the paths exercised here (chat
commands, including a late submission that clears a strike, a deferred /remind, the tick,
and the worker running the daily, weekly and monthly jobs)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from chalice.test import Client

import app
from chalicelib.domain.models import Role
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.queue import SqsQueue
from chalicelib.runtime import set_runtime
from chalicelib.store.repository import Store
from rollcall import infra
from rollcall.infra import Stage
from tests.entrypoints.test_schedules_and_queue import scheduled_event, sqs_event
from tests.helpers import community, console_body, member, runtime, signed_headers

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 Asia/Shanghai
# Requests made on an SQS event source's behalf are Lambda's, not the code's.
RENAMED = {"sqs:SendMessageBatch": "sqs:SendMessage"}


class Recorder:
    def __init__(self, *clients) -> None:
        self.function: str | None = None
        self.seen: dict[str, set[str]] = defaultdict(set)
        for client in clients:
            client.meta.events.register("before-call", self._record)

    def _record(self, model, **_: object) -> None:
        if self.function is not None:
            action = f"{model.service_model.signing_name}:{model.name}"
            self.seen[self.function].add(RENAMED.get(action, action))


@pytest.fixture
def wired(dynamo_table):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="rollcall-dev-jobs")["QueueUrl"]
    store = Store(dynamo_table)
    rt, _sent = runtime(store, START)
    rt.queue = SqsQueue(sqs, url)
    set_runtime(rt)
    recorder = Recorder(dynamo_table.client, sqs)
    try:
        with Client(app.app) as client:
            yield client, store, rt, sqs, url, recorder
    finally:
        set_runtime(None)


def test_every_request_a_function_makes_is_in_its_policy(wired):
    client, store, rt, sqs, url, recorder = wired
    c = community(cycle_anchor=date(2026, 11, 2), report_day=1)
    store.create_community(c)
    store.bulk_save_members(
        [
            member("boss", name="Boss", role=Role.ADMIN, joined_at=date(2026, 10, 1)),
            member("amy", name="Amy", joined_at=date(2026, 10, 1)),
            member("bob", name="Bob", joined_at=date(2026, 10, 1)),
        ]
    )
    schedule_community(store.table, c, START - timedelta(days=1))

    def say(user: str, text: str, at: datetime, n: list[int] = [0]) -> None:  # noqa: B006
        n[0] += 1
        rt.clock.now = lambda: at  # type: ignore[method-assign]
        body = console_body(text, user=user, message_id=f"m{n[0]}")
        recorder.function = infra.API_HANDLER
        response = client.http.post(
            "/webhooks/console", headers=signed_headers(body, at), body=body
        )
        recorder.function = None
        assert response.status_code == 200, response.body

    def tick_and_work(at: datetime) -> None:
        rt.clock.now = lambda: at  # type: ignore[method-assign]
        recorder.function = infra.DISPATCHER
        client.lambda_.invoke("dispatch_due_jobs", scheduled_event(at))
        recorder.function = None
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages")
            if not messages:
                return
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            recorder.function = infra.WORKER
            client.lambda_.invoke("run_queued_jobs", sqs_event([m["Body"] for m in messages]))
            recorder.function = None

    for user, text in [
        ("amy", "/checkin read 10 pages"),
        ("amy", "/submit https://example.com/late-essay"),
        ("bob", "/submit https://example.com/essay"),
        ("amy", "/review @Bob well argued"),
        ("boss", "/theme Read a poem"),
        ("boss", "/exempt @Bob"),
        ("bob", "/me"),
        ("bob", "/leaderboard"),
        ("bob", "/leave 2"),
        ("bob", "/back"),
        ("boss", "/report"),
        ("boss", "/remind"),
        ("amy", "/hw"),
    ]:
        say(user, text, START + timedelta(hours=1))
    tick_and_work(START + timedelta(hours=1, minutes=5))  # the deferred /remind
    for days in range(0, 15):  # daily reminders, a weekly digest, the monthly report
        # Sweep ticks (minute 7 of the quarter): they read everything due since the last.
        tick_and_work(START + timedelta(days=days, hours=12, minutes=10))
        tick_and_work(START + timedelta(days=days, hours=23, minutes=10))
    for function in infra.FUNCTIONS:
        document = infra.policy(Stage.load("dev"), function)
        granted = {action for s in document["Statement"] for action in s["Action"]}
        assert recorder.seen[function], f"{function} was never run"
        assert recorder.seen[function] <= granted, (function, recorder.seen[function] - granted)
    # A late submission asks to delete the closed cycle's strike (a conditional delete).
    assert "dynamodb:DeleteItem" in recorder.seen[infra.API_HANDLER]
    assert "dynamodb:BatchWriteItem" in recorder.seen[infra.WORKER]
