"""The reply of a deferred chat command: computed once, sent once per delivery id.

``EVT#<platform>#<delivery id>`` / ``REPLY``, beside the inbound delivery's own
de-duplication item (``META``), and expiring like it through the table's TTL.

SQS delivers at least once, and may hand one message to two workers at the same time. The
worker claims the reply with a conditional write and a lease, as job runs are claimed
(store/runs.py): a second delivery finds it claimed (or done) and does nothing. The claim
keeps the replies the command produced before any of them is sent, and counts those
delivered, so a retry after a failed delivery sends the same words from the first one not
yet delivered, rather than running the command again: a ``/remind`` run again would answer
"already sent today" about the reminder its first attempt sent. A failed attempt releases
its lease, so that SQS's retry may take over at once; a crashed one is taken over once the
lease has expired. One window is left, as for job runs: a crash after the platform took a
reply but before it was counted sends that reply again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.store import claims, keys
from chalicelib.store.table import Cond, Table

REPLY_SK = "REPLY"
RUNNING = "running"
DONE = "done"
# Longer than the job queue keeps a message (4 days, rollcall/infra.py), so no redelivery
# outlives the record of its reply.
REPLY_TTL = timedelta(days=5)


def _key(platform: str, command_id: str) -> tuple[str, str]:
    return keys.event_pk(platform, command_id), REPLY_SK


def claim_reply(
    table: Table,
    platform: str,
    command_id: str,
    now: datetime,
    *,
    owner: str,
    lease: timedelta,
) -> dict[str, Any] | None:
    """The reply record when ``owner`` now holds it, else None (done, or another worker's
    lease still runs). Owned when never claimed, or not done and its lease expired or was
    released. The record says what an earlier attempt left: ``replies`` and ``delivered``."""
    claim = claim_reply_outcome(table, platform, command_id, now, owner=owner, lease=lease)
    return claim.item if claim.owned else None


def claim_reply_outcome(
    table: Table,
    platform: str,
    command_id: str,
    now: datetime,
    *,
    owner: str,
    lease: timedelta,
) -> claims.Claim:
    """:func:`claim_reply` with the record that stood when refused (done, or another
    worker's live lease), from the same request: no second read to tell them apart."""
    pk, sk = _key(platform, command_id)
    takeover = Cond.ne("status", DONE) & (
        Cond.absent("lease_until") | Cond.lt("lease_until", now.isoformat())
    )
    return claims.claim(
        table,
        pk,
        sk,
        owner_attr="owner",
        owner=owner,
        set={
            "status": RUNNING,
            "lease_until": (now + lease).isoformat(),
            "claimed_at": now.isoformat(),
            keys.TTL_ATTRIBUTE: int((now + REPLY_TTL).timestamp()),
        },
        add={"attempts": 1},
        cond=Cond.absent("pk") | takeover,
    )


def keep_replies(table: Table, platform: str, command_id: str, owner: str, replies: str) -> bool:
    """Keep the command's replies (serialized) before sending any; False when ``owner`` no
    longer holds the record."""
    pk, sk = _key(platform, command_id)
    written = table.update(
        pk, sk, set={"replies": replies, "delivered": 0}, cond=Cond.eq("owner", owner)
    )
    return written is not None


def record_delivered(table: Table, platform: str, command_id: str, owner: str, count: int) -> bool:
    """Note that the first ``count`` replies were delivered; False when ``owner`` no longer
    holds the record (it must then stop: another worker took over)."""
    pk, sk = _key(platform, command_id)
    written = table.update(pk, sk, set={"delivered": count}, cond=Cond.eq("owner", owner))
    return written is not None


def finish_reply(table: Table, platform: str, command_id: str, owner: str, now: datetime) -> bool:
    """Every reply is delivered: no later delivery of the message sends anything."""
    pk, sk = _key(platform, command_id)
    written = table.update(
        pk,
        sk,
        set={"status": DONE, "done_at": now.isoformat(), "lease_until": None},
        cond=Cond.eq("owner", owner),
    )
    return written is not None


def release_reply(table: Table, platform: str, command_id: str, owner: str) -> bool:
    """Give up the lease after a failed attempt, so that the queue's retry may take over at
    once; what was kept and delivered stays for it."""
    pk, sk = _key(platform, command_id)
    written = table.update(
        pk, sk, set={"lease_until": None}, cond=Cond.eq("owner", owner) & Cond.ne("status", DONE)
    )
    return written is not None


def get_reply(table: Table, platform: str, command_id: str) -> dict[str, Any] | None:
    return table.get(*_key(platform, command_id), consistent=True)
