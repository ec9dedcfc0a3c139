"""A platform's send budget, shared by every worker: how many requests one bot may make a
second (Telegram ~30 messages/s, Discord 50 requests/s: /work/shared/PLATFORMS.md).

Each request first takes a slot: a conditional ADD on the counter of one second
(``PACE#<platform>#<epoch second>``, kept an hour), refused once that second has
``limit``; the taker then tries the next second. The first second with room is the
request's slot, and the sender waits until it starts. So the workers together never make
more than ``limit`` requests in any second, however many there are. Each second is its
own partition key: no item takes more than ``limit`` successful writes a second (and the
refused ones of the workers that were too late for it).

A lost answer retried by botocore counts one request twice: a slot wasted, never one too
many. Opt-in (ROLLCALL_SEND_BUDGET, config.send_budgets): runtime.py gives the senders of
the platforms it names a gate that calls ``take_slot``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.store import keys
from chalicelib.store.table import Cond, Table

# How far ahead a request looks for a free second before giving up (the run then fails
# and the queue retries it later, rather than a worker waiting for minutes).
HORIZON_SECONDS = 30


def pace_pk(platform: str, second: int) -> str:
    return f"PACE#{platform}#{second}"


def take_slot(
    table: Table, platform: str, limit: int, now: datetime, *, horizon: int = HORIZON_SECONDS
) -> datetime | None:
    """The start of the first second from ``now`` with fewer than ``limit`` requests of
    ``platform``, taken for one request; None when the next ``horizon`` seconds are full."""
    first = int(now.timestamp())
    for second in range(first, first + horizon):
        taken = table.update(
            pace_pk(platform, second),
            "PACE",
            add={"sent": 1},
            set={keys.TTL_ATTRIBUTE: second + 3600},
            cond=Cond.absent("pk") | Cond.lt("sent", limit),
            return_new=False,
        )
        if taken:
            return datetime.fromtimestamp(second, UTC)
    return None
