"""Every scheduled job: one line per job module, each module declaring itself (``SPEC``).

Adding a job is its module (planner, slots, lateness, in a ``SPEC``) and one line here; the
dispatcher, the worker, the runner, the schedule and the CLI all read this registry. Job
modules are imported on first use, never on a webhook's cold start.
"""

from __future__ import annotations

import importlib
from functools import cache

from chalicelib.jobs.plan import JobSpec

JOB_MODULES = (
    "chalicelib.jobs.send_daily_reminders",
    "chalicelib.jobs.send_weekly_digests",
    "chalicelib.jobs.report_inactive_members",
    "chalicelib.jobs.sync_rosters",
    "chalicelib.jobs.post_monthly_stars",
    "chalicelib.jobs.post_quarterly_stars",
    "chalicelib.jobs.turn_over_rota",
    "chalicelib.jobs.post_sessions",
    "chalicelib.jobs.post_announcements",
    "chalicelib.jobs.read_discord_activity",
)


@cache
def _declared() -> dict[str, JobSpec]:
    declared: dict[str, JobSpec] = {}
    for module in JOB_MODULES:
        spec = importlib.import_module(module).SPEC
        if spec.name in declared:
            raise ValueError(f"job {spec.name!r} is declared twice ({module})")
        declared[spec.name] = spec
    return declared


def job_specs() -> dict[str, JobSpec]:
    return _declared()


def job_names() -> tuple[str, ...]:
    return tuple(job_specs())


def spec_of(name: str) -> JobSpec | None:
    return job_specs().get(name)


def require_spec(name: str) -> JobSpec:
    spec = spec_of(name)
    if spec is None:
        raise ValueError(f"unknown job {name!r}; jobs are {', '.join(job_names())}")
    return spec
