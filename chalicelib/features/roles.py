"""Roles: set by the operator (CLI), by the owner from chat, and refreshed from the platform.

The rules (who may grant what, which source wins) are domain/roles.py's; storage and the
audit items are store/roles.py's. Chat handlers, the CLI and the roster sync job call these.

Costs: a change is one conditional UpdateItem and one PutItem (its audit item). A platform
refresh is the platform's admin list (one call or a few pages), one Query of the roster,
then per changed member one conditional UpdateItem, and the audit items in batches of 25:
no request per unchanged member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community, Member, Role
from chalicelib.domain.roles import (
    PLATFORM_SOURCE,
    RoleChange,
    RoleRefusal,
    platform_role,
    refuse_role_change,
)
from chalicelib.platforms.base import AdminsUnavailable, ChatAddress, ChatAdmins
from chalicelib.store.repository import NotFound, Store
from chalicelib.store.retention import RETENTION, retention_of
from chalicelib.store.roles import bulk_record_role_changes, record_role_change, write_role


class RoleConflict(ValueError):
    """The member's role changed meanwhile (another admin, a refresh): nothing written."""


def set_member_role(
    store: Store,
    community_id: str,
    user_id: str,
    role: Role,
    *,
    source: str,
    by: str,
    now: datetime,
    known: Member | None = None,
    retention: timedelta = RETENTION,
) -> RoleChange | None:
    """Give the member ``role`` from ``source`` (``cli``, ``chat``), audited; None when they
    hold it from that source already. Raises NotFound for an unknown member and RoleConflict
    when their role moved between the read and the write. The audit item is kept for
    ``retention`` (the community's: ``retention_of(community)``)."""
    member = known or store.get_member(community_id, user_id)
    if member is None:
        raise NotFound(f"unknown member {user_id!r} in community {community_id}")
    if member.role is role and member.role_source == source:
        return None
    change = RoleChange(
        member.user_id,
        member.display(),
        member.role,
        role,
        source,
        by,
        now,
        old_source=member.role_source,
    )
    if write_role(store.table, community_id, change) is None:
        raise RoleConflict(f"the role of {user_id!r} changed meanwhile; try again")
    record_role_change(store.table, community_id, change, retention)
    return change


def change_role_from_chat(
    store: Store,
    actor: Member,
    target: Member,
    role: Role,
    now: datetime,
    *,
    must_hold: Role | None = None,
    retention: timedelta = RETENTION,
) -> RoleRefusal | RoleChange | None:
    """``actor``'s ``/role @target role``: the refusal, the change, or None (unchanged).
    ``must_hold``: a revocation (取消管理员 @x) of a role ``target`` must hold."""
    refused = refuse_role_change(actor, target, role, must_hold)
    if refused is not None:
        return refused
    return set_member_role(
        store,
        target.community_id,
        target.user_id,
        role,
        source="chat",
        by=actor.user_id,
        now=now,
        known=target,
        retention=retention,
    )


@dataclass
class AdminRefresh:
    """What a platform refresh found and (unless a dry run) did."""

    platform: str
    admins: int = 0  # the platform's admins, rollcall members or not
    changes: list[RoleChange] = field(default_factory=list)
    # Platform admins not on the roster (the roster sync adds them) and roster members whose
    # explicit role the platform disagrees with (kept: explicit wins).
    unknown: int = 0
    kept_explicit: list[str] = field(default_factory=list)
    conflicts: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "admins": self.admins,
            "dry_run": self.dry_run,
            "changes": [
                {"user_id": c.user_id, "name": c.name, "old": c.old.value, "new": c.new.value}
                for c in self.changes
            ],
            "not_on_roster": self.unknown,
            "kept_explicit": self.kept_explicit,
            "conflicts": self.conflicts,
        }


def refresh_platform_admins(
    store: Store,
    adapter: Any,
    community: Community,
    now: datetime,
    *,
    dry_run: bool = False,
    present: list[Member] | None = None,
) -> AdminRefresh:
    """Make the platform's admins of the community's chat rollcall admins, and take the role
    back from members who were admins only through the platform and are no longer.
    ``present``: the members present, when the caller has just read them (the roster sync);
    otherwise the roster is read (one Query, paged).

    Raises AdminsUnavailable when the platform cannot list admins (Discord, whose admins
    come with each interaction; DingTalk and WeCom; a missing scope): nothing changes.
    """
    if not isinstance(adapter, ChatAdmins):
        raise AdminsUnavailable(
            f"{community.platform} has no admin list rollcall can read"
            + (
                ": Discord admins become rollcall admins with their next command"
                if community.platform == "discord"
                else ""
            )
        )
    chat = ChatAddress(
        community.platform,
        community.chat_id,
        community.robot_webhook,
        community.robot_secret,
        group_kind=community.group_kind,
    )
    admin_ids = adapter.chat_admin_ids(chat)
    if present is None:
        present = [m for m in store.list_members(community.id) if m.is_present]
    members = present
    done = AdminRefresh(community.platform, admins=len(admin_ids), dry_run=dry_run)
    done.unknown = len(admin_ids - {m.user_id for m in members})
    for member, role in plan_platform_roles(members, admin_ids):
        if role is None:
            done.kept_explicit.append(member.user_id)
            continue
        change = RoleChange(
            member.user_id,
            member.display(),
            member.role,
            role,
            PLATFORM_SOURCE,
            PLATFORM_SOURCE,
            now,
            old_source=member.role_source,
        )
        if dry_run or write_role(store.table, community.id, change) is not None:
            done.changes.append(change)
        else:
            done.conflicts += 1
    if not dry_run and done.changes:
        bulk_record_role_changes(store.table, community.id, done.changes, retention_of(community))
    return done


def plan_platform_roles(
    members: Sequence[Member], admin_ids: frozenset[str]
) -> list[tuple[Member, Role | None]]:
    """The members whose role the platform's admin list changes, with the new role; and
    (role None) platform admins whose explicit non-admin role rollcall keeps."""
    planned: list[tuple[Member, Role | None]] = []
    for member in members:
        is_admin = member.user_id in admin_ids
        role = platform_role(member, is_admin)
        if role is not None:
            planned.append((member, role))
        elif is_admin and not member.is_admin:
            planned.append((member, None))
    return planned
