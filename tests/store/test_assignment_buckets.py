"""Review assignments packed into bucket items (store/homework.py): a cycle's assignments are
a few items written in one batch, a review still reads its reviewee's entry by key, the late
round never overwrites the main round, a retried digest writes the same items, and items
of the older per-reviewee shape (and a full bucket's spill) still read."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.store import homework, keys
from chalicelib.store.memory import MemoryTable

CID = "c1"
AT = datetime(2026, 11, 22, 16, 59, tzinfo=UTC)
PK = keys.community_pk(CID)


def _assignment(n: int) -> dict[str, list[str]]:
    ids = [f"m{i:04d}" for i in range(n)]
    return {ids[i]: [ids[(i + 1) % n], ids[(i + 2) % n]] for i in range(n)}


def _same_bucket_pair() -> tuple[str, str]:
    first = "ann"
    for i in range(1000):
        other = f"late{i}"
        if keys.assignment_bucket(other) == keys.assignment_bucket(first):
            return first, other
    raise AssertionError("no id shares ann's bucket")


def test_a_cycle_is_a_few_bucket_items_and_each_review_reads_its_entry_by_key(table):
    assignment = _assignment(300)
    homework.bulk_save_assignments(table, CID, "C0003", assignment, AT)
    items = list(table.query(PK, prefix=keys.cycle_assignment_buckets_prefix("C0003")))
    assert len(items) == keys.ASSIGNMENT_BUCKETS  # 300 reviewees: every bucket used once
    assert list(table.query(PK, prefix=keys.cycle_assignments_prefix("C0003"))) == []
    assert all(i[keys.TTL_ATTRIBUTE] for i in items)
    assert homework.assignments_of(table, CID, "C0003") == assignment
    for reviewee, reviewers in assignment.items():  # every bucket, read by key
        _, assigned = homework.work_and_assignment(table, CID, reviewee, ["C0003"], "C0003")
        assert assigned == reviewers, reviewee


def test_writing_a_cycle_is_one_request_and_reading_an_entry_is_one():
    table = MemoryTable()
    homework.bulk_save_assignments(table, CID, "C0003", _assignment(1000), AT)
    assert dict(table.requests) == {"BatchWriteItem": 1}
    table.requests.clear()
    homework.work_and_assignment(table, CID, "m0007", ["C0004", "C0003"], "C0003")
    assert dict(table.requests) == {"BatchGetItem": 1}


def test_the_late_round_keeps_the_main_rounds_entries(table):
    main, late = _same_bucket_pair()
    homework.bulk_save_assignments(table, CID, "C0002", {main: ["bob", "cat"]}, AT)
    homework.bulk_save_assignments(table, CID, "C0002", {late: ["dan"]}, AT, late_round=True)
    assert homework.assignments_of(table, CID, "C0002") == {main: ["bob", "cat"], late: ["dan"]}
    assert homework.work_and_assignment(table, CID, main, [], "C0002")[1] == ["bob", "cat"]
    assert homework.work_and_assignment(table, CID, late, [], "C0002")[1] == ["dan"]
    # work assigned in both rounds (a digest that stopped before its close record): a
    # reviewer told either time is assigned
    homework.bulk_save_assignments(table, CID, "C0002", {main: ["cat", "eve"]}, AT, late_round=True)
    assert homework.work_and_assignment(table, CID, main, [], "C0002")[1] == ["bob", "cat", "eve"]
    assert homework.assignments_of(table, CID, "C0002")[main] == ["bob", "cat", "eve"]


def test_a_retried_digest_writes_the_same_items(table):
    assignment = _assignment(120)
    homework.bulk_save_assignments(table, CID, "C0003", assignment, AT)
    first = list(table.query(PK, prefix=keys.ASSIGNMENT_BUCKET_PREFIX))
    homework.bulk_save_assignments(table, CID, "C0003", dict(reversed(assignment.items())), AT)
    assert list(table.query(PK, prefix=keys.ASSIGNMENT_BUCKET_PREFIX)) == first


def test_assignments_stored_one_per_reviewee_before_packing_still_read(table):
    """A cycle whose digest ran before packing: its items are read by both readers."""
    table.put(
        {
            "pk": PK,
            "sk": keys.assignment_sk("C0002", "ann"),
            "kind": "assignment",
            "cycle": "C0002",
            "reviewee": "ann",
            "reviewers": ["bob", "cat"],
            "assigned_at": AT.isoformat(),
        }
    )
    assert homework.assignments_of(table, CID, "C0002") == {"ann": ["bob", "cat"]}
    assert homework.work_and_assignment(table, CID, "ann", [], "C0002")[1] == ["bob", "cat"]


def test_a_full_bucket_spills_its_last_entries_into_items_of_their_own(table):
    assignment = _assignment(64)
    homework.bulk_save_assignments(table, CID, "C0003", assignment, AT, max_bytes=40)
    spilled = list(table.query(PK, prefix=keys.cycle_assignments_prefix("C0003")))
    packed = list(table.query(PK, prefix=keys.cycle_assignment_buckets_prefix("C0003")))
    assert spilled and packed
    assert all(len(str(e)) for i in packed for e in i["reviewers"])
    assert all(i[keys.TTL_ATTRIBUTE] for i in spilled)
    assert homework.assignments_of(table, CID, "C0003") == assignment
    for reviewee, reviewers in assignment.items():
        assert homework.work_and_assignment(table, CID, reviewee, [], "C0003")[1] == reviewers
