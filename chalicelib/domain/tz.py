"""Time zones read from the pinned ``tzdata`` package, and from nothing else.

``ZoneInfo(name)`` searches the machine's zone files first (``/usr/share/zoneinfo``), so a
laptop, CI and ``rollcall serve`` would each compute with their own OS's rules while Lambda
(``PYTHONTZPATH=""`` in .chalice/config.json) reads ``tzdata``. Building every zone from the
package's own files gives every entry point the same rules: the ones that were tested and
ship in the layer (requirements.txt pins the tzdata version).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["TzdataZone", "known_zones", "load"]


class TzdataZone(ZoneInfo):
    """A ``ZoneInfo`` built from tzdata's file; pickles and copies back through :func:`load`.

    (``ZoneInfo.from_file`` zones refuse to pickle, and ``copy.deepcopy`` of an aware datetime
    pickles its zone.)
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (load, (self.key,))


@cache
def _tzdata_dir() -> str:
    """The installed tzdata package's directory. Its files are opened directly, not through
    ``importlib.resources`` (whose readers a webhook's cold start would import for nothing:
    Lambda and every entry point run from unpacked files)."""
    import tzdata

    return os.path.dirname(os.path.abspath(str(tzdata.__file__)))


@cache
def known_zones() -> frozenset[str]:
    """Every zone name the pinned tzdata holds (its ``zones`` list)."""
    with open(os.path.join(_tzdata_dir(), "zones"), encoding="utf-8") as listing:
        return frozenset(listing.read().split())


@cache
def load(name: str) -> ZoneInfo:
    """The zone ``name`` from tzdata, one instance per name; ZoneInfoNotFoundError otherwise.

    Only names in tzdata's list are opened, so a name is never a path on this machine.
    """
    if name not in known_zones():
        raise ZoneInfoNotFoundError(f"No time zone found with key {name}")
    with open(os.path.join(_tzdata_dir(), "zoneinfo", *name.split("/")), "rb") as data:
        return TzdataZone.from_file(data, key=name)
