"""后台 / /manage: a sign-in link by direct message to an owner or admin, never in the group;
and ``rollcall manage link`` for platforms where the bot cannot send one."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from chalicelib.domain.models import Role
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import DirectRefused, InboundEvent, Sender
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import set_runtime
from chalicelib.store import keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
LINK = re.compile(r"https://rc\.example/api/manage/c1/signin\?t=([\w-]+)")


@pytest.fixture(params=["en", "zh-CN"])
def setup(request):
    store = Store(MemoryTable())
    store.create_community(community(locale=request.param))
    store.bulk_save_members([member("boss", role=Role.ADMIN), member("amy")])
    rt, sent = runtime(store, NOON)
    rt.settings = replace(rt.settings, public_url="https://rc.example/api")
    rt.queue = MemoryQueue()
    set_runtime(rt)
    yield store, rt, sent, request.param
    set_runtime(None)


def say(rt, user: str, text: str, event_id: str = "e1") -> str:
    event = InboundEvent(
        "message", "console", "chat-1", Sender(user, user.title()), text, event_id=event_id
    )
    return "\n".join(m.text for m in handle_event(rt, event, NOON))


def links(store) -> list[dict]:
    return list(store.table.query(keys.community_pk("c1"), prefix=keys.SIGNIN_PREFIX))


def test_an_admin_gets_the_link_by_direct_message_only(setup):
    store, rt, sent, locale = setup
    reply = say(rt, "boss", "/manage" if locale == "en" else "后台")
    assert "direct message" in reply or "私信" in reply
    assert not LINK.search(reply)  # the group's reply carries no link
    (dm,) = [m for m in sent if m.kind == "direct"]
    assert dm.user_id == "boss"
    token = LINK.search(dm.text).group(1)
    assert all(not LINK.search(m.text) for m in sent if m.kind != "direct")
    (item,) = links(store)
    assert item["user_id"] == "boss" and token not in str(item)


def test_a_redelivered_command_sends_no_second_link(setup):
    store, rt, sent, _ = setup
    say(rt, "boss", "/manage", event_id="same")
    say(rt, "boss", "/manage", event_id="same")
    assert len([m for m in sent if m.kind == "direct"]) == 1 and len(links(store)) == 1


def test_a_member_who_is_not_an_admin_gets_nothing(setup):
    store, rt, sent, _ = setup
    reply = say(rt, "amy", "/manage")
    assert "only owners and admins" in reply or "只有群主和管理员" in reply
    assert [m for m in sent if m.kind == "direct"] == [] and links(store) == []


def test_without_direct_messages_the_reply_names_the_operators_command(setup):
    store, rt, sent, _ = setup
    rt.adapter("console").direct_messages = False
    reply = say(rt, "boss", "/manage")
    assert "rollcall manage link --community c1 --user boss" in reply
    assert len(reply.splitlines()) == 1
    assert not LINK.search(reply) and links(store) == [] and sent == []


def test_a_refused_direct_message_says_how_to_fix_it_and_posts_no_link(setup):
    _store, rt, sent, _ = setup

    def refuse(chat, user_id, part):
        raise DirectRefused("bot was blocked by the user")

    rt.adapter("console").deliver_direct = refuse
    reply = say(rt, "boss", "/manage")
    assert "privately" in reply or "私聊" in reply
    assert not LINK.search(reply) and sent == []


def test_without_a_public_url_the_reply_says_the_pages_are_not_set_up(setup):
    store, rt, sent, _ = setup
    rt.settings = replace(rt.settings, public_url="")
    reply = say(rt, "boss", "/manage")
    assert "ROLLCALL_PUBLIC_URL" in reply and links(store) == [] and sent == []


# -- rollcall manage link ---------------------------------------------------------------------


def test_the_cli_makes_a_link_for_an_admin_and_refuses_anyone_else(monkeypatch):
    from rollcall.cli import main

    monkeypatch.setenv("ROLLCALL_PUBLIC_URL", "https://rc.example/api/webhooks/telegram")
    runner = CliRunner()
    made = runner.invoke(
        main,
        [
            "community",
            "create",
            "--id",
            "c1",
            "--name",
            "G",
            "--platform",
            "console",
            "--chat-id",
            "x",
        ],
    )
    assert made.exit_code == 0, made.output
    for args in (
        ["member", "add", "--community", "c1", "boss", "--role", "admin"],
        ["member", "add", "--community", "c1", "amy"],
    ):
        assert runner.invoke(main, args).exit_code == 0
    answer = runner.invoke(main, ["manage", "link", "--community", "c1", "--user", "boss"])
    assert answer.exit_code == 0, answer.output
    assert LINK.search(answer.stdout)  # under the API's base, not the webhook's path
    base = runner.invoke(
        main,
        ["manage", "link", "--community", "c1", "--user", "boss", "--base-url", "http://h:1"],
    )
    assert "http://h:1/manage/c1/signin?t=" in base.stdout
    refused = runner.invoke(main, ["manage", "link", "--community", "c1", "--user", "amy"])
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "error: amy is not an owner or admin of c1: only they can sign in"
    )
    unknown = runner.invoke(main, ["manage", "link", "--community", "nope", "--user", "boss"])
    assert unknown.exit_code == 1 and unknown.stderr.startswith("error: ")
    monkeypatch.delenv("ROLLCALL_PUBLIC_URL")  # and no rollcall serve running
    nowhere = runner.invoke(main, ["manage", "link", "--community", "c1", "--user", "boss"])
    assert nowhere.exit_code == 1
    assert nowhere.stderr.startswith("error: no base URL: give --base-url")
    assert len(nowhere.stderr.strip().splitlines()) == 1


# -- 我的主页 / /mypage -----------------------------------------------------------------------


def test_any_member_gets_a_link_to_their_own_page_by_direct_message_only(setup):
    """A member (not an admin) receives the link privately; the group's reply carries none,
    and the stored link is scoped to that member's own page."""
    store, rt, sent, locale = setup
    reply = say(rt, "amy", "/mypage" if locale == "en" else "我的主页")
    assert "direct message" in reply or "私信" in reply
    assert not LINK.search(reply)
    (dm,) = [m for m in sent if m.kind == "direct"]
    assert dm.user_id == "amy" and LINK.search(dm.text)
    assert ("own page" in dm.text) if locale == "en" else ("个人主页" in dm.text)
    assert all(not LINK.search(m.text) for m in sent if m.kind != "direct")
    (item,) = links(store)
    assert item["user_id"] == "amy" and item["scope"] == "self"


def test_mypage_without_direct_messages_posts_no_link_in_the_group(setup):
    store, rt, sent, _ = setup
    rt.adapter("console").direct_messages = False
    reply = say(rt, "amy", "/mypage")
    assert "privately" in reply or "私信" in reply
    assert not LINK.search(reply) and links(store) == [] and sent == []


def test_mypage_refused_by_the_platform_says_how_to_fix_it(setup):
    _store, rt, sent, _ = setup

    def refuse(chat, user_id, part):
        raise DirectRefused("bot was blocked by the user")

    rt.adapter("console").deliver_direct = refuse
    reply = say(rt, "amy", "/mypage")
    assert "/mypage" in reply or "我的主页" in reply
    assert not LINK.search(reply) and sent == []


def test_a_redelivered_mypage_sends_no_second_link(setup):
    store, rt, sent, _ = setup
    say(rt, "amy", "/mypage", event_id="same")
    say(rt, "amy", "/mypage", event_id="same")
    assert len([m for m in sent if m.kind == "direct"]) == 1 and len(links(store)) == 1
