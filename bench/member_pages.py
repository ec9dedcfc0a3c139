"""The pages added for issue 27's second round (manage/pages.py, through
handle_manage_request as the route calls it, with a signed session cookie): the delivery
log (one job's runs, a page of 20) and a member's own page (我的主页), for a seeded community.

Their DynamoDB requests must not grow with the members (nor, for the delivery log, with the
ledger), and each page renders within 2× the time of the reads it needs alone.

    .venv/bin/python -m bench.member_pages 200 1000
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from functools import partial
from typing import Any

from bench import seed as seeding
from bench.capacity import Meter
from bench.jobs import quiet_runtime
from chalicelib.clock import FixedClock
from chalicelib.domain.models import Role
from chalicelib.features import manage as feature
from chalicelib.manage import session as sessions
from chalicelib.manage.pages import handle_manage_request
from chalicelib.platforms.base import HttpRequest
from chalicelib.store import runs
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

NOW = seeding.REPORT_AT
TARGET_RATIO = 2.0
JOB = "daily-reminder"
RUNS = 30  # November's reminders
REFUSED_SHARE = 0.02  # of each run's direct messages


def seed_runs(table: DynamoTable, cid: str, members: int) -> None:
    """A month of reminder runs: one group post and a direct message to a tenth of the
    members each, 2 % of those refused (a refusal is its own item: RUNX#…)."""
    dms = max(1, members // 10)
    for day in range(1, RUNS + 1):
        period = f"2026-11-{day:02d}"
        run_id = f"r-{period}"
        at = NOW - timedelta(days=RUNS + 1 - day)
        runs.claim_run(table, cid, JOB, period, at, lease=timedelta(minutes=5), run_id=run_id)
        refused = list(range(1, dms + 1, max(1, int(1 / REFUSED_SHARE))))
        runs.record_refused(table, cid, JOB, period, run_id, refused, at=at)
        runs.record_part(table, cid, JOB, period, 0, f"m-{day}", run_id)
        runs.record_part(table, cid, JOB, period, dms, "", run_id, keep_id=False)
        runs.finish_run(table, cid, JOB, period, at + timedelta(seconds=20), run_id, parts=dms + 1)


def _page(runtime: Any, cid: str, user: str, role: str, page: str, query: dict[str, str]) -> Any:
    key = runtime.settings.manage_key()
    cookie = sessions.make_cookie_value(key, cid, user, role, NOW)
    request = HttpRequest("GET", {"cookie": f"{sessions.COOKIE}={cookie}"}, query, b"")
    return handle_manage_request(runtime, request, cid, page)


def bench_member_pages(
    client: Any, sizes: list[int], *, runs_each: int = 3, prefix: str = "bench-member-pages"
) -> list[dict[str, Any]]:
    """Per size and page: its requests, and the median of ``runs_each`` renders against
    the median of as many reads of every request it makes, straight through the table."""
    meter = Meter().attach(client)
    rows = []
    for members in sizes:
        rows += _one_size(client, meter, members, runs_each, f"{prefix}-{members}")
    return rows


def _one_size(
    client: Any, meter: Meter, members: int, runs_each: int, name: str
) -> list[dict[str, Any]]:
    cid = f"q{members}"
    ensure_table(client, name)
    world = seeding.seed(client, name, cid, members, jobs=("daily-reminder",))
    owner = next(m for m in world.members if m.role is Role.OWNER)
    regular = next(m for m in world.members if world.profiles[m.user_id] == "regular")
    table = DynamoTable(client, name)
    seed_runs(table, cid, members)
    runtime = quiet_runtime(table)
    runtime.clock = FixedClock(NOW)
    store = Store(table)

    def delivery_reads() -> Any:
        store.get_community(cid), store.get_member(cid, owner.user_id)
        return feature.delivery_log(store, cid, JOB)

    def home_reads() -> Any:
        c, m = store.get_community(cid), store.get_member(cid, regular.user_id)
        assert m is not None
        return feature.member_home(store, c, m, NOW)

    entries = (
        (
            "delivery log",
            partial(_page, runtime, cid, owner.user_id, "owner", "delivery", {"job": JOB}),
            delivery_reads,
        ),
        (
            "my page",
            partial(_page, runtime, cid, regular.user_id, feature.SELF, "me", {}),
            home_reads,
        ),
    )
    rows = []
    for entry, render, reads in entries:
        page_s, read_s = [], []
        for _ in range(runs_each):
            meter.reset()
            started = time.perf_counter()
            answer = render()
            page_s.append(time.perf_counter() - started)
            measured = meter.snapshot()
            assert answer.status == 200, (entry, answer.status)
            started = time.perf_counter()
            reads()
            read_s.append(time.perf_counter() - started)
        page, alone = statistics.median(page_s), statistics.median(read_s)
        rows.append(
            {
                "entry": entry,
                "members": members,
                "requests": measured["requests"],
                "rcu": measured["rcu"],
                "rows": answer.body.count("<tr"),
                "page_seconds": round(page, 4),
                "reads_seconds": round(alone, 4),
                "ratio": round(page / alone, 2),
                "met": page / alone <= TARGET_RATIO,
            }
        )
    client.delete_table(TableName=name)
    return rows


if __name__ == "__main__":  # pragma: no cover - a measurement, run by hand
    import os

    import boto3
    from moto import mock_aws

    from bench.fastmoto import fast_results

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    sizes = [int(a) for a in sys.argv[1:]] or [200, 1000]
    with mock_aws(), fast_results():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for row in bench_member_pages(dynamodb, sizes):
            print(row)
