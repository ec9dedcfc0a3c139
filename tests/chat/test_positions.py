"""Committee positions (班委): the owner appoints and dismisses from chat; what a position
may run is read from the one permission table (domain/roles.py PERMISSIONS) that every
admin command checks.

Through the webhook route with real console signatures: a 活动委员 may /award but not
/confirm-removals, a plain member may /award nothing, a 学习委员 may set the theme; only the
owner appoints; each appointment is audited beside role changes; a position that would
grant an owner-and-admin command is refused as a setting, nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

import app
from chalicelib.domain.models import InvalidValue, Role
from chalicelib.domain.roles import (
    DEFAULT_POSITIONS,
    PERMISSIONS,
    may,
    parse_positions,
    positions_of,
)
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.runtime import set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.store.roles import role_changes
from tests.helpers import community, console_body, member, runtime, signed_headers

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai


def roster() -> list:
    return [
        member("olga", name="Olga", role=Role.OWNER),
        member("boss", name="Boss", role=Role.ADMIN),
        member("amy", name="Amy"),
        member("bob", name="Bob"),
        member("cat", name="Cat"),
    ]


@pytest.fixture
def wired(dynamo_table):
    store = Store(dynamo_table)
    store.create_community(community())
    store.bulk_save_members(roster())
    rt, _sent = runtime(store, NOW)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            counter = iter(range(1, 1000))

            def post(user: str, text: str, message_id: str | None = None) -> str:
                mid = message_id or f"m-{next(counter)}"
                body = console_body(text, user=user, message_id=mid)
                response = client.http.post(
                    "/webhooks/console", headers=signed_headers(body, NOW), body=body
                )
                assert response.status_code == 200
                return "\n".join(p for r in json.loads(response.body)["replies"] for p in r)

            yield post, store
    finally:
        set_runtime(None)


def position_of(store: Store, user: str) -> str | None:
    found = store.get_member("c1", user)
    assert found is not None
    return found.position


def test_an_activity_officer_may_award_but_not_confirm_removals(wired):
    post, store = wired
    assert post("bob", '/award @Cat "most improved"') == "Only admins can give awards."
    assert post("olga", "任命 @Amy 活动委员") == "✅ Amy is now 活动委员."
    assert position_of(store, "amy") == "活动委员"
    assert post("amy", '/award @Cat "most improved"').startswith("🏆")
    refused = "Only owners and admins can confirm removals."
    assert post("amy", "/confirm-removals 2026-10") == refused
    # a plain member still may not; the position's other commands stay the admins'
    assert post("bob", '/award @Cat "best notes"') == "Only admins can give awards."
    assert "only the owner and admins" in post("amy", "/theme Habits")


def test_a_study_officer_sets_the_theme_and_loses_it_when_dismissed(wired):
    post, store = wired
    assert post("olga", "/appoint @Bob study-officer") == "✅ Bob is now 学习委员."
    assert post("bob", "/theme Deep work").startswith("📌")
    assert store.get_community("c1").theme == "Deep work"
    assert post("bob", '/award @Cat "x"') == "Only admins can give awards."
    assert post("olga", "/dismiss @Bob") == "✅ Bob is no longer 学习委员."
    assert position_of(store, "bob") is None
    assert "only the owner and admins" in post("bob", "/theme Something else")
    assert store.get_community("c1").theme == "Deep work"


def test_only_the_owner_appoints_and_each_change_is_audited_once(wired):
    post, store = wired
    owner_only = "Only the owner can appoint or dismiss committee members."
    assert post("boss", "任命 @Amy 学习委员") == owner_only
    assert post("amy", "/appoint @Amy study-officer") == owner_only
    assert post("boss", "/dismiss @Amy") == owner_only
    assert position_of(store, "amy") is None
    assert role_changes(store.table, "c1") == []
    assert post("olga", "任命 @Amy 学习委员", message_id="same") == "✅ Amy is now 学习委员."
    assert post("olga", "任命 @Amy 学习委员", message_id="same") == ""  # a redelivery
    assert post("olga", "任命 @Amy 学习委员") == "Amy is 学习委员 already."
    assert post("olga", "任命 @Amy activity-officer") == "✅ Amy is now 活动委员 (was 学习委员)."
    audits = role_changes(store.table, "c1")
    assert [(a["kind"], a.get("old_position"), a["new_position"], a["by"]) for a in audits] == [
        ("position_change", None, "学习委员", "olga"),
        ("position_change", "学习委员", "活动委员", "olga"),
    ]


def test_an_unknown_position_or_member_is_one_line_and_writes_nothing(wired):
    post, store = wired
    assert post("olga", "/appoint @Amy president") == (
        "No position “president”. This group's positions: 学习委员/study-officer, "
        "活动委员/activity-officer"
    )
    assert post("olga", "/appoint @Nobody study-officer") == "No member “Nobody” in this community."
    assert post("olga", "/appoint @Amy").startswith("Usage: /appoint")
    assert post("olga", "/dismiss @Amy") == "Amy holds no committee position."
    assert position_of(store, "amy") is None
    assert role_changes(store.table, "c1") == []


def test_me_and_help_show_the_position_and_what_it_allows(wired):
    post, _store = wired
    post("olga", "任命 @Amy 学习委员")
    assert "Committee: 学习委员 (may use /remind /theme)" in post("amy", "/me")
    assert "As 学习委员 you may also use: /remind /theme" in post("amy", "/help")
    assert "Committee" not in post("bob", "/me")


# -- the positions setting ---------------------------------------------------------------------


@pytest.fixture
def chat():
    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members(roster())
    rt, _sent = runtime(store, NOW)

    def say(user: str, text: str) -> str:
        event = InboundEvent("message", "console", "chat-1", Sender(user, user.title()), text)
        return "\n".join(m.text for m in handle_event(rt, event, NOW))

    return say, store


def test_a_position_granting_confirm_removals_is_refused_and_nothing_is_written(chat):
    say, store = chat
    reply = say("olga", "/settings positions 纪律委员/discipline:confirm_removals,award")
    assert reply == (
        "Nothing changed: position 纪律委员 may not be given confirm_removals: it stays "
        "owner-and-admin only"
    )
    assert store.get_community("c1").positions == ()
    for command in ("settings", "role", "appoint", "exempt", "report", "manage"):
        with pytest.raises(InvalidValue, match=f"may not be given {command}"):
            parse_positions(f"x:{command}")


def test_a_communitys_own_positions_replace_the_defaults():
    specs = parse_positions("纪律委员/discipline:remind; 宣传委员/publicity:award,goal")
    positions = positions_of(specs)
    assert [p.name for p in positions] == ["纪律委员", "宣传委员"]
    officer = member("amy", position="宣传委员")
    assert may(officer, "award", positions) and not may(officer, "remind", positions)
    assert not may(officer, "award", DEFAULT_POSITIONS)  # a position no longer defined
    with pytest.raises(InvalidValue, match="used twice"):
        parse_positions("a:award;A:goal")
    with pytest.raises(InvalidValue, match="unknown command"):
        parse_positions("a:dance")


def test_the_permission_table_keeps_people_and_settings_to_owners_and_admins():
    """The table itself: the owner-and-admin commands are never grantable, and every role's
    reach is what the handlers used to hard-code."""
    for name in ("confirm_removals", "settings", "role", "appoint", "dismiss", "exempt"):
        assert not PERMISSIONS[name].grantable
    owner, admin = member("o", role=Role.OWNER), member("a", role=Role.ADMIN)
    leader, plain = member("l", role=Role.LEADER), member("m")
    assert may(admin, "confirm_removals") and not may(admin, "appoint") and may(owner, "appoint")
    assert may(leader, "remind_squad") and not may(leader, "remind")
    assert not may(plain, "award") and may(plain, "checkin")


def test_the_monthly_report_names_the_committee():
    from chalicelib.jobs.report_inactive_members import plan_monthly_report

    store = Store(MemoryTable())
    store.create_community(community(report_to_group=True))
    store.bulk_save_members(
        [*roster()[:2], member("amy", name="Amy", position="学习委员"), member("bob", name="Bob")]
    )
    plan = plan_monthly_report(store, store.get_community("c1"), NOW)
    assert "\nCommittee: 学习委员 Amy" in plan.messages[0].text


def test_no_chat_command_reads_the_role_itself():
    """Every admin command asks the one table (CommandContext.may); a handler that checked
    ``is_admin`` again would refuse a committee member the table allows, or let through one
    it does not."""
    from pathlib import Path

    import chalicelib.chat

    folder = Path(chalicelib.chat.__file__).parent
    readers = [p.name for p in sorted(folder.glob("*.py")) if ".is_admin" in p.read_text()]
    assert readers == []


def test_a_study_officer_sends_the_whole_groups_reminder_a_member_may_not():
    """/remind runs in the queue worker; the table is asked in the webhook's precheck and
    again in the worker: a 学习委员 reminds everyone, a plain member is refused at once."""
    from chalicelib.queue import MemoryQueue
    from tests.chat.queued import WORKING, run_worker

    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members([*roster(), member("dan", name="Dan", position="学习委员")])
    rt, sent = runtime(store, NOW)
    rt.queue = MemoryQueue()

    def say(user: str, text: str, event_id: str) -> str:
        event = InboundEvent(
            "message", "console", "chat-1", Sender(user, user.title()), text, event_id=event_id
        )
        return "\n".join(m.text for m in handle_event(rt, event, NOW))

    set_runtime(rt)
    try:
        assert say("bob", "/remind", "r1") == (
            "Sorry Bob, only owners, admins and leaders can send reminders."
        )
        assert say("dan", "/remind", "r2") == WORKING
        run_worker(rt, rt.queue, NOW)
    finally:
        set_runtime(None)
    texts = [m.text for m in sent if m.kind == "message"]
    assert texts[-1] == "📣 Today's (2026-11-23) check-in reminder is out."
    assert any("Amy" in text and "Cat" in text for text in texts[:-1])  # the reminder itself
