"""Check-in commands end to end through ``handle_event``: what members send, what they see,
what is stored, and what it costs."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.config import Settings
from chalicelib.domain.messages import t
from chalicelib.domain.models import Role
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.runtime import Runtime
from chalicelib.store import keys
from chalicelib.store.checkins import checkins_on, record_checkin
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member

SHANGHAI = ZoneInfo("Asia/Shanghai")
_event_ids = itertools.count(1)


def local(day: int, hour: int = 12, minute: int = 0, month: int = 11) -> datetime:
    """An instant given as Shanghai wall time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def make_runtime(**overrides) -> Runtime:
    store = Store(MemoryTable())
    store.create_community(community(**overrides))
    return Runtime(settings=Settings(), store=store)


def say(
    rt: Runtime,
    text: str,
    at: datetime,
    *,
    user: str = "u1",
    name: str | None = None,
    event_id: str | None = None,
) -> str:
    """Send ``text`` as ``user`` and return the replies joined (empty when none)."""
    event = InboundEvent(
        kind="message",
        platform="console",
        chat_id="chat-1",
        sender=Sender(user, name or user.title()),
        text=text,
        event_id=event_id or f"evt-{next(_event_ids)}",
    )
    return "\n".join(m.text for m in handle_event(rt, event, at))


def known_since(rt: Runtime, since: date = date(2026, 11, 1), user: str = "u1") -> None:
    """``user`` has been a member, watched by rollcall, since ``since``: the days a make-up
    may reach back to (never before the member's first observed day)."""
    rt.store.save_member(member(user, observed_since=since))


def counters(rt: Runtime, user: str = "u1") -> tuple[int, int, int, date | None]:
    m = rt.store.get_member("c1", user)
    assert m is not None
    return m.checkins, m.current_streak, m.best_streak, m.last_checkin


def checkin_items(rt: Runtime) -> list[dict]:
    table = rt.store.table
    return [i for i in table.all_items() if i["sk"].startswith(keys.CHECKIN_PREFIX)]


# -- exactly once ----------------------------------------------------------------------------


def test_a_redelivered_event_is_recorded_once_and_answered_once():
    rt = make_runtime()
    first = say(rt, "/checkin", local(23), event_id="m-1")
    again = say(rt, "/checkin", local(23, 12, 1), event_id="m-1")
    assert "checked in for 2026-11-23" in first
    assert again == ""
    assert counters(rt) == (1, 1, 1, date(2026, 11, 23))
    assert len(checkin_items(rt)) == 1


def test_a_second_checkin_the_same_day_answers_kindly_and_changes_nothing():
    rt = make_runtime()
    say(rt, "/checkin", local(22))
    say(rt, "/checkin first", local(23, 9))
    before = rt.store.table.all_items()
    reply = say(rt, "/checkin second", local(23, 20))
    assert reply == t("en", "checkin_already", name="U1", date="2026-11-23", streak=2), (
        "names the streak"
    )
    after = rt.store.table.all_items()
    changed = [i for i in after if i not in before]
    assert all(i["pk"].startswith(keys.EVENT_PREFIX) for i in changed), changed
    assert checkins_on(rt.store.table, "c1", date(2026, 11, 23))[0]["note"] == "first"


def test_a_checkin_costs_one_conditional_put_and_one_update():
    """Beyond finding the community and noting the member (the inbound path's own cost),
    a check-in reads nothing and writes twice (the put with the read, the member's
    counters), whatever the community's size."""
    rt = make_runtime()
    table = rt.store.table
    for n in range(30):
        say(rt, "/checkin", local(22), user=f"m{n:02d}")
    say(rt, "hello", local(23, 8))
    start = Counter(table.requests)
    say(rt, "chatter", local(23, 9))
    chatter = Counter(table.requests) - start
    start = Counter(table.requests)
    say(rt, "/checkin", local(23, 10))
    checkin = Counter(table.requests) - start
    assert checkin - chatter == Counter({"PutItem": 1, "UpdateItem": 1})


def test_counters_left_behind_by_a_crash_are_settled_by_the_next_checkin():
    """The one window left open: the check-in item written, the member update lost."""
    rt = make_runtime()
    say(rt, "/checkin", local(22))
    record_checkin(rt.store.table, "c1", "u1", date(2026, 11, 23), local(23, 9))
    reply = say(rt, "打卡", local(23, 10))
    assert "already" in reply and "2-day streak" in reply
    assert counters(rt) == (2, 2, 2, date(2026, 11, 23))


# -- local days ------------------------------------------------------------------------------


def test_2359_and_0001_shanghai_time_are_two_days_of_one_streak():
    rt = make_runtime(timezone="Asia/Shanghai")
    say(rt, "/checkin", local(22, 23, 59))
    reply = say(rt, "/checkin", local(23, 0, 1))
    assert "checked in for 2026-11-23: 2-day streak" in reply
    assert counters(rt) == (2, 2, 2, date(2026, 11, 23))


def test_with_a_0400_boundary_0330_still_belongs_to_the_previous_day():
    rt = make_runtime(day_boundary="04:00")
    assert "for 2026-11-22" in say(rt, "/checkin", local(23, 3, 30))
    assert "already checked in today (2026-11-22)" in say(rt, "/checkin", local(23, 3, 59))
    assert "for 2026-11-23: 2-day streak" in say(rt, "/checkin", local(23, 4, 0))


def test_checkin_uses_utc_instants_correctly():
    """An instant given in UTC lands on the community's local date."""
    rt = make_runtime()
    reply = say(rt, "/checkin", datetime(2026, 11, 22, 16, 30, tzinfo=UTC))
    assert "for 2026-11-23" in reply


# -- streaks and leave -----------------------------------------------------------------------


def test_a_streak_survives_days_on_leave():
    rt = make_runtime()
    say(rt, "/checkin", local(19))
    say(rt, "/checkin", local(20))
    assert "leave for 3 days, until 2026-11-23" in say(rt, "/leave 3", local(21))
    member = rt.store.get_member("c1", "u1")
    assert (member.leave_from, member.leave_until) == (date(2026, 11, 21), date(2026, 11, 23))
    assert "3-day streak" in say(rt, "/checkin", local(24))


def test_a_missed_day_after_coming_back_early_breaks_the_streak():
    rt = make_runtime()
    say(rt, "/checkin", local(19))
    say(rt, "请假 5", local(20))
    assert "Welcome back" in say(rt, "/back", local(22))
    assert rt.store.get_member("c1", "u1").leave_until == date(2026, 11, 21)
    assert "1-day streak" in say(rt, "/checkin", local(23))


def test_back_after_checking_in_today_does_not_ask_for_a_check_in():
    """销假 after a check-in that same day: welcome back, and no "remember to check in"."""
    rt = make_runtime()
    say(rt, "请假 5", local(20))
    say(rt, "/checkin", local(22))
    back = say(rt, "/back", local(22))
    assert "Welcome back" in back and "today's check-in is done" in back
    assert "remember" not in back


def test_back_when_not_on_leave_says_so():
    rt = make_runtime()
    assert "aren't on leave" in say(rt, "/back", local(23))


@pytest.mark.parametrize("args", ["0", "15", "abc", "-1"])
def test_leave_outside_the_limit_is_refused_with_the_range(args):
    rt = make_runtime(max_leave_days=14)
    assert "1 to 14" in say(rt, f"/leave {args}", local(23))
    assert rt.store.get_member("c1", "u1").leave_until is None


def test_leave_without_a_number_is_one_day():
    rt = make_runtime()
    assert "leave for 1 day, until 2026-11-23" in say(rt, "/leave", local(23))


# -- make-ups --------------------------------------------------------------------------------


def test_making_up_the_missed_day_repairs_the_streak():
    rt = make_runtime()
    for day in (19, 20, 21):
        say(rt, "/checkin", local(day))
    assert "1-day streak" in say(rt, "/checkin", local(23))
    reply = say(rt, "补卡 2026-11-22", local(23, 13))
    assert "2026-11-22 is made up: 5-day streak now" in reply
    assert "Make-ups left this month: 1" in reply
    assert counters(rt) == (5, 5, 5, date(2026, 11, 23))
    made_up = checkins_on(rt.store.table, "c1", date(2026, 11, 22))[0]
    assert made_up["makeup"] is True and made_up["recorded_by"] == "u1"


def test_making_up_yesterday_before_checking_in_today_keeps_the_streak_going():
    rt = make_runtime()
    say(rt, "/checkin", local(20))
    say(rt, "/checkin", local(21))
    assert "3-day streak" in say(rt, "/makeup yesterday", local(23, 8))
    assert "4-day streak" in say(rt, "/checkin", local(23, 9))


def test_a_makeup_across_a_leave_repairs_the_streak():
    """Checked in, went on leave, missed the first day back, made it up: one run."""
    rt = make_runtime(makeup_window_days=3)
    say(rt, "/checkin", local(17))
    say(rt, "/checkin", local(18))
    say(rt, "/leave 3", local(19))  # 19..21
    say(rt, "/checkin", local(23))  # 22 missed
    assert counters(rt)[1] == 1
    assert "4-day streak" in say(rt, "/makeup 11-22", local(23, 20))
    assert counters(rt) == (4, 4, 4, date(2026, 11, 23))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            "2026-11-19", "Only days from 2026-11-20 on can be made up (a 3-day window)", id="old"
        ),
        pytest.param("2026-11-24", "2026-11-24 hasn't happened yet", id="future"),
        pytest.param("2026-11-23", "2026-11-23 is today: just send /checkin", id="today"),
        pytest.param("21st", "as YYYY-MM-DD, e.g. /makeup 2026-11-22", id="malformed"),
        pytest.param("2026-02-30", "as YYYY-MM-DD", id="no-such-day"),
        pytest.param("", "as YYYY-MM-DD", id="missing"),
    ],
)
def test_makeups_outside_the_rules_are_refused_with_the_reason(args, expected):
    rt = make_runtime(makeup_window_days=3)
    reply = say(rt, f"/makeup {args}", local(23))
    assert expected in reply
    assert checkin_items(rt) == []
    assert counters(rt)[0] == 0


def test_a_window_stored_wider_than_the_kept_gaps_is_held_to_them():
    """The settings allow at most 31 days; a community stored with more (by hand, an older
    writer) is held to 31, where the member item's gaps reach: a make-up further back is
    refused with the window it really has, never repaired short."""
    rt = make_runtime(makeup_window_days=60)
    known_since(rt, date(2026, 9, 1))
    reply = say(rt, "/makeup 2026-10-20", local(23))
    assert "Only days from 2026-10-23 on can be made up (a 31-day window)" in reply
    assert checkin_items(rt) == []
    assert "made up" in say(rt, "/makeup 2026-10-23", local(23))


def test_makeups_are_limited_per_calendar_month():
    rt = make_runtime(makeup_window_days=7, makeups_per_month=2)
    known_since(rt)
    assert "left this month: 1" in say(rt, "/makeup 11-20", local(23))
    assert "left this month: 0" in say(rt, "/makeup 11-21", local(23))
    assert "used this month's make-ups (2 a month)" in say(rt, "/makeup 11-22", local(23))
    assert counters(rt)[0] == 2
    # A new month, a new allowance: 30 November is made up on 1 December.
    reply = say(rt, "/makeup 11-30", local(1, month=12))
    assert "2026-11-30 is made up" in reply and "left this month: 1" in reply


def test_a_makeup_for_a_day_already_checked_in_uses_no_allowance():
    rt = make_runtime(makeups_per_month=1)
    known_since(rt)
    say(rt, "/checkin", local(22))
    assert "already checked in; nothing to make up" in say(rt, "/makeup 11-22", local(23))
    assert "made up" in say(rt, "/makeup 11-21", local(23))
    assert "already checked in" in say(rt, "/makeup 11-21", local(23, 13))


def test_makeups_turned_off_are_refused():
    rt = make_runtime(makeups_per_month=0)
    assert "turned off" in say(rt, "/makeup 11-22", local(23))


# -- /me -------------------------------------------------------------------------------------


def test_me_shows_today_streaks_month_and_makeups_left():
    rt = make_runtime(makeups_per_month=2)
    say(rt, "/checkin", local(31, month=10))
    for day in (1, 2, 3):
        say(rt, "/checkin", local(day))
    say(rt, "/makeup 11-04", local(5, 8))
    reply = say(rt, "/me", local(5, 9))
    summary, points = reply.split("\n⭐ ")
    # four check-ins at 2 points (the make-up earns none): two this ISO week, three in November
    assert points.startswith("Points: 8 (4 this week, 6 this month) · Level: Newcomer")
    assert summary == t(
        "en",
        "me_summary",
        name="U1",
        date="2026-11-05",
        today=t("en", "me_today_missing"),
        streak=5,
        best=5,
        month=4,
        total=5,
        left=1,
        limit=2,
    )
    say(rt, "/checkin", local(5, 10))
    say(rt, "/leave 2", local(5, 11))
    after = say(rt, "/me", local(5, 12))
    assert "Today (2026-11-05): checked in ✅" in after
    assert "Streak: 6 (best: 6)" in after and "This month: 5, all time: 6" in after
    assert "On leave until 2026-11-06" in after


def test_me_costs_two_batch_reads():
    """Beyond what the inbound path costs any command (/help: the delivery claim and the
    member read; chatter claims nothing, since noting activity is idempotent by itself).
    Two BatchGetItems: the month's check-ins with the make-up quota, and (since the monthly
    goal, issue #26) the month's goal with the member's progress, two keys."""
    rt = make_runtime()
    say(rt, "hello", local(23, 8))
    start = Counter(rt.store.table.requests)
    say(rt, "/help", local(23, 9))
    chatter = Counter(rt.store.table.requests) - start
    start = Counter(rt.store.table.requests)
    say(rt, "/me", local(23, 10))
    assert Counter(rt.store.table.requests) - start - chatter == Counter({"BatchGetItem": 2})


# -- leaderboard -----------------------------------------------------------------------------


def seed_board(rt: Runtime) -> None:
    """Twelve members: m00 checked in 12 times this month, m01 11 times ... m11 once."""
    for n in range(12):
        for day in range(1, 13 - n):
            say(rt, "/checkin", local(day), user=f"m{n:02d}")


def test_leaderboard_lists_the_top_ten_then_the_askers_own_rank():
    rt = make_runtime()
    seed_board(rt)
    reply = say(rt, "/leaderboard month", local(20), user="m11").splitlines()
    assert reply[0] == "🏅 This month's check-ins (2026-11-01 to 2026-11-20)"
    assert reply[1].startswith("1. M00 — check-ins: 12")
    assert reply[10].startswith("10. M09 — check-ins: 3")
    assert len(reply) == 12
    assert reply[11] == "You are #12 (check-ins: 1)."


def test_leaderboard_breaks_ties_by_streak_and_counts_only_the_period():
    rt = make_runtime()
    say(rt, "/checkin", local(1), user="old")  # last month's board, not this week's
    for day in (16, 18, 20):
        say(rt, "/checkin", local(day), user="gappy")
    for day in (18, 19, 20):
        say(rt, "/checkin", local(day), user="steady")
    reply = say(rt, "/leaderboard", local(20), user="asker").splitlines()
    assert reply[0] == "🏅 This week's check-ins (2026-11-16 to 2026-11-20)"
    assert reply[1] == "1. Steady — check-ins: 3, streak: 3"
    assert reply[2] == "2. Gappy — check-ins: 3, streak: 1"
    assert reply[3] == t("en", "leaderboard_you_unranked")


def test_all_time_leaderboard_reads_the_roster_counters_only():
    rt = make_runtime()
    seed_board(rt)
    start = Counter(rt.store.table.requests)
    reply = say(rt, "/leaderboard all", local(20), user="m00")
    assert reply.splitlines()[1] == "1. M00 — check-ins: 12, streak: 0"
    assert "You are #1" in reply
    used = Counter(rt.store.table.requests) - start
    assert used["Query"] == 1, "the roster; a week or month adds one Query of check-ins"


def test_leaderboard_with_an_unknown_period_explains_the_choices():
    rt = make_runtime()
    assert "/leaderboard week" in say(rt, "/leaderboard yearly", local(20))


def test_an_empty_leaderboard_invites_the_first_checkin():
    rt = make_runtime()
    assert "to be first" in say(rt, "/leaderboard", local(20))


# -- theme, quiet ----------------------------------------------------------------------------


def test_only_admins_set_the_weekly_theme_and_checkins_show_it_that_week():
    rt = make_runtime()
    rt.store.save_member(member("boss", role=Role.ADMIN))
    refused = say(rt, "/theme Read a poem", local(23), user="u1")
    assert "only the owner and admins" in refused
    assert rt.store.get_community("c1").theme is None
    assert "theme for this week (2026-W48): Read a poem" in say(
        rt, "/theme Read a poem", local(23), user="boss"
    )
    saved = rt.store.get_community("c1")
    assert (saved.theme, saved.theme_week) == ("Read a poem", "2026-W48")
    assert "📌 This week's theme: Read a poem" in say(rt, "/checkin", local(24))
    assert "theme" not in say(rt, "/checkin", local(30))  # next ISO week
    assert "No check-in theme this week" in say(rt, "/theme", local(30))


def test_admins_can_clear_the_theme():
    rt = make_runtime()
    rt.store.save_member(member("boss", role=Role.OWNER))
    say(rt, "/theme Walk 5 km", local(23), user="boss")
    assert "cleared" in say(rt, "/theme clear", local(23), user="boss")
    assert rt.store.get_community("c1").theme is None


def test_quiet_toggles_and_accepts_on_and_off():
    rt = make_runtime()
    assert "Quiet mode on" in say(rt, "/quiet", local(23))
    assert rt.store.get_member("c1", "u1").quiet is True
    assert "Quiet mode off" in say(rt, "/quiet", local(23))
    assert "Quiet mode off" in say(rt, "/quiet off", local(23))
    assert "Quiet mode on" in say(rt, "免打扰 开", local(23))
    assert rt.store.get_member("c1", "u1").quiet is True


# -- notes -----------------------------------------------------------------------------------


def test_a_long_note_is_cut_with_a_notice():
    rt = make_runtime()
    reply = say(rt, "/checkin " + "x" * 600, local(23))
    assert "only the first 500 were kept" in reply
    assert len(checkins_on(rt.store.table, "c1", date(2026, 11, 23))[0]["note"]) == 500


# -- both languages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "checkin", "makeup", "me"),
    [
        ("zh-CN", "打卡", "补卡 11-22", "我的"),
        ("en", "/checkin@rollcall_bot", "/makeup 11-22", "/me"),
    ],
)
def test_replies_follow_the_community_language(locale, checkin, makeup, me):
    rt = make_runtime(locale=locale)
    known_since(rt)
    assert say(rt, checkin, local(23)) == t(
        locale, "checkin_done", name="U1", date="2026-11-23", streak=1, total=1
    )
    assert say(rt, makeup, local(23)).startswith(
        t(locale, "makeup_done", name="U1", date="2026-11-22", streak=2, left=1).split("\n")[0]
    )
    assert say(rt, me, local(23)).startswith(
        t(
            locale,
            "me_summary",
            name="U1",
            date="2026-11-23",
            today=t(locale, "me_today_done"),
            streak=2,
            best=2,
            month=2,
            total=2,
            left=1,
            limit=2,
        )
    )


def test_chinese_commands_with_glued_arguments_work():
    rt = make_runtime(locale="zh-CN")
    known_since(rt)
    assert "请假到 2026-11-25（3 天）" in say(rt, "请假3", local(23))
    assert "欢迎回来" in say(rt, "销假", local(24))
    assert "已补卡 2026-11-22" in say(rt, "补卡2026-11-22", local(23))
    assert "本周打卡排行" in say(rt, "排行榜 周", local(23))


# -- nothing a member sends raises ------------------------------------------------------------

COMMANDS = ["打卡", "补卡", "我的", "排行榜", "请假", "销假", "免打扰", "本周主题", "/checkin"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(COMMANDS), st.text(max_size=40), st.integers(0, 23))
def test_no_member_input_makes_a_command_raise(command, args, hour):
    rt = make_runtime()
    rt.store.save_member(member("u1", role=Role.ADMIN))
    reply = say(rt, f"{command} {args}", local(23, hour))
    assert isinstance(reply, str)


# -- the real route --------------------------------------------------------------------------


def test_checkin_through_the_chalice_route_on_dynamodb(dynamo_table):
    """The whole path: signed console webhook → Chalice → DynamoDB (moto) → reply."""
    from chalice.test import Client

    import app
    from chalicelib.clock import FixedClock
    from chalicelib.platforms.console import sign
    from chalicelib.runtime import set_runtime

    store = Store(dynamo_table)
    store.create_community(community(locale="zh-CN"))
    now = datetime.combine(date(2026, 11, 23), time(21, 5), tzinfo=SHANGHAI)
    rt = Runtime(
        settings=Settings(console_secret="route-secret"), store=store, clock=FixedClock(now)
    )
    sent: list = []
    rt.console_sink = sent.append
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            for message_id in ("m-1", "m-1"):  # the second is a redelivery
                body = json.dumps(
                    {
                        "type": "message",
                        "chat_id": "chat-1",
                        "user": {"id": "u1", "name": "小明"},
                        "text": "打卡 今天读完一章",
                        "message_id": message_id,
                    },
                    ensure_ascii=False,
                ).encode()
                stamp = str(int(now.timestamp()))
                response = client.http.post(
                    "/webhooks/console",
                    headers={
                        "Content-Type": "application/json",
                        "X-Rollcall-Timestamp": stamp,
                        "X-Rollcall-Signature": sign("route-secret", stamp, body),
                    },
                    body=body,
                )
                assert response.status_code == 200
    finally:
        set_runtime(None)
    assert [m.text for m in sent] == [
        t("zh-CN", "checkin_done", name="小明", date="2026-11-23", streak=1, total=1)
    ]
    recorded = checkins_on(dynamo_table, "c1", date(2026, 11, 23))
    assert [(c["user_id"], c["note"]) for c in recorded] == [("u1", "今天读完一章")]
    assert store.get_member("c1", "u1").checkins == 1


def test_a_seven_day_streak_is_cheered_once():
    rt = make_runtime()
    replies = [say(rt, "/checkin", local(day)) for day in range(1, 9)]
    cheered = [n + 1 for n, reply in enumerate(replies) if "🏆" in reply]
    assert cheered == [7]


def test_words_after_the_makeup_date_are_kept_as_its_note():
    rt = make_runtime()
    known_since(rt)
    say(rt, "补卡 11-22\n昨天加班忘了", local(23))
    assert checkins_on(rt.store.table, "c1", date(2026, 11, 22))[0]["note"] == "昨天加班忘了"


# -- make-ups never before the member's first day -------------------------------------------


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_new_member_cannot_make_up_days_before_their_first_day(locale):
    """Seen first on the 23rd, a member cannot make up the 21st and 22nd: no 3-day streak
    on day one. The refusal names their first day; nothing is recorded or spent."""
    rt = make_runtime(locale=locale, makeup_window_days=3)
    say(rt, "/checkin", local(23))
    reply = say(rt, "/makeup 11-22", local(23, 13))
    assert reply == t(locale, "makeup_refused_before_start", date="2026-11-22", first="2026-11-23")
    assert counters(rt) == (1, 1, 1, date(2026, 11, 23))
    assert len(checkin_items(rt)) == 1


def test_a_community_created_yesterday_allows_no_makeup_before_its_creation():
    """A member imported with an old joined_at and no observation date falls back to the
    community's creation: the day before it cannot be made up."""
    rt = make_runtime(created_at=datetime(2026, 11, 22, 18, 0, tzinfo=SHANGHAI))
    rt.store.save_member(member("u1"))  # joined 2026-01-01 by the CSV: history
    assert "before your first day here (2026-11-22)" in say(rt, "/makeup 11-21", local(23))
    assert "made up" in say(rt, "/makeup 11-22", local(23))


def test_a_member_back_after_leaving_cannot_make_up_days_of_their_old_membership():
    rt = make_runtime(makeup_window_days=5)
    rt.store.save_member(member("u1", status="left", observed_since=date(2026, 11, 1)))
    reply = say(rt, "/makeup 11-21", local(23))
    assert "before your first day here (2026-11-23)" in reply
