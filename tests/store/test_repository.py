"""The Store's domain operations, on both tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.models import InvalidValue, Role
from chalicelib.store.repository import AlreadyBound, NotFound
from tests.helpers import community, member

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_a_chat_belongs_to_one_community(store):
    store.create_community(community(created_at=NOW))
    with pytest.raises(AlreadyBound):
        store.create_community(community(id="c2"))
    with pytest.raises(AlreadyBound):
        store.bind_chat("c2", "console", "chat-1")
    store.bind_chat("c1", "console", "chat-1")  # rebinding to itself is fine
    assert store.find_community_by_chat("console", "chat-1").id == "c1"
    assert store.find_community_by_chat("console", "nowhere") is None


def test_communities_are_listed_oldest_first(store):
    store.create_community(community(id="new", chat_id="a", created_at=NOW))
    store.create_community(community(id="old", chat_id="b", created_at=NOW.replace(year=2025)))
    assert [c.id for c in store.list_communities()] == ["old", "new"]
    with pytest.raises(NotFound, match="unknown community 'gone'"):
        store.get_community("gone")


def test_update_community_writes_only_the_attributes_it_is_given(store):
    store.create_community(community(removal_enabled=True, robot_webhook="https://r/old"))
    stale = store.get_community("c1")
    store.update_community(stale, removal_enabled=False, robot_webhook="https://r/new")
    after = store.update_community(stale, theme="Read", theme_week="2026-W48")
    assert after == store.get_community("c1")
    assert (after.removal_enabled, after.robot_webhook) == (False, "https://r/new")
    assert store.update_community(after, theme=None).theme is None  # None removes
    with pytest.raises(InvalidValue):
        store.update_community(after, report_day=40)  # checked before anything is written
    with pytest.raises(NotFound):
        store.update_community(community(id="gone", chat_id="x"), theme="x")
    with pytest.raises(NotFound):
        store.get_community("gone")  # not recreated as a fragment


def test_note_member_creates_then_keeps_role_squad_and_name(store):
    store.create_community(community())
    created = store.note_member("c1", "u1", "小明", username="xm", today=TODAY)
    assert (created.joined_at, created.last_active, created.role) == (TODAY, TODAY, Role.MEMBER)
    store.save_member(member("u2", name="小红", role=Role.ADMIN, squad="A"))
    noted = store.note_member("c1", "u2", "", username=None, today=TODAY)
    assert (noted.name, noted.role, noted.squad) == ("小红", Role.ADMIN, "A")
    assert noted.last_active == TODAY


def test_note_member_writes_at_most_once_a_day(table, store):
    store.create_community(community())
    store.note_member("c1", "u1", "A", username=None, today=TODAY)
    before = table.get("C#c1", "M#u1")
    store.note_member("c1", "u1", "A", username=None, today=TODAY)
    assert table.get("C#c1", "M#u1") == before


def test_a_member_who_left_keeps_history_and_returns_active(store):
    store.create_community(community())
    store.save_member(member("u1", checkins=12))
    assert store.mark_member_left("c1", "u1")
    assert store.get_member("c1", "u1").status.value == "left"
    back = store.note_member("c1", "u1", "U1", username=None, today=TODAY)
    assert back.status.value == "active" and back.checkins == 12
    assert not store.mark_member_left("c1", "nobody")


def test_a_delivery_id_is_claimed_once(store):
    assert store.claim_event("telegram", "1001", NOW)
    assert not store.claim_event("telegram", "1001", NOW)
    assert store.claim_event("slack", "1001", NOW)


def test_a_huge_delivery_id_is_claimed_by_its_digest(store):
    """The id comes from the body; DynamoDB would refuse a key that long with a 500."""
    huge = "x" * 5000
    assert store.claim_event("console", huge, NOW)
    assert not store.claim_event("console", huge, NOW)
    assert store.claim_event("console", huge + "y", NOW)
