"""Streak freezes spent by themselves (domain/freezes.py): the day after a member missed,
the main daily reminder tells each member a freeze kept the streak, privately, and spends it.

Cost: nothing read beyond the roster the reminder already queries; one conditional
UpdateItem per member who uses a freeze (plus a GetItem and a second try only for one whose
item changed between the roster's read and the write).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from datetime import date, timedelta

from chalicelib.domain.freezes import FreezeRules, frozen_set, keep_frozen, spends_for_missed_day
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.jobs.plan import Direct
from chalicelib.platforms.base import Message
from chalicelib.store.checkins import load_member, save_freeze_spent
from chalicelib.store.table import Table

MAX_ATTEMPTS = 3


def missed_day_freezes(
    community: Community, members: Iterable[Member], checked_today: Set[str], today: date
) -> list[Member]:
    """The members a freeze keeps yesterday's streak for (none when freezes are off): from
    the roster as read, no request. One who checked in today already had the check-in
    spend it (or the gap was too long)."""
    rules = FreezeRules.of(community)
    if not rules.enabled:
        return []
    yesterday = today - timedelta(days=1)
    return [
        m
        for m in members
        if m.user_id not in checked_today and spends_for_missed_day(rules, m, yesterday)
    ]


def freeze_note(community: Community, member: Member, today: date) -> tuple[Message, Direct]:
    """The member's private word (never the group's: no fallback)."""
    text = t(
        community.locale,
        "freeze_kept",
        date=(today - timedelta(days=1)).isoformat(),
        kept=member.current_streak,
        left=member.freezes - 1,
    )
    return Message(text), Direct(member.user_id, None)


def spend_missed_day(table: Table, community: Community, member: Member, today: date) -> bool:
    """Spend ``member``'s freeze on yesterday, once: one conditional write; after a lost race
    the member is read again and the rule decided again (a retried run, or the check-in
    that ended the gap, has frozen the day by then: nothing more is spent)."""
    rules = FreezeRules.of(community)
    day = today - timedelta(days=1)
    for _ in range(MAX_ATTEMPTS):
        if not spends_for_missed_day(rules, member, day):
            return False
        kept = keep_frozen(frozen_set(member) | {day}, today)
        if save_freeze_spent(table, member, kept):
            return True
        reloaded = load_member(table, member.community_id, member.user_id)
        if reloaded is None:
            return False
        member = reloaded
    return False


def spend_all(
    table: Table, community: Community, members: Iterable[Member], today: date
) -> Callable[[], None]:
    """The reminder plan's ``apply``: each freeze spent once the messages are out."""
    chosen = list(members)

    def apply() -> None:
        for member in chosen:
            spend_missed_day(table, community, member, today)

    return apply
