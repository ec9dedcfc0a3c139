"""``make bench``: what rollcall's jobs and webhooks cost, side by side with the minimum and
with a naive design, on moto in-process and on the embedded endpoint (moto's server over
HTTP). Prints a table and writes bench/results.json. ``--quick`` is a smoke run.

The full run takes a quarter of an hour, nearly all of it moto: seeding and reading
hundreds of thousands of items in pure Python. bench/README.md explains every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"

TARGETS = {
    "units_vs_min": 1.25,
    "requests_per_member": 0.01,
    "requests_vs_naive_at_10000": 1 / 20,
    "webhook_p50_ratio": 2.0,
    "cold_path_ratio": 1.3,
    "package_mb": 5.0,
    "cost_per_1000_members_usd": 0.25,
    "stars_goal_requests_per_member": 0.02,
    "members_page_vs_queries": 2.0,
}


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _dynamodb(endpoint: str | None = None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 5}),
    )


def _fresh_table(client: Any, name: str) -> str:
    from chalicelib.store.schema import ensure_table

    ensure_table(client, name)
    return name


def run_in_process(
    sizes: list[int], naive_sizes: list[int], webhook_n: int, communities: int
) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from bench.community_life import bench_community_life
    from bench.dispatcher import bench_dispatcher
    from bench.fastmoto import fast_results
    from bench.jobs import bench_jobs
    from bench.members_page import bench_members_page
    from bench.roster import bench_roster_sync
    from bench.sessions import bench_session_summary
    from bench.stars import bench_stars_and_goal
    from bench.webhook import bench_webhook

    with mock_aws():
        client = _dynamodb()
        say("in process: jobs")
        with fast_results():
            jobs = bench_jobs(client, sizes, naive_sizes=naive_sizes, log=say)
        say("in process: webhook")
        webhook = bench_webhook(client, _fresh_table(client, "bench-webhook"), webhook_n)
        say("in process: dispatcher")
        dispatcher = bench_dispatcher(
            client,
            boto3.client("sqs", region_name="us-east-1"),
            _fresh_table(client, "bench-due"),
            communities,
        )
        say("in process: roster sync")
        with fast_results():
            roster = bench_roster_sync(client, [n for n in sizes if n <= 10_000] or sizes[:1])
        small = [n for n in sizes if n <= 10_000] or sizes[:1]
        say("in process: stars and the monthly goal")
        with fast_results():
            stars = bench_stars_and_goal(client, small, log=say)
        say("in process: members page")
        with fast_results():
            page = bench_members_page(client, [n for n in small if n <= 1000] or small[:1])
        say("in process: sessions, rota, cohorts and announcements")
        with fast_results():
            life = bench_session_summary(client, small, log=say)
            life += bench_community_life(client, small, log=say)
    return {
        "jobs": jobs,
        "webhook": webhook,
        "dispatcher": dispatcher,
        "roster_sync": roster,
        "stars_and_goal": stars,
        "members_page": page,
        "community_life": life,
    }


def run_on_embedded(
    sizes: list[int], naive_sizes: list[int], webhook_n: int, cold_runs: int
) -> dict[str, Any]:
    from bench.coldpath import bench_cold_path
    from bench.fastmoto import fast_results
    from bench.jobs import bench_jobs
    from bench.webhook import bench_webhook
    from rollcall.local import EmbeddedEndpoint

    endpoint = EmbeddedEndpoint(None).start(fresh=True)
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")}
    os.environ["AWS_ENDPOINT_URL"] = os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint.url
    try:
        client = _dynamodb(endpoint.url)
        say("embedded: jobs")
        with fast_results():
            jobs = bench_jobs(client, sizes, naive_sizes=naive_sizes, prefix="embedded", log=say)
        say("embedded: webhook")
        webhook = bench_webhook(client, _fresh_table(client, "bench-webhook"), webhook_n)
        say("embedded: cold path")
        table = _fresh_table(client, "bench-cold")
        _seed_cold(client, table)
        cold = bench_cold_path(endpoint.url, table, runs=cold_runs)
        say("embedded: cold path, every platform")
        from bench.coldpath import bench_cold_platforms

        platforms_table = _fresh_table(client, "bench-cold-platforms")
        cold["every_platform"] = bench_cold_platforms(
            endpoint.url, client, platforms_table, runs=cold_runs
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        endpoint.stop(save=False)
    return {"jobs": jobs, "webhook": webhook, "cold_path": cold}


def _seed_cold(client: Any, table: str) -> None:
    from datetime import UTC, datetime

    from chalicelib.domain.models import Community
    from chalicelib.store.repository import Store
    from chalicelib.store.table import DynamoTable

    Store(DynamoTable(client, table)).create_community(
        Community(
            id="cold",
            name="cold",
            platform="console",
            chat_id="cold-chat",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )


def package_size() -> dict[str, Any]:
    """Zip + layer from `chalice package` (what Lambda would receive)."""
    with tempfile.TemporaryDirectory() as out:
        env = {
            **os.environ,
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        }
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from chalice.cli import main; main()",
                "package",
                "--stage",
                "dev",
                out,
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if done.returncode != 0:
            return {"error": (done.stderr or done.stdout)[-500:]}
        sizes = {p.name: p.stat().st_size for p in Path(out).glob("*.zip")}
        biggest = {}
        for name in sizes:
            with zipfile.ZipFile(Path(out) / name) as archive:
                tops: dict[str, int] = {}
                for info in archive.infolist():
                    top = (
                        info.filename.split("/")[
                            0 if not info.filename.startswith("python/") else 4
                        ]
                        if "/" in info.filename
                        else "(root)"
                    )
                    tops[top] = tops.get(top, 0) + info.compress_size
                biggest[name] = sorted(tops.items(), key=lambda kv: -kv[1])[:6]
    total = sum(sizes.values())
    return {"zips": sizes, "total_mb": total / 1e6, "largest": biggest}


def _ints(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="a small smoke run (~20 s)")
    parser.add_argument("--no-package", action="store_true", help="skip `chalice package`")
    parser.add_argument(
        "--sizes",
        type=_ints,
        default=None,
        help="community sizes in process (default 1000,10000,100000; 100,000 and more run "
        "the monthly report only)",
    )
    parser.add_argument(
        "--embedded-sizes", type=_ints, default=None, help="sizes on the embedded endpoint"
    )
    parser.add_argument("--checkins", type=int, default=None, help="webhook check-ins per way")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if args.quick:
        sizes, embedded_sizes, naive_sizes = [200], [200], [200]
        webhook_n, communities, cold_runs = 50, 500, 3
    else:
        sizes = [1000, 10000, 100000]
        embedded_sizes = [1000, 10000]
        naive_sizes = [1000, 10000]
        webhook_n, communities, cold_runs = 1000, 100_000, 5
    sizes = args.sizes or sizes
    embedded_sizes = args.embedded_sizes if args.embedded_sizes is not None else embedded_sizes
    webhook_n = args.checkins or webhook_n
    started = time.perf_counter()
    results: dict[str, Any] = {
        "quick": args.quick,
        "in_process": run_in_process(sizes, naive_sizes, webhook_n, communities),
        # on the endpoint, the naive design only at the smallest size: its figures are the
        # same requests and units as in process, and its wall time is what costs the most
        "embedded": run_on_embedded(embedded_sizes, embedded_sizes[:1], webhook_n, cold_runs),
    }
    if not (args.quick or args.no_package):
        say("package")
        results["package"] = package_size()
    say("scale model")
    from bench.scale_model import model

    results["scale_model"] = model((1_000, 10_000) if args.quick else (10_000, 100_000, 1_000_000))
    results["cost"] = _cost(results)
    results["targets"] = TARGETS
    results["assessment"] = assess(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(render(results))
    return 0


def _cost(results: dict[str, Any]) -> dict[str, Any]:
    from bench.cost import monthly_cost_per_1000_members

    inproc = results["in_process"]
    smallest = min(r["members"] for r in inproc["jobs"])
    jobs = {}
    for row in inproc["jobs"]:
        if row["members"] == smallest:
            scale = 1000 / row["members"]  # per 1,000 members of a community of this size
            jobs[row["job"]] = {
                "rcu": row["rcu"] * scale,
                "wcu": row["wcu"] * scale,
                "ms": row["seconds"] * 1000 * scale,
            }
    checkin = results["embedded"]["webhook"]["checkin"]
    return monthly_cost_per_1000_members(
        checkin_ms=checkin["p50_ms"],
        checkin_rcu=inproc["webhook"]["checkin"]["rcu"],
        checkin_wcu=inproc["webhook"]["checkin"]["wcu"],
        jobs=jobs,
        dispatcher_sqs_per_message=inproc["dispatcher"]["sqs_requests_per_message"],
    )


def assess(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 9 against the figures: met or missed (reported, not asserted)."""
    out: list[dict[str, Any]] = []

    def check(target: str, subject: str, value: float, limit: float, ok: bool) -> None:
        out.append(
            {"target": target, "subject": subject, "value": value, "limit": limit, "met": ok}
        )

    for row in results["in_process"]["jobs"]:
        subject = f"{row['job']} at {row['members']:,}"
        limit = TARGETS["units_vs_min"]
        check("units_vs_min", subject, row["units_vs_min"], limit, row["units_vs_min"] <= limit)
        limit = TARGETS["requests_per_member"]
        per = row["requests_per_member"]
        check("requests_per_member", subject, per, limit, per <= limit)
        if row["members"] == 10000 and "requests_vs_naive" in row:
            limit = TARGETS["requests_vs_naive_at_10000"]
            ratio = row["requests_vs_naive"]
            check("requests_vs_naive_at_10000", subject, ratio, limit, ratio <= limit)
    for where in ("in_process", "embedded"):
        web = results[where]["webhook"]
        for way, label in (("checkin", "test client"), ("checkin_http", "local HTTP server")):
            if way in web:
                ratio = web[way]["p50_ratio"]
                limit = TARGETS["webhook_p50_ratio"]
                subject = f"check-in, {label}, {where.replace('_', ' ')}"
                check("webhook_p50_ratio", subject, ratio, limit, ratio <= limit)
    for row in [
        *results["in_process"].get("stars_and_goal", []),
        *results["in_process"].get("community_life", []),
    ]:
        limit = TARGETS["stars_goal_requests_per_member"]
        per = row["requests_per_member"]
        subject = f"{row['entry']} at {row['members']:,}"
        check("stars_goal_requests_per_member", subject, per, limit, row["met"])
    for row in results["in_process"].get("members_page", []):
        limit = TARGETS["members_page_vs_queries"]
        subject = f"members page at {row['members']:,}"
        check("members_page_vs_queries", subject, row["ratio"], limit, row["met"])
    cold = results["embedded"]["cold_path"]
    limit = TARGETS["cold_path_ratio"]
    check(
        "cold_path_ratio", "import + first check-in", cold["ratio"], limit, cold["ratio"] <= limit
    )
    ratio = cold["bytecode_ratio"]
    check("cold_path_ratio", "the same with compiled bytecode", ratio, limit, ratio <= limit)
    every = cold.get("every_platform")
    if every:
        worst, ratio = every["worst"], every["worst_ratio"]
        check("cold_path_ratio", f"worst platform ({worst})", ratio, limit, ratio <= limit)
        worst, ratio = every["worst_bytecode"], every["worst_bytecode_ratio"]
        subject = f"worst platform with bytecode ({worst})"
        check("cold_path_ratio", subject, ratio, limit, ratio <= limit)
    package = results.get("package") or {}
    if "total_mb" in package:
        limit = TARGETS["package_mb"]
        mb = package["total_mb"]
        check("package_mb", "chalice package (zip + layer)", mb, limit, mb <= limit)
    total = results["cost"]["total_usd"]
    limit = TARGETS["cost_per_1000_members_usd"]
    check(
        "cost_per_1000_members_usd", "1,000 active members, a month", total, limit, total <= limit
    )
    return out


def _jobs_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"{'job':<15}{'members':>8}{'req':>7}{'req/mbr':>9}{'RCU':>9}{'WCU':>8}"
        f"{'min RU':>9}{'RU/min':>7}{'naive req':>10}{'vs naive':>9}{'s':>7}{'naive s':>8}"
    ]
    for row in rows:
        naive = "naive_requests" in row
        lines.append(
            f"{row['job']:<15}{row['members']:>8}{row['total_requests']:>7}"
            f"{row['requests_per_member']:>9.4f}{row['rcu']:>9.1f}{row['wcu']:>8.0f}"
            f"{row['min_rcu'] + row['min_wcu']:>9.1f}{row['units_vs_min']:>7.2f}"
            + (
                f"{row['naive_requests']:>10}{row['requests_vs_naive']:>9.4f}"
                if naive
                else f"{'-':>10}{'-':>9}"
            )
            + f"{row['seconds']:>7.1f}"
            + (f"{row['naive_seconds']:>8.1f}" if naive else f"{'-':>8}")
        )
    return lines


def render(results: dict[str, Any]) -> str:
    lines = ["", "rollcall benchmark" + (" (quick)" if results["quick"] else ""), ""]
    fmt: Callable[[float], str] = lambda v: f"{v:.2f}"  # noqa: E731
    for where in ("in_process", "embedded"):
        lines.append(f"== jobs, {where.replace('_', ' ')} ==")
        lines += _jobs_table(results[where]["jobs"])
        web = results[where]["webhook"]
        single = web["single_put"]
        for way, label in (("checkin", "test client"), ("checkin_http", "local HTTP")):
            if way not in web:
                continue
            c = web[way]
            lines.append(
                f"check-in via {label}: p50 {fmt(c['p50_ms'])} ms, p99 {fmt(c['p99_ms'])} ms "
                f"(DynamoDB {fmt(c['dynamodb_ms'])} ms, route {fmt(c['route_ms'])} ms) vs one "
                f"conditional PutItem p50 {fmt(single['p50_ms'])} ms, p99 "
                f"{fmt(single['p99_ms'])} ms → p50 ×{fmt(c['p50_ratio'])}, p99 "
                f"×{fmt(c['p99_ratio'])} (n={c['n']}); its requests alone "
                f"×{fmt(c['requests_ratio'])}; {fmt(c.get('rounds', 0))} rounds in sequence "
                f"({fmt(c['requests'])} requests)"
            )
        overlap = web.get("overlap")
        if overlap:
            lines.append(
                f"member GetItem + check-in PutItem: one after the other p50 "
                f"{fmt(overlap['sequential']['p50_ms'])} ms, at once (two threads) p50 "
                f"{fmt(overlap['concurrent']['p50_ms'])} ms → ×{fmt(overlap['p50_ratio'])}"
            )
        lines.append("")
    per = results["in_process"]["webhook"]["checkin"]
    ops = ", ".join(f"{k} {v:g}" for k, v in sorted(per["requests_by_operation"].items()))
    lines.append(
        f"check-in cost: {per['requests']:.2f} requests ({ops}), {per['rcu']:.2f} RCU, "
        f"{per['wcu']:.2f} WCU; each request on moto in process: "
        + ", ".join(f"{k} {v:.2f} ms" for k, v in sorted(per["dynamodb_ms_by_operation"].items()))
    )
    d = results["in_process"]["dispatcher"]
    lines.append(
        f"dispatcher, fanned out: {d['enqueued']:,} due communities → tick "
        f"{d['tick_requests']} ({d['tick_seconds'] * 1000:.0f} ms), {d['shard_messages']} "
        f"shard messages, SQS {d['sqs_requests']} ({d['sqs_requests_per_message']:.3f}/message), "
        f"DynamoDB {d['dynamodb']['requests']}; slowest shard "
        f"{d['slowest_shard_seconds']:.1f} s, all shards one after another {d['seconds']:.1f} s"
    )
    for row in results["in_process"].get("roster_sync", []):
        db = row["dynamodb"]["requests"]
        lines.append(
            f"roster sync of {row['members']:,} members, {sum(row['changes'].values())} changes: "
            f"platform {row['platform_requests']} requests (pages: {row['platform_pages_min']}), "
            "DynamoDB "
            + ", ".join(f"{k} {v}" for k, v in sorted(db.items()))
            + f" (batches at least {row['batch_writes_min']}), {row['seconds']} s"
        )
    for row in [
        *results["in_process"].get("stars_and_goal", []),
        *results["in_process"].get("community_life", []),
    ]:
        ops = ", ".join(f"{k} {v}" for k, v in sorted(row["requests"].items()))
        lines.append(
            f"{row['entry']} of {row['members']:,} members: {row['total_requests']} requests "
            f"({ops}), {row['requests_per_member']:.4f}/member, {row['rcu']:g} RCU, "
            f"{row['wcu']:g} WCU, {row['seconds']:.2f} s"
        )
    for row in results["in_process"].get("members_page", []):
        ops = ", ".join(f"{k} {v}" for k, v in sorted(row["requests"].items()))
        lines.append(
            f"members page of {row['members']:,} members: DynamoDB {ops}, "
            f"{row['page_seconds'] * 1000:.0f} ms vs its two Queries alone "
            f"{row['queries_seconds'] * 1000:.0f} ms → ×{row['ratio']:.2f}"
        )
    cold = results["embedded"]["cold_path"]
    for name, row in (cold.get("every_platform") or {}).get("platforms", {}).items():
        lines.append(
            f"cold path, {name}: {row['ours_ms']:.0f} vs {row['minimal_ms']:.0f} ms → "
            f"×{row['ratio']:.2f}; bytecode {row['ours_bytecode_ms']:.0f} vs "
            f"{row['minimal_bytecode_ms']:.0f} ms → ×{row['bytecode_ratio']:.2f}"
        )
    lines.append(
        f"cold path: import + first check-in {cold['ours_ms']:.0f} ms vs minimal Chalice app "
        f"{cold['minimal_ms']:.0f} ms → ×{cold['ratio']:.2f}; with compiled bytecode "
        f"{cold['ours_bytecode_ms']:.0f} vs {cold['minimal_bytecode_ms']:.0f} ms → "
        f"×{cold['bytecode_ratio']:.2f}"
    )
    lines.append(
        "  heaviest imports: "
        + ", ".join(f"{n} {ms:.0f} ms" for n, ms in cold["heaviest_imports_ms"])
    )
    lines.append(
        "  heaviest of ours: "
        + ", ".join(f"{n} {ms:.0f} ms" for n, ms in cold["heaviest_own_imports_ms"])
    )
    if "package" in results:
        pkg = results["package"]
        if "error" in pkg:
            lines.append(f"package: chalice package failed: {pkg['error']}")
        else:
            lines.append(f"package: {pkg['total_mb']:.2f} MB ({pkg['zips']})")
    cost = results["cost"]
    lines.append(
        f"cost per 1,000 active members per month: ${cost['total_usd']:.4f} "
        f"(API Gateway's HTTP API ${cost['api_gateway']:.4f}, ${cost['api_gateway_if_rest']:.4f}"
        f" through the REST API; Lambda "
        f"${cost['lambda_requests'] + cost['lambda_compute']:.4f}, DynamoDB "
        f"${cost['dynamodb']:.4f}, SQS ${cost['sqs']:.6f}; prices of "
        f"{cost['prices_date']})"
    )
    if "scale_model" in results:
        from bench.scale_model import render as render_model

        lines.append("")
        lines += render_model(results["scale_model"])
    lines.append("")
    lines.append("targets (issue 9):")
    for a in results["assessment"]:
        mark = "met   " if a["met"] else "MISSED"
        lines.append(
            f"  {mark} {a['target']:<28} {a['subject']:<40} {a['value']:.4g} ≤ {a['limit']:g}"
        )
    lines.append(f"finished in {results['seconds']} s; results in {RESULTS.relative_to(ROOT)}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
