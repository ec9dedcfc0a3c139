"""DingTalk: the robot's signed callback in, session webhook and custom robot out.

The callback body follows DingTalk's documented robot message (conversationId, atUsers,
senderStaffId, sessionWebhook...); signatures are computed here, independently.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from chalice.test import Client

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.inbound import handle_webhook
from chalicelib.platforms.base import (
    BadPayload,
    ChatAddress,
    DeliveryError,
    DirectRefused,
    HttpRequest,
    Mention,
    Message,
    Unauthorized,
)
from chalicelib.platforms.dingtalk import DingTalkAdapter, DingTalkPart
from chalicelib.platforms.http import HttpSender
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community
from tests.platforms.support import quiet_sender

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
APP_SECRET = "FYHpYSV0ZFLeZqnT2LVgnUWCGG_XxTYW4VJDw7g6N1iWiphZ7ZVAuAzjUU3zKJTG"
CHAT = "cid6KeBBLoveMJOGXoYKF5x7EeiodoA=="
SESSION = "https://oapi.dingtalk.com/robot/sendBySession?session=c5b9a7a4e7e7b81c4c3d2d"
ROBOT = "https://oapi.dingtalk.com/robot/send?access_token=7e1d0e4b9a"
BASE = "https://dingtalk.test"

CALLBACK = {
    "conversationId": CHAT,
    "atUsers": [{"dingtalkId": "$:LWCP_v1:$bot", "staffId": ""}],
    "chatbotCorpId": "dinge8a565a1c4b8f",
    "chatbotUserId": "$:LWCP_v1:$bot",
    "msgId": "msgh2G0jN1MydnbkhPRDo6YRA==",
    "senderNick": "张三",
    "isAdmin": False,
    "senderStaffId": "manager4220",
    "sessionWebhookExpiredTime": NOW_MS + 90 * 60 * 1000,
    "createAt": NOW_MS,
    "senderCorpId": "dinge8a565a1c4b8f",
    "conversationType": "2",
    "senderId": "$:LWCP_v1:$h0i1Kk4+cXVR+Ho0DS2O0g==",
    "conversationTitle": "读书打卡群",
    "isInAtList": True,
    "sessionWebhook": SESSION,
    "text": {"content": " 帮助"},
    "robotCode": "dingxxxxxxxxxxxx",
    "msgtype": "text",
}


def dingtalk_sign(secret: str, timestamp: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def signed(at: datetime = NOW, secret: str = APP_SECRET) -> dict[str, str]:
    timestamp = str(int(at.timestamp() * 1000))
    return {
        "timestamp": timestamp,
        "sign": dingtalk_sign(secret, timestamp),
        "content-type": "application/json",
    }


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def request(body: bytes, headers: dict[str, str] | None = None) -> HttpRequest:
    return HttpRequest("POST", headers or {}, {}, body)


def adapter(**overrides) -> DingTalkAdapter:
    fields = {
        "app_secret": APP_SECRET,
        "api_base": BASE,
        "clock": lambda: NOW,
        "wall_clock": lambda: NOW.timestamp(),
        "sender": quiet_sender(),
        "reply_sender": quiet_sender(attempts=1),
    }
    fields.update(overrides)
    return DingTalkAdapter(**fields)


# -- inbound ---------------------------------------------------------------------------


def test_a_signed_callback_becomes_a_message_from_the_staff_member():
    dingtalk = adapter()
    dingtalk.verify(request(body_of(CALLBACK), signed()), NOW)
    (event,) = dingtalk.parse(request(body_of(CALLBACK))).events
    assert (event.chat_id, event.sender.user_id, event.sender.name) == (
        CHAT,
        "manager4220",
        "张三",
    )
    assert event.text == "帮助" and event.event_id == "msgh2G0jN1MydnbkhPRDo6YRA=="
    assert event.reply_context["session_webhook"] == SESSION


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({**signed(), "sign": dingtalk_sign(APP_SECRET, "1")}, id="forged"),
        pytest.param(signed(secret="another-secret"), id="wrong-secret"),
        pytest.param(signed(NOW - timedelta(minutes=61)), id="stale"),
        pytest.param(signed(NOW + timedelta(minutes=61)), id="future"),
        pytest.param({**signed(), "timestamp": "soon"}, id="bad-timestamp"),
        pytest.param({"timestamp": signed()["timestamp"]}, id="missing-sign"),
        pytest.param({}, id="missing"),
    ],
)
def test_forged_stale_and_missing_signatures_are_refused(headers):
    with pytest.raises(Unauthorized):
        adapter().verify(request(body_of(CALLBACK), headers), NOW)


def test_inbound_is_refused_without_an_app_secret():
    with pytest.raises(Unauthorized):
        adapter(app_secret="").verify(request(body_of(CALLBACK), signed()), NOW)


def test_sender_id_stands_in_when_there_is_no_staff_id():
    external = {k: v for k, v in CALLBACK.items() if k != "senderStaffId"}
    (event,) = adapter().parse(request(body_of(external))).events
    assert event.sender.user_id == CALLBACK["senderId"]


def test_a_session_webhook_off_dingtalks_hosts_is_never_trusted():
    """The sign does not cover the body: a replayed sign must not steer our replies."""
    for url in ("https://evil.example/robot/sendBySession?x", "http://oapi.dingtalk.com/x"):
        (event,) = adapter().parse(request(body_of({**CALLBACK, "sessionWebhook": url}))).events
        assert event.reply_context == {}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{nope", "not JSON"),
        (b"[1]", "JSON object"),
        (body_of({k: v for k, v in CALLBACK.items() if k != "conversationId"}), "conversation"),
        (
            body_of({k: v for k, v in CALLBACK.items() if k not in ("senderStaffId", "senderId")}),
            "sender",
        ),
        (body_of({**CALLBACK, "text": {"content": 42}}), "text.content"),
    ],
)
def test_malformed_bodies_are_bad_payloads_with_a_reason(payload, reason):
    with pytest.raises(BadPayload, match=reason):
        adapter().parse(request(payload))


# -- replies ---------------------------------------------------------------------------


def test_replies_go_through_the_live_session_webhook_with_mentions_in_text():
    dingtalk = adapter()
    (event,) = dingtalk.parse(request(body_of(CALLBACK))).events
    replies = [Message("欢迎", (Mention("manager4220", "张三"),)), Message("帮助内容")]
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
        answer = dingtalk.respond(event, replies)
        (call,) = rsps.calls  # both replies packed into one message
    assert (answer.status, answer.body) == (200, {})
    payload = json.loads(call.request.body)
    assert payload["msgtype"] == "text"
    assert payload["text"]["content"] == "欢迎 @manager4220\n\n帮助内容"
    assert payload["at"]["atUserIds"] == ["manager4220"]
    assert "sign" not in call.request.url  # the session URL is its own credential


def test_an_expired_session_falls_back_to_the_communitys_signed_robot():
    robot = ChatAddress("dingtalk", CHAT, ROBOT, "SECrobot")
    dingtalk = adapter(find_chat=lambda chat_id: robot if chat_id == CHAT else None)
    expired = {**CALLBACK, "sessionWebhookExpiredTime": NOW_MS - 1}
    (event,) = dingtalk.parse(request(body_of(expired))).events
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ROBOT.split("?")[0], json={"errcode": 0, "errmsg": "ok"})
        dingtalk.respond(event, [Message("hi")])
        query = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert query["access_token"] == ["7e1d0e4b9a"] and "sign" in query


def test_with_no_session_and_no_robot_the_reply_is_dropped_quietly():
    dingtalk = adapter(find_chat=lambda _: None)
    (event,) = dingtalk.parse(request(body_of({**CALLBACK, "sessionWebhook": None}))).events
    with responses.RequestsMock():
        assert dingtalk.respond(event, [Message("hi")]).status == 200


# -- reply_later (a deferred command's result, posted by the queue worker) -------------

ADMIN_CHAT = "cidAdminsOnlyChat0000000000=="


def later(
    dingtalk: DingTalkAdapter,
    payload: dict,
    *,
    after: timedelta,
    community_chat: ChatAddress | None = None,
) -> list[str]:
    (event,) = dingtalk.parse(request(body_of(payload))).events
    return dingtalk.reply_later(
        event,
        Message("📣 已发出提醒", (Mention("manager4220", "张三"),)),
        community_chat=community_chat,
        asked_at=NOW,
        now=NOW + after,
    )


def test_a_later_answer_goes_through_the_session_webhook_while_it_lives():
    group = ChatAddress("dingtalk", CHAT, ROBOT, "SECrobot")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
        [message_id] = later(adapter(), CALLBACK, after=timedelta(minutes=80), community_chat=group)
        payload = json.loads(rsps.calls[0].request.body)
    assert message_id.startswith("dingtalk-robot-")
    assert payload["text"]["content"] == "📣 已发出提醒 @manager4220"
    assert payload["at"]["atUserIds"] == ["manager4220"]


def test_a_session_with_less_than_a_minute_left_gives_way_to_the_groups_robot():
    group = ChatAddress("dingtalk", CHAT, ROBOT, "SECrobot")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ROBOT.split("?")[0], json={"errcode": 0, "errmsg": "ok"})
        later(adapter(), CALLBACK, after=timedelta(minutes=89, seconds=1), community_chat=group)
        query = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert query["access_token"] == ["7e1d0e4b9a"] and "sign" in query


def test_an_admin_chat_whose_session_expired_is_never_answered_through_the_groups_robot():
    """The worker passes no community_chat for a chat that is not the group: the group's
    robot would post the admins' answer into the group."""
    asked = {**CALLBACK, "conversationId": ADMIN_CHAT}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
        later(adapter(), asked, after=timedelta(minutes=1))
        assert len(rsps.calls) == 1
    with responses.RequestsMock(), pytest.raises(DeliveryError, match="sessionWebhook"):
        later(adapter(), asked, after=timedelta(minutes=90))


def test_a_queued_session_webhook_off_dingtalks_hosts_is_not_posted_to():
    dingtalk = adapter()
    (event,) = dingtalk.parse(request(body_of(CALLBACK))).events
    evil = "https://evil.test/robot/sendBySession?session=x"
    forged = replace(event, reply_context={**event.reply_context, "session_webhook": evil})
    with responses.RequestsMock() as rsps, pytest.raises(DeliveryError, match="sessionWebhook"):
        dingtalk.reply_later(forged, Message("hi"), community_chat=None, asked_at=NOW, now=NOW)
    assert len(rsps.calls) == 0


def test_a_later_answer_dingtalk_refuses_is_a_delivery_error():
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, SESSION, json={"errcode": 300001, "errmsg": "session 不存在"})
        with pytest.raises(DeliveryError, match="300001"):
            later(adapter(), CALLBACK, after=timedelta(0))


# -- outbound ---------------------------------------------------------------------------


def test_a_300_mention_reminder_splits_with_each_part_carrying_its_own_mentions():
    ids = [f"staff{n:04d}" for n in range(300)]
    message = Message("今天还没打卡：", tuple(Mention(i, f"成员{i}") for i in ids), "加油！")
    parts = adapter().render(message)
    assert len(parts) > 1 and all(len(p.text) <= 2000 for p in parts)
    assert [i for p in parts for i in p.at_user_ids] == ids
    for part in parts:
        words = part.text.split()
        assert all(f"@{i}" in words for i in part.at_user_ids)
        assert sum(w.startswith("@staff") for w in words) == len(part.at_user_ids)
    assert parts[0].text.startswith("今天还没打卡") and parts[-1].text.endswith("加油！")


def test_robot_sends_are_signed_in_url_parameters():
    dingtalk = adapter()
    part = DingTalkPart("提醒 @staff1", ("staff1",))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ROBOT.split("?")[0], json={"errcode": 0, "errmsg": "ok"})
        dingtalk.deliver(ChatAddress("dingtalk", CHAT, ROBOT, "SEC123"), part)
        sent = rsps.calls[0].request
    timestamp = str(int(NOW.timestamp() * 1000))
    query = parse_qs(urlsplit(sent.url).query)
    assert query["timestamp"] == [timestamp]
    assert query["sign"] == [dingtalk_sign("SEC123", timestamp)]
    raw_sign = sent.url.split("sign=")[1].split("&")[0]
    assert all(c not in raw_sign for c in "+/=")  # URL-encoded, as DingTalk asks
    assert json.loads(sent.body) == {
        "msgtype": "text",
        "text": {"content": "提醒 @staff1"},
        "at": {"atUserIds": ["staff1"], "isAtAll": False},
    }


def test_a_robot_given_as_its_access_token_uses_the_api_base():
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{BASE}/robot/send", json={"errcode": 0})
        adapter().deliver(ChatAddress("dingtalk", CHAT, "7e1d0e4b9a"), DingTalkPart("hi"))
        assert "access_token=7e1d0e4b9a" in rsps.calls[0].request.url


def test_errcodes_fail_and_throttling_gives_up_at_once():
    """A throttled robot stays throttled ten minutes: no point holding a Lambda idle."""
    sleeps: list[float] = []
    dingtalk = adapter(sender=quiet_sender(sleeps))
    chat = ChatAddress("dingtalk", CHAT, ROBOT)
    with responses.RequestsMock() as rsps:
        too_fast = {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        rsps.add(responses.POST, ROBOT.split("?")[0], json=too_fast)
        with pytest.raises(DeliveryError, match="130101"):
            dingtalk.deliver(chat, DingTalkPart("hi"))
        rsps.replace(responses.POST, ROBOT.split("?")[0], json={"errcode": 310000, "errmsg": "x"})
        with pytest.raises(DeliveryError, match="310000"):
            dingtalk.deliver(chat, DingTalkPart("hi"))
        assert len(rsps.calls) == 2 and sleeps == []


def test_parts_are_paced_three_seconds_apart_per_robot():
    sleeps: list[float] = []
    sender = HttpSender(min_interval=3.0, sleep=sleeps.append, monotonic=lambda: 0.0)
    dingtalk = adapter(sender=sender)
    message = Message("提醒", tuple(Mention(f"staff{n:04d}", "x") for n in range(300)))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ROBOT.split("?")[0], json={"errcode": 0})
        delivery = dingtalk.send(ChatAddress("dingtalk", CHAT, ROBOT), message)
    assert delivery.ok and sleeps == [3.0] * (len(delivery.sent) - 1)


def test_without_a_robot_the_error_tells_the_operator_to_set_one():
    with pytest.raises(DeliveryError, match="--robot-webhook"):
        adapter().deliver(ChatAddress("dingtalk", CHAT), DingTalkPart("hi"))


# -- through handle_webhook and the Chalice route ---------------------------------------


def test_a_redelivered_message_is_answered_once():
    dingtalk = adapter()
    store = Store(MemoryTable())
    store.create_community(community(platform="dingtalk", chat_id=CHAT))
    rt = Runtime(settings=Settings(), store=store, clock=FixedClock(NOW))
    rt.adapters["dingtalk"] = dingtalk
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
        for _ in range(2):
            answer = handle_webhook(rt, "dingtalk", request(body_of(CALLBACK), signed()), NOW)
            assert answer.status == 200
        assert len(rsps.calls) == 1
    assert handle_webhook(rt, "dingtalk", request(b"{", signed()), NOW).status == 400


def test_importing_the_adapter_loads_no_crypto_and_no_http_client():
    code = (
        "import sys, chalicelib.platforms.dingtalk; "
        "assert 'Crypto' not in sys.modules and 'requests' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.getcwd())


def test_help_through_the_chalice_route_is_answered_in_the_session(dynamo_table):
    settings = Settings(
        secrets={"ROLLCALL_DINGTALK_APP_SECRET": APP_SECRET}, api_bases={"dingtalk": BASE}
    )
    store = Store(dynamo_table)
    store.create_community(community(platform="dingtalk", chat_id=CHAT, locale="zh-CN"))
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    try:
        with Client(app.app) as client, responses.RequestsMock() as rsps:
            rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
            response = client.http.post(
                "/webhooks/dingtalk", headers=signed(), body=body_of(CALLBACK)
            )
            forged = client.http.post(
                "/webhooks/dingtalk", headers=signed(secret="x"), body=body_of(CALLBACK)
            )
            sent = json.loads(rsps.calls[0].request.body)
    finally:
        set_runtime(None)
    assert response.status_code == 200 and json.loads(response.body) == {}
    assert forged.status_code == 401
    assert "打卡" in sent["text"]["content"]
    member = store.get_member("c1", "manager4220")
    assert member is not None and member.name == "张三"


def test_one_to_one_conversations_parse_too():
    single = copy.deepcopy(CALLBACK)
    single.update(conversationType="1", conversationId="cidSingle==")
    (event,) = adapter().parse(request(body_of(single))).events
    assert event.chat_id == "cidSingle=="


# -- direct messages (the enterprise internal app's robot) ------------------------------

OPENAPI = "https://dingtalk-openapi.test"
APP_KEY = "dingxxxxxxxxxxxx"
TOKEN_URL = f"{OPENAPI}/v1.0/oauth2/accessToken"
BATCH_SEND = f"{OPENAPI}/v1.0/robot/oToMessages/batchSend"
STAFF = "manager4220"


def app_adapter(**overrides) -> DingTalkAdapter:
    fields = {"app_key": APP_KEY, "openapi_base": OPENAPI, "openapi_sender": quiet_sender()}
    fields.update(overrides)
    return adapter(**fields)


ACCESS_TOKEN = "6d1bxxxx"


def token_answer(rsps, token: str = ACCESS_TOKEN, expire_in: int = 7200) -> None:
    rsps.add(responses.POST, TOKEN_URL, json={"accessToken": token, "expireIn": expire_in})


def batch_answer(rsps, **body) -> None:
    rsps.add(responses.POST, BATCH_SEND, json=body or {"processQueryKey": "QJ3ym8k0z+NcAy="})


def urls(rsps) -> list[str]:
    return [c.request.url.removeprefix(OPENAPI) for c in rsps.calls]


def test_direct_messages_need_the_app_key_and_there_is_no_removal():
    assert adapter().direct_messages is False  # inbound and robots need no app key
    assert app_adapter().direct_messages is True
    assert app_adapter(app_secret="").direct_messages is False
    with responses.RequestsMock() as rsps:
        with pytest.raises(DeliveryError, match="ROLLCALL_DINGTALK_APP_KEY"):
            adapter().deliver_direct(ChatAddress("dingtalk", CHAT, ROBOT), STAFF, "hi")
        assert len(rsps.calls) == 0
    # DingTalk has no robot API that removes a member: jobs find no method at all.
    assert not hasattr(app_adapter(), "remove_member")


def test_a_direct_message_is_a_sample_text_batch_send_to_one_staff_member():
    ding = app_adapter()
    mention = Mention(STAFF, "张三")
    (part,) = ding.render(Message("你已连续 3 天没有打卡", (mention,)))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        batch_answer(rsps)
        key = ding.deliver_direct(ChatAddress("dingtalk", CHAT, ROBOT), STAFF, part)
        token_call, send = (c.request for c in rsps.calls)
    assert key == "QJ3ym8k0z+NcAy="
    assert json.loads(token_call.body) == {"appKey": APP_KEY, "appSecret": APP_SECRET}
    assert send.headers["x-acs-dingtalk-access-token"] == ACCESS_TOKEN
    payload = json.loads(send.body)
    assert payload == {
        "robotCode": APP_KEY,  # an internal app's robot code is its app key
        "userIds": [STAFF],
        "msgKey": "sampleText",
        "msgParam": json.dumps({"content": part.text}, ensure_ascii=False),
    }
    assert json.loads(payload["msgParam"]) == {"content": f"你已连续 3 天没有打卡 @{STAFF}"}


def test_the_robot_code_can_differ_from_the_app_key():
    ding = app_adapter(robot_code="dingrobot0001")
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        batch_answer(rsps)
        ding.deliver_direct(ChatAddress("dingtalk", CHAT), STAFF, "hi")
        assert json.loads(rsps.calls[1].request.body)["robotCode"] == "dingrobot0001"


def test_the_access_token_is_cached_until_shortly_before_it_expires():
    clock = [1000.0]
    ding = app_adapter(monotonic=lambda: clock[0])
    chat = ChatAddress("dingtalk", CHAT)
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        batch_answer(rsps)
        ding.deliver_direct(chat, STAFF, "a")
        ding.deliver_direct(chat, STAFF, "b")
        clock[0] += 7200 - 301  # still more than five minutes left
        ding.deliver_direct(chat, STAFF, "c")
        clock[0] += 2
        ding.deliver_direct(chat, STAFF, "d")
        assert urls(rsps).count("/v1.0/oauth2/accessToken") == 2
        assert urls(rsps).count("/v1.0/robot/oToMessages/batchSend") == 4


def test_a_rejected_token_is_replaced_once_and_the_send_retried():
    ding = app_adapter()
    with responses.RequestsMock() as rsps:
        token_answer(rsps, token="old")
        rejected = {"code": "InvalidAuthentication", "message": "不合法的access_token"}
        rsps.add(responses.POST, BATCH_SEND, status=401, json=rejected)
        rsps.add(responses.POST, TOKEN_URL, json={"accessToken": "new", "expireIn": 7200})
        batch_answer(rsps)
        assert ding.deliver_direct(ChatAddress("dingtalk", CHAT), STAFF, "hi")
        assert urls(rsps) == [
            "/v1.0/oauth2/accessToken",
            "/v1.0/robot/oToMessages/batchSend",
            "/v1.0/oauth2/accessToken",
            "/v1.0/robot/oToMessages/batchSend",
        ]
        assert rsps.calls[3].request.headers["x-acs-dingtalk-access-token"] == "new"


@pytest.mark.parametrize(
    ("listed", "why"),
    [
        ("invalidStaffIdList", "not a member of the organisation"),
        ("flowControlledStaffIdList", "limiting messages"),
    ],
)
def test_a_member_dingtalk_did_not_deliver_to_is_a_failure_without_retries(listed, why):
    sleeps: list[float] = []
    ding = app_adapter(openapi_sender=quiet_sender(sleeps))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        batch_answer(rsps, processQueryKey="abc", **{listed: [STAFF]})
        with pytest.raises(DeliveryError, match=why) as raised:
            ding.deliver_direct(ChatAddress("dingtalk", CHAT), STAFF, "hi")
        assert urls(rsps).count("/v1.0/robot/oToMessages/batchSend") == 1
    assert sleeps == [] and STAFF in str(raised.value)


def test_a_refused_batch_send_fails_at_once_and_a_throttle_is_retried():
    sleeps: list[float] = []
    ding = app_adapter(openapi_sender=quiet_sender(sleeps))
    chat = ChatAddress("dingtalk", CHAT)
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        refused = {"code": "staffId.notExisted", "message": "员工不存在", "requestid": "4E2C"}
        rsps.add(responses.POST, BATCH_SEND, status=400, json=refused)
        with pytest.raises(DirectRefused, match=r"staffId\.notExisted"):
            ding.deliver_direct(chat, STAFF, "hi")
        assert sleeps == []
        throttled = {"code": "Throttling.Api", "message": "The request has exceeded the limit"}
        rsps.replace(responses.POST, BATCH_SEND, status=429, json=throttled)
        batch_answer(rsps)
        assert ding.deliver_direct(chat, STAFF, "hi") == "QJ3ym8k0z+NcAy="
        assert len(sleeps) == 1
        assert urls(rsps).count("/v1.0/robot/oToMessages/batchSend") == 3


def test_a_bad_app_secret_fails_the_token_request_without_retries():
    ding = app_adapter()
    with responses.RequestsMock() as rsps:
        bad = {"code": "invalidClientSecret", "message": "无效的clientSecret"}
        rsps.add(responses.POST, TOKEN_URL, status=400, json=bad)
        with pytest.raises(DeliveryError, match="invalidClientSecret"):
            ding.deliver_direct(ChatAddress("dingtalk", CHAT), STAFF, "hi")
        assert urls(rsps) == ["/v1.0/oauth2/accessToken"]


def test_settings_name_the_app_key_robot_code_and_the_open_api_base():
    from types import SimpleNamespace

    from chalicelib.platforms.dingtalk import build

    settings = Settings.from_env(
        {
            "ROLLCALL_DINGTALK_APP_KEY": APP_KEY,
            "ROLLCALL_DINGTALK_APP_SECRET": APP_SECRET,
            "ROLLCALL_DINGTALK_ROBOT_CODE": "dingrobot0001",
            "ROLLCALL_DINGTALK_OPENAPI_BASE": OPENAPI,
        }
    )
    runtime = SimpleNamespace(store=None, clock=FixedClock(NOW))
    ding = build(settings, runtime)
    assert ding.direct_messages is True
    assert APP_SECRET not in repr(ding) and APP_KEY not in repr(ding)
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        batch_answer(rsps)
        ding.deliver_direct(ChatAddress("dingtalk", CHAT), STAFF, "hi")
        assert json.loads(rsps.calls[1].request.body)["robotCode"] == "dingrobot0001"
    default = build(Settings.from_env({"ROLLCALL_DINGTALK_APP_SECRET": "s"}), runtime)
    assert default.direct_messages is False


# -- a signature pair is bound to its first body ------------------------------------------


def _replay_route(dynamo_table):
    """The real app on moto with DingTalk configured; the caller is an admin."""
    from chalicelib.domain.models import Role
    from tests.helpers import member

    settings = Settings(
        secrets={"ROLLCALL_DINGTALK_APP_SECRET": APP_SECRET}, api_bases={"dingtalk": BASE}
    )
    store = Store(dynamo_table)
    store.create_community(community(platform="dingtalk", chat_id=CHAT))
    store.save_member(member("manager4220", role=Role.ADMIN))
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    return store


def test_a_captured_signature_cannot_carry_another_body(dynamo_table):
    """DingTalk's sign covers the timestamp only: headers seen once would otherwise let any
    body act as anyone for an hour. The same body again is a redelivery (answered once);
    another body with those headers is refused and changes nothing."""
    store = _replay_route(dynamo_table)
    # Not an admin command (those wait for a code sent privately: test_dingtalk_confirm.py).
    honest = body_of({**CALLBACK, "text": {"content": "/leave 2"}})
    forged = body_of({**CALLBACK, "msgId": "forged-1", "text": {"content": "/leave 14"}})
    headers = signed()
    try:
        with Client(app.app) as client, responses.RequestsMock() as rsps:
            rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
            first = client.http.post("/webhooks/dingtalk", headers=headers, body=honest)
            again = client.http.post("/webhooks/dingtalk", headers=headers, body=honest)
            replayed = client.http.post("/webhooks/dingtalk", headers=headers, body=forged)
            replies = len(rsps.calls)
    finally:
        set_runtime(None)
    assert (first.status_code, again.status_code) == (200, 200)
    assert replies == 1  # the redelivery is de-duplicated, not answered twice
    assert replayed.status_code == 401
    on_leave = store.get_member("c1", "manager4220")
    assert on_leave is not None and on_leave.leave_until is not None
    assert (on_leave.leave_until - on_leave.leave_from).days == 1  # two days, not fourteen


def test_a_refused_replay_writes_nothing(dynamo_table):
    """The refusal is the conditional write failing: no member noted, no event claimed."""
    store = _replay_route(dynamo_table)
    headers = signed(NOW - timedelta(minutes=30))
    honest = body_of({**CALLBACK, "senderStaffId": "u-honest", "msgId": "m-honest"})
    forged = body_of({**CALLBACK, "senderStaffId": "u-forged", "msgId": "m-forged"})
    try:
        with Client(app.app) as client, responses.RequestsMock() as rsps:
            rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
            assert (
                client.http.post("/webhooks/dingtalk", headers=headers, body=honest).status_code
                == 200
            )
            before = dynamo_table.client.scan(TableName=dynamo_table.name)["Items"]
            refused = client.http.post("/webhooks/dingtalk", headers=headers, body=forged)
            after = dynamo_table.client.scan(TableName=dynamo_table.name)["Items"]
    finally:
        set_runtime(None)
    assert refused.status_code == 401
    assert after == before
    assert store.get_member("c1", "u-forged") is None
    bound = [i for i in after if i["pk"]["S"].startswith("SIG#dingtalk#")]
    assert len(bound) == 1
    # Kept until the pair's hour is over (plus a margin), then the table's TTL drops it.
    expires = int(bound[0]["expires_at"]["N"])
    stamp = int(headers["timestamp"]) // 1000
    assert stamp + 3600 < expires <= stamp + 3600 + 3600
