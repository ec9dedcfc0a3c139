"""The webhook route through Chalice itself: verify, parse, de-duplicate, answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

import app
from chalicelib.runtime import set_runtime
from chalicelib.store.repository import Store
from tests.helpers import community, console_body, runtime, signed_headers

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def wired(dynamo_table):
    """The real app on moto, with the console platform and a fixed clock."""
    store = Store(dynamo_table)
    rt, sent = runtime(store, NOW)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            yield client, store, sent
    finally:
        set_runtime(None)


def post(client, body: bytes, headers: dict[str, str], platform: str = "console"):
    return client.http.post(f"/webhooks/{platform}", headers=headers, body=body)


def test_signed_message_from_a_bound_chat_is_answered(wired):
    client, store, sent = wired
    store.create_community(community())
    body = console_body("/help", user="u1", message_id="m1")
    response = post(client, body, signed_headers(body, NOW))
    assert response.status_code == 200
    replies = json.loads(response.body)["replies"]
    assert "/checkin" in replies[0][0]
    assert sent and sent[0].chat_id == "chat-1"
    member = store.get_member("c1", "u1")
    assert member is not None and member.last_active == NOW.date()


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda h, b: {**h, "X-Rollcall-Signature": "sha256=" + "0" * 64}, id="forged"),
        pytest.param(
            lambda h, b: {k: v for k, v in h.items() if "Signature" not in k}, id="missing"
        ),
        pytest.param(lambda h, b: signed_headers(b, NOW - timedelta(minutes=6)), id="stale"),
        pytest.param(lambda h, b: signed_headers(b, NOW, secret="other"), id="wrong-secret"),
        pytest.param(lambda h, b: {**h, "X-Rollcall-Timestamp": "soon"}, id="bad-timestamp"),
    ],
)
def test_bad_signatures_get_401_and_change_nothing(wired, mutate):
    client, store, sent = wired
    store.create_community(community())
    body = console_body("/help", user="u9")
    response = post(client, body, mutate(signed_headers(body, NOW), body))
    assert response.status_code == 401
    assert store.get_member("c1", "u9") is None
    assert sent == []


def test_malformed_bodies_get_400_with_a_reason(wired):
    client, _, _ = wired
    for body, reason in [
        (b"{not json", "not JSON"),
        (b"[]", "JSON object"),
        (json.dumps({"chat_id": "x", "user": {}}).encode(), "user.id"),
        (json.dumps({"type": "poke", "chat_id": "x", "user": {"id": 1}}).encode(), "type"),
    ]:
        response = post(client, body, signed_headers(body, NOW))
        assert response.status_code == 400
        assert reason in json.loads(response.body)["error"]


def test_unknown_platform_is_404_and_oversized_body_is_413(wired):
    client, _, _ = wired
    body = console_body("/help")
    assert post(client, body, signed_headers(body, NOW), platform="myspace").status_code == 404
    big = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    assert post(client, big, signed_headers(big, NOW)).status_code == 413


def test_duplicate_delivery_is_answered_once(wired):
    client, store, sent = wired
    store.create_community(community())
    body = console_body("/help", message_id="same")
    first = post(client, body, signed_headers(body, NOW))
    second = post(client, body, signed_headers(body, NOW))
    assert first.status_code == second.status_code == 200
    assert json.loads(second.body)["replies"] == []
    assert len(sent) == 1


def test_unbound_chat_gets_binding_instructions_and_nothing_is_stored(wired):
    client, _store, _ = wired
    body = console_body("/help", chat="nowhere")
    response = post(client, body, signed_headers(body, NOW))
    replies = json.loads(response.body)["replies"]
    assert "rollcall community bind" in replies[0][0]
    assert "--chat-id nowhere" in replies[1][0]
    chatter = console_body("hello everyone", chat="nowhere")
    assert json.loads(post(client, chatter, signed_headers(chatter, NOW)).body)["replies"] == []


def test_members_join_and_leave_through_the_route(wired):
    client, store, sent = wired
    store.create_community(community(locale="zh-CN"))
    body = console_body(kind="member_joined", user="new", name="小明")
    post(client, body, signed_headers(body, NOW))
    joined = store.get_member("c1", "new")
    assert joined is not None and joined.joined_at == NOW.date() and joined.name == "小明"
    assert "欢迎 小明" in sent[-1].text
    body = console_body(kind="member_left", user="new")
    post(client, body, signed_headers(body, NOW))
    assert store.get_member("c1", "new").status.value == "left"


def test_unknown_slash_command_gets_help_in_the_community_language(wired):
    client, store, _ = wired
    store.create_community(community(locale="zh-CN"))
    body = console_body("/dance")
    replies = json.loads(post(client, body, signed_headers(body, NOW)).body)["replies"]
    assert "/dance" in replies[0][0] and "帮助" in replies[0][0]


def test_console_platform_is_absent_without_a_secret(dynamo_table):
    """Production stages that never set ROLLCALL_CONSOLE_SECRET expose no console route."""
    from chalicelib.config import Settings
    from chalicelib.runtime import Runtime

    set_runtime(Runtime(settings=Settings(), store=Store(dynamo_table)))
    try:
        with Client(app.app) as client:
            body = console_body("/help")
            assert post(client, body, signed_headers(body, NOW)).status_code == 404
    finally:
        set_runtime(None)


def test_a_warm_container_reads_its_community_once_per_minute(dynamo_table):
    """Every webhook needs its community: a warm container keeps it for a minute instead of
    reading the binding and the community again for each message."""
    clock = {"t": 0.0}
    store = Store(dynamo_table, monotonic=lambda: clock["t"])
    store.create_community(community())
    assert store.find_community_by_chat("console", "chat-1") is not None
    dynamo_table.delete("C#c1", "META")  # would be noticed only by a fresh read
    assert store.find_community_by_chat("console", "chat-1") is not None
    clock["t"] = 61.0
    assert store.find_community_by_chat("console", "chat-1") is None
