"""Session definitions and their occurrences: one-line refusals for a recurrence that never
occurs or a time the clocks skip, and phases at the right local times whatever DST does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import islice

import pytest

from chalicelib.domain import sessions as rules
from chalicelib.domain.calendar import LocalCalendar

BERLIN = LocalCalendar("Europe/Berlin")
SHANGHAI = LocalCalendar("Asia/Shanghai")
TODAY = date(2026, 12, 5)


def define(calendar: LocalCalendar = SHANGHAI, **values) -> rules.SessionDef:
    fields = {"id": "friday", "weekday": "fri", "at": "20:00", **values}
    return rules.parse_definition(fields, calendar, TODAY)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"weekday": "sun", "at": "02:30"}, "does not exist on 2027-03-28"),  # Berlin's gap
        ({"nth": "6"}, "never occurs"),
        ({"nth": "0"}, "never occurs"),
        ({"anchor": "2026-12-10", "every": "2"}, "never occurs: the anchor 2026-12-10 is a thu"),
        ({"every": "2"}, "needs --anchor"),
        ({"talk": "60", "duration": "60"}, "must be shorter"),
        ({"at": "25:00"}, "HH:MM"),
        ({"weekday": "someday"}, "weekday must be one of"),
        ({"id": "Has Spaces"}, "session id"),
        ({"duration": "0"}, "duration (minutes) must be 5..480"),
    ],
)
def test_a_definition_that_cannot_be_taken_is_one_line(values, message):
    with pytest.raises(rules.SessionError) as error:
        define(BERLIN, **values)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_time_that_exists_every_week_in_shanghai_is_taken():
    d = define(SHANGHAI, weekday="sun", at="02:30")
    assert rules.SessionDef.from_json(d.to_json()) == d


def test_every_n_weeks_counts_from_its_anchor():
    d = define(anchor="2026-12-11", every="2")
    assert list(islice(d.recurrence.dates_from(date(2026, 12, 1)), 3)) == [
        date(2026, 12, 11),
        date(2026, 12, 25),
        date(2027, 1, 8),
    ]
    assert not d.recurrence.happens_on(date(2026, 12, 18))


def test_the_nth_and_the_last_weekday_of_a_month():
    second = define(nth="2", weekday="tue")
    assert list(islice(second.recurrence.dates_from(date(2026, 12, 1)), 2)) == [
        date(2026, 12, 8),
        date(2027, 1, 12),
    ]
    last = define(nth="-1", weekday="thu")
    assert list(islice(last.recurrence.dates_from(date(2026, 12, 1)), 2)) == [
        date(2026, 12, 31),
        date(2027, 1, 28),
    ]
    fifth = define(nth="5", weekday="mon")  # only months with five Mondays
    assert next(fifth.recurrence.dates_from(date(2027, 1, 1))) == date(2027, 3, 29)


def test_phases_keep_the_local_wall_time_across_the_spring_change_in_berlin():
    """Clocks jump on 2027-03-28: Friday 20:00 is 19:00 UTC before, 18:00 UTC after; the
    reminder stays one real hour before."""
    d = define(BERLIN, talk="40")
    phases = list(islice(rules.all_phase_times([d], BERLIN, datetime(2027, 3, 22, tzinfo=UTC)), 12))
    starts = [when for when, period in phases if period.endswith("#start")]
    assert starts == [
        datetime(2027, 3, 26, 19, 0, tzinfo=UTC),
        datetime(2027, 4, 2, 18, 0, tzinfo=UTC),
    ]
    assert [when for when, _ in phases] == sorted(when for when, _ in phases)
    remind = dict((p, w) for w, p in phases)["friday#2027-04-02#remind"]
    assert remind == datetime(2027, 4, 2, 17, 0, tzinfo=UTC)


def test_phases_of_two_sessions_interleave_in_time_and_are_strictly_after():
    a = define()
    b = define(id="monthly", nth="2", weekday="fri", at="19:00", announce_days="7")
    after = datetime(2027, 1, 8, 11, 0, tzinfo=UTC)  # 19:00 Shanghai on 01-08
    phases = list(islice(rules.all_phase_times([a, b], SHANGHAI, after), 30))
    assert all(when > after for when, _ in phases)
    assert [w for w, _ in phases] == sorted(w for w, _ in phases)
    assert "monthly#2027-01-08#start" not in {p for _, p in phases}  # at ``after`` itself
    assert "monthly#2027-01-08#summary" in {p for _, p in phases}


def test_a_long_lead_announcement_comes_before_the_previous_summary_when_it_is_due():
    d = define(announce_days="7", speaker_deadline_days="0")
    after = datetime(2026, 12, 10, tzinfo=UTC)
    phases = list(islice(rules.all_phase_times([d], SHANGHAI, after), 8))
    assert [w for w, _ in phases] == sorted(w for w, _ in phases)
    names = [p for _, p in phases]
    assert names.index("friday#2026-12-18#announce") < names.index("friday#2026-12-11#summary")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-12", date(2026, 12, 12)),
        ("12-01", date(2027, 12, 1)),  # already past this year: next year's
        ("2026-12-12", date(2026, 12, 12)),
        ("12月12日", date(2026, 12, 12)),
        ("02-30", None),
        ("soon", None),
    ],
)
def test_dates_members_type(text, expected):
    assert rules.parse_session_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/v/1", True),
        ("http://example.com", True),
        ("ftp://example.com/v", False),
        ("javascript:alert(1)", False),
        ("https://", False),
        ("example.com/v", False),
    ],
)
def test_only_http_links_are_recordings(url, ok):
    assert rules.is_recording_url(url) is ok


def test_the_attendance_window_opens_ten_minutes_early_and_closes_at_the_end():
    d = define(duration="60")
    start = datetime(2026, 12, 11, 12, 0, tzinfo=UTC)
    assert rules.current_instance([d], SHANGHAI, start - timedelta(minutes=11)) is None
    assert rules.current_instance([d], SHANGHAI, start - timedelta(minutes=10)) == (
        d,
        date(2026, 12, 11),
    )
    assert rules.current_instance([d], SHANGHAI, start + timedelta(minutes=59)) is not None
    assert rules.current_instance([d], SHANGHAI, start + timedelta(minutes=60)) is None


def test_a_period_parses_back_and_garbage_is_refused():
    assert rules.parse_period("friday#2026-12-11#remind") == rules.InstancePeriod(
        "friday", date(2026, 12, 11), "remind"
    )
    for bad in ("friday#2026-12-11", "friday#2026-13-11#remind", "friday#2026-12-11#party"):
        with pytest.raises(rules.SessionError):
            rules.parse_period(bad)


def _m(user_id: str, **fields):
    from chalicelib.domain.models import Member

    return Member(community_id="c1", user_id=user_id, name=user_id.title(), **fields)


def test_the_speaker_rota_pick():
    from chalicelib.domain.models import MemberStatus

    day = date(2026, 12, 11)
    members = [
        _m("ann"),
        _m("bob"),
        _m("cy", exempt=True),
        _m("dee", leave_from=date(2026, 12, 10), leave_until=date(2026, 12, 12)),
        _m("eve", status=MemberStatus.LEFT),
    ]
    spoke = {"ann": date(2026, 12, 4), "bob": date(2026, 11, 27)}
    # the least recently spoke; exempt, on leave and departed members never
    assert rules.pick_speaker("c1", "friday", day, members, spoke).user_id == "bob"
    # who signed up is kept, even having spoken last week; one who left is not
    assert rules.pick_speaker("c1", "friday", day, members, spoke, "ann").volunteer is True
    assert rules.pick_speaker("c1", "friday", day, members, spoke, "eve").user_id == "bob"
    assert rules.pick_speaker("c1", "friday", day, members, spoke, "dee").user_id == "bob"
    # never spoke before anyone; among equals the same hash-ordered pick every time
    assert rules.pick_speaker("c1", "friday", day, members, {"bob": day}).user_id == "ann"
    tied = [rules.pick_speaker("c1", "friday", day, members, {}) for _ in range(3)]
    assert len({p.user_id for p in tied}) == 1 and tied[0].user_id in ("ann", "bob")
    assert rules.pick_speaker("c1", "friday", day, members[2:], {}) is None


def test_removing_a_definition_and_the_rota_flag_round_trips():
    d = define(SHANGHAI, speaker_rota=True)
    assert d.speaker_rota and rules.SessionDef.from_json(d.to_json()) == d
    other = define(SHANGHAI, id="monday", weekday="mon")
    stored = (d.to_json(), other.to_json())
    assert rules.without_definition(stored, "friday") == (other.to_json(),)
    with pytest.raises(rules.SessionError, match="no session 'nope'"):
        rules.without_definition(stored, "nope")
