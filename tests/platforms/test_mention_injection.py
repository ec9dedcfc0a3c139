"""A Message's words never mention anyone: only its ``mentions`` do.

Names, notes, homework and review text are typed by members and end up inside bot posts
(a theme echoed back, a digest quoting reviews, a report listing names). Each adapter has
one rule for the words of a Message, applied where ``render`` lays out ``text`` and
``tail``: here each platform's own mention syntax is injected there, and the payload that
would be posted is checked to ping nobody but the intended member.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import responses
from chalice.test import Client

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Role
from chalicelib.platforms.base import ChatAddress, Mention, Message
from chalicelib.platforms.dingtalk import DingTalkAdapter
from chalicelib.platforms.discord import DiscordAdapter
from chalicelib.platforms.feishu import FeishuAdapter
from chalicelib.platforms.slack import SlackAdapter
from chalicelib.platforms.telegram import TelegramAdapter
from chalicelib.platforms.wecom import WeComAdapter
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.repository import Store
from tests.helpers import community, member
from tests.platforms.support import quiet_sender

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ROBOT = "https://robot.test/send?access_token=t"


def both(injection: str, mention: Mention) -> Message:
    """The injection in the words before and after the intended mention."""
    return Message(f"Theme: {injection}", (mention,), f"Note: {injection}")


# -- Slack ---------------------------------------------------------------------------------

SLACK_PINGS = ["<!channel>", "<!here>", "<!everyone>", "<@U0VICTIM>", "<#C0GENERAL>"]


@pytest.mark.parametrize(
    "injection", [*SLACK_PINGS, "<!subteam^S0TEAM|@team>", "<!date^1|x> <https://evil.test|ok>"]
)
def test_slack_words_cannot_ping(injection):
    slack = SlackAdapter("secret", "xoxb-1", sender=quiet_sender())
    [part] = slack.render(both(injection, Mention("U0ANN", "Ann")))
    assert re.findall(r"<[@#!]", part) == ["<@"]  # the intended mention, nothing else
    assert "<@U0ANN>" in part


# -- Discord -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "injection", ["@everyone", "@here", "@Everyone", "<@999>", "<@!999>", "<@&555>", "<#777>"]
)
def test_discord_words_cannot_ping_and_only_the_intended_user_is_allowed(injection):
    discord = DiscordAdapter(b"\0" * 32, "bot", sender=quiet_sender())
    [part] = discord.render(both(injection, Mention("101", "Ann")))
    assert part["allowed_mentions"] == {"parse": [], "users": ["101"]}
    content = part["content"]
    assert not re.search(r"@(everyone|here)", content, re.IGNORECASE)
    assert re.findall(r"<[@#]", content) == ["<@"] and "<@101>" in content


# -- Telegram ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "injection",
    [
        "@victim_user",
        "(@VictimUser)",
        '<a href="tg://user?id=999">you</a>',
        "<b>bold</b> <tg-spoiler>x</tg-spoiler>",
    ],
)
def test_telegram_words_cannot_ping_or_carry_html(injection):
    telegram = TelegramAdapter("123:ABC", "s", sender=quiet_sender())
    [part] = telegram.render(both(injection, Mention("101", "Ann", "ann_user")))
    assert "<a " not in part and "<b>" not in part and "<tg-" not in part
    # Telegram turns @username (5+ characters) into a mention: only the intended one stays.
    assert re.findall(r"(?<![\w/@])@[A-Za-z][A-Za-z0-9_]{4,}", part) == ["@ann_user"]


def test_telegram_bot_commands_and_emails_in_words_are_left_alone():
    telegram = TelegramAdapter("123:ABC", "s", sender=quiet_sender())
    [part] = telegram.render(Message("Send /checkin@rollcall_bot or mail a@example.com"))
    assert part == "Send /checkin@rollcall_bot or mail a@example.com"


# -- Feishu --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "injection",
    [
        '<at user_id="all"></at>',
        '<at user_id="all">所有人</at>',
        '<at user_id="ou_victim">V</at>',
        "<AT id=all></at>",
        "< at user_id=all>",
    ],
)
def test_feishu_words_cannot_ping(injection):
    feishu = FeishuAdapter(verification_token="t", sender=quiet_sender())
    [part] = feishu.render(both(injection, Mention("ou_ann", "Ann")))
    assert re.findall(r"<\s*at\b[^>]*>", part, re.IGNORECASE) == ['<at user_id="ou_ann">']


# -- DingTalk ------------------------------------------------------------------------------


@pytest.mark.parametrize("injection", ["@all", "@所有人", "@13800138000", "@+8613800138000"])
def test_dingtalk_words_cannot_ping(injection):
    dingtalk = DingTalkAdapter(app_secret="s", sender=quiet_sender())
    [part] = dingtalk.render(both(injection, Mention("ann01", "Ann")))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, re.compile(r"https://robot\.test/.*"), json={"errcode": 0})
        dingtalk.deliver(ChatAddress("dingtalk", "cid", robot_webhook=ROBOT), part)
        sent = json.loads(rsps.calls[0].request.body)
    assert sent["at"] == {"atUserIds": ["ann01"], "isAtAll": False}
    text = sent["text"]["content"]
    assert not re.search(r"@(all|所有人|\+?\d{5,})", text, re.IGNORECASE)
    assert "@ann01" in text


# -- WeCom ---------------------------------------------------------------------------------


@pytest.mark.parametrize("injection", ["<@all>", "<@victim>", "@all", "@所有人", "@13800138000"])
def test_wecom_markdown_words_cannot_ping(injection):
    wecom = WeComAdapter(style="markdown", sender=quiet_sender())
    [part] = wecom.render(both(injection, Mention("ann01", "Ann")))
    assert re.findall(r"<@[^>]*>", part.content) == ["<@ann01>"]
    assert not re.search(r"@(all|所有人|\d{5,})", part.content, re.IGNORECASE)


@pytest.mark.parametrize("injection", ["@all", "@所有人", "@13800138000", "<@victim>"])
def test_wecom_text_words_cannot_ping(injection):
    wecom = WeComAdapter(sender=quiet_sender())
    [part] = wecom.render(both(injection, Mention("ann01", "Ann")))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, re.compile(r"https://robot\.test/.*"), json={"errcode": 0})
        wecom.deliver(ChatAddress("wecom", "chat", robot_webhook=ROBOT), part)
        sent = json.loads(rsps.calls[0].request.body)["text"]
    assert sent["mentioned_list"] == ["ann01"] and "mentioned_mobile_list" not in sent
    assert not re.search(r"<@|@(all|所有人|\d{5,})", sent["content"], re.IGNORECASE)


# -- through the route: a theme that would have pinged the whole Feishu group -------------


def test_a_feishu_theme_set_to_at_all_is_echoed_without_pinging_anyone(dynamo_table):
    """An admin's /theme is echoed back to the group through its custom bot; a theme of
    ``<at user_id="all"></at>`` must not turn that echo into a ping of everyone."""
    token, chat, user = "verif-token", "oc_group", "ou_admin"
    settings = Settings(secrets={"ROLLCALL_FEISHU_VERIFICATION_TOKEN": token})
    store = Store(dynamo_table)
    store.create_community(
        community(platform="feishu", chat_id=chat, robot_webhook="https://robot.test/hook")
    )
    store.save_member(member(user, role=Role.ADMIN))
    text = '/theme <at user_id="all"></at> 读书'
    event = {
        "schema": "2.0",
        "header": {"event_id": "ev-1", "event_type": "im.message.receive_v1", "token": token},
        "event": {
            "sender": {"sender_id": {"open_id": user}, "sender_type": "user"},
            "message": {
                "message_id": "om_1",
                "chat_id": chat,
                "chat_type": "group",
                "message_type": "text",
                "content": json.dumps({"text": text}),
            },
        },
    }
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    try:
        with Client(app.app) as client, responses.RequestsMock() as rsps:
            rsps.add(responses.POST, "https://robot.test/hook", json={"code": 0})
            answer = client.http.post(
                "/webhooks/feishu",
                headers={"Content-Type": "application/json"},
                body=json.dumps(event).encode(),
            )
            posted = [json.loads(call.request.body)["content"]["text"] for call in rsps.calls]
    finally:
        set_runtime(None)
    assert answer.status_code == 200
    assert posted and "读书" in posted[0]
    assert not re.search(r"<\s*at\b", " ".join(posted), re.IGNORECASE)
