"""A member's committee position and the audit item of its change.

A change is one conditional UpdateItem of the member item (refused when the position moved
meanwhile, so two owners' commands at once cannot both "win" from the same old position) and
one PutItem of its audit item, ``ROLE#<at>#<user>#pos:<old>#pos:<new>``, kept for the
retention period like role changes (store/roles.py).
"""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain.models import Member
from chalicelib.domain.roles import PositionChange
from chalicelib.store import keys
from chalicelib.store.records import from_fields
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table


def write_position(table: Table, community_id: str, change: PositionChange) -> Member | None:
    """Set (or clear) the member's position, only if it is still ``change.old`` and the
    member exists: the updated member, or None when refused."""
    held = Cond.eq("position", change.old) if change.old else Cond.absent("position")
    item = table.update(
        keys.community_pk(community_id),
        keys.member_sk(change.user_id),
        set={"position": change.new},
        cond=Cond.exists("pk") & held,
    )
    return from_fields(Member, item) if item else None


def position_audit_item(
    community_id: str, change: PositionChange, retention: timedelta = RETENTION
) -> Item:
    return {
        "pk": keys.community_pk(community_id),
        "sk": keys.position_change_sk(
            change.at.isoformat(), change.user_id, change.old, change.new
        ),
        "kind": "position_change",
        "user_id": change.user_id,
        "name": change.name,
        "old_position": change.old,
        "new_position": change.new,
        "source": change.source,
        "by": change.by,
        "at": change.at.isoformat(),
        keys.TTL_ATTRIBUTE: expires_at(change.at, retention),
    }


def record_position_change(
    table: Table, community_id: str, change: PositionChange, retention: timedelta = RETENTION
) -> None:
    """The audit item of one change: one PutItem."""
    table.put(position_audit_item(community_id, change, retention))
