"""Check-in storage on both tables (memory and DynamoDB on moto): the conditions that keep
counters and quotas right under concurrency behave the same on each."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.domain.checkins import Leave, Link, Streak
from chalicelib.store.checkins import (
    checkin_counts,
    link_of,
    load_member,
    member_checkins,
    member_month,
    record_checkin,
    release_makeup,
    reserve_makeup,
    save_leave,
    save_streak,
    set_quiet,
)
from tests.helpers import member

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def d(n: int) -> date:
    return date(2026, 11, n)


def test_counters_are_saved_only_from_the_version_they_were_computed_from(store):
    """Two requests that computed from the same counters: the second one must lose."""
    stale = store.save_member(member("u1"))
    first = save_streak(store.table, stale, Streak(1, 1, d(22), 1))
    assert first is not None and (first.checkins, first.last_checkin) == (1, d(22))
    assert save_streak(store.table, stale, Streak(1, 1, d(23), 1)) is None
    assert save_streak(store.table, first, Streak(2, 2, d(23), 2)) is not None
    assert load_member(store.table, "c1", "u1").current_streak == 2


def test_a_member_saved_without_counters_can_be_counted(store):
    """Items written before counters existed have no ``checkins`` attribute at all."""
    store.table.put(
        {"pk": "C#c1", "sk": "M#u2", "community_id": "c1", "user_id": "u2", "name": "U2"}
    )
    fresh = load_member(store.table, "c1", "u2")
    assert save_streak(store.table, fresh, Streak(1, 1, d(23), 1)) is not None


def test_the_makeup_quota_is_taken_atomically_and_can_be_given_back(store):
    assert reserve_makeup(store.table, "c1", "u1", "2026-11", 2) == 1
    assert reserve_makeup(store.table, "c1", "u1", "2026-11", 2) == 2
    assert reserve_makeup(store.table, "c1", "u1", "2026-11", 2) is None
    release_makeup(store.table, "c1", "u1", "2026-11")
    assert reserve_makeup(store.table, "c1", "u1", "2026-11", 2) == 2
    assert reserve_makeup(store.table, "c1", "u1", "2026-12", 2) == 1


def test_a_members_days_and_quota_are_read_by_key(store):
    for day, user in [(1, "u1"), (3, "u1"), (3, "u2"), (30, "u1")]:
        record_checkin(store.table, "c1", user, d(day), AT)
    reserve_makeup(store.table, "c1", "u1", "2026-11", 2)
    days, used = member_month(store.table, "c1", "u1", d(1), d(23), "2026-11")
    assert (days, used) == ({d(1), d(3)}, 1)
    assert set(member_checkins(store.table, "c1", "u2", [d(1), d(3)])) == {d(3)}
    assert checkin_counts(store.table, "c1", d(1), d(3)) == {"u1": 2, "u2": 1}


def test_an_item_keeps_no_run_and_an_old_items_run_still_reads(store):
    """Runs are the member item's now (its counters and gaps); an item written with its run
    before that reads as it was written, and one without a run as a run of 1."""
    record_checkin(store.table, "c1", "u1", d(23), AT)
    fresh = member_checkins(store.table, "c1", "u1", [d(23)])[d(23)]
    assert "streak" not in fresh and "prev" not in fresh
    assert link_of(fresh) == Link(d(23), 1, None)
    store.table.put(
        {"pk": "C#c1", "sk": "CI#2026-11-22#u1", "user_id": "u1", "date": "2026-11-22"}
        | {"streak": 4, "prev": "2026-11-20"}
    )
    old = member_checkins(store.table, "c1", "u1", [d(22)])[d(22)]
    assert link_of(old) == Link(d(22), 4, d(20))


def test_the_gaps_are_written_with_the_counters_only_when_they_change(store):
    stale = store.save_member(member("u1"))
    gaps = ("2026-11-23 2026-11-20 5",)
    first = save_streak(store.table, stale, Streak(1, 5, d(23), 6), gaps=gaps)
    assert first is not None and first.gaps == gaps
    assert load_member(store.table, "c1", "u1").gaps == gaps
    again = save_streak(store.table, first, Streak(2, 5, d(24), 7), gaps=gaps)
    assert again is not None and load_member(store.table, "c1", "u1").gaps == gaps
    assert save_streak(store.table, again, Streak(3, 5, d(25), 8), gaps=()) is not None
    assert load_member(store.table, "c1", "u1").gaps == ()


def test_leave_and_quiet_are_saved_and_cleared(store):
    m = store.save_member(member("u1"))
    on = save_leave(store.table, m, Leave(start=d(23), until=d(25)))
    assert (on.leave_from, on.leave_until) == (d(23), d(25))
    assert save_leave(store.table, m, None) is None, "computed from a stale leave"
    off = save_leave(store.table, on, None)
    assert (off.leave_from, off.leave_until) == (None, None)
    assert set_quiet(store.table, "c1", "u1", True).quiet is True
    assert set_quiet(store.table, "c1", "nobody", True) is None
