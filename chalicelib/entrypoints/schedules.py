"""The one timer: a UTC tick every five minutes that dispatches the next five minutes' runs,
in every timezone, each delayed to its time: a small shard's runs by the tick itself, one
message per larger shard of the due index; the worker enqueues those runs."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

bp = Blueprint(__name__)

# At minute 0, 5, 10, … of every hour (a cron, not a rate, so that each tick starts its
# slot: jobs/dispatch_due_jobs.py reads the slot's next five minutes ahead, and SQS delivers
# each run at its time): 288 ticks a day, each one Query per index partition
# (docs/operator.md states what that costs a month). store/due.py TICK_MINUTES says 5 too.
TICK = "cron(0/5 * * * ? *)"


@bp.schedule(TICK, name="dispatch_due_jobs")
def dispatch_due_jobs(event: Any) -> dict[str, Any]:
    from chalicelib.clock import parse_instant
    from chalicelib.entrypoints.queue import remaining_seconds
    from chalicelib.jobs.dispatch_due_jobs import tick
    from chalicelib.logs import lambda_invocation
    from chalicelib.runtime import get_runtime

    context = getattr(event, "context", None)
    with lambda_invocation(context):
        runtime = get_runtime()
        # The tick's own time, not the clock: a tick EventBridge retries late still reads its
        # own slot's window (its runs go at once, their time past); the clock times delays.
        now = parse_instant(event.time) if getattr(event, "time", None) else runtime.clock.now()
        result = tick(
            runtime.store.table,
            runtime.queue,
            min(now, runtime.clock.now()),
            clock=runtime.clock.now,
            time_left=remaining_seconds(context),
        )
        return {"partitions": result.partitions, "shards": result.shards}
