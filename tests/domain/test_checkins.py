"""The check-in rules on their own: runs, leave, make-ups, parsing, ranking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.checkins import (
    GAPS_KEPT_DAYS,
    Board,
    Leave,
    Link,
    MakeupRefusal,
    Streak,
    board_dates,
    chain_back,
    check_in,
    check_makeup,
    continues,
    cut_text,
    end_leave,
    gap_after_checkin,
    gap_entries,
    gaps_of,
    leave_of,
    live_streak,
    parse_board,
    parse_day,
    parse_leave_days,
    rank_standings,
    repair_with_makeup,
    take_leave,
)
from tests.helpers import member

TODAY = date(2026, 11, 23)  # a Monday
DAY = timedelta(days=1)


def d(n: int) -> date:
    """Day ``n`` of November 2026."""
    return date(2026, 11, n)


def fold(days: list[date], leave: Leave | None = None) -> Streak:
    streak = Streak()
    for day in days:
        streak = check_in(streak, day, leave)
    return streak


# -- runs ------------------------------------------------------------------------------------


def test_consecutive_days_extend_the_run_and_a_missed_day_restarts_it():
    assert fold([d(1), d(2), d(3)]) == Streak(current=3, best=3, last=d(3), checkins=3)
    assert fold([d(1), d(2), d(3), d(5)]) == Streak(current=1, best=3, last=d(5), checkins=4)


def test_a_gap_made_only_of_leave_days_neither_breaks_nor_extends_the_run():
    leave = Leave(start=d(3), until=d(6))
    assert fold([d(1), d(2), d(7)], leave).current == 3


def test_a_gap_that_begins_before_the_leave_breaks_the_run():
    """Leave taken after a missed day does not excuse the missed day."""
    leave = Leave(start=d(4), until=d(6))
    assert fold([d(1), d(2), d(7)], leave).current == 1


def test_leave_of_unknown_start_covers_every_day_up_to_its_end():
    """Imported members have leave_until but no leave_from, as Member.on_leave reads it."""
    assert continues(d(1), d(9), Leave(until=d(8)))
    assert not continues(d(1), d(10), Leave(until=d(8)))


def test_checking_in_the_same_day_again_changes_nothing():
    once = fold([d(1), d(2)])
    assert check_in(once, d(2), None) == once


def test_an_earlier_day_counts_but_leaves_the_run_alone():
    """Only when the local calendar moved backwards (a timezone change): never raise."""
    streak = fold([d(5), d(6)])
    assert check_in(streak, d(3), None) == Streak(current=2, best=2, last=d(6), checkins=3)


@pytest.mark.parametrize(
    ("last", "leave", "expected"),
    [
        pytest.param(d(23), None, 5, id="checked-in-today"),
        pytest.param(d(22), None, 5, id="yesterday-still-alive"),
        pytest.param(d(21), None, 0, id="missed-yesterday"),
        pytest.param(d(18), Leave(start=d(19), until=d(22)), 5, id="leave-since"),
        pytest.param(None, None, 0, id="never"),
    ],
)
def test_live_streak_is_kept_while_today_could_continue_it(last, leave, expected):
    streak = Streak(current=5 if last else 0, best=5, last=last, checkins=5)
    assert live_streak(streak, TODAY, leave) == expected


# -- properties: incremental counters equal a recount of the whole history ------------------


def recount(checked: set[date], end: date, leave: Leave | None) -> int:
    """The run ending at ``end``, counted the slow way, day by day backwards."""
    run, day, floor = 0, end, min(checked, default=end)
    while day >= floor:
        if day in checked:
            run += 1
        elif not (leave and leave.covers(day)):
            break
        day -= DAY
    return run


offsets = st.sets(st.integers(min_value=0, max_value=40), max_size=25)
leaves = st.one_of(
    st.none(),
    st.builds(
        lambda start, length, known: Leave(
            start=d(1) + timedelta(days=start) if known else None,
            until=d(1) + timedelta(days=start + length),
        ),
        st.integers(0, 40),
        st.integers(0, 14),
        st.booleans(),
    ),
)


@given(offsets, leaves)
def test_incremental_counters_equal_a_recount(days, leave):
    history = sorted(d(1) + timedelta(days=n) for n in days)
    streak = Streak()
    best = 0
    for i, day in enumerate(history):
        streak = check_in(streak, day, leave)
        best = max(best, recount(set(history[: i + 1]), day, leave))
        assert streak.current == recount(set(history[: i + 1]), day, leave)
        assert streak.best == best >= streak.current >= 1
        assert streak.checkins == i + 1
    assert live_streak(streak, history[-1] if history else d(1), leave) == streak.current


class History:
    """The store as the make-up rules see it: the member's counters and gaps (the member
    item), and the dates of their check-ins (the items, which keep no run)."""

    def __init__(self, leave: Leave | None) -> None:
        self.leave = leave
        self.streak = Streak()
        self.gaps: dict[date, Link] = {}
        self.days: set[date] = set()

    def check_in(self, day: date) -> None:
        before = self.streak
        self.streak = check_in(before, day, self.leave)
        self.gaps |= gap_after_checkin(before, day)
        self.days.add(day)

    def make_up(self, day: date) -> None:
        if self.streak.last is not None and day < self.streak.last:
            window = {x for x in self.days if x >= day - DAY}
            chain = chain_back(self.streak, window, self.gaps)
            earlier = [x for x in chain if x < day]
            before = chain[max(earlier)] if earlier else None
        else:
            before = Link(self.streak.last, self.streak.current) if self.streak.last else None
        later = [x for x in self.days if x > day]
        repair = repair_with_makeup(self.streak, day, self.leave, before=before, later=later)
        self.gaps = {x: link for x, link in self.gaps.items() if x < day} | dict(repair.gaps)
        self.streak = repair.streak
        self.days.add(day)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 40)), min_size=1, max_size=30),
    leaves,
)
def test_makeups_find_every_run_back_from_the_member_item_exactly(operations, leave):
    """Whatever the order of check-ins and make-ups, the run found back from the member's
    counters and gaps at every check-in, the counters and their best equal a recount: the
    invariant the next repair relies on."""
    history = History(leave)
    for is_makeup, offset in operations:
        day = d(1) + timedelta(days=offset)
        if day in history.days:
            continue
        if is_makeup and history.streak.last is not None:
            history.make_up(day)
        elif history.streak.last is None or day > history.streak.last:
            history.check_in(day)
        else:
            continue
        checked = history.days
        ordered = sorted(checked)
        chain = chain_back(history.streak, checked, history.gaps)
        for i, x in enumerate(ordered):
            assert chain[x].run == recount(checked, x, leave), x
            assert chain[x].prev == (ordered[i - 1] if i else None), x
        assert history.streak.last == ordered[-1]
        assert history.streak.current == recount(checked, ordered[-1], leave)
        assert history.streak.best == max(recount(checked, x, leave) for x in ordered)
        assert history.streak.checkins == len(checked)


def test_making_up_the_only_missed_day_joins_the_two_runs():
    history = History(None)
    for n in (18, 19, 20, 21, 23):
        history.check_in(d(n))
    assert history.streak.current == 1
    assert history.gaps == {d(23): Link(d(21), 4)}, "the run the gap ended, kept"
    history.make_up(d(22))
    assert history.streak == Streak(current=6, best=6, last=d(23), checkins=6)
    assert history.gaps == {}


def test_the_member_item_keeps_only_recent_gaps_as_short_strings():
    gaps = {d(2): Link(d(1), 3), d(23): Link(d(20), 5)}
    kept = gap_entries(gaps, d(23) + timedelta(days=GAPS_KEPT_DAYS - 21))
    assert kept == ("2026-11-23 2026-11-20 5",)
    assert gaps_of(member("u1", gaps=kept)) == {d(23): Link(d(20), 5)}


def test_a_check_in_item_from_before_the_gaps_still_gives_its_run():
    """An old item keeps its run and previous date: where the member item names no gap,
    the walk back reads it (and its previous check-in's run, one less when it continued)."""
    stored = {d(23): Link(d(23), 6, d(20)), d(20): Link(d(20), 5, d(19))}
    chain = chain_back(Streak(6, 6, d(23), 9), {d(20), d(23)}, {}, stored)
    assert chain[d(20)] == Link(d(20), 5, d(19)) and chain[d(19)] == Link(d(19), 4)


def test_a_repair_missing_the_last_checkin_keeps_the_counters_rather_than_guess():
    """A crash between the two writes of a check-in can leave the member's last check-in
    unreadable; the repair must not invent a run for it."""
    streak = Streak(current=4, best=9, last=d(23), checkins=10)
    repair = repair_with_makeup(streak, d(21), None, before=Link(d(20), 2, None), later=[])
    assert repair.streak == Streak(current=4, best=9, last=d(23), checkins=11)
    assert repair.link == Link(d(21), 3, d(20))


# -- make-up validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "used", "expected"),
    [
        pytest.param(d(22), 0, None, id="yesterday"),
        pytest.param(d(20), 1, None, id="window-edge"),
        pytest.param(d(19), 0, MakeupRefusal.TOO_OLD, id="before-window"),
        pytest.param(d(23), 0, MakeupRefusal.TODAY, id="today"),
        pytest.param(d(24), 0, MakeupRefusal.FUTURE, id="tomorrow"),
        pytest.param(d(22), 2, MakeupRefusal.LIMIT, id="used-up"),
    ],
)
def test_makeup_is_allowed_inside_the_window_and_the_monthly_limit(day, used, expected):
    assert check_makeup(day, TODAY, window_days=3, per_month=2, used_this_month=used) == expected


@pytest.mark.parametrize(("window", "per_month"), [(0, 2), (3, 0)])
def test_a_community_can_turn_makeups_off(window, per_month):
    refusal = check_makeup(d(22), TODAY, window_days=window, per_month=per_month)
    assert refusal is MakeupRefusal.DISABLED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21", d(21)),
        ("2026/11/21", d(21)),
        ("2026年11月21日", d(21)),
        ("11-21", d(21)),
        ("11/21", d(21)),
        ("11月21号", d(21)),
        ("１１／２１", d(21)),
        ("昨天", d(22)),
        ("yesterday", d(22)),
        ("Yesterday", d(22)),
        ("前天", d(21)),
        ("12-25", date(2026, 12, 25)),
    ],
)
def test_makeup_dates_are_read_in_several_spellings(text, expected):
    assert parse_day(text, TODAY) == expected


def test_a_month_day_means_the_nearest_such_date():
    """On 2 January, 12-31 is two days ago, not eleven months ahead."""
    assert parse_day("12-31", date(2027, 1, 2)) == date(2026, 12, 31)
    assert parse_day("01-02", date(2026, 12, 31)) == date(2027, 1, 2)


@pytest.mark.parametrize(
    "text", ["", "hello", "2026-13-01", "2026-02-30", "02-29", "0000-01-01", "11-21-2026", "3"]
)
def test_malformed_makeup_dates_are_none_not_errors(text):
    assert parse_day(text, TODAY) is None


@given(st.text(max_size=30), st.dates())
def test_parsing_a_date_never_raises(text, today):
    parse_day(text, today)


# -- leave -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", 1),
        ("3", 3),
        ("3天", 3),
        ("3 天", 3),
        ("3 days", 3),
        ("1 day", 1),
        ("三", 3),
        ("两天", 2),
        ("十四天 出差", 14),
        ("二十", 20),
        ("5 回老家", 5),
        ("０", 0),
        ("abc", None),
        ("三十三十", None),
        ("999999", None),
    ],
)
def test_leave_days_are_read_from_digits_or_chinese_numerals(args, expected):
    assert parse_leave_days(args) == expected


def test_leave_starts_today_and_lasts_n_days():
    assert take_leave(None, TODAY, 3) == Leave(start=d(23), until=d(25))


def test_a_new_request_continues_a_running_or_just_ended_leave():
    """Back-to-back requests must bridge a streak as one period."""
    running = Leave(start=d(20), until=d(24))
    assert take_leave(running, TODAY, 5) == Leave(start=d(20), until=d(27))
    ended_yesterday = Leave(start=d(20), until=d(22))
    assert take_leave(ended_yesterday, TODAY, 1) == Leave(start=d(20), until=d(23))
    ended_before = Leave(start=d(10), until=d(21))
    assert take_leave(ended_before, TODAY, 1) == Leave(start=d(23), until=d(23))


def test_back_ends_the_leave_yesterday_or_removes_one_that_began_today():
    assert end_leave(Leave(start=d(20), until=d(30)), TODAY) == Leave(start=d(20), until=d(22))
    assert end_leave(Leave(start=d(23), until=d(30)), TODAY) is None
    past = Leave(start=d(1), until=d(5))
    assert end_leave(past, TODAY) == past


def test_leave_of_reads_the_member_fields():
    assert leave_of(member("u1")) is None
    m = member("u1", leave_from=d(20), leave_until=d(25))
    assert leave_of(m) == Leave(start=d(20), until=d(25))


# -- notes, boards, ranking ------------------------------------------------------------------


def test_long_notes_are_cut_not_refused():
    assert cut_text("  hi  ", 500) == ("hi", False)
    text, cut = cut_text("字" * 600, 500)
    assert (len(text), cut) == (500, True)


def test_boards_cover_the_iso_week_and_the_month_up_to_today():
    wednesday = d(25)
    assert board_dates(Board.WEEK, wednesday) == (d(23), d(25))
    assert board_dates(Board.MONTH, wednesday) == (d(1), d(25))
    assert board_dates(Board.ALL, wednesday) is None
    assert parse_board("") is Board.WEEK
    assert parse_board("月") is Board.MONTH
    assert parse_board("ALL") is Board.ALL
    assert parse_board("yearly") is None


def test_ranking_orders_by_checkins_then_streak_and_ties_share_a_rank():
    standings = rank_standings(
        [
            ("a", "Ann", 5, 2),
            ("b", "bob", 7, 1),
            ("c", "Cat", 5, 3),
            ("d", "Dan", 5, 2),
            ("e", "Eve", 0, 0),
        ]
    )
    assert [(s.rank, s.user_id) for s in standings] == [(1, "b"), (2, "c"), (3, "a"), (3, "d")]
