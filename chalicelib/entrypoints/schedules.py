"""The one timer: a UTC tick that dispatches whatever is due, in every timezone."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

bp = Blueprint(__name__)

# Every 5 minutes: reminders land within 5 minutes of their local time, at 288 ticks a day
# (each a few empty Query pages when nothing is due).
TICK = "rate(5 minutes)"


@bp.schedule(TICK, name="dispatch_due_jobs")
def dispatch_due_jobs(event: Any) -> dict[str, Any]:
    from chalicelib.clock import parse_instant
    from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs as dispatch
    from chalicelib.logs import lambda_invocation
    from chalicelib.runtime import get_runtime

    with lambda_invocation(getattr(event, "context", None)):
        runtime = get_runtime()
        # The tick's own time, not the clock: a tick EventBridge retries late still dispatches
        # what was due at its time (and whatever became due since, at the next tick).
        now = parse_instant(event.time) if getattr(event, "time", None) else runtime.clock.now()
        result = dispatch(runtime.store.table, runtime.queue, max(now, runtime.clock.now()))
        return {"enqueued": result.enqueued, "by_job": result.by_job, "capped": result.capped}
