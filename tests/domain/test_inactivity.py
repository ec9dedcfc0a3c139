"""Tiers, rules and warnings: who is active, who is warned, who may be removed, and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.homework import close_cycle, strike_changes
from chalicelib.domain.inactivity import (
    DEFAULT_RULES,
    Exempt,
    Keep,
    Rule,
    RuleKind,
    Thresholds,
    Tier,
    days_silent,
    distances,
    evaluate,
    parse_rules,
    rule_label,
    rules_of,
    still_candidate,
    tier_of,
)
from chalicelib.domain.models import InvalidValue, Member, Role
from tests.helpers import community, member

THRESHOLDS = Thresholds(active_days=7, quiet_days=30, new_days=2)
REPORT_DAY = date(2026, 12, 1)
HW = Rule("hw-missed", RuleKind.MISSED_CYCLES, warn=2, remove=3)
SILENT = Rule("silent", RuleKind.INACTIVE_DAYS, warn=30, remove=45)
RULES = (HW, SILENT)


def seen(days_ago: int, **overrides) -> Member:
    """A member last active ``days_ago`` local dates before the report day."""
    return member("m", last_active=REPORT_DAY - timedelta(days=days_ago), **overrides)


# -- tiers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_ago", "tier"),
    [
        (0, Tier.ACTIVE),
        (7, Tier.ACTIVE),
        (8, Tier.QUIET),
        (30, Tier.QUIET),
        (31, Tier.INACTIVE),
    ],
)
def test_tiers_at_their_exact_thresholds(days_ago, tier):
    assert tier_of(seen(days_ago), REPORT_DAY, THRESHOLDS) is tier


def test_tiers_count_days_in_the_communitys_timezone_not_utc():
    """00:30 on 1 December in Shanghai is still 30 November in UTC: counted in UTC, a member
    last active on 23 November would be 7 days back (active); locally it is 8 (quiet)."""
    shanghai = community(timezone="Asia/Shanghai")
    now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    as_of = shanghai.calendar.local_date(now)
    assert as_of == date(2026, 12, 1)
    m = member("m", last_active=date(2026, 11, 23))
    assert tier_of(m, as_of, THRESHOLDS) is Tier.QUIET
    assert tier_of(m, now.date(), THRESHOLDS) is Tier.ACTIVE
    # And with a 04:00 day boundary, 03:59 local is still the day before.
    owls = community(timezone="Asia/Shanghai", day_boundary="04:00")
    before_boundary = datetime(2026, 11, 30, 19, 59, tzinfo=UTC)  # 03:59 on 1 Dec local
    assert owls.calendar.local_date(before_boundary) == date(2026, 11, 30)
    assert tier_of(m, owls.calendar.local_date(before_boundary), THRESHOLDS) is Tier.ACTIVE


def test_thresholds_are_the_communitys_own():
    strict = Thresholds.of(community(tier_active_days=3, tier_quiet_days=10, grace_days=5))
    assert (strict.active_days, strict.quiet_days, strict.new_days) == (3, 10, 5)
    assert tier_of(seen(4), REPORT_DAY, strict) is Tier.QUIET
    assert tier_of(seen(11), REPORT_DAY, strict) is Tier.INACTIVE


def test_new_members_within_the_grace_period_are_new_whatever_their_activity():
    fresh = member("n", joined_at=REPORT_DAY - timedelta(days=1))
    assert tier_of(fresh, REPORT_DAY, THRESHOLDS) is Tier.NEW
    settled = member("n", joined_at=REPORT_DAY - timedelta(days=2))
    assert tier_of(settled, REPORT_DAY, THRESHOLDS) is Tier.ACTIVE


def test_silence_counts_from_the_latest_activity_check_in_or_end_of_leave():
    m = member(
        "m",
        last_active=date(2026, 10, 1),
        last_checkin=date(2026, 10, 5),
        leave_from=date(2026, 10, 6),
        leave_until=date(2026, 11, 20),
    )
    assert days_silent(m, REPORT_DAY) == 11  # from the end of the leave
    never = Member("c1", "x", "X")
    assert days_silent(never, REPORT_DAY) is None
    assert tier_of(never, REPORT_DAY, THRESHOLDS) is Tier.INACTIVE


def test_thresholds_that_make_no_sense_are_refused_with_the_reason():
    with pytest.raises(InvalidValue, match="must not be negative"):
        Thresholds(active_days=-1)
    with pytest.raises(InvalidValue, match="must not be below active days"):
        Thresholds(active_days=10, quiet_days=5)


# -- rules -------------------------------------------------------------------------------------


def test_rules_parse_from_their_stored_form():
    rules = parse_rules(
        [
            {"id": "hw-missed", "kind": "missed_cycles", "warn": 2, "remove": 3},
            {"id": "silent", "kind": "inactive_days", "warn": 30},
        ]
    )
    assert rules == (HW, Rule("silent", RuleKind.INACTIVE_DAYS, 30, None))
    assert [r.as_dict() for r in rules][1] == {"id": "silent", "kind": "inactive_days", "warn": 30}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            [{"id": "hw", "kind": "missed_cycles", "warn": 3, "remove": 2}],
            "remove (2) is below warn (3): a member must be warned before",
        ),
        ([{"id": "silent", "kind": "inactive_days", "warn": -5}], "warn must not be negative"),
        (
            [{"id": "silent", "kind": "inactive_days", "warn": 30, "remove": -1}],
            "remove must not be negative",
        ),
        ([{"id": "x", "kind": "posts_per_day", "warn": 1}], "unknown kind 'posts_per_day'"),
        ([{"id": "x", "kind": "inactive_days", "warn": 0}], "at least 1"),
        ([{"id": "x", "kind": "inactive_days", "warn": 400}], "at most 365 days"),
        ([{"id": "x", "kind": "inactive_days", "warn": "30"}], "whole number of days"),
        ([{"id": "x", "kind": "inactive_days", "warn": True}], "whole number of days"),
        ([{"id": "x", "kind": "inactive_days"}], "warn is required"),
        ([{"id": "x", "kind": "inactive_days", "warn": 3, "kick": 4}], "unknown field(s) kick"),
        ([{"id": "Bad Id!", "kind": "inactive_days", "warn": 3}], "id must be"),
        ([{"id": "x", "kind": "inactive_days", "warn": 3, "name": " "}], "name must be printable"),
        ([{"id": "x", "kind": "inactive_days", "warn": 3, "name": 7}], "name must be printable"),
        ([{"id": "x", "kind": "inactive_days", "warn": 3, "name": "a\nb"}], "name must be"),
        ([{"id": "x", "kind": "inactive_days", "warn": 3, "name": "长" * 41}], "at most 40"),
        (
            [
                {"id": "x", "kind": "inactive_days", "warn": 3},
                {"id": "x", "kind": "missed_cycles", "warn": 3},
            ],
            "used twice",
        ),
        ({"id": "x"}, "must be a list"),
        (["x"], "rule 1 must be an object"),
    ],
)
def test_rules_that_make_no_sense_are_refused_with_the_reason(data, reason):
    with pytest.raises(InvalidValue) as refused:
        parse_rules(data)
    assert reason in str(refused.value)


def test_members_read_a_rules_name_never_its_id():
    """规则「hw-missed」 meant nothing to a member: a rule reads as the name the community
    gave it, else as its kind's name in the member's language; the id stays the stored key."""
    named, plain = parse_rules(
        [
            {"id": "hw", "kind": "missed_cycles", "warn": 2, "name": " 作业缺交 "},
            {"id": "quiet", "kind": "inactive_days", "warn": 30},
        ]
    )
    assert named.label("en") == named.label("zh-CN") == "作业缺交"
    assert named.as_dict()["name"] == "作业缺交"
    assert plain.label("zh-CN") == "长期未活跃" and plain.label("en") == "inactivity"
    assert rule_label((named, plain), "hw", "en") == "作业缺交"
    assert rule_label((named, plain), "gone", "en") == "gone"  # a rule since deleted


def test_a_community_without_rules_gets_the_documented_defaults():
    assert rules_of(community()) == DEFAULT_RULES
    assert [r.as_dict() for r in DEFAULT_RULES] == [
        {"id": "hw-missed", "kind": "missed_cycles", "warn": 2, "remove": 3},
        {"id": "silent", "kind": "inactive_days", "warn": 30, "remove": 45},
    ]
    own = community(rules=({"id": "quiet-2w", "kind": "inactive_days", "warn": 14},))
    assert rules_of(own) == (Rule("quiet-2w", RuleKind.INACTIVE_DAYS, 14),)


# -- warnings and candidates ---------------------------------------------------------------------


def test_reaching_a_warning_threshold_warns_under_the_first_rule_reached():
    verdict = evaluate(seen(30, missed_in_a_row=2), RULES, THRESHOLDS, REPORT_DAY)
    assert (verdict.warned_rule, verdict.warned_at) == ("hw-missed", REPORT_DAY)
    assert verdict.newly_warned and verdict.candidate is None
    assert not evaluate(seen(29), RULES, THRESHOLDS, REPORT_DAY).newly_warned


def test_a_member_is_never_a_candidate_at_the_report_that_warns_them():
    """Far past the removal threshold but never told: warned now, a candidate at the next
    report at the earliest."""
    verdict = evaluate(seen(90), RULES, THRESHOLDS, REPORT_DAY)
    assert verdict.newly_warned and verdict.candidate is None
    replayed = evaluate(
        seen(90, warned_rule="silent", warned_at=REPORT_DAY), RULES, THRESHOLDS, REPORT_DAY
    )
    assert replayed.candidate is None and not replayed.changed


def test_a_warned_member_still_past_the_removal_threshold_is_a_candidate_under_that_rule():
    warned = seen(45, warned_rule="silent", warned_at=date(2026, 11, 1))
    verdict = evaluate(warned, RULES, THRESHOLDS, REPORT_DAY)
    assert verdict.candidate == "silent" and not verdict.changed
    not_yet = seen(44, warned_rule="silent", warned_at=date(2026, 11, 1))
    assert evaluate(not_yet, RULES, THRESHOLDS, REPORT_DAY).candidate is None


def test_no_one_is_a_candidate_under_a_rule_they_were_not_warned_about():
    warned_for_homework = seen(
        60, missed_in_a_row=2, warned_rule="hw-missed", warned_at=date(2026, 11, 1)
    )
    verdict = evaluate(warned_for_homework, RULES, THRESHOLDS, REPORT_DAY)
    assert verdict.warned_rule == "hw-missed" and verdict.candidate is None


def test_a_rule_without_a_removal_threshold_only_warns():
    warn_only = (Rule("silent", RuleKind.INACTIVE_DAYS, warn=30),)
    long_silent = seen(300, warned_rule="silent", warned_at=date(2026, 6, 1))
    verdict = evaluate(long_silent, warn_only, THRESHOLDS, REPORT_DAY)
    assert verdict.warned_rule == "silent" and verdict.candidate is None


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_are_never_warned_nor_candidates(role):
    verdict = evaluate(seen(200, role=role, missed_in_a_row=9), RULES, THRESHOLDS, REPORT_DAY)
    assert verdict.exempt is Exempt.ADMIN
    assert verdict.warned_rule is None and verdict.candidate is None
    assert not verdict.newly_warned
    # An admin promoted while warned has the warning cleared, never a removal.
    promoted = seen(200, role=role, warned_rule="silent", warned_at=date(2026, 10, 1))
    verdict = evaluate(promoted, RULES, THRESHOLDS, REPORT_DAY)
    assert verdict.cleared and verdict.candidate is None and verdict.warned_rule is None
    assert still_candidate(promoted, "silent", RULES, REPORT_DAY) is Keep.ADMIN


def test_a_member_warned_then_returning_is_cleared_and_not_a_candidate():
    """Warned on 1 November for 30 silent days; they spoke again on 20 November. By the
    December report they are no longer silent: the warning clears and nobody removes them,
    although 45 days have passed since the warning's silence began."""
    warned = member("m", last_active=date(2026, 10, 2))
    november = evaluate(warned, RULES, THRESHOLDS, date(2026, 11, 1))
    assert november.newly_warned and november.warned_rule == "silent"
    after_warning = replace(warned, warned_rule="silent", warned_at=date(2026, 11, 1))
    still_silent = evaluate(after_warning, RULES, THRESHOLDS, REPORT_DAY)
    assert still_silent.candidate == "silent"
    back = replace(after_warning, last_active=date(2026, 11, 20))
    verdict = evaluate(back, RULES, THRESHOLDS, REPORT_DAY)
    assert verdict.cleared and verdict.warned_rule is None and verdict.candidate is None
    assert verdict.tier is Tier.QUIET  # 11 days: back, but not yet active
    assert still_candidate(back, "silent", RULES, REPORT_DAY) is Keep.BACK


def test_a_warning_cleared_under_one_rule_can_give_way_to_another():
    m = seen(31, warned_rule="hw-missed", warned_at=date(2026, 11, 1), missed_in_a_row=0)
    verdict = evaluate(m, RULES, THRESHOLDS, REPORT_DAY)
    assert verdict.cleared and verdict.newly_warned and verdict.warned_rule == "silent"


def test_a_warning_under_a_rule_that_no_longer_exists_is_cleared():
    m = seen(60, warned_rule="old-rule", warned_at=date(2026, 10, 1))
    verdict = evaluate(m, (HW,), THRESHOLDS, REPORT_DAY)
    assert verdict.cleared and verdict.warned_rule is None and verdict.candidate is None


def test_members_on_leave_are_shown_apart_never_newly_warned_nor_candidates():
    away = seen(
        60,
        leave_from=date(2026, 11, 25),
        leave_until=date(2026, 12, 10),
        missed_in_a_row=5,
        warned_rule="hw-missed",
        warned_at=date(2026, 11, 1),
    )
    verdict = evaluate(away, RULES, THRESHOLDS, REPORT_DAY)
    assert verdict.tier is Tier.ON_LEAVE and verdict.exempt is Exempt.ON_LEAVE
    assert verdict.warned_rule == "hw-missed"  # the warning they had stays
    assert verdict.candidate is None
    fresh = seen(60, leave_from=date(2026, 11, 25), leave_until=date(2026, 12, 10))
    assert not evaluate(fresh, RULES, THRESHOLDS, REPORT_DAY).newly_warned
    assert still_candidate(away, "hw-missed", RULES, REPORT_DAY) is Keep.ON_LEAVE
    # A leave that has not begun yet excuses nothing.
    later = seen(60, leave_from=date(2026, 12, 5), leave_until=date(2026, 12, 10))
    assert tier_of(later, REPORT_DAY, THRESHOLDS) is Tier.INACTIVE


def test_three_missed_cycles_with_a_paused_cycle_between_makes_a_candidate():
    """Cycles 1 and 2 missed (warned at 2), cycle 3 paused (its close strikes no one and
    breaks no run), cycle 4 missed: three in a row, and the member is a candidate. Had they
    handed in cycle 4, the run and the warning would be gone."""
    rules = (Rule("hw-3", RuleKind.MISSED_CYCLES, warn=2, remove=3),)
    m = member("m", last_active=date(2026, 11, 2))
    due = {1: date(2026, 11, 8), 2: date(2026, 11, 15), 4: date(2026, 11, 29)}

    def close(m: Member, n: int, handed_in: bool) -> Member:
        changes = strike_changes(close_cycle([m], {m.user_id} if handed_in else (), due[n], 2))
        for change in changes:
            m = replace(m, missed_in_a_row=change.missed_in_a_row)
        return m

    m = close(close(m, 1, False), 2, False)
    november_report = evaluate(m, rules, THRESHOLDS, date(2026, 11, 16))
    assert november_report.newly_warned and november_report.warned_rule == "hw-3"
    m = replace(m, warned_rule="hw-3", warned_at=date(2026, 11, 16))
    # cycle 3 is paused: the digest makes no strike changes at all
    assert evaluate(m, rules, THRESHOLDS, date(2026, 11, 23)).candidate is None  # still 2
    missed_again = close(m, 4, False)
    assert missed_again.missed_in_a_row == 3
    assert evaluate(missed_again, rules, THRESHOLDS, REPORT_DAY).candidate == "hw-3"
    handed_in = close(m, 4, True)
    verdict = evaluate(handed_in, rules, THRESHOLDS, REPORT_DAY)
    assert handed_in.missed_in_a_row == 0 and verdict.cleared and verdict.candidate is None


def test_distances_say_how_far_a_member_is_from_each_warning():
    found = distances(seen(10, missed_in_a_row=1), RULES, REPORT_DAY)
    assert [(d.rule.id, d.current, d.left) for d in found] == [
        ("hw-missed", 1, 1),
        ("silent", 10, 20),
    ]


# -- observed time ---------------------------------------------------------------------------


def test_silence_is_counted_from_observation_not_from_an_imported_join_date():
    from chalicelib.domain.inactivity import observed

    created = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    imported = member("ian", joined_at=date(2026, 11, 1))
    judged = observed(imported, community(created_at=created))
    assert judged.observed_since == date(2026, 11, 26)
    assert days_silent(imported, date(2026, 12, 5)) == 34  # unresolved: the old reading
    assert days_silent(judged, date(2026, 12, 5)) == 9
    assert evaluate(judged, DEFAULT_RULES, THRESHOLDS, date(2026, 12, 5)).warned_rule is None
    later = judged.observed_since + timedelta(days=30)
    assert evaluate(judged, DEFAULT_RULES, THRESHOLDS, later).warned_rule == "silent"


def test_a_member_observed_after_the_community_began_is_watched_from_their_own_date():
    from chalicelib.domain.inactivity import observed

    created = datetime(2026, 1, 5, tzinfo=UTC)
    late = member("amy", observed_since=date(2026, 11, 20))
    assert observed(late, community(created_at=created)).observed_since == date(2026, 11, 20)
    legacy = member("bob")  # stored before observed_since existed
    assert observed(legacy, community(created_at=created)).observed_since == date(2026, 1, 5)
    assert observed(legacy, community()).observed_since is None  # nothing known: no limit


def test_missed_cycles_count_only_whole_observed_cycles():
    rule = next(r for r in rules_of(community(cycle_length_days=7)) if r.id == "hw-missed")
    hana = member("hana", missed_in_a_row=3, observed_since=date(2026, 11, 20))
    assert rule.measure(hana, date(2026, 11, 26)) == 1  # 7 days watched: one cycle
    assert rule.measure(hana, date(2026, 12, 3)) == 2
    assert rule.measure(hana, date(2026, 12, 31)) == 3
    assert rule.measure(replace(hana, observed_since=None), date(2026, 11, 20)) == 3
