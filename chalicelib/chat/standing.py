"""Chat commands of inactivity: 我的状态 /standing, and for admins 报告 /report and
确认移除 /confirm-removals <report id>.

The rules live in domain/inactivity.py, the report and removals in
jobs/report_inactive_members.py; these handlers only read what they need:

* ``/standing`` costs nothing beyond the member the webhook already read, plus one
  UpdateItem when it finds the member's warning no longer holds (coming back clears it at
  once, not at the next report);
* ``/report`` is one Query (the latest report's header) or one GetItem (a given month);
* ``/confirm-removals`` reads the report and its candidates by key (never the roster), and
  runs in the queue worker: it calls the platform once per candidate.

The job module is imported inside the admin handlers only, so a webhook's cold start does
not load the jobs (as in jobs/runner.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.domain.inactivity import (
    DEFAULT_RULES,
    Exempt,
    Rule,
    RuleKind,
    Thresholds,
    Verdict,
    distances,
    evaluate,
    observed,
    rule_label,
    rules_of,
)
from chalicelib.domain.messages import days_ago, t
from chalicelib.domain.models import InvalidValue, Member
from chalicelib.platforms.base import Message
from chalicelib.store import reports
from chalicelib.store.homework import member_standing
from chalicelib.store.repository import NotFound

log = logging.getLogger("rollcall.standing")


# Members no rule applies to: /standing shows them no distances.
_UNTOUCHABLE = (Exempt.ADMIN, Exempt.EXEMPTED)


def _t(ctx: CommandContext, key: str, **values: Any) -> str:
    return t(ctx.community.locale, key, **values)


def _rules(ctx: CommandContext) -> tuple[Rule, ...]:
    """Rules are validated when set; a stored set that no longer parses (edited by hand)
    must not break a member's command, so it shows the defaults and logs why."""
    try:
        return rules_of(ctx.community)
    except InvalidValue as error:
        context = {"community": ctx.community.id, "error": str(error)}
        log.warning("community rules invalid", extra=context)
        return DEFAULT_RULES


def _thresholds(ctx: CommandContext) -> Thresholds:
    try:
        return Thresholds.of(ctx.community)
    except InvalidValue:
        return Thresholds(new_days=max(0, ctx.community.grace_days))


# -- 我的状态 /standing ------------------------------------------------------------------------


def handle_standing(ctx: CommandContext) -> Sequence[Message]:
    # judged on observed time only, with the homework counters the digests recorded
    counted, from_entry = member_standing(ctx.store.table, ctx.community.id, ctx.member)
    member = observed(counted, ctx.community)
    today = ctx.today
    rules = _rules(ctx)
    verdict = evaluate(member, rules, _thresholds(ctx), today)
    lines = [_t(ctx, "standing_head", name=member.display(), tier=_t(ctx, f"tier_{verdict.tier}"))]
    if verdict.days_silent is None:
        lines.append(_t(ctx, "standing_never_active"))
    else:
        seen = today.fromordinal(today.toordinal() - verdict.days_silent)
        lines.append(
            _t(
                ctx,
                "standing_last_active",
                date=seen.isoformat(),
                ago=days_ago(ctx.community.locale, verdict.days_silent),
            )
        )
    lines.append(_t(ctx, "standing_strikes", strikes=member.strikes, missed=member.missed_in_a_row))
    exempt = _exempt_line(ctx, verdict, member)
    if exempt is not None:
        lines.append(exempt)
    if verdict.cleared and member.warned_rule and verdict.exempt not in _UNTOUCHABLE:
        # Coming back clears the warning now. A new warning, though, is only ever given by
        # the report, with its mention in the group: here the member just sees the distance.
        cleared = replace(verdict, warned_rule=None, warned_at=None, newly_warned=False)
        reports.save_warning(ctx.store.table, member.community_id, cleared, from_entry=from_entry)
        label = rule_label(rules, member.warned_rule, ctx.community.locale)
        lines.append(_t(ctx, "standing_cleared", rule=label))
    elif verdict.warned_rule and not verdict.newly_warned:
        rule = next(r for r in rules if r.id == verdict.warned_rule)
        remedy = "cycles" if rule.kind is RuleKind.MISSED_CYCLES else "days"
        warned_on = member.warned_at.isoformat() if member.warned_at else "?"
        lines.append(
            _t(
                ctx,
                "standing_warned",
                rule=rule.label(ctx.community.locale),
                date=warned_on,
                remedy=_t(ctx, f"standing_remedy_{remedy}"),
            )
        )
    if verdict.exempt not in _UNTOUCHABLE:
        lines.extend(_distance_lines(ctx, member, rules))
    return [Message("\n".join(lines))]


def _exempt_line(ctx: CommandContext, verdict: Verdict, member: Member) -> str | None:
    """Why the rules do not touch the member (an admin, exempted, on leave, new), if so."""
    if verdict.exempt is Exempt.ADMIN:
        return _t(ctx, "standing_admin")
    if verdict.exempt is Exempt.EXEMPTED:
        return _t(ctx, "standing_exempted")
    if verdict.exempt is Exempt.ON_LEAVE and member.leave_until is not None:
        return _t(ctx, "standing_on_leave", date=member.leave_until.isoformat())
    if verdict.exempt is Exempt.NEW:
        return _t(ctx, "standing_new", days=ctx.community.grace_days)
    return None


def _distance_lines(ctx: CommandContext, member: Member, rules: Sequence[Rule]) -> list[str]:
    """How far the member is from each rule's warning (rules not measured yet left out)."""
    lines = []
    for distance in distances(member, rules, ctx.today):
        if distance.current is None:
            continue
        unit = "cycles" if distance.rule.kind is RuleKind.MISSED_CYCLES else "days"
        lines.append(
            _t(
                ctx,
                f"standing_rule_{unit}",
                rule=distance.rule.label(ctx.community.locale),
                current=distance.current,
                warn=distance.rule.warn,
                left=distance.left,
            )
        )
    return lines


# -- 报告 /report -------------------------------------------------------------------------------


def handle_report(ctx: CommandContext) -> Sequence[Message]:
    """The latest report (or ``/report 2026-10``), for owners and admins only. Asked in the
    group itself, when the report is not meant for the group, it shows the numbers without
    any names: nobody is named as a removal candidate in front of everyone."""
    from chalicelib.features.reports import compose_report, parse_month

    if not ctx.may("report"):
        return [ctx.say("report_admins_only")]
    month_text = ctx.command.args.split()[0] if ctx.command.args.strip() else ""
    if month_text:
        try:
            month = parse_month(month_text)
        except InvalidValue:
            return [ctx.say("report_not_found", report=month_text)]
        summary = reports.report_header(ctx.store.table, ctx.community.id, month)
        if summary is None:
            return [ctx.say("report_not_found", report=month)]
    else:
        summary = reports.latest_header(ctx.store.table, ctx.community.id)
        if summary is None:
            return [ctx.say("report_none")]
    return [compose_report(ctx.community, summary, names=_may_name(ctx))]


def _may_name(ctx: CommandContext) -> bool:
    """A report's names (who is warned, who is a candidate) go to the group only when the
    community reports there; the admin chat and direct messages always get them."""
    return ctx.community.report_to_group or not ctx.in_group


# -- 确认移除 /confirm-removals --------------------------------------------------------------------


def check_confirm_removals(ctx: CommandContext) -> Sequence[Message] | None:
    """The answer when the command must not run (not an admin, no or a malformed report id,
    removal off), from what the webhook already read: the webhook's inline precheck, before
    it hands the command to the queue worker (router.DEFERRED). None: run it."""
    requested = _requested_report(ctx)
    return None if isinstance(requested, str) else requested


def _requested_report(ctx: CommandContext) -> str | list[Message]:
    """The report month the admin asked to confirm, or the answer refusing the request."""
    from chalicelib.features.reports import parse_month, report_month

    if not ctx.may("confirm_removals"):
        return [ctx.say("removal_admins_only")]
    community = ctx.community
    report_id = ctx.command.args.split()[0] if ctx.command.args.strip() else ""
    usage = ctx.say("removal_usage", example=report_month(community, ctx.now))
    if not report_id:
        return [usage]
    try:
        month = parse_month(report_id)
    except InvalidValue:
        return [usage]
    # A report that does not exist is named as such (one GetItem), before removal's switch.
    if reports.report_header(ctx.store.table, community.id, month) is None:
        return [ctx.say("report_not_found", report=month)]
    if not community.removal_enabled:
        return [ctx.say("removal_off")]
    return month


def handle_confirm_removals(ctx: CommandContext) -> Sequence[Message]:
    """Remove the report's candidates, through the platform where its adapter can.

    One platform call per candidate is too slow for a webhook, so the queue worker runs
    this (router.DEFERRED) and removes every candidate through the platform. Called inline
    (``ctx.in_worker`` false), it would remove at most CHAT_PLATFORM_REMOVALS that way and
    list the rest for removal by hand. A redelivery removes nobody twice: each member is
    marked removed by a conditional write, and one already removed is kept as such.
    """
    from chalicelib.features.reports import (
        CHAT_PLATFORM_REMOVALS,
        ListedOnly,
        RemovalOff,
        confirm_removals,
        describe_outcome,
    )

    requested = _requested_report(ctx)
    if not isinstance(requested, str):
        return requested
    community = ctx.community
    try:
        outcome = confirm_removals(
            ctx.store,
            community,
            requested,
            ctx.member.user_id,
            ctx.now,
            adapter=_adapter(ctx),
            platform_limit=None if ctx.in_worker else CHAT_PLATFORM_REMOVALS,
        )
    except RemovalOff:  # turned off between the check above and the call: a race
        return [ctx.say("removal_off")]
    except NotFound:
        return [ctx.say("report_not_found", report=requested)]
    except ListedOnly:
        return [ctx.say("removal_listed_only", report=requested)]
    return [Message(describe_outcome(community, outcome, kept_names=_may_name(ctx)))]


def _adapter(ctx: CommandContext) -> Any:
    """The platform's adapter, from the runtime the webhook or worker handed in (only its
    optional ``remove_member`` is used)."""
    return ctx.runtime.adapter(ctx.community.platform) if ctx.runtime is not None else None
