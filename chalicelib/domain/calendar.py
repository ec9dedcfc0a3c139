"""Local time for communities: their dates, their days, their routines and homework cycles.

A community lives in one IANA timezone and may end its day at a boundary other than midnight
(04:00 suits night owls). Everything here is pure: no clock reads, no AWS. Callers pass the
instant they care about, which keeps jobs replayable and tests exact.

Conventions, chosen so that every routine runs exactly once per period, whatever DST does:

* Instants in are timezone-aware datetimes in any zone (naive ones raise ``ValueError``);
  instants out are aware UTC. Wall times (``datetime.time``) are naive; their ``fold`` is
  ignored because the ambiguity rules below decide instead.
* ``at_local(d, t)`` is *the first instant at which the local clock shows* ``d t`` *or later*.
  That single rule gives both DST behaviours: a wall time in a spring-forward gap resolves to
  the end of the gap (the first valid instant after it), and a wall time repeated by a
  fall-back resolves to its first occurrence. A reminder therefore neither skips nor repeats.
* A *local date* ``d`` is the half-open interval ``[day_start(d), day_end(d))`` with
  ``day_start(d) = at_local(d, day_boundary)``. Away from folds this is the calendar date of
  "wall time minus the boundary"; in the rare case where a fall-back repeats the boundary
  itself, the repeated stretch stays in the new date so local dates never go backwards.
* Jobs and deadlines are expressed *per local date* (:meth:`LocalCalendar.occurrence`): wall
  time ``t`` on local date ``d`` falls on calendar date ``d`` when ``t >= day_boundary`` and on
  ``d + 1`` otherwise (01:00 with a 04:00 boundary is still "tonight"). Weekdays and days of
  the month in the ``next_*`` functions and in cycles refer to that local date too, so
  ``period_date(next_weekly(after, 6, t)).weekday() == 6`` always holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import count
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.tz import known_zones, load

__all__ = ["CycleCalendar", "LocalCalendar", "UnknownTimezone", "zone"]

MIDNIGHT = time(0, 0)
DEFAULT_DEADLINE_TIME = time(23, 59)
_ONE_DAY = timedelta(days=1)
_EPSILON = timedelta(microseconds=1)
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class UnknownTimezone(ValueError):
    """A timezone name that is not an IANA zone; the message is fit to show an operator."""

    def __init__(self, name: object) -> None:
        super().__init__(f"unknown timezone '{name}' (use an IANA name such as Asia/Shanghai)")
        self.name = name


def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name, cached; anything else raises :class:`UnknownTimezone`.

    Offsets such as ``UTC+8`` are refused on purpose: a fixed offset cannot follow DST, so a
    community configured that way would drift by an hour twice a year.

    Zones come from the pinned ``tzdata`` package, never the machine's zone files
    (:mod:`chalicelib.domain.tz`), so a laptop, CI and Lambda compute with the same rules; its
    list also keeps out names that only happen to resolve on some machines: file paths,
    ``localtime``, ``posixrules``, ``right/...`` (leap-second data, ~27 s off every instant).
    """
    if not isinstance(name, str) or name not in known_zones():
        raise UnknownTimezone(name)
    try:
        return load(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:  # pragma: no cover - defensive
        raise UnknownTimezone(name) from error


def _utc(instant: datetime, what: str = "instant") -> datetime:
    """Aware UTC copy of ``instant``.

    Normalising first also sidesteps Python's same-zone comparison, which compares wall times
    and ignores ``fold`` (so the two 02:30s of a fall-back night would compare equal).
    """
    if not isinstance(instant, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(
            f"naive datetime {instant.isoformat()} for {what}: pass a timezone-aware instant"
        )
    return instant.astimezone(UTC)


def _wall_time(t: time, what: str = "wall time") -> time:
    if not isinstance(t, time):
        raise TypeError(f"{what} must be a datetime.time, got {type(t).__name__}")
    if t.tzinfo is not None:
        raise ValueError(f"{what} {t.isoformat()} must be a naive local wall time")
    return t.replace(fold=0)


def _date(d: date, what: str = "date") -> date:
    # datetime is a subclass of date; accepting one would silently drop its time and zone.
    if not isinstance(d, date) or isinstance(d, datetime):
        raise TypeError(f"{what} must be a datetime.date, got {type(d).__name__}")
    return d


def _parse_month(month: str) -> tuple[int, int]:
    match = _MONTH.fullmatch(month) if isinstance(month, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"month must look like 2026-11, got {month!r}")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class LocalCalendar:
    """Dates and wall-clock schedules in one community's timezone and day boundary."""

    timezone: str
    day_boundary: time = MIDNIGHT

    def __post_init__(self) -> None:
        zone(self.timezone)  # fail at construction, not at 21:00 when the reminder is due
        _wall_time(self.day_boundary, "day boundary")

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def _boundary_offset(self) -> timedelta:
        b = self.day_boundary
        return timedelta(
            hours=b.hour, minutes=b.minute, seconds=b.second, microseconds=b.microsecond
        )

    # -- dates and days -------------------------------------------------------------------

    def local_date(self, instant: datetime) -> date:
        """The community's date at ``instant`` (with a 04:00 boundary, 03:59 is still yesterday)."""
        at = _utc(instant)
        wall = at.astimezone(self.tz).replace(tzinfo=None)
        d = (wall - self._boundary_offset()).date()
        # The clock reads at least ``d day_boundary`` at ``at``, so ``at >= day_start(d)``. It can
        # still be past ``day_end(d)`` when a fall-back repeats the boundary (second 02:10 with a
        # 02:30 boundary): that stretch belongs to the new date, so dates never run backwards.
        while at >= self.day_end(d):
            d += _ONE_DAY
        return d

    def period_date(self, instant: datetime) -> date:
        """The local date a job running at ``instant`` is for (its idempotency period).

        Same as :meth:`local_date`; named for jobs, where 01:00 "last call" with a 04:00
        boundary is about the previous calendar date.
        """
        return self.local_date(instant)

    def day_start(self, d: date) -> datetime:
        """When local date ``d`` begins: the boundary wall time on ``d``, DST-correct, in UTC."""
        return self.at_local(_date(d), self.day_boundary)

    def day_end(self, d: date) -> datetime:
        """When local date ``d`` ends (exclusive): the start of the next date. Days can last
        23 or 25 hours, so never compute this as ``day_start(d) + 24h``."""
        return self.day_start(_date(d) + _ONE_DAY)

    def at_local(self, d: date, t: time) -> datetime:
        """The first instant at which the local clock shows calendar date ``d`` at ``t`` or later.

        Existing wall times map to themselves; repeated ones (fall-back) to their first
        occurrence, so a job runs once; missing ones (spring-forward gap) to the end of the gap,
        the first valid instant after it, so a job still runs.
        """
        naive = datetime.combine(_date(d), _wall_time(t))
        tz = self.tz
        first = naive.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the earlier of a repeated pair
        if first.astimezone(tz).replace(tzinfo=None) == naive:
            return first
        # In a gap: fold=0 and fold=1 land on either side of the transition. The clock jumps
        # over ``naive`` there, so search the instant where it first reads >= naive.
        other = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        before, after = min(first, other), max(first, other)
        while after - before > _EPSILON:
            middle = before + (after - before) // 2
            if middle.astimezone(tz).replace(tzinfo=None) >= naive:
                after = middle
            else:
                before = middle
        return after

    def occurrence(self, d: date, t: time) -> datetime:
        """The instant wall time ``t`` happens during local date ``d``, as a job for ``d`` runs.

        With a 04:00 boundary, 01:00 of local date ``d`` is on calendar date ``d + 1``. The
        result always lies in ``[day_start(d), day_end(d))``, which is what makes routines run
        exactly once per local date. Two rare DST cases need a choice:

        * ``t`` and the boundary fall in the same spring-forward gap (Helsinki, boundary 04:00,
          last call 03:30 on the night the clock jumps 03:00 -> 04:00): the first valid instant
          after the gap already belongs to the next date, so the job runs at the last instant
          of ``d`` instead, just before the jump.
        * Local date ``d`` never existed (Pacific/Apia skipped 2011-12-30): the result is
          ``day_start(d)``, equal to ``day_end(d)``; the ``next_*`` functions skip such dates.
        """
        t = _wall_time(t)
        start, end = self.day_start(d), self.day_end(d)
        if start == end:
            return start
        calendar_date = d if t >= self.day_boundary else d + _ONE_DAY
        return min(self.at_local(calendar_date, t), end - _EPSILON)

    # -- schedules ------------------------------------------------------------------------

    def _first_run_after(self, after: datetime, t: time, dates: Iterator[date]) -> datetime:
        """First occurrence of ``t`` strictly after ``after`` among increasing local ``dates``.

        ``dates`` must start no later than ``local_date(after)``: earlier dates end before
        ``after`` and could not win anyway. Dates that never existed are skipped.
        """
        at = _utc(after, "after")
        t = _wall_time(t)
        for d in dates:
            if self.day_start(d) == self.day_end(d):
                continue
            run = self.occurrence(d, t)
            if run > at:
                return run
        raise AssertionError("unreachable: date iterators are infinite")  # pragma: no cover

    def next_daily(self, after: datetime, t: time) -> datetime:
        """The next run of a daily job at wall time ``t``, strictly after ``after``.

        One run per local date (see :meth:`occurrence`), so a reminder is neither doubled by a
        fall-back nor lost in a spring-forward gap; ``period_date`` of the result is its date.
        """
        start = self.local_date(after)
        return self._first_run_after(after, t, (start + n * _ONE_DAY for n in count()))

    def next_weekly(self, after: datetime, weekday: int, t: time) -> datetime:
        """The next run strictly after ``after`` at wall time ``t`` on a local date whose
        weekday is ``weekday`` (0 = Monday ... 6 = Sunday)."""
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {weekday!r}")
        today = self.local_date(after)
        start = today + timedelta(days=(weekday - today.weekday()) % 7)
        return self._first_run_after(after, t, (start + timedelta(weeks=n) for n in count()))

    def next_monthly(self, after: datetime, day: int, t: time) -> datetime:
        """The next run strictly after ``after`` at wall time ``t`` on local date ``day`` of a
        month. Days are limited to 1..28 so that every month has exactly one run."""
        if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 28:
            raise ValueError(f"day of month must be 1..28 (every month has it), got {day!r}")
        today = self.local_date(after)

        def months() -> Iterator[date]:
            d = today.replace(day=day)
            while True:
                yield d
                d = (d.replace(day=1) + timedelta(days=32)).replace(day=day)

        return self._first_run_after(after, t, months())

    # -- labels ---------------------------------------------------------------------------

    def iso_week(self, d: date) -> str:
        """ISO-8601 week label, e.g. ``2026-W47``; the ISO year, so 2027-01-03 is ``2026-W53``."""
        year, week, _ = _date(d).isocalendar()
        return f"{year:04d}-W{week:02d}"

    def month(self, d: date) -> str:
        """Month label ``YYYY-MM``; sorts as text, so it works as a key component."""
        d = _date(d)
        return f"{d.year:04d}-{d.month:02d}"

    def previous_month(self, month: str) -> str:
        """The month label before ``month``: ``2026-01`` -> ``2025-12``."""
        year, number = _parse_month(month)
        return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"

    def month_bounds(self, month: str) -> tuple[date, date]:
        """First and last local date of ``month`` (inclusive), leap years included."""
        year, number = _parse_month(month)
        first = date(year, number, 1)
        # Not "32 days on, back to the 1st": from 9999-12 that overflows.
        last = date(year, 12, 31) if number == 12 else date(year, number + 1, 1) - _ONE_DAY
        return first, last


@dataclass(frozen=True)
class CycleCalendar:
    """Numbered homework cycles, each ending at a deadline, counted from an ``anchor`` date.

    The rule (all dates are the community's local dates, see the module docstring):

    * Cycle ``n`` ends at ``deadline(n)``: wall time ``deadline_time`` on local date
      ``first_deadline_date + (n - 1) * length_days``.
    * ``first_deadline_date`` is, for 7-day cycles, the first local date on or after ``anchor``
      whose weekday is ``deadline_weekday``; for any other length it is
      ``anchor + length_days - 1`` (the weekday is ignored). So weekly cycle 1 is *partial*,
      1 to 7 days long, unless the anchor is the day after the deadline weekday (a Monday for
      the default Sunday deadline); every later cycle is exactly ``length_days`` local dates.
    * If that first deadline would not come after ``day_start(anchor)`` (in practice only when
      ``deadline_time`` equals the day boundary and falls on the anchor date), it moves one
      cycle later, so no cycle is ever empty.
    * With a day boundary, "Sunday 02:00" is 02:00 *within local date Sunday*, i.e. calendar
      Monday 02:00 with a 04:00 boundary, so every cycle is made of whole local dates.
    * Cycle ``n`` is the interval ``(deadline(n - 1), deadline(n)]``: an instant exactly at a
      deadline still counts as on time, one microsecond later is the next cycle. Cycle 1 also
      includes its start, ``day_start(anchor)``; anything earlier is cycle 0.

    Deadlines are wall times, so they stay at 23:59 local across DST changes (the cycle around
    a change is an hour shorter or longer). Paused cycles keep their numbers: pausing is the
    caller's business, and "missed N in a row" counts skip paused numbers explicitly.
    """

    calendar: LocalCalendar
    anchor: date
    length_days: int = 7
    deadline_weekday: int = 6
    deadline_time: time = DEFAULT_DEADLINE_TIME

    def __post_init__(self) -> None:
        if not isinstance(self.calendar, LocalCalendar):
            raise TypeError("calendar must be a LocalCalendar")
        _date(self.anchor, "anchor")
        if (
            not isinstance(self.length_days, int)
            or isinstance(self.length_days, bool)
            or not 1 <= self.length_days <= 28
        ):
            raise ValueError(f"cycle length must be 1..28 days, got {self.length_days!r}")
        if (
            not isinstance(self.deadline_weekday, int)
            or isinstance(self.deadline_weekday, bool)
            or not 0 <= self.deadline_weekday <= 6
        ):
            raise ValueError(
                f"deadline weekday must be 0 (Monday) .. 6 (Sunday), got {self.deadline_weekday!r}"
            )
        _wall_time(self.deadline_time, "deadline time")

    @cached_property
    def _first_deadline_date(self) -> date:
        if self.length_days == 7:
            days_ahead = (self.deadline_weekday - self.anchor.weekday()) % 7
            first = self.anchor + timedelta(days=days_ahead)
        else:
            first = self.anchor + timedelta(days=self.length_days - 1)
        if self.calendar.occurrence(first, self.deadline_time) <= self.calendar.day_start(
            self.anchor
        ):
            first += timedelta(days=self.length_days)
        return first

    def _deadline_date(self, n: int) -> date:
        return self._first_deadline_date + timedelta(days=(n - 1) * self.length_days)

    def deadline(self, n: int) -> datetime:
        """When cycle ``n`` closes (aware UTC); ``deadline(0)`` is ``day_start(anchor)``."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"cycle number must be >= 0, got {n!r}")
        if n == 0:
            return self.calendar.day_start(self.anchor)
        return self.calendar.occurrence(self._deadline_date(n), self.deadline_time)

    def start(self, n: int) -> datetime:
        """When cycle ``n`` opens: the previous deadline (cycle ``n`` begins just after it).

        For cycle 1 that is ``day_start(anchor)``, which itself belongs to cycle 1.
        """
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"cycle number must be >= 1, got {n!r}")
        return self.deadline(n - 1)

    def cycle_of(self, instant: datetime) -> int:
        """The cycle containing ``instant``: 0 before the anchor day, else the first cycle whose
        deadline is at or after it."""
        at = _utc(instant)
        if at < self.deadline(0):
            return 0
        # Start from the first cycle whose deadline date is not before the instant's local date:
        # every earlier deadline lies in an earlier local date, hence before ``at``. Then walk
        # forward (at most one step: the instant may be after its own date's deadline).
        days = (self.calendar.local_date(at) - self._first_deadline_date).days
        n = max(1, -(-days // self.length_days) + 1)  # 1 + ceil(days / length)
        while at > self.deadline(n):
            n += 1
        return n

    def cycle_id(self, n: int) -> str:
        """Sortable id for cycle ``n``, e.g. ``C0042``. Four digits keep text order equal to
        numeric order; 9999 weekly cycles is ~190 years, daily ones ~27 years."""
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 9999:
            raise ValueError(f"cycle number must be 0..9999 to keep ids sortable, got {n!r}")
        return f"C{n:04d}"
