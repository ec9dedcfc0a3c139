"""Roster sync, the pure part: what the platform's member list says changed on the roster.

A platform answers with the members it can see (``ChatMembers``): on Slack, Feishu and
Discord the whole list (``complete``: whoever is absent has left); on Telegram, which has
no list, only the roster members it was asked about, those still there (``members``) and
those gone (``gone``). ``diff_roster`` compares that with the stored roster:

- a listed member not on the roster **joins** (a new member, observed from today);
- a listed member on the roster who had left or been removed **rejoins**: a new membership
  (docs/counting.md §3), observed from today again;
- a present roster member missing from a complete list, or reported gone, **leaves**;
- a present roster member listed under another name (or username) is **renamed**.

Nothing here reads or writes: features/roster.py does, in batches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.models import Member


@dataclass(frozen=True)
class ListedMember:
    """One person the platform lists in the chat."""

    user_id: str
    name: str
    username: str | None = None


@dataclass(frozen=True)
class ChatMembers:
    """What a platform's member list said, read to its last page.

    ``complete``: ``members`` is everyone in the chat (absent roster members left).
    Otherwise ``members`` and ``gone`` answer only for the user ids the platform was asked
    about (``checked``), and ``total`` is the platform's own head count, when it gives one.
    """

    members: tuple[ListedMember, ...] = ()
    complete: bool = True
    gone: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()
    total: int | None = None


@dataclass(frozen=True)
class RosterDiff:
    joins: tuple[ListedMember, ...] = ()
    rejoins: tuple[tuple[Member, ListedMember], ...] = ()
    leaves: tuple[Member, ...] = ()
    renames: tuple[tuple[Member, ListedMember], ...] = ()

    @property
    def changes(self) -> int:
        return len(self.joins) + len(self.rejoins) + len(self.leaves) + len(self.renames)


class MalformedList(ValueError):
    """A member list that cannot be right (one user id listed twice under two names, an
    empty id): nothing is written from it."""


def diff_roster(roster: Iterable[Member], listed: ChatMembers) -> RosterDiff:
    """The joins, rejoins, leaves and renames that make the roster match ``listed``."""
    seen: dict[str, ListedMember] = {}
    for entry in listed.members:
        if not str(entry.user_id).strip():
            raise MalformedList("a member without a user id")
        if entry.user_id in seen and seen[entry.user_id] != entry:
            raise MalformedList(f"user {entry.user_id} listed twice")
        seen[entry.user_id] = entry
    gone = set(listed.gone)
    if gone & set(seen):
        raise MalformedList("a member listed both present and gone")
    stored: set[str] = set()
    rejoins: list[tuple[Member, ListedMember]] = []
    leaves: list[Member] = []
    renames: list[tuple[Member, ListedMember]] = []
    for member in roster:
        stored.add(member.user_id)
        person = seen.get(member.user_id)
        if person is None:
            if member.is_present and (listed.complete or member.user_id in gone):
                leaves.append(member)
            continue
        if not member.is_present:
            rejoins.append((member, person))
        elif _renamed(member, person):
            renames.append((member, person))
    joins = tuple(p for uid, p in seen.items() if uid not in stored)
    return RosterDiff(joins, tuple(rejoins), tuple(leaves), tuple(renames))


def _renamed(member: Member, person: ListedMember) -> bool:
    """A name the platform gives that differs; an empty one means "unknown", not a rename."""
    name_changed = bool(person.name) and person.name != member.name
    username_changed = bool(person.username) and person.username != member.username
    return name_changed or username_changed


def rotate(user_ids: Iterable[str], start: int) -> list[str]:
    """``user_ids`` sorted, from position ``start`` and wrapping round: a platform that can
    only check members one by one (Telegram) checks a bounded slice per run, and the next
    run starts where this one stopped, so everyone is checked in turn."""
    ordered = sorted(set(user_ids))
    if not ordered:
        return []
    start %= len(ordered)
    return ordered[start:] + ordered[:start]
