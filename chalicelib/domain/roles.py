"""Who may hold which role, where a role came from, and who may change it.

Roles come from four sources (``Member.role_source``):

* ``csv`` (``rollcall member import``), ``cli`` (``rollcall member set-role`` / ``member
  add --role``) and ``chat`` (the owner's ``/role @x admin``): explicit. A platform refresh
  never changes an explicit role, in either direction.
* ``platform``: the member is an admin on the chat platform (Discord's ADMINISTRATOR or
  MANAGE_GUILD permission, a Telegram chat administrator, a Slack workspace admin, a Feishu
  chat owner or manager). Demoted there, they lose the role at the next refresh.

A member item stored before sources existed has none: its role counts as explicit unless it
is ``member`` (an owner or admin imported then keeps the role whatever the platform says).

From chat, only the owner grants or revokes ``admin``; an admin may make members leaders
and leaders members again. Nobody changes their own role or the owner's from chat, and
nobody is made owner there: that stays the operator's (the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.models import Member, Role

EXPLICIT_SOURCES = ("csv", "cli", "chat")
PLATFORM_SOURCE = "platform"
SOURCES = (*EXPLICIT_SOURCES, PLATFORM_SOURCE)

# A role as a member may type it after ``/role @x``: English or Chinese.
ROLE_WORDS: dict[str, Role] = {
    "admin": Role.ADMIN,
    "管理员": Role.ADMIN,
    "leader": Role.LEADER,
    "组长": Role.LEADER,
    "member": Role.MEMBER,
    "成员": Role.MEMBER,
    "普通成员": Role.MEMBER,
    "owner": Role.OWNER,
    "群主": Role.OWNER,
}

# The Chinese command words that say the role themselves (commands.py maps each to
# ``role``): 设为管理员 @x grants, 取消管理员 @x revokes (back to member).
WORD_ROLES: dict[str, tuple[Role, Role | None]] = {
    # word: (the role it sets, the role the target must hold for a revocation)
    "设为管理员": (Role.ADMIN, None),
    "设为组长": (Role.LEADER, None),
    "设为成员": (Role.MEMBER, None),
    "取消管理员": (Role.MEMBER, Role.ADMIN),
    "取消组长": (Role.MEMBER, Role.LEADER),
}


def parse_role_word(word: str) -> Role | None:
    return ROLE_WORDS.get(word.strip().casefold()) if word else None


def is_explicit(member: Member) -> bool:
    """The role was set on purpose in rollcall: a platform refresh leaves it alone."""
    if member.role_source is None:
        return member.role is not Role.MEMBER
    return member.role_source in EXPLICIT_SOURCES


def platform_role(member: Member, platform_admin: bool) -> Role | None:
    """The role a platform refresh gives ``member`` (None: no change). An owner and an
    explicit role stay; a platform admin becomes an admin; a member who was an admin only
    through the platform and is no longer one there becomes a member."""
    if member.role is Role.OWNER or is_explicit(member):
        return None
    if platform_admin:
        return None if member.role is Role.ADMIN else Role.ADMIN
    if member.role_source == PLATFORM_SOURCE and member.role is Role.ADMIN:
        return Role.MEMBER
    return None


class RoleRefusal(StrEnum):
    NOT_ADMIN = "not_admin"  # a member or leader: roles are not theirs to give
    OWNER_ONLY = "owner_only"  # granting or revoking admin
    SELF = "self"
    OWNER_TARGET = "owner_target"  # the owner's role is changed by the operator only
    NO_OWNER = "no_owner"  # nobody is made owner from chat
    NOT_HELD = "not_held"  # 取消管理员 @x for an x who is no admin


def refuse_role_change(
    actor: Member, target: Member, role: Role, must_hold: Role | None = None
) -> RoleRefusal | None:
    """Why ``actor`` may not give ``target`` the ``role`` from chat, or None when they may.
    ``must_hold``: a revocation (取消管理员) of a role the target must hold."""
    if not actor.is_admin:
        return RoleRefusal.NOT_ADMIN
    if role is Role.OWNER:
        return RoleRefusal.NO_OWNER
    if actor.user_id == target.user_id:
        return RoleRefusal.SELF
    if target.role is Role.OWNER:
        return RoleRefusal.OWNER_TARGET
    if actor.role is not Role.OWNER and Role.ADMIN in (role, target.role):
        return RoleRefusal.OWNER_ONLY
    if must_hold is not None and target.role is not must_hold:
        return RoleRefusal.NOT_HELD
    return None


@dataclass(frozen=True)
class RoleChange:
    """One change of a member's role, as its audit item records it."""

    user_id: str
    name: str
    old: Role
    new: Role
    source: str
    by: str  # the member who changed it, "cli", or "platform"
    at: datetime
    old_source: str | None = None
