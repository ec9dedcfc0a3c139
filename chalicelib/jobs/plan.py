"""What a job declares and plans: its spec (name, planner, slots, lateness), and for one
period its messages, where each goes, and what to apply after.

Its own module so that jobs import nothing back from the runner or the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.platforms.base import Message


@dataclass(frozen=True)
class Direct:
    """A message for one member privately, and what the group sees when it cannot be sent
    (None: nothing). Fallbacks with the same text merge into one message: their mentions
    are joined and their tails listed one per line."""

    user_id: str
    fallback: Message | None = None


@dataclass(frozen=True)
class InThread:
    """A reply in the thread of an earlier group message of the same plan (``of``: its
    index), where the platform has threads (``ThreadReplies``): each part replies to that
    message's first part, whose id the run recorded when it went out. Elsewhere, or when
    the platform refuses, it is posted into the group after it, as any message."""

    of: int


Target = str | Direct | InThread | None


@dataclass(frozen=True)
class Plan:
    """What a job would do for one period: its messages and a summary for operators."""

    period: str
    messages: Sequence[Message]
    summary: dict[str, Any] = field(default_factory=dict)
    # Side effects to apply once the messages are out (e.g. strikes); called once per run.
    apply: Callable[[], None] | None = None
    # Where each message goes, parallel to ``messages``: a chat id on the community's
    # platform (e.g. its admin chat), a member privately (``Direct``), a reply in the thread
    # of an earlier message (``InThread``), or None (or a missing entry) for the group.
    targets: Sequence[Target] = ()
    # Why this run does nothing (a platform that cannot do the job, or refused it): the run
    # is recorded as skipped with this reason instead of being claimed.
    skip: str | None = None
    # Fields kept on the run's record when it finishes (e.g. the end of the level-up window
    # a reminder announced, which the next one starts from).
    record: dict[str, Any] = field(default_factory=dict)

    def target(self, index: int) -> Target:
        return self.targets[index] if index < len(self.targets) else None


@dataclass(frozen=True)
class Slot:
    """One scheduled run: ``job`` for ``period``, due at ``scheduled_at`` (aware UTC)."""

    job: str
    period: str
    scheduled_at: datetime


# (store, community, now, *, period=None, direct=False) -> Plan
Planner = Callable[..., Plan]


@dataclass(frozen=True)
class JobSpec:
    """A job, as its module declares it (``SPEC``) and jobs/registry.py lists it.

    ``slots(community, after)`` yields the community's runs strictly after ``after``, in
    increasing time; each names its period, the key of the run's claim. ``max_lateness``:
    how late a run may still happen (later ones are skipped and recorded). A job runs for a
    community that names it in its ``jobs`` setting, or for every community when
    ``always_on`` (work that is not a routine an organiser turns off, e.g. a roster sync).
    A planner of a spec with ``reads_platform`` is called with ``adapter=`` as well.
    """

    name: str
    plan: Planner
    slots: Callable[[Any, datetime], Iterator[Slot]]
    max_lateness: timedelta
    always_on: bool = False
    # The planner reads the platform too (a roster sync): it is given the community's
    # adapter as ``adapter=`` (None when the platform is not configured here).
    reads_platform: bool = False
    # The platforms it runs for (None: every one).
    platforms: tuple[str, ...] | None = None

    def enabled(self, community: Any) -> bool:
        if self.platforms is not None and community.platform not in self.platforms:
            return False
        return self.always_on or self.name in community.jobs
