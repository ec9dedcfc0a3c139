"""The worker: each SQS message is a (community, job, period) run or a deferred chat
command (chalicelib/worker.py says what it does with each)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from chalice import Blueprint

bp = Blueprint(__name__)

# The environment read at import time, on purpose: Chalice needs the queue's name and the
# workers' cap when it builds the event source mapping, and `chalice deploy/package --stage
# S` applies the stage's environment_variables (ROLLCALL_QUEUE, ROLLCALL_WORKER_CONCURRENCY)
# before importing app.py. The cap is the mapping's ScalingConfig.MaximumConcurrency (2 is
# Lambda's minimum), which chalice sets on both paths (docs/shipping.md).
QUEUE_NAME = os.environ.get("ROLLCALL_QUEUE", "rollcall-dev-jobs")
MAX_CONCURRENCY = int(os.environ.get("ROLLCALL_WORKER_CONCURRENCY", "2"))


@bp.on_sqs_message(
    queue=QUEUE_NAME, batch_size=10, name="run_queued_jobs", maximum_concurrency=MAX_CONCURRENCY
)
def run_queued_jobs(event: Any) -> dict[str, Any]:
    from chalicelib.logs import lambda_invocation
    from chalicelib.runtime import get_runtime
    from chalicelib.worker import handle_records

    context = getattr(event, "context", None)
    with lambda_invocation(context):
        runtime = get_runtime()
        records = ((r.to_dict().get("messageId", ""), r.body) for r in event)
        return handle_records(
            runtime, records, runtime.clock.now(), time_left=remaining_seconds(context)
        )


def remaining_seconds(context: Any) -> Callable[[], float] | None:
    """The invocation's remaining seconds, from the Lambda context (None where there is
    none, e.g. a local call): a long run then pauses and is queued again in time."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    return lambda: float(remaining()) / 1000
