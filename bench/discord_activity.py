"""Discord activity's cost (issue 21): platform requests and DynamoDB requests for a run that
reads M new messages from A authors (features/channel_activity.py).

The platform is a fake session behind the real DiscordAdapter and HttpSender (pages of 100,
``after`` cursors and the page-a-second pace as in production, without the network; the
pace's waits are summed, not slept); DynamoDB is moto, counted by the same Meter as the
jobs. The target: ceil(M / 100) platform requests (one more when the last page is full,
the empty page that ends the read; at most 10 a run, the next run going on) and, in
DynamoDB, one GetItem (the cursor), one conditional UpdateItem per distinct author and one
PutItem (the cursor): nothing per message, no read per member. A second run with nothing
new costs one request and one GetItem.

    python -m bench.discord_activity
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from bench.capacity import Meter
from chalicelib.domain.models import Community, Member
from chalicelib.features.channel_activity import MAX_PAGES, plan_activity_read
from chalicelib.platforms.discord import DISCORD_EPOCH_MS, HISTORY_PAGE, DiscordAdapter
from chalicelib.platforms.http import HttpSender
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
CHANNEL = "1171234567890123456"


class _Answer:
    def __init__(self, body: Any) -> None:
        self.status_code = 200
        self.headers: dict[str, str] = {"Content-Type": "application/json"}
        self._body = body
        self.text = json.dumps(body)

    def json(self) -> Any:
        return self._body


class FakeDiscord:
    """One channel's messages endpoint: the ``limit`` oldest after ``after``, newest first."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = sorted(messages, key=lambda m: int(m["id"]))
        self.requests = 0

    def request(self, method: str, url: str, **kwargs: Any) -> _Answer:
        self.requests += 1
        params = kwargs.get("params") or {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        after, limit = int(params["after"]), int(params["limit"])
        newer = [m for m in self.messages if int(m["id"]) > after][:limit]
        return _Answer(list(reversed(newer)))


def _message(author: str, at: datetime, seq: int) -> dict[str, Any]:
    snowflake = ((int(at.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22) | (seq & 0xFFF)
    return {
        "id": str(snowflake),
        "channel_id": CHANNEL,
        "type": 0,
        "content": "",
        "timestamp": at.isoformat(),
        "author": {"id": author, "username": f"u{author[-4:]}", "global_name": None},
    }


def bench_discord_activity(
    client: Any,
    cases: list[tuple[int, int, int]],
    table_prefix: str = "bench-discord-activity",
) -> list[dict[str, Any]]:
    """One run per case (messages, authors, of whom not on the roster), then a second run
    that finds nothing new."""
    rows = []
    meter = Meter().attach(client)
    for messages, authors, newcomers in cases:
        name = f"{table_prefix}-{messages}-{authors}-{newcomers}"
        ensure_table(client, name)
        store = Store(DynamoTable(client, name))
        cid = f"d{messages}x{authors}x{newcomers}"
        store.create_community(
            Community(id=cid, name="Activity", platform="discord", chat_id=CHANNEL, timezone="UTC")
        )
        ids = [str(90_000_000_000_000_000 + n) for n in range(authors)]
        store.bulk_save_members(
            [
                Member(cid, uid, f"M{n}", joined_at=date(2026, 1, 1), last_active=date(2026, 11, 1))
                for n, uid in enumerate(ids[newcomers:])
            ]
        )
        start = NOW - timedelta(hours=2)
        platform = FakeDiscord(
            [_message(ids[n % authors], start + timedelta(seconds=n), n) for n in range(messages)]
        )
        waits: list[float] = []
        adapter = DiscordAdapter(
            bytes(32),
            "bench-token",
            api_base="https://discord.bench/api/v10",
            sender=HttpSender(session=platform, sleep=waits.append, min_interval=1.0),
        )
        community = store.get_community(cid)
        meter.reset()
        marked = plan_activity_read(store, community, adapter, NOW).write()
        first = {
            "platform_requests": platform.requests,
            "paced_seconds": round(sum(waits), 1),
            "dynamodb": meter.snapshot(),
        }
        platform.requests = 0
        meter.reset()
        again = plan_activity_read(store, community, adapter, NOW + timedelta(hours=2)).write()
        rows.append(
            {
                "messages": messages,
                "authors": authors,
                "newcomers": newcomers,
                "marked": marked,
                # The pages, and the empty one that ends a read whose last page was full,
                # within a run's bound (the next run goes on).
                "platform_pages_min": min(
                    math.ceil(messages / HISTORY_PAGE) + (messages % HISTORY_PAGE == 0),
                    MAX_PAGES,
                ),
                **first,
                "rerun": {
                    "marked": again,
                    "platform_requests": platform.requests,
                    "dynamodb": meter.snapshot(),
                },
            }
        )
    return rows


if __name__ == "__main__":
    import boto3
    from moto import mock_aws

    from bench.fastmoto import fast_results

    with mock_aws(), fast_results():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for row in bench_discord_activity(dynamodb, [(1000, 200, 0), (1000, 200, 50)]):
            print(json.dumps(row, default=str))
