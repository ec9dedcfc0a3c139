"""What landed on 5 December without a bench entry, on the same seeded data as the jobs
(bench/seed.py: November's check-ins, the cycles' homework, cycle 2's reviews):

* the ``monthly-stars`` job on November and the ``quarterly-stars`` job on 2026-Q4, run
  through the job runner as bench/jobs.py runs the others (forced, the morning after the
  period);
* the monthly goal's board (features/goals.py) as chat shows it: the roster Query plus one
  Query of the month's goal prefix, with 60 % of the members having reported progress
  (each a ``GOAL#<month>#P#<member>`` item, written straight onto the wire); and the
  weekly digest's goal line, which reuses the roster the digest already has (one Query).

The issue's target for all of them: Query pages, at most 0.02 requests per member.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench import seed as seeding
from bench.capacity import Meter
from bench.jobs import run_ours
from chalicelib.features import goals
from chalicelib.store import keys
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

STAR_JOBS = ("monthly-stars", "quarterly-stars")
# Each job the morning its period has ended: November's on 1 December (10:00 in Shanghai),
# 2026-Q4's on 1 January (its weekly cycles run to the end of December: two Queries each).
STARS_AT = {
    "monthly-stars": seeding.REPORT_AT,
    "quarterly-stars": datetime(2027, 1, 1, 2, 0, tzinfo=UTC),
}
TARGET_REQUESTS_PER_MEMBER = 0.02
# The goal's month and the board's moment: Monday 23 November, 21:00 in Shanghai.
GOAL_AT = seeding.REMINDER_AT
GOAL_MONTH = "2026-11"
REPORTING_SHARE = 0.6


def seed_goal(client: Any, table: str, world: seeding.World, rng: random.Random) -> int:
    """November's goal and the progress of ``REPORTING_SHARE`` of the members."""
    pk = keys.community_pk(world.community.id)
    items: list[dict[str, Any]] = [
        {
            "pk": pk,
            "sk": keys.goal_sk(GOAL_MONTH),
            "month": GOAL_MONTH,
            "title": "读完《原则》",
            "target": 300,
            "unit": "页",
            "set_by": world.members[0].user_id,
            "set_at": "2026-11-01T02:00:00+00:00",
        }
    ]
    for m in world.members:
        if rng.random() < REPORTING_SHARE:
            items.append(
                {
                    "pk": pk,
                    "sk": keys.goal_progress_sk(GOAL_MONTH, m.user_id),
                    "user_id": m.user_id,
                    "name": m.display(),
                    "value": rng.randint(1, 400),
                    "delivery": f"d-{m.user_id}",
                }
            )
    return seeding.batch_write(client, table, items)


def _row(entry: str, members: int, measured: dict[str, Any], seconds: float) -> dict[str, Any]:
    per = measured["total_requests"] / members
    return {
        "entry": entry,
        "members": members,
        "requests": measured["requests"],
        "total_requests": measured["total_requests"],
        "requests_per_member": per,
        "rcu": measured["rcu"],
        "wcu": measured["wcu"],
        "seconds": round(seconds, 3),
        "met": per <= TARGET_REQUESTS_PER_MEMBER and "Scan" not in measured["requests"],
    }


def bench_stars_and_goal(
    client: Any,
    sizes: list[int],
    *,
    prefix: str = "bench-stars",
    seed: int = 1,
    log: Callable[[str], None] = lambda _line: None,
) -> list[dict[str, Any]]:
    """One row per entry and size: the two star jobs, the goal board, the digest line."""
    meter = Meter().attach(client)
    rows: list[dict[str, Any]] = []
    for members in sizes:
        cid = f"s{members}"
        name = f"{prefix}-{members}"
        ensure_table(client, name)
        world = seeding.seed(client, name, cid, members, seed=seed, jobs=("monthly-report",))
        seed_goal(client, name, world, random.Random(seed))
        table = DynamoTable(client, name)
        for job in STAR_JOBS:
            ours = run_ours(table, meter, job, cid, at=STARS_AT[job])
            rows.append(_row(job, members, ours, ours["seconds"]))
            rows[-1]["summary"] = ours["summary"]
        store = Store(table)
        community = store.get_community(cid)
        meter.reset()
        started = time.perf_counter()
        month = goals.goal_month(community, GOAL_AT)
        board = goals.month_board(table, community, month, list(store.list_members(cid)))
        assert board is not None and board.board.reporting > 0
        text = goals.compose_board(community, board)
        rows.append(_row("goal-board", members, meter.snapshot(), time.perf_counter() - started))
        rows[-1]["reporting"] = board.board.reporting
        rows[-1]["chars"] = len(text)
        roster = list(store.list_members(cid))
        meter.reset()
        started = time.perf_counter()
        line = goals.goal_digest_line(table, community, GOAL_AT, roster)
        assert line
        seconds = time.perf_counter() - started
        rows.append(_row("goal-digest-line", members, meter.snapshot(), seconds))
        for row in rows[-4:]:
            log(
                f"  {row['entry']} at {members:,}: {row['total_requests']} requests, "
                f"{row['seconds']:.2f} s"
            )
        client.delete_table(TableName=name)
    return rows
