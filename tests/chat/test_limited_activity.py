"""Chatter-based rules where the bot sees no chatter (DingTalk, WeCom): an inactive_days rule
is switched on (set explicitly, or made to remove people) only with ack_limited_activity
on, from chat's /settings, `rollcall community update` and `rollcall report rules` alike;
the refusal names what the platform cannot see, in the reader's language, and writes
nothing. A group kind is checked against the community's platform."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.inactivity import rules_of
from chalicelib.domain.models import InvalidValue, Role
from chalicelib.domain.settings import apply_settings
from chalicelib.domain.visibility import chatter_refusal
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
SILENT = [{"id": "silent", "kind": "inactive_days", "warn": 30, "remove": 45}]
HOMEWORK = [{"id": "hw", "kind": "missed_cycles", "warn": 2, "remove": 3}]


# -- the rule ----------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["dingtalk", "wecom"])
def test_removal_on_with_a_silence_rule_needs_the_acknowledgement_there(platform):
    c = community(platform=platform, chat_id="g1")
    with pytest.raises(InvalidValue) as refused:
        apply_settings(c, {"removal": "on"})
    assert "'silent' measures days since last activity" in str(refused.value)
    assert "never the group's chatter" in str(refused.value)
    assert "ack_limited_activity on" in str(refused.value)
    done = apply_settings(c, {"removal": "on", "ack_limited_activity": "on"})
    assert done.removal_enabled and done.ack_limited_activity


def test_where_chatter_is_seen_or_no_rule_measures_it_nothing_is_asked():
    assert apply_settings(community(platform="slack", chat_id="C1"), {"removal": "on"})
    homework_only = community(platform="wecom", chat_id="g1", rules=tuple(HOMEWORK))
    assert apply_settings(homework_only, {"removal": "on"}).removal_enabled
    # A change that touches no rule, removal or platform is not judged (old communities).
    old = community(platform="wecom", chat_id="g1", removal_enabled=True)
    assert apply_settings(old, {"reminder_time": "20:00"}).reminder_time == "20:00"


def test_an_explicit_silence_rule_needs_it_even_without_removal():
    c = community(platform="dingtalk", chat_id="g1", rules=tuple(SILENT))
    assert chatter_refusal(c, rules_of(c), {"rules"}) is not None
    assert chatter_refusal(c, rules_of(c), {"reminder_time"}) is None


def test_a_group_kind_must_be_the_platforms():
    wecom = community(platform="wecom", chat_id="g1")
    assert apply_settings(wecom, {"group_kind": "customer"}).group_kind == "customer"
    with pytest.raises(InvalidValue, match="group kind on wecom must be one of robot, app"):
        apply_settings(wecom, {"group_kind": "scene"})
    with pytest.raises(InvalidValue, match="not slack"):
        apply_settings(community(platform="slack", chat_id="C1"), {"group_kind": "app"})
    assert apply_settings(wecom, {"group_kind": "-"}).group_kind is None


# -- from chat ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("zh-CN", "设置 移除 开", "看不到群里的日常聊天"),
        ("en", "/settings removal on", "never the group's chatter"),
    ],
)
def test_chat_refuses_removal_without_the_acknowledgement_in_the_readers_language(
    locale, text, expected
):
    store = Store(MemoryTable())
    store.create_community(community(platform="wecom", chat_id="g1", locale=locale))
    store.bulk_save_members([member("boss", name="Boss", role=Role.OWNER)])
    rt, _sent = runtime(store, NOON)
    event = InboundEvent("message", "wecom", "g1", Sender("boss", "Boss"), text, "e1")
    reply = "\n".join(m.text for m in handle_event(rt, event, NOON))
    assert expected in reply
    assert store.get_community("c1").removal_enabled is False
