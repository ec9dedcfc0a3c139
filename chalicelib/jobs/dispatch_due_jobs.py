"""dispatch-due-jobs: every five minutes, enqueue the runs of the next five, delayed to
their time.

Communities live in every timezone and choose their own times, so there is no cron per job:
a UTC tick asks the ``due`` index what falls due and fans the runs out through the queue.
It reads ahead (look-ahead dispatch): the tick of slot S (its time floored to
``TICK_MINUTES``) reads the runs whose index key is in (S, S + TICK_MINUTES] and enqueues
each with SQS DelaySeconds = its time − now (≤ 300 s of SQS's 900), so a run is delivered
at its time while the tick runs 288 times a day, not 1,440. The windows of successive
ticks meet end to end, so each pointer is read once. A pointer written into a window
already read sits in the index at the next tick's window (store/due.py ``index_at``), so
it is enqueued by TICK_MINUTES after it was written.

1. ``tick`` (the scheduled function): one Query per index partition (store/due.py
   ``partitions``) of at most ``INLINE_MAX`` + 1 items. A shard with at most
   ``INLINE_MAX`` runs in the window has them enqueued by the tick itself (10 a
   SendMessageBatch): a small deployment costs what one tick reading everything did. A
   shard with more gets a *shard message* ``{"kind": "dispatch", "partition", "tick",
   "until", "since"}`` and a worker reads it. An idle tick sends nothing.
2. ``dispatch_shard`` (the worker, for each shard message): Query that partition's window
   in index order and enqueue the runs, each delayed to its time. At most
   ``MAX_PER_SHARD_MESSAGE`` runs (or until its Lambda's time runs short); then a
   continuation, the same message with ``after`` = the last ``due_sk`` it enqueued. The
   continuation is not delayed, so it is read while the runs it follows still wait for
   their time.

Every ``SWEEP_MINUTES`` minutes a *sweep* tick reads everything up to its window's end (no
``since``): it picks up what a window missed (a tick EventBridge skipped, a shard message
parked in the dead-letter queue) and sends again a run still queued from a quarter of an
hour before (at most one copy per sweep).

Nothing here claims anything: the worker (run_queued_jobs) takes each run off its pointer
only if the pointer still names it (time and period), and the run's claim makes any repeat
harmless; a message whose run the pointer no longer names (the schedule changed after it
was queued) changes nothing. So a shard message delivered twice, or a stale one handled
late, enqueues at most runs that the pointers and claims then refuse. Nothing here reads a
community or writes per community.

``dispatch_due_jobs`` does both stages in one process for what is due by now (no delay):
the local runtime (``rollcall serve``) and the tests of the whole path use it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.logs import metric
from chalicelib.queue import (
    DELAY,
    DISPATCH,
    MAX_DELAY_SECONDS,
    SQS_BATCH_MAX,
    JobQueue,
    shard_message,
)
from chalicelib.store import due
from chalicelib.store.table import Table

log = logging.getLogger("rollcall.dispatch")

# Runs one shard message enqueues before it hands over to a continuation: 2,500
# SendMessageBatch, about 40 s of a worker's 60 at ~15 ms a request (bench/scale_model.py),
# so at the 21:00 peak a shard's runs go out from one message when the shards are enough
# (a continuation queues behind the runs already sent: bench/README.md). The time left is
# checked too, so a slower SQS hands over early rather than running out of time.
MAX_PER_SHARD_MESSAGE = 25_000
# A sweep tick (no ``since``) every this many minutes: the ticks at minute 10, 25, 40 and
# 55 of the hour (off the hour, when most runs are due).
SWEEP_MINUTES = 15
SWEEP_AT = 10
# A shard with at most this many runs in the tick's window is enqueued by the tick itself
# (50 SendMessageBatch): 10,000 communities' 21:00 peak over 12 shards (~420 each) needs no
# shard message; a larger one goes to a worker.
INLINE_MAX = 500
# A shard's worker stops enqueueing (and hands over) when its Lambda has less than this left
# (or a quarter of its time, for a short one).
SHARD_RESERVE_SECONDS = 10.0


def _reserve(time_left: Callable[[], float] | None) -> float:
    """The seconds to keep back: SHARD_RESERVE_SECONDS, or a quarter of a short function's
    time (none when the time is not known)."""
    return min(SHARD_RESERVE_SECONDS, time_left() / 4) if time_left is not None else 0.0


@dataclass
class TickResult:
    partitions: int = 0  # partitions Queried
    # Those with more than INLINE_MAX runs in the window: a shard message each.
    shards: list[str] = field(default_factory=list)
    enqueued: int = 0  # runs the tick enqueued itself (shards with INLINE_MAX or fewer)


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


def slot_of(now: datetime) -> datetime:
    """The tick slot ``now`` falls in: ``now`` floored to TICK_MINUTES."""
    floor = now.replace(second=0, microsecond=0)
    return floor - timedelta(minutes=floor.minute % due.TICK_MINUTES)


def window(now: datetime, *, sweep: bool = False) -> tuple[datetime | None, datetime]:
    """What the tick at ``now`` reads: index keys after ``since`` (None on a sweep tick:
    everything before) and by ``until``, its slot's look-ahead."""
    slot = slot_of(now)
    until = slot + timedelta(minutes=due.TICK_MINUTES)
    if sweep or slot.minute % SWEEP_MINUTES == SWEEP_AT:
        return None, until
    return slot, until


def tick(
    table: Table,
    queue: JobQueue,
    now: datetime,
    *,
    sweep: bool = False,
    clock: Callable[[], datetime] | None = None,
    time_left: Callable[[], float] | None = None,
) -> TickResult:
    """The scheduled stage: each partition's window (of the slot ``now`` is in) read, at
    most INLINE_MAX + 1 items; runs of a small shard enqueued here, delayed to their time by
    ``clock`` (``now`` when not given); a shard message for each larger one. ``time_left``
    (seconds left in the invocation): once under the reserve, the partitions not yet read
    go to the workers as shard messages, unread, so the tick never runs out of time."""
    since, until = window(now, sweep=sweep)
    slot = slot_of(now)
    result = TickResult()
    reserve = _reserve(time_left)
    for partition in due.partitions():
        if time_left is not None and time_left() < reserve:
            result.shards.append(partition)
            continue
        result.partitions += 1
        items = list(due.due_in(table, partition, until, since=since, limit=INLINE_MAX + 1))
        if len(items) > INLINE_MAX:
            result.shards.append(partition)
            continue
        runs = [_run_message(item, clock() if clock else now) for item in items]
        if runs:
            result.enqueued += queue.send_batch(runs)
    if result.shards:
        queue.send_batch(shard_message(p, slot, until=until, since=since) for p in result.shards)
    metric("ShardsDispatched", len(result.shards))
    metric("RunsDispatched", result.enqueued)
    log.info(
        "tick",
        extra={
            "shards": len(result.shards),
            "partitions": result.partitions,
            "enqueued": result.enqueued,
        },
    )
    return result


def dispatch_shard(
    table: Table,
    queue: JobQueue,
    partition: str,
    tick_at: datetime,
    *,
    until: datetime | None = None,
    since: datetime | None = None,
    after: str | None = None,
    time_left: Callable[[], float] | None = None,
    clock: Callable[[], datetime] | None = None,
    limit: int = MAX_PER_SHARD_MESSAGE,
    due_only: bool = False,
) -> ShardResult:
    """The worker's stage: enqueue ``partition``'s runs whose index key is after ``since``
    and by ``until`` (``tick_at`` when not given: an older tick's message), after the key
    ``after``, each delayed to its time by ``clock`` (the worker's; ``tick_at`` when not
    given), at most ``limit`` of them, then a continuation if the partition has more.
    ``due_only``: leave out runs not yet due (a queue without delays: the local runtime)."""
    result = ShardResult()
    until = until or tick_at
    clock = clock or (lambda: tick_at)
    reserve = _reserve(time_left)
    # One item more than we may take: its presence says a continuation is needed.
    items = due.due_in(table, partition, until, since=since, after=after, limit=limit + 1)
    chunk: list[dict[str, Any]] = []
    last: str | None = None
    for item in items:
        if result.enqueued + len(chunk) >= limit or (
            not chunk and time_left is not None and time_left() < reserve
        ):
            result.continued = True
            break
        message = _run_message(item, clock())
        if not (due_only and message.get(DELAY)):
            chunk.append(message)
        if len(chunk) == SQS_BATCH_MAX:
            _send(queue, chunk, result)
            last, chunk = item["due_sk"], []
        else:
            last = item["due_sk"]
    _send(queue, chunk, result)
    again = {"until": until, "since": since}
    if result.continued and last is not None:
        # Sent after the runs: a crash before it makes SQS redeliver this shard message,
        # which enqueues those runs again (refused by their pointers) and then continues.
        queue.send_batch([shard_message(partition, tick_at, after=last, **again)])
    elif result.continued:  # out of time before the first run: the same message again
        queue.send_batch([shard_message(partition, tick_at, after=after, **again)])
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


def _run_message(item: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A run's message, delayed until its time when that is after ``now``."""
    message = {
        "community": item["community_id"],
        "job": item["job"],
        "period": item["period"],
        "scheduled_at": item["scheduled_at"],
    }
    wait = (datetime.fromisoformat(item["scheduled_at"]) - now).total_seconds()
    if wait > 0:
        message[DELAY] = min(MAX_DELAY_SECONDS, math.ceil(wait))
    return message


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
    """Both stages in one process, everything due by ``now`` (a sweep at every call, runs
    not yet due left for a later call): a shard message per partition, then each (and its
    continuations) at once, the runs onto ``queue`` undelayed. For the local runtime and
    tests."""
    held = _Held()
    until = now + timedelta(minutes=due.TICK_MINUTES)  # index keys of pointers just written
    held.send_batch(shard_message(p, now, until=until) for p in due.partitions())
    result = DispatchResult()
    while held.messages:
        message = held.messages.pop(0)
        result.shard_messages += 1
        shard = dispatch_shard(
            table,
            _Split(queue, held),
            message["partition"],
            datetime.fromisoformat(message["tick"]),
            until=until,
            after=message.get("after"),
            clock=lambda: now,
            limit=limit,
            due_only=True,
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
