"""Earned streak freezes (保护卡, domain/freezes.py), through the webhook route with real
console signatures and through the check-in handler itself for a race.

Earned: every N reviews given and at each level reached, never above the bank (K); a
replayed action earns nothing. Used: by the check-in that ends a gap of missed days it can
cover, said in that reply and in /me; not on leave days, not when the gap is longer than
the bank, not when the community has not turned freezes on. Given back: by a make-up of the
frozen day in the same month. Exactly once: a redelivered or racing check-in spends a
missed day's freeze once."""

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
from chalicelib.features.points import credit_action
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.runtime import set_runtime
from chalicelib.store.checkins import record_checkin
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, console_body, member, runtime, signed_headers


def noon(day: int, month: int = 11) -> datetime:
    """12:00 in Shanghai on ``day`` November (or ``month``) 2026."""
    return datetime(2026, month, day, 4, 0, tzinfo=UTC)


START = datetime(2026, 10, 1, tzinfo=UTC)
FREEZES_ON = {"streak_freezes": True, "freeze_every_reviews": 5, "freeze_bank": 2}


@pytest.fixture
def wired(dynamo_table):
    store = Store(dynamo_table)
    rt, _sent = runtime(store, noon(23))
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            counter = iter(range(1, 1000))

            def post(user: str, text: str, at: datetime, message_id: str | None = None) -> str:
                rt.clock = FixedClock(at)
                body = console_body(text, user=user, message_id=message_id or f"m{next(counter)}")
                response = client.http.post(
                    "/webhooks/console", headers=signed_headers(body, at), body=body
                )
                assert response.status_code == 200
                return "\n".join(p for r in json.loads(response.body)["replies"] for p in r)

            yield post, store
    finally:
        set_runtime(None)


def ann(**fields) -> object:
    base = {"name": "Ann", "current_streak": 22, "best_streak": 22, "checkins": 22}
    return member("ann", last_checkin=date(2026, 11, 21), **{**base, **fields})


def seed(store: Store, *, settings: dict | None = None, **fields) -> None:
    chosen = FREEZES_ON if settings is None else settings
    store.create_community(community(created_at=START, **chosen))
    store.bulk_save_members([ann(**fields)])
    # the check-in the counters end at, as a real one would be stored
    record_checkin(store.table, "c1", "ann", date(2026, 11, 21), noon(21))


def stored(store: Store):
    found = store.get_member("c1", "ann")
    assert found is not None
    return found


def test_a_freeze_keeps_the_streak_over_a_missed_day_and_the_reply_says_so(wired):
    post, store = wired
    seed(store, freezes=2)
    me = post("ann", "/me", noon(23))
    assert "Streak: 22 (best: 22)" in me  # kept alive by the banked freeze
    assert "🧊 Streak freezes: 2 (at most 2)" in me
    reply = post("ann", "/checkin", noon(23))
    assert "🧊 A streak freeze covered 2026-11-22 and kept your 22-day streak; 1 left." in reply
    after = stored(store)
    assert (after.current_streak, after.freezes, after.frozen_days) == (23, 1, ("2026-11-22",))
    assert "last used for 2026-11-22" in post("ann", "/me", noon(24))


def test_a_redelivered_checkin_spends_one_freeze(wired):
    post, store = wired
    seed(store, freezes=2)
    for _ in range(3):
        post("ann", "/checkin", noon(23), message_id="same")
    assert (stored(store).freezes, stored(store).current_streak) == (1, 23)


def test_a_gap_longer_than_the_bank_breaks_the_streak_and_keeps_the_freezes(wired):
    post, store = wired
    seed(store, freezes=1)
    reply = post("ann", "/checkin", noon(24))  # 22 and 23 missed, one freeze
    assert "streak freeze" not in reply
    after = stored(store)
    assert (after.current_streak, after.freezes, after.frozen_days) == (1, 1, ())


def test_leave_days_keep_a_streak_without_a_freeze(wired):
    post, store = wired
    seed(store, freezes=1, leave_from=date(2026, 11, 22), leave_until=date(2026, 11, 22))
    post("ann", "/checkin", noon(23))
    assert (stored(store).current_streak, stored(store).freezes) == (23, 1)


def test_freezes_are_off_unless_the_community_turns_them_on(wired):
    post, store = wired
    seed(store, settings={}, freezes=2)
    me = post("ann", "/me", noon(23))
    assert "Streak freezes" not in me and "Streak: 0 (best: 22)" in me
    post("ann", "/checkin", noon(23))
    assert (stored(store).current_streak, stored(store).freezes) == (1, 2)


def test_a_makeup_of_the_frozen_day_gives_the_freeze_back(wired):
    post, store = wired
    seed(store, freezes=1)
    post("ann", "/checkin", noon(23))
    assert stored(store).freezes == 0
    reply = post("ann", "/makeup 2026-11-22", noon(24))
    assert "2026-11-22 is made up, so the streak freeze it used is yours again." in reply
    after = stored(store)
    assert (after.freezes, after.frozen_days, after.current_streak) == (1, (), 24)


def test_a_makeup_finds_the_runs_across_a_frozen_day_after_it(wired):
    """The runs a make-up recomputes after the made-up day carry the streak over a day a
    freeze covered, as the check-in did: found from the member item, not stored runs."""
    post, store = wired
    seed(store, settings={**FREEZES_ON, "makeup_window_days": 5}, freezes=1)
    post("ann", "/checkin", noon(24))  # 22 and 23 missed, one freeze: the run breaks
    post("ann", "/checkin", noon(25))
    assert "covered 2026-11-26" in post("ann", "/checkin", noon(27))  # 26 frozen: 3 days
    assert stored(store).current_streak == 3
    reply = post("ann", "/makeup 2026-11-23", noon(27, 11) + timedelta(hours=1))
    assert "2026-11-23 is made up: 4-day streak now" in reply
    after = stored(store)
    assert (after.current_streak, after.best_streak, after.checkins) == (4, 22, 26)


def test_a_makeup_in_a_later_month_gives_nothing_back(wired):
    post, store = wired
    store.create_community(community(created_at=START, **FREEZES_ON))
    store.bulk_save_members(
        [
            member(
                "ann",
                last_checkin=date(2026, 11, 29),
                current_streak=5,
                best_streak=5,
                checkins=5,
                freezes=1,
            )
        ]
    )
    post("ann", "/checkin", noon(1, 12))  # 30 November frozen
    assert stored(store).frozen_days == ("2026-11-30",)
    reply = post("ann", "/makeup 2026-11-30", noon(2, 12))
    assert "yours again" not in reply
    assert stored(store).freezes == 0


def test_two_checkins_racing_spend_the_missed_days_freeze_once():
    """Two messages (two deliveries) from a member whom the webhook read once each, before
    either wrote: the second finds today's check-in and settles from the stale member; the
    counters' condition makes its spend lose, so one freeze goes, not two."""
    store = Store(MemoryTable())
    seed(store, freezes=2)
    read = stored(store)
    chat = store.get_community("c1")
    for event_id in ("a", "b"):
        event = InboundEvent(
            "message", "console", "chat-1", Sender("ann", "Ann"), "/checkin", event_id=event_id
        )
        ctx = CommandContext(store, chat, read, Command("checkin", "", "/checkin"), event, noon(23))
        handle_checkin(ctx)
    after = stored(store)
    assert (after.freezes, after.current_streak, after.checkins) == (1, 23, 23)


# -- earning ------------------------------------------------------------------------------


def review(store: Store, key: str) -> int | None:
    chat = store.get_community("c1")
    return credit_action(
        store.table,
        chat,
        "ann",
        key,
        3,
        today=date(2026, 11, 23),
        now=noon(23),
        counter="reviews_given",
    )


def test_every_fifth_review_earns_a_freeze_once_and_never_above_the_bank():
    store = Store(MemoryTable())
    seed(store, reviews_given=3)
    review(store, "RV#C0003#a")
    assert stored(store).freezes == 0
    review(store, "RV#C0003#b")  # the fifth
    review(store, "RV#C0003#b")  # replayed: nothing more
    assert (stored(store).reviews_given, stored(store).freezes) == (5, 1)
    for n in range(10):  # ten more: two more earned, one kept (the bank holds 2)
        review(store, f"RV#C0003#x{n}")
    assert (stored(store).reviews_given, stored(store).freezes) == (15, 2)


def test_each_level_reached_earns_a_freeze(wired):
    post, store = wired
    store.create_community(community(created_at=START, **{**FREEZES_ON, "freeze_bank": 5}))
    store.bulk_save_members(
        [member("eva", points=500, homework_cycles=3, best_streak=9, checkins=9)]
    )
    post("eva", "/checkin", noon(23))
    eva = store.get_member("c1", "eva")
    assert (eva.level, eva.freezes) == (3, 2)


def test_an_admin_turns_freezes_on_from_chat_and_a_member_cannot():
    from chalicelib.inbound import handle_event
    from chalicelib.queue import MemoryQueue
    from tests.chat.queued import WORKING, run_worker

    store = Store(MemoryTable())
    store.create_community(community(created_at=START))
    store.bulk_save_members([member("olga", role="owner"), member("amy")])
    rt, sent = runtime(store, noon(23))
    rt.queue = MemoryQueue()

    def say(user: str, text: str, event_id: str) -> str:
        event = InboundEvent(
            "message", "console", "chat-1", Sender(user, user.title()), text, event_id=event_id
        )
        return "\n".join(m.text for m in handle_event(rt, event, noon(23)))

    set_runtime(rt)
    try:
        assert say("amy", "/settings freezes on", "s1") == (
            "Sorry Amy, only owners and admins can use this command."
        )
        assert store.get_community("c1").streak_freezes is False
        assert say("olga", "设置 保护卡 开", "s2") == WORKING
        run_worker(rt, rt.queue, noon(23))
        assert say("olga", "/settings freezebank 11", "s3").startswith("Nothing changed")
    finally:
        set_runtime(None)
    assert store.get_community("c1").streak_freezes is True
    assert "freezes off → on" in sent[-1].text
