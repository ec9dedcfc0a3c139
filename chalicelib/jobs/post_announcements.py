"""announcements: each scheduled announcement (群公告) posted once at its local time, and
each cohort's opening (开班仪式) and closing (结业) ceremony once.

Every post is a run of its own: its period (``2026-12-08#a1b2c3d4-0900``,
``2026-12-07#k1b2c3d4-open``) is its claim, so a redelivered or repeated message changes
nothing; the due pointer walks from post to post (a missed tick is caught up post by post
on the following ticks), and a post more than MAX_LATENESS late is skipped and recorded.
A post whose announcement was cancelled meanwhile (or whose period names no occurrence)
is skipped and recorded too. After an announcement is out it is pinned where the platform
allows (MessagePins); a refused pin is logged, never a failed run.

Cost: one GetItem (the text) per announcement; a ceremony one roster Query, a closing the
stars' Queries too (features/stars.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import announcements as ann
from chalicelib.domain.models import Community
from chalicelib.features import announcements as feature
from chalicelib.jobs.plan import JobSpec, Plan, Slot
from chalicelib.platforms.base import ChatAddress, DeliveryError, MessagePins
from chalicelib.store import runs
from chalicelib.store.repository import Store

log = logging.getLogger("rollcall.jobs")

NAME = feature.JOB
# An announcement or a ceremony three hours late still reads as "today's"; later it is
# skipped (and recorded) rather than posted out of its moment.
MAX_LATENESS = timedelta(hours=3)


def plan_announcement(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
    adapter: Any = None,
) -> Plan:
    """``period`` names one post; by default the latest due at or before ``now``."""
    calendar = community.calendar
    if period is None:
        period = _latest_before(community, now)
    found = ann.find_post(calendar, community.announcements, community.cohorts, period)
    if found is None:
        return Plan(period=period, messages=[], skip="cancelled or not scheduled")
    entry, post = found
    if post.ceremony == ann.OPEN:
        message = feature.opening_message(store, community, entry)
        return Plan(period, [message], summary={"cohort": entry["name"], "ceremony": "open"})
    if post.ceremony == ann.CLOSE:
        message = feature.closing_message(store, community, entry)
        return Plan(period, [message], summary={"cohort": entry["name"], "ceremony": "close"})
    text = feature.announcement_text(store, community.id, entry["id"])
    if text is None:
        return Plan(period=period, messages=[], skip="cancelled")

    def pin() -> None:
        _pin_first(store, community, period, adapter)

    return Plan(
        period,
        [feature.post_message(community, text)],
        summary={"announcement": entry["id"]},
        apply=pin,
    )


def _latest_before(community: Community, now: datetime) -> str:
    calendar = community.calendar
    start = now - timedelta(days=32)
    latest = None
    for post in ann.posts_after(calendar, community.announcements, community.cohorts, start):
        if post.scheduled_at > now:
            break
        latest = post
    if latest is None:
        raise ValueError("no announcement or ceremony was due in the last month; name a period")
    return latest.period


def _pin_first(store: Store, community: Community, period: str, adapter: Any) -> None:
    """Pin the post's first part where the platform allows; a refusal is logged only."""
    if not isinstance(adapter, MessagePins):
        return
    record = runs.get_run(store.table, community.id, NAME, period) or {}
    message_id = record.get("sent_0000")
    if not message_id or message_id == "-":
        return
    chat = ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )
    try:
        adapter.pin_message(chat, str(message_id))
    except DeliveryError as error:
        log.warning(
            "pin refused",
            extra={"community": community.id, "job": NAME, "period": period, "error": str(error)},
        )


def announcement_slots(community: Community, after: datetime) -> Iterator[Slot]:
    calendar = community.calendar
    for post in ann.posts_after(calendar, community.announcements, community.cohorts, after):
        yield Slot(NAME, post.period, post.scheduled_at)


SPEC = JobSpec(
    name=NAME,
    plan=plan_announcement,
    slots=announcement_slots,
    max_lateness=MAX_LATENESS,
    always_on=True,  # runs only what an admin scheduled; nothing to turn off
    reads_platform=True,  # to pin the post
)
