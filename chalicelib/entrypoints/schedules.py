"""The one timer: a UTC tick that dispatches whatever is due, in every timezone: one
message per shard of the due index with something due; the worker enqueues the runs."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

bp = Blueprint(__name__)

# Every minute: a run is enqueued within a minute of its local time, at 1,440 ticks a day,
# each one Query of one item per index partition when nothing is due (docs/operator.md
# states what that costs a month).
TICK = "rate(1 minute)"


@bp.schedule(TICK, name="dispatch_due_jobs")
def dispatch_due_jobs(event: Any) -> dict[str, Any]:
    from chalicelib.clock import parse_instant
    from chalicelib.jobs.dispatch_due_jobs import tick
    from chalicelib.logs import lambda_invocation
    from chalicelib.runtime import get_runtime

    with lambda_invocation(getattr(event, "context", None)):
        runtime = get_runtime()
        # The tick's own time, not the clock: a tick EventBridge retries late still dispatches
        # what was due at its time (and whatever became due since, at the next tick).
        now = parse_instant(event.time) if getattr(event, "time", None) else runtime.clock.now()
        result = tick(runtime.store.table, runtime.queue, max(now, runtime.clock.now()))
        return {"partitions": result.partitions, "shards": result.shards}
