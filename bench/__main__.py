"""``make bench``: what rollcall's jobs and webhooks cost, side by side with the minimum and
with a naive design, on moto in-process and on the embedded endpoint (moto's server over
HTTP). Prints a table and writes bench/results.json. ``--quick`` is a smoke run."""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
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
}


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


def run_in_process(sizes: list[int], webhook_n: int, communities: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from bench.capacity import Meter
    from bench.dispatcher import bench_dispatcher
    from bench.jobs import bench_jobs
    from bench.webhook import bench_webhook

    with mock_aws():
        client = _dynamodb()
        jobs = bench_jobs(client, _fresh_table(client, "bench-jobs"), sizes, random.Random(1))
        meter = Meter().attach(client)
        webhook = bench_webhook(client, _fresh_table(client, "bench-webhook"), webhook_n)
        per_checkin = {
            "rcu": meter.rcu / webhook_n,
            "wcu": meter.wcu / webhook_n,
            "requests": meter.total_requests() / webhook_n,
        }
        # the floor's own PutItems were counted too: one request and 1 WCU each
        per_checkin["requests"] -= 1
        per_checkin["wcu"] -= 1
        dispatcher = bench_dispatcher(
            client,
            boto3.client("sqs", region_name="us-east-1"),
            _fresh_table(client, "bench-due"),
            communities,
        )
    return {"jobs": jobs, "webhook": webhook, "per_checkin": per_checkin, "dispatcher": dispatcher}


def run_on_embedded(sizes: list[int], webhook_n: int, cold_runs: int) -> dict[str, Any]:
    from bench.coldpath import bench_cold_path
    from bench.jobs import bench_jobs
    from bench.webhook import bench_webhook
    from rollcall.local import EmbeddedEndpoint

    endpoint = EmbeddedEndpoint(None).start(fresh=True)
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")}
    os.environ["AWS_ENDPOINT_URL"] = os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint.url
    try:
        client = _dynamodb(endpoint.url)
        jobs = bench_jobs(
            client, _fresh_table(client, "bench-jobs"), sizes, random.Random(1), with_naive=True
        )
        webhook = bench_webhook(client, _fresh_table(client, "bench-webhook"), webhook_n)
        table = _fresh_table(client, "bench-cold")
        _seed_cold(client, table)
        cold = bench_cold_path(endpoint.url, table, runs=cold_runs)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--no-package", action="store_true", help="skip `chalice package`")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    sizes = [200] if args.quick else [1000, 10000]
    webhook_n = 50 if args.quick else 1000
    started = time.perf_counter()
    results: dict[str, Any] = {
        "quick": args.quick,
        "in_process": run_in_process(sizes, webhook_n, 500 if args.quick else 10000),
        "embedded": run_on_embedded(
            sizes[:1] if args.quick else sizes, webhook_n, 1 if args.quick else 5
        ),
    }
    if not (args.quick or args.no_package):
        results["package"] = package_size()
    results["cost"] = _cost(results)
    results["targets"] = TARGETS
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(render(results))
    return 0


def _cost(results: dict[str, Any]) -> dict[str, Any]:
    from bench.cost import monthly_cost_per_1000_members

    inproc = results["in_process"]
    reminder = next(r for r in inproc["jobs"] if r.get("job") == "daily-reminder")
    members = reminder["members"]
    return monthly_cost_per_1000_members(
        checkin_ms=results["embedded"]["webhook"]["checkin"]["p50_ms"],
        checkin_rcu=inproc["per_checkin"]["rcu"],
        checkin_wcu=inproc["per_checkin"]["wcu"],
        reminder_rcu_per_member=reminder["rcu"] / members,
        reminder_wcu_per_member=reminder["wcu"] / members,
        reminder_ms_per_member=reminder["seconds"] * 1000 / members,
        dispatcher_sqs_per_message=inproc["dispatcher"]["sqs_requests_per_message"],
    )


def render(results: dict[str, Any]) -> str:
    lines = ["", "rollcall benchmark" + (" (quick)" if results["quick"] else ""), ""]
    for where in ("in_process", "embedded"):
        lines.append(f"== jobs, {where.replace('_', ' ')} ==")
        lines.append(
            f"{'job':<16}{'members':>8}{'req':>6}{'req/mbr':>9}{'RCU':>8}{'WCU':>6}"
            f"{'min RU':>8}{'RU/min':>7}{'naive req':>10}{'vs naive':>9}"
            f"{'ms':>9}{'naive ms':>10}"
        )
        for row in results[where]["jobs"]:
            if row.get("members") is None:
                lines.append(f"{row['job']:<16}{'':>8}  {row['note']}")
                continue
            lines.append(
                f"{row['job']:<16}{row['members']:>8}{row['total_requests']:>6}"
                f"{row['requests_per_member']:>9.4f}{row['rcu']:>8.1f}{row['wcu']:>6.0f}"
                f"{row['min_rcu'] + row['min_wcu']:>8.1f}{row['units_vs_min']:>7.2f}"
                f"{row.get('naive_requests', 0):>10}{row.get('requests_vs_naive', 0):>9.4f}"
                f"{row['seconds'] * 1000:>9.1f}{row.get('naive_seconds', 0) * 1000:>10.1f}"
            )
        web = results[where]["webhook"]
        lines.append(
            f"webhook check-in p50 {web['checkin']['p50_ms']:.2f} ms, p99 "
            f"{web['checkin']['p99_ms']:.2f} ms; single conditional PutItem p50 "
            f"{web['single_put']['p50_ms']:.2f} ms → ratio p50 {web['p50_ratio']:.2f}, "
            f"p99 {web['p99_ratio']:.2f} (n={web['checkin']['n']})"
        )
        lines.append("")
    per = results["in_process"]["per_checkin"]
    lines.append(
        f"check-in cost: {per['requests']:.2f} requests, {per['rcu']:.2f} RCU, {per['wcu']:.2f} WCU"
    )
    d = results["in_process"]["dispatcher"]
    lines.append(
        f"dispatcher tick: {d['enqueued']} due communities → SQS {d['sqs_requests']} "
        f"({d['sqs_requests_per_message']:.2f}/message), DynamoDB "
        f"{d['dynamodb']['requests']}, {d['seconds'] * 1000:.0f} ms"
    )
    cold = results["embedded"]["cold_path"]
    lines.append(
        f"cold path: import + first check-in {cold['ours_ms']:.0f} ms vs minimal "
        f"Chalice app {cold['minimal_ms']:.0f} ms → ratio {cold['ratio']:.2f}"
    )
    lines.append(
        "  heaviest imports: "
        + ", ".join(f"{n} {ms:.0f} ms" for n, ms in cold["heaviest_imports_ms"])
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
        f"(API Gateway ${cost['api_gateway']:.4f}, Lambda "
        f"${cost['lambda_requests'] + cost['lambda_compute']:.4f}, DynamoDB "
        f"${cost['dynamodb']:.4f}, SQS ${cost['sqs']:.6f}; prices of "
        f"{cost['prices_date']})"
    )
    lines.append(f"finished in {results['seconds']} s; results in {RESULTS.relative_to(ROOT)}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
