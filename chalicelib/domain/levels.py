"""Levels (等级): a named ladder that points alone cannot climb.

Pure: no clock, no storage. A member's level is the highest rung whose points threshold they
hold *and*, from the third rung up, whose other requirement they meet: a best streak held,
homework cycles handed in, reviews given to others, days in the community. Points are easy
to pile up in a burst; those take weeks of steady work, so the upper rungs mean something.

Defaults (names in both languages; names and point thresholds are community settings,
the requirements below are fixed by rung position, the last one repeating for longer
ladders):

====  ============  =======  ======  ========  =======  ====
rung  name          points   streak  homework  reviews  days
====  ============  =======  ======  ========  =======  ====
1     新生 Newcomer  0
2     学员 Learner   30
3     骨干 Core      150      7       2                  14
4     导师 Mentor    400      21      6         10       45
5     元老 Elder     800      30      10        25       90
====  ============  =======  ======  ========  =======  ====

With the default points (2 a check-in, 10 a homework on time, 3 a review), a member who
checks in daily, hands in every cycle and reviews twice a week earns ~130 a month: Core
takes two cycles at least (two homework cycles), Elder about six months.

A level once reached is kept (``Member.level``): a take-back of a few points does not
demote anyone, and a level-up is announced once (jobs/levelups.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from chalicelib.domain.models import InvalidValue

DEFAULT_NAMES = {
    "zh-CN": ("新生", "学员", "骨干", "导师", "元老"),
    "en": ("Newcomer", "Learner", "Core", "Mentor", "Elder"),
}
DEFAULT_POINTS = (0, 30, 150, 400, 800)
MAX_LEVELS = 12
NAME_MAX_CHARS = 20


@dataclass(frozen=True)
class Requirement:
    """What a rung needs besides points."""

    best_streak: int = 0
    homework_cycles: int = 0
    reviews_given: int = 0
    days_in: int = 0

    def met(self, facts: Facts) -> bool:
        return (
            facts.best_streak >= self.best_streak
            and facts.homework_cycles >= self.homework_cycles
            and facts.reviews_given >= self.reviews_given
            and facts.days_in >= self.days_in
        )


NO_REQUIREMENT = Requirement()
# Rungs 3, 4, 5 (index 2, 3, 4); rungs 1 and 2 need points only.
REQUIREMENTS = (
    Requirement(best_streak=7, homework_cycles=2, days_in=14),
    Requirement(best_streak=21, homework_cycles=6, reviews_given=10, days_in=45),
    Requirement(best_streak=30, homework_cycles=10, reviews_given=25, days_in=90),
)


@dataclass(frozen=True)
class Facts:
    """What a level is judged on, from the member item (no history read)."""

    points: int = 0
    best_streak: int = 0
    homework_cycles: int = 0
    reviews_given: int = 0
    days_in: int = 0


def requirement(rung: int) -> Requirement:
    """The non-points requirement of 1-based ``rung``."""
    if rung < 3:
        return NO_REQUIREMENT
    return REQUIREMENTS[min(rung - 3, len(REQUIREMENTS) - 1)]


def level_of(facts: Facts, thresholds: Sequence[int] = DEFAULT_POINTS) -> int:
    """The 1-based level ``facts`` earn: rungs are climbed in order, so a member stuck on
    rung 3's streak does not skip to rung 4 by points."""
    level = 1
    for rung, needed in enumerate(thresholds, start=1):
        if rung == 1:
            continue
        if facts.points < needed or not requirement(rung).met(facts):
            break
        level = rung
    return level


def days_in(first_day: date | None, today: date) -> int:
    return max(0, (today - first_day).days) if first_day else 0


def facts_of(member: object, today: date, first_day: date | None) -> Facts:
    return Facts(
        points=getattr(member, "points", 0),
        best_streak=getattr(member, "best_streak", 0),
        homework_cycles=getattr(member, "homework_cycles", 0),
        reviews_given=getattr(member, "reviews_given", 0),
        days_in=days_in(first_day, today),
    )


def ladder_names(locale: str, custom: Sequence[str], size: int) -> tuple[str, ...]:
    """The community's names, else the defaults in its language; a ladder longer than the
    defaults names its extra rungs by number."""
    if custom:
        return tuple(custom)
    names = DEFAULT_NAMES.get(locale, DEFAULT_NAMES["en"])
    return tuple(names[i] if i < len(names) else f"L{i + 1}" for i in range(size))


def level_name(locale: str, custom: Sequence[str], thresholds: Sequence[int], level: int) -> str:
    names = ladder_names(locale, custom, len(thresholds))
    return names[min(max(level, 1), len(names)) - 1]


# -- settings --------------------------------------------------------------------------------


def parse_level_points(value: str) -> tuple[int, ...]:
    """``0,30,150,400,800``: strictly increasing whole numbers, the first 0."""
    parts = [p.strip() for p in str(value).replace("，", ",").split(",")]
    try:
        numbers = tuple(int(p) for p in parts)
    except ValueError:
        raise InvalidValue(
            f"level points must be whole numbers separated by commas, got {value!r}"
        ) from None
    check_level_points(numbers)
    return numbers


def check_level_points(numbers: Sequence[int]) -> None:
    if not 2 <= len(numbers) <= MAX_LEVELS:
        raise InvalidValue(f"level points must list 2 to {MAX_LEVELS} levels, got {len(numbers)}")
    if any(n < 0 for n in numbers):
        raise InvalidValue(f"level points must not be negative, got {list(numbers)}")
    if numbers[0] != 0:
        raise InvalidValue(f"level points must start at 0 (the first level), got {numbers[0]}")
    if any(b <= a for a, b in pairwise(numbers)):
        raise InvalidValue(f"level points must be strictly increasing, got {list(numbers)}")


def parse_level_names(value: str) -> tuple[str, ...]:
    """``新生,学员,骨干,导师,元老``; ``default`` (or ``-``) goes back to the defaults."""
    text = str(value).strip()
    if text.lower() in ("default", "-", "none"):
        return ()
    names = tuple(n.strip() for n in text.replace("，", ",").split(","))
    if any(not n for n in names):
        raise InvalidValue(f"level names must not be empty, got {value!r}")
    if any(len(n) > NAME_MAX_CHARS for n in names):
        raise InvalidValue(f"level names must be at most {NAME_MAX_CHARS} characters each")
    if len(set(names)) != len(names):
        raise InvalidValue(f"level names must differ from each other, got {value!r}")
    return names


def still_needed(facts: Facts, thresholds: Sequence[int], level: int) -> dict[str, int]:
    """What the rung after ``level`` still needs, by kind (``points``, ``best_streak``,
    ``homework_cycles``, ``reviews_given``, ``days_in``: the target, not the gap); empty at
    the top of the ladder."""
    rung = level + 1
    if rung > len(thresholds):
        return {}
    needs: dict[str, int] = {}
    if facts.points < thresholds[rung - 1]:
        needs["points"] = thresholds[rung - 1] - facts.points
    wanted = requirement(rung)
    for kind in ("best_streak", "homework_cycles", "reviews_given", "days_in"):
        target = getattr(wanted, kind)
        if getattr(facts, kind) < target:
            needs[kind] = target
    return needs
