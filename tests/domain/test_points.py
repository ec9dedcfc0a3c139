"""Points rules (domain/points.py): amounts, the day's cap, keyed actions credited once."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.points import (
    PointRules,
    Tally,
    checkin_points,
    credit,
    homework_points,
    prune_keys,
    review_points,
    settle_key,
)

RULES = PointRules()
DAY = date(2026, 11, 23)
PERIODS = {"day": DAY, "week": "2026-W48", "month": "2026-11"}


def test_a_checkin_earns_its_points_and_a_milestone_its_bonus():
    assert checkin_points(RULES, 1) == 2
    assert checkin_points(RULES, 7) == 2 + 5
    assert checkin_points(RULES, 30) == 2 + 20
    assert checkin_points(RULES, 100) == 2 + 50
    assert checkin_points(RULES, 8) == 2


def test_a_makeup_earns_nothing_not_even_a_milestone():
    assert checkin_points(RULES, 7, makeup=True) == 0


def test_late_homework_earns_less_than_on_time():
    assert homework_points(RULES, late=True) < homework_points(RULES, late=False)


def test_only_a_review_of_the_minimum_length_earns_points():
    """Otherwise "good job" x 50 would farm points."""
    assert review_points(RULES, "good job") == 0
    assert review_points(RULES, "  " + "x" * 29 + "   ") == 0
    assert review_points(RULES, "x" * 30) == RULES.review


def test_the_day_cap_cuts_a_gain_and_the_next_day_starts_afresh():
    tally, added = credit(Tally(today=25, day=DAY), 10, cap=30, **PERIODS)
    assert (added, tally.today, tally.total) == (5, 30, 5)
    tally, added = credit(tally, 3, cap=30, **PERIODS)
    assert added == 0
    nxt = {"day": date(2026, 11, 24), "week": "2026-W48", "month": "2026-11"}
    tally, added = credit(tally, 3, cap=30, **nxt)
    assert (added, tally.today, tally.total) == (3, 3, 8)


def test_a_take_back_is_not_capped_and_never_leaves_a_period_negative():
    tally = Tally(total=40, day=DAY, today=30, week="2026-W48", week_points=4, month="2026-11")
    after, added = credit(tally, -5, cap=30, **PERIODS)
    assert (added, after.total, after.week_points, after.month_points) == (-5, 35, 0, 0)


def test_a_new_week_and_month_start_at_zero():
    tally = Tally(total=40, week="2026-W47", week_points=12, month="2026-10", month_points=30)
    after, _ = credit(tally, 2, cap=30, **PERIODS)
    assert (after.week_points, after.month_points, after.total) == (2, 2, 42)
    assert after.week_total("2026-W47") == 0


def test_a_keyed_action_replayed_adds_nothing_and_a_change_adds_the_difference():
    tally, held, added = settle_key(Tally(), {}, "HW#C0003", 10, cap=30, **PERIODS)
    assert (tally.total, held, added) == (10, {"HW#C0003": 10}, 10)
    assert settle_key(tally, held, "HW#C0003", 10, cap=30, **PERIODS) is None
    # replaced by late work: the difference is taken back
    tally, held, added = settle_key(tally, held, "HW#C0003", 5, cap=30, **PERIODS)
    assert (tally.total, held, added) == (5, {"HW#C0003": 5}, -5)


def test_every_write_changes_the_version():
    tally, _ = credit(Tally(version=4), 0, cap=30, **PERIODS)
    assert tally.version == 5


def test_old_cycles_keys_are_forgotten():
    held = {"HW#C0001": 10, "HW#C0005": 10, "RV#C0006#1a2b": 3}
    assert prune_keys(held, "C0006") == {"HW#C0005": 10, "RV#C0006#1a2b": 3}
    assert prune_keys(held, None) == held
