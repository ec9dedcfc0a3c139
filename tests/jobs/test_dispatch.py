"""Local-time dispatch: every community's runs, once per period, in every timezone."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.queue import MemoryQueue, SqsQueue
from chalicelib.store import due as due_store
from chalicelib.store import runs
from chalicelib.store.due import DUE_SHARDS
from chalicelib.store.keys import community_pk
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records
from tests.helpers import community, member, runtime

TICK = timedelta(minutes=5)


def simulate(rt, queue, start: datetime, end: datetime, *, deliver_twice: bool = False):
    """Tick every 5 minutes; the worker drains the queue at each tick (twice if asked,
    as SQS's at-least-once delivery may)."""
    now = start
    while now <= end:
        rt.clock.set(now)
        dispatch_due_jobs(rt.store.table, queue, now)
        batch = queue.drain()
        records = [(f"id-{i}", json.dumps(m)) for i, m in enumerate(batch)]
        if deliver_twice:
            records = records + records
        assert handle_records(rt, records, now) == {"batchItemFailures": []}
        now += TICK


def reminder_runs(store: Store, cid: str) -> dict[str, str]:
    items = store.table.query(community_pk(cid), prefix="RUN#daily-reminder#")
    return {i["period"]: i["status"] for i in items}


@pytest.mark.parametrize(
    ("tz", "reminder", "first", "days"),
    [
        ("Europe/Berlin", "02:30", date(2026, 3, 27), 4),  # spring forward on 03-29
        ("Europe/Berlin", "02:30", date(2026, 10, 23), 4),  # fall back on 10-25
        ("America/New_York", "01:30", date(2026, 3, 6), 4),  # spring forward on 03-08
        ("America/New_York", "01:30", date(2026, 10, 30), 4),  # fall back on 11-01
        ("Pacific/Kiritimati", "21:00", date(2026, 11, 20), 3),  # UTC+14
        ("Pacific/Pago_Pago", "21:00", date(2026, 11, 20), 3),  # UTC-11
    ],
)
def test_each_local_day_gets_exactly_one_reminder_even_with_double_delivery(
    tz, reminder, first, days
):
    store = Store(MemoryTable())
    c = community(timezone=tz, reminder_time=reminder, jobs=("daily-reminder",))
    store.create_community(c)
    store.bulk_save_members([member("u1")])
    start = datetime.combine(first, datetime.min.time(), UTC) - timedelta(days=1)
    rt, sent = runtime(store, start)
    queue = MemoryQueue()
    schedule_community(store.table, c, start)
    simulate(rt, queue, start, start + timedelta(days=days + 2), deliver_twice=True)
    done = reminder_runs(store, "c1")
    expected = {(first + timedelta(days=n)).isoformat() for n in range(days)}
    assert expected <= set(done)
    assert all(status == runs.DONE for status in done.values())
    # one message per run, never two
    assert len(sent) == len(done)
    by_day = Counter(m.text.split(" ")[4] for m in sent)
    assert all(n == 1 for n in by_day.values())


def test_reminder_runs_at_the_first_valid_time_on_a_spring_forward_day():
    store = Store(MemoryTable())
    c = community(timezone="Europe/Berlin", reminder_time="02:30", jobs=("daily-reminder",))
    store.create_community(c)
    store.bulk_save_members([member("u1")])
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    rt, _ = runtime(store, start)
    schedule_community(store.table, c, start)
    simulate(rt, MemoryQueue(), start, datetime(2026, 3, 29, 3, 0, tzinfo=UTC))
    item = store.table.get(community_pk("c1"), "RUN#daily-reminder#2026-03-29")
    # 03:00 CEST = 01:00 UTC: the first tick at or after it claims the run
    assert item["claimed_at"] == "2026-03-29T01:00:00+00:00"


def test_a_missed_tick_is_caught_up_and_a_stale_reminder_is_skipped_not_sent():
    store = Store(MemoryTable())
    c = community(reminder_time="21:00", jobs=("daily-reminder",))  # 13:00 UTC
    store.create_community(c)
    store.bulk_save_members([member("u1")])
    start = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    rt, sent = runtime(store, start)
    queue = MemoryQueue()
    schedule_community(store.table, c, start)
    # outage from 12:00 to 14:30 UTC: the 13:00 reminder is caught up 90 minutes late
    simulate(
        rt,
        queue,
        datetime(2026, 11, 23, 14, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 14, 30, tzinfo=UTC),
    )
    assert reminder_runs(store, "c1") == {"2026-11-23": runs.DONE}
    # an outage of a whole day: the next reminder is more than 2 hours late → skipped
    sent.clear()
    simulate(
        rt,
        queue,
        datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
    )
    assert reminder_runs(store, "c1")["2026-11-24"] == runs.SKIPPED
    assert sent == []
    # and the schedule moved on to the 25th
    simulate(
        rt,
        queue,
        datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
    )
    assert reminder_runs(store, "c1")["2026-11-25"] == runs.DONE


def test_dispatch_sends_ten_messages_per_sqs_request(aws):
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="rollcall-test-jobs")["QueueUrl"]
    calls = Counter()
    sqs.meta.events.register("before-call.sqs", lambda model, **_: calls.update([model.name]))
    store = Store(MemoryTable())
    at = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    for n in range(95):
        c = community(id=f"c{n:03d}", chat_id=f"chat-{n}", jobs=("daily-reminder",))
        store.create_community(c)
        schedule_community(store.table, c, at)
    store.table.requests.clear()
    result = dispatch_due_jobs(store.table, SqsQueue(sqs, url), at + timedelta(days=1))
    assert result.enqueued == 95
    # Each shard's worker sends its runs 10 to a request.
    per_shard = Counter(due_store.shard_of(f"c{n:03d}", "daily-reminder") for n in range(95))
    assert calls["SendMessageBatch"] == sum(-(-n // 10) for n in per_shard.values())
    # One Query per shard (no legacy partitions: the upgrade step empties them), whatever
    # the number of communities and jobs; no per-community reads.
    assert dict(store.table.requests) == {"Query": DUE_SHARDS}
    assert result.shard_messages == DUE_SHARDS


def test_worker_reports_only_the_failed_record():
    store = Store(MemoryTable())
    c = community(jobs=("daily-reminder",))
    store.create_community(c)
    store.bulk_save_members([member("u1")])
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    rt, _ = runtime(store, at)
    good = {
        "community": "c1",
        "job": "daily-reminder",
        "period": "2026-11-23",
        "scheduled_at": at.isoformat(),
    }
    broken = {**good, "community": "c1", "period": "not-a-date"}
    response = handle_records(
        rt, [("a", json.dumps(good)), ("b", json.dumps(broken)), ("c", "{oops")], at
    )
    assert response == {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert reminder_runs(store, "c1") == {"2026-11-23": runs.DONE}


def test_a_pointer_in_the_old_per_job_shards_is_moved_by_the_upgrade_step_then_dispatched():
    """Pointers written before the shards were shared (DUE#<job>#<n>): the tick no longer
    reads those partitions; the upgrade step (``rollcall community schedule --all``:
    ensure_scheduled) moves each to its shard, keeping its run, and the tick finds it, so
    no community goes silent after an upgrade."""
    from chalicelib.jobs.scheduling import ensure_scheduled
    from chalicelib.store import due as due_store
    from chalicelib.store import keys
    from chalicelib.worker import handle_records

    store = Store(MemoryTable())
    c = community(jobs=("daily-reminder",))
    store.create_community(c)
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    item = {
        "pk": "C#c1",
        "sk": keys.due_item_sk("daily-reminder"),
        "due_pk": "DUE#daily-reminder#2",  # the old layout
        "due_sk": f"{at.isoformat()}#c1",
        "community_id": "c1",
        "job": "daily-reminder",
        "period": "2026-11-23",
        "scheduled_at": at.isoformat(),
    }
    store.table.put(item)
    queue = MemoryQueue()
    assert dispatch_due_jobs(store.table, queue, at).enqueued == 0  # not read any more
    assert ensure_scheduled(store.table, c, at) is False  # nothing missing: only moved
    moved = store.table.get("C#c1", keys.due_item_sk("daily-reminder"))
    assert moved["due_pk"] == due_store.index_pk("c1", "daily-reminder")
    assert (moved["period"], moved["scheduled_at"]) == ("2026-11-23", at.isoformat())
    assert dispatch_due_jobs(store.table, queue, at + due_store.TICK_SPAN).enqueued == 1
    [message] = queue.drain()
    rt, _sent = runtime(store, at)
    assert handle_records(rt, [("m1", json.dumps(message))], at) == {"batchItemFailures": []}
    moved = store.table.get("C#c1", keys.due_item_sk("daily-reminder"))
    assert moved["due_pk"] == due_store.index_pk("c1", "daily-reminder")
    assert moved["period"] == "2026-11-24"


def test_a_pointer_of_a_job_that_is_gone_is_cleared_not_retried_forever():
    from chalicelib.store import keys
    from chalicelib.worker import handle_records

    store = Store(MemoryTable())
    store.create_community(community())
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    store.table.put({"pk": "C#c1", "sk": keys.due_item_sk("retired-job"), "job": "retired-job"})
    message = {
        "community": "c1",
        "job": "retired-job",
        "period": "p",
        "scheduled_at": at.isoformat(),
    }
    rt, _sent = runtime(store, at)
    assert handle_records(rt, [("m1", json.dumps(message))], at) == {"batchItemFailures": []}
    assert store.table.get("C#c1", keys.due_item_sk("retired-job")) is None


def test_a_started_run_whose_message_comes_back_late_is_finished_not_abandoned():
    """A run that failed midway (the platform down) and is retried past its lateness: its
    record exists, so it is resumed through the claim rather than skipped half-sent."""
    from chalicelib.jobs.runner import run_job
    from chalicelib.platforms.base import DeliveryError
    from chalicelib.platforms.console import ConsoleAdapter
    from tests.helpers import SECRET

    store = Store(MemoryTable())
    store.create_community(community(jobs=("daily-reminder",)))
    store.bulk_save_members(member(f"m{n:02d}") for n in range(30))
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    rt, sent = runtime(store, at)
    adapter = ConsoleAdapter(SECRET, sent.append, limit=120)
    rt.adapters["console"] = adapter
    real, calls = adapter.deliver, [0]

    def down_after_one(chat, part):
        calls[0] += 1
        if calls[0] == 2:
            raise DeliveryError("console unreachable")
        return real(chat, part)

    adapter.deliver = down_after_one
    assert run_job(rt, "daily-reminder", "c1", at).status == "failed"
    adapter.deliver = real
    late = at + timedelta(hours=3)
    rt.clock.set(late)
    message = {
        "community": "c1",
        "job": "daily-reminder",
        "period": "2026-11-23",
        "scheduled_at": at.isoformat(),
    }
    assert handle_records(rt, [("m1", json.dumps(message))], late) == {"batchItemFailures": []}
    assert runs.get_run(store.table, "c1", "daily-reminder", "2026-11-23")["status"] == "done"
    texts = [m.text for m in sent if m.kind == "message"]
    assert len(texts) == len(set(texts)) > 1  # every part once
