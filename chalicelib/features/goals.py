"""The monthly goal's use cases, for chat (chat/goals.py, /me), the weekly digest and the
monthly report: set or clear the month's goal, record a member's progress, and the board.

The month is the community's local month (its timezone and day boundary) at ``now``.
Costs: setting is one PutItem, clearing one conditional UpdateItem; a progress report one
BatchGetItem (the goal and the member's total) and one conditional UpdateItem; the board,
the digest line and the month-end section one Query of the month's goal prefix each (plus,
for the chat board only, the roster Query for the number of members).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.goals import (
    TARGET_MAX,
    TITLE_MAX_CHARS,
    Board,
    Goal,
    GoalRefusal,
    ProgressRefusal,
    board_of,
    names_line,
    parse_goal,
    parse_report,
    percent,
    progress_after,
)
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.store import goals as goal_store
from chalicelib.store.retention import retention_of
from chalicelib.store.table import Table

log = logging.getLogger("rollcall.goals")


def goal_month(community: Community, now: datetime) -> str:
    """The community's local month at ``now`` (``2026-12``)."""
    calendar = community.calendar
    return calendar.month(calendar.local_date(now))


def _say(community: Community, key: str, **values: Any) -> str:
    unit = values.get("unit")
    if community.locale != "en" and isinstance(unit, str) and unit[:1].isascii():
        values["unit"] = " " + unit  # the Chinese texts glue the unit on: 300页, 300 pages
    return t(community.locale, key, **values)


# -- setting and clearing (admins) -----------------------------------------------------------


def goal_refusal(community: Community, text: str) -> str | None:
    """Why ``text`` is not a goal, in the community's language (None: it is one)."""
    parsed = parse_goal(text)
    if parsed is GoalRefusal.USAGE:
        return _say(community, "goal_usage")
    if parsed is GoalRefusal.TARGET:
        return _say(community, "goal_refused_target", max=TARGET_MAX)
    if parsed is GoalRefusal.TITLE:
        return _say(community, "goal_refused_title", limit=TITLE_MAX_CHARS)
    return None


def set_goal(table: Table, community: Community, text: str, by: str, now: datetime) -> str:
    """Set this month's goal from ``读完《原则》 300页``; the reply (a refusal writes nothing)."""
    refused = goal_refusal(community, text)
    if refused is not None:
        return refused
    parsed = parse_goal(text)
    assert isinstance(parsed, Goal)
    month = goal_month(community, now)
    goal_store.save_goal(table, community.id, month, parsed, by, now, retention_of(community))
    log.info(
        "goal set",
        extra={"community": community.id, "month": month, "by": by, "target": parsed.target},
    )
    return _say(
        community,
        "goal_set",
        month=month,
        title=parsed.title,
        target=parsed.target,
        unit=parsed.unit,
    )


def turn_off_goal(table: Table, community: Community, by: str, now: datetime) -> bool:
    """Turn this month's goal off; False when there was none (nothing written)."""
    month = goal_month(community, now)
    if not goal_store.clear_goal(table, community.id, month, by, now):
        return False
    log.info("goal cleared", extra={"community": community.id, "month": month, "by": by})
    return True


def clear_goal(table: Table, community: Community, by: str, now: datetime) -> str:
    month = goal_month(community, now)
    if not turn_off_goal(table, community, by, now):
        return _say(community, "goal_none", month=month)
    return _say(community, "goal_cleared", month=month)


def show_goal(table: Table, community: Community, member: Member, now: datetime) -> str:
    month = goal_month(community, now)
    goal, value = goal_store.goal_and_progress(table, community.id, month, member.user_id)
    if goal is None:
        return _say(community, "goal_none", month=month)
    return _say(
        community,
        "goal_current",
        month=month,
        title=goal.title,
        target=goal.target,
        unit=goal.unit,
        name=member.display(),
        value=value,
        percent=percent(value, goal.target),
    )


# -- progress (members) ----------------------------------------------------------------------


def report_progress(
    table: Table,
    community: Community,
    member: Member,
    text: str,
    now: datetime,
    *,
    delivery: str | None,
) -> list[str]:
    """Record ``120`` (the total) or ``+20`` (an increase): the reply lines. A refusal (no
    goal, not a number, negative, above the target) writes nothing."""
    month = goal_month(community, now)
    if not text.strip():
        return [_say(community, "progress_usage")]
    goal, current = goal_store.goal_and_progress(table, community.id, month, member.user_id)
    if goal is None:
        return [_say(community, "progress_no_goal")]
    report = parse_report(text, goal.unit)
    if report is ProgressRefusal.NEGATIVE:
        return [_say(community, "progress_negative")]
    if isinstance(report, ProgressRefusal):
        return [_say(community, "progress_usage")]
    after = progress_after(report, current, goal.target)
    if isinstance(after, ProgressRefusal):
        return [_above(community, goal, current)]
    recorded = goal_store.record_progress(
        table,
        community.id,
        month,
        member.user_id,
        member.display(),
        value=report.value,
        relative=report.relative,
        target=goal.target,
        delivery=delivery,
        at=now,
        retention=retention_of(community),
    )
    if not recorded.written and not recorded.same_delivery:
        return [_above(community, goal, recorded.value)]  # raised meanwhile
    value = recorded.value
    lines = [
        _say(
            community,
            "progress_done",
            name=member.display(),
            value=value,
            target=goal.target,
            unit=goal.unit,
            percent=percent(value, goal.target),
        )
    ]
    if value >= goal.target and (recorded.same_delivery or current < goal.target):
        lines.append(_say(community, "progress_finished", name=member.display(), title=goal.title))
    return lines


def _above(community: Community, goal: Goal, value: int) -> str:
    return _say(community, "progress_above_target", target=goal.target, unit=goal.unit, value=value)


def me_line(table: Table, community: Community, member: Member, now: datetime) -> str | None:
    """The /me line (None without a goal this month): one BatchGetItem of two keys."""
    month = goal_month(community, now)
    goal, value = goal_store.goal_and_progress(table, community.id, month, member.user_id)
    if goal is None:
        return None
    return _say(
        community,
        "me_goal",
        title=goal.title,
        value=value,
        target=goal.target,
        unit=goal.unit,
        percent=percent(value, goal.target),
    )


# -- the board -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthBoard:
    month: str
    goal: Goal
    board: Board
    names: dict[str, str]  # member id → shown name

    def name(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)

    def finished_names(self) -> list[str]:
        return sorted(self.name(uid) for uid in self.board.finished)


def month_board(
    table: Table, community: Community, month: str, members: Sequence[Member]
) -> MonthBoard | None:
    """The month's board (None without a goal): one Query of the month's goal prefix.
    ``members`` are the roster the caller already has; present members count towards the
    possible total, and names are theirs (a member who left keeps the name they reported
    under)."""
    found = goal_store.month_progress(table, community.id, month)
    if found.goal is None:
        return None
    names = {**found.names, **{m.user_id: m.display() for m in members}}
    present = sum(1 for m in members if m.is_present)
    return MonthBoard(month, found.goal, board_of(found.goal, found.progress, present), names)


def compose_board(community: Community, board: MonthBoard) -> str:
    goal, b = board.goal, board.board
    separator = _say(community, "list_separator")
    lines = [
        _say(
            community,
            "goal_board_title",
            month=board.month,
            title=goal.title,
            target=goal.target,
            unit=goal.unit,
        )
    ]
    if not b.reporting:
        lines.append(_say(community, "goal_board_nobody"))
    if b.finished:
        names = names_line(board.finished_names(), separator)
        lines.append(_say(community, "goal_board_finished", count=len(b.finished), names=names))
    if b.leaders:
        entries = (
            _say(community, "goal_board_entry", name=board.name(uid), value=v)
            for uid, v in b.leaders
        )
        lines.append(_say(community, "goal_board_leaders", names=separator.join(entries)))
    lines.append(_total_line(community, board))
    return "\n".join(lines)


def _total_line(community: Community, board: MonthBoard) -> str:
    b = board.board
    return _say(
        community,
        "goal_board_total",
        total=b.total,
        possible=b.possible,
        unit=board.goal.unit,
        percent=percent(b.total, b.possible),
        reporting=b.reporting,
    )


def goal_digest_line(
    table: Table, community: Community, now: datetime, members: Sequence[Member]
) -> str | None:
    """The weekly digest's compact goal line for the month at ``now`` (None without a
    goal): one Query, no read per member."""
    board = month_board(table, community, goal_month(community, now), members)
    if board is None:
        return None
    b = board.board
    return _say(
        community,
        "goal_digest_line",
        title=board.goal.title,
        finished=len(b.finished),
        total=b.total,
        possible=b.possible,
        unit=board.goal.unit,
        percent=percent(b.total, b.possible),
    )


def goal_month_end(
    table: Table, community: Community, month: str, members: Sequence[Member]
) -> str | None:
    """The monthly report's goal section for the group: who finished ``month``'s goal and
    the community's total (None when the month had no goal). One Query."""
    board = month_board(table, community, month, members)
    if board is None:
        return None
    goal, b = board.goal, board.board
    lines = [
        _say(
            community,
            "goal_month_end",
            month=month,
            title=goal.title,
            target=goal.target,
            unit=goal.unit,
            finished=len(b.finished),
            total=b.total,
            possible=b.possible,
            percent=percent(b.total, b.possible),
        )
    ]
    if b.finished:
        names = names_line(board.finished_names(), _say(community, "list_separator"), limit=50)
        lines.append(_say(community, "goal_month_end_names", names=names))
    return "\n".join(lines)
