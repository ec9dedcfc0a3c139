"""Slow admin commands through the real entry points: the webhook acknowledges within the
platform's deadline and queues the command; the SQS worker runs it and posts the result
once, however often SQS delivers the message.

Chalice's own handlers (``chalice.test.Client``) on moto's DynamoDB and SQS; the Discord
API answered by ``responses``; time passed explicitly.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
import responses
from chalice.test import Client
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

import app
from chalicelib.chat.worker import QueuedCommand, community_chat, run_queued_command
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Community, Role
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import (
    ChatAddress,
    Delivery,
    DeliveryError,
    InboundEvent,
    Message,
    Sender,
)
from chalicelib.platforms.console import SentMessage
from chalicelib.platforms.slack import sign as slack_sign
from chalicelib.queue import SqsQueue, command_message
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store import deferred, runs
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import parse_message
from rollcall.serve import RETRY_AFTER, LocalQueue, tick
from tests.entrypoints.test_schedules_and_queue import sqs_event
from tests.helpers import community, console_body, member, runtime, signed_headers

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai
WORKING = "⏳ Working on it… the result follows here shortly."
REMINDED = "📣 Today's (2026-11-23) check-in reminder is out."


def roster() -> list:
    return [member("boss", name="Boss", role=Role.ADMIN), member("amy", name="Amy")]


@pytest.fixture
def sqs(aws):
    client = boto3.client("sqs", region_name="us-east-1")
    url = client.create_queue(QueueName="rollcall-dev-jobs")["QueueUrl"]
    return client, url


@pytest.fixture
def wired(dynamo_table, sqs):
    """The app on moto with the console platform; the runtime's queue is moto's SQS."""
    store = Store(dynamo_table)
    store.create_community(community())
    store.bulk_save_members(roster())
    rt, sent = runtime(store, AT)
    rt.queue = SqsQueue(*sqs)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            yield client, rt, sent
    finally:
        set_runtime(None)


def say(client, text: str, user: str, message_id: str) -> Any:
    body = console_body(text, user=user, message_id=message_id)
    return client.http.post("/webhooks/console", headers=signed_headers(body, AT), body=body)


def queued(sqs) -> list[str]:
    """Every message on the queue (received, so a second call sees none again at once)."""
    client, url = sqs
    answer = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [m["Body"] for m in answer.get("Messages", [])]


def texts(sent: list[SentMessage]) -> list[str]:
    return [m.text for m in sent if m.kind == "message"]


# -- the webhook ------------------------------------------------------------------------------


def test_the_webhook_acknowledges_at_once_and_queues_exactly_one_message(wired, sqs):
    client, rt, sent = wired
    response = say(client, "/remind", "boss", "m1")
    assert response.status_code == 200
    assert json.loads(response.body)["replies"] == [[WORKING]]
    assert texts(sent) == [WORKING]  # nothing else happened inside the request
    assert runs.get_run(rt.store.table, "c1", "daily-reminder", "2026-11-23#manual") is None
    [body] = queued(sqs)
    message = json.loads(body)
    assert message == {
        "kind": "command",
        "platform": "console",
        "command_id": "m1",
        "requested_at": AT.isoformat(),
        "event": {
            "kind": "message",
            "chat_id": "chat-1",
            "sender": {"user_id": "boss", "name": "Boss", "username": None},
            "text": "/remind",
            "event_id": "m1",
            "reply_context": {},
            "reply_to": None,
        },
    }
    # The platform redelivering the webhook queues nothing more.
    assert json.loads(say(client, "/remind", "boss", "m1").body)["replies"] == []
    assert queued(sqs) == []


def test_a_member_who_is_not_an_admin_is_refused_inline_and_nothing_is_queued(wired, sqs):
    client, _, sent = wired
    response = say(client, "提醒", "amy", "m2")
    refusal = "Sorry Amy, only owners, admins and leaders can send reminders."
    assert json.loads(response.body)["replies"] == [[refusal]]
    assert texts(sent) == [refusal]
    assert queued(sqs) == []


def test_when_the_queue_refuses_the_admin_is_told_to_ask_again(wired, sqs):
    client, _, sent = wired
    sqs_client, url = sqs
    sqs_client.delete_queue(QueueUrl=url)
    response = say(client, "/remind", "boss", "m3")
    assert response.status_code == 200
    sorry = "⚠️ This command could not be started just now; please try again in a minute."
    assert json.loads(response.body)["replies"] == [[sorry]]
    assert texts(sent) == [sorry]


def test_a_report_is_read_inline_not_queued(wired, sqs):
    """/report reads a stored report (one Query): fast enough to answer in the request."""
    client, _, _ = wired
    response = say(client, "/report", "boss", "m4")
    assert json.loads(response.body)["replies"] == [["No monthly report yet."]]
    assert queued(sqs) == []


# -- the worker -------------------------------------------------------------------------------


def test_the_worker_runs_the_command_and_replies_once_when_sqs_delivers_twice(wired, sqs):
    client, rt, sent = wired
    say(client, "/remind", "boss", "m1")
    [body] = queued(sqs)
    later = client.lambda_.invoke("run_queued_jobs", sqs_event([body, body]))
    assert later.payload == {"batchItemFailures": []}
    again = client.lambda_.invoke("run_queued_jobs", sqs_event([body]))
    assert again.payload == {"batchItemFailures": []}
    ack, reminder, confirmation = texts(sent)
    assert ack == WORKING
    assert "@Amy" in reminder
    assert confirmation == REMINDED
    record = deferred.get_reply(rt.store.table, "console", "m1")
    assert (record["status"], record["delivered"]) == ("done", 1)


def test_a_reply_that_fails_is_retried_with_the_words_of_the_first_attempt(wired, sqs):
    """The reminder went out, then the confirmation failed: SQS retries the message, and the
    retry sends the kept confirmation ("is out"), not a second run's "already went out"."""
    client, rt, sent = wired
    failures = [1]

    def flaky(message: SentMessage) -> None:
        if message.text.startswith("📣") and failures:
            failures.pop()
            raise DeliveryError("chat unavailable")
        sent.append(message)

    rt.adapters.clear()
    rt.console_sink = flaky
    say(client, "/remind", "boss", "m1")
    [body] = queued(sqs)
    failed = client.lambda_.invoke("run_queued_jobs", sqs_event([body]))
    assert failed.payload == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    retried = client.lambda_.invoke("run_queued_jobs", sqs_event([body]))
    assert retried.payload == {"batchItemFailures": []}
    _ack, reminder, confirmation = texts(sent)
    assert "@Amy" in reminder and confirmation == REMINDED


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(lambda m: {**m, "kind": "backup"}, "unknown kind 'backup'", id="kind"),
        pytest.param(lambda m: {**m, "command_id": ""}, "missing command_id", id="no-id"),
        pytest.param(lambda m: {**m, "requested_at": "noon"}, "requested_at is not", id="bad-time"),
        pytest.param(lambda m: {**m, "event": None}, "missing event", id="no-event"),
        pytest.param(
            lambda m: {**m, "event": {**m["event"], "sender": {"name": "x"}}},
            "missing event.sender.user_id",
            id="no-sender",
        ),
        pytest.param(
            lambda m: {**m, "event": {**m["event"], "text": "/checkin"}},
            "not a deferred command",
            id="not-deferred",
        ),
        pytest.param(
            lambda m: {**m, "platform": "discord"},
            "missing reply_context.application_id",
            id="discord-without-token",
        ),
    ],
)
def test_a_malformed_command_message_is_dropped_not_retried(
    wired, change, reason, caplog: pytest.LogCaptureFixture
):
    client, _, sent = wired
    event = InboundEvent("message", "console", "chat-1", Sender("boss", "Boss"), "/remind")
    body = json.dumps(change(command_message(event, AT, "m9")))
    with caplog.at_level(logging.ERROR, logger="rollcall.worker"):
        response = client.lambda_.invoke("run_queued_jobs", sqs_event([body]))
    assert response.payload == {"batchItemFailures": []}
    [record] = [r for r in caplog.records if r.message == "bad queue message dropped"]
    assert str(record.reason).startswith(reason)
    assert texts(sent) == []


# -- Discord ----------------------------------------------------------------------------------

DISCORD_API = "https://discord.test/api/v10"
CHANNEL = "1111111111111111111"
APPLICATION = "2222222222222222222"
ADMIN = "53908232506183680"
FOLLOW_UP = f"{DISCORD_API}/webhooks/{APPLICATION}/A_UNIQUE_TOKEN"
CHANNEL_MESSAGES = f"{DISCORD_API}/channels/{CHANNEL}/messages"


@pytest.fixture
def discord(dynamo_table, sqs):
    key = ECC.generate(curve="ed25519")
    store = Store(dynamo_table)
    store.create_community(community(platform="discord", chat_id=CHANNEL))
    store.bulk_save_members(
        [member(ADMIN, name="Mace", role=Role.ADMIN), member("80351110224678913", name="Amy")]
    )
    settings = Settings(
        secrets={
            "ROLLCALL_DISCORD_PUBLIC_KEY": key.public_key().export_key(format="raw").hex(),
            "ROLLCALL_DISCORD_BOT_TOKEN": "bot-token",
        },
        api_bases={"discord": DISCORD_API},
    )
    rt = Runtime(settings=settings, store=store, clock=FixedClock(AT))
    rt.queue = SqsQueue(*sqs)
    set_runtime(rt)
    try:
        with Client(app.app) as client, responses.RequestsMock() as outbound:
            yield client, rt, key, outbound
    finally:
        set_runtime(None)


def interaction(key, name: str, user: str = ADMIN) -> tuple[dict[str, str], bytes]:
    body = json.dumps(
        {
            "id": f"interaction-{name}-{user}",
            "application_id": APPLICATION,
            "type": 2,
            "data": {"id": "771825006014889984", "name": name, "type": 1},
            "guild_id": "290926798626357999",
            "channel_id": CHANNEL,
            "member": {"user": {"id": user, "username": "mason"}, "nick": "Mace", "roles": []},
            "token": "A_UNIQUE_TOKEN",
            "version": 1,
        }
    ).encode()
    stamp = str(int(AT.timestamp()))
    signature = eddsa.new(key, "rfc8032").sign(stamp.encode() + body)
    headers = {
        "Content-Type": "application/json",
        "X-Signature-Ed25519": signature.hex(),
        "X-Signature-Timestamp": stamp,
    }
    return headers, body


def test_discord_gets_a_deferred_response_then_one_follow_up(discord, sqs):
    client, _, key, outbound = discord
    headers, body = interaction(key, "remind")
    answer = client.http.post("/webhooks/discord", headers=headers, body=body)
    assert (answer.status_code, json.loads(answer.body)) == (200, {"type": 5})
    assert len(outbound.calls) == 0
    [message] = queued(sqs)
    context = json.loads(message)["event"]["reply_context"]
    assert context == {"application_id": APPLICATION, "interaction_token": "A_UNIQUE_TOKEN"}

    reminder = outbound.post(CHANNEL_MESSAGES, json={"id": "900"})
    follow_up = outbound.post(FOLLOW_UP, json={"id": "901"})
    worker = client.lambda_.invoke("run_queued_jobs", sqs_event([message, message]))
    assert worker.payload == {"batchItemFailures": []}
    assert reminder.call_count == 1 and follow_up.call_count == 1
    posted = json.loads(follow_up.calls[0].request.body)
    assert posted["content"] == REMINDED
    assert follow_up.calls[0].request.url.endswith("?wait=true")
    assert "Authorization" not in follow_up.calls[0].request.headers  # the token authorises


def test_discord_refuses_a_member_in_the_interaction_response_itself(discord, sqs):
    client, _, key, outbound = discord
    headers, body = interaction(key, "remind", user="80351110224678913")
    answer = json.loads(client.http.post("/webhooks/discord", headers=headers, body=body).body)
    assert answer["type"] == 4
    assert "only owners, admins and leaders" in answer["data"]["content"]
    assert queued(sqs) == [] and len(outbound.calls) == 0


def test_a_result_later_than_the_interaction_token_goes_to_the_channel(discord, sqs):
    """The interaction token answers for 15 minutes; a retry after an outage posts the
    result into the channel with the bot token instead of failing until the DLQ."""
    client, rt, key, outbound = discord
    headers, body = interaction(key, "remind")
    client.http.post("/webhooks/discord", headers=headers, body=body)
    [message] = queued(sqs)
    posts = outbound.post(CHANNEL_MESSAGES, json={"id": "900"})
    rt.clock = FixedClock(AT + timedelta(minutes=20))
    worker = client.lambda_.invoke("run_queued_jobs", sqs_event([message]))
    assert worker.payload == {"batchItemFailures": []}
    reminder, result = (json.loads(c.request.body)["content"] for c in posts.calls)
    assert "<@80351110224678913>" in reminder and result == REMINDED
    assert posts.calls[1].request.headers["Authorization"] == "Bot bot-token"


def test_a_refused_interaction_token_sends_the_result_to_the_channel(discord, sqs):
    """Within its 15 minutes a token can still be refused (the interaction deleted, the
    token revoked): the result goes into the channel rather than retrying until the DLQ."""
    client, _, key, outbound = discord
    headers, body = interaction(key, "remind")
    client.http.post("/webhooks/discord", headers=headers, body=body)
    [message] = queued(sqs)
    posts = outbound.post(CHANNEL_MESSAGES, json={"id": "900"})
    refused = outbound.post(
        FOLLOW_UP, status=404, json={"message": "Unknown Webhook", "code": 10015}
    )
    worker = client.lambda_.invoke("run_queued_jobs", sqs_event([message]))
    assert worker.payload == {"batchItemFailures": []}
    assert refused.call_count == 1
    assert [json.loads(c.request.body)["content"] for c in posts.calls][-1] == REMINDED


# -- Slack without a bot token: the slash command's response_url ------------------------

SLACK_SECRET = "slack-signing-secret"
SLACK_CHANNEL = "C0LAN2Q65"
SLACK_ADMIN = "U2147483697"
RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1234/5678"
NOBODY = "Nobody to remind today (2026-11-23)."


@pytest.fixture
def slack(dynamo_table, sqs):
    """A Slack app configured with its signing secret only: it can answer slash commands
    but post nothing through the Web API."""
    store = Store(dynamo_table)
    store.create_community(community(platform="slack", chat_id=SLACK_CHANNEL))
    # The only member is an exempt admin: /remind has nobody to remind, and says so.
    store.bulk_save_members([member(SLACK_ADMIN, name="Steve", role=Role.ADMIN, exempt=True)])
    settings = Settings(
        secrets={"ROLLCALL_SLACK_SIGNING_SECRET": SLACK_SECRET},
        api_bases={"slack": "https://slack.test/api"},
    )
    rt = Runtime(settings=settings, store=store, clock=FixedClock(AT))
    rt.queue = SqsQueue(*sqs)
    set_runtime(rt)
    try:
        with Client(app.app) as client, responses.RequestsMock() as outbound:
            yield client, rt, outbound
    finally:
        set_runtime(None)


def slash_command(text: str, response_url: str = RESPONSE_URL) -> tuple[dict[str, str], bytes]:
    """``/rollcall <text>`` as Slack posts it: a signed form."""
    body = urlencode(
        {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "team_id": "T0001",
            "team_domain": "example",
            "channel_id": SLACK_CHANNEL,
            "channel_name": "study",
            "user_id": SLACK_ADMIN,
            "user_name": "Steve",
            "command": "/rollcall",
            "text": text,
            "api_app_id": "A123456",
            "response_url": response_url,
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    ).encode()
    stamp = str(int(AT.timestamp()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_sign(SLACK_SECRET, stamp, body),
    }
    return headers, body


def test_slack_without_a_bot_token_gets_its_result_through_the_response_url(slack, sqs):
    client, _, outbound = slack
    headers, body = slash_command("remind")
    answer = client.http.post("/webhooks/slack", headers=headers, body=body)
    assert json.loads(answer.body) == {"response_type": "in_channel", "text": WORKING}
    [message] = queued(sqs)
    assert json.loads(message)["event"]["reply_context"] == {
        "slash": True,
        "response_url": RESPONSE_URL,
    }
    hook = outbound.post(RESPONSE_URL, body="ok")
    worker = client.lambda_.invoke("run_queued_jobs", sqs_event([message, message]))
    assert worker.payload == {"batchItemFailures": []}
    assert hook.call_count == 1  # SQS delivered it twice; the admin reads it once
    assert json.loads(hook.calls[0].request.body) == {"response_type": "in_channel", "text": NOBODY}


def test_slack_past_the_response_urls_30_minutes_without_a_token_retries_then_fails(slack, sqs):
    client, rt, outbound = slack
    headers, body = slash_command("remind")
    client.http.post("/webhooks/slack", headers=headers, body=body)
    [message] = queued(sqs)
    rt.clock = FixedClock(AT + timedelta(minutes=31))
    worker = client.lambda_.invoke("run_queued_jobs", sqs_event([message]))
    assert worker.payload == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert len(outbound.calls) == 0


def test_a_response_url_off_slacks_host_is_never_posted_to_from_the_worker(slack, sqs):
    client, _, outbound = slack
    headers, body = slash_command("remind", "https://collector.evil.test/commands/1")
    client.http.post("/webhooks/slack", headers=headers, body=body)
    [message] = queued(sqs)
    worker = client.lambda_.invoke("run_queued_jobs", sqs_event([message]))
    assert worker.payload == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert len(outbound.calls) == 0


# -- Telegram: the result in the topic the command was asked in -------------------------

TELEGRAM_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
TELEGRAM_SECRET = "rollcall-webhook-secret_1"
TELEGRAM_SEND = f"https://telegram.test/bot{TELEGRAM_TOKEN}/sendMessage"
GROUP = "-1001234567890"


@pytest.fixture
def telegram(dynamo_table, sqs):
    store = Store(dynamo_table)
    store.create_community(community(platform="telegram", chat_id=GROUP))
    store.bulk_save_members(
        [member("1111111", name="Boss", role=Role.ADMIN), member("2222222", name="Amy")]
    )
    settings = Settings(
        secrets={
            "ROLLCALL_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "ROLLCALL_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        },
        api_bases={"telegram": "https://telegram.test"},
    )
    rt = Runtime(settings=settings, store=store, clock=FixedClock(AT))
    rt.queue = SqsQueue(*sqs)
    set_runtime(rt)
    try:
        with Client(app.app) as client, responses.RequestsMock() as outbound:
            yield client, outbound
    finally:
        set_runtime(None)


def topic_update(text: str) -> bytes:
    """A command sent in forum topic 77, as Telegram delivers it: every message in a topic
    replies to the topic's opening message."""
    chat = {"id": int(GROUP), "title": "Study Group", "type": "supergroup", "is_forum": True}
    opening = {
        "message_id": 77,
        "from": {"id": 2222222, "is_bot": False, "first_name": "Amy"},
        "chat": chat,
        "date": 1441600000,
        "message_thread_id": 77,
        "forum_topic_created": {"name": "Admins", "icon_color": 7322096},
        "is_topic_message": True,
    }
    message = {
        "message_id": 1365,
        "from": {"id": 1111111, "is_bot": False, "first_name": "Boss", "username": "boss"},
        "chat": chat,
        "date": int(AT.timestamp()),
        "message_thread_id": 77,
        "is_topic_message": True,
        "reply_to_message": opening,
        "text": text,
    }
    return json.dumps({"update_id": 10000, "message": message}).encode()


def test_telegram_answers_a_command_from_a_topic_in_that_topic_as_a_reply(telegram, sqs):
    client, outbound = telegram
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    answer = client.http.post("/webhooks/telegram", headers=headers, body=topic_update("/remind"))
    inline = json.loads(answer.body)
    assert (inline["text"], inline["message_thread_id"]) == (WORKING, 77)
    [message] = queued(sqs)
    sends = outbound.post(TELEGRAM_SEND, json={"ok": True, "result": {"message_id": 1400}})
    worker = client.lambda_.invoke("run_queued_jobs", sqs_event([message]))
    assert worker.payload == {"batchItemFailures": []}
    reminder, result = (json.loads(c.request.body) for c in sends.calls)
    assert "Amy" in reminder["text"] and "message_thread_id" not in reminder  # the group's
    assert result == {
        "chat_id": GROUP,
        "text": REMINDED,
        "parse_mode": "HTML",
        "reply_parameters": {"message_id": 1365, "allow_sending_without_reply": True},
        "message_thread_id": 77,
    }


# -- where the result goes --------------------------------------------------------------


def group(platform: str, **fields: Any) -> Community:
    return community(platform=platform, chat_id="group-1", **fields)


def event(platform: str, chat_id: str, **reply_context: Any) -> InboundEvent:
    return InboundEvent(
        "message", platform, chat_id, Sender("boss", "Boss"), "/remind", "e1", reply_context
    )


def test_only_the_communitys_own_group_is_handed_its_robot():
    """A group robot (Feishu, DingTalk, WeCom) posts into its group only: a command asked in
    the community's admin chat must not be answered through it."""
    robot = "https://oapi.dingtalk.com/robot/send?access_token=t"
    dingtalk = group("dingtalk", robot_webhook=robot, robot_secret="SEC")
    into_group = community_chat(dingtalk, event("dingtalk", "group-1"))
    assert into_group is not None
    assert (into_group.chat_id, into_group.robot_webhook, into_group.robot_secret) == (
        "group-1",
        robot,
        "SEC",
    )
    assert community_chat(dingtalk, event("dingtalk", "admins")) is None
    assert community_chat(dingtalk, event("wecom", "group-1")) is None
    assert community_chat(None, event("dingtalk", "group-1")) is None


class Sending:
    """An adapter without ``reply_later``: the worker falls back to ``send``."""

    name = "console"

    def __init__(self) -> None:
        self.sent: list[tuple[ChatAddress, Message]] = []

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        self.sent.append((chat, message))
        return Delivery(sent=[str(len(self.sent))])


def test_an_adapter_without_reply_later_is_sent_the_result_into_the_chat():
    store = Store(MemoryTable())
    store.create_community(community(robot_webhook="robot-key"))
    store.bulk_save_members(roster())
    rt, _ = runtime(store, AT)
    plain = Sending()
    rt.adapters["console"] = plain
    # Without a report id the command answers with its usage, touching no platform.
    asked = InboundEvent(
        "message", "console", "chat-1", Sender("boss", "Boss"), "/confirm-removals"
    )
    queued_command = parse_message(json.dumps(command_message(asked, AT, "x1")))
    assert isinstance(queued_command, QueuedCommand)
    assert run_queued_command(rt, queued_command, AT).status == "sent"
    [(chat, message)] = plain.sent
    assert (chat.chat_id, chat.robot_webhook) == ("chat-1", "robot-key")
    assert message.text.startswith("Usage")


# -- the local runtime (rollcall serve) -------------------------------------------------------


def test_the_local_queue_wakes_the_worker_and_the_tick_posts_the_result():
    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members(roster())
    rt, sent = runtime(store, AT)
    local = LocalQueue()
    rt.queue = local.queue
    set_runtime(rt)
    try:
        asked = InboundEvent("message", "console", "chat-1", Sender("boss", "Boss"), "/remind")
        assert [m.text for m in handle_event(rt, asked, AT)] == [WORKING]
        assert local.arrived.is_set()  # `rollcall serve` runs a tick now, not at the next one
        assert tick(rt, AT, queue=local) == []  # job results only: no job was due
        assert not local.arrived.is_set()
        reminder, confirmation = texts(sent)
        assert "@Amy" in reminder and confirmation == REMINDED
    finally:
        set_runtime(None)


def test_the_local_runtime_retries_a_reply_after_the_visibility_timeout():
    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members(roster())
    sent: list[SentMessage] = []
    down = [True]

    def chat(message: SentMessage) -> None:
        if message.text == REMINDED and down[0]:
            raise DeliveryError("chat unavailable")
        sent.append(message)

    rt = Runtime(settings=Settings(console_secret="s"), store=store, clock=FixedClock(AT))
    rt.console_sink = chat
    local = LocalQueue()
    rt.queue = local.queue
    set_runtime(rt)
    try:
        asked = InboundEvent("message", "console", "chat-1", Sender("boss", "Boss"), "/remind")
        local.queue.send_batch([command_message(asked, AT, "local-1")])
        tick(rt, AT, queue=local)
        [reminder] = texts(sent)
        assert "@Amy" in reminder and len(local.retries) == 1
        down[0] = False
        tick(rt, AT + RETRY_AFTER - timedelta(seconds=1), queue=local)
        assert texts(sent) == [reminder]  # still waiting, as SQS's visibility timeout
        tick(rt, AT + RETRY_AFTER, queue=local)
        assert texts(sent) == [reminder, REMINDED]
        assert local.retries == [] and local.dead == []
    finally:
        set_runtime(None)


# -- the reply's claim (store/deferred.py), on both tables -----------------------------------


def test_a_reply_is_held_by_one_worker_until_done_released_or_its_lease_ends(table):
    lease = timedelta(minutes=5)
    first = deferred.claim_reply(table, "slack", "Ev1", AT, owner="a", lease=lease)
    assert first is not None and "replies" not in first
    assert deferred.claim_reply(table, "slack", "Ev1", AT, owner="b", lease=lease) is None
    assert deferred.keep_replies(table, "slack", "Ev1", "a", '[{"text": "hi"}]')
    assert not deferred.keep_replies(table, "slack", "Ev1", "b", "[]")  # not b's to write
    # A crashed worker's claim is taken over once its lease has run out, with what it kept.
    taken = deferred.claim_reply(table, "slack", "Ev1", AT + lease * 2, owner="b", lease=lease)
    assert taken is not None and taken["replies"] == '[{"text": "hi"}]'
    assert taken["delivered"] == 0 and taken["attempts"] == 2
    assert not deferred.record_delivered(table, "slack", "Ev1", "a", 1)  # a lost it
    # A failed attempt releases at once: the retry needs no lease to run out.
    assert deferred.release_reply(table, "slack", "Ev1", "b")
    again = deferred.claim_reply(table, "slack", "Ev1", AT + lease * 2, owner="c", lease=lease)
    assert again is not None
    assert deferred.record_delivered(table, "slack", "Ev1", "c", 1)
    assert deferred.finish_reply(table, "slack", "Ev1", "c", AT + lease * 2)
    later = AT + timedelta(days=1)
    assert deferred.claim_reply(table, "slack", "Ev1", later, owner="d", lease=lease) is None
    assert not deferred.release_reply(table, "slack", "Ev1", "c")  # done stays done
    record = deferred.get_reply(table, "slack", "Ev1")
    assert (record["status"], record["delivered"]) == ("done", 1)
    assert record["expires_at"] > int(later.timestamp())  # the table's TTL removes it
    # The inbound delivery's own de-duplication item is a separate one.
    assert table.get(record["pk"], "META") is None


class Killed(BaseException):
    """The worker's process is killed: nothing after this runs, nothing is released."""


def test_a_remind_killed_midway_is_finished_by_the_retry_and_confirmed_once(wired, sqs):
    """The run's lease comes from the wall clock: a retry after the visibility timeout
    takes the run over and finishes it (a lease counted from the command's ``requested_at``
    never expired, and the admin was told it "already went out")."""
    from chalicelib.jobs.runner import CHECKPOINT_PARTS
    from chalicelib.worker import handle_records

    client, rt, sent = wired
    rt.store.bulk_save_members(member(f"q{k}", name=f"Q{k}", quiet=True) for k in range(10))
    say(client, "/remind", "boss", "m1")
    [body] = queued(sqs)
    adapter = rt.adapter("console")
    real = adapter.deliver_direct
    count = [0]

    def dying(chat, user_id, part):
        count[0] += 1
        if count[0] == 4:
            raise Killed
        return real(chat, user_id, part)

    adapter.deliver_direct = dying
    with pytest.raises(Killed):
        handle_records(rt, [("msg-0", body)], AT + timedelta(minutes=1))
    adapter.deliver_direct = real
    later = AT + timedelta(minutes=7)  # SQS's visibility timeout: 6 minutes
    rt.clock.set(later)
    assert handle_records(rt, [("msg-0", body)], later) == {"batchItemFailures": []}
    private = Counter(m.user_id for m in sent if m.kind == "direct")
    assert set(private) == {f"q{k}" for k in range(10)}
    assert sum(private.values()) - 10 <= min(3, CHECKPOINT_PARTS)  # the documented window
    assert texts(sent).count(REMINDED) == 1
    run = runs.get_run(rt.store.table, "c1", "daily-reminder", "2026-11-23#manual")
    assert run["status"] == "done"


def test_a_command_another_worker_holds_is_retried_not_dropped(wired, sqs):
    """The same message handed to two workers: the second finds the first's live lease.
    Acknowledging it would lose the command if the first then died; it must be retried."""
    from chalicelib.worker import handle_records

    client, rt, _sent = wired
    say(client, "/remind", "boss", "m1")
    [body] = queued(sqs)
    lease = timedelta(minutes=5)
    assert deferred.claim_reply(rt.store.table, "console", "m1", AT, owner="first", lease=lease)
    held = handle_records(rt, [("msg-0", body)], AT + timedelta(seconds=5))
    assert held == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    # After the first worker's lease (it died), the retry answers the command.
    later = AT + timedelta(minutes=7)
    rt.clock.set(later)
    assert handle_records(rt, [("msg-0", body)], later) == {"batchItemFailures": []}
    assert deferred.get_reply(rt.store.table, "console", "m1")["status"] == "done"
