"""Stars items: ``C#<cid> / STAR#<period>`` (a month's or quarter's stars, written by its
job) and ``STAR#<month>#hand#<at>`` (an award an admin gave by hand). Both are history for
``星榜`` / ``/stars``, kept for the retention period like reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.store import keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table

# What /stars shows: a year of months and quarters and the awards given by hand beside.
HISTORY_ITEMS = 30


def save_stars(
    table: Table,
    community_id: str,
    period: str,
    awards: dict[str, list[dict[str, Any]]],
    at: datetime,
    retention: timedelta = RETENTION,
) -> None:
    """One PutItem. A replay of the period (``--force``) writes the same stars again."""
    table.put(
        {
            "pk": keys.community_pk(community_id),
            "sk": keys.stars_sk(period),
            "kind": "stars",
            "period": period,
            "awards": awards,
            "at": at.isoformat(),
            keys.TTL_ATTRIBUTE: expires_at(at, retention),
        }
    )


def save_hand_award(
    table: Table,
    community_id: str,
    month: str,
    *,
    user_id: str,
    name: str,
    award: str,
    given_by: str,
    given_by_name: str,
    at: datetime,
    retention: timedelta = RETENTION,
) -> bool:
    """One conditional PutItem: the award and who gave it (the audit record itself)."""
    return table.put(
        {
            "pk": keys.community_pk(community_id),
            "sk": keys.hand_award_sk(month, at.isoformat()),
            "kind": "hand-award",
            "period": month,
            "user_id": user_id,
            "name": name,
            "award": award,
            "given_by": given_by,
            "given_by_name": given_by_name,
            "at": at.isoformat(),
            keys.TTL_ATTRIBUTE: expires_at(at, retention),
        },
        cond=Cond.absent("pk"),
    )


def star_history(table: Table, community_id: str) -> list[Item]:
    """The latest stars and hand-picked awards, newest first: one Query (one page)."""
    return list(
        table.query(
            keys.community_pk(community_id),
            prefix=keys.STAR_PREFIX,
            reverse=True,
            limit=HISTORY_ITEMS,
        )
    )


def period_stars(table: Table, community_id: str, period: str) -> Item | None:
    """The stars a period's job recorded (None: not run yet): one GetItem."""
    return table.get(keys.community_pk(community_id), keys.stars_sk(period))
