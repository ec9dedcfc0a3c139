"""Observed time and memberships: the monthly report warns and removes people, so it never
judges a member on time rollcall did not watch, and a member who left and came back starts
again (warned again before being a removal candidate)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.homework import StrikeChange
from chalicelib.domain.models import MemberStatus, Role
from chalicelib.inbound import handle_event
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store import reports
from chalicelib.store.homework import apply_strike_change, member_counters
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from rollcall import members_csv
from tests.helpers import community, member, runtime

SHANGHAI = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 11, 26, 9, 30, tzinfo=SHANGHAI)  # five days before the report
REPORT_AT = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)  # reports on November
CSV = (
    "user_id,name,role,squad,joined_at\n"
    "boss,Boss,owner,,2026-11-01\n"
    "amy,Amy,member,A,2026-11-01\n"
    "ian,Ian,member,A,2026-11-01\n"
    "olga,Olga,member,B,2026-11-01\n"
)


def import_csv(store: Store, community_id: str, text: str, today: date) -> None:
    """What ``rollcall member import`` does: parse, merge with the roster, batch-save."""
    rows = members_csv.parse_rows(text)
    existing = {m.user_id: m for m in store.list_members(community_id)}
    store.bulk_save_members(members_csv.merge(community_id, rows, existing), observed_since=today)


def new_community(**settings) -> Store:
    store = Store(MemoryTable())
    store.create_community(
        community(created_at=CREATED, admin_chat_id="admins-1", removal_enabled=True, **settings)
    )
    return store


def test_a_community_created_days_ago_with_imported_members_warns_nobody():
    """The reported case: joined_at 2026-11-01 from the CSV is history. Rollcall has watched
    these members for five days: nobody is silent for 30, and the check-in rate counts the
    five observed days of November (4 members x 5 days), not the thirty."""
    store = new_community()
    import_csv(store, "c1", CSV, date(2026, 11, 26))
    rt, sent = runtime(store, REPORT_AT)
    result = run_job(rt, "monthly-report", "c1", REPORT_AT)
    assert result.status == "sent"
    assert result.summary["warned"] == 0 and result.summary["candidates"] == 0
    assert result.summary["observed_days"] == 5
    assert [(m.kind, m.chat_id) for m in sent] == [("message", "admins-1")]  # no DM
    report = sent[0].text
    assert "Check-ins: 0/20 member-days" in report
    assert "rollcall watched 5 of the month's 30 days (since 2026-11-26)" in report
    assert all(
        member_counters(store.table, "c1", store.get_member("c1", u)).warned_rule is None
        for u in ("amy", "ian", "olga")
    )


def test_imported_members_without_an_import_date_fall_back_to_the_community_creation():
    """Items stored before observed_since existed (or imported by an older CLI) are watched
    from the community's creation: still nobody judged on the month before it."""
    store = new_community()
    rows = members_csv.parse_rows(CSV)
    store.bulk_save_members(members_csv.merge("c1", rows, {}))
    assert store.get_member("c1", "ian").observed_since is None
    rt, sent = runtime(store, REPORT_AT)
    result = run_job(rt, "monthly-report", "c1", REPORT_AT)
    assert result.summary["warned"] == 0
    assert "Check-ins: 0/20 member-days" in sent[0].text


def test_silence_is_counted_from_the_import_in_an_older_community():
    """A community from January imports Ian on 20 November (joined_at 1 November): on
    1 December he has been silent for 11 observed days, not 30."""
    store = Store(MemoryTable())
    store.create_community(
        community(created_at=datetime(2026, 1, 5, tzinfo=SHANGHAI), admin_chat_id="admins-1")
    )
    import_csv(store, "c1", CSV, date(2026, 11, 20))
    rt, _sent = runtime(store, REPORT_AT)
    assert run_job(rt, "monthly-report", "c1", REPORT_AT).summary["warned"] == 0
    later = datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI)  # 30 observed days
    rt, sent = runtime(store, later)
    result = run_job(rt, "monthly-report", "c1", later, period="2026-12")
    assert result.summary["warned"] == 3  # amy, ian, olga; the owner is never warned
    assert any("Rule “inactivity”" in m.text for m in sent)


def test_homework_misses_count_only_over_observed_cycles():
    """Two misses in a row warn under the default rule only once two whole cycles were
    watched: a member first seen three days before the first close is not warned."""
    store = new_community()
    store.bulk_save_members(
        [member("hana", observed_since=date(2026, 11, 28), missed_in_a_row=2, strikes=2)]
    )
    rt, _sent = runtime(store, REPORT_AT)
    assert run_job(rt, "monthly-report", "c1", REPORT_AT).summary["warned"] == 0


# -- memberships ---------------------------------------------------------------------------


def say(rt, kind: str, at: datetime, user: str = "hana", text: str = "") -> None:
    event = InboundEvent(
        kind=kind, platform="console", chat_id="chat-1", sender=Sender(user, "Hana"), text=text
    )
    handle_event(rt, event, at)


def test_a_removed_member_who_rejoins_is_warned_again_before_being_a_candidate():
    """Hana was warned (hw-missed) in October and removed in November. She rejoins: a new
    membership, with a fresh grace period and no warning or missed run. Missing homework
    again, she is warned at a report before she can be a candidate again."""
    store = Store(MemoryTable())
    store.create_community(
        community(
            created_at=datetime(2026, 1, 5, tzinfo=SHANGHAI),
            admin_chat_id="admins-1",
            removal_enabled=True,
        )
    )
    store.bulk_save_members(
        [
            member("boss", role=Role.OWNER, last_active=date(2026, 11, 30)),
            member(
                "hana",
                name="Hana",
                last_active=date(2026, 11, 20),
                last_checkin=date(2026, 11, 20),
                checkins=40,
                current_streak=12,
                best_streak=20,
                strikes=3,
                missed_in_a_row=3,
                warned_rule="hw-missed",
                warned_at=date(2026, 10, 1),
                status=MemberStatus.REMOVED,
            ),
        ]
    )
    rejoined = datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)
    rt, _ = runtime(store, rejoined)
    say(rt, "member_joined", rejoined)
    hana = store.get_member("c1", "hana")
    assert hana.is_present and hana.joined_at == date(2026, 12, 2)
    assert hana.observed_since == date(2026, 12, 2)
    assert (hana.warned_rule, hana.warned_at, hana.missed_in_a_row) == (None, None, 0)
    assert hana.current_streak == 0 and (hana.checkins, hana.best_streak, hana.strikes) == (
        40,
        20,
        3,
    ), "history is kept"
    # Three cycles missed in a row again (as the weekly digest would count them).
    for in_a_row in (1, 2, 3):
        apply_strike_change(store.table, "c1", StrikeChange("hana", 1, in_a_row))
    first = datetime(2027, 1, 1, 10, 0, tzinfo=SHANGHAI)
    rt, sent = runtime(store, first)
    result = run_job(rt, "monthly-report", "c1", first)
    assert result.summary["candidates"] == 0 and result.summary["warned"] == 1
    warned = member_counters(store.table, "c1", store.get_member("c1", "hana"))
    assert warned.warned_at == date(2027, 1, 1)
    assert any(m.kind == "direct" and m.user_id == "hana" for m in sent)
    then = datetime(2027, 2, 1, 10, 0, tzinfo=SHANGHAI)
    rt, _ = runtime(store, then)
    assert run_job(rt, "monthly-report", "c1", then).summary["candidates"] == 1
    stored = reports.load_report(store.table, "c1", "2027-01")
    assert [row.user_id for row in stored.candidates()] == ["hana"]


def test_a_member_who_left_is_neither_counted_nor_warned():
    store = new_community()
    store.bulk_save_members(
        [member("lefty", status=MemberStatus.LEFT, observed_since=date(2026, 11, 26))]
    )
    rt, _sent = runtime(store, REPORT_AT)
    result = run_job(rt, "monthly-report", "c1", REPORT_AT)
    assert result.summary["warned"] == 0 and sum(result.summary["counts"].values()) == 0


def test_a_community_moved_to_another_chat_is_watched_from_the_move():
    """rollcall sees a chat's activity only once it is bound there: after a move, members
    silent before it are not judged on time nobody watched (bound_at), through the CLI's
    own rebind and the monthly job."""
    store = Store(MemoryTable())
    store.create_community(
        community(
            created_at=datetime(2026, 1, 5, tzinfo=SHANGHAI),
            admin_chat_id="admins-1",
            removal_enabled=True,
        )
    )
    import_csv(store, "c1", CSV, date(2026, 1, 5))
    moved_at = datetime(2026, 11, 26, 9, 30, tzinfo=SHANGHAI)
    store.rebind_community(store.get_community("c1"), "console", "chat-2", now=moved_at)
    moved = store.get_community("c1")
    assert moved.bound_at == moved_at and moved.chat_id == "chat-2"
    rt, sent = runtime(store, REPORT_AT)
    result = run_job(rt, "monthly-report", "c1", REPORT_AT)
    assert result.summary["warned"] == 0 and result.summary["observed_days"] == 5
    assert "rollcall watched 5 of the month's 30 days (since 2026-11-26)" in sent[0].text
