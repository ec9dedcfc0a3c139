"""The monthly goal (每月同读一本书): what an admin's goal and a member's progress report
say, and what a month's progress adds up to. Pure: no storage, no clock.

A goal has a title, a whole-number target above zero and a unit (``读完《原则》 300页``,
``"Principles" 300 pages``, ``冥想 20 小时``). A member reports progress as a cumulative
value (``进度 120``) or an increase (``进度 +20``), never below zero nor above the target.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

TITLE_MAX_CHARS = 60
UNIT_MAX_CHARS = 12
# Far above any real month (pages, minutes, kilometres): a typo of extra zeros is refused.
TARGET_MAX = 1_000_000
BOARD_SIZE = 5

# The target and its unit close the goal: ``<title> <number>[ ]<unit>``.
_GOAL = re.compile(r"^(?P<title>.*?)\s*(?P<target>[+-]?\d[\d,]*)\s*(?P<unit>[^\d\s][^\d]*)$")
_QUOTES = "\"'“”‘’「」『』"
_PROGRESS = re.compile(r"^(?P<sign>[+＋-])?\s*(?P<value>\d+)\s*(?P<unit>\D*)$")

OFF_WORDS = frozenset({"off", "clear", "none", "关闭", "清除", "取消", "关"})
BOARD_WORDS = frozenset({"board", "榜", "排行", "排行榜", "目标榜"})


class GoalRefusal(Enum):
    USAGE = "usage"  # no number and unit at the end, or no title
    TARGET = "target"  # zero, negative or absurdly large
    TITLE = "title"  # too long


class ProgressRefusal(Enum):
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    ABOVE_TARGET = "above_target"


@dataclass(frozen=True)
class Goal:
    title: str
    target: int
    unit: str


@dataclass(frozen=True)
class Report:
    """A progress report as typed: ``value`` is the new total, or with ``relative`` the
    amount to add to the current one."""

    value: int
    relative: bool


def parse_goal(text: str) -> Goal | GoalRefusal:
    """``读完《原则》 300页`` → Goal("读完《原则》", 300, "页"); quotes around the title go."""
    text = " ".join((text or "").split())
    match = _GOAL.match(text)
    if match is None:
        return GoalRefusal.USAGE
    title = match.group("title").strip().strip(_QUOTES).strip()
    unit = match.group("unit").strip()
    if not title or not unit or len(unit) > UNIT_MAX_CHARS:
        return GoalRefusal.USAGE
    if len(title) > TITLE_MAX_CHARS:
        return GoalRefusal.TITLE
    raw = match.group("target").replace(",", "")
    target = int(raw)
    if target <= 0 or target > TARGET_MAX:
        return GoalRefusal.TARGET
    return Goal(title, target, unit)


def parse_report(text: str, unit: str) -> Report | ProgressRefusal:
    """``120``, ``+20`` or ``120页`` (the goal's own unit may follow the number)."""
    text = (text or "").strip()
    match = _PROGRESS.match(text)
    if match is None:
        if re.match(r"^[-－−]\s*\d", text):
            return ProgressRefusal.NEGATIVE
        return ProgressRefusal.NOT_A_NUMBER
    typed_unit = match.group("unit").strip()
    if typed_unit and typed_unit.casefold() != unit.casefold():
        return ProgressRefusal.NOT_A_NUMBER
    sign = match.group("sign")
    if sign == "-":
        return ProgressRefusal.NEGATIVE
    return Report(int(match.group("value")), relative=sign is not None)


def progress_after(report: Report, current: int, target: int) -> int | ProgressRefusal:
    """The member's new total, or why it is refused (above the target)."""
    value = current + report.value if report.relative else report.value
    if value > target:
        return ProgressRefusal.ABOVE_TARGET
    return value


def percent(value: int, target: int) -> int:
    return min(100, value * 100 // target) if target > 0 else 0


@dataclass(frozen=True)
class Board:
    """A month's progress by member id: who finished, the leaders of those still going,
    and the community's total against target × members."""

    finished: tuple[str, ...]
    leaders: tuple[tuple[str, int], ...]
    reporting: int
    total: int
    possible: int


def board_of(goal: Goal, progress: Mapping[str, int], members: int) -> Board:
    """``progress`` maps a member id to their total; the board keeps ids (names are the
    caller's, so two members who share a name stay two). The community's total counts each
    member at most up to the target, so one enthusiast cannot fill it alone."""
    finished = tuple(sorted(uid for uid, v in progress.items() if v >= goal.target))
    going = sorted(
        ((uid, v) for uid, v in progress.items() if 0 < v < goal.target),
        key=lambda p: (-p[1], p[0]),
    )
    total = sum(min(v, goal.target) for v in progress.values())
    return Board(
        finished=finished,
        leaders=tuple(going[:BOARD_SIZE]),
        reporting=sum(1 for v in progress.values() if v > 0),
        total=total,
        possible=goal.target * max(members, len(progress)),
    )


def names_line(names: Iterable[str], separator: str, limit: int = 20) -> str:
    """Up to ``limit`` names, then ``…`` with how many more."""
    shown = list(names)
    if len(shown) <= limit:
        return separator.join(shown)
    return separator.join(shown[:limit]) + f" … (+{len(shown) - limit})"
