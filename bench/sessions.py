"""The sessions job's summary (分享会) at a given number of attendees: the instance and its
attendance items (``SES#<session>#<date>`` and ``…#A#<member>``) written straight onto the
wire, then the summary phase run through the job runner (forced, at the session's end).

The issue's target: Query pages, at most 0.02 requests per member (attendee).

    .venv/bin/python -m bench.sessions 1000 10000
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from bench import seed as seeding
from bench.capacity import Meter
from bench.jobs import quiet_runtime
from chalicelib.domain.models import Community
from chalicelib.domain.sessions import parse_definition
from chalicelib.jobs.runner import run_job
from chalicelib.store import keys
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

TARGET_REQUESTS_PER_MEMBER = 0.02
DAY = date(2026, 12, 11)  # a Friday; 20:00-21:00 in Shanghai
SUMMARY_AT = datetime(2026, 12, 11, 13, 0, tzinfo=UTC)
PERIOD = f"friday#{DAY.isoformat()}#summary"


def seed_session(client: Any, name: str, cid: str, attendees: int) -> None:
    community = Community(cid, "Bench", "console", f"chat-{cid}", jobs=())
    definition = parse_definition(
        {"id": "friday", "title": "Friday talk", "weekday": "fri", "at": "20:00"},
        community.calendar,
        date(2026, 12, 1),
    )
    Store(DynamoTable(client, name)).create_community(
        community.with_changes(sessions=(definition.to_json(),))
    )
    pk = keys.community_pk(cid)
    items: list[dict[str, Any]] = [
        {
            "pk": pk,
            "sk": keys.session_instance_sk("friday", DAY),
            "speaker": "m000001",
            "speaker_name": "Speaker",
            "confirmed": True,
            "topic": "Query pages",
            "recording": "https://example.com/v/1",
        }
    ]
    for n in range(attendees):
        uid = f"m{n:06d}"
        items.append(
            {
                "pk": pk,
                "sk": keys.session_attendance_sk("friday", DAY, uid),
                "user_id": uid,
                "name": f"Member {n}",
                "at": "2026-12-11T12:05:00+00:00",
            }
        )
    seeding.batch_write(client, name, items)


def bench_session_summary(
    client: Any,
    sizes: list[int],
    *,
    prefix: str = "bench-sessions",
    log: Callable[[str], None] = lambda _line: None,
) -> list[dict[str, Any]]:
    meter = Meter().attach(client)
    rows = []
    for attendees in sizes:
        name, cid = f"{prefix}-{attendees}", f"ses{attendees}"
        ensure_table(client, name)
        seed_session(client, name, cid, attendees)
        runtime = quiet_runtime(DynamoTable(client, name))
        meter.reset()
        started = time.perf_counter()
        result = run_job(runtime, "sessions", cid, SUMMARY_AT, period=PERIOD, force=True)
        seconds = time.perf_counter() - started
        assert result.status == "sent" and result.summary["attendees"] == attendees
        measured = meter.snapshot()
        per = measured["total_requests"] / attendees
        rows.append(
            {
                "entry": "session-summary",
                "members": attendees,
                "requests": measured["requests"],
                "total_requests": measured["total_requests"],
                "requests_per_member": per,
                "rcu": measured["rcu"],
                "wcu": measured["wcu"],
                "seconds": round(seconds, 3),
                "met": per <= TARGET_REQUESTS_PER_MEMBER and "Scan" not in measured["requests"],
            }
        )
        log(f"  session summary at {attendees:,}: {measured['total_requests']} requests")
        client.delete_table(TableName=name)
    return rows


if __name__ == "__main__":  # pragma: no cover - a measurement, run by hand
    import os

    import boto3
    from moto import mock_aws

    from bench.fastmoto import fast_results

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    with mock_aws(), fast_results():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for row in bench_session_summary(dynamodb, sizes, log=print):
            print(row)
