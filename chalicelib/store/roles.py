"""A member's role change and its audit item.

A change is one conditional UpdateItem of the member item (refused when the role moved
meanwhile, so two admins acting at once cannot both "win" from the same old role) and one
PutItem of its audit item, ``ROLE#<at>#<user>``, kept for the retention period like the
removals' (store/retention.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from chalicelib.domain.models import Member
from chalicelib.domain.roles import RoleChange
from chalicelib.store import keys
from chalicelib.store.records import from_fields
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table


def write_role(table: Table, community_id: str, change: RoleChange) -> Member | None:
    """Set the member's role and its source, only if the role is still ``change.old`` (and
    the member exists): the updated member, or None when refused."""
    item = table.update(
        keys.community_pk(community_id),
        keys.member_sk(change.user_id),
        set={"role": change.new.value, "role_source": change.source},
        cond=Cond.exists("pk") & Cond.eq("role", change.old.value),
    )
    return from_fields(Member, item) if item else None


def audit_item(community_id: str, change: RoleChange, retention: timedelta = RETENTION) -> Item:
    item: Item = {
        "pk": keys.community_pk(community_id),
        "sk": keys.role_change_sk(
            change.at.isoformat(), change.user_id, change.old.value, change.new.value
        ),
        "kind": "role_change",
        "user_id": change.user_id,
        "name": change.name,
        "old": change.old.value,
        "new": change.new.value,
        "source": change.source,
        "by": change.by,
        "at": change.at.isoformat(),
        keys.TTL_ATTRIBUTE: expires_at(change.at, retention),
    }
    if change.old_source:
        item["old_source"] = change.old_source
    return item


def record_role_change(
    table: Table, community_id: str, change: RoleChange, retention: timedelta = RETENTION
) -> None:
    """The audit item of one change: one PutItem, kept for the community's ``retention``."""
    table.put(audit_item(community_id, change, retention))


def bulk_record_role_changes(
    table: Table,
    community_id: str,
    changes: Iterable[RoleChange],
    retention: timedelta = RETENTION,
) -> int:
    """Audit items of many changes (a platform refresh): 25 per BatchWriteItem."""
    return table.batch_put(audit_item(community_id, c, retention) for c in changes)


def role_changes(table: Table, community_id: str) -> list[Item]:
    """Every recorded role change, oldest first: one Query (changes are few)."""
    return list(table.query(keys.community_pk(community_id), prefix=keys.ROLE_CHANGE_PREFIX))


# A squad's once-a-day mark outlives its day (any time zone) and then goes.
SQUAD_REMINDED_TTL = timedelta(days=3)


def claim_squad_reminder(
    table: Table, community_id: str, squad: str, day: date, now: datetime, origin: str | None
) -> bool:
    """Take the squad's /remind of local date ``day``: one conditional PutItem, refused when
    taken already, unless by this very command (``origin``, a retry of the same request,
    whose reply the worker's reply claim still sends once)."""
    item = {
        "pk": keys.community_pk(community_id),
        "sk": keys.squad_reminded_sk(day.isoformat(), squad),
        "squad": squad,
        "at": now.isoformat(),
        "origin": origin,
        keys.TTL_ATTRIBUTE: int((now + SQUAD_REMINDED_TTL).timestamp()),
    }
    result = table.put(item, cond=Cond.absent("pk"), return_old=True)
    if result.written:
        return True
    return origin is not None and (result.old or {}).get("origin") == origin
