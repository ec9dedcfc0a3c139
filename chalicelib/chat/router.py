"""Chat commands dispatch through a table: command name → handler.

A handler is a small function from a CommandContext to the replies (usually one) and
whatever change it makes through the store. Features register their handlers here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chalicelib.chat.admin import handle_exempt, handle_remind
from chalicelib.chat.checkins import (
    handle_back,
    handle_checkin,
    handle_leaderboard,
    handle_leave,
    handle_makeup,
    handle_me,
    handle_quiet,
    handle_theme,
)
from chalicelib.chat.context import CommandContext
from chalicelib.chat.homework import handle_hw, handle_review, handle_submit
from chalicelib.chat.standing import (
    handle_confirm_removals,
    handle_report,
    handle_standing,
)
from chalicelib.platforms.base import Message

Handler = Callable[[CommandContext], Sequence[Message]]


def handle_help(ctx: CommandContext) -> Sequence[Message]:
    return [ctx.say("help")]


def handle_unknown(ctx: CommandContext) -> Sequence[Message]:
    return [ctx.say("unknown_command", command=ctx.command.word), ctx.say("help")]


HANDLERS: dict[str, Handler] = {
    "help": handle_help,
    # daily check-ins (chat/checkins.py)
    "checkin": handle_checkin,
    "makeup": handle_makeup,
    "me": handle_me,
    "leaderboard": handle_leaderboard,
    "leave": handle_leave,
    "back": handle_back,
    "quiet": handle_quiet,
    "theme": handle_theme,
    # weekly homework (chat/homework.py)
    "submit": handle_submit,
    "review": handle_review,
    "hw": handle_hw,
    # admins (chat/admin.py)
    "remind": handle_remind,
    "exempt": handle_exempt,
    # inactivity (chat/standing.py)
    "standing": handle_standing,
    "report": handle_report,
    "confirm_removals": handle_confirm_removals,
}


def dispatch(ctx: CommandContext) -> Sequence[Message]:
    handler = HANDLERS.get(ctx.command.name, handle_unknown)
    return handler(ctx)
