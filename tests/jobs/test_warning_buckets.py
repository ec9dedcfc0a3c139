"""Warnings packed in buckets (issue #19): ``WRN$<bb>`` items, a map member -> warning.

The report writes its changed warnings with one UpdateItem per bucket touched (SET of the
changed entries only); /standing clears one entry conditionally on the rule it read. These
tests pin the write shape (requests), exactly once under replay, that a clear racing the
report is undone only in the documented window, that a clear refuses once the entry
changed, that the older shapes (``WRN#`` items, the member item) still read and are
overridden by a clear, and that a member's bucket is a stable function of their id.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from chalicelib.domain.inactivity import Tier, Verdict
from chalicelib.domain.models import Member
from chalicelib.jobs.report_inactive_members import plan_monthly_report
from chalicelib.jobs.runner import run_job
from chalicelib.store import keys, reports
from chalicelib.store.homework import member_counters, member_standing
from chalicelib.store.memory import MemoryTable
from chalicelib.store.table import DynamoTable
from tests.helpers import runtime
from tests.jobs.test_report_inactive_members import RUN_AT, make_store
from tests.jobs.test_warning_records import say, warning

CID = "c1"
PK = keys.community_pk(CID)
DAY = date(2026, 12, 1)


def warned(user_id: str, rule: str = "silent", at: date = DAY) -> Verdict:
    """A verdict newly warning ``user_id`` (the report's change)."""
    return Verdict(Member(CID, user_id, user_id), Tier.INACTIVE, 40, rule, at, newly_warned=True)


def clearing(user_id: str, read_rule: str | None) -> Verdict:
    """/standing's verdict: the member read warned under ``read_rule``, now cleared."""
    member = Member(CID, user_id, user_id, warned_rule=read_rule, warned_at=DAY)
    return Verdict(member, Tier.ACTIVE, 0, None, None, cleared=True)


def unchanged(user_id: str, rule: str = "silent") -> Verdict:
    member = Member(CID, user_id, user_id, warned_rule=rule, warned_at=DAY)
    return Verdict(member, Tier.INACTIVE, 40, rule, DAY)


def in_bucket(bucket: int, count: int) -> list[str]:
    """``count`` member ids whose warning bucket is ``bucket``."""
    found: list[str] = []
    n = 0
    while len(found) < count:
        user_id = f"m{n:06d}"
        if keys.member_bucket(user_id, keys.WARNING_BUCKETS) == bucket:
            found.append(user_id)
        n += 1
    return found


def rules(table) -> dict[str, str | None]:
    return {u: r.get("rule") for u, r in reports.warnings_of(table, CID).items()}


# -- the bucket ---------------------------------------------------------------------------------


def test_a_members_bucket_is_a_stable_hash_of_their_id():
    """Readers find an entry by its bucket: the count and the hash must never change in place
    (crc32, not Python's salted hash()). Pinned values: a change here strands every entry."""
    assert keys.WARNING_BUCKETS == 64
    assert keys.member_warning_bucket_sk("u-zelda-7") == "WRN$16"
    assert keys.member_warning_bucket_sk("ian") == keys.warning_bucket_sk(
        keys.member_bucket("ian", 64)
    )
    assert [keys.member_bucket(f"m{n:06d}", 64) for n in range(5)] == [
        keys.member_bucket(f"m{n:06d}", 64) for n in range(5)
    ]
    assert keys.member_warning_bucket_sk("m000000") == "WRN$30"
    # one Query range reads both shapes, the older items first
    start, end = keys.WARNINGS_RANGE
    assert start <= keys.warning_sk("zz") < keys.warning_bucket_sk(0) <= end


# -- the report's write shape ---------------------------------------------------------------------


def test_the_report_writes_one_update_per_bucket_touched_and_no_other_entry():
    table = MemoryTable()
    verdicts = [warned(f"m{n:06d}") for n in range(300)] + [unchanged("quiet")]
    touched = {keys.member_bucket(v.member.user_id, 64) for v in verdicts[:300]}
    assert reports.bulk_save_warnings(table, CID, verdicts, "2026-11", buckets=()) == len(touched)
    assert table.requests == {"UpdateItem": len(touched)}  # no BatchWriteItem, no read
    found = rules(table)
    assert len(found) == 300 and "quiet" not in found  # an unchanged verdict costs nothing
    # next month the buckets exist: still one UpdateItem each, entries SET one by one
    table.requests.clear()
    again = [clearing("m000000", "silent")]  # back since: the report clears it
    again += [warned(f"n{n:06d}") for n in range(100)]
    buckets = {keys.member_bucket(v.member.user_id, 64) for v in again}
    reports.bulk_save_warnings(table, CID, again, "2026-12", buckets=touched)
    assert table.requests == {"UpdateItem": len(buckets)}
    found = rules(table)
    assert len(found) == 400 and found["m000000"] is None and found["m000001"] == "silent"


def test_the_report_job_writes_warnings_with_one_update_per_bucket(dynamo_table, requests_made):
    """Through the job, on DynamoDB: the five warnings' buckets, one UpdateItem each."""
    from chalicelib.store.repository import Store
    from tests.jobs.test_report_inactive_members import _scale_community

    store = Store(dynamo_table)
    cid = _scale_community(store, 200)
    rt, _ = runtime(store, RUN_AT)
    requests_made.reset()
    result = run_job(rt, "monthly-report", cid, RUN_AT)
    assert result.summary["warned"] == 5
    buckets = {keys.member_bucket(f"m{n:05d}", 64) for n in range(5)}
    assert requests_made.counts["BatchWriteItem"] == 1  # the report's rows only
    # claim, the report's part, finish, header, one DM checkpoint; then one per bucket
    assert requests_made.counts["UpdateItem"] == 3 + 1 + 1 + len(buckets)
    assert set(reports.warnings_of(store.table, cid)) == {f"m{n:05d}" for n in range(5)}


def test_many_changes_in_one_bucket_are_cut_under_4_kb_of_expression(dynamo_table, monkeypatch):
    """DynamoDB refuses an UpdateExpression over 4 KB: 700 changed entries of a bucket that
    exists go in UpdateItems of 100 entries (what moto parses), each under it, and all land;
    a bucket that did not exist takes all 700 in one request (the map is one value)."""
    sent: list[str] = []
    real = dynamo_table.client.update_item

    def spy(**request):
        sent.append(request["UpdateExpression"])
        return real(**request)

    monkeypatch.setattr(dynamo_table.client, "update_item", spy)
    ids = in_bucket(7, 1_400)
    first = [warned(u) for u in ids[:700]]
    assert reports.bulk_save_warnings(dynamo_table, CID, first, "m", buckets=()) == 1
    assert len(sent) == 1
    sent.clear()
    then = [warned(u) for u in ids[700:]]
    assert reports.bulk_save_warnings(dynamo_table, CID, then, "m", buckets=[7]) == 7
    assert len(sent) == 7 and all(len(expression) < 4096 for expression in sent)
    assert set(reports.warnings_of(dynamo_table, CID)) == set(ids)


# -- exactly once, and concurrent clears -------------------------------------------------------


def test_a_replayed_apply_writes_the_same_state():
    table = MemoryTable()
    verdicts = [warned(f"m{n:06d}") for n in range(50)] + [clearing("old", "silent")]
    reports.bulk_save_warnings(table, CID, verdicts, "2026-11", buckets=())
    first = table.all_items()
    reports.bulk_save_warnings(table, CID, verdicts, "2026-11", buckets=())  # a replay
    assert table.all_items() == first


def test_a_replayed_report_warns_nobody_twice_and_changes_nothing():
    store = make_store()
    rt, _sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    first = store.table.all_items()
    state = rules(store.table)
    replay = run_job(rt, "monthly-report", "c1", RUN_AT, force=True)
    assert replay.summary["warned"] == 0
    assert rules(store.table) == state
    buckets = [i for i in store.table.all_items() if i["sk"].startswith("WRN$")]
    assert buckets == [i for i in first if i["sk"].startswith("WRN$")]


def test_a_clear_between_the_reports_read_and_apply_is_kept_for_an_unchanged_member():
    """The report read Ian warned and (silent still) leaves him unchanged; he comes back and
    /standing clears his entry; the report's apply sets only its changed entries, so the
    clear stays, though Ian's entry shares a bucket with changed ones."""
    store = make_store()
    rt, _sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)  # Ian warned
    plan = plan_monthly_report(store, store.get_community("c1"), RUN_AT)
    back = RUN_AT + timedelta(hours=2)
    say(rt, "ian", "/checkin", back)
    assert "warning" in say(rt, "ian", "/standing", back).lower()
    plan.apply()
    assert warning(store, "ian") == (None, None)


def test_the_documented_window_the_reports_changed_entry_lands_after_a_clear():
    """The window left (store/reports.py): the report read the member warned under one rule
    and changes their entry; a /standing clear lands between its read and its apply; the
    report's write, after, stands (that month's data supports it). Pinned so a change of
    the window is seen."""
    table = MemoryTable()
    reports.bulk_save_warnings(table, CID, [warned("x", "silent")], "2026-11", buckets=())
    change = warned("x", "missed")  # the report's verdict, computed from "silent"
    assert reports.save_warning(
        table, CID, clearing("x", "silent"), from_entry=True
    )  # /standing, meanwhile
    assert rules(table) == {"x": None}
    reports.bulk_save_warnings(table, CID, [change], "2026-12", buckets=range(64))
    assert rules(table) == {"x": "missed"}


def test_a_clear_refuses_once_the_entry_changed_since_it_was_read():
    table = MemoryTable()
    reports.bulk_save_warnings(table, CID, [warned("x"), warned("y")], "2026-11", buckets=())
    # the report rewrote x's entry (another rule) after /standing read "silent"
    reports.bulk_save_warnings(table, CID, [warned("x", "missed")], "2026-12", buckets=range(64))
    assert not reports.save_warning(table, CID, clearing("x", "silent"), from_entry=True)
    assert rules(table) == {"x": "missed", "y": "silent"}
    # the same rule as read: cleared, once; a second clear of it refuses
    assert reports.save_warning(table, CID, clearing("y", "silent"), from_entry=True)
    assert not reports.save_warning(table, CID, clearing("y", "silent"), from_entry=True)
    assert rules(table) == {"x": "missed", "y": None}
    table.requests.clear()
    assert reports.save_warning(table, CID, clearing("x", "missed"), from_entry=True)
    assert table.requests == {"UpdateItem": 1}  # the bucket exists: one conditional write
    assert not reports.save_warning(
        table, CID, clearing("z", None), from_entry=True
    )  # nothing to clear


# -- the older shapes ------------------------------------------------------------------------------


def _older(table: MemoryTable) -> None:
    """Ann's warning in a ``WRN#`` item; Bea's and Cy's on the member item; Bea's ``WRN#``
    item cleared; Cy with a bucket entry too."""
    for user_id, rule in (("ann", "silent"), ("bea", None)):
        table.put({"pk": PK, "sk": keys.warning_sk(user_id), "user_id": user_id, "rule": rule})
    reports.bulk_save_warnings(table, CID, [warned("cy", "missed")], "2026-11", buckets=())


def test_a_bucket_entry_outranks_an_older_item_which_outranks_the_member_item():
    table = MemoryTable()
    _older(table)
    member = Member(CID, "cy", "Cy", warned_rule="silent", warned_at=date(2026, 10, 1))
    held = reports.warnings_of(table, CID)
    assert reports.warning_from_item(member, held.get("cy")).warned_rule == "missed"
    bea = replace(member, user_id="bea")
    assert reports.warning_from_item(bea, held.get("bea")).warned_rule is None
    dan = replace(member, user_id="dan")  # no record: the member item's own
    assert reports.warning_from_item(dan, held.get("dan")).warned_rule == "silent"
    ann = replace(member, user_id="ann", warned_rule=None)
    assert reports.warning_from_item(ann, held.get("ann")).warned_rule == "silent"


def test_a_clear_of_an_older_items_warning_writes_an_entry_that_overrides_it():
    """Chosen: the clear writes a cleared bucket entry (only while the member has none) and
    leaves the older item, which nothing writes any more and the entry now outranks; the
    same for a warning still on the member item (/standing reads both the same way)."""
    table = MemoryTable()
    _older(table)
    assert reports.save_warning(table, CID, clearing("ann", "silent"), from_entry=False)
    assert table.get(PK, keys.warning_sk("ann"))["rule"] == "silent"  # left as it was
    assert rules(table)["ann"] is None
    dan = Member(CID, "dan", "Dan", warned_rule="silent", warned_at=DAY)  # member item
    table.put({"pk": PK, "sk": keys.member_sk("dan"), "user_id": "dan", "name": "Dan"})
    assert reports.save_warning(table, CID, clearing("dan", "silent"), from_entry=False)
    assert (
        reports.warning_from_item(dan, reports.warnings_of(table, CID)["dan"]).warned_rule is None
    )
    # a second clear of the older warning refuses: the member has an entry now
    assert not reports.save_warning(table, CID, clearing("ann", "silent"), from_entry=False)


def test_a_clear_creates_the_bucket_when_there_is_none():
    table = MemoryTable()
    assert reports.save_warning(table, CID, clearing("ann", "silent"), from_entry=False)
    item = table.get(PK, keys.member_warning_bucket_sk("ann"))
    assert item["kind"] == keys.WARNING_BUCKET_KIND and item["warnings"] == {"ann": {}}
    assert item["bucket"] == keys.member_bucket("ann", 64)


def test_standing_reads_the_bucket_entry_over_the_older_item():
    store = make_store()
    store.table.put({"pk": "C#c1", "sk": keys.warning_sk("ian"), "user_id": "ian", "rule": "x"})
    assert warning(store, "ian") == ("x", None)
    reports.bulk_save_warnings(store.table, "c1", [replace(warned("ian"))], "2026-11", ())
    assert warning(store, "ian") == ("silent", DAY)
    assert member_counters(store.table, "c1", store.get_member("c1", "amy")).warned_rule is None


def test_the_dynamo_table_creates_and_sets_entries_like_the_memory_twin(dynamo_table):
    both = []
    for table in (MemoryTable(), dynamo_table):
        assert isinstance(table, MemoryTable | DynamoTable)
        reports.bulk_save_warnings(table, CID, [warned("a"), warned("b")], "m", ())
        reports.bulk_save_warnings(table, CID, [warned("a", "missed")], "m", None)
        assert reports.save_warning(table, CID, clearing("b", "silent"), from_entry=True)
        assert not reports.save_warning(table, CID, clearing("a", "silent"), from_entry=True)
        both.append(reports.warnings_of(table, CID))
    assert both[0] == both[1] and both[0]["a"]["rule"] == "missed" and "rule" not in both[0]["b"]


def test_the_bench_meter_bills_an_entry_update_by_the_whole_map():
    """bench/capacity.py: ``SET a.k = :v`` grows the map (DynamoDB bills an UpdateItem by
    the whole item), never a new top-level attribute named ``#n0.#n1`` of one entry's size;
    ``REMOVE a.k`` leaves the map (billed by the larger, before)."""
    from bench.capacity import updated_sizes, value_size

    one, other = {"M": {"rule": {"S": "silent"}}}, {"M": {}}
    params = {
        "UpdateExpression": "SET #n0.#n1 = :v0, #n0.#n2 = :v1 REMOVE #n0.#n3",
        "ExpressionAttributeNames": {"#n0": "warnings", "#n1": "a", "#n2": "bb", "#n3": "c"},
        "ExpressionAttributeValues": {":v0": one, ":v1": other},
    }
    after = updated_sizes({"pk": 10, "warnings": 5_000}, params)
    assert after == {"pk": 10, "warnings": 5_000 + 1 + value_size(one) + 2 + value_size(other)}


def test_a_clear_racing_the_buckets_creation_still_lands():
    """/standing finds no bucket, the report creates it (with other entries) before the
    clear's own create: the clear's create refuses, and its conditional SET then lands."""

    class ReportFirst(MemoryTable):
        raced = False

        def update(self, pk, sk, **kwargs):
            if sk.startswith(keys.WARNING_BUCKET_PREFIX) and not self.raced:
                self.raced = True
                bucket = int(sk.removeprefix(keys.WARNING_BUCKET_PREFIX))
                other = in_bucket(bucket, 1)[0]
                reports.bulk_save_warnings(self, CID, [warned(other)], "m", buckets=())
            return super().update(pk, sk, **kwargs)

    table = ReportFirst()
    assert reports.save_warning(table, CID, clearing("ann", "silent"), from_entry=False)
    found = rules(table)
    assert "ann" in found and found["ann"] is None and len(found) == 2


def test_a_clear_never_writes_back_the_entry_of_a_member_forgotten_since_it_was_read():
    """/standing read the member's warning from their entry; an admin forgets them before
    the clear lands (erasure removes the entry): the clear, conditional on the entry still
    holding the rule read, refuses and writes nothing back (their id stays gone)."""
    from chalicelib.store.erasure import forget_member

    store = make_store()
    reports.bulk_save_warnings(store.table, "c1", [warned("ian")], "2026-11", ())
    ian, from_entry = member_standing(store.table, "c1", store.get_member("c1", "ian"))
    assert from_entry and ian.warned_rule == "silent"
    assert forget_member(store.table, "c1", "ian", label_name="Ian")
    cleared = replace(clearing("ian", "silent"), member=ian)
    assert not reports.save_warning(store.table, "c1", cleared, from_entry=from_entry)
    assert "ian" not in reports.warnings_of(store.table, "c1")
