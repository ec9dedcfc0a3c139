"""A settings change on the pages has the jobs scheduled again through the queue: the worker
(Lambda) and ``rollcall serve``'s tick both run the ``reschedule`` message."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.jobs.scheduling import schedule_community
from chalicelib.queue import MemoryQueue, reschedule_message
from chalicelib.store import keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import BadMessage, Reschedule, handle_records, parse_message
from rollcall.serve import LocalQueue, tick
from tests.helpers import community, runtime

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 13:00 in Shanghai


def reminder_at(store: Store) -> str:
    item = store.table.get(keys.community_pk("c1"), keys.due_item_sk("daily-reminder"))
    return item["scheduled_at"]


@pytest.fixture
def store() -> Store:
    built = Store(MemoryTable())
    made = built.create_community(community(reminder_time="21:00", jobs=("daily-reminder",)))
    schedule_community(built.table, made, NOW)
    built.update_community(made, reminder_time="18:30")  # as the settings page writes it
    return built


def test_the_message_parses_and_a_bad_one_is_dropped():
    assert parse_message(json.dumps(reschedule_message("c1"))) == Reschedule("c1")
    with pytest.raises(BadMessage, match="missing community"):
        parse_message(json.dumps({"kind": "reschedule"}))


def test_the_worker_points_the_jobs_at_the_new_times(store):
    rt, _ = runtime(store, NOW)
    assert reminder_at(store) == "2026-11-23T13:00:00+00:00"
    body = json.dumps(reschedule_message("c1"))
    assert handle_records(rt, [("m1", body), ("m1", body)], NOW) == {"batchItemFailures": []}
    assert reminder_at(store) == "2026-11-23T10:30:00+00:00"
    gone = json.dumps(reschedule_message("deleted-meanwhile"))
    assert handle_records(rt, [("m2", gone)], NOW) == {"batchItemFailures": []}


def test_serves_tick_runs_it_too(store):
    rt, _ = runtime(store, NOW)
    queue = LocalQueue()
    rt.queue = queue.queue
    assert isinstance(rt.queue, MemoryQueue)
    rt.queue.send_batch([reschedule_message("c1")])
    assert queue.arrived.is_set()  # wakes the tick at once
    tick(rt, NOW, queue=queue)
    assert reminder_at(store) == "2026-11-23T10:30:00+00:00"
