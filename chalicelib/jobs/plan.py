"""What a job plans for one period: messages, where each goes, and what to apply after.

Its own module so that jobs import nothing back from the runner that runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.platforms.base import Message


@dataclass(frozen=True)
class Direct:
    """A message for one member privately, and what the group sees when it cannot be sent
    (None: nothing). Fallbacks with the same text merge into one message: their mentions
    are joined and their tails listed one per line."""

    user_id: str
    fallback: Message | None = None


Target = str | Direct | None


@dataclass(frozen=True)
class Plan:
    """What a job would do for one period: its messages and a summary for operators."""

    period: str
    messages: Sequence[Message]
    summary: dict[str, Any] = field(default_factory=dict)
    # Side effects to apply once the messages are out (e.g. strikes); called once per run.
    apply: Callable[[], None] | None = None
    # Where each message goes, parallel to ``messages``: a chat id on the community's
    # platform (e.g. its admin chat), a member privately (``Direct``), or None (or a missing
    # entry) for the group itself.
    targets: Sequence[Target] = ()

    def target(self, index: int) -> Target:
        return self.targets[index] if index < len(self.targets) else None
