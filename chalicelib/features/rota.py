"""The duty rota's use cases (值月生 / 值周生), for chat (chat/rota.py, /me), the turn-over
job (jobs/turn_over_rota.py), the weekly digest, the roster export and the CLI.

The pick itself is domain/rota.py. Costs: the turn-over reads the roster, the served history
and the period's volunteers with one Query each (pages, never a read per member) and writes
one conditional PutItem; volunteering is one conditional PutItem; a swap request one
GetItem and one conditional UpdateItem; accepting one GetItem and one conditional
UpdateItem (then chat/rota.py sends the duties note by DM); /me and the digest line one
Query of the history (about a year of periods).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.domain.rota import (
    SWAP_WINDOW,
    WEEK,
    Pick,
    last_served,
    parse_duties,
    parse_rota_kind,
    parse_skip_periods,
    period_of,
    period_start,
    pick_on_duty,
    shift_period,
)
from chalicelib.store import rota as rota_store
from chalicelib.store.retention import retention_of
from chalicelib.store.rota import Duty
from chalicelib.store.table import Table

log = logging.getLogger("rollcall.rota")

# When a period's duty begins, local time: Monday (or the 1st) at 09:00.
TURNOVER_TIME = time(9, 0)


def _say(community: Community, key: str, **values: Any) -> str:
    return t(community.locale, key, **values)


def duty_word(community: Community) -> str:
    """值周生 / 值月生, "on duty this week" / "this month"."""
    weekly = community.rota_period == WEEK
    return _say(community, "rota_word_week" if weekly else "rota_word_month")


def current_period(community: Community, now: datetime) -> str:
    """The rota period ``now`` falls in (its duty begins at TURNOVER_TIME on its first day)."""
    calendar = community.calendar
    return period_of(community.rota_period or WEEK, calendar.period_date(now))


def on_duty_period(community: Community, now: datetime) -> str:
    """The period whose member is on duty at ``now``: a duty runs from its period's
    turn-over (the first day at TURNOVER_TIME) to the next one's."""
    period = current_period(community, now)
    if now < community.calendar.at_local(period_start(period), TURNOVER_TIME):
        return shift_period(period, -1)
    return period


def upcoming_period(community: Community, now: datetime) -> str:
    """The period whose turn-over comes next (what a volunteer offers for)."""
    return shift_period(on_duty_period(community, now), 1)


# -- the pick (the turn-over job) --------------------------------------------------------


def choose(
    table: Table, community: Community, members: Iterable[Member], period: str
) -> Pick | None:
    """Who the rule puts on duty for ``period``: the history and the volunteers are one
    Query each; ``members`` is the roster the caller read (one Query)."""
    history = [
        (d.period, d.user_id) for d in rota_store.duties(table, community.id) if d.period != period
    ]
    offered = rota_store.volunteers(table, community.id, period)
    return pick_on_duty(
        community.id,
        period,
        members,
        last_served(history),
        frozenset(offered),
        community.rota_skip_periods,
    )


def record_duty(table: Table, community: Community, period: str, pick: Pick, now: datetime) -> bool:
    """Put the pick on duty: one conditional PutItem (False: the period already had one)."""
    written = rota_store.put_duty(
        table,
        community.id,
        period,
        pick.user_id,
        pick.name,
        volunteer=pick.volunteer,
        at=now,
        retention=retention_of(community),
    )
    if written:
        log.info("rota turned over", extra={"community": community.id, "period": period})
    return written


def announce_text(community: Community, period: str, name: str, volunteer: bool) -> str:
    key = "rota_announce_volunteer" if volunteer else "rota_announce"
    return _say(community, key, duty=duty_word(community), period=period, name=name)


def nobody_on_duty_text(community: Community, period: str) -> str:
    return _say(community, "rota_announce_nobody", period=period, duty=duty_word(community))


def duties_note(community: Community, period: str, name: str) -> str:
    duties = (community.rota_duties or "").strip() or _say(community, "rota_duties_default")
    return _say(
        community,
        "rota_duties_note",
        duty=duty_word(community),
        period=period,
        name=name,
        duties=duties,
    )


# -- volunteering and swaps (chat) -------------------------------------------------------


def volunteer(table: Table, community: Community, member: Member, now: datetime) -> str:
    """Offer to serve the upcoming period; the reply. Refused (nothing written) when the
    community runs no rota or the member is on leave."""
    if community.rota_period is None:
        return _say(community, "rota_none")
    if member.on_leave(community.calendar.local_date(now)):
        return _say(community, "rota_volunteer_on_leave", name=member.display())
    period = upcoming_period(community, now)
    added = rota_store.add_volunteer(
        table,
        community.id,
        period,
        member.user_id,
        member.display(),
        now,
        retention_of(community),
    )
    key = "rota_volunteered" if added else "rota_volunteered_already"
    return _say(community, key, name=member.display(), period=period, duty=duty_word(community))


def ask_swap(table: Table, community: Community, member: Member, to: Member, now: datetime) -> str:
    """The member on duty asks ``to`` to take their period; the reply. Nothing is written
    unless ``member`` is on duty now and ``to`` is someone else who may serve."""
    if community.rota_period is None:
        return _say(community, "rota_none")
    period = on_duty_period(community, now)
    duty = rota_store.get_duty(table, community.id, period)
    if duty is None or duty.user_id != member.user_id:
        return _say(community, "rota_swap_not_on_duty", name=member.display())
    if to.user_id == member.user_id or not to.is_present:
        return _say(community, "rota_swap_usage")
    if to.exempt or to.on_leave(community.calendar.local_date(now)):
        return _say(community, "rota_swap_unavailable", name=to.display())
    if not rota_store.ask_swap(
        table, community.id, period, member.user_id, to.user_id, to.display(), now
    ):
        return _say(community, "rota_swap_not_on_duty", name=member.display())
    hours = int(SWAP_WINDOW.total_seconds() // 3600)
    return _say(
        community,
        "rota_swap_asked",
        name=member.display(),
        to=to.display(),
        period=period,
        hours=hours,
    )


@dataclass(frozen=True)
class SwapAnswer:
    """An answer to a swap: the reply in the group and, when the swap took effect, the
    duties note for the member now on duty (to send privately, as the turn-over does)."""

    reply: str
    note: str | None = None


def accept_swap(table: Table, community: Community, member: Member, now: datetime) -> SwapAnswer:
    """``member`` takes over the period they were asked to: one conditional write, refused
    (nothing written, no note) when no swap to them is pending or it is 24 hours old."""
    if community.rota_period is None:
        return SwapAnswer(_say(community, "rota_none"))
    if member.on_leave(community.calendar.local_date(now)):
        return SwapAnswer(_say(community, "rota_swap_on_leave", name=member.display()))
    period = on_duty_period(community, now)
    duty = rota_store.accept_swap(
        table, community.id, period, member.user_id, member.display(), now, SWAP_WINDOW
    )
    if duty is None:
        return SwapAnswer(_say(community, "rota_swap_nothing_pending", name=member.display()))
    log.info("rota swapped", extra={"community": community.id, "period": period})
    reply = _say(
        community, "rota_swap_done", name=member.display(), period=period, duty=duty_word(community)
    )
    return SwapAnswer(reply, duties_note(community, period, member.display()))


# -- what members see ----------------------------------------------------------------------


def show_rota(table: Table, community: Community, members: Sequence[Member], now: datetime) -> str:
    """/rota: who is on duty now, and who the rule would pick next (volunteers may still
    change it)."""
    if community.rota_period is None:
        return _say(community, "rota_none")
    period = on_duty_period(community, now)
    duty = rota_store.get_duty(table, community.id, period)
    lines = [
        _say(community, "rota_now", duty=duty_word(community), period=period, name=duty.name)
        if duty
        else _say(community, "rota_now_nobody", duty=duty_word(community), period=period)
    ]
    if duty and duty.swap_to and duty.swap_at and now < duty.swap_at + SWAP_WINDOW:
        lines.append(_say(community, "rota_swap_pending", to=duty.swap_to_name or duty.swap_to))
    upcoming = shift_period(period, 1)
    nxt = choose(table, community, members, upcoming)
    lines.append(
        _say(community, "rota_next", period=upcoming, name=nxt.name)
        if nxt
        else _say(community, "rota_next_nobody", period=upcoming)
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class Served:
    count: int
    last: str | None


def served_by_member(table: Table, community_id: str) -> dict[str, Served]:
    """Member id → the periods they served (count, latest): one Query of the history."""
    kept = rota_store.duties(table, community_id)
    counts: dict[str, int] = {}
    for d in kept:
        counts[d.user_id] = counts.get(d.user_id, 0) + 1
    latest = last_served((d.period, d.user_id) for d in kept)
    return {uid: Served(n, latest.get(uid)) for uid, n in counts.items()}


def me_line(table: Table, community: Community, member: Member, now: datetime) -> str | None:
    """/me's line on duty served (None without a rota and nothing served): one Query."""
    if community.rota_period is None:
        return None
    served = served_by_member(table, community.id).get(member.user_id)
    period = on_duty_period(community, now)
    on_duty = served is not None and served.last == period
    if served is None:
        return None
    key = "me_rota_on_duty" if on_duty else "me_rota_served"
    return _say(community, key, duty=duty_word(community), count=served.count, last=served.last)


def digest_line(table: Table, community: Community, now: datetime) -> str | None:
    """The weekly digest's line on who is on duty (None without a rota or a duty): one
    GetItem, no read per member."""
    if community.rota_period is None:
        return None
    period = on_duty_period(community, now)
    duty = rota_store.get_duty(table, community.id, period)
    if duty is None:
        return None
    return _say(
        community, "rota_digest_line", duty=duty_word(community), name=duty.name, period=period
    )


def nudge(table: Table, community: Community, now: datetime) -> tuple[str, str] | None:
    """(member id, text) of the daily nudge to the member on duty; None without one."""
    duty = rota_store.get_duty(table, community.id, on_duty_period(community, now))
    if duty is None:
        return None
    return duty.user_id, _say(community, "rota_nudge", name=duty.name, duty=duty_word(community))


def history(table: Table, community_id: str) -> list[Duty]:
    return rota_store.duties(table, community_id)


# -- settings (the CLI) ----------------------------------------------------------------------


def rota_changes(
    community: Community,
    *,
    period: str | None,
    duties: str | None,
    nudge: bool | None,
    skip_periods: int | None,
) -> dict[str, Any]:
    """The community fields a ``rota set`` changes (validated; an InvalidValue otherwise).
    ``period`` "off" turns the rota off."""
    changes: dict[str, Any] = {}
    if period is not None:
        changes["rota_period"] = (
            None if period.strip().lower() == "off" else parse_rota_kind(period)
        )
    if duties is not None:
        changes["rota_duties"] = parse_duties(duties) or None
    if nudge is not None:
        changes["rota_nudge"] = nudge
    if skip_periods is not None:
        changes["rota_skip_periods"] = parse_skip_periods(skip_periods)
    return changes
