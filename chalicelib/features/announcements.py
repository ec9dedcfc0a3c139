"""Announcements (群公告) and cohorts (期): their use cases, for chat (chat/announcements.py),
the CLI (rollcall announce / rollcall cohort), the job that posts them
(jobs/post_announcements.py) and a newcomer's welcome (``pinned_announcements``).

Where things live: each live announcement's schedule, and each cohort, is a small dict on
the community item (domain/announcements.py), so the job's slots see every post that is
due; an announcement's text is an item of its own (``ANN#<id>``), read when it is posted.
Costs: adding is one GetItem (the community, fresh), one PutItem (the text), one
UpdateItem (the community) and one conditional PutItem (the job's due pointer, moved
earlier only); cancelling is one GetItem, one UpdateItem and one DeleteItem; listing reads
nothing beyond the community; posting one GetItem (the text); a ceremony one roster Query
(and the stars' Queries for a closing).

Two admins adding at the very same moment may overwrite each other's list (last writer
wins on the community item): the loser's reply said "scheduled" but the post is missing
from /announcements; rare for a handful of admins, and visible.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime
from typing import Any

from chalicelib.domain import announcements as ann
from chalicelib.domain.announcements import Refused
from chalicelib.domain.levels import level_name
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Role
from chalicelib.platforms.base import Message
from chalicelib.store import due, keys
from chalicelib.store.repository import Store

log = logging.getLogger("rollcall.announcements")

# The job that posts announcements and ceremonies (jobs/post_announcements.py).
JOB = "announcements"

__all__ = [
    "JOB",
    "Refused",
    "add_announcement",
    "add_cohort",
    "cancel_announcement",
    "cancel_cohort",
    "closing_message",
    "list_lines",
    "opening_message",
    "pinned_announcements",
]


def _fmt(at: datetime, community: Community) -> str:
    return at.astimezone(community.calendar.tz).strftime("%Y-%m-%d %H:%M")


# -- announcements --------------------------------------------------------------------------


class _NothingToCancel(LookupError):
    """No entry with the id asked for: nothing is written."""


def add_announcement(
    store: Store, community: Community, args: str, by: str, now: datetime
) -> tuple[dict[str, Any], datetime]:
    """Schedule an announcement from ``2026-12-08 09:00 text`` (see
    domain/announcements.parse_request); returns its entry and first post. Refused (with
    its message key) for bad input, writing nothing. ``by`` (who asked) goes to the log
    only: the group's announcements name no member, so forgetting one touches none."""
    schedule, text = ann.parse_request(args)
    community = store.get_community(community.id)  # fresh: the list is rewritten whole
    calendar = community.calendar
    ann.check_schedule(calendar, schedule, now)
    taken = [e["id"] for e in (*community.announcements, *community.cohorts)]
    entry = {
        "id": ann.new_id("a", taken),
        **schedule.as_fields(),
        "preview": text[: ann.PREVIEW],
        "created": now.isoformat(),
    }
    # The text first: a listed announcement always has one to post.
    store.table.put(
        {
            "pk": keys.community_pk(community.id),
            "sk": keys.announcement_sk(entry["id"]),
            "text": text,
            "created_at": now.isoformat(),
        }
    )
    dropped: list[str] = []

    def added(read: Community) -> dict[str, Any]:
        kept = [e for e in read.announcements if ann.live(calendar, e, now)]
        if len(kept) >= ann.MAX_ANNOUNCEMENTS:
            raise Refused("announce_full", limit=ann.MAX_ANNOUNCEMENTS)
        dropped[:] = [e["id"] for e in read.announcements if e not in kept]
        return {"announcements": (*kept, entry)}

    try:
        # Guarded: another admin's announcement added meanwhile is kept, never erased.
        store.rewrite_community(community.id, added, guard=("announcements",))
    except Refused:
        store.table.delete(keys.community_pk(community.id), keys.announcement_sk(entry["id"]))
        raise
    # The texts of announcements past their time, dropped from the list now: one or two at
    # most since the last addition (a DeleteItem each keeps the webhook's IAM policy to the
    # single-item writes it already has).
    for gone in dropped:
        store.table.delete(keys.community_pk(community.id), keys.announcement_sk(gone))
    first = next(ann.announcement_posts(calendar, entry, now))
    log.info("announcement scheduled", extra={"community": community.id, "by": by})
    due.put_due_if_earlier(
        store.table, community.id, JOB, first.period, first.scheduled_at, now=now
    )
    return entry, first.scheduled_at


def _point_at_first(
    store: Store, community_id: str, posts: Any, now: datetime | None = None
) -> None:
    post = next(iter(posts), None)
    if post is not None:
        due.put_due_if_earlier(
            store.table, community_id, JOB, post.period, post.scheduled_at, now=now
        )


def cancel_announcement(
    store: Store, community: Community, announcement_id: str, now: datetime | None = None
) -> bool:
    """Cancel it for good: off the community's list and its text deleted, so a post
    already in the queue finds nothing to send. False when there is no such announcement.
    ``now`` (when cancelled) keeps the next post from falling in a window a tick has read."""
    wanted = announcement_id.strip().lower()

    def cancelled(read: Community) -> dict[str, Any]:
        kept = tuple(e for e in read.announcements if e["id"] != wanted)
        if len(kept) == len(read.announcements):
            raise _NothingToCancel
        return {"announcements": kept}

    try:
        _, updated = store.rewrite_community(community.id, cancelled, guard=("announcements",))
    except _NothingToCancel:
        return False
    store.table.delete(keys.community_pk(community.id), keys.announcement_sk(wanted))
    _skip_pointer_past(store, updated, wanted, now)
    return True


def _skip_pointer_past(
    store: Store, community: Community, cancelled: str, now: datetime | None = None
) -> None:
    """When the job's pointer names a post of what was just cancelled, move it to the next
    post of the others (if it still names that post), so the cancelled one is not even
    dispatched. One GetItem, and one conditional UpdateItem or a DeleteItem."""
    pointer = store.table.get(keys.community_pk(community.id), keys.due_item_sk(JOB))
    if pointer is None or f"#{cancelled}-" not in str(pointer.get("period", "")):
        return
    after = datetime.fromisoformat(str(pointer["scheduled_at"]))
    calendar = community.calendar
    following = next(
        ann.posts_after(calendar, community.announcements, community.cohorts, after), None
    )
    if following is None:
        due.clear_due(store.table, community.id, JOB)
        return
    due.advance_due(
        store.table,
        community.id,
        JOB,
        str(pointer["period"]),
        following.period,
        following.scheduled_at,
        now=now,
    )


def live_announcements(community: Community, now: datetime) -> list[dict[str, Any]]:
    calendar = community.calendar
    return [e for e in community.announcements if ann.live(calendar, e, now)]


def list_lines(community: Community, now: datetime) -> list[str]:
    """/announcements: a title and one line per live announcement (nothing read)."""
    locale = community.locale
    entries = live_announcements(community, now)
    if not entries:
        return [t(locale, "announce_none")]
    lines = [t(locale, "announce_list_title")]
    for e in entries:
        when = ann.describe(e, locale)
        lines.append(t(locale, "announce_list_line", id=e["id"], when=when, preview=e["preview"]))
    return lines


def announcement_text(store: Store, community_id: str, announcement_id: str) -> str | None:
    item = store.table.get(keys.community_pk(community_id), keys.announcement_sk(announcement_id))
    return None if item is None else str(item["text"])


def pinned_announcements(store: Store, community: Community, now: datetime) -> list[str]:
    """The texts of the announcements pinned now (live, posted at least once), oldest
    first, for a newcomer's welcome: one Query of the texts, nothing when none is pinned."""
    calendar = community.calendar
    pinned = [
        e["id"]
        for e in community.announcements
        if ann.live(calendar, e, now) and ann.started(calendar, e, now)
    ]
    if not pinned:
        return []
    texts = {
        str(item["sk"])[len(keys.ANNOUNCEMENT_PREFIX) :]: str(item["text"])
        for item in store.table.query(
            keys.community_pk(community.id), prefix=keys.ANNOUNCEMENT_PREFIX
        )
    }
    return [texts[i] for i in pinned if i in texts]


def post_message(community: Community, text: str) -> Message:
    return Message(t(community.locale, "announce_post", text=text))


# -- cohorts --------------------------------------------------------------------------------


def add_cohort(
    store: Store,
    community: Community,
    name: str,
    start: date,
    end: date,
    now: datetime,
    *,
    theme: str | None = None,
) -> dict[str, Any]:
    """A cohort from ``start`` to ``end`` (local dates, inclusive): its opening is posted on
    the first day, its closing the morning after the last. Refused for bad input."""
    ann.check_cohort(name, start, end)
    community = store.get_community(community.id)
    taken = [e["id"] for e in (*community.announcements, *community.cohorts)]
    entry = {
        "id": ann.new_id("k", taken),
        "name": name.strip(),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "created": now.isoformat(),
    }
    if theme and theme.strip():
        entry["theme"] = theme.strip()

    def added(read: Community) -> dict[str, Any]:
        if len(read.cohorts) >= ann.MAX_COHORTS:
            raise Refused("cohort_full", limit=ann.MAX_COHORTS)
        return {"cohorts": (*read.cohorts, entry)}

    store.rewrite_community(community.id, added, guard=("cohorts",))
    _point_at_first(store, community.id, ann.cohort_posts(community.calendar, entry, now), now)
    return entry


def cancel_cohort(
    store: Store, community: Community, cohort_id: str, now: datetime | None = None
) -> bool:
    wanted = cohort_id.strip().lower()

    def cancelled(read: Community) -> dict[str, Any]:
        kept = tuple(e for e in read.cohorts if e["id"] != wanted)
        if len(kept) == len(read.cohorts):
            raise _NothingToCancel
        return {"cohorts": kept}

    try:
        _, updated = store.rewrite_community(community.id, cancelled, guard=("cohorts",))
    except _NothingToCancel:
        return False
    _skip_pointer_past(store, updated, wanted, now)
    return True


def opening_message(store: Store, community: Community, entry: dict[str, Any]) -> Message:
    """开班仪式: the cohort's name and dates, theme, rules if set, squads with their leaders
    (one roster Query)."""
    locale = community.locale
    start, end = entry["start"], entry["end"]
    lines = [t(locale, "cohort_opening_title", name=entry["name"], start=start, end=end)]
    if entry.get("theme"):
        lines.append(t(locale, "cohort_opening_theme", theme=entry["theme"]))
    from chalicelib.domain.ritual import fill

    rules = community.group_rules and fill(
        community.group_rules,
        name=t(locale, "cohort_everyone"),
        community=community.name,
        link=community.community_link,
    )
    if rules:
        lines.append(t(locale, "cohort_opening_rules", rules=rules))
    first = _first_session(community, date.fromisoformat(start))
    if first is not None:
        lines.append(first)
    members = [m for m in store.list_members(community.id) if m.is_present]
    squads = Counter(m.squad for m in members if m.squad)
    if squads:
        lines.append(t(locale, "cohort_opening_squads"))
        separator = t(locale, "list_separator")
        for squad in sorted(squads):
            leaders = [m.display() for m in members if m.squad == squad and m.role is Role.LEADER]
            lines.append(
                t(
                    locale,
                    "cohort_opening_squad_line",
                    squad=squad,
                    leaders=separator.join(leaders) or t(locale, "cohort_opening_no_leader"),
                    count=squads[squad],
                )
            )
    lines.append(t(locale, "cohort_opening_welcome"))
    return Message("\n".join(lines))


def _first_session(community: Community, start: date) -> str | None:
    """The cohort's first session (分享会, domain/sessions.py) on or after its first day."""
    from chalicelib.domain.sessions import definitions_of, upcoming

    definitions = definitions_of(community.sessions)
    if not definitions:
        return None
    calendar = community.calendar
    found = upcoming(definitions, calendar, calendar.day_start(start), limit=1)
    if not found:
        return None
    at, definition, day = found[0]
    local = at.astimezone(calendar.tz)
    return t(
        community.locale,
        "cohort_opening_session",
        title=definition.title,
        date=day.isoformat(),
        time=f"{local:%H:%M}",
    )


def closing_message(store: Store, community: Community, entry: dict[str, Any]) -> Message:
    """结业: the cohort's stars over its dates (features/stars.py), the levels its members
    reached (one roster Query), thanks."""
    from chalicelib.features.stars import compose_stars, compute_stars

    locale = community.locale
    start, end = date.fromisoformat(entry["start"]), date.fromisoformat(entry["end"])
    lines = [t(locale, "cohort_closing_title", name=entry["name"], start=start, end=end)]
    stars = compose_stars(
        community, t(locale, "cohort_closing_stars"), compute_stars(store, community, start, end)
    )
    lines.append(stars[0].text if stars else t(locale, "cohort_closing_no_stars"))
    members = [m for m in store.list_members(community.id) if m.is_present]
    levels = Counter(m.level for m in members)
    if levels:
        separator = t(locale, "list_separator")
        names = separator.join(
            f"{level_name(locale, community.level_names, community.level_points, level)} ×{n}"
            for level, n in sorted(levels.items(), reverse=True)
        )
        lines.append(t(locale, "cohort_closing_levels", levels=names))
    lines.append(t(locale, "cohort_closing_thanks"))
    return Message("\n".join(lines))


def cohort_lines(community: Community) -> list[str]:
    return [f"{e['id']}  {e['name']}  {e['start']} – {e['end']}" for e in community.cohorts]
