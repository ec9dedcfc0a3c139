"""Time zones read from the pinned ``tzdata`` package, and from nothing else.

``ZoneInfo(name)`` searches the machine's zone files first (``/usr/share/zoneinfo``), so a
laptop, CI and ``rollcall serve`` would each compute with their own OS's rules while Lambda
(``PYTHONTZPATH=""`` in .chalice/config.json) reads ``tzdata``. Building every zone from the
package's own files gives every entry point the same rules: the ones that were tested and
ship in the layer (requirements.txt pins the tzdata version).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
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
def known_zones() -> frozenset[str]:
    """Every zone name the pinned tzdata holds (its ``zones`` list)."""
    return frozenset(files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


@cache
def load(name: str) -> ZoneInfo:
    """The zone ``name`` from tzdata, one instance per name; ZoneInfoNotFoundError otherwise.

    Only names in tzdata's list are opened, so a name is never a path on this machine.
    """
    if name not in known_zones():
        raise ZoneInfoNotFoundError(f"No time zone found with key {name}")
    resource = files("tzdata.zoneinfo").joinpath(*name.split("/"))
    with resource.open("rb") as data:
        return TzdataZone.from_file(data, key=name)
