"""Run one job for one community and period: plan → claim → deliver part by part → finish.

The scheduler's worker, ``rollcall job run`` and the local runtime all come through here,
so a manual replay goes through the same claim as a scheduled run.

Exactly once, and the one window left: a part is recorded as delivered right after the
platform accepted it. A crash between the platform's acceptance and that record (one
UpdateItem) is the only way a part can be sent twice: the run is taken over after its
lease expires and resends that one part. We chose this side (at-least-once per part) over
the other (recording before sending), because a reminder that never arrives is worse for
a community than the rare duplicate of one part.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community
from chalicelib.logs import metric
from chalicelib.platforms.base import ChatAddress, DeliveryError, Message
from chalicelib.store import runs

log = logging.getLogger("rollcall.jobs")

# A run's lease: longer than a worker's Lambda timeout (60 s), so a live run is never taken
# over, short enough that a crashed one resumes on the next tick or SQS redelivery.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Plan:
    """What a job would do for one period: its messages and a summary for operators."""

    period: str
    messages: Sequence[Message]
    summary: dict[str, Any] = field(default_factory=dict)
    # Side effects to apply once the messages are out (e.g. strikes); called once per run.
    apply: Callable[[], None] | None = None
    # Where each message goes, parallel to ``messages``: a chat id on the community's
    # platform (e.g. its admin chat), or None (or a missing entry) for the group itself.
    targets: Sequence[str | None] = ()

    def target(self, index: int) -> str | None:
        return self.targets[index] if index < len(self.targets) else None


@dataclass
class JobResult:
    job: str
    community_id: str
    period: str
    status: str  # sent | dry-run | already-done | skipped | failed | nothing-to-send
    parts: list[str] = field(default_factory=list)
    delivered: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "community": self.community_id,
            "period": self.period,
            "status": self.status,
            "delivered": self.delivered,
            "parts": self.parts,
            "summary": self.summary,
            "errors": self.errors,
        }

    def describe(self) -> str:
        head = f"{self.job} for {self.community_id}, period {self.period}: {self.status}"
        if self.status == "sent":
            head += f" ({self.delivered} message{'s' if self.delivered != 1 else ''})"
        body = "\n\n".join(self.parts)
        errors = "\n".join(f"error: {e}" for e in self.errors)
        return "\n".join(x for x in (head, body, errors) if x)


Planner = Callable[..., Plan]


def planners() -> dict[str, Planner]:
    # Imported here so that a webhook cold start never loads the jobs.
    from chalicelib.jobs.report_inactive_members import plan_monthly_report
    from chalicelib.jobs.send_daily_reminders import plan_daily_reminder
    from chalicelib.jobs.send_weekly_digests import plan_weekly_digest

    return {
        "daily-reminder": plan_daily_reminder,
        "weekly-digest": plan_weekly_digest,
        "monthly-report": plan_monthly_report,
    }


def run_job(
    runtime: Any,
    job: str,
    community_id: str,
    now: datetime,
    *,
    dry_run: bool = False,
    force: bool = False,
    period: str | None = None,
) -> JobResult:
    """Run ``job`` for ``community_id`` as of ``now`` (the period is derived from ``now`` in
    the community's calendar unless given)."""
    planner = planners().get(job)
    if planner is None:
        raise ValueError(f"job {job!r} is not available yet")
    store = runtime.store
    community: Community = store.get_community(community_id)
    plan = planner(store, community, now, period=period)
    adapter = runtime.adapter(community.platform)
    result = JobResult(job, community_id, plan.period, "dry-run", summary=dict(plan.summary))
    parts: list[Any] = []
    part_targets: list[str | None] = []
    for index, message in enumerate(plan.messages):
        rendered = adapter.render(message) if adapter else render_plain(message)
        parts.extend(rendered)
        part_targets.extend(plan.target(index) for _ in rendered)
    result.parts = [p if isinstance(p, str) else str(p) for p in parts]
    if dry_run:
        return result
    if adapter is None:
        raise ValueError(f"platform {community.platform!r} is not configured here")
    run_id = uuid.uuid4().hex
    dims = {"job": job}
    claimed = runs.claim_run(
        store.table, community_id, job, plan.period, now, lease=LEASE, run_id=run_id, force=force
    )
    if claimed is None:
        metric("RunsAlreadyDone", dimensions=dims)
        result.status = "already-done"
        result.parts = []
        return result
    metric("RunsClaimed", dimensions=dims)
    already = runs.sent_parts(claimed)
    chat = ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )
    context = {"community": community_id, "job": job, "period": plan.period, "run_id": run_id}
    for index, part in enumerate(parts):
        if index in already:
            continue  # delivered by a run that crashed after sending it
        target = part_targets[index]
        # Another chat of the platform (an admin chat) has no group robot of its own: the
        # community's robot would post into the group, so it is never used there.
        to = chat if target is None else ChatAddress(community.platform, target)
        try:
            message_id = adapter.deliver(to, part)
        except DeliveryError as error:
            result.errors.append(str(error))
            log.warning("delivery failed", extra={**context, "part": index})
            runs.finish_run(
                store.table,
                community_id,
                job,
                plan.period,
                now,
                run_id,
                status=runs.FAILED,
                error=str(error)[:500],
            )
            result.status = "failed"
            metric("RunsFailed", dimensions=dims)
            return result
        if not runs.record_part(
            store.table, community_id, job, plan.period, index, message_id, run_id
        ):
            # Someone forced a replay meanwhile: stop here, it owns the run now.
            result.status = "failed"
            result.errors.append("run taken over by another worker")
            return result
        result.delivered += 1
    if plan.apply is not None:
        plan.apply()
    status = "sent" if parts else "nothing-to-send"
    runs.finish_run(store.table, community_id, job, plan.period, now, run_id, parts=len(parts))
    result.status = status
    metric("MessagesSent", result.delivered, dimensions=dims)
    log.info("job finished", extra={**context, "parts": len(parts), "sent": result.delivered})
    return result


def render_plain(message: Message) -> list[str]:
    """How a message reads when its platform has no adapter here (dry runs only)."""
    from chalicelib.platforms.base import split_parts

    tokens = [f"@{m.username or m.name}" for m in message.mentions]
    return split_parts(message.text, tokens, message.tail, 4000)
