"""WeCom: encrypted XML callbacks (app and group robot) in, the group robot out.

Ciphertexts are made here with pycryptodome the way WeCom makes them (random 16 bytes,
big-endian length, message, receive id, PKCS#7 to 32 bytes); the first test uses the
vector from WeCom's own sample code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import responses
from chalice.test import Client
from Crypto.Cipher import AES
from hypothesis import given, settings
from hypothesis import strategies as st

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
from chalicelib.platforms.wecom import WeComAdapter, WeComPart, split_bytes
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community
from tests.platforms.support import quiet_sender, recorded

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TOKEN = "QDG6eK"
CORP_ID = "wx5823bf96d3bd56c7"
AES_KEY_TEXT = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
KEY = base64.b64decode(AES_KEY_TEXT + "=")
BASE = "https://wecom.test/cgi-bin"
CHAT = "wrkSFfCgAALFgnrSsWU38puiv4yvExuw"
ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

APP_MESSAGE = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
    "<FromUserName><![CDATA[mycreate]]></FromUserName>"
    "<CreateTime>1409659813</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[帮助]]></Content>"
    "<MsgId>4561255354251345929</MsgId>"
    "<AgentID>218</AgentID></xml>"
)
ROBOT_MESSAGE = (
    "<xml>"
    "<WebhookUrl><![CDATA[http://in.qyapi.weixin.qq.com/cgi-bin/webhook/send?key="
    f"{ROBOT_KEY}]]></WebhookUrl>"
    "<MsgId>CIGABBCOgP3qBRiR4vm7goCAAyAY</MsgId>"
    f"<ChatId><![CDATA[{CHAT}]]></ChatId>"
    "<ChatType>group</ChatType>"
    "<From><UserId>zhangsan</UserId><Name><![CDATA[张三]]></Name>"
    "<Alias><![CDATA[jackzhang]]></Alias></From>"
    "<GetChatInfoUrl><![CDATA[https://qyapi.weixin.qq.com/cgi-bin/webhook/get_chat_info"
    "?code=CODE]]></GetChatInfoUrl>"
    "<MsgType>text</MsgType>"
    "<Text><Content><![CDATA[@打卡机器人 帮助]]></Content></Text>"
    "</xml>"
)
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<xml><Encrypt>&lol2;</Encrypt></xml>"
)


def encrypt(message: str | bytes, receive_id: str = CORP_ID, *, random: bytes | None = None) -> str:
    data = message.encode() if isinstance(message, str) else message
    plain = (random or os.urandom(16)) + struct.pack(">I", len(data)) + data + receive_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    return base64.b64encode(AES.new(KEY, AES.MODE_CBC, KEY[:16]).encrypt(plain)).decode()


def signature(encrypted: str, timestamp: str, nonce: str, token: str = TOKEN) -> str:
    joined = "".join(sorted([token, timestamp, nonce, encrypted])).encode()
    return hashlib.sha1(joined).hexdigest()  # noqa: S324 - WeCom's scheme


def signed_query(encrypted: str, at: datetime = NOW, token: str = TOKEN) -> dict[str, str]:
    timestamp, nonce = str(int(at.timestamp())), "1372623149"
    return {
        "msg_signature": signature(encrypted, timestamp, nonce, token),
        "timestamp": timestamp,
        "nonce": nonce,
    }


def envelope(encrypted: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
    ).encode()


def post(encrypted: str, query: dict[str, str] | None = None) -> HttpRequest:
    query = signed_query(encrypted) if query is None else query
    return HttpRequest("POST", {"content-type": "text/xml"}, query, envelope(encrypted))


def adapter(**overrides) -> WeComAdapter:
    fields = {
        "token": TOKEN,
        "encoding_aes_key": AES_KEY_TEXT,
        "corp_id": CORP_ID,
        "api_base": BASE,
        "sender": quiet_sender(),
        "reply_sender": quiet_sender(attempts=1),
    }
    fields.update(overrides)
    return WeComAdapter(**fields)


# -- the URL check ---------------------------------------------------------------------


def test_url_check_from_wecoms_sample_is_verified_and_answered_with_the_plaintext():
    echostr = (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    )
    query = {
        "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
        "timestamp": "1409659589",
        "nonce": "263014780",
        "echostr": echostr,
    }
    request = HttpRequest("GET", {}, query, b"")
    wecom = adapter()
    wecom.verify(request, datetime.fromtimestamp(1409659600, UTC))
    handshake = wecom.parse(request).handshake
    assert handshake is not None and handshake.body == "1616140317555161061"


def test_url_check_survives_a_plus_decoded_as_a_space():
    echostr = encrypt("echo-1", random=b"\xfb" * 16)
    while "+" not in echostr:  # make sure the case is exercised
        echostr = encrypt("echo-1")
    query = {**signed_query(echostr), "echostr": echostr.replace("+", " ")}
    request = HttpRequest("GET", {}, query, b"")
    adapter().verify(request, NOW)
    assert adapter().parse(request).handshake.body == "echo-1"


def test_url_check_with_a_bad_signature_or_no_echostr_is_refused():
    echostr = encrypt("echo")
    for query in ({**signed_query("other"), "echostr": echostr}, signed_query(echostr)):
        with pytest.raises(Unauthorized):
            adapter().verify(HttpRequest("GET", {}, query, b""), NOW)


# -- messages --------------------------------------------------------------------------


def test_app_message_is_verified_decrypted_and_one_to_one():
    wecom = adapter()
    request = post(encrypt(APP_MESSAGE))
    wecom.verify(request, NOW)
    (event,) = wecom.parse(request).events
    assert (event.chat_id, event.sender.user_id, event.text) == ("mycreate", "mycreate", "帮助")
    assert event.event_id == "4561255354251345929"


def test_robot_callback_is_a_group_message_with_the_robot_mention_removed():
    # Encrypted with an empty receive id, as WeCom does for robot callbacks.
    request = post(encrypt(ROBOT_MESSAGE, receive_id=""))
    wecom = adapter()
    wecom.verify(request, NOW)
    (event,) = wecom.parse(request).events
    assert (event.chat_id, event.sender.user_id, event.sender.name) == (CHAT, "zhangsan", "张三")
    assert event.text == "帮助" and event.event_id == "CIGABBCOgP3qBRiR4vm7goCAAyAY"
    assert event.reply_context == {"robot_key": ROBOT_KEY}


def test_padding_to_32_bytes_is_undone_even_past_16():
    content = "x" * 13
    message = (
        "<xml><FromUserName>u</FromUserName><MsgType>text</MsgType>"
        f"<Content>{content}</Content></xml>"
    )
    plain_length = 16 + 4 + len(message) + len(CORP_ID)
    assert 32 - plain_length % 32 > 16, "the case must need more padding than AES's 16"
    (event,) = adapter().parse(post(encrypt(message))).events
    assert event.text == content


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(lambda e: {**signed_query(e), "msg_signature": "0" * 40}, id="forged"),
        pytest.param(lambda e: signed_query(e, token="other"), id="wrong-token"),
        pytest.param(lambda e: signed_query(e, NOW - timedelta(minutes=61)), id="stale"),
        pytest.param(lambda e: {**signed_query(e), "timestamp": "x"}, id="bad-timestamp"),
        pytest.param(lambda e: {}, id="missing"),
    ],
)
def test_forged_stale_and_missing_signatures_are_refused(query):
    encrypted = encrypt(APP_MESSAGE)
    with pytest.raises(Unauthorized):
        adapter().verify(post(encrypted, query(encrypted)), NOW)


def test_signature_covers_the_encrypted_message():
    query = signed_query(encrypt(APP_MESSAGE))
    with pytest.raises(Unauthorized):
        adapter().verify(post(encrypt(APP_MESSAGE), query), NOW)


def test_a_message_for_another_corp_is_refused():
    with pytest.raises(BadPayload, match="corp id"):
        adapter().parse(post(encrypt(APP_MESSAGE, receive_id="wwOtherCorp")))


def test_app_callbacks_need_the_corp_id_configured():
    with pytest.raises(BadPayload, match="corp id"):
        adapter(corp_id="").parse(post(encrypt(APP_MESSAGE)))


def test_events_and_robot_chat_changes_are_acknowledged_without_events():
    app_event = (
        "<xml><ToUserName>wx</ToUserName><FromUserName>u</FromUserName>"
        "<MsgType>event</MsgType><Event>enter_agent</Event></xml>"
    )
    robot_event = ROBOT_MESSAGE.replace("<MsgType>text</MsgType>", "<MsgType>event</MsgType>")
    assert adapter().parse(post(encrypt(app_event))).events == []
    assert adapter().parse(post(encrypt(robot_event, receive_id=""))).events == []


def test_an_xml_bomb_is_refused_before_parsing_outside_and_inside_the_ciphertext():
    outer = HttpRequest("POST", {}, signed_query("x"), BOMB.encode())
    with pytest.raises(Unauthorized):  # no Encrypt value a signature could cover: 401
        adapter().verify(outer, NOW)
    with pytest.raises(BadPayload, match="DOCTYPE"):
        adapter().parse(outer)
    with pytest.raises(BadPayload, match="DOCTYPE"):
        adapter().parse(post(encrypt(BOMB)))
    utf16 = '<?xml version="1.0" encoding="UTF-16"?>' + BOMB.split("?>", 1)[1]
    with pytest.raises(BadPayload):
        adapter().parse(HttpRequest("POST", {}, {}, utf16.encode("utf-16")))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not xml", "Encrypt"),
        (b"<xml><ToUserName>x</ToUserName></xml>", "Encrypt"),
        (envelope("%%%not-base64%%%"), "Encrypt"),
        (envelope("abc"), "base64"),
        (envelope(base64.b64encode(b"x" * 20).decode()), "length"),
        (envelope(base64.b64encode(os.urandom(64)).decode()), "key"),
    ],
)
def test_malformed_bodies_are_bad_payloads_with_a_reason(body, reason):
    with pytest.raises(BadPayload, match=reason):
        adapter().parse(HttpRequest("POST", {}, {}, body))


def test_inbound_is_refused_until_token_and_a_valid_key_are_set():
    request = post(encrypt(APP_MESSAGE))
    for broken in (adapter(token=""), adapter(encoding_aes_key="too-short")):
        with pytest.raises(Unauthorized):
            broken.verify(request, NOW)


# -- outbound ---------------------------------------------------------------------------


def reminder(count: int = 300) -> Message:
    mentions = tuple(Mention(f"user{n:03d}", f"同学{n:03d}") for n in range(count))
    return Message("📣 今天还没有打卡的同学：", mentions, "记得 21:00 前打卡哦")


def test_a_300_mention_reminder_fits_2048_bytes_per_text_part():
    parts = adapter().render(reminder())
    assert len(parts) > 1
    assert all(len(p.content.encode("utf-8")) <= 2048 for p in parts)
    assert [i for p in parts for i in p.mentioned_list] == [f"user{n:03d}" for n in range(300)]
    for part in parts:
        for user_id in part.mentioned_list:
            assert f"@同学{user_id[4:]}" in part.content
    assert parts[0].content.startswith("📣") and parts[-1].content.endswith("打卡哦")


def test_markdown_style_mentions_inline_within_4096_bytes():
    parts = adapter(style="markdown").render(reminder())
    assert all(p.msgtype == "markdown" and len(p.content.encode()) <= 4096 for p in parts)
    assert sum(p.content.count("<@user") for p in parts) == 300


@settings(max_examples=150, deadline=None)
@given(
    head=st.text(max_size=400),
    names=st.lists(st.text(min_size=1, max_size=30), max_size=40),
    tail=st.text(max_size=200),
    limit=st.integers(min_value=24, max_value=300),
)
def test_byte_splitting_never_breaks_a_character_or_loses_a_mention(head, names, tail, limit):
    pairs = [(f"@{name}", f"id{n}") for n, name in enumerate(names)]
    parts = split_bytes(head, pairs, tail, limit)
    assert all(len(text.encode("utf-8")) <= limit for text, _ in parts)
    assert [i for _, ids in parts for i in ids] == [i for _, i in pairs]


def test_text_parts_go_to_the_robot_with_their_mentioned_list():
    url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, url.split("?")[0], json={"errcode": 0, "errmsg": "ok"})
        adapter().deliver(ChatAddress("wecom", CHAT, url), WeComPart("打卡 @张三", ("zhangsan",)))
        sent = rsps.calls[0].request
    assert f"key={ROBOT_KEY}" in sent.url
    assert json.loads(sent.body) == {
        "msgtype": "text",
        "text": {"content": "打卡 @张三", "mentioned_list": ["zhangsan"]},
    }


def test_a_robot_given_as_its_key_uses_the_configured_api_base():
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{BASE}/webhook/send", json={"errcode": 0, "errmsg": "ok"})
        adapter().deliver(ChatAddress("wecom", CHAT, ROBOT_KEY), WeComPart("hi"))
        assert rsps.calls[0].request.url == f"{BASE}/webhook/send?{urlencode({'key': ROBOT_KEY})}"


def test_frequency_limits_are_retried_with_backoff_and_other_errcodes_fail():
    sleeps: list[float] = []
    wecom = adapter(sender=quiet_sender(sleeps))
    chat = ChatAddress("wecom", CHAT, ROBOT_KEY)
    with responses.RequestsMock() as rsps:
        url = f"{BASE}/webhook/send"
        rsps.add(responses.POST, url, json={"errcode": 45009, "errmsg": "api freq out of limit"})
        rsps.add(responses.POST, url, json={"errcode": 130101, "errmsg": "send too fast"})
        rsps.add(responses.POST, url, json={"errcode": 0, "errmsg": "ok"})
        wecom.deliver(chat, WeComPart("hi"))
        assert sleeps == [5.0, 10.0]
        rsps.replace(responses.POST, url, json={"errcode": 93000, "errmsg": "invalid webhook url"})
        with pytest.raises(DeliveryError, match="93000"):
            wecom.deliver(chat, WeComPart("hi"))
        assert len(rsps.calls) == 4


def test_without_a_robot_the_error_tells_the_operator_to_set_one():
    with pytest.raises(DeliveryError, match="--robot-webhook"):
        adapter().deliver(ChatAddress("wecom", CHAT), WeComPart("hi"))


def test_replies_use_the_callbacks_robot_and_the_answer_is_an_empty_200():
    wecom = adapter()
    (event,) = wecom.parse(post(encrypt(ROBOT_MESSAGE, receive_id=""))).events
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{BASE}/webhook/send", json={"errcode": 0, "errmsg": "ok"})
        answer = wecom.respond(event, [Message("未知命令"), Message("帮助内容")])
        (call,) = rsps.calls
    assert (answer.status, answer.body) == (200, "")
    assert f"key={ROBOT_KEY}" in call.request.url
    assert json.loads(call.request.body)["text"]["content"] == "未知命令\n\n帮助内容"


# -- reply_later (a deferred command's result, posted by the queue worker) -------------

GROUP_ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=group-robot-key"


def test_a_later_answer_goes_through_the_robot_the_callback_came_through():
    wecom = adapter()
    (event,) = wecom.parse(post(encrypt(ROBOT_MESSAGE, receive_id=""))).events
    group = ChatAddress("wecom", CHAT, GROUP_ROBOT)
    message = Message("📣 已发出提醒", (Mention("zhangsan", "张三"),))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{BASE}/webhook/send", json={"errcode": 0, "errmsg": "ok"})
        [message_id] = wecom.reply_later(
            event, message, community_chat=group, asked_at=NOW, now=NOW + timedelta(hours=1)
        )
        (call,) = rsps.calls
    assert message_id.startswith("wecom-robot-")
    assert call.request.url == f"{BASE}/webhook/send?{urlencode({'key': ROBOT_KEY})}"
    assert json.loads(call.request.body) == {
        "msgtype": "text",
        "text": {"content": "📣 已发出提醒 @张三", "mentioned_list": ["zhangsan"]},
    }


def test_without_the_callbacks_robot_the_groups_own_robot_answers():
    wecom = adapter(corp_id=CORP_ID)
    (event,) = wecom.parse(post(encrypt(APP_MESSAGE))).events
    group = ChatAddress("wecom", event.chat_id, GROUP_ROBOT)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, GROUP_ROBOT.split("?")[0], json={"errcode": 0, "errmsg": "ok"})
        wecom.reply_later(event, Message("done"), community_chat=group, asked_at=NOW, now=NOW)
        assert "key=group-robot-key" in rsps.calls[0].request.url


def test_a_chat_with_no_robot_of_its_own_is_not_answered_through_another():
    wecom = adapter(corp_id=CORP_ID)
    (event,) = wecom.parse(post(encrypt(APP_MESSAGE))).events
    with responses.RequestsMock() as rsps, pytest.raises(DeliveryError, match="no robot"):
        wecom.reply_later(event, Message("done"), community_chat=None, asked_at=NOW, now=NOW)
    assert len(rsps.calls) == 0


def test_a_command_sent_to_the_app_itself_is_answered_as_an_app_message():
    """App messages are one-to-one with the app (the chat is the sender): with the app's
    secret and agent id, the later answer goes back to the sender privately."""
    wecom = app_adapter(corp_id=CORP_ID)
    (event,) = wecom.parse(post(encrypt(APP_MESSAGE))).events
    assert event.chat_id == event.sender.user_id
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        send_answer(rsps)
        [message_id] = wecom.reply_later(
            event, Message("done"), community_chat=None, asked_at=NOW, now=NOW
        )
        send = rsps.calls[-1].request
    assert message_id == SENT["msgid"]
    body = json.loads(send.body)
    assert (body["touser"], body["text"]["content"]) == (event.sender.user_id, "done")


def test_an_app_message_is_answered_at_once_as_an_app_message_to_its_sender():
    """A message to the app has no group robot to answer through: the inline answer goes
    back privately (as reply_later's does), not nowhere."""
    wecom = app_adapter(corp_id=CORP_ID)
    (event,) = wecom.parse(post(encrypt(APP_MESSAGE))).events
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        send_answer(rsps)
        answer = wecom.respond(event, [Message("帮助内容")])
        send = rsps.calls[-1].request
    assert (answer.status, answer.body) == (200, "")
    body = json.loads(send.body)
    assert (body["touser"], body["text"]["content"]) == (event.sender.user_id, "帮助内容")


def test_without_the_app_an_app_message_is_not_answered_through_any_robot():
    wecom = adapter(corp_id=CORP_ID)
    (event,) = wecom.parse(post(encrypt(APP_MESSAGE))).events
    with responses.RequestsMock() as rsps:
        assert wecom.respond(event, [Message("帮助内容")]).status == 200
    assert len(rsps.calls) == 0


def test_a_callback_robot_key_that_is_a_url_is_never_posted_to():
    wecom = adapter()
    (event,) = wecom.parse(post(encrypt(ROBOT_MESSAGE, receive_id=""))).events
    forged = replace(event, reply_context={"robot_key": "https://evil.test/send?key=x"})
    with responses.RequestsMock() as rsps, pytest.raises(DeliveryError, match="no robot"):
        wecom.reply_later(forged, Message("done"), community_chat=None, asked_at=NOW, now=NOW)
    assert len(rsps.calls) == 0


# -- through handle_webhook and the Chalice route ---------------------------------------


def test_a_redelivered_message_is_answered_once():
    store = Store(MemoryTable())
    store.create_community(community(platform="wecom", chat_id=CHAT))
    rt = Runtime(settings=Settings(), store=store, clock=FixedClock(NOW))
    rt.adapters["wecom"] = adapter()
    encrypted = encrypt(ROBOT_MESSAGE, receive_id="")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{BASE}/webhook/send", json={"errcode": 0, "errmsg": "ok"})
        for _ in range(2):
            assert handle_webhook(rt, "wecom", post(encrypted), NOW).status == 200
        assert len(rsps.calls) == 1
    bomb = HttpRequest("POST", {}, signed_query("x"), BOMB.encode())
    assert handle_webhook(rt, "wecom", bomb, NOW).status == 401


def test_importing_the_adapter_loads_no_crypto_no_xml_and_no_http_client():
    code = (
        "import sys, chalicelib.platforms.wecom; "
        "assert not {'Crypto', 'requests', 'xml.etree.ElementTree'} & set(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.getcwd())


def test_url_check_and_help_through_the_chalice_route(dynamo_table):
    secrets = {
        "ROLLCALL_WECOM_TOKEN": TOKEN,
        "ROLLCALL_WECOM_ENCODING_AES_KEY": AES_KEY_TEXT,
        "ROLLCALL_WECOM_CORP_ID": CORP_ID,
    }
    store = Store(dynamo_table)
    store.create_community(community(platform="wecom", chat_id=CHAT, locale="zh-CN"))
    settings = Settings(secrets=secrets, api_bases={"wecom": BASE})
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    echostr = encrypt("6140829390285164735")
    encrypted = encrypt(ROBOT_MESSAGE, receive_id="")
    try:
        with Client(app.app) as client, responses.RequestsMock() as rsps:
            check_query = urlencode({**signed_query(echostr), "echostr": echostr})
            check = client.http.get(f"/webhooks/wecom?{check_query}")
            rsps.add(responses.POST, f"{BASE}/webhook/send", json={"errcode": 0, "errmsg": "ok"})
            message = client.http.post(
                f"/webhooks/wecom?{urlencode(signed_query(encrypted))}",
                headers={"Content-Type": "text/xml"},
                body=envelope(encrypted),
            )
            sent = json.loads(rsps.calls[0].request.body)
    finally:
        set_runtime(None)
    assert check.status_code == 200 and check.body == b"6140829390285164735"
    assert message.status_code == 200 and message.body == b""
    assert "打卡" in sent["text"]["content"]
    assert store.get_member("c1", "zhangsan").name == "张三"


# -- direct messages (the self-built app) ----------------------------------------------

CORP_SECRET = "Kq3Xd9-app-secret"
AGENT_ID = 1000002
GETTOKEN = f"{BASE}/gettoken"
MESSAGE_SEND = f"{BASE}/message/send"
USER = "zhangsan"
SENT = {
    "errcode": 0,
    "errmsg": "ok",
    "invaliduser": "",
    "invalidparty": "",
    "invalidtag": "",
    "unlicenseduser": "",
    "msgid": "mT4Ws7xd2iFZOtWiQs9SLBPs4ssUZYSzbHpkGCX0qfo",
    "response_code": "",
}


def app_adapter(**overrides) -> WeComAdapter:
    fields = {"corp_secret": CORP_SECRET, "agent_id": AGENT_ID, "app_sender": quiet_sender()}
    fields.update(overrides)
    return adapter(**fields)


ACCESS_TOKEN = "accesstoken000001"


def gettoken_answer(rsps, token: str = ACCESS_TOKEN, expires_in: int = 7200) -> None:
    body = {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in}
    rsps.add(responses.GET, GETTOKEN, json=body)


def send_answer(rsps, **changes) -> None:
    rsps.add(responses.POST, MESSAGE_SEND, json={**SENT, **changes})


def paths(rsps) -> list[str]:
    return [c.request.url.split("?")[0].removeprefix(BASE) for c in rsps.calls]


def test_direct_messages_need_the_apps_secret_and_agent_id_and_there_is_no_removal():
    assert adapter().direct_messages is False  # the group robot alone cannot DM
    assert app_adapter().direct_messages is True
    assert app_adapter(agent_id=None).direct_messages is False
    assert app_adapter(corp_id="").direct_messages is False
    with responses.RequestsMock() as rsps:
        with pytest.raises(DeliveryError, match="ROLLCALL_WECOM_CORP_SECRET"):
            adapter().deliver_direct(ChatAddress("wecom", CHAT, ROBOT_KEY), USER, "hi")
        assert len(rsps.calls) == 0
    assert not hasattr(app_adapter(), "remove_member")  # no API removes from a group


def test_a_direct_message_is_an_app_text_message_to_the_userid():
    wecom = app_adapter()
    (part,) = wecom.render(Message("你本周还没有交作业", (Mention(USER, "张三"),)))
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        send_answer(rsps)
        msgid = wecom.deliver_direct(ChatAddress("wecom", CHAT, ROBOT_KEY), USER, part)
        token_call, send = (c.request for c in rsps.calls)
    assert msgid == SENT["msgid"]
    assert token_call.url == f"{GETTOKEN}?corpid={CORP_ID}&corpsecret={CORP_SECRET}"
    assert send.url == f"{MESSAGE_SEND}?access_token={ACCESS_TOKEN}"
    assert json.loads(send.body) == {
        "touser": USER,
        "msgtype": "text",
        "agentid": AGENT_ID,
        "text": {"content": "你本周还没有交作业 @张三"},
        "enable_duplicate_check": 1,
        "duplicate_check_interval": 600,
    }


def test_the_token_is_cached_and_fetched_again_shortly_before_it_expires():
    clock = [50.0]
    wecom = app_adapter(monotonic=lambda: clock[0])
    chat = ChatAddress("wecom", CHAT)
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        send_answer(rsps)
        wecom.deliver_direct(chat, USER, "a")
        wecom.deliver_direct(chat, USER, "b")
        clock[0] += 7200 - 301
        wecom.deliver_direct(chat, USER, "c")
        clock[0] += 2
        wecom.deliver_direct(chat, USER, "d")
        assert paths(rsps).count("/gettoken") == 2
        assert paths(rsps).count("/message/send") == 4


@pytest.mark.parametrize(
    ("errcode", "errmsg"),
    [(42001, "access_token expired"), (40014, "invalid access_token")],
)
def test_an_expired_or_invalid_token_is_refreshed_once(errcode, errmsg):
    wecom = app_adapter()
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps, token="old")
        rsps.add(responses.POST, MESSAGE_SEND, json={"errcode": errcode, "errmsg": errmsg})
        rsps.add(
            responses.GET,
            GETTOKEN,
            json={"errcode": 0, "errmsg": "ok", "access_token": "new", "expires_in": 7200},
        )
        send_answer(rsps)
        assert wecom.deliver_direct(ChatAddress("wecom", CHAT), USER, "hi") == SENT["msgid"]
        assert paths(rsps) == ["/gettoken", "/message/send", "/gettoken", "/message/send"]
        assert rsps.calls[3].request.url.endswith("access_token=new")


def test_a_token_refused_twice_is_a_failure_not_a_loop():
    wecom = app_adapter()
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        expired = {"errcode": 42001, "errmsg": "access_token expired"}
        rsps.add(responses.POST, MESSAGE_SEND, json=expired)
        with pytest.raises(DeliveryError, match="42001"):
            wecom.deliver_direct(ChatAddress("wecom", CHAT), USER, "hi")
        assert paths(rsps) == ["/gettoken", "/message/send", "/gettoken", "/message/send"]


def test_a_member_outside_the_apps_visible_range_fails_at_once():
    sleeps: list[float] = []
    wecom = app_adapter(app_sender=quiet_sender(sleeps))
    chat = ChatAddress("wecom", CHAT)
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        # Another recipient's failure in the same answer says nothing about ours.
        send_answer(rsps, invaliduser="lisi|zhangsan")
        with pytest.raises(DirectRefused, match="invaliduser") as raised:
            wecom.deliver_direct(chat, USER, "hi")
        assert USER in str(raised.value)
        rsps.replace(
            responses.POST,
            MESSAGE_SEND,
            json={"errcode": 81013, "errmsg": "user & party & tag all invalid"},
        )
        with pytest.raises(DirectRefused, match="visible range"):
            wecom.deliver_direct(chat, USER, "hi")
        assert paths(rsps).count("/message/send") == 2
    assert sleeps == []


def test_an_untrusted_ip_says_how_to_fix_it():
    wecom = app_adapter()
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        untrusted = {"errcode": 60020, "errmsg": "not allow to access from your ip"}
        rsps.add(responses.POST, MESSAGE_SEND, json=untrusted)
        with pytest.raises(DirectRefused, match="trusted IPs"):
            wecom.deliver_direct(ChatAddress("wecom", CHAT), USER, "hi")
        assert paths(rsps).count("/message/send") == 1


def test_an_unlicensed_member_did_not_get_it():
    wecom = app_adapter()
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        send_answer(rsps, unlicenseduser=USER)
        with pytest.raises(DirectRefused, match="unlicenseduser"):
            wecom.deliver_direct(ChatAddress("wecom", CHAT), USER, "hi")


def test_a_frequency_limit_is_retried_after_waiting():
    sleeps: list[float] = []
    wecom = app_adapter(app_sender=quiet_sender(sleeps))
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        rsps.add(
            responses.POST, MESSAGE_SEND, json={"errcode": 45009, "errmsg": "api freq out of limit"}
        )
        send_answer(rsps)
        assert wecom.deliver_direct(ChatAddress("wecom", CHAT), USER, "hi") == SENT["msgid"]
    assert sleeps == [5.0]


def test_a_markdown_part_over_the_apps_2048_bytes_goes_as_two_messages():
    wecom = app_adapter(style="markdown")
    lines = "\n".join(f"第{n:03d}行：还没有打卡的同学请尽快" for n in range(80))  # ~3 KB
    (part,) = wecom.render(Message(lines))
    assert part.msgtype == "markdown" and len(part.content.encode()) > 2048
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        send_answer(rsps, msgid="first")
        send_answer(rsps, msgid="second")
        assert wecom.deliver_direct(ChatAddress("wecom", CHAT), USER, part) == "second"
        bodies = [json.loads(c.request.body) for c in rsps.calls[1:]]
    assert [b["msgtype"] for b in bodies] == ["markdown", "markdown"]
    contents = [b["markdown"]["content"] for b in bodies]
    assert all(len(c.encode()) <= 2048 for c in contents)
    assert "\n".join(contents) == part.content


def test_settings_name_the_app_and_a_bad_agent_id_turns_direct_messages_off():
    import logging
    from types import SimpleNamespace

    from chalicelib.platforms.wecom import build

    secrets = {
        "ROLLCALL_WECOM_CORP_ID": CORP_ID,
        "ROLLCALL_WECOM_CORP_SECRET": CORP_SECRET,
        "ROLLCALL_WECOM_AGENT_ID": str(AGENT_ID),
    }
    runtime = SimpleNamespace(store=None)
    wecom = build(Settings(secrets=secrets, api_bases={"wecom": BASE}), runtime)
    assert wecom.direct_messages is True
    assert CORP_SECRET not in repr(wecom)
    with responses.RequestsMock() as rsps:
        gettoken_answer(rsps)
        send_answer(rsps)
        wecom.deliver_direct(ChatAddress("wecom", CHAT), USER, "hi")
        assert json.loads(rsps.calls[1].request.body)["agentid"] == AGENT_ID
    bad = {**secrets, "ROLLCALL_WECOM_AGENT_ID": "app-1"}
    with recorded("wecom", logging.WARNING) as log:
        assert build(Settings(secrets=bad), runtime).direct_messages is False
    assert any("ROLLCALL_WECOM_AGENT_ID" in r.getMessage() for r in log.records)


# -- the envelope is unauthenticated: scanned, never parsed, until its signature holds ------


def _wecom_route(dynamo_table) -> Store:
    secrets = {
        "ROLLCALL_WECOM_TOKEN": TOKEN,
        "ROLLCALL_WECOM_ENCODING_AES_KEY": AES_KEY_TEXT,
        "ROLLCALL_WECOM_CORP_ID": CORP_ID,
    }
    store = Store(dynamo_table)
    store.create_community(community(platform="wecom", chat_id=CHAT))
    settings = Settings(secrets=secrets, api_bases={"wecom": BASE})
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    return store


def test_unauthenticated_junk_is_401_and_signed_junk_400_through_the_route(dynamo_table):
    """What no signature covers is refused as unauthenticated (401), whatever it is: not
    XML, no Encrypt element, two of them, a declaration, past the size bound. Only a body
    whose Encrypt value is correctly signed gets as far as a 400 for what it holds."""
    store = _wecom_route(dynamo_table)
    good = encrypt(ROBOT_MESSAGE, receive_id="")
    huge = envelope(good).replace(b"</xml>", b"<Pad>" + b"x" * 200_000 + b"</Pad></xml>")
    twice = envelope(good).replace(b"</xml>", b"<Encrypt>QUFB</Encrypt></xml>")
    unsigned = [b"not xml", b"<xml><ToUserName>x</ToUserName></xml>", BOMB.encode(), twice, huge]
    garbage = base64.b64encode(os.urandom(64)).decode()  # signed, but not our ciphertext
    try:
        with Client(app.app) as client:

            def post_to(body: bytes, encrypted: str):
                query = urlencode(signed_query(encrypted))
                return client.http.post(
                    f"/webhooks/wecom?{query}", headers={"Content-Type": "text/xml"}, body=body
                ).status_code

            junk = [post_to(body, good) for body in unsigned]
            signed_garbage = post_to(envelope(garbage), garbage)
    finally:
        set_runtime(None)
    assert junk == [401] * len(unsigned)
    assert signed_garbage == 400
    assert store.get_member("c1", "zhangsan") is None


def test_no_xml_parser_runs_before_the_signature_is_checked():
    """The envelope's Encrypt value is found by a bounded scan: a forged or junk request
    never reaches ElementTree (which is not even imported), only a verified one does."""
    code = f"""
import sys
from datetime import datetime, timezone
from chalicelib.platforms.base import HttpRequest, Unauthorized
from chalicelib.platforms.wecom import WeComAdapter

wecom = WeComAdapter(token={TOKEN!r}, encoding_aes_key={AES_KEY_TEXT!r}, corp_id={CORP_ID!r})
now = datetime.fromtimestamp({NOW.timestamp()}, timezone.utc)
query = {{"msg_signature": "0" * 40, "timestamp": str(int(now.timestamp())), "nonce": "n"}}
bodies = [b"<xml><Encrypt><![CDATA[QUFB]]></Encrypt></xml>", {BOMB.encode()!r}, b"<a>" * 9999]
for body in bodies:
    try:
        wecom.verify(HttpRequest("POST", {{}}, query, body), now)
    except Unauthorized:
        pass
    else:
        raise SystemExit("verified a forgery")
assert "xml.etree.ElementTree" not in sys.modules, "an XML parser ran before the signature"
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.getcwd())
