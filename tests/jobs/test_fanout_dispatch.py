"""Look-ahead fan-out dispatch: the tick of each five-minute slot reads the next five
minutes of every shard of the due index, enqueues a small shard's runs itself and sends one
message per larger shard; the worker reads that shard and enqueues its runs, each delayed to
its time; doubled, stale and continued shard messages change nothing twice. Request counts
pin the shape (no timing here: bench/ measures that)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.config import due_shard_count
from chalicelib.jobs import dispatch_due_jobs as dispatching
from chalicelib.jobs.dispatch_due_jobs import dispatch_shard, tick, window
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.queue import DELAY, DISPATCH, MemoryQueue, shard_message
from chalicelib.store import due, keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records, parse_message
from tests.helpers import community, member, runtime

AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 Asia/Shanghai
BEFORE = AT - due.TICK_SPAN  # the 20:55 tick: it reads the runs of (20:55, 21:00]


@pytest.fixture
def fan_out(monkeypatch):
    """Every shard with a run goes to a worker (the tick enqueues none itself)."""
    monkeypatch.setattr(dispatching, "INLINE_MAX", 0)


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
            until=datetime.fromisoformat(message["until"]),
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
    result = tick(table, shards, BEFORE)
    # The 20:55 tick: one Query per shard (at most INLINE_MAX + 1 items; no legacy
    # partitions), and, each shard holding more than INLINE_MAX runs, one message per
    # shard, 10 to a SendMessageBatch.
    assert result.partitions == due.DUE_SHARDS and result.enqueued == 0
    assert dict(table.requests) == {"Query": due.DUE_SHARDS}
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
    # Each delayed to its time (the worker's clock: the tick's here), all within 5 minutes.
    for m in runs.messages:
        wait = (datetime.fromisoformat(m["scheduled_at"]) - BEFORE).total_seconds()
        assert m[DELAY] == wait and 240 < wait <= 300


def test_a_small_shard_is_enqueued_by_the_tick_itself_in_one_query_each():
    """Up to INLINE_MAX runs a shard, the tick sends them (the shape of a 10,000-community
    deployment's day): 12 Queries and the runs' own batches, no shard message, no worker."""
    table = MemoryTable()
    pointers(table, 400)
    table.requests.clear()
    queue = MemoryQueue()
    result = tick(table, queue, BEFORE)
    assert result.shards == [] and result.enqueued == 400
    assert dict(table.requests) == {"Query": due.DUE_SHARDS}
    per_shard = Counter(due.shard_of(f"d{i:06d}", "daily-reminder") for i in range(400))
    assert queue.requests == sum(-(-n // 10) for n in per_shard.values())
    assert all(m.get("kind") != DISPATCH and 240 < m[DELAY] <= 300 for m in queue.messages)


def test_a_tick_short_of_time_hands_the_partitions_it_has_not_read_to_the_workers():
    """A tick whose invocation runs low (a slow SQS, a cold start) stops reading inline:
    each partition not yet read goes to a worker as a shard message, unread, and every run
    is still enqueued once."""
    table = MemoryTable()
    pointers(table, 400)
    table.requests.clear()
    left = iter([60.0, 60.0, 60.0, 60.0])  # the reserve, then three partitions inline
    shards, runs = MemoryQueue(), MemoryQueue()
    split = _Split(runs, shards)
    result = tick(table, split, BEFORE, time_left=lambda: next(left, 5.0))
    assert result.partitions == 3 and dict(table.requests) == {"Query": 3}
    assert len(result.shards) == due.DUE_SHARDS - 3
    assert [m["partition"] for m in shards.messages] == result.shards
    expand(table, runs, shards)
    assert Counter(m["community"] for m in runs.messages) == {f"d{i:06d}": 1 for i in range(400)}


def test_an_idle_tick_sends_nothing_and_reads_one_page_per_partition():
    table = MemoryTable()
    pointers(table, 50, at=AT + timedelta(hours=1))  # due later, not now
    table.requests.clear()
    queue = MemoryQueue()
    result = tick(table, queue, AT)
    assert result.shards == [] and queue.requests == 0
    assert dict(table.requests) == {"Query": due.DUE_SHARDS}


def test_a_shard_with_more_than_one_message_allows_continues_until_every_run_is_enqueued(
    fan_out,
):
    table = MemoryTable()
    pointers(table, 400)
    shards, runs = MemoryQueue(), MemoryQueue()
    tick(table, shards, BEFORE)
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


def test_each_tick_reads_its_own_five_minutes_ahead_and_a_sweep_everything_still_due():
    """The 20:55 tick reads (20:55, 21:00], the 21:00 tick (21:00, 21:05]: a run due at
    21:00:00 is the 20:55 tick's alone, each run is read by one tick, delayed to its time;
    at 21:00 the runs wait in the queue, their pointers not yet advanced, and the ticks that
    follow do not send them again; the sweep at minute 10 sends what is still due once."""
    table = MemoryTable()
    pointers(table, 100)  # due in the minute up to 21:00:00 (13:00 UTC)
    pointers(table, 5, at=AT + timedelta(seconds=30), prefix="half")
    pointers(table, 3, at=AT + due.TICK_SPAN + timedelta(seconds=10), prefix="next")

    def at_tick(at: datetime, **kwargs) -> list[tuple[str, int]]:
        runs = MemoryQueue()
        tick(table, runs, at, **kwargs)
        return sorted((m["community"], m.get(DELAY, 0)) for m in runs.messages)

    first = at_tick(BEFORE + timedelta(seconds=2))  # EventBridge a little late
    assert [c for c, _ in first] == sorted(f"d{i:06d}" for i in range(100))
    assert max(w for _, w in first) == 298
    # pointers(): the i-th is due i seconds before its time; the tick is a second late.
    assert at_tick(AT + timedelta(seconds=1)) == [(f"half{i:06d}", 29 - i) for i in range(5)]
    assert [c for c, _ in at_tick(AT + due.TICK_SPAN)] == [f"next{i:06d}" for i in range(3)]
    sweep = AT + 2 * due.TICK_SPAN + timedelta(seconds=3)
    assert window(sweep) == (None, AT + 3 * due.TICK_SPAN)
    swept = at_tick(sweep)
    assert [c for c, _ in swept] == sorted(
        [c for c, _ in first]
        + [f"half{i:06d}" for i in range(5)]
        + [f"next{i:06d}" for i in range(3)]
    )
    assert all(w == 0 for _, w in swept)  # all past due: at once
    # A tick running late (its event time given) still reads its own slot's window.
    assert window(AT + timedelta(minutes=4, seconds=59)) == (AT, AT + due.TICK_SPAN)


def test_a_pointer_written_into_a_window_already_read_goes_with_the_next_tick():
    """A settings change at 20:57, after the 20:55 tick read (20:55, 21:00]: a run now due
    at 20:59 is enqueued by the 21:00 tick at once (1 minute late, the bound is
    TICK_MINUTES), one due at 21:01 or 21:03 is delayed to its time; a catch-up run (due
    before the change) goes with the 21:00 tick too. Nothing waits for the sweep."""
    from dataclasses import replace

    store = Store(MemoryTable())
    assert tick(store.table, MemoryQueue(), BEFORE).enqueued == 0  # 20:55: read, empty
    changed = BEFORE + timedelta(minutes=2)  # 20:57
    for cid, local in (("c59", "20:59"), ("c61", "21:01"), ("c63", "21:03"), ("c40", "20:40")):
        c = community(id=cid, chat_id=f"chat-{cid}", jobs=("daily-reminder",))
        store.create_community(c)
        schedule_community(store.table, replace(c, reminder_time=local), changed)
    # c40's 20:40 run, caught up (its pointer written again at 20:57, its time past).
    due.put_due(
        store.table,
        "c40",
        "daily-reminder",
        "2026-11-23",
        AT - timedelta(minutes=20),
        now=changed,
    )
    queue = MemoryQueue()
    tick(store.table, queue, AT)
    got = {m["community"]: m.get(DELAY, 0) for m in queue.messages}
    assert got == {"c59": 0, "c61": 60, "c63": 180, "c40": 0}


def _group_posts(sent) -> Counter:
    return Counter(m.chat_id for m in sent if m.kind == "message")


def test_doubled_and_stale_shard_messages_post_nothing_twice(fan_out):
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
        ({**good, "until": "soon"}, "until"),
    ):
        with pytest.raises(BadMessage, match=reason):
            parse_message(json.dumps(broken))


def test_more_shards_need_no_migration_old_pointers_are_read_and_moved(monkeypatch, fan_out):
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
    assert due_shard_count() == 48 and len(due.partitions()) == 48
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


def test_shard_messages_in_one_batch_are_read_side_by_side(fan_out):
    """SQS hands the tick's shard messages to one worker, ten to a batch: they are read at
    the same time (threads), not one after the other."""
    import threading

    table = MemoryTable()
    pointers(table, 300)
    rt, _sent = runtime(Store(table), AT)
    rt.queue = MemoryQueue()
    tick(table, rt.queue, BEFORE)
    bodies = [json.dumps(m) for m in rt.queue.drain()]
    assert len(bodies) == due.DUE_SHARDS
    threads: set[str] = set()
    real = table.query
    # The first two reads wait for each other: read side by side they meet at once; read
    # one after the other the first waits alone, the barrier breaks and the batch fails.
    # (Counting thread names alone was timing-dependent: a pool may reuse one thread.)
    meet = threading.Barrier(2, timeout=10)
    calls = iter(range(1_000_000))
    lock = threading.Lock()

    def noting(*args, **kwargs):
        with lock:
            n = next(calls)
            threads.add(threading.current_thread().name)
        if n < 2:
            meet.wait()
        return real(*args, **kwargs)

    table.query = noting
    records = [(f"s{i}", b) for i, b in enumerate(bodies[:10])]
    assert handle_records(rt, records, AT) == {"batchItemFailures": []}
    assert len(threads) > 1 and threading.current_thread().name not in threads
    in_ten = {json.loads(b)["partition"] for b in bodies[:10]}
    runs = rt.queue.drain()
    assert {due.index_pk(m["community"], "daily-reminder") for m in runs} == in_ten
    assert len(runs) == len({m["community"] for m in runs})


def _moved(store: Store, c, now: datetime, reminder_time: str):
    """An admin's new reminder time at ``now``: saved, and the jobs pointed again (what the
    worker's reschedule does)."""
    changed = store.update_community(c, reminder_time=reminder_time)
    schedule_community(store.table, changed, now)
    return changed


def test_a_delayed_message_whose_run_was_rescheduled_meanwhile_changes_nothing():
    """The 20:55 tick queued the 21:00 reminders, delayed; at 20:57 one community moves its
    reminder to 21:30 (the same day: the same period), another to 20:00 (today's passed: the
    pointer names tomorrow). At 21:00 both messages arrive stale: nothing is posted, the
    pointers stay as the admins set them; at 21:30 the moved one posts, once."""
    store = Store(MemoryTable())
    made = {}
    for cid in ("late", "early", "kept"):
        c = community(id=cid, chat_id=f"chat-{cid}", jobs=("daily-reminder",))
        store.create_community(c)
        store.bulk_save_members([member("u1", community_id=cid)])
        schedule_community(store.table, c, AT - timedelta(hours=1))
        made[cid] = c
    queue = MemoryQueue()
    tick(store.table, queue, BEFORE)
    queued = queue.drain()
    assert sorted(m["community"] for m in queued) == ["early", "kept", "late"]
    changed = BEFORE + timedelta(minutes=2)
    _moved(store, made["late"], changed, "21:30")
    _moved(store, made["early"], changed, "20:00")
    rt, sent = runtime(store, AT)
    records = [(f"r{i}", json.dumps(m)) for i, m in enumerate(queued)]
    assert handle_records(rt, records, AT) == {"batchItemFailures": []}
    assert _group_posts(sent) == {"chat-kept": 1}

    def pointer(cid):
        item = store.table.get(keys.community_pk(cid), keys.due_item_sk("daily-reminder"))
        return item["period"], item["scheduled_at"]

    assert pointer("late") == ("2026-11-23", (AT + timedelta(minutes=30)).isoformat())
    assert pointer("early") == ("2026-11-24", (AT + timedelta(hours=23)).isoformat())
    later = AT + timedelta(minutes=30)
    queue = MemoryQueue()
    tick(store.table, queue, later - due.TICK_SPAN)
    rt.clock.set(later)
    records = [(f"l{i}", json.dumps(m)) for i, m in enumerate(queue.drain())]
    assert handle_records(rt, records, later) == {"batchItemFailures": []}
    assert _group_posts(sent) == {"chat-kept": 1, "chat-late": 1}


def _queued_reminder():
    """One community's 21:00 reminder, read ahead and queued (delayed) by the 20:55 tick."""
    store = Store(MemoryTable())
    c = community(jobs=("daily-reminder",))
    store.create_community(c)
    store.bulk_save_members([member("u1")])
    schedule_community(store.table, c, AT - timedelta(hours=1))
    queue = MemoryQueue()
    tick(store.table, queue, BEFORE)
    [message] = queue.drain()
    return store, c, message


def _take(store, c, message) -> str:
    """What the worker does first: move the pointer off the message's run, onto the next."""
    from chalicelib.jobs.schedule import next_slot

    following = next_slot(c, "daily-reminder", AT)
    return due.take_due(
        store.table,
        "c1",
        "daily-reminder",
        message["period"],
        datetime.fromisoformat(message["scheduled_at"]),
        (following.period, following.scheduled_at),
        now=AT,
    )


def test_a_run_taken_off_its_pointer_then_crashed_is_finished_when_its_message_comes_back():
    """The worker moves the pointer first, then claims the run: a crash between the two
    must not make the redelivered message look stale. The pointer remembers the run it was
    moved from (``taken``), so the message goes on through the claim: posted once."""
    store, c, message = _queued_reminder()
    took = _take(store, c, message)
    assert took == due.TOOK  # … and the worker's Lambda dies here, before the claim
    rt, sent = runtime(store, AT + timedelta(minutes=1))
    for attempt in ("again", "and again"):
        assert handle_records(rt, [(attempt, json.dumps(message))], AT) == {"batchItemFailures": []}
    assert _group_posts(sent) == {"chat-1": 1}


def test_the_schedule_and_the_look_ahead_agree():
    """EventBridge fires at minute 0, 5, 10, …: each tick starts the slot whose next
    TICK_MINUTES it reads; a rate() would drift off the slots and make runs late."""
    from chalicelib.entrypoints.schedules import TICK

    assert f"cron(0/{due.TICK_MINUTES} * * * ? *)" == TICK
    assert 60 % due.TICK_MINUTES == 0 and due.TICK_MINUTES * 60 <= 900  # SQS's longest delay


def test_a_delayed_run_goes_to_sqs_as_delay_seconds_not_in_its_body(aws):
    import boto3

    from chalicelib.queue import SqsQueue

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sent = []
    sqs.meta.events.register(
        "provide-client-params.sqs.SendMessageBatch",
        lambda params, **_: sent.extend(params["Entries"]),
    )
    run = {"community": "c1", "job": "daily-reminder", "period": "p", "scheduled_at": "t"}
    SqsQueue(sqs, url).send_batch([{**run, DELAY: 120}, {**run, DELAY: 5000}, run])
    assert [e.get("DelaySeconds") for e in sent] == [120, 900, None]
    assert all(json.loads(e["MessageBody"]) == run for e in sent)


def test_a_job_turned_off_after_its_run_was_read_ahead_sends_nothing():
    """The 20:55 tick queued the 21:00 reminder, delayed; at 20:58 an admin turns the daily
    reminder off (its pointer is cleared). The message arrives at 21:00: nothing is posted,
    and no pointer comes back."""
    store, _c, message = _queued_reminder()
    off = store.update_community(store.get_community("c1"), jobs=())
    schedule_community(store.table, off, BEFORE + timedelta(minutes=3))
    rt, sent = runtime(store, AT)
    assert handle_records(rt, [("m", json.dumps(message))], AT) == {"batchItemFailures": []}
    assert _group_posts(sent) == {}
    assert store.table.get(keys.community_pk("c1"), keys.due_item_sk("daily-reminder")) is None


def test_a_run_taken_then_failed_survives_a_settings_save_that_rewrites_its_pointer():
    """The worker moved the pointer off the 21:00 run (remembering it in ``taken``), then
    the run failed before its claim; before SQS retries, an admin saves a setting and every
    pointer is written again whole, without ``taken``. The retried message is still today's
    run (the schedule names it): it is posted, once."""
    store, c, message = _queued_reminder()
    took = _take(store, c, message)
    assert took == due.TOOK  # … and planning fails here: no claim
    schedule_community(store.table, c, AT + timedelta(minutes=2))  # a settings save
    pointer = store.table.get(keys.community_pk("c1"), keys.due_item_sk("daily-reminder"))
    assert "taken" not in pointer and pointer["period"] != message["period"]
    rt, sent = runtime(store, AT + timedelta(minutes=6))
    for attempt in ("retry", "sweep copy"):
        assert handle_records(rt, [(attempt, json.dumps(message))], AT + timedelta(minutes=6)) == {
            "batchItemFailures": []
        }
    assert _group_posts(sent) == {"chat-1": 1}


def test_a_taken_run_is_finished_even_when_the_time_moved_before_its_reschedule_ran():
    """The worker took the 21:00 run off its pointer (remembering it in ``taken``) and died
    before its claim; meanwhile an admin moved the reminder to 20:00, saved but not yet
    rescheduled (the worker's reschedule message still queued). The schedule no longer
    names the 21:00 run, but the pointer remembers taking it: the retry finishes it, once."""
    store, c, message = _queued_reminder()
    took = _take(store, c, message)
    assert took == due.TOOK  # … and the worker dies here, before the claim
    store.update_community(store.get_community("c1"), reminder_time="20:00")  # not rescheduled
    rt, sent = runtime(store, AT + timedelta(minutes=6))
    for attempt in ("retry", "sweep copy"):
        assert handle_records(rt, [(attempt, json.dumps(message))], AT + timedelta(minutes=6)) == {
            "batchItemFailures": []
        }
    assert _group_posts(sent) == {"chat-1": 1}
