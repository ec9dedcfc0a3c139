"""Roster sync's reads and writes: the roster as stored items (one Query, paged), the
community's sync bookkeeping (one GetItem), and the changes.

Reading a platform's list takes seconds to tens of seconds (pages, pacing), so nothing is
written from the roster read at the start as a whole item:

* a member already on the roster (a leave, a rename, a return) gets one conditional
  UpdateItem of only the fields the sync changes (status, names, a new membership's
  fields), on the condition that the item still exists with the status the sync read: a
  check-in, a role change or a point landing meanwhile is kept, a member forgotten
  meanwhile is not brought back, and a member whose status moved meanwhile is left to the
  next sync;
* a joiner after the first sync gets one conditional PutItem (no item yet): a first message
  of theirs that created the item meanwhile wins;
* the community's first sync, which adds everyone it finds quietly (thousands at once),
  writes them in BatchWriteItem requests of 25, the bookkeeping riding in the last one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from chalicelib.domain.models import Member
from chalicelib.domain.roster import ListedMember
from chalicelib.store import keys
from chalicelib.store.records import from_fields
from chalicelib.store.repository import NEW_MEMBERSHIP
from chalicelib.store.table import Cond, Table


def roster_items(table: Table, community_id: str) -> Iterator[dict[str, Any]]:
    """Every member item of the community, one Query (1 MB pages)."""
    yield from table.query(keys.community_pk(community_id), prefix=keys.MEMBER_PREFIX)


def as_member(item: dict[str, Any]) -> Member:
    return from_fields(Member, item)


def sync_state(table: Table, community_id: str) -> dict[str, Any] | None:
    """The community's last sync (None: it was never synced)."""
    return table.get(keys.community_pk(community_id), keys.ROSTER_SYNC_SK)


def joined_item(community_id: str, person: ListedMember, today: date) -> dict[str, Any]:
    """A member the platform lists and the roster never had: observed from today, never
    active yet (a lurker stays one until they speak)."""
    item: dict[str, Any] = {
        "pk": keys.community_pk(community_id),
        "sk": keys.member_sk(person.user_id),
        "community_id": community_id,
        "user_id": person.user_id,
        "name": person.name or person.user_id,
        "role": "member",
        "status": "active",
        "joined_at": today.isoformat(),
        "observed_since": today.isoformat(),
        "checkins": 0,
        "current_streak": 0,
        "best_streak": 0,
        "strikes": 0,
        "missed_in_a_row": 0,
        "points": 0,
    }
    if person.username:
        item["username"] = person.username
    return item


def rejoined_fields(item: dict[str, Any], person: ListedMember, today: date) -> dict[str, Any]:
    """A member back after leaving: a new membership (docs/counting.md §3), reset as
    Store.see_member resets one (NEW_MEMBERSHIP; None removes the attribute)."""
    changed = {**NEW_MEMBERSHIP, **_names(item, person)}
    changed.update(status="active", joined_at=today.isoformat(), observed_since=today.isoformat())
    return changed


def left_fields() -> dict[str, Any]:
    return {"status": "left"}


def renamed_fields(item: dict[str, Any], person: ListedMember) -> dict[str, Any]:
    return _names(item, person)


def update_member(
    table: Table, community_id: str, user_id: str, fields: dict[str, Any], read_status: str
) -> bool:
    """One conditional UpdateItem of ``fields`` only: refused (False) when the member item
    is gone (forgotten meanwhile) or its status is no longer the one the sync read."""
    return table.update(
        keys.community_pk(community_id),
        keys.member_sk(user_id),
        set=fields,
        cond=Cond.exists("pk") & Cond.eq("status", read_status),
        return_new=False,
    )


def put_joiner(table: Table, item: dict[str, Any]) -> bool:
    """A joiner's first item; refused (False) when the member made one meanwhile."""
    return table.put(item, cond=Cond.absent("pk"))


def _names(item: dict[str, Any], person: ListedMember) -> dict[str, Any]:
    names: dict[str, Any] = {}
    if person.name:
        names["name"] = person.name
    if person.username:
        names["username"] = person.username
    return names


def write_sync(
    table: Table,
    community_id: str,
    items: Iterable[dict[str, Any]],
    now: datetime,
    *,
    next_check: int,
    summary: dict[str, int],
) -> int:
    """Write new member items (a first sync's) and the sync's bookkeeping, 25 to a request."""
    state = {
        "pk": keys.community_pk(community_id),
        "sk": keys.ROSTER_SYNC_SK,
        "synced_at": now.isoformat(),
        "next_check": next_check,
        **summary,
    }
    return table.batch_put([*items, state])
