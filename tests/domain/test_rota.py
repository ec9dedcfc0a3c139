"""The duty rota's pick (domain/rota.py): volunteers first, then active members; never the
gone, the exempt, those on leave or who served within the last K periods; least recently
served first; ties by a SHA-256 of (community, period, member), so every run agrees."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.models import InvalidValue
from chalicelib.domain.rota import (
    last_served,
    parse_rota_kind,
    period_of,
    period_start,
    pick_on_duty,
    served_recently,
    shift_period,
    swap_open,
)
from tests.helpers import member

P = "2026-W50"  # Monday 7 December 2026
SEEN = date(2026, 12, 3)  # within the week before: active


def active(uid: str, **overrides):
    return member(uid, last_active=SEEN, **overrides)


def pick(members, served=None, volunteers=(), skip=2, period=P, cid="c1"):
    return pick_on_duty(cid, period, members, served or {}, frozenset(volunteers), skip)


def test_periods_are_iso_weeks_or_months_and_shift_across_years():
    assert period_of("week", date(2026, 12, 7)) == "2026-W50"
    assert period_of("month", date(2026, 12, 7)) == "2026-12"
    assert period_start("2026-W50") == date(2026, 12, 7)
    assert shift_period("2026-W53", 1) == "2027-W01"
    assert shift_period("2027-01", -1) == "2026-12"
    assert shift_period("2026-W50", -2) == "2026-W48"
    with pytest.raises(InvalidValue):
        parse_rota_kind("fortnight")


def test_a_volunteer_comes_before_members_who_never_served():
    members = [active("ann"), active("bob"), active("cat")]
    chosen = pick(members, served={"cat": "2026-W40"}, volunteers={"cat"})
    assert chosen is not None and (chosen.user_id, chosen.volunteer) == ("cat", True)


def test_members_on_leave_exempt_or_gone_are_never_picked_even_as_volunteers():
    members = [
        active("ann", leave_until=date(2026, 12, 9)),
        active("bob", exempt=True),
        active("cat", status="left"),
        active("dan"),
    ]
    chosen = pick(members, volunteers={"ann", "bob", "cat"})
    assert chosen is not None and chosen.user_id == "dan" and not chosen.volunteer
    assert pick(members[:3], volunteers={"ann", "bob", "cat"}) is None


def test_who_served_within_the_last_k_periods_sits_out():
    members = [active("ann"), active("bob")]
    served = {"ann": "2026-W48", "bob": "2026-W46"}  # ann two periods ago, bob four
    assert pick([members[0]], served=served, skip=2) is None
    assert pick([members[0]], served=served, skip=1).user_id == "ann"  # type: ignore[union-attr]
    # even as a volunteer
    assert pick([members[0]], served=served, volunteers={"ann"}, skip=2) is None
    assert served_recently("2026-W48", P, 2) and not served_recently("2026-W47", P, 2)


def test_the_least_recently_served_goes_first():
    members = [active("ann"), active("bob"), active("cat")]
    served = {"ann": "2026-W44", "bob": "2026-W40", "cat": "2026-W46"}
    assert pick(members, served=served).user_id == "bob"  # type: ignore[union-attr]
    # never served comes before anyone who did
    assert pick([*members, active("dan")], served=served).user_id == "dan"  # type: ignore[union-attr]


def test_members_not_seen_since_the_previous_period_are_not_picked_unless_they_volunteer():
    quiet = member("old", last_active=date(2026, 11, 20))
    assert pick([quiet]) is None
    assert pick([quiet], volunteers={"old"}).user_id == "old"  # type: ignore[union-attr]


def test_ties_are_broken_by_a_sha256_of_community_period_and_member_reproducibly():
    members = [member(f"m{n}", last_active=date(2027, 1, 1)) for n in range(8)]

    def expected(cid: str, period: str) -> str:
        digest = {
            m.user_id: hashlib.sha256(f"{cid}\x1f{period}\x1f{m.user_id}".encode()).hexdigest()
            for m in members
        }
        return min(digest, key=lambda uid: digest[uid])

    picks = set()
    for week in range(50, 54):
        period = f"2026-W{week}"
        first = pick(members, period=period)
        again = pick(list(reversed(members)), period=period)  # the roster's order is no input
        assert first == again and first is not None
        assert first.user_id == expected("c1", period)
        picks.add(first.user_id)
    assert len(picks) > 1  # the period seeds the order: not always the same member


def test_last_served_keeps_each_members_latest_period():
    history = [("2026-W40", "ann"), ("2026-W45", "ann"), ("2026-W42", "bob")]
    assert last_served(history) == {"ann": "2026-W45", "bob": "2026-W42"}


def test_a_swap_is_open_for_24_hours_only():
    asked = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert swap_open(asked, asked + timedelta(hours=23, minutes=59))
    assert not swap_open(asked, asked + timedelta(hours=24))
    assert not swap_open(None, asked)
