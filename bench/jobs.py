"""Job cost: rollcall's three jobs against the minimum and against a naive first version.

For each community size, one table is seeded (bench/seed.py) and the jobs run on it in the
order of the month: the daily reminder (23 November), the weekly digest of cycle 3 (22
November, after its deadline; it writes the cycle's strikes, which the report then
counts) and the monthly report on November (1 December). The naive design (bench/naive.py)
runs the same jobs, in the same order, on an identical table of its own.

**The minimum** a job could cost is computed from the bytes it must move:

* reads: the items its answer depends on (the community, the roster, and per job the day's
  check-ins; the cycle's and last cycle's homework, reviews and close record and the
  cycle's check-ins; the month's check-ins, the homework and strikes of the cycles that
  closed in it and last month's report), measured before the run, read eventually
  consistently and packed perfectly into 4 KB units: ``ceil(bytes / 4096) / 2``;
* writes: the payload the job writes (a put's item, an update's key and new values),
  packed perfectly into 1 KB units: ``ceil(payload / 1024)``, at least 1 (the run record).

So a ratio of 1 would mean reading every needed byte exactly once with nothing else, and
writing nothing but the new facts, in full 1 KB units.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from bench import seed as seeding
from bench.capacity import READ_UNIT, WRITE_UNIT, Meter, item_size
from bench.naive import Naive, naive_digest, naive_reminder, naive_report
from chalicelib.config import Settings
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.console import ConsoleAdapter
from chalicelib.runtime import Runtime
from chalicelib.store import keys
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

JOBS = ("daily-reminder", "weekly-digest", "monthly-report")
# The size from which only the monthly report runs (the 100,000-member case).
REPORT_ONLY_FROM = 100_000
AT = {
    "daily-reminder": seeding.REMINDER_AT,
    "weekly-digest": seeding.DIGEST_AT,
    "monthly-report": seeding.REPORT_AT,
}
_END = "\uffff"


def needed_ranges(job: str) -> list[tuple[str, str]]:
    """Sort-key ranges (inclusive) of the items a job's answer depends on."""
    day = keys.checkin_day_prefix
    common = [(keys.META, keys.META), (keys.MEMBER_PREFIX, keys.MEMBER_PREFIX + _END)]
    if job == "daily-reminder":
        return [*common, (day(seeding.REMINDER_DAY), day(seeding.REMINDER_DAY) + _END)]
    if job == "weekly-digest":
        this, last = seeding.DIGEST_CYCLE, seeding.DIGEST_PREVIOUS
        close = keys.cycle_close_sk(last)
        return [
            *common,
            *(
                (p, p + _END)
                for p in (
                    keys.cycle_submissions_prefix(this),
                    keys.cycle_submissions_prefix(last),
                    keys.cycle_assignments_prefix(last),
                    keys.cycle_assignment_buckets_prefix(last),
                    keys.cycle_reviews_prefix(last),
                )
            ),
            (close, close),
            (day(date(2026, 11, 16)), day(date(2026, 11, 22)) + _END),
            *_state_outside_members(),
        ]
    first, last_cycle = seeding.CYCLES[0], seeding.CYCLES[-1]
    header = keys.REPORT_PREFIX + seeding.PREVIOUS_MONTH
    rows = keys.report_rows_prefix(seeding.PREVIOUS_MONTH)
    return [
        *common,
        (day(seeding.MONTH_FIRST), day(seeding.MONTH_LAST) + _END),
        (keys.cycle_submissions_prefix(first), keys.cycle_submissions_prefix(last_cycle) + _END),
        keys.cycle_strikes_range(first, last_cycle),  # both shapes: records and buckets
        (header, header),
        (rows, rows + _END),
        *_state_outside_members(),
        # the month's stars (features/stars.py) rank the cycles' reviews
        (keys.cycle_reviews_prefix(first), keys.cycle_reviews_prefix(last_cycle) + _END),
    ]


def _state_outside_members() -> list[tuple[str, str]]:
    """The homework counters and the warnings: on the member items until issue 19 moved
    them to items of their own (``HWM#``, ``WRN#``), which the minimum must count too."""
    older = (keys.HOMEWORK_COUNTERS_PREFIX, keys.WARNING_PREFIX)
    return [(p, p + _END) for p in (*older, keys.WARNING_BUCKET_PREFIX)]  # + WRN$ buckets


def needed_bytes(client: Any, table: str, cid: str, ranges: Iterable[tuple[str, str]]) -> int:
    """The size of the items in ``ranges``, read through a paginator (not metered)."""
    total = 0
    for start, end in ranges:
        pages = client.get_paginator("query").paginate(
            TableName=table,
            KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues={
                ":p": {"S": keys.community_pk(cid)},
                ":a": {"S": start},
                ":b": {"S": end},
            },
        )
        total += sum(item_size(i) for page in pages for i in page["Items"])
    return total


def quiet_runtime(table: DynamoTable) -> Runtime:
    runtime = Runtime(settings=Settings(console_secret="bench"), store=Store(table))
    runtime.adapters["console"] = ConsoleAdapter("bench", sink=lambda _sent: None)
    return runtime


def run_ours(
    table: DynamoTable, meter: Meter, job: str, cid: str, at: datetime | None = None
) -> dict[str, Any]:
    runtime = quiet_runtime(table)
    meter.reset()
    started = time.perf_counter()
    result = run_job(runtime, job, cid, at or AT[job], force=True)
    elapsed = time.perf_counter() - started
    assert result.status == "sent", (job, result.status, result.errors)
    summary = {k: v for k, v in result.summary.items() if isinstance(v, int | float)}
    return {"parts": result.delivered, "seconds": elapsed, "summary": summary, **meter.snapshot()}


def job_row(job: str, members: int, ours: dict[str, Any], needed: int) -> dict[str, Any]:
    min_rcu = math.ceil(needed / READ_UNIT) / 2
    min_wcu = max(1, math.ceil(ours["payload_written"] / WRITE_UNIT))
    units = ours["rcu"] + ours["wcu"]
    return {
        "job": job,
        "members": members,
        "requests": ours["requests"],
        "total_requests": ours["total_requests"],
        "requests_per_member": ours["total_requests"] / members,
        "rcu": ours["rcu"],
        "wcu": ours["wcu"],
        "needed_bytes": needed,
        "bytes_read": ours["bytes_read"],
        "payload_written": ours["payload_written"],
        "items_written": ours["items_written"],
        "min_rcu": min_rcu,
        "min_wcu": min_wcu,
        "units_vs_min": units / (min_rcu + min_wcu),
        "read_units_vs_min": ours["rcu"] / min_rcu,
        "write_units_vs_min": ours["wcu"] / min_wcu,
        "seconds": ours["seconds"],
        "dynamodb_seconds": ours["dynamodb_seconds"],
        "parts": ours["parts"],
        "summary": ours["summary"],
    }


def _fresh(client: Any, name: str) -> str:
    ensure_table(client, name)
    return name


def _drop(client: Any, name: str) -> None:
    client.delete_table(TableName=name)


def bench_jobs(
    client: Any,
    sizes: Iterable[int],
    *,
    naive_sizes: Iterable[int] = (),
    prefix: str = "bench",
    seed: int = 1,
    log: Callable[[str], None] = lambda _line: None,
) -> list[dict[str, Any]]:
    """One row per job and size; the naive design measured at ``naive_sizes`` too."""
    meter = Meter().attach(client)
    naive_sizes = set(naive_sizes)
    rows: list[dict[str, Any]] = []
    for members in sizes:
        jobs = JOBS if members < REPORT_ONLY_FROM else ("monthly-report",)
        cid = f"b{members}"
        name = _fresh(client, f"{prefix}-{members}")
        started = time.perf_counter()
        world = seeding.seed(client, name, cid, members, seed=seed, jobs=jobs)
        log(
            f"  seeded {members:,} members ({sum(world.items.values()):,} items) in "
            f"{time.perf_counter() - started:.0f} s"
        )
        table = DynamoTable(client, name)
        by_job = {}
        for job in jobs:
            needed = needed_bytes(client, name, cid, needed_ranges(job))
            ours = run_ours(table, meter, job, cid)
            by_job[job] = row = job_row(job, members, ours, needed)
            row["seeded_items"] = dict(world.items)
            rows.append(row)
            log(f"  {job} at {members:,}: {row['total_requests']} requests, {row['seconds']:.1f} s")
        _drop(client, name)
        if members in naive_sizes:
            _naive(client, f"{prefix}-{members}-naive", cid, members, seed, jobs, meter, by_job)
            log(f"  naive at {members:,} done")
    return rows


def _naive(
    client: Any,
    name: str,
    cid: str,
    members: int,
    seed: int,
    jobs: Iterable[str],
    meter: Meter,
    rows: dict[str, dict[str, Any]],
) -> None:
    jobs = tuple(jobs)
    _fresh(client, name)
    world = seeding.seed(client, name, cid, members, seed=seed, jobs=jobs, naive_report_rows=True)
    naive = Naive(client, name, world.community)
    for job in jobs:
        if job == "daily-reminder":
            result = naive_reminder(naive, meter, seeding.REMINDER_DAY)
        elif job == "weekly-digest":
            result = naive_digest(naive, meter)
        else:
            result = naive_report(naive, meter, seeding.REPORT_AT)
        row = rows[job]
        row["naive_requests"] = result["total_requests"]
        row["naive_requests_by_operation"] = result["requests"]
        row["naive_rcu"] = result["rcu"]
        row["naive_wcu"] = result["wcu"]
        row["naive_seconds"] = result["seconds"]
        row["naive_outcome"] = result["outcome"]
        row["requests_vs_naive"] = row["total_requests"] / result["total_requests"]
        row["units_vs_naive"] = (row["rcu"] + row["wcu"]) / (result["rcu"] + result["wcu"])
        row["time_vs_naive"] = row["seconds"] / result["seconds"]
    _drop(client, name)
