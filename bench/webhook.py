"""Webhook latency: a check-in through the real route, against the one write it needs."""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Community, Member
from chalicelib.platforms.console import ConsoleAdapter, sign
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.repository import Store
from chalicelib.store.table import DynamoTable

SECRET = "bench-secret"
AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "mean_ms": statistics.fmean(samples) * 1000,
        "n": len(samples),
    }


def _setup(client: Any, table_name: str, members: int) -> Store:
    table = DynamoTable(client, table_name)
    store = Store(table)
    store.create_community(
        Community(
            id="wh",
            name="webhook bench",
            platform="console",
            chat_id="wh-chat",
            timezone="Asia/Shanghai",
            created_at=AT,
        )
    )
    store.bulk_save_members(
        Member(community_id="wh", user_id=f"w{n:05d}", name=f"w{n:05d}") for n in range(members)
    )
    return store


def signed(body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    stamp = str(int(AT.timestamp()))
    return raw, {
        "Content-Type": "application/json",
        "X-Rollcall-Timestamp": stamp,
        "X-Rollcall-Signature": sign(SECRET, stamp, raw),
    }


def bench_webhook(client: Any, table_name: str, n: int, http_post: Any = None) -> dict[str, Any]:
    """Check-ins by ``n`` different members through ``chalice.test.Client`` (or ``http_post``,
    a function posting to a running local server), and ``n`` bare conditional PutItems."""
    from chalice.test import Client

    import app

    store = _setup(client, table_name, n)
    runtime = Runtime(settings=Settings(console_secret=SECRET), store=store, clock=FixedClock(AT))
    runtime.adapters["console"] = ConsoleAdapter(SECRET, sink=lambda _sent: None)
    set_runtime(runtime)
    samples = []
    try:
        with Client(app.app) as chalice_client:
            for i in range(n):
                raw, headers = signed(
                    {
                        "type": "message",
                        "chat_id": "wh-chat",
                        "user": {"id": f"w{i:05d}", "name": f"w{i:05d}"},
                        "text": "打卡",
                        "message_id": f"bench-{i}",
                    }
                )
                started = time.perf_counter()
                if http_post is None:
                    response = chalice_client.http.post(
                        "/webhooks/console", headers=headers, body=raw
                    )
                    status = response.status_code
                else:
                    status = http_post(raw, headers)
                samples.append(time.perf_counter() - started)
                assert status == 200, status
    finally:
        set_runtime(None)
    floor = []
    for i in range(n):
        started = time.perf_counter()
        client.put_item(
            TableName=table_name,
            Item={
                "pk": {"S": "C#floor"},
                "sk": {"S": f"CI#2026-11-23#{i}"},
                "user_id": {"S": str(i)},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
        floor.append(time.perf_counter() - started)
    ours, single = summary(samples), summary(floor)
    return {
        "checkin": ours,
        "single_put": single,
        "p50_ratio": ours["p50_ms"] / single["p50_ms"],
        "p99_ratio": ours["p99_ms"] / single["p99_ms"],
    }
