"""A scale model of one deployment's day: where fan-out dispatch, the worker, DynamoDB's
partitions and the platforms' limits meet, at 10,000, 100,000 and 1,000,000 communities.

A simulation in plain Python (no moto, no AWS; seconds to run). Communities are drawn from
the distributions in ``Assumptions``; every run of the day goes through the pipeline as
built (jobs/dispatch_due_jobs.py, worker.py):

1. the tick every five minutes (EventBridge ``cron(0/5 * * * ? *)``) reads each shard's
   next five minutes (look-ahead): a shard with at most ``INLINE_MAX`` runs in the window
   is enqueued by the tick itself, a larger one gets a shard message;
2. the shard's worker Queries it (1 MB pages) and enqueues its runs, 10 per
   SendMessageBatch, at most ``MAX_PER_SHARD_MESSAGE`` (or ~40 s) per message, then a
   continuation (which waits behind the runs already visible in the queue: counted and
   reported). Every run is sent with DelaySeconds up to its time, so it becomes visible
   to the workers at max(its time, when it was sent): "enqueue lateness" is how much later
   than its time that is;
3. the worker pool (the event source's ``MaximumConcurrency``, Lambda's account limit less
   the webhooks' own use, and SQS's scale-up of 300 more workers a minute) takes runs in
   queue order, each for its run time (DynamoDB requests, the platform's round trips and
   its per-chat pacing);
4. platforms with one global limit per bot (Telegram, Discord) deliver at most that many
   messages a second, paced (the runs wait, no worker is held); the others' limits are per
   group or per channel and are in the run time.

To stay fast, a size above ``SAMPLES`` communities is simulated as ``SAMPLES`` communities
each standing for ``weight`` of them, every capacity divided by that weight (a fluid
model: a queue of weighted runs behaves as the real one in the mean; single-run
latencies stay unscaled).

Every figure it uses is in ``FIGURES`` with where it comes from: "moto" (measured by
``make bench`` on moto, bench/README.md), "code" (read from this repository), "AWS" or
"platform" (published limits and prices; /work/shared/PLATFORMS.md for the platforms) or
"assumed" (a stated guess the model's output depends on; change it here).
"""

from __future__ import annotations

import bisect
import json
import math
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from bench import cost as prices

# -- figures and where they come from ---------------------------------------------------------

FIGURES: dict[str, tuple[float, str]] = {
    # DynamoDB requests of one daily reminder: 9 at 1,000 members, 29 at 10,000 (fit a + b·m)
    "reminder_requests_fixed": (6.8, "moto: bench/README.md, daily-reminder 9 req @1,000"),
    "reminder_requests_per_member": (0.0022, "moto: 29 req @10,000 members"),
    "reminder_rcu_per_member": (0.040, "moto: 40.5 RCU @1,000, 387.5 @10,000"),
    "reminder_wcu_fixed": (4.0, "moto: 5 WCU @1,000, 23 @10,000"),
    "reminder_wcu_per_member": (0.002, "moto"),
    "digest_requests_per_member": (0.65, "moto: weekly-digest 653 req @1,000"),
    "digest_rcu_per_member": (0.185, "moto: 185 RCU @1,000"),
    "digest_wcu_per_member": (1.56, "moto: 1,560 WCU @1,000"),
    "report_requests_per_member": (0.12, "moto: monthly-report 122 req @1,000"),
    "report_rcu_per_member": (0.32, "moto: 315.5 RCU @1,000"),
    "report_wcu_per_member": (0.19, "moto: 194 WCU @1,000"),
    "dispatch_batches_per_run": (0.10, "moto: 1,000 SendMessageBatch for 10,000 runs"),
    "pointer_item_bytes": (0.0, "code: store/due.py put_due, sized by bench/capacity.py"),
    "dynamodb_request_s": (0.006, "assumed: DynamoDB in-region p50 ~4-8 ms"),
    "sqs_batch_s": (0.015, "assumed: SendMessageBatch in-region ~10-20 ms"),
    "query_page_s": (0.030, "assumed: a 1 MB Query page on the index"),
    "tick_to_shard_s": (1.0, "assumed: tick Lambda + SQS to the worker's poller"),
    "tick_s": (0.15, "assumed: 12 Queries and a few SendMessageBatch, 256 MB"),
    "tick_fire_s": (1.0, "assumed: EventBridge starts the tick ~1 s into its slot"),
    "platform_call_s": (0.25, "assumed: one platform API round trip from the region"),
    "partition_wcu": (1000.0, "AWS: per-partition (and per-key) write limit"),
    "partition_rcu": (3000.0, "AWS: per-partition read limit"),
    "account_concurrency": (1000.0, "AWS: Lambda's default account concurrency"),
    "sqs_scale_per_minute": (300.0, "AWS: SQS event sources add up to 300 workers a minute"),
    "sqs_initial_pollers": (5.0, "AWS: an SQS event source starts with 5 pollers"),
    "webhook_concurrency_at_peak": (0.0, "assumed: check-ins after 21:00 (computed below)"),
    "checkin_ms": (50.0, "moto: check-in p50 on the embedded endpoint, rounded up"),
}

# Per bot/app, where a platform has one limit for the whole deployment (PLATFORMS.md):
# messages (requests) a second. The others' limits are per group robot or channel.
GLOBAL_LIMITS = {"telegram": 30.0, "discord": 50.0}
# Each platform's pause between two parts into one chat (code: the adapters' HttpSender).
PER_CHAT_INTERVAL = {
    "telegram": 1.0,
    "discord": 1.0,
    "slack": 1.0,
    "feishu": 0.6,
    "wecom": 3.0,
    "dingtalk": 3.0,
}
# Members one part can mention (code: each adapter's size limit over a ~25-character mention).
MENTIONS_PER_PART = {
    "telegram": 150,
    "discord": 80,
    "slack": 120,
    "feishu": 400,
    "wecom": 80,
    "dingtalk": 100,
}
SAMPLES = 20_000
DAY = 86_400
TICK_S = 300  # store/due.py TICK_MINUTES
INLINE_MAX = 500  # jobs/dispatch_due_jobs.py
PARTITIONS_BEFORE_FAN_OUT = 12  # 4 shards per job, 3 jobs: the tick's Queries before #28
SHANGHAI = 8 * 3600  # UTC+8, no DST


@dataclass(frozen=True)
class Assumptions:
    """What the model draws communities from; each value is a stated assumption."""

    # Platforms of the communities (assumed: a China-first product with an overseas tail).
    platform_mix: tuple[tuple[str, float], ...] = (
        ("feishu", 0.25),
        ("wecom", 0.20),
        ("dingtalk", 0.10),
        ("telegram", 0.20),
        ("discord", 0.15),
        ("slack", 0.10),
    )
    # Members: log-normal, median 40, sigma 1.0, capped at 5,000 (assumed: study groups).
    members_median: float = 40.0
    members_sigma: float = 1.0
    members_max: int = 5000
    # Daily reminder's local time (Asia/Shanghai): 50% at 21:00, 25% at 22:00, the rest at a
    # whole minute spread evenly over the day (assumed).
    at_21: float = 0.50
    at_22: float = 0.25
    # Share of members a reminder mentions (not checked in) and DMs (quiet) (assumed).
    missing_share: float = 0.5
    dm_share: float = 0.03
    # Other jobs today (assumed): a seventh of the communities' weekly digests at 21:30, a
    # thirtieth's monthly reports at 09:00, every listing platform's roster sync at 04:00,
    # a tenth of the communities' announcements at 20:00, Discord activity reads at 03:00.
    digest_share: float = 1 / 7
    report_share: float = 1 / 30
    announcement_share: float = 0.10
    # Check-ins: half the members check in, a third of them in the hour after 21:00.
    checkin_share: float = 0.5
    checkins_in_peak_hour: float = 1 / 3


@dataclass(frozen=True)
class Deployment:
    """The settings under test."""

    shards: int = 12  # ROLLCALL_DUE_SHARDS
    worker_cap: int = 10  # the worker's MaximumConcurrency (rollcall/infra.py, prod)
    bots: dict[str, int] = field(default_factory=dict)  # bot tokens per global-limit platform
    max_per_shard_message: int = 25_000  # jobs/dispatch_due_jobs.py


@dataclass
class Run:
    due: float
    job: str
    platform: str
    seconds: float  # worker time
    messages: float  # platform messages (or requests, for reads)
    requests: float  # DynamoDB requests
    rcu: float
    wcu: float
    shard: int
    enqueued: float = 0.0
    started: float = 0.0
    delivered: float = 0.0
    level: int = 0  # 0: the tick's shard message; n: its n-th continuation
    sent: float = 0.0  # when its SendMessageBatch went (it is visible at max(sent, due))
    slot: int = 0  # the tick that read it: its window is (slot, slot + TICK_S]


def _figure(name: str) -> float:
    return FIGURES[name][0]


def pointer_bytes() -> int:
    """The size of one due pointer as store/due.py writes it (DynamoDB's item size rules)."""
    from bench.capacity import item_size

    cid, at = "c0000000001", "2026-11-23T13:00:00+00:00"
    fields = {
        "pk": f"C#{cid}",
        "sk": "DUE#daily-reminder",
        "due_pk": "DUE#07",
        "due_sk": f"{at}#{cid}",
        "community_id": cid,
        "job": "daily-reminder",
        "period": "2026-11-23",
        "scheduled_at": at,
        "taken": f"2026-11-22@{at}",  # the run it was moved from (store/due.py take_due)
    }
    return item_size({name: {"S": value} for name, value in fields.items()})


def deployed_worker_cap() -> int:
    """The prod stage's worker cap as rollcall/infra.py sets it on the event source."""
    from rollcall.infra import Stage

    return Stage.load("prod").worker_max_concurrency


def _members(rng: random.Random, a: Assumptions) -> int:
    drawn = rng.lognormvariate(math.log(a.members_median), a.members_sigma)
    return max(3, min(a.members_max, int(drawn)))


def _reminder_utc(rng: random.Random, a: Assumptions) -> float:
    roll = rng.random()
    if roll < a.at_21:
        local = 21 * 3600
    elif roll < a.at_21 + a.at_22:
        local = 22 * 3600
    else:
        local = rng.randrange(1440) * 60
    return float((local - SHANGHAI) % DAY)


def _local(hour: float) -> float:
    return float((hour * 3600 - SHANGHAI) % DAY)


def _run_seconds(platform: str, parts: float, dms: float, requests: float) -> float:
    call = _figure("platform_call_s")
    return (
        requests * _figure("dynamodb_request_s")
        + (parts + dms) * call
        + max(0.0, parts - 1) * PER_CHAT_INTERVAL[platform]
    )


def draw_runs(communities: int, a: Assumptions, d: Deployment, seed: int = 7) -> list[Run]:
    """One day's runs of ``min(communities, SAMPLES)`` drawn communities."""
    rng = random.Random(seed)
    shards = random.Random(seed + 1)  # apart: the same communities whatever the shard count
    platforms = [p for p, _ in a.platform_mix]
    weights = [w for _, w in a.platform_mix]
    runs: list[Run] = []
    for _ in range(min(communities, SAMPLES)):
        platform = rng.choices(platforms, weights)[0]
        members = _members(rng, a)
        shard = shards.randrange(d.shards)
        parts = 1 + (members * a.missing_share) // MENTIONS_PER_PART[platform]
        dms = members * a.dm_share
        requests = _figure("reminder_requests_fixed") + members * _figure(
            "reminder_requests_per_member"
        )
        runs.append(
            Run(
                due=_reminder_utc(rng, a),
                job="daily-reminder",
                platform=platform,
                seconds=_run_seconds(platform, parts, dms, requests),
                messages=parts + dms,
                requests=requests,
                rcu=members * _figure("reminder_rcu_per_member") + 2,
                wcu=_figure("reminder_wcu_fixed") + members * _figure("reminder_wcu_per_member"),
                shard=shard,
            )
        )
        if rng.random() < a.digest_share:
            requests = 4 + members * _figure("digest_requests_per_member")
            parts = 1 + members // 100
            runs.append(
                Run(
                    due=_local(21.5),
                    job="weekly-digest",
                    platform=platform,
                    seconds=_run_seconds(platform, parts, members * 0.05, requests),
                    messages=parts + members * 0.05,
                    requests=requests,
                    rcu=members * _figure("digest_rcu_per_member"),
                    wcu=members * _figure("digest_wcu_per_member"),
                    shard=shards.randrange(d.shards),
                )
            )
        if rng.random() < a.report_share:
            requests = 4 + members * _figure("report_requests_per_member")
            runs.append(
                Run(
                    due=_local(9),
                    job="monthly-report",
                    platform=platform,
                    seconds=_run_seconds(platform, 2, members * 0.02, requests),
                    messages=2 + members * 0.02,
                    requests=requests,
                    rcu=members * _figure("report_rcu_per_member"),
                    wcu=members * _figure("report_wcu_per_member"),
                    shard=shards.randrange(d.shards),
                )
            )
        if platform in ("slack", "discord", "feishu"):  # a member list to read
            pages = 1 + members // 1000
            runs.append(
                Run(
                    due=_local(4),
                    job="roster-sync",
                    platform=platform,
                    seconds=6 * _figure("dynamodb_request_s") + pages * _figure("platform_call_s"),
                    messages=pages,  # list requests count against the bot's limit too
                    requests=6,
                    rcu=members * 0.05,
                    wcu=2,
                    shard=shards.randrange(d.shards),
                )
            )
        if platform == "discord":  # activity: the channel's messages, 100 a page
            pages = 1 + members // 20
            runs.append(
                Run(
                    due=_local(3),
                    job="discord-activity",
                    platform=platform,
                    seconds=4 * _figure("dynamodb_request_s") + pages * _figure("platform_call_s"),
                    messages=pages,
                    requests=4,
                    rcu=2,
                    wcu=2,
                    shard=shards.randrange(d.shards),
                )
            )
        if rng.random() < a.announcement_share:
            runs.append(
                Run(
                    due=_local(20),
                    job="announcement",
                    platform=platform,
                    seconds=_run_seconds(platform, 1, 0, 4),
                    messages=1,
                    requests=4,
                    rcu=2,
                    wcu=2,
                    shard=shards.randrange(d.shards),
                )
            )
    return runs


# -- the pipeline -----------------------------------------------------------------------------


def _enqueue(runs: list[Run], weight: float, d: Deployment, page_items: int) -> dict[str, Any]:
    """Stages 1-2: each run's send time, from its tick and its place in its shard (or in the
    tick's own sends), and when it is visible: at its time, or when sent if later."""
    by_tick: dict[tuple[int, int], list[Run]] = defaultdict(list)
    for run in runs:
        run.slot = (math.ceil(run.due / TICK_S) - 1) * TICK_S  # window (slot, slot + TICK_S]
        by_tick[(run.slot, run.shard)].append(run)
    batch_s, page_s = _figure("sqs_batch_s"), _figure("query_page_s")
    per_second = 10 / batch_s  # runs one Lambda enqueues a second
    per_message = min(d.max_per_shard_message, per_second * 40)
    shard_messages = continuations = 0
    hottest_read = 0.0
    item_kb = _figure("pointer_item_bytes") / 1024
    inline_sent: dict[int, float] = defaultdict(float)  # runs the tick has sent, per slot
    for (slot, _shard), group in sorted(by_tick.items()):
        group.sort(key=lambda r: r.due)
        count = len(group) * weight
        if count <= INLINE_MAX:  # the tick sends them itself, shard after shard
            start = slot + _figure("tick_fire_s") + inline_sent[slot] / per_second
            inline_sent[slot] += count
            for k, run in enumerate(group):
                run.sent = start + (k + 0.5) * weight / per_second
                run.enqueued = max(run.sent, run.due)
                run.level = 0
            continue
        start = slot + _figure("tick_fire_s") + _figure("tick_to_shard_s")
        shard_messages += 1
        continuations += int(count // per_message)
        for k, run in enumerate(group):
            position = (k + 0.5) * weight
            run.sent = start + position / per_second + page_s * math.ceil(position / page_items)
            run.enqueued = max(run.sent, run.due)
            run.level = int(position // per_message)
        # Index reads while enqueueing: items a second × size / 4 KB × 0.5 (eventually consistent)
        hottest_read = max(hottest_read, per_second * item_kb / 4 * 0.5)
    return {
        "shard_messages": shard_messages,
        "continuations": continuations,
        "index_rcu_per_s": hottest_read,
        "sent_by_tick": sum(inline_sent.values()),
    }


def _webhook_concurrency(communities: int, members_mean: float, a: Assumptions) -> float:
    checkins = communities * members_mean * a.checkin_share * a.checkins_in_peak_hour
    return checkins / 3600 * _figure("checkin_ms") / 1000


def _continue(runs: list[Run], waits: list[tuple[float, float]]) -> None:
    """A continuation queues behind the runs already sent: each one's runs start later by
    the queue's wait when it was sent (``waits``: (enqueued, wait) in time order), summed
    over the continuations before them."""
    times = [t for t, _ in waits]

    def wait_at(t: float) -> float:
        i = bisect.bisect_right(times, t) - 1
        return waits[i][1] if i >= 0 else 0.0

    delays: dict[tuple[int, int, int], float] = {}
    for run in sorted(runs, key=lambda r: (r.level, r.sent)):
        if run.level == 0:
            continue
        key = (run.slot, run.shard, run.level)
        if key not in delays:
            before = delays.get((key[0], key[1], run.level - 1), 0.0)
            delays[key] = before + wait_at(run.sent + before)
        run.sent += delays[key]
        run.enqueued = max(run.sent, run.due)


def _work(runs: list[Run], weight: float, d: Deployment, webhook: float) -> dict[str, Any]:
    """Stages 3-4: the worker pool in queue order, then each global limit's pacing."""
    runs.sort(key=lambda r: r.enqueued)
    cap = min(float(d.worker_cap), _figure("account_concurrency") - webhook)
    ramp, initial = _figure("sqs_scale_per_minute") / 60, _figure("sqs_initial_pollers")
    free = 0.0  # when the pool (as a fluid) has started everything so far
    backlog_since = 0.0
    busy: dict[int, float] = defaultdict(float)  # worker-seconds per second
    writes: dict[int, float] = defaultdict(float)  # index writes per second (all shards)
    sends: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    platform_free: dict[str, float] = defaultdict(float)
    for run in runs:
        if free <= run.enqueued:
            backlog_since = run.enqueued
        start = max(run.enqueued, free)
        workers = max(1.0, min(cap, initial + ramp * (start - backlog_since)))
        free = start + weight * run.seconds / workers
        run.started = free - run.seconds / workers
        finished = run.started + run.seconds
        _spread(busy, start, max(free, start + run.seconds), weight * run.seconds)
        _spread(writes, start, free, weight * 2)  # the pointer's old and new index entries
        limit = GLOBAL_LIMITS.get(run.platform)
        if limit is None:
            run.delivered = finished
            continue
        _spread(sends[run.platform], start, free + run.seconds, weight * run.messages)
        rate = limit * d.bots.get(run.platform, 1)
        paced = max(platform_free[run.platform], start) + weight * run.messages / rate
        platform_free[run.platform] = paced
        run.delivered = max(finished, paced)
    # What the workers would send a second without pacing (the same clamp as below: the
    # pool runs at most ``cap`` at once), against the limit of the platform's bots.
    unpaced = {
        p: max(
            (v * min(1.0, cap / busy[t]) if busy.get(t) else v for t, v in bins.items()),
            default=0.0,
        )
        / (GLOBAL_LIMITS[p] * d.bots.get(p, 1))
        for p, bins in sends.items()
    }
    return {
        # The fluid pool never runs more than ``cap`` at once; spreading each run over its
        # own time can add up above it for a moment, an artefact clamped here.
        "peak_concurrency": min(cap, max(busy.values(), default=0.0)),
        "cap": cap,
        "index_wcu_per_s": max(writes.values(), default=0.0) / d.shards,
        "unpaced_vs_limit": unpaced,
    }


def _spread(bins: dict[int, float], start: float, end: float, amount: float) -> None:
    """``amount`` spread evenly over [start, end) in one-second bins."""
    end = max(end, start + 1)
    first, last = int(start), int(end)
    per = amount / (end - start)
    for second in range(first, min(last + 1, first + 4000)):
        lo, hi = max(start, second), min(end, second + 1)
        if hi > lo:
            bins[second] += per * (hi - lo)


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    values = sorted(values)
    at = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {"p50": at(0.50), "p99": at(0.99), "max": values[-1]}


def simulate(
    communities: int, a: Assumptions | None = None, d: Deployment | None = None, seed: int = 7
) -> dict[str, Any]:
    a, d = a or Assumptions(), d or Deployment()
    weight = max(1.0, communities / SAMPLES)
    runs = draw_runs(communities, a, d, seed)
    page_items = max(1, int(1024 * 1024 / _figure("pointer_item_bytes")))
    members_mean = sum(r.requests for r in runs if r.job == "daily-reminder")
    members_mean = (
        (members_mean / max(1, sum(1 for r in runs if r.job == "daily-reminder")))
        - _figure("reminder_requests_fixed")
    ) / _figure("reminder_requests_per_member")
    webhook = _webhook_concurrency(communities, members_mean, a)
    enqueue = _enqueue(runs, weight, d, page_items)
    work = _work(runs, weight, d, webhook)
    if enqueue["continuations"]:  # again, with the continuations' wait in the queue
        # (a continuation waits behind the runs visible when it is sent, not delayed ones)
        _continue(runs, sorted((r.enqueued, r.started - r.enqueued) for r in runs))
        work = _work(runs, weight, d, webhook)
    lateness: dict[str, Any] = {}
    for platform, _ in a.platform_mix:
        mine = [r for r in runs if r.platform == platform and r.job == "daily-reminder"]
        lateness[platform] = {
            "enqueue_s": _percentiles([r.enqueued - r.due for r in mine]),
            "delivery_s": _percentiles([r.delivered - r.due for r in mine]),
        }
    all_reminders = [r for r in runs if r.job == "daily-reminder"]
    enqueue_all = _percentiles([r.enqueued - r.due for r in all_reminders])
    skipped = sum(1 for r in all_reminders if r.delivered - r.due > 7200) / max(
        1, len(all_reminders)
    )
    return {
        "communities": communities,
        "weight": weight,
        "deployment": {
            "shards": d.shards,
            "worker_cap": d.worker_cap,
            "bots": dict(d.bots),
            "max_per_shard_message": d.max_per_shard_message,
        },
        "runs_per_day": round(len(runs) * weight),
        "enqueue_lateness_s": enqueue_all,
        "lateness_by_platform": lateness,
        "reminders_over_2h": skipped,
        "continuations": enqueue["continuations"],
        "shard_messages": enqueue["shard_messages"],
        "runs_sent_by_tick": round(enqueue["sent_by_tick"]),
        "hottest_partition": {
            "index_wcu_per_s": work["index_wcu_per_s"],
            "index_rcu_per_s": enqueue["index_rcu_per_s"],
            "wcu_share": work["index_wcu_per_s"] / _figure("partition_wcu"),
            "rcu_share": enqueue["index_rcu_per_s"] / _figure("partition_rcu"),
        },
        "peak_concurrency": work["peak_concurrency"] + webhook,
        "worker_peak": work["peak_concurrency"],
        "webhook_concurrency": webhook,
        "unpaced_send_rate_vs_limit": work["unpaced_vs_limit"],
        "bots_for_5_minutes": bots_needed(runs, weight),
        "cost": day_cost(runs, weight, d, enqueue["shard_messages"]),
    }


def bots_needed(runs: list[Run], weight: float, within: float = 300.0) -> dict[str, int]:
    """Bot tokens per global-limit platform for its 21:00 reminders to go out within
    ``within`` seconds (the busiest minute's messages over the limit)."""
    out = {}
    for platform, limit in GLOBAL_LIMITS.items():
        per_minute: dict[int, float] = defaultdict(float)
        for run in runs:
            if run.platform == platform and run.job == "daily-reminder":
                per_minute[int(run.due // 60)] += run.messages * weight
        peak = max(per_minute.values(), default=0.0)
        out[platform] = max(1, math.ceil(peak / (limit * within)))
    return out


def tick_cost(partitions: int = 12) -> float:
    """One tick: its invocation, its time, and one Query (one page, 0.5 RRU when idle) of
    every partition: the shards (store/due.py; no legacy partitions any more)."""
    return (
        prices.LAMBDA_REQUEST_PER_MILLION / 1e6
        + _figure("tick_s") * prices.LAMBDA_MEMORY_GB * prices.LAMBDA_GB_SECOND_ARM
        + partitions * 0.5 * prices.DYNAMODB_READ_PER_MILLION / 1e6
    )


def day_cost(runs: list[Run], weight: float, d: Deployment, shard_messages: int) -> dict[str, Any]:
    """A day's AWS cost at list prices (bench/cost.py): ticks, shard messages, runs."""
    n = len(runs) * weight
    ticks = DAY // TICK_S * tick_cost(d.shards)
    item = _figure("pointer_item_bytes")
    shard = shard_messages * (
        # SQS send (a tenth of a batch), receive and delete, and a worker invocation's share
        1.2 * prices.SQS_PER_MILLION / 1e6
        + prices.LAMBDA_REQUEST_PER_MILLION / 1e6 / 10
        # the worker reads again the INLINE_MAX + 1 items the tick read to decide
        + (INLINE_MAX + 1) * item / 4096 * 0.5 * prices.DYNAMODB_READ_PER_MILLION / 1e6
    ) + n * (
        _figure("dispatch_batches_per_run") * prices.SQS_PER_MILLION / 1e6
        + item / 4096 * 0.5 * prices.DYNAMODB_READ_PER_MILLION / 1e6
        + _figure("sqs_batch_s") / 10 * prices.LAMBDA_MEMORY_GB * prices.LAMBDA_GB_SECOND_ARM
    )
    seconds = sum(r.seconds for r in runs) * weight
    runs_cost = (
        n * 0.2 * prices.SQS_PER_MILLION / 1e6  # receive and delete, 10 to a batch
        + n / 10 * prices.LAMBDA_REQUEST_PER_MILLION / 1e6
        + seconds * prices.LAMBDA_MEMORY_GB * prices.LAMBDA_GB_SECOND_ARM
        + sum(r.rcu for r in runs) * weight * prices.DYNAMODB_READ_PER_MILLION / 1e6
        + sum(r.wcu + 2 for r in runs) * weight * prices.DYNAMODB_WRITE_PER_MILLION / 1e6
    )
    # Before fan-out (today's): 288 ticks a day, each reading its 12 partitions (4 per job)
    # itself and sending every run from one Lambda (its time is the SendMessageBatch round
    # trips). The runs' reads, sends and Lambda time are the same now (the tick's or a
    # shard worker's); what differs is the shard messages and the ticks' Queries.
    before = (
        288 * tick_cost(PARTITIONS_BEFORE_FAN_OUT)
        + n * _figure("dispatch_batches_per_run") * prices.SQS_PER_MILLION / 1e6
        + n * item / 4096 * 0.5 * prices.DYNAMODB_READ_PER_MILLION / 1e6
        + n / 10 * _figure("sqs_batch_s") * prices.LAMBDA_MEMORY_GB * prices.LAMBDA_GB_SECOND_ARM
    )
    return {
        "tick_usd": tick_cost(d.shards),
        "ticks_per_day_usd": ticks,
        "idle_month_usd": 30 * ticks,
        "dispatch_per_day_usd": ticks + shard,
        "runs_per_day_usd": runs_cost,
        "per_day_usd": ticks + shard + runs_cost,
        "dispatch_per_day_before_usd": before,
        "per_day_before_usd": before + runs_cost,
    }


# -- the report -------------------------------------------------------------------------------

SIZES = (10_000, 100_000, 1_000_000)


def tuned(communities: int) -> Deployment:
    """The settings the model suggests for a size: shards so that the busiest minute's
    shard takes one message of ~40 s at most (with room), the worker at the account's
    limit less headroom for the webhooks, one bot per global-limit platform."""
    busiest_minute = communities * (Assumptions().at_21 + 0.05)
    per_message = 10 / _figure("sqs_batch_s") * 20  # half a message's time: room for 2x
    shards = max(12, math.ceil(busiest_minute / per_message))
    return Deployment(shards=shards, worker_cap=900)


def model(sizes: tuple[int, ...] = SIZES, seed: int = 7) -> dict[str, Any]:
    FIGURES["pointer_item_bytes"] = (float(pointer_bytes()), FIGURES["pointer_item_bytes"][1])
    deployed = Deployment(worker_cap=deployed_worker_cap())
    rows = []
    for size in sizes:
        rows.append({"setting": "as deployed", **simulate(size, d=deployed, seed=seed)})
        rows.append({"setting": "tuned", **simulate(size, d=tuned(size), seed=seed)})
        bots = rows[-1]["bots_for_5_minutes"]
        with_bots = replace(tuned(size), bots=bots)
        rows.append({"setting": "tuned + bots", **simulate(size, d=with_bots, seed=seed)})
    return {
        "figures": {k: {"value": v, "source": s} for k, (v, s) in FIGURES.items()},
        "assumptions": Assumptions().__dict__,
        "global_limits": GLOBAL_LIMITS,
        "rows": rows,
    }


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


def render(result: dict[str, Any]) -> list[str]:
    lines = [
        "scale model (bench/scale_model.py; minutes after each run's time; bench/README.md "
        "says where each figure comes from)",
        f"{'communities':>11} {'setting':<13}{'shards':>7}{'cap':>5} {'enqueue p50/p99/max':<20}"
        f"{'delivery p99 (max) per platform':<74}{'part. WCU':>10}{'conc':>6}{'$/day':>8}"
        f"{'dispatch':>9}{'before':>8}",
    ]
    for row in result["rows"]:
        e = row["enqueue_lateness_s"]
        per = " ".join(
            f"{p[:4]} {_minutes(v['delivery_s']['p99'])}({_minutes(v['delivery_s']['max'])})"
            for p, v in row["lateness_by_platform"].items()
        )
        hot = row["hottest_partition"]
        lines.append(
            f"{row['communities']:>11,} {row['setting']:<13}{row['deployment']['shards']:>7}"
            f"{row['deployment']['worker_cap']:>5} "
            f"{_minutes(e['p50']) + '/' + _minutes(e['p99']) + '/' + _minutes(e['max']):<20}"
            f"{per:<74}{hot['wcu_share'] * 100:>9.1f}%{row['peak_concurrency']:>6.0f}"
            f"{row['cost']['per_day_usd']:>8.2f}{row['cost']['dispatch_per_day_usd']:>9.4f}"
            f"{row['cost']['dispatch_per_day_before_usd']:>8.4f}"
        )
    first = result["rows"][0]["cost"]
    lines.append(
        f"one tick ${first['tick_usd']:.7f}; idle ({DAY // TICK_S} ticks a day, nothing due) "
        f"${first['idle_month_usd']:.3f} a month"
    )
    for row in result["rows"]:
        if row["setting"] == "tuned":
            lines.append(
                f"  {row['communities']:,}: bot tokens for the 21:00 reminders within 5 min: "
                + ", ".join(f"{p} {n}" for p, n in row["bots_for_5_minutes"].items())
                + "; unpaced send rate vs limit: "
                + ", ".join(f"{p} ×{v:.1f}" for p, v in row["unpaced_send_rate_vs_limit"].items())
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    sizes = tuple(int(x.replace("_", "")) for x in argv[0].split(",")) if argv else SIZES
    result = model(sizes)
    print("\n".join(render(result)))
    if "--json" in argv:
        print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
