"""A job as a new one is written: this module and one line in jobs/registry.py
(tests/jobs/test_registry.py adds the line). Every day at 09:00 local, a greeting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from chalicelib.domain.models import Community
from chalicelib.jobs.plan import JobSpec, Plan, Slot
from chalicelib.platforms.base import Message
from chalicelib.store.repository import Store

NAME = "morning-greeting"


def plan_greeting(
    store: Store, community: Community, now: datetime, *, period=None, direct=False
) -> Plan:
    period = period or community.calendar.period_date(now).isoformat()
    return Plan(period=period, messages=[Message(f"Good morning, {community.name} ({period})")])


def greeting_slots(community: Community, after: datetime) -> Iterator[Slot]:
    cursor = after
    while True:
        cursor = community.calendar.next_daily(cursor, time(9, 0))
        yield Slot(NAME, community.calendar.period_date(cursor).isoformat(), cursor)


SPEC = JobSpec(
    name=NAME,
    plan=plan_greeting,
    slots=greeting_slots,
    max_lateness=timedelta(hours=1),
    always_on=True,
)
