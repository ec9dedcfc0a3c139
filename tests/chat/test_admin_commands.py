"""/remind and /exempt: admins only, exactly once, and exempt members left alone.

/remind is deferred: the webhook answers "working on it" and queues it, and the worker
(run over the queue here, as SQS would) sends the reminder and then the confirmation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.inactivity import Thresholds, evaluate, parse_rules
from chalicelib.domain.models import Role
from chalicelib.inbound import handle_event
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.chat.queued import WORKING, run_worker
from tests.helpers import community, member, runtime

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai
EVENING = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00


@pytest.fixture
def setup():
    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members(
        [
            member("boss", name="Boss", role=Role.ADMIN),
            member("amy", name="Amy"),
            member("bob", name="Bob", username="bobby"),
        ]
    )
    rt, sent = runtime(store, NOON)
    rt.queue = MemoryQueue()
    set_runtime(rt)
    yield store, rt, sent
    set_runtime(None)


def say(rt, user: str, text: str, at: datetime = NOON, event_id: str | None = None) -> str:
    event = InboundEvent(
        "message", "console", "chat-1", Sender(user, user.title()), text, event_id=event_id
    )
    return "\n".join(m.text for m in handle_event(rt, event, at))


def test_remind_sends_the_reminder_now_once_and_leaves_the_scheduled_run(setup):
    _store, rt, sent = setup
    assert say(rt, "boss", "/remind", event_id="e1") == WORKING
    assert sent == [] and len(rt.queue.messages) == 1  # nothing sent inside the webhook
    assert run_worker(rt, rt.queue, NOON) == {"batchItemFailures": []}
    reminder, confirmation = sent
    assert "@Amy" in reminder.text
    assert confirmation.text == "📣 Today's (2026-11-23) check-in reminder is out."
    assert confirmation.chat_id == "chat-1"
    assert say(rt, "boss", "/remind", event_id="e2") == WORKING
    run_worker(rt, rt.queue, NOON)
    assert "already went out" in sent[-1].text
    assert len(sent) == 3  # the reminder itself went out once
    assert run_job(rt, "daily-reminder", "c1", EVENING).status == "sent"


def test_members_cannot_remind_or_exempt(setup):
    """The refusal is the webhook's own answer: nothing is queued for the worker."""
    _, rt, sent = setup
    assert "only owners, admins and leaders" in say(rt, "amy", "/remind")
    assert "only owners and admins" in say(rt, "amy", "/exempt @Bob")
    assert sent == [] and not rt.queue.messages


def test_exempt_toggles_and_exempt_members_are_not_reminded(setup):
    store, rt, sent = setup
    assert "Bob is exempt" in say(rt, "boss", "/exempt @bobby")
    assert store.get_member("c1", "bob").exempt
    run_job(rt, "daily-reminder", "c1", EVENING)
    text = "\n".join(m.text for m in sent)
    assert "@Amy" in text and "@bobby" not in text and "@Bob" not in text
    assert "no longer exempt" in say(rt, "boss", "豁免 @Bob")
    assert not store.get_member("c1", "bob").exempt


def test_exempt_needs_a_known_member(setup):
    _, rt, _ = setup
    assert "Usage" in say(rt, "boss", "/exempt")
    assert "No member" in say(rt, "boss", "/exempt @nobody")


def test_exempt_members_are_never_warned_or_candidates():
    rules = parse_rules([{"id": "silent", "kind": "inactive_days", "warn": 30, "remove": 45}])
    quiet = member(
        "x",
        last_active=date(2026, 1, 1),
        exempt=True,
        warned_rule="silent",
        warned_at=date(2026, 6, 1),
    )
    verdict = evaluate(quiet, rules, Thresholds(), date(2026, 11, 1))
    assert verdict.warned_rule is None and verdict.candidate is None
