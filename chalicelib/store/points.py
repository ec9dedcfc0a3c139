"""Points on the member item: the tally, the keys of the actions it credited, the level.

``C#<cid> / M#<member>`` holds the tally (``points``, ``points_day``/``points_today`` for the
day's cap, ``points_week``/``points_month`` and their counts for the leaderboards,
``points_v``, a version), ``points_keys`` (what each homework and review action was credited,
the last few cycles only: domain/points.py; a Member field, so an import that rewrites the
member carries it along) and ``level``/``level_at``.

A check-in changes the tally inside the counters' own conditional write
(store/checkins.save_streak). Homework and reviews are stored in items of their own, so
their points are one conditional UpdateItem of the member keyed by the action: the write
is refused when the tally changed since it was read (``points_v``), and the action's key
says what it holds already, so a redelivered or replayed action credits the difference,
which is nothing.

The window left: homework and reviews are written first, their points second (no
transaction joins two items). A crash between the two leaves the action without its points
(or a replaced action with the points of the version it replaced) until the repair
(features/points.py repair_credits) or the member's repeating it settles the key.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.points import encode_keys
from chalicelib.store import keys
from chalicelib.store.table import Cond, Item, Table

KEYS_ATTRIBUTE = "points_keys"


def tally_unchanged(version: int) -> Cond:
    """The tally is still the one a write was computed from (the member must exist)."""
    if version == 0:
        return Cond.eq("points_v", 0) | (Cond.exists("pk") & Cond.absent("points_v"))
    return Cond.eq("points_v", version)


def read_member_item(table: Table, community_id: str, user_id: str) -> Item | None:
    """The member item as last written: one GetItem (consistent)."""
    return table.get(keys.community_pk(community_id), keys.member_sk(user_id), consistent=True)


def save_points(
    table: Table,
    community_id: str,
    user_id: str,
    *,
    version: int,
    fields: dict[str, Any],
    held: dict[str, int] | None = None,
) -> bool:
    """Write a tally computed from version ``version``: one conditional UpdateItem; False
    when another write got there first (read again and compute again)."""
    values = dict(fields)
    if held is not None:
        values[KEYS_ATTRIBUTE] = list(encode_keys(held))
    return table.update(
        keys.community_pk(community_id),
        keys.member_sk(user_id),
        set=values,
        cond=tally_unchanged(version),
        return_new=False,
    )
