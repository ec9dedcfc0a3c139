"""Pointing a community's jobs at their next runs (the ``due`` index): when a community is
created or its times change, and when the local runtime starts. The dispatcher only reads
the pointers (jobs/dispatch_due_jobs.py) and the worker advances them
(jobs/run_queued_jobs.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.models import Community
from chalicelib.jobs import registry
from chalicelib.jobs.schedule import next_slot
from chalicelib.store import due
from chalicelib.store.table import Table


def schedule_community(table: Table, community: Community, now: datetime) -> dict[str, str]:
    """(Re)point every job of the community at its next run after ``now``: on creation and
    whenever its times, timezone or jobs change. Returns job → next run (UTC ISO)."""
    planned = {}
    for job in registry.job_names():
        slot = next_slot(community, job, now)
        if slot is None:
            due.clear_due(table, community.id, job)
            continue
        due.put_due(table, community.id, job, slot.period, slot.scheduled_at, now=now)
        planned[job] = slot.scheduled_at.isoformat()
    return planned


def reschedule_community(store: Any, community_id: str, now: datetime) -> dict[str, str]:
    """``schedule_community`` for a community read afresh (its settings just changed); a
    community deleted meanwhile has nothing to schedule."""
    from chalicelib.store.repository import NotFound

    try:
        community = store.get_community(community_id)
    except NotFound:
        return {}
    return schedule_community(store.table, community, now)


def ensure_scheduled(table: Table, community: Community, now: datetime) -> bool:
    """Schedule the jobs of a community that has no schedule yet (one Query); True when it
    had to. A community with some pointers keeps them: they may be due right now."""
    from chalicelib.store import keys

    pointers = list(table.query(keys.community_pk(community.id), prefix="DUE#"))
    for item in pointers:
        if item.get("due_pk") != due.index_pk(community.id, item["job"]):
            # Written before the index's shards were shared by every job (the tick reads
            # only the shards): point it again. The upgrade step (docs/operator.md).
            scheduled_at = datetime.fromisoformat(item["scheduled_at"])
            due.put_due(table, community.id, item["job"], item["period"], scheduled_at, now=now)
    existing = {item["job"] for item in pointers}
    missing = [job for job in registry.job_names() if job not in existing]
    scheduled = False
    for job in missing:
        slot = next_slot(community, job, now)
        if slot is not None:
            due.put_due(table, community.id, job, slot.period, slot.scheduled_at, now=now)
            scheduled = True
    return scheduled
