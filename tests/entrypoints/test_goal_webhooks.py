"""The monthly goal through the webhook route (Chalice's test client, signed console
bodies, DynamoDB on moto): set, report, redeliver, refuse, and what a report costs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

import app
from chalicelib.domain.models import Role
from chalicelib.runtime import set_runtime
from chalicelib.store import goals
from chalicelib.store.repository import Store
from tests.helpers import community, console_body, member, runtime, signed_headers

NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)


@pytest.fixture
def wired(dynamo_table, requests_made):
    store = Store(dynamo_table)
    store.create_community(community(locale="zh-CN"))
    store.save_member(member("boss", name="Boss", role=Role.ADMIN))
    rt, sent = runtime(store, NOW)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            yield client, store, sent, requests_made
    finally:
        set_runtime(None)


def post(client, text: str, *, user: str, message_id: str) -> list[str]:
    body = console_body(text, user=user, message_id=message_id)
    response = client.http.post("/webhooks/console", headers=signed_headers(body, NOW), body=body)
    assert response.status_code == 200
    return [line for reply in json.loads(response.body)["replies"] for line in reply]


def total(store: Store, user: str = "u1") -> int | None:
    return goals.month_progress(store.table, "c1", "2026-12").progress.get(user)


def test_a_goal_is_set_and_a_redelivered_report_counts_once(wired):
    client, store, _sent, requests = wired
    assert "300页" in post(client, "本月目标 读完《原则》 300页", user="boss", message_id="g1")[0]
    post(client, "进度 100", user="u1", message_id="p1")
    requests.reset()
    first = post(client, "进度 +20", user="u1", message_id="p2")
    # the delivery claim, the member read (and today's activity), then the goal with the
    # member's total (one BatchGetItem) and one conditional UpdateItem of the progress
    assert requests.counts["BatchGetItem"] == 1 and requests.counts["Query"] == 0
    again = post(client, "进度 +20", user="u1", message_id="p2")  # the platform redelivers
    assert "120/300页" in first[0]
    assert again == []
    assert total(store) == 120


def test_a_report_above_the_target_is_refused_through_the_webhook(wired):
    client, store, _sent, _requests = wired
    post(client, "/goal Principles 300 pages", user="boss", message_id="g1")
    post(client, "/progress 290", user="u1", message_id="p1")
    reply = post(client, "/progress +20", user="u1", message_id="p2")
    assert reply == ["进度不能超过目标 300 pages（你现在是 290）。"]
    assert total(store) == 290


def test_a_member_cannot_set_the_goal_through_the_webhook(wired):
    client, store, _sent, _requests = wired
    reply = post(client, "本月目标 随便 1页", user="u1", message_id="g1")
    assert "只有群主或管理员" in reply[0]
    assert goals.month_progress(store.table, "c1", "2026-12").goal is None
