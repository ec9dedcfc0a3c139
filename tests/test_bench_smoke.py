"""A tiny run of the benchmark's job measurement, so `make bench` cannot rot unnoticed;
it pins the property the benchmark exists for: the reminder's requests do not grow with
the roster, the naive design's do."""

from __future__ import annotations

import random

from bench.capacity import item_size, read_units, write_units
from bench.jobs import bench_jobs


def test_reminder_requests_stay_flat_while_the_naive_design_grows(dynamo_client):
    rows = bench_jobs(dynamo_client, "rollcall-test", [50, 400], random.Random(2))
    small, large = (r for r in rows if r["job"] == "daily-reminder")
    assert small["total_requests"] == large["total_requests"]
    assert large["naive_requests"] > 8 * small["naive_requests"] / 2
    assert large["requests_vs_naive"] < 0.05
    assert large["units_vs_min"] < 2


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
