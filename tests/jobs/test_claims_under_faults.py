"""The claims under what a production DynamoDB and a fleet of workers really do.

Crashes alone are covered by test_fault_injection.py. Here, together and at random: a
conditional write that DynamoDB applied but whose answer was lost (botocore retries it and
the retry meets the first try's own write; or every retry is lost and the caller sees an
error), the same queue message handed to two workers at the same time (threads), workers
whose clocks disagree, runs heavy with direct messages, a worker that stalls past its lease,
and a late run whose lease must come from the wall clock, not from the run's logical time.

What must hold: every group part and every direct message is delivered, once. The one
documented window (runner.py) is a worker that dies after the platform took a part and
before its record: one group part, or the direct messages of one checkpoint interval
(CHECKPOINT_PARTS), may go out twice; a worker that stalls past its lease likewise leaves
at most its last checkpoint interval of DMs to be sent again, and sends nothing after it
was taken over.

Scale with ROLLCALL_FUZZ_SCALE (in-memory runs; default 1,000; the runs on moto with
botocore-level injection are a fifth of it, at least 200 by default).
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.runner import CHECKPOINT_PARTS, LEASE, RENEW_EVERY, run_job
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.platforms.console import ConsoleAdapter, SentMessage
from chalicelib.queue import MemoryQueue
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.store.table import DynamoTable
from chalicelib.worker import handle_records
from tests.conftest import TABLE
from tests.helpers import SECRET, community, member, runtime
from tests.jobs.test_throttling import Throttler
from tests.store.test_table_contract import _Unprocessed

RUNS = int(os.environ.get("ROLLCALL_FUZZ_SCALE", "1000"))
MOTO_RUNS = max(RUNS // 5, 200 if RUNS >= 1000 else 20)
# The moto runs in shards, each its own test with its own seed, so that pytest-xdist spreads
# them over the cores (one test of 200 runs was the suite's longest tail).
MOTO_SHARDS = 4
TIMEZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati")


class Crash(Exception):
    """The worker process dies here."""


class LostAnswer(Exception):
    """DynamoDB applied the write; no answer ever reached the caller."""


# -- the in-memory table with faults ---------------------------------------------------------


class FaultyTable(MemoryTable):
    """Loses the answers of conditional writes at random: most often botocore's retry then
    meets the first try's own write (and is refused), sometimes no retry answers at all.
    Crashes once at a chosen step of a run's bookkeeping, like test_fault_injection.py."""

    def __init__(self, rng: random.Random, lost: float, step: str) -> None:
        super().__init__()
        self.rng = rng
        self.lost = lost
        self.step = step
        self.armed = True
        self.lost_retried = 0
        self.lost_for_good = 0
        self._faults = threading.Lock()

    def _fault(self, cond) -> str | None:
        if cond is None or not self.lost:
            return None
        with self._faults:
            roll = self.rng.random()
        if roll < self.lost * 0.8:
            self.lost_retried += 1
            return "retried"
        if roll < self.lost:
            self.lost_for_good += 1
            return "gone"
        return None

    def crash(self, step: str) -> None:
        with self._faults:
            if self.armed and self.step == step:
                self.armed = False
                raise Crash(step)

    def update(self, pk, sk, **kwargs):
        if sk.startswith("RUN#") and (kwargs.get("set") or {}).get("finished_at"):
            self.crash("before-finish")
        fault = self._fault(kwargs.get("cond"))
        result = super().update(pk, sk, **kwargs)
        if fault == "retried":
            return super().update(pk, sk, **kwargs)
        if fault == "gone":
            raise LostAnswer(sk)
        return result

    def update_or_old(self, pk, sk, **kwargs):
        if sk.startswith("RUN#"):
            self.crash("before-claim")
        fault = self._fault(kwargs.get("cond"))
        result = super().update_or_old(pk, sk, **kwargs)
        if fault == "retried":
            result = super().update_or_old(pk, sk, **kwargs)
        if fault == "gone":
            raise LostAnswer(sk)
        if sk.startswith("RUN#"):
            self.crash("after-claim")
        return result

    def put(self, item, **kwargs):
        fault = self._fault(kwargs.get("cond"))
        result = super().put(item, **kwargs)
        if fault == "retried":
            return super().put(item, **kwargs)
        if fault == "gone":
            raise LostAnswer(item["sk"])
        return result


# -- what a run must deliver -----------------------------------------------------------------


def _seed(store: Store, rng: random.Random, cid: str = "c1", dms: int | None = None):
    c = community(
        id=cid, chat_id=f"chat-{cid}", timezone=rng.choice(TIMEZONES), jobs=("daily-reminder",)
    )
    store.create_community(c)
    loud = rng.randint(0, 25)
    quiet = rng.randint(0, 12) if dms is None else dms
    store.bulk_save_members(
        [member(f"m{k:03d}", community_id=cid) for k in range(loud)]
        + [member(f"q{k:03d}", community_id=cid, quiet=True) for k in range(quiet)]
    )
    return store.get_community(cid)


def _expected(rt, c, at: datetime) -> tuple[Counter, Counter]:
    """The group parts and DMs the run must deliver (a dry run of the same plan)."""
    result = run_job(rt, "daily-reminder", c.id, at, dry_run=True)
    group: Counter = Counter()
    direct: Counter = Counter()
    for part in result.parts:
        if part.startswith("[DM → "):
            user, _, text = part.removeprefix("[DM → ").partition("] ")
            direct[(user, text)] += 1
        else:
            group[part] += 1
    return group, direct


def _delivered(sent: list[SentMessage], chat: str) -> tuple[Counter, Counter]:
    group = Counter(m.text for m in sent if m.kind == "message" and m.chat_id == chat)
    direct = Counter(
        (m.user_id, m.text.removeprefix(f"[DM → {m.user_id}] "))
        for m in sent
        if m.kind == "direct" and m.chat_id == chat
    )
    return group, direct


def _worker(store: Store, sent: list, at: datetime) -> tuple:
    rt, _ = runtime(store, at)
    rt.console_sink = sent.append
    adapter = ConsoleAdapter(SECRET, sent.append, limit=120)  # several parts per reminder
    rt.adapters["console"] = adapter
    return rt, adapter


def _drive(workers, table, queue_messages, start: datetime, concurrent: bool) -> list:
    """Deliver every message to every worker (at the same time when ``concurrent``) until
    none fails; SQS's visibility timeout (6 min) passes between rounds. As on SQS, a message
    one worker acknowledged is gone, whatever the other answered: it comes back only when
    every delivery of it failed."""
    pending = [(f"m{i}", json.dumps(m)) for i, m in enumerate(queue_messages)]
    now = start
    for _round in range(12):
        acked: set[str] = set()
        lock = threading.Lock()

        def handle(rt, records, at, acked=acked, lock=lock) -> None:
            try:
                response = handle_records(rt, records, at)
            except (Crash, LostAnswer):
                return
            failures = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            with lock:
                acked.update(r[0] for r in records if r[0] not in failures)

        for record in pending:
            calls = [(rt, [record], now + skew) for rt, skew in workers]
            if concurrent:
                threads = [threading.Thread(target=handle, args=call) for call in calls]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            else:
                for call in calls:
                    handle(*call)
        pending = [r for r in pending if r[0] not in acked]
        if not pending:
            return []
        now += timedelta(minutes=6)
        for rt, skew in workers:
            rt.clock.set(now + skew)
    return pending


STEPS = ("none", "before-claim", "after-claim", "between-sends", "after-send", "before-finish")


def test_lost_answers_concurrency_skew_and_crashes_lose_and_double_nothing_outside_the_window():
    outcomes: Counter[str] = Counter()
    window_group = window_direct = lost = 0
    for n in range(RUNS):
        rng = random.Random(f"claims-{n}")
        step = rng.choice(STEPS)
        table = FaultyTable(rng, lost=0.0, step=step)
        store = Store(table)
        c = _seed(store, rng)
        sent: list[SentMessage] = []
        start = datetime(2026, 11, 20, 0, 0, tzinfo=UTC) + timedelta(hours=rng.randint(0, 47))
        schedule_community(table, c, start)
        slot_at = datetime.fromisoformat(
            next(iter(table.query("C#c1", prefix="DUE#")))["scheduled_at"]
        )
        now = slot_at + timedelta(minutes=rng.randint(0, 4))
        skew = timedelta(seconds=rng.randint(-180, 180))  # within LEASE - RENEW_EVERY
        first, adapter = _worker(store, sent, now)
        second, second_adapter = _worker(store, sent, now + skew)
        for a in (adapter, second_adapter):
            _crash_in_delivery(a, table, step)
        expected_group, expected_direct = _expected(first, c, slot_at)
        queue = MemoryQueue()
        dispatch_due_jobs(table, queue, now)
        dispatch_due_jobs(table, queue, now)  # EventBridge delivers the tick twice
        table.lost = rng.choice((0.0, 0.1, 0.3))
        messages = queue.drain()
        left = _drive(
            [(first, timedelta(0)), (second, skew)], table, messages, now, rng.random() < 0.5
        )
        assert not left, f"run {n} ({step}) never finished"
        group, direct = _delivered(sent, c.chat_id)
        assert set(group) == set(expected_group), f"run {n} ({step}): group parts missing"
        assert set(direct) == set(expected_direct), f"run {n} ({step}): direct messages missing"
        doubled_group = sum(group.values()) - sum(expected_group.values())
        doubled_direct = sum(direct.values()) - sum(expected_direct.values())
        if step == "after-send":
            assert doubled_group <= 1 and doubled_direct <= CHECKPOINT_PARTS, f"run {n}"
            window_group += doubled_group
            window_direct += doubled_direct
        else:
            assert (doubled_group, doubled_direct) == (0, 0), f"run {n} ({step}): doubled"
        lost += table.lost_retried + table.lost_for_good
        outcomes[step] += 1
    print(
        f"\nclaims under faults: {RUNS} runs {dict(outcomes)}, {lost} lost answers; inside "
        f"the documented window {window_group} group parts and {window_direct} DMs doubled"
    )
    assert sum(outcomes.values()) == RUNS


def _crash_in_delivery(adapter: ConsoleAdapter, table: FaultyTable, step: str) -> None:
    """Crash the worker once between two sends, or right after the platform took a part."""
    count = {"n": 0}
    for name in ("deliver", "deliver_direct"):
        real = getattr(adapter, name)

        def deliver(*args, _real=real):
            with table._faults:
                count["n"] += 1
                crash_before = table.armed and step == "between-sends" and count["n"] == 2
                if crash_before:
                    table.armed = False
            if crash_before:
                raise Crash(step)
            message_id = _real(*args)
            with table._faults:
                crash_after = table.armed and step == "after-send"
                if crash_after:
                    table.armed = False
            if crash_after:
                raise Crash(step)
            return message_id

        setattr(adapter, name, deliver)


# -- deterministic cases: a stalled worker, a late run --------------------------------------


def _dm_heavy(dms: int) -> tuple[Store, object]:
    store = Store(MemoryTable())
    c = _seed(store, random.Random(1), dms=dms)
    return store, c


def test_a_worker_that_stalls_past_its_lease_sends_nothing_after_the_takeover():
    """The second worker takes the run over once the lease has run out; the first, waking,
    must learn it before it sends again: only its last checkpoint interval is doubled."""
    store, c = _dm_heavy(dms=120)
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    sent: list[SentMessage] = []
    first, adapter = _worker(store, sent, at)
    second, _ = _worker(store, sent, at + LEASE + timedelta(minutes=1))
    expected_group, expected_direct = _expected(first, c, at)
    real = adapter.deliver_direct
    after_stall: list[str] = []
    state = {"dms": 0, "stalled": False}

    def deliver_direct(chat, user_id, part):
        state["dms"] += 1
        if state["stalled"]:
            after_stall.append(user_id)
        message_id = real(chat, user_id, part)
        if state["dms"] == CHECKPOINT_PARTS + 20 and not state["stalled"]:
            state["stalled"] = True  # the process freezes for longer than its lease
            first.clock.set(at + LEASE + timedelta(minutes=1))
            taken = run_job(second, "daily-reminder", c.id, at)
            assert taken.status == "sent"
        return message_id

    adapter.deliver_direct = deliver_direct
    stalled = run_job(first, "daily-reminder", c.id, at)
    assert stalled.status == "failed" and "taken over" in stalled.errors[-1]
    assert after_stall == [], "a worker taken over sent again"
    group, direct = _delivered(sent, c.chat_id)
    assert set(group) == set(expected_group) and set(direct) == set(expected_direct)
    assert sum(group.values()) == sum(expected_group.values())
    assert 0 < sum(direct.values()) - sum(expected_direct.values()) <= CHECKPOINT_PARTS


def test_a_long_run_renews_its_lease_and_is_never_taken_over_while_it_works():
    """A run sending for longer than its lease (a slow platform), with a second worker that
    keeps asking: each renewal keeps it the run's, and nothing is sent twice."""
    store, c = _dm_heavy(dms=60)
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    sent: list[SentMessage] = []
    first, adapter = _worker(store, sent, at)
    second, _ = _worker(store, sent, at)
    expected_group, expected_direct = _expected(first, c, at)
    real = adapter.deliver_direct
    answers: Counter[str] = Counter()

    def slow(chat, user_id, part):
        message_id = real(chat, user_id, part)
        first.clock.set(first.clock.now() + timedelta(seconds=20))  # 60 DMs: 20 minutes
        second.clock.set(first.clock.now() + timedelta(seconds=30))  # and a clock ahead
        answers[run_job(second, "daily-reminder", c.id, at).status] += 1
        return message_id

    adapter.deliver_direct = slow
    assert run_job(first, "daily-reminder", c.id, at).status == "sent"
    assert first.clock.now() - at > 3 * LEASE
    assert answers == Counter({"busy": 60})
    group, direct = _delivered(sent, c.chat_id)
    assert (group, direct) == (expected_group, expected_direct)


def test_a_late_run_holds_its_lease_by_the_wall_clock_not_by_its_logical_time():
    """A run 90 minutes late (a catch-up) or a command that waited in the queue: a lease
    counted from the logical time would have expired already, and a duplicate delivery of
    the same message would take the run over while the first still sends."""
    store, c = _dm_heavy(dms=3)
    slot = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    wall = slot + timedelta(minutes=90)
    sent: list[SentMessage] = []
    first, adapter = _worker(store, sent, wall)
    second, _ = _worker(store, sent, wall)
    expected_group, expected_direct = _expected(first, c, slot)
    period = c.calendar.period_date(slot).isoformat()
    real = adapter.deliver
    answers: list[str] = []

    def deliver(chat, part):
        message_id = real(chat, part)
        if not answers:  # another request for the same period, asked later
            answers.append(run_job(second, "daily-reminder", c.id, wall, period=period).status)
        return message_id

    adapter.deliver = deliver
    assert run_job(first, "daily-reminder", c.id, slot).status == "sent"
    assert answers == ["busy"]
    assert _delivered(sent, c.chat_id) == (expected_group, expected_direct)


def test_a_failed_run_releases_its_lease_so_the_retry_takes_over_at_once():
    from chalicelib.platforms.base import DeliveryError

    store, c = _dm_heavy(dms=0)
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    sent: list[SentMessage] = []
    first, adapter = _worker(store, sent, at)

    def down(chat, part):
        raise DeliveryError("console unreachable")

    real, adapter.deliver = adapter.deliver, down
    assert run_job(first, "daily-reminder", c.id, at).status == "failed"
    adapter.deliver = real
    assert run_job(first, "daily-reminder", c.id, at).status in ("sent", "nothing-to-send")


def test_renewal_is_due_only_after_renew_every():
    assert timedelta(0) < RENEW_EVERY < LEASE / 2


# -- on moto, with the answers lost inside botocore ----------------------------------------


class BotocoreLostAnswers:
    """Loses the answer of conditional writes inside botocore, on the production client
    configuration: the request reached DynamoDB (moto) and was applied; then either
    botocore's retry handler is told to send it again (as after a timeout or a 500), or the
    caller gets a read timeout although the write stands."""

    def __init__(self, client, rng: random.Random, rate: float) -> None:
        self.rng = rng
        self.rate = rate
        self.lose_next = 0  # the next N conditional writes: answer lost, retried
        self.retried = 0
        self.gone = 0
        self._gone_next: set[int] = set()
        events = client.meta.events
        events.register_first("needs-retry.dynamodb", self.needs_retry)
        events.register_first("after-call.dynamodb", self.after_call)

    def _conditional(self, operation, request_dict) -> bool:
        body = request_dict.get("body") or b""
        body = body.encode() if isinstance(body, str) else body
        return operation.name in ("PutItem", "UpdateItem") and b"ConditionExpression" in body

    def needs_retry(self, response, attempts, operation, request_dict, caught_exception, **_):
        if response is not None and _throttled(response) and attempts < 5:
            return 0  # botocore retries a throttled request anyway: here without its backoff
        if caught_exception is not None or response is None or attempts > 1:
            return None
        if response[0].status_code != 200 or not self._conditional(operation, request_dict):
            return None
        if self.lose_next:
            self.lose_next -= 1
            self.retried += 1
            return 0
        roll = self.rng.random()
        if roll < self.rate * 0.8:
            self.retried += 1
            return 0  # retry now: the first try stands, its answer is gone
        if roll < self.rate:
            self.gone += 1
            self._gone_next.add(id(request_dict))
        return None

    def after_call(self, http_response, parsed, model, context, **_):
        if self._gone_next:
            self._gone_next.clear()
            from botocore.exceptions import ReadTimeoutError

            raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")


@pytest.fixture
def production_client(aws):
    from chalicelib.config import Settings
    from chalicelib.runtime import make_dynamodb_client
    from chalicelib.store.schema import ensure_table

    client = make_dynamodb_client(Settings())
    ensure_table(client, TABLE)
    return client


@pytest.mark.parametrize("shard", range(MOTO_SHARDS))
def test_on_moto_lost_answers_in_botocore_never_drop_a_run_or_a_command(production_client, shard):
    """The probe from the issue: the claim applied, its answer lost, botocore's retry
    refused by the claim itself. Every run still sends everything once."""
    runs = range(shard, MOTO_RUNS, MOTO_SHARDS)
    rng = random.Random(f"moto-lost-answers-{shard}")
    lost = BotocoreLostAnswers(production_client, rng, rate=0.35)
    # Throttling on any request, and batch writes left unprocessed, at random as well.
    throttled = Throttler(production_client, set(), 0)
    throttled.left = _Chance(rng, 0.0)
    unprocessed = _Unprocessed(production_client, times=0)
    table = DynamoTable(production_client, TABLE, sleep=lambda _: None)
    store = Store(table)
    for n in runs:
        lost.rate, throttled.left.rate = 0.0, 0.0  # seeding is not under test here
        c = _seed(store, rng, cid=f"c{n}", dms=rng.randint(0, 4))
        lost.rate, throttled.left.rate = 0.35, rng.choice((0.0, 0.05, 0.2))
        unprocessed.left = rng.randint(0, 2)
        sent: list[SentMessage] = []
        at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
        first, _ = _worker(store, sent, at)
        second, _ = _worker(store, sent, at)
        expected = _expected(first, c, at)
        message = {
            "community": c.id,
            "job": "daily-reminder",
            "period": c.calendar.period_date(at).isoformat(),
            "scheduled_at": at.isoformat(),
        }
        left = _drive([(first, timedelta(0)), (second, timedelta(0))], table, [message], at, False)
        assert not left, f"moto run {n} never finished"
        assert _delivered(sent, c.chat_id) == expected, f"moto run {n}"
    assert lost.retried > len(runs) // 10 and lost.gone > 0 and throttled.injected > 0
    print(
        f"\nmoto shard {shard}: {len(runs)} runs, {lost.retried} answers lost and retried, "
        f"{lost.gone} lost, {throttled.injected} requests throttled"
    )


def _throttled(response) -> bool:
    parsed = response[1] if len(response) > 1 else {}
    code = (parsed or {}).get("Error", {}).get("Code", "")
    return code == "ProvisionedThroughputExceededException"


class _Chance(dict):
    """A Throttler's budget that says yes at random (``rate``), for any operation."""

    def __init__(self, rng: random.Random, rate: float) -> None:
        super().__init__()
        self.rng, self.rate = rng, rate

    def get(self, key, default=None):
        return 1 if self.rate and self.rng.random() < self.rate else 0

    def __getitem__(self, key):
        return 1

    def __setitem__(self, key, value) -> None:
        pass


def _one_lost_answer(client, text: str, delivery: str):
    """The console chat on moto with no answer lost yet; a member's message as an event."""
    from chalicelib.platforms.base import InboundEvent, Sender

    lost = BotocoreLostAnswers(client, random.Random(0), rate=0.0)
    store = Store(DynamoTable(client, TABLE, sleep=lambda _: None))
    store.create_community(community())
    store.bulk_save_members([member("u1", name="Una")])
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    rt, _ = runtime(store, at)
    event = InboundEvent("message", "console", "chat-1", Sender("u1", "Una"), text, delivery)
    return lost, store, rt, event, at


def test_on_moto_a_command_whose_claim_answer_was_lost_is_answered_once(production_client):
    """The inbound claim: its put applied, its answer lost, the retry refused by the put
    itself. The member's command must still be answered, once."""
    from chalicelib.inbound import handle_event

    lost, _store, rt, event, at = _one_lost_answer(production_client, "/help", "delivery-1")
    lost.lose_next = 1  # the claim's answer
    replies = handle_event(rt, event, at)
    assert lost.retried == 1
    assert replies, "a command whose claim answer was lost was dropped as a duplicate"
    assert handle_event(rt, event, at) == []  # the platform's redelivery: nothing twice


def test_on_moto_a_check_in_whose_put_answer_was_lost_is_answered_and_counted(production_client):
    """The check-in's own conditional put: applied, answer lost, the retry refused by the
    check-in itself. The member must hear "checked in" and the streak must count it, and the
    platform's redelivery must still change nothing."""
    from chalicelib.inbound import handle_event

    lost, store, rt, event, at = _one_lost_answer(production_client, "打卡", "delivery-7")
    lost.lose_next = 1  # the check-in put's answer
    replies = handle_event(rt, event, at)
    assert lost.retried == 1
    assert replies, "a check-in whose answer was lost got no reply"
    assert store.get_member("c1", "u1").current_streak == 1
    assert handle_event(rt, event, at) == []
    assert store.get_member("c1", "u1").current_streak == 1
