"""A small table interface, with DynamoDB behind it (and an in-memory twin in memory.py).

Everything above this layer speaks plain Python values (str, int, float, bool, None, list,
dict, set of str); DynamoDB's wire types, pagination, condition expressions, batch limits and
``UnprocessedItems`` retries are hidden here. The interface is deliberately narrow (a put, a
conditional update, a query by key prefix or range, batch put/get) so that the in-memory twin
can honour exactly the same contract; ``tests/store/test_table_contract.py`` runs one suite
on both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol, overload

Item = dict[str, Any]

# DynamoDB's own limits: BatchWriteItem takes at most 25 puts, BatchGetItem 100 keys.
BATCH_WRITE_MAX = 25
BATCH_GET_MAX = 100
# Retries of throttled requests or unprocessed batch items: exponential backoff from 50 ms,
# capped at 2 s, for at most this many rounds before giving up loudly (nothing silently lost).
MAX_RETRY_ROUNDS = 8


class StoreError(RuntimeError):
    """The store could not do what was asked, after retries."""


@dataclass(frozen=True)
class Cond:
    """A condition on an item, rendered for DynamoDB and evaluated by the in-memory twin.

    ``Cond.absent("pk")`` is "the item does not exist"; combine with ``|`` and ``&``.
    """

    op: str
    args: tuple[Any, ...]

    @staticmethod
    def absent(attr: str) -> Cond:
        return Cond("absent", (attr,))

    @staticmethod
    def exists(attr: str) -> Cond:
        return Cond("exists", (attr,))

    @staticmethod
    def eq(attr: str, value: Any) -> Cond:
        return Cond("eq", (attr, value))

    @staticmethod
    def has_entry(attr: str, key: str) -> Cond:
        """The map attribute ``attr`` holds an entry ``key`` (``attribute_exists(a.k)``)."""
        return Cond("has_entry", (attr, key))

    @staticmethod
    def lacks_entry(attr: str, key: str) -> Cond:
        """The map attribute ``attr`` holds no entry ``key`` (``attribute_not_exists(a.k)``;
        true too when there is no such map or no item)."""
        return Cond("lacks_entry", (attr, key))

    @staticmethod
    def entry_eq(attr: str, key: str, field: str, value: Any) -> Cond:
        """The entry ``key`` of the map ``attr`` is a map whose ``field`` equals ``value``
        (``a.k.f = :v``, a nested path; false when any step of it is missing)."""
        return Cond("entry_eq", (attr, key, field, value))

    @staticmethod
    def ne(attr: str, value: Any) -> Cond:
        return Cond("ne", (attr, value))

    @staticmethod
    def lt(attr: str, value: Any) -> Cond:
        return Cond("lt", (attr, value))

    @staticmethod
    def le(attr: str, value: Any) -> Cond:
        return Cond("le", (attr, value))

    @staticmethod
    def gt(attr: str, value: Any) -> Cond:
        return Cond("gt", (attr, value))

    def __or__(self, other: Cond) -> Cond:
        return Cond("or", (self, other))

    def __and__(self, other: Cond) -> Cond:
        return Cond("and", (self, other))

    def evaluate(self, item: Mapping[str, Any] | None) -> bool:
        """The in-memory semantics, matching DynamoDB's for these operators."""
        item = item or {}
        op, args = self.op, self.args
        if op == "absent":
            return args[0] not in item
        if op == "exists":
            return args[0] in item
        if op in ("has_entry", "lacks_entry"):
            entries = item.get(args[0])
            held = isinstance(entries, dict) and args[1] in entries
            return held if op == "has_entry" else not held
        if op == "entry_eq":
            entries = item.get(args[0])
            entry = entries.get(args[1]) if isinstance(entries, dict) else None
            return isinstance(entry, dict) and args[2] in entry and bool(entry[args[2]] == args[3])
        if op in ("or", "and"):
            left, right = (c.evaluate(item) for c in args)
            return bool((left or right) if op == "or" else (left and right))
        attr, value = args
        if attr not in item:
            return op == "ne"  # DynamoDB: a comparison with a missing attribute is false
        current = item[attr]
        if op == "eq":
            return bool(current == value)
        if op == "ne":
            return bool(current != value)
        try:
            if op == "gt":
                return bool(current > value)
            return bool(current < value if op == "lt" else current <= value)
        except TypeError:
            return False


@dataclass(frozen=True)
class PutResult:
    """What a conditional put asked with ``return_old=True`` did: written, or refused along
    with the item that stood in its way (``old``; DynamoDB's
    ``ReturnValuesOnConditionCheckFailure=ALL_OLD``). A caller that must tell *why* it lost,
    e.g. a check-in redelivered versus a second check-in, learns it without another read.
    Truthy when written, like the plain put's bool."""

    written: bool
    old: Item | None = None

    def __bool__(self) -> bool:
        return self.written


@dataclass(frozen=True)
class UpdateResult:
    """What ``update_or_old`` did: written, with the item as it now stands; or refused,
    with the item that stood in the way (None when there was none). One request either
    way (``ReturnValuesOnConditionCheckFailure=ALL_OLD``): a claim that lost learns who
    holds the item, or that it holds it itself (store/claims.py)."""

    written: bool
    item: Item | None = None


class Table(Protocol):
    name: str

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> Item | None: ...

    @overload
    def put(
        self, item: Item, *, cond: Cond | None = None, return_old: Literal[False] = False
    ) -> bool: ...

    @overload
    def put(
        self, item: Item, *, cond: Cond | None = None, return_old: Literal[True]
    ) -> PutResult: ...

    @overload
    def update(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,
        set_if_absent: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Iterable[str] = (),
        cond: Cond | None = None,
        return_new: Literal[True] = True,
    ) -> Item | None: ...

    @overload
    def update(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,
        set_if_absent: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Iterable[str] = (),
        cond: Cond | None = None,
        return_new: Literal[False],
    ) -> bool: ...

    def update_or_old(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,
        set_if_absent: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Iterable[str] = (),
        cond: Cond,
    ) -> UpdateResult: ...

    def delete(self, pk: str, sk: str, *, cond: Cond | None = None) -> bool: ...

    def update_entries(
        self,
        pk: str,
        sk: str,
        attr: str,
        *,
        put: Mapping[str, Any] | None = None,
        drop: Iterable[str] = (),
        cond: Cond | None = None,
    ) -> bool: ...

    def query(
        self,
        pk: str,
        *,
        prefix: str | None = None,
        start: str | None = None,
        end: str | None = None,
        index: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
        consistent: bool = False,
    ) -> Iterator[Item]: ...

    def batch_put(self, items: Iterable[Item]) -> int: ...

    def batch_get(
        self, keys: Iterable[tuple[str, str]], *, consistent: bool = False
    ) -> list[Item]: ...

    def batch_delete(self, keys: Iterable[tuple[str, str]]) -> int: ...


# Map entries set in one update_entries call: each ``#n0.#n12 = :v11, `` clause is about 20
# characters (names and values are placeholders, whatever the ids), so 100 keep the
# expression far under DynamoDB's 4 KB; and moto (the tests' and the bench's DynamoDB)
# recurses past ~150 SET clauses.
ENTRIES_PER_UPDATE = 100


def entry_chunks(entries: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """``entries`` in key order, ENTRIES_PER_UPDATE to a chunk: one update_entries each."""
    ordered = sorted(entries.items())
    for i in range(0, len(ordered), ENTRIES_PER_UPDATE):
        yield dict(ordered[i : i + ENTRIES_PER_UPDATE])


# -- value conversion ---------------------------------------------------------------------


def to_dynamo_value(value: Any) -> Any:
    """Python → what boto3's TypeSerializer accepts (floats become Decimals)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: to_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_dynamo_value(v) for v in value]
    return value


def from_dynamo_value(value: Any) -> Any:
    """What boto3's TypeDeserializer returns → Python (Decimals become int or float)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo_value(v) for v in value]
    if isinstance(value, set):
        return {from_dynamo_value(v) for v in value}
    return value


class _Expr:
    """Collects #name and :value placeholders for one request's expressions."""

    def __init__(self, serialize: Callable[[Any], Any]) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._serialize = serialize

    def name(self, attr: str) -> str:
        for placeholder, existing in self.names.items():
            if existing == attr:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attr
        return placeholder

    def entry(self, attr: str, key: str) -> str:
        """A map entry's path: ``#a.#k`` (any key, however spelled, goes by placeholder)."""
        return f"{self.name(attr)}.{self.name(key)}"

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = self._serialize(to_dynamo_value(value))
        return placeholder

    def cond(self, c: Cond) -> str:
        if c.op == "absent":
            return f"attribute_not_exists({self.name(c.args[0])})"
        if c.op == "exists":
            return f"attribute_exists({self.name(c.args[0])})"
        if c.op == "has_entry":
            return f"attribute_exists({self.entry(*c.args)})"
        if c.op == "lacks_entry":
            return f"attribute_not_exists({self.entry(*c.args)})"
        if c.op == "entry_eq":
            attr, key, field, value = c.args
            return f"{self.entry(attr, key)}.{self.name(field)} = {self.value(value)}"
        if c.op in ("or", "and"):
            left, right = (self.cond(x) for x in c.args)
            return f"({left} {c.op.upper()} {right})"
        symbol = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">"}[c.op]
        attr, value = c.args
        return f"{self.name(attr)} {symbol} {self.value(value)}"

    def apply(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = self.values
        return request


class DynamoTable:
    """The table interface over a low-level boto3 DynamoDB client.

    The client is received, not made: the caller decides when (lazily, after moto is active)
    and how (endpoint, retries). ``sleep`` is injectable so retry paths are tested without
    waiting.
    """

    def __init__(
        self, client: Any, name: str, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self.client = client
        self.name = name
        self._ser = TypeSerializer().serialize
        self._de = TypeDeserializer().deserialize
        self._sleep = sleep

    # -- conversion
    def _item_out(self, raw: Mapping[str, Any]) -> Item:
        return {k: from_dynamo_value(self._de(v)) for k, v in raw.items()}

    def _item_in(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {k: self._ser(to_dynamo_value(v)) for k, v in item.items() if v is not None}

    def _key(self, pk: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    def _backoff(self, attempt: int) -> None:
        self._sleep(min(2.0, 0.05 * (2**attempt)))

    def _is_condition_failure(self, error: Exception) -> bool:
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        return bool(code == "ConditionalCheckFailedException")

    # -- single items
    def get(self, pk: str, sk: str, *, consistent: bool = False) -> Item | None:
        response = self.client.get_item(
            TableName=self.name, Key=self._key(pk, sk), ConsistentRead=consistent
        )
        raw = response.get("Item")
        return self._item_out(raw) if raw else None

    @overload
    def put(
        self, item: Item, *, cond: Cond | None = None, return_old: Literal[False] = False
    ) -> bool: ...

    @overload
    def put(
        self, item: Item, *, cond: Cond | None = None, return_old: Literal[True]
    ) -> PutResult: ...

    def put(
        self, item: Item, *, cond: Cond | None = None, return_old: bool = False
    ) -> bool | PutResult:
        """Write ``item``; False when ``cond`` failed. With ``return_old``, a PutResult
        that carries the existing item when ``cond`` failed (one request either way)."""
        from botocore.exceptions import ClientError

        request: dict[str, Any] = {"TableName": self.name, "Item": self._item_in(item)}
        if cond is not None:
            expr = _Expr(self._ser)
            request["ConditionExpression"] = expr.cond(cond)
            expr.apply(request)
            if return_old:
                request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self.client.put_item(**request)
        except ClientError as error:
            if self._is_condition_failure(error):
                if not return_old:
                    return False
                raw = error.response.get("Item")
                return PutResult(False, self._item_out(raw) if raw else None)
            raise
        return PutResult(True) if return_old else True

    @overload
    def update(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,
        set_if_absent: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Iterable[str] = (),
        cond: Cond | None = None,
        return_new: Literal[True] = True,
    ) -> Item | None: ...

    @overload
    def update(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,
        set_if_absent: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Iterable[str] = (),
        cond: Cond | None = None,
        return_new: Literal[False],
    ) -> bool: ...

    def update(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,
        set_if_absent: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Iterable[str] = (),
        cond: Cond | None = None,
        return_new: bool = True,
    ) -> Item | bool | None:
        """Update in place; returns the whole new item, or None when ``cond`` failed.

        A ``None`` value in ``set`` removes the attribute (DynamoDB stores no nulls here).
        With ``return_new=False`` nothing is read back (``ReturnValues=NONE``): True when
        written, False when ``cond`` failed. A caller that knows what it wrote saves the
        item's trip back: its bytes on the wire, their parsing and conversion.
        """
        from botocore.exceptions import ClientError

        request = self._update_request(pk, sk, set, set_if_absent, add, remove, cond)
        request["ReturnValues"] = "ALL_NEW" if return_new else "NONE"
        try:
            response = self.client.update_item(**request)
        except ClientError as error:
            if self._is_condition_failure(error):
                return None if return_new else False
            raise
        if not return_new:
            return True
        return self._item_out(response.get("Attributes", {}))

    def update_or_old(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,
        set_if_absent: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Iterable[str] = (),
        cond: Cond,
    ) -> UpdateResult:
        """A conditional update that, when refused, returns the item that stood in its way
        in the same request (``ALL_OLD``)."""
        from botocore.exceptions import ClientError

        request = self._update_request(pk, sk, set, set_if_absent, add, remove, cond)
        request["ReturnValues"] = "ALL_NEW"
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            response = self.client.update_item(**request)
        except ClientError as error:
            if self._is_condition_failure(error):
                raw = error.response.get("Item")
                return UpdateResult(False, self._item_out(raw) if raw else None)
            raise
        return UpdateResult(True, self._item_out(response.get("Attributes", {})))

    def _update_request(
        self,
        pk: str,
        sk: str,
        set: Mapping[str, Any] | None,
        set_if_absent: Mapping[str, Any] | None,
        add: Mapping[str, int | float] | None,
        remove: Iterable[str],
        cond: Cond | None,
    ) -> dict[str, Any]:
        expr = _Expr(self._ser)
        sets: list[str] = []
        removes = [expr.name(a) for a in remove]
        for attr, value in (set or {}).items():
            if value is None:
                removes.append(expr.name(attr))
            else:
                sets.append(f"{expr.name(attr)} = {expr.value(value)}")
        for attr, value in (set_if_absent or {}).items():
            n = expr.name(attr)
            sets.append(f"{n} = if_not_exists({n}, {expr.value(value)})")
        adds = [f"{expr.name(a)} {expr.value(v)}" for a, v in (add or {}).items()]
        clauses = []
        if sets:
            clauses.append("SET " + ", ".join(sets))
        if adds:
            clauses.append("ADD " + ", ".join(adds))
        if removes:
            clauses.append("REMOVE " + ", ".join(removes))
        request: dict[str, Any] = {"TableName": self.name, "Key": self._key(pk, sk)}
        if clauses:
            request["UpdateExpression"] = " ".join(clauses)
        if cond is not None:
            request["ConditionExpression"] = expr.cond(cond)
        return expr.apply(request)

    def update_entries(
        self,
        pk: str,
        sk: str,
        attr: str,
        *,
        put: Mapping[str, Any] | None = None,
        drop: Iterable[str] = (),
        cond: Cond | None = None,
    ) -> bool:
        """Set and remove entries of the map attribute ``attr`` of an existing item, in one
        UpdateItem (``SET a.k = v``, ``REMOVE a.k``): the rest of the map is untouched, so
        two writers of different entries never undo each other. False when ``cond`` failed.
        Setting needs the map to exist (DynamoDB refuses a path into nothing)."""
        from botocore.exceptions import ClientError

        expr = _Expr(self._ser)
        clauses = []
        sets = [f"{expr.entry(attr, k)} = {expr.value(v)}" for k, v in (put or {}).items()]
        removes = [expr.entry(attr, k) for k in drop]
        if sets:
            clauses.append("SET " + ", ".join(sets))
        if removes:
            clauses.append("REMOVE " + ", ".join(removes))
        if not clauses:
            return True
        request: dict[str, Any] = {
            "TableName": self.name,
            "Key": self._key(pk, sk),
            "UpdateExpression": " ".join(clauses),
        }
        if cond is not None:
            request["ConditionExpression"] = expr.cond(cond)
        try:
            self.client.update_item(**expr.apply(request))
        except ClientError as error:
            if self._is_condition_failure(error):
                return False
            raise
        return True

    def delete(self, pk: str, sk: str, *, cond: Cond | None = None) -> bool:
        from botocore.exceptions import ClientError

        request: dict[str, Any] = {"TableName": self.name, "Key": self._key(pk, sk)}
        if cond is not None:
            expr = _Expr(self._ser)
            request["ConditionExpression"] = expr.cond(cond)
            expr.apply(request)
        try:
            self.client.delete_item(**request)
        except ClientError as error:
            if self._is_condition_failure(error):
                return False
            raise
        return True

    # -- many items
    def query(
        self,
        pk: str,
        *,
        prefix: str | None = None,
        start: str | None = None,
        end: str | None = None,
        index: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
        consistent: bool = False,
    ) -> Iterator[Item]:
        """Items of one partition in key order, following pages lazily (1 MB each).

        ``prefix`` is begins_with on the sort key; ``start``/``end`` an inclusive range.
        """
        from chalicelib.store.schema import INDEXES

        hash_attr, range_attr = INDEXES[index] if index else ("pk", "sk")
        expr = _Expr(self._ser)
        condition = f"{expr.name(hash_attr)} = {expr.value(pk)}"
        if prefix is not None or start is not None or end is not None:
            sk_name = expr.name(range_attr)  # only named when used: DynamoDB rejects unused names
        if prefix is not None:
            condition += f" AND begins_with({sk_name}, {expr.value(prefix)})"
        elif start is not None and end is not None:
            condition += f" AND {sk_name} BETWEEN {expr.value(start)} AND {expr.value(end)}"
        elif start is not None:
            condition += f" AND {sk_name} >= {expr.value(start)}"
        elif end is not None:
            condition += f" AND {sk_name} <= {expr.value(end)}"
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": condition,
            "ScanIndexForward": not reverse,
        }
        if index:
            request["IndexName"] = index
        elif consistent:
            request["ConsistentRead"] = True
        expr.apply(request)
        remaining = limit
        while True:
            if remaining is not None:
                request["Limit"] = remaining
            response = self.client.query(**request)
            for raw in response.get("Items", []):
                yield self._item_out(raw)
            if remaining is not None:
                remaining -= len(response.get("Items", []))
                if remaining <= 0:
                    return
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def batch_put(self, items: Iterable[Item]) -> int:
        """Write items 25 to a request, retrying what DynamoDB leaves unprocessed."""
        written = 0
        chunk: list[dict[str, Any]] = []
        for item in items:
            chunk.append({"PutRequest": {"Item": self._item_in(item)}})
            if len(chunk) == BATCH_WRITE_MAX:
                written += self._write_chunk(chunk)
                chunk = []
        if chunk:
            written += self._write_chunk(chunk)
        return written

    def batch_delete(self, keys: Iterable[tuple[str, str]]) -> int:
        """Delete items by key, 25 to a request, retrying what DynamoDB leaves unprocessed.
        A missing item is no error (deleting is idempotent); returns how many distinct keys
        were asked (a key repeated is sent once: DynamoDB refuses one twice in a request)."""
        deleted = 0
        chunk: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for pk, sk in keys:
            if (pk, sk) in seen:
                continue
            seen.add((pk, sk))
            chunk.append({"DeleteRequest": {"Key": self._key(pk, sk)}})
            if len(chunk) == BATCH_WRITE_MAX:
                deleted += self._write_chunk(chunk)
                chunk = []
        if chunk:
            deleted += self._write_chunk(chunk)
        return deleted

    def _write_chunk(self, requests: list[dict[str, Any]]) -> int:
        pending = {self.name: requests}
        for attempt in range(MAX_RETRY_ROUNDS + 1):
            response = self.client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return len(requests)
            self._backoff(attempt)
        left = len(pending.get(self.name, []))
        raise StoreError(f"{left} items still unprocessed after {MAX_RETRY_ROUNDS} retries")

    def batch_get(self, keys: Iterable[tuple[str, str]], *, consistent: bool = False) -> list[Item]:
        """Read items 100 keys to a request, retrying unprocessed keys. Order is not kept.
        ``consistent``: strongly consistent (twice the read units)."""
        found: list[Item] = []
        unique = list(dict.fromkeys(keys))
        for offset in range(0, len(unique), BATCH_GET_MAX):
            chunk = [self._key(pk, sk) for pk, sk in unique[offset : offset + BATCH_GET_MAX]]
            request: dict[str, Any] = {"Keys": chunk, "ConsistentRead": consistent}
            pending: dict[str, Any] = {self.name: request}
            for attempt in range(MAX_RETRY_ROUNDS + 1):
                response = self.client.batch_get_item(RequestItems=pending)
                found.extend(self._item_out(r) for r in response["Responses"].get(self.name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                self._backoff(attempt)
            else:
                raise StoreError(f"keys still unprocessed after {MAX_RETRY_ROUNDS} retries")
        return found
