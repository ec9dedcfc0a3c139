"""Fan-out dispatch: the tick sends one message per shard of the due index, the worker reads
that shard and enqueues its runs; doubled, stale and continued shard messages change
nothing twice. Request counts pin the shape (no timing here: bench/ measures that)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.config import due_shard_count
from chalicelib.jobs.dispatch_due_jobs import dispatch_shard, tick
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.queue import DISPATCH, MemoryQueue, shard_message
from chalicelib.store import due, keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records, parse_message
from tests.helpers import community, member, runtime

AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 Asia/Shanghai
LEGACY = len(due.LEGACY_JOBS) * due.LEGACY_SHARDS


def pointers(table, n: int, *, at: datetime = AT, prefix: str = "d") -> None:
    """``n`` daily-reminder pointers due at ``at`` (spread over the minute before it), as
    schedule_community writes them."""
    table.batch_put(
        {
            "pk": keys.community_pk(f"{prefix}{i:06d}"),
            "sk": keys.due_item_sk("daily-reminder"),
            "due_pk": due.index_pk(f"{prefix}{i:06d}", "daily-reminder"),
            "due_sk": due.due_sk(at - timedelta(seconds=i % 59), f"{prefix}{i:06d}"),
            "community_id": f"{prefix}{i:06d}",
            "job": "daily-reminder",
            "period": "2026-11-23",
            "scheduled_at": (at - timedelta(seconds=i % 59)).isoformat(),
        }
        for i in range(n)
    )


def expand(table, queue: MemoryQueue, shard_queue: MemoryQueue, **kwargs) -> int:
    """The worker's stage for every shard message (and continuation) on ``shard_queue``;
    returns how many it handled."""
    handled = 0
    while shard_queue.messages:
        message = shard_queue.messages.popleft()
        handled += 1
        assert handled <= 10_000, "shard messages without end"
        split = _Split(queue, shard_queue)
        dispatch_shard(
            table,
            split,
            message["partition"],
            datetime.fromisoformat(message["tick"]),
            since=datetime.fromisoformat(message["since"]) if "since" in message else None,
            after=message.get("after"),
            **kwargs,
        )
    return handled


class _Split:
    def __init__(self, runs: MemoryQueue, shards: MemoryQueue) -> None:
        self.runs, self.shards = runs, shards

    def send_batch(self, messages) -> int:
        batch = list(messages)
        held = [m for m in batch if m.get("kind") == DISPATCH]
        runs = [m for m in batch if m.get("kind") != DISPATCH]
        return (self.shards.send_batch(held) if held else 0) + (
            self.runs.send_batch(runs) if runs else 0
        )


def test_ten_thousand_due_communities_take_twelve_shard_messages_and_a_thousand_batches():
    table = MemoryTable()
    pointers(table, 10_000)
    table.requests.clear()
    shards = MemoryQueue()
    result = tick(table, shards, AT)
    # The tick: one Query of one item per partition (12 shards, 12 legacy partitions), and
    # one message per shard with something due, 10 to a SendMessageBatch.
    assert result.partitions == due.DUE_SHARDS + LEGACY
    assert dict(table.requests) == {"Query": due.DUE_SHARDS + LEGACY}
    assert len(shards.messages) == due.DUE_SHARDS == len(result.shards)
    assert shards.requests == 2
    assert {m["partition"] for m in shards.messages} == {
        keys.due_index_pk(n) for n in range(due.DUE_SHARDS)
    }
    # The workers: one Query per shard (pages follow within it), the runs 10 to a batch.
    table.requests.clear()
    runs = MemoryQueue()
    assert expand(table, runs, shards) == due.DUE_SHARDS
    assert dict(table.requests) == {"Query": due.DUE_SHARDS}
    per_shard = Counter(due.shard_of(f"d{i:06d}", "daily-reminder") for i in range(10_000))
    assert runs.requests == sum(-(-n // 10) for n in per_shard.values())
    assert 1000 <= runs.requests <= 1000 + due.DUE_SHARDS
    assert Counter(m["community"] for m in runs.messages) == {f"d{i:06d}": 1 for i in range(10_000)}


def test_an_idle_tick_sends_nothing_and_reads_one_item_per_partition():
    table = MemoryTable()
    pointers(table, 50, at=AT + timedelta(hours=1))  # due later, not now
    table.requests.clear()
    queue = MemoryQueue()
    result = tick(table, queue, AT)
    assert result.shards == [] and queue.requests == 0
    assert dict(table.requests) == {"Query": due.DUE_SHARDS + LEGACY}


def test_a_shard_with_more_than_one_message_allows_continues_until_every_run_is_enqueued():
    table = MemoryTable()
    pointers(table, 400)
    shards, runs = MemoryQueue(), MemoryQueue()
    tick(table, shards, AT)
    handled = expand(table, runs, shards, limit=7)
    # Each shard's ~33 runs take 5 messages of at most 7: continuations, each from where
    # the last one stopped, never from the start again.
    assert handled > 4 * due.DUE_SHARDS
    assert Counter(m["community"] for m in runs.messages) == {f"d{i:06d}": 1 for i in range(400)}


def test_a_continuation_starts_after_the_last_run_it_names():
    table = MemoryTable()
    pointers(table, 200)
    partition = due.index_pk("d000000", "daily-reminder")
    runs = MemoryQueue()
    first = dispatch_shard(table, runs, partition, AT, limit=5)
    assert first.enqueued == 5 and first.continued
    [continuation] = [m for m in runs.messages if m.get("kind") == DISPATCH]
    assert continuation["partition"] == partition and continuation["tick"] == AT.isoformat()
    sent = [m["community"] for m in runs.messages if m.get("kind") != DISPATCH]
    assert continuation["after"].endswith("#" + sent[-1])
    rest = MemoryQueue()
    dispatch_shard(table, rest, partition, AT, after=continuation["after"], limit=1000)
    later = [m["community"] for m in rest.messages]
    assert not set(sent) & set(later)
    in_shard = {f"d{i:06d}" for i in range(200)} & {
        f"d{i:06d}" for i in range(200) if due.index_pk(f"d{i:06d}", "daily-reminder") == partition
    }
    assert set(sent) | set(later) == in_shard


def test_a_shard_out_of_time_hands_over_before_it_enqueues_anything():
    table = MemoryTable()
    pointers(table, 60)
    partition = due.index_pk("d000000", "daily-reminder")
    queue = MemoryQueue()
    left = iter([40.0, 2.0])  # at the start, then at the first run: short
    result = dispatch_shard(table, queue, partition, AT, time_left=lambda: next(left, 2.0))
    assert result.enqueued == 0 and result.continued
    assert list(queue.messages) == [shard_message(partition, AT)]


def test_a_shard_reads_runs_due_by_its_tick_not_later_ones():
    table = MemoryTable()
    pointers(table, 40)
    pointers(table, 40, at=AT + timedelta(minutes=10), prefix="late")
    queue = MemoryQueue()
    for partition in due.partitions():
        dispatch_shard(table, queue, partition, AT)
    assert {m["community"][:4] for m in queue.messages} == {"d000"}
    assert len(queue.messages) == 40


def test_a_tick_reads_the_minute_since_the_last_one_and_a_sweep_reads_everything_still_due():
    """At 21:00 the runs wait in the queue, their pointers not yet advanced: the ticks that
    follow do not send them again (a million copies a minute at scale); the sweep at minute 7
    sends what is still due once, and a run due mid-minute goes with the next tick."""
    from chalicelib.jobs.dispatch_due_jobs import window_start

    table = MemoryTable()
    pointers(table, 100)  # due in the minute up to 21:00:00 (13:00 UTC)
    pointers(table, 5, at=AT + timedelta(seconds=30), prefix="half")
    queue = MemoryQueue()

    def minute(at: datetime, **kwargs) -> list[str]:
        shards = MemoryQueue()
        tick(table, shards, at, **kwargs)
        runs = MemoryQueue()
        expand(table, runs, shards)
        return sorted(m["community"] for m in runs.messages)

    first = minute(AT + timedelta(seconds=2))
    assert first == sorted(f"d{i:06d}" for i in range(100))
    assert minute(AT + timedelta(minutes=1, seconds=2)) == [f"half{i:06d}" for i in range(5)]
    for n in range(2, 7):
        assert minute(AT + timedelta(minutes=n, seconds=1)) == []
    sweep = AT + timedelta(minutes=7, seconds=3)
    assert window_start(sweep) is None
    assert minute(sweep) == sorted(first + [f"half{i:06d}" for i in range(5)])
    assert queue.requests == 0
    # A tick that runs late still reads from the minute before its own.
    assert window_start(AT + timedelta(minutes=1, seconds=59)) == AT


def _group_posts(sent) -> Counter:
    return Counter(m.chat_id for m in sent if m.kind == "message")


def test_doubled_and_stale_shard_messages_post_nothing_twice():
    """EventBridge delivers the tick twice, SQS delivers every shard message and every run
    twice: each community's reminder is posted once. A shard message handled after its
    runs finished enqueues nothing (the pointers moved on)."""
    store = Store(MemoryTable())
    start = AT - timedelta(days=1)
    for n in range(30):
        c = community(id=f"c{n:02d}", chat_id=f"chat-{n:02d}", jobs=("daily-reminder",))
        store.create_community(c)
        store.bulk_save_members([member("u1", community_id=c.id)])
        schedule_community(store.table, c, start)
    rt, sent = runtime(store, AT)
    rt.queue = MemoryQueue()
    tick(store.table, rt.queue, AT, sweep=True)
    tick(store.table, rt.queue, AT, sweep=True)  # the tick delivered twice
    shard_bodies = [json.dumps(m) for m in rt.queue.drain()]
    assert all(json.loads(b)["kind"] == DISPATCH for b in shard_bodies)
    stale = shard_bodies[0]
    records = [(f"s{i}", b) for i, b in enumerate(shard_bodies + shard_bodies)]
    assert handle_records(rt, records, AT) == {"batchItemFailures": []}
    run_messages = rt.queue.drain()
    assert len(run_messages) == 4 * 30  # every run enqueued four times
    records = [(f"r{i}", json.dumps(m)) for i, m in enumerate(run_messages)]
    assert handle_records(rt, records, AT) == {"batchItemFailures": []}
    assert _group_posts(sent) == {f"chat-{n:02d}": 1 for n in range(30)}
    # The stale shard message again, after the runs: nothing due by its tick any more.
    assert handle_records(rt, [("late", stale)], AT + timedelta(minutes=30)) == {
        "batchItemFailures": []
    }
    assert rt.queue.drain() == []
    assert _group_posts(sent) == {f"chat-{n:02d}": 1 for n in range(30)}


def test_a_bad_shard_message_is_dropped_with_its_reason():
    from chalicelib.chat.worker import BadMessage

    good = shard_message("DUE#03", AT)
    assert parse_message(json.dumps(good)).partition == "DUE#03"
    assert parse_message(json.dumps({**good, "partition": "DUE#daily-reminder#2"}))
    for broken, reason in (
        ({**good, "partition": "C#c1"}, "partition"),
        ({**good, "partition": "DUE#x"}, "partition"),
        ({**good, "tick": "yesterday"}, "tick"),
        ({**good, "tick": "2026-11-23T13:00:00"}, "tick"),  # no zone
        ({**good, "after": 3}, "after"),
        ({**good, "since": "an hour ago"}, "since"),
    ):
        with pytest.raises(BadMessage, match=reason):
            parse_message(json.dumps(broken))


def test_more_shards_need_no_migration_old_pointers_are_read_and_moved(monkeypatch):
    """ROLLCALL_DUE_SHARDS raised from 12 to 48: pointers written under 12 are still read
    (the reader reads every shard under the new count), and each moves to its shard under
    48 when the worker advances it."""
    store = Store(MemoryTable())
    start = AT - timedelta(days=1)
    for n in range(40):
        c = community(id=f"c{n:02d}", chat_id=f"chat-{n:02d}", jobs=("daily-reminder",))
        store.create_community(c)
        store.bulk_save_members([member("u1", community_id=c.id)])
        schedule_community(store.table, c, start)
    monkeypatch.setenv("ROLLCALL_DUE_SHARDS", "48")
    assert due_shard_count() == 48 and len(due.partitions()) == 48 + LEGACY
    rt, sent = runtime(store, AT)
    rt.queue = MemoryQueue()
    result = tick(store.table, rt.queue, AT, sweep=True)
    assert all(int(p.removeprefix("DUE#")) < 12 for p in result.shards)
    records = [(f"s{i}", json.dumps(m)) for i, m in enumerate(rt.queue.drain())]
    assert handle_records(rt, records, AT) == {"batchItemFailures": []}
    records = [(f"r{i}", json.dumps(m)) for i, m in enumerate(rt.queue.drain())]
    assert handle_records(rt, records, AT) == {"batchItemFailures": []}
    assert _group_posts(sent) == {f"chat-{n:02d}": 1 for n in range(40)}
    moved = {
        store.table.get(keys.community_pk(f"c{n:02d}"), keys.due_item_sk("daily-reminder"))[
            "due_pk"
        ]
        for n in range(40)
    }
    assert any(int(p.removeprefix("DUE#")) >= 12 for p in moved)
    assert moved == {due.index_pk(f"c{n:02d}", "daily-reminder") for n in range(40)}


@pytest.mark.parametrize("value", ["8", "abc", "1000", "-1"])
def test_a_shard_count_below_twelve_or_not_a_number_is_refused(value):
    with pytest.raises(ValueError, match="ROLLCALL_DUE_SHARDS must be a whole number"):
        due_shard_count({"ROLLCALL_DUE_SHARDS": value})
    assert due_shard_count({}) == 12


def test_shard_messages_in_one_batch_are_read_side_by_side():
    """SQS hands the tick's shard messages to one worker, ten to a batch: they are read at
    the same time (threads), not one after the other."""
    import threading

    table = MemoryTable()
    pointers(table, 300)
    rt, _sent = runtime(Store(table), AT)
    rt.queue = MemoryQueue()
    tick(table, rt.queue, AT)
    bodies = [json.dumps(m) for m in rt.queue.drain()]
    assert len(bodies) == due.DUE_SHARDS
    threads: set[str] = set()
    real = table.query

    def noting(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return real(*args, **kwargs)

    table.query = noting
    records = [(f"s{i}", b) for i, b in enumerate(bodies[:10])]
    assert handle_records(rt, records, AT) == {"batchItemFailures": []}
    assert len(threads) > 1 and threading.current_thread().name not in threads
    in_ten = {json.loads(b)["partition"] for b in bodies[:10]}
    runs = rt.queue.drain()
    assert {due.index_pk(m["community"], "daily-reminder") for m in runs} == in_ten
    assert len(runs) == len({m["community"] for m in runs})
