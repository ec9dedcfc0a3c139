"""Fuzzing ``/webhooks/{platform}``: whatever arrives, the answer is never a 5xx.

Every platform's route gets arbitrary requests through Chalice itself (``chalice.test.Client``
on the real app): bodies of every shape (bytes, non-UTF-8, JSON, XML, forms, deep nesting,
empty, past the 1 MB cap), random signature headers and content types the route accepts,
random query strings, POST and GET. Every platform is configured (``Settings(secrets=...)``)
so its verification code really runs; Feishu twice, with an encrypt key and with only a
verification token, since those verify differently. A second test signs each body validly
(console, Telegram, Slack, Discord, Feishu, DingTalk, WeCom), so parsers and command
handlers behind the signature get arbitrary input too, in a bound community whose member
may be an admin.

Why: the platforms retry a 5xx (Telegram for a day, Slack and Feishu several times), and
Discord removes an endpoint that answers its probes wrongly; a 500 is always a bug.

``ROLLCALL_FUZZ_SCALE`` is the number of requests per route (per platform, GET and POST),
split evenly between the two tests and, for Feishu, its two configurations (default 10,000,
the issue's bar: about 2 minutes 20 s on 2 cores, almost all of it Hypothesis generating
examples). The store is a MemoryTable and outbound HTTP is answered by ``responses``.
``-m "not slow"`` skips the two fuzz tests and keeps the pinned regressions at the end.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import struct
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
import responses
from chalice.test import Client
from Crypto.Cipher import AES
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Role
from chalicelib.entrypoints.webhooks import CONTENT_TYPES
from chalicelib.platforms.http import HttpSender
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
STAMP = str(int(NOW.timestamp()))
# Requests per route (per platform), shared by its tests and configurations.
SCALE = int(os.environ.get("ROLLCALL_FUZZ_SCALE", "10000"))

CHAT, ADMIN = "fz-chat", "fz-admin"
ROBOT = "https://robot.fuzz.test/send?key=k"
CONSOLE_SECRET = "fz-console"
TELEGRAM_SECRET = "fz-telegram_secret"
SLACK_SECRET = "fz-slack"
FEISHU_TOKEN, FEISHU_KEY = "fz-feishu-token", "fz-feishu-key"
DINGTALK_SECRET = "fz-dingtalk"
WECOM_TOKEN, WECOM_CORP = "fz-wecom", "fz-corp"
WECOM_KEY = bytes(range(32))
DISCORD_KEY = ECC.construct(curve="ed25519", seed=bytes(range(32)))

SECRETS = {
    "ROLLCALL_TELEGRAM_BOT_TOKEN": "123:fuzz",
    "ROLLCALL_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
    "ROLLCALL_SLACK_SIGNING_SECRET": SLACK_SECRET,
    "ROLLCALL_SLACK_BOT_TOKEN": "xoxb-fuzz",
    "ROLLCALL_DISCORD_PUBLIC_KEY": DISCORD_KEY.public_key().export_key(format="raw").hex(),
    "ROLLCALL_DISCORD_BOT_TOKEN": "discord-fuzz",
    "ROLLCALL_FEISHU_VERIFICATION_TOKEN": FEISHU_TOKEN,
    "ROLLCALL_FEISHU_ENCRYPT_KEY": FEISHU_KEY,
    "ROLLCALL_DINGTALK_APP_SECRET": DINGTALK_SECRET,
    "ROLLCALL_WECOM_TOKEN": WECOM_TOKEN,
    "ROLLCALL_WECOM_ENCODING_AES_KEY": base64.b64encode(WECOM_KEY).decode().rstrip("="),
    "ROLLCALL_WECOM_CORP_ID": WECOM_CORP,
}
# The same platforms, but Feishu checks the body's verification token instead of a signature.
TOKEN_ONLY = {k: v for k, v in SECRETS.items() if k != "ROLLCALL_FEISHU_ENCRYPT_KEY"}

# Route name → (platform in the URL, configuration).
ROUTES = {
    "console": ("console", SECRETS),
    "telegram": ("telegram", SECRETS),
    "slack": ("slack", SECRETS),
    "discord": ("discord", SECRETS),
    "feishu": ("feishu", SECRETS),
    "feishu-token-only": ("feishu", TOKEN_ONLY),
    "dingtalk": ("dingtalk", SECRETS),
    "wecom": ("wecom", SECRETS),
}


def examples(route: str) -> int:
    """This test's share of its platform's SCALE: each platform's requests are split evenly
    between the two tests and between its configurations (Feishu has two)."""
    platform = ROUTES[route][0]
    shares = 2 * sum(1 for p, _ in ROUTES.values() if p == platform)
    return max(1, -(-SCALE // shares))


FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)


# -- the app, wired to fast fakes -------------------------------------------------------

_ANY_URL = re.compile(r".*")


def _runtime(secrets: dict[str, str]) -> Runtime:
    store = Store(MemoryTable())
    for platform in ("console", "telegram", "slack", "discord", "feishu", "dingtalk", "wecom"):
        store.create_community(
            community(
                id=f"c-{platform}",
                platform=platform,
                chat_id=CHAT,
                robot_webhook=ROBOT,
                robot_secret="robot-secret",
            )
        )
        store.save_member(member(ADMIN, community_id=f"c-{platform}", role=Role.ADMIN))
    rt = Runtime(
        settings=Settings(console_secret=CONSOLE_SECRET, secrets=secrets),
        store=store,
        clock=FixedClock(NOW),
    )
    rt.console_sink = lambda _sent: None
    rt.queue = MemoryQueue()  # deferred admin commands: never a real SQS client
    return rt


def _no_waiting(rt: Runtime) -> None:
    """Adapters pace sends to one chat a second apart; the fuzz sends thousands."""
    for platform in ("telegram", "slack", "discord", "feishu", "dingtalk", "wecom"):
        adapter = rt.adapter(platform)
        for value in vars(adapter).values():
            if isinstance(value, HttpSender):
                value.min_interval = 0.0


@pytest.fixture(scope="module")
def routes() -> Iterator[dict[str, tuple[str, Runtime]]]:
    runtimes = {id(SECRETS): _runtime(SECRETS), id(TOKEN_ONLY): _runtime(TOKEN_ONLY)}
    for rt in runtimes.values():
        _no_waiting(rt)
    ok = {"ok": True, "errcode": 0, "code": 0, "result": {"message_id": 1}, "id": "1", "ts": "1"}
    debug = app.app.debug
    app.app.debug = True  # a 500 would carry its traceback: the failure then shows it
    with responses.RequestsMock(assert_all_requests_are_fired=False) as outbound:
        outbound.add_callback(responses.POST, _ANY_URL, lambda _r: (200, {}, json.dumps(ok)))
        try:
            yield {name: (p, runtimes[id(cfg)]) for name, (p, cfg) in ROUTES.items()}
        finally:
            app.app.debug = debug
            set_runtime(None)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with Client(app.app) as test_client:
        yield test_client


def send(client: Client, method: str, platform: str, body: bytes, headers: dict, query: str):
    path = f"/webhooks/{platform}" + (f"?{query}" if query else "")
    response = client.http.request(method, path, headers=headers, body=body)
    text = response.body if isinstance(response.body, bytes) else str(response.body).encode()
    assert response.status_code < 500, (response.status_code, text[:2000])
    assert b"Traceback" not in text
    return response


# -- strategies -------------------------------------------------------------------------


def _utf8(text: str) -> bytes:
    """UTF-8, letting a lone surrogate through as the invalid bytes it makes."""
    return text.encode("utf-8", "surrogatepass")


def _form(fields: dict[str, str]) -> str:
    return urlencode(fields, errors="surrogatepass")


SIGNATURE_HEADERS = [
    "x-rollcall-signature",
    "x-rollcall-timestamp",
    "x-telegram-bot-api-secret-token",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "x-slack-retry-num",
    "x-signature-ed25519",
    "x-signature-timestamp",
    "x-lark-signature",
    "x-lark-request-timestamp",
    "x-lark-request-nonce",
    "timestamp",
    "sign",
]
QUERY_KEYS = ["msg_signature", "timestamp", "nonce", "echostr"]
ODD_VALUES = [
    STAMP,
    STAMP + "000",
    str(int(STAMP) - 10_000),
    "",
    "0",
    "-1",
    "+1",
    " 1 ",
    "1_700_000_000",
    "１７００００００００",
    "1" + "0" * 400,
    "9" * 5000,
    "1e10",
    "nan",
    "v0=",
    "sha256=",
    TELEGRAM_SECRET,
    "=" * 43,
    "%00",
    "\ud800",  # a lone surrogate: JSON can carry one (as an escape), UTF-8 cannot
]

header_values = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=40),
    st.integers().map(str),
    st.binary(max_size=64).map(bytes.hex),
    st.binary(max_size=48).map(lambda b: "v0=" + b.hex()),
    st.binary(max_size=48).map(lambda b: base64.b64encode(b).decode()),
)
header_names = st.one_of(
    st.sampled_from(SIGNATURE_HEADERS),
    st.text("abcdefghijklmnopqrstuvwxyz-_0123456789", min_size=1, max_size=24),
)
content_types = st.one_of(
    st.sampled_from(CONTENT_TYPES),
    st.sampled_from(CONTENT_TYPES).map(lambda c: c + "; charset=utf-8"),
    st.sampled_from(CONTENT_TYPES).map(str.upper),
    st.sampled_from(["application/json; charset=gbk", "text/xml;charset=utf-16", "*/*"]),
)
# WeCom reads its signature from the query; the others ignore it, so theirs are cheap.
wecom_queries = st.one_of(
    st.fixed_dictionaries({}, optional={k: header_values for k in QUERY_KEYS}),
    st.dictionaries(st.text(min_size=1, max_size=10), header_values, max_size=3),
).map(_form)
other_queries = st.one_of(
    st.just(""),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2).map(_form),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(ODD_VALUES),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=8,
)


# One draw in ``_RARE`` of these 120 picks the odd branch. (Hypothesis leans towards the
# edges of a choice, so a plain ``one_of``/``sampled_from`` would pick the odd branch far
# more often than its share, and few payloads would get through to the handlers.)
_ODDS = st.integers(0, 119)


def rarely(draw: st.DrawFn, one_in: int = 12) -> bool:
    return draw(_ODDS) < 120 // one_in


def junk_or(draw: st.DrawFn, value: Any) -> Any:
    """``value``, or now and then anything at all: enough junk to reach every type check,
    little enough that most payloads get through."""
    return draw(json_values) if rarely(draw) else value


COMMANDS = [
    "/help",
    "/checkin",
    "打卡",
    "/makeup",
    "补卡2026-11-22",
    "/submit https://example.com/hw",
    "交作业 https://x.test",
    "/hw",
    "/review",
    "点评@小明",
    "/me",
    "/standing",
    "/leaderboard",
    "/leave",
    "请假99999999999999999999",
    "/back",
    "/quiet",
    "/theme",
    "/remind",
    "/report",
    "/exempt",
    "/confirm-removals",
    "/checkin@botname",
    "／checkin",
    "/start",
    "/unknown",
]
ARGUMENTS = [
    "",
    "",
    "3",
    "-1",
    "0",
    "2026-11-21",
    "2026-02-30",
    "@u1",
    "<@u2>",
    "22:00-07:00",
    "\udc80",
    "x" * 5000,
]


@st.composite
def words(draw: st.DrawFn) -> str:
    """Chat text: mostly a command with an argument (plausible or arbitrary), else chatter."""
    if rarely(draw, 5):
        return draw(st.text(max_size=40))
    argument = draw(st.text(max_size=30)) if rarely(draw, 4) else draw(st.sampled_from(ARGUMENTS))
    return f"{draw(st.sampled_from(COMMANDS))} {argument}".strip()


def _xml(fields: dict[str, str]) -> bytes:
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return _utf8(f"<xml>{inner}</xml>")


tags = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij", min_size=1, max_size=12)
xml_bodies = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(["Encrypt", "MsgType", "Content"]), tags), words()
    ).map(_xml),
    st.integers(1, 50_000).map(lambda n: b"<a>" * n + b"</a>" * n),
    st.just(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><xml><Encrypt>&a;</Encrypt></xml>'
    ),
)
arbitrary_bodies = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=200).map(_utf8),
    json_values.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: json.dumps(v).encode("utf-16")),
    xml_bodies,
    st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=6).map(
        lambda d: _form(d).encode()
    ),
    # Deep nesting: a recursive parser would overflow the stack.
    st.integers(1, 200_000).map(lambda n: b"[" * n),
    st.integers(1, 100_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    # Empty to well past the 1 MB cap, cheaply.
    st.tuples(st.binary(min_size=1, max_size=8), st.integers(0, 160_000)).map(
        lambda p: p[0] * p[1]
    ),
    st.sampled_from(
        [b"", b"{}", b"[]", b"null", b'{"encrypt": 1}', b'{"encrypt": "AAAA"}', b"\xff\xfe{}"]
    ),
)


# Each platform's own verification headers: drawn far more often than chance would.
OWN_HEADERS = {
    "console": ["x-rollcall-signature", "x-rollcall-timestamp"],
    "telegram": ["x-telegram-bot-api-secret-token"],
    "slack": ["x-slack-signature", "x-slack-request-timestamp", "x-slack-retry-num"],
    "discord": ["x-signature-ed25519", "x-signature-timestamp"],
    "feishu": ["x-lark-signature", "x-lark-request-timestamp", "x-lark-request-nonce"],
    "dingtalk": ["timestamp", "sign"],
    "wecom": [],
}


@st.composite
def arbitrary_headers(draw: st.DrawFn, platform: str) -> dict[str, str]:
    headers = draw(st.dictionaries(header_names, header_values, max_size=3))
    for name in OWN_HEADERS[platform]:
        if draw(st.integers(0, 3)):
            headers[name.title() if draw(st.booleans()) else name] = draw(header_values)
    if draw(st.integers(0, 9)):  # mostly a content type the route accepts
        headers["Content-Type"] = draw(content_types)
    return headers


# -- platform-shaped payloads: valid shapes with arbitrary values in places -------------


def person(draw: st.DrawFn) -> str:
    if rarely(draw, 8):
        return draw(st.sampled_from(["", "  ", "😀", "9" * 300]))
    return draw(st.sampled_from([ADMIN, "u1", "u2", "u3"]))


def chat(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["elsewhere", "", " ", "x" * 300])) if rarely(draw, 8) else CHAT


def delivery_id(draw: st.DrawFn) -> str:
    return str(draw(st.integers(0, 2**62)))  # repeats now and then: dedupe is exercised


@st.composite
def console_payloads(draw: st.DrawFn) -> bytes:
    body = {
        "type": junk_or(
            draw,
            draw(st.sampled_from(["member_joined", "member_left"]))
            if rarely(draw, 3)
            else "message",
        ),
        "chat_id": junk_or(draw, chat(draw)),
        "user": junk_or(draw, {"id": person(draw), "name": draw(st.sampled_from(["", "小明"]))}),
        "text": junk_or(draw, draw(words())),
        "message_id": junk_or(draw, delivery_id(draw)),
    }
    return _utf8(json.dumps(body, ensure_ascii=draw(st.booleans())))


@st.composite
def telegram_payloads(draw: st.DrawFn) -> bytes:
    user = {
        "id": junk_or(draw, draw(st.integers(-5, 5))),
        "is_bot": rarely(draw, 4),
        "first_name": draw(st.sampled_from(["", "Ann", "小明"])),
        "username": junk_or(draw, draw(st.sampled_from([None, "ann", ""]))),
    }
    message: dict[str, Any] = {
        "message_id": junk_or(draw, draw(st.integers(0, 10**12))),
        "chat": junk_or(draw, {"id": draw(st.sampled_from([CHAT, -100, 7]))}),
        "from": junk_or(draw, user),
        "text": junk_or(draw, draw(words())),
    }
    extra = draw(st.sampled_from(["", "new_chat_members", "left_chat_member", "topic", "caption"]))
    if extra == "new_chat_members":
        message[extra] = junk_or(draw, [user, {**user, "id": 9}])
    elif extra == "left_chat_member":
        message[extra] = junk_or(draw, user)
    elif extra == "topic":
        message.update(is_topic_message=True, message_thread_id=junk_or(draw, 7))
    elif extra == "caption":
        message["caption"] = message.pop("text")
    update = {"update_id": junk_or(draw, draw(st.integers(-(2**70), 2**70))), "message": message}
    return json.dumps(junk_or(draw, update)).encode()


@st.composite
def slack_payloads(draw: st.DrawFn) -> tuple[bytes, str]:
    if draw(st.booleans()):
        form = {
            "command": draw(st.sampled_from(["/checkin", "/rollcall", "/rc", "/x", ""])),
            "text": draw(words()),
            "user_id": person(draw),
            "channel_id": chat(draw),
            "trigger_id": delivery_id(draw),
            "response_url": "https://hooks.slack.com/commands/1",
        }
        if rarely(draw):
            form = {draw(st.sampled_from(["ssl_check", "payload"])): "1"}
        if rarely(draw):
            form.pop(draw(st.sampled_from(sorted(form))))
        return _form(form).encode(), "application/x-www-form-urlencoded"
    event = {
        "type": draw(st.sampled_from(["app_mention", "message", "member_joined_channel", "x"])),
        "user": junk_or(draw, person(draw)),
        "channel": junk_or(draw, chat(draw)),
        "text": junk_or(draw, "<@UBOT> " + draw(words())),
        "subtype": draw(st.sampled_from([None, None, "bot_message", "file_share", "x"])),
        "thread_ts": junk_or(draw, "1.2"),
    }
    body = {
        "type": draw(st.sampled_from(["event_callback", "event_callback", "url_verification"])),
        "challenge": junk_or(draw, "c"),
        "event": junk_or(draw, event),
        "event_id": junk_or(draw, delivery_id(draw)),
        "authorizations": junk_or(draw, [{"user_id": "UBOT", "is_bot": True}]),
    }
    return json.dumps(body).encode(), "application/json"


@st.composite
def discord_payloads(draw: st.DrawFn) -> bytes:
    option = {
        "name": draw(st.sampled_from(["note", "days", ""])),
        "type": draw(st.sampled_from([3, 4, 5, 6, 9, 1])),
        "value": junk_or(draw, draw(st.sampled_from(["x", 3, True, "101"]))),
    }
    body = {
        "type": junk_or(draw, draw(st.sampled_from([1, 2, 2, 2, 3, 4, 5]))),
        "id": junk_or(draw, delivery_id(draw)),
        "application_id": "app",
        "token": "interaction-token",
        "channel_id": junk_or(draw, chat(draw)),
        "data": junk_or(
            draw,
            {
                "name": draw(st.sampled_from(["checkin", "help", "exempt", "leave", "x", ""])),
                "options": junk_or(draw, [option, {"name": "sub", "options": [option]}]),
                "resolved": junk_or(draw, {"roles": {"101": {}}}),
            },
        ),
        "member": junk_or(
            draw, {"user": {"id": person(draw), "username": junk_or(draw, "u")}, "nick": None}
        ),
    }
    return json.dumps(body).encode()


@st.composite
def feishu_payloads(draw: st.DrawFn) -> bytes:
    message = {
        "chat_id": junk_or(draw, chat(draw)),
        "message_type": draw(st.sampled_from(["text", "text", "image"])),
        "content": junk_or(draw, json.dumps({"text": "@_user_1 " + draw(words())})),
        "mentions": junk_or(draw, [{"key": "@_user_1", "name": "bot"}]),
    }
    sender = {"sender_id": {"open_id": person(draw)}, "sender_type": junk_or(draw, "user")}
    event_type = draw(
        st.sampled_from(
            [
                "im.message.receive_v1",
                "im.message.receive_v1",
                "im.chat.member.user.added_v1",
                "im.chat.member.user.deleted_v1",
                "other",
            ]
        )
    )
    event = {
        "message": junk_or(draw, message),
        "sender": junk_or(draw, sender),
        "chat_id": chat(draw),
        "users": junk_or(draw, [{"user_id": {"open_id": person(draw)}, "name": "n"}]),
    }
    header = {"event_id": delivery_id(draw), "event_type": event_type, "token": FEISHU_TOKEN}
    body = {
        "schema": junk_or(draw, "2.0"),
        "header": junk_or(draw, header),
        "event": junk_or(draw, event),
        "type": draw(st.sampled_from([None, None, "url_verification", "event_callback"])),
        "challenge": junk_or(draw, "c"),
        "token": FEISHU_TOKEN,
    }
    raw = json.dumps(body).encode()
    if draw(st.booleans()):
        iv = draw(st.binary(min_size=16, max_size=16))
        raw = json.dumps({"encrypt": _feishu_encrypt(raw, iv)}).encode()
    return raw


@st.composite
def dingtalk_payloads(draw: st.DrawFn) -> bytes:
    session = draw(
        st.sampled_from(
            ["https://oapi.dingtalk.com/robot/sendBySession?session=x", "https://evil.test/"]
        )
    )
    body = {
        "conversationId": junk_or(draw, chat(draw)),
        "senderStaffId": junk_or(draw, person(draw)),
        "senderNick": junk_or(draw, "n"),
        "msgtype": junk_or(draw, "text"),
        "text": junk_or(draw, {"content": draw(words())}),
        "msgId": junk_or(draw, delivery_id(draw)),
        "sessionWebhook": session,
        "sessionWebhookExpiredTime": junk_or(draw, int(NOW.timestamp() * 1000) + 60_000),
    }
    return json.dumps(body).encode()


@st.composite
def wecom_inner(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        fields = {
            "ChatId": chat(draw),
            "ChatType": draw(st.sampled_from(["group", "single"])),
            "MsgType": draw(st.sampled_from(["text", "text", "mixed", "event"])),
            "MsgId": delivery_id(draw),
            "WebhookUrl": "https://in.qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        }
        inner = _xml(fields)[: -len(b"</xml>")]
        inner += _utf8(f"<From><UserId>{person(draw)}</UserId><Name>n</Name></From>")
        inner += _utf8(f"<Text><Content><![CDATA[@bot {draw(words())}]]></Content></Text></xml>")
        return inner
    fields = {
        "FromUserName": person(draw),
        "MsgType": draw(st.sampled_from(["text", "event", "image", ""])),
        "Content": draw(words()),
        "MsgId": delivery_id(draw),
    }
    return _xml(fields)


def _feishu_encrypt(plain: bytes, iv: bytes) -> str:
    pad = 16 - len(plain) % 16
    cipher = AES.new(hashlib.sha256(FEISHU_KEY.encode()).digest(), AES.MODE_CBC, iv)
    return base64.b64encode(iv + cipher.encrypt(plain + bytes([pad]) * pad)).decode()


def _wecom_encrypt(message: bytes, receive_id: str) -> str:
    plain = bytes(16) + struct.pack(">I", len(message)) + message + receive_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    return base64.b64encode(
        AES.new(WECOM_KEY, AES.MODE_CBC, WECOM_KEY[:16]).encrypt(plain)
    ).decode()


def _wecom_query(encrypted: str, extra: dict[str, str] | None = None) -> str:
    nonce = "n0nce"
    joined = "".join(sorted([WECOM_TOKEN, STAMP, nonce, encrypted])).encode()
    signature = hashlib.sha1(joined).hexdigest()  # noqa: S324 - WeCom's scheme
    return urlencode(
        {"msg_signature": signature, "timestamp": STAMP, "nonce": nonce, **(extra or {})}
    )


@st.composite
def signed_requests(draw: st.DrawFn, route: str) -> tuple[str, bytes, dict[str, str], str]:
    """(method, body, headers, query) that pass the route's verification."""
    shaped = {
        "console": console_payloads(),
        "telegram": telegram_payloads(),
        "slack": slack_payloads(),
        "discord": discord_payloads(),
        "feishu": feishu_payloads(),
        "feishu-token-only": feishu_payloads(),
        "dingtalk": dingtalk_payloads(),
        "wecom": wecom_inner(),
    }[route]
    drawn = draw(arbitrary_bodies if rarely(draw, 5) else shaped)
    body, content_type = drawn if isinstance(drawn, tuple) else (drawn, "application/json")
    headers = {"Content-Type": content_type}
    query = ""
    method = "POST"
    if route == "console":
        mac = hmac.new(CONSOLE_SECRET.encode(), f"{STAMP}:".encode() + body, hashlib.sha256)
        headers |= {
            "X-Rollcall-Timestamp": STAMP,
            "X-Rollcall-Signature": "sha256=" + mac.hexdigest(),
        }
    elif route == "telegram":
        headers["X-Telegram-Bot-Api-Secret-Token"] = TELEGRAM_SECRET
    elif route == "slack":
        mac = hmac.new(SLACK_SECRET.encode(), f"v0:{STAMP}:".encode() + body, hashlib.sha256)
        headers |= {
            "X-Slack-Request-Timestamp": STAMP,
            "X-Slack-Signature": "v0=" + mac.hexdigest(),
        }
        if draw(st.booleans()):
            headers["X-Slack-Retry-Num"] = draw(header_values)
    elif route == "discord":
        signature = eddsa.new(DISCORD_KEY, "rfc8032").sign(STAMP.encode() + body)
        headers |= {"X-Signature-Ed25519": signature.hex(), "X-Signature-Timestamp": STAMP}
    elif route == "feishu":
        nonce = draw(st.text("abc123", max_size=8))
        digest = hashlib.sha256((STAMP + nonce + FEISHU_KEY).encode() + body).hexdigest()
        headers |= {
            "X-Lark-Request-Timestamp": STAMP,
            "X-Lark-Request-Nonce": nonce,
            "X-Lark-Signature": digest,
        }
    elif route == "dingtalk":
        # A (timestamp, sign) pair is bound to the first body it came with: each body gets
        # a millisecond of its own within the window, as DingTalk's requests would.
        stamp = str(int(STAMP) * 1000 + int(hashlib.sha256(body).hexdigest()[:8], 16) % 600_000)
        mac = hmac.new(DINGTALK_SECRET.encode(), f"{stamp}\n{DINGTALK_SECRET}".encode(), "sha256")
        headers |= {"timestamp": stamp, "sign": base64.b64encode(mac.digest()).decode()}
    elif route == "wecom":
        receive_id = draw(st.sampled_from([WECOM_CORP, "", "other"]))
        encrypted = _wecom_encrypt(body, receive_id)
        if draw(st.integers(0, 4)) == 0:
            method, body = "GET", b""
            query = _wecom_query(encrypted, {"echostr": encrypted})
        else:
            query = _wecom_query(encrypted)
            body = _xml({"ToUserName": WECOM_CORP, "Encrypt": encrypted})
        headers["Content-Type"] = "text/xml"
    return method, body, headers, query


# -- the tests --------------------------------------------------------------------------


def _fuzz(routes, client, route: str, kind: str, requests: st.SearchStrategy) -> Counter[int]:
    """Send this test's share of the route's requests; the statuses they got."""
    platform, rt = routes[route]
    set_runtime(rt)
    statuses: Counter[int] = Counter()

    @settings(FUZZ, max_examples=examples(route))
    @given(request=requests)
    def fuzz(request: tuple[str, bytes, dict[str, str], str]) -> None:
        method, body, headers, query = request
        statuses[send(client, method, platform, body, headers, query).status_code] += 1

    fuzz()
    spread = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    # One line per test (pytest -s or -rP): how many requests, and how deep they reached.
    print(f"fuzz {route} {kind}: {statuses.total()} requests ({spread})")
    return statuses


@pytest.mark.slow
@pytest.mark.parametrize("route", list(ROUTES))
def test_arbitrary_requests_never_get_a_5xx(routes, client, route):
    platform = ROUTES[route][0]
    requests = st.tuples(
        st.sampled_from(["POST", "POST", "POST", "GET"]),
        arbitrary_bodies,
        arbitrary_headers(platform),
        wecom_queries if platform == "wecom" else other_queries,
    )
    _fuzz(routes, client, route, "arbitrary", requests)


@pytest.mark.slow
@pytest.mark.parametrize("route", list(ROUTES))
def test_validly_signed_requests_never_get_a_5xx(routes, client, route):
    statuses = _fuzz(routes, client, route, "signed", signed_requests(route))
    if statuses.total() >= 200:  # the signing is right: parsers and handlers were reached
        assert statuses[200] > statuses.total() // 10, statuses


def test_unknown_platforms_get_404_not_5xx(routes, client):
    set_runtime(routes["console"][1])
    known = {platform for platform, _ in ROUTES.values()}

    @settings(FUZZ, max_examples=200)
    @given(name=st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.%", min_size=1, max_size=20))
    def fuzz(name: str) -> None:
        if name in known:
            return
        response = send(client, "POST", name, b"{}", {"Content-Type": "application/json"}, "")
        assert response.status_code in (403, 404)

    fuzz()


# -- what the fuzz found, pinned ----------------------------------------------------------


def _console_signed(body: bytes) -> dict[str, str]:
    mac = hmac.new(CONSOLE_SECRET.encode(), f"{STAMP}:".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Rollcall-Timestamp": STAMP,
        "X-Rollcall-Signature": "sha256=" + mac.hexdigest(),
    }


HUGE = "1" + "0" * 400  # int() takes it; float() of it overflows
DEEP = b"[" * 100_000


@pytest.mark.parametrize(
    ("route", "method", "body", "headers", "query", "status"),
    [
        # A timestamp too large for a float was an OverflowError (500) before any signature.
        (
            "console",
            "POST",
            b"{}",
            {"X-Rollcall-Timestamp": HUGE, "X-Rollcall-Signature": "x"},
            "",
            401,
        ),
        (
            "slack",
            "POST",
            b"{}",
            {"X-Slack-Request-Timestamp": HUGE, "X-Slack-Signature": "v0=1"},
            "",
            401,
        ),
        (
            "discord",
            "POST",
            b"{}",
            {"X-Signature-Timestamp": HUGE, "X-Signature-Ed25519": "00"},
            "",
            401,
        ),
        ("dingtalk", "POST", b"{}", {"timestamp": HUGE, "sign": "x"}, "", 401),
        (
            "feishu",
            "POST",
            b"{}",
            {
                "X-Lark-Signature": "x",
                "X-Lark-Request-Timestamp": HUGE,
                "X-Lark-Request-Nonce": "n",
            },
            "",
            401,
        ),
        ("wecom", "GET", b"", {}, f"msg_signature=x&timestamp={HUGE}&nonce=n&echostr=e", 401),
        # JSON nested past the decoder's stack was a RecursionError (500), unsigned on Feishu.
        ("feishu", "POST", DEEP, {"Content-Type": "application/json"}, "", 401),
        # (Without an encrypt key the token is inside the body: unreadable is unauthenticated.)
        ("feishu-token-only", "POST", DEEP, {"Content-Type": "application/json"}, "", 401),
        ("console", "POST", DEEP, _console_signed(DEEP), "", 400),
        # A lone surrogate in a header could not be encoded for the comparison (500).
        ("telegram", "POST", b"{}", {"X-Telegram-Bot-Api-Secret-Token": "\ud800"}, "", 401),
        (
            "slack",
            "POST",
            b"{}",
            {"X-Slack-Request-Timestamp": STAMP, "X-Slack-Signature": "\udc80"},
            "",
            401,
        ),
    ],
)
def test_requests_that_were_500s_get_4xx(
    routes, client, route, method, body, headers, query, status
):
    platform, rt = routes[route]
    set_runtime(rt)
    assert send(client, method, platform, body, headers, query).status_code == status


def _console(text: str = "/help", *, user: Any = ADMIN, chat_id: Any = CHAT) -> bytes:
    return json.dumps({"chat_id": chat_id, "user": {"id": user}, "text": text}).encode()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        # Blank or oversized ids reached the store, which refuses them (a 500; DynamoDB also
        # refuses keys past 1-2 KB): now 400 at the adapter.
        (_console(user="  "), 400),
        (_console(user=""), 400),
        (_console(user="u" * 300), 400),
        (_console(chat_id=" "), 400),
        (_console(chat_id=True), 400),
        # Bytes that are not UTF-8 (an encoded surrogate): json.loads let them through.
        (_utf8('{"chat_id": "fz-chat", "user": {"id": "u1"}, "text": "\udc80"}'), 400),
    ],
)
def test_console_refuses_unusable_ids_and_text(routes, client, body, status):
    set_runtime(routes["console"][1])
    assert send(client, "POST", "console", body, _console_signed(body), "").status_code == status


def test_a_lone_surrogate_escape_reaches_no_reply_or_store(routes, client):
    """``"\\udc80"`` in JSON decodes to a str that cannot be encoded: the theme an admin set
    with it made every later /theme reply a 500. It is now U+FFFD from the start."""
    set_runtime(routes["console"][1])
    body = _console("/theme 读书 \udc80")
    assert b"\\udc80" in body
    response = send(client, "POST", "console", body, _console_signed(body), "")
    assert response.status_code == 200
    assert "\ufffd" in response.body.decode()


def test_discord_blank_user_id_is_400(routes, client):
    set_runtime(routes["discord"][1])
    body = json.dumps(
        {
            "type": 2,
            "id": "i1",
            "channel_id": CHAT,
            "data": {"name": "checkin"},
            "member": {"user": {"id": ""}},
        }
    ).encode()
    signature = eddsa.new(DISCORD_KEY, "rfc8032").sign(STAMP.encode() + body)
    headers = {
        "Content-Type": "application/json",
        "X-Signature-Ed25519": signature.hex(),
        "X-Signature-Timestamp": STAMP,
    }
    assert send(client, "POST", "discord", body, headers, "").status_code == 400


def test_slack_authorizations_of_the_wrong_type_are_ignored(routes, client):
    set_runtime(routes["slack"][1])
    event = {"type": "app_mention", "user": ADMIN, "channel": CHAT, "text": "<@UBOT> /me"}
    body = json.dumps({"type": "event_callback", "event": event, "authorizations": True}).encode()
    mac = hmac.new(SLACK_SECRET.encode(), f"v0:{STAMP}:".encode() + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": STAMP,
        "X-Slack-Signature": "v0=" + mac.hexdigest(),
    }
    assert send(client, "POST", "slack", body, headers, "").status_code == 200


def test_feishu_mentions_of_the_wrong_type_are_ignored(routes, client):
    set_runtime(routes["feishu-token-only"][1])
    message = {
        "chat_id": CHAT,
        "message_type": "text",
        "content": json.dumps({"text": "@_user_1 /help"}),
        "mentions": 7,
    }
    body = json.dumps(
        {
            "schema": "2.0",
            "header": {
                "event_id": "e-mentions",
                "event_type": "im.message.receive_v1",
                "token": FEISHU_TOKEN,
            },
            "event": {"message": message, "sender": {"sender_id": {"open_id": "u1"}}},
        }
    ).encode()
    assert (
        send(client, "POST", "feishu", body, {"Content-Type": "application/json"}, "").status_code
        == 200
    )
