"""The streak freeze rules (domain/freezes.py) and the streak rules that honour them."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.checkins import Leave, Streak, check_in, continues, live_streak
from chalicelib.domain.freezes import (
    FreezeRules,
    bank,
    earned,
    keep_frozen,
    plan_spend,
    spends_for_missed_day,
)
from tests.helpers import member

ON = FreezeRules(enabled=True, every_reviews=5, at_levels=True, bank=2)


def day(n: int) -> date:
    return date(2026, 11, n)


def nothing(_d: date) -> bool:
    return False


def test_a_freeze_is_spent_only_when_it_saves_the_streak():
    spend = plan_spend(ON, last=day(20), run=5, day=day(22), banked=1, covered=nothing)
    assert spend == (day(21),)
    assert plan_spend(ON, last=day(20), run=5, day=day(23), banked=1, covered=nothing) == ()
    assert plan_spend(ON, last=day(20), run=0, day=day(22), banked=1, covered=nothing) == ()
    assert plan_spend(ON, last=day(20), run=5, day=day(21), banked=1, covered=nothing) == ()
    off = FreezeRules(enabled=False)
    assert plan_spend(off, last=day(20), run=5, day=day(22), banked=2, covered=nothing) == ()


def test_leave_and_frozen_days_need_no_freeze():
    leave = Leave(until=day(21), start=day(21))
    covered = lambda d: leave.covers(d) or d == day(22)  # noqa: E731
    assert plan_spend(ON, last=day(20), run=5, day=day(24), banked=1, covered=covered) == (day(23),)


def test_a_run_carries_over_frozen_days_and_leave_together():
    frozen = frozenset({day(22)})
    leave = Leave(until=day(21), start=day(21))
    assert continues(day(20), day(23), leave, frozen)
    assert not continues(day(20), day(23), None, frozen)
    after = check_in(Streak(5, 5, day(20), 5), day(23), leave, frozen)
    assert (after.current, after.best) == (6, 6)


def test_the_live_streak_counts_the_freezes_banked():
    streak = Streak(9, 9, day(20), 9)
    assert live_streak(streak, day(23), None) == 0
    assert live_streak(streak, day(23), None, freezes=1) == 0  # two days missed
    assert live_streak(streak, day(23), None, freezes=2) == 9


def test_earned_by_reviews_and_levels_never_above_the_bank():
    before = member("a", reviews_given=4, level=1)
    assert earned(ON, before, reviews=5, level=1) == 1
    assert earned(ON, before, reviews=14, level=3) == 2 + 2
    assert earned(FreezeRules(), before, reviews=10, level=3) == 0
    assert bank(ON, 1, 4) == 2 and bank(ON, 0, 1) == 1 and bank(ON, 3, 1) == 3


def test_only_recent_frozen_days_are_kept():
    kept = keep_frozen([date(2026, 8, 1), day(21), day(19)], day(23))
    assert kept == ("2026-11-19", "2026-11-21")


def test_a_freeze_is_spent_by_itself_only_on_a_day_that_ends_a_live_run():
    def who(**fields):
        base = {"last_checkin": day(21), "current_streak": 4, "freezes": 1}
        return member("ann", **{**base, **fields})

    assert spends_for_missed_day(ON, who(), day(22))
    assert not spends_for_missed_day(FreezeRules(enabled=False), who(), day(22))
    assert not spends_for_missed_day(ON, who(freezes=0), day(22))
    assert not spends_for_missed_day(ON, who(current_streak=0), day(22))
    assert not spends_for_missed_day(ON, who(exempt=True), day(22))
    assert not spends_for_missed_day(ON, who(leave_from=day(22), leave_until=day(22)), day(22))
    assert not spends_for_missed_day(ON, who(last_checkin=day(22)), day(22))  # checked in
    assert not spends_for_missed_day(ON, who(frozen_days=("2026-11-22",)), day(22))
    assert not spends_for_missed_day(ON, who(last_checkin=day(20)), day(22))  # run broken
    # a day frozen before, or a leave day, in between: the run is still live
    assert spends_for_missed_day(
        ON, who(last_checkin=day(20), frozen_days=("2026-11-21",)), day(22)
    )
    assert spends_for_missed_day(
        ON, who(last_checkin=day(20), leave_from=day(21), leave_until=day(21)), day(22)
    )


def test_a_frozen_day_keeps_the_live_streak_with_no_freeze_left():
    run = Streak(current=6, best=6, last=day(20), checkins=6)
    assert live_streak(run, day(22), None, 0, frozenset({day(21)})) == 6
    assert live_streak(run, day(22), None, 0) == 0
