"""Store: rollcall's reads and writes, in domain terms, over one Table.

Every method costs a known, small number of requests, independent of the number of members
where it can be: a roster is one Query (paged), an import is batches of 25.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community, InvalidValue, Member, Role
from chalicelib.store import claims, keys
from chalicelib.store.records import from_fields, to_fields
from chalicelib.store.table import Cond, Table

# How long an inbound delivery id is remembered: Feishu retries for up to ~7 h, Telegram
# keeps updates for 24 h; two days covers every platform's redelivery window.
EVENT_TTL = timedelta(days=2)


class NotFound(LookupError):
    """A community or member that does not exist, with a message fit to show an operator."""


class CommunityChanged(RuntimeError):
    """A guarded setting changed since the community was read (update_community's
    ``guard``): read it again and redo the change."""


class AlreadyBound(ValueError):
    """A chat already belongs to another community."""


class CrossPlatform(ValueError):
    """A community bound to a chat on another platform without saying it moves there."""


@dataclass(frozen=True)
class Rebound:
    """What :meth:`Store.rebind_community` did, for the operator to read."""

    community: Community
    previous: tuple[str, str]  # (platform, chat id) before
    moved: bool = False  # to another platform
    released: tuple[str, ...] = ()  # "<platform> chat <id>" bindings released
    members_left: int = 0
    roles_cleared: int = 0
    robot_cleared: bool = False


def new_community_id() -> str:
    """Short, unguessable, URL- and key-safe: 'c' + 10 base32 characters."""
    import secrets  # only the CLI creates communities: not on a webhook's cold start

    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "c" + "".join(secrets.choice(alphabet) for _ in range(10))


# How long a warm container trusts its copy of a community found by chat. Every webhook
# needs the community (timezone, locale, rules); caching saves two reads per message. A
# change made elsewhere (the CLI, another container) applies within this long; changes made
# through this Store apply at once.
COMMUNITY_CACHE_SECONDS = 60.0


# The member item's note of the platform delivery that recorded their last check-in
# ("<platform>#<event id>"), so that a redelivery is recognised from the member item alone,
# even one that arrives after the local day ended. Not a Member field: bookkeeping only.
CHECKIN_DELIVERY = "checkin_delivery"


# What a member's return after leaving resets (Store.see_member): a new membership starts
# with no warning, no run of missed homework cycles, no streak and no leave. None removes.
NEW_MEMBERSHIP: dict[str, Any] = {
    "warned_rule": None,
    "warned_at": None,
    "missed_in_a_row": 0,
    "current_streak": 0,
    "leave_until": None,
    "leave_from": None,
    # A new membership goes through the joining ritual again (domain/ritual.py).
    "welcomed_at": None,
    "rules_accepted_at": None,
    "introduced_at": None,
}


@dataclass(frozen=True)
class Activity:
    """A member's activity write as :meth:`Store.see_member` plans it: to be made by
    :meth:`Store.write_activity`, or folded into another update of the same member item
    (a check-in's counters), so that a member's first message of the day that is a
    check-in costs one write of the member item, not two."""

    set: dict[str, Any]
    # The member is not stored yet: the defaults they are created with.
    set_if_absent: dict[str, Any] | None = None


@dataclass(frozen=True)
class Seen:
    """A member seen in the chat: as they are once ``activity`` is written."""

    member: Member
    # None when nothing changed (the day's activity is noted already).
    activity: Activity | None = None
    # The delivery that recorded the member's last check-in (see CHECKIN_DELIVERY).
    checkin_delivery: str | None = field(default=None, compare=False)
    # The role and its source before the platform's word on the sender changed them (the
    # new role is ``member.role``); None when the role stays. The caller audits it.
    role_was: tuple[Role, str | None] | None = None


def _seen_today_as_stored(
    current: Member | None, name: str, username: str | None, today: date
) -> bool:
    """Nothing to write: a present member, known by this name and username, already
    noted active today."""
    return (
        current is not None
        and current.name == name
        and current.username == username
        and current.is_present
        and current.last_active is not None
        and current.last_active >= today
    )


def _changes_to_known_member(
    current: Member, stored: dict[str, Any], changes: dict[str, Any], today: date
) -> dict[str, Any]:
    """What a known member's item takes of ``changes``: a return starts a new membership
    (:data:`NEW_MEMBERSHIP`, joined and observed from today); then only what differs from
    ``stored`` (the same values either way, and a smaller update to carry: it may ride on a
    check-in's counter update), and activity is never moved back."""
    changes = dict(changes)
    if not current.is_present:
        changes.update(NEW_MEMBERSHIP, joined_at=today.isoformat())
        changes["observed_since"] = today.isoformat()
    changes = {k: v for k, v in changes.items() if stored.get(k) != v}
    if current.last_active is not None and current.last_active >= today:
        changes.pop("last_active", None)  # never move activity back
    return changes


def _new_member_defaults(community_id: str, user_id: str, today: date) -> dict[str, Any]:
    """What a member seen for the first time is created with (set if absent)."""
    return {
        "community_id": community_id,
        "user_id": user_id,
        "role": "member",
        "joined_at": today.isoformat(),
        "observed_since": today.isoformat(),
        "checkins": 0,
        "current_streak": 0,
        "best_streak": 0,
        "strikes": 0,
        "missed_in_a_row": 0,
        "points": 0,
    }


def _platform_role_changes(current: Member | None, platform_admin: bool | None) -> dict[str, Any]:
    """The member item's role fields after the platform's word on the sender, where it
    changes them: a new member the platform calls an admin starts as one."""
    if platform_admin is None:
        return {}
    from chalicelib.domain.roles import PLATFORM_SOURCE, platform_role

    role = platform_role(current or Member("-", "-", "-"), platform_admin)
    if role is None:
        return {}
    return {"role": role.value, "role_source": PLATFORM_SOURCE}


class Store:
    def __init__(
        self,
        table: Table,
        *,
        cache_seconds: float = COMMUNITY_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._by_chat: dict[tuple[str, str], tuple[float, Community]] = {}

    # -- communities -------------------------------------------------------------------
    def _community_item(self, community: Community) -> dict[str, Any]:
        created = community.created_at.isoformat() if community.created_at else ""
        return {
            "pk": keys.community_pk(community.id),
            "sk": keys.META,
            "kind_pk": keys.COMMUNITY_KIND,
            "kind_sk": keys.community_kind_sk(created, community.id),
            **to_fields(community),
        }

    def create_community(self, community: Community) -> Community:
        """Create the community and bind its chat, refusing a chat that is already bound."""
        if self.find_community_by_chat(community.platform, community.chat_id) is not None:
            raise AlreadyBound(
                f"{community.platform} chat {community.chat_id} is already bound to a community"
            )
        if not self.table.put(self._community_item(community), cond=Cond.absent("pk")):
            raise AlreadyBound(f"community {community.id} already exists")
        try:
            self.bind_chat(community.id, community.platform, community.chat_id)
        except AlreadyBound:
            # Bound by another community meanwhile (two /setup racing in one group): take
            # this one back, or it would be a community no chat leads to.
            self.table.delete(keys.community_pk(community.id), keys.META)
            raise
        return community

    def update_community(
        self, community: Community, *, guard: Sequence[str] = (), **changes: Any
    ) -> Community:
        """Change some of a community's settings: one UpdateItem that SETs (or REMOVEs, for
        None) exactly the attributes named in ``changes``, and nothing else.

        ``community`` is only the base the new values are checked against (it may be a
        copy up to COMMUNITY_CACHE_SECONDS old, or read before another writer's change):
        its other attributes are never written back, so two writers that change different
        settings (the CLI rotating the robot URL, an admin's /theme in a warm container)
        both keep their change. The community as stored afterwards is returned. There is
        deliberately no whole-item save: a put of a cached copy erases what changed since.

        ``guard`` names settings (the lists a change rewrites whole: sessions,
        announcements, cohorts) that must still be stored as ``community`` holds them: a
        writer that read them before another's change gets CommunityChanged instead of
        erasing it, and reads again.
        """
        if not changes:
            return self.get_community(community.id)
        updated = community.with_changes(**changes)  # validates the new values
        fields = to_fields(updated)
        cond = Cond.exists("pk")  # never recreate a deleted community as a fragment
        read = to_fields(community)
        for name in guard:
            held = read.get(name)
            if held is None:
                cond = cond & Cond.absent(name)
            elif held in ([], {}):
                cond = cond & (Cond.absent(name) | Cond.eq(name, held))
            else:
                cond = cond & Cond.eq(name, held)
        stored = self.table.update(
            keys.community_pk(community.id),
            keys.META,
            set={name: fields.get(name) for name in changes},
            cond=cond,
        )
        if stored is None:
            if guard and self.table.get(keys.community_pk(community.id), keys.META) is not None:
                raise CommunityChanged(f"community {community.id!r} changed: {', '.join(guard)}")
            raise NotFound(f"unknown community {community.id!r}")
        self._forget(community.id)
        return from_fields(Community, stored)

    def rewrite_community(
        self,
        community_id: str,
        change: Callable[[Community], dict[str, Any]],
        *,
        guard: Sequence[str],
        attempts: int = 5,
    ) -> tuple[Community, Community]:
        """Read the community, compute ``change(read)`` (the settings to write; it may
        raise to refuse, writing nothing) and write it guarded by ``guard``; a concurrent
        change to a guarded setting makes it read and compute again. Returns the community
        as read for the change that was written, and as stored after."""
        for _ in range(attempts):
            read = self.get_community(community_id)
            try:
                return read, self.update_community(read, guard=guard, **change(read))
            except CommunityChanged:
                continue
        raise CommunityChanged(f"community {community_id!r} kept changing; gave up")

    def _forget(self, community_id: str) -> None:
        for key in [k for k, (_, c) in self._by_chat.items() if c.id == community_id]:
            del self._by_chat[key]

    def get_community(self, community_id: str) -> Community:
        item = self.table.get(keys.community_pk(community_id), keys.META)
        if item is None:
            raise NotFound(f"unknown community {community_id!r}")
        return from_fields(Community, item)

    def list_communities(self) -> Iterator[Community]:
        """All communities, oldest first: one Query of the kind index (paged)."""
        for item in self.table.query(keys.COMMUNITY_KIND, index=keys.KIND_INDEX):
            yield from_fields(Community, item)

    def bind_chat(self, community_id: str, platform: str, chat_id: str) -> None:
        """Point a chat at a community. A chat already bound elsewhere is refused."""
        item = {
            "pk": keys.chat_pk(platform, chat_id),
            "sk": keys.META,
            "community_id": community_id,
            "platform": platform,
            "chat_id": chat_id,
        }
        cond = Cond.absent("pk") | Cond.eq("community_id", community_id)
        if not self.table.put(item, cond=cond):
            raise AlreadyBound(f"{platform} chat {chat_id} is already bound to another community")

    def unbind_chat(self, platform: str, chat_id: str) -> None:
        self.table.delete(keys.chat_pk(platform, chat_id), keys.META)
        self._by_chat.pop((platform, chat_id), None)

    def release_chat(self, community_id: str, platform: str, chat_id: str) -> bool:
        """Drop a chat's binding if, and only if, it points at this community."""
        released = self.table.delete(
            keys.chat_pk(platform, chat_id), keys.META, cond=Cond.eq("community_id", community_id)
        )
        self._by_chat.pop((platform, chat_id), None)
        return released

    def rebind_community(
        self,
        community: Community,
        platform: str,
        chat_id: str,
        *,
        move: bool = False,
        now: datetime | None = None,
    ) -> Rebound:
        """Connect the community to another chat and release the old chat's binding.

        On the same platform members, roles and the admin chat stay: user ids are the
        platform's, so they still mean the same people. Another platform's user ids are
        not: without ``move`` that is refused before anything changes. With ``move`` the
        community starts over there: every member is kept as history but marked left
        (they come back as new members, under their new ids, when first seen or imported),
        every role is cleared (owners and admins too: set them again on the new platform),
        the old admin chat's binding is released and the admin chat, group robot URL and
        robot secret (all the old platform's) are cleared.
        """
        previous = (community.platform, community.chat_id)
        if previous == (platform, chat_id):
            return Rebound(community, previous)
        moving = platform != community.platform
        if moving and not move:
            raise CrossPlatform(
                f"community {community.id} is on {community.platform}: its members and roles "
                f"are keyed by {community.platform} user ids; give --move to start over on "
                f"{platform} (members kept as history and marked left, roles cleared)"
            )
        self.bind_chat(community.id, platform, chat_id)  # refused before anything changes
        released = []
        if self.release_chat(community.id, *previous):
            released.append(f"{previous[0]} chat {previous[1]}")
        changes: dict[str, Any] = {"platform": platform, "chat_id": chat_id}
        if now is not None:
            changes["bound_at"] = now  # observed time in the new chat starts here
        robot = False
        if moving:
            admin_chat = community.admin_chat_id
            if (
                admin_chat
                and admin_chat != community.chat_id
                and self.release_chat(community.id, community.platform, admin_chat)
            ):
                released.append(f"{community.platform} chat {admin_chat}")
            robot = bool(community.robot_webhook or community.robot_secret)
            changes.update(admin_chat_id=None, robot_webhook=None, robot_secret=None)
        updated = self.update_community(community, **changes)
        if not moving:
            return Rebound(updated, previous, released=tuple(released))
        left = cleared = 0
        for member in list(self.list_members(community.id)):
            fields: dict[str, Any] = {}
            if member.role.value != "member":
                fields["role"] = "member"
                cleared += 1
            if member.status.value == "active":
                fields["status"] = "left"
                left += 1
            if fields:
                self.table.update(
                    keys.community_pk(community.id),
                    keys.member_sk(member.user_id),
                    set=fields,
                    cond=Cond.exists("pk"),
                    return_new=False,
                )
        return Rebound(updated, previous, True, tuple(released), left, cleared, robot)

    def follow_chat_migration(
        self, community: Community, platform: str, old_chat: str, new_chat: str
    ) -> Community | None:
        """The chat got a new id (a Telegram group upgraded to a supergroup): the same
        people, the same history, so members, roles and observed time all stay. Bind the new
        id, then release the old one; only the caller whose release succeeded gets the
        community back (the move is told once, however many deliveries say so). None when
        another delivery moved it already, or the new id belongs to another community."""
        if old_chat == new_chat:
            return None  # releasing the old id would unbind the chat
        try:
            self.bind_chat(community.id, platform, new_chat)
        except AlreadyBound:
            return None
        if not self.release_chat(community.id, platform, old_chat):
            return None
        changes: dict[str, Any] = {}
        if community.chat_id == old_chat:
            changes["chat_id"] = new_chat
        if community.admin_chat_id == old_chat:
            changes["admin_chat_id"] = new_chat
        self._by_chat.pop((platform, new_chat), None)
        return self.update_community(community, **changes)

    def find_community_by_chat(self, platform: str, chat_id: str) -> Community | None:
        """The community a chat is bound to (cached briefly; unbound chats are not cached,
        so a chat bound a moment ago is found at once)."""
        key = (platform, chat_id)
        cached = self._by_chat.get(key)
        now = self._monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        binding = self.table.get(keys.chat_pk(platform, chat_id), keys.META)
        if binding is None:
            return None
        try:
            community = self.get_community(binding["community_id"])
        except NotFound:
            return None
        if self._cache_seconds > 0:
            self._by_chat[key] = (now + self._cache_seconds, community)
        return community

    def cached_community(self, platform: str, chat_id: str) -> Community | None:
        """The chat's community when this container has it cached (no request), else None:
        what lets a warm check-in send its put before the member read returns."""
        cached = self._by_chat.get((platform, chat_id))
        if cached is not None and cached[0] > self._monotonic():
            return cached[1]
        return None

    def find_community_and_member(
        self, platform: str, chat_id: str, user_id: str
    ) -> tuple[Community | None, dict[str, Any] | None]:
        """The chat's community and the sender's member item (None when not stored yet).

        Warm (community cached): one GetItem, the member. Otherwise the binding (one GetItem)
        and then the community and the member together (one BatchGetItem): the member's key
        needs only the community id, so it never waits for a read of its own.
        """
        key = (platform, chat_id)
        cached = self._by_chat.get(key)
        now = self._monotonic()
        if cached is not None and cached[0] > now:
            community = cached[1]
            return community, self.table.get(
                keys.community_pk(community.id), keys.member_sk(user_id)
            )
        binding = self.table.get(keys.chat_pk(platform, chat_id), keys.META)
        if binding is None:
            return None, None
        pk = keys.community_pk(binding["community_id"])
        found = {
            item["sk"]: item
            for item in self.table.batch_get([(pk, keys.META), (pk, keys.member_sk(user_id))])
        }
        if keys.META not in found:
            return None, None
        community = from_fields(Community, found[keys.META])
        if self._cache_seconds > 0:
            self._by_chat[key] = (now + self._cache_seconds, community)
        return community, found.get(keys.member_sk(user_id))

    # -- members -----------------------------------------------------------------------
    def _member_item(self, member: Member) -> dict[str, Any]:
        return {
            "pk": keys.community_pk(member.community_id),
            "sk": keys.member_sk(member.user_id),
            **to_fields(member),
        }

    def get_member(self, community_id: str, user_id: str) -> Member | None:
        item = self.table.get(keys.community_pk(community_id), keys.member_sk(user_id))
        return from_fields(Member, item) if item else None

    def list_members(self, community_id: str) -> Iterator[Member]:
        """The whole roster, one Query (1 MB pages), in user id order."""
        for item in self.table.query(keys.community_pk(community_id), prefix=keys.MEMBER_PREFIX):
            yield from_fields(Member, item)

    def save_member(self, member: Member) -> Member:
        self.table.put(self._member_item(member))
        return member

    def bulk_save_members(
        self, members: Iterable[Member], *, observed_since: date | None = None
    ) -> int:
        """Batch-write members (25 per request); re-saving a member replaces it.

        ``observed_since`` (an import's local date) is given to members that have none yet:
        rollcall watches an imported member from their import, whatever their ``joined_at``
        says. Members that already have one keep it."""
        if observed_since is not None:
            members = (
                m if m.observed_since is not None else replace(m, observed_since=observed_since)
                for m in members
            )
        return self.table.batch_put(self._member_item(m) for m in members)

    def note_member(
        self,
        community_id: str,
        user_id: str,
        name: str,
        *,
        username: str | None,
        today: date,
    ) -> Member:
        """Record a member seen in the chat as active today: one read, at most one write
        (:meth:`see_member` says what changes, :meth:`write_activity` writes it)."""
        item = self.table.get(keys.community_pk(community_id), keys.member_sk(user_id))
        seen = self.see_member(
            community_id, user_id, name, username=username, today=today, item=item
        )
        if seen.activity is None:
            return seen.member
        return self.write_activity(community_id, user_id, seen.activity)

    def see_member(
        self,
        community_id: str,
        user_id: str,
        name: str,
        *,
        username: str | None,
        today: date,
        item: dict[str, Any] | None,
        platform_admin: bool | None = None,
    ) -> Seen:
        """What noting a member seen today changes, from their stored ``item``; no request.

        A new member is created (joined and observed from today). For a known one, a write
        is due only when something changed: the display name or username the platform
        reports, a return after leaving, or the first activity of this local day (so
        activity costs at most one write per member per day). Role, squad, joined date and
        counters are never overwritten here, except on a return.

        A return (a member who left or was removed, seen again) starts a new membership
        (:data:`NEW_MEMBERSHIP`): joined and observed from today, so a fresh grace period;
        warnings, the missed-homework run, the streak and any leave are cleared. Their
        check-ins, homework, strikes and points are history and stay.
        """
        if not str(user_id).strip():
            raise InvalidValue("user id must not be empty")
        current = from_fields(Member, item) if item else None
        delivery = item.get(CHECKIN_DELIVERY) if item else None
        # Some platforms send no display name with a message (Feishu, WeCom app messages):
        # an empty name means "unknown", never "rename to the user id".
        name = name or (current.name if current is not None else "") or str(user_id)
        username = username or (current.username if current is not None else None)
        role_changes = _platform_role_changes(current, platform_admin)
        if not role_changes and _seen_today_as_stored(current, name, username, today):
            assert current is not None
            return Seen(current, None, delivery)
        changes: dict[str, Any] = {
            "name": name,
            "username": username,
            "status": "active",
            "last_active": today.isoformat(),
        }
        changes.update(role_changes)
        defaults = None
        if current is not None:
            changes = _changes_to_known_member(current, item or {}, changes, today)
        else:
            defaults = _new_member_defaults(community_id, str(user_id), today)
            if "role" in changes:  # one path may not be both set and set-if-absent
                del defaults["role"]
        after = {**(defaults or {}), **(item or {}), **changes}
        was = (
            (current.role if current else Role.MEMBER, current.role_source if current else None)
            if role_changes
            else None
        )
        return Seen(from_fields(Member, after), Activity(changes, defaults), delivery, was)

    def write_activity(self, community_id: str, user_id: str, activity: Activity) -> Member:
        """Make a planned activity write: one UpdateItem (an upsert: a member created
        meanwhile by another message keeps what it was created with)."""
        item = self.table.update(
            keys.community_pk(community_id),
            keys.member_sk(user_id),
            set=activity.set,
            set_if_absent=activity.set_if_absent,
        )
        assert item is not None  # no condition: an update always answers
        return from_fields(Member, item)

    def mark_member_left(self, community_id: str, user_id: str) -> bool:
        """Keep the member's history; only their status changes."""
        updated = self.table.update(
            keys.community_pk(community_id),
            keys.member_sk(user_id),
            set={"status": "left"},
            cond=Cond.exists("pk"),
        )
        return updated is not None

    # -- inbound deliveries ------------------------------------------------------------
    def claim_event(
        self, platform: str, event_id: str, now: datetime, *, attempt: str | None = None
    ) -> bool:
        """True the first time a platform delivery id is seen; False for a redelivery.

        Claimed with this attempt's own token (store/claims.py): a put whose answer was lost
        and whose retry met its own item is still this delivery's, not a duplicate."""
        item = {
            "pk": keys.event_pk(platform, event_id),
            "sk": keys.META,
            "seen_at": now.isoformat(),
            keys.TTL_ATTRIBUTE: int((now + EVENT_TTL).timestamp()),
        }
        attempt = attempt or uuid.uuid4().hex
        return claims.claim_new(self.table, item, owner_attr="claimed_by", owner=attempt).owned
