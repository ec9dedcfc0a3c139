"""Job runs: claimed once per (community, job, period), with a lease, recording each part.

``C#<cid> / RUN#<job>#<period>``. EventBridge and SQS deliver at least once; the claim is
a conditional write, so a duplicate delivery or a concurrent worker does nothing, and a
crashed run is taken over once its lease has expired, skipping the parts it had already
settled.

Progress is a high-water mark (``done``: parts 0..done-1 are delivered or refused, in
order) plus the message ids of group parts (``sent_<n>``, a few per run). A direct
message's id is not kept, and a refused one is its own small item (``RUNX#...``): every
update of the run item is billed by the item's size, so an item that grew with each of a
run's thousands of DMs would make the run's cost grow with the square of its members
(and pass DynamoDB's 400 KB item limit at about 15,000 parts).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.store import claims, keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Table

DONE = "done"
RUNNING = "running"
SKIPPED = "skipped"
FAILED = "failed"


def _key(community_id: str, job: str, period: str) -> tuple[str, str]:
    return keys.community_pk(community_id), keys.run_sk(job, period)


def get_run(table: Table, community_id: str, job: str, period: str) -> dict[str, Any] | None:
    return table.get(*_key(community_id, job, period), consistent=True)


def claim_run(
    table: Table,
    community_id: str,
    job: str,
    period: str,
    now: datetime,
    *,
    lease: timedelta,
    run_id: str,
    force: bool = False,
    origin: str | None = None,
    retention: timedelta = RETENTION,
) -> claims.Claim:
    """Claim the run for ``run_id`` (store/claims.py): owned when never claimed; or claimed
    but neither finished nor skipped and its lease has expired or was released (the previous
    worker crashed, paused or failed); or ``force`` (a deliberate replay, which starts afresh
    and may send again). Refused, the claim carries the record that stood: finished, or
    another worker's live lease.

    ``now`` is the wall clock (runtime.clock), never the run's logical time: a late run, a
    catch-up or a command that waited in the queue would otherwise write a lease that has
    expired already, and a second worker would take the run over while the first still
    sends. ``origin`` names what asked for the run (a deferred command's id), kept on the
    record so that a retry of that very request recognises its own finished run.
    """
    pk, sk = _key(community_id, job, period)
    fields: dict[str, Any] = {
        "job": job,
        "period": period,
        "community_id": community_id,
        "status": RUNNING,
        "lease_until": (now + lease).isoformat(),
        "claimed_at": now.isoformat(),
        "origin": origin,
        keys.TTL_ATTRIBUTE: expires_at(now, retention),  # kept for the retention period only
    }
    stale: list[str] = []
    if force:
        current = table.get(pk, sk, consistent=True) or {}
        stale = [k for k in current if k.startswith("sent_") or k == "done"]
        fields["epoch"] = run_id  # a new epoch: the replayed run's refusals do not count
    takeover = (
        Cond.ne("status", DONE)
        & Cond.ne("status", SKIPPED)
        & Cond.lt("lease_until", now.isoformat())
    )
    return claims.claim(
        table,
        pk,
        sk,
        owner_attr="run_id",
        owner=run_id,
        set=fields,
        set_if_absent=None if force else {"epoch": run_id},
        remove=stale,
        add={"attempts": 1},
        # A forced replay owns the run whatever stands; otherwise: never claimed, or not
        # finished and its lease expired or released.
        cond=Cond.exists("pk") | Cond.absent("pk") if force else Cond.absent("pk") | takeover,
    )


def record_part(
    table: Table,
    community_id: str,
    job: str,
    period: str,
    index: int,
    message_id: str,
    run_id: str,
    *,
    keep_id: bool = True,
    lease_until: datetime | None = None,
) -> bool:
    """Note that parts up to ``index`` are settled (``index`` delivered now, with its
    message id kept when ``keep_id``), as long as this run still owns the record; and renew
    its lease to ``lease_until`` in the same write. ``index`` -1 renews only."""
    pk, sk = _key(community_id, job, period)
    fields: dict[str, Any] = {}
    if index >= 0:
        fields["done"] = index + 1
    if keep_id and index >= 0:
        fields[f"sent_{index:04d}"] = message_id or "-"
    if lease_until is not None:
        fields["lease_until"] = lease_until.isoformat()
    return table.update(pk, sk, set=fields, cond=Cond.eq("run_id", run_id), return_new=False)


def record_refused(
    table: Table,
    community_id: str,
    job: str,
    period: str,
    epoch: str,
    indices: Iterable[int],
    *,
    at: datetime,
    retention: timedelta = RETENTION,
) -> int:
    """Note that the platform refused these parts (direct messages) for good: a small item
    each, written in batches before the high-water mark passes them; kept as long as the
    run's record."""
    pk = keys.community_pk(community_id)
    expiry = expires_at(at, retention)
    return table.batch_put(
        {
            "pk": pk,
            "sk": keys.run_refused_sk(job, period, epoch, index),
            "index": index,
            keys.TTL_ATTRIBUTE: expiry,
        }
        for index in indices
    )


def refused_parts(table: Table, community_id: str, job: str, period: str, epoch: str) -> set[int]:
    """The parts a run (this epoch of it) recorded as refused: one Query, paged."""
    prefix = keys.run_refused_prefix(job, period, epoch)
    return {
        int(item["index"])
        for item in table.query(keys.community_pk(community_id), prefix=prefix, consistent=True)
    }


def recent_runs(
    table: Table, community_id: str, job: str, before: str, *, limit: int
) -> list[dict[str, Any]]:
    """The run records of ``job`` whose period sorts before ``before``, newest first, at
    most ``limit`` of them: one Query (reverse, limited), whatever the ledger's length."""
    pk = keys.community_pk(community_id)
    start, end = keys.run_sk(job, ""), keys.run_sk(job, before)
    return [
        item
        for item in table.query(pk, start=start, end=end, reverse=True, limit=limit)
        if item["sk"] < end
    ]


def settled(run: dict[str, Any]) -> int:
    """How many leading parts a run record says are settled (delivered or refused); for a
    record from before ``done`` existed, the leading ``sent_<n>`` attributes."""
    done = int(run.get("done", 0))
    sent = sent_parts(run)
    while done in sent:
        done += 1
    return done


def epoch_of(run: dict[str, Any]) -> str:
    return str(run.get("epoch") or "0")


def release_run(
    table: Table, community_id: str, job: str, period: str, now: datetime, run_id: str
) -> bool:
    """Give up the lease of an unfinished run (it paused for lack of time), so that the next
    worker takes it over at once instead of after the lease; its recorded parts stay."""
    pk, sk = _key(community_id, job, period)
    released = (now - timedelta(seconds=1)).isoformat()
    done = table.update(pk, sk, set={"lease_until": released}, cond=Cond.eq("run_id", run_id))
    return done is not None


def finish_run(
    table: Table,
    community_id: str,
    job: str,
    period: str,
    now: datetime,
    run_id: str,
    *,
    status: str = DONE,
    **details: Any,
) -> bool:
    pk, sk = _key(community_id, job, period)
    fields = {"status": status, "finished_at": now.isoformat(), **details}
    if status == FAILED:
        # Released, so that the queue's retry takes the run over at once (``now`` is the
        # wall clock here, as for the claim).
        fields["lease_until"] = (now - timedelta(seconds=1)).isoformat()
    return table.update(pk, sk, set=fields, cond=Cond.eq("run_id", run_id)) is not None


def record_skip(
    table: Table,
    community_id: str,
    job: str,
    period: str,
    now: datetime,
    reason: str,
    *,
    retention: timedelta = RETENTION,
) -> bool:
    """Record a run that must not happen (too late, job off), unless it already ran."""
    pk, sk = _key(community_id, job, period)
    fields = {
        "job": job,
        "period": period,
        "community_id": community_id,
        "status": SKIPPED,
        "reason": reason,
        "finished_at": now.isoformat(),
        keys.TTL_ATTRIBUTE: expires_at(now, retention),
    }
    return table.update(pk, sk, set=fields, cond=Cond.absent("pk")) is not None


def sent_parts(run: dict[str, Any]) -> dict[int, str]:
    return {int(k.removeprefix("sent_")): v for k, v in run.items() if k.startswith("sent_")}
