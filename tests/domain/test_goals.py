"""The monthly goal's pure rules: what a goal and a progress report say, and the board."""

from __future__ import annotations

import pytest

from chalicelib.domain.goals import (
    TARGET_MAX,
    Goal,
    GoalRefusal,
    ProgressRefusal,
    Report,
    board_of,
    parse_goal,
    parse_report,
    percent,
    progress_after,
)


@pytest.mark.parametrize(
    "text, goal",
    [
        ("读完《原则》 300页", Goal("读完《原则》", 300, "页")),
        ("读完《原则》300页", Goal("读完《原则》", 300, "页")),
        ("冥想 20 小时", Goal("冥想", 20, "小时")),
        ('"Principles" 300 pages', Goal("Principles", 300, "pages")),
        ("“Principles” 1,200 pages", Goal("Principles", 1200, "pages")),
        ("Run 10 km", Goal("Run", 10, "km")),
        ("Read Deep Work 2 books", Goal("Read Deep Work", 2, "books")),
    ],
)
def test_a_goal_is_a_title_a_target_and_a_unit(text, goal):
    assert parse_goal(text) == goal


@pytest.mark.parametrize(
    "text, refusal",
    [
        ("", GoalRefusal.USAGE),
        ("读完《原则》", GoalRefusal.USAGE),  # no target
        ("300页", GoalRefusal.USAGE),  # no title
        ("Principles 300", GoalRefusal.USAGE),  # no unit
        ("Principles 0 pages", GoalRefusal.TARGET),
        ("Principles -5 pages", GoalRefusal.TARGET),
        (f"Principles {TARGET_MAX + 1} pages", GoalRefusal.TARGET),
        ("x" * 61 + " 3 pages", GoalRefusal.TITLE),
    ],
)
def test_a_goal_without_a_positive_target_a_unit_or_a_short_title_is_refused(text, refusal):
    assert parse_goal(text) is refusal


@pytest.mark.parametrize(
    "text, report",
    [
        ("120", Report(120, relative=False)),
        ("0", Report(0, relative=False)),
        ("+20", Report(20, relative=True)),
        ("＋20", Report(20, relative=True)),
        ("+ 20", Report(20, relative=True)),
        ("120页", Report(120, relative=False)),
        ("120 Pages", Report(120, relative=False)),  # the goal's own unit, any case
    ],
)
def test_progress_is_a_total_or_an_increase(text, report):
    assert parse_report(text, "pages" if "P" in text else "页") == report


@pytest.mark.parametrize(
    "text, refusal",
    [
        ("-5", ProgressRefusal.NEGATIVE),
        ("－5", ProgressRefusal.NEGATIVE),
        ("abc", ProgressRefusal.NOT_A_NUMBER),
        ("1.5", ProgressRefusal.NOT_A_NUMBER),
        ("120 km", ProgressRefusal.NOT_A_NUMBER),  # not the goal's unit
        ("", ProgressRefusal.NOT_A_NUMBER),
    ],
)
def test_progress_that_is_negative_or_not_a_number_is_refused(text, refusal):
    assert parse_report(text, "页") is refusal


def test_progress_may_reach_the_target_but_never_pass_it():
    assert progress_after(Report(300, False), 120, 300) == 300
    assert progress_after(Report(20, True), 120, 300) == 140
    assert progress_after(Report(301, False), 0, 300) is ProgressRefusal.ABOVE_TARGET
    assert progress_after(Report(181, True), 120, 300) is ProgressRefusal.ABOVE_TARGET
    assert progress_after(Report(50, False), 120, 300) == 50  # a total may be corrected down


def test_the_board_adds_up():
    goal = Goal("Principles", 300, "pages")
    progress = {"Amy": 300, "Bob": 120, "Cy": 0, "Dee": 250, "Eve": 300}
    board = board_of(goal, progress, members=10)
    assert board.finished == ("Amy", "Eve")
    assert board.leaders == (("Dee", 250), ("Bob", 120))
    assert board.reporting == 4
    assert board.total == 300 + 120 + 250 + 300
    assert board.possible == 300 * 10
    assert percent(board.total, board.possible) == 32


def test_percent_is_whole_and_capped():
    assert percent(1, 3) == 33 and percent(5, 3) == 100 and percent(1, 0) == 0
