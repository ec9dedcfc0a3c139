"""Roster sync, the feature: read who is in the chat from the platform, compare it with the
roster, record joins, leaves and renames. The daily job (jobs/sync_rosters.py) and
``rollcall member sync`` both call :func:`plan_roster_sync`; what changes is pure
(domain/roster.py), the writes are batches (store/roster.py).

- The platform's list is read to its last page before anything is compared: a refusal
  (ListRefused, naming the missing permission) or a malformed answer (MalformedAnswer,
  naming the platform) leaves the roster exactly as it was.
- Cost for a community of N members with C changes: the platform's pages (O(N / page
  size) requests), one Query of the roster (1 MB pages), one GetItem of the sync's
  bookkeeping, and ceil((C + 1) / 25) BatchWriteItem requests. No read per member.
- Members present at a community's first sync are added quietly; later joiners are welcomed
  by the daily job in one message (the CLI records them quietly).
- Joiners are observed from today (docs/counting.md): silence before the sync saw them is
  not held against them. A member back after leaving starts a new membership.
- Leavers keep their history with status ``left``: reminders, warnings and reports skip
  members who are not present (domain/reminders.py, domain/inactivity.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.domain.roster import ChatMembers, MalformedList, diff_roster, rotate
from chalicelib.domain.visibility import lists_members
from chalicelib.platforms.base import (
    ChatAddress,
    MalformedAnswer,
    MemberLister,
    Mention,
    Message,
)
from chalicelib.store import roster as roster_store
from chalicelib.store.repository import Store

# Platforms whose API shows a bot no member list of an ordinary group, in one sentence
# (the group kinds with a list, domain/visibility.py LISTED_KINDS, are read instead).
CANNOT_LIST = {
    "dingtalk": (
        "DingTalk shows a robot no member list of an ordinary group (only of the app's scene "
        "groups: --group-kind scene), so rollcall cannot see who joins or leaves there."
    ),
    "wecom": (
        "WeCom shows a group robot no member list of its group (only of groups the app "
        "created, --group-kind app, and customer groups, --group-kind customer), so "
        "rollcall cannot see who joins or leaves there."
    ),
    "console": "The console has no member list to read.",
}
# Telegram has no list: roster members are checked one request each (getChatMember), at
# most this many per run, the next run going on where this one stopped. 100 requests, each
# a round trip of ~0.1-0.2 s paced 0.05 s apart, stay well inside the worker's 60 s; a
# 1,000-member roster is checked in 10 days, a 10,000-member one in 100 (leaves seen as
# events, which Telegram sends as service messages and, with the bot an admin, as
# chat_member updates, are recorded at once).
CHECKS_PER_RUN = 100


@dataclass
class SyncReport:
    """What a sync changed (or, dry, would change), for the operator and the run record."""

    community_id: str
    platform: str
    first: bool = False
    dry_run: bool = False
    joins: list[dict[str, str]] = field(default_factory=list)
    rejoins: list[dict[str, str]] = field(default_factory=list)
    leaves: list[dict[str, str]] = field(default_factory=list)
    renames: list[dict[str, str]] = field(default_factory=list)
    # Telegram: how many roster members were checked, and the platform's head count.
    checked: int | None = None
    platform_total: int | None = None
    unseen: int | None = None
    # Why nothing was read (a platform without a list).
    skipped: str | None = None
    # Changes not written because the member's item changed meanwhile (status moved,
    # forgotten, a joiner's first message came first): the next sync looks again.
    moved: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "joins": len(self.joins),
            "rejoins": len(self.rejoins),
            "leaves": len(self.leaves),
            "renames": len(self.renames),
        }

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "community": self.community_id,
            "platform": self.platform,
            "dry_run": self.dry_run,
            "first_sync": self.first,
            **self.counts(),
            "joined": self.joins,
            "rejoined": self.rejoins,
            "left": self.leaves,
            "renamed": self.renames,
        }
        if self.checked is not None:
            data.update(checked=self.checked, platform_total=self.platform_total)
            data["unseen"] = self.unseen
        if self.skipped:
            data["skipped"] = self.skipped
        return data

    def describe(self) -> str:
        if self.skipped:
            return self.skipped
        head = "would change" if self.dry_run else "synced"
        counts = self.counts()
        lines = [
            f"{head} {self.community_id} ({self.platform}): "
            + ", ".join(f"{n} {what}" for what, n in counts.items())
            + (" (first sync: joiners added quietly)" if self.first else "")
        ]
        for what, people in (
            ("joined", self.joins),
            ("rejoined", self.rejoins),
            ("left", self.leaves),
        ):
            for person in people:
                lines.append(f"  {what:<9} {person['user_id']}  {person['name']}")
        for person in self.renames:
            lines.append(f"  renamed   {person['user_id']}  {person['old']} → {person['name']}")
        if self.checked is not None:
            lines.append(
                f"checked {self.checked} roster member(s) one by one; the platform counts "
                f"{self.platform_total} in the chat (bots included), "
                f"{self.unseen} not on the roster: they appear when they speak or join"
            )
        if self.dry_run:
            lines.append("dry run: nothing written")
        return "\n".join(lines)


@dataclass
class RosterSync:
    """A sync read and compared, not yet written: ``write_changes`` writes it (the job
    calls it once its welcome is out; a dry run never does)."""

    report: SyncReport
    store: Store
    now: datetime
    # New members' items (joins) and, for members on the roster, (user id, the fields to
    # set, the status read): written by write_changes (store/roster.py says how).
    items: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    welcome: Message | None = None
    next_check: int = 0
    # The roster items this sync read, by user id.
    roster: dict[str, dict[str, Any]] = field(default_factory=dict)

    def members_after(self) -> list[Member]:
        """Who is present once the changes are written, from the roster this sync read (so
        the admin refresh that follows reads it no second time). A change refused as
        "moved" is taken as made: the refresh's own writes are conditional."""
        items = dict(self.roster)
        for user_id, fields, _ in self.updates:
            merged = {**items[user_id], **fields}
            items[user_id] = {k: v for k, v in merged.items() if v is not None}
        for item in self.items:
            items[item["user_id"]] = item
        return [m for m in map(roster_store.as_member, items.values()) if m.is_present]

    def write_changes(self) -> int:
        """Write every change and the sync's bookkeeping; the items written."""
        if self.report.skipped:
            return 0
        table, cid = self.store.table, self.report.community_id
        written = 0
        for user_id, fields, read_status in self.updates:
            if roster_store.update_member(table, cid, user_id, fields, read_status):
                written += 1
            else:
                self.report.moved += 1  # changed meanwhile: the next sync looks again
        batch: list[dict[str, Any]] = []
        if self.report.first:
            batch = self.items  # thousands at once, nobody to race yet: batches of 25
        else:
            for item in self.items:
                if roster_store.put_joiner(table, item):
                    written += 1
                else:
                    self.report.moved += 1
                    if "welcomed_at" in item:  # welcomed by this sync, stored meanwhile
                        from chalicelib.store.ritual import note_welcomed

                        note_welcomed(table, cid, item["user_id"], self.now)
        return written + roster_store.write_sync(
            table,
            cid,
            batch,
            self.now,
            next_check=self.next_check,
            summary=self.report.counts(),
        )


def cannot_list(community: Community, adapter: Any) -> str | None:
    """Why this community's members cannot be read here, in one sentence; None when they
    can."""
    reason = CANNOT_LIST.get(community.platform)
    if reason is not None and not lists_members(community.platform, community.group_kind):
        return reason
    if adapter is None:
        return f"{community.platform} is not configured here: its member list cannot be read."
    if not isinstance(adapter, MemberLister):
        return f"{community.platform} offers rollcall no member list."
    return None


def plan_roster_sync(
    store: Store,
    community: Community,
    adapter: Any,
    now: datetime,
    *,
    check_limit: int = CHECKS_PER_RUN,
) -> RosterSync:
    """Read the platform's member list and the roster, and work out the changes. Raises
    ListRefused / MalformedAnswer / DeliveryError before anything is written."""
    report = SyncReport(community.id, community.platform)
    reason = cannot_list(community, adapter)
    if reason is not None:
        report.skipped = reason
        return RosterSync(report, store, now)
    state = roster_store.sync_state(store.table, community.id)
    report.first = state is None
    start = int(state.get("next_check", 0)) if state else 0
    # The roster (one Query), so a platform without a list knows whom to check.
    items = {item["user_id"]: item for item in roster_store.roster_items(store.table, community.id)}
    members = [roster_store.as_member(item) for item in items.values()]
    present = [m.user_id for m in members if m.is_present]
    order = rotate(present, start)
    chat = ChatAddress(community.platform, community.chat_id, group_kind=community.group_kind)
    listed: ChatMembers = adapter.read_chat_members(chat, order, check_limit=check_limit)
    try:
        diff = diff_roster(members, listed)
    except MalformedList as error:
        raise MalformedAnswer(community.platform, str(error)) from None
    today = community.calendar.local_date(now)
    plan = RosterSync(report, store, now, roster=items)
    for person in diff.joins:
        plan.items.append(roster_store.joined_item(community.id, person, today))
        report.joins.append({"user_id": person.user_id, "name": person.name or person.user_id})
    for member, person in diff.rejoins:
        fields = roster_store.rejoined_fields(items[member.user_id], person, today)
        plan.updates.append((member.user_id, fields, member.status.value))
        report.rejoins.append({"user_id": member.user_id, "name": person.name or member.name})
    for member in diff.leaves:
        plan.updates.append((member.user_id, roster_store.left_fields(), member.status.value))
        report.leaves.append({"user_id": member.user_id, "name": member.display()})
    for member, person in diff.renames:
        fields = roster_store.renamed_fields(items[member.user_id], person)
        plan.updates.append((member.user_id, fields, member.status.value))
        report.renames.append(
            {"user_id": member.user_id, "old": member.name, "name": person.name or member.name}
        )
    if not listed.complete:
        report.checked = len(listed.checked)
        report.platform_total = listed.total
        if listed.total is not None:
            still = len(present) - len(diff.leaves)
            report.unseen = max(0, listed.total - still)
        plan.next_check = _next_check(order, len(listed.checked), set(listed.gone))
    arrivals = [*diff.joins, *(person for _, person in diff.rejoins)]
    if arrivals and not report.first:
        plan.welcome = Message(
            t(community.locale, "roster_welcome", community=community.name),
            tuple(Mention(p.user_id, p.name or p.user_id, p.username) for p in arrivals),
        )
    return plan


def _next_check(order: list[str], checked: int, gone: set[str]) -> int:
    """Where the next one-by-one check starts: the position, among the members still
    present after this sync, of the first one this run did not check (0 once all were)."""
    if checked >= len(order):
        return 0
    remaining = sorted(u for u in order if u not in gone)
    return remaining.index(order[checked])


def sync_roster(
    store: Store, community: Community, adapter: Any, now: datetime, *, dry_run: bool = False
) -> SyncReport:
    """Sync now and write (unless ``dry_run``), welcoming nobody: ``rollcall member
    sync``. The daily job welcomes later joiners; an operator's sync adds them quietly."""
    plan = plan_roster_sync(store, community, adapter, now)
    plan.report.dry_run = dry_run
    if not dry_run:
        plan.write_changes()
    return plan.report
