"""The scheduled posts of community life that read the roster, on the same seeded data as
the jobs (bench/seed.py: November's check-ins, the cycles' homework and reviews):

* the duty rota's turn-over (``rota``, jobs/turn_over_rota.py) on Monday 23 November,
  09:00 in Shanghai: the roster, the served history and the period's volunteers, one
  Query each (pages), then the duty's conditional PutItem;
* a cohort's opening ceremony (开班仪式) on 1 November: the roster, for its squads and
  their leaders;
* its closing (结业) on 1 December: the roster and the stars' Queries over the cohort's
  dates (check-ins, homework, reviews);
* a one-off announcement (群公告): the text's GetItem, whatever the roster.

Each runs through the job runner (forced at its time), as bench/jobs.py runs the others.
The issue's target for all of them: Query pages, at most 0.02 requests per member.

    .venv/bin/python -m bench.community_life 1000 10000
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from bench import seed as seeding
from bench.capacity import Meter
from bench.jobs import quiet_runtime
from bench.stars import _row  # the same row, against the same 0.02 target
from chalicelib.domain import announcements as ann
from chalicelib.features import announcements
from chalicelib.jobs.runner import run_job
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

# Monday 23 November 09:00 in Shanghai: the rota's week 2026-W48 begins.
ROTA_AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
# The cohort runs through November; the announcement is set for 24 November 09:00.
COHORT_START, COHORT_END = date(2026, 11, 1), date(2026, 11, 30)
SCHEDULED_AT = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
ANNOUNCE = "2026-11-24 09:00 本周五 20:00 分享会，欢迎报名 / Friday talk at 20:00"


def _run(
    table: DynamoTable, meter: Meter, job: str, cid: str, at: datetime, period: str | None
) -> tuple[dict[str, Any], float, dict[str, Any]]:
    runtime = quiet_runtime(table)
    meter.reset()
    started = time.perf_counter()
    result = run_job(runtime, job, cid, at, period=period, force=True)
    seconds = time.perf_counter() - started
    assert result.status == "sent", (job, period, result.status, result.errors)
    return meter.snapshot(), seconds, dict(result.summary)


def bench_community_life(
    client: Any,
    sizes: list[int],
    *,
    prefix: str = "bench-life",
    seed: int = 1,
    log: Callable[[str], None] = lambda _line: None,
) -> list[dict[str, Any]]:
    """One row per entry and size: rota turn-over, cohort opening and closing, announcement."""
    meter = Meter().attach(client)
    rows: list[dict[str, Any]] = []
    for members in sizes:
        cid, name = f"l{members}", f"{prefix}-{members}"
        ensure_table(client, name)
        seeding.seed(client, name, cid, members, seed=seed, jobs=("monthly-report",))
        table = DynamoTable(client, name)
        store = Store(table)
        community = store.update_community(store.get_community(cid), rota_period="week")
        cohort = announcements.add_cohort(
            store, community, "November", COHORT_START, COHORT_END, SCHEDULED_AT
        )
        entry, _first = announcements.add_announcement(
            store, store.get_community(cid), ANNOUNCE, "bench", SCHEDULED_AT
        )
        calendar = community.calendar
        opening, closing = list(ann.cohort_posts(calendar, cohort, SCHEDULED_AT))
        post = next(ann.announcement_posts(calendar, entry, SCHEDULED_AT))
        runs = [
            ("rota-turnover", "rota", ROTA_AT, None),
            ("cohort-opening", announcements.JOB, opening.scheduled_at, opening.period),
            ("cohort-closing", announcements.JOB, closing.scheduled_at, closing.period),
            ("announcement", announcements.JOB, post.scheduled_at, post.period),
        ]
        for entry_name, job, at, period in runs:
            measured, seconds, summary = _run(table, meter, job, cid, at, period)
            rows.append(_row(entry_name, members, measured, seconds))
            if entry_name == "rota-turnover":
                assert summary.get("on_duty"), summary  # somebody was picked
        for row in rows[-len(runs) :]:
            log(
                f"  {row['entry']} at {members:,}: {row['total_requests']} requests, "
                f"{row['seconds']:.2f} s"
            )
        client.delete_table(TableName=name)
    return rows


if __name__ == "__main__":  # pragma: no cover - a measurement, run by hand
    import os

    import boto3
    from moto import mock_aws

    from bench.fastmoto import fast_results

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    with mock_aws(), fast_results():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for row in bench_community_life(client, sizes, log=print):
            print(
                f"{row['entry']:>16} {row['members']:>7,}: {row['requests']} "
                f"{row['requests_per_member']:.4f}/member  RCU {row['rcu']:.1f}  "
                f"WCU {row['wcu']:.1f}  met={row['met']}"
            )
