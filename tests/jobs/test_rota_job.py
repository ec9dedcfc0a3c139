"""The rota's turn-over (jobs/turn_over_rota.py) through the dispatcher, the queue worker and
the claim: once per period at its start, with the defined pick, the duties sent privately,
caught up after a missed tick, never a second pick on a replay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chalicelib.jobs.runner import run_job
from chalicelib.jobs.schedule import next_slot
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.store import rota as rota_store
from chalicelib.store import runs
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

SATURDAY = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
MONDAY_0900 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, 2026-W50
SEEN = date(2026, 12, 3)


def seeded(**overrides) -> Store:
    store = Store(MemoryTable())
    settings = {"rota_period": "week", "rota_duties": "Open the morning thread.", **overrides}
    store.create_community(community(**settings))
    store.bulk_save_members(
        [
            member("ann", last_active=SEEN),
            member("bob", last_active=SEEN),
            member("cat", last_active=SEEN, leave_until=date(2026, 12, 10)),
            member("dan", last_active=SEEN, exempt=True),
            member("eve", last_active=SEEN),
        ]
    )
    # ann served two weeks ago (sits out), bob five weeks ago; eve never
    rota_store.put_duty(store.table, "c1", "2026-W48", "ann", "Ann", volunteer=False, at=SATURDAY)
    rota_store.put_duty(store.table, "c1", "2026-W45", "bob", "Bob", volunteer=False, at=SATURDAY)
    return store


TICKED_JOB = "rota"  # the tick fixture's (tests/jobs/conftest.py)


def test_the_rota_turns_over_once_at_the_period_start_with_the_defined_pick(tick):
    store = seeded()
    schedule_community(store.table, store.get_community("c1"), SATURDAY)
    slot = next_slot(store.get_community("c1"), "rota", SATURDAY)
    assert slot is not None and (slot.period, slot.scheduled_at) == ("2026-W50", MONDAY_0900)

    rt_sent = tick(store, MONDAY_0900 - timedelta(minutes=5))  # not yet due
    assert rt_sent[1] == []
    _rt, sent = tick(store, MONDAY_0900 + timedelta(minutes=2), rt_sent)
    tick(store, MONDAY_0900 + timedelta(minutes=7), rt_sent)  # the next tick: nothing again
    group = [m for m in sent if m.kind == "message"]
    direct = [m for m in sent if m.kind == "direct"]
    # cat on leave, dan exempt, ann served two weeks ago: eve (never) before bob (W45)
    assert [m.text for m in group] == [
        "📋 The duty monitor of the week for 2026-W50 is Eve. Thank you!"
    ]
    assert len(direct) == 1 and direct[0].user_id == "eve"
    assert "Open the morning thread." in direct[0].text
    duty = rota_store.get_duty(store.table, "c1", "2026-W50")
    assert duty is not None and duty.user_id == "eve"
    assert runs.get_run(store.table, "c1", "rota", "2026-W50")["status"] == "done"
    # the pointer moved on to next Monday
    following = next_slot(store.get_community("c1"), "rota", MONDAY_0900 + timedelta(minutes=7))
    assert following is not None and following.period == "2026-W51"


def test_a_volunteer_is_picked_first_and_a_missed_tick_is_caught_up_the_next_day(tick):
    store = seeded()
    rota_store.add_volunteer(store.table, "c1", "2026-W50", "bob", "Bob", SATURDAY)
    schedule_community(store.table, store.get_community("c1"), SATURDAY)
    late = MONDAY_0900 + timedelta(hours=26)  # every tick of a day missed
    _rt, sent = tick(store, late)
    assert [m.text for m in sent if m.kind == "message"] == [
        "📋 The duty monitor of the week for 2026-W50 is Bob, who volunteered. Thank you!"
    ]


def test_a_replayed_turn_over_announces_the_member_on_duty_and_picks_no_one_else():
    store = seeded()
    rt, sent = runtime(store, MONDAY_0900)
    run_job(rt, "rota", "c1", MONDAY_0900)
    # a volunteer arrives for the same period afterwards; a forced replay must not re-pick
    rota_store.add_volunteer(store.table, "c1", "2026-W50", "bob", "Bob", MONDAY_0900)
    run_job(rt, "rota", "c1", MONDAY_0900, force=True)
    names = [m.text.split(" is ")[1] for m in sent if m.kind == "message"]
    assert names == ["Eve. Thank you!", "Eve. Thank you!"]
    assert rota_store.get_duty(store.table, "c1", "2026-W50").user_id == "eve"  # type: ignore[union-attr]


def test_a_community_without_a_rota_has_no_turn_over():
    store = Store(MemoryTable())
    store.create_community(community())
    assert next_slot(store.get_community("c1"), "rota", SATURDAY) is None


def test_a_monthly_rota_turns_over_on_the_first_at_nine_local():
    store = seeded(rota_period="month")
    slot = next_slot(store.get_community("c1"), "rota", SATURDAY)
    assert slot is not None and slot.period == "2027-01"
    assert slot.scheduled_at == datetime(2027, 1, 1, 1, 0, tzinfo=UTC)


def test_the_turn_over_reads_by_query_only_whatever_the_roster():
    """The candidates are the roster, the history and the volunteers: one Query each, no
    GetItem per member (a per-member read would grow this with the roster)."""
    store = seeded()
    store.bulk_save_members([member(f"x{n}", last_active=SEEN) for n in range(60)])
    table = store.table
    counts: dict[str, int] = {}
    original_get, original_query = table.get, table.query

    def get(*a, **k):
        counts["get"] = counts.get("get", 0) + 1
        return original_get(*a, **k)

    def query(*a, **k):
        counts["query"] = counts.get("query", 0) + 1
        return original_query(*a, **k)

    table.get, table.query = get, query  # type: ignore[method-assign]
    from chalicelib.jobs.turn_over_rota import plan_rota

    plan = plan_rota(store, store.get_community("c1"), MONDAY_0900)
    assert plan.summary["on_duty"] is not None
    assert counts == {"get": 2, "query": 3}  # the community, the period's duty; 3 Queries


def test_the_weekly_digest_names_the_member_on_duty_in_one_line():
    store = seeded(cycle_anchor=date(2026, 11, 2))
    rota_store.put_duty(store.table, "c1", "2026-W49", "eve", "Eve", volunteer=False, at=SATURDAY)
    rt, sent = runtime(store, MONDAY_0900)
    # the cycle due Sunday 6 December closes an hour later: the W49 duty is still running
    run_job(rt, "weekly-digest", "c1", datetime(2026, 12, 6, 17, 5, tzinfo=UTC))
    digest = [m.text for m in sent if m.kind == "message"]
    assert len(digest) == 1
    assert digest[0].splitlines()[-1] == "📋 The duty monitor of the week for 2026-W49: Eve"


def test_the_daily_nudge_goes_privately_to_the_member_on_duty_when_turned_on():
    tuesday_2100 = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    for nudge, expected in ((True, ["eve"]), (False, [])):
        store = seeded(rota_nudge=nudge)
        rota_store.put_duty(
            store.table, "c1", "2026-W50", "eve", "Eve", volunteer=False, at=SATURDAY
        )
        rt, sent = runtime(store, tuesday_2100)
        run_job(rt, "daily-reminder", "c1", tuesday_2100)
        nudges = [m for m in sent if m.kind == "direct" and "still the duty monitor" in m.text]
        assert [m.user_id for m in nudges] == expected


def test_when_nobody_may_serve_the_group_is_told_and_no_duty_is_recorded():
    store = Store(MemoryTable())
    store.create_community(community(rota_period="week"))
    store.bulk_save_members([member("ann", last_active=SEEN, leave_until=date(2026, 12, 31))])
    rt, sent = runtime(store, MONDAY_0900)
    run_job(rt, "rota", "c1", MONDAY_0900)
    assert [m.text for m in sent] == [
        "📋 Nobody is the duty monitor of the week for 2026-W50: no member can serve. Send "
        "/volunteer for the next one."
    ]
    assert rota_store.get_duty(store.table, "c1", "2026-W50") is None


def test_a_member_on_duty_who_left_the_group_is_no_longer_nudged():
    """The member on duty left mid-period: the daily reminder stops nudging them privately
    (it went on every day until the period ended); one still there is nudged as before."""
    tuesday_2100 = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    store = seeded(rota_nudge=True)
    rota_store.put_duty(store.table, "c1", "2026-W50", "eve", "Eve", volunteer=False, at=SATURDAY)
    store.mark_member_left("c1", "eve")
    rt, sent = runtime(store, tuesday_2100)
    run_job(rt, "daily-reminder", "c1", tuesday_2100)
    assert sent and not [m for m in sent if "duty monitor" in m.text]
