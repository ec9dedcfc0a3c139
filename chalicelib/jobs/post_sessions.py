"""sessions: each phase of each recurring session's instance (分享会) posted once.

Every phase is a slot of its own, in increasing time across the community's sessions, with
the period ``<session id>#<date>#<phase>`` (``friday#2026-12-11#remind``), so the run's
claim makes each announcement, reminder, "starting now", "questions now", speaker alert (or,
with a speaker rota, the speaker's pick: announced, told privately, recorded once) and
summary happen exactly once, and a missed tick is caught up by the next ones.

Lateness is per phase, decided by the planner from the instance's own times (the job's
``max_lateness`` only bounds the summary): a reminder, an announcement or a speaker alert
at or after the start is skipped and recorded, never sent; "starting now" and "questions
now" once the session ended likewise (features/sessions.py ``phase_post``).

Cost: one GetItem of the instance per phase; the summary one Query of the instance's
prefix (its attendees, 1 MB pages), never a read per member.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from chalicelib.domain import sessions as rules
from chalicelib.domain.models import Community
from chalicelib.features import sessions as session_features
from chalicelib.jobs.plan import Direct, JobSpec, Plan, Slot
from chalicelib.store.repository import Store

NAME = session_features.JOB


def plan_session_phase(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
) -> Plan:
    """``period`` is a phase (``friday#2026-12-11#start``); by default the last one due."""
    if period is None:
        period = session_features.latest_phase_period(community, now)
        if period is None:
            raise ValueError("no session phase was due in the last two weeks")
    post = session_features.phase_post(store, community, period, now, direct=direct)
    summary = {"phase": rules.parse_period(period).phase, **post.summary}
    if post.skip is not None:
        return Plan(period=period, messages=[], summary=summary, skip=post.skip)
    messages, targets = list(post.messages), list(post.targets)
    if post.to_admins:
        message = messages[0]
        messages = [message] * len(post.to_admins)
        # Every fallback is the same text: they merge into one group message.
        targets = [Direct(admin, fallback=message) for admin in post.to_admins]
    if post.to_member:
        # The picked speaker hears privately; without a private channel the group sees it.
        note = messages[-1]
        targets = [None] * (len(messages) - 1) + [Direct(post.to_member, fallback=note)]
    return Plan(
        period=period, messages=messages, targets=targets, summary=summary, apply=post.after
    )


def session_slots(community: Community, after: datetime) -> Iterator[Slot]:
    definitions = session_features.definitions(community)
    for when, period in rules.all_phase_times(definitions, community.calendar, after):
        yield Slot(NAME, period, when)


SPEC = JobSpec(
    name=NAME,
    plan=plan_session_phase,
    slots=session_slots,
    # The summary is still worth having a day late; every other phase has its own, shorter
    # limit from the session's start and end (see the module docstring).
    max_lateness=timedelta(days=1),
    # A community without sessions has no slots, so no pointer: nothing to turn off.
    always_on=True,
)
