"""Chat commands of recurring sessions (分享会): 报名分享 (/speak), 确认分享
(/confirm-speaker, admins), 到 (/here), 录播 (/recording, the speaker or an admin), 取消分享
(/cancel-session, admins) and 分享会 (/sessions).

``签到`` is already a daily check-in word (domain/commands.py), so attendance is ``到``, what
members answer at a roll call. The use cases live in features/sessions.py; every command is
claimed by the inbound path before it runs (a redelivery gets no second reply), and each
write is conditional besides (an attendance is one put per member and instance).
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.features import sessions
from chalicelib.platforms.base import Message

# The Chinese attendance word: one character, so with a note after it and no session on,
# the message is taken for chatter and gets no reply.
ROLL_CALL_WORD = "到"


def handle_speak(ctx: CommandContext) -> Sequence[Message]:
    text = sessions.speak(ctx.store.table, ctx.community, ctx.member, ctx.command.args, ctx.now)
    return [Message(text)]


def handle_confirm_speaker(ctx: CommandContext) -> Sequence[Message]:
    text = sessions.confirm(ctx.store.table, ctx.community, ctx.member, ctx.command.args, ctx.now)
    return [Message(text)]


def handle_here(ctx: CommandContext) -> Sequence[Message]:
    chatter = ctx.command.args and ctx.command.word == ROLL_CALL_WORD
    if chatter and not sessions.session_on(ctx.community, ctx.now):
        return []  # 到 家了 ("got home") is chatter, not a roll call, while no session is on
    text, _ = sessions.attend(ctx.store.table, ctx.community, ctx.member, ctx.now)
    return [Message(text)]


def handle_recording(ctx: CommandContext) -> Sequence[Message]:
    text = sessions.add_recording(
        ctx.store.table, ctx.community, ctx.member, ctx.command.args, ctx.now
    )
    return [Message(text)]


def handle_cancel_session(ctx: CommandContext) -> Sequence[Message]:
    text = sessions.cancel_from_chat(
        ctx.store.table, ctx.community, ctx.member, ctx.command.args, ctx.now, in_group=ctx.in_group
    )
    return [Message(text)]


def handle_sessions(ctx: CommandContext) -> Sequence[Message]:
    return [Message(sessions.upcoming_text(ctx.store.table, ctx.community, ctx.now))]
