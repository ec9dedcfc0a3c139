"""Feishu / Lark: signed and encrypted events in, app and custom-bot messages out.

Payloads follow the shapes in Feishu's event docs (im.message.receive_v1, member added,
url_verification); signatures and AES are computed here, independently of the adapter.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from chalice.test import Client
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad

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
from chalicelib.platforms.feishu import FeishuAdapter, decrypt_bytes
from chalicelib.platforms.http import HttpSender
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community
from tests.platforms.support import quiet_sender, recorded

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BASE = "https://feishu.test/open-apis"
TOKEN = "rvaYgkND1GOiu5MM0E1rncYC6PLtF7JV"
ENCRYPT_KEY = "kudryavtsev-test-encrypt-key"
CHAT = "oc_5ce6d572455d361153b7xx51da133945"
USER = "ou_84aad35d084aa403a838cf73ee18467"
ROBOT = "https://open.feishu.cn/open-apis/bot/v2/hook/robot-token"

MESSAGE_EVENT = {
    "schema": "2.0",
    "header": {
        "event_id": "5e3702a84e847582be8db7fb73283c02",
        "event_type": "im.message.receive_v1",
        "create_time": "1608725989000",
        "token": TOKEN,
        "app_id": "cli_9f5343c580712544",
        "tenant_key": "2ca1d211f64f6438",
    },
    "event": {
        "sender": {
            "sender_id": {
                "union_id": "on_8ed6aa67826108097d9ee143816345",
                "user_id": "e33ggbyz",
                "open_id": USER,
            },
            "sender_type": "user",
            "tenant_key": "736588c9260f175e",
        },
        "message": {
            "message_id": "om_5ce6d572455d361153b7cb51da133945",
            "root_id": "",
            "parent_id": "",
            "create_time": "1609073151345",
            "chat_id": CHAT,
            "chat_type": "group",
            "message_type": "text",
            "content": json.dumps({"text": "@_user_1 帮助"}, ensure_ascii=False),
            "mentions": [
                {
                    "key": "@_user_1",
                    "id": {"union_id": "on_bot", "user_id": "", "open_id": "ou_bot"},
                    "name": "rollcall",
                    "tenant_key": "736588c9260f175e",
                }
            ],
        },
    },
}

MEMBERS_ADDED = {
    "schema": "2.0",
    "header": {
        "event_id": "f7984f25108f8137722bb63cee927e66",
        "event_type": "im.chat.member.user.added_v1",
        "create_time": "1608725989000",
        "token": TOKEN,
        "app_id": "cli_9f5343c580712544",
        "tenant_key": "2ca1d211f64f6438",
    },
    "event": {
        "chat_id": CHAT,
        "operator_id": {"union_id": "on_op", "user_id": "op", "open_id": "ou_op"},
        "external": False,
        "operator_tenant_key": "86gdfg34t",
        "users": [
            {
                "name": "小明",
                "tenant_key": "d4ad4gb3",
                "user_id": {"union_id": "on_1", "user_id": "u1", "open_id": "ou_new1"},
            },
            {
                "name": "小红",
                "tenant_key": "d4ad4gb3",
                "user_id": {"union_id": "on_2", "user_id": "u2", "open_id": "ou_new2"},
            },
        ],
    },
}


def encrypt(body: dict, key: str = ENCRYPT_KEY) -> bytes:
    """Feishu's encryption, as its docs describe it: base64(iv ‖ AES-256-CBC(PKCS#7))."""
    iv = os.urandom(16)
    data = json.dumps(body, ensure_ascii=False).encode()
    cipher = AES.new(hashlib.sha256(key.encode()).digest(), AES.MODE_CBC, iv)
    encrypted = base64.b64encode(iv + cipher.encrypt(pad(data, 16))).decode()
    return json.dumps({"encrypt": encrypted}).encode()


def signed(body: bytes, at: datetime = NOW, key: str = ENCRYPT_KEY) -> dict[str, str]:
    timestamp, nonce = str(int(at.timestamp())), "13341234"
    digest = hashlib.sha256((timestamp + nonce + key).encode() + body).hexdigest()
    return {
        "x-lark-request-timestamp": timestamp,
        "x-lark-request-nonce": nonce,
        "x-lark-signature": digest,
        "content-type": "application/json",
    }


def request(body: bytes, headers: dict[str, str] | None = None) -> HttpRequest:
    return HttpRequest("POST", headers or {}, {}, body)


def adapter(**overrides) -> FeishuAdapter:
    fields = {
        "verification_token": TOKEN,
        "encrypt_key": ENCRYPT_KEY,
        "api_base": BASE,
        "sender": quiet_sender(),
        "reply_sender": quiet_sender(attempts=1),
        "wall_clock": lambda: NOW.timestamp(),
    }
    fields.update(overrides)
    return FeishuAdapter(**fields)


# -- inbound: verification -------------------------------------------------------------


def test_decryption_matches_the_vector_in_feishus_docs():
    """Feishu's sample: "test key" decrypts this ciphertext to "hello world"."""
    assert decrypt_bytes("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=") == (
        b"hello world"
    )


def test_signed_encrypted_message_is_verified_decrypted_and_parsed():
    feishu = adapter()
    body = encrypt(MESSAGE_EVENT)
    feishu.verify(request(body, signed(body)), NOW)
    (event,) = feishu.parse(request(body, signed(body))).events
    assert (event.kind, event.chat_id, event.sender.user_id) == ("message", CHAT, USER)
    assert event.text == "帮助"  # the leading @bot placeholder is gone
    assert event.event_id == "5e3702a84e847582be8db7fb73283c02"
    # What a later answer replies to.
    assert event.reply_context == {"message_id": "om_5ce6d572455d361153b7cb51da133945"}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda b: {**signed(b), "x-lark-signature": "0" * 64}, id="forged"),
        pytest.param(lambda b: signed(b, NOW - timedelta(minutes=61)), id="stale"),
        pytest.param(lambda b: signed(b, NOW + timedelta(minutes=61)), id="future"),
        pytest.param(lambda b: signed(b, key="another-key"), id="wrong-key"),
        pytest.param(lambda b: {**signed(b), "x-lark-request-timestamp": "soon"}, id="bad-ts"),
        pytest.param(
            lambda b: {k: v for k, v in signed(b).items() if k != "x-lark-request-nonce"},
            id="no-nonce",
        ),
        pytest.param(lambda b: {}, id="missing"),
    ],
)
def test_forged_stale_and_missing_signatures_are_refused(headers):
    feishu = adapter()
    body = encrypt(MESSAGE_EVENT)
    with pytest.raises(Unauthorized):
        feishu.verify(request(body, headers(body)), NOW)


def test_signature_covers_the_raw_body():
    feishu = adapter()
    body = encrypt(MESSAGE_EVENT)
    with pytest.raises(Unauthorized):
        feishu.verify(request(encrypt(MESSAGE_EVENT), signed(body)), NOW)


def test_signature_is_accepted_up_to_an_hour_old():
    feishu = adapter()
    body = encrypt(MESSAGE_EVENT)
    feishu.verify(request(body, signed(body, NOW - timedelta(minutes=59))), NOW)


def test_encrypted_url_verification_comes_unsigned_and_is_answered():
    """Feishu does not sign the URL check: the token inside the ciphertext vouches for it."""
    feishu = adapter()
    body = encrypt({"challenge": "ajls384kdjx98XX", "token": TOKEN, "type": "url_verification"})
    feishu.verify(request(body), NOW)
    handshake = feishu.parse(request(body)).handshake
    assert handshake is not None and handshake.body == {"challenge": "ajls384kdjx98XX"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            encrypt({"challenge": "c", "token": "wrong", "type": "url_verification"}),
            id="wrong-token",
        ),
        pytest.param(
            encrypt({"challenge": "c", "token": TOKEN, "type": "url_verification"}, key="other"),
            id="other-key",
        ),
        pytest.param(encrypt(MESSAGE_EVENT), id="event-without-signature"),
        pytest.param(b'{"challenge": "c", "token": "x", "type": "url_verification"}', id="plain"),
        pytest.param(b"not json", id="not-json"),
    ],
)
def test_unsigned_requests_other_than_our_url_verification_are_refused(body):
    with pytest.raises(Unauthorized):
        adapter().verify(request(body), NOW)


def test_without_an_encrypt_key_the_verification_token_is_checked():
    feishu = adapter(encrypt_key="")
    check = {"challenge": "ajls384kdjx98XX", "token": TOKEN, "type": "url_verification"}
    body = json.dumps(check).encode()
    feishu.verify(request(body), NOW)
    assert feishu.parse(request(body)).handshake.body == {"challenge": "ajls384kdjx98XX"}
    event = json.dumps(MESSAGE_EVENT, ensure_ascii=False).encode()
    feishu.verify(request(event), NOW)  # v2: header.token
    for forged in ({**check, "token": "nope"}, {k: v for k, v in check.items() if k != "token"}):
        with pytest.raises(Unauthorized):
            feishu.verify(request(json.dumps(forged).encode()), NOW)


def test_inbound_is_refused_until_a_token_or_key_is_configured():
    body = json.dumps({"challenge": "c", "token": "", "type": "url_verification"}).encode()
    with pytest.raises(Unauthorized):
        adapter(verification_token="", encrypt_key="").verify(request(body), NOW)


# -- inbound: parsing ------------------------------------------------------------------


def test_later_mentions_become_names_and_only_the_leading_bot_mention_is_removed():
    event = copy.deepcopy(MESSAGE_EVENT)
    message = event["event"]["message"]
    message["content"] = json.dumps({"text": "@_user_1 点评 @_user_2 写得好"}, ensure_ascii=False)
    message["mentions"].append({"key": "@_user_2", "id": {"open_id": "ou_2"}, "name": "小明"})
    body = json.dumps(event, ensure_ascii=False).encode()
    (parsed,) = adapter(encrypt_key="").parse(request(body)).events
    assert parsed.text == "点评 @小明 写得好"


def test_members_added_become_one_event_each_with_their_own_delivery_id():
    body = encrypt(MEMBERS_ADDED)
    events = adapter().parse(request(body, signed(body))).events
    assert [(e.kind, e.sender.user_id, e.sender.name) for e in events] == [
        ("member_joined", "ou_new1", "小明"),
        ("member_joined", "ou_new2", "小红"),
    ]
    assert len({e.event_id for e in events}) == 2


def test_members_deleted_are_members_leaving():
    event = copy.deepcopy(MEMBERS_ADDED)
    event["header"]["event_type"] = "im.chat.member.user.deleted_v1"
    body = json.dumps(event, ensure_ascii=False).encode()
    events = adapter(encrypt_key="").parse(request(body)).events
    assert {e.kind for e in events} == {"member_left"}


def test_messages_from_bots_and_other_events_produce_nothing():
    from_bot = copy.deepcopy(MESSAGE_EVENT)
    from_bot["event"]["sender"]["sender_type"] = "app"
    other = copy.deepcopy(MESSAGE_EVENT)
    other["header"]["event_type"] = "im.message.message_read_v1"
    for event in (from_bot, other):
        body = json.dumps(event).encode()
        assert adapter(encrypt_key="").parse(request(body)).events == []


def test_non_text_messages_still_count_as_activity_without_text():
    image = copy.deepcopy(MESSAGE_EVENT)
    image["event"]["message"].update(message_type="image", content='{"image_key":"img_x"}')
    (event,) = adapter(encrypt_key="").parse(request(json.dumps(image).encode())).events
    assert event.kind == "message" and event.text == ""


def test_v1_message_events_still_parse():
    v1 = {
        "uuid": "41b5f371157e3d5341b38b20396e77a1",
        "token": TOKEN,
        "ts": "1550038209.428520",
        "type": "event_callback",
        "event": {
            "type": "message",
            "app_id": "cli_xxx",
            "tenant_key": "xxx",
            "root_id": "",
            "parent_id": "",
            "open_chat_id": CHAT,
            "chat_type": "group",
            "msg_type": "text",
            "open_id": USER,
            "open_message_id": "om_36686ee62b6ba48d5bc2a6cb4c07c4c8",
            "is_mention": True,
            "text": "<at open_id='ou_bot'>@rollcall</at> 打卡",
            "text_without_at_bot": " 打卡",
        },
    }
    body = json.dumps(v1, ensure_ascii=False).encode()
    feishu = adapter(encrypt_key="")
    feishu.verify(request(body), NOW)
    (event,) = feishu.parse(request(body)).events
    assert (event.text, event.event_id, event.chat_id) == (
        "打卡",
        "41b5f371157e3d5341b38b20396e77a1",
        CHAT,
    )
    assert event.reply_context == {"message_id": "om_36686ee62b6ba48d5bc2a6cb4c07c4c8"}


def broken(mutate) -> bytes:
    event = copy.deepcopy(MESSAGE_EVENT)
    mutate(event)
    return json.dumps(event).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[]", "JSON object"),
        (b'{"hello": 1}', "not a Feishu event"),
        (b'{"type": "url_verification"}', "challenge"),
        (broken(lambda e: e.pop("event")), "without header or event"),
        (broken(lambda e: e["event"]["message"].pop("chat_id")), "chat_id"),
        (broken(lambda e: e["event"]["message"].update(content="{oops")), "not JSON"),
        (b'{"encrypt": "bm90IG91cnM="}', "wrong length"),
    ],
)
def test_malformed_bodies_are_bad_payloads_with_a_reason(body, reason):
    with pytest.raises(BadPayload, match=reason):
        adapter().parse(request(body))


# -- outbound ---------------------------------------------------------------------------


def reminder(count: int = 300) -> Message:
    mentions = tuple(Mention(f"ou_{n:032x}", f"成员{n:03d}") for n in range(count))
    return Message("今天还没有打卡的同学：", mentions, "记得 21:00 前打卡哦")


def test_a_300_mention_reminder_is_split_into_parts_with_every_mention_whole():
    parts = adapter().render(reminder())
    assert len(parts) > 1 and all(len(p) <= 4000 for p in parts)
    assert parts[0].startswith("今天还没有打卡的同学") and parts[-1].endswith("记得 21:00 前打卡哦")
    joined = "\n".join(parts)
    for n in range(300):
        assert joined.count(f'<at user_id="ou_{n:032x}">成员{n:03d}</at>') == 1


def token_answer(rsps, expire: int = 7200) -> None:
    rsps.add(
        responses.POST,
        f"{BASE}/auth/v3/tenant_access_token/internal",
        json={"code": 0, "msg": "ok", "tenant_access_token": "t-abc", "expire": expire},
    )


def sent_answer(rsps, message_id: str = "om_1", **kwargs) -> None:
    body = {"code": 0, "msg": "success", "data": {"message_id": message_id}}
    rsps.add(responses.POST, f"{BASE}/im/v1/messages", json=kwargs.pop("json", body), **kwargs)


def test_app_sends_reuse_one_cached_token():
    feishu = adapter(app_id="cli_x", app_secret="s3cret")
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps)
        for _ in range(3):
            assert feishu.deliver(ChatAddress("feishu", CHAT), "hello") == "om_1"
        calls = [c.request for c in rsps.calls]
    assert [c.url.split("?")[0].rsplit("/", 1)[-1] for c in calls] == [
        "internal",
        "messages",
        "messages",
        "messages",
    ]
    assert json.loads(calls[0].body) == {"app_id": "cli_x", "app_secret": "s3cret"}
    send = calls[1]
    assert send.headers["Authorization"] == "Bearer t-abc"
    assert "receive_id_type=chat_id" in send.url
    payload = json.loads(send.body)
    assert payload["receive_id"] == CHAT and payload["msg_type"] == "text"
    assert json.loads(payload["content"]) == {"text": "hello"}


def test_token_is_fetched_again_shortly_before_it_expires():
    clock = [1000.0]
    feishu = adapter(app_id="cli_x", app_secret="s", monotonic=lambda: clock[0])
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps)
        feishu.deliver(ChatAddress("feishu", CHAT), "a")
        clock[0] += 7200 - 301
        feishu.deliver(ChatAddress("feishu", CHAT), "b")
        clock[0] += 2
        feishu.deliver(ChatAddress("feishu", CHAT), "c")
        tokens = [c for c in rsps.calls if c.request.url.endswith("/internal")]
    assert len(tokens) == 2


def test_an_invalidated_token_is_replaced_once_and_the_send_retried():
    feishu = adapter(app_id="cli_x", app_secret="s")
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        invalid = {"code": 99991663, "msg": "Invalid access token for authorization."}
        sent_answer(rsps, json=invalid, status=400)
        sent_answer(rsps)
        assert feishu.deliver(ChatAddress("feishu", CHAT), "hi") == "om_1"
        urls = [c.request.url.split("?")[0].rsplit("/", 1)[-1] for c in rsps.calls]
    assert urls == ["internal", "messages", "internal", "messages"]


def test_frequency_limits_are_retried_with_backoff_and_other_codes_are_not():
    sleeps: list[float] = []
    feishu = adapter(app_id="cli_x", app_secret="s", sender=quiet_sender(sleeps))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps, json={"code": 230020, "msg": "rate limited"})
        sent_answer(rsps, status=429, json={"code": 99991400, "msg": "too many requests"})
        sent_answer(rsps)
        assert feishu.deliver(ChatAddress("feishu", CHAT), "hi") == "om_1"
        assert sleeps == [1.0, 2.0]
        rsps.replace(
            responses.POST,
            f"{BASE}/im/v1/messages",
            json={"code": 230001, "msg": "invalid receive_id"},
            status=400,
        )
        with pytest.raises(DeliveryError, match="230001"):
            feishu.deliver(ChatAddress("feishu", CHAT), "hi")
        assert len([c for c in rsps.calls if "messages" in c.request.url]) == 4


def test_custom_bot_sends_signed_text_with_mentions():
    feishu = adapter()
    robot = ChatAddress("feishu", CHAT, ROBOT, "robot-secret")
    (part,) = feishu.render(Message("打卡提醒", (Mention(USER, "小明"),)))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ROBOT, json={"code": 0, "data": {}, "msg": "success"})
        assert feishu.deliver(robot, part).startswith("feishu-robot-")
        payload = json.loads(rsps.calls[0].request.body)
    timestamp = str(int(NOW.timestamp()))
    key = f"{timestamp}\nrobot-secret".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert payload == {
        "timestamp": timestamp,
        "sign": expected,
        "msg_type": "text",
        "content": {"text": f'打卡提醒 <at user_id="{USER}">小明</at>'},
    }


def test_custom_bot_retries_when_sending_too_fast_and_gives_up_on_a_bad_sign():
    sleeps: list[float] = []
    feishu = adapter(sender=quiet_sender(sleeps))
    robot = ChatAddress("feishu", CHAT, ROBOT)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ROBOT, json={"code": 11232, "msg": "frequency limited"})
        rsps.add(responses.POST, ROBOT, json={"StatusCode": 0, "StatusMessage": "success"})
        feishu.deliver(robot, "hi")
        assert sleeps == [1.0]
        rsps.add(responses.POST, ROBOT, json={"code": 19021, "msg": "sign match fail"})
        with pytest.raises(DeliveryError, match="19021"):
            feishu.deliver(robot, "hi")
        assert len(rsps.calls) == 3


def test_custom_bot_parts_are_paced_under_five_a_second():
    sleeps: list[float] = []
    clock = [0.0]
    sender = HttpSender(min_interval=0.6, sleep=sleeps.append, monotonic=lambda: clock[0])
    feishu = adapter(sender=sender)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ROBOT, json={"code": 0})
        delivery = feishu.send(ChatAddress("feishu", CHAT, ROBOT), reminder())
    assert delivery.ok and len(delivery.sent) > 1
    assert sleeps and all(s == pytest.approx(0.6) for s in sleeps)


def test_without_a_robot_or_app_the_error_says_how_to_set_one():
    with pytest.raises(DeliveryError, match="--robot-webhook"):
        adapter().deliver(ChatAddress("feishu", CHAT), "hi")


# -- through handle_webhook and the Chalice route ---------------------------------------


def memory_runtime(feishu: FeishuAdapter) -> tuple[Runtime, Store]:
    store = Store(MemoryTable())
    store.create_community(community(platform="feishu", chat_id=CHAT))
    rt = Runtime(settings=Settings(), store=store, clock=FixedClock(NOW), adapters={})
    rt.adapters["feishu"] = feishu
    return rt, store


def test_a_redelivered_event_is_answered_once():
    """Feishu retries an event it thinks we missed; the member must not get two replies."""
    feishu = adapter(app_id="cli_x", app_secret="s")
    rt, _ = memory_runtime(feishu)
    body = encrypt(MESSAGE_EVENT)
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps)
        first = handle_webhook(rt, "feishu", request(body, signed(body)), NOW)
        again = encrypt(MESSAGE_EVENT)  # a retry is encrypted afresh, same event_id
        second = handle_webhook(rt, "feishu", request(again, signed(again)), NOW)
        sends = [c for c in rsps.calls if "messages" in c.request.url]
    assert first.status == second.status == 200 and first.body == {}
    assert len(sends) == 1
    assert "/checkin" in json.loads(json.loads(sends[0].request.body)["content"])["text"]


def test_url_verification_is_answered_without_touching_the_store():
    class NoStore:
        def __getattr__(self, name):
            raise AssertionError(f"the handshake touched the store ({name})")

    rt = Runtime(settings=Settings(), store=NoStore(), clock=FixedClock(NOW))  # type: ignore[arg-type]
    rt.adapters["feishu"] = adapter()
    body = encrypt({"challenge": "abc", "token": TOKEN, "type": "url_verification"})
    answer = handle_webhook(rt, "feishu", request(body), NOW)
    assert (answer.status, answer.body) == (200, {"challenge": "abc"})


def test_bad_bodies_get_400_and_forgeries_401_through_handle_webhook():
    rt, _ = memory_runtime(adapter())
    assert handle_webhook(rt, "feishu", request(b"{oops", signed(b"{oops")), NOW).status == 400
    body = encrypt(MESSAGE_EVENT)
    forged = {**signed(body), "x-lark-signature": "f" * 64}
    assert handle_webhook(rt, "feishu", request(body, forged), NOW).status == 401


def test_importing_the_adapter_loads_no_crypto_and_no_http_client():
    """The 1-second URL check on a cold start must not pay for AES or requests."""
    code = (
        "import sys, chalicelib.platforms.feishu as f; "
        "assert 'Crypto' not in sys.modules and 'requests' not in sys.modules, sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.getcwd())


@pytest.fixture
def route(dynamo_table):
    secrets = {
        "ROLLCALL_FEISHU_VERIFICATION_TOKEN": TOKEN,
        "ROLLCALL_FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
        "ROLLCALL_FEISHU_APP_ID": "cli_x",
        "ROLLCALL_FEISHU_APP_SECRET": "s3cret",
    }
    settings = Settings(secrets=secrets, api_bases={"feishu": BASE})
    store = Store(dynamo_table)
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    try:
        with Client(app.app) as client:
            yield client, store
    finally:
        set_runtime(None)


def test_help_through_the_chalice_route_is_answered_through_the_app(route):
    client, store = route
    store.create_community(community(platform="feishu", chat_id=CHAT))
    check = encrypt({"challenge": "c-1", "token": TOKEN, "type": "url_verification"})
    plain = {"Content-Type": "application/json"}  # Feishu sends the URL check unsigned
    handshake = client.http.post("/webhooks/feishu", headers=plain, body=check)
    assert json.loads(handshake.body) == {"challenge": "c-1"}
    body = encrypt(MESSAGE_EVENT)
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps)
        response = client.http.post("/webhooks/feishu", headers=signed(body), body=body)
        sent = json.loads(rsps.calls[-1].request.body)
    assert response.status_code == 200 and json.loads(response.body) == {}
    assert sent["receive_id"] == CHAT and "/checkin" in json.loads(sent["content"])["text"]
    member = store.get_member("c1", USER)
    assert member is not None and member.last_active == NOW.date()


# -- reply_later (a deferred command's result, posted by the queue worker) -------------

MESSAGE_ID = "om_5ce6d572455d361153b7cb51da133945"
REPLY = f"{BASE}/im/v1/messages/{MESSAGE_ID}/reply"


def asked(feishu: FeishuAdapter, mutate=None) -> Any:
    payload = copy.deepcopy(MESSAGE_EVENT)
    if mutate is not None:
        mutate(payload)
    (event,) = feishu.parse(request(json.dumps(payload).encode())).events
    return event


def later(feishu: FeishuAdapter, event: Any, message: Message, group: ChatAddress | None = None):
    return feishu.reply_later(
        event, message, community_chat=group, asked_at=NOW, now=NOW + timedelta(minutes=2)
    )


def test_a_later_answer_replies_to_the_members_message_as_the_app():
    feishu = app_adapter(encrypt_key="")
    event = asked(feishu)
    message = Message("📣 已发出提醒", (Mention("ou_amy", "Amy"),))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        rsps.add(responses.POST, REPLY, json={"code": 0, "data": {"message_id": "om_reply"}})
        assert later(feishu, event, message, ChatAddress("feishu", CHAT, ROBOT)) == ["om_reply"]
        reply = rsps.calls[1].request
    assert reply.headers["Authorization"] == "Bearer t-abc"
    payload = json.loads(reply.body)
    assert set(payload) == {"msg_type", "content", "uuid"}
    assert json.loads(payload["content"]) == {"text": '📣 已发出提醒 <at user_id="ou_amy">Amy</at>'}
    assert len(payload["uuid"]) <= 50


def test_a_retried_later_answer_repeats_its_uuid_so_feishu_posts_it_once():
    feishu = app_adapter(encrypt_key="")
    event = asked(feishu)
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        rsps.add(responses.POST, REPLY, json={"code": 0, "data": {"message_id": "om_reply"}})
        later(feishu, event, Message("done"))
        later(feishu, event, Message("done"))  # the worker's retry of the same answer
        first, second = (json.loads(c.request.body)["uuid"] for c in rsps.calls[1:])
    assert first == second


def test_a_reply_feishu_refuses_goes_into_the_chat_instead():
    feishu = app_adapter(encrypt_key="")
    event = asked(feishu)
    withdrawn = {"code": 230011, "msg": "The message was withdrawn."}
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        rsps.add(responses.POST, REPLY, status=400, json=withdrawn)
        sent_answer(rsps, message_id="om_chat")
        assert later(feishu, event, Message("done")) == ["om_chat"]
        assert paths(rsps) == [
            "/auth/v3/tenant_access_token/internal",
            f"/im/v1/messages/{MESSAGE_ID}/reply",
            "/im/v1/messages",
        ]
        assert "receive_id_type=chat_id" in rsps.calls[2].request.url


def test_a_reply_feishu_cannot_be_reached_for_fails_rather_than_post_twice():
    feishu = app_adapter(encrypt_key="")
    event = asked(feishu)
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        rsps.add(responses.POST, REPLY, status=502, body="Bad Gateway")
        with pytest.raises(DeliveryError, match="502"):
            later(feishu, event, Message("done"))
        assert "/im/v1/messages" not in paths(rsps)


def test_without_the_app_the_groups_custom_bot_answers_later():
    feishu = adapter(encrypt_key="")
    event = asked(feishu)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ROBOT, json={"code": 0, "msg": "success", "data": {}})
        [message_id] = later(feishu, event, Message("done"), ChatAddress("feishu", CHAT, ROBOT))
    assert message_id.startswith("feishu-robot-")


def test_without_a_message_id_the_app_sends_into_the_chat():
    feishu = app_adapter(encrypt_key="")
    event = asked(feishu, lambda p: p["event"]["message"].pop("message_id"))
    assert event.reply_context == {}
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps, message_id="om_chat")
        assert later(feishu, event, Message("done")) == ["om_chat"]


def test_an_admin_chat_without_the_app_has_no_way_in():
    feishu = adapter(encrypt_key="")
    event = asked(feishu)
    with responses.RequestsMock() as rsps, pytest.raises(DeliveryError, match="custom bot"):
        later(feishu, event, Message("done"))
    assert len(rsps.calls) == 0


# -- direct messages and removal (the app only) -----------------------------------------

MEMBERS = f"{BASE}/im/v1/chats/{CHAT}/members"


def app_adapter(**overrides) -> FeishuAdapter:
    return adapter(app_id="cli_x", app_secret="s3cret", **overrides)


def paths(rsps) -> list[str]:
    return [c.request.url.split("?")[0].removeprefix(BASE) for c in rsps.calls]


def test_with_only_a_custom_bot_there_are_no_direct_messages_and_no_removal():
    feishu = adapter()  # no app credentials: sends go through the community's custom bot
    assert feishu.direct_messages is False
    with responses.RequestsMock() as rsps:
        with pytest.raises(DeliveryError, match="ROLLCALL_FEISHU_APP_ID"):
            feishu.deliver_direct(ChatAddress("feishu", CHAT, ROBOT), USER, "hi")
        assert feishu.remove_member(ChatAddress("feishu", CHAT, ROBOT), USER) is False
        assert len(rsps.calls) == 0
    assert app_adapter().direct_messages is True


def test_a_direct_message_goes_to_the_open_id_as_the_app_with_a_uuid_per_part():
    feishu = app_adapter()
    (part,) = feishu.render(Message("你本周还没有交作业，周日 23:59 截止"))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps, message_id="om_dm")
        chat = ChatAddress("feishu", CHAT)
        assert feishu.deliver_direct(chat, USER, part) == "om_dm"
        assert feishu.deliver_direct(chat, USER, "第二条") == "om_dm"
        feishu.deliver(chat, "group")  # the group send shares the cached token
        assert paths(rsps) == [
            "/auth/v3/tenant_access_token/internal",
            "/im/v1/messages",
            "/im/v1/messages",
            "/im/v1/messages",
        ]
        first, second, group = (c.request for c in rsps.calls[1:])
    assert "receive_id_type=open_id" in first.url
    assert first.headers["Authorization"] == "Bearer t-abc"
    payload = json.loads(first.body)
    assert set(payload) == {"receive_id", "msg_type", "content", "uuid"}
    assert (payload["receive_id"], payload["msg_type"]) == (USER, "text")
    assert json.loads(payload["content"]) == {"text": "你本周还没有交作业，周日 23:59 截止"}
    assert "你本周" in first.body.decode()  # UTF-8, not \\u escapes
    uuids = {payload["uuid"], json.loads(second.body)["uuid"]}
    assert len(uuids) == 2 and all(len(u) <= 50 for u in uuids)  # Feishu's uuid: ≤ 50 chars
    assert "receive_id_type=chat_id" in group.url and "uuid" not in json.loads(group.body)


def test_a_retried_direct_message_keeps_its_uuid_so_feishu_sends_it_once():
    sleeps: list[float] = []
    feishu = app_adapter(sender=quiet_sender(sleeps))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(
            rsps, status=429, json={"code": 99991400, "msg": "request trigger frequency limit"}
        )
        sent_answer(rsps, message_id="om_2")
        assert feishu.deliver_direct(ChatAddress("feishu", CHAT), USER, "hi") == "om_2"
        first, second = (c.request for c in rsps.calls[1:])
    assert sleeps == [1.0]
    assert json.loads(first.body)["uuid"] == json.loads(second.body)["uuid"]


@pytest.mark.parametrize(
    ("code", "msg", "hint"),
    [
        (230013, "Bot has NO availability to this user.", "availability range"),
        (230035, "Send Message Permission deny.", "blocked the bot"),
        (99992361, "open_id cross app", "another app"),
        (99991672, "Access denied. One of the following scopes is required", "send_as_bot"),
    ],
)
def test_a_refused_direct_message_fails_at_once_naming_the_fix(code, msg, hint):
    sleeps: list[float] = []
    feishu = app_adapter(sender=quiet_sender(sleeps))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps, status=400, json={"code": code, "msg": msg, "data": {}})
        with pytest.raises(DirectRefused, match=hint) as raised:
            feishu.deliver_direct(ChatAddress("feishu", CHAT), USER, "hi")
        assert paths(rsps).count("/im/v1/messages") == 1
    assert sleeps == []
    assert USER in str(raised.value) and str(code) in str(raised.value)


def test_other_direct_message_failures_keep_feishus_own_answer():
    feishu = app_adapter()
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        sent_answer(rsps, status=400, json={"code": 230001, "msg": "invalid receive_id"})
        with pytest.raises(DeliveryError, match="230001"):
            feishu.deliver_direct(ChatAddress("feishu", CHAT), USER, "hi")
        assert paths(rsps).count("/im/v1/messages") == 1


def removal_answer(rsps, **data) -> None:
    body = {"code": 0, "msg": "success", "data": data or {"invalid_id_list": []}}
    rsps.add(responses.DELETE, MEMBERS, json=body)


def test_removal_deletes_the_member_by_open_id():
    feishu = app_adapter()
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        removal_answer(rsps)
        assert feishu.remove_member(ChatAddress("feishu", CHAT), USER) is True
        call = rsps.calls[1].request
    assert call.method == "DELETE"
    assert call.url == f"{MEMBERS}?member_id_type=open_id"
    assert call.headers["Authorization"] == "Bearer t-abc"
    assert json.loads(call.body) == {"id_list": [USER]}


def test_a_member_feishu_no_longer_knows_is_already_gone():
    feishu = app_adapter()
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        removal_answer(rsps, invalid_id_list=[], not_existed_id_list=[USER])
        assert feishu.remove_member(ChatAddress("feishu", CHAT), USER) is True


def test_an_id_feishu_would_not_act_on_is_not_a_removal():
    feishu = app_adapter()
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        removal_answer(rsps, invalid_id_list=[USER])
        assert feishu.remove_member(ChatAddress("feishu", CHAT), USER) is False


@pytest.mark.parametrize(
    ("code", "msg"),
    [
        (232014, "The token used in the request does NOT have the permissions necessary"),
        (232011, "Operator can NOT be out of the chat."),
        (232076, "Can't kick chat owner."),
        (232009, "Your request specifies a chat which has already been dissolved."),
    ],
)
def test_a_refused_removal_is_false_after_one_request(code, msg):
    sleeps: list[float] = []
    feishu = app_adapter(sender=quiet_sender(sleeps))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        rsps.add(responses.DELETE, MEMBERS, status=400, json={"code": code, "msg": msg})
        assert feishu.remove_member(ChatAddress("feishu", CHAT), USER) is False
        assert paths(rsps).count(f"/im/v1/chats/{CHAT}/members") == 1
    assert sleeps == []


def test_a_removal_rate_limit_is_retried_and_an_outage_is_not_a_refusal():
    sleeps: list[float] = []
    feishu = app_adapter(sender=quiet_sender(sleeps))
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        limited = {"code": 232019, "msg": "The request has been rate limited."}
        rsps.add(responses.DELETE, MEMBERS, status=400, json=limited)
        removal_answer(rsps)
        assert feishu.remove_member(ChatAddress("feishu", CHAT), USER) is True
        assert sleeps == [1.0]
        rsps.replace(responses.DELETE, MEMBERS, status=503, body="upstream unavailable")
        # No answer either way: the caller records "remove by hand", not "refused".
        with pytest.raises(DeliveryError, match="503"):
            feishu.remove_member(ChatAddress("feishu", CHAT), USER)
        assert paths(rsps).count(f"/im/v1/chats/{CHAT}/members") == 2 + 4


def test_a_removal_with_an_invalidated_token_fetches_a_fresh_one_once():
    feishu = app_adapter()
    with responses.RequestsMock() as rsps:
        token_answer(rsps)
        invalid = {"code": 99991663, "msg": "Invalid access token for authorization."}
        rsps.add(responses.DELETE, MEMBERS, status=400, json=invalid)
        removal_answer(rsps)
        assert feishu.remove_member(ChatAddress("feishu", CHAT), USER) is True
        assert paths(rsps) == [
            "/auth/v3/tenant_access_token/internal",
            f"/im/v1/chats/{CHAT}/members",
            "/auth/v3/tenant_access_token/internal",
            f"/im/v1/chats/{CHAT}/members",
        ]


def test_the_app_secret_stays_out_of_the_repr():
    assert "s3cret" not in repr(app_adapter()) and "app=set" in repr(app_adapter())


# -- the verification token alone is for the local stage only ------------------------------


def _token_only_route(dynamo_table, stage: str):
    secrets = {"ROLLCALL_FEISHU_VERIFICATION_TOKEN": TOKEN}
    settings = Settings(stage=stage, secrets=secrets, api_bases={"feishu": BASE})
    store = Store(dynamo_table)
    store.create_community(community(platform="feishu", chat_id=CHAT))
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    return store


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_outside_the_local_stage_feishu_needs_an_encrypt_key(dynamo_table, stage):
    """Without an encrypt key Feishu signs nothing: the token inside the body is all there
    is, and one leaked token would let anyone act as any member. A deployed stage refuses,
    and says which setting is missing."""
    store = _token_only_route(dynamo_table, stage)
    event = json.dumps(MESSAGE_EVENT, ensure_ascii=False).encode()
    check = json.dumps({"challenge": "c-1", "token": TOKEN, "type": "url_verification"})
    plain = {"Content-Type": "application/json"}
    try:
        with Client(app.app) as client, recorded("feishu") as logged:
            answers = [
                client.http.post("/webhooks/feishu", headers=plain, body=body)
                for body in (event, check.encode())
            ]
    finally:
        set_runtime(None)
    assert [a.status_code for a in answers] == [401, 401]
    assert store.get_member("c1", USER) is None
    errors = [r for r in logged.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2  # one clear line per refused request
    assert "ROLLCALL_FEISHU_ENCRYPT_KEY" in errors[0].getMessage()


def test_the_local_stage_still_takes_the_verification_token(dynamo_table):
    store = _token_only_route(dynamo_table, "local")
    event = json.dumps(MESSAGE_EVENT, ensure_ascii=False).encode()
    plain = {"Content-Type": "application/json"}
    try:
        with Client(app.app) as client, responses.RequestsMock(assert_all_requests_are_fired=False):
            answer = client.http.post("/webhooks/feishu", headers=plain, body=event)
            junk = client.http.post("/webhooks/feishu", headers=plain, body=b"{not json")
    finally:
        set_runtime(None)
    assert answer.status_code == 200
    assert store.get_member("c1", USER) is not None
    assert junk.status_code == 401  # unreadable, so unauthenticated: not a 400
