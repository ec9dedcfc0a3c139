"""The monthly report: what admins read, whom the group warns, what is stored, what
removal takes, and what it costs."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.homework import StrikeChange, Work
from chalicelib.domain.models import MemberStatus, Role
from chalicelib.features.reports import (
    CSV_COLUMNS,
    RemovalOff,
    build_monthly_report,
    compose_report,
    confirm_removals,
    describe_outcome,
    report_csv,
)
from chalicelib.jobs.report_inactive_members import plan_monthly_report
from chalicelib.jobs.runner import run_job
from chalicelib.store import keys, reports
from chalicelib.store.checkins import record_checkin
from chalicelib.store.homework import bulk_record_strikes, member_counters, save_submission
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import NotFound, Store
from tests.helpers import community, member, runtime

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUN_AT = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)  # the run reporting on November
NEXT_RUN_AT = datetime(2027, 1, 1, 10, 0, tzinfo=SHANGHAI)


def roster():
    return [
        member("owner", name="Owner", role=Role.OWNER, last_active=date(2026, 8, 1)),
        member("amy", name="Amy", last_active=date(2026, 11, 30)),
        member("quinn", name="Quinn", last_active=date(2026, 11, 10)),
        member("ian", name="Ian", last_active=date(2026, 9, 1)),
        member("hana", name="Hana", last_active=date(2026, 11, 29), missed_in_a_row=2, strikes=2),
        member(
            "olga",
            name="Olga",
            last_active=date(2026, 9, 1),
            warned_rule="silent",
            warned_at=date(2026, 11, 1),
        ),
        member(
            "leo",
            name="Leo",
            last_active=date(2026, 8, 1),
            leave_from=date(2026, 11, 20),
            leave_until=date(2026, 12, 10),
        ),
        member("nina", name="Nina", joined_at=date(2026, 11, 30), last_active=date(2026, 11, 30)),
        member("lefty", name="Lefty", status="left", last_active=date(2026, 7, 1)),
    ]


def seed(store: Store) -> None:
    """November: Amy checks in daily, Quinn five times; weekly homework from 2 November with
    cycle 2 paused: Amy hands in every cycle, Hana the first and then misses two."""
    for day in range(1, 31):
        record_checkin(store.table, "c1", "amy", date(2026, 11, day), RUN_AT)
    for day in range(1, 6):
        record_checkin(store.table, "c1", "quinn", date(2026, 11, day), RUN_AT)
    record_checkin(store.table, "c1", "lefty", date(2026, 11, 3), RUN_AT)  # left since
    work = Work("https://example.com/essay", "")
    handed_in = [(c, "amy", "Amy") for c in ("C0001", "C0002", "C0003", "C0004")]
    for cycle, user, name in [*handed_in, ("C0001", "hana", "Hana")]:
        save_submission(
            store.table,
            "c1",
            cycle,
            user,
            name=name,
            work=work,
            at=RUN_AT,
            late=False,
            previous=None,
        )
    for cycle, in_a_row in (("C0003", 1), ("C0004", 2)):
        bulk_record_strikes(store.table, "c1", cycle, [StrikeChange("hana", 1, in_a_row)], RUN_AT)


def make_store(**settings) -> Store:
    store = Store(MemoryTable())
    fields = {
        "admin_chat_id": "admins-1",
        "removal_enabled": True,
        "cycle_anchor": date(2026, 11, 2),
        "paused_cycles": (2,),
        **settings,
    }
    store.create_community(community(**fields))
    store.bulk_save_members(roster())
    seed(store)
    return store


class Remover:
    """An adapter with the optional ``remove_member`` (Telegram, Discord, Slack have one)."""

    def __init__(self, answer: bool = True) -> None:
        self.calls: list[tuple[str, str]] = []
        self.answer = answer

    def remove_member(self, chat, user_id: str) -> bool:
        self.calls.append((chat.chat_id, user_id))
        return self.answer


# -- contents -----------------------------------------------------------------------------------


def test_the_report_counts_tiers_rates_and_lists_each_candidate_with_its_rule():
    store = make_store()
    report = build_monthly_report(store, store.get_community("c1"), "2026-11", RUN_AT)
    s = report.summary
    assert s.as_of == date(2026, 12, 1)
    assert dict(s.counts) == {"active": 2, "quiet": 1, "inactive": 3, "new": 1, "on_leave": 1}
    assert s.previous_counts is None
    # 6 members x 30 days + Leo 19 days outside his leave + Nina's 1 day; Lefty left.
    assert (s.checkins.done, s.checkins.expected) == (35, 200)
    # cycles 1, 3 and 4 (2 was paused): Amy 3 + Hana 1 handed in, Hana's 2 strikes.
    assert (s.homework.done, s.homework.expected, s.homework_cycles) == (4, 6, 3)
    warned = [(n.name, n.rule) for n in s.lists["warned"].names]
    assert warned == [("Hana", "hw-missed"), ("Ian", "silent")]
    assert [(n.name, n.rule) for n in s.lists["candidates"].names] == [("Olga", "silent")]
    text = compose_report(store.get_community("c1"), s).text
    assert "Members (8): active 2, quiet 1, inactive 3, new 1, on leave 1" in text
    assert "Check-ins: 35/200 member-days (18%)" in text
    assert "Homework: 4/6 handed in (67%) over 3 cycles" in text
    # Each rule by its name (the kind's, for rules without one), never by its id.
    assert "Warned (2): Hana (missed homework), Ian (inactivity)" in text
    assert "Removal candidates (1): Olga (inactivity)" in text
    assert "hw-missed" not in text and "silent" not in text
    assert "/confirm-removals 2026-11" in text
    assert "Owner" not in text and "Leo" not in text and "Lefty" not in text


def test_the_report_goes_to_the_admin_chat_and_each_warning_privately():
    store = make_store()
    rt, sent = runtime(store, RUN_AT)
    result = run_job(rt, "monthly-report", "c1", RUN_AT)
    assert result.status == "sent" and result.period == "2026-11"
    assert [(m.kind, m.chat_id, m.user_id) for m in sent] == [
        ("message", "admins-1", None),
        ("direct", "chat-1", "hana"),
        ("direct", "chat-1", "ian"),
    ]
    report, hw, silent = (m.text for m in sent)
    assert report.startswith("📋 Study Group: monthly report for 2026-11")
    assert "Hana, a note from Study Group:" in hw and "Rule “missed homework”" in hw
    assert "/submit" in hw and "At 3 missed in a row, the admins may remove you" in hw
    assert "Ian, a note from Study Group:" in silent and "Rule “inactivity”" in silent
    assert "/checkin" in silent and "Olga" not in hw + silent


def without_direct_messages(rt):
    """The console as a platform without DMs (DingTalk or WeCom with only a group robot)."""
    rt.adapter("console").direct_messages = False
    return rt


def test_without_direct_messages_each_warning_is_a_mention_in_the_group():
    store = make_store()
    rt, sent = runtime(store, RUN_AT)
    run_job(without_direct_messages(rt), "monthly-report", "c1", RUN_AT)
    assert [(m.kind, m.chat_id) for m in sent] == [
        ("message", "admins-1"),
        ("message", "chat-1"),
        ("message", "chat-1"),
    ]
    _report, hw, silent = (m.text for m in sent)
    assert "Rule “missed homework”" in hw and "/submit" in hw and hw.endswith("@Hana")
    assert "At 3 missed in a row, the admins may remove you" in hw
    assert "Rule “inactivity”" in silent and "/checkin" in silent and silent.endswith("@Ian")
    assert "Olga" not in hw + silent  # candidates are for the admins, not the group


def test_warnings_speak_the_communitys_language():
    store = make_store(locale="zh-CN")
    rt, sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert "规则「缺交作业」" in sent[1].text and "交作业" in sent[1].text
    assert "月度报告" in sent[0].text


def test_applying_stores_the_report_and_the_warnings_once():
    store = make_store()
    rt, sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    # the warning is an item of its own (WRN#ian), read with the member as /standing does
    ian = member_counters(store.table, "c1", store.get_member("c1", "ian"))
    assert (ian.warned_rule, ian.warned_at) == ("silent", date(2026, 12, 1))
    assert store.get_member("c1", "ian").warned_rule is None  # the member item: untouched
    assert store.get_member("c1", "olga").status is MemberStatus.ACTIVE  # not removed
    stored = reports.load_report(store.table, "c1", "2026-11")
    assert stored is not None and len(stored.rows) == 8
    assert run_job(rt, "monthly-report", "c1", RUN_AT).status == "already-done"
    count = len(sent)
    replay = run_job(rt, "monthly-report", "c1", RUN_AT, force=True)
    assert replay.status == "sent" and len(sent) == count + 1  # the report; nobody warned twice
    assert replay.summary["warned"] == 0 and replay.summary["candidates"] == 1


def test_a_dry_run_sends_and_stores_nothing():
    store = make_store()
    rt, sent = runtime(store, RUN_AT)
    result = run_job(rt, "monthly-report", "c1", RUN_AT, dry_run=True)
    assert result.status == "dry-run" and "Removal candidates (1)" in result.parts[0]
    assert sent == [] and reports.latest_header(store.table, "c1") is None
    assert member_counters(store.table, "c1", store.get_member("c1", "ian")).warned_rule is None


def test_without_an_admin_chat_each_admin_gets_the_report_privately():
    store = make_store(admin_chat_id=None)
    rt, sent = runtime(store, RUN_AT)
    result = run_job(rt, "monthly-report", "c1", RUN_AT)
    assert result.summary["report_to"] == "admins"
    assert [(m.kind, m.user_id) for m in sent] == [
        ("direct", "owner"),
        ("direct", "hana"),
        ("direct", "ian"),
    ]
    assert "monthly report" in sent[0].text and "Olga (inactivity)" in sent[0].text
    assert all(m.kind == "direct" for m in sent)  # nothing in the group
    latest = reports.latest_header(store.table, "c1")
    assert latest is not None and latest.month == "2026-11"


def test_without_an_admin_chat_or_dms_the_group_hears_only_that_the_report_is_ready():
    store = make_store(admin_chat_id=None)
    rt, sent = runtime(store, RUN_AT)
    run_job(without_direct_messages(rt), "monthly-report", "c1", RUN_AT)
    assert [m.chat_id for m in sent] == ["chat-1", "chat-1", "chat-1"]  # warnings, note
    assert sent[-1].text == (
        "📊 The activity report for 2026-11 is ready. Admins: send /report to read it."
    )
    assert all("monthly report" not in m.text and "Olga" not in m.text for m in sent)


def test_the_report_goes_to_the_group_only_when_configured():
    store = make_store(admin_chat_id=None, report_to_group=True)
    rt, sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert sent[0].chat_id == "chat-1" and "monthly report" in sent[0].text


def test_next_months_report_shows_the_change_and_who_came_back():
    store = make_store()
    rt, _ = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    december = {
        "quinn": date(2026, 12, 30),  # back
        "amy": date(2026, 12, 15),  # gone quiet
        "hana": date(2026, 12, 28),
        "nina": date(2026, 12, 31),  # no longer new
    }
    for user, last in december.items():
        store.save_member(replace(store.get_member("c1", user), last_active=last))
    rt, sent = runtime(store, NEXT_RUN_AT)
    result = run_job(rt, "monthly-report", "c1", NEXT_RUN_AT)
    assert result.period == "2026-12"
    text = sent[0].text
    assert "active 3 (+1), quiet 2 (+1), inactive 3 (±0), new 0 (−1), on leave 0 (−1)" in text
    assert "Came back (1): Quinn" in text
    assert "Newly quiet (2): Amy, Leo" in text  # Leo's leave ended on 10 December
    # Ian was warned in November.
    assert "Removal candidates (2): Ian (inactivity), Olga (inactivity)" in text
    assert "first report" not in text


def test_the_csv_has_every_member_and_matches_the_message():
    """Same report, two forms: every count, warning and candidate in the message can be
    found in the CSV."""
    store = make_store()
    rt, sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    stored = reports.load_report(store.table, "c1", "2026-11")
    rows = list(csv.DictReader(io.StringIO(report_csv(stored.rows))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r["user_id"] for r in rows} == {m.user_id for m in roster()} - {"lefty"}
    message = sent[0].text
    for tier, label in (("active", "active"), ("quiet", "quiet"), ("on_leave", "on leave")):
        count = sum(1 for r in rows if r["tier"] == tier)
        assert f"{label} {count}" in message
    candidates = [(r["name"], r["candidate_rule"]) for r in rows if r["candidate_rule"]]
    assert candidates == [("Olga", "silent")]
    assert f"Removal candidates ({len(candidates)}): Olga (inactivity)" in message
    # The CSV keeps the rule's id (machine-readable); the message says the rule's name.
    for name, rule, label in (
        ("Hana", "hw-missed", "missed homework"),
        ("Ian", "silent", "inactivity"),
    ):
        row = next(r for r in rows if r["name"] == name)
        assert row["warned_rule"] == rule and f"{name} ({label})" in message
    amy = next(r for r in rows if r["user_id"] == "amy")
    assert (amy["checkins"], amy["last_active"], amy["tier"]) == ("30", "2026-11-30", "active")
    hana = next(r for r in rows if r["user_id"] == "hana")
    assert hana["homework_missed_in_a_row"] == "2"


# -- removal ------------------------------------------------------------------------------------


def test_removal_requires_an_admins_confirmation_and_is_recorded():
    store = make_store()
    rt, _ = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert store.get_member("c1", "olga").status is MemberStatus.ACTIVE
    assert reports.removals(store.table, "c1") == []
    later = RUN_AT + timedelta(days=2)
    remover = Remover()
    outcome = confirm_removals(
        store, store.get_community("c1"), "2026-11", "owner", later, adapter=remover
    )
    assert [n.user_id for n in outcome.removed] == ["olga"] and outcome.by_hand == []
    assert remover.calls == [("chat-1", "olga")]
    olga = store.get_member("c1", "olga")
    assert olga.status is MemberStatus.REMOVED and olga.last_active == date(2026, 9, 1)
    [record] = reports.removals(store.table, "c1")
    assert record["user_id"] == "olga" and record["rule"] == "silent"
    assert record["report"] == "2026-11" and record["confirmed_by"] == "owner"
    assert record["at"] == later.isoformat() and record["platform"] == "removed"
    header = reports.report_header(store.table, "c1", "2026-11")
    assert header.confirmed_by == "owner"
    assert "Removals confirmed by owner" in compose_report(store.get_community("c1"), header).text
    again = confirm_removals(store, store.get_community("c1"), "2026-11", "owner", later)
    assert again.removed == [] and [why for _, why in again.kept] == ["gone"]
    assert len(reports.removals(store.table, "c1")) == 1


def test_platforms_without_removal_ask_the_admin_to_remove_by_hand():
    store = make_store()
    rt, _ = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    community_ = store.get_community("c1")
    outcome = confirm_removals(store, community_, "2026-11", "owner", RUN_AT, adapter=object())
    assert [n.name for n in outcome.by_hand] == ["Olga"]
    assert reports.removals(store.table, "c1")[0]["platform"] == "by_hand"
    assert "Please remove them from the chat by hand" in describe_outcome(community_, outcome)


def test_a_platform_refusal_is_recorded_and_left_to_the_admin():
    store = make_store()
    rt, _ = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    outcome = confirm_removals(
        store, store.get_community("c1"), "2026-11", "owner", RUN_AT, adapter=Remover(False)
    )
    assert [n.name for n in outcome.by_hand] == ["Olga"]
    assert reports.removals(store.table, "c1")[0]["platform"] == "failed"


def test_a_candidate_who_came_back_before_the_confirmation_is_kept():
    store = make_store()
    rt, _ = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    store.note_member("c1", "olga", "Olga", username=None, today=date(2026, 12, 2))
    outcome = confirm_removals(
        store, store.get_community("c1"), "2026-11", "owner", RUN_AT + timedelta(days=1)
    )
    assert outcome.removed == [] and [(n.name, why) for n, why in outcome.kept] == [
        ("Olga", "back")
    ]
    assert store.get_member("c1", "olga").status is MemberStatus.ACTIVE
    assert reports.removals(store.table, "c1") == []


def test_removal_is_off_by_default_and_refused_with_the_way_to_turn_it_on():
    store = make_store(removal_enabled=False)
    rt, sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert "Removal is off for this community" in sent[0].text
    assert "may remove you" not in sent[1].text
    with pytest.raises(RemovalOff, match="--removal on"):
        confirm_removals(store, store.get_community("c1"), "2026-11", "owner", RUN_AT)
    assert store.get_member("c1", "olga").status is MemberStatus.ACTIVE


def test_confirming_an_unknown_report_is_refused():
    store = make_store()
    with pytest.raises(NotFound, match="no report 2026-10"):
        confirm_removals(store, store.get_community("c1"), "2026-10", "owner", RUN_AT)


def test_a_month_that_has_not_begun_is_refused():
    store = make_store()
    with pytest.raises(ValueError, match="like 2026-10"):
        plan_monthly_report(store, store.get_community("c1"), RUN_AT, period="2026-12-01")
    with pytest.raises(ValueError, match="has not begun"):
        plan_monthly_report(store, store.get_community("c1"), RUN_AT, period="2027-01")


# -- cost ---------------------------------------------------------------------------------------


def _scale_community(store: Store, size: int) -> str:
    """``size`` members, all active but five long silent (so warnings are a constant)."""
    cid = f"c{size}"
    store.create_community(community(id=cid, chat_id=f"chat-{size}", admin_chat_id="admins"))
    active = date(2026, 11, 28)
    store.bulk_save_members(
        member(
            f"m{n:05d}",
            community_id=cid,
            squad=f"s{n % 40}",
            last_active=date(2026, 9, 1) if n < 5 else active,
        )
        for n in range(size)
    )
    return cid


@pytest.mark.slow
def test_report_requests_do_not_grow_per_member(dynamo_table, requests_made):
    """1,000 and 10,000 members cost the same requests but for 1 MB pages of the roster
    and ~300 KB row items: no request per member, no Scan. (Slow: ~20 s, nearly all of it
    moto serialising the 10,000-item roster Query; the report itself is pure.)"""
    store = Store(dynamo_table)
    counts = {}
    for size in (1_000, 10_000):
        cid = _scale_community(store, size)
        rt, _ = runtime(store, RUN_AT)
        requests_made.reset()
        result = run_job(rt, "monthly-report", cid, RUN_AT)
        assert result.status == "sent" and result.summary["warned"] == 5
        assert sum(result.summary["counts"].values()) == size
        counts[size] = dict(requests_made.counts)
    small, large = counts[1_000], counts[10_000]
    assert "Scan" not in large
    paged = ("Query", "BatchWriteItem")
    assert {k: v for k, v in small.items() if k not in paged} == {
        k: v for k, v in large.items() if k not in paged
    }
    assert large["Query"] <= small["Query"] + 6  # the roster's extra pages
    # ~4 row items of ~300 KB, one batch
    assert large["BatchWriteItem"] == 1
    # community + last month's header + the month's stars item; claim, the report's part,
    # finish, report header, one checkpoint of the 5 warnings' DMs; then the 5 warnings, one
    # UpdateItem per warnings bucket they fall in (issue 19: WRN$<bb>, never one per member)
    buckets = {keys.member_bucket(f"m{n:05d}", keys.WARNING_BUCKETS) for n in range(5)}
    assert large["GetItem"] == 3 and large["UpdateItem"] == 3 + 1 + 1 + len(buckets)
    stored = reports.load_report(store.table, "c10000", "2026-11")
    assert len(stored.rows) == 10_000 and stored.summary.parts >= 2


def test_on_a_platform_that_hides_leaves_the_report_says_so_in_one_sentence():
    """Issue 21: where leaving cannot be seen (DingTalk, WeCom), the report says leavers stay
    listed until removed by hand; elsewhere it says nothing of the kind."""
    store = make_store()
    c = store.get_community("c1")
    summary = build_monthly_report(store, c, "2026-11", RUN_AT).summary
    assert "cannot see who left" not in compose_report(c, summary).text
    text = compose_report(c.with_changes(platform="dingtalk"), summary).text
    assert "DingTalk shows rollcall no member list, so it cannot see who left the group" in text
    zh = compose_report(c.with_changes(platform="wecom", locale="zh-CN"), summary).text
    assert "企业微信 不向 rollcall 提供群成员名单" in zh
    # A group whose list the app reads (a WeCom customer group, a DingTalk scene group)
    # sees leavers: the report says nothing of the kind there.
    for platform, kind in (("wecom", "customer"), ("wecom", "app"), ("dingtalk", "scene")):
        listed = c.with_changes(platform=platform, group_kind=kind)
        assert "cannot see who left" not in compose_report(listed, summary).text


class ReadLog(MemoryTable):
    """The in-memory table, noting each Query's start and whether it was consistent."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[str, bool]] = []

    def query(self, pk, **kwargs):
        start = kwargs.get("prefix") or kwargs.get("start") or ""
        self.reads.append((start, bool(kwargs.get("consistent"))))
        return super().query(pk, **kwargs)


def test_the_report_reads_counters_eventually_consistent_the_strikes_and_digest_strongly():
    """Issue 19: the report writes no counters, so it reads them eventually consistently
    (half the read units); the strikes they point at strongly (a close writes counters
    before strikes: a stale strikes read with fresh counters would see a strike cleared);
    the digest, which writes counters from its read and must see a first attempt's writes
    on replay, reads both strongly."""
    from chalicelib.store.homework import recorded_counters

    table = ReadLog()
    store = Store(table)
    store.create_community(
        community(admin_chat_id="admins-1", cycle_anchor=date(2026, 11, 2), paused_cycles=(2,))
    )
    store.bulk_save_members(roster())
    seed(store)
    rt, _sent = runtime(store, RUN_AT)
    assert run_job(rt, "monthly-report", "c1", RUN_AT).status == "sent"
    counters = [strong for start, strong in table.reads if start == keys.COUNTERS_RANGE[0]]
    assert counters == [False], table.reads
    # a member whose counters say their last close struck them: that cycle's strikes are
    # read (has the strike been cleared since?), strongly even for the report
    table.put(
        {
            "pk": keys.community_pk("c1"),
            "sk": keys.counters_bucket_sk(keys.member_bucket("dan", keys.COUNTER_BUCKETS)),
            "kind": keys.COUNTERS_BUCKET_KIND,
            "counters": {"dan": {"s": 1, "r": 1, "t": "C0003", "k": True}},
        }
    )
    table.reads.clear()
    recorded_counters(table, "c1", consistent=False)  # the report's read
    assert table.reads == [(keys.COUNTERS_RANGE[0], False), ("HWS#C0003#", True)], table.reads
    table.reads.clear()
    recorded_counters(table, "c1")  # the digest's read
    assert table.reads and all(strong for _start, strong in table.reads), table.reads


def test_the_candidates_are_read_strongly_consistent_before_a_removal(dynamo_table, dynamo_client):
    """The confirmation's read of the candidates decides a removal: on DynamoDB it is
    strongly consistent, so a /standing clear or a late submission's cleared strike a moment
    before is seen (the in-memory table cannot show a stale read; the request can)."""
    memory = make_store()
    rt, _ = runtime(memory, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    for item in memory.table.all_items():
        dynamo_table.put(item)
    store = Store(dynamo_table)
    reads: list[bool] = []

    def note(params, **_):
        reads.extend(bool(r.get("ConsistentRead")) for r in params["RequestItems"].values())

    dynamo_client.meta.events.register("provide-client-params.dynamodb.BatchGetItem", note)
    later = RUN_AT + timedelta(days=2)
    outcome = confirm_removals(
        store, store.get_community("c1"), "2026-11", "owner", later, adapter=Remover()
    )
    assert [n.user_id for n in outcome.removed] == ["olga"]
    assert reads and all(reads)
    reads.clear()  # a struck candidate: the strikes their counters point at, read again
    from chalicelib.features.reports import _candidates_now

    counters = {"user_id": "hana", "strikes": 2, "missed_in_a_row": 2, "through": "C0004"}
    counters["struck"] = True
    dynamo_table.put({"pk": "C#c1", "sk": keys.homework_counters_sk("hana"), **counters})
    _candidates_now(store.table, "c1", ["hana"])
    assert len(reads) == 2 and all(reads)
