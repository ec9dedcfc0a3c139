"""The platform-admin refresh's cost (features/roles.refresh_platform_admins, run by the
daily roster sync): platform requests and DynamoDB requests for a community of N members
whose platform names A admins, on WeCom's customer-group shape
(externalcontact/groupchat/get: owner and admin_list in the one answer).

The platform is a fake session behind the real WeComAdapter and HttpSender (the token, the
call and its parsing as in production, without the network); DynamoDB is moto, counted by
the same Meter as the jobs. Expected: one platform call (plus the token, once per warm
Lambda), the roster's 1 MB Query pages, one conditional UpdateItem per member whose role
changes and ceil(changes / 25) BatchWriteItem of audit items: nothing per member whose role
stands, so a second refresh with the same admins writes nothing.
"""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, date, datetime
from typing import Any

from bench.capacity import Meter
from chalicelib.domain.models import Community, Member
from chalicelib.features.roles import refresh_platform_admins
from chalicelib.platforms.http import HttpSender
from chalicelib.platforms.wecom import WeComAdapter
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

NOW = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
CHAT = "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"


class _Answer:
    def __init__(self, body: dict[str, Any]) -> None:
        self.status_code = 200
        self.headers: dict[str, str] = {}
        self._body = body
        self.text = json.dumps(body)

    def json(self) -> dict[str, Any]:
        return self._body


class FakeWeCom:
    """WeCom's API for one customer group whose owner and admins are ``admins``."""

    def __init__(self, admins: list[str]) -> None:
        self.admins = admins
        self.requests = 0

    def request(self, method: str, url: str, **kwargs: Any) -> _Answer:
        self.requests += 1
        if url.endswith("/gettoken"):
            return _Answer({"errcode": 0, "access_token": "bench", "expires_in": 7200})
        owner, *rest = self.admins
        group = {
            "chat_id": CHAT,
            "owner": owner,
            "member_list": [],
            "admin_list": [{"userid": u} for u in rest],
        }
        return _Answer({"errcode": 0, "errmsg": "ok", "group_chat": group})


def bench_admin_refresh(
    client: Any, sizes: list[int], admins: int = 5, table_prefix: str = "bench-admins"
) -> list[dict[str, Any]]:
    """Per size: a first refresh (``admins`` members become admins) and a second one with
    the same admins (nothing changes)."""
    rows = []
    meter = Meter().attach(client)
    for size in sizes:
        name = f"{table_prefix}-{size}"
        ensure_table(client, name)
        store = Store(DynamoTable(client, name))
        cid = f"a{size}"
        store.create_community(
            Community(
                id=cid,
                name="Admins",
                platform="wecom",
                chat_id=CHAT,
                timezone="Asia/Shanghai",
                group_kind="customer",
            )
        )
        roster = [
            Member(cid, f"u{n:07d}", f"Member {n}", joined_at=date(2026, 1, 1)) for n in range(size)
        ]
        store.bulk_save_members(roster)
        platform = FakeWeCom([m.user_id for m in roster[:admins]])
        adapter = WeComAdapter(
            corp_id="wwbench",
            corp_secret="bench",
            api_base="https://wecom.bench/cgi-bin",
            app_sender=HttpSender(session=platform, sleep=lambda _: None),
        )
        community = store.get_community(cid)
        for run in ("first", "again"):
            meter.reset()
            platform.requests = 0
            started = time.perf_counter()
            done = refresh_platform_admins(store, adapter, community, NOW)
            seconds = time.perf_counter() - started
            changes = len(done.changes)
            rows.append(
                {
                    "members": size,
                    "run": run,
                    "admins": done.admins,
                    "changes": changes,
                    "platform_requests": platform.requests,
                    "dynamodb": meter.snapshot(),
                    "batch_writes_min": math.ceil(changes / 25),
                    "seconds": round(seconds, 2),
                }
            )
    return rows


if __name__ == "__main__":  # pragma: no cover - `python -m bench.admin_refresh`
    import sys

    import boto3
    from moto import mock_aws

    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    with mock_aws():
        dynamo = boto3.client("dynamodb", region_name="us-east-1")
        for row in bench_admin_refresh(dynamo, sizes):
            print(json.dumps(row, ensure_ascii=False))
