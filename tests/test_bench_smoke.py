"""A tiny run of the benchmark's job measurement, so `make bench` cannot rot unnoticed; it
pins the properties the benchmark exists for: the jobs' reads do not grow with the roster
while the naive design's requests do, the minimum is never above what a job moved, and the
benchmark's faster rendering of moto's read results changes nothing but time."""

from __future__ import annotations

from bench.capacity import Meter, item_size, read_units, write_units
from bench.fastmoto import fast_reads
from bench.jobs import JOBS, bench_jobs
from bench.seed import seed

READS = ("GetItem", "Query", "BatchGetItem", "Scan")


def test_job_reads_stay_flat_while_the_naive_design_grows(dynamo_client):
    with fast_reads():
        rows = bench_jobs(dynamo_client, [30, 120], naive_sizes=[30, 120], seed=2)
    assert [(r["job"], r["members"]) for r in rows] == [
        (job, size) for size in (30, 120) for job in JOBS
    ]
    for job in JOBS:
        small, large = (r for r in rows if r["job"] == job)
        reads = [sum(r["requests"].get(op, 0) for op in READS) for r in (small, large)]
        assert reads[0] == reads[1], (job, reads)
        assert large["naive_requests"] > 3 * small["naive_requests"], job
        assert large["requests_vs_naive"] < 0.35, job
        for row in (small, large):
            assert row["rcu"] >= row["min_rcu"] and row["wcu"] >= row["min_wcu"], row
            assert row["needed_bytes"] <= row["bytes_read"], job
    reminder = next(r for r in rows if r["job"] == "daily-reminder" and r["members"] == 120)
    assert reminder["units_vs_min"] < 2 and reminder["requests"]["Query"] == 2


def test_fast_reads_render_the_same_responses(dynamo_client):
    seed(dynamo_client, "rollcall-test", "s1", 30, jobs=("monthly-report",))

    def read_everything() -> list:
        pages = list(
            dynamo_client.get_paginator("query").paginate(
                TableName="rollcall-test",
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "C#s1"}},
            )
        )
        pages += list(dynamo_client.get_paginator("scan").paginate(TableName="rollcall-test"))
        key = {"pk": {"S": "C#s1"}, "sk": {"S": "M#u000003"}}
        pages.append(dynamo_client.get_item(TableName="rollcall-test", Key=key))
        pages.append(
            dynamo_client.get_item(TableName="rollcall-test", Key={**key, "sk": {"S": "x"}})
        )
        pages.append(dynamo_client.batch_get_item(RequestItems={"rollcall-test": {"Keys": [key]}}))
        for page in pages:
            page.pop("ResponseMetadata")
        return pages

    stock = read_everything()
    with fast_reads():
        fast = read_everything()
    assert fast == stock and len(stock[0]["Items"]) > 30


def test_the_meter_counts_units_and_the_payload_of_updates(dynamo_client, dynamo_table):
    meter = Meter().attach(dynamo_client)
    dynamo_table.put({"pk": "P", "sk": "S", "blob": "x" * 3000})
    dynamo_table.update("P", "S", set={"n": 1})
    assert meter.requests == {"PutItem": 1, "UpdateItem": 1}
    assert meter.wcu == 3 + 3, "an update is billed for the whole item"
    assert meter.payload_written < 3100 + 40, "but its payload is the key and the new value"
    dynamo_table.get("P", "S", consistent=True)
    assert meter.rcu == 1 and meter.seconds > 0


def test_item_size_and_units_follow_dynamodb_rules():
    item = {
        "pk": {"S": "C#1"},
        "n": {"N": "12345"},
        "ok": {"BOOL": True},
        "l": {"L": [{"S": "ab"}]},
        "m": {"M": {"k": {"S": "v"}}},
    }
    # names 2+1+2+1+1 = 7; values 3 + 4 + 1 + (3 + 1 + 2) + (3 + 1 + 1 + 1)
    assert item_size(item) == 7 + 3 + 4 + 1 + 6 + 6
    assert read_units(4096, consistent=True) == 1 and read_units(4097, consistent=False) == 1
    assert write_units(1024) == 1 and write_units(1025) == 2
