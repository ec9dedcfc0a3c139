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

Two round trips on the warm path, not three (:func:`read_member_and_put_checkin`). The
put needs nothing from the member read except the run ending at it (``streak``, ``prev``,
kept for make-up repairs), so it goes out *with* the read, carrying no run; the second
round is the member's conditional counter update together with the link that gives the
check-in its run (store/checkins.py ``link_own_checkin``, conditional on the item being
this attempt's and unlinked). The counters still never count a check-in whose item was
not written: the put has returned before they are sent. Chosen over deriving the run
without the read, which would need the member's history on every make-up repair.

When the read shows the check-in must not happen, and the early put wrote it, the put is
taken back (``withdraw_checkin``: conditional on this attempt's mark and on no run yet,
so exactly once, and never under counters another request settled): a member who has not
accepted the group rules (the joining ritual's gate), and a redelivery that arrives after
the day ended. A second check-in the same day costs a refused put (no write) besides the
read. Unknown members are created by the counter write as before; make-ups, the cold path
(no community cached) and a check-in with no platform delivery id keep the one-by-one order.

The windows left open: a crash between the two rounds leaves the check-in recorded with
no run and the counters one behind. The platform's redelivery, or the member's next 打卡
the same day, finds the check-in and settles the counters and its run then (see
``_settle_checkin``); a check-in left with no run reads as a run of 1 in a later make-up
repair (store/checkins.py ``link_of``), never more than the member had. A make-up sent in
the same few milliseconds as the check-in, between the counter write and the link, sees
the check-in with no run the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.domain.checkins import (
    NOTE_MAX_CHARS,
    THEME_MAX_CHARS,
    Board,
    Link,
    MakeupRefusal,
    Repair,
    Streak,
    board_dates,
    check_in,
    check_makeup,
    cut_text,
    end_leave,
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
    checkin_counts,
    get_checkin,
    link_of,
    link_own_checkin,
    load_member,
    member_checkins,
    member_month,
    new_attempt,
    record_checkin,
    release_makeup,
    relink_checkin,
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
    name = member.display()
    early = ctx.early_checkin if ctx.early_checkin and ctx.early_checkin.day == today else None
    if ctx.community.require_rules_acceptance and member.rules_accepted_at is None:
        refused = _rules_first(ctx)  # decided from the member item already read
        if refused:
            _withdraw_early(ctx)
            return refused
    delivery = ctx.delivery
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
        streak = live_streak(Streak.of(member), today, leave_of(member))
        return _reply(
            [_t(ctx, "checkin_already", name=name, date=today.isoformat(), streak=streak)]
        )
    note, cut = cut_text(ctx.command.args, NOTE_MAX_CHARS)
    before = Streak.of(member)
    _spend, covered = _freezes_spent(ctx, member, before, today)
    after = check_in(before, today, leave_of(member), covered)
    link = Link(today, after.current if after.last == today else 1, before.last)
    if early is not None:
        recorded = early.put  # sent with the read, carrying no run: linked with the counters
    else:
        recorded = record_checkin(
            ctx.store.table,
            member.community_id,
            member.user_id,
            today,
            ctx.now,
            note=note or None,
            streak=link.run,
            prev=link.prev,
            delivery=delivery,
            retention=retention_of(ctx.community),
        )
    if not recorded:
        # Today's check-in is there, the counters behind it: the first delivery of this
        # message still in flight (or crashed after its put), or another message racing it.
        old = recorded.old or {}
        first = old.get("delivery")
        stored = link_of(old) if old else None
        settled = _settle_checkin(ctx, member, today, written=stored, delivery=first).streak
        if delivery is not None and first == delivery:
            log.info("duplicate check-in delivery", extra={"community": member.community_id})
            return []
        streak = live_streak(settled, today, leave_of(member))
        return _reply(
            [_t(ctx, "checkin_already", name=name, date=today.isoformat(), streak=streak)]
        )
    if early is not None:
        done = _settle_checkin(ctx, member, today, written=None, delivery=delivery, own=early)
    else:
        done = _settle_checkin(ctx, member, today, written=link, delivery=delivery)
    settled = done.streak
    return _reply(
        [
            _t(
                ctx,
                "checkin_done",
                name=name,
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


def _settle_checkin(
    ctx: CommandContext,
    member: Member,
    today: date,
    *,
    written: Link | None,
    delivery: str | None,
    own: EarlyCheckin | None = None,
) -> Settled:
    """Bring the member's counters up to a recorded check-in for ``today``.

    After a fresh check-in this is one conditional UpdateItem, which also writes the
    member's pending activity (``ctx.activity``) and the delivery that recorded the
    check-in. After a duplicate it writes the counters only when they missed today (a crash
    between the two writes, or the first request still in flight), and the version
    condition makes sure only one of two concurrent settlers counts the day. ``written`` is
    the run and previous date stored on the check-in, rewritten when a retry computes
    different ones. An activity that found no update to ride on is written by itself.
    """
    table = ctx.store.table
    activity = ctx.activity
    after = Streak.of(member)
    settled: Streak | None = None
    rules = FreezeRules.of(ctx.community)
    for _ in range(MAX_ATTEMPTS):
        current = Streak.of(member)
        if current.last is not None and current.last >= today:
            settled = current
            break
        # Streak freezes (domain/freezes.py): the missed days since the last check-in that a
        # banked freeze covers, spent in the counters' own conditional write below.
        spend, covered = _freezes_spent(ctx, member, current, today)
        after = check_in(current, today, leave_of(member), covered)
        link = Link(today, after.current, current.last)
        linking = None
        if own is not None:
            # Our own put, written with no run: its link goes out with the counters below.
            linking = partial(
                link_own_checkin, table, member.community_id, member.user_id, link, own.attempt
            )
            own, written = None, link
        elif link != written:
            if not relink_checkin(table, member.community_id, member.user_id, link):
                # Withdrawn meanwhile (its own request's read refused it): ours to record.
                record_checkin(
                    table,
                    member.community_id,
                    member.user_id,
                    today,
                    ctx.now,
                    streak=link.run,
                    prev=link.prev,
                    retention=retention_of(ctx.community),
                    delivery=delivery,
                )
            written = link
        points, _ = checkin_fields(
            ctx.community,
            member,
            streak=after.current,
            best=after.best,
            checkins=after.checkins,
            today=today,
            now=ctx.now,
        )
        gained = earned(
            rules, member, reviews=member.reviews_given, level=int(points.get("level", 0))
        )
        take: dict[str, int] | None = None
        left = member.freezes - len(spend)
        if gained:  # a level reached by this check-in
            left = bank(rules, left, gained)
            points["freezes"] = left
        elif spend:
            take = {"freezes": -len(spend)}
        if spend:
            points["frozen_days"] = list(keep_frozen(covered, today))
        counters = partial(
            save_streak,
            table,
            member,
            after,
            activity=activity,
            delivery=delivery,
            points=points,
            add=take,
        )
        if linking is not None:
            saved, linked = at_once(counters, linking)
            if not linked and saved is not None:  # linked first by another request:
                relink_checkin(table, member.community_id, member.user_id, link)  # ours won
            elif not linked:
                written = None  # decided again below, from the member re-read
        else:
            saved = counters()
        if saved is not None:
            return Settled(Streak.of(saved), spend, current.current, left)
        reloaded = load_member(table, member.community_id, member.user_id)
        if reloaded is None:
            break
        member = reloaded
        if activity is not None and activity.set_if_absent is not None:
            # Created meanwhile by another message: from now on an update, not a creation.
            activity = replace(activity, set_if_absent=None)
    if activity is not None:
        ctx.store.write_activity(member.community_id, member.user_id, activity)
    if settled is not None:
        return Settled(settled)
    log.warning("check-in counters not settled", extra={"community": member.community_id})
    return Settled(after)


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
        window_days=community.makeup_window_days,
        per_month=community.makeups_per_month,
        first_day=first_observed(member, community),
    )
    if refusal is not None:
        return _refuse_makeup(ctx, refusal, day, today)
    repair = _plan_makeup(ctx, member, day)
    if repair is None:
        return _refuse_makeup(ctx, MakeupRefusal.ALREADY, day, today)
    table = ctx.store.table
    month = community.calendar.month(today)
    used = reserve_makeup(
        table,
        member.community_id,
        member.user_id,
        month,
        community.makeups_per_month,
        retention_of(community),
    )
    if used is None:
        return _refuse_makeup(ctx, MakeupRefusal.LIMIT, day, today)
    note, cut = cut_text(rest[0] if rest else None, NOTE_MAX_CHARS)
    recorded = record_checkin(
        table,
        member.community_id,
        member.user_id,
        day,
        ctx.now,
        note=note or None,
        makeup=True,
        recorded_by=member.user_id,
        streak=repair.link.run,
        prev=repair.link.prev,
        retention=retention_of(community),
    )
    if not recorded:  # checked in meanwhile (a concurrent make-up of the same day)
        release_makeup(table, member.community_id, member.user_id, month)
        return _refuse_makeup(ctx, MakeupRefusal.ALREADY, day, today)
    returned = refund(member, day, today)
    settled = _settle_makeup(ctx, member, day, repair)
    return _reply(
        [
            _t(
                ctx,
                "makeup_done",
                name=member.display(),
                date=day.isoformat(),
                streak=live_streak(settled, today, leave_of(member)),
                left=makeups_left(community.makeups_per_month, used),
            ),
            _t(ctx, "freeze_returned", date=day.isoformat()) if returned else None,
            _t(ctx, "checkin_note_cut", limit=NOTE_MAX_CHARS) if cut else None,
        ]
    )


def _refuse_makeup(
    ctx: CommandContext, refusal: MakeupRefusal, day: date, today: date
) -> list[Message]:
    window = ctx.community.makeup_window_days
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
    window + 2 keys, since ``day`` is inside the window) and, when the check-in before
    ``day`` lies further back (leave days between), that one check-in (one GetItem).
    ``ours``: the make-up is already recorded (a retry), so its own item is not a conflict.
    """
    streak, leave = Streak.of(member), leave_of(member)
    if streak.last is None or day > streak.last:
        before = Link(streak.last, streak.current) if streak.last else None
        return repair_with_makeup(streak, day, leave, before=before, frozen=frozen_set(member))
    if day == streak.last and not ours:
        return None
    table, cid, uid = ctx.store.table, member.community_id, member.user_id
    last = min(streak.last, ctx.today)
    span = range((day - timedelta(days=1)).toordinal(), last.toordinal() + 1)
    found = member_checkins(table, cid, uid, (date.fromordinal(n) for n in span))
    if day in found and not ours:
        return None
    links = {d: link_of(item) for d, item in found.items() if d != day}
    later = [link for d, link in links.items() if d > day]
    before = links.get(day - timedelta(days=1))
    if later:
        prev = min(later, key=lambda x: x.day).prev
        if prev is not None and prev < day:
            if prev in links:
                before = links[prev]
            else:
                item = get_checkin(table, cid, uid, prev)
                before = link_of(item) if item else before
    return repair_with_makeup(
        streak, day, leave, before=before, later=later, frozen=frozen_set(member)
    )


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
    """Rewrite the later check-ins whose runs changed, then the member's counters (one
    conditional UpdateItem); on a lost race, plan again from the re-read member."""
    table, cid, uid = ctx.store.table, member.community_id, member.user_id
    written = repair.link
    for _ in range(MAX_ATTEMPTS):
        if repair.link != written:
            relink_checkin(table, cid, uid, repair.link)
            written = repair.link
        for link in repair.rewrites:
            relink_checkin(table, cid, uid, link)
        saved = save_streak(table, member, repair.streak, points=_refund_fields(ctx, member, day))
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
            live_streak(Streak.of(m), today, leave_of(m)),
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
