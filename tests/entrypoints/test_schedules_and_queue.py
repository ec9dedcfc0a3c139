"""The timer and the worker through Chalice's own handlers, with SQS on moto."""

from __future__ import annotations

import json
from collections import deque
from datetime import UTC, datetime

import boto3
import pytest
from chalice.test import Client

import app
from chalicelib.domain.models import Role
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.queue import SqsQueue, command_message
from chalicelib.runtime import set_runtime
from chalicelib.store import runs
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 Asia/Shanghai


@pytest.fixture
def wired(dynamo_table, monkeypatch):
    # The Lambda context counts its time down on the wall clock: on a loaded machine a batch's
    # second record would be queued again for lack of time (worker.handle_records), and what
    # these tests check would depend on the machine's speed. A fixed, generous time left;
    # test_the_worker_reads_its_time_from_the_lambda_context checks the real reading.
    from chalicelib.entrypoints import queue as queue_entry

    monkeypatch.setattr(queue_entry, "remaining_seconds", lambda context: lambda: 900.0)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="rollcall-dev-jobs")["QueueUrl"]
    store = Store(dynamo_table)
    rt, sent = runtime(store, AT)
    rt.queue = SqsQueue(sqs, url)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            yield client, store, sqs, url, sent
    finally:
        set_runtime(None)


def scheduled_event(at: datetime) -> dict:
    """EventBridge's real shape (Chalice's generate_cw_event hard-codes a 2015 time)."""
    return {
        "version": "0",
        "id": "d0c1a2b3-0000-4000-8000-000000000001",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/rollcall-dev-dispatch"],
        "detail": {},
    }


def sqs_event(bodies: list[str]) -> dict:
    """One record per body, each with its own messageId (Chalice's generator repeats one)."""
    return {
        "Records": [
            {
                "messageId": f"msg-{n}",
                "receiptHandle": f"handle-{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:rollcall-dev-jobs",
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


def test_tick_enqueues_due_runs_and_the_worker_sends_the_reminder(wired, monkeypatch):
    from chalicelib.jobs import dispatch_due_jobs as dispatching
    from chalicelib.store.due import TICK_SPAN

    monkeypatch.setattr(dispatching, "INLINE_MAX", 0)  # the shard through the worker
    client, store, sqs, url, sent = wired
    c = community()
    store.create_community(c)
    store.bulk_save_members([member("u1")])
    schedule_community(store.table, c, datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    # The 20:55 tick reads the 21:00 run; the clock is at 21:00 (SQS's delay, real time on
    # moto, is collapsed: the run is enqueued with none left).
    response = client.lambda_.invoke("dispatch_due_jobs", scheduled_event(AT - TICK_SPAN))
    # The tick sends one shard message; the worker reads that shard and enqueues the run.
    [shard] = response.payload["shards"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["partition"] for m in messages] == [shard]
    fanned = client.lambda_.invoke("run_queued_jobs", sqs_event([messages[0]["Body"]]))
    assert fanned.payload == {"batchItemFailures": []}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    bodies = [m["Body"] for m in messages]
    assert [json.loads(b)["period"] for b in bodies] == ["2026-11-23"]
    assert "delay_seconds" not in bodies[0]
    worker = client.lambda_.invoke("run_queued_jobs", sqs_event(bodies + bodies))
    assert worker.payload == {"batchItemFailures": []}
    assert len(sent) == 1 and "@U1" in sent[0].text
    assert runs.get_run(store.table, "c1", "daily-reminder", "2026-11-23")["status"] == "done"


def test_worker_returns_partial_batch_failures(wired):
    client, store, _, _, _ = wired
    store.create_community(community())
    good = json.dumps(
        {
            "community": "c1",
            "job": "daily-reminder",
            "period": "2026-11-23",
            "scheduled_at": AT.isoformat(),
        }
    )
    bad = json.dumps(
        {
            "community": "c1",
            "job": "daily-reminder",
            "period": "garbage",
            "scheduled_at": AT.isoformat(),
        }
    )
    response = client.lambda_.invoke("run_queued_jobs", sqs_event([good, bad]))
    assert response.payload == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}


def test_one_batch_carries_job_runs_and_deferred_commands(wired):
    """The queue carries both kinds; each is run by its own path, a message of a kind the
    worker does not know is dropped (never retried), and the job format is unchanged."""
    client, store, _, _, sent = wired
    c = community()
    store.create_community(c)
    store.bulk_save_members([member("u1"), member("boss", role=Role.ADMIN)])
    job = json.dumps(
        {
            "community": "c1",
            "job": "daily-reminder",
            "period": "2026-11-23",
            "scheduled_at": AT.isoformat(),
        }
    )
    asked = InboundEvent("message", "console", "chat-1", Sender("boss", "Boss"), "/remind", "e1")
    command = json.dumps(command_message(asked, AT, "e1"))
    unknown = json.dumps({"kind": "audit", "community": "c1"})
    response = client.lambda_.invoke("run_queued_jobs", sqs_event([job, command, unknown]))
    assert response.payload == {"batchItemFailures": []}
    assert runs.get_run(store.table, "c1", "daily-reminder", "2026-11-23")["status"] == "done"
    assert runs.get_run(store.table, "c1", "daily-reminder", "2026-11-23#manual")["status"] == (
        "done"
    )
    scheduled, manual, confirmation = (m.text for m in sent)
    assert "@U1" in scheduled and "@U1" in manual
    assert confirmation == "📣 Today's (2026-11-23) check-in reminder is out."


def test_a_worker_short_of_time_queues_the_rest_again_and_the_next_one_finishes():
    """A run pauses between parts and goes back on the queue with the records not started:
    new messages, not failures (a long run is progress, not a poisoned message)."""
    from chalicelib.queue import MemoryQueue
    from chalicelib.store.memory import MemoryTable
    from chalicelib.worker import handle_records

    store = Store(MemoryTable())
    for cid in ("c1", "c2"):
        store.create_community(community(id=cid, chat_id=f"chat-{cid}"))
        store.bulk_save_members(
            [member(u, community_id=cid, quiet=True) for u in ("u1", "u2", "u3")]
        )
    rt, sent = runtime(store, AT)
    rt.queue = MemoryQueue()
    bodies = [
        json.dumps(
            {
                "community": cid,
                "job": "daily-reminder",
                "period": "2026-11-23",
                "scheduled_at": AT.isoformat(),
            }
        )
        for cid in ("c1", "c2")
    ]
    clock = iter([60.0, 60.0, 1.0])  # the whole time, then after one part, then short

    def time_left() -> float:
        return next(clock, 1.0)

    answer = handle_records(rt, [("m1", bodies[0]), ("m2", bodies[1])], AT, time_left=time_left)
    assert answer == {"batchItemFailures": []}
    assert [m["community"] for m in rt.queue.messages] == ["c1", "c2"]
    assert len(sent) == 2  # c1's group reminder and its first DM
    again = [(f"m{n}", json.dumps(m)) for n, m in enumerate(rt.queue.drain())]
    assert handle_records(rt, again, AT) == {"batchItemFailures": []}
    assert rt.queue.messages == deque()
    assert sorted((m.chat_id, m.kind, m.user_id) for m in sent) == sorted(
        [(f"chat-{cid}", "message", None) for cid in ("c1", "c2")]
        + [(f"chat-{cid}", "direct", u) for cid in ("c1", "c2") for u in ("u1", "u2", "u3")]
    )
    for cid in ("c1", "c2"):
        assert runs.get_run(store.table, cid, "daily-reminder", "2026-11-23")["status"] == "done"


def test_the_worker_reads_its_time_from_the_lambda_context():
    from chalicelib.entrypoints.queue import remaining_seconds

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 42_500

    left = remaining_seconds(Context())
    assert left is not None and left() == 42.5
    assert remaining_seconds(None) is None and remaining_seconds(object()) is None
