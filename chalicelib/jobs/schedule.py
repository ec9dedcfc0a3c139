"""When each job runs for a community, and which period each run is for.

Every dispatcher (``rollcall serve``'s tick, the EventBridge dispatcher, a replay) asks the
same question: "which runs of job J for community C fell due between two instants?". This
module answers it, purely: no AWS, no clock. The answer is a list of :class:`Slot`, each
naming the *period* the run is for, which is the key of the run's claim
(``RUN#<job>#<period>``). Because periods come from the community's local calendar, a
dispatcher that asks twice about overlapping windows gets the same periods and the claim
makes the repeat harmless.

Each job declares its own slots (its module's ``SPEC``, listed in jobs/registry.py); the
periods of the three routine jobs:

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

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from itertools import takewhile

from chalicelib.domain.models import Community
from chalicelib.jobs import registry
from chalicelib.jobs.plan import Slot

__all__ = ["MAX_LATENESS", "Slot", "next_slot", "slots_between"]


class _Lateness(Mapping[str, timedelta]):
    """How late a run of each job may still happen (its spec's ``max_lateness``). A
    reminder to check in "today" that arrives hours later confuses more than it helps, so
    it is skipped and recorded; a digest or a report is still worth having three days late."""

    def __getitem__(self, job: str) -> timedelta:
        spec = registry.spec_of(job)
        if spec is None:
            raise KeyError(job)
        return spec.max_lateness

    def __iter__(self) -> Iterator[str]:
        return iter(registry.job_names())

    def __len__(self) -> int:
        return len(registry.job_names())


MAX_LATENESS: Mapping[str, timedelta] = _Lateness()


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
    spec = registry.require_spec(job)
    if not spec.enabled(community):
        return iter(())
    return spec.slots(community, after)
