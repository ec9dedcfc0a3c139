"""Job cost: rollcall's jobs against the minimum and against a naive first version."""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.capacity import READ_UNIT, Meter, item_size
from chalicelib.config import Settings
from chalicelib.domain.models import Community, Member
from chalicelib.jobs.runner import planners, run_job
from chalicelib.platforms.console import ConsoleAdapter
from chalicelib.runtime import Runtime
from chalicelib.store.repository import Store
from chalicelib.store.table import DynamoTable

DAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 Asia/Shanghai


def seed(table: DynamoTable, cid: str, members: int, rng: random.Random) -> Community:
    """A community of ``members`` with a month of realistic activity on the benchmark day."""
    store = Store(table)
    community = Community(
        id=cid,
        name=f"bench {cid}",
        platform="console",
        chat_id=f"chat-{cid}",
        timezone="Asia/Shanghai",
        locale="zh-CN",
        created_at=AT - timedelta(days=60),
        cycle_anchor=DAY - timedelta(days=56),
    )
    store.create_community(community)
    store.bulk_save_members(
        Member(
            community_id=cid,
            user_id=f"u{n:06d}",
            name=f"成员{n:06d}",
            squad="AB"[n % 2],
            joined_at=DAY - timedelta(days=rng.randint(3, 200)),
            last_active=DAY - timedelta(days=rng.choice([0, 0, 1, 2, 5, 12, 40])),
            checkins=rng.randint(0, 60),
            current_streak=rng.randint(0, 20),
            best_streak=rng.randint(20, 40),
        )
        for n in range(members)
    )
    checked = [f"u{n:06d}" for n in range(members) if rng.random() < 0.7]
    table.batch_put(
        {
            "pk": f"C#{cid}",
            "sk": f"CI#{DAY.isoformat()}#{uid}",
            "user_id": uid,
            "date": DAY.isoformat(),
            "at": AT.isoformat(),
        }
        for uid in checked
    )
    return community


def quiet_runtime(table: DynamoTable) -> Runtime:
    runtime = Runtime(settings=Settings(console_secret="bench"), store=Store(table))
    runtime.adapters["console"] = ConsoleAdapter("bench", sink=lambda _sent: None)
    return runtime


def minimum_units(table: DynamoTable, cid: str) -> dict[str, float]:
    """What the reminder cannot avoid: reading the roster and the day's check-ins (eventually
    consistent, perfectly packed into 4 KB units) and writing one run record."""
    wire = table.client
    needed = 0
    for prefix in ("M#", f"CI#{DAY.isoformat()}#"):
        pages = wire.get_paginator("query").paginate(
            TableName=table.name,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": f"C#{cid}"}, ":s": {"S": prefix}},
        )
        needed += sum(item_size(i) for page in pages for i in page["Items"])
    return {"rcu": math.ceil(needed / READ_UNIT) / 2, "wcu": 1.0, "bytes": needed}


def run_reminder(table: DynamoTable, meter: Meter, cid: str) -> dict[str, Any]:
    runtime = quiet_runtime(table)
    meter.reset()
    started = time.perf_counter()
    result = run_job(runtime, "daily-reminder", cid, AT, force=True)
    elapsed = time.perf_counter() - started
    return {
        "status": result.status,
        "parts": result.delivered,
        "seconds": elapsed,
        **meter.snapshot(),
    }


def naive_reminder(table: DynamoTable, meter: Meter, cid: str) -> dict[str, Any]:
    """What a first version does: Scan the table for the roster, then ask, member by member,
    whether they checked in today."""
    client = table.client
    meter.reset()
    started = time.perf_counter()
    roster = []
    for page in client.get_paginator("scan").paginate(TableName=table.name):
        roster += [
            i for i in page["Items"] if i["pk"]["S"] == f"C#{cid}" and i["sk"]["S"].startswith("M#")
        ]
    missing = []
    for item in roster:
        uid = item["user_id"]["S"]
        got = client.get_item(
            TableName=table.name,
            Key={"pk": {"S": f"C#{cid}"}, "sk": {"S": f"CI#{DAY.isoformat()}#{uid}"}},
        )
        if "Item" not in got:
            missing.append(uid)
    elapsed = time.perf_counter() - started
    return {"missing": len(missing), "seconds": elapsed, **meter.snapshot()}


def bench_jobs(
    client: Any, table_name: str, sizes: list[int], rng: random.Random, with_naive: bool = True
) -> list[dict[str, Any]]:
    table = DynamoTable(client, table_name)
    meter = Meter().attach(client)
    rows = []
    for members in sizes:
        cid = f"b{members}"
        seed(table, cid, members, rng)
        ours = run_reminder(table, meter, cid)
        minimum = minimum_units(table, cid)
        row: dict[str, Any] = {
            "job": "daily-reminder",
            "members": members,
            "requests": ours["requests"],
            "total_requests": ours["total_requests"],
            "requests_per_member": ours["total_requests"] / members,
            "rcu": ours["rcu"],
            "wcu": ours["wcu"],
            "min_rcu": minimum["rcu"],
            "min_wcu": minimum["wcu"],
            "units_vs_min": (ours["rcu"] + ours["wcu"]) / (minimum["rcu"] + minimum["wcu"]),
            "read_units_vs_min": ours["rcu"] / minimum["rcu"],
            "seconds": ours["seconds"],
            "parts": ours["parts"],
        }
        if with_naive:
            naive = naive_reminder(table, meter, cid)
            row["naive_requests"] = naive["total_requests"]
            row["naive_rcu"] = naive["rcu"]
            row["naive_seconds"] = naive["seconds"]
            row["requests_vs_naive"] = ours["total_requests"] / naive["total_requests"]
            row["time_vs_naive"] = ours["seconds"] / naive["seconds"]
        rows.append(row)
    available = set(planners())
    for job in ("weekly-digest", "monthly-report"):
        if job not in available:
            rows.append({"job": job, "members": None, "note": "job not built yet"})
    return rows
