"""A tiny run of the benchmark's job measurement, so `make bench` cannot rot unnoticed; it
pins the properties the benchmark exists for: the jobs' reads do not grow with the roster
while the naive design's requests do, the minimum is never above what a job moved, and the
benchmark's faster rendering of moto's read results changes nothing but time."""

from __future__ import annotations

import json

from bench.capacity import Meter, item_size, read_units, write_units
from bench.fastmoto import fast_results
from bench.jobs import JOBS, bench_jobs
from bench.seed import seed
from chalicelib.store import keys
from chalicelib.store.table import Cond

READS = ("GetItem", "Query", "BatchGetItem", "Scan")


def test_job_reads_stay_flat_while_the_naive_design_grows(dynamo_client):
    with fast_results():
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
    # Roster, the day's check-ins, and the run ledger's last few reminder runs (reverse,
    # limited): where the previous reminder's level-up window ended.
    assert reminder["units_vs_min"] < 2 and reminder["requests"]["Query"] == 3


def test_fast_results_give_the_same_responses_page_for_page(dynamo_client):
    """The benchmark's faster moto (bench/fastmoto.py) must not change a single response:
    the same items, pages, LastEvaluatedKeys and counts, by size (1 MB) and by Limit."""
    table = "rollcall-test"
    seed(dynamo_client, table, "s1", 30, jobs=("monthly-report",))
    big = "x" * 100_000  # twelve of these make a query run past 1 MB
    for n in range(12):
        dynamo_client.put_item(
            TableName=table, Item={"pk": {"S": "C#s1"}, "sk": {"S": f"ZZ#{n:02d}"}, "b": {"S": big}}
        )

    def query(condition: str, values: dict, **extra: object) -> list:
        return list(
            dynamo_client.get_paginator("query").paginate(
                TableName=table,
                KeyConditionExpression=condition,
                ExpressionAttributeValues={":p": {"S": "C#s1"}, **values},
                **extra,
            )
        )

    def read_everything() -> list:
        pages = query("pk = :p", {})
        pages += query("pk = :p", {}, PaginationConfig={"PageSize": 37})
        pages += query("pk = :p AND begins_with(sk, :s)", {":s": {"S": "CI#"}}, Limit=100)
        pages += query(
            "pk = :p AND sk BETWEEN :a AND :b",
            {":a": {"S": "HW#C0002#"}, ":b": {"S": "HWS#C0003#\uffff"}},
            PaginationConfig={"PageSize": 11},
        )
        pages += query("pk = :p AND begins_with(sk, :s)", {":s": {"S": "ZZ#"}})
        pages += query("pk = :p", {}, ScanIndexForward=False, Limit=5)
        pages += list(dynamo_client.get_paginator("scan").paginate(TableName=table))
        key = {"pk": {"S": "C#s1"}, "sk": {"S": "M#u000003"}}
        pages.append(dynamo_client.get_item(TableName=table, Key=key))
        pages.append(dynamo_client.get_item(TableName=table, Key={**key, "sk": {"S": "x"}}))
        pages.append(dynamo_client.batch_get_item(RequestItems={table: {"Keys": [key]}}))
        for page in pages:
            page.pop("ResponseMetadata")
        return pages

    stock = read_everything()
    with fast_results():
        fast = read_everything()
        dynamo_client.delete_item(TableName=table, Key={"pk": {"S": "C#s1"}, "sk": {"S": "ZZ#00"}})
        after_write = query("pk = :p AND begins_with(sk, :s)", {":s": {"S": "ZZ#"}})
    assert fast == stock
    assert len(stock) > 20 and sum(1 for p in stock if "LastEvaluatedKey" in p) > 10
    assert sum(len(p["Items"]) for p in after_write) == 11, "a write invalidates the index"


def test_fast_results_answer_writes_as_moto_does(dynamo_client):
    """A write's returned item, every ``ReturnValues``, rendered by the benchmark's faster
    moto: the same answers as moto's own serializer gives."""
    table = "rollcall-test"

    def writes(tag: str) -> str:
        key = {"pk": {"S": "W"}, "sk": {"S": tag}}
        item = {**key, "n": {"N": "1"}, "l": {"L": [{"S": "x"}]}, "m": {"M": {"a": {"BOOL": True}}}}
        answers = [
            dynamo_client.put_item(TableName=table, Item=item),
            dynamo_client.put_item(
                TableName=table, Item={**item, "n": {"N": "2"}}, ReturnValues="ALL_OLD"
            ),
        ]
        for returns in ("ALL_NEW", "UPDATED_NEW", "ALL_OLD", "UPDATED_OLD", "NONE"):
            answers.append(
                dynamo_client.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="SET n = n + :one, s = :s REMOVE l",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":s": {"S": "é"}},
                    ReturnValues=returns,
                )
            )
        answers.append(dynamo_client.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD"))
        answers.append(dynamo_client.delete_item(TableName=table, Key=key))
        for answer in answers:
            answer.pop("ResponseMetadata")
        return json.dumps(answers, sort_keys=True, ensure_ascii=False)

    stock = writes("stock")
    with fast_results():
        fast = writes("fast")
    assert fast == stock.replace('"stock"', '"fast"')
    assert '"Attributes"' in stock


def test_the_meter_counts_units_and_the_payload_of_updates(dynamo_client, dynamo_table):
    meter = Meter().attach(dynamo_client)
    dynamo_table.put({"pk": "P", "sk": "S", "blob": "x" * 3000})
    dynamo_table.update("P", "S", set={"n": 1})
    assert meter.requests == {"PutItem": 1, "UpdateItem": 1}
    assert meter.wcu == 3 + 3, "an update is billed for the whole item"
    assert meter.payload_written < 3100 + 40, "but its payload is the key and the new value"
    dynamo_table.get("P", "S", consistent=True)
    assert meter.rcu == 1 and meter.seconds > 0


def test_the_meter_bills_an_update_that_reads_nothing_back_by_the_item_it_knows(
    dynamo_client, dynamo_table
):
    """``ReturnValues=NONE`` answers no item, but DynamoDB bills the larger of the item
    before and after: the meter applies the update to the copy it saw written."""
    meter = Meter().attach(dynamo_client)
    dynamo_table.put({"pk": "P", "sk": "S", "blob": "x" * 3000, "old": "y" * 1500})
    assert dynamo_table.update(
        "P", "S", set={"n": 1, "old": None}, add={"hits": 2}, return_new=False
    )
    assert meter.wcu == 5 + 5, "billed by the item before (4.5 KB), the larger"
    assert not dynamo_table.update("P", "S", set={"n": 2}, cond=Cond.absent("pk"), return_new=False)
    assert meter.wcu == 5 + 5 + 3, "a refused write: by the item that stood (3 KB now)"
    dynamo_table.update("P", "S", set={"n": 3}, return_new=False)
    assert meter.wcu == 5 + 5 + 3 + 3, "and the one after it by the same, unchanged item"


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


def test_roster_sync_costs_pages_and_batches_whatever_the_roster(dynamo_client):
    """Roster sync (issue 21): platform requests are the list's pages, DynamoDB requests a
    Query per 1 MB of roster, one GetItem, the joiners' batches and one conditional update
    per stored member who changed: none per unchanged member."""
    from bench.roster import bench_roster_sync

    with fast_results():
        small, large = bench_roster_sync(dynamo_client, [300, 3000], changes=30)
    for row in (small, large):
        assert row["platform_requests"] == row["platform_pages_min"]
        db = row["dynamodb"]["requests"]
        assert db["GetItem"] == 1 and db["BatchWriteItem"] == row["batch_writes_min"] == 1
        assert db["UpdateItem"] == row["updates_min"] == 20
        assert "Scan" not in db and "PutItem" not in db
    assert large["platform_requests"] == 2 * 3 and small["platform_requests"] == 2


def test_stars_jobs_and_goal_board_read_the_same_whatever_the_roster(dynamo_client):
    """monthly-stars and quarterly-stars (through the job runner), the goal board and the
    digest's goal line: the same requests at 40 and 400 members, Queries and no Scan (the
    stars' four: roster, check-ins, and one range Query each of the period's submissions
    and reviews, a quarter as a month; from about 1,000 members the period's check-ins
    take a second 1 MB page). bench/README.md has the requests per member against the
    0.02 target."""
    from bench.stars import bench_stars_and_goal

    with fast_results():
        rows = bench_stars_and_goal(dynamo_client, [40, 400])
    by = {(r["entry"], r["members"]): r for r in rows}
    expected = {
        "monthly-stars": {"GetItem": 2, "Query": 4, "UpdateItem": 3, "PutItem": 1},
        "quarterly-stars": {"GetItem": 2, "Query": 4, "UpdateItem": 3, "PutItem": 1},
        "goal-board": {"Query": 2},
        "goal-digest-line": {"Query": 1},
    }
    for entry, requests in expected.items():
        for size in (40, 400):
            assert by[(entry, size)]["requests"] == requests, (entry, size)
    assert by[("goal-board", 400)]["reporting"] > by[("goal-board", 40)]["reporting"]


def test_members_page_reads_two_gets_and_two_queries(dynamo_client):
    """The organiser's members page through handle_manage_request: the community and the
    signed-in admin (GetItem ×2), then the roster and the warnings (Query ×2), at any size;
    every present member is a row."""
    from bench.members_page import bench_members_page

    with fast_results():
        rows = bench_members_page(dynamo_client, [40, 400], runs=1)
    for row in rows:
        assert row["requests"] == {"GetItem": 2, "Query": 2}, row
        assert 0 < row["rows"] <= row["members"]
        assert row["queries_seconds"] > 0 and row["page_seconds"] > 0
    assert rows[1]["rows"] > 5 * rows[0]["rows"]


def test_session_summary_reads_one_query_whatever_the_attendance(dynamo_client):
    """The sessions job's summary (bench/sessions.py): the same requests at 40 and 400
    attendees, one Query of the instance's prefix and no read per member. bench/README.md
    has the figures at 1,000 and 10,000 against the 0.02 target."""
    from bench.sessions import bench_session_summary

    with fast_results():
        rows = bench_session_summary(dynamo_client, [40, 400])
    expected = {"GetItem": 2, "Query": 1, "UpdateItem": 3}
    assert [r["requests"] for r in rows] == [expected, expected]


def test_discord_activity_costs_pages_and_one_write_per_author(dynamo_client):
    """Discord activity (issue 21), on DynamoDB (moto): 1,000 messages from 200 authors are
    10 page requests (a run's bound; the next run reads on) and, in DynamoDB, the cursor's
    GetItem and PutItem and one conditional UpdateItem per author, newcomers included;
    nothing per message, no read per member. A run with nothing new is one request and one
    GetItem."""
    from bench.discord_activity import bench_discord_activity

    with fast_results():
        rows = bench_discord_activity(dynamo_client, [(1000, 200, 50)])
    [row] = rows
    assert row["marked"] == 200
    assert row["platform_requests"] == row["platform_pages_min"] == 10
    assert row["dynamodb"]["requests"] == {"GetItem": 1, "UpdateItem": 200, "PutItem": 1}
    assert row["rerun"]["marked"] == 0 and row["rerun"]["platform_requests"] == 1
    assert row["rerun"]["dynamodb"]["requests"] == {"GetItem": 1}


def test_the_scale_model_runs_small_and_its_figures_move_the_right_way():
    """bench/scale_model.py at two tiny sizes: its structure, and sanity that can fail (more
    communities cost more and run more; a higher worker cap is never later; no partition
    or concurrency above its limit). No timing: the model's own clock is simulated."""
    from bench.scale_model import GLOBAL_LIMITS, model

    result = model((300, 3000))
    rows = {(r["communities"], r["setting"]): r for r in result["rows"]}
    assert set(rows) == {
        (n, s) for n in (300, 3000) for s in ("as deployed", "tuned", "tuned + bots")
    }
    assert all(
        f["source"].split(":")[0] in {"moto", "code", "AWS", "assumed"}
        for f in result["figures"].values()
    )
    assert result["figures"]["pointer_item_bytes"]["value"] > 100  # sized from the real item
    for n in (300, 3000):
        deployed, tuned = rows[(n, "as deployed")], rows[(n, "tuned")]
        assert deployed["deployment"]["worker_cap"] >= 2  # rollcall/infra.py's prod cap
        for platform, late in tuned["lateness_by_platform"].items():
            d = deployed["lateness_by_platform"][platform]["delivery_s"]
            assert late["delivery_s"]["p99"] <= d["p99"] + 1e-9, platform
            assert (
                late["delivery_s"]["p50"] <= late["delivery_s"]["p99"] <= late["delivery_s"]["max"]
            )
            assert late["enqueue_s"]["max"] <= late["delivery_s"]["max"]
        for row in (deployed, tuned):
            assert 0 <= row["hottest_partition"]["wcu_share"] < 1
            assert row["peak_concurrency"] <= 1000
            assert set(row["bots_for_5_minutes"]) == set(GLOBAL_LIMITS)
    small, large = rows[(300, "tuned")], rows[(3000, "tuned")]
    assert large["runs_per_day"] > 5 * small["runs_per_day"]
    assert large["cost"]["runs_per_day_usd"] > 5 * small["cost"]["runs_per_day_usd"]
    # The tick costs the same at any size; a day of it is 288 ticks (one every 5 minutes).
    assert small["cost"]["ticks_per_day_usd"] == large["cost"]["ticks_per_day_usd"]
    assert small["cost"]["ticks_per_day_usd"] == 288 * small["cost"]["tick_usd"]
    # Below INLINE_MAX runs a shard's window the tick sends them itself: no shard message,
    # so dispatch costs what it did before fan-out.
    assert small["shard_messages"] == 0
    assert small["cost"]["dispatch_per_day_usd"] <= small["cost"]["dispatch_per_day_before_usd"]


def test_delivery_log_and_my_page_read_the_same_at_any_size(dynamo_client):
    """bench/member_pages.py: the delivery log is two GetItems and two Queries, a member's
    own page two GetItems and three BatchGetItems, at 40 and 400 members."""
    from bench.member_pages import bench_member_pages

    with fast_results():
        rows = bench_member_pages(dynamo_client, [40, 400], runs_each=1)
    by = {(r["entry"], r["members"]): r["requests"] for r in rows}
    for size in (40, 400):
        assert by[("delivery log", size)] == {"GetItem": 2, "Query": 2}
        assert by[("my page", size)] == {"GetItem": 2, "BatchGetItem": 3}


def test_discord_roster_sync_costs_two_reads_and_the_pages_whatever_the_server():
    """Discord's member list (issue 21): the channel and its server read once, then the
    member pages; who can view the channel is computed, not asked per member."""
    from bench.discord_roster import bench_discord_roster

    thousand, ten_thousand = bench_discord_roster([1000, 10_000])
    for row in (thousand, ten_thousand):
        assert row["platform_requests"] == row["platform_requests_min"]
        assert row["can_view"] == row["members"] // 2  # the crew role only
    assert (thousand["platform_requests"], ten_thousand["platform_requests"]) == (4, 13)


def test_rota_cohorts_and_announcements_read_pages_whatever_the_roster(dynamo_client):
    """The community-life posts that read the roster (bench/community_life.py), through the
    job runner: the rota's turn-over (roster, history, volunteers: one Query each), a
    cohort's opening (the roster) and closing (the roster and the stars' Queries) and an
    announcement (its text, no roster) make the same requests at 40 and 400 members: no
    read per member. bench/README.md has the figures at 1,000 and 10,000."""
    from bench.community_life import bench_community_life

    with fast_results():
        rows = bench_community_life(dynamo_client, [40, 400])
    by = {(r["entry"], r["members"]): r["requests"] for r in rows}
    for entry in ("rota-turnover", "cohort-opening", "cohort-closing", "announcement"):
        assert by[(entry, 40)] == by[(entry, 400)], entry
        assert "Scan" not in by[(entry, 400)]
    assert by[("rota-turnover", 400)]["Query"] == 3
    assert by[("rota-turnover", 400)]["PutItem"] == 1  # the duty, once
    assert by[("cohort-opening", 400)]["Query"] == 1
    assert "Query" not in by[("announcement", 400)]


def test_admin_refresh_writes_per_changed_admin_never_per_member(dynamo_client):
    """The platform-admin refresh (issue 21, bench/admin_refresh.py): one platform call
    (plus the token once), the roster Query, one conditional UpdateItem per member whose
    role changes and one BatchWriteItem of audit items per 25; a refresh with the same
    admins writes nothing, whatever the roster's size."""
    from bench.admin_refresh import bench_admin_refresh

    with fast_results():
        rows = bench_admin_refresh(dynamo_client, [30, 300], admins=5)
    by = {(r["members"], r["run"]): r for r in rows}
    for size in (30, 300):
        first, again = by[(size, "first")], by[(size, "again")]
        assert first["platform_requests"] == 2 and again["platform_requests"] == 1
        assert first["changes"] == first["admins"] == 5
        assert first["dynamodb"]["requests"] == {"Query": 1, "UpdateItem": 5, "BatchWriteItem": 1}
        assert again["changes"] == 0 and again["dynamodb"]["requests"] == {"Query": 1}


def test_the_cold_path_sends_each_platform_a_request_its_adapter_accepts_as_a_checkin():
    """bench/coldpath.py's per-platform first requests are real: each platform's adapter
    verifies its signature (or decrypts it) and reads a check-in from it."""
    from datetime import UTC, datetime

    from bench.coldpath import _VERIFY, platform_cases
    from chalicelib.config import Settings
    from chalicelib.domain.commands import parse_command
    from chalicelib.platforms.base import HttpRequest
    from chalicelib.runtime import Runtime, build_adapter
    from chalicelib.store.memory import MemoryTable
    from chalicelib.store.repository import Store

    cases = platform_cases("http://127.0.0.1:9")
    assert (
        set(cases)
        == set(_VERIFY)
        == {"console", "discord", "feishu", "wecom", "slack", "telegram", "dingtalk"}
    )
    for name, case in cases.items():
        settings = Settings.from_env({"ROLLCALL_STAGE": "local", **case["env"]})
        adapter = build_adapter(name, Runtime(settings=settings, store=Store(MemoryTable())))
        assert adapter is not None, name
        request = HttpRequest("POST", case["headers"], case["query"], case["body"])
        adapter.verify(request, datetime.now(UTC))
        [event] = adapter.parse(request).events
        command = parse_command(event.text)
        assert command is not None and command.name == "checkin", (name, event.text)


def test_the_digest_packs_strikes_and_counters_at_40_and_400_members(dynamo_client):
    """Issue 19: the weekly digest's strikes and counters go out as bucket items written
    whole (keys.STRIKE_BUCKETS per cycle, keys.COUNTER_BUCKETS in all), 25 to a batch: at
    most 3 + 2 BatchWriteItems for them at any size, and about one write unit a bucket, not
    one per struck member. The requests and write units at both sizes are pinned (seeded
    November, earlier closes packed through the digest's own code)."""
    from bench.jobs import run_ours
    from chalicelib.store.schema import ensure_table
    from chalicelib.store.table import DynamoTable

    meter = Meter().attach(dynamo_client)
    rows = {}
    with fast_results():
        for size in (40, 400):
            name = f"digest-{size}"
            ensure_table(dynamo_client, name)
            seed(dynamo_client, name, f"d{size}", size, seed=2, jobs=("weekly-digest",))
            rows[size] = run_ours(
                DynamoTable(dynamo_client, name), meter, "weekly-digest", f"d{size}"
            )
    # the same reads at both sizes (the packed assignments and the older per-reviewee items
    # are two Queries; the cycle's submissions are read by the plan, eventually consistent,
    # and once more after the strikes are written, strongly: no read between); the writes:
    # the assignments' batch, then the buckets
    assert rows[40]["requests"] == {
        "GetItem": 3,
        "Query": 12,
        "UpdateItem": 5,
        "BatchWriteItem": 4,
        "PutItem": 1,
    }
    assert rows[400]["requests"] == {
        "GetItem": 3,
        "Query": 12,
        "UpdateItem": 14,  # the run's claim, parts, DM checkpoints: none per struck member
        "BatchWriteItem": 6,
        "PutItem": 1,
    }
    assert (rows[40]["wcu"], rows[400]["wcu"]) == (59, 128)
    # read units: 19.5 and 98 with the cycle's submissions read three times strongly, the
    # previous cycle's once strongly (2026-12-06)
    assert (rows[40]["rcu"], rows[400]["rcu"]) == (15.5, 76)
    buckets = keys.COUNTER_BUCKETS + keys.STRIKE_BUCKETS + keys.ASSIGNMENT_BUCKETS
    for row in rows.values():
        assert row["requests"]["BatchWriteItem"] <= 1 + 3 + 2
        # before packing: an item per reviewee and two (counters, record) a struck member:
        # 404 units for the strikes alone at 400; now about a unit a bucket
        assert row["wcu"] <= buckets + 20


def test_the_digest_writes_a_cycles_assignments_as_one_request_at_40_and_400(dynamo_client):
    """Issue 19: the review assignments are packed into bucket items (at most 16 a round),
    one BatchWriteItem at 40 and at 400 members, billed within a unit a bucket of their
    bytes; the report's writes are its rows, its header and the warning changes."""
    from bench import jobs as bench_jobs_module
    from bench.seed import seed as seed_world
    from chalicelib.store import keys as store_keys
    from chalicelib.store.table import DynamoTable

    batches: list[list[dict]] = []

    def spy(params, **_):
        for requests in params.get("RequestItems", {}).values():
            if isinstance(requests, list):
                batches.append([r["PutRequest"]["Item"] for r in requests if "PutRequest" in r])

    dynamo_client.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", spy)
    meter = Meter().attach(dynamo_client)
    prefixes = (store_keys.ASSIGNMENT_PREFIX, store_keys.ASSIGNMENT_BUCKET_PREFIX)
    for size in (40, 400):
        name = f"smoke-{size}"
        bench_jobs_module._fresh(dynamo_client, name)
        with fast_results():
            seed_world(dynamo_client, name, f"s{size}", size, seed=2)
            table = DynamoTable(dynamo_client, name)
            batches.clear()
            digest = bench_jobs_module.run_ours(table, meter, "weekly-digest", f"s{size}")
            ours = [[i for i in b if i["sk"]["S"].startswith(prefixes)] for b in batches]
            ours = [b for b in ours if b]
            assert len(ours) == 1, size  # one request
            packed = ours[0]
            assert all(i["sk"]["S"].startswith(store_keys.ASSIGNMENT_BUCKET_PREFIX) for i in packed)
            assert len(packed) <= store_keys.ASSIGNMENT_BUCKETS
            units = sum(write_units(item_size(i)) for i in packed)
            floor = -(-sum(item_size(i) for i in packed) // 1024)
            assert floor <= units <= floor + len(packed), size
            report = bench_jobs_module.run_ours(table, meter, "monthly-report", f"s{size}")
        assert digest["requests"]["BatchWriteItem"] >= 1
        assert "PutItem" not in report["requests"]  # rows go in batches
        # warnings: one UpdateItem per bucket touched (issue 19), never one per member
        assert report["requests"].get("UpdateItem", 0) <= 8 + store_keys.WARNING_BUCKETS
        bench_jobs_module._drop(dynamo_client, name)
