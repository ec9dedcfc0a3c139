"""The monthly goal through ``handle_event``: admins set it, members report progress and
see it on /me and the board; every refusal writes nothing; a redelivery changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.models import Role
from chalicelib.features import goals as goal_features
from chalicelib.runtime import Runtime
from chalicelib.store import goals, keys
from tests.chat.test_checkin_commands import make_runtime, say
from tests.helpers import member

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-12-05 noon in Shanghai; and a minute past midnight on 1 December Shanghai time, still
# 30 November in UTC: the goal belongs to the community's local month.
AT = datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI)
FIRST_MINUTE = datetime(2026, 12, 1, 0, 1, tzinfo=SHANGHAI)


@pytest.fixture(params=["en", "zh-CN"])
def rt(request) -> Runtime:
    rt = make_runtime(locale=request.param)
    rt.store.save_member(member("boss", name="Boss", role=Role.ADMIN))
    for uid in ("u1", "u2"):
        rt.store.save_member(member(uid))
    return rt


def zh(rt: Runtime) -> bool:
    return rt.store.get_community("c1").locale == "zh-CN"


def goal_items(rt: Runtime) -> list[dict]:
    return [i for i in rt.store.table.all_items() if i["sk"].startswith(keys.GOAL_PREFIX)]


def progress(rt: Runtime, month: str = "2026-12") -> dict[str, int]:
    return goals.month_progress(rt.store.table, "c1", month).progress


def set_goal(rt: Runtime, at: datetime = AT) -> str:
    text = "本月目标 读完《原则》 300页" if zh(rt) else '/goal "Principles" 300 pages'
    return say(rt, text, at, user="boss")


def test_an_admin_sets_the_months_goal_in_the_communitys_month(rt):
    reply = set_goal(rt, FIRST_MINUTE)
    assert "2026-12" in reply and "300" in reply
    found = goals.month_progress(rt.store.table, "c1", "2026-12").goal
    assert found is not None and found.target == 300
    assert found.unit == ("页" if zh(rt) else "pages")
    item = rt.store.table.get("C#c1", keys.goal_sk("2026-12"))
    assert item["set_by"] == "boss"  # who set it, for the audit
    assert goals.month_progress(rt.store.table, "c1", "2026-11").goal is None


def test_a_member_may_see_the_goal_but_not_set_it(rt):
    """The admin guard: without it a member's /goal would replace the goal."""
    set_goal(rt)
    before = goal_items(rt)
    reply = say(rt, '/goal "Other" 5 books', AT, user="u1")
    assert ("管理员" in reply) if zh(rt) else ("only owners and admins" in reply)
    assert goal_items(rt) == before
    shown = say(rt, "/goal", AT, user="u1")
    assert ("读完《原则》" if zh(rt) else "Principles") in shown and "0/300" in shown


def test_goal_off_clears_it_and_keeps_who_did(rt):
    set_goal(rt)
    reply = say(rt, "/goal off", AT, user="boss")
    assert "2026-12" in reply
    item = rt.store.table.get("C#c1", keys.goal_sk("2026-12"))
    assert item["cleared_by"] == "boss" and item["title"]
    assert goals.month_progress(rt.store.table, "c1", "2026-12").goal is None
    assert (
        ("还没有目标" in say(rt, "进度 10", AT))
        if zh(rt)
        else ("no goal this month" in say(rt, "/progress 10", AT))
    )


@pytest.mark.parametrize(
    "text",
    ['/goal "Principles" 0 pages', "/goal Principles pages", "/goal 300 pages"],
)
def test_a_bad_goal_is_refused_and_nothing_is_written(rt, text):
    reply = say(rt, text, AT, user="boss")
    assert reply and "🎯" not in reply
    assert goal_items(rt) == []


def test_members_report_totals_and_increases_and_see_them_on_me(rt):
    set_goal(rt)
    word = "进度" if zh(rt) else "/progress"
    assert "120/300" in say(rt, f"{word} 120", AT)
    assert "140/300" in say(rt, f"{word} +20", AT)
    assert progress(rt) == {"u1": 140}
    me = say(rt, "我的" if zh(rt) else "/me", AT)
    assert "140/300" in me and "46%" in me
    finished = say(rt, f"{word} 300", AT, user="u2")
    assert "🎉" in finished


def test_me_shows_no_goal_line_without_a_goal(rt):
    me = say(rt, "/me", AT)
    assert "🎯" not in me


@pytest.mark.parametrize(
    "typed, key",
    [
        ("-5", "negative"),
        ("abc", "usage"),
        ("301", "above"),
        ("+200", "above"),  # 120 + 200 passes the target
    ],
)
def test_a_refused_report_writes_nothing(rt, typed, key):
    """Each guard: a negative, a non-number, or a total above the target changes nothing."""
    set_goal(rt)
    say(rt, "/progress 120", AT)
    before = goal_items(rt)
    reply = say(rt, f"/progress {typed}", AT)
    expected = {
        "negative": ("负数", "negative"),
        "usage": ("数字", "as a number"),
        "above": ("不能超过", "cannot go above"),
    }[key][0 if zh(rt) else 1]
    assert expected in reply
    assert goal_items(rt) == before
    assert progress(rt) == {"u1": 120}


def test_a_report_without_a_goal_writes_nothing(rt):
    reply = say(rt, "/progress 10", AT)
    assert ("还没有目标" in reply) if zh(rt) else ("no goal this month" in reply)
    assert goal_items(rt) == []


def test_a_redelivered_report_is_counted_once(rt):
    """Through the inbound path: the delivery id is claimed, the second delivery is dropped."""
    set_goal(rt)
    say(rt, "/progress +20", AT, event_id="same")
    assert say(rt, "/progress +20", AT, event_id="same") == ""
    assert progress(rt) == {"u1": 20}


def test_the_progress_write_itself_refuses_a_second_write_of_one_delivery(rt):
    """Past the inbound claim (two workers racing, a lost claim record): the conditional
    write keyed by the delivery id still adds once, and both answer the same total."""
    set_goal(rt)
    community = rt.store.get_community("c1")
    u1 = rt.store.get_member("c1", "u1")
    first = goal_features.report_progress(
        rt.store.table, community, u1, "+20", AT, delivery="console#d1"
    )
    again = goal_features.report_progress(
        rt.store.table, community, u1, "+20", AT, delivery="console#d1"
    )
    assert progress(rt) == {"u1": 20}
    assert first == again
    goal_features.report_progress(rt.store.table, community, u1, "+20", AT, delivery="console#d2")
    assert progress(rt) == {"u1": 40}


def test_an_increase_that_a_concurrent_report_pushed_past_the_target_is_refused(rt):
    """The increase is conditional on the total read: a report that raised it meanwhile
    makes the write refuse rather than pass the target."""
    set_goal(rt)
    community = rt.store.get_community("c1")
    u1 = rt.store.get_member("c1", "u1")
    goals.record_progress(
        rt.store.table,
        "c1",
        "2026-12",
        "u1",
        "U1",
        value=290,
        relative=False,
        target=300,
        delivery="console#other",
        at=AT,
    )
    refused = goals.record_progress(
        rt.store.table,
        "c1",
        "2026-12",
        "u1",
        "U1",
        value=20,
        relative=True,
        target=300,
        delivery="console#mine",
        at=AT,
    )
    assert not refused.written and refused.value == 290
    assert progress(rt) == {"u1": 290}
    assert goal_features.report_progress(
        rt.store.table, community, u1, "+20", AT, delivery="console#x"
    ) and progress(rt) == {"u1": 290}


def test_the_board_shows_who_finished_the_leaders_and_the_total(rt):
    set_goal(rt)
    say(rt, "/progress 300", AT, user="u1")
    say(rt, "/progress 150", AT, user="u2")
    board = say(rt, "目标榜" if zh(rt) else "/goal board", AT)
    assert "U1" in board.splitlines()[1]  # finished
    assert "U2 150" in board
    assert "450/900" in board  # three members × 300
    start = Counter(rt.store.table.requests)
    say(rt, "/goal board", AT, user="u2")
    used = Counter(rt.store.table.requests) - start
    assert used["Query"] == 2  # the roster and the month's goal prefix, nothing per member
    assert used["GetItem"] + used["BatchGetItem"] <= 2  # the inbound path's own reads


def test_mydata_includes_the_members_progress_and_nobody_elses(rt):
    """/mydata composes what features/personal_data.py finds (store/erasure.py's Queries of
    keys.PERSONAL_PREFIXES): the member's progress is there, another's is not."""
    from chalicelib.features.personal_data import compose_member_data, member_data

    set_goal(rt)
    say(rt, "/progress 123", AT, user="u1")
    say(rt, "/progress 77", AT, user="u2")
    data = member_data(rt.store, "c1", "u1")
    text = compose_member_data(rt.store.get_community("c1"), "U1", "u1", data).text
    assert "value: 123" in text
    assert ("本月目标与进度" if zh(rt) else "monthly goals and progress") in text
    assert "value: 77" not in text


def test_two_members_who_share_a_name_are_both_on_the_board(rt):
    """The board is kept by member id: a shared name never merges two members' progress."""
    for uid in ("u1", "u2"):
        rt.store.save_member(member(uid, name="Sam"))
    set_goal(rt)
    say(rt, "/progress 100", AT, user="u1", name="Sam")
    say(rt, "/progress 50", AT, user="u2", name="Sam")
    board = say(rt, "/goal board", AT, user="boss", name="Boss")
    assert "Sam 100" in board and "Sam 50" in board
    assert "150/900" in board
