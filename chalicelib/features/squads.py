"""Squads (小组): a leader's view of their squad, and the reminder a leader may send it.

A squad is the ``squad`` field of its members. What a squad view costs: one Query of the
roster (paged) and, while a homework cycle runs, one Query of that cycle's submissions;
today's check-ins and streaks come from the member items themselves (``last_checkin``,
the streak counters), so there is no request per member.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.checkins import Streak, leave_of, live_streak
from chalicelib.domain.freezes import frozen_set
from chalicelib.domain.homework import cycles_of, display_order, is_paused
from chalicelib.domain.models import Community, Member
from chalicelib.domain.reminders import ReminderTargets, select_reminder_targets
from chalicelib.store.homework import submissions_of
from chalicelib.store.repository import Store


@dataclass(frozen=True)
class SquadMember:
    member: Member
    checked_in: bool
    streak: int
    submitted: bool | None  # None: no homework cycle is running


@dataclass(frozen=True)
class SquadStatus:
    squad: str
    members: tuple[SquadMember, ...]  # present members, in display order
    cycle_id: str | None  # the homework cycle running now, if any

    @property
    def checked_in(self) -> int:
        return sum(1 for m in self.members if m.checked_in)

    @property
    def submitted(self) -> int:
        return sum(1 for m in self.members if m.submitted)


def find_squad(members: Iterable[Member], name: str) -> str | None:
    """The squad a typed name means (case and spacing aside), or None."""
    wanted = name.strip().casefold()
    for member in members:
        if member.squad and member.squad.strip().casefold() == wanted:
            return member.squad
    return None


def squad_status(
    store: Store, community: Community, squad: str, now: datetime, roster: Sequence[Member]
) -> SquadStatus:
    """The squad today: who checked in, their streaks, who handed in this cycle's work.
    ``roster`` is the community's members as one Query read them."""
    today = community.calendar.local_date(now)
    present = display_order(m for m in roster if m.is_present and m.squad == squad)
    cycle_id, handed_in = _current_work(store, community, now)
    return SquadStatus(
        squad,
        tuple(
            SquadMember(
                m,
                m.last_checkin == today,
                live_streak(Streak.of(m), today, leave_of(m), frozen=frozen_set(m)),
                (m.user_id in handed_in) if cycle_id is not None else None,
            )
            for m in present
        ),
        cycle_id,
    )


def _current_work(store: Store, community: Community, now: datetime) -> tuple[str | None, set[str]]:
    cycles = cycles_of(community)
    if cycles is None:
        return None, set()
    n = cycles.cycle_of(now)
    if n < 1 or is_paused(community, n):
        return None, set()
    cycle_id = cycles.cycle_id(n)
    at = now.isoformat()
    submitted = submissions_of(store.table, community.id, cycle_id)
    return cycle_id, {s["user_id"] for s in submitted if s["submitted_at"] <= at}


def squad_reminder_targets(
    community: Community, squad: str, now: datetime, roster: Sequence[Member]
) -> ReminderTargets:
    """Whom a leader's /remind names: the daily reminder's rule (not on leave, not exempt,
    past their grace days, quiet members listed without a ping), for one squad, with today's
    check-ins read from the member items."""
    today = community.calendar.local_date(now)
    members = [m for m in roster if m.squad == squad]
    checked = {m.user_id for m in members if m.last_checkin == today}
    return select_reminder_targets(members, checked, today, community.grace_days)
