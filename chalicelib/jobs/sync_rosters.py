"""roster-sync: every day at 04:00 local, read who is in the chat from the platform and
bring the roster in line: joins, leaves, renames (features/roster.py does the work).

It runs for every community on a chat platform (not the local console). Guard clauses
first: a platform that shows no member list (DingTalk, WeCom, the console, or
a platform not configured here) is skipped with its reason recorded on the run; a platform
that refuses the list (a missing scope or permission) is skipped with the refusal, naming
the permission, recorded, and nothing changes. A malformed answer fails the run (an error
naming the platform), before anything is written, and the queue retries it.

After the roster, the platform's admins (Telegram's, Slack's workspace admins, Feishu's
owner and managers) become rollcall admins, and admins only through the platform who lost
that role there lose it here, unless an explicit rollcall role was set
(features/roles.py ``refresh_platform_admins``). A platform that will not list its admins
changes no role and fails nothing: the refusal is logged.

Members who joined since the last sync are welcomed in one message (the community's first
sync adds everyone quietly), with the joining ritual (features/ritual.py): only those whose
welcome this sync claims, so a newcomer a join event welcomed is not welcomed twice. The
changes are written once that message is out (the plan's
``apply``): a run that fails to send is retried from the same unchanged roster, and the
welcome part already delivered is not sent again (the run ledger).

What members do while the list is read (seconds to tens of seconds) is kept: a stored
member's change is a conditional update of the changed fields only (store/roster.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from chalicelib.domain.models import Community, Member
from chalicelib.features.roster import plan_roster_sync
from chalicelib.jobs.plan import JobSpec, Plan, Slot
from chalicelib.platforms.base import ListRefused
from chalicelib.store.repository import Store

log = logging.getLogger("rollcall.roster")

NAME = "roster-sync"
SYNC_TIME = time(4, 0)


def plan_roster_sync_run(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
    adapter: Any = None,
) -> Plan:
    period = period or community.calendar.period_date(now).isoformat()
    try:
        sync = plan_roster_sync(store, community, adapter, now)
    except ListRefused as error:
        log.warning("member list refused", extra={"community": community.id, "error": str(error)})
        return Plan(period=period, messages=[], skip=str(error))
    report = sync.report
    if report.skipped:
        return Plan(period=period, messages=[], skip=report.skipped)

    def apply() -> None:
        written = sync.write_changes()
        log.info(
            "roster synced",
            extra={"community": community.id, "items_written": written, **report.counts()},
        )
        _refresh_admins(store, adapter, community, now, sync.members_after())

    summary = {k: v for k, v in report.as_dict().items() if k not in ("community", "platform")}
    # The joining ritual (features/ritual.py): the welcome of the arrivals this sync claims
    # (a join event may have welcomed them first), and nickname prompts by direct message.
    from chalicelib.features.ritual import ritual_for_sync

    messages, targets = ritual_for_sync(store, community, sync, now, direct=direct)
    return Plan(period=period, messages=messages, summary=summary, apply=apply, targets=targets)


def _refresh_admins(
    store: Store, adapter: Any, community: Community, now: datetime, present: list[Member]
) -> None:
    """The platform's admins, after the roster (so a new member who is an admin is there to
    promote), among ``present``: the roster the sync read, with its changes (no second read).
    Platforms without an admin list (Discord: its admins come with each command;
    DingTalk, WeCom) are left alone."""
    from chalicelib.features.roles import refresh_platform_admins
    from chalicelib.platforms.base import AdminsUnavailable, ChatAdmins

    if not isinstance(adapter, ChatAdmins):
        return
    try:
        done = refresh_platform_admins(store, adapter, community, now, present=present)
    except AdminsUnavailable as error:
        log.warning("admin list refused", extra={"community": community.id, "error": str(error)})
        return
    log.info(
        "platform admins refreshed",
        extra={"community": community.id, "role_changes": len(done.changes)},
    )


def roster_sync_slots(community: Community, after: datetime) -> Iterator[Slot]:
    cursor = after
    while True:
        cursor = community.calendar.next_daily(cursor, SYNC_TIME)
        yield Slot(NAME, community.calendar.period_date(cursor).isoformat(), cursor)


SPEC = JobSpec(
    name=NAME,
    plan=plan_roster_sync_run,
    slots=roster_sync_slots,
    # Still worth doing the same day; a day late, the next day's sync does it instead.
    max_lateness=timedelta(hours=20),
    always_on=True,
    reads_platform=True,
    # Not the console, a local trial with nobody to list. DingTalk and WeCom are scheduled
    # so that each day's run records, in one sentence, why they cannot be synced.
    platforms=("slack", "discord", "telegram", "feishu", "dingtalk", "wecom"),
)
