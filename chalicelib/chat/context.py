"""What a chat command handler receives, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.domain.commands import Command
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.platforms.base import InboundEvent, Message
from chalicelib.store.repository import Store


@dataclass(frozen=True)
class CommandContext:
    store: Store
    community: Community
    member: Member
    command: Command
    event: InboundEvent
    now: datetime

    @property
    def today(self) -> date:
        """The community's local date now, honouring its day boundary."""
        return self.community.calendar.local_date(self.now)

    def say(self, key: str, **values: Any) -> Message:
        return Message(t(self.community.locale, key, **values))
