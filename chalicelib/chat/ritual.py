"""The joining ritual in chat (features/ritual.py): 群规 /rules shows the group rules, 同意
/agree accepts them, 自我介绍 /intro introduces a newcomer, and admins' 待确认 /pending lists
the newcomers who still owe a step after the community's ``pending_hours``.

Admins set the welcome, the rules, the link, the acceptance gate, the hours and the nickname
format with /settings (设置 群规 …, chat/setup.py), like every other setting.
Each command is claimed by its delivery id before it runs (router: not SELF_DEDUPLICATING),
and accepting or introducing is a conditional write: a second one changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.admin import refuse_non_admin
from chalicelib.chat.context import CommandContext
from chalicelib.platforms.base import Message


def handle_rules(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.ritual import rules_text

    community = ctx.community
    rules = rules_text(community, ctx.member.display())
    if rules is None:
        return [ctx.say("rules_none", community=community.name)]
    return [ctx.say("rules_show", community=community.name, rules=rules)]


def handle_agree(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.ritual import accept_rules

    name = ctx.member.display()
    if not ctx.community.group_rules:
        return [ctx.say("agree_no_rules", name=name)]
    if not accept_rules(ctx.store, ctx.community, ctx.member, ctx.now):
        return [ctx.say("agree_already", name=name)]
    return [ctx.say("agree_done", name=name)]


def handle_intro(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.ritual import introduce

    name = ctx.member.display()
    if not ctx.command.args.strip():
        return [ctx.say("intro_usage")]
    if not introduce(ctx.store, ctx.community, ctx.member, ctx.now):
        return [ctx.say("intro_already", name=name)]
    return [ctx.say("intro_done", name=name)]


def handle_pending(ctx: CommandContext) -> Sequence[Message]:
    """Admins: who has not accepted the rules or introduced themselves after the community's
    pending hours (one Query of the roster). Names only, posted where the admin asked."""
    refused = refuse_non_admin(ctx)
    if refused:
        return refused
    from chalicelib.features.ritual import pending, pending_text

    found = pending(ctx.store, ctx.community, ctx.now)
    return [Message(pending_text(ctx.community, found))]
