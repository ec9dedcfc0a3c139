"""A streak freeze spent by itself (domain/freezes.py, features/freezes.py): the day after a
missed day, the main daily reminder tells the member privately that a freeze kept the
streak, and spends it once the messages are out. Through the dispatcher, the queue worker
and the claim; the later check-in through the webhook route with real console signatures.

Exactly once: a second tick, a forced re-run and a retried apply spend one freeze; the
check-in that ends the gap spends nothing more. Private: a direct message, never the group,
and nothing for the group when the DM is refused. Off when the community has not turned
freezes on."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from chalice.test import Client

import app
from chalicelib.chat.checkins import handle_checkin
from chalicelib.chat.context import CommandContext
from chalicelib.clock import FixedClock
from chalicelib.domain.commands import Command
from chalicelib.jobs.plan import Direct
from chalicelib.jobs.runner import run_job
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.jobs.send_daily_reminders import plan_daily_reminder
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.runtime import set_runtime
from chalicelib.store import keys
from chalicelib.store.checkins import record_checkin
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, console_body, member, runtime, signed_headers
from tests.jobs.test_direct_messages import DirectAdapter

START = datetime(2026, 10, 1, tzinfo=UTC)
FREEZES_ON = {"streak_freezes": True, "freeze_every_reviews": 5, "freeze_bank": 2}
REMINDER = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai on 2026-11-23
KEPT = "🧊 You missed 2026-11-22: a freeze kept your 22-day streak; 1 left."


def seed(store: Store, settings: dict | None = None, **ann_fields) -> None:
    chosen = FREEZES_ON if settings is None else settings
    store.create_community(community(created_at=START, **chosen))
    run = {"current_streak": 22, "best_streak": 22, "checkins": 22}
    last = date(2026, 11, 21)
    store.bulk_save_members(
        [
            member("ann", name="Ann", last_checkin=last, **{**run, "freezes": 2, **ann_fields}),
            member("bob", last_checkin=last, freezes=0, **run),  # nothing banked
            member("cat", last_checkin=last, freezes=2, leave_until=date(2026, 11, 22), **run),
            member("dan", last_checkin=last, freezes=2, exempt=True, **run),
            member("eve", last_checkin=date(2026, 11, 22), freezes=2, **run),  # not missed
            member("fay", last_checkin=date(2026, 11, 20), freezes=2, **run),  # run broken
        ]
    )
    record_checkin(store.table, "c1", "ann", last, REMINDER - timedelta(days=2))
    schedule_community(store.table, store.get_community("c1"), REMINDER - timedelta(hours=1))


TICKED_JOB = "daily-reminder"  # the tick fixture's (tests/jobs/conftest.py)


def ann(store: Store):
    found = store.get_member("c1", "ann")
    assert found is not None
    return found


def test_the_reminder_tells_the_member_privately_and_spends_one_freeze_once(tick):
    store = Store(MemoryTable())
    seed(store)
    rt_sent = tick(store, REMINDER + timedelta(minutes=2))
    rt, sent = tick(store, REMINDER + timedelta(minutes=7), rt_sent)  # the next tick
    direct = [m for m in sent if m.kind == "direct" and "freeze" in m.text]
    assert [(m.user_id, m.text) for m in direct] == [("ann", f"[DM → ann] {KEPT}")]
    assert not any("freeze" in m.text for m in sent if m.kind != "direct")
    assert (ann(store).freezes, ann(store).frozen_days) == (1, ("2026-11-22",))
    for other in ("bob", "cat", "dan", "eve", "fay"):
        stored = store.get_member("c1", other)
        assert stored is not None and stored.frozen_days == ()
    # a forced re-run of the same period: the day is frozen, nothing said or spent again
    run_job(rt, "daily-reminder", "c1", REMINDER + timedelta(minutes=9), force=True)
    assert len([m for m in sent if "freeze" in m.text]) == 1
    assert ann(store).freezes == 1


def test_a_retried_apply_spends_the_freeze_once():
    """A run retried after its apply began (the same plan applied again) spends once."""
    store = Store(MemoryTable())
    seed(store)
    plan = plan_daily_reminder(store, store.get_community("c1"), REMINDER, direct=True)
    assert plan.summary["freezes_used"] == 1 and plan.apply is not None
    plan.apply()
    assert (ann(store).freezes, ann(store).frozen_days) == (1, ("2026-11-22",))
    # a freeze earned meanwhile (a review), written under the tally's version as points.py
    # writes it: the retried apply neither spends again nor writes over it
    earned = ann(store)
    store.table.update(
        keys.community_pk("c1"),
        keys.member_sk("ann"),
        set={"freezes": 2, "points_v": earned.points_v + 1},
        return_new=False,
    )
    plan.apply()
    assert (ann(store).freezes, ann(store).frozen_days) == (2, ("2026-11-22",))


def test_no_group_fallback_when_the_direct_message_is_refused():
    store = Store(MemoryTable())
    seed(store)
    adapter = DirectAdapter(refuse=("ann",))
    rt, _ = runtime(store, REMINDER)
    rt.adapters["console"] = adapter
    result = run_job(rt, "daily-reminder", "c1", REMINDER)
    assert result.summary["direct_refused"] == 1 and adapter.private == []
    assert adapter.group and "freeze" not in adapter.texts()
    assert "reachable" not in adapter.texts()  # no fallback listing for the freeze note
    # still used by itself: /me says so
    assert (ann(store).freezes, ann(store).frozen_days) == (1, ("2026-11-22",))


def test_the_last_call_and_a_manual_reminder_spend_nothing():
    store = Store(MemoryTable())
    seed(store, settings={**FREEZES_ON, "last_call_time": "22:30"})
    plan = plan_daily_reminder(
        store, store.get_community("c1"), REMINDER, period="2026-11-23#last-call", direct=True
    )
    assert plan.apply is None and "freezes_used" not in plan.summary
    plan = plan_daily_reminder(
        store, store.get_community("c1"), REMINDER, period="2026-11-23#manual", direct=True
    )
    assert plan.apply is None


def test_off_when_the_community_has_not_turned_freezes_on(tick):
    store = Store(MemoryTable())
    seed(store, settings={})
    _rt, sent = tick(store, REMINDER + timedelta(minutes=2))
    assert sent and not any("freeze" in m.text for m in sent)
    assert (ann(store).freezes, ann(store).frozen_days) == (2, ())


@pytest.fixture
def wired(dynamo_table):
    store = Store(dynamo_table)
    rt, _sent = runtime(store, REMINDER)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            counter = iter(range(1, 1000))

            def post(user: str, text: str, at: datetime) -> str:
                rt.clock = FixedClock(at)
                body = console_body(text, user=user, message_id=f"m{next(counter)}")
                response = client.http.post(
                    "/webhooks/console", headers=signed_headers(body, at), body=body
                )
                assert response.status_code == 200
                return "\n".join(p for r in json.loads(response.body)["replies"] for p in r)

            yield post, store
    finally:
        set_runtime(None)


def test_the_checkin_that_ends_the_gap_spends_nothing_more(wired, tick):
    post, store = wired
    seed(store)
    tick(store, REMINDER + timedelta(minutes=2))
    assert ann(store).freezes == 1
    me = post("ann", "/me", REMINDER + timedelta(minutes=30))
    assert "Streak: 22 (best: 22)" in me and "last used for 2026-11-22" in me
    reply = post("ann", "/checkin", REMINDER + timedelta(hours=1))  # 2026-11-23, 22:00
    assert "streak freeze" not in reply
    after = ann(store)
    assert (after.current_streak, after.freezes, after.frozen_days) == (23, 1, ("2026-11-22",))


def test_me_keeps_the_streak_when_the_last_freeze_was_spent(wired, tick):
    post, store = wired
    seed(store, freezes=1)
    tick(store, REMINDER + timedelta(minutes=2))
    assert ann(store).freezes == 0
    me = post("ann", "/me", REMINDER + timedelta(minutes=30))
    assert "Streak: 22 (best: 22)" in me and "Streak freezes: 0" in me


def test_a_checkin_read_before_the_spend_counts_the_frozen_day_once(wired):
    """The check-in and the job race: the job's write bumps the tally's version, so a
    check-in computed from the member as it was fails its condition, reads again, and
    finds the day frozen."""
    post, store = wired
    seed(store)
    plan = plan_daily_reminder(store, store.get_community("c1"), REMINDER, direct=True)
    assert plan.apply is not None
    post("ann", "/checkin", REMINDER + timedelta(hours=1))  # 2026-11-23, 22:00: spends it
    plan.apply()  # the job's write finds the day frozen: nothing more
    after = ann(store)
    assert (after.current_streak, after.freezes, after.frozen_days) == (23, 1, ("2026-11-22",))


def test_a_checkin_that_read_the_member_before_the_spend_spends_nothing_more():
    """The other way round: the webhook read the member, the job spent the freeze, then the
    check-in settles from the member it read. The job's write bumped the tally's version, so
    the check-in's condition fails, it reads again and finds the day frozen."""
    store = Store(MemoryTable())
    seed(store)
    read = ann(store)
    plan = plan_daily_reminder(store, store.get_community("c1"), REMINDER, direct=True)
    assert plan.apply is not None
    plan.apply()
    at = REMINDER + timedelta(hours=1)
    event = InboundEvent("message", "console", "chat-1", Sender("ann", "Ann"), "/checkin")
    chat = store.get_community("c1")
    reply = handle_checkin(
        CommandContext(store, chat, read, Command("checkin", "", "/checkin"), event, at)
    )
    assert "streak freeze" not in reply[0].text
    after = ann(store)
    assert (after.current_streak, after.freezes, after.frozen_days) == (23, 1, ("2026-11-22",))


def test_the_plan_reads_only_the_roster_and_the_day_and_writes_once_per_freeze_used(
    dynamo_table, requests_made
):
    """No request per member to find who a freeze keeps; one conditional UpdateItem per
    member who uses one, none for the others."""
    store = Store(dynamo_table)
    store.create_community(community(created_at=START, **FREEZES_ON))
    run = {"current_streak": 5, "best_streak": 5, "checkins": 5}
    store.bulk_save_members(
        member(f"m{n:03d}", last_checkin=date(2026, 11, 21 + n % 3 // 2), freezes=1, **run)
        for n in range(300)
    )  # n % 3 == 2 checked in yesterday; the others missed it
    chat = store.get_community("c1")
    requests_made.reset()
    plan = plan_daily_reminder(store, chat, REMINDER, direct=True)
    counts = dict(requests_made.counts)
    assert counts.pop("Query") <= 4 and counts == {}  # roster + the day's check-ins
    assert plan.summary["freezes_used"] == 200 and plan.apply is not None
    requests_made.reset()
    plan.apply()
    assert dict(requests_made.counts) == {"UpdateItem": 200}


def test_the_note_in_chinese():
    store = Store(MemoryTable())
    seed(store, settings={**FREEZES_ON, "locale": "zh-CN"})
    plan = plan_daily_reminder(store, store.get_community("c1"), REMINDER, direct=True)
    notes = [(plan.target(i), m.text) for i, m in enumerate(plan.messages) if "保护卡" in m.text]
    assert notes == [
        (
            Direct("ann", None),
            "🧊 2026-11-22 没有打卡：保护卡帮你保住了 22 天的连续打卡，还剩 1 张。",
        )
    ]


def test_the_leaderboard_shows_the_streak_a_spent_freeze_kept(wired, tick):
    """A day the reminder froze is part of the run everywhere the streak is shown, not in
    /me only: the leaderboard showed 0 for a streak the member was just told was kept."""
    post, store = wired
    seed(store, freezes=1)
    tick(store, REMINDER + timedelta(minutes=2))
    assert (ann(store).freezes, ann(store).frozen_days) == (0, ("2026-11-22",))
    board = post("ann", "/leaderboard all", REMINDER + timedelta(minutes=30))
    assert "Ann — check-ins: 22, streak: 22" in board
    assert "Fay — check-ins: 22, streak: 0" in board  # a run really broken stays 0


def test_the_squad_and_a_makeup_show_the_streak_a_spent_freeze_kept(wired, tick):
    """/squad and a make-up's reply count the frozen day as /me does (both showed 0)."""
    post, store = wired
    seed(store, freezes=1, squad="A")
    tick(store, REMINDER + timedelta(minutes=2))
    squad = post("ann", "/squad", REMINDER + timedelta(minutes=30))
    makeup = post("ann", "/makeup 2026-11-20", REMINDER + timedelta(minutes=40))
    assert "⬜ Ann · streak 22 · " in squad
    # the run through 2026-11-21 (its real check-ins: 11-20 and 11-21), kept by the freeze
    assert "2026-11-20 is made up: 2-day streak now." in makeup


def test_the_members_own_page_shows_the_streak_a_spent_freeze_kept():
    """The web page's streak counts the frozen day as /me does (it showed 0 once the last
    freeze was spent)."""
    from chalicelib.features.manage import member_home

    store = Store(MemoryTable())
    seed(store, freezes=1)
    plan = plan_daily_reminder(store, store.get_community("c1"), REMINDER, direct=True)
    assert plan.apply is not None
    plan.apply()
    assert ann(store).freezes == 0
    page = member_home(store, store.get_community("c1"), ann(store), REMINDER)
    assert page.streak == 22
