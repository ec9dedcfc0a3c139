"""Strikes and homework counters outside the member item, packed (issue #19, the write shape).

A digest writes a cycle's strikes into bucket items (``HWS#<cycle>$<bb>``, a map member ->
misses in a row) and everyone's counters into bucket items (``HWM$<bb>``), a member's
bucket a hash of their id, whole, in batches of 25; never an UpdateItem per member. What
these tests pin: what it costs, that a replay counts nothing twice, that a member's own
action between the digest's reads and its writes (late work, a check-in) is never undone,
that a late clear clears once, and that the older shapes (per-member records ``HWS#<cycle>#
<member>`` and counters items ``HWM#<member>``, counters on the member item) still count.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.homework import StrikeChange, Work
from chalicelib.inbound import handle_event
from chalicelib.jobs.runner import CHECKPOINT_PARTS, run_job
from chalicelib.jobs.send_weekly_digests import plan_weekly_digest
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store import keys
from chalicelib.store.homework import (
    bulk_record_strikes,
    delete_strike,
    member_counters,
    recorded_counters,
    save_submission,
    struck_in,
)
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

# Cycle 3 of a Shanghai community anchored on Monday 2026-11-02 is due Sunday 22 November,
# 23:59 local (15:59 UTC); its digest runs an hour later.
DEADLINE_3 = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)
DIGEST_3 = DEADLINE_3 + timedelta(hours=1)
DIGEST_4 = DIGEST_3 + timedelta(days=7)


def hand_in(store: Store, user: str, cycle: str, at: datetime, *, late: bool = False) -> None:
    save_submission(
        store.table,
        "c1",
        cycle,
        user,
        name=user.title(),
        work=Work(f"https://example.com/{user}/{cycle}", ""),
        at=at,
        late=late,
        previous=store.table.get("C#c1", keys.submission_sk(cycle, user)),
    )


def counters(store: Store, user: str) -> tuple[int, int]:
    found = store.get_member("c1", user)
    assert found is not None
    now = member_counters(store.table, "c1", found)
    return now.strikes, now.missed_in_a_row


def small_world(table=None) -> Store:
    store = Store(table or MemoryTable())
    store.create_community(community(cycle_anchor=date(2026, 11, 2)))
    store.bulk_save_members([member("ann"), member("dan"), member("kim")])
    hand_in(store, "ann", "C0003", DEADLINE_3 - timedelta(hours=3))
    return store


def buckets(store: Store, cycle: str) -> list[dict]:
    """The packed items: every counters bucket and the cycle's strike buckets."""
    return [
        item
        for prefix in (keys.HOMEWORK_COUNTERS_BUCKET_PREFIX, f"HWS#{cycle}$")
        for item in store.table.query("C#c1", prefix=prefix)
    ]


# -- cost -----------------------------------------------------------------------------------


def test_a_1000_member_digest_with_300_struck_writes_in_batches(dynamo_table, requests_made):
    """1,000 members, 700 hand in, 300 are struck: the strikes and counters are 24 batches,
    and no request is made per struck member. Before this shape: 300 UpdateItems."""
    store = Store(dynamo_table)
    store.create_community(community(cycle_anchor=date(2026, 11, 2)))
    store.bulk_save_members(member(f"m{n:04d}") for n in range(1000))
    at = (DEADLINE_3 - timedelta(hours=2)).isoformat()
    store.table.batch_put(
        {
            "pk": "C#c1",
            "sk": keys.submission_sk("C0003", f"m{n:04d}"),
            "kind": "submission",
            "cycle": "C0003",
            "user_id": f"m{n:04d}",
            "name": f"M{n:04d}",
            "link": f"https://example.com/{n}",
            "submitted_at": at,
            "late": False,
            "versions": 1,
        }
        for n in range(300, 1000)
    )
    rt, sent = runtime(store, DIGEST_3)
    requests_made.reset()
    result = run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert result.status == "sent" and result.summary["missing"] == 300
    counts = dict(requests_made.counts)
    group = sum(1 for m in sent if m.kind == "message")
    dms = len(sent) - group
    # 700 assignments packed in 16 bucket items (one batch), then the counters buckets, then
    # the strike buckets (after them, never in the same batch: the order is the replay's
    # argument), whole: 25 to a batch. Before they were packed: 700 assignment items, 300
    # counters items and 300 strike records, 52 batches.
    packed = buckets(store, "C0003")
    assert len(packed) == keys.COUNTER_BUCKETS + keys.STRIKE_BUCKETS == 96
    assert counts["BatchWriteItem"] == 1 + -(-64 // 25) + -(-32 // 25) == 1 + 5
    # the run's claim, its parts, its DM checkpoints, its finish: nothing per member
    assert counts["UpdateItem"] == 2 + group + -(-dms // CHECKPOINT_PARTS)
    assert counts.get("PutItem", 0) == 1  # the close record
    # reads: a bounded number of Queries (roster and submissions are 1 MB pages)
    assert counts["Query"] <= 14
    writes_and_reads = sum(v for k, v in counts.items() if k != "UpdateItem")
    assert writes_and_reads <= 33 + 1 + 14 + 2
    assert counters(store, "m0000") == (1, 1)
    assert counters(store, "m0300") == (0, 0)


# -- exactly once ---------------------------------------------------------------------------


def test_a_replay_counts_no_strike_twice_and_a_second_cycle_adds_to_the_first():
    store = small_world()
    rt, _sent = runtime(store, DIGEST_3)
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert run_job(rt, "weekly-digest", "c1", DIGEST_3, force=True).status == "sent"
    assert counters(store, "dan") == (1, 1)
    hand_in(store, "ann", "C0004", DIGEST_4 - timedelta(days=1))
    run_job(rt, "weekly-digest", "c1", DIGEST_4)
    run_job(rt, "weekly-digest", "c1", DIGEST_4, force=True)
    assert counters(store, "dan") == (2, 2)
    assert counters(store, "ann") == (0, 0)


def test_a_crash_between_counters_and_records_is_repaired_by_the_replay():
    """Counters are written before the strikes: a replay finding counters through this
    cycle but no strike writes the strike, and counts nothing again."""
    store = small_world()
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    for item in store.table.query("C#c1", prefix="HWS#C0003$"):  # the crash lost them all
        store.table.delete("C#c1", item["sk"])
    assert struck_in(store.table, "c1", "C0003") == set()
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    assert struck_in(store.table, "c1", "C0003") == {"dan", "kim"}
    assert counters(store, "dan") == (1, 1)


def test_a_crash_after_the_counters_then_late_work_then_the_replay_strikes_nobody():
    """The crash left dan's counters through C0003 (struck) and no strike entry; his late
    work cannot clear what is not there, but the replay reads it and writes no strike:
    his counters read as cleared (the strike they point at is gone)."""
    store = small_world()
    plan = plan_weekly_digest(store, store.get_community("c1"), DIGEST_3)
    plan.apply()
    for item in store.table.query("C#c1", prefix="HWS#C0003$"):
        store.table.delete("C#c1", item["sk"])
    hand_in(store, "dan", "C0003", DIGEST_3 + timedelta(hours=2), late=True)
    assert not delete_strike(store.table, "c1", "C0003", "dan")
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    assert struck_in(store.table, "c1", "C0003") == {"kim"}
    assert counters(store, "dan") == (0, 0)
    assert counters(store, "kim") == (1, 1)


def test_a_replay_adds_to_a_bucket_that_exists_without_rewriting_it(table, requests_made):
    """dan and kim share a strike bucket; dan clears his strike with late work; pal joins
    the roster (expected, not new) and a replay strikes him into that same bucket: it sets
    pal's entry alone, so dan's clear and kim's strike both stand."""
    bucket = keys.member_bucket("dan", keys.STRIKE_BUCKETS)
    mates = [u for u in (f"m{n}" for n in range(2000)) if keys.member_bucket(u, 32) == bucket]
    kim, pal = mates[:2]
    store = Store(table)
    store.create_community(community(cycle_anchor=date(2026, 11, 2)))
    store.bulk_save_members([member("ann"), member("dan"), member(kim)])
    hand_in(store, "ann", "C0003", DEADLINE_3 - timedelta(hours=3))
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    assert struck_in(store.table, "c1", "C0003") == {"dan", kim}
    hand_in(store, "dan", "C0003", DIGEST_3 + timedelta(hours=2), late=True)
    assert delete_strike(store.table, "c1", "C0003", "dan")
    store.bulk_save_members([member(pal)])
    requests_made.reset()
    if isinstance(table, MemoryTable):
        table.requests.clear()
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    updates = table.requests if isinstance(table, MemoryTable) else requests_made.counts
    assert updates["UpdateItem"] == 1  # pal's entry set in the bucket
    assert struck_in(store.table, "c1", "C0003") == {kim, pal}
    assert counters(store, "dan") == (0, 0)
    assert counters(store, kim) == (1, 1) and counters(store, pal) == (1, 1)


# -- a member's action is never undone -------------------------------------------------------


class LateWorkBetweenReads:
    """A table that, once armed, on the first read of cycle C0003's submissions (the plan's:
    the one the close decides on) lets dan hand in late and clear his strike (as /submit
    does: the work is saved, then the strike deleted) right after it is answered, before the
    close reads the strikes: the tightest interleaving there is."""

    def __init__(self, inner: MemoryTable, store: Store) -> None:
        self.inner, self.store, self.armed = inner, store, False

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def query(self, pk: str, **kw):
        prefix = kw.get("prefix") or ""
        if self.armed and prefix in ("HWS#C0003#", "HW#C0003#"):
            self.armed = False
            answer = list(self.inner.query(pk, **kw))
            hand_in(self.store, "dan", "C0003", DIGEST_3 + timedelta(hours=2), late=True)
            delete_strike(self.inner, "c1", "C0003", "dan")
            return iter(answer)
        return self.inner.query(pk, **kw)


def test_late_work_between_the_replays_reads_keeps_its_cleared_strike():
    """The first run struck dan; a replay starts; between its reads (the plan's of the
    submissions, then the strikes and counters: the tightest point is right after the first)
    and its writes dan hands in late and his strike's entry is removed. The replay writes it
    back at most until its re-read of the submissions: dan ends with no strike."""
    inner = MemoryTable()
    store = small_world(inner)
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    assert counters(store, "dan") == (1, 1)
    table = LateWorkBetweenReads(inner, store)
    replay_store = Store(table)
    table.armed = True
    plan = plan_weekly_digest(replay_store, replay_store.get_community("c1"), DIGEST_3)
    plan.apply()
    assert not table.armed  # the late work did land between the reads
    assert struck_in(inner, "c1", "C0003") == {"kim"}
    assert counters(store, "dan") == (0, 0)


class LateWorkBeforeItsStrike(LateWorkBetweenReads):
    """On the first digest's read of cycle C0003's submissions, dan hands in late and his
    /submit finds no strike to clear (the digest has not written it yet)."""

    def query(self, pk: str, **kw):
        if self.armed and kw.get("prefix") == "HW#C0003#":
            self.armed = False
            answer = list(self.inner.query(pk, **kw))
            hand_in(self.store, "dan", "C0003", DIGEST_3 + timedelta(seconds=30), late=True)
            assert not delete_strike(self.inner, "c1", "C0003", "dan")  # nothing to clear yet
            return iter(answer)
        return self.inner.query(pk, **kw)


def test_late_work_after_the_digests_read_and_before_its_strike_is_cleared_by_the_digest():
    """The first digest reads the submissions; dan's late work lands right after, and his
    /submit finds no strike to clear; then the digest writes his strike. Its read of the
    submissions after the write clears it: late work never keeps a strike."""
    inner = MemoryTable()
    store = small_world(inner)
    table = LateWorkBeforeItsStrike(inner, store)
    racing = Store(table)
    table.armed = True
    plan = plan_weekly_digest(racing, racing.get_community("c1"), DIGEST_3)
    plan.apply()
    assert not table.armed  # the late work did land between the read and the write
    assert struck_in(inner, "c1", "C0003") == {"kim"}
    assert counters(store, "dan") == (0, 0)
    assert counters(store, "kim") == (1, 1)


class StaleReads:
    """Eventually consistent reads that lag: once ``lag()`` is called, a Query not asked to
    be strongly consistent answers from a copy of the table as it was then."""

    def __init__(self, inner: MemoryTable) -> None:
        self.inner, self.behind = inner, None
        self.reads: list[tuple[str, bool]] = []  # (prefix, strongly consistent) of each Query

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def lag(self) -> None:
        self.behind = MemoryTable()
        self.behind._items = copy.deepcopy(self.inner._items)

    def query(self, pk: str, **kw):
        self.reads.append((kw.get("prefix") or kw.get("start") or "", bool(kw.get("consistent"))))
        if self.behind is not None and not kw.get("consistent"):
            return self.behind.query(pk, **kw)
        return self.inner.query(pk, **kw)


def test_work_a_stale_plan_read_missed_keeps_no_strike():
    """The plan reads the submissions eventually consistently (half the units) and that
    read lags: dan's late work, saved before the digest, is not in it, so the close strikes
    him. Its strongly consistent re-read after the write sees the work and clears the
    strike: a stale read never costs a member a strike (with the re-read eventually
    consistent too, it would)."""
    inner = MemoryTable()
    store = small_world(inner)
    stale = StaleReads(inner)
    stale.lag()
    hand_in(store, "dan", "C0003", DIGEST_3 - timedelta(minutes=10), late=True)
    assert not delete_strike(inner, "c1", "C0003", "dan")  # nothing to clear yet
    lagging = Store(stale)
    plan = plan_weekly_digest(lagging, lagging.get_community("c1"), DIGEST_3)
    assert plan.summary["missing"] == 2  # the stale read did miss dan's work
    plan.apply()
    assert struck_in(inner, "c1", "C0003") == {"kim"}
    assert counters(store, "dan") == (0, 0)
    assert counters(store, "kim") == (1, 1)


def test_the_digest_reads_the_cycles_submissions_once_each_way():
    """The units' budget: the cycle's submissions are read twice, once eventually consistent
    (the plan) and once strongly consistent, after the strike writes; once only (the plan's)
    when the close strikes nobody and nobody held a strike."""
    stale = StaleReads(MemoryTable())
    store = small_world(stale.inner)
    plan_weekly_digest(Store(stale), store.get_community("c1"), DIGEST_3).apply()
    assert [r for r in stale.reads if r[0] == "HW#C0003#"] == [
        ("HW#C0003#", False),
        ("HW#C0003#", True),
    ]
    # the previous cycle's work: once, eventually consistent
    assert [r for r in stale.reads if r[0] == "HW#C0002#"] == [("HW#C0002#", False)]
    stale = StaleReads(MemoryTable())
    store = small_world(stale.inner)
    hand_in(store, "dan", "C0003", DEADLINE_3 - timedelta(hours=1))
    hand_in(store, "kim", "C0003", DEADLINE_3 - timedelta(hours=1))
    plan_weekly_digest(Store(stale), store.get_community("c1"), DIGEST_3).apply()
    assert [r for r in stale.reads if r[0] == "HW#C0003#"] == [("HW#C0003#", False)]


class CrashBeforeTheReRead(LateWorkBetweenReads):
    """The close's strongly consistent re-read of C0003's submissions (after the strike
    writes) fails once, as a crash there would: the strikes stand, unchecked."""

    def query(self, pk: str, **kw):
        if self.armed and kw.get("prefix") == "HW#C0003#" and kw.get("consistent"):
            self.armed = False
            raise RuntimeError("crashed after the strike writes")
        return self.inner.query(pk, **kw)


def test_a_replay_after_a_crash_before_the_re_read_clears_the_strike_of_late_work():
    """dan hands in between the plan's read and the strike write (his /submit finds no
    strike to clear), and the run crashes before its re-read: dan holds a strike with his
    work stored. The replay's re-read clears every strike it finds work for, those it read
    as already written too, not only the ones it wrote: dan ends with no strike."""
    inner = MemoryTable()
    store = small_world(inner)
    table = CrashBeforeTheReRead(inner, store)
    racing = Store(table)
    plan = plan_weekly_digest(racing, racing.get_community("c1"), DIGEST_3)
    hand_in(store, "dan", "C0003", DIGEST_3 + timedelta(seconds=30), late=True)
    assert not delete_strike(inner, "c1", "C0003", "dan")  # nothing to clear yet
    table.armed = True
    with pytest.raises(RuntimeError):
        plan.apply()
    assert struck_in(inner, "c1", "C0003") == {"dan", "kim"}  # the crash left it
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()  # the replay
    assert struck_in(inner, "c1", "C0003") == {"kim"}
    assert counters(store, "dan") == (0, 0)
    assert counters(store, "kim") == (1, 1)


def test_late_work_between_the_plan_and_its_apply_earns_no_strike():
    store = small_world()
    plan = plan_weekly_digest(store, store.get_community("c1"), DIGEST_3)
    hand_in(store, "dan", "C0003", DIGEST_3 + timedelta(seconds=5), late=True)
    plan.apply()
    assert counters(store, "dan") == (0, 0)
    assert counters(store, "kim") == (1, 1)


def test_a_check_in_between_the_plan_and_its_apply_is_kept():
    """The digest writes nothing to the member item, so a check-in's counters stand."""
    store = small_world()
    rt, _sent = runtime(store, DIGEST_3)
    plan = plan_weekly_digest(store, store.get_community("c1"), DIGEST_3)
    event = InboundEvent("message", "console", "chat-1", Sender("kim", "Kim"), "/checkin")
    handle_event(rt, event, DIGEST_3 + timedelta(minutes=1))
    assert store.get_member("c1", "kim").checkins == 1
    plan.apply()
    after = store.get_member("c1", "kim")
    assert after.checkins == 1 and after.last_checkin == date(2026, 11, 23)
    assert counters(store, "kim") == (1, 1)


def test_a_late_clear_clears_once_and_only_a_strike_that_stands(table):
    """The clear is a REMOVE conditional on the member's entry: the second clear, and a
    clear for a member never struck, clear nothing (and say nothing is cleared). On both
    tables: DynamoDB's own condition on a map entry."""
    store = small_world(table)
    rt, _sent = runtime(store, DIGEST_3)
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert not delete_strike(store.table, "c1", "C0003", "ann")  # handed in: no strike
    assert delete_strike(store.table, "c1", "C0003", "dan")
    assert not delete_strike(store.table, "c1", "C0003", "dan")
    assert struck_in(store.table, "c1", "C0003") == {"kim"}
    assert counters(store, "dan") == (0, 0) and counters(store, "kim") == (1, 1)


def test_a_late_clear_after_the_digest_is_read_as_cleared_and_folded_by_the_next():
    store = small_world()
    rt, _sent = runtime(store, DIGEST_3)
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    hand_in(store, "dan", "C0003", DIGEST_3 + timedelta(hours=3), late=True)
    assert delete_strike(store.table, "c1", "C0003", "dan")
    assert counters(store, "dan") == (0, 0)
    run_job(rt, "weekly-digest", "c1", DIGEST_3, force=True)
    assert counters(store, "dan") == (0, 0)
    run_job(rt, "weekly-digest", "c1", DIGEST_4)  # misses C0004: one strike, one in a row
    assert counters(store, "dan") == (1, 1)


# -- the older shape ------------------------------------------------------------------------


def test_counters_on_the_member_item_from_before_still_count():
    """Counters written on the member item before this shape are the base of the first
    close that records counters of its own; until then they are what readers show."""
    store = small_world()
    store.table.update("C#c1", "M#dan", set={"strikes": 4, "missed_in_a_row": 2})
    assert counters(store, "dan") == (4, 2)
    rt, _sent = runtime(store, DIGEST_3)
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert counters(store, "dan") == (5, 3)


def test_a_strike_recorded_by_the_older_shape_is_not_counted_again():
    """The older shape wrote the record and counted it on the member item: a replay of
    that close under this shape leaves both alone."""
    store = small_world()
    store.table.update("C#c1", "M#dan", set={"strikes": 1, "missed_in_a_row": 1})
    bulk_record_strikes(store.table, "c1", "C0003", [StrikeChange("dan", 1, 1)], DIGEST_3)
    rt, _sent = runtime(store, DIGEST_3)
    run_job(rt, "weekly-digest", "c1", DIGEST_3, force=True)
    assert counters(store, "dan") == (1, 1)
    assert store.table.get("C#c1", keys.homework_counters_sk("dan")) is None
    recorded, _cleared = recorded_counters(store.table, "c1")
    assert "dan" not in recorded  # nor in a bucket: the member item still counts


def test_counters_and_a_strike_of_the_packed_items_predecessor_still_count_and_clear():
    """A community upgraded mid-run: C0003 closed under the per-member shape (its record
    ``HWS#C0003#dan`` and counters item ``HWM#dan``). Readers count them; dan's late work
    clears the older record, once; the next close (packed) builds on them, and leaves
    the older items as they were (never rewritten)."""
    store = small_world()
    older = {"pk": "C#c1", "kind": "hw-counters", "user_id": "dan", "through": "C0003"}
    store.table.put(
        {
            **older,
            "sk": "HWM#dan",
            "strikes": 3,
            "missed_in_a_row": 2,
            "struck": True,
            "at": "2026-11-22",
        }
    )
    store.table.put(
        {
            **older,
            "sk": "HWM#kim",
            "user_id": "kim",
            "strikes": 2,
            "missed_in_a_row": 1,
            "struck": True,
            "at": "2026-11-22",
        }
    )
    bulk_record_strikes(
        store.table, "c1", "C0003", [StrikeChange("dan", 1, 2), StrikeChange("kim", 1, 1)], DIGEST_3
    )
    assert counters(store, "dan") == (3, 2) and counters(store, "kim") == (2, 1)
    hand_in(store, "dan", "C0003", DIGEST_3 + timedelta(hours=2), late=True)
    assert delete_strike(store.table, "c1", "C0003", "dan")
    assert not delete_strike(store.table, "c1", "C0003", "dan")
    assert counters(store, "dan") == (2, 0)
    before = {i["sk"]: i for i in store.table.all_items() if i["sk"].startswith("HWM#")}
    rt, _sent = runtime(store, DIGEST_4)
    run_job(rt, "weekly-digest", "c1", DIGEST_4)  # C0004: ann handed in nothing either
    assert counters(store, "dan") == (3, 1) and counters(store, "kim") == (3, 2)
    assert struck_in(store.table, "c1", "C0004") == {"ann", "dan", "kim"}
    after = {i["sk"]: i for i in store.table.all_items() if i["sk"].startswith("HWM#")}
    assert after == before


def test_the_monthly_report_counts_strikes_of_both_shapes():
    """November's homework rate: C0003's strikes as older records, C0004's packed."""
    from chalicelib.features.reports import build_monthly_report

    store = small_world()
    bulk_record_strikes(
        store.table, "c1", "C0003", [StrikeChange("dan", 1, 1), StrikeChange("kim", 1, 1)], DIGEST_3
    )
    hand_in(store, "ann", "C0004", DIGEST_4 - timedelta(days=1))
    rt, _sent = runtime(store, DIGEST_4)
    run_job(rt, "weekly-digest", "c1", DIGEST_4)
    at = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    report = build_monthly_report(store, store.get_community("c1"), "2026-11", at)
    # handed in: ann twice; missed: dan and kim twice (C0001 and C0002 had no digest)
    assert report.summary.homework.done == 2
    assert report.summary.homework.expected == 6


# -- readers --------------------------------------------------------------------------------


def test_the_monthly_report_judges_missed_cycles_on_the_recorded_counters():
    """dan misses C0003 and C0004: two in a row, recorded outside his member item (which
    still says 0), and the report's "hw-missed" rule (warn at 2) warns him."""
    from chalicelib.features.reports import build_monthly_report

    store = small_world()
    rt, _sent = runtime(store, DIGEST_3)
    hand_in(store, "ann", "C0004", DIGEST_4 - timedelta(days=1))
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    run_job(rt, "weekly-digest", "c1", DIGEST_4)
    assert store.get_member("c1", "dan").missed_in_a_row == 0  # the member item: untouched
    at = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    report = build_monthly_report(store, store.get_community("c1"), "2026-11", at)
    rows = {row.user_id: row for row in report.rows}
    assert rows["dan"].missed_in_a_row == 2 and rows["dan"].warned_rule == "hw-missed"
    assert rows["ann"].missed_in_a_row == 0 and rows["ann"].warned_rule != "hw-missed"


def test_hw_and_standing_show_the_recorded_counters():
    """/hw and /standing read the counters the digests recorded (the member item says 0)."""
    store = small_world()
    rt, _sent = runtime(store, DIGEST_3)
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    at = DIGEST_3 + timedelta(hours=1)
    hw = _say(rt, "kim", "/hw", at)
    assert "Missed cycles: 1 (1 in a row)" in hw
    standing = _say(rt, "kim", "/standing", at)
    assert "Homework strikes: 1 (missed in a row: 1)" in standing


def _say(rt, user: str, text: str, at: datetime) -> str:
    event = InboundEvent("message", "console", "chat-1", Sender(user, user.title()), text)
    return "\n".join(m.text for m in handle_event(rt, event, at))


def test_the_report_reads_a_strike_whose_entry_is_gone_as_cleared():
    """dan misses C0003 and C0004, then hands C0004 in late: its entry is removed, so the
    report sees one strike and no run (no "hw-missed" warning), and /standing agrees."""
    from chalicelib.features.reports import build_monthly_report

    store = small_world()
    rt, _sent = runtime(store, DIGEST_3)
    hand_in(store, "ann", "C0004", DIGEST_4 - timedelta(days=1))
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    run_job(rt, "weekly-digest", "c1", DIGEST_4)
    assert counters(store, "dan") == (2, 2)
    hand_in(store, "dan", "C0004", DIGEST_4 + timedelta(hours=2), late=True)
    assert delete_strike(store.table, "c1", "C0004", "dan")
    at = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    report = build_monthly_report(store, store.get_community("c1"), "2026-11", at)
    rows = {row.user_id: row for row in report.rows}
    assert rows["dan"].missed_in_a_row == 0 and rows["dan"].warned_rule != "hw-missed"
    assert rows["kim"].missed_in_a_row == 2 and rows["kim"].warned_rule == "hw-missed"
    standing = _say(rt, "dan", "/standing", at)
    assert "Homework strikes: 1 (missed in a row: 0)" in standing
