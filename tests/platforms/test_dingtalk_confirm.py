"""Admin commands from DingTalk wait for a one-time code sent privately (chat/confirm.py):
DingTalk's signature covers a timestamp, not the body, so a body sent with captured
headers must not be able to change settings or people by itself."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import responses
from chalice.test import Client

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Role
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.repository import Store
from tests.helpers import community, member
from tests.platforms.test_dingtalk import (
    APP_KEY,
    APP_SECRET,
    BASE,
    BATCH_SEND,
    CALLBACK,
    CHAT,
    NOW,
    OPENAPI,
    SESSION,
    TOKEN_URL,
    body_of,
    signed,
)

ADMIN = "manager4220"  # CALLBACK's sender


def wired(dynamo_table, *, direct: bool = True) -> Store:
    secrets = {"ROLLCALL_DINGTALK_APP_SECRET": APP_SECRET}
    if direct:
        secrets |= {"ROLLCALL_DINGTALK_APP_KEY": APP_KEY, "ROLLCALL_DINGTALK_OPENAPI_BASE": OPENAPI}
    store = Store(dynamo_table)
    store.create_community(community(platform="dingtalk", chat_id=CHAT))
    store.save_member(member(ADMIN, role=Role.ADMIN))
    settings = Settings(secrets=secrets, api_bases={"dingtalk": BASE})
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    return store


def send(client, text: str, msg_id: str, at=NOW):
    """Each message signed at its own millisecond, as DingTalk does (a pair is bound to
    the first body it carried: store/replay.py)."""
    body = body_of({**CALLBACK, "msgId": msg_id, "text": {"content": text}})
    stamp = at + timedelta(milliseconds=int(msg_id.lstrip("m")))
    return client.http.post("/webhooks/dingtalk", headers=signed(stamp), body=body)


def replies(rsps) -> list[str]:
    """What went back into the group (DingTalk's sessionWebhook)."""
    return [
        json.loads(c.request.body)["text"]["content"]
        for c in rsps.calls
        if c.request.url == SESSION
    ]


def code_sent(rsps) -> str:
    [dm] = [c for c in rsps.calls if c.request.url == BATCH_SEND]
    sent = json.loads(dm.request.body)
    assert sent["userIds"] == [ADMIN]
    return re.search(r"\b(\d{6})\b", json.loads(sent["msgParam"])["content"]).group(1)


@pytest.fixture
def platform():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
        rsps.add(responses.POST, TOKEN_URL, json={"accessToken": "t", "expireIn": 7200})
        rsps.add(responses.POST, BATCH_SEND, json={"processQueryKey": "q"})
        yield rsps
    set_runtime(None)


def test_an_admin_command_waits_for_the_code_sent_privately_then_runs_once(dynamo_table, platform):
    store = wired(dynamo_table)
    with Client(app.app) as client:
        assert send(client, "/theme 读书", "m1").status_code == 200
        assert store.get_community("c1").theme is None  # held, not applied
        code = code_sent(platform)
        assert code not in "\n".join(replies(platform))  # never in the group
        assert send(client, f"/confirm {code}", "m2").status_code == 200
        assert store.get_community("c1").theme == "读书"
        send(client, "/theme 别的", "m3")
        assert send(client, f"确认 {code}", "m4").status_code == 200  # a used code
    assert store.get_community("c1").theme == "读书"
    said = replies(platform)
    assert "code was sent to you privately" in said[0] or "验证码已私信" in said[0]
    assert said[-1] in (
        "That code is unknown or expired; nothing changed.",
        "验证码无效或已过期，什么也没有改变。",
    )


def test_a_forged_confirmation_without_the_code_changes_nothing(dynamo_table, platform):
    store = wired(dynamo_table)
    with Client(app.app) as client:
        send(client, "/theme 读书", "m1")
        real = code_sent(platform)
        wrong = f"{(int(real) + 1) % 1_000_000:06d}"
        send(client, f"/confirm {wrong}", "m2")
        send(client, "/confirm soon", "m3")
    assert store.get_community("c1").theme is None


def test_an_expired_code_runs_nothing(dynamo_table, platform):
    store = wired(dynamo_table)
    with Client(app.app) as client:
        send(client, "/exempt @张三", "m1")
        code = code_sent(platform)
        later = NOW + timedelta(minutes=11)
        set_runtime(
            Runtime(
                settings=Settings(
                    secrets={"ROLLCALL_DINGTALK_APP_SECRET": APP_SECRET},
                    api_bases={"dingtalk": BASE},
                ),
                store=store,
                clock=FixedClock(later),
            )
        )
        send(client, f"/confirm {code}", "m2", at=later)
    assert not store.get_member("c1", ADMIN).exempt


def test_without_direct_messages_the_command_is_refused_and_points_at_the_cli(
    dynamo_table, platform
):
    store = wired(dynamo_table, direct=False)
    with Client(app.app) as client:
        send(client, "/theme 读书", "m1")
    assert store.get_community("c1").theme is None
    assert "CLI" in replies(platform)[0] or "命令行" in replies(platform)[0]
    assert not [c for c in platform.calls if c.request.url == BATCH_SEND]


def test_other_platforms_and_plain_commands_are_not_held(dynamo_table, platform):
    """Only admin commands that change something, only where the signature leaves the body
    unproven: a member's /leave on DingTalk runs at once."""
    store = wired(dynamo_table)
    with Client(app.app) as client:
        send(client, "/leave 2", "m1")
    assert store.get_member("c1", ADMIN).leave_until is not None
    assert not [c for c in platform.calls if c.request.url == BATCH_SEND]


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("本月目标 读完《原则》 300页", True),  # sets the month's goal
        ("/goal off", True),  # clears it
        ("颁奖 @Bo 最佳进步", True),  # an award by hand
        ("/goal", False),  # only shows the goal
        ("目标榜", False),  # only shows the board
        ("/goal board", False),
        ("公告 2030-12-08 09:00 内容", True),  # schedules an announcement
        ("取消公告 a1234567", True),  # cancels one
        ("/announce list", False),  # only lists them
    ],
)
def test_goal_and_award_changes_wait_for_the_code_too(dynamo_table, platform, text, held):
    """A captured DingTalk header pair must not set the month's goal or give an award in an
    admin's name; looking at the goal or its board changes nothing and is answered at once."""
    wired(dynamo_table)
    with Client(app.app) as client:
        assert send(client, text, "m1").status_code == 200
    dms = [c for c in platform.calls if c.request.url == BATCH_SEND]
    assert bool(dms) is held


def test_a_committee_members_theme_waits_for_the_code_too(dynamo_table, platform):
    """A 学习委员 may set the theme (the permission table): on DingTalk that change is held
    for their code like an admin's, so a captured header pair cannot set it in their name."""
    store = wired(dynamo_table)
    store.save_member(member(ADMIN, role=Role.MEMBER, position="学习委员"))
    with Client(app.app) as client:
        send(client, "/theme 读书", "m1")
        assert store.get_community("c1").theme is None
        send(client, f"/confirm {code_sent(platform)}", "m2")
    assert store.get_community("c1").theme == "读书"
