"""Committee positions from chat: ``任命 @x 学习委员`` / ``/appoint @x study-officer`` and
``免职 @x`` / ``/dismiss @x``, the owner's alone (domain/roles.py PERMISSIONS).

The change and its audit item are features/positions.py's. On DingTalk both are held for the
confirmation code the owner gets privately (chat/confirm.py), like every command that
changes people. Costs: one Query of the roster (to resolve the mention), one conditional
UpdateItem and one PutItem.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.domain.homework import mention_text, resolve_mention
from chalicelib.domain.models import Member
from chalicelib.platforms.base import Message


def _target(ctx: CommandContext, usage: str) -> tuple[Member, str] | list[Message]:
    after_at = mention_text(ctx.command.args)
    if after_at is None:
        return [ctx.say(usage)]
    roster = [m for m in ctx.store.list_members(ctx.community.id) if m.is_present]
    found, rest = resolve_mention(after_at, roster)
    who = after_at.split()[0] if after_at.split() else after_at
    if not found:
        return [ctx.say("exempt_unknown", who=who)]
    if len(found) > 1:
        return [ctx.say("exempt_ambiguous", who=who)]
    return found[0], rest.strip()


def handle_appoint(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.positions import (
        PositionConflict,
        UnknownPosition,
        position_names,
        set_member_position,
    )

    if not ctx.may("appoint"):
        return [ctx.say("appoint_owner_only")]
    found = _target(ctx, "appoint_usage")
    if isinstance(found, list):
        return found
    target, word = found
    if not word:
        return [ctx.say("appoint_usage")]
    try:
        change = set_member_position(
            ctx.store,
            ctx.community,
            target.user_id,
            word.split()[0],
            source="chat",
            by=ctx.member.user_id,
            now=ctx.now,
            known=target,
        )
    except UnknownPosition:
        return [
            ctx.say(
                "appoint_unknown",
                position=word.split()[0][:40],
                positions=position_names(ctx.community),
            )
        ]
    except PositionConflict:
        return [ctx.say("role_busy", name=target.display())]
    if change is None:
        return [ctx.say("appoint_unchanged", name=target.display(), position=target.position)]
    if change.old:
        return [
            ctx.say("appoint_moved", name=target.display(), position=change.new, old=change.old)
        ]
    return [ctx.say("appoint_done", name=target.display(), position=change.new)]


def handle_dismiss(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.positions import PositionConflict, set_member_position

    if not ctx.may("dismiss"):
        return [ctx.say("appoint_owner_only")]
    found = _target(ctx, "dismiss_usage")
    if isinstance(found, list):
        return found
    target, _rest = found
    if not target.position:
        return [ctx.say("dismiss_none", name=target.display())]
    try:
        change = set_member_position(
            ctx.store,
            ctx.community,
            target.user_id,
            None,
            source="chat",
            by=ctx.member.user_id,
            now=ctx.now,
            known=target,
        )
    except PositionConflict:
        return [ctx.say("role_busy", name=target.display())]
    old = change.old if change else target.position
    return [ctx.say("dismiss_done", name=target.display(), position=old)]
