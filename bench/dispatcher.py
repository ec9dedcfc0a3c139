"""One dispatcher tick with many due communities: SQS and DynamoDB requests, time.

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
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.queue import SqsQueue
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
    # The due pointers as schedule_community writes them, in batches (seeding, not measured).
    table.batch_put(
        {
            "pk": f"C#d{n:05d}",
            "sk": "DUE#daily-reminder",
            "due_pk": due.index_pk(f"d{n:05d}", "daily-reminder"),
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
    sqs.meta.events.register(  # before any answer, moto's or the stub's
        "provide-client-params.sqs", lambda model, **_: sqs_calls.update([model.name])
    )
    stubbed = communities > REAL_SQS_UP_TO
    if stubbed:
        sqs.meta.events.register("before-call.sqs.SendMessageBatch", _accept_batch)
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
        "sqs": "answered at the client" if stubbed else "moto",
    }
