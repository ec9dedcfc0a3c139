"""Count DynamoDB requests and the capacity units they would be billed, from the wire.

moto reports placeholder consumed capacity, so units are computed here from the item sizes
actually read and written, with DynamoDB's rules:

- item size: attribute names (UTF-8 bytes) + values (strings: UTF-8 bytes; numbers: about
  1 byte per 2 significant digits + 1; binary: bytes; booleans and nulls: 1; lists and
  maps: 3 + their elements, map keys counted like names);
- reads: 4 KB per read unit, strongly consistent; half for eventually consistent. GetItem
  and BatchGetItem round each item up; Query rounds the page's total up;
- writes: 1 KB per write unit per item, rounded up (UpdateItem: the larger of the item
  before and after, approximated by the item after, which we ask for anyway).

A botocore event hook sees every request of the client it is registered on. Besides the
billed units it keeps the *payload* written: a put's item, an update's key and the values
it sets (what the job had to say, where the billed units round every item up to 1 KB and
bill an update for the whole item), and the time spent inside DynamoDB calls (client
serialisation, the endpoint, parsing).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

READ_UNIT = 4096
WRITE_UNIT = 1024


def value_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = len(v.lstrip("-").replace(".", "").lstrip("0")) or 1
        return (digits + 1) // 2 + 1
    if kind == "B":
        return len(v) if isinstance(v, bytes | bytearray) else math.ceil(len(v) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: x}) for x in v)
    if kind == "L":
        return 3 + sum(1 + value_size(x) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(x) for k, x in v.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return units if consistent else units / 2


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT))


@dataclass
class Meter:
    """Requests by operation, read/write units, and the bytes read and written."""

    requests: Counter[str] = field(default_factory=Counter)
    rcu: float = 0.0
    wcu: float = 0.0
    bytes_read: int = 0
    bytes_written: int = 0
    items_read: int = 0
    items_written: int = 0
    payload_written: int = 0
    seconds: float = 0.0
    seconds_by_operation: Counter[str] = field(default_factory=Counter)

    def attach(self, client: Any) -> Meter:
        client.meta.events.register("provide-client-params.dynamodb", self._remember)
        client.meta.events.register("after-call.dynamodb", self._count)
        return self

    def _remember(self, params: dict[str, Any], **_: Any) -> None:
        self._last_params = params
        self._started = time.perf_counter()

    def _count(self, model: Any, parsed: dict[str, Any], **kwargs: Any) -> None:
        took = time.perf_counter() - getattr(self, "_started", time.perf_counter())
        name = model.name
        self.seconds += took
        self.seconds_by_operation[name] += took
        self.requests[name] += 1
        params = getattr(self, "_last_params", {})
        consistent = bool(params.get("ConsistentRead"))
        if name == "GetItem":
            size = item_size(parsed.get("Item") or {})
            self._read(size, 1 if parsed.get("Item") else 0, read_units(size, consistent))
        elif name in ("Query", "Scan"):
            items = parsed.get("Items", [])
            size = sum(item_size(i) for i in items)
            self._read(size, len(items), read_units(size, consistent))
        elif name == "BatchGetItem":
            for table, items in parsed.get("Responses", {}).items():
                strong = bool(params.get("RequestItems", {}).get(table, {}).get("ConsistentRead"))
                for item in items:
                    size = item_size(item)
                    self._read(size, 1, read_units(size, strong))
        elif name == "PutItem":
            size = item_size(params.get("Item", {}))
            self._write(size, size)
        elif name == "UpdateItem":
            key = params.get("Key", {})
            payload = item_size(key) + sum(
                len(n.encode()) for n in params.get("ExpressionAttributeNames", {}).values()
            )
            payload += sum(
                value_size(v) for v in params.get("ExpressionAttributeValues", {}).values()
            )
            self._write(item_size(parsed.get("Attributes") or key), payload)
        elif name == "DeleteItem":
            size = item_size(params.get("Key", {}))
            self._write(size, size)
        elif name == "BatchWriteItem":
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    put = request.get("PutRequest")
                    size = item_size(put["Item"] if put else request["DeleteRequest"]["Key"])
                    self._write(size, size)

    def _read(self, size: int, items: int, units: float) -> None:
        self.bytes_read += size
        self.items_read += items
        self.rcu += units

    def _write(self, size: int, payload: int) -> None:
        self.bytes_written += size
        self.payload_written += payload
        self.items_written += 1
        self.wcu += write_units(size)

    def total_requests(self) -> int:
        return sum(self.requests.values())

    def reset(self) -> None:
        self.requests.clear()
        self.seconds_by_operation.clear()
        self.rcu = self.wcu = self.seconds = 0.0
        self.bytes_read = self.bytes_written = self.items_read = self.items_written = 0
        self.payload_written = 0

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "total_requests": self.total_requests(),
            "rcu": round(self.rcu, 2),
            "wcu": round(self.wcu, 2),
            "bytes_read": self.bytes_read,
            "bytes_written": self.bytes_written,
            "payload_written": self.payload_written,
            "items_read": self.items_read,
            "items_written": self.items_written,
            "dynamodb_seconds": round(self.seconds, 4),
        }
