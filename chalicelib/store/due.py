"""The dispatcher's index: each (community, job) has one item holding its next run.

``C#<cid> / DUE#<job>`` carries ``due_pk = DUE#<nn>`` (a shard shared by every job) and
``due_sk = <scheduled UTC ISO>#<cid>``, so "every run due by now" is one Query per shard on
the ``due`` index (pages of 1 MB), never a Scan, whatever the jobs. Shards spread the
communities' writes over several index partitions; the dispatch reads all of them, one
worker per shard (jobs/dispatch_due_jobs.py).

The number of shards is ``ROLLCALL_DUE_SHARDS`` (12 unless set; config.due_shard_count),
read by the writers (here) and the reader alike. It may only grow: the reader reads shards
0 to count - 1, so every pointer written under a smaller count is still read, and the
worker moves each to its shard under the new count when it advances it (no migration).
Lowering it would leave the pointers in the shards above unread.

Look-ahead: the tick runs every ``TICK_MINUTES`` and reads the runs of the next
``TICK_MINUTES`` (jobs/dispatch_due_jobs.py), which SQS delivers at their time. A pointer
written inside a window a tick has already read (a settings change, a new community, a
catch-up) would be missed, so its index key is not its run's time but the first key the
next tick reads: ``index_at`` = max(run time, written + TICK_MINUTES). The next tick after
the write reads it and enqueues it delayed to its time, or at once when that is past: a
pointer written at ``t`` is enqueued by ``t`` + TICK_MINUTES (plus the tick's own delay),
never later. The item's ``scheduled_at`` stays the run's time.

Pointers written before the shards were shared sit in per-job partitions
(``DUE#<job>#<0-3>``). The tick no longer reads those: the upgrade step (docs/operator.md,
Upgrades: ``rollcall community schedule --all``, jobs/scheduling.py ``ensure_scheduled``)
moves each to its shard; a shard message naming one (sent by an older tick) is still
accepted.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.config import due_shard_count
from chalicelib.store import keys
from chalicelib.store.table import Cond, Table

# Index partitions, shared by every job, unless ROLLCALL_DUE_SHARDS says more: enough to
# keep any one well under DynamoDB's per-partition write limit at 10,000 communities
# advancing in the same minute (as four per job did for the three routine jobs). The scale
# model (bench/scale_model.py) says how many a larger deployment needs.
DUE_SHARDS = 12
# The tick's period and look-ahead (minutes): chalicelib/entrypoints/schedules.py TICK says
# the same (a test checks). At most 15 (SQS's longest delay, 900 s).
TICK_MINUTES = 5
TICK_SPAN = timedelta(minutes=TICK_MINUTES)


def shard_of(community_id: str, job: str) -> int:
    return zlib.crc32(f"{community_id}#{job}".encode()) % due_shard_count()


def index_pk(community_id: str, job: str) -> str:
    return keys.due_index_pk(shard_of(community_id, job))


def due_sk(scheduled_at: datetime, community_id: str) -> str:
    # Always UTC with one format, so that the index's string order is time order.
    return f"{_utc_iso(scheduled_at)}#{community_id}"


def _utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def index_at(scheduled_at: datetime, written: datetime | None) -> datetime:
    """Where the pointer sits in the index: its run's time, or, for a run due before the
    next tick after ``written`` has read past it, ``written`` + TICK_MINUTES (the next tick
    reads it). ``written`` None: the run's time (a writer long before the run)."""
    if written is None:
        return scheduled_at
    return max(scheduled_at, written + TICK_SPAN)


def put_due(
    table: Table,
    community_id: str,
    job: str,
    period: str,
    scheduled_at: datetime,
    *,
    now: datetime | None = None,
) -> None:
    """Point (community, job) at its next run, replacing whatever it pointed at; ``now``
    (when written) keeps a run due soon from falling in a window a tick has read."""
    table.put(_pointer(community_id, job, period, scheduled_at, now))


def _pointer(
    community_id: str, job: str, period: str, scheduled_at: datetime, now: datetime | None
) -> dict[str, Any]:
    return {
        "pk": keys.community_pk(community_id),
        "sk": keys.due_item_sk(job),
        "due_pk": index_pk(community_id, job),
        "due_sk": due_sk(index_at(scheduled_at, now), community_id),
        "community_id": community_id,
        "job": job,
        "period": period,
        "scheduled_at": _utc_iso(scheduled_at),
    }


def clear_due(table: Table, community_id: str, job: str) -> None:
    table.delete(keys.community_pk(community_id), keys.due_item_sk(job))


def advance_due(
    table: Table,
    community_id: str,
    job: str,
    from_period: str,
    period: str,
    scheduled_at: datetime,
    *,
    now: datetime | None = None,
) -> bool:
    """Move the pointer from the run just taken to the next one, only if it still points at
    the run just taken (a redelivered message, or an operator's new schedule, wins)."""
    updated = table.update(
        keys.community_pk(community_id),
        keys.due_item_sk(job),
        set={
            "due_pk": index_pk(community_id, job),  # moves a legacy pointer to its shard
            "due_sk": due_sk(index_at(scheduled_at, now), community_id),
            "period": period,
            "scheduled_at": _utc_iso(scheduled_at),
        },
        cond=Cond.eq("period", from_period),
    )
    return updated is not None


# What ``take_due`` found: this delivery took the run (the pointer named it and now names
# the next); the run was taken already (a redelivery, a sweep's copy: through the claim);
# the pointer names another run (the schedule changed after the message was queued); or
# unsure (the pointer moved on without saying from where: the caller asks the run's claim).
TOOK, TAKEN_BEFORE, STALE, UNSURE = "took", "taken before", "stale", "unsure"


def taken_key(period: str, scheduled_at: datetime) -> str:
    return f"{period}@{_utc_iso(scheduled_at)}"


def take_due(
    table: Table,
    community_id: str,
    job: str,
    period: str,
    scheduled_at: datetime,
    following: tuple[str, datetime] | None,
    *,
    now: datetime | None = None,
) -> str:
    """Take the run (``period``, ``scheduled_at``) off the pointer: move it to
    ``following`` (or delete it: no next run), only if it names exactly that run. One
    conditional request (the item in the way comes back with a refusal; a refused delete
    reads it, one GetItem). The pointer keeps ``taken`` = the run it was moved from, so a
    redelivered message is told from a stale one. Returns TOOK, TAKEN_BEFORE, STALE or
    UNSURE."""
    pk, sk = keys.community_pk(community_id), keys.due_item_sk(job)
    names_it = Cond.eq("period", period) & Cond.eq("scheduled_at", _utc_iso(scheduled_at))
    if following is None:
        if table.delete(pk, sk, cond=names_it):
            return TOOK
        old = table.get(pk, sk, consistent=True)
    else:
        next_period, next_at = following
        result = table.update_or_old(
            pk,
            sk,
            set={
                "due_pk": index_pk(community_id, job),  # moves a legacy pointer to its shard
                "due_sk": due_sk(index_at(next_at, now), community_id),
                "period": next_period,
                "scheduled_at": _utc_iso(next_at),
                "taken": taken_key(period, scheduled_at),
            },
            cond=names_it,
        )
        if result.written:
            return TOOK
        old = result.item
    return _why_refused(old, period, scheduled_at)


def _why_refused(old: dict[str, Any] | None, period: str, scheduled_at: datetime) -> str:
    if old is None:
        return TAKEN_BEFORE  # gone: its last run taken (or the job turned off: the claim says)
    if old.get("period") == period:
        return STALE  # the same period at another time: the pointer's own run is to come
    if old.get("taken") == taken_key(period, scheduled_at):
        return TAKEN_BEFORE
    return UNSURE


# The partitions of pointers written before the shards were shared (see the module's note).
LEGACY_JOBS = ("daily-reminder", "weekly-digest", "monthly-report")
LEGACY_SHARDS = 4


def partitions() -> list[str]:
    """Every index partition the tick reads: the shards under the current count (which only
    grows). Not the legacy per-job partitions: the upgrade step empties those."""
    return [keys.due_index_pk(shard) for shard in range(due_shard_count())]


def legacy_partitions() -> list[str]:
    """The per-job partitions of pointers written before the shards were shared."""
    return [f"DUE#{job}#{n}" for job in LEGACY_JOBS for n in range(LEGACY_SHARDS)]


def is_partition(name: str) -> bool:
    """A name ``partitions`` could list (under any count): what a shard message may name."""
    head, _, rest = name.partition("#")
    if head != "DUE" or not rest:
        return False
    if rest.isdigit():
        return len(rest) >= 2 and int(rest) < 1000
    job, _, n = rest.rpartition("#")
    return job in LEGACY_JOBS and n.isdigit() and int(n) < LEGACY_SHARDS


def upper_bound(now: datetime) -> str:
    """The greatest ``due_sk`` of a run due at or before ``now``."""
    return f"{_utc_iso(now)}#\uffff"


def _lower(since: datetime | None, after: str | None) -> str | None:
    """The least ``due_sk`` above both ``since`` (runs due at it excluded) and ``after``."""
    bounds = []
    if since is not None:
        bounds.append(upper_bound(since))
    if after is not None:
        bounds.append(after + "\x00")  # the first key above ``after``
    return max(bounds) if bounds else None


def anything_due(
    table: Table, partition: str, now: datetime, *, since: datetime | None = None
) -> bool:
    """Whether one partition holds a run due by ``now`` (and after ``since``): one Query of
    one item."""
    found = table.query(
        partition,
        start=_lower(since, None),
        end=upper_bound(now),
        index=keys.DUE_INDEX,
        limit=1,
    )
    return next(iter(found), None) is not None


def due_in(
    table: Table,
    partition: str,
    now: datetime,
    *,
    since: datetime | None = None,
    after: str | None = None,
    limit: int,
) -> Iterator[dict[str, Any]]:
    """One partition's runs due by ``now`` and after ``since``, in time order; those after
    the ``due_sk`` ``after`` (a continuation's start) only; at most ``limit``."""
    yield from table.query(
        partition,
        start=_lower(since, after),
        end=upper_bound(now),
        index=keys.DUE_INDEX,
        limit=limit,
    )


def due_by(table: Table, now: datetime) -> Iterator[dict[str, Any]]:
    """Every (community, job) whose next run is at or before ``now``, shard by shard."""
    for partition in partitions():
        yield from table.query(partition, end=upper_bound(now), index=keys.DUE_INDEX)


def put_due_if_earlier(
    table: Table,
    community_id: str,
    job: str,
    period: str,
    scheduled_at: datetime,
    *,
    now: datetime | None = None,
) -> bool:
    """Point (community, job) at this run when it has no pointer or points later: one
    conditional put, so a run already due (not yet taken) is never pushed back. For jobs
    whose runs an admin adds one by one (announcements)."""
    item = _pointer(community_id, job, period, scheduled_at, now)
    return table.put(item, cond=Cond.absent("pk") | Cond.gt("scheduled_at", item["scheduled_at"]))
