"""What a chat command handler receives, and what it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.domain.commands import Command
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.platforms.base import InboundEvent, Message
from chalicelib.store import keys
from chalicelib.store.repository import Activity, Store


class CommandPaused(Exception):
    """A deferred command's job ran short of time and paused (its lease released): the
    worker queues the command again, and the next invocation goes on from where it stopped."""


@dataclass(frozen=True)
class CommandContext:
    store: Store
    community: Community
    member: Member
    command: Command
    event: InboundEvent
    now: datetime
    # The member's activity write, still to be made, for a handler that folds it into its
    # own write of the member item (the check-in does); None when already written or when
    # nothing changed. A handler given one must see that it is written.
    activity: Activity | None = None
    # The delivery that recorded the member's last check-in, as stored on the member item.
    checkin_delivery: str | None = None
    # A warm check-in's put, sent together with the member read (chat/checkins.py
    # EarlyCheckin); None when the check-in has not been put yet.
    early_checkin: Any = None
    # True when the queue worker runs a deferred command (chat/router.py DEFERRED), with no
    # platform deadline to answer within: the handler may do all of its slow work at once.
    in_worker: bool = False
    # In the worker: the seconds left in this invocation (a job the command runs pauses
    # when short of time, see CommandPaused), and the id that de-duplicates the command.
    time_left: Callable[[], float] | None = None
    command_id: str | None = None
    # The collaborators beyond the store (the platform's adapter, the clock, the job
    # runner's needs): handed in by the webhook and the worker, never fetched.
    runtime: Any = None

    @property
    def delivery(self) -> str | None:
        """This message's platform delivery id, qualified by platform (ids are unique only
        within one): what a redelivery repeats."""
        event = self.event
        return keys.delivery_id(event.platform, event.event_id) if event.event_id else None

    @property
    def in_group(self) -> bool:
        """Asked in the community's group (not its admin chat, not a direct message): where
        what concerns one member is not for everyone."""
        return self.event.chat_id == self.community.chat_id

    def write_activity(self) -> Member:
        """Write the pending activity (when the handler could not fold it): one UpdateItem."""
        if self.activity is None:
            return self.member
        return self.store.write_activity(
            self.member.community_id, self.member.user_id, self.activity
        )

    @property
    def today(self) -> date:
        """The community's local date now, honouring its day boundary."""
        return self.community.calendar.local_date(self.now)

    def say(self, key: str, **values: Any) -> Message:
        return Message(t(self.community.locale, key, **values))

    def may(self, command: str) -> bool:
        """Whether the member may run ``command``: the one permission table
        (domain/roles.py PERMISSIONS), by role or committee position."""
        from chalicelib.domain.roles import member_may

        return member_may(self.community, self.member, command)
