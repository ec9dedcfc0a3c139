"""dispatch-due-jobs: every minute, enqueue one message per (community, job) that is due.

Communities live in every timezone and choose their own times, so there is no cron per job:
a UTC tick asks the ``due`` index what is due by now and fans the runs out through the
queue. It does so in two stages, so that no one Lambda reads a million pointers:

1. ``tick`` (the scheduled function, every minute): one Query of one item per index
   partition (store/due.py ``partitions``), and one *shard message* per partition that holds
   something due: ``{"kind": "dispatch", "partition", "tick", "since"}``. An idle tick
   sends nothing.
2. ``dispatch_shard`` (the worker, for each shard message): Query that partition's runs due
   after ``since`` and by ``tick``, in time order, and enqueue them, 10 messages per
   SendMessageBatch. At most ``MAX_PER_SHARD_MESSAGE`` runs (or until its Lambda's time runs
   short); then it enqueues a continuation, the same message with ``after`` = the last
   ``due_sk`` it enqueued, and the next worker goes on from there.

Each tick reads the runs that fell due since the minute before it (``since``: the previous
minute's start, exclusive, so the run due at 21:00:00 is the 21:00 tick's alone), not
every pointer still due: at 21:00 the runs of a million communities wait in the queue for
a while, their pointers not yet advanced, and a tick a minute later that sent them all
again would fill the queue with copies. Every ``SWEEP_MINUTES`` minutes a *sweep* tick
reads everything due (no ``since``): it picks up what the per-minute windows missed (a
tick EventBridge skipped, a shard message parked in the dead-letter queue) and sends again
a run still queued from a quarter of an hour before (at most one copy per sweep).

Nothing here claims anything: the worker (run_queued_jobs) advances each pointer to its
next run and the run's claim makes any repeat harmless. So a shard message delivered
twice, or a stale one handled late, enqueues at most runs that the claims then refuse, and
a tick delivered twice costs one extra Query per partition. Nothing here reads a community
or writes per community.

``dispatch_due_jobs`` does both stages in one process: the local runtime (``rollcall
serve``) and the tests of the whole path use it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.logs import metric
from chalicelib.queue import DISPATCH, SQS_BATCH_MAX, JobQueue, shard_message
from chalicelib.store import due
from chalicelib.store.table import Table

log = logging.getLogger("rollcall.dispatch")

# Runs one shard message enqueues before it hands over to a continuation: 2,500
# SendMessageBatch, about 40 s of a worker's 60 at ~15 ms a request (bench/scale_model.py),
# so at the 21:00 peak a shard's runs go out from one message when the shards are enough
# (a continuation queues behind the runs already sent: bench/README.md). The time left is
# checked too, so a slower SQS hands over early rather than running out of time.
MAX_PER_SHARD_MESSAGE = 25_000
# A sweep tick (no ``since``) every this many minutes, at minute 7, 22, 37 and 52 of the
# hour (off the hour, when most runs are due).
SWEEP_MINUTES = 15
SWEEP_AT = 7
# A shard's worker stops enqueueing (and hands over) when its Lambda has less than this left
# (or a quarter of its time, for a short one).
SHARD_RESERVE_SECONDS = 10.0


@dataclass
class TickResult:
    partitions: int = 0  # partitions Queried
    shards: list[str] = field(default_factory=list)  # those with something due: one message each


@dataclass
class ShardResult:
    enqueued: int = 0
    by_job: dict[str, int] = field(default_factory=dict)
    continued: bool = False  # a continuation was enqueued: the shard had more


@dataclass
class DispatchResult:
    enqueued: int = 0
    by_job: dict[str, int] = field(default_factory=dict)
    shard_messages: int = 0  # the tick's, plus continuations


def window_start(now: datetime) -> datetime | None:
    """What a tick at ``now`` reads after: the start of the minute before (None: a sweep,
    everything due)."""
    if now.minute % SWEEP_MINUTES == SWEEP_AT:
        return None
    return now.replace(second=0, microsecond=0) - timedelta(minutes=1)


def tick(table: Table, queue: JobQueue, now: datetime, *, sweep: bool = False) -> TickResult:
    """The scheduled stage: one shard message per partition with a run due by ``now`` and
    after ``window_start(now)`` (anything due on a sweep, or when ``sweep``)."""
    since = None if sweep else window_start(now)
    result = TickResult()
    for partition in due.partitions():
        result.partitions += 1
        if due.anything_due(table, partition, now, since=since):
            result.shards.append(partition)
    if result.shards:
        queue.send_batch(shard_message(p, now, since=since) for p in result.shards)
    metric("ShardsDispatched", len(result.shards))
    log.info("tick", extra={"shards": len(result.shards), "partitions": result.partitions})
    return result


def dispatch_shard(
    table: Table,
    queue: JobQueue,
    partition: str,
    tick_at: datetime,
    *,
    since: datetime | None = None,
    after: str | None = None,
    time_left: Callable[[], float] | None = None,
    limit: int = MAX_PER_SHARD_MESSAGE,
) -> ShardResult:
    """The worker's stage: enqueue ``partition``'s runs due after ``since`` and by
    ``tick_at`` (after the key ``after``), at most ``limit`` of them, then a continuation if
    the partition has more."""
    result = ShardResult()
    # What to keep back: SHARD_RESERVE_SECONDS, or a quarter of a short function's time.
    reserve = min(SHARD_RESERVE_SECONDS, time_left() / 4) if time_left is not None else 0.0
    # One item more than we may take: its presence says a continuation is needed.
    items = due.due_in(table, partition, tick_at, since=since, after=after, limit=limit + 1)
    chunk: list[dict[str, Any]] = []
    last: str | None = None
    for item in items:
        if result.enqueued + len(chunk) >= limit or (
            not chunk and time_left is not None and time_left() < reserve
        ):
            result.continued = True
            break
        chunk.append(_run_message(item))
        if len(chunk) == SQS_BATCH_MAX:
            _send(queue, chunk, result)
            last, chunk = item["due_sk"], []
        else:
            last = item["due_sk"]
    _send(queue, chunk, result)
    if result.continued and last is not None:
        # Sent after the runs: a crash before it makes SQS redeliver this shard message,
        # which enqueues those runs again (refused by their claims) and then continues.
        queue.send_batch([shard_message(partition, tick_at, since=since, after=last)])
    elif result.continued:  # out of time before the first run: the same message again
        queue.send_batch([shard_message(partition, tick_at, since=since, after=after)])
    metric("RunsDispatched", result.enqueued)
    log.info(
        "shard dispatched",
        extra={
            "partition": partition,
            "enqueued": result.enqueued,
            "by_job": result.by_job,
            "continued": result.continued,
        },
    )
    return result


def _run_message(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "community": item["community_id"],
        "job": item["job"],
        "period": item["period"],
        "scheduled_at": item["scheduled_at"],
    }


def _send(queue: JobQueue, chunk: list[dict[str, Any]], result: ShardResult) -> None:
    if not chunk:
        return
    result.enqueued += queue.send_batch(chunk)
    for message in chunk:
        result.by_job[message["job"]] = result.by_job.get(message["job"], 0) + 1


class _Held:
    """A JobQueue that keeps what it is sent: the shard messages of ``dispatch_due_jobs``."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send_batch(self, messages: Iterable[dict[str, Any]]) -> int:
        batch = list(messages)
        self.messages.extend(batch)
        return len(batch)


def dispatch_due_jobs(
    table: Table, queue: JobQueue, now: datetime, *, limit: int = MAX_PER_SHARD_MESSAGE
) -> DispatchResult:
    """Both stages in one process, everything due (a sweep at every call): the tick, then
    every shard message (and continuation) at once, the runs onto ``queue``. For the local
    runtime and tests."""
    held = _Held()
    tick(table, held, now, sweep=True)
    result = DispatchResult()
    while held.messages:
        message = held.messages.pop(0)
        result.shard_messages += 1
        shard = dispatch_shard(
            table,
            _Split(queue, held),
            message["partition"],
            datetime.fromisoformat(message["tick"]),
            since=None,
            after=message.get("after"),
            limit=limit,
        )
        result.enqueued += shard.enqueued
        for job, n in shard.by_job.items():
            result.by_job[job] = result.by_job.get(job, 0) + n
    return result


class _Split:
    """Runs to the real queue, shard messages (continuations) back to the held ones."""

    def __init__(self, runs: JobQueue, shards: _Held) -> None:
        self.runs, self.shards = runs, shards

    def send_batch(self, messages: Iterable[dict[str, Any]]) -> int:
        batch = list(messages)
        held = [m for m in batch if m.get("kind") == DISPATCH]
        sent = self.shards.send_batch(held) if held else 0
        runs = [m for m in batch if m.get("kind") != DISPATCH]
        return sent + (self.runs.send_batch(runs) if runs else 0)
