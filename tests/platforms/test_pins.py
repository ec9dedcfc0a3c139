"""Pinning a posted announcement (platforms/base.MessagePins) on Telegram, Slack and Feishu,
against their APIs faked over HTTP at configurable bases; and the announcements job pins
the post it delivered, once, without failing the run when the platform refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses

from chalicelib.features import announcements as feature
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import ChatAddress, DeliveryError, MessagePins
from chalicelib.platforms.feishu import FeishuAdapter
from chalicelib.platforms.slack import SlackAdapter
from chalicelib.platforms.telegram import TelegramAdapter
from chalicelib.store import runs
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, runtime
from tests.platforms.support import quiet_sender

TG_API = "https://telegram.test"
TG_TOKEN = "123456:ABC-DEF"
SLACK_API = "https://slack.test/api"
FEISHU_API = "https://feishu.test/open-apis"


def telegram() -> TelegramAdapter:
    return TelegramAdapter(TG_TOKEN, "secret", api_base=TG_API, sender=quiet_sender())


def body(call) -> dict:
    return json.loads(call.request.body)


def test_the_three_adapters_that_pin_say_so_and_the_others_do_not():
    from chalicelib.platforms.console import ConsoleAdapter

    assert isinstance(telegram(), MessagePins)
    assert isinstance(SlackAdapter("s", "xoxb-1", api_base=SLACK_API), MessagePins)
    assert isinstance(FeishuAdapter(api_base=FEISHU_API), MessagePins)
    assert not isinstance(ConsoleAdapter("secret"), MessagePins)


@responses.activate
def test_telegram_pins_quietly_and_a_refusal_raises():
    url = f"{TG_API}/bot{TG_TOKEN}/pinChatMessage"
    responses.post(url, json={"ok": True, "result": True})
    telegram().pin_message(ChatAddress("telegram", "-100123"), "42")
    assert body(responses.calls[0]) == {
        "chat_id": "-100123",
        "message_id": 42,
        "disable_notification": True,
    }
    responses.post(
        url,
        status=400,
        json={"ok": False, "error_code": 400, "description": "Bad Request: not enough rights"},
    )
    with pytest.raises(DeliveryError, match="not enough rights"):
        telegram().pin_message(ChatAddress("telegram", "-100123"), "43")


@responses.activate
def test_slack_pins_with_pins_add_and_already_pinned_is_done():
    responses.post(f"{SLACK_API}/pins.add", json={"ok": True})
    responses.post(f"{SLACK_API}/pins.add", json={"ok": False, "error": "already_pinned"})
    responses.post(f"{SLACK_API}/pins.add", json={"ok": False, "error": "missing_scope"})
    slack = SlackAdapter("s", "xoxb-1", api_base=SLACK_API, sender=quiet_sender())
    chat = ChatAddress("slack", "C123")
    slack.pin_message(chat, "1700000000.000100")
    slack.pin_message(chat, "1700000000.000100")
    with pytest.raises(DeliveryError, match="missing_scope"):
        slack.pin_message(chat, "1700000000.000100")
    assert responses.calls[0].request.body == "channel=C123&timestamp=1700000000.000100"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer xoxb-1"


@responses.activate
def test_feishu_pins_through_the_app_and_cannot_pin_a_custom_bots_post():
    responses.post(
        f"{FEISHU_API}/auth/v3/tenant_access_token/internal",
        json={"code": 0, "msg": "ok", "tenant_access_token": "t-abc", "expire": 7200},
    )
    responses.post(f"{FEISHU_API}/im/v1/pins", json={"code": 0, "msg": "ok", "data": {}})
    app = FeishuAdapter(app_id="cli_1", app_secret="s", api_base=FEISHU_API, sender=quiet_sender())
    app.pin_message(ChatAddress("feishu", "oc_1"), "om_123")
    assert body(responses.calls[-1]) == {"message_id": "om_123"}
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer t-abc"
    with pytest.raises(DeliveryError):
        app.pin_message(ChatAddress("feishu", "oc_1"), "feishu-robot-0123456789abcdef")
    robot_only = FeishuAdapter(api_base=FEISHU_API, sender=quiet_sender())
    with pytest.raises(DeliveryError):
        robot_only.pin_message(ChatAddress("feishu", "oc_1"), "om_123")


AT = datetime(2026, 12, 8, 1, 5, tzinfo=UTC)


@pytest.mark.parametrize("pinned", [True, False])
@responses.activate
def test_the_job_pins_what_it_posted_and_a_refused_pin_fails_nothing(pinned):
    store = Store(MemoryTable())
    store.create_community(community(platform="telegram", chat_id="-100123"))
    entry, _ = feature.add_announcement(
        store, store.get_community("c1"), "2026-12-08 09:00 Pinned", "boss", AT.replace(day=5)
    )
    rt, _ = runtime(store, AT)
    rt.adapters["telegram"] = telegram()
    responses.post(
        f"{TG_API}/bot{TG_TOKEN}/sendMessage", json={"ok": True, "result": {"message_id": 77}}
    )
    answer = (
        {"json": {"ok": True, "result": True}}
        if pinned
        else {"status": 400, "json": {"ok": False, "error_code": 400, "description": "no rights"}}
    )
    responses.post(f"{TG_API}/bot{TG_TOKEN}/pinChatMessage", **answer)
    period = f"2026-12-08#{entry['id']}-0900"
    result = run_job(rt, "announcements", "c1", AT, period=period)
    assert result.status == "sent"
    assert run_job(rt, "announcements", "c1", AT, period=period).status == "already-done"
    pins = [c for c in responses.calls if c.request.url.endswith("/pinChatMessage")]
    assert [body(c)["message_id"] for c in pins] == [77]
    assert runs.get_run(store.table, "c1", "announcements", period)["status"] == "done"
