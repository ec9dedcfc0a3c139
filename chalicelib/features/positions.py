"""Committee positions (班委): appointed and dismissed by the owner from chat or by the
operator's CLI, shown in /me, /help, the roster export and the monthly report.

What a position allows is domain/roles.py's one permission table (``may``); storage and the
audit item are store/positions.py's. Costs: a change is one conditional UpdateItem and one
PutItem (its audit item).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.domain.roles import Position, PositionChange, find_position, positions_of
from chalicelib.store.positions import record_position_change, write_position
from chalicelib.store.repository import NotFound, Store
from chalicelib.store.retention import retention_of


class PositionConflict(ValueError):
    """The member's position changed meanwhile: nothing written."""


class UnknownPosition(ValueError):
    """No position of that name in the community: nothing written."""


def community_positions(community: Community) -> tuple[Position, ...]:
    return positions_of(community.positions)


def position_names(community: Community) -> str:
    return ", ".join("/".join((p.name, *p.aliases)) for p in community_positions(community))


def set_member_position(
    store: Store,
    community: Community,
    user_id: str,
    word: str | None,
    *,
    source: str,
    by: str,
    now: datetime,
    known: Member | None = None,
) -> PositionChange | None:
    """Give the member the position called ``word`` (None: dismiss them), audited; None when
    they hold it already. Raises NotFound (an unknown member), UnknownPosition, and
    PositionConflict when their position moved between the read and the write."""
    member = known or store.get_member(community.id, user_id)
    if member is None or not member.is_present:
        raise NotFound(f"unknown member {user_id!r} in community {community.id}")
    new: str | None = None
    if word is not None:
        position = find_position(community_positions(community), word)
        if position is None:
            raise UnknownPosition(
                f"unknown position {word.strip()[:40]!r}; positions are {position_names(community)}"
            )
        new = position.name
    if member.position == new:
        return None
    change = PositionChange(member.user_id, member.display(), member.position, new, source, by, now)
    if write_position(store.table, community.id, change) is None:
        raise PositionConflict(f"the position of {user_id!r} changed meanwhile; try again")
    record_position_change(store.table, community.id, change, retention_of(community))
    return change


def position_commands(community: Community, member: Member) -> tuple[str, ...]:
    """The commands the member's position gives, as typed (``/theme``), sorted; none when
    the position is no longer defined."""
    held = find_position(community_positions(community), member.position)
    if held is None:
        return ()
    return tuple(sorted("/" + c.replace("_", "-") for c in held.commands))


def position_help(community: Community, member: Member) -> list[str]:
    """/help's line for a committee member: their position's commands."""
    commands = position_commands(community, member)
    if not commands:
        return []
    return [
        t(community.locale, "position_help", position=member.position, commands=" ".join(commands))
    ]


def me_position_line(community: Community, member: Member) -> str | None:
    """/me's line: the position held and what it allows (no request)."""
    if not member.position:
        return None
    commands = " ".join(position_commands(community, member)) or "-"
    return t(community.locale, "me_position", position=member.position, commands=commands)


def committee_line(community: Community, members: Iterable[Member]) -> str | None:
    """The monthly report's line: who holds which position (the roster already read)."""
    held = sorted(
        (m for m in members if m.is_present and m.position),
        key=lambda m: (m.position or "", m.display().casefold()),
    )
    if not held:
        return None
    entries = t(community.locale, "list_separator").join(
        t(community.locale, "committee_entry", position=m.position, name=m.display()) for m in held
    )
    return t(community.locale, "committee_line", entries=entries)
