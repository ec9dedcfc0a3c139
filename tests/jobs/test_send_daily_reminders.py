"""The daily reminder names exactly those who have not checked in, and only once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.models import Role
from chalicelib.domain.reminders import select_reminder_targets
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import DeliveryError
from chalicelib.store import runs
from chalicelib.store.checkins import record_checkin
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

DAY = date(2026, 11, 23)
AT_21 = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 in Asia/Shanghai


def roster():
    return [
        member("done"),
        member("owner", role=Role.OWNER),
        member("away", leave_until=date(2026, 11, 25)),
        member("newbie", joined_at=date(2026, 11, 22)),
        member("shy", quiet=True),
        member("gone", status="left"),
        member("missing"),
    ]


def test_targets_are_exactly_the_members_who_have_not_checked_in():
    """Admins are members too; leave, grace, quiet and departed members are handled apart."""
    targets = select_reminder_targets(roster(), {"done"}, DAY, grace_days=2)
    assert {m.user_id for m in targets.mention} == {"owner", "missing"}
    assert [m.user_id for m in targets.quiet] == ["shy"]
    assert [m.user_id for m in targets.grace] == ["newbie"]
    assert [m.user_id for m in targets.on_leave] == ["away"]
    assert (targets.done, targets.expected, targets.missing) == (1, 4, 3)


def test_a_new_member_who_checked_in_counts_as_done():
    targets = select_reminder_targets([member("newbie", joined_at=DAY)], {"newbie"}, DAY, 2)
    assert (targets.done, targets.expected, targets.mention) == (1, 1, ())


@pytest.fixture
def setup():
    store = Store(MemoryTable())
    store.create_community(community(theme="Read daily", theme_week="2026-W48"))
    store.bulk_save_members(roster())
    record_checkin(store.table, "c1", "done", DAY, AT_21)
    rt, sent = runtime(store, AT_21)
    return store, rt, sent


def test_reminder_mentions_the_missing_shows_count_theme_and_quiet_names(setup):
    _store, rt, sent = setup
    result = run_job(rt, "daily-reminder", "c1", AT_21)
    assert result.status == "sent" and result.period == "2026-11-23"
    text = "\n".join(m.text for m in sent)
    assert "1/4 checked in" in text
    assert "This week's theme: Read daily" in text
    assert "@Owner" in text and "@Missing" in text
    for absent in ("@Done", "@Away", "@Newbie", "@Shy", "@Gone"):
        assert absent not in text
    # the console sends DMs: the quiet member is reminded privately, not named in the group
    assert "quiet members" not in "\n".join(m.text for m in sent if m.kind == "message")
    [dm] = [m for m in sent if m.kind == "direct"]
    assert dm.user_id == "shy" and "Shy, you have not checked in today (2026-11-23)" in dm.text


def test_reminder_runs_once_per_period_and_force_replays(setup):
    _store, rt, sent = setup
    assert run_job(rt, "daily-reminder", "c1", AT_21).status == "sent"
    count = len(sent)
    assert run_job(rt, "daily-reminder", "c1", AT_21).status == "already-done"
    assert len(sent) == count
    assert run_job(rt, "daily-reminder", "c1", AT_21, force=True).status == "sent"
    assert len(sent) == 2 * count


def test_dry_run_sends_and_records_nothing(setup):
    store, rt, sent = setup
    result = run_job(rt, "daily-reminder", "c1", AT_21, dry_run=True)
    assert result.status == "dry-run" and "@Missing" in result.parts[0]
    assert sent == [] and runs.get_run(store.table, "c1", "daily-reminder", "2026-11-23") is None


def test_everyone_checked_in_gets_a_congratulation_not_an_empty_mention(setup):
    store, rt, sent = setup
    for uid in ("owner", "shy", "missing"):
        record_checkin(store.table, "c1", uid, DAY, AT_21)
    run_job(rt, "daily-reminder", "c1", AT_21)
    assert len(sent) == 1 and "Everyone checked in" in sent[0].text and "@" not in sent[0].text


def test_everyone_done_and_congratulations_off_sends_nothing(setup):
    store, rt, sent = setup
    store.update_community(store.get_community("c1"), congratulate_when_all_done=False)
    for uid in ("owner", "shy", "missing"):
        record_checkin(store.table, "c1", uid, DAY, AT_21)
    assert run_job(rt, "daily-reminder", "c1", AT_21).status == "nothing-to-send"
    assert sent == []


def test_a_crashed_run_resumes_without_resending_delivered_parts(setup):
    """The lease expires, the next worker takes over and sends only what is missing."""
    store, rt, sent = setup
    members = [member(f"member-{n:04d}") for n in range(800)]
    store.bulk_save_members(members)
    adapter = rt.adapter("console")
    real_deliver = adapter.deliver
    calls = {"n": 0}

    def crash_on_second(chat, part):
        calls["n"] += 1
        if calls["n"] == 2:
            raise DeliveryError("platform down")
        return real_deliver(chat, part)

    adapter.deliver = crash_on_second
    first = run_job(rt, "daily-reminder", "c1", AT_21)
    assert first.status == "failed" and first.delivered == 1
    adapter.deliver = real_deliver
    total_parts = len(first.parts)
    assert total_parts >= 2
    later = datetime(2026, 11, 23, 13, 10, tzinfo=UTC)
    resumed = run_job(rt, "daily-reminder", "c1", later)
    assert resumed.status == "sent"
    assert resumed.delivered == total_parts - 1
    assert len(sent) == total_parts


def test_a_running_claim_is_not_taken_over_before_its_lease_expires(setup):
    store, rt, _ = setup
    runs.claim_run(
        store.table, "c1", "daily-reminder", "2026-11-23", AT_21, lease=runs_lease(), run_id="other"
    )
    assert run_job(rt, "daily-reminder", "c1", AT_21).status == "busy"


def runs_lease():
    from chalicelib.jobs.runner import LEASE

    return LEASE


def test_reminder_reads_two_queries_whatever_the_roster_size(dynamo_table, requests_made):
    """Who has not checked in: one roster Query + one day Query (paged), never per member."""
    store = Store(dynamo_table)
    store.create_community(community())
    store.bulk_save_members(member(f"m{n:04d}") for n in range(1000))
    for n in range(0, 1000, 3):
        record_checkin(store.table, "c1", f"m{n:04d}", DAY, AT_21)
    rt, sent = runtime(store, AT_21)
    requests_made.reset()
    result = run_job(rt, "daily-reminder", "c1", AT_21)
    assert result.status == "sent" and result.summary["mentioned"] == 666
    parts = len(sent)
    counts = dict(requests_made.counts)
    assert counts.pop("Query") <= 4  # roster + day's check-ins, a page or two each
    assert counts.pop("GetItem") == 1  # the community
    # claim + one record per delivered part + finish
    assert counts.pop("UpdateItem") == 2 + parts
    assert counts == {}


# -- counts that add up ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "(not counted: 10 new in their first 2 days)"),
        ("zh-CN", "（未计入：10 位新成员还在加入后的前 2 天）"),
    ],
)
def test_a_congratulation_says_who_was_left_out_of_the_count(locale, expected):
    """18/18 while 10 of 28 members were in their grace days: the message says so, or the
    count looks like the whole community."""
    store = Store(MemoryTable())
    store.create_community(community(locale=locale))
    regulars = [member(f"m{n:02d}") for n in range(18)]
    newcomers = [member(f"new{n:02d}", joined_at=DAY) for n in range(10)]
    store.bulk_save_members(regulars + newcomers)
    for m in regulars:
        record_checkin(store.table, "c1", m.user_id, DAY, AT_21)
    rt, sent = runtime(store, AT_21)
    run_job(rt, "daily-reminder", "c1", AT_21)
    [message] = sent
    assert "18/18" in message.text and message.text.endswith(expected)


def test_a_reminder_says_who_is_not_counted_and_why(setup):
    """The roster of setup: 1/4 counted; the newcomer and the member on leave are named as
    not counted, the member who left is not mentioned at all."""
    _store, rt, sent = setup
    run_job(rt, "daily-reminder", "c1", AT_21)
    group = [m.text for m in sent if m.kind == "message"]
    assert "1/4 checked in" in group[0]
    assert "(not counted: 1 new in their first 2 days, 1 on leave or excused)" in group[0]


def test_when_everyone_is_counted_nothing_is_added(setup):
    store, rt, sent = setup
    store.bulk_save_members(
        [member("away", leave_until=date(2026, 11, 20)), member("newbie", status="left")]
    )
    run_job(rt, "daily-reminder", "c1", AT_21)
    assert "not counted" not in sent[0].text
