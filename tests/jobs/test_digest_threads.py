"""The digest's full list as a reply in its summary's thread (platforms/base.ThreadReplies):
each adapter's real request against its API faked over HTTP at a configurable base, and
the runner's exactly-once: the summary's id is recorded with its part before the reply is
tried, so a run that crashes between the two replies under the same summary when it is
taken over, and never opens a second thread."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import responses

from chalicelib.jobs.runner import LEASE, render_plain, run_job
from chalicelib.platforms.base import (
    ChatAddress,
    Message,
    ThreadRefused,
    ThreadReplies,
)
from chalicelib.platforms.discord import DiscordAdapter
from chalicelib.platforms.feishu import FeishuAdapter
from chalicelib.platforms.slack import SlackAdapter
from chalicelib.platforms.telegram import TelegramAdapter
from chalicelib.store import runs
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, runtime
from tests.jobs import test_send_weekly_digests as digest_case
from tests.platforms.support import quiet_sender

TG_API, TG_TOKEN = "https://telegram.test", "123456:ABC-DEF"
SLACK_API = "https://slack.test/api"
FEISHU_API = "https://feishu.test/open-apis"
DISCORD_API = "https://discord.test/api/v10"
CYCLE, PERIOD = "C0003", "2026-W47"


class Crash(Exception):
    """A Lambda dying mid-run (nothing catches it)."""


def body(call: Any) -> dict[str, Any]:
    return json.loads(call.request.body)


def discord() -> DiscordAdapter:
    return DiscordAdapter(bytes(32), "bot-token", api_base=DISCORD_API, sender=quiet_sender())


def telegram() -> TelegramAdapter:
    return TelegramAdapter(TG_TOKEN, "secret", api_base=TG_API, sender=quiet_sender())


def slack() -> SlackAdapter:
    return SlackAdapter("s", "xoxb-1", api_base=SLACK_API, sender=quiet_sender())


def feishu_app() -> FeishuAdapter:
    return FeishuAdapter(app_id="cli_1", app_secret="s", api_base=FEISHU_API, sender=quiet_sender())


def test_the_four_platforms_with_threads_say_so_and_wecom_dingtalk_console_do_not():
    from chalicelib.platforms.console import ConsoleAdapter
    from chalicelib.platforms.dingtalk import DingTalkAdapter
    from chalicelib.platforms.wecom import WeComAdapter

    for adapter in (slack(), discord(), telegram(), feishu_app()):
        assert isinstance(adapter, ThreadReplies)
    assert not isinstance(ConsoleAdapter("secret"), ThreadReplies)
    assert not hasattr(WeComAdapter, "reply_in_thread")
    assert not hasattr(DingTalkAdapter, "reply_in_thread")


# -- each adapter's request ---------------------------------------------------------------------


@responses.activate
def test_slack_replies_with_thread_ts_and_a_vanished_summary_refuses_for_good():
    url = f"{SLACK_API}/chat.postMessage"
    responses.post(url, json={"ok": True, "ts": "1700000000.000200"})
    responses.post(url, json={"ok": False, "error": "thread_not_found"})
    chat = ChatAddress("slack", "C123")
    assert slack().reply_in_thread(chat, "1700000000.000100", "full list") == "1700000000.000200"
    assert body(responses.calls[0]) == {
        "channel": "C123",
        "text": "full list",
        "thread_ts": "1700000000.000100",
    }
    with pytest.raises(ThreadRefused, match="thread_not_found"):
        slack().reply_in_thread(chat, "1700000000.000100", "full list")


@responses.activate
def test_telegram_replies_with_reply_parameters():
    responses.post(
        f"{TG_API}/bot{TG_TOKEN}/sendMessage", json={"ok": True, "result": {"message_id": 78}}
    )
    chat = ChatAddress("telegram", "-100123")
    assert telegram().reply_in_thread(chat, "77", "full list") == "78"
    sent = body(responses.calls[0])
    assert sent["reply_parameters"] == {"message_id": 77, "allow_sending_without_reply": True}
    assert sent["chat_id"] == "-100123" and sent["text"] == "full list"
    with pytest.raises(ThreadRefused):
        telegram().reply_in_thread(chat, "local-1", "full list")
    assert len(responses.calls) == 1


@responses.activate
def test_discord_starts_a_thread_from_the_summary_and_posts_in_it():
    responses.post(
        f"{DISCORD_API}/channels/900/messages/111/threads",
        status=201,
        json={"id": "111", "type": 11, "parent_id": "900"},
    )
    responses.post(f"{DISCORD_API}/channels/111/messages", json={"id": "222"})
    part = {"content": "📎 Week 3: the full list\nAnn https://x", "allowed_mentions": {}}
    assert discord().reply_in_thread(ChatAddress("discord", "900"), "111", part) == "222"
    opening = body(responses.calls[0])
    assert opening == {"name": "📎 Week 3: the full list", "auto_archive_duration": 10080}
    assert responses.calls[0].request.headers["Authorization"] == "Bot bot-token"
    assert body(responses.calls[1])["content"].startswith("📎 Week 3")


@responses.activate
def test_discord_posts_into_the_thread_that_exists_already_never_a_second_one():
    responses.post(
        f"{DISCORD_API}/channels/900/messages/111/threads",
        status=400,
        json={"code": 160004, "message": "A thread has already been created for this message"},
    )
    responses.post(f"{DISCORD_API}/channels/111/messages", json={"id": "223"})
    assert discord().reply_in_thread(ChatAddress("discord", "900"), "111", "more") == "223"
    assert [c.request.url for c in responses.calls] == [
        f"{DISCORD_API}/channels/900/messages/111/threads",
        f"{DISCORD_API}/channels/111/messages",
    ]


@responses.activate
def test_discord_without_create_threads_replies_by_reference_then_refuses():
    threads = f"{DISCORD_API}/channels/900/messages/111/threads"
    refused = {"code": 50013, "message": "Missing Permissions"}
    responses.post(threads, status=403, json=refused)
    responses.post(f"{DISCORD_API}/channels/900/messages", json={"id": "224"})
    chat = ChatAddress("discord", "900")
    assert discord().reply_in_thread(chat, "111", "full list") == "224"
    reply = body(responses.calls[1])
    assert reply["message_reference"] == {"message_id": "111", "fail_if_not_exists": False}
    assert reply["content"] == "full list"

    responses.replace(
        responses.POST, f"{DISCORD_API}/channels/900/messages", status=403, json=refused
    )
    with pytest.raises(ThreadRefused, match=r"refused a thread .* and a reply"):
        discord().reply_in_thread(chat, "111", "full list")


@responses.activate
def test_discord_allowed_to_open_a_thread_but_not_to_write_in_it_replies_by_reference():
    """Create Public Threads granted, Send Messages in Threads not: the thread opens (or is
    there already, on a retry) but the post into it is refused; the part answers the summary
    in the channel instead of failing the run."""
    responses.post(
        f"{DISCORD_API}/channels/900/messages/111/threads",
        status=201,
        json={"id": "111", "type": 11, "parent_id": "900"},
    )
    refused = {"code": 50001, "message": "Missing Access"}
    responses.post(f"{DISCORD_API}/channels/111/messages", status=403, json=refused)
    responses.post(f"{DISCORD_API}/channels/900/messages", json={"id": "225"})
    chat = ChatAddress("discord", "900")
    assert discord().reply_in_thread(chat, "111", "full list") == "225"
    reply = body(responses.calls[2])
    assert reply["message_reference"] == {"message_id": "111", "fail_if_not_exists": False}


@responses.activate
def test_feishu_replies_in_thread_as_the_app_with_a_stable_uuid():
    responses.post(
        f"{FEISHU_API}/auth/v3/tenant_access_token/internal",
        json={"code": 0, "msg": "ok", "tenant_access_token": "t-abc", "expire": 7200},
    )
    reply_url = f"{FEISHU_API}/im/v1/messages/om_summary/reply"
    responses.post(reply_url, json={"code": 0, "msg": "ok", "data": {"message_id": "om_reply"}})
    app, chat = feishu_app(), ChatAddress("feishu", "oc_1")
    assert app.reply_in_thread(chat, "om_summary", "完整名单") == "om_reply"
    app.reply_in_thread(chat, "om_summary", "完整名单")
    first, again = (body(c) for c in responses.calls if c.request.url == reply_url)
    assert first["reply_in_thread"] is True and first["msg_type"] == "text"
    assert json.loads(first["content"]) == {"text": "完整名单"}
    assert first["uuid"] == again["uuid"] and len(first["uuid"]) <= 50  # Feishu drops a repeat
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer t-abc"

    responses.replace(
        responses.POST, reply_url, json={"code": 230011, "msg": "The message was withdrawn."}
    )
    with pytest.raises(ThreadRefused, match=r"230011|withdrawn"):
        app.reply_in_thread(chat, "om_summary", "完整名单")
    robot_only = FeishuAdapter(api_base=FEISHU_API, sender=quiet_sender())
    with pytest.raises(ThreadRefused, match="custom bot"):
        robot_only.reply_in_thread(chat, "om_summary", "完整名单")
    with pytest.raises(ThreadRefused):
        app.reply_in_thread(chat, "feishu-robot-0123456789abcdef", "完整名单")


# -- the runner ---------------------------------------------------------------------------------


class ThreadAdapter:
    """A platform with threads (no DMs): records group posts and thread replies; crashes
    at the n-th thread reply when told; refuses every thread when told."""

    name = "console"

    def __init__(self) -> None:
        self.group: list[str] = []
        self.replies: list[tuple[str, str]] = []  # (the summary's id, part)
        self.crash_on_reply: int | None = None
        self.refuse: str | None = None
        self.seen_ids_before_reply: list[str | None] = []
        self.store: Store | None = None

    def render(self, message: Message) -> list[str]:
        return render_plain(message)

    def deliver(self, chat: ChatAddress, part: str) -> str:
        self.group.append(part)
        return f"m{len(self.group)}"

    def reply_in_thread(self, chat: ChatAddress, message_id: str, part: str) -> str:
        if self.store is not None:  # what the ledger holds when the reply is tried
            run = runs.get_run(self.store.table, "c1", "weekly-digest", PERIOD) or {}
            self.seen_ids_before_reply.append(run.get("sent_0000"))
        if self.crash_on_reply is not None and len(self.replies) + 1 == self.crash_on_reply:
            raise Crash
        if self.refuse:
            raise ThreadRefused(self.refuse)
        self.replies.append((message_id, part))
        return f"r{len(self.replies)}"


def digest_store(platform: str = "console", chat_id: str = "chat-1") -> Store:
    store = Store(MemoryTable())
    store.create_community(
        community(cycle_anchor=digest_case.date(2026, 11, 2), platform=platform, chat_id=chat_id)
    )
    store.bulk_save_members([digest_case.member("ann")])  # alone: no review DMs to send
    digest_case.hand_in(
        store, "ann", CYCLE, digest_case.DEADLINE_3 - timedelta(hours=2), first=True
    )
    return store


def with_adapter(store: Store, at: Any, adapter: Any, platform: str = "console"):
    rt, _ = runtime(store, at)
    rt.adapters[platform] = adapter
    return rt


def test_the_full_list_goes_in_the_summary_s_thread_and_the_dry_run_says_so():
    store = digest_store()
    adapter = ThreadAdapter()
    adapter.store = store
    rt = with_adapter(store, digest_case.DIGEST_3, adapter)
    dry = run_job(rt, "weekly-digest", "c1", digest_case.DIGEST_3, dry_run=True)
    assert dry.parts[1].startswith("[↳ thread of part 1] 📎 ")
    result = run_job(rt, "weekly-digest", "c1", digest_case.DIGEST_3)
    assert result.status == "sent" and result.delivered == 2
    assert [p[:2] for p in adapter.group] == ["📚 "]
    assert [(anchor, part[:2]) for anchor, part in adapter.replies] == [("m1", "📎 ")]
    assert "https://example.com/ann/C0003" in adapter.replies[0][1]
    assert adapter.seen_ids_before_reply == ["m1"]  # recorded before the reply was tried
    run = runs.get_run(store.table, "c1", "weekly-digest", PERIOD)
    assert run["sent_0000"] == "m1" and run["sent_0001"] == "r1"
    assert "thread_refused" not in run


def test_a_crash_between_the_parts_replies_under_the_same_summary_once():
    store = digest_store()
    adapter = ThreadAdapter()
    adapter.crash_on_reply = 1
    rt = with_adapter(store, digest_case.DIGEST_3, adapter)
    with pytest.raises(Crash):
        run_job(rt, "weekly-digest", "c1", digest_case.DIGEST_3)
    run = runs.get_run(store.table, "c1", "weekly-digest", PERIOD)
    assert runs.settled(run) == 1 and run["sent_0000"] == "m1"

    adapter.crash_on_reply = None
    later = digest_case.DIGEST_3 + LEASE + timedelta(seconds=1)
    result = run_job(with_adapter(store, later, adapter), "weekly-digest", "c1", later)
    assert result.status == "sent"
    assert len(adapter.group) == 1  # the summary once, and nothing posted plainly
    assert [anchor for anchor, _ in adapter.replies] == ["m1"]
    assert run_job(rt, "weekly-digest", "c1", later).status == "already-done"


def test_a_refused_thread_becomes_a_second_post_with_the_reason_recorded():
    store = digest_store()
    adapter = ThreadAdapter()
    adapter.refuse = "discord refused a thread (Missing Permissions) and a reply (...)"
    rt = with_adapter(store, digest_case.DIGEST_3, adapter)
    result = run_job(rt, "weekly-digest", "c1", digest_case.DIGEST_3)
    assert result.status == "sent" and adapter.replies == []
    assert [p[:2] for p in adapter.group] == ["📚 ", "📎 "]
    assert "Missing Permissions" in result.summary["thread_refused"]
    run = runs.get_run(store.table, "c1", "weekly-digest", PERIOD)
    assert "Missing Permissions" in run["thread_refused"]


def test_without_threads_the_full_list_is_a_second_post_as_before():
    store = digest_store()
    rt, _ = runtime(store, digest_case.DIGEST_3)  # the console: no threads
    result = run_job(rt, "weekly-digest", "c1", digest_case.DIGEST_3)
    assert result.status == "sent" and result.delivered == 2
    assert [p[:2] for p in result.parts] == ["📚 ", "📎 "]
    assert "thread_refused" not in result.summary


@responses.activate
def test_discord_a_crash_after_the_thread_opened_posts_into_that_thread_not_a_new_one():
    """Through the real Discord adapter: the summary, the thread opened, then the worker
    dies before the full list went in. The takeover skips the summary, finds the thread
    there already (160004) and posts into it: one summary, one thread, one full list."""
    store = digest_store("discord", "900")
    summary = f"{DISCORD_API}/channels/900/messages"
    threads = f"{DISCORD_API}/channels/900/messages/111/threads"
    in_thread = f"{DISCORD_API}/channels/111/messages"
    responses.post(summary, json={"id": "111"})
    responses.post(threads, status=201, json={"id": "111", "type": 11})
    responses.post(
        threads,
        status=400,
        json={"code": 160004, "message": "A thread has already been created for this message"},
    )
    responses.post(in_thread, body=Crash())
    responses.post(in_thread, json={"id": "222"})
    adapter = discord()
    with pytest.raises(Crash):
        run_job(
            with_adapter(store, digest_case.DIGEST_3, adapter, "discord"),
            "weekly-digest",
            "c1",
            digest_case.DIGEST_3,
        )
    later = digest_case.DIGEST_3 + LEASE + timedelta(seconds=1)
    result = run_job(with_adapter(store, later, adapter, "discord"), "weekly-digest", "c1", later)
    assert result.status == "sent"
    urls = [c.request.url for c in responses.calls]
    assert urls.count(summary) == 1  # the summary once, the full list never posted plainly
    assert urls == [summary, threads, in_thread, threads, in_thread]
    assert body(responses.calls[-1])["content"].startswith("📎 ")
    run = runs.get_run(store.table, "c1", "weekly-digest", PERIOD)
    assert run["sent_0000"] == "111" and run["sent_0001"] == "222"


@responses.activate
def test_slack_the_digest_s_full_list_carries_the_summary_s_ts():
    store = digest_store("slack", "C123")
    url = f"{SLACK_API}/chat.postMessage"
    responses.post(url, json={"ok": True, "ts": "1700000000.000100"})
    responses.post(url, json={"ok": True, "ts": "1700000000.000200"})
    rt = with_adapter(store, digest_case.DIGEST_3, slack(), "slack")
    assert run_job(rt, "weekly-digest", "c1", digest_case.DIGEST_3).status == "sent"
    first, second = (body(c) for c in responses.calls)
    assert "thread_ts" not in first and first["text"].startswith("📚 ")
    assert second["thread_ts"] == "1700000000.000100" and second["text"].startswith("📎 ")
