"""Count DynamoDB requests and the capacity units they would be billed, from the wire.

moto reports placeholder consumed capacity, so units are computed here from the item sizes
actually read and written, with DynamoDB's rules:

- item size: attribute names (UTF-8 bytes) + values (strings: UTF-8 bytes; numbers: about
  1 byte per 2 significant digits + 1; binary: bytes; booleans and nulls: 1; lists and
  maps: 3 + their elements, map keys counted like names);
- reads: 4 KB per read unit, strongly consistent; half for eventually consistent. GetItem
  and BatchGetItem round each item up; Query rounds the page's total up;
- writes: 1 KB per write unit per item, rounded up; a refused conditional write by the
  item that stood in its way. An UpdateItem is billed for the larger of the item before
  and after: the meter remembers the items it saw whole (a GetItem's,
  a PutItem's, an update's ``ALL_NEW`` answer) and applies an update's SET / REMOVE / ADD
  to that copy, so an update that reads nothing back (``ReturnValues=NONE``) is still
  billed by the item's size, not by its key's.

A botocore event hook sees every request of the client it is registered on. Besides the
billed units it keeps the *payload* written: a put's item, an update's key and the values
it sets (what the job had to say, where the billed units round every item up to 1 KB and
bill an update for the whole item), and the time spent inside DynamoDB calls (client
serialisation, the endpoint, parsing).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chalicelib.store.rounds import round_of_request

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


def attribute_sizes(item: dict[str, Any]) -> dict[str, int]:
    return {name: len(name.encode()) + value_size(value) for name, value in item.items()}


_ACTIONS = re.compile(r"\b(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)


def _top_level(clause: str) -> list[str]:
    """The comma-separated actions of one clause, commas inside functions kept."""
    parts, depth, current = [], 0, ""
    for char in clause:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def updated_sizes(before: dict[str, int], params: dict[str, Any]) -> dict[str, int]:
    """Attribute sizes after an UpdateItem's expression, applied to those ``before``.

    Enough of the expression language for what a store writes: ``SET a = :v``, ``SET a =
    if_not_exists(a, :v)``, arithmetic (the new value's size taken as the operand's),
    ``REMOVE a`` and ``ADD a :v``; a map's entry ``SET a.k = :v`` adds to the map (a
    replaced entry counted again: an upper bound), ``REMOVE a.k`` leaves it. Names may be
    ``#placeholders``.
    """
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    after = dict(before)
    parts = _ACTIONS.split(params.get("UpdateExpression", ""))
    for action, clause in zip(parts[1::2], parts[2::2], strict=True):
        for step in _top_level(clause):
            action = action.upper()
            if action == "REMOVE":
                if "." not in step:  # an entry removed: billed by the larger, before
                    after.pop(names.get(step, step), None)
                continue
            if action == "SET":
                target, _, expression = step.partition("=")
            else:
                target, _, expression = step.partition(" ")
            if "." in target:  # a map's entry (``#a.#k``): the map grows by it, never shrinks
                path = [names.get(p.strip(), p.strip()) for p in target.split(".")]
                operands = [values[v] for v in re.findall(r":\w+", expression) if v in values]
                grown = sum(len(p.encode()) for p in path[1:]) + sum(map(value_size, operands))
                after[path[0]] = after.get(path[0], len(path[0].encode()) + 3) + grown
                continue
            name = names.get(target.strip(), target.strip())
            if expression.strip().startswith("if_not_exists") and name in after:
                continue
            operands = [values[v] for v in re.findall(r":\w+", expression) if v in values]
            if operands:
                after[name] = len(name.encode()) + max(value_size(v) for v in operands)
    return after


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
    # the round of each request (store/rounds.py): requests sent together count once
    round_marks: list[int | None] = field(default_factory=list)
    _local: threading.local = field(default_factory=threading.local)
    # (table, pk, sk) → attribute sizes, of the items seen whole (see the module docstring)
    _known: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)

    def attach(self, client: Any) -> Meter:
        client.meta.events.register("provide-client-params.dynamodb", self._remember)
        client.meta.events.register("after-call.dynamodb", self._count)
        return self

    def _remember(self, params: dict[str, Any], **_: Any) -> None:
        # per thread: a round's two requests are in flight at once
        self._local.params = params
        self._local.started = time.perf_counter()
        self.round_marks.append(round_of_request())

    def _count(self, model: Any, parsed: dict[str, Any], **kwargs: Any) -> None:
        took = time.perf_counter() - getattr(self._local, "started", time.perf_counter())
        name = model.name
        self.seconds += took
        self.seconds_by_operation[name] += took
        self.requests[name] += 1
        params = getattr(self._local, "params", {})
        consistent = bool(params.get("ConsistentRead"))
        if name == "GetItem":
            size = item_size(parsed.get("Item") or {})
            self._read(size, 1 if parsed.get("Item") else 0, read_units(size, consistent))
            if parsed.get("Item"):
                self._remember_item(params, parsed["Item"])
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
        elif name in ("PutItem", "UpdateItem") and "Error" in parsed:
            # a refused conditional write is billed by the item that stood (at least 1 unit)
            key = params.get("Key") or {
                k: v for k, v in params.get("Item", {}).items() if k in ("pk", "sk")
            }
            before = self._known.get(self._where(params.get("TableName", ""), key)) or {}
            self._write(sum(before.values()), 0)
        elif name == "PutItem":
            size = item_size(params.get("Item", {}))
            self._write(size, size)
            self._remember_item(params, params.get("Item", {}))
        elif name == "UpdateItem":
            key = params.get("Key", {})
            payload = item_size(key) + sum(
                len(n.encode()) for n in params.get("ExpressionAttributeNames", {}).values()
            )
            payload += sum(
                value_size(v) for v in params.get("ExpressionAttributeValues", {}).values()
            )
            where = self._where(params.get("TableName", ""), key)
            before = self._known.get(where)
            if params.get("ReturnValues") == "ALL_NEW":
                after = attribute_sizes(parsed.get("Attributes") or key)
            else:
                after = updated_sizes(before or attribute_sizes(key), params)
            self._write(max(sum(after.values()), sum((before or {}).values())), payload)
            if before is not None or params.get("ReturnValues") == "ALL_NEW":
                self._known[where] = after
        elif name == "DeleteItem":
            size = item_size(params.get("Key", {}))
            self._write(size, size)
        elif name == "BatchWriteItem":
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    put = request.get("PutRequest")
                    size = item_size(put["Item"] if put else request["DeleteRequest"]["Key"])
                    self._write(size, size)

    @staticmethod
    def _where(table: str, key: dict[str, Any]) -> tuple[str, str, str]:
        return table, str(key.get("pk")), str(key.get("sk"))

    def _remember_item(self, params: dict[str, Any], item: dict[str, Any]) -> None:
        where = self._where(params.get("TableName", ""), item)
        self._known[where] = attribute_sizes(item)

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
        self.round_marks.clear()

    def rounds(self) -> int:
        """Round trips in sequence: requests of one round (store/rounds.py) count once."""
        marked = {mark for mark in self.round_marks if mark is not None}
        return len(marked) + sum(1 for mark in self.round_marks if mark is None)

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
