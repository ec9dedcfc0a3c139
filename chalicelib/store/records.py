"""Domain values ⇄ table items.

Dates and datetimes are stored as ISO strings (sortable, readable in the console), enums as
their values, tuples as lists; ``None`` is not stored at all.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import sys
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


def _base_type(hint: Any) -> Any:
    """``date | None`` → date; ``tuple[int, ...]`` → tuple."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _base_type(args[0]) if len(args) == 1 else hint
    return origin or hint


# A field typed as a union of several types: its stored value is taken as it is.
SEVERAL = object()


def _base_of_text(text: str, namespace: dict[str, Any]) -> Any:
    """What ``_base_type`` gives for an annotation still in its text form (``from
    __future__ import annotations``), read from the text rather than evaluated; None when
    the text is not a plain ``Name``, ``Name[...]`` or a union of those with ``None``."""
    parts: list[str] = []
    depth = start = 0
    for i, char in enumerate(text):
        depth += (char == "[") - (char == "]")
        if char == "|" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    named = [p for p in parts if p != "None"]
    if len(named) > 1:
        return SEVERAL
    head = named[0].split("[", 1)[0].strip() if named else ""
    if not head.isidentifier() or head in ("Optional", "Union"):
        return None
    found = namespace[head] if head in namespace else getattr(builtins, head, None)
    return None if found is None else _settled(_base_type(found))


def _settled(base: Any) -> Any:
    return SEVERAL if typing.get_origin(base) in (typing.Union, types.UnionType) else base


@functools.cache
def _bases(cls: Any) -> dict[str, Any]:
    """Each field's base type, for ``_coerce``, in field order.

    Read from the annotations' text: ``typing.get_type_hints`` compiles and evaluates each
    one (Community's and Member's ~115, several ms of every cold start's first request).
    Any annotation the reading does not cover is evaluated the old way."""
    bases: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        declared = next(c for c in cls.__mro__ if f.name in vars(c).get("__annotations__", {}))
        namespace = vars(sys.modules[declared.__module__])
        base = _base_of_text(f.type, namespace) if isinstance(f.type, str) else None
        if base is None:
            hints = typing.get_type_hints(cls)
            return {g.name: _settled(_base_type(hints[g.name])) for g in dataclasses.fields(cls)}
        bases[f.name] = base
    return bases


def _coerce(base: Any, value: Any) -> Any:
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
    bases = _bases(cast(Any, cls))
    kwargs = {name: _coerce(base, item[name]) for name, base in bases.items() if name in item}
    return cls(**kwargs)
