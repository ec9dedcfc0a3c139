"""The in-memory twin of DynamoTable: the same contract, no AWS.

Pure logic tests run on it in microseconds; the contract suite proves it behaves like the
DynamoDB one (on moto) for everything rollcall asks of a table. It also counts requests the
way DynamoDB would be billed for them, so efficiency can be pinned without moto.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, overload

from chalicelib.store.schema import INDEXES
from chalicelib.store.table import (
    BATCH_GET_MAX,
    BATCH_WRITE_MAX,
    Cond,
    Item,
    PutResult,
    UpdateResult,
    from_dynamo_value,
)


def _normalise(item: Mapping[str, Any]) -> Item:
    """Store what DynamoDB would give back: no None values, tuples as lists, a deep copy."""
    out: Item = {}
    for key, value in item.items():
        if value is None:
            continue
        out[key] = from_dynamo_value(
            copy.deepcopy(list(value) if isinstance(value, tuple) else value)
        )
    return out


class MemoryTable:
    def __init__(self, name: str = "rollcall-memory") -> None:
        self.name = name
        self._items: dict[tuple[str, str], Item] = {}
        self._lock = threading.RLock()
        self.requests: Counter[str] = Counter()

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> Item | None:
        self.requests["GetItem"] += 1
        item = self._items.get((pk, sk))
        return copy.deepcopy(item) if item is not None else None

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
        self.requests["PutItem"] += 1
        key = (item["pk"], item["sk"])
        with self._lock:
            current = self._items.get(key)
            if cond is not None and not cond.evaluate(current):
                if not return_old:
                    return False
                return PutResult(False, copy.deepcopy(current) if current is not None else None)
            self._items[key] = _normalise(item)
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
        self.requests["UpdateItem"] += 1
        new = self._update(pk, sk, set, set_if_absent, add, remove, cond)
        if new is None:
            return None if return_new else False
        return new if return_new else True

    def _update(
        self,
        pk: str,
        sk: str,
        set: Mapping[str, Any] | None,
        set_if_absent: Mapping[str, Any] | None,
        add: Mapping[str, int | float] | None,
        remove: Iterable[str],
        cond: Cond | None,
    ) -> Item | None:
        """The update itself: the new item, or None when ``cond`` failed."""
        with self._lock:
            current = self._items.get((pk, sk))
            if cond is not None and not cond.evaluate(current):
                return None
            item: Item = copy.deepcopy(current) if current else {"pk": pk, "sk": sk}
            for attr, value in (set or {}).items():
                if value is None:
                    item.pop(attr, None)
                else:
                    item[attr] = value
            for attr, value in (set_if_absent or {}).items():
                item.setdefault(attr, value)
            for attr, amount in (add or {}).items():
                item[attr] = item.get(attr, 0) + amount
            for attr in remove:
                item.pop(attr, None)
            self._items[(pk, sk)] = _normalise(item)
            return copy.deepcopy(self._items[(pk, sk)])

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
        self.requests["UpdateItem"] += 1
        with self._lock:  # re-entrant: the read of the refusal and the update are one step
            new = self._update(pk, sk, set, set_if_absent, add, remove, cond)
            if new is not None:
                return UpdateResult(True, new)
            current = self._items.get((pk, sk))
            return UpdateResult(False, copy.deepcopy(current) if current is not None else None)

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
        self.requests["UpdateItem"] += 1
        with self._lock:
            current = self._items.get((pk, sk))
            if cond is not None and not cond.evaluate(current):
                return False
            put, drop = dict(put or {}), list(drop)
            if not put and not drop:
                return True
            item: Item = copy.deepcopy(current) if current else {"pk": pk, "sk": sk}
            entries = item.get(attr)
            if put and not isinstance(entries, dict):
                raise ValueError(f"no map {attr!r} on {pk}/{sk} to set entries in")
            if isinstance(entries, dict):
                entries.update(put)
                for key in drop:
                    entries.pop(key, None)
            self._items[(pk, sk)] = _normalise(item)
        return True

    def delete(self, pk: str, sk: str, *, cond: Cond | None = None) -> bool:
        self.requests["DeleteItem"] += 1
        with self._lock:
            if cond is not None and not cond.evaluate(self._items.get((pk, sk))):
                return False
            self._items.pop((pk, sk), None)
        return True

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
        self.requests["Query"] += 1
        hash_attr, range_attr = INDEXES[index] if index else ("pk", "sk")
        with self._lock:
            rows = [
                item
                for item in self._items.values()
                if item.get(hash_attr) == pk and range_attr in item
            ]
        selected = []
        for item in rows:
            sort_key = item[range_attr]
            if prefix is not None and not sort_key.startswith(prefix):
                continue
            if prefix is None and start is not None and sort_key < start:
                continue
            if prefix is None and end is not None and sort_key > end:
                continue
            selected.append(item)
        selected.sort(key=lambda i: (i[range_attr], i["pk"], i["sk"]), reverse=reverse)
        if limit is not None:
            selected = selected[:limit]
        for item in selected:
            yield copy.deepcopy(item)

    def batch_put(self, items: Iterable[Item]) -> int:
        written = 0
        for item in items:
            if written % BATCH_WRITE_MAX == 0:
                self.requests["BatchWriteItem"] += 1
            with self._lock:
                self._items[(item["pk"], item["sk"])] = _normalise(item)
            written += 1
        return written

    def batch_get(self, keys: Iterable[tuple[str, str]], *, consistent: bool = False) -> list[Item]:
        unique = list(dict.fromkeys(keys))
        self.requests["BatchGetItem"] += -(-len(unique) // BATCH_GET_MAX)
        return [copy.deepcopy(self._items[k]) for k in unique if k in self._items]

    def batch_delete(self, keys: Iterable[tuple[str, str]]) -> int:
        deleted = 0
        seen: set[tuple[str, str]] = set()
        for key in keys:
            if key in seen:
                continue
            if deleted % BATCH_WRITE_MAX == 0:
                self.requests["BatchWriteItem"] += 1
            seen.add(key)
            with self._lock:
                self._items.pop(key, None)
            deleted += 1
        return deleted

    # -- for tests
    def all_items(self) -> list[Item]:
        return [copy.deepcopy(i) for _, i in sorted(self._items.items())]
