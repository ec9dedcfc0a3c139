"""The organiser's members page (manage/pages.py, through handle_manage_request as the
route calls it, with a signed session cookie): its DynamoDB requests and its time for a
seeded community, against the time of the Queries it needs alone (the roster and the
warnings, read straight through the table, nothing rendered). The issue's target: the page
renders within 2× the time of its Queries.

The page reads the community and the signed-in admin (two GetItems, the authorisation)
and then features/manage.member_rows: one Query of the roster, one of the warnings.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench import seed as seeding
from bench.capacity import Meter
from bench.jobs import quiet_runtime
from chalicelib.clock import FixedClock
from chalicelib.domain.models import Role
from chalicelib.manage import session as sessions
from chalicelib.manage.pages import handle_manage_request
from chalicelib.platforms.base import HttpRequest
from chalicelib.store import keys
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

NOW = seeding.REPORT_AT
TARGET_RATIO = 2.0


def _queries_alone(table: DynamoTable, cid: str) -> int:
    pk = keys.community_pk(cid)
    roster = list(table.query(pk, prefix=keys.MEMBER_PREFIX))
    start, end = keys.WARNINGS_RANGE  # both shapes: WRN# items and WRN$ buckets
    warnings = list(table.query(pk, start=start, end=end, consistent=True))
    return len(roster) + len(warnings)


def bench_members_page(
    client: Any, sizes: list[int], *, runs: int = 3, prefix: str = "bench-members-page"
) -> list[dict[str, Any]]:
    """Per size: the page's requests, and the median of ``runs`` renders against the
    median of ``runs`` reads of its two Queries."""
    meter = Meter().attach(client)
    rows = []
    for members in sizes:
        cid = f"p{members}"
        name = f"{prefix}-{members}"
        ensure_table(client, name)
        world = seeding.seed(client, name, cid, members, jobs=("monthly-report",))
        owner = next(m for m in world.members if m.role is Role.OWNER)
        table = DynamoTable(client, name)
        runtime = quiet_runtime(table)
        runtime.clock = FixedClock(NOW)
        key = runtime.settings.manage_key()
        assert key is not None
        cookie = sessions.make_cookie_value(key, cid, owner.user_id, "owner", NOW)
        request = HttpRequest(
            "GET", {"cookie": f"{sessions.COOKIE}={cookie}"}, {"sort": "streak"}, b""
        )
        page_s, query_s = [], []
        for _ in range(runs):
            meter.reset()
            started = time.perf_counter()
            answer = handle_manage_request(runtime, request, cid, "members")
            page_s.append(time.perf_counter() - started)
            measured = meter.snapshot()
            assert answer.status == 200, answer.status
            started = time.perf_counter()
            read = _queries_alone(table, cid)
            query_s.append(time.perf_counter() - started)
        page, queries = statistics.median(page_s), statistics.median(query_s)
        rows.append(
            {
                "members": members,
                "requests": measured["requests"],
                "total_requests": measured["total_requests"],
                "rcu": measured["rcu"],
                "items_read_by_queries": read,
                "rows": answer.body.count("<tr>") - 1,
                "page_seconds": round(page, 4),
                "queries_seconds": round(queries, 4),
                "ratio": page / queries,
                "met": page / queries <= TARGET_RATIO,
            }
        )
        client.delete_table(TableName=name)
    return rows
