"""Roles and squads from chat: ``/role @x admin`` (设为管理员 @x, 设为组长 @x, 取消管理员 @x)
and ``/squad [name]`` (小组).

Who may grant what is domain/roles.py's rule (the owner alone makes and unmakes admins;
admins make leaders and members; nobody changes their own role or the owner's). The change
and its audit item are features/roles.py's. On DingTalk a role change is held for the
confirmation code the admin gets privately (chat/confirm.py), like every admin command
that changes people.

Costs: /role is one Query of the roster (to resolve the mention), one conditional
UpdateItem and one PutItem. /squad is one Query of the roster and, while a homework cycle
runs, one Query of its submissions.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.domain.homework import mention_text, resolve_mention
from chalicelib.domain.models import Member, Role
from chalicelib.domain.roles import WORD_ROLES, RoleRefusal, parse_role_word
from chalicelib.features.squads import SquadStatus, find_squad, squad_status
from chalicelib.platforms.base import Message

_REFUSALS = {
    RoleRefusal.OWNER_ONLY: "role_owner_only",
    RoleRefusal.SELF: "role_self",
    RoleRefusal.OWNER_TARGET: "role_owner_target",
    RoleRefusal.NO_OWNER: "role_no_owner",
}


def role_name(ctx: CommandContext, role: Role) -> str:
    return ctx.say(f"role_name_{role.value}").text


def handle_role(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.roles import RoleConflict, change_role_from_chat
    from chalicelib.store.retention import retention_of

    member = ctx.member
    if not ctx.may("role"):
        return [ctx.say("admin_only", name=member.display())]
    after_at = mention_text(ctx.command.args)
    if after_at is None:
        return [ctx.say("role_usage")]
    roster = [m for m in ctx.store.list_members(ctx.community.id) if m.is_present]
    found, rest = resolve_mention(after_at, roster)
    who = after_at.split()[0] if after_at.split() else after_at
    if not found:
        return [ctx.say("exempt_unknown", who=who)]
    if len(found) > 1:
        return [ctx.say("exempt_ambiguous", who=who)]
    target = found[0]
    worded = WORD_ROLES.get(ctx.command.word)
    if worded is not None:
        role, must_hold = worded
    else:
        typed = rest.split()[0] if rest.split() else ""
        if not typed:
            return [ctx.say("role_usage")]
        parsed = parse_role_word(typed)
        if parsed is None:
            return [ctx.say("role_unknown_role", role=typed[:40])]
        role, must_hold = parsed, None
    try:
        result = change_role_from_chat(
            ctx.store,
            member,
            target,
            role,
            ctx.now,
            must_hold=must_hold,
            retention=retention_of(ctx.community),
        )
    except RoleConflict:
        return [ctx.say("role_busy", name=target.display())]
    name = target.display()
    if isinstance(result, RoleRefusal):
        if result is RoleRefusal.NOT_HELD and must_hold is not None:
            return [ctx.say("role_not_that", name=name, role=role_name(ctx, must_hold))]
        return [ctx.say(_REFUSALS[result])]
    if result is None or result.old is result.new:
        return [ctx.say("role_unchanged", name=name, role=role_name(ctx, role))]
    old, new = role_name(ctx, result.old), role_name(ctx, result.new)
    return [ctx.say("role_done", name=name, role=new, old=old)]


# -- 小组 /squad --------------------------------------------------------------------------------


def handle_squad(ctx: CommandContext) -> Sequence[Message]:
    """Your own squad; an admin may name any (``/squad A``). Check-ins and streaks are
    shown in the group anyway (the leaderboard): nothing here is private."""
    member, asked = ctx.member, ctx.command.args.strip()
    if asked and not ctx.may("squad_others") and not _same(asked, member.squad):
        return [ctx.say("squad_others_admin_only")]
    roster = list(ctx.store.list_members(ctx.community.id))
    if asked:
        squad = find_squad(roster, asked)
        if squad is None:
            return [_unknown_squad(ctx, asked, roster)]
    elif member.squad:
        squad = member.squad
    elif ctx.may("squad_others"):
        return [_pick_squad(ctx, roster)]
    else:
        return [ctx.say("squad_none", name=member.display())]
    return [compose_squad(ctx, squad_status(ctx.store, ctx.community, squad, ctx.now, roster))]


def _same(asked: str, squad: str | None) -> bool:
    return squad is not None and asked.casefold() == squad.strip().casefold()


def _unknown_squad(ctx: CommandContext, asked: str, roster: Sequence[Member]) -> Message:
    squads = sorted({m.squad for m in roster if m.squad and m.is_present})
    if not squads:
        return ctx.say("squad_no_squads")
    separator = ctx.say("list_separator").text
    return ctx.say("squad_unknown", squad=asked[:40], squads=separator.join(squads))


def _pick_squad(ctx: CommandContext, roster: Sequence[Member]) -> Message:
    """An admin in no squad asking for "their" squad: the squads to pick from."""
    squads = sorted({m.squad for m in roster if m.squad and m.is_present})
    if not squads:
        return ctx.say("squad_no_squads")
    return ctx.say("squad_pick", squads=ctx.say("list_separator").text.join(squads))


def compose_squad(ctx: CommandContext, status: SquadStatus) -> Message:
    total = len(status.members)
    lines = [ctx.say("squad_title", squad=status.squad, date=ctx.today.isoformat()).text]
    if not total:
        return Message(ctx.say("squad_empty", squad=status.squad).text)
    counts = [ctx.say("squad_checked_in", done=status.checked_in, total=total).text]
    if status.cycle_id is not None:
        counts.append(
            ctx.say(
                "squad_homework", cycle=status.cycle_id, submitted=status.submitted, total=total
            ).text
        )
    lines.append(" · ".join(counts))
    for entry in status.members:
        work = ""
        if entry.submitted is not None:
            work = ctx.say("squad_work_done" if entry.submitted else "squad_work_missing").text
        lines.append(
            ctx.say(
                "squad_line",
                mark="✅" if entry.checked_in else "⬜",
                name=entry.member.display(),
                streak=entry.streak,
                work=work,
            ).text
        )
    return Message("\n".join(lines))
