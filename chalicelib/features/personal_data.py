"""Members' data rights (PIPL / GDPR), the feature: forget a member, delete a community,
list removals, keep history only for a retention period. The CLI (`rollcall member forget`,
`rollcall community delete`, `rollcall report removals`, `rollcall infra backfill-ttl`) calls
these; the storage work and its costs are in store/erasure.py and store/retention.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.messages import t
from chalicelib.platforms.base import Message
from chalicelib.store import erasure, reports
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
    from chalicelib.store.retention import RETENTION_DAYS

    locale = community.locale
    lines = [t(locale, "mydata_header", community=community.name, name=name, user_id=user_id)]
    for kind, items in data.items():
        label = t(locale, f"mydata_kind_{kind}")
        lines.append("")
        lines.append(t(locale, "mydata_kind", kind=label, count=len(items)))
        lines += [_line(item) for item in items]
    lines.append("")
    lines.append(t(locale, "mydata_footer", days=RETENTION_DAYS))
    return Message("\n".join(lines))
