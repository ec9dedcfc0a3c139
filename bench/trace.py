"""A job's request units, request by request, grouped by what was read or written.

``python -m bench.trace [members ...] [job]`` seeds the job benchmark's community
(bench/seed.py, as bench/jobs.py does) in moto, runs the jobs before ``job`` in the month's
order and then ``job`` (the weekly digest unless one is named) with a per-request meter,
and prints, per operation and sort-key prefix (consistent reads marked), the requests, read
and write units, then the totals against the minimum (bench/jobs.py's docstring). A tool
for finding where units over the minimum go; not part of ``make bench``.
"""

from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from typing import Any

from bench.capacity import READ_UNIT, WRITE_UNIT, Meter

_VARYING = re.compile(r"(\$)\d+$|(#)[^#$]*$")


def label_of(name: str, params: dict[str, Any]) -> str:
    """The operation and the sort key's stable prefix (bucket numbers and member ids cut)."""
    sk = ""
    if name in ("GetItem", "UpdateItem", "DeleteItem"):
        sk = params.get("Key", {}).get("sk", {}).get("S", "")
    elif name == "PutItem":
        sk = params.get("Item", {}).get("sk", {}).get("S", "")
    elif name == "Query":
        values = params.get("ExpressionAttributeValues", {})
        ordered = sorted(values.items(), key=lambda kv: int(re.sub(r"\D", "", kv[0]) or 0))
        sk = "..".join(v["S"].rstrip("\uffff") for _k, v in ordered[1:] if "S" in v)
    elif name == "BatchWriteItem":
        for requests in params.get("RequestItems", {}).values():
            first = requests[0].get("PutRequest", {}).get("Item") or requests[0].get(
                "DeleteRequest", {}
            ).get("Key", {})
            sk = first.get("sk", {}).get("S", "")
    elif name == "BatchGetItem":
        for request in params.get("RequestItems", {}).values():
            sk = request["Keys"][0].get("sk", {}).get("S", "")
    strong = params.get("ConsistentRead") or any(
        isinstance(r, dict) and r.get("ConsistentRead")
        for r in params.get("RequestItems", {}).values()
    )
    prefix = sk if name == "Query" else _VARYING.sub(lambda m: (m.group(1) or m.group(2)) + "*", sk)
    return f"{name:<14} {prefix[:34]:<34} {'strong' if strong else ''}"


class Tracer:
    """Units per label: the delta of a Meter's totals after each request."""

    def __init__(self, meter: Meter, client: Any) -> None:
        self.meter = meter
        self.rows: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self._rcu = self._wcu = 0.0
        client.meta.events.register("after-call.dynamodb", self._after)

    def reset(self) -> None:
        self.rows.clear()
        self._rcu, self._wcu = self.meter.rcu, self.meter.wcu

    def _after(self, model: Any, **_: Any) -> None:
        params = getattr(self.meter._local, "params", {})
        if self.meter.rcu < self._rcu or self.meter.wcu < self._wcu:  # the meter was reset
            self._rcu = self._wcu = 0.0
        row = self.rows[label_of(model.name, params)]
        row[0] += 1
        row[1] += self.meter.rcu - self._rcu
        row[2] += self.meter.wcu - self._wcu
        self._rcu, self._wcu = self.meter.rcu, self.meter.wcu


def trace(client: Any, members: int, job: str = "weekly-digest") -> dict[str, Any]:
    from bench import seed as seeding
    from bench.jobs import JOBS, needed_bytes, needed_ranges, run_ours
    from chalicelib.store.schema import ensure_table
    from chalicelib.store.table import DynamoTable

    cid, name = f"b{members}", f"trace-{members}"
    meter = Meter().attach(client)
    tracer = Tracer(meter, client)
    ensure_table(client, name)
    # as bench/jobs.py: seeded for all three jobs, the reminder run first
    seeding.seed(client, name, cid, members, jobs=JOBS)
    table = DynamoTable(client, name)
    for earlier in JOBS[: JOBS.index(job)]:  # as bench/jobs.py: in the month's order
        run_ours(table, meter, earlier, cid)
    needed = needed_bytes(client, name, cid, needed_ranges(job))
    tracer.reset()
    ours = run_ours(table, meter, job, cid)
    client.delete_table(TableName=name)
    min_rcu = math.ceil(needed / READ_UNIT) / 2
    min_wcu = max(1, math.ceil(ours["payload_written"] / WRITE_UNIT))
    print(f"\n{job} at {members:,} members")
    print(f"{'operation / sort key':<57} {'requests':>8} {'RCU':>9} {'WCU':>8}")
    rows = {k: v for k, v in tracer.rows.items() if not k.startswith("DeleteTable")}
    for label, (n, rcu, wcu) in sorted(rows.items(), key=lambda r: -r[1][1] - r[1][2]):
        print(f"{label:<57} {int(n):>8} {rcu:>9.1f} {wcu:>8.0f}")
    units = (ours["rcu"] + ours["wcu"]) / (min_rcu + min_wcu)
    print(
        f"total: {ours['total_requests']} requests, RCU {ours['rcu']} (min {min_rcu}), "
        f"WCU {ours['wcu']} (min {min_wcu}), units_vs_min {units:.2f}"
    )
    return {"rcu": ours["rcu"], "wcu": ours["wcu"], "units_vs_min": units}


def main(sizes: list[int], job: str = "weekly-digest") -> None:
    import boto3
    from moto import mock_aws

    from bench.fastmoto import fast_results

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        with fast_results():
            for members in sizes:
                trace(client, members, job)


if __name__ == "__main__":
    args = sys.argv[1:]
    named = [a for a in args if not a.isdigit()]
    main([int(a) for a in args if a.isdigit()] or [1000], *named[:1])
