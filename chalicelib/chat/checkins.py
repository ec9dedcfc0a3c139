"""Chat commands of daily check-ins: 打卡, 补卡, 我的, 排行榜, 请假, 销假, 免打扰, 本周主题.

Each handler takes a CommandContext and returns its replies; the rules live in
domain/checkins.py and every read and write in store/checkins.py, each with a stated cost.
A check-in is one conditional PutItem (exactly once per member and local date, whatever
the platform redelivers) plus one conditional UpdateItem of the member's counters, which
also carries the member's activity of the day (so the inbound path writes nothing else).

A check-in de-duplicates itself, with no claim of the delivery id beforehand: the
check-in item and the member item both keep the delivery that recorded it. A redelivery
is recognised from the member item already read (no write at all), or, while the first
delivery is still in flight, from the item the refused put returns; either way it gets no
second reply, while a genuinely second check-in the same day is answered kindly.

Two round trips and two write units on the warm path (:func:`read_member_and_put_checkin`).
The put needs nothing from the member read (a check-in item keeps no run), so it goes out
*with* the read; the second round is the member's conditional counter update alone, which
also keeps what a later make-up needs to find runs: the run at the last check-in, and the
gap a check-in ends (domain/checkins.py ``chain_back``). The counters still never count a
check-in whose item was not written: the put has returned before they are sent. Chosen
over giving the item its run in the second round (one more write unit per check-in) and
over keeping every recent run on the member item (a bigger write every day): the member
item grows only when a check-in follows a gap.

When the read shows the check-in must not happen, and the early put wrote it, the put is
taken back (``withdraw_checkin``: conditional on this attempt's mark and on no other
request having adopted it, so exactly once, and never under counters another request
settled): a member who has not accepted the group rules (the joining ritual's gate), and a
redelivery that arrives after the day ended. A second check-in the same day costs a
refused put (no write) besides the read. Unknown members are created by the counter write
as before; make-ups, the cold path (no community cached) and a check-in with no platform
delivery id keep the one-by-one order.

The window left open: a crash between the two rounds leaves the check-in recorded and the
counters one behind. The platform's redelivery, or the member's next 打卡 the same day,
finds the check-in, adopts it and settles the counters then (see ``_settle_checkin``);
left unsettled, the check-in is not counted, and a later make-up finds the runs the
counters know (never more than the member had).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.domain.checkins import (
    GAPS_KEPT_DAYS,
    NOTE_MAX_CHARS,
    THEME_MAX_CHARS,
    Board,
    Link,
    MakeupRefusal,
    Repair,
    Streak,
    board_dates,
    chain_back,
    check_in,
    check_makeup,
    cut_text,
    end_leave,
    gap_after_checkin,
    gap_entries,
    gaps_of,
    leave_of,
    live_streak,
    makeups_left,
    parse_day,
    parse_leaderboard,
    parse_leave_days,
    rank_standings,
    repair_with_makeup,
    take_leave,
)
from chalicelib.domain.commands import Command
from chalicelib.domain.freezes import (
    FreezeRules,
    bank,
    earned,
    frozen_set,
    keep_frozen,
    plan_spend,
    refund,
)
from chalicelib.domain.messages import day_count, t
from chalicelib.domain.models import Community, Member, first_observed
from chalicelib.features.points import (
    checkin_fields,
    level_label,
    rank_by_points,
    standing_lines,
)
from chalicelib.platforms.base import InboundEvent, Message
from chalicelib.store import keys
from chalicelib.store.checkins import (
    adopt_checkin,
    checkin_counts,
    get_checkin,
    link_of,
    load_member,
    member_checkins,
    member_month,
    new_attempt,
    record_checkin,
    release_makeup,
    reserve_makeup,
    save_leave,
    save_streak,
    set_quiet,
    withdraw_checkin,
)
from chalicelib.store.repository import Store
from chalicelib.store.retention import retention_of
from chalicelib.store.rounds import at_once

log = logging.getLogger("rollcall.checkins")

# A conditional counter update loses only to the same member's own concurrent command, so
# three tries are plenty; a member who still loses gets a correct reply, and their counters
# are settled by their next 打卡.
MAX_ATTEMPTS = 3
LEADERBOARD_SIZE = 10
# Streaks worth a cheer. A fixed ladder rather than "new personal best", which would fire on
# every day of a member's first long run and soon mean nothing.
STREAK_MILESTONES = frozenset({7, 14, 21, 30, 50, 100, 200, 365, 500, 1000})
_ON_WORDS = {"on", "开", "开启", "打开"}
_OFF_WORDS = {"off", "关", "关闭"}


def _t(ctx: CommandContext, key: str, **values: Any) -> str:
    return t(ctx.community.locale, key, **values)


def _reply(lines: Sequence[str | None]) -> list[Message]:
    return [Message("\n".join(line for line in lines if line))]


def _theme_line(ctx: CommandContext, today: date) -> str | None:
    """The theme shows in confirmations only during the week it was set for."""
    community = ctx.community
    if community.theme and community.theme_week == community.calendar.iso_week(today):
        return _t(ctx, "checkin_theme", theme=community.theme)
    return None


# -- 打卡 /checkin ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlyCheckin:
    """A check-in put sent together with the member read: its day, its own mark, and
    whether it was written (else the item already there)."""

    day: date
    attempt: str
    put: Any  # store.table.PutResult


def read_member_and_put_checkin(
    store: Store, community: Community, event: InboundEvent, command: Command, now: Any
) -> tuple[dict[str, Any] | None, EarlyCheckin | None]:
    """The sender's member item, and the check-in's conditional put made at the same time
    (one round trip for both, store/rounds.py). Only for a message with a delivery id (what
    tells a redelivery), else the read alone and the put after it, as before."""
    user_id = event.sender.user_id
    table = store.table

    def read() -> dict[str, Any] | None:
        return table.get(keys.community_pk(community.id), keys.member_sk(user_id))

    if not event.event_id or not str(user_id).strip():
        return read(), None
    day = community.calendar.local_date(now)
    note, _cut = cut_text(command.args, NOTE_MAX_CHARS)
    attempt = new_attempt()
    delivery = keys.delivery_id(event.platform, event.event_id)

    def put() -> Any:
        return record_checkin(
            table,
            community.id,
            user_id,
            day,
            now,
            note=note or None,
            delivery=delivery,
            retention=retention_of(community),
            attempt=attempt,
        )

    item, written = at_once(read, put)
    return item, EarlyCheckin(day, attempt, written)


def _withdraw_early(ctx: CommandContext) -> None:
    """The member read refused a check-in whose early put was written: take it back."""
    early = ctx.early_checkin
    if early is not None and early.put:
        member = ctx.member
        withdraw_checkin(
            ctx.store.table, member.community_id, member.user_id, early.day, early.attempt
        )


def handle_checkin(ctx: CommandContext) -> Sequence[Message]:
    today = ctx.today
    member = ctx.member
    early = ctx.early_checkin if ctx.early_checkin and ctx.early_checkin.day == today else None
    if ctx.community.require_rules_acceptance and member.rules_accepted_at is None:
        refused = _rules_first(ctx)  # decided from the member item already read
        if refused:
            _withdraw_early(ctx)
            return refused
    repeat = _repeat_from_member(ctx, early)
    if repeat is not None:
        return repeat
    note, cut = cut_text(ctx.command.args, NOTE_MAX_CHARS)
    # The early put went out with the read, and needs nothing from it; else put now.
    recorded = early.put if early is not None else _record_today(ctx, note, ctx.delivery)
    if not recorded:
        return _checkin_taken(ctx, recorded.old or {})
    return _checkin_done(ctx, _settle_checkin(ctx, member, today, delivery=ctx.delivery), cut)


def _repeat_from_member(ctx: CommandContext, early: EarlyCheckin | None) -> list[Message] | None:
    """A repeat told from the member item already read (no write but the activity): a
    redelivery of the message that recorded the last check-in, answered with silence, or a
    second check-in today, answered kindly. None: not a repeat the member item shows."""
    today, member, delivery = ctx.today, ctx.member, ctx.delivery
    # This request's own put stored today's check-in, and the counters already count today:
    # another message, its put refused by ours, settled them for ours (with our delivery id)
    # before our member read returned. Ours is the fresh check-in: confirm it, once.
    settled_for_us = early is not None and bool(early.put) and member.last_checkin == today
    if delivery is not None and delivery == ctx.checkin_delivery and not settled_for_us:
        # This very message recorded the member's last check-in and its counters: a
        # redelivery (perhaps after the day ended, so not one for a new day either).
        _withdraw_early(ctx)
        ctx.write_activity()
        log.info("duplicate check-in delivery", extra={"community": member.community_id})
        return []
    if member.last_checkin == today and not settled_for_us:
        # The counters count today already, so its check-in item exists (they never run
        # ahead of it): a second check-in, answered from the member alone, writing nothing.
        ctx.write_activity()
        return _already(ctx, Streak.of(member))
    return None


def _already(ctx: CommandContext, streak: Streak) -> list[Message]:
    today, member = ctx.today, ctx.member
    live = live_streak(streak, today, leave_of(member))
    return _reply(
        [_t(ctx, "checkin_already", name=member.display(), date=today.isoformat(), streak=live)]
    )


def _record_today(ctx: CommandContext, note: str | None, delivery: str | None) -> Any:
    """Today's check-in put (one conditional PutItem), when it did not go out with the read."""
    member = ctx.member
    return record_checkin(
        ctx.store.table,
        member.community_id,
        member.user_id,
        ctx.today,
        ctx.now,
        note=note or None,
        delivery=delivery,
        retention=retention_of(ctx.community),
    )


def _checkin_taken(ctx: CommandContext, old: Mapping[str, Any]) -> list[Message]:
    """Today's check-in is there, the counters behind it: the first delivery of this message
    still in flight (or crashed after its put), or another message racing it. Settle the
    counters for it; a redelivery gets no reply, another message "already"."""
    member, delivery = ctx.member, ctx.delivery
    first = old.get("delivery")
    settled = _settle_checkin(ctx, member, ctx.today, delivery=first, adopt=True).streak
    if delivery is not None and first == delivery:
        log.info("duplicate check-in delivery", extra={"community": member.community_id})
        return []
    return _already(ctx, settled)


def _checkin_done(ctx: CommandContext, done: Settled, cut: bool) -> list[Message]:
    today, settled = ctx.today, done.streak
    return _reply(
        [
            _t(
                ctx,
                "checkin_done",
                name=ctx.member.display(),
                date=today.isoformat(),
                streak=settled.current,
                total=settled.checkins,
            ),
            _t(ctx, "checkin_milestone", streak=settled.current)
            if settled.current in STREAK_MILESTONES
            else None,
            _theme_line(ctx, today),
            _t(ctx, "checkin_note_cut", limit=NOTE_MAX_CHARS) if cut else None,
            _freeze_line(ctx, done),
        ]
    )


@dataclass(frozen=True)
class Settled:
    """A check-in's counters as written, and the streak freezes it spent (if any)."""

    streak: Streak
    spent: tuple[date, ...] = ()
    kept: int = 0  # the run the freezes kept
    left: int = 0  # freezes banked after


def _freeze_line(ctx: CommandContext, done: Settled) -> str | None:
    """The check-in reply's word on the freezes it spent: the member hears it when they are
    back (domain/freezes.py)."""
    if not done.spent:
        return None
    days = _t(ctx, "list_separator").join(d.isoformat() for d in done.spent)
    return _t(ctx, "freeze_used", kept=done.kept, days=days, left=done.left)


def _freezes_spent(
    ctx: CommandContext, member: Member, current: Streak, today: date
) -> tuple[tuple[date, ...], frozenset[date]]:
    """The missed days a check-in today spends a freeze on, and every frozen day then (the
    member's earlier ones too): no request, the member item holds it all."""
    frozen = frozen_set(member)
    if not member.freezes:
        return (), frozen
    leave = leave_of(member)
    spend = plan_spend(
        FreezeRules.of(ctx.community),
        last=current.last,
        run=current.current,
        day=today,
        banked=member.freezes,
        covered=lambda d: d in frozen or (leave is not None and leave.covers(d)),
    )
    return spend, frozen | frozenset(spend)


@dataclass(frozen=True)
class Counted:
    """What one check-in writes to the member item: the counters, the tally and freezes
    (``points``, ``take``), and the recent gaps a later make-up reads runs from."""

    streak: Streak
    points: dict[str, Any]
    take: dict[str, int] | None
    spent: tuple[date, ...]
    left: int
    gaps: tuple[str, ...]


def _count_checkin(ctx: CommandContext, member: Member, current: Streak, today: date) -> Counted:
    """The member's counters after a check-in today, computed from the member read (no
    request): streak freezes spent on the missed days since the last check-in
    (domain/freezes.py), points and a level reached, and the gap the check-in follows."""
    rules = FreezeRules.of(ctx.community)
    spend, covered = _freezes_spent(ctx, member, current, today)
    after = check_in(current, today, leave_of(member), covered)
    points, _ = checkin_fields(
        ctx.community,
        member,
        streak=after.current,
        best=after.best,
        checkins=after.checkins,
        today=today,
        now=ctx.now,
    )
    gained = earned(rules, member, reviews=member.reviews_given, level=int(points.get("level", 0)))
    take: dict[str, int] | None = None
    left = member.freezes - len(spend)
    if gained:  # a level reached by this check-in
        left = bank(rules, left, gained)
        points["freezes"] = left
    elif spend:
        take = {"freezes": -len(spend)}
    if spend:
        points["frozen_days"] = list(keep_frozen(covered, today))
    gaps = gap_entries(gaps_of(member) | gap_after_checkin(current, today), today)
    return Counted(after, points, take, spend, left, gaps)


def _settle_checkin(
    ctx: CommandContext,
    member: Member,
    today: date,
    *,
    delivery: str | None,
    adopt: bool = False,
) -> Settled:
    """Bring the member's counters up to a recorded check-in for ``today``.

    After a fresh check-in this is one conditional UpdateItem, which also writes the
    member's pending activity (``ctx.activity``), the delivery that recorded the check-in
    and, after a gap, the gap. After a duplicate (``adopt``: the check-in is another
    request's) it writes the counters only when they missed today (a crash between the two
    writes, or the first request still in flight), first adopting the check-in so that its
    own request can no longer take it back; the version condition makes sure only one of
    two concurrent settlers counts the day. An activity that found no update to ride on is
    written by itself.
    """
    table = ctx.store.table
    activity = ctx.activity
    after = Streak.of(member)
    for _ in range(MAX_ATTEMPTS):
        current = Streak.of(member)
        if current.last is not None and current.last >= today:
            _write_activity_alone(ctx, member, activity)
            return Settled(current)
        if adopt:
            _adopt_or_record(ctx, member, today, delivery)
            adopt = False
        counted = _count_checkin(ctx, member, current, today)
        after = counted.streak
        saved = save_streak(
            table,
            member,
            after,
            activity=activity,
            delivery=delivery,
            points=counted.points,
            add=counted.take,
            gaps=counted.gaps,
        )
        if saved is not None:
            return Settled(Streak.of(saved), counted.spent, current.current, counted.left)
        reloaded = load_member(table, member.community_id, member.user_id)
        if reloaded is None:
            break
        member = reloaded
        if activity is not None and activity.set_if_absent is not None:
            # Created meanwhile by another message: from now on an update, not a creation.
            activity = replace(activity, set_if_absent=None)
    _write_activity_alone(ctx, member, activity)
    log.warning("check-in counters not settled", extra={"community": member.community_id})
    return Settled(after)


def _write_activity_alone(ctx: CommandContext, member: Member, activity: Any) -> None:
    if activity is not None:
        ctx.store.write_activity(member.community_id, member.user_id, activity)


def _adopt_or_record(
    ctx: CommandContext, member: Member, today: date, delivery: str | None
) -> None:
    """Before counting another request's check-in: adopt it (store/checkins.py), or, when
    its own request withdrew it meanwhile (its read refused it), record it afresh."""
    if not adopt_checkin(ctx.store.table, member.community_id, member.user_id, today):
        _record_today(ctx, None, delivery)


# -- 补卡 /makeup ----------------------------------------------------------------------------


def _rules_first(ctx: CommandContext) -> list[Message]:
    """The acceptance gate (domain/ritual.py): a member who has not accepted the group
    rules gets them instead of a check-in; only their activity is written."""
    from chalicelib.domain.ritual import must_accept_rules
    from chalicelib.features.ritual import rules_text

    member = ctx.member
    if not must_accept_rules(ctx.community, member):
        return []
    ctx.write_activity()
    rules = rules_text(ctx.community, member.display()) or ""
    return [Message(_t(ctx, "checkin_rules_first", name=member.display(), rules=rules))]


def handle_makeup(ctx: CommandContext) -> Sequence[Message]:
    today = ctx.today
    community, member = ctx.community, ctx.member
    if community.require_rules_acceptance and member.rules_accepted_at is None:
        refused = _rules_first(ctx)  # a make-up is a check-in too
        if refused:
            return refused
    word, *rest = ctx.command.args.split(maxsplit=1) or [""]
    day = parse_day(word, today) if word else None
    if day is None:
        example = (today - timedelta(days=1)).isoformat()
        return _reply([_t(ctx, "makeup_usage", example=example)])
    refusal = check_makeup(
        day,
        today,
        window_days=_makeup_window(community),
        per_month=community.makeups_per_month,
        first_day=first_observed(member, community),
    )
    if refusal is not None:
        return _refuse_makeup(ctx, refusal, day, today)
    repair = _plan_makeup(ctx, member, day)
    if repair is None:
        return _refuse_makeup(ctx, MakeupRefusal.ALREADY, day, today)
    note, cut = cut_text(rest[0] if rest else None, NOTE_MAX_CHARS)
    used = _record_makeup(ctx, day, note)
    if isinstance(used, MakeupRefusal):
        return _refuse_makeup(ctx, used, day, today)
    returned = refund(member, day, today)
    settled = _settle_makeup(ctx, member, day, repair)
    return _reply(
        [
            _t(
                ctx,
                "makeup_done",
                name=member.display(),
                date=day.isoformat(),
                streak=live_streak(settled, today, leave_of(member), frozen=frozen_set(member)),
                left=makeups_left(community.makeups_per_month, used),
            ),
            _t(ctx, "freeze_returned", date=day.isoformat()) if returned else None,
            _t(ctx, "checkin_note_cut", limit=NOTE_MAX_CHARS) if cut else None,
        ]
    )


def _record_makeup(ctx: CommandContext, day: date, note: str) -> int | MakeupRefusal:
    """Take one of this month's make-ups and record the check-in for ``day`` (one
    conditional UpdateItem, one conditional PutItem): the make-ups used now, or why not."""
    table, community, member = ctx.store.table, ctx.community, ctx.member
    month = community.calendar.month(ctx.today)
    used = reserve_makeup(
        table,
        member.community_id,
        member.user_id,
        month,
        community.makeups_per_month,
        retention_of(community),
    )
    if used is None:
        return MakeupRefusal.LIMIT
    recorded = record_checkin(
        table,
        member.community_id,
        member.user_id,
        day,
        ctx.now,
        note=note or None,
        makeup=True,
        recorded_by=member.user_id,
        retention=retention_of(community),
    )
    if not recorded:  # checked in meanwhile (a concurrent make-up of the same day)
        release_makeup(table, member.community_id, member.user_id, month)
        return MakeupRefusal.ALREADY
    return used


def _makeup_window(community: Community) -> int:
    """The community's make-up window, at most the days the member item keeps gaps for (the
    settings allow no more; a community stored otherwise is held to it, so a make-up never
    walks back past what is kept and under-counts a run)."""
    return min(community.makeup_window_days, GAPS_KEPT_DAYS)


def _refuse_makeup(
    ctx: CommandContext, refusal: MakeupRefusal, day: date, today: date
) -> list[Message]:
    window = _makeup_window(ctx.community)
    first = first_observed(ctx.member, ctx.community)
    values = {
        "date": day.isoformat(),
        "first": first.isoformat() if first else "",
        "window": window,
        "earliest": (today - timedelta(days=window)).isoformat(),
        "limit": ctx.community.makeups_per_month,
    }
    return _reply([_t(ctx, f"makeup_refused_{refusal.value}", **values)])


def _plan_makeup(
    ctx: CommandContext, member: Member, day: date, *, ours: bool = False
) -> Repair | None:
    """The repair a make-up for ``day`` makes, or None when ``day`` is already checked in.

    Reads nothing when ``day`` comes after the member's last check-in. Otherwise it reads
    the member's check-ins on ``day - 1 .. last`` by key (one BatchGetItem of at most
    window + 2 keys, since ``day`` is inside the window) and finds the run before ``day``
    from them and the member item (:func:`_run_before`).
    ``ours``: the make-up is already recorded (a retry), so its own item is not a conflict.
    """
    streak, leave, frozen = Streak.of(member), leave_of(member), frozen_set(member)
    if streak.last is None or day > streak.last:
        before = Link(streak.last, streak.current) if streak.last else None
        return repair_with_makeup(streak, day, leave, before=before, frozen=frozen)
    if day == streak.last and not ours:
        return None
    last = min(streak.last, ctx.today)
    span = range((day - timedelta(days=1)).toordinal(), last.toordinal() + 1)
    found = member_checkins(
        ctx.store.table, member.community_id, member.user_id, map(date.fromordinal, span)
    )
    if day in found and not ours:
        return None
    before = _run_before(ctx, member, day, found)
    later = [d for d in found if d > day]
    return repair_with_makeup(streak, day, leave, before=before, later=later, frozen=frozen)


def _run_before(
    ctx: CommandContext, member: Member, day: date, found: Mapping[date, Mapping[str, Any]]
) -> Link | None:
    """The member's last check-in before ``day`` and the run ending there: going back from
    their last check-in over the check-ins read, across the gaps the member item keeps
    (domain/checkins.py ``chain_back``). Items written before the gaps were kept carry
    their runs; the one they name before the read costs one GetItem. Where nothing is
    known, the day before counts as a run of 1: never more than the member had."""
    stored = {d: link_of(dict(i)) for d, i in found.items() if i.get("streak") is not None}
    chain = chain_back(Streak.of(member), found.keys(), gaps_of(member), stored)
    earlier = [d for d in chain if d < day]
    if earlier:
        return chain[max(earlier)]
    lowest = chain[min(chain)].prev if chain else None
    if lowest is not None and lowest < day:  # an old item's previous check-in, not read
        item = get_checkin(ctx.store.table, member.community_id, member.user_id, lowest)
        return link_of(item) if item else None
    yesterday = found.get(day - timedelta(days=1))
    return link_of(dict(yesterday)) if yesterday else None


def _refund_fields(ctx: CommandContext, member: Member, day: date) -> dict[str, Any] | None:
    """A make-up of a frozen day in the same month gives its freeze back (domain/freezes.py):
    the bank and the frozen days, written with the counters under the tally's version (as
    every write of the bank is), so a concurrent earning is never overwritten."""
    if not refund(member, day, ctx.today):
        return None
    rules = FreezeRules.of(ctx.community)
    kept = [d for d in member.frozen_days if d != day.isoformat()]
    return {
        "points": member.points,
        "points_v": member.points_v + 1,
        "freezes": bank(rules, member.freezes, 1),
        "frozen_days": kept or None,
    }


def _settle_makeup(ctx: CommandContext, member: Member, day: date, repair: Repair) -> Streak:
    """The member's counters and their gaps from ``day`` on (one conditional UpdateItem; no
    check-in item is rewritten); on a lost race, plan again from the re-read member."""
    table, cid, uid = ctx.store.table, member.community_id, member.user_id
    for _ in range(MAX_ATTEMPTS):
        gaps = {d: link for d, link in gaps_of(member).items() if d < day} | dict(repair.gaps)
        saved = save_streak(
            table,
            member,
            repair.streak,
            points=_refund_fields(ctx, member, day),
            gaps=gap_entries(gaps, ctx.today),
        )
        if saved is not None:
            return Streak.of(saved)
        reloaded = load_member(table, cid, uid)
        replanned = _plan_makeup(ctx, reloaded, day, ours=True) if reloaded else None
        if reloaded is None or replanned is None:
            break
        member, repair = reloaded, replanned
    log.warning("make-up counters not settled", extra={"community": cid})
    return repair.streak


# -- 我的 /me --------------------------------------------------------------------------------


def handle_me(ctx: CommandContext) -> Sequence[Message]:
    """One BatchGetItem: this month's check-ins of the member and their make-up quota; and
    one more of two keys for the month's goal and the member's progress (features/goals.py,
    imported here only: a check-in's cold start does not pay for it)."""
    from chalicelib.features.goals import me_line
    from chalicelib.features.positions import me_position_line

    today = ctx.today
    community, member = ctx.community, ctx.member
    month = community.calendar.month(today)
    days, used = member_month(
        ctx.store.table, member.community_id, member.user_id, today.replace(day=1), today, month
    )
    streak, leave = Streak.of(member), leave_of(member)
    rules = FreezeRules.of(community)
    done = today in days
    summary = _t(
        ctx,
        "me_summary",
        name=member.display(),
        date=today.isoformat(),
        today=_t(ctx, "me_today_done" if done else "me_today_missing"),
        # A crash between the two writes of today's check-in could leave the counters
        # behind the item; the item is the truth for "today", and the streak counts it.
        streak=max(
            live_streak(
                streak,
                today,
                leave,
                member.freezes if rules.enabled else 0,
                frozen_set(member),
            ),
            1 if done else 0,
        ),
        best=max(streak.best, 1 if done else 0),
        month=len(days),
        total=streak.checkins,
        left=makeups_left(community.makeups_per_month, used),
        limit=community.makeups_per_month,
    )
    return _reply(
        [
            summary,
            _t(ctx, "me_on_leave", until=leave.until.isoformat())
            if leave and leave.covers(today)
            else None,
            *standing_lines(community, member, today, lambda key, **v: _t(ctx, key, **v)),
            _t(ctx, "me_quiet") if member.quiet else None,
            _theme_line(ctx, today),
            me_line(ctx.store.table, community, member, ctx.now),
            _rota_line(ctx),
            me_position_line(community, member),
            _freezes_line(ctx, member) if rules.enabled else None,
        ]
    )


def _rota_line(ctx: CommandContext) -> str | None:
    """Duty served (features/rota.py, one Query of the rota's history), for a community
    that runs a rota; imported only then."""
    if ctx.community.rota_period is None:
        return None
    from chalicelib.features.rota import me_line as rota_me_line

    return rota_me_line(ctx.store.table, ctx.community, ctx.member, ctx.now)


def _freezes_line(ctx: CommandContext, member: Member) -> str:
    """/me's streak freezes: how many are banked, and the last day one kept the streak."""
    line = _t(ctx, "me_freezes", left=member.freezes, bank=ctx.community.freeze_bank)
    if member.frozen_days:
        line += _t(ctx, "me_freezes_last", date=member.frozen_days[-1])
    return line


# -- 排行榜 /leaderboard ---------------------------------------------------------------------


def handle_leaderboard(ctx: CommandContext) -> Sequence[Message]:
    """Week and month: one Query of the period's check-ins plus one of the roster; all time:
    the roster's own counters, one Query. Never a request per member."""
    points, board = parse_leaderboard(ctx.command.args)
    if board is None:
        return _reply([_t(ctx, "leaderboard_points_usage" if points else "leaderboard_usage")])
    if points:
        return _points_leaderboard(ctx, board)
    today = ctx.today
    cid = ctx.community.id
    members = [m for m in ctx.store.list_members(cid) if m.is_present]
    span = board_dates(board, today)
    counts: Mapping[str, int]
    if span is not None:
        counts = checkin_counts(ctx.store.table, cid, *span)
    else:
        counts = {m.user_id: m.checkins for m in members}
    standings = rank_standings(
        (
            m.user_id,
            m.display(),
            counts.get(m.user_id, 0),
            live_streak(Streak.of(m), today, leave_of(m), frozen=frozen_set(m)),
        )
        for m in members
    )
    if span is not None:
        title = _t(
            ctx,
            f"leaderboard_title_{board.value}",
            first=span[0].isoformat(),
            last=span[1].isoformat(),
        )
    else:
        title = _t(ctx, "leaderboard_title_all")
    if not standings:
        return _reply([title, _t(ctx, "leaderboard_empty")])
    lines = [title]
    for s in standings[:LEADERBOARD_SIZE]:
        lines.append(
            _t(
                ctx,
                "leaderboard_line",
                rank=s.rank,
                name=s.name,
                checkins=s.checkins,
                streak=s.streak,
            )
        )
    own = next((s for s in standings if s.user_id == ctx.member.user_id), None)
    if own is None:
        lines.append(_t(ctx, "leaderboard_you_unranked"))
    else:
        lines.append(_t(ctx, "leaderboard_you", rank=own.rank, checkins=own.checkins))
    return _reply(lines)


def _points_leaderboard(ctx: CommandContext, board: Board) -> list[Message]:
    """``排行榜 积分``: one Query of the roster, whose items hold each member's points of
    the week, the month and all time (kept by the writes that earn them)."""
    today = ctx.today
    community = ctx.community
    members = [m for m in ctx.store.list_members(community.id) if m.is_present]
    ranked = rank_by_points(members, community, today, board.value)
    span = board_dates(board, today)
    values = {"first": span[0].isoformat(), "last": span[1].isoformat()} if span else {}
    lines = [_t(ctx, f"leaderboard_points_title_{board.value}", **values)]
    if not ranked:
        return _reply([*lines, _t(ctx, "leaderboard_points_empty")])
    for rank, member, score in ranked[:LEADERBOARD_SIZE]:
        level = level_label(community, member)
        lines.append(
            _t(
                ctx,
                "leaderboard_points_line",
                rank=rank,
                name=member.display(),
                points=score,
                level=level,
            )
        )
    own = next((r for r in ranked if r[1].user_id == ctx.member.user_id), None)
    if own is None:
        lines.append(_t(ctx, "leaderboard_points_you_unranked"))
    else:
        lines.append(_t(ctx, "leaderboard_points_you", rank=own[0], points=own[2]))
    return _reply(lines)


# -- 请假 /leave, 销假 /back -----------------------------------------------------------------


def handle_leave(ctx: CommandContext) -> Sequence[Message]:
    today = ctx.today
    limit = ctx.community.max_leave_days
    days = parse_leave_days(ctx.command.args)
    if days is None or not 1 <= days <= limit:
        return _reply([_t(ctx, "leave_usage", max=limit)])
    member = ctx.member
    for _ in range(MAX_ATTEMPTS):
        leave = take_leave(leave_of(member), today, days)
        if save_leave(ctx.store.table, member, leave) is not None:
            break
        reloaded = load_member(ctx.store.table, member.community_id, member.user_id)
        if reloaded is None:
            break
        member = reloaded
    name = member.display()
    span = day_count(ctx.community.locale, days)
    return _reply([_t(ctx, "leave_set", name=name, until=leave.until.isoformat(), days=span)])


def handle_back(ctx: CommandContext) -> Sequence[Message]:
    today = ctx.today
    member = ctx.member
    name = member.display()
    for _ in range(MAX_ATTEMPTS):
        leave = leave_of(member)
        if leave is None or not leave.covers(today):
            return _reply([_t(ctx, "back_not_on_leave", name=name)])
        if save_leave(ctx.store.table, member, end_leave(leave, today)) is not None:
            break
        reloaded = load_member(ctx.store.table, member.community_id, member.user_id)
        if reloaded is None:
            break
        member = reloaded
    done = member.last_checkin == today  # no "remember to check in" after a check-in
    return _reply([_t(ctx, "back_done_checked_in" if done else "back_done", name=name)])


# -- 免打扰 /quiet ---------------------------------------------------------------------------


def handle_quiet(ctx: CommandContext) -> Sequence[Message]:
    """Toggles; ``/quiet on`` and ``/quiet off`` (免打扰 开/关) set it outright, so a
    member unsure of the current state can still get the one they want."""
    word = ctx.command.args.strip().lower()
    member = ctx.member
    if word in _ON_WORDS:
        quiet = True
    elif word in _OFF_WORDS:
        quiet = False
    else:
        quiet = not member.quiet
    set_quiet(ctx.store.table, member.community_id, member.user_id, quiet)
    return _reply([_t(ctx, "quiet_on" if quiet else "quiet_off")])


# -- 本周主题 /theme -------------------------------------------------------------------------


def handle_theme(ctx: CommandContext) -> Sequence[Message]:
    """Anyone may ask for the theme; only owners and admins set or clear it. It belongs to
    the ISO week it was set in, so last week's theme never shows this week."""
    today = ctx.today
    community = ctx.community
    text = ctx.command.args.strip()
    if not text:
        line = _theme_line(ctx, today)
        return _reply([line or _t(ctx, "theme_none")])
    if not ctx.may("theme"):
        return _reply([_t(ctx, "theme_admins_only", name=ctx.member.display())])
    from chalicelib.features.communities import set_theme

    changed = set_theme(ctx.store, community, text, today=today, by=ctx.member.user_id, now=ctx.now)
    if changed.theme is None:
        return _reply([_t(ctx, "theme_cleared")])
    return _reply(
        [
            _t(ctx, "theme_set", week=changed.week, theme=changed.theme),
            _t(ctx, "theme_cut", limit=THEME_MAX_CHARS) if changed.cut else None,
        ]
    )
