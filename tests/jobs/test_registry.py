"""A job is one file: a module declaring its SPEC and one line in the registry, and it runs
through the dispatcher, the queue, the claim and the run ledger like the routine jobs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.jobs import registry
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.schedule import MAX_LATENESS, next_slot
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.queue import MemoryQueue
from chalicelib.store import runs
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records
from tests.helpers import community, runtime


@pytest.fixture
def with_sample_job(monkeypatch):
    """The one registry line, added for this test."""
    monkeypatch.setattr(registry, "JOB_MODULES", (*registry.JOB_MODULES, "tests.jobs.sample_job"))
    registry._declared.cache_clear()
    yield
    registry._declared.cache_clear()


def test_a_new_job_is_one_module_and_one_registry_line_and_runs_end_to_end(with_sample_job):
    table = MemoryTable()
    store = Store(table)
    c = community(jobs=("daily-reminder",))  # an always-on job needs no community setting
    store.create_community(c)
    start = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai
    planned = schedule_community(table, c, start)
    assert planned["morning-greeting"] == "2026-11-23T01:00:00+00:00"  # 09:00 local
    assert MAX_LATENESS["morning-greeting"] == timedelta(hours=1)

    rt, sent = runtime(store, start)
    at = datetime(2026, 11, 23, 1, 2, tzinfo=UTC)
    rt.clock.set(at)
    queue = MemoryQueue()
    dispatch_due_jobs(table, queue, at)
    dispatch_due_jobs(table, queue, at)  # a tick delivered twice
    messages = [m for m in queue.drain() if m["job"] == "morning-greeting"]
    assert len(messages) == 2
    records = [(f"m{n}", json.dumps(m)) for n, m in enumerate(messages)]
    assert handle_records(rt, records, at) == {"batchItemFailures": []}
    greetings = [m.text for m in sent if m.text.startswith("Good morning")]
    assert greetings == ["Good morning, Study Group (2026-11-23)"]
    run = runs.get_run(table, "c1", "morning-greeting", "2026-11-23")
    assert run["status"] == "done" and run["parts"] == 1
    # The worker moved the pointer on: tomorrow's greeting is next.
    following = next_slot(store.get_community("c1"), "morning-greeting", at)
    assert following is not None and following.period == "2026-11-24"


def test_without_its_registry_line_the_job_does_not_exist():
    assert "morning-greeting" not in registry.job_names()
    with pytest.raises(ValueError, match="unknown job 'morning-greeting'"):
        registry.require_spec("morning-greeting")


def test_a_job_declared_twice_is_refused(monkeypatch):
    monkeypatch.setattr(
        registry, "JOB_MODULES", (*registry.JOB_MODULES, "chalicelib.jobs.send_daily_reminders")
    )
    registry._declared.cache_clear()
    try:
        with pytest.raises(ValueError, match="declared twice"):
            registry.job_specs()
    finally:
        registry._declared.cache_clear()


def test_the_routine_jobs_declare_themselves():
    assert registry.job_names() == (
        "daily-reminder",
        "weekly-digest",
        "monthly-report",
        "roster-sync",
        "monthly-stars",
        "quarterly-stars",
        "rota",
        "sessions",
        "announcements",
        "discord-activity",
    )
    assert MAX_LATENESS["daily-reminder"] == timedelta(hours=2)
