"""One suite, two tables: the in-memory twin must behave like DynamoDB (on moto)."""

from __future__ import annotations

import pytest

from chalicelib.store import keys
from chalicelib.store.table import Cond, StoreError


def test_put_and_get_round_trip_plain_values(table):
    item = {
        "pk": "P",
        "sk": "S",
        "n": 3,
        "f": 1.5,
        "b": True,
        "l": [1, "x"],
        "m": {"a": 1},
        "s": "text",
        "none": None,
    }
    assert table.put(item)
    got = table.get("P", "S")
    assert got == {
        "pk": "P",
        "sk": "S",
        "n": 3,
        "f": 1.5,
        "b": True,
        "l": [1, "x"],
        "m": {"a": 1},
        "s": "text",
    }
    assert table.get("P", "missing") is None


def test_conditional_put_refuses_an_existing_item(table):
    assert table.put({"pk": "P", "sk": "S", "v": 1}, cond=Cond.absent("pk"))
    assert not table.put({"pk": "P", "sk": "S", "v": 2}, cond=Cond.absent("pk"))
    assert table.get("P", "S")["v"] == 1


def test_conditional_put_can_return_the_item_that_stood_in_its_way(table):
    """``return_old``: a refused put tells why (ReturnValuesOnConditionCheckFailure=ALL_OLD)
    in the same request; a written one, or a put without a condition, carries nothing."""
    first = table.put(
        {"pk": "P", "sk": "S", "v": 1, "by": "a"}, cond=Cond.absent("pk"), return_old=True
    )
    assert first and first.written and first.old is None
    again = table.put(
        {"pk": "P", "sk": "S", "v": 2, "by": "b"}, cond=Cond.absent("pk"), return_old=True
    )
    assert not again and again.old == {"pk": "P", "sk": "S", "v": 1, "by": "a"}
    assert table.get("P", "S")["v"] == 1
    # a failed condition on a missing item has nothing to return
    missing = table.put({"pk": "Q", "sk": "S"}, cond=Cond.exists("pk"), return_old=True)
    assert not missing and missing.old is None
    assert table.put({"pk": "P", "sk": "S", "v": 3}, return_old=True).written
    assert table.put({"pk": "P", "sk": "S", "v": 4}) is True


def test_conditions_compare_and_combine(table):
    table.put({"pk": "P", "sk": "S", "lease": 10, "status": "running"})
    assert not table.put({"pk": "P", "sk": "S", "lease": 20}, cond=Cond.lt("lease", 5))
    assert table.put(
        {"pk": "P", "sk": "S", "lease": 20, "status": "running"},
        cond=Cond.lt("lease", 15) & Cond.eq("status", "running"),
    )
    assert table.put(
        {"pk": "P", "sk": "S", "lease": 30}, cond=Cond.absent("nothing") | Cond.eq("status", "x")
    )
    assert not table.put({"pk": "P", "sk": "S"}, cond=Cond.eq("missing", 1))
    assert table.put({"pk": "P", "sk": "S"}, cond=Cond.ne("missing", 1))
    assert table.put({"pk": "P", "sk": "S", "lease": 3}, cond=Cond.exists("pk"))
    assert table.put({"pk": "P", "sk": "S", "lease": 4}, cond=Cond.le("lease", 3))


def test_update_sets_adds_removes_and_keeps_existing_with_if_absent(table):
    new = table.update("P", "S", set={"a": "x"}, set_if_absent={"joined": "d1"}, add={"n": 2})
    assert new == {"pk": "P", "sk": "S", "a": "x", "joined": "d1", "n": 2}
    new = table.update(
        "P", "S", set={"a": None, "b": 1}, set_if_absent={"joined": "d2"}, add={"n": 3}
    )
    assert new == {"pk": "P", "sk": "S", "b": 1, "joined": "d1", "n": 5}
    new = table.update("P", "S", remove=["b"])
    assert "b" not in new


def test_update_with_failed_condition_changes_nothing(table):
    assert table.update("P", "S", set={"a": 1}, cond=Cond.exists("pk")) is None
    assert table.get("P", "S") is None


def test_update_without_reading_back_answers_whether_it_wrote(table):
    """``return_new=False`` (DynamoDB's ReturnValues=NONE): True when written, False when
    the condition failed; the item changes exactly as with the item read back."""
    assert table.update("P", "S", set={"a": 1}, cond=Cond.exists("pk"), return_new=False) is False
    assert table.get("P", "S") is None
    assert table.update("P", "S", set={"a": 1}, add={"n": 2}, return_new=False) is True
    assert table.update("P", "S", set={"a": None}, cond=Cond.eq("n", 2), return_new=False) is True
    assert table.get("P", "S") == {"pk": "P", "sk": "S", "n": 2}


def test_delete_with_condition(table):
    table.put({"pk": "P", "sk": "S", "v": 1})
    assert not table.delete("P", "S", cond=Cond.eq("v", 2))
    assert table.delete("P", "S", cond=Cond.eq("v", 1))
    assert table.get("P", "S") is None


def test_query_by_prefix_range_order_and_limit(table):
    for sk in ["M#b", "M#a", "CI#2026-11-02#x", "CI#2026-11-01#y", "META"]:
        table.put({"pk": "C#1", "sk": sk})
    table.put({"pk": "C#2", "sk": "M#z"})
    assert [i["sk"] for i in table.query("C#1", prefix="M#")] == ["M#a", "M#b"]
    assert [i["sk"] for i in table.query("C#1", prefix="M#", reverse=True)] == ["M#b", "M#a"]
    ranged = table.query("C#1", start="CI#2026-11-01", end="CI#2026-11-01~")
    assert [i["sk"] for i in ranged] == ["CI#2026-11-01#y"]
    assert len(list(table.query("C#1", limit=2))) == 2
    assert [i["sk"] for i in table.query("C#1", start="M#")] == ["M#a", "M#b", "META"]


def test_query_on_an_index_sees_only_items_with_its_keys(table):
    table.put({"pk": "C#1", "sk": "META", "kind_pk": keys.COMMUNITY_KIND, "kind_sk": "2#1"})
    table.put({"pk": "C#2", "sk": "META", "kind_pk": keys.COMMUNITY_KIND, "kind_sk": "1#2"})
    table.put({"pk": "C#3", "sk": "META"})
    found = list(table.query(keys.COMMUNITY_KIND, index=keys.KIND_INDEX))
    assert [i["pk"] for i in found] == ["C#2", "C#1"]


def test_batch_put_and_get_many_items(table):
    items = [{"pk": "C#1", "sk": f"M#{n:04d}", "n": n} for n in range(60)]
    assert table.batch_put(items) == 60
    assert len(list(table.query("C#1", prefix="M#"))) == 60
    got = table.batch_get([("C#1", f"M#{n:04d}") for n in range(0, 60, 2)] + [("C#1", "M#x")])
    assert sorted(i["n"] for i in got) == list(range(0, 60, 2))


def test_query_follows_pages_past_one_megabyte(dynamo_table):
    """DynamoDB returns at most 1 MB per Query page: the table must follow LastEvaluatedKey."""
    blob = "x" * 100_000
    dynamo_table.batch_put({"pk": "C#big", "sk": f"M#{n:03d}", "blob": blob} for n in range(25))
    assert len(list(dynamo_table.query("C#big", prefix="M#"))) == 25


class _Unprocessed:
    """Makes BatchWriteItem leave items unprocessed, as real DynamoDB does under load."""

    def __init__(self, client, times: int) -> None:
        self.left = times
        client.meta.events.register("after-call.dynamodb.BatchWriteItem", self)

    def __call__(self, http_response, parsed, model, **_):
        if self.left > 0:
            self.left -= 1
            # Report every request of this call as unprocessed although moto wrote them: a
            # retry must then be harmless (puts are idempotent).
            parsed["UnprocessedItems"] = {
                "rollcall-test": [
                    {"PutRequest": {"Item": {"pk": {"S": "C#u"}, "sk": {"S": "M#retry"}}}}
                ]
            }


def test_batch_put_retries_unprocessed_items(dynamo_client, dynamo_table):
    _Unprocessed(dynamo_client, times=3)
    dynamo_table.batch_put([{"pk": "C#u", "sk": "M#first"}])
    assert dynamo_table.get("C#u", "M#retry") is not None


def test_batch_put_gives_up_loudly_when_items_stay_unprocessed(dynamo_client, dynamo_table):
    _Unprocessed(dynamo_client, times=100)
    with pytest.raises(StoreError):
        dynamo_table.batch_put([{"pk": "C#u", "sk": "M#first"}])


def test_batch_delete_removes_many_items_and_ignores_missing_ones(table):
    table.batch_put({"pk": "C#d", "sk": f"M#{n:04d}", "n": n} for n in range(60))
    table.put({"pk": "C#keep", "sk": "M#0000"})
    doomed = [("C#d", f"M#{n:04d}") for n in range(0, 60, 2)] + [("C#d", "M#absent")]
    assert table.batch_delete([*doomed, ("C#d", "M#0000")]) == 31  # a repeated key once
    left = sorted(i["n"] for i in table.query("C#d", prefix="M#"))
    assert left == list(range(1, 60, 2))
    assert table.get("C#keep", "M#0000") is not None
    assert table.batch_delete([]) == 0


class _UnprocessedDeletes:
    """Makes BatchWriteItem report a delete as unprocessed (moto did it): a retry must follow."""

    def __init__(self, client, times: int) -> None:
        self.left = times
        self.calls = 0
        client.meta.events.register("after-call.dynamodb.BatchWriteItem", self)

    def __call__(self, http_response, parsed, model, **_):
        self.calls += 1
        if self.left > 0:
            self.left -= 1
            parsed["UnprocessedItems"] = {
                "rollcall-test": [
                    {"DeleteRequest": {"Key": {"pk": {"S": "C#u"}, "sk": {"S": "X"}}}}
                ]
            }


def test_batch_delete_retries_unprocessed_items(dynamo_client, dynamo_table):
    dynamo_table.batch_put([{"pk": "C#u", "sk": "X"}, {"pk": "C#u", "sk": "Y"}])
    hook = _UnprocessedDeletes(dynamo_client, times=3)
    assert dynamo_table.batch_delete([("C#u", "X"), ("C#u", "Y")]) == 2
    assert hook.calls == 4  # the first request and three retries of what was left
    assert list(dynamo_table.query("C#u")) == []


def test_batch_delete_gives_up_loudly_when_items_stay_unprocessed(dynamo_client, dynamo_table):
    _UnprocessedDeletes(dynamo_client, times=100)
    with pytest.raises(StoreError):
        dynamo_table.batch_delete([("C#u", "X")])


def test_update_entries_sets_and_removes_map_entries_and_leaves_the_rest(table):
    """Packed items (store/homework.py): one writer's entries never undo another's."""
    table.put({"pk": "P", "sk": "B", "m": {"a": 1, "b": 2}, "other": "x"})
    assert table.update_entries("P", "B", "m", put={"c": 3, "odd #.:name": {"s": 1}})
    assert table.update_entries("P", "B", "m", drop=["a"], cond=Cond.has_entry("m", "a"))
    assert table.get("P", "B") == {
        "pk": "P",
        "sk": "B",
        "m": {"b": 2, "c": 3, "odd #.:name": {"s": 1}},
        "other": "x",
    }


def test_a_remove_conditional_on_its_entry_happens_once(table):
    table.put({"pk": "P", "sk": "B", "m": {"a": 1}})
    cond = Cond.has_entry("m", "a")
    assert table.update_entries("P", "B", "m", drop=["a"], cond=cond)
    assert not table.update_entries("P", "B", "m", drop=["a"], cond=cond)
    assert not table.update_entries("P", "none", "m", drop=["a"], cond=cond)
    assert table.get("P", "none") is None  # a refused update creates nothing
    assert table.get("P", "B")["m"] == {}


def test_an_entry_set_conditional_on_a_field_of_it_refuses_once_it_changed(table):
    """Warnings packed (store/reports.py): /standing clears an entry only while it still
    holds the rule read (``a.k.f = :v``, a nested path); any missing step refuses."""
    table.put({"pk": "P", "sk": "B", "m": {"u1": {"rule": "silent"}, "u2": {}}, "other": "x"})
    held = Cond.entry_eq("m", "u1", "rule", "silent")
    assert table.update_entries("P", "B", "m", put={"u1": {"month": "m"}}, cond=held)
    assert not table.update_entries("P", "B", "m", put={"u1": {"rule": "x"}}, cond=held)
    for cond in (
        Cond.entry_eq("m", "u2", "rule", "silent"),  # the entry has no such field
        Cond.entry_eq("m", "u3", "rule", "silent"),  # no such entry
        Cond.entry_eq("x", "u1", "rule", "silent"),  # no such map
        Cond.entry_eq("other", "u1", "rule", "silent"),  # not a map
    ):
        assert not table.update_entries("P", "B", "m", put={"u1": {"rule": "y"}}, cond=cond)
    assert not table.update_entries(
        "P", "none", "m", put={"u1": {}}, cond=Cond.entry_eq("m", "u1", "rule", "silent")
    )
    assert table.get("P", "none") is None
    assert table.get("P", "B") == {
        "pk": "P",
        "sk": "B",
        "m": {"u1": {"month": "m"}, "u2": {}},
        "other": "x",
    }


def test_lacks_entry_holds_only_while_the_entry_is_absent(table):
    table.put({"pk": "P", "sk": "B", "m": {"u1": {}}})
    assert not table.update_entries(
        "P", "B", "m", put={"u1": {"rule": "r"}}, cond=Cond.lacks_entry("m", "u1")
    )
    cond = Cond.exists("m") & Cond.lacks_entry("m", "u2")
    assert table.update_entries("P", "B", "m", put={"u2": {"rule": "r"}}, cond=cond)
    assert not table.update_entries("P", "B", "m", put={"u2": {"rule": "s"}}, cond=cond)
    assert table.get("P", "B")["m"] == {"u1": {}, "u2": {"rule": "r"}}
    # no map and no item: the entry is absent too (then only the map's absence says why)
    assert table.update("P", "C", set={"n": 1}, cond=Cond.lacks_entry("m", "u1"))
    either = Cond.entry_eq("m", "u1", "rule", "r") | Cond.lacks_entry("m", "u1")
    assert table.update("P", "D", set={"n": 1}, cond=either)
