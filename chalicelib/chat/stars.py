"""Chat commands of the stars: 星榜 /stars (the history) and 颁奖 /award (an admin's
hand-picked award). Use cases in features/stars.py."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.domain.stars import clean_award_name
from chalicelib.features.stars import give_award, history_lines
from chalicelib.platforms.base import Message


def handle_stars(ctx: CommandContext) -> Sequence[Message]:
    """One Query of the stars items (newest first, one page)."""
    lines = history_lines(ctx.store, ctx.community)
    if not lines:
        return [ctx.say("stars_history_empty")]
    title = ctx.say("stars_history_title").text
    return [Message("\n".join([title, *lines]))]


def handle_award(ctx: CommandContext) -> Sequence[Message]:
    """``颁奖 @某人 最佳进步`` / ``/award @sam "most improved"``: admins only, never to
    themselves; the award's item records who gave it."""
    from chalicelib.domain.homework import mention_text, resolve_mention

    if not ctx.may("award"):
        return [ctx.say("award_admins_only")]
    after_at = mention_text(ctx.command.args)
    if after_at is None:
        return [ctx.say("award_usage")]
    roster = [m for m in ctx.store.list_members(ctx.community.id) if m.is_present]
    found, rest = resolve_mention(after_at, roster)
    who = after_at.split()[0] if after_at.split() else after_at
    if len(found) != 1:
        return [ctx.say("award_not_member", who=f"@{who}")]
    recipient = found[0]
    if recipient.user_id == ctx.member.user_id:
        return [ctx.say("award_self")]
    award = clean_award_name(rest)
    if award is None:
        return [ctx.say("award_usage")]
    give_award(ctx.store, ctx.community, ctx.member, recipient, award, ctx.now)
    return [ctx.say("award_given", by=ctx.member.display(), name=recipient.display(), award=award)]
