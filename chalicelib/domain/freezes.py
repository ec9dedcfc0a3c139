"""Earned streak freezes (保护卡): a missed day that does not break a streak, earned, banked,
spent by itself and given back by a make-up.

The rules, in one place (pure: no clock, no storage):

* **Off unless turned on** (``Community.streak_freezes``). A freeze changes what a streak
  means, and what the stars and the points ladders reward: a community opts in rather than
  finding its members' streaks suddenly longer.
* **Earned**: one for every ``freeze_every_reviews`` reviews given (0: none for reviews) and
  one at each level reached (``freeze_at_levels``), counted in the same conditional write
  that counts the review or the level (features/points.py), so a replay earns nothing.
* **Banked**: at most ``freeze_bank``. One earned with a full bank is not kept.
* **Spent by itself** on a missed day: a day between two check-ins that is neither checked
  in nor a leave day. It is spent by the check-in that ends the gap, in that check-in's own
  conditional write of the member's counters (no request more on the check-in path), and
  only when it saves the streak: a gap of more missed days than the member has freezes
  spends none (the streak breaks, the freezes stay). Where the platform sends direct
  messages, the next day's main reminder spends it first (:func:`spends_for_missed_day`,
  features/freezes.py) and tells the member privately; the check-in that ends the gap then
  finds the day frozen and spends nothing more. A spent day is remembered
  (``Member.frozen_days``) so that later runs computed over it (a make-up repair) still
  carry the streak across.
* **Given back** by a make-up of a frozen day made in the same local month as that day
  (up to the bank's size): the day is now a real check-in and needs no freeze.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.domain.checkins import continues, leave_of
from chalicelib.domain.models import Community, Member

# Frozen days older than this are dropped from the member item: a make-up reaches at most 31
# days back, so a repair never needs an older one.
FROZEN_DAYS_KEPT = 62


@dataclass(frozen=True)
class FreezeRules:
    enabled: bool = False
    every_reviews: int = 5
    at_levels: bool = True
    bank: int = 2

    @classmethod
    def of(cls, community: Community) -> FreezeRules:
        return cls(
            community.streak_freezes,
            community.freeze_every_reviews,
            community.freeze_at_levels,
            community.freeze_bank,
        )


def earned(rules: FreezeRules, before: Member, *, reviews: int, level: int) -> int:
    """Freezes earned by going from ``before`` to ``reviews`` reviews given and ``level``."""
    if not rules.enabled:
        return 0
    found = 0
    if rules.every_reviews > 0 and reviews > before.reviews_given:
        found += reviews // rules.every_reviews - before.reviews_given // rules.every_reviews
    if rules.at_levels and level > before.level:
        found += level - before.level
    return found


def bank(rules: FreezeRules, current: int, gained: int) -> int:
    """The freezes banked after ``gained`` more: never above the bank's size (one banked
    beyond it before the bank was made smaller is kept, not taken away)."""
    if gained <= 0:
        return current
    return max(current, min(rules.bank, current + gained))


def frozen_set(member: Member) -> frozenset[date]:
    return frozenset(date.fromisoformat(d) for d in member.frozen_days)


def missed_days(prev: date, day: date, covered: Callable[[date], bool]) -> list[date] | None:
    """The days strictly between ``prev`` and ``day`` that ``covered(d)`` does not cover;
    None when the gap is too long to be worth listing (longer than any bank)."""
    gap = (day - prev).days - 1
    if gap <= 0:
        return []
    if gap > 400:
        return None
    return [d for d in (prev + timedelta(days=n) for n in range(1, gap + 1)) if not covered(d)]


def plan_spend(
    rules: FreezeRules,
    *,
    last: date | None,
    run: int,
    day: date,
    banked: int,
    covered: Callable[[date], bool],
) -> tuple[date, ...]:
    """The missed days a check-in on ``day`` spends a freeze on (empty: none): every day of
    the gap since ``last`` not ``covered`` (leave, or frozen already), when the member has a
    run to keep and enough freezes for all of them."""
    if not rules.enabled or last is None or run <= 0 or banked <= 0 or day <= last:
        return ()
    missed = missed_days(last, day, covered)
    if not missed or len(missed) > banked:
        return ()
    return tuple(missed)


def keep_frozen(days: Iterable[date], today: date) -> tuple[str, ...]:
    """The frozen days worth keeping on the member item, oldest first, as ISO dates."""
    since = today - timedelta(days=FROZEN_DAYS_KEPT)
    return tuple(d.isoformat() for d in sorted(set(days)) if d >= since)


def refund(member: Member, day: date, today: date) -> bool:
    """Whether a make-up for ``day`` made on ``today`` gives a freeze back: ``day`` was
    frozen and the make-up is made in the same local month."""
    return day.isoformat() in member.frozen_days and (day.year, day.month) == (
        today.year,
        today.month,
    )


def spends_for_missed_day(rules: FreezeRules, member: Member, day: date) -> bool:
    """Whether a freeze is spent by itself on ``day``, a day the member did not check in,
    the day after it (the daily reminder, features/freezes.py): freezes on and one banked;
    the member present, not exempt, not on leave that day and ``day`` not frozen already;
    and a run of at least one day that a check-in on ``day`` would have continued."""
    if not rules.enabled or member.freezes <= 0 or member.current_streak < 1:
        return False
    leave = leave_of(member)
    if not member.is_present or member.exempt or (leave is not None and leave.covers(day)):
        return False
    last = member.last_checkin
    if last is None or last >= day or day.isoformat() in member.frozen_days:
        return False
    return continues(last, day, leave, frozen_set(member))
