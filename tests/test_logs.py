"""Logs are JSON with their context, metrics are CloudWatch EMF, secrets never leak."""

from __future__ import annotations

import io
import json
import logging

from chalicelib.logs import JsonFormatter, metric


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
