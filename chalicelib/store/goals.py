"""The monthly goal and members' progress in the community's partition.

    C#<cid> / GOAL#<month>            the goal: title, target, unit, set_by, set_at (and
                                      cleared_by, cleared_at once an admin turned it off)
    C#<cid> / GOAL#<month>#P#<member> a member's cumulative progress: value, name, the
                                      delivery that last changed it

Both sort under ``GOAL#<month>``: a month's goal with all its progress is one Query (paged),
never a read per member.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.goals import Goal
from chalicelib.store import keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table


def goal_of(item: Item | None) -> Goal | None:
    """The goal an item holds, None when there is none or an admin cleared it."""
    if item is None or item.get("cleared_at") or not item.get("target"):
        return None
    return Goal(str(item["title"]), int(item["target"]), str(item["unit"]))


def save_goal(
    table: Table,
    community_id: str,
    month: str,
    goal: Goal,
    by: str,
    at: datetime,
    retention: timedelta = RETENTION,
) -> None:
    """Set (or replace) the month's goal: one PutItem. Members' progress stays."""
    table.put(
        {
            "pk": keys.community_pk(community_id),
            "sk": keys.goal_sk(month),
            "month": month,
            "title": goal.title,
            "target": goal.target,
            "unit": goal.unit,
            "set_by": by,
            "set_at": at.isoformat(),
            keys.TTL_ATTRIBUTE: expires_at(at, retention),
        }
    )


def clear_goal(table: Table, community_id: str, month: str, by: str, at: datetime) -> bool:
    """Turn the month's goal off, keeping who did it and when (the audit): one conditional
    UpdateItem. False when there was no goal to clear."""
    written = table.update(
        keys.community_pk(community_id),
        keys.goal_sk(month),
        set={"cleared_by": by, "cleared_at": at.isoformat()},
        cond=Cond.exists("target") & Cond.absent("cleared_at"),
        return_new=False,
    )
    return bool(written)


def goal_and_progress(
    table: Table, community_id: str, month: str, user_id: str
) -> tuple[Goal | None, int]:
    """The month's goal and the member's progress: one BatchGetItem of two keys."""
    pk = keys.community_pk(community_id)
    goal_sk, mine = keys.goal_sk(month), keys.goal_progress_sk(month, user_id)
    goal, value = None, 0
    for item in table.batch_get([(pk, goal_sk), (pk, mine)]):
        if item["sk"] == goal_sk:
            goal = goal_of(item)
        else:
            value = int(item.get("value") or 0)
    return goal, value


@dataclass(frozen=True)
class MonthProgress:
    goal: Goal | None
    progress: dict[str, int]  # member id → total
    names: dict[str, str]  # member id → the name they had when they last reported


def month_progress(table: Table, community_id: str, month: str) -> MonthProgress:
    """The month's goal and everyone's progress: one Query (paged), whatever the number of
    members."""
    goal: Goal | None = None
    progress: dict[str, int] = {}
    names: dict[str, str] = {}
    for item in _month_items(table, community_id, month):
        if item["sk"] == keys.goal_sk(month):
            goal = goal_of(item)
        elif "user_id" in item:
            uid = str(item["user_id"])
            progress[uid] = int(item.get("value") or 0)
            names[uid] = str(item.get("name") or uid)
    return MonthProgress(goal, progress, names)


def _month_items(table: Table, community_id: str, month: str) -> Iterator[Item]:
    return table.query(keys.community_pk(community_id), prefix=keys.goal_month_prefix(month))


@dataclass(frozen=True)
class Recorded:
    """A progress write: ``written`` with the new total, or refused with the item that
    stood in the way (``value`` then the total as it stands; ``same_delivery`` when this
    very delivery had already written it)."""

    written: bool
    value: int
    same_delivery: bool = False


def record_progress(
    table: Table,
    community_id: str,
    month: str,
    user_id: str,
    name: str,
    *,
    value: int,
    relative: bool,
    target: int,
    delivery: str | None,
    at: datetime,
    retention: timedelta = RETENTION,
) -> Recorded:
    """One conditional UpdateItem: set the total to ``value`` (or add ``value`` with
    ``relative``), refused when this delivery already wrote it (a redelivered webhook
    changes nothing twice) or, for an increase, when it would pass ``target`` (a concurrent
    report raised the total since it was read)."""
    fields: dict[str, Any] = {
        "user_id": user_id,
        "name": name,
        "month": month,
        "updated_at": at.isoformat(),
        keys.TTL_ATTRIBUTE: expires_at(at, retention),
    }
    if delivery:
        fields["delivery"] = delivery
    cond = Cond.ne("delivery", delivery) if delivery else Cond.exists("pk") | Cond.absent("pk")
    if relative:
        cond = cond & (Cond.absent("value") | Cond.le("value", target - value))
        result = table.update_or_old(
            keys.community_pk(community_id),
            keys.goal_progress_sk(month, user_id),
            set=fields,
            add={"value": value},
            cond=cond,
        )
    else:
        result = table.update_or_old(
            keys.community_pk(community_id),
            keys.goal_progress_sk(month, user_id),
            set={**fields, "value": value},
            cond=cond,
        )
    item = result.item or {}
    total = int(item.get("value") or 0)
    if result.written:
        return Recorded(True, total)
    same = delivery is not None and item.get("delivery") == delivery
    return Recorded(False, total, same_delivery=same)
