"""Levels (domain/levels.py): a ladder points alone cannot climb, and defaults that take
months of steady work to the top, shown on a simulated community."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from chalicelib.domain.checkins import Streak, check_in
from chalicelib.domain.levels import (
    DEFAULT_POINTS,
    Facts,
    ladder_names,
    level_of,
    parse_level_names,
    parse_level_points,
    requirement,
)
from chalicelib.domain.models import InvalidValue
from chalicelib.domain.points import (
    PointRules,
    Tally,
    checkin_points,
    credit,
    homework_points,
    review_points,
)


def test_points_alone_never_reach_the_third_level():
    """Guard: a member who farmed 10,000 points in their first days is still a Learner."""
    rich = Facts(points=10_000, best_streak=3, homework_cycles=1, reviews_given=0, days_in=5)
    assert level_of(rich) == 2


def test_each_upper_level_needs_its_non_points_condition():
    core = Facts(points=150, best_streak=7, homework_cycles=2, days_in=14)
    assert level_of(core) == 3
    for short in ("best_streak", "homework_cycles", "days_in"):
        lacking = Facts(**{**core.__dict__, short: getattr(core, short) - 1})
        assert level_of(lacking) == 2, short
    elder = Facts(points=800, best_streak=30, homework_cycles=10, reviews_given=25, days_in=90)
    assert level_of(elder) == 5
    assert level_of(Facts(**{**elder.__dict__, "reviews_given": 24})) == 4
    assert level_of(Facts(**{**elder.__dict__, "reviews_given": 9})) == 3


def test_rungs_are_climbed_in_order():
    """Stuck at rung 3's requirement, a member does not skip to rung 4 on points."""
    facts = Facts(points=5_000, best_streak=100, homework_cycles=1, reviews_given=99, days_in=400)
    assert level_of(facts) == 2


def test_a_longer_ladder_repeats_the_last_requirement():
    assert requirement(7) == requirement(5)
    assert level_of(Facts(points=50), (0, 10, 20, 30, 40, 50, 60)) == 2


def test_default_names_in_both_languages_and_custom_names():
    assert ladder_names("zh-CN", (), 5) == ("新生", "学员", "骨干", "导师", "元老")
    assert ladder_names("en", (), 5) == ("Newcomer", "Learner", "Core", "Mentor", "Elder")
    assert ladder_names("en", ("a", "b"), 2) == ("a", "b")
    assert ladder_names("en", (), 6)[-1] == "L6"


@pytest.mark.parametrize("bad", ["0,30,30", "0,400,150", "0,-1,5", "5,10", "0", "0,x", ""])
def test_a_ladder_that_does_not_climb_is_refused_in_one_line(bad):
    with pytest.raises(InvalidValue) as refused:
        parse_level_points(bad)
    assert "\n" not in str(refused.value)


def test_good_ladders_and_names_parse():
    assert parse_level_points("0, 10，20") == (0, 10, 20)
    assert parse_level_names("新生，学员") == ("新生", "学员")
    assert parse_level_names("default") == ()


# -- a simulated community --------------------------------------------------------------------

START = date(2026, 1, 5)  # a Monday: cycle n is days 7(n-1) .. 7n-1
DAYS = 90


@dataclass
class Sim:
    """One simulated member: how likely they are to do each thing on a given day/cycle."""

    checkin: float
    homework: float
    reviews_a_week: int
    careful: bool  # writes reviews long enough to count
    streak: Streak = field(default_factory=Streak)
    tally: Tally = field(default_factory=Tally)
    cycles: int = 0
    reviews: int = 0
    first_day_at: dict[int, int] = field(default_factory=dict)


def simulate(seed: int = 7, members: int = 60) -> list[Sim]:
    rng = random.Random(seed)
    rules = PointRules()
    kinds = [  # (share, check-in, homework, reviews a week): the steady few to the drifters
        (0.15, 0.97, 0.95, 3),
        (0.25, 0.85, 0.8, 2),
        (0.35, 0.6, 0.5, 1),
        (0.25, 0.25, 0.2, 0),
    ]
    sims: list[Sim] = []
    for n in range(members):
        share = (n + 0.5) / members
        kind = kinds[-1]
        for kind in kinds:
            share -= kind[0]
            if share <= 0:
                break
        _, c, h, r = kind
        sims.append(Sim(c, h, r, careful=rng.random() < 0.7))
    for offset in range(DAYS):
        today = START + timedelta(days=offset)
        periods = {
            "day": today,
            "week": f"{today.isocalendar()[0]}-W{today.isocalendar()[1]:02d}",
            "month": f"{today.year}-{today.month:02d}",
        }
        for s in sims:
            if rng.random() < s.checkin:
                s.streak = check_in(s.streak, today, None)
                s.tally, _ = credit(
                    s.tally, checkin_points(rules, s.streak.current), cap=rules.daily_cap, **periods
                )
            if today.weekday() == 6 and rng.random() < s.homework:
                late = rng.random() < 0.2
                s.tally, _ = credit(
                    s.tally, homework_points(rules, late=late), cap=rules.daily_cap, **periods
                )
                s.cycles += 1
            if s.reviews_a_week and today.weekday() < s.reviews_a_week:
                text = "x" * (40 if s.careful else 10)
                earned = review_points(rules, text)
                s.tally, _ = credit(s.tally, earned, cap=rules.daily_cap, **periods)
                s.reviews += 1 if earned else 0
            facts = Facts(s.tally.total, s.streak.best, s.cycles, s.reviews, offset)
            level = level_of(facts, DEFAULT_POINTS)
            for rung in range(2, level + 1):
                s.first_day_at.setdefault(rung, offset)
    return sims


def test_on_a_simulated_community_the_ladder_takes_months_to_climb():
    """60 members over 90 days, from the steady to the drifting: nobody reaches the third
    level in the first cycle (week), nobody the top in the first two months, and at 90
    days the ladder is spread out rather than everyone at the top or at the bottom."""
    sims = simulate()
    final = Counter(max(s.first_day_at, default=1) for s in sims)
    reached_core = [s.first_day_at[3] for s in sims if 3 in s.first_day_at]
    assert reached_core and min(reached_core) >= 7
    assert all(s.first_day_at.get(5, DAYS) >= 60 for s in sims)
    assert final[1] + final[2] >= 10  # the drifters stay low
    assert final[3] + final[4] >= 10  # steady work is rewarded within the quarter
    assert final[5] <= 10  # the top is rare after three months
    print("levels after 90 days:", dict(sorted(final.items())))
