"""monthly-stars: on the 1st of each month, the month that ended gets its stars
(打卡之星, 作业之星, 点评之星) posted to the group once, and recorded for 星榜 /stars.

Cost: features/stars.py (a few Queries whatever the roster's size, one PutItem).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from chalicelib.domain.messages import t
from chalicelib.domain.models import Community
from chalicelib.domain.periods import Period, PeriodKind
from chalicelib.features.stars import compose_stars, compute_stars, record_stars
from chalicelib.jobs.plan import JobSpec, Plan, Slot
from chalicelib.store.repository import Store

NAME = "monthly-stars"
# The morning after the month ends, local time: late enough for last-day check-ins made
# just before the day boundary, early enough to start the month with the applause.
POST_TIME = time(9, 0)


def plan_monthly_stars(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
) -> Plan:
    """``period`` is the month (``2026-11``); by default the one before ``now``'s."""
    calendar = community.calendar
    if period is None:
        period = calendar.previous_month(calendar.month(calendar.period_date(now)))
    if Period.parse(period).kind is not PeriodKind.MONTH:
        raise ValueError(f"monthly stars are for a month like 2026-11, got {period!r}")
    first, last = calendar.month_bounds(period)
    stars = compute_stars(store, community, first, last)
    title = t(community.locale, "stars_title_month", period=period)
    messages = compose_stars(community, title, stars)

    def apply() -> None:
        record_stars(store, community, period, stars, now)

    summary = {award: [w.user_id for w in winners] for award, winners in stars.items()}
    return Plan(period=period, messages=messages, summary={"stars": summary}, apply=apply)


def monthly_stars_slots(community: Community, after: datetime) -> Iterator[Slot]:
    calendar = community.calendar
    cursor = after
    while True:
        cursor = calendar.next_monthly(cursor, 1, POST_TIME)
        ran_in = calendar.month(calendar.period_date(cursor))
        yield Slot(NAME, calendar.previous_month(ran_in), cursor)


SPEC = JobSpec(
    name=NAME,
    plan=plan_monthly_stars,
    slots=monthly_stars_slots,
    max_lateness=timedelta(days=3),  # still worth having a little late
)
