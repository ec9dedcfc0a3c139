"""The one planner of the star jobs: a month's stars (monthly-stars) and a quarter's
(quarterly-stars) differ only in their period's kind, and :func:`star_spec` makes either
job's SPEC from that kind, its name and its post time. The two job modules are just those
declarations.

* **Period**: the one before ``now``'s month by default (the month that ended, or the
  quarter it ended); given by hand it must be of the job's kind (``2026-11``, ``2026-Q4``).
* **Slots**: the 1st of every month at the post time (a quarter's: only the 1st of
  January, April, July and October), each naming the period that just ended.
* **Exactly once**: the period is the run's claim key (the runner's claim), and the
  stars item ``STAR#<period>`` is written once the post is out (``apply``).

Cost: features/stars.py (a few Queries whatever the roster's size, one PutItem).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from chalicelib.domain.calendar import LocalCalendar
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community
from chalicelib.domain.periods import Period, PeriodKind
from chalicelib.domain.stars import quarter_months, quarter_of
from chalicelib.features.stars import compose_stars, compute_stars, record_stars
from chalicelib.jobs.plan import JobSpec, Plan, Planner, Slot
from chalicelib.store.repository import Store

QUARTER_STARTS = (1, 4, 7, 10)
# Still worth having a little late.
MAX_LATENESS = timedelta(days=3)


@dataclass(frozen=True)
class StarPeriods:
    """What a star job's period is: a month or a quarter."""

    kind: PeriodKind
    title_key: str  # the post's title in the catalog
    refusal: str  # the ValueError for a period of another kind

    def ended_before(self, calendar: LocalCalendar, month: str) -> str:
        """The period that ended just before ``month`` began."""
        previous = calendar.previous_month(month)
        return previous if self.kind is PeriodKind.MONTH else quarter_of(previous)

    def posts_in(self, month: str) -> bool:
        """Whether a run falls on the 1st of ``month`` (every month, or a quarter's first)."""
        return self.kind is PeriodKind.MONTH or int(month[5:]) in QUARTER_STARTS

    def bounds(self, calendar: LocalCalendar, period: str) -> tuple[date, date]:
        """The period's first and last local dates."""
        if self.kind is PeriodKind.MONTH:
            return calendar.month_bounds(period)
        months = quarter_months(period)
        return calendar.month_bounds(months[0])[0], calendar.month_bounds(months[-1])[1]


MONTHLY = StarPeriods(
    PeriodKind.MONTH, "stars_title_month", "monthly stars are for a month like 2026-11"
)
QUARTERLY = StarPeriods(
    PeriodKind.QUARTER, "stars_title_quarter", "quarterly stars are for a quarter like 2026-Q4"
)


def star_planner(periods: StarPeriods) -> Planner:
    def plan(
        store: Store,
        community: Community,
        now: datetime,
        *,
        period: str | None = None,
        direct: bool = False,
    ) -> Plan:
        calendar = community.calendar
        if period is None:
            period = periods.ended_before(calendar, calendar.month(calendar.period_date(now)))
        if Period.parse(period).kind is not periods.kind:
            raise ValueError(f"{periods.refusal}, got {period!r}")
        first, last = periods.bounds(calendar, period)
        stars = compute_stars(store, community, first, last)
        title = t(community.locale, periods.title_key, period=period)
        messages = compose_stars(community, title, stars)

        def apply() -> None:
            record_stars(store, community, period, stars, now)

        summary = {award: [w.user_id for w in winners] for award, winners in stars.items()}
        return Plan(period=period, messages=messages, summary={"stars": summary}, apply=apply)

    return plan


def star_slots(
    periods: StarPeriods, name: str, post_time: time
) -> Callable[[Community, datetime], Iterator[Slot]]:
    def slots(community: Community, after: datetime) -> Iterator[Slot]:
        calendar = community.calendar
        cursor = after
        while True:
            cursor = calendar.next_monthly(cursor, 1, post_time)
            ran_in = calendar.month(calendar.period_date(cursor))
            if periods.posts_in(ran_in):
                yield Slot(name, periods.ended_before(calendar, ran_in), cursor)

    return slots


def star_spec(periods: StarPeriods, name: str, post_time: time) -> JobSpec:
    return JobSpec(
        name=name,
        plan=star_planner(periods),
        slots=star_slots(periods, name, post_time),
        max_lateness=MAX_LATENESS,
    )
