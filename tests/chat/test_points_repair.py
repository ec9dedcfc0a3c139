"""The crash window between a homework write and its points write: a submission is stored,
then the process dies before its points are credited. The platform's redelivery is dropped
by the delivery claim (nothing twice); the member's next 作业 /hw or 交作业 /submit, or the
weekly digest, credits the points, exactly once (features/points.py repair_credits).
The same holds for a take-back whose write was lost: work that now earns less than its key
holds (on-time work replaced by late work, a review revised too short) gives back the
difference, once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.chat import homework as chat_homework
from chalicelib.domain.homework import Work
from chalicelib.domain.points import homework_key, owed_credits, owed_for, review_key
from chalicelib.inbound import handle_event
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store.homework import save_review, save_submission
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

# Cycle 3 of a community anchored on Monday 2026-11-02 runs 16-22 November (Shanghai).
WEDNESDAY = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
THURSDAY = datetime(2026, 11, 19, 4, 0, tzinfo=UTC)
AFTER_CLOSE = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday, 09:00 in Shanghai
LONG_REVIEW = "clear argument, but the second part needs an example to land it"


class Crash(Exception):
    pass


@pytest.fixture
def world():
    store = Store(MemoryTable())
    start = datetime(2026, 10, 1, tzinfo=UTC)
    store.create_community(community(cycle_anchor=date(2026, 11, 2), created_at=start))
    store.bulk_save_members([member("ann"), member("bob")])
    rt, _sent = runtime(store, WEDNESDAY)
    return store, rt


def say(rt, user: str, text: str, at: datetime, event_id: str) -> str:
    event = InboundEvent(
        "message", "console", "chat-1", Sender(user, user.title()), text, event_id=event_id
    )
    return "\n".join(m.text for m in handle_event(rt, event, at))


def crash_after_the_homework_write(monkeypatch, rt, text: str, event_id: str) -> None:
    """The submission is stored; the points write after it never happens."""

    def dies(*_args, **_kwargs):
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(chat_homework, "credit_action", dies)
        with pytest.raises(Crash):
            say(rt, "ann", text, WEDNESDAY, event_id)


def standing(store: Store, user: str = "ann") -> tuple[int, int, tuple[str, ...]]:
    found = store.get_member("c1", user)
    return found.points, found.homework_cycles, found.points_keys


def versions(store: Store) -> int:
    return store.table.get("C#c1", "HW#C0003#ann")["versions"]


def test_a_crash_after_the_submission_is_repaired_once(world, monkeypatch):
    store, rt = world
    crash_after_the_homework_write(monkeypatch, rt, "/submit https://example.com/a", "e-1")
    assert versions(store) == 1 and standing(store)[:2] == (0, 0)
    # The platform retries the same delivery: dropped by its claim, nothing written twice.
    assert say(rt, "ann", "/submit https://example.com/a", WEDNESDAY, "e-1") == ""
    assert versions(store) == 1 and standing(store)[:2] == (0, 0)
    # The member's next /hw credits the lost points; again and again, nothing more.
    say(rt, "ann", "/hw", THURSDAY, "e-2")
    assert standing(store) == (10, 1, ("HW#C0003=10",))
    say(rt, "ann", "/hw", THURSDAY, "e-3")
    assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE).status == "sent"
    assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE, force=True).status == "sent"
    assert standing(store) == (10, 1, ("HW#C0003=10",))


def test_the_weekly_digest_repairs_a_member_who_never_came_back(world, monkeypatch):
    store, rt = world
    crash_after_the_homework_write(monkeypatch, rt, "/submit https://example.com/a", "e-1")
    assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE).status == "sent"
    assert standing(store) == (10, 1, ("HW#C0003=10",))
    assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE, force=True).status == "sent"
    say(rt, "ann", "/hw", AFTER_CLOSE, "e-2")
    assert standing(store) == (10, 1, ("HW#C0003=10",))


def test_a_resubmission_after_the_crash_credits_once(world, monkeypatch):
    """The member, seeing no answer, sends it again: a new delivery, the same key."""
    store, rt = world
    crash_after_the_homework_write(monkeypatch, rt, "/submit https://example.com/a", "e-1")
    say(rt, "ann", "/submit https://example.com/a", THURSDAY, "e-2")
    assert versions(store) == 2
    assert standing(store) == (10, 1, ("HW#C0003=10",))


def test_credited_work_owes_nothing_and_forgotten_cycles_are_never_judged():
    work = [{"user_id": "ann", "cycle": "C0003", "late": True, "points": 5}]
    reviews = [
        {"reviewer": "ann", "reviewee": "bob", "cycle": "C0003", "points": 3},
        {"reviewer": "ann", "reviewee": "cat", "cycle": "C0003", "points": 0},  # too short
        {"reviewer": "ann", "reviewee": "dan", "cycle": "C0003"},  # stored before points
    ]
    owed = owed_credits("ann", {}, work, reviews, "C0004")
    assert [(o.key, o.amount, o.counter) for o in owed] == [
        (homework_key("C0003"), 5, "homework_cycles"),
        (review_key("C0003", "bob"), 3, "reviews_given"),
    ]
    held = {homework_key("C0003"): 5, review_key("C0003", "bob"): 3}
    assert owed_credits("ann", held, work, reviews, "C0004") == []
    # C0003's key may have been credited and pruned by C0008: not judged then.
    assert owed_credits("ann", {}, work, reviews, "C0008") == []
    assert owed_credits("bob", {}, work, reviews, "C0004") == []


def test_work_stored_before_points_is_not_credited_by_the_digest(world):
    """No write per member for old data: a submission without what it earns is left."""
    store, rt = world
    work = Work(link="https://example.com/a", text=None)
    save_submission(
        store.table,
        "c1",
        "C0003",
        "ann",
        name="Ann",
        work=work,
        at=WEDNESDAY,
        late=False,
        previous=None,
    )
    assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE).status == "sent"
    assert standing(store)[:2] == (0, 0)


def test_the_digest_repairs_a_review_whose_points_were_lost(world):
    """A review of cycle 3's work stored without its points (the crash): the digest of
    cycle 4, which reads cycle 3's reviews, credits it once."""
    store, rt = world
    say(rt, "bob", "/submit https://example.com/b", WEDNESDAY, "e-1")
    review = {"text": LONG_REVIEW, "score": 4, "at": THURSDAY, "assigned": False, "points": 3}
    save_review(store.table, "c1", "C0003", "bob", "ann", **review)
    assert standing(store)[0] == 0
    cycle_4_closed = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert run_job(rt, "weekly-digest", "c1", cycle_4_closed).status == "sent"
    assert run_job(rt, "weekly-digest", "c1", cycle_4_closed, force=True).status == "sent"
    found = store.get_member("c1", "ann")
    assert (found.points, found.reviews_given) == (3, 1)


# -- a take-back whose write was lost ------------------------------------------------------

# Sunday 22 November, ten minutes before cycle 3's deadline (23:59 Shanghai), and five past.
BEFORE_DEADLINE = datetime(2026, 11, 22, 15, 49, tzinfo=UTC)
AFTER_DEADLINE = datetime(2026, 11, 22, 16, 5, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # cycle 3's late grace still open


def late_replacement_crashes(monkeypatch, rt) -> None:
    """Ann's on-time work is credited; a second /submit just after the deadline read her open
    cycles before the first landed (two deliveries racing the deadline), so it goes to
    cycle 3 as late work and replaces the on-time version (store/homework.save_submission
    re-reads and replaces); then the process dies before the take-back is written."""
    say(rt, "ann", "/submit https://example.com/on-time", BEFORE_DEADLINE, "e-1")

    def dies(*_args, **_kwargs):
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(chat_homework, "member_work", lambda *_args: {})
        patched.setattr(chat_homework, "credit_action", dies)
        with pytest.raises(Crash):
            say(rt, "ann", "/submit https://example.com/late", AFTER_DEADLINE, "e-2")


@pytest.mark.parametrize("repair", ["/hw", "/submit", "digest"])
def test_a_lost_take_back_is_repaired_once(world, monkeypatch, repair):
    store, rt = world
    late_replacement_crashes(monkeypatch, rt)
    stored = store.table.get("C#c1", "HW#C0003#ann")
    assert (stored["late"], stored["points"], stored["versions"]) == (True, 5, 2)
    assert standing(store) == (10, 1, ("HW#C0003=10",))  # still the on-time credit
    # Repaired by the member's next /hw or /submit (cycle 3 is still in its late grace,
    # so open) or by the digest that closes cycle 3: the difference comes off, once.
    if repair == "digest":
        assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE).status == "sent"
    else:
        say(
            rt,
            "ann",
            {"/hw": "/hw", "/submit": "/submit https://example.com/c4"}[repair],
            MONDAY,
            "e-3",
        )
    expected = 15 if repair == "/submit" else 5  # /submit also hands in cycle 4 (10)
    cycles = 2 if repair == "/submit" else 1
    assert standing(store)[:2] == (expected, cycles)
    assert "HW#C0003=5" in standing(store)[2]
    # Replays and every other repair path change nothing more.
    say(rt, "ann", "/hw", MONDAY, "e-4")
    say(rt, "ann", "/hw", MONDAY, "e-5")
    assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE, force=True).status == "sent"
    assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE, force=True).status == "sent"
    assert standing(store)[:2] == (expected, cycles)


def test_the_digest_takes_back_a_review_revised_too_short_once(world, monkeypatch):
    """Ann's long review earned 3; she revises it to a word, and the write taking the 3
    back is lost: the digest that reads cycle 3's reviews takes them back, once."""
    store, rt = world
    say(rt, "bob", "/submit https://example.com/b", WEDNESDAY, "e-1")
    say(rt, "ann", f"/review @bob {LONG_REVIEW}", WEDNESDAY, "e-2")
    ann = store.get_member("c1", "ann")
    assert (ann.points, ann.reviews_given) == (3, 1)

    def dies(*_args, **_kwargs):
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(chat_homework, "credit_action", dies)
        with pytest.raises(Crash):
            say(rt, "ann", "/review @bob nice", THURSDAY, "e-3")
    assert store.get_member("c1", "ann").points == 3
    cycle_4_closed = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert run_job(rt, "weekly-digest", "c1", cycle_4_closed).status == "sent"
    assert run_job(rt, "weekly-digest", "c1", cycle_4_closed, force=True).status == "sent"
    found = store.get_member("c1", "ann")
    assert (found.points, found.reviews_given) == (0, 1)
    assert found.points_keys == (f"{review_key('C0003', 'bob')}=0",)


def test_what_a_key_is_owed():
    key = homework_key("C0003")
    assert owed_for({}, key, 10) == 10  # never credited
    assert owed_for({}, key, 0) is None  # earns nothing: no key
    assert owed_for({}, key, None) is None  # stored before points existed
    assert owed_for({key: 10}, key, 10) is None  # credited
    assert owed_for({key: 10}, key, 5) == 5  # a lost take-back: settle to 5
    assert owed_for({key: 3}, key, 0) == 0  # a review revised too short
    # A first credit the day's cap cut to 4 holds less than the work is worth for good:
    # judging it owed would lift the cap on every later /hw.
    assert owed_for({key: 4}, key, 10) is None


def test_a_credit_cut_by_the_cap_is_not_repaired():
    """Homework worth 10 on a day whose cap left 4: the key holds 4 for good; the next /hw
    and the digest leave it (no repair lifts the cap)."""
    store = Store(MemoryTable())
    start = datetime(2026, 10, 1, tzinfo=UTC)
    store.create_community(
        community(cycle_anchor=date(2026, 11, 2), created_at=start, points_daily_cap=4)
    )
    store.bulk_save_members([member("ann")])
    rt, _sent = runtime(store, WEDNESDAY)
    say(rt, "ann", "/submit https://example.com/a", WEDNESDAY, "e-1")
    assert standing(store) == (4, 1, ("HW#C0003=4",))
    say(rt, "ann", "/hw", THURSDAY, "e-2")
    assert run_job(rt, "weekly-digest", "c1", AFTER_CLOSE).status == "sent"
    assert standing(store) == (4, 1, ("HW#C0003=4",))
