"""monthly-report: on the community's report day, the month's inactive-member report to the
admins, a warning in the group for each member newly at a rule's warning threshold, and
removal only once an admin confirms.

Who gets what:

* the report goes to ``Community.admin_chat_id`` when set; to the group when
  ``report_to_group`` is on; otherwise to each owner and admin by direct message, where the
  platform can send one. When it cannot (or refuses), the group gets only a short note
  that the report is ready for the admins (``/report``), never the report's names. It is
  stored in every case, for ``/report`` and ``rollcall report monthly``;
* each newly warned member gets a direct message naming the rule, what brings them back
  and, when removal is on, what happens at the removal threshold. Where DMs are not
  possible (or refused), the same warning is a mention in the group, one message per rule.
  Members who opted out of reminder pings (免打扰) are warned too: a warning is not a
  reminder, and nobody may become a removal candidate without having been told. Warnings
  go out whether or not the report itself is sent anywhere.

The admin chat is addressed by its id alone: a community's group robot (Feishu, DingTalk,
WeCom) posts into the group, so it is never used for the admins' report. On those
platforms the admin chat needs the platform's app API; where the adapter cannot deliver,
the run fails before anything is stored and is retried, and warnings wait with it.

Reads, whatever the number of members: the roster (one Query), the month's check-ins (one
Query), the month's homework submissions and strikes (one Query each, only when a cycle
closed in the month), last month's report (one GetItem, one Query): all paged, none per
member. The tiers and rules are pure (domain/inactivity.py).

Writes happen in ``Plan.apply``, once the messages are out: the report (rows, then the
header), then the warning changes (newly warned or cleared) as entries of the warnings'
bucket items (``WRN$<bb>``, one UpdateItem per bucket touched), never a write of a member
item (see store/reports.py). A crash before apply
leaves the run unfinished; the takeover plans again from the same unchanged data and
skips the parts already sent, so nobody is warned twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.inactivity import MonthlyReport
from chalicelib.domain.messages import t
from chalicelib.domain.models import (
    Community,
    Member,
    parse_hhmm,
)
from chalicelib.features.positions import committee_line
from chalicelib.features.reports import (
    build_monthly_report,
    compose_report,
    compose_warning_dms,
    compose_warnings,
    observed_window,
    parse_month,
    report_month,
    report_target,
)
from chalicelib.features.stars import month_stars_text
from chalicelib.jobs.plan import Direct, JobSpec, Plan, Slot, Target
from chalicelib.platforms.base import Message
from chalicelib.store import reports
from chalicelib.store.repository import Store
from chalicelib.store.retention import retention_of

log = logging.getLogger("rollcall.report")

NAME = "monthly-report"


def plan_monthly_report(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
) -> Plan:
    """``period`` is the month reported on (``2026-10``); by default the month before the
    community's local month at ``now``. With ``direct`` (the platform can send DMs here)
    warnings go to the warned privately, and a report meant for no chat to each admin."""
    month = parse_month(period) if period else report_month(community, now)
    buckets: set[int] = set()  # the warning buckets the report read
    report = build_monthly_report(store, community, month, now, buckets)
    messages: list[Message] = []
    targets: list[Target] = []
    send, where = report_target(community)
    report_message = compose_report(community, report.summary)
    committee = committee_line(community, (v.member for v in report.verdicts))
    if committee:  # who holds which committee position (features/positions.py)
        report_message = replace(report_message, text=report_message.text + "\n" + committee)
    stars = month_stars_text(store, community, report)
    if stars:  # the month's stars, when the community has them (features/stars.py)
        report_message = replace(report_message, text=report_message.text + "\n" + stars)
    admins = [v.member for v in report.verdicts if v.member.is_admin and v.member.is_present]
    if send:
        messages.append(report_message)
        targets.append(where)
    elif admins:
        # To each admin privately; if that cannot be, one note in the group (no names).
        ready = Message(t(community.locale, "report_ready", report=month))
        for admin in admins:
            messages.append(report_message)
            targets.append(Direct(admin.user_id, ready))
    goal = goal_section(store, community, month, [v.member for v in report.verdicts])
    if goal:
        messages.append(Message(goal))
        targets.append(None)  # the group: who finished is good news, not a report's names
    if direct:
        for message, target in compose_warning_dms(community, report.verdicts):
            messages.append(message)
            targets.append(target)
    else:
        warnings = compose_warnings(community, report.verdicts)
        messages.extend(warnings)
        targets.extend(None for _ in warnings)

    def apply() -> None:
        reports.save_report(store.table, report, retention_of(community))
        changed = reports.bulk_save_warnings(
            store.table, community.id, report.verdicts, month, buckets
        )
        log.info(
            "report stored",
            extra={"community": community.id, "period": month, "warning_changes": changed},
        )

    report_to = (
        ("admin-chat" if where else "group") if send else ("admins" if admins else "stored-only")
    )
    plan_summary = _plan_summary(community, month, report, report_to)
    return Plan(period=month, messages=messages, summary=plan_summary, apply=apply, targets=targets)


def _plan_summary(
    community: Community, month: str, report: MonthlyReport, report_to: str
) -> dict[str, Any]:
    """What ``rollcall job run`` shows of the report's run; ``report_to`` says where the
    report went (the group, the admin chat, the admins privately, or nowhere: stored)."""
    summary = report.summary
    window = observed_window(community, month, summary.as_of)
    return {
        "month": month,
        "as_of": summary.as_of.isoformat(),
        "observed_days": window[1] if window else None,
        "counts": dict(summary.counts),
        "warned": summary.lists["warned"].total,
        "candidates": summary.lists["candidates"].total,
        "cleared": sum(1 for v in report.verdicts if v.cleared and not v.newly_warned),
        "report_to": report_to,
    }


def goal_section(store: Store, community: Community, month: str, members: list[Member]) -> str:
    """The month's goal at its end, for the group: who finished and the community's total
    (empty when the month had no goal). One Query; sent once, with the report's run."""
    from chalicelib.features.goals import goal_month_end

    return goal_month_end(store.table, community, month, members) or ""


# -- CSV -------------------------------------------------------------------------------------


def monthly_report_slots(community: Community, after: datetime) -> Iterator[Slot]:
    calendar = community.calendar
    t = parse_hhmm(community.report_time)
    cursor = after
    while True:
        cursor = calendar.next_monthly(cursor, community.report_day, t)
        ran_in = calendar.month(calendar.period_date(cursor))
        yield Slot(NAME, calendar.previous_month(ran_in), cursor)


SPEC = JobSpec(
    name=NAME,
    plan=plan_monthly_report,
    slots=monthly_report_slots,
    max_lateness=timedelta(days=3),  # still worth having late
)
