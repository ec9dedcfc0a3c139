"""The duty rota (值月生 / 值周生): who is on duty for a period, by a rule anyone can check.

A community that runs a rota has a period kind (a week or a month). At each period's start
one member is put on duty, picked by :func:`pick_on_duty`:

1. volunteers for that period first (报名值月 / 报名值周, /volunteer), then members active
   within the last period (seen or checked in since the previous period began);
2. never a member who has left, is on leave on the period's first day, is exempt, or served
   within the last ``skip_periods`` periods (a community setting, default 2);
3. within each group, the least recently served first (never served before anyone);
4. ties broken by a SHA-256 of (community id, period, member id): the same inputs give the
   same pick on every run, every machine and every Python (not ``hash()``, which is salted).

Pure: no storage, no clock. Served history, volunteers and the roster are handed in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain.inactivity import last_seen, on_leave_on
from chalicelib.domain.models import InvalidValue, Member

WEEK = "week"
MONTH = "month"
ROTA_KINDS = (WEEK, MONTH)
DEFAULT_SKIP_PERIODS = 2
MAX_SKIP_PERIODS = 12
DUTIES_MAX_CHARS = 500
# How long a swap request waits for the named member's answer.
SWAP_WINDOW = timedelta(hours=24)

_WEEK_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def parse_rota_kind(value: str) -> str:
    kind = (value or "").strip().lower()
    aliases = {"weekly": WEEK, "周": WEEK, "monthly": MONTH, "月": MONTH}
    kind = aliases.get(kind, kind)
    if kind not in ROTA_KINDS:
        raise InvalidValue(f"rota period must be week or month, got {value!r}")
    return kind


def parse_skip_periods(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SKIP_PERIODS:
        raise InvalidValue(f"skip periods must be a whole number from 0 to {MAX_SKIP_PERIODS}")
    return value


def parse_duties(value: str) -> str:
    text = (value or "").strip()
    if len(text) > DUTIES_MAX_CHARS:
        raise InvalidValue(f"duties must be at most {DUTIES_MAX_CHARS} characters")
    return text


# -- periods --------------------------------------------------------------------------------


def period_of(kind: str, day: date) -> str:
    """The rota period a local date falls in: ``2026-W49`` or ``2026-12``."""
    if kind == WEEK:
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return f"{day.year:04d}-{day.month:02d}"


def period_start(period: str) -> date:
    """The first local date of a rota period (a Monday, or the 1st)."""
    week = _WEEK_LABEL.match(period)
    if week:
        return date.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
    month = _MONTH_LABEL.match(period)
    if month:
        return date(int(month.group(1)), int(month.group(2)), 1)
    raise InvalidValue(f"not a rota period: {period!r} (e.g. 2026-W49, 2026-12)")


def kind_of_period(period: str) -> str:
    return WEEK if _WEEK_LABEL.match(period) else MONTH


def shift_period(period: str, by: int) -> str:
    """The period ``by`` periods after (negative: before) ``period``, of the same kind."""
    start = period_start(period)
    if kind_of_period(period) == WEEK:
        return period_of(WEEK, start + timedelta(weeks=by))
    months = start.year * 12 + start.month - 1 + by
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


# -- the pick -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    user_id: str
    name: str
    volunteer: bool


def tie_breaker(community_id: str, period: str, user_id: str) -> str:
    """A stable, unsalted order among equals, seeded by the community and the period."""
    seed = f"{community_id}\x1f{period}\x1f{user_id}".encode()
    return hashlib.sha256(seed).hexdigest()


def last_served(history: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Member id → the latest period they served, from (period, member id) pairs."""
    latest: dict[str, str] = {}
    for period, user_id in history:
        seen = latest.get(user_id)
        if seen is None or period_start(period) > period_start(seen):
            latest[user_id] = period
    return latest


def served_recently(last: str | None, period: str, skip_periods: int) -> bool:
    """Served in one of the ``skip_periods`` periods before ``period`` (or in it)."""
    if last is None or skip_periods <= 0:
        return False
    return period_start(last) >= period_start(shift_period(period, -skip_periods))


def is_active(member: Member, period: str) -> bool:
    """Seen (a message or a check-in) since the previous period began."""
    seen = last_seen(member, period_start(period))
    return seen is not None and seen >= period_start(shift_period(period, -1))


def excluded(member: Member, period: str) -> bool:
    """Never on duty: gone, exempt, or on leave on the period's first day."""
    return not member.is_present or member.exempt or on_leave_on(member, period_start(period))


def pick_on_duty(
    community_id: str,
    period: str,
    members: Iterable[Member],
    served: Mapping[str, str],
    volunteers: Collection[str],
    skip_periods: int = DEFAULT_SKIP_PERIODS,
) -> Pick | None:
    """The member on duty for ``period`` (see the module docstring); None when nobody may
    serve. ``served``: member id → the latest period they served (:func:`last_served`)."""
    eligible = [
        m
        for m in members
        if not excluded(m, period)
        and not served_recently(served.get(m.user_id), period, skip_periods)
    ]

    def order(m: Member) -> tuple[date, str]:
        last = served.get(m.user_id)
        return (
            period_start(last) if last else date.min,
            tie_breaker(community_id, period, m.user_id),
        )

    for group, volunteer in (
        ([m for m in eligible if m.user_id in volunteers], True),
        ([m for m in eligible if m.user_id not in volunteers and is_active(m, period)], False),
    ):
        if group:
            chosen = min(group, key=order)
            return Pick(chosen.user_id, chosen.display(), volunteer)
    return None


# -- swaps ----------------------------------------------------------------------------------


def swap_open(requested_at: datetime | None, now: datetime) -> bool:
    """A swap request may still be accepted at ``now`` (strictly within the window)."""
    return requested_at is not None and requested_at <= now < requested_at + SWAP_WINDOW
