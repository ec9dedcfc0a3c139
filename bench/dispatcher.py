"""One dispatcher tick with many due communities: SQS and DynamoDB requests, time."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.capacity import Meter
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.queue import SqsQueue
from chalicelib.store import due
from chalicelib.store.table import DynamoTable

AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def bench_dispatcher(dynamodb: Any, sqs: Any, table_name: str, communities: int) -> dict[str, Any]:
    table = DynamoTable(dynamodb, table_name)
    # The due pointers as schedule_community writes them, in batches (seeding, not measured).
    table.batch_put(
        {
            "pk": f"C#d{n:05d}",
            "sk": "DUE#daily-reminder",
            "due_pk": f"DUE#daily-reminder#{due.shard_of(f'd{n:05d}')}",
            "due_sk": due.due_sk(AT - timedelta(seconds=n % 300), f"d{n:05d}"),
            "community_id": f"d{n:05d}",
            "job": "daily-reminder",
            "period": "2026-11-23",
            "scheduled_at": (AT - timedelta(seconds=n % 300)).isoformat(),
        }
        for n in range(communities)
    )
    url = sqs.create_queue(QueueName="rollcall-bench-jobs")["QueueUrl"]
    sqs_calls: Counter[str] = Counter()
    sqs.meta.events.register("before-call.sqs", lambda model, **_: sqs_calls.update([model.name]))
    meter = Meter().attach(dynamodb)
    meter.reset()
    queue = SqsQueue(sqs, url)
    started = time.perf_counter()
    result = dispatch_due_jobs(table, queue, AT)
    elapsed = time.perf_counter() - started
    return {
        "communities": communities,
        "enqueued": result.enqueued,
        "sqs_requests": dict(sqs_calls),
        "sqs_requests_per_message": sum(sqs_calls.values()) / max(1, result.enqueued),
        "dynamodb": meter.snapshot(),
        "seconds": elapsed,
    }
