"""Strikes and homework counters as items of their own (issue #19, the write shape).

A digest writes each strike's record (``HWS#<cycle>#<member>``) and the counters of each
member it changes (``HWM#<member>``) in batches of 25, never an UpdateItem per member: only
digests write those items, so a batch put undoes nobody's write. What these tests pin:
what it costs, that a replay counts nothing twice, that a member's own action between the
digest's reads and its writes (late work, a check-in) is never undone, and that counters
written on the member item before this shape still count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
    save_submission,
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
    # 700 assignments packed in 16 bucket items (one batch), then 300 counters and 300
    # strike records: 25 to a batch
    assert counts["BatchWriteItem"] == 1 + -(-600 // 25)
    # the run's claim, its parts, its DM checkpoints, its finish: nothing per member
    assert counts["UpdateItem"] == 2 + group + -(-dms // CHECKPOINT_PARTS)
    assert counts.get("PutItem", 0) == 1  # the close record
    # reads: a bounded number of Queries (roster and submissions are 1 MB pages)
    assert counts["Query"] <= 14
    writes_and_reads = sum(v for k, v in counts.items() if k != "UpdateItem")
    assert writes_and_reads <= 52 + 1 + 14 + 2
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
    """Counters are written before the records: a replay finding counters through this
    cycle but no record writes the record, and counts nothing again."""
    store = small_world()
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    store.table.delete("C#c1", keys.strike_sk("C0003", "dan"))  # the crash lost it
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    assert store.table.get("C#c1", keys.strike_sk("C0003", "dan")) is not None
    assert counters(store, "dan") == (1, 1)


# -- a member's action is never undone -------------------------------------------------------


class LateWorkBetweenReads:
    """A table that, on the apply's first read of cycle C0003's strike records or
    submissions, lets dan hand in late and clear his strike (as /submit does: the work is
    saved, then the strike deleted) before answering: the tightest interleaving there is."""

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
    """The first run struck dan; a replay starts; between its first read and its writes dan
    hands in late and his strike is deleted. The replay must not write it back."""
    inner = MemoryTable()
    store = small_world(inner)
    plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).apply()
    assert counters(store, "dan") == (1, 1)
    table = LateWorkBetweenReads(inner, store)
    replay_store = Store(table)
    plan = plan_weekly_digest(replay_store, replay_store.get_community("c1"), DIGEST_3)
    table.armed = True
    plan.apply()
    assert not table.armed  # the late work did land between the reads
    assert inner.get("C#c1", keys.strike_sk("C0003", "dan")) is None
    assert counters(store, "dan") == (0, 0)


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
