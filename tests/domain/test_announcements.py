"""The pure rules of announcements and cohorts: what an admin may type, when each post is
due in the community's local time, and which period names which post."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

import pytest

from chalicelib.domain import announcements as ann
from chalicelib.domain.calendar import LocalCalendar

BERLIN = LocalCalendar("Europe/Berlin")
SHANGHAI = LocalCalendar("Asia/Shanghai")
NOW = datetime(2027, 3, 20, 10, 0, tzinfo=UTC)


S = ann.Schedule
ONCE_27 = S(ann.ONCE, time(9), on=date(2027, 3, 27))
DEC_1 = date(2027, 12, 1)


@pytest.mark.parametrize(
    ("args", "schedule", "text"),
    [
        ("2027-03-27 09:00 内容", ONCE_27, "内容"),
        ("at 2027-03-27T9:00 hi", ONCE_27, "hi"),
        ("每周一 09：00 早安", S(ann.WEEKLY, time(9), weekday=0), "早安"),
        ("weekly Friday 18:30 Go!", S(ann.WEEKLY, time(18, 30), weekday=4), "Go!"),
        ("daily 07:00 until 2027-04-30 Up", S(ann.DAILY, time(7), until=date(2027, 4, 30)), "Up"),
        ("每月1日 10:00 至 2027-12-01 月初", S(ann.MONTHLY, time(10), day=1, until=DEC_1), "月初"),
        ("monthly 28 10:00 a\nb", S(ann.MONTHLY, time(10), day=28), "a\nb"),
    ],
)  # fmt: skip
def test_both_languages_parse_to_one_schedule(args, schedule, text):
    assert ann.parse_request(args) == (schedule, text)


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ("tomorrow 9am hi", "announce_usage"),
        ("2027-02-30 09:00 hi", "announce_bad_date"),
        ("2027-03-27 24:00 hi", "announce_bad_time"),
        ("weekly someday 09:00 hi", "announce_bad_weekday"),
        ("monthly 29 09:00 hi", "announce_bad_day"),
        ("2027-03-27 09:00 until 2027-04-01 hi", "announce_until_once"),
        ("2027-03-27 09:00", "announce_empty"),
        ("2027-03-27 09:00 " + "x" * (ann.MAX_TEXT + 1), "announce_too_long"),
    ],
)
def test_bad_requests_name_their_message(args, key):
    with pytest.raises(ann.Refused) as refused:
        ann.parse_request(args)
    assert refused.value.key == key


def test_the_spring_gap_is_refused_and_the_autumn_fold_is_not():
    gap = ann.Schedule(ann.ONCE, time(2, 30), on=date(2027, 3, 28))
    with pytest.raises(ann.Refused, match="announce_dst_gap"):
        ann.check_schedule(BERLIN, gap, NOW)
    fold = ann.Schedule(ann.ONCE, time(2, 30), on=date(2027, 10, 31))
    # the first of the two 02:30s (still summer time)
    assert ann.check_schedule(BERLIN, fold, NOW) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_a_recurrence_ending_before_its_first_post_never_happens():
    never = ann.Schedule(ann.WEEKLY, time(9), weekday=0, until=date(2027, 3, 21))
    with pytest.raises(ann.Refused, match="announce_never"):
        ann.check_schedule(BERLIN, never, NOW)


def entry(entry_id: str, schedule: ann.Schedule) -> dict:
    return {"id": entry_id, **schedule.as_fields(), "created": NOW.isoformat()}


def test_posts_merge_in_time_order_each_at_its_own_microsecond():
    weekly = entry("a0000010", ann.Schedule(ann.WEEKLY, time(9), weekday=6))
    daily = entry("a0000020", ann.Schedule(ann.DAILY, time(9), until=date(2027, 3, 22)))
    cohort = {"id": "k0000030", "name": "第3期", "start": "2027-03-22", "end": "2027-03-28"}
    got = list(islice(ann.posts_after(BERLIN, [weekly, daily], [cohort], NOW), 6))
    assert [p.period for p in got] == [
        "2027-03-21#a0000010-0900",
        "2027-03-21#a0000020-0900",
        "2027-03-22#a0000020-0900",
        "2027-03-22#k0000030-open",
        "2027-03-28#a0000010-0900",
        "2027-03-28#k0000030-close",
    ]
    assert got[0].scheduled_at == datetime(2027, 3, 21, 8, 0, 0, 16, tzinfo=UTC)
    assert got[1].scheduled_at == datetime(2027, 3, 21, 8, 0, 0, 32, tzinfo=UTC)
    assert got[4].scheduled_at == datetime(2027, 3, 28, 7, 0, 0, 16, tzinfo=UTC)  # CEST
    assert got[5].scheduled_at == datetime(2027, 3, 29, 7, 0, 0, 48, tzinfo=UTC)


def test_a_period_names_a_post_only_when_it_is_one_of_its_occurrences():
    weekly = entry("a0000010", ann.Schedule(ann.WEEKLY, time(9), weekday=6))
    found = ann.find_post(BERLIN, [weekly], [], "2027-03-28#a0000010-0900")
    assert found is not None and found[1].scheduled_at.hour == 7
    assert ann.find_post(BERLIN, [weekly], [], "2027-03-27#a0000010-0900") is None  # Saturday
    assert ann.find_post(BERLIN, [weekly], [], "2027-03-28#a0000099-0900") is None  # cancelled
    assert ann.find_post(BERLIN, [weekly], [], "2027-03-28#a0000010-1000") is None


def test_describe_says_the_schedule_in_the_members_language():
    weekly = entry("a0000010", ann.Schedule(ann.WEEKLY, time(9), weekday=0, until=date(2027, 5, 1)))
    assert ann.describe(weekly, "zh-CN") == "每周一 09:00（至 2027-05-01）"
    assert ann.describe(weekly, "en") == "every Mon 09:00 (until 2027-05-01)"


def test_a_one_off_stays_live_for_a_week_after_it_posts():
    once = entry("a0000010", ann.Schedule(ann.ONCE, time(9), on=date(2027, 3, 21)))
    posted = datetime(2027, 3, 21, 8, 0, tzinfo=UTC)
    assert ann.live(BERLIN, once, posted - timedelta(days=1))
    assert ann.live(BERLIN, once, posted + timedelta(days=6))
    assert not ann.live(BERLIN, once, posted + timedelta(days=8))
    assert not ann.started(BERLIN, once, posted - timedelta(hours=1))
    assert ann.started(BERLIN, once, posted + timedelta(hours=1))


def test_the_cohort_during_a_month_is_the_latest_started():
    cohorts = [
        {"id": "k1", "name": "第2期", "start": "2026-09-01", "end": "2026-11-30"},
        {"id": "k2", "name": "第3期", "start": "2026-12-07", "end": "2027-02-28"},
    ]
    assert ann.cohort_during(cohorts, date(2026, 12, 1), date(2026, 12, 31)) == "第3期"
    assert ann.cohort_during(cohorts, date(2026, 11, 1), date(2026, 11, 30)) == "第2期"
    assert ann.cohort_during(cohorts, date(2027, 3, 1), date(2027, 3, 31)) is None
    with pytest.raises(ann.Refused, match="cohort_end_before_start"):
        ann.check_cohort("第4期", date(2027, 3, 2), date(2027, 3, 1))
