"""Domain values ⇄ table items.

Dates and datetimes are stored as ISO strings (sortable, readable in the console), enums as
their values, tuples as lists; ``None`` is not stored at all.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar, cast

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as storable values (None dropped)."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            continue
        out[f.name] = _plain(value)
    return out


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _base_type(hint: Any) -> Any:
    """``date | None`` → date; ``tuple[int, ...]`` → tuple."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _base_type(args[0]) if len(args) == 1 else hint
    return origin or hint


def _coerce(hint: Any, value: Any) -> Any:
    base = _base_type(hint)
    if value is None:
        return None
    if base is datetime:
        return datetime.fromisoformat(value)
    if base is date:
        return date.fromisoformat(value)
    if base is tuple:
        return tuple(value)
    if isinstance(base, type) and issubclass(base, Enum):
        return base(value)
    if base is bool:
        return bool(value)
    if base is int and not isinstance(value, bool):
        return int(value)
    return value


def from_fields(cls: type[T], item: dict[str, Any]) -> T:
    """Build a dataclass from an item, ignoring attributes it does not know (keys, GSIs)."""
    hints = _hints(cast(Any, cls))
    kwargs = {
        f.name: _coerce(hints[f.name], item[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in item
    }
    return cls(**kwargs)
