"""/setup <code> and /settings through the real webhook route (chalice.test.Client), with
each platform's own signed payloads: Telegram (secret token), Slack (signed slash
commands), Feishu (signed, encrypted events), DingTalk (settings held for a DM'd code).

A setup or a change of settings is acknowledged at once and finished by the queue worker
(it schedules the jobs): the helpers here run the worker on what the webhook queued (moto's
SQS) and return what it posted back, the way each platform answers later.

The refusals are guards: a wrong, used or expired code, a group already set up, a redelivered
/setup, a member who is no admin changing settings. Each must leave the table as it was.
"""

from __future__ import annotations

import html
import itertools
import json
from contextlib import ExitStack
from datetime import timedelta
from urllib.parse import urlencode

import boto3
import pytest
import responses
from chalice.test import Client

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.invites import new_code
from chalicelib.domain.models import Role
from chalicelib.features.communities import audit_trail
from chalicelib.platforms.slack import sign as slack_sign
from chalicelib.queue import SqsQueue
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store import invites, keys
from chalicelib.store.repository import Store
from tests.entrypoints.test_schedules_and_queue import sqs_event
from tests.platforms import test_dingtalk as dingtalk_fixtures
from tests.platforms import test_feishu as feishu_fixtures
from tests.platforms.test_telegram import GROUP, NOW, SECRET, TOKEN, USER, update

HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
WORKING = ("⏳ Working on it… the result follows here shortly.", "⏳ 正在处理…结果稍后发到这里。")


@pytest.fixture
def sqs(aws):
    client = boto3.client("sqs", region_name="us-east-1")
    url = client.create_queue(QueueName="rollcall-dev-jobs")["QueueUrl"]
    return client, url


def run_worker(client, sqs) -> int:
    """Hand what the webhook queued to the worker (as SQS would); how many messages."""
    sqs_client, url = sqs
    answer = sqs_client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    bodies = [m["Body"] for m in answer.get("Messages", [])]
    if bodies:
        worked = client.lambda_.invoke("run_queued_jobs", sqs_event(bodies))
        assert worked.payload == {"batchItemFailures": []}
    return len(bodies)


def wire(store: Store, settings: Settings, sqs) -> None:
    rt = Runtime(settings=settings, store=store, clock=FixedClock(NOW))
    rt.queue = SqsQueue(*sqs)
    set_runtime(rt)


@pytest.fixture
def webhook_app(dynamo_table, sqs):
    """Each platform's scaffolding, once: ``start(settings, {url: answer})`` wires the route
    to a Store on the table with the queue on moto's SQS, opens the test client and, when
    the platform answers through its API (``answers``: what each URL's POST returns), a
    mock of those calls; returns ``(client, store, outbound)`` (outbound None without
    answers). Everything is closed and the runtime cleared after the test."""
    opened = ExitStack()

    def start(settings: Settings, answers: dict[str, dict] | None = None):
        store = Store(dynamo_table)
        wire(store, settings, sqs)
        client = opened.enter_context(Client(app.app))
        outbound = None
        if answers:
            mock = responses.RequestsMock(assert_all_requests_are_fired=False)
            outbound = opened.enter_context(mock)
            for url, answer in answers.items():
                outbound.post(url, **answer)
        return client, store, outbound

    try:
        yield start
    finally:
        opened.close()
        set_runtime(None)


def issue(store: Store, uses: int = 1, platform: str | None = None, days: int = 30) -> str:
    code = new_code()
    invites.put_invite(
        store.table,
        code,
        uses=uses,
        valid_until=NOW + timedelta(days=days),
        platform=platform,
        now=NOW,
    )
    return code


def communities(store: Store) -> list:
    return list(store.list_communities())


def table_items(store: Store) -> list[dict]:
    """Everything but the invite partition and delivery ids: what a refusal must not touch."""
    return [item for item in store.table.query(keys.COMMUNITY_KIND, index=keys.KIND_INDEX) if item]


def uses_left(store: Store) -> list[int]:
    return [i.uses_left for i in invites.list_invites(store.table)]


# The jobs a community set up has due (one DUE# pointer each).
SCHEDULED_AT_SETUP = {
    "daily-reminder",
    "weekly-digest",
    "monthly-report",
    "monthly-stars",
    "quarterly-stars",
    "roster-sync",
}


def scheduled(store: Store, community_id: str) -> set[str]:
    return {i["job"] for i in store.table.query(keys.community_pk(community_id), prefix="DUE#")}


# -- Telegram ---------------------------------------------------------------------------------


TELEGRAM_SEND = f"https://telegram.invalid/bot{TOKEN}/sendMessage"


@pytest.fixture
def telegram(webhook_app, sqs):
    settings = Settings(
        secrets={"ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN, "ROLLCALL_TELEGRAM_SECRET_TOKEN": SECRET},
        api_bases={"telegram": "https://telegram.invalid"},
    )
    answers = {TELEGRAM_SEND: {"json": {"ok": True, "result": {"message_id": 9}}}}
    client, store, outbound = webhook_app(settings, answers)
    return client, store, (outbound, sqs)


def tg(client, text: str, update_id: int, user: dict | None = None, chat: int = GROUP) -> str:
    """The answer to a message: inline, or (a command the worker finishes) what the worker
    sent back through the Bot API."""
    sender = user or USER
    kind = "private" if chat == sender["id"] else "supergroup"
    message = {"from": sender, "text": text, "chat": {"id": chat, "type": kind}}
    body = json.dumps(update(message, update_id=update_id)).encode()
    answer = client.http.post("/webhooks/telegram", headers=HEADERS, body=body)
    assert answer.status_code == 200
    said = html.unescape(json.loads(answer.body).get("text", "")) if answer.body else ""
    if said not in WORKING:
        return said
    outbound, sqs = TG_WIRES[-1]
    before = len(outbound.calls)
    assert run_worker(client, sqs) == 1
    sent = [json.loads(c.request.body) for c in outbound.calls[before:]]
    assert [s["chat_id"] for s in sent] == [str(chat)]
    return html.unescape(sent[0]["text"])


TG_WIRES: list = []


@pytest.fixture(autouse=True)
def _telegram_wires(request):
    """tg() finds the Telegram fixture's outbound mock and queue here."""
    if "telegram" in request.fixturenames:
        TG_WIRES.append(request.getfixturevalue("telegram")[2])
    yield
    TG_WIRES.clear()


def test_telegram_setup_creates_the_community_with_its_owner_and_first_reminder(telegram):
    client, store, _ = telegram
    code = issue(store, platform="telegram")
    said = tg(client, f"/setup@rollcall_bot {code}", 1)
    [made] = communities(store)
    # USER's Telegram speaks English (language_code "en"): English, and UTC until changed.
    assert (made.platform, made.chat_id, made.locale, made.timezone) == (
        "telegram",
        str(GROUP),
        "en",
        "UTC",
    )
    owner = store.get_member(made.id, str(USER["id"]))
    assert owner is not None and owner.role is Role.OWNER
    assert said.startswith("✅ All set!")
    assert "Every day at 21:00 (UTC)" in said
    assert "the first one: 2026-11-23 21:00 UTC" in said  # NOW is 12:00 UTC
    assert "/settings reminder 20:30" in said
    assert scheduled(store, made.id) == SCHEDULED_AT_SETUP
    assert uses_left(store) == [0]
    # the community answers now, and the owner is an admin there
    assert "Admin commands" in tg(client, "/help", 2)


def test_telegram_setup_in_chinese_gets_chinese_and_shanghai_time(telegram):
    client, store, _ = telegram
    code = issue(store)
    said = tg(client, f"开通 {code.lower()}", 1, user={**USER, "language_code": "zh-hans"})
    [made] = communities(store)
    assert (made.locale, made.timezone) == ("zh-CN", "Asia/Shanghai")
    assert said.startswith("✅ 开通成功")
    assert "第一次提醒：2026-11-23 21:00 Asia/Shanghai" in said  # 20:00 there now


@pytest.mark.parametrize(
    "which",
    ["wrong", "used", "expired", "other-platform", "revoked"],
)
def test_telegram_setup_with_a_bad_code_answers_one_line_and_creates_nothing(telegram, which):
    client, store, _ = telegram
    code = {
        "wrong": lambda: new_code(),
        "used": lambda: issue(store, uses=1),
        "expired": lambda: issue(store, days=-1),
        "other-platform": lambda: issue(store, platform="slack"),
        "revoked": lambda: issue(store),
    }[which]()
    if which == "used":
        assert invites.use_invite(store.table, code, "telegram", NOW) is not None
    if which == "revoked":
        [made] = invites.list_invites(store.table)
        invites.delete_invite(store.table, made.hashed)
    before = uses_left(store)
    said = tg(client, f"/setup {code}", 1)
    assert said == "That invite code is unknown, used up or expired; nothing was set up."
    assert communities(store) == []
    assert store.find_community_by_chat("telegram", str(GROUP)) is None
    assert uses_left(store) == before


def test_telegram_setup_in_a_private_chat_binds_nothing(telegram):
    """A private chat with the bot (its id is the sender's) is no group to set up."""
    client, store, _ = telegram
    code = issue(store)
    said = tg(client, f"/setup {code}", 1, chat=USER["id"])
    assert said == (
        "Set up in the group itself: send /setup <invite code> there (WeCom: @ the group "
        "robot in the group). This is a private chat; nothing was set up."
    )
    assert communities(store) == []
    assert uses_left(store) == [1]


def test_telegram_setup_without_a_code_explains_itself(telegram):
    client, store, _ = telegram
    assert tg(client, "/setup", 1).startswith("Usage: /setup <invite code>")
    assert communities(store) == []


def test_a_redelivered_setup_creates_nothing_twice(telegram):
    """Telegram redelivers an update it got no 2xx for; the same update_id is one setup."""
    client, store, _ = telegram
    code = issue(store, uses=5)
    tg(client, f"/setup {code}", 7)
    assert tg(client, f"/setup {code}", 7) == ""  # the redelivery: dropped
    assert len(communities(store)) == 1
    assert uses_left(store) == [4]


def test_setup_in_a_group_already_set_up_says_so_and_keeps_the_code(telegram):
    client, store, _ = telegram
    first, second = issue(store), issue(store)
    tg(client, f"/setup {first}", 1)
    said = tg(client, f"/setup {second}", 2)
    assert said.startswith("This group is already set up")
    assert len(communities(store)) == 1
    assert sorted(uses_left(store)) == [0, 1]  # the second code is still good elsewhere


def test_the_last_use_of_a_code_sets_up_one_group_not_two(telegram):
    client, store, _ = telegram
    code = issue(store, uses=1)
    tg(client, f"/setup {code}", 1, chat=GROUP)
    said = tg(client, f"/setup {code}", 2, chat=GROUP - 1)
    assert said.startswith("That invite code is unknown, used up or expired")
    assert [c.chat_id for c in communities(store)] == [str(GROUP)]


def test_telegram_settings_change_is_validated_audited_and_rescheduled(telegram):
    client, store, _ = telegram
    tg(client, f"/setup {issue(store)}", 1)
    [made] = communities(store)
    said = tg(client, "/settings reminder 20:30", 2)
    assert said == "✅ Changed: reminder 21:00 → 20:30. Next reminder: 2026-11-23 20:30 UTC."
    assert store.get_community(made.id).reminder_time == "20:30"
    pointer = store.table.get(keys.community_pk(made.id), keys.due_item_sk("daily-reminder"))
    assert pointer["scheduled_at"] == "2026-11-23T20:30:00+00:00"
    trail = audit_trail(store, made.id)
    assert [(a["field"], a["old"], a["new"], a["by"]) for a in trail][-1] == (
        "reminder_time",
        "21:00",
        "20:30",
        str(USER["id"]),
    )
    bad = tg(client, "/settings reminder 25:00", 3)
    assert bad == "Nothing changed: reminder time must be HH:MM (24-hour), got '25:00'"
    assert store.get_community(made.id).reminder_time == "20:30"
    shown = tg(client, "/settings", 4)
    assert "reminder 20:30" in shown and "Next reminder: 2026-11-23 20:30 UTC" in shown


def test_a_member_who_is_no_admin_cannot_change_settings(telegram):
    client, store, _ = telegram
    tg(client, f"/setup {issue(store)}", 1)
    [made] = communities(store)
    other = {**USER, "id": 2222222, "first_name": "Eve", "username": "eve"}
    trail = audit_trail(store, made.id)
    said = tg(client, "/settings removal on", 2, user=other)
    assert said.startswith("Sorry") and "only owners and admins" in said
    assert store.get_community(made.id).removal_enabled is False
    assert audit_trail(store, made.id) == trail
    assert tg(client, "/settings", 3, user=other).startswith("Sorry")


def test_settings_in_chinese_change_the_deadline_and_answer_in_chinese(telegram):
    client, store, _ = telegram
    tg(client, f"开通 {issue(store)}", 1, user={**USER, "language_code": "zh-hans"})
    [made] = communities(store)
    said = tg(client, "设置 截止 周六 22:00", 2)
    assert said.startswith("✅ 已修改：截止 周日 → 周六, 截止 23:59 → 22:00。下次作业汇总：")
    stored = store.get_community(made.id)
    assert (stored.deadline_weekday, stored.deadline_time) == (5, "22:00")
    assert (
        tg(client, "设置 提醒 九点", 3) == "没有改动：提醒时间要写成 HH:MM（24 小时制），如 20:30。"
    )
    assert tg(client, "设置 颜色 红", 4).startswith("没有改动：没有这个设置")
    said = tg(client, "设置 语言 en", 5)  # answered in the language just chosen
    assert said.startswith("✅ Changed: locale zh-CN → en.")


# -- Slack ------------------------------------------------------------------------------------

SLACK_SECRET = "slack-signing-secret"
CHANNEL = "C0LAN2Q65"
TRIGGERS = itertools.count(1)


RESPONSE_URL = "https://hooks.slack.com/commands/1234/5678"


@pytest.fixture
def slack(webhook_app, sqs):
    settings = Settings(
        secrets={"ROLLCALL_SLACK_SIGNING_SECRET": SLACK_SECRET},
        api_bases={"slack": "https://slack.invalid/api"},
    )
    client, store, outbound = webhook_app(settings, {RESPONSE_URL: {"body": "ok"}})
    SLACK_WIRES[:] = [(outbound, sqs)]
    return client, store, outbound


SLACK_WIRES: list = []


def slash(client, text: str, channel: str = CHANNEL, user: str = "U2147483697", team="T0001"):
    fields = {
        "team_id": team,
        "channel_id": channel,
        "user_id": user,
        "user_name": "steve",
        "command": "/rollcall",
        "text": text,
        "response_url": RESPONSE_URL,
        "trigger_id": f"trigger-{next(TRIGGERS)}",
    }
    body = urlencode(fields).encode()
    stamp = str(int(NOW.timestamp()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_sign(SLACK_SECRET, stamp, body),
    }
    answer = client.http.post("/webhooks/slack", headers=headers, body=body)
    assert answer.status_code == 200
    said = json.loads(answer.body)["text"]
    if said not in WORKING:
        return said
    outbound, sqs = SLACK_WIRES[0]
    before = len(outbound.calls)
    assert run_worker(client, sqs) == 1
    [posted] = [json.loads(c.request.body) for c in outbound.calls[before:]]
    return posted["text"]


def test_slack_setup_and_settings_through_the_umbrella_command(slack):
    client, store, _ = slack
    code = issue(store, platform="slack")
    said = slash(client, f"setup {code} Writers' Circle")
    [made] = communities(store)
    assert made.name == "Writers' Circle" and made.locale == "en" and made.timezone == "UTC"
    assert said.startswith("✅ All set! This group is now the community “Writers' Circle”")
    said = slash(client, "settings deadline Sunday 22:00")
    assert said.startswith("✅ Changed: deadline 23:59 → 22:00. Next weekly digest: ")
    said = slash(client, "settings timezone Europe/London")
    assert said == (
        "✅ Changed: timezone UTC → Europe/London. Next reminder: 2026-11-23 21:00 Europe/London."
    )
    assert store.get_community(made.id).timezone == "Europe/London"
    said = slash(client, "settings removal maybe")
    assert said == "Nothing changed: removal must be on or off, got 'maybe'"
    assert slash(client, "settings removal on").startswith("✅ Changed: removal off → on.")


def test_slack_setup_of_an_allowed_workspace_needs_no_code(slack):
    client, store, _ = slack
    assert slash(client, "setup").startswith("Usage: /setup")
    invites.allow_workspace(store.table, "slack", "T0001", NOW)
    assert slash(client, "setup").startswith("✅ All set!")
    assert slash(client, "setup", channel="C0OTHER", team="T9999").startswith("Usage:")
    assert [c.chat_id for c in communities(store)] == [CHANNEL]


def test_slack_setup_of_an_allowed_workspace_takes_every_word_for_the_name(slack):
    """No code needed there: `/rollcall setup My Group` names the community "My Group"
    (not code "My", name "Group")."""
    client, store, _ = slack
    invites.allow_workspace(store.table, "slack", "T0001", NOW)
    assert slash(client, "setup My Group").startswith(
        "✅ All set! This group is now the community “My Group”"
    )
    [made] = communities(store)
    assert made.name == "My Group"


def test_slack_setup_with_a_code_typed_in_lower_case_with_spaces(slack):
    client, store, _ = slack
    code = issue(store, platform="slack")
    typed = code.lower().replace("-", " ")
    assert slash(client, f"setup {typed} Night Owls").startswith("✅ All set!")
    [made] = communities(store)
    assert made.name == "Night Owls"
    assert uses_left(store) == [0]


# -- Feishu -----------------------------------------------------------------------------------


@pytest.fixture
def feishu(webhook_app, sqs):
    secrets = {
        "ROLLCALL_FEISHU_VERIFICATION_TOKEN": feishu_fixtures.TOKEN,
        "ROLLCALL_FEISHU_ENCRYPT_KEY": feishu_fixtures.ENCRYPT_KEY,
        "ROLLCALL_FEISHU_APP_ID": "cli_x",
        "ROLLCALL_FEISHU_APP_SECRET": "s3cret",
    }
    settings = Settings(secrets=secrets, api_bases={"feishu": feishu_fixtures.BASE})
    client, store, _ = webhook_app(settings)  # each message mocks the Open API itself
    FEISHU_WIRES[:] = [sqs]
    return client, store


FEISHU_WIRES: list = []


def lark(client, text: str, event_id: str) -> list[str]:
    """A signed, encrypted group message; the replies rollcall sent through the Open API."""
    event = json.loads(json.dumps(feishu_fixtures.MESSAGE_EVENT))
    event["header"]["event_id"] = event_id
    event["event"]["message"]["content"] = json.dumps({"text": text}, ensure_ascii=False)
    event["event"]["message"]["mentions"] = []
    body = feishu_fixtures.encrypt(event)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        feishu_fixtures.token_answer(rsps)
        feishu_fixtures.sent_answer(rsps)
        rsps.add(
            responses.POST,
            f"{feishu_fixtures.BASE}/im/v1/messages/{event['event']['message']['message_id']}/reply",
            json={"code": 0, "msg": "success", "data": {"message_id": "om_2"}},
        )
        answer = client.http.post(
            "/webhooks/feishu", headers=feishu_fixtures.signed(body), body=body
        )
        run_worker(client, FEISHU_WIRES[0])
        sent = [
            json.loads(json.loads(c.request.body)["content"])["text"]
            for c in rsps.calls
            if c.request.url.startswith(f"{feishu_fixtures.BASE}/im/v1/messages")
        ]
    sent = [text for text in sent if text not in WORKING]
    assert answer.status_code == 200
    return sent


def test_feishu_setup_and_settings_in_chinese(feishu):
    client, store = feishu
    code = issue(store, platform="feishu")
    [said] = lark(client, f"开通 {code}", "e1")
    [made] = communities(store)
    assert (made.chat_id, made.locale, made.timezone) == (
        feishu_fixtures.CHAT,
        "zh-CN",
        "Asia/Shanghai",
    )
    assert said.startswith("✅ 开通成功")
    assert store.get_member(made.id, feishu_fixtures.USER).role is Role.OWNER
    assert lark(client, f"开通 {code}", "e1") == []  # Feishu's retry of the same event
    [said] = lark(client, "设置 提醒 20:30", "e2")
    assert said == "✅ 已修改：提醒 21:00 → 20:30。下次提醒：2026-11-23 20:30 Asia/Shanghai。"
    [said] = lark(client, "设置 移除 开", "e3")
    assert said.startswith("✅ 已修改：移除 关 → 开。下次月度报告：")
    assert store.get_community(made.id).removal_enabled is True


def test_feishu_setup_of_an_allowed_tenant_needs_no_code(feishu):
    client, store = feishu
    [said] = lark(client, "开通", "e1")
    assert said.startswith("用法：开通 <邀请码>")
    tenant = feishu_fixtures.MESSAGE_EVENT["header"]["tenant_key"]
    invites.allow_workspace(store.table, "feishu", tenant, NOW)
    [said] = lark(client, "开通", "e2")
    assert said.startswith("✅ 开通成功") and len(communities(store)) == 1


def test_feishu_setup_with_a_wrong_code_creates_nothing(feishu):
    client, store = feishu
    [said] = lark(client, f"开通 {new_code()}", "e1")
    assert said == "邀请码无效、已用完或已过期，什么也没有开通。"
    assert communities(store) == []


# -- DingTalk: settings wait for a code sent privately ----------------------------------------


def test_dingtalk_settings_wait_for_the_confirmation_code(dynamo_table, sqs):
    from chalicelib.runtime import get_runtime
    from tests.platforms.test_dingtalk_confirm import ADMIN, code_sent, send, wired

    store = wired(dynamo_table)
    get_runtime().queue = SqsQueue(*sqs)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, dingtalk_fixtures.SESSION, json={"errcode": 0, "errmsg": "ok"})
        rsps.add(
            responses.POST, dingtalk_fixtures.TOKEN_URL, json={"accessToken": "t", "expireIn": 7200}
        )
        rsps.add(responses.POST, dingtalk_fixtures.BATCH_SEND, json={"processQueryKey": "q"})
        try:
            with Client(app.app) as client:
                send(client, "/settings reminder 20:30", "m1")
                assert store.get_community("c1").reminder_time == "21:00"  # held
                code = code_sent(rsps)
                send(client, f"/confirm {code}", "m2")
                assert store.get_community("c1").reminder_time == "21:00"  # queued
                assert run_worker(client, sqs) == 1
        finally:
            set_runtime(None)
    assert store.get_community("c1").reminder_time == "20:30"
    assert [a["by"] for a in audit_trail(store, "c1")] == [ADMIN]


# -- two /setup racing in one group -----------------------------------------------------------


def test_a_setup_that_loses_the_race_for_the_group_leaves_nothing_and_keeps_its_code(
    dynamo_table,
):
    """Two organisers send /setup in one group at the same moment: both see it unbound, both
    take a use of their code, one binds the chat. The other's community must not linger (no
    chat leads to it) and its code's use comes back."""
    from chalicelib.features.communities import (
        SETUP_ALREADY_BOUND,
        Organiser,
        setup_from_chat,
    )

    class RacingStore(Store):
        def find_community_by_chat(self, platform, chat_id):
            return None  # both looked before either wrote

    store = RacingStore(dynamo_table)
    first, second = issue(store), issue(store)

    def setup(code: str, who: str):
        return setup_from_chat(
            store,
            platform="telegram",
            chat_id=str(GROUP),
            organiser=Organiser(who, who),
            code=code,
            name="Club",
            locale="en",
            workspace=None,
            now=NOW,
        )

    assert setup(first, "u1").outcome == "created"
    lost = setup(second, "u2")
    assert lost.outcome == SETUP_ALREADY_BOUND
    assert len(communities(store)) == 1
    assert sorted(uses_left(store)) == [0, 1]  # the loser's use given back


def test_a_setup_the_queue_refused_is_finished_by_the_owners_next_setup(telegram):
    """The community is created by the webhook and its jobs scheduled by the worker: when
    the queue refuses the message, the organiser is told to try again, and their next
    /setup (any code, or none) finishes it rather than answering "already set up"."""
    from chalicelib.runtime import get_runtime

    client, store, _ = telegram

    class Refusing:
        def send_batch(self, messages):
            raise ConnectionError("SQS is down")

    working = get_runtime().queue
    get_runtime().queue = Refusing()
    said = tg(client, f"/setup {issue(store)}", 1)
    assert said == "⚠️ This command could not be started just now; please try again in a minute."
    [made] = communities(store)
    assert list(store.table.query(keys.community_pk(made.id), prefix="DUE#")) == []
    get_runtime().queue = working
    other = {**USER, "id": 2222222, "first_name": "Eve"}
    assert tg(client, "/setup", 2, user=other).startswith("This group is already set up")
    assert tg(client, "/setup", 3).startswith("✅ All set!")
    assert scheduled(store, made.id) == SCHEDULED_AT_SETUP
    assert tg(client, "/setup", 4).startswith("This group is already set up")


# -- Discord: a slash command signed with Ed25519, answered "thinking…" then followed up --------

DISCORD_API = "https://discord.test/api/v10"
DISCORD_CHANNEL = "1111111111111111111"
DISCORD_GUILD = "290926798626357999"
DISCORD_APP = "2222222222222222222"
ORGANISER = "53908232506183680"
AMY = "80351110224678913"
FOLLOW_UP = f"{DISCORD_API}/webhooks/{DISCORD_APP}/A_UNIQUE_TOKEN"
INTERACTIONS = itertools.count(1)


@pytest.fixture
def discord(webhook_app, sqs):
    from Crypto.PublicKey import ECC

    key = ECC.generate(curve="ed25519")
    settings = Settings(
        secrets={
            "ROLLCALL_DISCORD_PUBLIC_KEY": key.public_key().export_key(format="raw").hex(),
            "ROLLCALL_DISCORD_BOT_TOKEN": "bot-token",
        },
        api_bases={"discord": DISCORD_API},
    )
    client, store, outbound = webhook_app(settings, {FOLLOW_UP: {"json": {"id": "901"}}})
    DISCORD_WIRES[:] = [(key, outbound, sqs)]
    return client, store, outbound


DISCORD_WIRES: list = []


def interact(client, name: str, options: dict[str, str], user: str = ORGANISER) -> str:
    """An application command (type 2) signed as Discord signs it; the content of the
    immediate answer (type 4), or of the worker's follow-up after a deferral (type 5)."""
    from Crypto.Signature import eddsa

    key, outbound, sqs = DISCORD_WIRES[0]
    data: dict = {"id": "771825006014889984", "name": name, "type": 1}
    if options:
        data["options"] = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
    body = json.dumps(
        {
            "id": f"interaction-{next(INTERACTIONS)}",
            "application_id": DISCORD_APP,
            "type": 2,
            "data": data,
            "guild_id": DISCORD_GUILD,
            "guild_locale": "en-US",
            "channel_id": DISCORD_CHANNEL,
            "member": {"user": {"id": user, "username": f"user{user[-3:]}"}, "roles": []},
            "token": "A_UNIQUE_TOKEN",
            "version": 1,
        }
    ).encode()
    stamp = str(int(NOW.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Signature-Ed25519": eddsa.new(key, "rfc8032").sign(stamp.encode() + body).hex(),
        "X-Signature-Timestamp": stamp,
    }
    answer = client.http.post("/webhooks/discord", headers=headers, body=body)
    assert answer.status_code == 200
    said = json.loads(answer.body)
    if said["type"] == 4:
        return said["data"]["content"]
    assert said == {"type": 5}  # "thinking…": the worker answers
    before = len(outbound.calls)
    assert run_worker(client, sqs) == 1
    [posted] = [c.request for c in outbound.calls[before:]]
    assert posted.url.startswith(FOLLOW_UP)
    return json.loads(posted.body)["content"]


def test_discord_setup_and_settings_through_slash_commands(discord):
    client, store, _ = discord
    code = issue(store, platform="discord")
    said = interact(client, "setup", {"code": code, "name": "Night Owls"})
    [made] = communities(store)
    assert (made.platform, made.chat_id, made.name, made.locale, made.timezone) == (
        "discord",
        DISCORD_CHANNEL,
        "Night Owls",
        "en",
        "UTC",
    )
    assert store.find_community_by_chat("discord", DISCORD_CHANNEL).id == made.id
    assert store.get_member(made.id, ORGANISER).role is Role.OWNER
    assert said.startswith("✅ All set!")
    assert "the first one: 2026-11-23 21:00 UTC" in said
    assert uses_left(store) == [0]

    said = interact(client, "settings", {"setting": "reminder", "value": "20:30"})
    assert said == "✅ Changed: reminder 21:00 → 20:30. Next reminder: 2026-11-23 20:30 UTC."
    assert store.get_community(made.id).reminder_time == "20:30"
    trail = audit_trail(store, made.id)
    assert [(a["field"], a["old"], a["new"], a["by"]) for a in trail][-1] == (
        "reminder_time",
        "21:00",
        "20:30",
        ORGANISER,
    )

    before = table_items(store)
    said = interact(client, "settings", {"setting": "removal", "value": "on"}, user=AMY)
    assert said.startswith("Sorry") and "only owners and admins" in said
    assert store.get_community(made.id).removal_enabled is False
    assert audit_trail(store, made.id) == trail
    assert table_items(store) == before


def test_discord_setup_with_a_wrong_code_creates_nothing(discord):
    client, store, outbound = discord
    issue(store, platform="discord")
    said = interact(client, "setup", {"code": new_code()})
    assert said == "That invite code is unknown, used up or expired; nothing was set up."
    assert communities(store) == []
    assert store.find_community_by_chat("discord", DISCORD_CHANNEL) is None
    assert uses_left(store) == [1]
    assert len(outbound.calls) == 0


# -- WeCom: encrypted XML callbacks; a group is set up through its group robot ----------------

MSG_IDS = itertools.count(1)


@pytest.fixture
def wecom(webhook_app, sqs):
    from tests.platforms import test_wecom as w

    settings = Settings(
        secrets={
            "ROLLCALL_WECOM_TOKEN": w.TOKEN,
            "ROLLCALL_WECOM_ENCODING_AES_KEY": w.AES_KEY_TEXT,
            "ROLLCALL_WECOM_CORP_ID": w.CORP_ID,
            "ROLLCALL_WECOM_CORP_SECRET": w.CORP_SECRET,
            "ROLLCALL_WECOM_AGENT_ID": str(w.AGENT_ID),
        },
        api_bases={"wecom": w.BASE},
    )
    client, store, _ = webhook_app(settings)  # each callback mocks the API itself
    WECOM_WIRES[:] = [sqs]
    return client, store


WECOM_WIRES: list = []


def wecom_post(client, inner: str, receive_id: str) -> list[str]:
    """One encrypted, signed callback through the route (then the worker on what it queued):
    every text rollcall sent back, through the group robot or as an app message."""
    from tests.platforms import test_wecom as w

    encrypted = w.encrypt(inner, receive_id=receive_id)
    query = urlencode(w.signed_query(encrypted, at=NOW))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, f"{w.BASE}/webhook/send", json={"errcode": 0, "errmsg": "ok"})
        w.gettoken_answer(rsps)
        w.send_answer(rsps)
        answer = client.http.post(
            f"/webhooks/wecom?{query}",
            headers={"Content-Type": "text/xml"},
            body=w.envelope(encrypted),
        )
        assert (answer.status_code, answer.body) == (200, b"")
        run_worker(client, WECOM_WIRES[0])
        sent = [
            json.loads(c.request.body)["text"]["content"]
            for c in rsps.calls
            if c.request.method == "POST"
        ]
    return [text for text in sent if text not in WORKING]


def robot(client, text: str, user: str = "zhangsan", name: str = "张三") -> list[str]:
    """A member @-ing the group robot in the WeCom group (a robot callback)."""
    from tests.platforms import test_wecom as w

    inner = (
        w.ROBOT_MESSAGE.replace("@打卡机器人 帮助", f"@打卡机器人 {text}")
        .replace("CIGABBCOgP3qBRiR4vm7goCAAyAY", f"robot-msg-{next(MSG_IDS)}")
        .replace("<UserId>zhangsan</UserId>", f"<UserId>{user}</UserId>")
        .replace("<![CDATA[张三]]>", f"<![CDATA[{name}]]>")
    )
    return wecom_post(client, inner, receive_id="")


def app_message(client, text: str) -> list[str]:
    """A member writing to the rollcall app itself (one-to-one: the chat is the sender)."""
    from tests.platforms import test_wecom as w

    inner = w.APP_MESSAGE.replace("帮助", text).replace(
        "4561255354251345929", str(4561255354251345929 + next(MSG_IDS))
    )
    return wecom_post(client, inner, receive_id=w.CORP_ID)


def test_wecom_setup_and_settings_through_the_group_robot(wecom):
    from tests.platforms import test_wecom as w

    client, store = wecom
    code = issue(store, platform="wecom")
    [said] = robot(client, f"开通 {code}")
    [made] = communities(store)
    assert (made.platform, made.chat_id, made.locale, made.timezone) == (
        "wecom",
        w.CHAT,
        "zh-CN",
        "Asia/Shanghai",
    )
    assert store.find_community_by_chat("wecom", w.CHAT).id == made.id
    assert store.get_member(made.id, "zhangsan").role is Role.OWNER
    assert said.startswith("✅ 开通成功") and "第一次提醒：2026-11-23 21:00 Asia/Shanghai" in said
    assert uses_left(store) == [0]

    [said] = robot(client, "设置 提醒 20:30")
    assert said == "✅ 已修改：提醒 21:00 → 20:30。下次提醒：2026-11-23 20:30 Asia/Shanghai。"
    assert store.get_community(made.id).reminder_time == "20:30"
    trail = audit_trail(store, made.id)
    assert [(a["field"], a["old"], a["new"], a["by"]) for a in trail][-1] == (
        "reminder_time",
        "21:00",
        "20:30",
        "zhangsan",
    )

    before = table_items(store)
    [said] = robot(client, "设置 移除 开", user="lisi", name="李四")
    assert "只有" in said and "管理员" in said
    assert store.get_community(made.id).removal_enabled is False
    assert audit_trail(store, made.id) == trail
    assert table_items(store) == before


def test_wecom_setup_with_a_wrong_code_creates_nothing(wecom):
    client, store = wecom
    issue(store, platform="wecom")
    assert robot(client, f"开通 {new_code()}") == ["邀请码无效、已用完或已过期，什么也没有开通。"]
    assert communities(store) == []
    assert uses_left(store) == [1]


def test_wecom_setup_sent_to_the_app_itself_binds_no_private_chat(wecom):
    """An app message is one-to-one with the app: its chat is the sender, not a group, so
    a /setup there would make a community of one private chat (no robot could ever post its
    reminders). It gets one line saying where to send it, and the code keeps its use."""
    client, store = wecom
    code = issue(store, platform="wecom")
    assert app_message(client, f"开通 {code}") == [
        "开通要在群里进行：在要开通的群里发送「开通 <邀请码>」（企业微信：在群里 @群机器人）。"
        "这里是私聊，什么也没有开通。"
    ]
    assert communities(store) == []
    assert uses_left(store) == [1]
