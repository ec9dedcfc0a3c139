"""When each job runs for a community, and which period each run is for.

Every dispatcher (``rollcall serve``'s tick, the EventBridge dispatcher, a replay) asks the
same question: "which runs of job J for community C fell due between two instants?". This
module answers it, purely: no AWS, no clock. The answer is a list of :class:`Slot`, each
naming the *period* the run is for, which is the key of the run's claim
(``RUN#<job>#<period>``). Because periods come from the community's local calendar, a
dispatcher that asks twice about overlapping windows gets the same periods and the claim
makes the repeat harmless.

Periods per job:

* ``daily-reminder``: the local date, ``2026-11-23``; the optional last call is
  ``2026-11-23#last-call`` (the local date its wall time belongs to, so 01:00 with a 04:00
  day boundary is still "tonight").
* ``weekly-digest``: for 7-day cycles the ISO week of the deadline's local date,
  ``2026-W47``. For other lengths the cycle id, ``C0042``: two 3-day cycles can close in one
  ISO week, so a week label would make the second digest look "already done".
* ``monthly-report``: the month the report covers, i.e. the month *before* the run
  (``2026-10`` for the report run on 2026-11-01).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import takewhile

from chalicelib.domain.calendar import CycleCalendar
from chalicelib.domain.models import JOBS, Community, parse_hhmm

__all__ = ["MAX_LATENESS", "Slot", "next_slot", "slots_between"]

DAILY_REMINDER = "daily-reminder"
WEEKLY_DIGEST = "weekly-digest"
MONTHLY_REPORT = "monthly-report"
LAST_CALL_SUFFIX = "#last-call"

# How late a run may still happen. A reminder to check in "today" that arrives hours later
# (a laptop woke up, a region was down) confuses more than it helps, so it is skipped and
# recorded; a digest or a report is still worth having three days late.
MAX_LATENESS: dict[str, timedelta] = {
    DAILY_REMINDER: timedelta(hours=2),
    WEEKLY_DIGEST: timedelta(days=3),
    MONTHLY_REPORT: timedelta(days=3),
}


@dataclass(frozen=True)
class Slot:
    """One scheduled run: ``job`` for ``period``, due at ``scheduled_at`` (aware UTC)."""

    job: str
    period: str
    scheduled_at: datetime


def slots_between(community: Community, job: str, after: datetime, until: datetime) -> list[Slot]:
    """Every run of ``job`` for ``community`` with ``after < scheduled_at <= until``, in order.

    Half-open on the left so that consecutive windows ``(t0, t1], (t1, t2]`` cover time
    without gaps or overlaps. Empty when the community does not run the job.
    """
    if until <= after:
        return []
    return list(takewhile(lambda slot: slot.scheduled_at <= until, _slots(community, job, after)))


def next_slot(community: Community, job: str, after: datetime) -> Slot | None:
    """The first run of ``job`` strictly after ``after``; None when the job is not scheduled
    for this community (not in its jobs, or no cycle anchor to count cycles from)."""
    return next(_slots(community, job, after), None)


def _slots(community: Community, job: str, after: datetime) -> Iterator[Slot]:
    """All runs strictly after ``after``, in increasing time (infinite unless empty)."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}; jobs are {', '.join(JOBS)}")
    if job not in community.jobs:
        return iter(())
    if job == DAILY_REMINDER:
        return _daily_reminders(community, after)
    if job == WEEKLY_DIGEST:
        return _weekly_digests(community, after)
    return _monthly_reports(community, after)


def _daily_reminders(community: Community, after: datetime) -> Iterator[Slot]:
    calendar = community.calendar

    def daily(t: time, suffix: str) -> Iterator[Slot]:
        cursor = after
        while True:
            # next_daily gives one run per local date, DST-proof: a 02:30 reminder runs at
            # 03:00 on spring-forward day and once (the first 02:30) on fall-back day.
            cursor = calendar.next_daily(cursor, t)
            period = calendar.period_date(cursor).isoformat() + suffix
            yield Slot(DAILY_REMINDER, period, cursor)

    streams = [daily(parse_hhmm(community.reminder_time), "")]
    if community.last_call_time:
        streams.append(daily(parse_hhmm(community.last_call_time), LAST_CALL_SUFFIX))
    return heapq.merge(*streams, key=lambda slot: slot.scheduled_at)


def _weekly_digests(community: Community, after: datetime) -> Iterator[Slot]:
    """The digest follows each cycle's deadline by ``digest_offset_minutes`` of real time, so
    late submissions made in the last minutes before the deadline are in it."""
    calendar = community.calendar
    offset = timedelta(minutes=community.digest_offset_minutes)
    deadline_time = parse_hhmm(community.deadline_time)
    anchor = community.cycle_anchor
    if anchor is None and community.created_at is not None:
        anchor = calendar.local_date(community.created_at)
    weekly = community.cycle_length_days == 7
    if anchor is None:
        if not weekly:
            return  # cycles of other lengths cannot be counted without a starting date
        cursor = after - offset
        while True:
            cursor = calendar.next_weekly(cursor, community.deadline_weekday, deadline_time)
            week = calendar.iso_week(calendar.period_date(cursor))
            yield Slot(WEEKLY_DIGEST, week, cursor + offset)
    cycles = CycleCalendar(
        calendar,
        anchor,
        length_days=community.cycle_length_days,
        deadline_weekday=community.deadline_weekday,
        deadline_time=deadline_time,
    )
    # The first cycle whose deadline is at or after ``after - offset``; step past an exact
    # hit because the window is open on the left. Cycle 0 (before the anchor) has no digest.
    n = max(1, cycles.cycle_of(after - offset))
    while True:
        deadline = cycles.deadline(n)
        if deadline + offset > after:
            if weekly:
                period = calendar.iso_week(calendar.period_date(deadline))
            else:
                period = cycles.cycle_id(n)
            yield Slot(WEEKLY_DIGEST, period, deadline + offset)
        n += 1


def _monthly_reports(community: Community, after: datetime) -> Iterator[Slot]:
    calendar = community.calendar
    t = parse_hhmm(community.report_time)
    cursor = after
    while True:
        cursor = calendar.next_monthly(cursor, community.report_day, t)
        ran_in = calendar.month(calendar.period_date(cursor))
        yield Slot(MONTHLY_REPORT, calendar.previous_month(ran_in), cursor)
