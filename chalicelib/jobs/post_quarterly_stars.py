"""quarterly-stars: on the first day of each quarter, the quarter that ended gets its
stars posted once (the same awards as the month's, over three months) and recorded.

Cost: features/stars.py (a few Queries whatever the roster's size, one PutItem).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from chalicelib.domain.messages import t
from chalicelib.domain.models import Community
from chalicelib.domain.periods import Period, PeriodKind
from chalicelib.domain.stars import quarter_months, quarter_of
from chalicelib.features.stars import compose_stars, compute_stars, record_stars
from chalicelib.jobs.plan import JobSpec, Plan, Slot
from chalicelib.store.repository import Store

NAME = "quarterly-stars"
# Just after the month's stars on the same morning, so the two posts read in order.
POST_TIME = time(9, 5)
QUARTER_STARTS = (1, 4, 7, 10)


def plan_quarterly_stars(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
) -> Plan:
    """``period`` is the quarter (``2026-Q4``); by default the one that ended before
    ``now``'s month."""
    calendar = community.calendar
    if period is None:
        period = quarter_of(calendar.previous_month(calendar.month(calendar.period_date(now))))
    if Period.parse(period).kind is not PeriodKind.QUARTER:
        raise ValueError(f"quarterly stars are for a quarter like 2026-Q4, got {period!r}")
    months = quarter_months(period)
    first = calendar.month_bounds(months[0])[0]
    last = calendar.month_bounds(months[-1])[1]
    stars = compute_stars(store, community, first, last)
    title = t(community.locale, "stars_title_quarter", period=period)
    messages = compose_stars(community, title, stars)

    def apply() -> None:
        record_stars(store, community, period, stars, now)

    summary = {award: [w.user_id for w in winners] for award, winners in stars.items()}
    return Plan(period=period, messages=messages, summary={"stars": summary}, apply=apply)


def quarterly_stars_slots(community: Community, after: datetime) -> Iterator[Slot]:
    calendar = community.calendar
    cursor = after
    while True:
        cursor = calendar.next_monthly(cursor, 1, POST_TIME)
        ran_in = calendar.month(calendar.period_date(cursor))
        if int(ran_in[5:]) in QUARTER_STARTS:
            yield Slot(NAME, quarter_of(calendar.previous_month(ran_in)), cursor)


SPEC = JobSpec(
    name=NAME,
    plan=plan_quarterly_stars,
    slots=quarterly_stars_slots,
    max_lateness=timedelta(days=3),
)
