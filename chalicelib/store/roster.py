"""Roster sync's reads and writes: the roster as stored items (one Query, paged), the
community's sync bookkeeping (one GetItem), and every change in BatchWriteItem requests of
25, the bookkeeping riding in the last one.

A change is written as the whole member item, read a moment before by the same sync and
changed only where the diff says (status, names, a new membership's fields): an item put
back as it was read, so nothing else about the member is lost. A member's own write that
lands in the second between that read and the batch (a rename's check-in) is the one
window; the daily sync runs at 04:00 local, when a community is quietest (jobs/sync_rosters.py).
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
from chalicelib.store.table import Table


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


def rejoined_item(item: dict[str, Any], person: ListedMember, today: date) -> dict[str, Any]:
    """A member back after leaving: a new membership (docs/counting.md §3), reset as
    Store.see_member resets one (NEW_MEMBERSHIP)."""
    changed = {**item, **NEW_MEMBERSHIP, **_names(item, person)}
    changed.update(status="active", joined_at=today.isoformat(), observed_since=today.isoformat())
    return {k: v for k, v in changed.items() if v is not None}


def left_item(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "status": "left"}


def renamed_item(item: dict[str, Any], person: ListedMember) -> dict[str, Any]:
    return {**item, **_names(item, person)}


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
    """Write the changed member items and the sync's bookkeeping, 25 to a request."""
    state = {
        "pk": keys.community_pk(community_id),
        "sk": keys.ROSTER_SYNC_SK,
        "synced_at": now.isoformat(),
        "next_check": next_check,
        **summary,
    }
    return table.batch_put([*items, state])
