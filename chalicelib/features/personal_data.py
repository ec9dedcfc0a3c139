"""Members' data rights (PIPL / GDPR), the feature: forget a member, delete a community,
list removals, keep history only for a retention period. The CLI (`rollcall member forget`,
`rollcall community delete`, `rollcall report removals`, `rollcall infra backfill-ttl`) calls
these; the storage work and its costs are in store/erasure.py and store/retention.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.messages import t
from chalicelib.domain.models import InvalidValue
from chalicelib.platforms.base import Message
from chalicelib.store import erasure, keys, reports
from chalicelib.store.checkins import checkins_between
from chalicelib.store.repository import NotFound, Store


@dataclass(frozen=True)
class Forgotten:
    community_id: str
    user_id: str
    erased: erasure.Erased

    def as_dict(self) -> dict[str, Any]:
        return {"community": self.community_id, "user_id": self.user_id, **self.erased.as_dict()}

    def describe(self) -> str:
        lines = [f"forgot {self.user_id} in community {self.community_id}"]
        lines += [f"  deleted    {n:>6} {kind}" for kind, n in sorted(self.erased.deleted.items())]
        lines += [
            f"  relabelled {n:>6} {kind} (kept for counts, the member replaced by a label)"
            for kind, n in sorted(self.erased.relabelled.items())
        ]
        return "\n".join(lines)


def forget_member(store: Store, community_id: str, user_id: str) -> Forgotten:
    """Erase a member's personal data in one community (store/erasure.py). An unknown
    community or member raises NotFound before anything changes."""
    community = store.get_community(community_id)
    label = t(community.locale, "forgotten_member")
    erased = erasure.forget_member(store.table, community_id, user_id, label_name=label)
    if erased is None:
        raise NotFound(f"unknown member {user_id!r} in community {community_id}")
    return Forgotten(community_id, user_id, erased)


# -- the owner's /forget @x from chat: asked, then confirmed within 10 minutes ---------------

FORGET_CONFIRM_WITHIN = timedelta(minutes=10)


def ask_to_forget(
    store: Store, community_id: str, owner_id: str, user_id: str, now: datetime
) -> erasure.Erased | None:
    """What forgetting ``user_id`` would delete and relabel (nothing written to them), and
    the owner's request held for FORGET_CONFIRM_WITHIN. None for an unknown member."""
    preview = erasure.preview_forget(store.table, community_id, user_id)
    if preview is not None:
        erasure.hold_forget_request(
            store.table, community_id, owner_id, user_id, now + FORGET_CONFIRM_WITHIN
        )
    return preview


class NotAsked(LookupError):
    """A confirmation with no valid request before it (never asked, used, or expired)."""


def confirm_forget(
    store: Store, community_id: str, owner_id: str, user_id: str, now: datetime, command_id: str
) -> Forgotten:
    """Forget ``user_id`` if the owner asked within FORGET_CONFIRM_WITHIN (NotAsked
    otherwise, nothing deleted); the request is used once (its claim carries the command's
    id, so a retry of the same command finishes an interrupted erasure)."""
    if not erasure.claim_forget_request(
        store.table, community_id, owner_id, user_id, now, command_id
    ):
        raise NotAsked(user_id)
    done = forget_member(store, community_id, user_id)
    erasure.drop_forget_request(store.table, community_id, owner_id, user_id)
    return done


class WrongConfirmation(ValueError):
    """The typed confirmation is not the community's name."""


@dataclass(frozen=True)
class Deleted:
    community_id: str
    name: str
    erased: erasure.Erased
    released: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "community": self.community_id,
            "name": self.name,
            "released": list(self.released),
            **self.erased.as_dict(),
        }

    def describe(self) -> str:
        lines = [f"deleted community {self.community_id} ({self.name})"]
        lines += [f"  released   {chat}" for chat in self.released]
        lines += [f"  deleted    {n:>6} {kind}" for kind, n in sorted(self.erased.deleted.items())]
        return "\n".join(lines)


def delete_community(store: Store, community_id: str, confirm: str) -> Deleted:
    """Delete a community and everything it holds, once ``confirm`` is its name.

    The chat bindings (group chat, admin chat) are released first, so no message arrives
    for a community half gone; then the partition is purged, its META last
    (store/erasure.py): a run that stops half-way is finished by running it again.
    """
    community = store.get_community(community_id)
    if confirm.strip() != community.name.strip():
        raise WrongConfirmation(
            f"--confirm must be the community's name exactly ({len(community.name)} characters);"
            " nothing deleted"
        )
    released = []
    chats = dict.fromkeys(c for c in (community.chat_id, community.admin_chat_id) if c)
    for chat in chats:
        if store.release_chat(community_id, community.platform, chat):
            released.append(f"{community.platform} chat {chat}")
    erased = erasure.purge_partition(store.table, community_id)
    store._forget(community_id)
    return Deleted(community_id, community.name, erased, tuple(released))


def removals(store: Store, community_id: str) -> list[dict[str, Any]]:
    """Who was removed, under which rule, confirmed by whom, when: oldest first."""
    store.get_community(community_id)
    return [
        {
            "user_id": item.get("user_id"),
            "name": item.get("name"),
            "rule": item.get("rule"),
            "report": item.get("report"),
            "confirmed_by": item.get("confirmed_by"),
            "at": item.get("at"),
            "platform": item.get("platform"),
        }
        for item in reports.removals(store.table, community_id)
    ]


def describe_removals(community_id: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"{community_id}: nobody was removed"
    lines = [f"{community_id}: {len(rows)} removed"]
    for row in rows:
        at = str(row.get("at") or "")
        when = (
            datetime.fromisoformat(at).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if at else "?"
        )
        lines.append(
            f"  {when}  {row.get('user_id')} {row.get('name') or ''}  rule {row.get('rule')}"
            f"  report {row.get('report')}  confirmed by {row.get('confirmed_by')}"
        )
    return "\n".join(lines)


# -- what rollcall keeps about a member (the right of access) -------------------------------

# Bookkeeping a member would not recognise as theirs; everything else is shown.
_HIDDEN = frozenset({"sk", "attempt", "delivery", "checkin_delivery", erasure.LABEL_ATTRIBUTE})


def member_data(store: Store, community_id: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Everything the community keeps about the member, by kind (store/erasure.py: one
    Query per kind, paged). NotFound for an unknown community or member."""
    store.get_community(community_id)
    found = erasure.member_items(store.table, community_id, user_id)
    if found is None:
        raise NotFound(f"unknown member {user_id!r} in community {community_id}")
    return found


def _line(item: dict[str, Any]) -> str:
    shown = {k: v for k, v in sorted(item.items()) if k not in _HIDDEN and v not in (None, "")}
    return "· " + "; ".join(f"{k}: {v}" for k, v in shown.items())


def compose_member_data(
    community: Any, name: str, user_id: str, data: dict[str, list[dict[str, Any]]]
) -> Message:
    """The member's data as one message (the platform splits it into parts)."""
    from chalicelib.store.retention import retention_of

    locale = community.locale
    lines = [t(locale, "mydata_header", community=community.name, name=name, user_id=user_id)]
    for kind, items in data.items():
        label = t(locale, f"mydata_kind_{kind}")
        lines.append("")
        lines.append(t(locale, "mydata_kind", kind=label, count=len(items)))
        lines += [_line(item) for item in items]
    lines.append("")
    lines.append(t(locale, "mydata_footer", days=retention_of(community).days))
    return Message("\n".join(lines))


# -- the audit lists an organiser can see: make-ups and role changes ------------------------

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def makeups(store: Store, community_id: str, month: str | None = None) -> list[dict[str, Any]]:
    """Every make-up on record (a check-in an admin or the member recorded for a past day),
    with who recorded it and when, by date: one Query of the check-ins (paged), of one
    month's dates when ``month`` (``YYYY-MM``) is given. InvalidValue for a bad month."""
    community = store.get_community(community_id)
    pk = keys.community_pk(community_id)
    if month is None:
        items = store.table.query(pk, prefix=keys.CHECKIN_PREFIX)
    else:
        if not _MONTH.match(month.strip()):
            raise InvalidValue(f"--month must be YYYY-MM, got {month!r}")
        first, last = community.calendar.month_bounds(month.strip())
        items = iter(checkins_between(store.table, community_id, first, last))
    return [
        {
            "date": item.get("date"),
            "user_id": item.get("user_id"),
            "recorded_by": item.get("recorded_by") or item.get("user_id"),
            "at": item.get("at"),
            "note": item.get("note"),
        }
        for item in items
        if item.get("makeup")
    ]


def describe_makeups(community_id: str, month: str | None, rows: list[dict[str, Any]]) -> str:
    where = f"{community_id}{f' in {month}' if month else ''}"
    if not rows:
        return f"{where}: no make-ups"
    lines = [f"{where}: {len(rows)} make-up{'s' if len(rows) != 1 else ''}"]
    for row in rows:
        by = row["recorded_by"]
        who = "by themselves" if by == row["user_id"] else f"recorded by {by}"
        lines.append(f"  {row['date']}  {row['user_id']}  {who}  at {_utc(row.get('at'))}")
    return "\n".join(lines)


def role_audit(store: Store, community_id: str) -> list[dict[str, Any]]:
    """Every role and committee position change on record (``ROLE#``), oldest first: whose,
    from what to what, where from, by whom, when. One Query (paged)."""
    store.get_community(community_id)
    rows = []
    for item in store.table.query(keys.community_pk(community_id), prefix=keys.ROLE_CHANGE_PREFIX):
        position = item.get("kind") == "position_change"
        rows.append(
            {
                "at": item.get("at"),
                "kind": "position" if position else "role",
                "user_id": item.get("user_id"),
                "name": item.get("name"),
                "old": item.get("old_position") if position else item.get("old"),
                "new": item.get("new_position") if position else item.get("new"),
                "source": item.get("source"),
                "by": item.get("by"),
            }
        )
    return rows


def describe_role_audit(community_id: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"{community_id}: no role or position changes on record"
    lines = [f"{community_id}: {len(rows)} change{'s' if len(rows) != 1 else ''}"]
    for row in rows:
        lines.append(
            f"  {_utc(row.get('at'))}  {row['user_id']} {row.get('name') or ''}  {row['kind']} "
            f"{row.get('old') or '-'} → {row.get('new') or '-'}  by {row.get('by')}"
            f" ({row.get('source')})"
        )
    return "\n".join(lines)


def _utc(at: Any) -> str:
    text = str(at or "")
    if not text:
        return "?"
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
