"""Structured JSON logs and CloudWatch metrics (embedded metric format), with the stdlib.

Every log line is one JSON object with the fields passed in ``extra`` (community, job,
period, run_id, platform, ...). CloudWatch Logs Insights can query them directly. Metrics are
log lines in CloudWatch's embedded metric format: no PutMetricData call and no extra
latency. AWS Lambda Powertools does the same and more, but it would take about 1 MB of the
5 MB package budget for the 60 lines we need, so we use the standard library.

Inside an invocation (:func:`lambda_invocation`, entered by each entry point) every line and
every metric also carries ``request_id``, Lambda's ``aws_request_id``: the id on Lambda's own
START/END/REPORT lines, so one invocation's lines can be found together.

Never log a token, a signing secret or a message body: keys that look like secrets are
redacted here as a last line of defence.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_SECRET_HINTS = ("token", "secret", "password", "signature", "authorization", "body", "text")
NAMESPACE = "rollcall"
REQUEST_ID = "request_id"
_request_id: ContextVar[str | None] = ContextVar("rollcall_request_id", default=None)


@contextmanager
def lambda_invocation(context: Any) -> Iterator[str | None]:
    """Within the block, every log line and metric names the invocation's request id.

    ``context`` is the Lambda context (Chalice's ``app.lambda_context`` or ``event.context``);
    without an ``aws_request_id`` (a direct call) lines carry no ``request_id``.
    """
    request_id = getattr(context, "aws_request_id", None)
    token = _request_id.set(request_id if isinstance(request_id, str) and request_id else None)
    try:
        yield _request_id.get()
    finally:
        _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "time": round(record.created, 3),
        }
        if (request_id := _request_id.get()) is not None:
            entry[REQUEST_ID] = request_id
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or (key == REQUEST_ID and key in entry):
                continue
            entry[key] = "[redacted]" if _looks_secret(key) else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _looks_secret(key: str) -> bool:
    lowered = key.lower()
    return any(hint in lowered for hint in _SECRET_HINTS)


_configured = False


def configure_logging(level: str = "INFO") -> None:
    """Route rollcall's loggers through the JSON formatter (once per container)."""
    global _configured
    logger = logging.getLogger("rollcall")
    logger.setLevel(level)
    if _configured:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    _configured = True


def metric(
    name: str,
    value: float = 1,
    *,
    unit: str = "Count",
    dimensions: Mapping[str, str] | None = None,
    stream: Any = None,
) -> str:
    """Emit one metric in CloudWatch's embedded metric format; returns the line."""
    dims = dict(dimensions or {})
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [sorted(dims)],
                        "Metrics": [{"Name": name, "Unit": unit}],
                    }
                ],
            },
            **dims,
            **({REQUEST_ID: request_id} if (request_id := _request_id.get()) else {}),
            name: value,
        }
    )
    if _configured or stream is not None:
        print(line, file=stream or sys.stdout, flush=True)
    return line
