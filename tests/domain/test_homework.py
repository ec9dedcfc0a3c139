"""Homework rules: cycles (DST included), links, lateness, strikes, reviews and stars."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.homework import (
    FALLBACK_ANCHOR,
    LINK_MAX_CHARS,
    TEXT_MAX_CHARS,
    Closed,
    Counters,
    ReviewBody,
    ReviewRefusal,
    Standing,
    StrikeChange,
    Target,
    Work,
    WorkRefusal,
    checkin_leaders,
    choose_target,
    cleared_strike,
    close_cycle,
    close_writes,
    cycle_dates,
    cycle_for_period,
    cycles_of,
    homework_star,
    last_closed,
    late_until,
    local_text,
    mention_text,
    parse_review_body,
    parse_work,
    period_of,
    preview,
    previous_active,
    resolve_mention,
    standing,
    standing_counters,
    strike_changes,
    submission_window,
)
from chalicelib.domain.models import InvalidValue
from chalicelib.jobs.schedule import slots_between
from tests.helpers import community, member


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


SHANGHAI = community(cycle_anchor=date(2026, 11, 2))  # Monday; Sunday 23:59 deadlines
CYCLES = cycles_of(SHANGHAI)
assert CYCLES is not None
BERLIN = community(timezone="Europe/Berlin", cycle_anchor=date(2026, 10, 5))
BERLIN_CYCLES = cycles_of(BERLIN)
assert BERLIN_CYCLES is not None


# -- cycles --------------------------------------------------------------------------------


def test_cycles_count_from_the_anchor_then_creation_then_a_fixed_monday():
    assert CYCLES.anchor == date(2026, 11, 2)
    created = community(created_at=utc(2026, 11, 18, 17))  # already the 19th in Shanghai
    assert cycles_of(created).anchor == date(2026, 11, 19)
    assert cycles_of(community()).anchor == FALLBACK_ANCHOR
    assert cycles_of(community(cycle_length_days=14)) is None  # nothing to count from


def test_periods_are_the_ones_the_scheduler_claims():
    """The digest claims RUN#weekly-digest#<period>: any other label would run twice."""
    cases = [
        SHANGHAI,
        BERLIN,
        community(),
        community(cycle_anchor=date(2026, 11, 2), cycle_length_days=3),
        community(timezone="America/New_York", cycle_anchor=date(2026, 3, 1), day_boundary="04:00"),
    ]
    for c in cases:
        cycles = cycles_of(c)
        for slot in slots_between(c, "weekly-digest", utc(2026, 1, 1), utc(2027, 1, 1)):
            n = last_closed(cycles, slot.scheduled_at)
            assert period_of(c, cycles, n) == slot.period
            assert cycle_for_period(c, cycles, slot.period) == n


def test_a_period_can_be_named_by_cycle_id_and_nonsense_is_refused():
    assert cycle_for_period(SHANGHAI, CYCLES, "C0003") == 3
    for bad in ("2026-W99", "2026-W40", "W47", "", "C0000", "yesterday"):
        with pytest.raises(InvalidValue):
            cycle_for_period(SHANGHAI, CYCLES, bad)


def test_the_last_closed_cycle_includes_one_closing_exactly_now():
    deadline = CYCLES.deadline(3)
    assert last_closed(CYCLES, deadline) == 3
    assert last_closed(CYCLES, deadline - timedelta(microseconds=1)) == 2
    assert last_closed(CYCLES, utc(2026, 10, 1)) == 0


def test_cycle_dates_are_whole_local_weeks():
    assert cycle_dates(CYCLES, 1) == (date(2026, 11, 2), date(2026, 11, 8))
    assert cycle_dates(CYCLES, 3) == (date(2026, 11, 16), date(2026, 11, 22))


def test_a_cycle_over_the_autumn_dst_change_lasts_an_hour_longer_and_stays_at_23_59():
    """Berlin leaves summer time on Sunday 2026-10-25: that week has 169 hours, and the
    deadline is still 23:59 on the local clock (now UTC+1, not +2)."""
    n = BERLIN_CYCLES.cycle_of(utc(2026, 10, 22, 12))
    start, end = BERLIN_CYCLES.deadline(n - 1), BERLIN_CYCLES.deadline(n)
    assert end - start == timedelta(hours=169)
    assert end == utc(2026, 10, 25, 22, 59)
    assert local_text(BERLIN, end) == "2026-10-25 23:59"
    assert period_of(BERLIN, BERLIN_CYCLES, n) == "2026-W43"
    on_time = utc(2026, 10, 25, 22, 30)  # 23:30 CET: would be past 23:59 CEST
    assert submission_window(BERLIN, BERLIN_CYCLES, on_time).current == n
    late = utc(2026, 10, 25, 23, 0)  # 00:00 Monday local
    window = submission_window(BERLIN, BERLIN_CYCLES, late)
    assert (window.current, window.late) == (n + 1, n)


def test_the_spring_dst_cycle_is_an_hour_shorter():
    n = BERLIN_CYCLES.cycle_of(utc(2027, 3, 24))
    assert BERLIN_CYCLES.deadline(n) - BERLIN_CYCLES.deadline(n - 1) == timedelta(hours=167)
    assert local_text(BERLIN, BERLIN_CYCLES.deadline(n)) == "2027-03-28 23:59"


def test_previous_active_cycle_skips_paused_ones():
    c = community(cycle_anchor=date(2026, 11, 2), paused_cycles=(3, 4))
    assert previous_active(c, 5) == 2
    assert previous_active(c, 2) == 1
    assert previous_active(c, 1) is None


# -- what counts as work ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("https://example.com/essay", Work("https://example.com/essay", "")),
        ("My essay https://example.com/a?b=1#c", Work("https://example.com/a?b=1#c", "My essay")),
        ("HTTP://EXAMPLE.COM", Work("HTTP://EXAMPLE.COM", "")),
        ("http://localhost:8080/x", Work("http://localhost:8080/x", "")),
        ("https://例子.中国/文章", Work("https://例子.中国/文章", "")),
        ("http://[::1]/x", Work("http://[::1]/x", "")),
        ("今天写了一篇关于时间管理的文章", Work(None, "今天写了一篇关于时间管理的文章")),
        ("www.example.com is my blog", Work(None, "www.example.com is my blog")),
    ],
)
def test_work_is_a_link_with_an_optional_note_or_text(args, expected):
    assert parse_work(args) == expected


@pytest.mark.parametrize(
    ("args", "refusal"),
    [
        ("", WorkRefusal.EMPTY),
        ("   ", WorkRefusal.EMPTY),
        ("ftp://example.com/file", WorkRefusal.NOT_HTTP),
        ("javascript://alert(1)", WorkRefusal.NOT_HTTP),
        ("https://", WorkRefusal.BAD_LINK),
        ("http://foo", WorkRefusal.BAD_LINK),
        ("https://exa_mple..com", WorkRefusal.BAD_LINK),
        ("https://example.com:99999/", WorkRefusal.BAD_LINK),
        ("https://user@/x", WorkRefusal.BAD_LINK),
        ("https://example.com/" + "a" * LINK_MAX_CHARS, WorkRefusal.LINK_TOO_LONG),
        ("x" * (TEXT_MAX_CHARS + 1), WorkRefusal.TOO_LONG),
    ],
)
def test_bad_work_is_refused_not_cut(args, refusal):
    assert parse_work(args) == refusal


def test_text_up_to_the_limit_is_taken_whole():
    assert parse_work("字" * TEXT_MAX_CHARS) == Work(None, "字" * TEXT_MAX_CHARS)


def test_a_digest_previews_text_and_shows_links_whole():
    assert preview({"link": "https://e.com/a", "text": "note"}) == "https://e.com/a"
    long = {"text": "word " * 30}
    assert len(preview(long)) == 40 and preview(long).endswith("…")


# -- where a submission goes -----------------------------------------------------------------


def target(now: datetime, *, has_late_work: bool = False, joined_at=None, c=SHANGHAI):
    cycles = cycles_of(c)
    window = submission_window(c, cycles, now)
    return choose_target(window, cycles, c, has_late_work=has_late_work, joined_at=joined_at)


def test_work_before_the_deadline_goes_to_the_current_cycle():
    assert target(utc(2026, 11, 22, 15, 59)) == Target(3, late=False)  # 23:59 Shanghai


def test_work_after_the_deadline_is_late_within_grace_then_next_cycle():
    deadline = CYCLES.deadline(3)
    assert target(deadline + timedelta(microseconds=1)) == Target(3, late=True)
    grace_end = late_until(SHANGHAI, CYCLES, 3)
    assert grace_end - deadline == timedelta(hours=48)
    assert target(grace_end) == Target(3, late=True)
    assert target(grace_end + timedelta(seconds=1)) == Target(4, late=False)


def test_a_member_who_already_handed_in_goes_to_the_current_cycle():
    assert target(CYCLES.deadline(3) + timedelta(hours=1), has_late_work=True) == Target(4, False)


def test_a_member_who_joined_after_the_deadline_owes_nothing_late():
    joined = date(2026, 11, 23)
    assert target(CYCLES.deadline(3) + timedelta(hours=1), joined_at=joined) == Target(4, False)


def test_no_grace_means_no_late_work():
    c = community(cycle_anchor=date(2026, 11, 2), late_grace_hours=0)
    assert target(CYCLES.deadline(3) + timedelta(minutes=1), c=c) == Target(4, late=False)


def test_a_paused_cycle_takes_no_work_and_opens_no_late_window():
    c = community(cycle_anchor=date(2026, 11, 2), paused_cycles=(4,))
    assert target(utc(2026, 11, 26), c=c, has_late_work=True) is Closed.PAUSED
    # Late work for cycle 3 is still welcome while cycle 4 is paused.
    assert target(CYCLES.deadline(3) + timedelta(hours=1), c=c) == Target(3, late=True)
    # Cycle 5 is open; no late window back into the paused cycle 4.
    assert target(CYCLES.deadline(4) + timedelta(hours=1), c=c) == Target(5, late=False)


def test_before_the_first_cycle_nothing_is_due():
    c = community(cycle_anchor=date(2026, 12, 7))
    assert target(utc(2026, 11, 26), c=c) is Closed.NOT_STARTED


# -- strikes -----------------------------------------------------------------------------------

DUE = date(2026, 11, 22)


def test_standing_at_the_close_excuses_leave_grace_and_latecomers():
    assert standing(member("a"), DUE, True, 2) is Standing.SUBMITTED
    assert standing(member("b"), DUE, False, 2) is Standing.MISSING
    assert standing(member("c", leave_until=DUE), DUE, False, 2) is Standing.ON_LEAVE
    future_leave = member("d", leave_from=date(2026, 11, 23), leave_until=date(2026, 11, 30))
    assert standing(future_leave, DUE, False, 2) is Standing.MISSING
    ended = member("e", leave_until=date(2026, 11, 21))
    assert standing(ended, DUE, False, 2) is Standing.MISSING
    assert standing(member("f", joined_at=date(2026, 11, 21)), DUE, False, 2) is Standing.GRACE
    late_joiner = member("g", joined_at=date(2026, 11, 23))
    assert standing(late_joiner, DUE, False, 2) is Standing.NOT_EXPECTED
    assert standing(member("h", status="left"), DUE, False, 2) is Standing.NOT_EXPECTED


def test_a_miss_adds_a_strike_and_extends_the_run_handing_in_ends_it():
    roster = [
        member("miss", missed_in_a_row=2, strikes=2),
        member("back", missed_in_a_row=3, strikes=3),
        member("steady"),
        member("away", leave_until=DUE, missed_in_a_row=1),
    ]
    close = close_cycle(roster, {"back", "steady"}, DUE, 2)
    assert strike_changes(close) == [StrikeChange("miss", 1, 3), StrikeChange("back", 0, 0)]


def test_a_replayed_close_strikes_nobody_twice():
    close = close_cycle([member("miss")], set(), DUE, 2)
    assert strike_changes(close, already_struck={"miss"}) == []


def test_a_close_records_counters_from_the_member_item_until_it_has_its_own():
    roster = [
        member("miss", missed_in_a_row=2, strikes=2),
        member("back", missed_in_a_row=3, strikes=3),
        member("steady"),
        member("away", leave_until=DUE, missed_in_a_row=1),
    ]
    close = close_cycle(roster, {"back", "steady"}, DUE, 2)
    writes = close_writes(close, "C0003", set(), {}, DUE)
    assert writes.strikes == (StrikeChange("miss", 1, 3),)
    assert writes.counters == {
        "miss": Counters(3, 3, "C0003", True, DUE),
        "back": Counters(3, 0, "C0003", False, DUE),
    }


def test_a_replayed_close_records_nothing_twice_and_repairs_a_lost_record():
    close = close_cycle([member("miss"), member("lost")], set(), DUE, 2)
    recorded = {
        "miss": Counters(1, 1, "C0003", True, DUE),
        "lost": Counters(4, 2, "C0003", True, DUE),
    }
    writes = close_writes(close, "C0003", {"miss"}, recorded, DUE)
    assert writes.counters == {}
    assert writes.strikes == (StrikeChange("lost", 1, 2),)  # counters went out, record not


def test_a_strike_cleared_by_late_work_ends_the_run_and_is_folded_next_close():
    recorded = {"late": Counters(5, 2, "C0003", True, DUE)}
    someone = member("late")
    assert standing_counters(someone, recorded["late"], strike_stands=False) == Counters(
        4, 0, "C0003", True, DUE
    )
    close = close_cycle([someone], set(), DUE, 2)
    writes = close_writes(close, "C0004", set(), recorded, DUE, cleared={"late"})
    assert writes.counters == {"late": Counters(5, 1, "C0004", True, DUE)}


def test_a_run_recorded_before_a_return_does_not_carry_over():
    back = member("back", joined_at=date(2026, 11, 10))
    old = Counters(3, 3, "C0001", True, date(2026, 11, 1))
    assert standing_counters(back, old) == Counters(3, 0, "C0001", True, date(2026, 11, 1))


def test_misses_run_across_a_paused_cycle():
    """Cycle 1 missed, cycle 2 paused (never closed), cycle 3 missed: two in a row."""
    c = community(cycle_anchor=date(2026, 11, 2), paused_cycles=(2,))
    someone = member("m")
    for n in (1, 2, 3):
        if n in c.paused_cycles:
            continue
        (change,) = strike_changes(close_cycle([someone], set(), DUE, 2))
        someone = replace(
            someone,
            strikes=someone.strikes + change.delta,
            missed_in_a_row=change.missed_in_a_row,
        )
    assert (someone.strikes, someone.missed_in_a_row) == (2, 2)


def test_late_work_clears_the_strike_and_ends_the_run():
    assert cleared_strike("m") == StrikeChange("m", -1, 0)


# -- reviews -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Clear and well argued", ReviewBody("Clear and well argued", None)),
        ("Clear 5", ReviewBody("Clear", 5)),
        ("结构清晰 4分", ReviewBody("结构清晰", 4)),
        ("Good 4/5", ReviewBody("Good", 4)),
        ("Good score 3", ReviewBody("Good", 3)),
        ("写得好 评分：5", ReviewBody("写得好", 5)),
        ("nice ⭐⭐⭐⭐", ReviewBody("nice", 4)),
        ("nice ⭐️⭐️", ReviewBody("nice", 2)),
        ("great ５", ReviewBody("great", 5)),
    ],
)
def test_a_review_is_text_with_an_optional_score_at_the_end(body, expected):
    assert parse_review_body(body) == expected


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ("", ReviewRefusal.USAGE),
        ("5", ReviewRefusal.USAGE),
        ("meh 0", ReviewRefusal.BAD_SCORE),
        ("wow 6", ReviewRefusal.BAD_SCORE),
        ("wow 10分", ReviewRefusal.BAD_SCORE),
        ("wow ⭐⭐⭐⭐⭐⭐", ReviewRefusal.BAD_SCORE),
        ("x" * (TEXT_MAX_CHARS + 1), ReviewRefusal.TOO_LONG),
    ],
)
def test_a_bad_review_is_refused(body, refusal):
    assert parse_review_body(body) == refusal


ROSTER = [
    member("U1", name="Alice Smith", username="alice"),
    member("U2", name="Bob"),
    member("U3", name="Bob", username="bobby"),
    member("U4", name="Al"),
]


@pytest.mark.parametrize(
    ("args", "who", "rest"),
    [
        ("@alice great", ["U1"], "great"),
        ("@Alice Smith great", ["U1"], "great"),
        ("@al great", ["U4"], "great"),
        ("@U2 ok", ["U2"], "ok"),
        ("@bobby ok", ["U3"], "ok"),
        ("<@U3> ok", ["U3"], "ok"),
        ("<@U3|bobby> ok", ["U3"], "ok"),
        ("＠alice 好", ["U1"], "好"),
        ("@Bob ok", ["U2", "U3"], "ok"),
        ("@Alicia ok", [], "@Alicia ok"[1:]),
    ],
)
def test_mentions_resolve_by_username_display_name_or_id(args, who, rest):
    after = mention_text(args)
    found, remaining = resolve_mention(after, ROSTER)
    assert [m.user_id for m in found] == who
    if who:
        assert remaining == rest


def test_text_without_a_mention_names_nobody():
    assert mention_text("great work") is None
    assert mention_text("@") is None


# -- stars -------------------------------------------------------------------------------------


def test_homework_star_is_the_best_average_then_the_most_scores():
    reviews = [
        {"reviewee": "a", "score": 5},
        {"reviewee": "b", "score": 5},
        {"reviewee": "b", "score": 5},
        {"reviewee": "c", "score": 4},
        {"reviewee": "c"},
    ]
    star = homework_star(reviews)
    assert (star.user_id, star.average, star.reviews) == ("b", 5.0, 2)


def test_without_scores_the_most_reviewed_work_is_the_star():
    star = homework_star([{"reviewee": "a"}, {"reviewee": "b"}, {"reviewee": "b"}])
    assert (star.user_id, star.average, star.reviews) == ("b", None, 2)
    assert homework_star([]) is None


def test_checkin_leaders_are_everyone_tied_at_the_top():
    assert checkin_leaders(["a", "b", "a", "b", "c"]) == (["a", "b"], 2)
    assert checkin_leaders([]) == ([], 0)
