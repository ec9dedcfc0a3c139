"""daily-reminder: at the community's reminder time, one message that @-mentions exactly
the members who have not checked in that local day.

Cost: one Query of the roster and one Query of the day's check-ins (both paged), whatever
the number of members; no request per member. With streak freezes on, the main reminder
also tells each member a freeze kept yesterday's streak for, privately, and spends it once
the messages are out: one conditional UpdateItem per such member (features/freezes.py).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from chalicelib.domain.messages import day_count, t
from chalicelib.domain.models import Community, Member, parse_hhmm
from chalicelib.domain.periods import LAST_CALL, MANUAL, Period
from chalicelib.domain.reminders import ReminderTargets, select_reminder_targets
from chalicelib.features.freezes import freeze_note, missed_day_freezes, spend_all
from chalicelib.features.points import LEVELUPS_UNTIL, announced_until, levelled_up, levelup_line
from chalicelib.jobs.plan import Direct, JobSpec, Plan, Slot, Target
from chalicelib.platforms.base import Mention, Message
from chalicelib.store.checkins import checkins_on
from chalicelib.store.repository import Store

NAME = "daily-reminder"


def manual_period(community: Community, now: datetime) -> str:
    """A reminder sent by hand (``/remind``, ``rollcall job run daily-reminder`` without
    ``--at``): a period of its own, ``<date>#manual``, so it never uses up the day's
    scheduled reminder."""
    return Period.day_of(community.calendar.period_date(now), MANUAL).format()


def plan_daily_reminder(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
) -> Plan:
    """``period`` is the local date (``2026-11-23``) or ``<date>#last-call``; by default the
    community's local date at ``now``, main reminder. With ``direct`` (the platform can send
    DMs here) quiet members get a direct message instead of a mention-free listing."""
    if period is None:
        period = community.calendar.period_date(now).isoformat()
    local_date = Period.parse(period).day
    members = list(store.list_members(community.id))
    checked = {c["user_id"] for c in checkins_on(store.table, community.id, local_date)}
    targets = select_reminder_targets(members, checked, local_date, community.grace_days)
    last_call = Period.parse(period).last_call
    messages = compose_reminder(community, local_date, targets, last_call=last_call, direct=direct)
    announced = 0
    record: dict[str, str] = {}
    if Period.parse(period).slot is None:  # the day's main scheduled reminder only
        start, end = main_reminder_window(community, local_date)
        start = announced_until(store.table, community.id, NAME, period) or start
        line = levelup_line(community, members, start, end)
        if line:
            announced = len(levelled_up(members, start, end))
            messages = with_line(messages, line)
        record[LEVELUPS_UNTIL] = end.isoformat()
    addressed: list[Target] = [None] * len(messages)
    kept: list[Member] = []
    if direct:
        kept = _add_direct_messages(
            store, community, now, period, members, checked, targets, messages, addressed
        )
    summary = {
        "date": local_date.isoformat(),
        "expected": targets.expected,
        "done": targets.done,
        "mentioned": len(targets.mention),
        "quiet": len(targets.quiet),
        "grace": len(targets.grace),
        "on_leave": len(targets.on_leave),
        "levelled_up": announced,
    }
    if kept:
        summary["freezes_used"] = len(kept)
    return Plan(
        period=period,
        messages=messages,
        summary=summary,
        targets=addressed,
        record=record,
        apply=spend_all(store.table, community, kept, local_date) if kept else None,
    )


def _add_direct_messages(
    store: Store,
    community: Community,
    now: datetime,
    period: str,
    members: list[Member],
    checked: set[str],
    targets: ReminderTargets,
    messages: list[Message],
    addressed: list[Target],
) -> list[Member]:
    """Append the reminder's direct messages (where the platform sends DMs): each quiet
    member's reminder, the rota's nudge and the freeze notes of the main reminder. Returns
    the members whose freeze the day's miss spends."""
    local_date = Period.parse(period).day
    last_call = Period.parse(period).last_call
    if messages:
        for member in targets.quiet:
            message, target = compose_direct_reminder(
                community, local_date, targets, member, last_call=last_call
            )
            messages.append(message)
            addressed.append(target)
    if Period.parse(period).slot is not None:
        return []  # the last call: no nudge, no freezes
    if community.rota_nudge:
        nudged = rota_nudge(store, community, now)
        present = {m.user_id for m in members if m.is_present}
        if nudged is not None and nudged[0] in present:  # on duty, privately; never the group
            messages.append(Message(nudged[1]))
            addressed.append(Direct(nudged[0]))
    kept = missed_day_freezes(community, members, checked, local_date)
    for member in kept:  # privately only: no word to the group if the DM is refused
        note, target = freeze_note(community, member, local_date)
        messages.append(note)
        addressed.append(target)
    return kept


def rota_nudge(store: Store, community: Community, now: datetime) -> tuple[str, str] | None:
    """The daily nudge of the member on duty (features/rota.py): one GetItem, and only for a
    community that runs a rota with the nudge on."""
    if community.rota_period is None:
        return None
    from chalicelib.features.rota import nudge

    return nudge(store.table, community, now)


def compose_reminder(
    community: Community,
    local_date: date,
    targets: ReminderTargets,
    *,
    last_call: bool = False,
    direct: bool = False,
) -> list[Message]:
    """The group's reminder. Quiet members are listed by name without a ping, unless
    ``direct``: then they get ``compose_direct_reminder`` instead."""
    locale = community.locale
    values = {
        "date": local_date.isoformat(),
        "done": targets.done,
        "expected": targets.expected,
        "missing": targets.missing,
    }
    not_counted = not_counted_line(community, targets)
    if targets.missing == 0:
        if last_call or not community.congratulate_when_all_done or targets.expected == 0:
            return []
        done = t(locale, "reminder_all_done", **values)
        return [Message("\n".join(line for line in (done, not_counted) if line))]
    lines = [t(locale, "reminder_last_call" if last_call else "reminder_header", **values)]
    if not_counted:
        lines.append(not_counted)
    if community.theme and community.theme_week == community.calendar.iso_week(local_date):
        lines.append(t(locale, "reminder_theme", theme=community.theme))
    tail = ""
    if targets.quiet and not direct:
        separator = t(locale, "list_separator")
        tail = t(locale, "reminder_quiet", names=separator.join(m.display() for m in targets.quiet))
    if targets.mention:
        lines.append(t(locale, "reminder_call"))
    mentions = tuple(Mention(m.user_id, m.display(), m.username) for m in targets.mention)
    return [Message("\n".join(lines), mentions, tail)]


def not_counted_line(community: Community, targets: ReminderTargets) -> str | None:
    """Who the ``done/expected`` count leaves out, and why, so the numbers add up to the
    roster ("18/18 — not counted: 10 new in their first 2 days"); None when the
    count covers every present member."""
    locale = community.locale
    parts = []
    if targets.grace:
        days = day_count(locale, community.grace_days)  # "1 day", never "1 days"
        parts.append(t(locale, "reminder_not_counted_new", count=len(targets.grace), days=days))
    if targets.on_leave:
        parts.append(t(locale, "reminder_not_counted_leave", count=len(targets.on_leave)))
    if not parts:
        return None
    return t(locale, "reminder_not_counted", parts=t(locale, "list_separator").join(parts))


def compose_direct_reminder(
    community: Community,
    local_date: date,
    targets: ReminderTargets,
    member: Member,
    *,
    last_call: bool = False,
) -> tuple[Message, Direct]:
    """A quiet member's reminder, privately; if the DM is refused, the group lists them by
    name (still without a ping) under ``reminder_quiet_unreached``."""
    locale = community.locale
    key = "reminder_direct_last_call" if last_call else "reminder_direct"
    lines = [
        t(
            locale,
            key,
            name=member.display(),
            date=local_date.isoformat(),
            done=targets.done,
            expected=targets.expected,
        )
    ]
    if community.theme and community.theme_week == community.calendar.iso_week(local_date):
        lines.append(t(locale, "reminder_theme", theme=community.theme))
    fallback = Message(t(locale, "reminder_quiet_unreached"), tail=member.display())
    return Message("\n".join(lines)), Direct(member.user_id, fallback)


def with_line(messages: list[Message], line: str) -> list[Message]:
    """``line`` under the first message's header (before the call to check in and its
    mentions); a message of its own when there is none."""
    if not messages:
        return [Message(line)]
    first = messages[0]
    header, _, rest = first.text.partition("\n")
    text = "\n".join(part for part in (header, line, rest) if part)
    return [replace(first, text=text), *messages[1:]]


def main_reminder_window(community: Community, local_date: date) -> tuple[datetime, datetime]:
    """The scheduled times of the main reminder before ``local_date``'s and of its own: a
    level-up in between is announced by ``local_date``'s reminder (a pure computation)."""
    after = datetime.combine(local_date - timedelta(days=3), time(0), tzinfo=UTC)
    previous: datetime | None = None
    for slot in daily_reminder_slots(community.with_changes(last_call_time=None), after):
        if slot.period == local_date.isoformat():
            return previous or slot.scheduled_at - timedelta(days=1), slot.scheduled_at
        if slot.period > local_date.isoformat():
            break
        previous = slot.scheduled_at
    noon = datetime.combine(local_date, time(12), tzinfo=UTC)  # unreachable for real dates
    return noon - timedelta(days=1), noon


# -- when it runs ------------------------------------------------------------------------


def daily_reminder_slots(community: Community, after: datetime) -> Iterator[Slot]:
    calendar = community.calendar

    def daily(t: time, slot: str | None) -> Iterator[Slot]:
        cursor = after
        while True:
            # next_daily gives one run per local date, DST-proof: a 02:30 reminder runs at
            # 03:00 on spring-forward day and once (the first 02:30) on fall-back day.
            cursor = calendar.next_daily(cursor, t)
            period = Period.day_of(calendar.period_date(cursor), slot)
            yield Slot(NAME, period.format(), cursor)

    streams = [daily(parse_hhmm(community.reminder_time), None)]
    if community.last_call_time:
        streams.append(daily(parse_hhmm(community.last_call_time), LAST_CALL))
    return heapq.merge(*streams, key=lambda slot: slot.scheduled_at)


SPEC = JobSpec(
    name=NAME,
    plan=plan_daily_reminder,
    slots=daily_reminder_slots,
    # A reminder to check in "today" that arrives hours late confuses more than it helps.
    max_lateness=timedelta(hours=2),
)
