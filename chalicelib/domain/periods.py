"""A run's period as a typed value: what a job run is for, the key of its claim.

``2026-11-23`` (a local day), ``2026-W47`` (the ISO week a 7-day cycle closes in),
``C0042`` (a cycle of another length), ``2026-10`` (a month), ``2026-Q4`` (a quarter),
each optionally followed by ``#<slot>``: ``#last-call`` (the day's second reminder),
``#manual`` (a reminder sent by hand, once a day), or an instance of a job that has several
per community. Parsed once and formatted back to the same text, so the claim keys written
before this type stay valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chalicelib.domain.models import InvalidValue


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    CYCLE = "cycle"
    MONTH = "month"
    QUARTER = "quarter"


LAST_CALL = "last-call"
MANUAL = "manual"

_PATTERNS = (
    (PeriodKind.DAY, re.compile(r"\d{4}-\d{2}-\d{2}")),
    (PeriodKind.WEEK, re.compile(r"\d{4}-W\d{2}")),
    (PeriodKind.CYCLE, re.compile(r"C\d{4,}")),
    (PeriodKind.MONTH, re.compile(r"\d{4}-\d{2}")),
    (PeriodKind.QUARTER, re.compile(r"\d{4}-Q[1-4]")),
)
_SLOT = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    base: str
    slot: str | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        base, _, slot = text.partition("#")
        for kind, pattern in _PATTERNS:
            if pattern.fullmatch(base):
                if kind is PeriodKind.DAY:
                    try:
                        date.fromisoformat(base)
                    except ValueError:
                        break
                if "#" in text and not _SLOT.fullmatch(slot):
                    raise InvalidValue(f"period {text!r}: bad slot {slot!r}")
                return cls(kind, base, slot or None)
        raise InvalidValue(
            f"not a period: {text!r} (e.g. 2026-11-23, 2026-11-23#last-call, 2026-W47, 2026-10)"
        )

    @classmethod
    def day_of(cls, day: date, slot: str | None = None) -> Period:
        return cls(PeriodKind.DAY, day.isoformat(), slot)

    def format(self) -> str:
        return f"{self.base}#{self.slot}" if self.slot else self.base

    def __str__(self) -> str:
        return self.format()

    @property
    def day(self) -> date:
        if self.kind is not PeriodKind.DAY:
            raise InvalidValue(f"period {self.format()!r} is not a day")
        return date.fromisoformat(self.base)

    @property
    def last_call(self) -> bool:
        return self.slot == LAST_CALL

    @property
    def manual(self) -> bool:
        return self.slot == MANUAL
