"""Warnings as items of their own (issue #19, the write shape).

The monthly report writes each warning change (newly warned, cleared) as an entry of a
``WRN$<bb>`` bucket (once ``WRN#<member>`` items), never an UpdateItem of the member item.
These tests pin that a member's own clearing (/standing after coming back) between a
report's plan and its apply is never undone, that a replay warns nobody twice, and that
removal works on warnings of either shape.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.models import MemberStatus
from chalicelib.features.reports import confirm_removals
from chalicelib.inbound import handle_event
from chalicelib.jobs.report_inactive_members import plan_monthly_report
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store import keys, reports
from chalicelib.store.homework import member_counters
from chalicelib.store.repository import Store
from tests.helpers import runtime
from tests.jobs.test_report_inactive_members import NEXT_RUN_AT, RUN_AT, make_store


def warning(store: Store, user: str) -> tuple[str | None, object]:
    found = member_counters(store.table, "c1", store.get_member("c1", user))
    return found.warned_rule, found.warned_at


def say(rt, user: str, text: str, at: datetime) -> str:
    event = InboundEvent("message", "console", "chat-1", Sender(user, user.title()), text)
    return "\n".join(m.text for m in handle_event(rt, event, at))


def test_a_report_writes_warnings_as_bucket_entries_and_no_member_item():
    store = make_store()
    rt, _sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert warning(store, "ian") == ("silent", RUN_AT.date())
    assert store.table.get("C#c1", keys.warning_sk("ian")) is None  # no item of its own
    item = store.table.get("C#c1", keys.member_warning_bucket_sk("ian"))
    assert item is not None and item["warnings"]["ian"]["month"] == "2026-11"
    assert store.get_member("c1", "ian").warned_rule is None


def test_a_clear_by_standing_between_a_replays_plan_and_apply_is_kept():
    """The replay planned while Ian was still warned and silent (no change for him); Ian
    then comes back and /standing clears his warning; the replay's apply must not put the
    warning back."""
    store = make_store()
    rt, _sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    plan = plan_monthly_report(store, store.get_community("c1"), RUN_AT)
    back = RUN_AT + timedelta(hours=2)
    say(rt, "ian", "/checkin", back)
    assert "warning" in say(rt, "ian", "/standing", back).lower()
    assert warning(store, "ian") == (None, None)
    plan.apply()
    assert warning(store, "ian") == (None, None)


def test_a_warning_item_leads_to_removal_once_confirmed():
    store = make_store()
    rt, _sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)  # Ian warned (an item of its own)
    rt, _sent = runtime(store, NEXT_RUN_AT)
    result = run_job(rt, "monthly-report", "c1", NEXT_RUN_AT)
    assert result.summary["candidates"] >= 1
    outcome = confirm_removals(store, store.get_community("c1"), "2026-12", "owner", NEXT_RUN_AT)
    assert "ian" in [n.user_id for n in outcome.removed]
    assert store.get_member("c1", "ian").status is MemberStatus.REMOVED


def test_a_candidate_back_since_the_report_is_kept():
    store = make_store()
    rt, _sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    rt, _sent = runtime(store, NEXT_RUN_AT)
    run_job(rt, "monthly-report", "c1", NEXT_RUN_AT)
    say(rt, "ian", "/checkin", NEXT_RUN_AT + timedelta(hours=1))
    later = NEXT_RUN_AT + timedelta(hours=2)
    outcome = confirm_removals(store, store.get_community("c1"), "2026-12", "owner", later)
    assert "ian" in [named.user_id for named, _why in outcome.kept]
    assert store.get_member("c1", "ian").status is MemberStatus.ACTIVE


def test_removal_refuses_a_member_active_since_they_were_judged():
    """With the warning in its own item, the removal's condition is the member's activity
    as judged: a message between the check and the write (which moves last_active) wins."""
    from chalicelib.store import reports

    store = make_store()
    ian = store.get_member("c1", "ian")
    store.table.update("C#c1", "M#ian", set={"last_active": "2026-12-01"})
    judged = ian.last_active
    assert not reports.mark_removed(
        store.table, "c1", "ian", "silent", last_active=judged, on_member_item=False
    )
    assert store.get_member("c1", "ian").status is MemberStatus.ACTIVE
    assert reports.mark_removed(
        store.table,
        "c1",
        "ian",
        "silent",
        last_active=store.get_member("c1", "ian").last_active,
        on_member_item=False,
    )


def test_removal_of_a_member_warned_on_the_member_item_refuses_one_active_since():
    """A warning from before warnings had items of their own (on the member item) is cleared
    by /standing with a bucket entry now, never on the member item, so the removal's
    condition on that item's rule alone would still hold: coming back (last_active moved
    between the check and the write) refuses it too."""
    from chalicelib.store import reports

    store = make_store()
    store.table.update("C#c1", "M#ian", set={"warned_rule": "silent"})
    judged = store.get_member("c1", "ian").last_active
    store.table.update("C#c1", "M#ian", set={"last_active": "2026-12-01"})
    assert not reports.mark_removed(
        store.table, "c1", "ian", "silent", last_active=judged, on_member_item=True
    )
    assert store.get_member("c1", "ian").status is MemberStatus.ACTIVE
    now = store.get_member("c1", "ian").last_active
    assert reports.mark_removed(
        store.table, "c1", "ian", "silent", last_active=now, on_member_item=True
    )
    assert store.get_member("c1", "ian").status is MemberStatus.REMOVED


def test_confirming_an_older_report_never_removes_under_a_warning_given_since():
    """Olga is November's candidate; she comes back (/standing clears her warning), goes
    silent again and the January report warns her anew (no candidate yet: a warning comes
    a report before removal). Confirming November's report weeks later must keep her: its
    listing rested on the warning she cleared, not on the one given after it."""
    store = make_store()
    rt, _sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert "olga" in [
        r.user_id for r in reports.load_report(store.table, "c1", "2026-11").candidates()
    ]
    back = RUN_AT + timedelta(days=1)
    assert "warning" in say(rt, "olga", "/standing", back).lower()
    assert warning(store, "olga") == (None, None)
    rt, _sent = runtime(store, NEXT_RUN_AT)
    result = run_job(rt, "monthly-report", "c1", NEXT_RUN_AT)
    assert warning(store, "olga") == ("silent", NEXT_RUN_AT.date())
    assert "olga" not in [
        r.user_id for r in reports.load_report(store.table, "c1", "2026-12").candidates()
    ]
    assert result.summary["warned"] >= 1
    later = NEXT_RUN_AT + timedelta(days=16)  # 46 days silent: past the rule's 45
    outcome = confirm_removals(store, store.get_community("c1"), "2026-11", "owner", later)
    assert [(n.user_id, why) for n, why in outcome.kept] == [("olga", "back")]
    assert outcome.removed == []
    assert store.get_member("c1", "olga").status is MemberStatus.ACTIVE
    assert reports.removals(store.table, "c1") == []


def test_removal_refuses_a_member_exempted_or_made_admin_since_on_both_tables(table):
    """The removal's condition, on the in-memory table and on DynamoDB (moto) alike: no
    exempt member and no owner or admin is marked removed, an ordinary one is (also an
    item stored without the exempt and role attributes)."""
    from chalicelib.store import reports

    base = {"pk": "C#c1", "status": "active", "last_active": "2026-09-01"}
    table.put({**base, "sk": "M#ex", "user_id": "ex", "role": "member", "exempt": True})
    table.put({**base, "sk": "M#ad", "user_id": "ad", "role": "admin"})
    table.put({**base, "sk": "M#ow", "user_id": "ow", "role": "owner"})
    table.put({**base, "sk": "M#me", "user_id": "me", "role": "member", "exempt": False})
    table.put({**base, "sk": "M#old", "user_id": "old"})
    judged = datetime(2026, 9, 1).date()
    marked = {
        user: reports.mark_removed(
            table, "c1", user, "silent", last_active=judged, on_member_item=False
        )
        for user in ("ex", "ad", "ow", "me", "old")
    }
    assert marked == {"ex": False, "ad": False, "ow": False, "me": True, "old": True}


def test_a_warning_given_on_the_day_a_member_left_and_came_back_is_not_the_new_memberships():
    """The report warns Ian in the morning; he leaves the group and comes back the same
    day: a new membership, which no report has warned (none can warn a membership on the
    day it began), so his old membership's warning is not his."""
    store = make_store()
    rt, _sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert warning(store, "ian") == ("silent", RUN_AT.date())
    later = RUN_AT + timedelta(hours=3)
    left = InboundEvent("member_left", "console", "chat-1", Sender("ian", "Ian"), "")
    handle_event(rt, left, later)
    assert store.get_member("c1", "ian").status is MemberStatus.LEFT
    say(rt, "ian", "hello again", later + timedelta(minutes=5))
    assert store.get_member("c1", "ian").joined_at == RUN_AT.date()  # a new membership
    assert warning(store, "ian") == (None, None)
    assert "warned" not in say(rt, "ian", "/standing", later + timedelta(minutes=6)).lower()
