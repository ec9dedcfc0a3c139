"""Time enters rollcall at the edges only.

Logic never reads the clock: an entry point turns ``event.time``, a request's arrival or the
CLI's ``--at`` into ``now`` and passes it down. This module is the one place that asks the
system for the time, and it always answers timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests and replays: it says what it was told, and moves only when moved."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = require_aware(at)


def require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: rollcall needs timezone-aware instants")
    return at.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse ISO-8601 with an offset (``2026-11-23T21:00:00+08:00`` or ``...Z``) to aware UTC."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not an ISO-8601 instant: {text!r} (e.g. 2026-11-23T21:00:00+08:00)"
        ) from None
    if at.tzinfo is None:
        raise ValueError(f"instant {text!r} has no UTC offset (e.g. 2026-11-23T21:00:00+08:00)")
    # A run works in days and months either side of it: at the calendar's edges they overflow.
    if not 1900 <= at.year <= 9998:
        raise ValueError(f"instant {text!r} is out of range: give a year from 1900 to 9998")
    return at.astimezone(UTC)
