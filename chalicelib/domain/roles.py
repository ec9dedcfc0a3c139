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

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.models import Community, InvalidValue, Member, Role

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


# -- committee positions (班委) and the one permission table ----------------------------------
#
# A member's permissions are their role's plus those of the committee position they hold (at
# most one): a position is a name (学习委员) and an allow-list of commands from this table.
# Every command that is not every member's asks :func:`may`, never the role itself, so what a
# role or a position may do is read here and nowhere else.

ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})


@dataclass(frozen=True)
class Permission:
    roles: frozenset[Role]  # the roles that may run it
    grantable: bool  # a committee position may be given it


PERMISSIONS: dict[str, Permission] = {
    # grantable: running the group's routine
    "theme": Permission(ADMIN_ROLES, True),  # setting or clearing the week's theme
    "remind": Permission(ADMIN_ROLES, True),  # the whole group's reminder now
    "award": Permission(ADMIN_ROLES, True),
    "goal": Permission(ADMIN_ROLES, True),  # setting or clearing the month's goal
    # sessions (分享会): confirming a speaker (and giving any session's recording link),
    # cancelling one session
    "confirm_speaker": Permission(ADMIN_ROLES, True),
    "cancel_session": Permission(ADMIN_ROLES, True),
    "announce": Permission(ADMIN_ROLES, True),  # scheduling and cancelling announcements
    "squad_others": Permission(ADMIN_ROLES, True),  # /squad NAME of another squad
    # a leader's /remind of their own squad (chat/admin.py)
    "remind_squad": Permission(frozenset({Role.LEADER}), False),
    # owner-and-admin only: people, removals, settings, the organiser's pages
    "exempt": Permission(ADMIN_ROLES, False),
    "report": Permission(ADMIN_ROLES, False),
    "confirm_removals": Permission(ADMIN_ROLES, False),
    "settings": Permission(ADMIN_ROLES, False),
    "role": Permission(ADMIN_ROLES, False),
    "manage": Permission(ADMIN_ROLES, False),
    "pending": Permission(ADMIN_ROLES, False),  # newcomers still owing a step (the ritual)
    # the owner alone appoints and dismisses committee members
    "appoint": Permission(frozenset({Role.OWNER}), False),
    "dismiss": Permission(frozenset({Role.OWNER}), False),
    # the owner alone erases a member's data (/forget @x)
    "forget": Permission(frozenset({Role.OWNER}), False),
}

GRANTABLE = tuple(name for name, p in PERMISSIONS.items() if p.grantable)


@dataclass(frozen=True)
class Position:
    """A committee position: its name as shown, other spellings, and its commands."""

    name: str
    aliases: tuple[str, ...] = ()
    commands: frozenset[str] = frozenset()

    def spec(self) -> str:
        """As stored and typed: ``学习委员/study-officer:theme,remind``."""
        names = "/".join((self.name, *self.aliases))
        return f"{names}:{','.join(sorted(self.commands))}"


DEFAULT_POSITIONS = (
    Position("学习委员", ("study-officer",), frozenset({"theme", "remind"})),
    Position(
        "活动委员",
        ("activity-officer",),
        frozenset({"award", "goal", "confirm_speaker", "cancel_session"}),
    ),
)

# A position's name goes into an audit key and a chat command: short, no separators.
_POSITION_NAME = re.compile(r"^[^\s#:;,/=@]{1,24}$")


def parse_position(spec: str) -> Position:
    """``学习委员/study-officer:theme,remind`` → a Position; InvalidValue (one line) for a bad
    name, an unknown command, or a command no position may be given."""
    names_text, sep, commands_text = spec.strip().partition(":")
    names = tuple(n.strip() for n in names_text.split("/") if n.strip())
    if not sep or not names:
        raise InvalidValue(f"a position is NAME[/ALIAS]:COMMAND,COMMAND, got {spec.strip()!r}")
    for name in names:
        if not _POSITION_NAME.match(name):
            raise InvalidValue(
                f"position name must be 1-24 characters without spaces or # : ; , / = @, "
                f"got {name!r}"
            )
    commands = frozenset(
        c.strip().lower().lstrip("/").replace("-", "_")
        for c in commands_text.split(",")
        if c.strip()
    )
    if not commands:
        raise InvalidValue(f"position {names[0]} must be given at least one command")
    for command in sorted(commands):
        permission = PERMISSIONS.get(command)
        if permission is None:
            raise InvalidValue(
                f"position {names[0]}: unknown command {command!r}; a position may be given "
                f"{', '.join(GRANTABLE)}"
            )
        if not permission.grantable:
            raise InvalidValue(
                f"position {names[0]} may not be given {command}: it stays "
                f"{'owner' if permission.roles == {Role.OWNER} else 'owner-and-admin'} only"
            )
    return Position(names[0], names[1:], commands)


def parse_positions(value: str) -> tuple[str, ...]:
    """The ``positions`` setting: ``;``-separated positions, or ``default``. Stored as their
    specs (an empty tuple: the defaults)."""
    text = value.strip()
    if text.lower() in ("default", "默认"):
        return ()
    found = [parse_position(part) for part in text.split(";") if part.strip()]
    if not found:
        raise InvalidValue("positions must list at least one position, or be 'default'")
    seen: set[str] = set()
    for position in found:
        for name in (position.name, *position.aliases):
            if name.casefold() in seen:
                raise InvalidValue(f"position name {name!r} is used twice")
            seen.add(name.casefold())
    return tuple(p.spec() for p in found)


def positions_of(specs: tuple[str, ...]) -> tuple[Position, ...]:
    """A community's positions from its stored specs (none stored: the defaults). A stored
    spec that no longer parses (a command left the table) grants nothing."""
    if not specs:
        return DEFAULT_POSITIONS
    found = []
    for spec in specs:
        try:
            found.append(parse_position(spec))
        except InvalidValue:
            continue
    return tuple(found)


def find_position(positions: tuple[Position, ...], word: str | None) -> Position | None:
    """The position called ``word`` (its name or an alias, any case), or None."""
    if not word:
        return None
    wanted = word.strip().casefold()
    for position in positions:
        if wanted in (n.casefold() for n in (position.name, *position.aliases)):
            return position
    return None


def may(member: Member, command: str, positions: tuple[Position, ...] = ()) -> bool:
    """Whether ``member`` may run ``command`` (a name in PERMISSIONS; any other command is
    every member's): by their role, or by the committee position they hold."""
    permission = PERMISSIONS.get(command)
    if permission is None:
        return True
    if member.role in permission.roles:
        return True
    if not permission.grantable:
        return False
    held = find_position(positions, member.position)
    return held is not None and command in held.commands


def member_may(community: Community, member: Member, command: str) -> bool:
    """Whether ``member`` may run ``command`` in ``community``: :func:`may` with the
    community's committee positions (what chat handlers and features both ask)."""
    return may(member, command, positions_of(community.positions))


@dataclass(frozen=True)
class PositionChange:
    """An appointment or a dismissal, as its audit item records it (old/new None: none)."""

    user_id: str
    name: str
    old: str | None
    new: str | None
    source: str  # "chat" or "cli"
    by: str
    at: datetime
