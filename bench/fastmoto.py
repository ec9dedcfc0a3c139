"""Plain JSON for moto's read results, while the job benchmark runs.

moto 5 renders every response through a generic, model-driven serializer that costs about
half a millisecond per item returned: a 10,000-member job reading 100,000 items spends a
minute there, and a 100,000-member report several. DynamoDB speaks plain JSON, and for
reads moto already holds the result as plain JSON values (``DynamoResult``), so the
benchmark renders Query, Scan, GetItem and BatchGetItem results with ``json.dumps``
instead: the same bytes on the wire (``tests/test_bench_smoke.py`` checks that the parsed
responses are equal), three to four times faster. It also lets moto compare two string
keys as strings when it sorts the table (on every page of every Query and Scan). Nothing
is patched outside the ``with`` block, and writes, errors and every other operation keep
moto's own serializer.

Only wall times change, and only on moto: requests and capacity units are counted from
the responses, which are the same. The webhook and cold-path figures are measured with
stock moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

READS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})


def _plain(value: Any) -> bool:
    """Only what json.dumps renders exactly as DynamoDB JSON (no bytes, no datetimes)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


@contextmanager
def fast_reads() -> Iterator[None]:
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.responses import DynamoResult

    stock = DynamoResult.execute_result
    compare = {name: getattr(DynamoType, name) for name in ("__eq__", "__ne__", "__lt__", "__gt__")}

    def execute_result(self: Any, context: Any) -> Any:
        result = self.result
        if context.operation_model.name in READS and _plain(result):
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
    try:
        yield
    finally:
        DynamoResult.execute_result = stock  # type: ignore[method-assign]
        for name, method in compare.items():
            setattr(DynamoType, name, method)
