"""run-queued-jobs: one (community, job, period) run from the queue.

Take the run off the community's due pointer, moving it to the run after this one (first,
so that a run that keeps failing is retried by the queue and then parked in the DLQ, rather
than re-dispatched every tick), skip the run if it is too late to make sense (recorded, not
sent), otherwise run it through the runner's claim. chalicelib/worker.py hands it each job
message.

A message is checked against the pointer before anything runs: the dispatcher reads ahead
and the message waits in SQS until its time, so the schedule may have changed meanwhile. The
pointer is moved only if it names exactly this run (period and time). If it names the same
period at another time, or another run and the run was never started (no claim), the
message is stale and changes nothing (the pointer's own run comes at its time). A message
whose run the pointer was moved on from (``taken``: a redelivery, a sweep's copy) goes on
through the claim, so a crashed run is finished and a finished one not sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community
from chalicelib.jobs import registry
from chalicelib.jobs.runner import TIME_RESERVE, JobResult, RunStatus, run_job
from chalicelib.jobs.schedule import MAX_LATENESS, next_slot
from chalicelib.logs import metric
from chalicelib.store import due, runs
from chalicelib.store.repository import NotFound
from chalicelib.store.retention import retention_of

log = logging.getLogger("rollcall.worker")


def run_queued_job(
    runtime: Any,
    message: dict[str, str],
    now: datetime,
    *,
    time_left: Callable[[], float] | None = None,
    reserve: float = TIME_RESERVE,
) -> JobResult | None:
    community_id, job, period = message["community"], message["job"], message["period"]
    scheduled_at = datetime.fromisoformat(message["scheduled_at"])
    table = runtime.store.table
    context = {"community": community_id, "job": job, "period": period}
    community = _community_running(runtime, community_id, job, context)
    if community is None:
        return None
    following = next_slot(community, job, scheduled_at)
    took = due.take_due(
        table,
        community_id,
        job,
        period,
        scheduled_at,
        None if following is None else (following.period, following.scheduled_at),
        now=now,
    )
    if took == due.STALE or (
        took == due.UNSURE
        and runs.get_run(table, community_id, job, period) is None
        and not _still_scheduled(community, job, period, scheduled_at)
    ):
        metric("StaleRunsIgnored", dimensions={"job": job})
        log.info("run no longer scheduled; message ignored", extra=context)
        return None
    late = now - scheduled_at
    if late > MAX_LATENESS.get(job, late) and runs.record_skip(
        table,
        community_id,
        job,
        period,
        now,
        reason=f"late by {late}",
        retention=retention_of(community),
    ):
        metric("RunsSkippedLate", dimensions={"job": job})
        log.warning("run too late; skipped", extra={**context, "late_seconds": late.seconds})
        return JobResult(job, community_id, period, RunStatus.SKIPPED)
    # Not too late, or already started (a paused, failed or crashed run whose message came
    # back late): finished or resumed through the claim, never abandoned half-sent.
    result = run_job(
        runtime, job, community_id, now, period=period, time_left=time_left, reserve=reserve
    )
    if late.total_seconds() > 600:
        result.summary["late_by_minutes"] = int(late.total_seconds() // 60)
    return result


def _community_running(
    runtime: Any, community_id: str, job: str, context: dict[str, str]
) -> Community | None:
    """The community whose run the message asks for; None (and its due pointer cleared, so
    the tick stops sending it) when the job, the community or the job's switch is gone."""
    table = runtime.store.table
    if registry.spec_of(job) is None:
        # A pointer of a job no longer here (a rollback, a removed job): cleared, so the
        # tick stops sending it, rather than failing five times into the DLQ each time.
        due.clear_due(table, community_id, job)
        log.warning("job not available; its schedule is cleared", extra=context)
        return None
    try:
        community: Community = runtime.store.get_community(community_id)
    except NotFound:
        due.clear_due(table, community_id, job)
        log.warning("community gone; its schedule is cleared", extra=context)
        return None
    if not registry.require_spec(job).enabled(community):
        # Turned off after a tick read its run ahead (the message was already delayed in the
        # queue): the run the admin just switched off is not sent.
        due.clear_due(table, community_id, job)
        metric("StaleRunsIgnored", dimensions={"job": job})
        log.info("job turned off; message ignored", extra=context)
        return None
    return community


def _still_scheduled(community: Any, job: str, period: str, scheduled_at: datetime) -> bool:
    """Whether the community's schedule still names this run. A pointer rewritten whole (a
    settings save reschedules every job) no longer says which run it was moved from, so a
    retried message whose run was taken but never claimed (its planning failed) would
    otherwise read as stale and be lost: it runs, and its claim keeps it to once."""
    slot = next_slot(community, job, scheduled_at - timedelta(microseconds=1))
    return slot is not None and (slot.period, slot.scheduled_at) == (period, scheduled_at)
