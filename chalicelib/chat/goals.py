"""Chat commands of the monthly goal: 本月目标 / 目标榜 (/goal) and 进度 (/progress).

Anyone may see the goal (``/goal``) and the board (``/goal board``, ``目标榜``); only owners
and admins set it (``/goal "Principles" 300 pages``) or clear it (``/goal off``). The use
cases live in features/goals.py; both commands are claimed by the inbound path before they
run (not router.SELF_DEDUPLICATING), and a progress write is also conditional on the
delivery id, so a redelivered report changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.domain.goals import BOARD_WORDS, OFF_WORDS
from chalicelib.features import goals
from chalicelib.platforms.base import Message

BOARD_ALIAS = "目标榜"


def handle_goal(ctx: CommandContext) -> Sequence[Message]:
    args = ctx.command.args.strip()
    table, community, member = ctx.store.table, ctx.community, ctx.member
    if ctx.command.word == BOARD_ALIAS or args.lower() in BOARD_WORDS:
        month = goals.goal_month(community, ctx.now)
        board = goals.month_board(
            table, community, month, list(ctx.store.list_members(community.id))
        )
        if board is None:
            return [ctx.say("goal_none", month=month)]
        return [Message(goals.compose_board(community, board))]
    if not args:
        return [Message(goals.show_goal(table, community, member, ctx.now))]
    if not ctx.may("goal"):
        return [ctx.say("goal_admins_only", name=member.display())]
    if args.lower() in OFF_WORDS:
        return [Message(goals.clear_goal(table, community, member.user_id, ctx.now))]
    return [Message(goals.set_goal(table, community, args, member.user_id, ctx.now))]


def handle_progress(ctx: CommandContext) -> Sequence[Message]:
    lines = goals.report_progress(
        ctx.store.table,
        ctx.community,
        ctx.member,
        ctx.command.args,
        ctx.now,
        delivery=ctx.delivery,
    )
    return [Message("\n".join(lines))]
