"""Logs are JSON with their context, metrics are CloudWatch EMF, secrets never leak."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from chalice.test import Client

import app
from chalicelib.logs import JsonFormatter, lambda_invocation, metric
from chalicelib.queue import SqsQueue
from chalicelib.runtime import set_runtime
from chalicelib.store.repository import Store
from tests.helpers import console_body, runtime, signed_headers

AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def test_log_lines_are_json_with_context_and_redacted_secrets():
    record = logging.LogRecord("rollcall.jobs", logging.INFO, __file__, 1, "job finished", (), None)
    record.community = "c1"
    record.job = "daily-reminder"
    record.bot_token = "123:abc"
    record.text = "a member's message"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "job finished" and line["community"] == "c1"
    assert line["job"] == "daily-reminder"
    assert line["bot_token"] == "[redacted]" and line["text"] == "[redacted]"


def test_metrics_use_the_embedded_metric_format():
    stream = io.StringIO()
    metric("MessagesSent", 3, dimensions={"job": "daily-reminder"}, stream=stream)
    data = json.loads(stream.getvalue())
    spec = data["_aws"]["CloudWatchMetrics"][0]
    assert spec["Namespace"] == "rollcall" and spec["Dimensions"] == [["job"]]
    assert spec["Metrics"] == [{"Name": "MessagesSent", "Unit": "Count"}]
    assert data["MessagesSent"] == 3 and data["job"] == "daily-reminder"


# --- Lambda's request id on every line of an invocation ---


class Context:
    """What Lambda passes a handler; Chalice hands it on as event.context / app.lambda_context."""

    def __init__(self, aws_request_id: str) -> None:
        self.aws_request_id = aws_request_id

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@pytest.fixture
def lines() -> Iterator[list[dict]]:
    """rollcall's log lines as CloudWatch would receive them (the JSON formatter's output)."""
    out: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            out.append(json.loads(JsonFormatter().format(record)))

    logger = logging.getLogger("rollcall")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def wired(dynamo_table):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="rollcall-dev-jobs")["QueueUrl"]
    rt, _ = runtime(Store(dynamo_table), AT)
    rt.queue = SqsQueue(sqs, url)
    set_runtime(rt)
    try:
        yield app.app
    finally:
        set_runtime(None)


def test_a_line_outside_an_invocation_has_no_request_id_and_inside_has_its_own():
    record = logging.LogRecord("rollcall.jobs", logging.INFO, __file__, 1, "x", (), None)
    assert "request_id" not in json.loads(JsonFormatter().format(record))
    with lambda_invocation(Context("req-1")) as request_id:
        assert request_id == "req-1"
        record.request_id = "spoofed"  # an extra of that name cannot hide the invocation's
        assert json.loads(JsonFormatter().format(record))["request_id"] == "req-1"
        with lambda_invocation(None):  # a direct call, no Lambda context
            assert "request_id" not in json.loads(JsonFormatter().format(logging.makeLogRecord({})))
    del record.request_id
    assert "request_id" not in json.loads(JsonFormatter().format(record))


def test_metrics_of_an_invocation_carry_its_request_id():
    stream = io.StringIO()
    with lambda_invocation(Context("req-2")):
        metric("RunsDispatched", 0, stream=stream)
    metric("RunsDispatched", 0, stream=stream)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["request_id"] == "req-2" and "request_id" not in second
    assert first["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]


def test_the_tick_logs_with_its_lambda_request_id(wired, lines):
    """The real handler Lambda calls (Chalice's handler_map), with a Lambda context."""
    event = {"version": "0", "id": "e1", "detail-type": "Scheduled Event"}
    event |= {"source": "aws.events", "account": "123456789012", "region": "us-east-1"}
    event |= {"time": AT.strftime("%Y-%m-%dT%H:%M:%SZ"), "resources": [], "detail": {}}
    wired.handler_map["dispatch_due_jobs"](event, Context("tick-req-1"))
    assert [line["message"] for line in lines] == ["tick"]
    assert {line["request_id"] for line in lines} == {"tick-req-1"}


def test_the_worker_logs_with_its_lambda_request_id(wired, lines):
    body = {"community": "gone", "job": "daily-reminder", "period": "2026-11-23"}
    record = {"messageId": "m1", "receiptHandle": "h1", "attributes": {}, "md5OfBody": ""}
    record |= {"body": json.dumps(body | {"scheduled_at": AT.isoformat()})}
    record |= {"eventSource": "aws:sqs", "awsRegion": "us-east-1", "messageAttributes": {}}
    record["eventSourceARN"] = "arn:aws:sqs:us-east-1:123456789012:rollcall-dev-jobs"
    wired.handler_map["run_queued_jobs"]({"Records": [record]}, Context("worker-req-1"))
    assert "community gone; its schedule is cleared" in [line["message"] for line in lines]
    assert {line["request_id"] for line in lines} == {"worker-req-1"}


def test_each_webhook_request_logs_with_its_own_request_id(wired, lines):
    """Through Chalice's own HTTP path: its local gateway makes a Lambda context per request."""
    body = console_body("/help")
    forged = {**signed_headers(body, AT), "X-Rollcall-Signature": "sha256=" + "0" * 64}
    with Client(wired) as client:
        for _ in range(2):
            response = client.http.post("/webhooks/console", headers=forged, body=body)
            assert response.status_code == 401
    assert [line["message"] for line in lines] == ["webhook rejected"] * 2
    first, second = (line["request_id"] for line in lines)
    assert first != second and uuid.UUID(first) and uuid.UUID(second)
