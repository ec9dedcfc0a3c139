"""A community's ``retention_days`` reaches every writer of a retained kind.

A community keeps its history for 200 days (not the default 396). Members and the owner
speak in the group (check-ins, a make-up, homework, a review, a role change, the month's
goal and progress, the rota, a session, an award, a settings change, removals), and the
dispatcher and the worker run every job at its scheduled time (reminders, the digest, the
report with a warning DM the platform refuses, the stars, the rota, the session's phases).
After each step, every item of keys.RETAINED_PREFIXES that step wrote carries
``expires_at`` = the time it was written + 200 days, and by the end every retained kind
has been written this way (docs/privacy.md)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.models import Role
from chalicelib.features import sessions as session_features
from chalicelib.inbound import handle_event
from chalicelib.jobs import registry
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.schedule import next_slot
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.platforms.base import ChatAddress, DirectRefused, InboundEvent, Sender
from chalicelib.platforms.console import ConsoleAdapter
from chalicelib.queue import MemoryQueue
from chalicelib.store import keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.store.retention import RETENTION_DAYS, expires_at
from chalicelib.worker import handle_records
from tests.helpers import SECRET, community, member, runtime

DAYS = 200
KEPT = timedelta(days=DAYS)
START = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday noon in Shanghai
FRIDAY = {"id": "friday", "title": "Friday talk", "weekday": "fri", "at": "20:00", "talk": 40}
SESSION_START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # Friday 20:00 in Shanghai
END = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # after the report and the stars of Dec 1


class RefusingIan(ConsoleAdapter):
    """The console, except that Ian never opened a private chat with the bot."""

    def deliver_direct(self, chat: ChatAddress, user_id: str, part: str) -> str:
        if user_id == "ian":
            raise DirectRefused("Forbidden: bot can't initiate conversation with a user")
        return super().deliver_direct(chat, user_id, part)


class World:
    """The community, its runtime (an adapter that refuses Ian's DMs), one queue for the
    deferred commands and the jobs, and what each step wrote."""

    def __init__(self) -> None:
        assert DAYS != RETENTION_DAYS
        self.store = Store(MemoryTable())
        c = community(
            retention_days=DAYS,
            admin_chat_id="admins-1",
            removal_enabled=True,
            cycle_anchor=date(2026, 11, 2),
            rota_period="week",
        )
        self.store.create_community(c)
        self.store.bulk_save_members(
            [
                member("boss", name="Boss", role=Role.OWNER),
                member("amy", name="Amy", last_active=date(2026, 11, 20)),
                member("bob", name="Bob", last_active=date(2026, 11, 20)),
                member("ian", name="Ian", last_active=date(2026, 9, 1)),  # to be warned
                member(
                    "olga",
                    name="Olga",
                    last_active=date(2026, 9, 1),
                    warned_rule="silent",
                    warned_at=date(2026, 11, 1),
                ),  # a removal candidate
            ]
        )
        self.rt, _ = runtime(self.store, START)
        self.rt.adapters["console"] = RefusingIan(SECRET, lambda _sent: None)
        self.queue = MemoryQueue()
        self.rt.queue = self.queue
        self.now = START
        session_features.add_session(self.store, self.store.get_community("c1"), FRIDAY, START)
        schedule_community(self.store.table, self.store.get_community("c1"), START)
        self.written: dict[str, int] = {}  # sort key → expires_at, as each step checked it
        self.events = iter(range(1, 10_000))

    def retained(self) -> dict[str, object]:
        items = self.store.table.query(keys.community_pk("c1"))
        return {
            i["sk"]: i.get(keys.TTL_ATTRIBUTE)
            for i in items
            if i["sk"].startswith(keys.RETAINED_PREFIXES)
        }

    def check(self, before: dict[str, object], at: datetime, step: str) -> None:
        """Every retained item the step wrote (or whose expiry it changed) expires
        ``DAYS`` after ``at``; a make-up quota ``DAYS`` after the month it counts."""
        for sk, ttl in self.retained().items():
            if sk in before and before[sk] == ttl:
                continue
            when = at
            if sk.startswith(keys.MAKEUP_PREFIX):
                month = sk.removeprefix(keys.MAKEUP_PREFIX)[:7]
                year, number = (int(p) for p in month.split("-"))
                when = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
            assert ttl == expires_at(when, KEPT), (step, sk, ttl)
            self.written[sk] = int(ttl)  # type: ignore[arg-type]

    def drain(self, at: datetime) -> None:
        batch = self.queue.drain()
        records = [(f"id-{at.isoformat()}-{i}", json.dumps(m)) for i, m in enumerate(batch)]
        assert handle_records(self.rt, records, at) == {"batchItemFailures": []}

    def say(self, user: str, text: str) -> str:
        """A member speaks in the group at ``now`` (deferred commands run by the worker)."""
        before = self.retained()
        self.rt.clock.set(self.now)
        sender = Sender(user, user.title())
        event = InboundEvent("message", "console", "chat-1", sender, text, f"e{next(self.events)}")
        replies = "\n".join(m.text for m in handle_event(self.rt, event, self.now))
        self.drain(self.now)
        self.check(before, self.now, text)
        return replies

    def run_jobs_until(self, end: datetime) -> None:
        """Tick at each job's next scheduled time up to ``end``: the dispatcher queues
        what is due and the worker runs it, as EventBridge and SQS would."""
        while True:
            c = self.store.get_community("c1")
            due = [
                slot.scheduled_at
                for name, spec in registry.job_specs().items()
                if spec.enabled(c) and (slot := next_slot(c, name, self.now)) is not None
            ]
            if not due or min(due) > end:
                break
            self.now = min(due)
            before = self.retained()
            self.rt.clock.set(self.now)
            dispatch_due_jobs(self.store.table, self.queue, self.now)
            self.drain(self.now)
            self.check(before, self.now, f"jobs at {self.now.isoformat()}")
        self.now = end


@pytest.fixture
def world() -> World:
    return World()


def test_every_retained_kind_is_written_with_the_communitys_retention(world, monkeypatch):
    # Review assignments are packed into bucket items (ASP#); a per-reviewee item (AS#) is
    # written only when a bucket is full. The late round's buckets are made to spill here, so
    # that both kinds are written, and checked, through the digest's own code.
    import chalicelib.jobs.send_weekly_digests as digest_job

    packed = digest_job.bulk_save_assignments

    def late_round_spills(*args, **kwargs):
        if kwargs.get("late_round"):
            kwargs["max_bytes"] = 0
        return packed(*args, **kwargs)

    monkeypatch.setattr(digest_job, "bulk_save_assignments", late_round_spills)
    # -- chat: the routine, homework, roles, the goal, the rota, a session, an award ------
    world.say("amy", "/checkin day one")
    world.say("amy", "/makeup 2026-11-22")
    late = world.say("amy", "/submit https://example.org/last-weeks-essay")
    assert "late for cycle 3" in late  # cycle 3's late window is still open
    world.say("amy", "/submit https://example.org/essay")
    world.say("amy", "/submit https://example.org/essay-v2")  # its earlier version kept
    world.say("bob", "/submit https://example.org/notes")
    world.say("bob", "/review @Amy a clear argument, well sourced and well argued 4")
    world.say("boss", "/role @Bob leader")
    world.say("boss", "/goal Read books 300 pages")
    world.say("amy", "/progress 20")
    world.say("amy", "/volunteer")
    world.say("amy", "/speak 2026-11-27 Clocks and calendars")
    world.say("boss", "/award @Amy most improved")
    world.say("boss", "/settings grace 3")
    # -- the jobs, through the dispatcher and the worker, and the session's attendance ----
    world.run_jobs_until(SESSION_START + timedelta(minutes=5))
    world.say("bob", "/here")
    world.say("amy", "/recording https://example.org/recording")
    world.run_jobs_until(END)
    # -- the owner confirms the report's removals ------------------------------------------
    world.say("boss", "/confirm-removals 2026-11")

    # Every kind was written through these paths (and checked at its step) ...
    kinds = {p for p in keys.RETAINED_PREFIXES if any(sk.startswith(p) for sk in world.written)}
    assert set(keys.RETAINED_PREFIXES) - kinds == set()
    runs = {sk.split("#")[1] for sk in world.written if sk.startswith(keys.RUN_PREFIX)}
    assert {
        "daily-reminder",
        "weekly-digest",
        "monthly-report",
        "monthly-stars",
        "rota",
        "sessions",
    } <= runs
    # ... and none is left with another period (nor without one).
    assert all(
        ttl is not None and int(ttl) == world.written[sk]  # type: ignore[arg-type]
        for sk, ttl in world.retained().items()
    )
