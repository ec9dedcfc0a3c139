"""Webhook latency: a check-in through the real route, against the one write it needs.

Two ways in, in the same run and on the same endpoint: the Chalice test client (the route
called in-process, as Lambda calls it) and Chalice's local HTTP server (what ``chalice
local`` and ``rollcall serve`` run: a real socket and HTTP parsing on both sides). Each
check-in comes from a different member of a 1,000-member community, as the day's first
message of most (the activity write rides on the counter update), signed like the console
platform's webhooks. The floor is the one conditional PutItem a check-in cannot do
without, timed on the same client and endpoint.

Besides p50/p99 it reports what each check-in cost in requests and units (counted only
while check-ins run), in *rounds* (round trips in sequence: requests the code sends
together, store/rounds.py, count once; the target is 2), and how much of its time was
spent inside DynamoDB calls (client and endpoint), so the rest is the route's own work.
moto serialises every request, so the time figures cannot show the overlap; the rounds do.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bench.capacity import Meter
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Community, Member
from chalicelib.platforms.console import ConsoleAdapter, sign
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store import keys
from chalicelib.store.repository import Store
from chalicelib.store.table import DynamoTable

SECRET = "bench-secret"
AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TODAY = date(2026, 11, 23)
MEMBERS = 1000

Post = Callable[[bytes, dict[str, str]], int]


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
    """A community whose members mostly checked in yesterday (so a check-in extends a
    streak) and were last active before today (so it is also the day's first activity)."""
    rng = random.Random(3)
    store = Store(DynamoTable(client, table_name))
    store.create_community(
        Community(
            id="wh",
            name="webhook bench",
            platform="console",
            chat_id="wh-chat",
            timezone="Asia/Shanghai",
            created_at=AT - timedelta(days=100),
        )
    )
    yesterday = TODAY - timedelta(days=1)
    people = []
    for n in range(members):
        streak = rng.randint(1, 30) if n % 10 < 7 else 0
        people.append(
            Member(
                community_id="wh",
                user_id=f"w{n:05d}",
                name=f"成员{n:05d}",
                username=f"reader_{n}" if n % 2 else None,
                squad=f"S{n // 8:04d}",
                joined_at=TODAY - timedelta(days=rng.randint(30, 300)),
                last_active=yesterday - timedelta(days=rng.randint(0, 3)),
                checkins=streak + rng.randint(0, 100),
                current_streak=streak,
                best_streak=streak + rng.randint(0, 20),
                last_checkin=yesterday if streak else yesterday - timedelta(days=5),
            )
        )
    store.bulk_save_members(people)
    return store


def signed(body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    stamp = str(int(AT.timestamp()))
    return raw, {
        "Content-Type": "application/json",
        "X-Rollcall-Timestamp": stamp,
        "X-Rollcall-Signature": sign(SECRET, stamp, raw),
    }


def _checkins(post: Post, users: range, meter: Meter) -> dict[str, Any]:
    samples = []
    meter.reset()
    for i in users:
        raw, headers = signed(
            {
                "type": "message",
                "chat_id": "wh-chat",
                "user": {"id": f"w{i:05d}", "name": f"成员{i:05d}"},
                "text": "打卡 今天读完一章",
                "message_id": f"bench-{i}",
            }
        )
        started = time.perf_counter()
        status = post(raw, headers)
        samples.append(time.perf_counter() - started)
        assert status == 200, status
    n = len(samples)
    stats: dict[str, Any] = summary(samples)
    stats.update(
        requests=meter.total_requests() / n,
        rounds=meter.rounds() / n,
        requests_by_operation={k: v / n for k, v in meter.requests.items()},
        rcu=meter.rcu / n,
        wcu=meter.wcu / n,
        dynamodb_ms=meter.seconds * 1000 / n,
        dynamodb_ms_by_operation={
            k: v * 1000 / meter.requests[k] for k, v in meter.seconds_by_operation.items()
        },
    )
    stats["route_ms"] = stats["mean_ms"] - stats["dynamodb_ms"]
    return stats


def _floor(client: Any, table_name: str, n: int) -> dict[str, Any]:
    """The one conditional PutItem a check-in needs, item for item the same size."""
    samples = []
    for i in range(n):
        started = time.perf_counter()
        client.put_item(
            TableName=table_name,
            Item={
                "pk": {"S": "C#floor"},
                "sk": {"S": f"CI#2026-11-23#w{i:05d}"},
                "user_id": {"S": f"w{i:05d}"},
                "date": {"S": "2026-11-23"},
                "at": {"S": AT.isoformat()},
                "note": {"S": "今天读完一章"},
                "delivery": {"S": f"console#bench-{i}"},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
        samples.append(time.perf_counter() - started)
    return summary(samples)


def _overlap(client: Any, table_name: str, n: int) -> dict[str, Any]:
    """The member's GetItem and a check-in's PutItem one after the other, and at once (the
    read on a second thread), alternately on the same client and endpoint: whether running
    a check-in's independent requests concurrently would pay here. On moto, in process or
    over loopback HTTP to a server in the same process, both wait for one interpreter."""
    from concurrent.futures import ThreadPoolExecutor

    def get(i: int) -> None:
        client.get_item(
            TableName=table_name,
            Key={"pk": {"S": keys.community_pk("wh")}, "sk": {"S": keys.member_sk(f"w{i:05d}")}},
        )

    def put(i: int, way: str) -> None:
        client.put_item(
            TableName=table_name,
            Item={
                "pk": {"S": "C#overlap"},
                "sk": {"S": f"CI#2026-11-23#{way}{i:05d}"},
                "user_id": {"S": f"w{i:05d}"},
                "delivery": {"S": f"console#overlap-{way}{i}"},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    one_by_one, at_once = [], []
    with ThreadPoolExecutor(max_workers=1) as other:
        for i in range(n):
            started = time.perf_counter()
            get(i)
            put(i, "s")
            one_by_one.append(time.perf_counter() - started)
            started = time.perf_counter()
            read = other.submit(get, i)
            put(i, "c")
            read.result()
            at_once.append(time.perf_counter() - started)
    sequential, concurrent = summary(one_by_one), summary(at_once)
    return {
        "sequential": sequential,
        "concurrent": concurrent,
        "p50_ratio": concurrent["p50_ms"] / sequential["p50_ms"],
    }


class HttpPoster:
    """POSTs to a running local server, one connection per request (Chalice's local server
    speaks HTTP/1.0)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def __call__(self, raw: bytes, headers: dict[str, str]) -> int:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("POST", "/webhooks/console", body=raw, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


def bench_webhook(client: Any, table_name: str, n: int, *, http: bool = True) -> dict[str, Any]:
    """``n`` check-ins through ``chalice.test.Client`` and (``http``) ``n`` more through
    Chalice's local HTTP server, and ``n`` bare conditional PutItems."""
    from chalice.test import Client

    import app

    store = _setup(client, table_name, max(MEMBERS, 2 * n))
    runtime = Runtime(settings=Settings(console_secret=SECRET), store=store, clock=FixedClock(AT))
    runtime.adapters["console"] = ConsoleAdapter(SECRET, sink=lambda _sent: None)
    meter = Meter().attach(client)
    set_runtime(runtime)
    results: dict[str, Any] = {"members": max(MEMBERS, 2 * n)}
    try:
        with Client(app.app) as chalice_client:
            store.find_community_by_chat("console", "wh-chat")  # a warm container's cache

            def post(raw: bytes, headers: dict[str, str]) -> int:
                response = chalice_client.http.post("/webhooks/console", headers=headers, body=raw)
                return response.status_code

            results["checkin"] = _checkins(post, range(n), meter)
        if http:
            from rollcall.serve import _HttpServer

            server = _HttpServer.start("127.0.0.1", 0, lambda _line: None)
            try:
                results["checkin_http"] = _checkins(HttpPoster(server.url), range(n, 2 * n), meter)
            finally:
                server.stop()
    finally:
        set_runtime(None)
    results["single_put"] = single = _floor(client, table_name, n)
    for way in ("checkin", "checkin_http"):
        if way in results:
            results[way]["p50_ratio"] = results[way]["p50_ms"] / single["p50_ms"]
            results[way]["p99_ratio"] = results[way]["p99_ms"] / single["p99_ms"]
            # what the check-in's requests alone cost, in single puts (means, as measured)
            results[way]["requests_ratio"] = results[way]["dynamodb_ms"] / single["mean_ms"]
    results["overlap"] = _overlap(client, table_name, n)
    # the figures the summary table has always shown: the test client's
    results["p50_ratio"] = results["checkin"]["p50_ratio"]
    results["p99_ratio"] = results["checkin"]["p99_ratio"]
    return results
