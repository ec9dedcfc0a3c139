"""When jobs run and which period each run claims: the schedule every dispatcher shares."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from chalicelib.domain.models import Community
from chalicelib.jobs.schedule import MAX_LATENESS, Slot, next_slot, slots_between


def community(**overrides: Any) -> Community:
    fields: dict[str, Any] = {
        "id": "c1",
        "name": "Study Group",
        "platform": "console",
        "chat_id": "chat-1",
        "timezone": "Asia/Shanghai",
    }
    fields.update(overrides)
    return Community(**fields)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(c: Community, slot: Slot) -> str:
    return slot.scheduled_at.astimezone(c.calendar.tz).isoformat()


# -- daily reminder ----------------------------------------------------------------------


def test_reminder_runs_at_the_local_time_each_day_for_that_date():
    c = community(reminder_time="21:00")
    slots = slots_between(c, "daily-reminder", utc(2026, 11, 22, 13), utc(2026, 11, 24, 13))
    assert slots == [
        Slot("daily-reminder", "2026-11-23", utc(2026, 11, 23, 13)),
        Slot("daily-reminder", "2026-11-24", utc(2026, 11, 24, 13)),
    ]


@pytest.mark.parametrize(
    ("tz", "day", "expected_local"),
    [
        ("Europe/Berlin", date(2026, 3, 29), "2026-03-29T03:00:00+02:00"),
        ("America/New_York", date(2026, 3, 8), "2026-03-08T03:00:00-04:00"),
    ],
)
def test_a_reminder_in_the_spring_forward_gap_runs_once_at_the_end_of_the_gap(
    tz: str, day: date, expected_local: str
):
    """02:30 does not exist that night: the reminder must neither vanish nor run twice."""
    c = community(timezone=tz, reminder_time="02:30")
    slots = slots_between(c, "daily-reminder", utc(2026, 3, 1), utc(2026, 4, 1))
    on_day = [s for s in slots if s.period == day.isoformat()]
    assert [local(c, s) for s in on_day] == [expected_local]
    assert len(slots) == 31 and len({s.period for s in slots}) == 31


@pytest.mark.parametrize(
    ("tz", "day", "wall", "expected_local"),
    [
        ("Europe/Berlin", date(2026, 10, 25), "02:30", "2026-10-25T02:30:00+02:00"),
        ("America/New_York", date(2026, 11, 1), "01:30", "2026-11-01T01:30:00-04:00"),
    ],
)
def test_a_reminder_at_a_repeated_wall_time_runs_once_at_its_first_occurrence(
    tz: str, day: date, wall: str, expected_local: str
):
    """The fall-back night shows that wall time twice; members get one reminder."""
    c = community(timezone=tz, reminder_time=wall)
    start = datetime.combine(day, datetime.min.time(), UTC) - timedelta(days=1)
    slots = slots_between(c, "daily-reminder", start, start + timedelta(days=3))
    on_day = [s for s in slots if s.period == day.isoformat()]
    assert [local(c, s) for s in on_day] == [expected_local]


def test_the_extreme_timezones_get_their_own_local_dates():
    """Kiritimati (UTC+14) and Pago Pago (UTC-11) are 25 hours apart: at one UTC instant
    they are two calendar days apart, and each reminder claims its own local date."""
    early = community(timezone="Pacific/Kiritimati", reminder_time="21:00")
    late = community(timezone="Pacific/Pago_Pago", reminder_time="21:00")
    window = (utc(2026, 11, 23, 0), utc(2026, 11, 24, 0))
    assert slots_between(early, "daily-reminder", *window) == [
        Slot("daily-reminder", "2026-11-23", utc(2026, 11, 23, 7))
    ]
    assert slots_between(late, "daily-reminder", *window) == [
        Slot("daily-reminder", "2026-11-22", utc(2026, 11, 23, 8))
    ]


def test_last_call_is_its_own_period_after_the_reminder():
    c = community(reminder_time="21:00", last_call_time="23:30")
    slots = slots_between(c, "daily-reminder", utc(2026, 11, 23, 12), utc(2026, 11, 24, 12))
    assert slots == [
        Slot("daily-reminder", "2026-11-23", utc(2026, 11, 23, 13)),
        Slot("daily-reminder", "2026-11-23#last-call", utc(2026, 11, 23, 15, 30)),
    ]


def test_a_last_call_after_midnight_belongs_to_the_night_before_with_a_late_boundary():
    """With a 04:00 day boundary, 01:00 is still 'tonight': the last call is for the date
    whose check-ins it chases, not the calendar date it runs on."""
    c = community(day_boundary="04:00", reminder_time="22:00", last_call_time="01:00")
    slots = slots_between(c, "daily-reminder", utc(2026, 11, 23, 12), utc(2026, 11, 24, 12))
    assert [(s.period, local(c, s)) for s in slots] == [
        ("2026-11-23", "2026-11-23T22:00:00+08:00"),
        ("2026-11-23#last-call", "2026-11-24T01:00:00+08:00"),
    ]


# -- weekly digest -----------------------------------------------------------------------


def test_weekly_digest_follows_the_deadline_by_the_offset_and_is_named_for_its_week():
    c = community(cycle_anchor=date(2026, 11, 2))  # Sunday 23:59 deadline, 60 min offset
    slots = slots_between(c, "weekly-digest", utc(2026, 11, 16), utc(2026, 11, 30))
    assert [(s.period, local(c, s)) for s in slots] == [
        ("2026-W47", "2026-11-23T00:59:00+08:00"),
        ("2026-W48", "2026-11-30T00:59:00+08:00"),
    ]


def test_weekly_digest_without_an_anchor_counts_from_creation_or_runs_every_week():
    created = community(created_at=utc(2026, 11, 18, 2))
    window = (utc(2026, 11, 1), utc(2026, 11, 30))
    assert [s.period for s in slots_between(created, "weekly-digest", *window)] == [
        "2026-W47",
        "2026-W48",
    ]
    floating = community()  # no anchor, no creation date: every week
    assert [s.period for s in slots_between(floating, "weekly-digest", *window)] == [
        "2026-W44",
        "2026-W45",
        "2026-W46",
        "2026-W47",
        "2026-W48",
    ]


def test_short_cycles_are_named_by_cycle_so_two_in_one_week_both_run():
    c = community(cycle_anchor=date(2026, 11, 2), cycle_length_days=3, digest_offset_minutes=0)
    slots = slots_between(c, "weekly-digest", utc(2026, 11, 1), utc(2026, 11, 12))
    assert [(s.period, local(c, s)) for s in slots] == [
        ("C0001", "2026-11-04T23:59:00+08:00"),
        ("C0002", "2026-11-07T23:59:00+08:00"),
        ("C0003", "2026-11-10T23:59:00+08:00"),
    ]


def test_short_cycles_without_any_start_date_have_no_digest():
    c = community(cycle_length_days=14)
    assert next_slot(c, "weekly-digest", utc(2026, 11, 1)) is None


def test_a_digest_exactly_at_the_window_start_belongs_to_the_previous_window():
    c = community(cycle_anchor=date(2026, 11, 2))
    first = next_slot(c, "weekly-digest", utc(2026, 11, 1))
    assert first is not None
    assert slots_between(c, "weekly-digest", first.scheduled_at, first.scheduled_at) == []
    later = slots_between(c, "weekly-digest", first.scheduled_at, utc(2026, 11, 20))
    assert first not in later and later[0].period == "2026-W46"


# -- monthly report ----------------------------------------------------------------------


def test_monthly_report_is_named_for_the_month_it_covers():
    c = community(report_day=1, report_time="10:00")
    slots = slots_between(c, "monthly-report", utc(2026, 10, 15), utc(2027, 1, 15))
    assert [(s.period, local(c, s)) for s in slots] == [
        ("2026-10", "2026-11-01T10:00:00+08:00"),
        ("2026-11", "2026-12-01T10:00:00+08:00"),
        ("2026-12", "2027-01-01T10:00:00+08:00"),
    ]


# -- every job ---------------------------------------------------------------------------


def test_only_the_community_s_own_jobs_are_scheduled():
    c = community(jobs=("monthly-report",))
    window = (utc(2026, 11, 1), utc(2026, 12, 31))
    assert slots_between(c, "daily-reminder", *window) == []
    assert next_slot(c, "weekly-digest", window[0]) is None
    assert len(slots_between(c, "monthly-report", *window)) == 2
    with pytest.raises(ValueError, match="unknown job"):
        slots_between(c, "send-spam", *window)


def test_next_slot_is_the_first_slot_strictly_after():
    c = community(last_call_time="23:00")
    after = utc(2026, 11, 23, 13)  # exactly the 21:00 reminder: not "after" it
    assert next_slot(c, "daily-reminder", after) == Slot(
        "daily-reminder", "2026-11-23#last-call", utc(2026, 11, 23, 15)
    )


def test_lateness_limits():
    """A reminder hours late is noise; a digest or report is still useful days later."""
    assert MAX_LATENESS["daily-reminder"] == timedelta(hours=2)
    assert MAX_LATENESS["weekly-digest"] == MAX_LATENESS["monthly-report"] == timedelta(days=3)


@pytest.mark.parametrize(
    ("tz", "boundary"),
    [
        ("Europe/Berlin", "00:00"),
        ("America/New_York", "04:00"),
        ("Pacific/Kiritimati", "00:00"),
        ("Pacific/Pago_Pago", "02:30"),
        ("Australia/Lord_Howe", "00:00"),  # half-hour DST shifts
    ],
)
def test_a_year_of_irregular_ticks_gives_exactly_one_slot_per_period(tz: str, boundary: str):
    """Whatever the tick pattern, consecutive windows see each period exactly once, and the
    same slots as one window over the whole year: the property the claim relies on."""
    c = community(
        timezone=tz,
        day_boundary=boundary,
        reminder_time="02:30",
        last_call_time="01:30",
        deadline_time="02:30",
        cycle_anchor=date(2026, 1, 5),
        report_time="02:30",
    )
    # 52 whole weeks from a local noon: every weekly wall time falls in it exactly 52 times.
    start = c.calendar.at_local(date(2026, 1, 10), time(12))
    end = c.calendar.at_local(date(2027, 1, 9), time(12))
    rng = random.Random(tz)
    expected = {"daily-reminder": 2 * 364, "weekly-digest": 52, "monthly-report": 12}
    for job, per_year in expected.items():
        whole = slots_between(c, job, start, end)
        ticked: list[Slot] = []
        cursor = start
        while cursor < end:
            step = timedelta(minutes=rng.choice([1, 7, 60, 61, 6 * 60, 25 * 60]))
            following = min(cursor + step, end)
            ticked.extend(slots_between(c, job, cursor, following))
            cursor = following
        assert ticked == whole
        periods = Counter(s.period for s in whole)
        assert max(periods.values()) == 1, periods.most_common(3)
        assert len(whole) == per_year
        if job == "daily-reminder":  # every local date, none missing: no gap, no double
            for last_call in (False, True):
                days = sorted(
                    date.fromisoformat(p.partition("#")[0])
                    for p in periods
                    if p.endswith("#last-call") == last_call
                )
                assert days == [days[0] + timedelta(days=n) for n in range(364)]
        times = [s.scheduled_at for s in whole]
        assert times == sorted(times) and all(start < t <= end for t in times)
        assert all(t.utcoffset() == timedelta(0) for t in times)
