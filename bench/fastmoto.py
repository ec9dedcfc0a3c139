"""Plain JSON for moto's results, while the job benchmark runs.

moto 5 renders every response through a generic, model-driven serializer that costs about
half a millisecond per item returned: a 10,000-member job reading 100,000 items spends a
minute there, and a 100,000-member report several. DynamoDB speaks plain JSON, and moto
already holds a read's result, and a write's returned item (``ReturnValues``), as plain
JSON values (``DynamoResult``), so the benchmark renders Query, Scan, GetItem,
BatchGetItem, PutItem, UpdateItem and DeleteItem results with ``json.dumps`` instead: the
same bytes on the wire (``tests/test_bench_smoke.py`` checks that the parsed responses
are equal), three to four times faster. Writes matter where a job keeps updating one
growing item (a run record gains an attribute per delivered message part), whose every
``ALL_NEW`` answer moto would render attribute by attribute. It also lets moto compare two
string keys as strings when it sorts the table (on every page of every Query and Scan).
Nothing is patched outside the ``with`` block, and errors and every other operation keep
moto's own serializer.

Only wall times change, and only on moto: requests and capacity units are counted from
the responses, which are the same. The webhook and cold-path figures are measured with
stock moto.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

RENDERED = frozenset(
    {"Query", "Scan", "GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"}
)


def _plain(value: Any) -> bool:
    """Only what json.dumps renders exactly as DynamoDB JSON (no bytes, no datetimes)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


@contextmanager
def fast_results() -> Iterator[None]:
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.responses import DynamoResult

    stock = DynamoResult.execute_result
    compare = {name: getattr(DynamoType, name) for name in ("__eq__", "__ne__", "__lt__", "__gt__")}

    def execute_result(self: Any, context: Any) -> Any:
        result = self.result
        if context.operation_model.name in RENDERED and _plain(result):
            return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(result)
        return stock(self, context)

    def strings(op: str) -> Any:
        """moto sorts the whole table on every page of a Query or Scan, comparing keys
        through ``cast_value``; two strings compare as themselves (what ``cast_value``
        returns for them), without the detour."""
        fallback = compare[op]
        native = getattr(str, op)

        def method(self: Any, other: Any) -> Any:
            if type(other) is DynamoType and self.type == "S" == other.type:
                return native(self.value, other.value)
            return fallback(self, other)

        return method

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]
    for name in compare:
        setattr(DynamoType, name, strings(name))
    undo = _index_partitions()
    try:
        yield
    finally:
        undo()
        DynamoResult.execute_result = stock  # type: ignore[method-assign]
        for name, method in compare.items():
            setattr(DynamoType, name, method)


def _index_partitions() -> Callable[[], None]:
    """moto answers each page of a Query by sorting the whole table and walking it from the
    top to the page's start key: with the benchmark's single-table design that is every
    item of the community on every page, and a 100,000-member report (about 140 pages over
    700,000 items) takes an hour. Here a forward Query of the base table gets, for its
    page, only the items that can be on it: the partition's items matching the key
    condition (by moto's own comparison, computed once per query and table version and
    kept in sort-key order), from just after the start key, up to one item past 1 MB or the
    Limit. moto's query then runs as usual over that slice: same filtering, same page
    size, same LastEvaluatedKey. Any other Query (an index, descending, a non-string sort
    key) is moto's own."""
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table

    stock_query, stock_put, stock_delete = Table.query, Table.put_item, Table.delete_item
    # Kept on each table object: its write count, and the matching items per query shape.
    version, cache = "_bench_version", "_bench_matching"

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.__dict__[version] = self.__dict__.get(version, 0) + 1
        return stock_put(self, *args, **kwargs)

    def delete_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.__dict__[version] = self.__dict__.get(version, 0) + 1
        return stock_delete(self, *args, **kwargs)

    def matching(self: Any, hash_key: Any, comparison: Any, objs: list[Any]) -> Any:
        """The partition's items matching the key condition, in sort-key order, with their
        sort keys; None when a sort key is not a string. Rebuilt after any write."""
        now = self.__dict__.get(version, 0)
        seen, found = self.__dict__.get(cache, (-1, {}))
        if seen != now:
            found = {}
            self.__dict__[cache] = (now, found)
        key = (hash_key, comparison, tuple((o.type, str(o.value)) for o in objs))
        if key not in found:
            bucket = list(self.items.get(hash_key, {}).values())
            if not all(i.range_key is not None and i.range_key.type == "S" for i in bucket):
                found[key] = None
            else:
                bucket.sort(key=lambda item: item.range_key.value)
                if comparison:
                    bucket = [i for i in bucket if i.range_key.compare(comparison, objs)]
                found[key] = ([i.range_key.value for i in bucket], bucket)
        return found[key]

    def query(
        self: Any,
        hash_key: Any,
        comparison: Any,
        objs: Any,
        limit: Any,
        start: Any,
        forward: Any,
        projection: Any,
        index_name: Any = None,
        *rest: Any,
        **kwargs: Any,
    ) -> Any:
        found = None
        if not index_name and forward is not False and self.range_key_attr and hash_key:
            found = matching(self, hash_key, comparison, objs or [])
        if found is None:
            return stock_query(
                self,
                hash_key,
                comparison,
                objs,
                limit,
                start,
                forward,
                projection,
                index_name,
                *rest,
                **kwargs,
            )
        keys, items = found
        first = 0
        if start:
            after = start.get(self.range_key_attr, {}).get("S")
            first = bisect.bisect_right(keys, after)
        page, size = [], 0
        for item in items[first:]:
            page.append(item)
            size += item.size()
            if size > RESULT_SIZE_LIMIT or (limit and len(page) > limit):
                break
        self.all_items = lambda: page
        try:
            return stock_query(
                self,
                hash_key,
                comparison,
                objs,
                limit,
                None,
                forward,
                projection,
                index_name,
                *rest,
                **kwargs,
            )
        finally:
            del self.all_items

    Table.query, Table.put_item, Table.delete_item = query, put_item, delete_item

    def undo() -> None:
        Table.query, Table.put_item, Table.delete_item = stock_query, stock_put, stock_delete

    return undo
