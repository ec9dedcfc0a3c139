"""Announcements and cohorts through the dispatcher, the queue worker and the runner's claim:
posted once at their local time (Shanghai; Berlin across the spring-forward change),
duplicates and retries change nothing, a missed tick is caught up, a stale post is skipped
and recorded, a cancelled one never posts; a cohort opens and closes once each."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.models import Role
from chalicelib.features import announcements as feature
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.queue import MemoryQueue
from chalicelib.store import keys, runs
from chalicelib.store.checkins import record_checkin
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records
from tests.helpers import community, member, runtime

JOB = feature.JOB
SET_AT = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # Saturday 12:00 in Shanghai


def seeded(**overrides):
    store = Store(MemoryTable())
    store.create_community(community(**overrides))
    store.bulk_save_members([member("boss", name="Boss", role=Role.ADMIN), member("u1")])
    rt, sent = runtime(store, SET_AT)
    return store, rt, sent


def tick(rt, at: datetime, *, twice: bool = True) -> list[dict]:
    """One tick of the dispatcher (delivered twice when ``twice``), then the worker on
    every message it enqueued, each message delivered twice."""
    rt.clock.set(at)
    queue = MemoryQueue()
    dispatch_due_jobs(rt.store.table, queue, at)
    if twice:
        dispatch_due_jobs(rt.store.table, queue, at)
    messages = [m for m in queue.drain() if m["job"] == JOB]
    records = [(f"m{n}", json.dumps(m)) for n, m in enumerate(messages + messages)]
    assert handle_records(rt, records, at) == {"batchItemFailures": []}
    return messages


def ticks(rt, start: datetime, end: datetime, every=timedelta(minutes=5)):
    at, end = start, end.replace(tzinfo=UTC)
    while at <= end:
        yield at, tick(rt, at, twice=False)
        at += every


def posts(sent) -> list[str]:
    return [m.text for m in sent if m.kind == "message"]


def add(store, text: str, at: datetime = SET_AT) -> dict:
    entry, _ = feature.add_announcement(store, store.get_community("c1"), text, "boss", at)
    return entry


def test_a_one_off_announcement_posts_once_at_its_local_time_in_shanghai():
    store, rt, sent = seeded()
    entry = add(store, "2026-12-08 09:00 Homework party tonight")
    posted_at = []
    for at, _ in ticks(rt, datetime(2026, 12, 8, 0, 30, tzinfo=UTC), datetime(2026, 12, 8, 3, 0)):
        if posts(sent) and not posted_at:
            posted_at.append(at)
    assert posts(sent) == ["📢 Announcement\nHomework party tonight"]
    # the first tick after 09:00 Shanghai (01:00 UTC) posted it
    assert posted_at == [datetime(2026, 12, 8, 1, 5, tzinfo=UTC)]
    period = f"2026-12-08#{entry['id']}-0900"
    assert runs.get_run(store.table, "c1", JOB, period)["status"] == "done"
    # the pointer moved on: nothing more is ever due
    assert store.table.get("C#c1", keys.due_item_sk(JOB)) is None


def test_a_weekly_announcement_keeps_its_local_time_across_berlins_dst_change():
    """Berlin springs forward on 2027-03-28: 09:00 is 08:00 UTC the week before and 07:00
    UTC that Sunday; both post at 09:00 local, once each."""
    store, rt, sent = seeded(timezone="Europe/Berlin")
    at = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
    add(store, "weekly sun 09:00 Weekly plan: share yours", at)
    when = []
    seen = 0
    start, end = datetime(2027, 3, 21, 6, 0, tzinfo=UTC), datetime(2027, 3, 28, 9, 0)
    for tick_at, _ in ticks(rt, start, end):
        if len(posts(sent)) > seen:
            seen = len(posts(sent))
            when.append(tick_at)
    assert posts(sent) == ["📢 Announcement\nWeekly plan: share yours"] * 2
    local = [w.astimezone(store.get_community("c1").calendar.tz) for w in when]
    assert [(w.date().isoformat(), w.strftime("%H:%M")) for w in local] == [
        ("2027-03-21", "09:05"),
        ("2027-03-28", "09:05"),
    ]
    assert [w.utcoffset() for w in local] == [timedelta(hours=1), timedelta(hours=2)]


def test_berlins_fall_back_night_posts_a_daily_0230_once():
    """2026-10-25: 02:30 happens twice in Berlin; the announcement posts once."""
    store, rt, sent = seeded(timezone="Europe/Berlin")
    add(store, "daily 02:30 until 2026-10-26 Night owls", datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    list(ticks(rt, datetime(2026, 10, 24, 22, 0, tzinfo=UTC), datetime(2026, 10, 25, 4, 0)))
    assert posts(sent) == ["📢 Announcement\nNight owls"]


def test_a_missed_tick_is_caught_up_and_a_stale_post_is_skipped_and_recorded():
    store, rt, sent = seeded()
    early = add(store, "2026-12-08 09:00 First")
    late = add(store, "2026-12-08 09:30 Second")
    stale = add(store, "2026-12-08 06:00 Too old by noon")
    # no tick from 05:55 until 11:00 local (03:00 UTC): 09:00 and 09:30 are caught up,
    # one a tick, in order; 06:00 is five hours late and skipped
    tick(rt, datetime(2026, 12, 7, 21, 55, tzinfo=UTC))
    assert posts(sent) == []
    for n in range(4):
        tick(rt, datetime(2026, 12, 8, 3, 0, tzinfo=UTC) + timedelta(minutes=5 * n))
    assert posts(sent) == ["📢 Announcement\nFirst", "📢 Announcement\nSecond"]
    skipped = runs.get_run(store.table, "c1", JOB, f"2026-12-08#{stale['id']}-0600")
    assert skipped["status"] == "skipped"
    for entry, hhmm in ((early, "0900"), (late, "0930")):
        period = f"2026-12-08#{entry['id']}-{hhmm}"
        assert runs.get_run(store.table, "c1", JOB, period)["status"] == "done"


def test_a_cancelled_announcement_never_posts_even_from_a_message_already_queued():
    store, rt, sent = seeded()
    queued = add(store, "2026-12-08 09:00 Cancelled while queued")
    at = datetime(2026, 12, 8, 1, 5, tzinfo=UTC)
    queue = MemoryQueue()
    dispatch_due_jobs(store.table, queue, at)
    messages = queue.drain()
    assert [m["period"] for m in messages] == [f"2026-12-08#{queued['id']}-0900"]
    assert feature.cancel_announcement(store, store.get_community("c1"), queued["id"])
    records = [(f"m{n}", json.dumps(m)) for n, m in enumerate(messages)]
    assert handle_records(rt, records, at) == {"batchItemFailures": []}
    assert runs.get_run(store.table, "c1", JOB, messages[0]["period"])["status"] == "skipped"
    gone = add(store, "2026-12-09 09:00 Cancelled before its day", at)
    assert feature.cancel_announcement(store, store.get_community("c1"), gone["id"])
    list(ticks(rt, at, at + timedelta(days=1, hours=1)))
    assert posts(sent) == []
    assert runs.get_run(store.table, "c1", JOB, f"2026-12-09#{gone['id']}-0900") is None
    assert store.get_community("c1").announcements == ()


def test_two_announcements_at_the_same_minute_both_post_once():
    """The pointer moves to the first post strictly after the one taken: each post's own
    microsecond keeps a tie from hiding one."""
    store, rt, sent = seeded()
    add(store, "2026-12-08 09:00 One")
    add(store, "2026-12-08 09:00 Two")
    list(ticks(rt, datetime(2026, 12, 8, 1, 0, tzinfo=UTC), datetime(2026, 12, 8, 2, 0)))
    assert sorted(posts(sent)) == ["📢 Announcement\nOne", "📢 Announcement\nTwo"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-12-01 09:00 In the past", "announce_past"),
        ("weekly mon 09:00 until 2026-12-06 Never", "announce_never"),
        ("2026-12-08 09:00   ", "announce_empty"),
        ("monthly 31 09:00 Not every month", "announce_bad_day"),
        ("soon please", "announce_usage"),
    ],
)
def test_bad_announcements_are_refused_and_write_nothing(text, key):
    store, _rt, _sent = seeded()
    before = sorted((i["pk"], i["sk"]) for i in store.table.query("C#c1"))
    with pytest.raises(feature.Refused) as refused:
        add(store, text)
    assert refused.value.key == key
    assert sorted((i["pk"], i["sk"]) for i in store.table.query("C#c1")) == before


def test_a_time_in_berlins_spring_gap_is_refused_and_writes_nothing():
    store, _rt, _sent = seeded(timezone="Europe/Berlin")
    with pytest.raises(feature.Refused) as refused:
        add(store, "at 2027-03-28T02:30 Nobody sees this", datetime(2027, 3, 1, tzinfo=UTC))
    assert refused.value.key == "announce_dst_gap"
    assert store.get_community("c1").announcements == ()
    assert store.table.get("C#c1", keys.due_item_sk(JOB)) is None


def test_pinned_announcements_are_the_live_ones_that_have_posted():
    store, _rt, _sent = seeded()
    add(store, "2026-12-06 09:00 Welcome to the group")
    add(store, "2026-12-20 09:00 Later")
    c = store.get_community("c1")
    assert feature.pinned_announcements(store, c, SET_AT) == []
    after = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    assert feature.pinned_announcements(store, c, after) == ["Welcome to the group"]
    # a one-off stays pinned for a week after it posts
    assert feature.pinned_announcements(store, c, after + timedelta(days=8)) == []


def test_a_cohort_opens_and_closes_once_each():
    store, rt, sent = seeded()
    store.bulk_save_members(
        [
            member("lea", name="Lea", squad="Red", role=Role.LEADER),
            member("ray", name="Ray", squad="Red"),
            member("sue", name="Sue", squad="Blue"),
        ]
    )
    for day in range(7, 14):
        record_checkin(store.table, "c1", "ray", date(2026, 12, day), SET_AT)
    feature.add_cohort(
        store,
        store.get_community("c1"),
        "Cohort 3",
        date(2026, 12, 7),
        date(2026, 12, 13),
        SET_AT,
        theme="Deep work",
    )
    list(ticks(rt, datetime(2026, 12, 6, 23, 0, tzinfo=UTC), datetime(2026, 12, 7, 3, 0)))
    assert posts(sent) == [
        "🎉 Cohort 3 opens (2026-12-07 – 2026-12-13)\n"
        "Theme: Deep work\n"
        "Squads and their leaders:\n"
        "· Blue: led by to be named (1 members)\n"
        "· Red: led by Lea (2 members)\n"
        "Check in every day (/checkin), hand in your homework each week (/submit), and "
        "let's all reach the end together!"
    ]
    tick(rt, datetime(2026, 12, 10, 1, 0, tzinfo=UTC))
    list(ticks(rt, datetime(2026, 12, 14, 0, 30, tzinfo=UTC), datetime(2026, 12, 14, 2, 0)))
    assert len(posts(sent)) == 2
    closing = posts(sent)[1]
    assert closing.startswith("🎓 Cohort 3 closes (2026-12-07 – 2026-12-13)\nStars of the cohort:")
    assert "Check-in star: Ray (7 check-ins)" in closing
    assert closing.endswith("See you next time! 🙏")


def test_the_opening_ceremony_shows_the_rules_and_the_cohorts_first_session():
    """Issue 25: the opening names the group rules (filled in for everyone) and the first
    session (分享会) on or after the cohort's first day."""
    from chalicelib.features import sessions

    store, rt, sent = seeded(group_rules="Be kind, {name}.")
    values = {"id": "fri", "title": "Friday talk", "weekday": "fri", "at": "20:00"}
    sessions.add_session(store, store.get_community("c1"), values, SET_AT)
    feature.add_cohort(
        store, store.get_community("c1"), "Cohort 4", date(2026, 12, 7), date(2026, 12, 13), SET_AT
    )
    list(ticks(rt, datetime(2026, 12, 6, 23, 0, tzinfo=UTC), datetime(2026, 12, 7, 3, 0)))
    [opening] = [p for p in posts(sent) if "Cohort 4 opens" in p]
    assert "Be kind, everyone." in opening
    assert "First session: Friday talk, 2026-12-11 at 20:00" in opening


def test_a_cohort_ending_before_it_starts_is_refused_and_writes_nothing():
    store, _rt, _sent = seeded()
    with pytest.raises(feature.Refused) as refused:
        feature.add_cohort(
            store, store.get_community("c1"), "第3期", date(2026, 12, 9), date(2026, 12, 1), SET_AT
        )
    assert refused.value.key == "cohort_end_before_start"
    assert store.get_community("c1").cohorts == ()
    assert store.table.get("C#c1", keys.due_item_sk(JOB)) is None


def test_adding_a_later_announcement_never_pushes_back_one_already_scheduled():
    """The job has one due pointer: a later addition may only move it earlier."""
    store, rt, sent = seeded()
    add(store, "2026-12-08 09:00 Sooner")
    add(store, "2026-12-20 09:00 Later")
    list(ticks(rt, datetime(2026, 12, 8, 1, 0, tzinfo=UTC), datetime(2026, 12, 8, 2, 0)))
    assert posts(sent) == ["📢 Announcement\nSooner"]
    pointer = store.table.get("C#c1", keys.due_item_sk(JOB))
    assert pointer["scheduled_at"].startswith("2026-12-20T01:00:00")


def test_the_monthly_report_of_a_cohorts_month_carries_its_name_in_its_title():
    """The cohort's name goes in the report's title (and, as its last column, in the report's
    CSV: tests/cli/test_report_cli.py)."""
    from chalicelib.jobs.runner import run_job

    store, rt, _sent = seeded(admin_chat_id="admins")
    feature.add_cohort(
        store, store.get_community("c1"), "Cohort 3", date(2026, 12, 7), date(2027, 2, 28), SET_AT
    )
    at = datetime(2027, 1, 1, 2, 5, tzinfo=UTC)
    result = run_job(rt, "monthly-report", "c1", at, period="2026-12")
    assert result.parts[0].startswith("📋 Study Group (Cohort 3): monthly report for 2026-12")
    from chalicelib.features.reports import report_cohort

    assert report_cohort(store.get_community("c1"), "2026-12") == "Cohort 3"
    assert report_cohort(store.get_community("c1"), "2026-11") is None
    november = run_job(rt, "monthly-report", "c1", at, period="2026-11", dry_run=True)
    assert november.parts[0].startswith("📋 Study Group: monthly report for 2026-11")


def test_the_list_is_bounded_and_past_one_offs_make_room_with_their_texts_deleted():
    store, _rt, _sent = seeded()
    old = add(store, "2026-12-06 09:00 Old news")
    for n in range(19):
        add(store, f"daily 0{n % 10}:{10 + n} Daily {n}")
    with pytest.raises(feature.Refused) as refused:
        add(store, "2026-12-24 09:00 One too many")
    assert refused.value.key == "announce_full"
    assert len(store.get_community("c1").announcements) == 20
    later = datetime(2026, 12, 14, 4, 0, tzinfo=UTC)  # the old one posted a week ago
    add(store, "2026-12-24 09:00 Room now", later)
    ids = [e["id"] for e in store.get_community("c1").announcements]
    assert old["id"] not in ids and len(ids) == 20
    assert store.table.get("C#c1", keys.announcement_sk(old["id"])) is None


@pytest.mark.parametrize("ceremony", ["open", "close"])
def test_a_ceremony_costs_the_same_requests_whatever_the_roster(
    dynamo_table, requests_made, ceremony
):
    """No request per member: the roster is one paged Query, the stars a few more."""
    from chalicelib.jobs.runner import run_job

    costs = []
    for size, cid in ((20, "small"), (400, "large")):
        store = Store(dynamo_table)
        store.create_community(community(id=cid, chat_id=f"chat-{cid}"))
        store.bulk_save_members(
            [member(f"u{n:04d}", community_id=cid, squad="AB"[n % 2]) for n in range(size)]
        )
        entry = feature.add_cohort(
            store, store.get_community(cid), "C", date(2026, 12, 7), date(2026, 12, 13), SET_AT
        )
        day = entry["start"] if ceremony == "open" else entry["end"]
        rt, sent = runtime(store, datetime(2026, 12, 14, 2, 0, tzinfo=UTC))
        requests_made.reset()
        run_job(rt, JOB, cid, rt.clock.now(), period=f"{day}#{entry['id']}-{ceremony}")
        costs.append(dict(requests_made.counts))
        assert len(posts(sent)) == 1
    assert costs[0] == costs[1]
    assert sum(costs[0].values()) <= 15


def test_a_post_moved_up_by_a_cancel_inside_a_read_window_goes_with_the_next_tick():
    """09:00's tick has read up to 09:05. At 09:02 the first of two posts added since is
    cancelled: the pointer moves to the other one, due at 09:04, in the window already
    read. It sits in the index at 09:07 (the cancel's time plus a tick), so the 09:05
    tick, which reads only what is after 09:05, sends it rather than the sweep at 09:10."""
    from chalicelib.jobs.dispatch_due_jobs import tick as windowed_tick

    store, rt, sent = seeded()
    windowed_tick(store.table, MemoryQueue(), datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    added = datetime(2026, 12, 8, 1, 1, tzinfo=UTC)
    first = add(store, "2026-12-08 09:03 First", added)
    add(store, "2026-12-08 09:04 Second", added)
    cancelled_at = datetime(2026, 12, 8, 1, 2, tzinfo=UTC)
    assert feature.cancel_announcement(store, store.get_community("c1"), first["id"], cancelled_at)
    at = datetime(2026, 12, 8, 1, 5, tzinfo=UTC)
    queue = MemoryQueue()
    windowed_tick(store.table, queue, at)
    messages = [m for m in queue.drain() if m["job"] == JOB]
    assert [m["period"][-4:] for m in messages] == ["0904"]
    rt.clock.set(at)
    records = [(f"m{n}", json.dumps(m)) for n, m in enumerate(messages)]
    assert handle_records(rt, records, at) == {"batchItemFailures": []}
    assert posts(sent) == ["📢 Announcement\nSecond"]
