"""/mydata (我的数据): a member receives, by direct message, everything rollcall keeps about
them in this community. Never in the group: where the bot cannot message them privately the
answer says so, and nothing of their data is posted.

Deferred (chat/router.py DEFERRED): finding the member's items reads every check-in of the
community (store/erasure.py), more than a webhook's deadline allows in a large one. The DM
is sent by the queue worker; a queue message delivered twice may send it twice (the reply in
the group is claimed once per delivery, the DM is not), which repeats nothing to anyone else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.chat.context import CommandContext
from chalicelib.domain.models import Member
from chalicelib.platforms.base import ChatAddress, DirectRefused, Message

if TYPE_CHECKING:
    from chalicelib.store.erasure import Erased


def precheck_mydata(ctx: CommandContext) -> Sequence[Message] | None:
    """The webhook's inline answer when the platform cannot DM at all (nothing to queue)."""
    if not _can_dm(ctx):
        return [ctx.say("mydata_no_dm", name=ctx.member.display())]
    return None


def _adapter(ctx: CommandContext) -> Any:
    return ctx.runtime.adapter(ctx.community.platform)


def _can_dm(ctx: CommandContext) -> bool:
    from chalicelib.jobs.runner import can_send_direct

    adapter = _adapter(ctx)
    return adapter is not None and can_send_direct(adapter)


def handle_mydata(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.personal_data import compose_member_data, member_data

    name = ctx.member.display()
    adapter = _adapter(ctx)
    if adapter is None or not _can_dm(ctx):
        return [ctx.say("mydata_no_dm", name=name)]
    ctx.write_activity()
    community = ctx.community
    data = member_data(ctx.store, community.id, ctx.member.user_id)
    message = compose_member_data(community, ctx.member.name, ctx.member.user_id, data)
    chat = ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )
    try:
        for part in adapter.render(message):
            adapter.deliver_direct(chat, ctx.member.user_id, part)
    except DirectRefused:
        return [ctx.say("mydata_refused", name=name)]
    return [ctx.say("mydata_sent", name=name)]


# -- the owner's /forget @x (删除数据 @某人) -----------------------------------------------------
#
# Two steps: ``/forget @x`` answers what would be erased (counts by kind) and holds the
# owner's request; ``/forget @x confirm`` (``删除数据 @x 确认``) within 10 minutes erases
# (features/personal_data.py). Both run in the queue worker (chat/router.py DEFERRED): the
# count and the erasure read every check-in of the community. The precheck answers inline
# what needs only the roster: not the owner, no mention, an unknown member, the owner
# themselves. A redelivered webhook is dropped by its delivery claim; a queue message
# delivered twice replies once (the worker's reply claim) and the erasure itself is
# idempotent.

CONFIRM_WORDS = ("confirm", "确认")


def _forget_target(ctx: CommandContext) -> tuple[Member, bool] | list[Message]:
    """The member named, and whether the owner confirms; or the one-line refusal."""
    from chalicelib.domain.homework import mention_text, resolve_mention
    from chalicelib.domain.models import Role

    if not ctx.may("forget"):
        return [ctx.say("forget_owner_only")]
    after_at = mention_text(ctx.command.args)
    if after_at is None:
        return [ctx.say("forget_usage")]
    roster = list(ctx.store.list_members(ctx.community.id))  # who left too: often the ask
    found, rest = resolve_mention(after_at, roster)
    who = (after_at.split() or [after_at])[0][:40]
    if not found:
        return [ctx.say("exempt_unknown", who=who)]
    if len(found) > 1:
        return [ctx.say("exempt_ambiguous", who=who)]
    target = found[0]
    if target.user_id == ctx.member.user_id or target.role is Role.OWNER:
        return [ctx.say("forget_owner_target")]
    words = rest.strip().casefold().split()
    return target, any(w in CONFIRM_WORDS for w in words)


def precheck_forget(ctx: CommandContext) -> Sequence[Message] | None:
    found = _forget_target(ctx)
    return found if isinstance(found, list) else None


def _counts(ctx: CommandContext, counts: dict[str, int]) -> str:
    """What would be (or was) erased, by kind; asked in the group, only how many items:
    that a named member had warnings, strikes or a removal is theirs, not everyone's (the
    admin chat, or a DM, gets the kinds)."""
    from chalicelib.domain.messages import t

    locale = ctx.community.locale
    if ctx.in_group:
        return t(locale, "forget_items", count=sum(counts.values()))
    parts = []
    for kind, n in sorted(counts.items()):
        try:
            label = t(locale, f"mydata_kind_{kind}")
        except KeyError:
            label = kind.replace("_", " ")
        parts.append(f"{label} {n}")
    zh = locale == "zh-CN"
    return ("、" if zh else ", ").join(parts) or ("无" if zh else "nothing")


def _said(ctx: CommandContext, key: str, name: str, erased: Erased, **values: Any) -> list[Message]:
    """The reply with what would be (or was) deleted and relabelled; in the group with a
    line on why it counts items only (:func:`_counts`)."""
    deleted, relabelled = _counts(ctx, dict(erased.deleted)), _counts(ctx, dict(erased.relabelled))
    message = ctx.say(key, name=name, deleted=deleted, relabelled=relabelled, **values)
    if ctx.in_group:
        message = replace(
            message, text=message.text + "\n" + ctx.say("forget_kinds_elsewhere").text
        )
    return [message]


def handle_forget(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.personal_data import NotAsked, ask_to_forget, confirm_forget
    from chalicelib.store.repository import NotFound

    found = _forget_target(ctx)
    if isinstance(found, list):
        return found
    target, confirmed = found
    community, name = ctx.community, target.display()
    if not confirmed:
        owner = ctx.member.user_id
        preview = ask_to_forget(ctx.store, community.id, owner, target.user_id, ctx.now)
        if preview is None:
            return [ctx.say("exempt_unknown", who=name)]
        word = "确认" if community.locale == "zh-CN" else "confirm"
        return _said(ctx, "forget_preview", name, preview, again=f"{ctx.event.text.strip()} {word}")
    command_id = ctx.command_id or ctx.delivery or ctx.now.isoformat()
    try:
        done = confirm_forget(
            ctx.store, community.id, ctx.member.user_id, target.user_id, ctx.now, command_id
        )
    except NotAsked:
        return [ctx.say("forget_not_asked", name=name)]
    except NotFound:
        return [ctx.say("exempt_unknown", who=name)]
    return _said(ctx, "forget_done", name, done.erased)
