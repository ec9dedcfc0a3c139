"""Channel activity, the feature: where a platform's bot hears only commands (Discord over
HTTP interactions), read the channel's history on a schedule and count each author's
messages as their activity, as chatter counts on platforms that forward it (inbound.py).

- Read: every message after the community's cursor (the newest message id read), pages of
  the platform's size, at most ``MAX_PAGES`` a run; a longer backlog is read on by the next
  run. A community never read starts ``FIRST_LOOKBACK`` back.
- Write: one conditional UpdateItem per distinct author (store/channel_activity.py), the
  date of their newest message in the community's calendar; ``last_active`` never moves
  back. Authors not on the roster are added as the roster sync adds a joiner, quietly.
- Then, and only then, the cursor moves (a conditional PutItem). A run that stops between
  the two reads the same messages again and writes nothing new: the writes are idempotent,
  so the read is exactly-once in effect and resumable.
- A refusal (a missing permission) raises HistoryRefused before anything is written.

Cost of a run with M new messages from A authors: ceil(M / 100) platform requests (at least
one), one GetItem (the cursor), A UpdateItems, one PutItem. No read per member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community
from chalicelib.platforms.base import ChannelPost, ChannelReader, ChatAddress
from chalicelib.store import channel_activity as activity_store
from chalicelib.store.repository import Store

# Pages of 100 messages a run: 1,000 messages, about 12 s at a page a second (the worker
# has 60 s, and may hold other runs).
MAX_PAGES = 10
# How far back a community's first read starts.
FIRST_LOOKBACK = timedelta(days=7)


@dataclass
class ActivityRead:
    """A read, not yet written: ``write`` marks the authors, then moves the cursor."""

    store: Store
    community: Community
    now: datetime
    skipped: str | None = None
    last_id: str | None = None
    messages: int = 0
    pages: int = 0
    more: bool = False
    # user id -> (name, username, the local date of their newest message)
    authors: dict[str, tuple[str, str | None, date]] = field(default_factory=dict)
    marked: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "messages": self.messages,
            "authors": len(self.authors),
            "more": self.more,
        }

    def write(self) -> int:
        """Mark every author active, then advance the cursor; the members moved forward."""
        if self.skipped or self.last_id is None:
            return 0
        table, cid = self.store.table, self.community.id
        for user_id, (name, username, day) in self.authors.items():
            if activity_store.mark_active(table, cid, user_id, name, username, day):
                self.marked += 1
        activity_store.advance_cursor(
            table, cid, self.community.chat_id, self.last_id, self.now, **self.summary()
        )
        return self.marked


def cannot_read(community: Community, adapter: Any) -> str | None:
    """Why this community's channel history cannot be read here; None when it can."""
    if adapter is None:
        return f"{community.platform} is not configured here: its channel cannot be read."
    if not isinstance(adapter, ChannelReader):
        return f"{community.platform} offers rollcall no channel history to read."
    return None


def latest_by_author(
    posts: tuple[ChannelPost, ...], community: Community
) -> dict[str, tuple[str, str | None, date]]:
    """Each author's newest post, as a local date in the community's calendar."""
    authors: dict[str, tuple[str, str | None, date]] = {}
    for post in posts:
        day = community.calendar.local_date(post.at)
        known = authors.get(post.user_id)
        if known is None or known[2] <= day:
            authors[post.user_id] = (post.name, post.username, day)
    return authors


def plan_activity_read(
    store: Store, community: Community, adapter: Any, now: datetime, *, max_pages: int = MAX_PAGES
) -> ActivityRead:
    """Read the channel after the cursor and work out whom to mark. Raises HistoryRefused,
    MalformedHistory or DeliveryError before anything is written."""
    read = ActivityRead(store, community, now)
    reason = cannot_read(community, adapter)
    if reason is not None:
        read.skipped = reason
        return read
    cursor = activity_store.activity_cursor(store.table, community.id, community.chat_id)
    chat = ChatAddress(community.platform, community.chat_id)
    history = adapter.read_channel_history(
        chat, cursor, since=now - FIRST_LOOKBACK, max_pages=max_pages
    )
    read.last_id = history.last_id
    read.messages = len(history.posts)
    read.pages = history.pages
    read.more = history.more
    read.authors = latest_by_author(history.posts, community)
    return read
