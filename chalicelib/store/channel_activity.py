"""Channel activity's reads and writes (features/channel_activity.py): the community's
cursor (one GetItem, one conditional PutItem) and members' activity, one conditional
UpdateItem per distinct author, whatever the number of messages.

* ``mark_active`` sets ``last_active`` only when it moves forward (absent, or earlier than
  the date written): a check-in meanwhile, a later read, or a rerun of the same read is
  never undone, and a rerun changes nothing. A member not on the roster yet is added as a
  sync's joiner would be (store/roster.py ``joined_item``), in the same request: the
  joiner's fields are set only where absent, so a stored member keeps their name, role,
  status and counters. A member who left stays left (the roster sync decides who is in).
* ``advance_cursor`` moves the cursor only forward, and only for the same channel.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.domain.roster import ListedMember
from chalicelib.store import keys
from chalicelib.store.roster import joined_item
from chalicelib.store.table import Cond, Table


def activity_cursor(table: Table, community_id: str, chat_id: str) -> str | None:
    """The newest message id already read in ``chat_id`` (None: never read, or the community
    was bound to another channel since)."""
    item = table.get(keys.community_pk(community_id), keys.ACTIVITY_CURSOR_SK)
    if not item or item.get("chat_id") != chat_id or "last_message" not in item:
        return None
    return str(int(item["last_message"]))


def mark_active(
    table: Table, community_id: str, user_id: str, name: str, username: str | None, day: date
) -> bool:
    """Note the member active on ``day``; True when it moved their ``last_active`` forward
    (or added them), False when they were already as active (nothing written)."""
    joiner = joined_item(community_id, ListedMember(user_id, name, username), day)
    defaults = {k: v for k, v in joiner.items() if k not in ("pk", "sk")}
    return table.update(
        keys.community_pk(community_id),
        keys.member_sk(user_id),
        set={"last_active": day.isoformat()},
        set_if_absent=defaults,
        cond=Cond.absent("last_active") | Cond.lt("last_active", day.isoformat()),
        return_new=False,
    )


def advance_cursor(
    table: Table, community_id: str, chat_id: str, last_message: str, now: datetime, **summary: Any
) -> bool:
    """Move the cursor to ``last_message``; False (nothing written) when it is already
    there or past it in the same channel."""
    newest = int(last_message)
    item = {
        "pk": keys.community_pk(community_id),
        "sk": keys.ACTIVITY_CURSOR_SK,
        "chat_id": chat_id,
        "last_message": newest,
        "read_at": now.isoformat(),
        **summary,
    }
    cond = (
        Cond.absent("last_message") | Cond.ne("chat_id", chat_id) | Cond.lt("last_message", newest)
    )
    return table.put(item, cond=cond)
