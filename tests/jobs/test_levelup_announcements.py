"""Level-ups are announced once, batched into the community's next scheduled post (the
daily reminder), never one message per level-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chalicelib.jobs.runner import run_job
from chalicelib.jobs.send_daily_reminders import main_reminder_window
from chalicelib.store.checkins import record_checkin
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

DAY = date(2026, 11, 23)
AT_21 = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 in Asia/Shanghai
YESTERDAY_21 = AT_21 - timedelta(days=1)


def world(**overrides):
    store = Store(MemoryTable())
    store.create_community(community(**overrides))
    store.bulk_save_members(
        [
            member("ann", level=3, level_at=AT_21 - timedelta(hours=5)),  # since yesterday's
            member("bob", level=2, level_at=YESTERDAY_21 - timedelta(hours=1)),  # announced
            member("cat", level=2, level_at=AT_21 + timedelta(minutes=1)),  # for tomorrow's
            member("dan", level=4, level_at=YESTERDAY_21 + timedelta(hours=2)),
            member("eve", level=2, level_at=AT_21 - timedelta(hours=1), status="left"),
            member("fay"),
        ]
    )
    return store


def group_text(sent) -> str:
    return "\n".join(m.text for m in sent if m.kind == "message")


def test_the_window_runs_from_the_previous_reminder_to_this_one():
    start, end = main_reminder_window(community(), DAY)
    assert (start, end) == (YESTERDAY_21, AT_21)


def test_the_reminder_lists_who_levelled_up_since_the_last_one_in_one_line():
    store = world()
    rt, sent = runtime(store, AT_21)
    assert run_job(rt, "daily-reminder", "c1", AT_21).status == "sent"
    lines = [line for line in group_text(sent).splitlines() if "Levelled up" in line]
    assert lines == ["🎉 Levelled up: Dan → Mentor, Ann → Core"]


def test_a_level_up_is_announced_once_across_replays_and_the_next_days_post():
    store = world()
    rt, sent = runtime(store, AT_21)
    run_job(rt, "daily-reminder", "c1", AT_21)
    assert run_job(rt, "daily-reminder", "c1", AT_21).status == "already-done"
    tomorrow = AT_21 + timedelta(days=1)
    rt2, sent2 = runtime(store, tomorrow)
    run_job(rt2, "daily-reminder", "c1", tomorrow)
    assert group_text(sent).count("Ann → Core") == 1
    [line] = [x for x in group_text(sent2).splitlines() if "Levelled up" in x]
    assert line == "🎉 Levelled up: Cat → Learner"


def test_the_line_goes_out_even_when_everyone_checked_in_and_in_chinese():
    store = world(locale="zh-CN", congratulate_when_all_done=False)
    for m in store.list_members("c1"):
        record_checkin(store.table, "c1", m.user_id, DAY, AT_21)
    rt, sent = runtime(store, AT_21)
    run_job(rt, "daily-reminder", "c1", AT_21)
    assert group_text(sent) == "🎉 升级：Dan → 导师、Ann → 骨干"


def test_a_last_call_and_a_manual_reminder_announce_nothing():
    store = world(last_call_time="22:30")
    rt, sent = runtime(store, AT_21)
    run_job(
        rt, "daily-reminder", "c1", AT_21 + timedelta(minutes=90), period="2026-11-23#last-call"
    )
    assert "Levelled up" not in group_text(sent)


def test_without_a_daily_reminder_the_weekly_digest_carries_the_level_ups_once():
    # Cycle 3 of a community anchored 2 November is due Sunday 22 November 23:59 Shanghai;
    # its digest runs an hour later, the next a week after.
    digest_3 = datetime(2026, 11, 22, 16, 59, tzinfo=UTC)
    store = Store(MemoryTable())
    store.create_community(community(cycle_anchor=date(2026, 11, 2), jobs=("weekly-digest",)))
    store.bulk_save_members(
        [
            member("ann", level=3, level_at=digest_3 - timedelta(days=2)),
            member("bob", level=2, level_at=digest_3 - timedelta(days=8)),  # the last digest's
        ]
    )
    rt, sent = runtime(store, digest_3)
    run_job(rt, "weekly-digest", "c1", digest_3)
    run_job(rt, "weekly-digest", "c1", digest_3)
    text = group_text(sent)
    assert text.count("🎉 Levelled up: Ann → Core") == 1 and "Bob →" not in text
    rt2, sent2 = runtime(store, digest_3 + timedelta(days=7))
    run_job(rt2, "weekly-digest", "c1", digest_3 + timedelta(days=7))
    assert "Levelled up" not in group_text(sent2)


def test_with_a_daily_reminder_the_digest_leaves_level_ups_to_it():
    digest_3 = datetime(2026, 11, 22, 16, 59, tzinfo=UTC)
    store = Store(MemoryTable())
    store.create_community(community(cycle_anchor=date(2026, 11, 2)))
    store.bulk_save_members([member("ann", level=3, level_at=digest_3 - timedelta(days=2))])
    rt, sent = runtime(store, digest_3)
    run_job(rt, "weekly-digest", "c1", digest_3)
    assert "Levelled up" not in group_text(sent)


# Monday 23 and Tuesday 24 November in Asia/Shanghai (UTC+8).
MON_08, MON_21 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC), AT_21
TUE_08, TUE_21 = MON_08 + timedelta(days=1), MON_21 + timedelta(days=1)


def quiet_world(**overrides):
    store = Store(MemoryTable())
    store.create_community(community(**overrides))
    store.bulk_save_members([member("fay")])
    return store


def levelled(store, levels):
    store.bulk_save_members([member(name, level=2, level_at=at) for name, at in levels.items()])


def post(store, at):
    rt, sent = runtime(store, at)
    run_job(rt, "daily-reminder", "c1", at)
    return [line for line in group_text(sent).splitlines() if "Levelled up" in line]


def move_reminder(store, hhmm):
    store.update_community(store.get_community("c1"), reminder_time=hhmm)


def test_a_later_reminder_time_neither_drops_nor_repeats_a_level_up():
    # Monday's 08:00 reminder announced up to 08:00; moved to 21:00 on Monday, Tuesday's
    # 21:00 post starts there (not at Monday 21:00, which would drop Bob).
    store = quiet_world(reminder_time="08:00")
    levelled(store, {"ann": MON_08 - timedelta(hours=1), "bob": MON_08 + timedelta(hours=4)})
    assert post(store, MON_08) == ["🎉 Levelled up: Ann → Learner"]
    move_reminder(store, "21:00")
    levelled(store, {"cat": TUE_08 + timedelta(hours=2)})
    [line] = post(store, TUE_21)
    assert "Bob → Learner" in line and "Cat → Learner" in line and "Ann" not in line


def test_an_earlier_reminder_time_announces_nothing_twice():
    # Monday's 21:00 reminder announced Ann; moved to 08:00, Tuesday's 08:00 post starts at
    # Monday 21:00 (not Monday 08:00, which would announce Ann again).
    store = quiet_world()
    levelled(store, {"ann": MON_21 - timedelta(hours=3), "bob": MON_21 + timedelta(hours=3)})
    assert "Ann → Learner" in post(store, MON_21)[0]
    move_reminder(store, "08:00")
    [line] = post(store, TUE_08)
    assert "Bob → Learner" in line and "Ann" not in line


def test_a_reminder_skipped_for_lateness_hands_its_level_ups_on():
    from chalicelib.jobs.run_queued_jobs import run_queued_job

    store = quiet_world(reminder_time="08:00")
    levelled(store, {"ann": MON_08 - timedelta(hours=30)})
    post(store, MON_08 - timedelta(days=1))  # Sunday's, announcing Ann
    levelled(store, {"bob": MON_08 - timedelta(hours=1)})
    rt, sent = runtime(store, MON_08 + timedelta(hours=3))
    message = {
        "community": "c1",
        "job": "daily-reminder",
        "period": "2026-11-23",
        "scheduled_at": MON_08.isoformat(),
    }
    assert run_queued_job(rt, message, MON_08 + timedelta(hours=3)).status == "skipped"
    assert sent == []
    [line] = post(store, TUE_08)
    assert "Bob → Learner" in line and "Ann" not in line


def test_a_digest_moved_earlier_announces_nothing_twice():
    # Digest 3 ran an hour after the deadline and announced Ann (half an hour after it);
    # with the offset then set to 0, digest 4 starts where digest 3 stopped, not at the
    # deadline.
    digest_3 = datetime(2026, 11, 22, 16, 59, tzinfo=UTC)
    store = Store(MemoryTable())
    store.create_community(community(cycle_anchor=date(2026, 11, 2), jobs=("weekly-digest",)))
    store.bulk_save_members(
        [
            member("ann", level=3, level_at=digest_3 - timedelta(minutes=30)),
            member("bob", level=2, level_at=digest_3 + timedelta(days=3)),
        ]
    )
    rt, sent = runtime(store, digest_3)
    run_job(rt, "weekly-digest", "c1", digest_3)
    assert "🎉 Levelled up: Ann → Core" in group_text(sent)
    store.update_community(store.get_community("c1"), digest_offset_minutes=0)
    digest_4 = digest_3 + timedelta(days=7, hours=-1)
    rt2, sent2 = runtime(store, digest_4)
    run_job(rt2, "weekly-digest", "c1", digest_4)
    [line] = [x for x in group_text(sent2).splitlines() if "Levelled up" in x]
    assert line == "🎉 Levelled up: Bob → Learner"
