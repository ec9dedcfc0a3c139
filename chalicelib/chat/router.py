"""Chat commands dispatch through a table: command name → handler.

A handler is a small function from a CommandContext to the replies (usually one) and
whatever change it makes through the store. Features register their handlers here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.platforms.base import Message

Handler = Callable[[CommandContext], Sequence[Message]]


def handle_help(ctx: CommandContext) -> Sequence[Message]:
    return [ctx.say("help")]


def handle_unknown(ctx: CommandContext) -> Sequence[Message]:
    return [ctx.say("unknown_command", command=ctx.command.word), ctx.say("help")]


HANDLERS: dict[str, Handler] = {
    "help": handle_help,
}


def dispatch(ctx: CommandContext) -> Sequence[Message]:
    handler = HANDLERS.get(ctx.command.name, handle_unknown)
    return handler(ctx)
