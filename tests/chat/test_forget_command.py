"""The owner's /forget @x (删除数据 @某人): counted first, erased on a confirmation within 10
minutes, the owner's alone.

Through the webhook route with real signatures (console, and Telegram with its secret
token) and the queue worker as SQS hands it messages: the webhook answers "working on it",
the worker posts the counts, then (confirmed) erases through features/personal_data and
posts what it deleted. A non-owner, the owner themselves, an unknown member: one line
inline, nothing queued, nothing deleted. A redelivered confirmation erases and replies once.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import responses
from chalice.test import Client

import app
from chalicelib.chat.confirm import guarded
from chalicelib.chat.context import CommandContext
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.commands import parse_command
from chalicelib.domain.models import InvalidValue, Role
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store import checkins, homework
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.chat.queued import WORKING, run_worker
from tests.helpers import community, console_body, member, runtime, signed_headers

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai


def roster() -> list:
    return [
        member("olga", name="Olga", role=Role.OWNER),
        member("boss", name="Boss", role=Role.ADMIN),
        member("amy", name="Amy", username="amy"),
        member("bob", name="Bob"),
    ]


def populate(store: Store) -> None:
    store.bulk_save_members(roster())
    for user, note in (("amy", "amy's private note"), ("bob", "bob's own note")):
        checkins.record_checkin(store.table, "c1", user, date(2026, 11, 22), NOW, note=note)
    homework.save_review(
        store.table, "c1", "C0001", "bob", "amy", text="solid work", score=4, at=NOW, assigned=True
    )


@pytest.fixture(params=["en", "zh-CN"])
def wired(request, dynamo_table):
    store = Store(dynamo_table)
    store.create_community(community(locale=request.param, admin_chat_id="admins-1"))
    store.bind_chat("c1", "console", "admins-1")
    populate(store)
    rt, sent = runtime(store, NOW)
    rt.queue = MemoryQueue()
    set_runtime(rt)
    counter = iter(range(1, 1000))
    try:
        with Client(app.app) as client:

            def post(
                user: str, text: str, message_id: str | None = None, at=NOW, chat="chat-1"
            ) -> str:
                rt.clock = FixedClock(at)
                mid = message_id or f"m-{next(counter)}"
                body = console_body(text, user=user, message_id=mid, chat=chat)
                response = client.http.post(
                    "/webhooks/console", headers=signed_headers(body, at), body=body
                )
                assert response.status_code == 200
                return "\n".join(p for r in json.loads(response.body)["replies"] for p in r)

            def work(at=NOW, times: int = 1) -> list[str]:
                before = len(sent)
                run_worker(rt, rt.queue, at, times=times)
                return [m.text for m in sent[before:] if m.kind == "message"]

            yield post, work, store, request.param
    finally:
        set_runtime(None)


def words(locale: str) -> tuple[str, str]:
    return ("/forget", "confirm") if locale == "en" else ("删除数据", "确认")


def amy_is_kept(store: Store) -> bool:
    return (
        store.get_member("c1", "amy") is not None
        and checkins.get_checkin(store.table, "c1", "amy", date(2026, 11, 22)) is not None
    )


def test_the_owner_sees_the_counts_then_confirms_and_the_member_is_erased(wired):
    post, work, store, locale = wired
    forget, confirm = words(locale)
    assert post("olga", f"{forget} @Amy", chat="admins-1").startswith("⏳")  # queued
    [preview] = work()
    assert "Amy" in preview and f"{forget} @Amy {confirm}" in preview
    assert ("check-ins 1" if locale == "en" else "打卡 1") in preview
    assert "private note" not in preview and "bob" not in preview.casefold()
    assert amy_is_kept(store)  # asking deletes nothing

    post("olga", f"{forget} @Amy {confirm}", chat="admins-1")
    [done] = work()
    assert done.startswith("🗑") and "Amy" in done
    assert ("check-ins 1" if locale == "en" else "打卡 1") in done
    assert "private note" not in done and "bob's" not in done
    assert store.get_member("c1", "amy") is None
    assert checkins.get_checkin(store.table, "c1", "amy", date(2026, 11, 22)) is None
    # the others' data stays
    assert store.get_member("c1", "bob") is not None
    kept = checkins.get_checkin(store.table, "c1", "bob", date(2026, 11, 22))
    assert kept is not None and kept["note"] == "bob's own note"


def test_asked_in_the_group_the_counts_say_how_many_items_never_of_which_kind(wired):
    """That a named member had warnings, strikes or a removal is theirs: in the group the
    preview and the erasure say only how many items; the admin chat gets the kinds."""
    post, work, store, locale = wired
    forget, confirm = words(locale)
    warning = {"pk": "C#c1", "sk": "WRN#amy", "user_id": "amy", "rule": "silent"}
    store.table.put({**warning, "at": "2026-11-01"})
    post("olga", f"{forget} @Amy")
    [preview] = work()
    post("olga", f"{forget} @Amy {confirm}")
    [done] = work()
    for reply in (preview, done):
        assert "Amy" in reply and ("items" if locale == "en" else "条") in reply
        assert ("check-in" if locale == "en" else "打卡") not in reply
        assert ("warning" if locale == "en" else "提醒") not in reply.casefold()
    assert store.get_member("c1", "amy") is None


def test_a_confirmation_never_asked_for_or_too_late_erases_nothing(wired):
    post, work, store, locale = wired
    forget, confirm = words(locale)
    post("olga", f"{forget} @Amy {confirm}")
    [refused] = work()
    assert "@Amy" in refused and not refused.startswith("🗑")
    assert amy_is_kept(store)

    post("olga", f"{forget} @Amy")
    work()
    late = NOW + timedelta(minutes=11)
    post("olga", f"{forget} @Amy {confirm}", at=late)
    [refused] = work(at=late)
    assert not refused.startswith("🗑")
    assert amy_is_kept(store)


def test_only_the_owner_may_forget_and_a_refusal_is_one_line_inline(wired):
    post, work, store, locale = wired
    forget, confirm = words(locale)
    owner_only = (
        "Only the owner can erase a member's data."
        if locale == "en"
        else "只有群主可以删除成员的数据。"
    )
    assert post("boss", f"{forget} @Amy") == owner_only
    post("olga", f"{forget} @Amy")  # the owner asked; an admin's confirmation is no owner's
    work()
    assert post("boss", f"{forget} @Amy {confirm}") == owner_only
    assert post("amy", f"{forget} @Bob {confirm}") == owner_only
    assert work() == []  # nothing was queued for them
    assert amy_is_kept(store) and store.get_member("c1", "bob") is not None


def test_the_owner_themselves_an_unknown_member_or_no_mention_is_one_line(wired):
    post, work, store, locale = wired
    forget, confirm = words(locale)
    own = post("olga", f"{forget} @Olga {confirm}")
    assert "rollcall member forget" in own and "\n" not in own
    assert post("olga", f"{forget} @Nobody") in (
        "No member “Nobody” in this community.",
        "群里没有找到「Nobody」。",
    )
    assert post("olga", forget).count("\n") == 0
    assert work() == []
    assert store.get_member("c1", "olga") is not None and amy_is_kept(store)


def test_a_redelivered_confirmation_erases_and_replies_once(wired):
    post, work, store, locale = wired
    forget, confirm = words(locale)
    post("olga", f"{forget} @Amy")
    work()
    assert post("olga", f"{forget} @Amy {confirm}", message_id="same") != ""
    assert post("olga", f"{forget} @Amy {confirm}", message_id="same") == ""  # redelivery
    replies = work(times=2)  # and SQS hands the one queued message over twice
    assert len(replies) == 1 and replies[0].startswith("🗑")
    assert store.get_member("c1", "amy") is None
    assert work() == []


def test_on_dingtalk_the_erasure_is_held_for_a_code_the_count_is_not():
    store = Store(MemoryTable())
    store.create_community(community(platform="dingtalk"))
    store.bulk_save_members(roster())
    owner = store.get_member("c1", "olga")
    assert owner is not None

    def ctx(text: str) -> CommandContext:
        command = parse_command(text)
        assert command is not None
        event = InboundEvent("message", "dingtalk", "chat-1", Sender("olga", "Olga"), text)
        return CommandContext(store, store.get_community("c1"), owner, command, event, NOW)

    assert guarded(ctx("删除数据 @Amy 确认"))
    assert guarded(ctx("/forget @Amy confirm"))
    assert not guarded(ctx("删除数据 @Amy"))


# -- Telegram: the owner's group, its secret token --------------------------------------

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
SECRET = "rollcall-webhook-secret_1"
SEND = f"https://telegram.test/bot{TOKEN}/sendMessage"
GROUP = "-1001234567890"


def update(user_id: str, name: str, text: str, update_id: int) -> bytes:
    message = {
        "message_id": update_id,
        "from": {"id": int(user_id), "is_bot": False, "first_name": name},
        "chat": {"id": int(GROUP), "title": "Study Group", "type": "supergroup"},
        "date": int(NOW.timestamp()),
        "text": text,
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


def test_telegram_owner_forgets_a_member_and_a_non_owner_is_refused():
    store = Store(MemoryTable())
    store.create_community(community(platform="telegram", chat_id=GROUP))
    store.bulk_save_members(
        [
            member("1111111", name="Olga", role=Role.OWNER),
            member("3333333", name="Boss", role=Role.ADMIN),
            member("2222222", name="Amy", username="amy_reads"),
        ]
    )
    checkins.record_checkin(store.table, "c1", "2222222", date(2026, 11, 22), NOW, note="n")
    settings = Settings(
        secrets={
            "ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN,
            "ROLLCALL_TELEGRAM_SECRET_TOKEN": SECRET,
        },
        api_bases={"telegram": "https://telegram.test"},
    )
    rt = Runtime(settings=settings, store=store, clock=FixedClock(NOW))
    rt.queue = MemoryQueue()
    set_runtime(rt)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        with Client(app.app) as client, responses.RequestsMock() as outbound:
            sends = outbound.post(SEND, json={"ok": True, "result": {"message_id": 9}})

            def post(user: str, name: str, text: str, update_id: int) -> str:
                body = update(user, name, text, update_id)
                answer = client.http.post("/webhooks/telegram", headers=headers, body=body)
                assert answer.status_code == 200
                return json.loads(answer.body).get("text", "") if answer.body else ""

            refused = post("3333333", "Boss", "/forget @amy_reads", 1)
            assert refused == "Only the owner can erase a member's data."
            assert post("1111111", "Olga", "/forget @amy_reads", 2) == WORKING
            run_worker(rt, rt.queue, NOW)
            preview = json.loads(sends.calls[-1].request.body)["text"]
            assert "items" in preview and "check-ins" not in preview  # in the group: a count
            assert store.get_member("c1", "2222222") is not None
            assert post("1111111", "Olga", "/forget @amy_reads confirm", 3) == WORKING
            assert post("1111111", "Olga", "/forget @amy_reads confirm", 3) == ""  # again
            run_worker(rt, rt.queue, NOW, times=2)
            results = [json.loads(c.request.body)["text"] for c in sends.calls]
            assert len(results) == 2 and results[-1].startswith("🗑")
            assert store.get_member("c1", "2222222") is None
    finally:
        set_runtime(None)


# -- Slack: /rollcall forget, answered through the slash command's response_url ------------

SLACK_SECRET = "slack-signing-secret"
CHANNEL = "C0LAN2Q65"
HOOK = "https://hooks.slack.com/commands/T0001/1234/5678"


def slash(user: str, text: str, trigger: str) -> tuple[dict[str, str], bytes]:
    from urllib.parse import urlencode

    from chalicelib.platforms.slack import sign as slack_sign

    body = urlencode(
        {
            "team_id": "T0001",
            "channel_id": CHANNEL,
            "user_id": user,
            "user_name": user.lower(),
            "command": "/rollcall",
            "text": text,
            "response_url": HOOK,
            "trigger_id": trigger,
        }
    ).encode()
    stamp = str(int(NOW.timestamp()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_sign(SLACK_SECRET, stamp, body),
    }, body


def test_slack_owner_forgets_through_the_umbrella_command():
    store = Store(MemoryTable())
    store.create_community(community(platform="slack", chat_id=CHANNEL))
    store.bulk_save_members(
        [
            member("U0OLGA", name="Olga", role=Role.OWNER),
            member("U0BOSS", name="Boss", role=Role.ADMIN),
            member("U0AMY", name="Amy", username="amy"),
        ]
    )
    checkins.record_checkin(store.table, "c1", "U0AMY", date(2026, 11, 22), NOW, note="n")
    settings = Settings(
        secrets={"ROLLCALL_SLACK_SIGNING_SECRET": SLACK_SECRET},
        api_bases={"slack": "https://slack.test/api"},
    )
    rt = Runtime(settings=settings, store=store, clock=FixedClock(NOW))
    rt.queue = MemoryQueue()
    set_runtime(rt)
    try:
        with Client(app.app) as client, responses.RequestsMock() as outbound:
            hook = outbound.post(HOOK, body="ok")

            def post(user: str, text: str, trigger: str) -> str:
                headers, body = slash(user, text, trigger)
                answer = client.http.post("/webhooks/slack", headers=headers, body=body)
                assert answer.status_code == 200
                return json.loads(answer.body)["text"] if answer.body else ""

            refused = post("U0BOSS", "forget <@U0AMY|amy>", "t1")
            assert refused == "Only the owner can erase a member's data."
            assert post("U0OLGA", "forget <@U0AMY|amy>", "t2") == WORKING
            run_worker(rt, rt.queue, NOW)
            preview = json.loads(hook.calls[-1].request.body)["text"]
            assert "items" in preview and "check-ins" not in preview  # in the channel: a count
            assert post("U0OLGA", "forget <@U0AMY|amy> confirm", "t3") == WORKING
            run_worker(rt, rt.queue, NOW, times=2)
            texts = [json.loads(c.request.body)["text"] for c in hook.calls]
            assert len(texts) == 2 and texts[-1].startswith("🗑")
            assert store.get_member("c1", "U0AMY") is None
            assert store.get_member("c1", "U0BOSS") is not None
    finally:
        set_runtime(None)


def test_no_committee_position_can_be_given_forget():
    from chalicelib.domain.roles import PERMISSIONS, parse_positions

    assert PERMISSIONS["forget"].roles == {Role.OWNER} and not PERMISSIONS["forget"].grantable
    with pytest.raises(InvalidValue, match="may not be given forget: it stays owner only"):
        parse_positions("班长/monitor:forget")
