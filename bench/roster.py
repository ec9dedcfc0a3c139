"""Roster sync's cost: platform requests and DynamoDB requests for a community of N members
with C changes, on Slack's API shapes (conversations.members + users.list, 1,000 a page).

The platform is a fake session behind the real SlackAdapter and HttpSender (every page,
cursor and pace as in production, without the network); DynamoDB is moto, counted by the
same Meter as the jobs. The issue's target: O(pages) platform requests and writes that grow
with the changes, never with N: one Query of the roster (1 MB pages), one GetItem of the
sync's bookkeeping, the first sync's joiners in ceil((joins + 1) / 25) BatchWriteItem, and
one conditional UpdateItem per member already stored who changed (a leave, a rename): a
whole item read before the platform's list is never put back (store/roster.py), so what a
member does while the list is read is kept. A later sync's joiners are conditional
PutItems (a handful a day).
"""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs

from bench.capacity import Meter
from chalicelib.domain.models import Community, Member
from chalicelib.features.roster import sync_roster
from chalicelib.platforms.http import HttpSender
from chalicelib.platforms.slack import LIST_PAGE, SlackAdapter
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


class _Answer:
    def __init__(self, body: dict[str, Any]) -> None:
        self.status_code = 200
        self.headers: dict[str, str] = {}
        self._body = body
        self.text = json.dumps(body)

    def json(self) -> dict[str, Any]:
        return self._body


class FakeSlack:
    """Slack's Web API for one channel of ``people`` (user id, name): cursor pages."""

    def __init__(self, people: list[tuple[str, str]]) -> None:
        self.people = people
        self.requests = 0

    def request(self, method: str, url: str, **kwargs: Any) -> _Answer:
        self.requests += 1
        form = {k: v[0] for k, v in parse_qs(_body(kwargs.get("data"))).items()}
        start = int(form.get("cursor") or 0)
        limit = int(form.get("limit", LIST_PAGE))
        page = self.people[start : start + limit]
        following = start + limit if start + limit < len(self.people) else None
        metadata = {"next_cursor": str(following) if following is not None else ""}
        if url.endswith("conversations.members"):
            return _Answer(
                {"ok": True, "members": [u for u, _ in page], "response_metadata": metadata}
            )
        users = [
            {"id": u, "name": n.lower(), "deleted": False, "profile": {"display_name": n}}
            for u, n in page
        ]
        return _Answer({"ok": True, "members": users, "response_metadata": metadata})


def _body(data: Any) -> str:
    if isinstance(data, dict):
        from urllib.parse import urlencode

        return urlencode(data)
    return data or ""


def bench_roster_sync(
    client: Any, sizes: list[int], changes: int = 50, table_prefix: str = "bench-roster"
) -> list[dict[str, Any]]:
    """One sync per size: ``changes`` split into joins, leaves and renames."""
    rows = []
    meter = Meter().attach(client)
    for size in sizes:
        name = f"{table_prefix}-{size}"
        ensure_table(client, name)
        store = Store(DynamoTable(client, name))
        cid = f"r{size}"
        store.create_community(
            Community(id=cid, name="Sync", platform="slack", chat_id="C1", timezone="Asia/Shanghai")
        )
        roster = [
            Member(
                cid,
                f"U{n:07d}",
                f"Member {n}",
                username=f"member {n}",  # as a previous sync stored it: a steady state
                joined_at=date(2026, 1, 1),
            )
            for n in range(size)
        ]
        store.bulk_save_members(roster)
        third = changes // 3
        people = [(m.user_id, m.name) for m in roster[third:]]  # the first third left
        people[:third] = [(u, n + " (new name)") for u, n in people[:third]]
        people += [(f"V{n:07d}", f"Joiner {n}") for n in range(changes - 2 * third)]
        platform = FakeSlack(people)
        adapter = SlackAdapter(
            "secret",
            "xoxb-bench",
            api_base="https://slack.bench/api",
            sender=HttpSender(session=platform, sleep=lambda _: None, min_interval=1.0),
        )
        community = store.get_community(cid)
        meter.reset()
        started = time.perf_counter()
        report = sync_roster(store, community, adapter, NOW)
        seconds = time.perf_counter() - started
        counts = report.counts()
        changed = sum(counts.values())
        joins = counts["joins"]
        pages = 2 * math.ceil(len(people) / LIST_PAGE)
        rows.append(
            {
                "members": size,
                "changes": counts,
                "platform_requests": platform.requests,
                "platform_pages_min": pages,
                "dynamodb": meter.snapshot(),
                "batch_writes_min": math.ceil((joins + 1) / 25),
                "updates_min": changed - joins,
                "seconds": round(seconds, 2),
            }
        )
    return rows
