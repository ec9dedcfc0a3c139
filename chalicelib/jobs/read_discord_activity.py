"""discord-activity: every 2 hours, read the Discord channel's new messages and count each
author's as their activity (features/channel_activity.py does the work).

A Discord bot that answers interactions over HTTP hears only slash commands; members'
ordinary messages reach it only over the Gateway, which rollcall does not keep open. Their
authors and times (not their words: that needs the privileged Message Content intent) can
be read back with ``GET /channels/{id}/messages?after=…``, so this job does.

Why every 2 hours: activity is a local date (``last_active``), so reading more often changes
nothing a report shows, while each run costs at least one request. A run reads at most 10
pages (1,000 messages) a second apart, far inside Discord's limits (50 requests/s per bot,
and per-route buckets that allow bursts of several requests a second), and short enough
(about 12 s of reading, then at most 1,000 writes) for the worker's 60 s beside other runs;
a community busier than 1,000 messages in 2 hours is read on by the next runs (12,000 a
day). Each community's runs are offset within the 2 hours by a hash of its id, so a
deployment with many communities spreads its reads instead of hitting the global limit at
one minute.

The read happens while planning, before the run's claim; the writes are the plan's
``apply``, once the run is claimed: the authors first, then the cursor. A run stopped between
the two is run again from the same cursor and changes nothing twice (the writes never move
``last_active`` back). A missing permission is the run's skip, its reason naming what to
grant, recorded once for that run and not retried (a refused request is an "invalid
request" to Discord, which bans bots that make 10,000 in 10 minutes).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community
from chalicelib.features.channel_activity import plan_activity_read
from chalicelib.jobs.plan import JobSpec, Plan, Slot
from chalicelib.platforms.base import HistoryRefused
from chalicelib.store.repository import Store

log = logging.getLogger("rollcall.activity")

NAME = "discord-activity"
EVERY = timedelta(hours=2)


def _period(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def plan_discord_activity(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
    adapter: Any = None,
) -> Plan:
    period = period or _period(now)
    try:
        read = plan_activity_read(store, community, adapter, now)
    except HistoryRefused as error:
        log.warning(
            "channel history refused", extra={"community": community.id, "error": str(error)}
        )
        return Plan(period=period, messages=[], skip=str(error))
    if read.skipped:
        return Plan(period=period, messages=[], skip=read.skipped)

    def apply() -> None:
        marked = read.write()
        log.info(
            "channel activity read",
            extra={"community": community.id, "marked": marked, **read.summary()},
        )

    return Plan(period=period, messages=[], summary=read.summary(), apply=apply)


def activity_offset(community: Community) -> timedelta:
    """Where in each 2 hours this community's runs fall: stable, spread by its id."""
    return timedelta(minutes=zlib.crc32(community.id.encode()) % int(EVERY.total_seconds() // 60))


def discord_activity_slots(community: Community, after: datetime) -> Iterator[Slot]:
    """Every 2 hours (an interval, the same in every time zone), at the community's offset."""
    step = int(EVERY.total_seconds())
    shift = activity_offset(community)
    k = int((after - shift).timestamp()) // step
    while True:
        k += 1
        at = datetime.fromtimestamp(k * step, tz=UTC) + shift
        yield Slot(NAME, _period(at), at)


SPEC = JobSpec(
    name=NAME,
    plan=plan_discord_activity,
    slots=discord_activity_slots,
    # A run later than the next one is pointless: the next reads the same messages.
    max_lateness=EVERY,
    always_on=True,
    reads_platform=True,
    platforms=("discord",),
)
