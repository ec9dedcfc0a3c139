"""Admin commands: /remind (remind now) and /exempt @who (no reminders, warnings, removal).

A leader (组长) may /remind too: their own squad only (features/squads.py)."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.context import CommandContext, CommandPaused
from chalicelib.platforms.base import Message
from chalicelib.store import keys
from chalicelib.store.table import Cond


def refuse_non_admin(ctx: CommandContext) -> Sequence[Message] | None:
    """The refusal for a member the permission table does not allow this command (None for
    one it does: domain/roles.py PERMISSIONS)."""
    if ctx.may(ctx.command.name):
        return None
    return [ctx.say("admin_only", name=ctx.member.display())]


def precheck_remind(ctx: CommandContext) -> Sequence[Message] | None:
    """The webhook's inline precheck of /remind (router.DEFERRED): owners and admins remind
    everyone, a leader their squad; anyone else, or a leader in no squad, is answered now."""
    member = ctx.member
    if ctx.may("remind"):
        return None
    if not ctx.may("remind_squad"):
        return [ctx.say("remind_not_allowed", name=member.display())]
    if not member.squad:
        return [ctx.say("squad_none", name=member.display())]
    return None


def remind_squad(ctx: CommandContext) -> Sequence[Message]:
    """A leader's /remind: one message into the group that @-mentions the members of their
    squad who have not checked in today (the daily reminder's rule: not those on leave,
    exempt or in their grace days; quiet members named without a ping). It is this
    command's reply, so the worker's reply claim sends it once per command (chat/worker.py).
    One Query of the roster and one conditional PutItem (once per squad and local day); no
    job run, so it never uses up anyone's daily reminder."""
    from chalicelib.features.squads import squad_reminder_targets
    from chalicelib.platforms.base import Mention
    from chalicelib.store.roles import claim_squad_reminder

    squad = str(ctx.member.squad)
    roster = list(ctx.store.list_members(ctx.community.id))
    targets = squad_reminder_targets(ctx.community, squad, ctx.now, roster)
    values = {
        "squad": squad,
        "date": ctx.today.isoformat(),
        "done": targets.done,
        "expected": targets.expected,
        "missing": targets.missing,
    }
    if targets.missing == 0:
        return [ctx.say("remind_squad_all_done", **values)]
    # Once per squad and local day, like an admin's /remind: taken only now that there is
    # someone to remind (one conditional PutItem).
    if not claim_squad_reminder(
        ctx.store.table, ctx.community.id, squad, ctx.today, ctx.now, ctx.command_id
    ):
        return [ctx.say("remind_squad_already", squad=squad)]
    tail = ""
    if targets.quiet:
        names = ctx.say("list_separator").text.join(m.display() for m in targets.quiet)
        tail = ctx.say("remind_squad_quiet", names=names).text
    mentions = tuple(Mention(m.user_id, m.display(), m.username) for m in targets.mention)
    return [Message(ctx.say("remind_squad_header", **values).text, mentions, tail)]


def handle_remind(ctx: CommandContext) -> Sequence[Message]:
    """Send today's reminder now, once a day by hand; the scheduled one is a separate run.

    It goes through the job runner's claim (period ``<date>#manual``), so a repeated
    command, the platform redelivering it, or SQS redelivering its queue message sends
    nothing twice. The reminder posts into the group; the admin gets a one-line
    confirmation. It runs in the queue worker (router.DEFERRED): a reminder's delivery, part
    by part at the platform's pace, does not fit a webhook's deadline. The day is that of
    ``ctx.now``, the time the admin asked, however long the message waited in the queue.
    """
    refused = precheck_remind(ctx)
    if refused:
        return refused
    if not ctx.may("remind"):
        return remind_squad(ctx)
    from chalicelib.jobs.runner import PAUSED, run_job
    from chalicelib.jobs.send_daily_reminders import manual_period

    day = ctx.today.isoformat()
    result = run_job(
        ctx.runtime,
        "daily-reminder",
        ctx.community.id,
        ctx.now,
        period=manual_period(ctx.community, ctx.now),
        time_left=ctx.time_left,
        origin=ctx.command_id,
    )
    if result.status == PAUSED:
        raise CommandPaused(day)
    status = result.status
    if (
        status == "already-done"
        and ctx.command_id
        and result.summary.get("origin") == (ctx.command_id)
    ):
        status = "sent"  # this very command's run, finished by an attempt that then died
    key = {
        "sent": "remind_sent",
        "already-done": "remind_already",
        "nothing-to-send": "remind_nobody",
        "busy": "remind_busy",
    }.get(status, "remind_failed")
    return [ctx.say(key, date=day)]


def handle_exempt(ctx: CommandContext) -> Sequence[Message]:
    refused = refuse_non_admin(ctx)
    if refused:
        return refused
    from chalicelib.domain.homework import mention_text, resolve_mention

    after_at = mention_text(ctx.command.args)
    if after_at is None:
        return [ctx.say("exempt_usage")]
    roster = [m for m in ctx.store.list_members(ctx.community.id) if m.is_present]
    found, _rest = resolve_mention(after_at, roster)
    who = after_at.split()[0] if after_at.split() else after_at
    if not found:
        return [ctx.say("exempt_unknown", who=who)]
    if len(found) > 1:
        return [ctx.say("exempt_ambiguous", who=who)]
    target = found[0]
    exempt = not target.exempt
    ctx.store.table.update(
        keys.community_pk(target.community_id),
        keys.member_sk(target.user_id),
        set={"exempt": exempt or None},
        cond=Cond.exists("pk"),
    )
    return [ctx.say("exempt_on" if exempt else "exempt_off", name=target.display())]
