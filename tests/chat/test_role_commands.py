"""/role (设为管理员 @x, 设为组长 @x, 取消管理员 @x), /squad (小组) and a leader's /remind,
through the inbound path as a platform delivers them.

Each refusal has a test that goes red if its check is removed: a member who is no owner
granting admin, a self-change, a change of the owner's role; each change leaves one audit
item, and a redelivered command changes nothing twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.models import Role
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.store.roles import role_changes
from tests.chat.queued import WORKING, run_worker
from tests.helpers import community, member, runtime

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai, Monday
TODAY = date(2026, 11, 23)


def roster() -> list:
    return [
        member("olga", name="Olga", role=Role.OWNER),
        member("boss", name="Boss", role=Role.ADMIN),
        member("lee", name="Lee", role=Role.LEADER, squad="A"),
        member("amy", name="Amy", squad="A", last_checkin=TODAY, current_streak=4),
        member("bob", name="Bob", username="bobby", squad="A"),
        member("cat", name="Cat", squad="A", quiet=True),
        member("dan", name="Dan", squad="B"),
        member("eve", name="Eve"),
    ]


@pytest.fixture
def setup():
    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members(roster())
    rt, sent = runtime(store, NOON)
    rt.queue = MemoryQueue()
    set_runtime(rt)
    yield store, rt, sent
    set_runtime(None)


def say(rt, user: str, text: str, event_id: str | None = None, at: datetime = NOON) -> str:
    event = InboundEvent(
        "message", "console", "chat-1", Sender(user, user.title()), text, event_id=event_id
    )
    return "\n".join(m.text for m in handle_event(rt, event, at))


def role_of(store, user: str) -> tuple[Role, str | None]:
    found = store.get_member("c1", user)
    return found.role, found.role_source


# -- /role -------------------------------------------------------------------------------------


def test_the_owner_makes_an_admin_in_chinese_and_the_change_is_audited(setup):
    store, rt, _ = setup
    assert say(rt, "olga", "设为管理员 @Amy") == "✅ Amy is now admin (was member)."
    assert role_of(store, "amy") == (Role.ADMIN, "chat")
    [audit] = role_changes(store.table, "c1")
    assert {k: audit[k] for k in ("user_id", "old", "new", "source", "by", "at")} == {
        "user_id": "amy",
        "old": "member",
        "new": "admin",
        "source": "chat",
        "by": "olga",
        "at": NOON.isoformat(),
    }
    assert say(rt, "olga", "取消管理员 @Amy") == "✅ Amy is now member (was admin)."
    assert role_of(store, "amy") == (Role.MEMBER, "chat")
    assert len(role_changes(store.table, "c1")) == 2


def test_an_admin_makes_a_leader_and_a_member_again(setup):
    store, rt, _ = setup
    assert say(rt, "boss", "/role @bobby leader") == "✅ Bob is now leader (was member)."
    assert say(rt, "boss", "设为组长 @Bob") == "Bob is leader already."
    assert say(rt, "boss", "取消组长 @Bob") == "✅ Bob is now member (was leader)."
    assert say(rt, "boss", "/role @Eve 组长") == "✅ Eve is now leader (was member)."
    assert role_of(store, "bob") == (Role.MEMBER, "chat")
    assert len(role_changes(store.table, "c1")) == 3


def test_an_admin_who_is_not_the_owner_cannot_grant_admin(setup):
    store, rt, _ = setup
    assert say(rt, "boss", "/role @Amy admin") == "Only the owner can make or unmake admins."
    assert say(rt, "boss", "设为管理员 @Amy") == "Only the owner can make or unmake admins."
    assert role_of(store, "amy") == (Role.MEMBER, None)
    assert role_changes(store.table, "c1") == []


def test_an_admin_cannot_unmake_another_admin(setup):
    store, rt, _ = setup
    store.save_member(member("ann", name="Ann", role=Role.ADMIN))
    assert say(rt, "boss", "取消管理员 @Ann") == "Only the owner can make or unmake admins."
    assert role_of(store, "ann") == (Role.ADMIN, None)


def test_nobody_changes_their_own_role(setup):
    store, rt, _ = setup
    assert say(rt, "olga", "/role @Olga member") == "You cannot change your own role."
    assert say(rt, "boss", "/role @Boss leader") == "You cannot change your own role."
    assert role_of(store, "olga") == (Role.OWNER, None)
    assert role_of(store, "boss") == (Role.ADMIN, None)
    assert role_changes(store.table, "c1") == []


def test_the_owners_role_is_not_changed_from_chat(setup):
    store, rt, _ = setup
    assert say(rt, "boss", "/role @Olga member") == (
        "The owner's role cannot be changed from chat; ask the operator."
    )
    assert (
        say(rt, "olga", "/role @Amy owner") == "Nobody is made owner from chat; ask the operator."
    )
    assert role_of(store, "olga") == (Role.OWNER, None)
    assert role_of(store, "amy") == (Role.MEMBER, None)


@pytest.mark.parametrize("user", ["amy", "lee"])
def test_members_and_leaders_cannot_change_roles(setup, user):
    store, rt, _ = setup
    assert "only owners and admins" in say(rt, user, "/role @Bob leader")
    assert role_of(store, "bob") == (Role.MEMBER, None)


def test_bad_input_gets_one_line_and_writes_nothing(setup):
    store, rt, _ = setup
    assert say(rt, "olga", "/role").startswith("Usage: /role @someone")
    assert say(rt, "olga", "/role @Nobody admin") == "No member “Nobody” in this community."
    assert say(rt, "olga", "/role @Amy boss") == (
        "Unknown role “boss”: use admin, leader or member."
    )
    assert say(rt, "olga", "/role @Amy").startswith("Usage: /role @someone")
    assert say(rt, "olga", "取消管理员 @Amy") == "Amy is not admin; nothing to undo."
    assert role_changes(store.table, "c1") == []


def test_a_redelivered_role_command_changes_nothing_twice(setup):
    """A replay of the owner's earlier /role (same delivery id) must not undo a later one."""
    store, rt, _ = setup
    say(rt, "olga", "/role @Amy admin", event_id="e1")
    say(rt, "olga", "/role @Amy member", event_id="e2")
    assert say(rt, "olga", "/role @Amy admin", event_id="e1") == ""  # claimed: dropped
    assert role_of(store, "amy") == (Role.MEMBER, "chat")
    assert len(role_changes(store.table, "c1")) == 2


def test_an_explicit_chat_role_is_kept_by_a_platform_that_says_otherwise(setup):
    store, rt, _ = setup
    say(rt, "olga", "/role @Amy member")  # already member: nothing to change, nothing set
    say(rt, "olga", "/role @Eve leader")
    event = InboundEvent(
        "message",
        "console",
        "chat-1",
        Sender("eve", "Eve", platform_admin=True),
        "/help",
        event_id="e9",
    )
    handle_event(rt, event, NOON)
    assert role_of(store, "eve") == (Role.LEADER, "chat")


# -- /squad ------------------------------------------------------------------------------------


def test_a_leader_sees_their_squad_today(setup):
    _, rt, _ = setup
    assert say(rt, "lee", "小组") == "\n".join(
        [
            "👥 Squad A · 2026-11-23",
            "Checked in today: 1/4 · Homework (cycle 152): 0/4",
            "✅ Amy · streak 4 · no homework yet",
            "⬜ Bob · streak 0 · no homework yet",
            "⬜ Cat · streak 0 · no homework yet",
            "⬜ Lee · streak 0 · no homework yet",
        ]
    )


def test_the_squad_view_shows_this_cycles_homework(setup):
    store, rt, _ = setup
    from chalicelib.domain.homework import Work, cycles_of
    from chalicelib.store.homework import save_submission

    found = store.update_community(store.get_community("c1"), cycle_anchor=date(2026, 11, 16))
    cycle = cycles_of(found).cycle_id(cycles_of(found).cycle_of(NOON))
    save_submission(
        store.table,
        "c1",
        cycle,
        "bob",
        name="Bob",
        work=Work(None, "essay"),
        at=NOON,
        late=False,
        previous=None,
    )
    text = say(rt, "amy", "/squad")
    assert f"Homework (cycle {int(cycle[1:])}): 1/4" in text
    assert "⬜ Bob · streak 0 · 📝 homework in" in text
    assert "✅ Amy · streak 4 · no homework yet" in text


def test_a_member_in_no_squad_gets_a_clear_line(setup):
    _, rt, _ = setup
    assert say(rt, "eve", "/squad") == (
        "Eve, you are in no squad yet; admins set squads in the roster."
    )


def test_only_admins_look_at_other_squads(setup):
    _, rt, _ = setup
    assert say(rt, "lee", "/squad B") == (
        "Only admins can look at other squads; send /squad for your own."
    )
    assert say(rt, "lee", "/squad a").startswith("👥 Squad A")  # their own, any case
    assert say(rt, "boss", "/squad b").startswith("👥 Squad B · 2026-11-23\nChecked in today: 0/1")
    assert say(rt, "boss", "/squad Z") == "No squad called “Z”. Squads: A, B"
    assert say(rt, "boss", "小组") == "Send /squad NAME to see one. Squads: A, B"


def test_the_squad_view_costs_the_same_whatever_the_squad_size(dynamo_table, requests_made):
    """One Query of the roster, no read per member: 30 members cost what 3 do."""
    counts = []
    for size in (3, 30):
        store = Store(dynamo_table)
        cid = f"s{size}"
        store.create_community(community(id=cid, chat_id=f"chat-{size}"))
        store.bulk_save_members(
            [member("lead", community_id=cid, role=Role.LEADER, squad="A")]
            + [member(f"m{n:02d}", community_id=cid, squad="A") for n in range(size)]
        )
        rt, _ = runtime(store, NOON)
        event = InboundEvent(
            "message", "console", f"chat-{size}", Sender("lead", "Lead"), "/squad", event_id=cid
        )
        handle_event(rt, event, NOON)  # warm: the member's day's activity is written
        requests_made.reset()
        event = InboundEvent(
            "message",
            "console",
            f"chat-{size}",
            Sender("lead", "Lead"),
            "/squad",
            event_id=cid + "x",
        )
        [reply] = handle_event(rt, event, NOON)
        assert f"Checked in today: 0/{size + 1}" in reply.text
        counts.append(requests_made.total())
    assert counts[0] == counts[1]


# -- a leader's /remind --------------------------------------------------------------------------


def test_a_leader_reminds_only_the_missing_members_of_their_squad(setup):
    _, rt, sent = setup
    assert say(rt, "lee", "提醒", event_id="r1") == WORKING
    assert run_worker(rt, rt.queue, NOON) == {"batchItemFailures": []}
    [reminder] = [m for m in sent if m.kind == "message"]
    assert reminder.text.startswith("📣 Squad A today (2026-11-23): 1/4 checked in, 3 to go:")
    assert "@bobby" in reminder.text and "@Lee" in reminder.text
    assert "@Cat" not in reminder.text and "(quiet: Cat)" in reminder.text  # no ping
    for other in ("@Amy", "@Dan", "@Eve", "@Boss", "@Olga"):
        assert other not in reminder.text
    run_worker(rt, rt.queue, NOON, times=2)
    assert len([m for m in sent if m.kind == "message"]) == 1


def test_a_member_cannot_remind_and_a_leader_in_no_squad_is_told_why(setup):
    store, rt, sent = setup
    assert say(rt, "amy", "/remind") == (
        "Sorry Amy, only owners, admins and leaders can send reminders."
    )
    store.save_member(member("lone", name="Lone", role=Role.LEADER))
    assert say(rt, "lone", "/remind") == (
        "Lone, you are in no squad yet; admins set squads in the roster."
    )
    assert not rt.queue.messages and sent == []


def test_a_leaders_help_shows_their_command(setup):
    _, rt, _ = setup
    assert "Leader commands:" in say(rt, "lee", "/help")
    assert "Leader commands:" not in say(rt, "amy", "/help")


def test_a_leader_reminds_their_squad_once_a_day(setup):
    _, rt, sent = setup
    assert say(rt, "lee", "/remind", event_id="r1") == WORKING
    run_worker(rt, rt.queue, NOON)
    assert say(rt, "lee", "/remind", event_id="r2") == WORKING
    run_worker(rt, rt.queue, NOON)
    texts = [m.text for m in sent if m.kind == "message"]
    assert len(texts) == 2 and texts[0].startswith("📣 Squad A today")
    assert texts[1] == "Squad A was already reminded today"
    assert sum("@bobby" in text for text in texts) == 1
    # the next local day, again
    tomorrow = NOON + timedelta(days=1)
    assert say(rt, "lee", "/remind", event_id="r3", at=tomorrow) == WORKING
    run_worker(rt, rt.queue, tomorrow)
    texts = [m.text for m in sent if m.kind == "message"]
    assert texts[2].startswith("📣 Squad A today (2026-11-24)")


def test_a_second_remind_is_refused_in_chinese(setup):
    store, rt, sent = setup
    store.update_community(store.get_community("c1"), locale="zh-CN")
    for event_id in ("r1", "r2"):
        say(rt, "lee", "提醒", event_id=event_id)
        run_worker(rt, rt.queue, NOON)
    assert [m.text for m in sent if m.kind == "message"][1] == "A 组今天已经提醒过了"


def test_a_squad_all_done_takes_no_claim(setup):
    store, rt, sent = setup
    for uid in ("lee", "bob", "cat"):  # Amy checked in already: squad A is all done
        store.save_member(replace(store.get_member("c1", uid), last_checkin=TODAY))
    say(rt, "lee", "/remind", event_id="r1")
    run_worker(rt, rt.queue, NOON)
    # someone joins squad A later that day and has not checked in: the reminder still goes
    store.save_member(member("fox", name="Fox", username="foxy", squad="A"))
    say(rt, "lee", "/remind", event_id="r2")
    run_worker(rt, rt.queue, NOON)
    texts = [m.text for m in sent if m.kind == "message"]
    assert texts[0].startswith("🎉 Squad A all checked in today")
    assert texts[1].startswith("📣 Squad A today") and "@foxy" in texts[1]
