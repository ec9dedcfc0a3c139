"""The dispatcher's index: each (community, job) has one item holding its next run.

``C#<cid> / DUE#<job>`` carries ``due_pk = DUE#<nn>`` (a shard shared by every job) and
``due_sk = <scheduled UTC ISO>#<cid>``, so "every run due by now" is one Query per shard on
the ``due`` index (pages of 1 MB), never a Scan, whatever the jobs. Shards spread 10,000
communities' writes over several index partitions; each tick reads all of them.

Pointers written before the shards were shared sit in per-job partitions
(``DUE#<job>#<0-3>``): the tick reads those too (LEGACY_JOBS × LEGACY_SHARDS Queries, near
empty), and the worker moves each pointer to its shared shard when it advances it, so after
one run of every job they are gone and the legacy Queries can go in a later release.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from chalicelib.store import keys
from chalicelib.store.table import Cond, Table

# Index partitions, shared by every job: enough to keep any one well under DynamoDB's
# per-partition write limit at 10,000 communities advancing in the same minute (as four per
# job did for the three routine jobs); a tick Queries all of them, whatever the jobs.
DUE_SHARDS = 12


def shard_of(community_id: str, job: str) -> int:
    return zlib.crc32(f"{community_id}#{job}".encode()) % DUE_SHARDS


def index_pk(community_id: str, job: str) -> str:
    return keys.due_index_pk(shard_of(community_id, job))


def due_sk(scheduled_at: datetime, community_id: str) -> str:
    # Always UTC with one format, so that the index's string order is time order.
    return f"{_utc_iso(scheduled_at)}#{community_id}"


def _utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def put_due(table: Table, community_id: str, job: str, period: str, scheduled_at: datetime) -> None:
    """Point (community, job) at its next run, replacing whatever it pointed at."""
    table.put(
        {
            "pk": keys.community_pk(community_id),
            "sk": keys.due_item_sk(job),
            "due_pk": index_pk(community_id, job),
            "due_sk": due_sk(scheduled_at, community_id),
            "community_id": community_id,
            "job": job,
            "period": period,
            "scheduled_at": _utc_iso(scheduled_at),
        }
    )


def clear_due(table: Table, community_id: str, job: str) -> None:
    table.delete(keys.community_pk(community_id), keys.due_item_sk(job))


def advance_due(
    table: Table,
    community_id: str,
    job: str,
    from_period: str,
    period: str,
    scheduled_at: datetime,
) -> bool:
    """Move the pointer from the run just taken to the next one, only if it still points at
    the run just taken (a redelivered message, or an operator's new schedule, wins)."""
    updated = table.update(
        keys.community_pk(community_id),
        keys.due_item_sk(job),
        set={
            "due_pk": index_pk(community_id, job),  # moves a legacy pointer to its shard
            "due_sk": due_sk(scheduled_at, community_id),
            "period": period,
            "scheduled_at": _utc_iso(scheduled_at),
        },
        cond=Cond.eq("period", from_period),
    )
    return updated is not None


# The partitions of pointers written before the shards were shared (see the module's note).
LEGACY_JOBS = ("daily-reminder", "weekly-digest", "monthly-report")
LEGACY_SHARDS = 4


def due_by(table: Table, now: datetime) -> Iterator[dict[str, Any]]:
    """Every (community, job) whose next run is at or before ``now``, shard by shard."""
    upper = f"{_utc_iso(now)}#\uffff"
    partitions = [keys.due_index_pk(shard) for shard in range(DUE_SHARDS)]
    partitions += [f"DUE#{job}#{n}" for job in LEGACY_JOBS for n in range(LEGACY_SHARDS)]
    for partition in partitions:
        yield from table.query(partition, end=upper, index=keys.DUE_INDEX)


def put_due_if_earlier(
    table: Table, community_id: str, job: str, period: str, scheduled_at: datetime
) -> bool:
    """Point (community, job) at this run when it has no pointer or points later: one
    conditional put, so a run already due (not yet taken) is never pushed back. For jobs
    whose runs an admin adds one by one (announcements)."""
    item = {
        "pk": keys.community_pk(community_id),
        "sk": keys.due_item_sk(job),
        "due_pk": index_pk(community_id, job),
        "due_sk": due_sk(scheduled_at, community_id),
        "community_id": community_id,
        "job": job,
        "period": period,
        "scheduled_at": _utc_iso(scheduled_at),
    }
    return table.put(item, cond=Cond.absent("pk") | Cond.gt("scheduled_at", item["scheduled_at"]))
