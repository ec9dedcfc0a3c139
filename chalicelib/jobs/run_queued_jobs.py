"""run-queued-jobs: the worker. Each queue message is one (community, job, period) run.

For each message: advance the community's due pointer to the run after this one (first,
so that a run that keeps failing is retried by the queue and then parked in the DLQ,
rather than re-dispatched every tick), skip the run if it is too late to make sense
(recorded, not sent), otherwise run it through the runner's claim. Failures are reported
per record (SQS partial batch responses), so one bad community never holds up the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chalicelib.jobs.runner import JobResult, planners, run_job
from chalicelib.jobs.schedule import MAX_LATENESS, next_slot
from chalicelib.logs import metric
from chalicelib.store import due, runs
from chalicelib.store.repository import NotFound

log = logging.getLogger("rollcall.worker")


class BadMessage(ValueError):
    """A queue message that can never succeed: dropped with an error log, not retried."""


def parse_message(body: str) -> dict[str, str]:
    try:
        message = json.loads(body)
    except (TypeError, ValueError):
        raise BadMessage("not JSON") from None
    if not isinstance(message, dict):
        raise BadMessage("not a JSON object")
    for name in ("community", "job", "period", "scheduled_at"):
        if not isinstance(message.get(name), str) or not message[name]:
            raise BadMessage(f"missing {name}")
    return message


def run_queued_job(runtime: Any, message: dict[str, str], now: datetime) -> JobResult | None:
    community_id, job, period = message["community"], message["job"], message["period"]
    scheduled_at = datetime.fromisoformat(message["scheduled_at"])
    table = runtime.store.table
    context = {"community": community_id, "job": job, "period": period}
    try:
        community = runtime.store.get_community(community_id)
    except NotFound:
        due.clear_due(table, community_id, job)
        log.warning("community gone; its schedule is cleared", extra=context)
        return None
    following = next_slot(community, job, scheduled_at)
    if following is None:
        due.clear_due(table, community_id, job)
    else:
        due.advance_due(table, community_id, job, period, following.period, following.scheduled_at)
    if job not in planners():
        log.info("job not available; skipped", extra=context)
        return None
    late = now - scheduled_at
    if late > MAX_LATENESS.get(job, late):
        runs.record_skip(table, community_id, job, period, now, reason=f"late by {late}")
        metric("RunsSkippedLate", dimensions={"job": job})
        log.warning("run too late; skipped", extra={**context, "late_seconds": late.seconds})
        return JobResult(job, community_id, period, "skipped")
    result = run_job(runtime, job, community_id, now, period=period)
    if late.total_seconds() > 600:
        result.summary["late_by_minutes"] = int(late.total_seconds() // 60)
    return result


def handle_records(
    runtime: Any, records: Iterable[tuple[str, str]], now: datetime
) -> dict[str, list[dict[str, str]]]:
    """``records`` are (message id, body) pairs. Returns SQS's partial batch response."""
    failures = []
    for message_id, body in records:
        try:
            message = parse_message(body)
        except BadMessage as error:
            log.error(
                "bad queue message dropped", extra={"message_id": message_id, "reason": str(error)}
            )
            continue
        try:
            result = run_queued_job(runtime, message, now)
        except Exception:
            log.exception(
                "run failed",
                extra={
                    "message_id": message_id,
                    "community": message["community"],
                    "job": message["job"],
                },
            )
            failures.append({"itemIdentifier": message_id})
            continue
        if result is not None and result.status == "failed":
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
