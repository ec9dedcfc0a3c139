"""Local dates, DST-proof schedules and homework cycles, checked at explicit instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import CycleCalendar, LocalCalendar, UnknownTimezone, zone

BERLIN = LocalCalendar("Europe/Berlin")
NEW_YORK = LocalCalendar("America/New_York")
SHANGHAI = LocalCalendar("Asia/Shanghai")
SHANGHAI_NIGHT_OWLS = LocalCalendar("Asia/Shanghai", time(4, 0))
HOUR = timedelta(hours=1)
MONDAY = date(2026, 11, 2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(calendar: LocalCalendar, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=calendar.tz, fold=fold)


def offset_hours(calendar: LocalCalendar, instant: datetime) -> float:
    return instant.astimezone(calendar.tz).utcoffset() / HOUR


def wall(calendar: LocalCalendar, instant: datetime) -> datetime:
    return instant.astimezone(calendar.tz).replace(tzinfo=None)


def daily_runs(calendar: LocalCalendar, after: datetime, t: time, count: int) -> list[datetime]:
    runs = []
    for _ in range(count):
        after = calendar.next_daily(after, t)
        runs.append(after)
    return runs


# -- timezones ---------------------------------------------------------------------------------


def test_zone_is_cached_and_returns_the_same_object() -> None:
    assert zone("Asia/Shanghai") is zone("Asia/Shanghai")
    assert str(zone("Asia/Shanghai")) == "Asia/Shanghai"


@pytest.mark.parametrize(
    "name",
    [
        "",
        " ",
        "../x",
        "/etc/passwd",
        "../../etc/passwd",
        "UTC+8",
        "GMT+8",
        "asia/shanghai",
        "Asia/Shanghai ",
        "Mars/Olympus_Mons",
        "localtime",
        "right/Asia/Shanghai",
        "posix/Asia/Shanghai",
        "Asia",
    ],
)
def test_zone_rejects_names_that_are_not_iana_zones(name: str) -> None:
    with pytest.raises(UnknownTimezone) as raised:
        zone(name)
    assert str(raised.value) == (
        f"unknown timezone '{name}' (use an IANA name such as Asia/Shanghai)"
    )


def test_unknown_timezone_is_a_value_error_and_local_calendar_fails_at_construction() -> None:
    assert issubclass(UnknownTimezone, ValueError)
    with pytest.raises(UnknownTimezone):
        LocalCalendar("UTC+8")


def test_fixed_offset_etc_zones_are_still_accepted_because_they_are_iana_names() -> None:
    # Etc/GMT-14 is UTC+14 (POSIX sign inversion); it is a real IANA name.
    assert LocalCalendar("Etc/GMT-14").local_date(utc(2026, 11, 20, 12)) == date(2026, 11, 21)


# -- naive input -------------------------------------------------------------------------------


NAIVE = datetime(2026, 11, 21, 12, 0)  # deliberately naive


@pytest.mark.parametrize(
    "call",
    [
        lambda: SHANGHAI.local_date(NAIVE),
        lambda: SHANGHAI.period_date(NAIVE),
        lambda: SHANGHAI.next_daily(NAIVE, time(21)),
        lambda: SHANGHAI.next_weekly(NAIVE, 6, time(21)),
        lambda: SHANGHAI.next_monthly(NAIVE, 1, time(10)),
        lambda: CycleCalendar(SHANGHAI, date(2026, 11, 2)).cycle_of(NAIVE),
    ],
)
def test_naive_datetimes_are_rejected_with_value_error(call) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()


def test_wall_times_with_a_timezone_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive local wall time"):
        SHANGHAI.at_local(date(2026, 11, 21), time(9, tzinfo=UTC))
    with pytest.raises(ValueError):
        LocalCalendar("Asia/Shanghai", time(4, tzinfo=UTC))


def test_wrong_types_are_type_errors_not_silent_truncation() -> None:
    with pytest.raises(TypeError):
        SHANGHAI.day_start(utc(2026, 11, 21))  # a datetime would silently lose its time
    with pytest.raises(TypeError):
        SHANGHAI.local_date(date(2026, 11, 21))
    with pytest.raises(TypeError):
        SHANGHAI.next_daily(utc(2026, 11, 21), "21:00")
    with pytest.raises(TypeError):
        CycleCalendar("Asia/Shanghai", MONDAY)


def test_instants_in_any_zone_give_the_same_answer() -> None:
    instant = utc(2026, 11, 20, 16, 1)
    assert SHANGHAI.local_date(instant) == SHANGHAI.local_date(instant.astimezone(BERLIN.tz))
    assert SHANGHAI.next_daily(instant, time(21)) == SHANGHAI.next_daily(
        instant.astimezone(NEW_YORK.tz), time(21)
    )


# -- days around DST -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "day", "start", "end", "hours"),
    [
        (BERLIN, date(2026, 3, 29), utc(2026, 3, 28, 23), utc(2026, 3, 29, 22), 23),
        (BERLIN, date(2026, 10, 25), utc(2026, 10, 24, 22), utc(2026, 10, 25, 23), 25),
        (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 5), utc(2026, 3, 9, 4), 23),
        (NEW_YORK, date(2026, 11, 1), utc(2026, 11, 1, 4), utc(2026, 11, 2, 5), 25),
        (BERLIN, date(2026, 3, 30), utc(2026, 3, 29, 22), utc(2026, 3, 30, 22), 24),
    ],
)
def test_dst_days_last_23_or_25_hours(calendar, day, start, end, hours) -> None:
    assert calendar.day_start(day) == start
    assert calendar.day_end(day) == end
    assert calendar.day_end(day) - calendar.day_start(day) == timedelta(hours=hours)
    assert calendar.day_start(day).tzinfo is UTC


@pytest.mark.parametrize(
    ("calendar", "day", "t", "expected", "local_offset"),
    [
        # Spring forward: 02:30 does not exist, the first valid instant after the gap is 03:00.
        (BERLIN, date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1), 2),
        (BERLIN, date(2026, 3, 29), time(2, 0), utc(2026, 3, 29, 1), 2),
        (BERLIN, date(2026, 3, 29), time(3, 0), utc(2026, 3, 29, 1), 2),
        (BERLIN, date(2026, 3, 29), time(1, 59), utc(2026, 3, 29, 0, 59), 1),
        (NEW_YORK, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7), -4),
        # Fall back: 02:30 (Berlin) and 01:30 (New York) happen twice; the first one wins.
        (BERLIN, date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30), 2),
        (BERLIN, date(2026, 10, 25), time(3, 0), utc(2026, 10, 25, 2), 1),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30), -4),
        (NEW_YORK, date(2026, 11, 1), time(2, 0), utc(2026, 11, 1, 7), -5),
    ],
)
def test_at_local_resolves_gaps_forward_and_folds_to_the_first_occurrence(
    calendar, day, t, expected, local_offset
) -> None:
    instant = calendar.at_local(day, t)
    assert instant == expected
    assert instant.tzinfo is UTC
    assert offset_hours(calendar, instant) == local_offset


def test_at_local_ignores_the_fold_attribute_of_the_wall_time() -> None:
    assert BERLIN.at_local(date(2026, 10, 25), time(2, 30, fold=1)) == utc(2026, 10, 25, 0, 30)


def test_both_occurrences_of_a_repeated_hour_belong_to_the_same_local_date() -> None:
    first = local(BERLIN, 2026, 10, 25, 2, 30, fold=0)
    second = local(BERLIN, 2026, 10, 25, 2, 30, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == HOUR  # same-zone math ignores fold
    assert BERLIN.local_date(first) == BERLIN.local_date(second) == date(2026, 10, 25)


def test_a_boundary_inside_the_repeated_hour_never_sends_the_date_backwards() -> None:
    calendar = LocalCalendar("Europe/Berlin", time(2, 30))
    new_day = calendar.day_start(date(2026, 10, 25))
    assert new_day == utc(2026, 10, 25, 0, 30)  # the first 02:30 (CEST)
    second_0210 = local(calendar, 2026, 10, 25, 2, 10, fold=1)  # 01:10Z, after the boundary
    assert calendar.local_date(second_0210) == date(2026, 10, 25)
    assert calendar.local_date(new_day - timedelta(microseconds=1)) == date(2026, 10, 24)


# -- daily schedules across DST ------------------------------------------------------------------


def test_next_daily_runs_once_through_the_spring_forward_gap_at_the_first_valid_instant() -> None:
    runs = daily_runs(BERLIN, utc(2026, 3, 26, 12), time(2, 30), 4)
    assert runs == [
        utc(2026, 3, 27, 1, 30),  # 02:30 CET
        utc(2026, 3, 28, 1, 30),  # 02:30 CET
        utc(2026, 3, 29, 1, 0),  # 03:00 CEST: 02:30 does not exist that night
        utc(2026, 3, 30, 0, 30),  # 02:30 CEST
    ]
    assert [offset_hours(BERLIN, run) for run in runs] == [1, 1, 2, 2]
    assert [BERLIN.period_date(run) for run in runs] == [
        date(2026, 3, 27),
        date(2026, 3, 28),
        date(2026, 3, 29),
        date(2026, 3, 30),
    ]


def test_next_daily_runs_once_through_the_fall_back_fold() -> None:
    runs = daily_runs(BERLIN, utc(2026, 10, 23, 12), time(2, 30), 3)
    assert runs == [
        utc(2026, 10, 24, 0, 30),  # 02:30 CEST
        utc(2026, 10, 25, 0, 30),  # first 02:30 (CEST); the second one at 01:30Z is skipped
        utc(2026, 10, 26, 1, 30),  # 02:30 CET
    ]
    assert [offset_hours(BERLIN, run) for run in runs] == [2, 2, 1]


def test_next_daily_does_not_rerun_at_the_second_occurrence_of_a_repeated_wall_time() -> None:
    first_run = NEW_YORK.next_daily(utc(2026, 11, 1, 0), time(1, 30))
    assert first_run == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    assert NEW_YORK.next_daily(first_run, time(1, 30)) == utc(2026, 11, 2, 6, 30)  # 01:30 EST


@pytest.mark.parametrize(
    ("calendar", "after", "t", "expected_utc", "expected_offsets"),
    [
        (
            NEW_YORK,
            utc(2026, 3, 6, 15),
            time(9),
            [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13), utc(2026, 3, 9, 13)],
            [-5, -4, -4],
        ),
        (
            NEW_YORK,
            utc(2026, 10, 30, 15),
            time(21),
            [utc(2026, 10, 31, 1), utc(2026, 11, 1, 1), utc(2026, 11, 2, 2)],
            [-4, -4, -5],
        ),
        (
            NEW_YORK,
            utc(2026, 3, 6, 15),
            time(2, 30),
            [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)],
            [-5, -4, -4],
        ),
        (
            BERLIN,
            utc(2026, 10, 24, 0),
            time(21),
            [utc(2026, 10, 24, 19), utc(2026, 10, 25, 20), utc(2026, 10, 26, 20)],
            [2, 1, 1],
        ),
    ],
)
def test_next_daily_keeps_the_wall_time_and_moves_the_utc_offset_across_dst(
    calendar, after, t, expected_utc, expected_offsets
) -> None:
    runs = daily_runs(calendar, after, t, 3)
    assert runs == expected_utc
    assert [offset_hours(calendar, run) for run in runs] == expected_offsets
    dates = [calendar.period_date(run) for run in runs]
    assert [(b - a).days for a, b in pairwise(dates)] == [1, 1]


def test_next_daily_is_strictly_after_even_when_after_is_exactly_a_run() -> None:
    run = SHANGHAI.next_daily(utc(2026, 11, 20, 12), time(21))
    assert run == utc(2026, 11, 20, 13)
    assert SHANGHAI.next_daily(run, time(21)) == utc(2026, 11, 21, 13)
    assert SHANGHAI.next_daily(run - timedelta(microseconds=1), time(21)) == run


def test_boundary_and_job_in_the_same_gap_still_get_one_run_per_local_date() -> None:
    # Helsinki jumps 03:00 -> 04:00 on 2026-03-29. With a 04:00 boundary, the 03:30 last call
    # of 2026-03-28 cannot run "after the gap" (that is already 03-29), so it runs just before.
    helsinki = LocalCalendar("Europe/Helsinki", time(4, 0))
    runs = daily_runs(helsinki, utc(2026, 3, 26, 12), time(3, 30), 4)
    assert runs == [
        utc(2026, 3, 27, 1, 30),  # 03:30 EET
        utc(2026, 3, 28, 1, 30),  # 03:30 EET
        utc(2026, 3, 29, 1) - timedelta(microseconds=1),  # just before 03:00 EET became 04:00
        utc(2026, 3, 30, 0, 30),  # 03:30 EEST
    ]
    assert [helsinki.period_date(run) for run in runs] == [
        date(2026, 3, 26),
        date(2026, 3, 27),
        date(2026, 3, 28),
        date(2026, 3, 29),
    ]


def test_a_local_date_that_never_happened_is_empty_and_skipped() -> None:
    # Samoa moved across the date line: 2011-12-29 23:59:59 was followed by 2011-12-31 00:00.
    apia = LocalCalendar("Pacific/Apia")
    skipped = date(2011, 12, 30)
    assert apia.day_start(skipped) == apia.day_end(skipped) == utc(2011, 12, 30, 10)
    assert apia.occurrence(skipped, time(9)) == apia.day_start(skipped)
    assert apia.local_date(utc(2011, 12, 30, 10)) == date(2011, 12, 31)
    assert apia.local_date(utc(2011, 12, 30, 9, 59)) == date(2011, 12, 29)
    runs = daily_runs(apia, utc(2011, 12, 29, 12), time(9), 3)
    assert [apia.period_date(run) for run in runs] == [
        date(2011, 12, 29),
        date(2011, 12, 31),
        date(2012, 1, 1),
    ]
    assert all(wall(apia, run).time() == time(9) for run in runs)


# -- far-east and far-west zones -----------------------------------------------------------------


def test_kiritimati_is_a_day_ahead_of_utc() -> None:
    kiritimati = LocalCalendar("Pacific/Kiritimati")
    instant = utc(2026, 11, 20, 12)
    assert kiritimati.local_date(instant) == date(2026, 11, 21)
    assert kiritimati.day_start(date(2026, 11, 21)) == utc(2026, 11, 20, 10)
    assert kiritimati.next_daily(instant, time(21)) == utc(2026, 11, 21, 7)


def test_pago_pago_is_behind_utc() -> None:
    pago_pago = LocalCalendar("Pacific/Pago_Pago")
    instant = utc(2026, 11, 21, 8)
    assert pago_pago.local_date(instant) == date(2026, 11, 20)
    assert pago_pago.day_start(date(2026, 11, 20)) == utc(2026, 11, 20, 11)
    assert pago_pago.day_end(date(2026, 11, 20)) == utc(2026, 11, 21, 11)


def test_kiritimati_and_pago_pago_see_different_dates_at_the_same_instant() -> None:
    instant = utc(2026, 11, 21, 10, 30)  # 23:30 on the 20th in Pago Pago, 00:30 on the 22nd
    kiritimati = LocalCalendar("Pacific/Kiritimati").local_date(instant)
    pago_pago = LocalCalendar("Pacific/Pago_Pago").local_date(instant)
    assert (kiritimati - pago_pago).days == 2  # 25 hours apart on the wall clock


# -- Shanghai, with and without a day boundary --------------------------------------------------


def test_shanghai_one_minute_before_and_after_midnight_are_different_dates() -> None:
    assert SHANGHAI.local_date(local(SHANGHAI, 2026, 11, 20, 23, 59)) == date(2026, 11, 20)
    assert SHANGHAI.local_date(local(SHANGHAI, 2026, 11, 21, 0, 1)) == date(2026, 11, 21)
    assert SHANGHAI.local_date(utc(2026, 11, 20, 16, 1)) == date(2026, 11, 21)


def test_night_owl_boundary_moves_the_date_change_to_four_in_the_morning() -> None:
    owls = SHANGHAI_NIGHT_OWLS
    assert owls.local_date(local(owls, 2026, 11, 21, 3, 59)) == date(2026, 11, 20)
    assert owls.local_date(local(owls, 2026, 11, 21, 4, 0)) == date(2026, 11, 21)
    assert owls.local_date(local(owls, 2026, 11, 21, 0, 1)) == date(2026, 11, 20)
    assert owls.day_start(date(2026, 11, 21)) == utc(2026, 11, 20, 20)
    assert owls.day_end(date(2026, 11, 20)) == utc(2026, 11, 20, 20)


def test_a_1am_last_call_belongs_to_the_previous_local_date_with_a_4am_boundary() -> None:
    owls = SHANGHAI_NIGHT_OWLS
    run = owls.next_daily(local(owls, 2026, 11, 20, 12), time(1, 0))
    assert run == local(owls, 2026, 11, 21, 1, 0)
    assert owls.period_date(run) == owls.local_date(run) == date(2026, 11, 20)
    assert owls.occurrence(date(2026, 11, 20), time(1, 0)) == run
    assert owls.occurrence(date(2026, 11, 20), time(21, 0)) == local(owls, 2026, 11, 20, 21)


# -- weekly and monthly --------------------------------------------------------------------------


def test_next_weekly_finds_the_coming_sunday_and_then_the_one_after() -> None:
    wednesday = local(SHANGHAI, 2026, 11, 18, 12)
    sunday = SHANGHAI.next_weekly(wednesday, 6, time(23, 59))
    assert sunday == local(SHANGHAI, 2026, 11, 22, 23, 59)
    assert SHANGHAI.next_weekly(sunday, 6, time(23, 59)) == local(SHANGHAI, 2026, 11, 29, 23, 59)
    assert SHANGHAI.next_weekly(sunday - HOUR, 6, time(23, 59)) == sunday


def test_next_weekly_weekday_is_the_local_date_so_1am_sunday_is_monday_morning_for_owls() -> None:
    owls = SHANGHAI_NIGHT_OWLS
    run = owls.next_weekly(local(owls, 2026, 11, 18, 12), 6, time(1, 0))
    assert run == local(owls, 2026, 11, 23, 1, 0)  # calendar Monday, local date Sunday
    assert owls.period_date(run).weekday() == 6


def test_next_weekly_keeps_wall_time_across_dst() -> None:
    run = BERLIN.next_weekly(utc(2026, 10, 20), 6, time(23, 59))
    assert run == utc(2026, 10, 25, 22, 59)  # 23:59 CET
    assert wall(BERLIN, run) == datetime(2026, 10, 25, 23, 59)


def test_next_monthly_runs_on_the_given_day_each_month() -> None:
    first = SHANGHAI.next_monthly(local(SHANGHAI, 2026, 11, 21, 12), 1, time(10))
    assert first == local(SHANGHAI, 2026, 12, 1, 10)
    second = SHANGHAI.next_monthly(first, 1, time(10))
    assert second == local(SHANGHAI, 2027, 1, 1, 10)
    same_month = SHANGHAI.next_monthly(local(SHANGHAI, 2026, 11, 21, 12), 28, time(10))
    assert same_month == local(SHANGHAI, 2026, 11, 28, 10)


def test_next_monthly_across_dst_keeps_the_local_wall_time() -> None:
    run = NEW_YORK.next_monthly(utc(2026, 10, 15), 1, time(10))
    assert run == utc(2026, 11, 1, 15)  # 10:00 EST, the day clocks went back


@pytest.mark.parametrize("day", [0, 29, 31, -1])
def test_next_monthly_rejects_days_that_some_months_lack(day: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.28"):
        SHANGHAI.next_monthly(utc(2026, 11, 21), day, time(10))


@pytest.mark.parametrize("weekday", [-1, 7])
def test_next_weekly_rejects_weekdays_outside_monday_to_sunday(weekday: int) -> None:
    with pytest.raises(ValueError, match="weekday"):
        SHANGHAI.next_weekly(utc(2026, 11, 21), weekday, time(10))


# -- labels ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2026, 11, 21), "2026-W47"),
        (date(2026, 12, 31), "2026-W53"),
        (date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), "2027-W01"),
        (date(2024, 12, 30), "2025-W01"),
        (date(2021, 1, 3), "2020-W53"),
    ],
)
def test_iso_week_uses_the_iso_year_at_year_boundaries(day: date, label: str) -> None:
    assert SHANGHAI.iso_week(day) == label


def test_month_label_is_zero_padded() -> None:
    assert SHANGHAI.month(date(2026, 3, 9)) == "2026-03"
    assert SHANGHAI.month(date(2026, 11, 21)) == "2026-11"


@pytest.mark.parametrize(
    ("month", "previous"),
    [
        ("2026-01", "2025-12"),
        ("2026-11", "2026-10"),
        ("2026-10", "2026-09"),
        ("0999-01", "0998-12"),
    ],
)
def test_previous_month_crosses_year_boundaries(month: str, previous: str) -> None:
    assert SHANGHAI.previous_month(month) == previous


@pytest.mark.parametrize(
    ("month", "bounds"),
    [
        ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),
        ("2026-02", (date(2026, 2, 1), date(2026, 2, 28))),
        ("2000-02", (date(2000, 2, 1), date(2000, 2, 29))),
        ("2100-02", (date(2100, 2, 1), date(2100, 2, 28))),
        ("2026-12", (date(2026, 12, 1), date(2026, 12, 31))),
        ("2026-04", (date(2026, 4, 1), date(2026, 4, 30))),
        ("9999-12", (date(9999, 12, 1), date(9999, 12, 31))),  # was an OverflowError
        ("0001-01", (date(1, 1, 1), date(1, 1, 31))),
    ],
)
def test_month_bounds_know_month_lengths_and_leap_years(month, bounds) -> None:
    assert SHANGHAI.month_bounds(month) == bounds


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "", None])
def test_malformed_month_labels_are_rejected(month) -> None:
    with pytest.raises(ValueError, match="month"):
        SHANGHAI.previous_month(month)
    with pytest.raises(ValueError, match="month"):
        SHANGHAI.month_bounds(month)


# -- cycles ----------------------------------------------------------------------------------------

WEEKLY = CycleCalendar(SHANGHAI, MONDAY)


def test_cycle_deadline_is_sunday_2359_local_and_weekly_from_a_monday_anchor() -> None:
    assert WEEKLY.deadline(1) == local(SHANGHAI, 2026, 11, 8, 23, 59)
    assert WEEKLY.deadline(2) == local(SHANGHAI, 2026, 11, 15, 23, 59)
    assert WEEKLY.deadline(3) - WEEKLY.deadline(2) == timedelta(days=7)
    assert WEEKLY.deadline(1).tzinfo is UTC


def test_an_instant_exactly_at_the_deadline_is_on_time_and_one_second_later_is_next_cycle() -> None:
    deadline = WEEKLY.deadline(1)
    assert WEEKLY.cycle_of(deadline) == 1
    assert WEEKLY.cycle_of(deadline + timedelta(seconds=1)) == 2
    assert WEEKLY.cycle_of(deadline + timedelta(microseconds=1)) == 2
    assert WEEKLY.cycle_of(deadline - timedelta(seconds=1)) == 1


def test_cycle_one_starts_at_the_anchor_day_start_and_earlier_is_cycle_zero() -> None:
    start = SHANGHAI.day_start(MONDAY)
    assert WEEKLY.start(1) == WEEKLY.deadline(0) == start
    assert WEEKLY.cycle_of(start) == 1
    assert WEEKLY.cycle_of(start - timedelta(microseconds=1)) == 0
    assert WEEKLY.cycle_of(utc(2020, 1, 1)) == 0


def test_cycle_start_is_the_previous_deadline() -> None:
    for n in range(2, 10):
        assert WEEKLY.start(n) == WEEKLY.deadline(n - 1)
        assert WEEKLY.cycle_of(WEEKLY.start(n)) == n - 1
        assert WEEKLY.cycle_of(WEEKLY.start(n) + timedelta(microseconds=1)) == n


def test_cycle_of_far_in_the_future_counts_weeks() -> None:
    assert WEEKLY.cycle_of(local(SHANGHAI, 2027, 11, 3, 12)) == 53


def test_a_mid_week_anchor_gives_a_short_first_cycle() -> None:
    wednesday = CycleCalendar(SHANGHAI, date(2026, 11, 4))
    assert wednesday.deadline(1) == local(SHANGHAI, 2026, 11, 8, 23, 59)
    assert wednesday.deadline(2) == local(SHANGHAI, 2026, 11, 15, 23, 59)
    sunday = CycleCalendar(SHANGHAI, date(2026, 11, 8))
    assert sunday.deadline(1) == local(SHANGHAI, 2026, 11, 8, 23, 59)  # a one-day cycle 1


def test_a_deadline_at_the_day_boundary_on_the_anchor_moves_one_cycle_later() -> None:
    # Sunday 00:00 on a Sunday anchor would close cycle 1 the instant it opens.
    cycles = CycleCalendar(SHANGHAI, date(2026, 11, 8), deadline_time=time(0, 0))
    assert cycles.deadline(1) == local(SHANGHAI, 2026, 11, 15, 0, 0)
    assert cycles.deadline(1) > cycles.start(1)


def test_weekly_cycle_keeps_its_deadline_at_2359_local_across_dst() -> None:
    cycles = CycleCalendar(BERLIN, date(2026, 10, 12))
    summer, winter = cycles.deadline(1), cycles.deadline(2)
    assert summer == utc(2026, 10, 18, 21, 59)  # 23:59 CEST
    assert winter == utc(2026, 10, 25, 22, 59)  # 23:59 CET
    assert wall(BERLIN, summer).time() == wall(BERLIN, winter).time() == time(23, 59)
    assert winter - summer == timedelta(days=7, hours=1)  # the cycle with the 25-hour day
    assert cycles.cycle_of(winter) == 2
    assert cycles.cycle_of(winter + timedelta(seconds=1)) == 3

    spring = CycleCalendar(NEW_YORK, date(2026, 2, 23))
    assert spring.deadline(2) - spring.deadline(1) == timedelta(days=7, hours=-1)
    assert wall(NEW_YORK, spring.deadline(2)).time() == time(23, 59)


def test_night_owl_cycles_close_at_the_wall_time_within_the_sunday_local_date() -> None:
    cycles = CycleCalendar(SHANGHAI_NIGHT_OWLS, MONDAY, deadline_time=time(2, 0))
    assert cycles.deadline(1) == local(SHANGHAI, 2026, 11, 9, 2, 0)  # Sunday night, 02:00
    assert SHANGHAI_NIGHT_OWLS.local_date(cycles.deadline(1)).weekday() == 6


def test_non_weekly_cycles_end_on_their_last_local_date_and_ignore_the_weekday() -> None:
    fortnight = CycleCalendar(SHANGHAI, date(2026, 11, 4), length_days=14, deadline_weekday=2)
    assert fortnight.deadline(1) == local(SHANGHAI, 2026, 11, 17, 23, 59)
    assert fortnight.deadline(2) == local(SHANGHAI, 2026, 12, 1, 23, 59)
    daily = CycleCalendar(SHANGHAI, date(2026, 11, 4), length_days=1)
    assert daily.deadline(1) == local(SHANGHAI, 2026, 11, 4, 23, 59)
    assert daily.cycle_of(local(SHANGHAI, 2026, 11, 6, 12)) == 3


def test_cycle_ids_are_zero_padded_and_sort_like_numbers() -> None:
    assert WEEKLY.cycle_id(42) == "C0042"
    assert WEEKLY.cycle_id(0) == "C0000"
    ids = [WEEKLY.cycle_id(n) for n in (1, 2, 10, 9, 100, 9999)]
    assert sorted(ids) == [WEEKLY.cycle_id(n) for n in (1, 2, 9, 10, 100, 9999)]
    with pytest.raises(ValueError):
        WEEKLY.cycle_id(10000)
    with pytest.raises(ValueError):
        WEEKLY.cycle_id(-1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"length_days": 0},
        {"length_days": 29},
        {"deadline_weekday": 7},
        {"deadline_weekday": -1},
        {"deadline_time": time(23, 59, tzinfo=UTC)},
    ],
)
def test_invalid_cycle_settings_are_rejected(kwargs) -> None:
    with pytest.raises(ValueError):
        CycleCalendar(SHANGHAI, MONDAY, **kwargs)


def test_cycle_numbers_below_range_are_rejected() -> None:
    with pytest.raises(ValueError):
        WEEKLY.deadline(-1)
    with pytest.raises(ValueError):
        WEEKLY.start(0)


# -- properties ------------------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Europe/Dublin",  # negative DST in tzdata
    "America/New_York",
    "America/Santiago",  # DST changes at midnight
    "America/Havana",  # DST changes at midnight, repeating 00:00-01:00
    "America/St_Johns",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Pacific/Apia",
    "Africa/Casablanca",
]

instants = st.datetimes(
    min_value=datetime(2020, 1, 1),  # hypothesis wants naive bounds
    max_value=datetime(2030, 12, 31),
    timezones=st.just(UTC),
)
calendars = st.builds(
    LocalCalendar,
    st.sampled_from(ZONES),
    st.one_of(
        st.sampled_from([time(0), time(4), time(5), time(2, 30), time(3)]),
        st.times(),
    ),
)
wall_times = st.one_of(
    st.sampled_from([time(0), time(1, 30), time(2, 30), time(3, 30), time(23, 59)]),
    st.times(),
)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exists(calendar: LocalCalendar, d: date, t: time) -> bool:
    naive = datetime.combine(d, t)
    return wall(calendar, naive.replace(tzinfo=calendar.tz).astimezone(UTC)) == naive


@FAST
@given(calendars, instants)
def test_every_instant_lies_within_its_local_date(calendar: LocalCalendar, x: datetime) -> None:
    d = calendar.local_date(x)
    assert calendar.day_start(d) <= x < calendar.day_end(d)
    instant_wall = x.astimezone(calendar.tz)
    ambiguous = instant_wall.replace(fold=1 - instant_wall.fold).utcoffset() != (
        instant_wall.utcoffset()
    )
    if not ambiguous:
        b = calendar.day_boundary
        boundary = timedelta(
            hours=b.hour, minutes=b.minute, seconds=b.second, microseconds=b.microsecond
        )
        assert d == (instant_wall.replace(tzinfo=None) - boundary).date()


@FAST
@given(calendars, instants, wall_times)
def test_next_daily_is_later_and_shows_the_wall_time_unless_it_is_in_a_gap(
    calendar: LocalCalendar, after: datetime, t: time
) -> None:
    run = calendar.next_daily(after, t)
    assert run > after
    assert run.tzinfo is UTC
    run_wall = wall(calendar, run)
    if run_wall.time() != t:
        d = calendar.period_date(run)
        calendar_date = d if t >= calendar.day_boundary else d + timedelta(days=1)
        assert not exists(calendar, calendar_date, t)
    # Nothing between `after` and the run was a valid run of the same job.
    assert calendar.next_daily(run - timedelta(microseconds=1), t) == run


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars, instants, wall_times)
def test_next_daily_runs_once_per_local_date_for_a_year(
    calendar: LocalCalendar, after: datetime, t: time
) -> None:
    runs = daily_runs(calendar, after, t, 366)
    dates = [calendar.period_date(run) for run in runs]
    assert all(a < b for a, b in pairwise(runs))
    assert all((b - a).days == 1 for a, b in pairwise(dates))


@FAST
@given(calendars, instants, st.integers(0, 6), wall_times)
def test_next_weekly_lands_on_the_weekday_within_a_week(
    calendar: LocalCalendar, after: datetime, weekday: int, t: time
) -> None:
    run = calendar.next_weekly(after, weekday, t)
    assert after < run <= after + timedelta(days=8)
    assert calendar.period_date(run).weekday() == weekday


@FAST
@given(calendars, instants, st.integers(1, 28), wall_times)
def test_next_monthly_lands_on_the_day_within_a_month(
    calendar: LocalCalendar, after: datetime, day: int, t: time
) -> None:
    run = calendar.next_monthly(after, day, t)
    assert after < run <= after + timedelta(days=32)
    assert calendar.period_date(run).day == day


@FAST
@given(
    calendars,
    st.dates(min_value=date(2020, 1, 1), max_value=date(2029, 12, 31)),
    st.integers(1, 28),
    st.integers(0, 6),
    wall_times,
    instants,
)
def test_cycle_of_places_every_instant_between_its_start_and_deadline(
    calendar, anchor, length, weekday, deadline_time, x
) -> None:
    cycles = CycleCalendar(calendar, anchor, length, weekday, deadline_time)
    n = cycles.cycle_of(x)
    if n == 0:
        assert x < calendar.day_start(anchor)
    elif n == 1:
        assert cycles.start(1) <= x <= cycles.deadline(1)
    else:
        assert cycles.start(n) < x <= cycles.deadline(n)
    assert cycles.deadline(n + 1) > cycles.deadline(n)
