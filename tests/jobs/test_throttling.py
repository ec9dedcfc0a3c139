"""DynamoDB throttles and leaves batch items unprocessed under load; moto never does, so the
faults are injected into the real botocore request path. Jobs must finish, nothing lost."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from chalicelib.jobs.runner import run_job
from chalicelib.store.checkins import record_checkin
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable
from tests.conftest import TABLE
from tests.helpers import community, member, runtime

AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_):
        yield self._body


class Throttler:
    """Answers the first ``times`` calls of each named operation with a throttling error,
    before they reach the endpoint, exactly as DynamoDB would under load.

    moto answers requests from a generic ``before-send`` handler, which botocore calls after
    this more specific one whatever it returns: so a throttled request is pointed at an
    address moto ignores, and pointed back when botocore retries it (the same request object
    comes through here again).
    """

    def __init__(self, client, operations: set[str], times: int) -> None:
        self.left = dict.fromkeys(operations, times)
        self.injected = 0
        self._parked: dict[int, str] = {}
        client.meta.events.register_first("before-send.dynamodb", self.throttle)

    def throttle(self, request, **_):
        parked = self._parked.pop(id(request), None)
        if parked is not None:
            request.url = parked
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        operation = target.rsplit(".", 1)[-1]
        if self.left.get(operation, 0) <= 0:
            return None
        self.left[operation] -= 1
        self.injected += 1
        self._parked[id(request)] = request.url
        request.url = "http://throttled.invalid/"
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "Rate of requests exceeds the allowed throughput.",
            }
        ).encode()
        return AWSResponse(
            request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body)
        )


def test_reminder_finishes_through_throttled_reads_and_writes(aws):
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "max_attempts": 5}),
    )
    ensure_table(client, TABLE)
    store = Store(DynamoTable(client, TABLE, sleep=lambda _: None))
    store.create_community(community())
    store.bulk_save_members(member(f"m{n:03d}") for n in range(300))
    record_checkin(store.table, "c1", "m000", date(2026, 11, 23), AT)
    throttler = Throttler(client, {"Query", "GetItem", "UpdateItem", "BatchWriteItem"}, times=2)
    rt, sent = runtime(store, AT)
    result = run_job(rt, "daily-reminder", "c1", AT)
    assert result.status == "sent"
    assert throttler.injected == 6  # Query ×2, GetItem ×2, UpdateItem ×2, all retried
    assert result.summary["mentioned"] == 299 and len(sent) == result.delivered


def test_member_import_survives_throttled_batch_writes(aws):
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "max_attempts": 5}),
    )
    ensure_table(client, TABLE)
    store = Store(DynamoTable(client, TABLE, sleep=lambda _: None))
    throttler = Throttler(client, {"BatchWriteItem"}, times=3)
    assert store.bulk_save_members(member(f"m{n:03d}") for n in range(60)) == 60
    assert throttler.injected == 3
    assert len(list(store.list_members("c1"))) == 60
