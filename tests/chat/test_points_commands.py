"""Points accrue once per action, through the webhook route and the command path:
duplicate deliveries and replays add nothing twice, a replaced submission changes its
points, a make-up earns nothing, the day's cap holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from chalice.test import Client

import app
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.runtime import set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, console_body, member, runtime, signed_headers

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# Cycle 3 of a community anchored on Monday 2026-11-02 runs 16-22 November (Shanghai),
# due Sunday 22 November 23:59 = 15:59 UTC.
WEDNESDAY = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)
LONG_REVIEW = "clear argument, but the second part needs an example to land it"


@pytest.fixture
def wired(dynamo_table):
    store = Store(dynamo_table)
    rt, _sent = runtime(store, NOW)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            yield client, store
    finally:
        set_runtime(None)


def test_a_redelivered_checkin_webhook_adds_its_points_once(wired):
    """The platform sends the same signed message twice (a slow answer, a retry): one
    check-in, its points counted once, in the counters' own write."""
    client, store = wired
    store.create_community(community())
    body = console_body("/checkin", user="u1", message_id="m-1")
    for _ in range(3):
        response = client.http.post(
            "/webhooks/console", headers=signed_headers(body, NOW), body=body
        )
        assert response.status_code == 200
    stored = store.get_member("c1", "u1")
    assert stored is not None
    assert (stored.checkins, stored.points, stored.points_today) == (1, 2, 2)
    # a genuinely second check-in the same day earns nothing either
    body = console_body("/checkin", user="u1", message_id="m-2")
    client.http.post("/webhooks/console", headers=signed_headers(body, NOW), body=body)
    assert store.get_member("c1", "u1").points == 2


@pytest.fixture
def world():
    store = Store(MemoryTable())
    start = datetime(2026, 10, 1, tzinfo=UTC)
    store.create_community(community(cycle_anchor=date(2026, 11, 2), created_at=start))
    store.bulk_save_members([member("ann"), member("bob"), member("cat")])
    rt, _sent = runtime(store, WEDNESDAY)
    return store, rt


def say(rt, user: str, text: str, at: datetime = WEDNESDAY, event_id: str | None = None) -> str:
    sender = Sender(user, user.title())
    event = InboundEvent("message", "console", "chat-1", sender, text, event_id=event_id)
    return "\n".join(m.text for m in handle_event(rt, event, at))


def points(store: Store, user: str) -> int:
    found = store.get_member("c1", user)
    assert found is not None
    return found.points


def test_a_streak_milestone_earns_its_bonus_and_a_makeup_earns_nothing(world):
    store, rt = world
    for n in range(7):
        say(rt, "ann", "/checkin", WEDNESDAY + timedelta(days=n))
    # 7 check-ins at 2, and 5 for the 7-day streak
    assert points(store, "ann") == 7 * 2 + 5
    say(rt, "bob", "/checkin", WEDNESDAY + timedelta(days=1))
    reply = say(rt, "bob", "/makeup 2026-11-18", WEDNESDAY + timedelta(days=1))
    assert "made up" in reply
    assert store.get_member("c1", "bob").checkins == 2
    assert points(store, "bob") == 2


def test_homework_replaced_keeps_its_points_and_late_work_earns_less(world):
    store, rt = world
    say(rt, "ann", "/submit https://example.com/v1")
    assert points(store, "ann") == 10
    say(rt, "ann", "/submit https://example.com/v2", WEDNESDAY + timedelta(hours=3))
    assert points(store, "ann") == 10  # replaced on time: the same points, not twice
    assert store.get_member("c1", "ann").homework_cycles == 1
    say(rt, "bob", "/submit https://example.com/b1", DEADLINE + timedelta(hours=2))
    bob = store.get_member("c1", "bob")
    assert (bob.points, bob.homework_cycles) == (5, 1)
    # after the deadline, ann's next work is the next cycle's, on time
    say(rt, "ann", "/submit https://example.com/v3", DEADLINE + timedelta(hours=2))
    ann = store.get_member("c1", "ann")
    assert (ann.points, ann.homework_cycles) == (20, 2)


def test_a_replayed_submission_adds_nothing(world):
    """A deferred or replayed command runs its handler again: the action's key on the member
    says it is credited already."""
    store, rt = world
    say(rt, "ann", "/submit https://example.com/v1", event_id="s-1")
    say(rt, "ann", "/submit https://example.com/v1", event_id="s-2")
    assert points(store, "ann") == 10


def test_a_roster_import_keeps_what_each_action_was_credited(world):
    """An import rewrites whole member items: the credited keys go along, so a
    resubmission after it is still a replacement, not a second cycle handed in."""
    store, rt = world
    say(rt, "ann", "/submit https://example.com/v1")
    store.bulk_save_members([store.get_member("c1", "ann")])
    say(rt, "ann", "/submit https://example.com/v2", WEDNESDAY + timedelta(hours=1))
    ann = store.get_member("c1", "ann")
    assert (ann.points, ann.homework_cycles) == (10, 1)


def test_a_short_review_earns_nothing_and_a_long_one_earns_once(world):
    store, rt = world
    say(rt, "bob", "/submit https://example.com/bob")
    say(rt, "ann", "/review @bob nice")
    ann = store.get_member("c1", "ann")
    assert (ann.points, ann.reviews_given) == (0, 0)
    say(rt, "ann", f"/review @bob {LONG_REVIEW}")
    say(rt, "ann", f"/review @bob {LONG_REVIEW} again")
    ann = store.get_member("c1", "ann")
    assert (ann.points, ann.reviews_given) == (3, 1)


def test_the_day_cap_holds_across_actions(world):
    store, rt = world
    community_ = store.get_community("c1")
    store.update_community(community_, points_daily_cap=12)
    say(rt, "bob", "/submit https://example.com/bob")
    say(rt, "cat", "/submit https://example.com/cat")
    say(rt, "ann", "/checkin")
    say(rt, "ann", "/submit https://example.com/ann")
    say(rt, "ann", f"/review @bob {LONG_REVIEW}")
    say(rt, "ann", f"/review @cat {LONG_REVIEW}")
    assert points(store, "ann") == 12
    from chalicelib.domain.points import review_key

    assert store.get_member("c1", "ann").points_keys == tuple(
        sorted(
            ("HW#C0003=10", f"{review_key('C0003', 'bob')}=0", f"{review_key('C0003', 'cat')}=0")
        )
    )
    assert "bob" not in "".join(store.get_member("c1", "ann").points_keys)


def test_a_points_write_from_a_stale_tally_is_refused_and_computed_again(world):
    """Two actions of one member at once: the second write, computed from the tally both
    read, must not overwrite the first's points (the version condition)."""
    from chalicelib.store.points import save_points

    store, rt = world
    say(rt, "ann", "/checkin")
    stale = store.get_member("c1", "ann")
    say(rt, "ann", "/submit https://example.com/v1")
    assert not save_points(
        store.table, "c1", "ann", version=stale.points_v, fields={"points": stale.points + 3}
    )
    assert points(store, "ann") == 12


def test_a_checkin_raises_the_level_only_when_the_non_points_condition_is_met(world):
    """Guard: points bought nothing past the second rung; the best streak held does."""
    store, rt = world
    store.bulk_save_members(
        [
            member("dan", points=500, homework_cycles=3, best_streak=2),
            member("eva", points=500, homework_cycles=3, best_streak=9),
        ]
    )
    say(rt, "dan", "/checkin")
    say(rt, "eva", "/checkin")
    dan, eva = store.get_member("c1", "dan"), store.get_member("c1", "eva")
    assert (dan.level, eva.level) == (2, 3)
    assert eva.level_at == WEDNESDAY and dan.level_at == WEDNESDAY
    me = say(rt, "dan", "/me")
    assert "Points: 502" in me and "Level: Learner" in me
    assert "Next level, Core, needs: a best streak of 7 days" in me


def test_me_shows_points_and_level_in_chinese(world):
    store, rt = world
    store.update_community(store.get_community("c1"), locale="zh-CN")
    say(rt, "ann", "/checkin")
    me = say(rt, "ann", "/me")
    assert "积分 2（本周 2，本月 2）· 等级：新生" in me
    assert "下一级「学员」还需：再得 28 积分" in me


def test_the_points_leaderboard_ranks_the_week_the_month_and_all_time(world):
    store, rt = world
    store.bulk_save_members(
        [
            member("dan", points=90, points_week="2026-W46", points_week_n=4),
            member("eva", points=40, points_month="2026-11", points_month_n=40),
        ]
    )
    say(rt, "ann", "/checkin")
    say(rt, "bob", "/submit https://example.com/b")
    week = say(rt, "ann", "/leaderboard points")
    assert week.splitlines() == [
        "🏅 Points this week (2026-11-16 to 2026-11-18)",
        "1. Bob  10 pts · Newcomer",
        "2. Ann  2 pts · Newcomer",
        "You are #2 with 2 points.",
    ]
    month = say(rt, "ann", "/leaderboard month points")
    assert "1. Eva  40 pts" in month and "Dan" not in month
    total = say(rt, "cat", "排行榜 积分 总")
    assert total.splitlines()[:2] == ["🏅 Points, all time", "1. Dan  90 pts · Newcomer"]
    assert total.splitlines()[-1] == "You are not on the board yet."
    assert "/leaderboard points month" in say(rt, "ann", "/leaderboard points someday")
    # the check-in board is still the default
    assert "1. Ann" in say(rt, "ann", "/leaderboard") and "pts" not in say(rt, "ann", "排行榜")


def test_a_checkin_computed_before_a_review_was_credited_does_not_erase_its_points(world):
    """The check-in's counters write carries the tally too: a review credited between the
    check-in's read and its write must make that write fail (and be computed again), not
    be overwritten by a tally that never saw it."""
    from chalicelib.domain.checkins import Streak, check_in
    from chalicelib.features.points import checkin_fields
    from chalicelib.store.checkins import save_streak

    store, rt = world
    say(rt, "bob", "/submit https://example.com/b")
    seen = store.get_member("c1", "ann")  # the check-in reads ann...
    say(rt, "ann", f"/review @bob {LONG_REVIEW}")  # ...a review lands meanwhile...
    today = date(2026, 11, 18)
    after = check_in(Streak.of(seen), today, None)
    fields, _ = checkin_fields(
        store.get_community("c1"),
        seen,
        streak=after.current,
        best=after.best,
        checkins=after.checkins,
        today=today,
        now=WEDNESDAY,
    )
    assert save_streak(store.table, seen, after, points=fields) is None  # ...refused
    assert points(store, "ann") == 3
    say(rt, "ann", "/checkin")  # the command path computes again and keeps both
    assert points(store, "ann") == 5
