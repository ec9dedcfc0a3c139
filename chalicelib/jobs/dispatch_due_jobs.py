"""dispatch-due-jobs: every tick, enqueue one message per (community, job) that is due.

Communities live in every timezone and choose their own times, so there is no cron per job:
a frequent UTC tick asks the ``due`` index what is due by now (one Query per job and shard,
paged) and fans the runs out through the queue, 10 messages per SendMessageBatch. The
worker (run_queued_jobs) advances each pointer to its next run, so a pointer still due at
the next tick (a worker down, a message in flight) is simply sent again; the run's claim
makes the repeat harmless. Nothing here reads a community or writes per community.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.logs import metric
from chalicelib.queue import JobQueue
from chalicelib.store import due
from chalicelib.store.table import Table

log = logging.getLogger("rollcall.dispatch")

# At most this many runs per tick: 10,000 communities × 3 jobs fit with room to spare, and a
# larger backlog (after an outage) drains over the next ticks instead of overrunning the
# dispatcher's Lambda timeout.
MAX_PER_TICK = 40_000


@dataclass
class DispatchResult:
    enqueued: int = 0
    by_job: dict[str, int] = field(default_factory=dict)
    capped: bool = False


def due_messages(table: Table, now: datetime) -> Iterator[dict[str, Any]]:
    for item in due.due_by(table, now):
        yield {
            "community": item["community_id"],
            "job": item["job"],
            "period": item["period"],
            "scheduled_at": item["scheduled_at"],
        }


def dispatch_due_jobs(table: Table, queue: JobQueue, now: datetime) -> DispatchResult:
    result = DispatchResult()
    messages = list(itertools.islice(due_messages(table, now), MAX_PER_TICK + 1))
    if len(messages) > MAX_PER_TICK:
        messages = messages[:MAX_PER_TICK]
        result.capped = True
    result.enqueued = queue.send_batch(messages)
    for message in messages:
        result.by_job[message["job"]] = result.by_job.get(message["job"], 0) + 1
    metric("RunsDispatched", result.enqueued)
    log.info(
        "dispatched",
        extra={"enqueued": result.enqueued, "by_job": result.by_job, "capped": result.capped},
    )
    return result
