"""Telegram joins, leaves and a group's upgrade to a supergroup, through the webhook route,
as the Bot API sends them (Update with chat_member: ChatMemberUpdated; Message with
migrate_to_chat_id / migrate_from_chat_id)."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.models import MemberStatus
from chalicelib.inbound import handle_webhook
from tests.helpers import community, member
from tests.platforms.test_telegram import (  # noqa: F401 (adapter is a fixture)
    GROUP,
    NOW,
    USER,
    adapter,
    memory_runtime,
    request,
    update,
)

OLD_GROUP = -4123456  # a basic group's id, before the upgrade
TODAY = date(2026, 11, 23)


def member_update(old: str, new: str, update_id: int, **new_extra) -> dict:
    return {
        "update_id": update_id,
        "chat_member": {
            "chat": {"id": GROUP, "title": "Study Group", "type": "supergroup"},
            "from": USER,
            "date": 1441645600,
            "old_chat_member": {"user": USER, "status": old},
            "new_chat_member": {"user": USER, "status": new, **new_extra},
        },
    }


def bound(adapter, chat=GROUP):  # noqa: F811
    rt = memory_runtime(adapter)
    rt.store.create_community(community(platform="telegram", chat_id=str(chat)))
    return rt


def test_a_chat_member_join_is_recorded_and_welcomed_once(adapter):  # noqa: F811
    """Telegram may send one join twice (the service message and the chat_member update,
    each with its own update_id): one member, one welcome."""
    rt = bound(adapter)
    first = handle_webhook(rt, "telegram", request(member_update("left", "member", 501)), NOW)
    assert "Welcome to Study Group" in first.body["text"]
    joined = rt.store.get_member("c1", str(USER["id"]))
    assert joined.is_present and joined.observed_since == TODAY and joined.last_active == TODAY
    service = request(update({"from": USER, "new_chat_members": [USER]}, update_id=502))
    assert handle_webhook(rt, "telegram", service, NOW).body is None
    again = handle_webhook(rt, "telegram", request(member_update("left", "member", 501)), NOW)
    assert again.body is None  # a redelivery changes nothing twice


def test_a_chat_member_leave_marks_the_member_left(adapter):  # noqa: F811
    rt = bound(adapter)
    handle_webhook(rt, "telegram", request(update({"from": USER, "text": "hi"}, 600)), NOW)
    body = request(member_update("member", "left", 601))
    assert handle_webhook(rt, "telegram", body, NOW).status == 200
    assert rt.store.get_member("c1", str(USER["id"])).status is MemberStatus.LEFT
    banned = request(member_update("member", "kicked", 602, until_date=0))
    assert handle_webhook(rt, "telegram", banned, NOW).status == 200
    assert rt.store.get_member("c1", str(USER["id"])).status is MemberStatus.LEFT


def test_a_promotion_is_nobodys_arrival(adapter):  # noqa: F811
    parsed = adapter.parse(request(member_update("member", "administrator", 700)))
    assert parsed.events == []
    restricted_in = adapter.parse(request(member_update("left", "restricted", 701, is_member=True)))
    assert [e.kind for e in restricted_in.events] == ["member_joined"]


def migrate_to(update_id: int) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 5,
            "from": USER,
            "chat": {"id": OLD_GROUP, "title": "Study Group", "type": "group"},
            "date": 1441645700,
            "migrate_to_chat_id": GROUP,
        },
    }


def migrate_from(update_id: int) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "from": USER,
            "chat": {"id": GROUP, "title": "Study Group", "type": "supergroup"},
            "date": 1441645700,
            "migrate_from_chat_id": OLD_GROUP,
        },
    }


def test_a_group_upgraded_to_a_supergroup_keeps_its_community_and_is_told_once(adapter):  # noqa: F811
    rt = bound(adapter, chat=OLD_GROUP)
    rt.store.save_member(member("1111111"))
    answer = handle_webhook(rt, "telegram", request(migrate_to(800)), NOW)
    assert answer.body["chat_id"] == str(GROUP)  # told in the new chat, the old one is gone
    assert "超级群" in answer.body["text"] and "became a supergroup" in answer.body["text"]
    moved = rt.store.get_community("c1")
    assert moved.chat_id == str(GROUP)
    assert rt.store.find_community_by_chat("telegram", str(OLD_GROUP)) is None
    assert rt.store.find_community_by_chat("telegram", str(GROUP)).id == "c1"
    assert rt.store.get_member("c1", "1111111").is_present  # members stay
    # The new supergroup's own notice, and a redelivery: nothing more is said.
    assert handle_webhook(rt, "telegram", request(migrate_from(801)), NOW).body is None
    assert handle_webhook(rt, "telegram", request(migrate_to(800)), NOW).body is None
    # Commands in the new chat find the community.
    checkin = request(update({"from": USER, "text": "/checkin"}, update_id=802))
    assert "not bound" not in str(handle_webhook(rt, "telegram", checkin, NOW).body)


def test_a_migration_of_an_unbound_chat_says_nothing(adapter):  # noqa: F811
    rt = memory_runtime(adapter)
    assert handle_webhook(rt, "telegram", request(migrate_to(900)), NOW).body is None


def test_two_containers_moving_the_same_chat_tell_it_once():
    """Another warm container still holds the community under its old chat id (its cache):
    only the release that succeeds tells the group."""
    from chalicelib.store.memory import MemoryTable
    from chalicelib.store.repository import Store

    table = MemoryTable()
    one, two = Store(table), Store(table)
    one.create_community(community(platform="telegram", chat_id=str(OLD_GROUP)))
    stale = two.find_community_by_chat("telegram", str(OLD_GROUP))
    assert one.follow_chat_migration(stale, "telegram", str(OLD_GROUP), str(GROUP)) is not None
    assert two.follow_chat_migration(stale, "telegram", str(OLD_GROUP), str(GROUP)) is None
    assert one.get_community("c1").chat_id == str(GROUP)


def test_a_migration_to_the_same_id_changes_nothing(adapter):  # noqa: F811
    """A malformed notice naming the chat itself must not release its binding."""
    rt = bound(adapter)
    same = migrate_to(950)
    same["message"]["chat"]["id"] = GROUP
    assert handle_webhook(rt, "telegram", request(same), NOW).body is None
    assert rt.store.find_community_by_chat("telegram", str(GROUP)).id == "c1"
    stale = rt.store.get_community("c1")
    assert rt.store.follow_chat_migration(stale, "telegram", str(GROUP), str(GROUP)) is None
    assert rt.store.find_community_by_chat("telegram", str(GROUP)).id == "c1"
