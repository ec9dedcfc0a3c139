"""Who the daily reminder names: a pure function of the roster and the day's check-ins."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date

from chalicelib.domain.models import Member


@dataclass(frozen=True)
class ReminderTargets:
    """``expected`` are the members who should check in today (present, not on leave);
    ``done`` how many of them did; ``mention`` those to @-mention; ``quiet`` those who opted
    out of public mentions (named without a ping); ``grace`` new members not reminded yet;
    ``on_leave`` members excused today (on leave, or exempted by an admin)."""

    expected: int
    done: int
    mention: tuple[Member, ...]
    quiet: tuple[Member, ...]
    grace: tuple[Member, ...]
    on_leave: tuple[Member, ...]

    @property
    def missing(self) -> int:
        return self.expected - self.done


def select_reminder_targets(
    members: Iterable[Member], checked_in: Set[str], local_date: date, grace_days: int
) -> ReminderTargets:
    """Admins and owners are members too: they are reminded like everyone else."""
    expected = done = 0
    mention: list[Member] = []
    quiet: list[Member] = []
    grace: list[Member] = []
    on_leave: list[Member] = []
    for member in sorted(members, key=lambda m: (m.squad or "", m.display(), m.user_id)):
        if not member.is_present:
            continue
        if member.on_leave(local_date) or member.exempt:
            on_leave.append(member)  # excused today: neither expected nor reminded
            continue
        if member.user_id in checked_in:
            expected += 1
            done += 1
            continue
        if member.in_grace(local_date, grace_days):
            grace.append(member)
            continue
        expected += 1
        (quiet if member.quiet else mention).append(member)
    return ReminderTargets(
        expected, done, tuple(mention), tuple(quiet), tuple(grace), tuple(on_leave)
    )
