"""A period is parsed once and formatted back to the same text (the claim keys of runs
written before the type existed stay valid)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.models import InvalidValue
from chalicelib.domain.periods import Period, PeriodKind


@pytest.mark.parametrize(
    ("text", "kind", "slot"),
    [
        ("2026-11-23", PeriodKind.DAY, None),
        ("2026-11-23#last-call", PeriodKind.DAY, "last-call"),
        ("2026-11-23#manual", PeriodKind.DAY, "manual"),
        ("2026-W47", PeriodKind.WEEK, None),
        ("C0042", PeriodKind.CYCLE, None),
        ("2026-10", PeriodKind.MONTH, None),
        ("2026-12-01#session-fri", PeriodKind.DAY, "session-fri"),
    ],
)
def test_periods_round_trip(text, kind, slot):
    period = Period.parse(text)
    assert (period.kind, period.slot) == (kind, slot)
    assert period.format() == str(period) == text


@pytest.mark.parametrize("text", ["", "2026-13-45", "tomorrow", "2026-11-23#", "2026-11-23#A B"])
def test_a_bad_period_is_refused_in_one_line(text):
    with pytest.raises(InvalidValue, match="period"):
        Period.parse(text)


def test_a_day_period_knows_its_date_and_slot():
    period = Period.day_of(date(2026, 11, 23), "last-call")
    assert period.day == date(2026, 11, 23) and period.last_call and not period.manual
    with pytest.raises(InvalidValue):
        _ = Period.parse("2026-W47").day
