"""Chat commands of weekly homework: 交作业 /submit, 点评 /review, 作业 /hw.

The rules live in domain/homework.py, the reads and writes in store/homework.py, each with
its cost. Every refusal (a bad link, text too long, reviewing oneself or a stranger, a
score out of range) is a reply that says what to fix, and stores nothing.

Costs: 交作业 is one BatchGetItem (the member's work in the open cycles) plus one PutItem
(two when it replaces a version, which goes to the history), plus a DeleteItem and an
UpdateItem when late work clears a strike. 点评 is one Query of the roster (to resolve the
name), one BatchGetItem and one UpdateItem. 作业 is one BatchGetItem, one Query of the
cycle's assignments and one BatchGetItem of the member's reviews.

Points are a second write after the work's (features/points.py credit_action); a crash
between the two (a first credit, or a replacement's take-back) is repaired by the member's
next 交作业 or 作业, and by the weekly digest (features/points.py repair_credits), never
applied twice.

The window left open: late work that clears a strike deletes the strike record, then
updates the member's counters; a crash between the two leaves the counter one too high
until an admin looks (the record, which the monthly report can trust, is right).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.domain.calendar import CycleCalendar
from chalicelib.domain.homework import (
    LINK_MAX_CHARS,
    TEXT_MAX_CHARS,
    Closed,
    ReviewBody,
    ReviewRefusal,
    Target,
    Window,
    Work,
    WorkRefusal,
    choose_target,
    cycles_of,
    is_paused,
    late_until,
    local_text,
    mention_text,
    parse_review_body,
    parse_work,
    preview,
    previous_active,
    resolve_mention,
    submission_window,
)
from chalicelib.domain.messages import t
from chalicelib.domain.models import Member
from chalicelib.domain.points import (
    PointRules,
    homework_key,
    homework_points,
    review_key,
    review_points,
)
from chalicelib.features.points import credit_action, repair_credits
from chalicelib.platforms.base import Message
from chalicelib.store.homework import (
    assignments_of,
    delete_strike,
    member_counters,
    member_work,
    review_progress,
    save_review,
    save_submission,
    work_and_assignment,
)
from chalicelib.store.retention import retention_of
from chalicelib.store.table import Item


def _t(ctx: CommandContext, key: str, **values: Any) -> str:
    return t(ctx.community.locale, key, **values)


def _reply(lines: Sequence[str | None]) -> list[Message]:
    return [Message("\n".join(line for line in lines if line))]


def _names(ctx: CommandContext, names: Sequence[str]) -> str:
    return _t(ctx, "list_separator").join(names)


def _who(after: str) -> str:
    """The name as the member typed it, for "no member called X" (``<@U1|x>`` → ``U1``)."""
    words = after.split()
    word = words[0].strip("<@>!&").split("|")[0] if words else ""
    return word or after.strip()


# -- 交作业 /submit --------------------------------------------------------------------------


def handle_submit(ctx: CommandContext) -> Sequence[Message]:
    cycles = cycles_of(ctx.community)
    if cycles is None:
        return _reply([_t(ctx, "hw_not_set_up")])
    work = parse_work(ctx.command.args)
    if isinstance(work, WorkRefusal):
        return _refuse_work(ctx, work)
    window = submission_window(ctx.community, cycles, ctx.now)
    open_ids = [cycles.cycle_id(n) for n in (window.current, window.late) if n]
    held = member_work(ctx.store.table, ctx.community.id, ctx.member.user_id, open_ids)
    target = _submission_target(ctx, cycles, window, held)
    if isinstance(target, Closed):
        return _refuse_closed(ctx, cycles, window, target)
    cycle_id = cycles.cycle_id(target.cycle)
    item, replaced = _store_submission(ctx, cycle_id, work, target, held.get(cycle_id))
    # The other open cycle's work, if its points were lost to a crash (features/points.py).
    repair_credits(
        ctx.store.table,
        ctx.community,
        [ctx.member],
        [work for held_cycle, work in held.items() if held_cycle != cycle_id],
        (),
        today=ctx.today,
        now=ctx.now,
        current_cycle=cycles.cycle_id(window.current),
    )
    deadline = local_text(ctx.community, cycles.deadline(target.cycle))
    if target.late:
        return _reply(_late_submission_lines(ctx, cycle_id, deadline))
    if replaced is not None:
        names = {"name": ctx.member.display(), "cycle": cycle_id, "deadline": deadline}
        return _reply([_t(ctx, "hw_submit_replaced", version=item["versions"], **names)])
    return _reply(
        [_t(ctx, "hw_submit_done", name=ctx.member.display(), cycle=cycle_id, deadline=deadline)]
    )


def _submission_target(
    ctx: CommandContext, cycles: CycleCalendar, window: Window, held: dict[str, Item]
) -> Target | Closed:
    """The cycle this submission goes to (domain/homework.choose_target), from the member's
    work already held in the open cycles."""
    late_id = cycles.cycle_id(window.late) if window.late else None
    return choose_target(
        window,
        cycles,
        ctx.community,
        has_late_work=late_id in held,
        joined_at=ctx.member.joined_at,
    )


def _refuse_closed(
    ctx: CommandContext, cycles: CycleCalendar, window: Window, closed: Closed
) -> list[Message]:
    """No cycle takes work now: homework has not started, or the current cycle is paused."""
    community = ctx.community
    if closed is Closed.NOT_STARTED:
        first = local_text(community, cycles.deadline(1))
        return _reply([_t(ctx, "hw_not_started", start=cycles.anchor.isoformat(), deadline=first)])
    assert closed is Closed.PAUSED
    deadline = local_text(community, cycles.deadline(window.current))
    cycle_id = cycles.cycle_id(window.current)
    return _reply([_t(ctx, "hw_paused", cycle=cycle_id, deadline=deadline)])


def _store_submission(
    ctx: CommandContext, cycle_id: str, work: Work, target: Target, previous: Item | None
) -> tuple[Item, Item | None]:
    """Store the work (replacing ``previous``), then credit its points: the work's write
    first, the points' second (the repair covers a crash between the two)."""
    community, member = ctx.community, ctx.member
    earned = homework_points(PointRules.of(community), late=target.late)
    item, replaced = save_submission(
        ctx.store.table,
        community.id,
        cycle_id,
        member.user_id,
        name=member.display(),
        work=work,
        at=ctx.now,
        late=target.late,
        previous=previous,
        retention=retention_of(community),
        points=earned,
    )
    credit_action(
        ctx.store.table,
        community,
        member.user_id,
        homework_key(cycle_id),
        earned,
        today=ctx.today,
        now=ctx.now,
        counter="homework_cycles",
        current_cycle=cycle_id,
    )
    return item, replaced


def _late_submission_lines(ctx: CommandContext, cycle_id: str, deadline: str) -> list[str]:
    """Late work's answer; the digest may already have struck the member for this cycle:
    late work within grace clears it (the conditional clear makes sure it is cleared once)."""
    table, community_id, user_id = ctx.store.table, ctx.community.id, ctx.member.user_id
    name = ctx.member.display()
    lines = [_t(ctx, "hw_submit_late", name=name, cycle=cycle_id, deadline=deadline)]
    if delete_strike(table, community_id, cycle_id, user_id):  # the member item's too
        lines.append(_t(ctx, "hw_strike_cleared", cycle=cycle_id))
    return lines


def _refuse_work(ctx: CommandContext, refusal: WorkRefusal) -> list[Message]:
    if refusal is WorkRefusal.EMPTY:
        return _reply([_t(ctx, "hw_submit_usage")])
    if refusal is WorkRefusal.TOO_LONG:
        length = len(ctx.command.args.strip())
        return _reply([_t(ctx, "hw_refused_too_long", limit=TEXT_MAX_CHARS, length=length)])
    if refusal is WorkRefusal.LINK_TOO_LONG:
        return _reply([_t(ctx, "hw_refused_link_too_long", limit=LINK_MAX_CHARS)])
    return _reply([_t(ctx, f"hw_refused_{refusal.value}")])


# -- 点评 /review ----------------------------------------------------------------------------


def handle_review(ctx: CommandContext) -> Sequence[Message]:
    """The reviewee is the member @-mentioned first, or, for a review sent as a reply to a
    member's message without a mention (where the platform says whose message it is), that
    message's author.

    Which work a review is of: the reviewee's work of the last closed cycle when the
    reviewer is assigned to it; otherwise their current cycle's work if any (early reviews
    are welcome), else the last closed cycle's. Unassigned reviews count as extra."""
    found = _find_reviewee(ctx)
    if not isinstance(found, tuple):
        return found
    reviewee, rest = found
    body = parse_review_body(rest)
    if isinstance(body, ReviewRefusal):
        return _refuse_review_body(ctx, body)
    cycles = cycles_of(ctx.community)
    if cycles is None:
        return _reply([_t(ctx, "hw_not_set_up")])
    reviewed = _reviewed_work(ctx, cycles, reviewee)
    if reviewed is None:
        return _reply([_t(ctx, "hw_review_nothing", name=reviewee.display())])
    first = _store_review(ctx, reviewee, body, reviewed)
    names = {
        "reviewer": ctx.member.display(),
        "reviewee": reviewee.display(),
        "cycle": reviewed.cycle_id,
    }
    return _reply(
        [
            _t(ctx, "hw_review_done" if first else "hw_review_updated", **names),
            _t(ctx, "hw_review_score", score=body.score) if body.score is not None else None,
            None if reviewed.assigned else _t(ctx, "hw_review_extra"),
        ]
    )


def _find_reviewee(ctx: CommandContext) -> tuple[Member, str] | list[Message]:
    """The member reviewed and the rest of the command (the review), or the refusal: no
    one named, no such member, several members by that name, oneself. One Query of the
    roster."""
    after = mention_text(ctx.command.args)
    replied_to = ctx.event.reply_to
    if after is None and replied_to is None:
        return _reply([_t(ctx, "hw_review_usage")])
    roster = [m for m in ctx.store.list_members(ctx.community.id) if m.is_present]
    if after is None and replied_to is not None:
        # Sent as a reply (Telegram): the review is of the replied-to message's author.
        found = [m for m in roster if m.user_id == replied_to.user_id]
        rest, who = ctx.command.args, replied_to.name
    else:
        after = after or ""
        found, rest = resolve_mention(after, roster)
        who = _who(after)
    if not found:
        return _reply([_t(ctx, "hw_review_not_member", who=who)])
    if len(found) > 1:
        said = after or ""
        who = said[: len(said) - len(rest)].strip()  # the whole name, spaces and all
        listed = [f"{m.display()} ({m.username or m.user_id})" for m in found]
        return _reply([_t(ctx, "hw_review_ambiguous", who=who, names=_names(ctx, listed))])
    if found[0].user_id == ctx.member.user_id:
        return _reply([_t(ctx, "hw_review_self")])
    return found[0], rest


def _refuse_review_body(ctx: CommandContext, refusal: ReviewRefusal) -> list[Message]:
    if refusal is ReviewRefusal.BAD_SCORE:
        return _reply([_t(ctx, "hw_review_bad_score")])
    if refusal is ReviewRefusal.TOO_LONG:
        return _reply([_t(ctx, "hw_review_too_long", limit=TEXT_MAX_CHARS)])
    return _reply([_t(ctx, "hw_review_usage")])


@dataclass(frozen=True)
class _Reviewed:
    """Which of the reviewee's work a review is of, whether the reviewer was assigned it,
    and the cycle in progress (the points' key pruning)."""

    cycle_id: str
    assigned: bool
    current_id: str | None


def _reviewed_work(
    ctx: CommandContext, cycles: CycleCalendar, reviewee: Member
) -> _Reviewed | None:
    """The work reviewed (see :func:`handle_review`), or None when the reviewee has none in
    the current or the last closed cycle. One BatchGetItem."""
    current = cycles.cycle_of(ctx.now)
    closed = previous_active(ctx.community, current) if current else None
    current_id = cycles.cycle_id(current) if current else None
    closed_id = cycles.cycle_id(closed) if closed else None
    work, assigned_to = work_and_assignment(
        ctx.store.table,
        ctx.community.id,
        reviewee.user_id,
        [c for c in (current_id, closed_id) if c],
        closed_id,
    )
    assigned = ctx.member.user_id in assigned_to and closed_id in work
    if assigned:
        cycle_id = closed_id
    elif current_id in work:
        cycle_id = current_id
    elif closed_id in work:
        cycle_id = closed_id
    else:
        return None
    assert cycle_id is not None
    return _Reviewed(cycle_id, assigned, current_id)


def _store_review(
    ctx: CommandContext, reviewee: Member, body: ReviewBody, reviewed: _Reviewed
) -> bool:
    """Store the review, then credit its points (the review's write first, the points'
    second: the repair covers a crash between the two). True for the first review of that
    work by this reviewer."""
    community, member = ctx.community, ctx.member
    earned = review_points(PointRules.of(community), body.text)
    _, first = save_review(
        ctx.store.table,
        community.id,
        reviewed.cycle_id,
        reviewee.user_id,
        member.user_id,
        text=body.text,
        score=body.score,
        at=ctx.now,
        assigned=reviewed.assigned,
        retention=retention_of(community),
        points=earned,
    )
    credit_action(
        ctx.store.table,
        community,
        member.user_id,
        review_key(reviewed.cycle_id, reviewee.user_id),
        earned,
        today=ctx.today,
        now=ctx.now,
        counter="reviews_given",
        current_cycle=reviewed.current_id,
    )
    return first


# -- 作业 /hw --------------------------------------------------------------------------------


def handle_hw(ctx: CommandContext) -> Sequence[Message]:
    community, member = ctx.community, ctx.member
    cycles = cycles_of(community)
    if cycles is None:
        return _reply([_t(ctx, "hw_not_set_up")])
    window = submission_window(community, cycles, ctx.now)
    if window.current == 0:
        first = local_text(community, cycles.deadline(1))
        return _reply([_t(ctx, "hw_not_started", start=cycles.anchor.isoformat(), deadline=first)])
    table = ctx.store.table
    current_id = cycles.cycle_id(window.current)
    late_id = cycles.cycle_id(window.late) if window.late else None
    held = member_work(table, community.id, member.user_id, [c for c in (current_id, late_id) if c])
    # Work stored whose points a crash lost is credited now (no request when none is).
    repair_credits(
        table,
        community,
        [member],
        held.values(),
        (),
        today=ctx.today,
        now=ctx.now,
        current_cycle=current_id,
    )
    deadline = local_text(community, cycles.deadline(window.current))
    lines: list[str | None] = [
        _t(ctx, "hw_status_title", name=member.display(), cycle=current_id, deadline=deadline)
    ]
    if is_paused(community, window.current):
        lines.append(_t(ctx, "hw_paused", cycle=current_id, deadline=deadline))
    elif current_id in held:
        mine = held[current_id]
        at = local_text(community, datetime.fromisoformat(mine["submitted_at"]))
        lines.append(_t(ctx, "hw_status_submitted", at=at, work=preview(mine)))
    else:
        lines.append(_t(ctx, "hw_status_missing"))
    if late_id is not None and window.late is not None:
        previous = held.get(late_id)
        if previous is not None and previous.get("late"):
            lines.append(_t(ctx, "hw_status_late_done", cycle=late_id, work=preview(previous)))
        elif previous is None and choose_target(
            window, cycles, community, has_late_work=False, joined_at=member.joined_at
        ) == Target(window.late, late=True):
            until = local_text(community, late_until(community, cycles, window.late))
            lines.append(_t(ctx, "hw_status_late_open", cycle=late_id, until=until))
    lines.append(_review_status(ctx, cycles, window.current))
    # strikes live outside the member; the warning (its bucket read whole) is not shown here
    counted = member_counters(table, community.id, member, warning=False)
    lines.append(
        _t(ctx, "hw_status_strikes", strikes=counted.strikes, in_a_row=counted.missed_in_a_row)
    )
    return _reply(lines)


def _review_status(ctx: CommandContext, cycles: CycleCalendar, current: int) -> str:
    """Reviews owed for the last closed cycle's work: one Query of its assignments (one item
    per submission) and one BatchGetItem of the member's reviews and the reviewees' names."""
    closed = previous_active(ctx.community, current)
    if closed is None:
        return _t(ctx, "hw_status_no_reviews")
    closed_id = cycles.cycle_id(closed)
    me = ctx.member.user_id
    assignments = assignments_of(ctx.store.table, ctx.community.id, closed_id)
    mine = sorted(reviewee for reviewee, reviewers in assignments.items() if me in reviewers)
    if not mine:
        return _t(ctx, "hw_status_no_reviews")
    done, names = review_progress(ctx.store.table, ctx.community.id, closed_id, me, mine)
    owed = [names.get(r, r) for r in mine if r not in done]
    if not owed:
        return _t(ctx, "hw_status_reviews_done", cycle=closed_id, count=len(mine))
    return _t(ctx, "hw_status_owed", cycle=closed_id, names=_names(ctx, owed))
