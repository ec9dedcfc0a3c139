"""Chat commands of the duty rota: 报名值月 / 报名值周 (/volunteer), 换班 @x (/swap @x),
同意换班 (/swap accept: the member now on duty gets the duties note privately) and 值班表
(/rota). Use cases in features/rota.py; every command is
claimed by the inbound path before it runs, and each write is conditional, so a redelivery
changes nothing twice."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.features import rota
from chalicelib.platforms.base import Message

ACCEPT_ALIAS = "同意换班"
ACCEPT_WORDS = frozenset({"accept", "yes", "ok", "同意"})


def handle_volunteer(ctx: CommandContext) -> Sequence[Message]:
    return [Message(rota.volunteer(ctx.store.table, ctx.community, ctx.member, ctx.now))]


def handle_swap(ctx: CommandContext) -> Sequence[Message]:
    """``换班 @x`` asks x; ``同意换班`` / ``/swap accept`` is x's answer."""
    from chalicelib.domain.homework import mention_text, resolve_mention

    table, community, member = ctx.store.table, ctx.community, ctx.member
    args = ctx.command.args.strip()
    if ctx.command.word == ACCEPT_ALIAS or args.lower() in ACCEPT_WORDS:
        answer = rota.accept_swap(table, community, member, ctx.now)
        if answer.note is None:
            return [Message(answer.reply)]
        return [Message(answer.reply), *_send_duties(ctx, answer.note)]
    after_at = mention_text(args)
    if after_at is None:
        return [ctx.say("rota_swap_usage")]
    roster = [m for m in ctx.store.list_members(community.id) if m.is_present]
    found, _rest = resolve_mention(after_at, roster)
    if len(found) != 1:
        return [ctx.say("rota_swap_usage")]
    return [Message(rota.ask_swap(table, community, member, found[0], ctx.now))]


def _send_duties(ctx: CommandContext, note: str) -> list[Message]:
    """The duties note to the member now on duty, by direct message as the turn-over sends
    it; where the platform cannot DM them (no DMs, refused, unreachable) the note goes to
    the group instead: it holds their name and the community's duties, nothing personal."""
    from chalicelib.platforms.base import ChatAddress, DeliveryError, DirectMessages

    community = ctx.community
    adapter = ctx.runtime.adapter(community.platform)
    if not isinstance(adapter, DirectMessages) or not adapter.direct_messages:
        return [Message(note)]
    chat = ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )
    try:
        for part in adapter.render(Message(note)):
            adapter.deliver_direct(chat, ctx.member.user_id, part)
    except DeliveryError:
        return [Message(note)]
    return []


def handle_rota(ctx: CommandContext) -> Sequence[Message]:
    members = list(ctx.store.list_members(ctx.community.id)) if ctx.community.rota_period else []
    return [Message(rota.show_rota(ctx.store.table, ctx.community, members, ctx.now))]
