"""Check-in items: one per (community, local date, member), written exactly once.

``C#<cid> / CI#<local date>#<member>``: "who checked in on D" is one Query of one prefix.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.store import keys
from chalicelib.store.table import Cond, Table


def record_checkin(
    table: Table,
    community_id: str,
    user_id: str,
    local_date: date,
    at: datetime,
    *,
    note: str | None = None,
    makeup: bool = False,
    recorded_by: str | None = None,
) -> bool:
    """True when this is the member's first check-in for that local date.

    A conditional put, not read-then-write: two deliveries of the same message, or two
    messages at once, record one check-in.
    """
    item: dict[str, Any] = {
        "pk": keys.community_pk(community_id),
        "sk": keys.checkin_sk(local_date, user_id),
        "user_id": user_id,
        "date": local_date.isoformat(),
        "at": at.isoformat(),
        "note": note,
    }
    if makeup:
        item.update(makeup=True, recorded_by=recorded_by or user_id)
    return table.put(item, cond=Cond.absent("pk"))


def checkins_on(table: Table, community_id: str, local_date: date) -> list[dict[str, Any]]:
    """Every check-in of one local date: one Query (paged)."""
    return list(
        table.query(keys.community_pk(community_id), prefix=keys.checkin_day_prefix(local_date))
    )


def checkins_between(
    table: Table, community_id: str, first: date, last: date
) -> list[dict[str, Any]]:
    """Check-ins of local dates first..last inclusive: one Query (paged)."""
    return list(
        table.query(
            keys.community_pk(community_id),
            start=keys.checkin_day_prefix(first),
            end=keys.checkin_day_prefix(last) + "\uffff",
        )
    )
