"""One dispatcher tick with many due communities, read ahead and fanned out: the 20:55
tick's Queries (one per shard, at most INLINE_MAX + 1 items) and what it sends (a small
shard's runs itself, a shard message per larger one), then each shard's Query pages and
SendMessageBatch requests, counted; every run delayed to its time (DelaySeconds);
the time of the tick and of each shard (shards run side by side in AWS, so the slowest
shard is the dispatch's critical path). The full run seeds 100,000 due communities, the
count bench/scale_model.py assumes per run and per page.

Up to ``REAL_SQS_UP_TO`` messages go to moto's SQS. Beyond that the SendMessageBatch
requests are answered at the client (every entry accepted, after the checks SQS makes:
at most 10 entries with unique ids, 256 KB in all): moto recomputes every attribute of
the queue, counting its messages, for each message it takes, so a 10,000-message tick
spends twelve minutes in moto. Requests are counted the same either way; the time is
then the dispatcher's and DynamoDB's, without SQS's.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.capacity import Meter
from chalicelib.jobs.dispatch_due_jobs import dispatch_shard, tick
from chalicelib.queue import DISPATCH, SqsQueue
from chalicelib.store import due
from chalicelib.store.table import DynamoTable

AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
REAL_SQS_UP_TO = 1000


class _HttpOk:
    status_code = 200
    headers: dict[str, str] = {}  # noqa: RUF012


def _accept_batch(params: dict[str, Any], **_: Any) -> tuple[_HttpOk, dict[str, Any]]:
    """A before-call handler: ``params`` is the serialized request (JSON protocol)."""
    entries = json.loads(params["body"])["Entries"]
    assert 1 <= len(entries) <= 10 and len({e["Id"] for e in entries}) == len(entries)
    assert sum(len(e["MessageBody"].encode()) for e in entries) <= 256 * 1024
    accepted = [
        {
            "Id": e["Id"],
            "MessageId": uuid.uuid4().hex,
            "MD5OfMessageBody": hashlib.md5(e["MessageBody"].encode()).hexdigest(),  # noqa: S324
        }
        for e in entries
    ]
    return _HttpOk(), {"Successful": accepted, "Failed": []}


def bench_dispatcher(dynamodb: Any, sqs: Any, table_name: str, communities: int) -> dict[str, Any]:
    table = DynamoTable(dynamodb, table_name)
    # The due pointers as schedule_community writes them, in batches (seeding, not
    # measured), all due in the minute before the tick.
    table.batch_put(
        {
            "pk": f"C#d{n:06d}",
            "sk": "DUE#daily-reminder",
            "due_pk": due.index_pk(f"d{n:06d}", "daily-reminder"),
            "due_sk": due.due_sk(AT - timedelta(seconds=n % 59), f"d{n:06d}"),
            "community_id": f"d{n:06d}",
            "job": "daily-reminder",
            "period": "2026-11-23",
            "scheduled_at": (AT - timedelta(seconds=n % 59)).isoformat(),
        }
        for n in range(communities)
    )
    url = sqs.create_queue(QueueName="rollcall-bench-jobs")["QueueUrl"]
    sqs_calls: Counter[str] = Counter()
    sqs.meta.events.register(  # before any answer, moto's or the stub's
        "provide-client-params.sqs", lambda model, **_: sqs_calls.update([model.name])
    )
    stubbed = communities > REAL_SQS_UP_TO
    if stubbed:
        sqs.meta.events.register("before-call.sqs.SendMessageBatch", _accept_batch)
    meter = Meter().attach(dynamodb)
    meter.reset()
    delays: list[int] = []
    sqs.meta.events.register(
        "provide-client-params.sqs.SendMessageBatch",
        lambda params, **_: delays.extend(e.get("DelaySeconds", 0) for e in params["Entries"]),
    )
    queue = SqsQueue(sqs, url)
    held = _Held()
    started = time.perf_counter()
    # The 20:55 tick reads (20:55, 21:00]: every run, due in the minute up to 21:00.
    ticked = tick(table, _Split(queue, held), AT - due.TICK_SPAN)
    tick_seconds = time.perf_counter() - started
    tick_requests = meter.snapshot()["requests"]
    tick_sqs = sum(sqs_calls.values()) + -(-len(held.messages) // 10)
    # The tick's shard messages, as the worker reads them (moto's queue is not read back:
    # each is handled here, and continuations after them).
    sqs_calls.update(["SendMessageBatch"] * -(-len(held.messages) // 10))
    shard_seconds: list[float] = []
    enqueued, handled = ticked.enqueued, 0
    while held.messages:
        message = held.messages.pop(0)
        handled += 1
        begun = time.perf_counter()
        result = dispatch_shard(
            table,
            _Split(queue, held),
            message["partition"],
            datetime.fromisoformat(message["tick"]),
            until=datetime.fromisoformat(message["until"]),
            since=datetime.fromisoformat(message["since"]) if "since" in message else None,
            after=message.get("after"),
        )
        shard_seconds.append(time.perf_counter() - begun)
        enqueued += result.enqueued
    elapsed = time.perf_counter() - started
    dynamodb_requests = meter.snapshot()
    return {
        "communities": communities,
        "enqueued": enqueued,
        "partitions": ticked.partitions,
        "shard_messages": handled,
        "enqueued_by_tick": ticked.enqueued,
        "tick_requests": tick_requests,
        "tick_sqs_requests": tick_sqs,
        "delay_seconds": {"min": min(delays, default=0), "max": max(delays, default=0)},
        "tick_seconds": tick_seconds,
        "slowest_shard_seconds": max(shard_seconds, default=0.0),
        "sqs_requests": dict(sqs_calls),
        "sqs_requests_per_message": sum(sqs_calls.values()) / max(1, enqueued),
        "dynamodb": dynamodb_requests,
        "seconds": elapsed,
        "sqs": "answered at the client" if stubbed else "moto",
    }


class _Held:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send_batch(self, messages: Any) -> int:
        batch = list(messages)
        self.messages.extend(batch)
        return len(batch)


class _Split:
    """Runs to SQS, continuations back to the held shard messages."""

    def __init__(self, runs: SqsQueue, shards: _Held) -> None:
        self.runs, self.shards = runs, shards

    def send_batch(self, messages: Any) -> int:
        batch = list(messages)
        held = [m for m in batch if m.get("kind") == DISPATCH]
        runs = [m for m in batch if m.get("kind") != DISPATCH]
        return (self.shards.send_batch(held) if held else 0) + (
            self.runs.send_batch(runs) if runs else 0
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.dispatcher [communities,…]`` (10,000 unless given): this module's
    run alone, on moto, as ``make bench`` runs it."""
    import sys

    import boto3
    from moto import mock_aws

    from chalicelib.store.schema import ensure_table

    argv = sys.argv[1:] if argv is None else argv
    sizes = [int(x.replace("_", "")) for x in argv[0].split(",")] if argv else [10_000]
    for size in sizes:
        with mock_aws():
            dynamodb = boto3.client("dynamodb", region_name="us-east-1")
            ensure_table(dynamodb, "bench-due")
            sqs = boto3.client("sqs", region_name="us-east-1")
            result = bench_dispatcher(dynamodb, sqs, "bench-due", size)
        print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
