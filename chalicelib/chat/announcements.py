"""Chat commands of announcements: 公告 / /announce (admins: schedule, cancel) and
公告列表 / /announcements (anyone: the live ones).

``公告 2026-12-08 09:00 内容``, ``/announce at 2026-12-08T09:00 text``,
``/announce weekly mon 09:00 text``, ``取消公告 ID`` / ``/announce cancel ID``. The use cases
live in features/announcements.py; both commands are claimed by the inbound path before
they run, so a redelivered command changes nothing twice. A refusal is one line in the
community's language and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.features import announcements as feature
from chalicelib.platforms.base import Message

CANCEL_ALIAS = "取消公告"
CANCEL_WORDS = ("cancel", "取消")
LIST_WORDS = ("list", "列表")


def handle_announce(ctx: CommandContext) -> Sequence[Message]:
    args = ctx.command.args.strip()
    cancel = ctx.command.word == CANCEL_ALIAS
    first, _, rest = args.partition(" ")
    if not cancel and first.lower() in CANCEL_WORDS:
        cancel, args = True, rest.strip()
    if not cancel and args.lower() in LIST_WORDS:
        return handle_announcements(ctx)
    if not ctx.may("announce"):
        return [ctx.say("announce_admins_only", name=ctx.member.display())]
    if cancel:
        return [_cancel(ctx, args)]
    if not args:
        return [ctx.say("announce_usage")]
    try:
        entry, first_at = feature.add_announcement(
            ctx.store, ctx.community, args, ctx.member.user_id, ctx.now
        )
    except feature.Refused as refused:
        return [ctx.say(refused.key, **refused.values)]
    from chalicelib.domain.announcements import describe

    local = first_at.astimezone(ctx.community.calendar.tz).strftime("%Y-%m-%d %H:%M")
    when = describe(entry, ctx.community.locale)
    return [ctx.say("announce_added", id=entry["id"], when=when, first=local)]


def _cancel(ctx: CommandContext, args: str) -> Message:
    if not args:
        return ctx.say("announce_cancel_usage")
    if feature.cancel_announcement(ctx.store, ctx.community, args, ctx.now):
        return ctx.say("announce_cancelled", id=args.lower())
    return ctx.say("announce_not_found", id=args)


def handle_announcements(ctx: CommandContext) -> Sequence[Message]:
    return [Message("\n".join(feature.list_lines(ctx.community, ctx.now)))]
