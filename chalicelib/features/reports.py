"""Reports and removals, the feature: build a month's inactive-member report, compose it and
its warnings, its CSV and JSON, and confirm removals. The monthly-report job
(jobs/report_inactive_members.py), the chat commands (/report, /confirm-removals), the CLI
(`rollcall report ...`) and later the web pages all call these; none of them imports
another.

Reads, whatever the number of members: the roster (one Query), the month's check-ins (one
Query), the month's homework submissions and strikes (one Query each, only when a cycle
closed in the month), last month's report (one GetItem, one Query): all paged, none per
member. The tiers and rules are pure (domain/inactivity.py).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from chalicelib.domain import csvsafe
from chalicelib.domain.calendar import LocalCalendar
from chalicelib.domain.homework import (
    Counters,
    cycles_of,
    deadline_date,
    is_paused,
    standing_counters,
)
from chalicelib.domain.inactivity import (
    TIERS,
    Keep,
    MonthlyReport,
    Named,
    NameList,
    Rate,
    ReportRow,
    ReportSummary,
    Rule,
    RuleKind,
    Verdict,
    compile_report,
    observed,
    rule_label,
    rules_of,
    still_candidate,
)
from chalicelib.domain.messages import t
from chalicelib.domain.models import (
    Community,
    InvalidValue,
    Member,
    community_start,
)
from chalicelib.domain.visibility import lists_members
from chalicelib.jobs.plan import Direct
from chalicelib.platforms.base import ChatAddress, MemberRemoval, Mention, Message
from chalicelib.store import keys, reports
from chalicelib.store.checkins import checkins_between
from chalicelib.store.homework import (
    counters_by_member,
    counters_in_items,
    counters_keys,
    holds_strike,
    strike_keys,
    strikes_over_cycles,
    with_counters,
)
from chalicelib.store.records import from_fields
from chalicelib.store.repository import NotFound, Store
from chalicelib.store.retention import retention_of
from chalicelib.store.table import Item, Table

log = logging.getLogger("rollcall.report")

CSV_COLUMNS = (
    "user_id",
    "name",
    "role",
    "squad",
    "tier",
    "last_active",
    "checkins",
    "homework_missed_in_a_row",
    "warned_rule",
    "candidate_rule",
    "cohort",  # the cohort that ran during the month (empty when none), on every line
)


def report_month(community: Community, now: datetime) -> str:
    """The month a run at ``now`` reports on: the one before the community's local month
    (``2026-10`` for a run on 2026-11-01), as jobs/schedule.py names the period."""
    calendar = community.calendar
    return calendar.previous_month(calendar.month(calendar.period_date(now)))


def parse_month(value: str) -> str:
    """A report id / month as typed by an admin: ``2026-10``."""
    text = (value or "").strip()
    try:
        LocalCalendar("UTC").month_bounds(text)
    except ValueError:
        raise InvalidValue(f"a report id is its month, like 2026-10 (got {value!r})") from None
    return text


# -- reading ---------------------------------------------------------------------------------


def _homework(
    table: Table,
    community: Community,
    first: date,
    last: date,
    now: datetime,
    present: set[str],
    kept: list[Item],
) -> tuple[Rate, int]:
    """Handed in vs expected over the cycles that closed in ``first..last``, not paused.

    Expected is handed in plus missed, and missed are the strike records the weekly digest
    writes (members on leave or new were never struck, so they are not expected). Two
    Queries over the range of cycle ids, whatever the number of cycles or members. The
    cycles' submissions read are added to ``kept`` (the month's stars use them).
    """
    cycles = cycles_of(community)
    if cycles is None:
        return Rate(0, 0), 0
    n = max(1, cycles.cycle_of(community.calendar.day_start(first)))
    closed: list[int] = []
    while n <= 9999:
        due = deadline_date(cycles, n)
        if due > last or cycles.deadline(n) > now:
            break
        if due >= first and not is_paused(community, n):
            closed.append(n)
        n += 1
    if not closed:
        return Rate(0, 0), 0
    ids = {cycles.cycle_id(n) for n in closed}
    lo, hi = cycles.cycle_id(closed[0]), cycles.cycle_id(closed[-1])
    pk = keys.community_pk(community.id)

    def counted(start: str, end: str, keep: list[Item] | None = None) -> int:
        found = [
            item
            for item in table.query(pk, start=start, end=end + "\uffff")
            if item.get("cycle") in ids
        ]
        if keep is not None:
            keep.extend(found)
        return sum(1 for item in found if item.get("user_id") in present)

    done = counted(keys.cycle_submissions_prefix(lo), keys.cycle_submissions_prefix(hi), kept)
    strikes = strikes_over_cycles(table, community.id, lo, hi)  # packed and older records
    missed = sum(1 for cycle, user_id in strikes if cycle in ids and user_id in present)
    return Rate(done, done + missed), len(closed)


def build_monthly_report(
    store: Store,
    community: Community,
    month: str,
    now: datetime,
    seen_buckets: set[int] | None = None,
) -> MonthlyReport:
    """The report on ``month`` as of ``now`` (tiers and warnings as of the local date at
    ``now``; check-in and homework rates over the month's dates up to then).
    ``seen_buckets``: filled with the warning buckets that existed when it read them (what
    reports.bulk_save_warnings needs to write each bucket in one UpdateItem)."""
    calendar = community.calendar
    as_of = calendar.local_date(now)
    first, last = calendar.month_bounds(parse_month(month))
    if first > as_of:
        raise InvalidValue(f"month {month} has not begun in {community.timezone} yet")
    end = min(last, as_of)
    roster = list(store.list_members(community.id))
    # Homework counters live outside the member item (store/homework.py): one Query of them
    # and one of the strike records they point at, never a read per member. The counters
    # eventually consistent (half their units): the report writes none, so a read a moment
    # stale decides what a report a moment earlier would (a digest closing at the same time
    # races with it either way), and a removal reads the candidates' counters again when
    # it is confirmed (_candidates_now). The strikes strongly (recorded_counters says why).
    counters = counters_by_member(store.table, community.id, roster, consistent=False)
    warnings = reports.warnings_of(store.table, community.id, seen_buckets)  # one Query
    members = [
        reports.warning_from_item(with_counters(m, counters[m.user_id]), warnings.get(m.user_id))
        for m in roster
    ]
    present = {m.user_id for m in members if m.is_present}
    counts = Counter(
        item["user_id"]
        for item in checkins_between(store.table, community.id, first, end)
        if item.get("user_id") in present
    )
    submissions: list[Item] = []
    homework, cycles = _homework(store.table, community, first, end, now, present, submissions)
    previous = reports.load_report(store.table, community.id, calendar.previous_month(month))
    report = compile_report(
        community,
        month,
        members,
        as_of=as_of,
        generated_at=now,
        checkin_counts=counts,
        checkin_window=(first, end),
        homework=homework,
        homework_cycles=cycles,
        previous=previous.summary if previous else None,
        previous_tiers={row.user_id: row.tier.value for row in previous.rows} if previous else {},
    )
    return replace(report, submissions=tuple(submissions))


# -- messages --------------------------------------------------------------------------------


def _names(locale: str, names: NameList, rules: Sequence[Rule] = ()) -> str:
    """The names of a list, each with the rule it fell under by the rule's name (never its
    id: "林小雨（缺交作业）", not "（hw-missed）")."""
    separator = t(locale, "list_separator")
    shown = [
        t(locale, "report_named_rule", name=n.name, rule=rule_label(rules, n.rule, locale))
        if n.rule
        else n.name
        for n in names.names
    ]
    text = separator.join(shown)
    hidden = names.total - len(names.names)
    if hidden > 0:
        text += " " + t(locale, "report_more", count=hidden)
    return text


def _change(locale: str, change: int | None) -> str:
    if change is None:
        return ""
    text = "±0" if change == 0 else f"{change:+d}".replace("-", "−")
    return t(locale, "report_change", change=text)


def observed_window(community: Community, month: str, as_of: date) -> tuple[date, int, int] | None:
    """When the community began after ``month``'s first day: the day it began, how many of
    the month's days (up to ``as_of``) it existed, and how many days that was out of. None
    when rollcall watched the whole month (or the community's creation is unknown)."""
    start = community_start(community)
    first, last = community.calendar.month_bounds(month)
    if start is None or start <= first:
        return None
    end = min(last, as_of)
    total = max(0, (end - first).days + 1)
    return start, max(0, (end - start).days + 1), total


# Platforms that show rollcall no member list and no leaves (docs/organiser.md), by the
# name the report gives them.
LEAVES_UNSEEN = {
    "dingtalk": {"zh-CN": "钉钉", "en": "DingTalk"},
    "wecom": {"zh-CN": "企业微信", "en": "WeCom"},
}


def report_cohort(community: Community, month: str) -> str | None:
    """The name of the cohort that ran during ``month`` (None when none did): the report's
    title and its CSV's last column carry it."""
    from chalicelib.domain.announcements import cohort_during

    if not community.cohorts:
        return None
    first, last = community.calendar.month_bounds(month)
    return cohort_during(community.cohorts, first, last)


def _cohort_suffix(community: Community, month: str) -> str:
    """`` (第3期)`` when a cohort ran during the report's month."""
    name = report_cohort(community, month)
    return t(community.locale, "cohort_report_title", name=name) if name else ""


def compose_report(community: Community, summary: ReportSummary, *, names: bool = True) -> Message:
    """The report as admins read it. ``names=False`` leaves out every list of names (for
    ``/report`` asked in the group itself when the report is not meant for the group)."""
    locale = community.locale
    lines = _report_heading(community, summary)
    lines += _report_rates(locale, summary)
    lines += (
        _report_name_lists(locale, summary, rules_of(community))
        if names
        else [t(locale, "report_names_hidden")]
    )
    removal = _report_removal_line(locale, summary)
    if removal is not None:
        lines.append(removal)
    return Message("\n".join(lines))


def _report_heading(community: Community, summary: ReportSummary) -> list[str]:
    """The title, the members by tier (with the change since last month), and what the
    report could not see: a first report, leavers a platform does not announce, a month
    observed only in part."""
    locale = community.locale
    tiers = t(locale, "list_separator").join(
        t(
            locale,
            "report_tier_count",
            tier=t(locale, f"tier_{tier.value}"),
            count=summary.counts.get(tier.value, 0),
            change=_change(locale, summary.change(tier.value)),
        )
        for tier in TIERS
    )
    lines = [
        t(
            locale,
            "report_title",
            community=community.name + _cohort_suffix(community, summary.month),
            month=summary.month,
            as_of=summary.as_of.isoformat(),
        ),
        t(locale, "report_members", total=summary.total, tiers=tiers),
    ]
    if summary.previous_counts is None:
        lines.append(t(locale, "report_first"))
    if community.platform in LEAVES_UNSEEN and not lists_members(
        community.platform, community.group_kind
    ):
        # Leavers there stay on the roster until removed by hand: say so where it matters.
        platform = LEAVES_UNSEEN[community.platform].get(locale, community.platform)
        lines.append(t(locale, "report_leaves_unseen", platform=platform))
    window = observed_window(community, summary.month, summary.as_of)
    if window is not None:
        since, observed_days, total = window
        key = "report_observed" if observed_days else "report_observed_none"
        lines.append(t(locale, key, since=since.isoformat(), observed=observed_days, total=total))
    return lines


def _report_rates(locale: str, summary: ReportSummary) -> list[str]:
    """The month's check-in and homework rates (or that nothing was expected)."""
    return [
        _rate_line(locale, "report_checkins", summary.checkins),
        _rate_line(locale, "report_homework", summary.homework, cycles=summary.homework_cycles),
    ]


def _rate_line(locale: str, key: str, rate: Rate, **more: Any) -> str:
    if rate.percent is None:
        return t(locale, f"{key}_none")
    return t(locale, key, done=rate.done, expected=rate.expected, percent=rate.percent, **more)


def _report_name_lists(locale: str, summary: ReportSummary, rules: Sequence[Rule]) -> list[str]:
    """Who turned quiet or inactive, came back, was warned, is a candidate for removal."""
    lines = []
    for name in ("newly_quiet", "newly_inactive", "came_back", "warned", "candidates"):
        found = summary.lists.get(name)
        if found is not None and found.total:
            lines.append(
                t(
                    locale,
                    f"report_{name}",
                    count=found.total,
                    names=_names(locale, found, rules),
                )
            )
    return lines


def _report_removal_line(locale: str, summary: ReportSummary) -> str | None:
    """What becomes of the candidates: removal off, confirmed (by whom, when), or a dry run
    awaiting confirmation. None when there are no candidates."""
    candidates = summary.lists.get("candidates")
    if candidates is None or not candidates.total:
        return None
    if not summary.removal_enabled:
        return t(locale, "report_removal_off")
    if summary.confirmed_by:
        at = summary.confirmed_at.date().isoformat() if summary.confirmed_at else "?"
        return t(locale, "report_confirmed", by=summary.confirmed_by, date=at)
    return t(locale, "report_dry_run", report=summary.month)


def compose_warnings(community: Community, verdicts: Iterable[Verdict]) -> list[Message]:
    """One group message per rule, mentioning the members it newly warns: the rule, what
    brings them back and, when removal is on, what happens at the removal threshold."""
    return [message for _, message in _warnings(community, verdicts)]


def compose_warning_dms(
    community: Community, verdicts: Iterable[Verdict]
) -> list[tuple[Message, Direct]]:
    """Each newly warned member's warning, privately; the group message of their rule (a
    mention of them) is the fallback, so refused DMs merge back into one message per rule."""
    locale = community.locale
    out = []
    for rule_message, member in _warned_members(community, verdicts):
        text = t(locale, "warning_dm_intro", name=member.display(), community=community.name)
        mention = Mention(member.user_id, member.display(), member.username)
        fallback = Message(rule_message, (mention,))
        out.append((Message(f"{text}\n{rule_message}"), Direct(member.user_id, fallback)))
    return out


def _rule_text(community: Community, rule: Rule) -> str:
    locale = community.locale
    unit = "cycles" if rule.kind is RuleKind.MISSED_CYCLES else "days"
    text = t(locale, f"warning_{rule.kind.value}", rule=rule.label(locale), warn=rule.warn)
    if rule.remove is not None and community.removal_enabled:
        text += " " + t(locale, f"warning_removal_{unit}", remove=rule.remove)
    return text


def _by_rule(community: Community, verdicts: Iterable[Verdict]) -> list[tuple[Rule, list[Member]]]:
    warned: dict[str, list[Member]] = defaultdict(list)
    for verdict in verdicts:
        if verdict.newly_warned and verdict.warned_rule:
            warned[verdict.warned_rule].append(verdict.member)
    return [(rule, warned[rule.id]) for rule in rules_of(community) if warned.get(rule.id)]


def _warnings(community: Community, verdicts: Iterable[Verdict]) -> list[tuple[Rule, Message]]:
    return [
        (
            rule,
            Message(
                _rule_text(community, rule),
                tuple(Mention(m.user_id, m.display(), m.username) for m in members),
            ),
        )
        for rule, members in _by_rule(community, verdicts)
    ]


def _warned_members(community: Community, verdicts: Iterable[Verdict]) -> list[tuple[str, Member]]:
    return [
        (_rule_text(community, rule), member)
        for rule, members in _by_rule(community, verdicts)
        for member in members
    ]


def report_target(community: Community) -> tuple[bool, str | None]:
    """Whether the report is sent to a chat, and which: the admin chat's id, or None for
    the group. (False: to the admins privately, see ``plan_monthly_report``.)"""
    if community.admin_chat_id:
        return True, community.admin_chat_id
    return community.report_to_group, None


# -- the job ---------------------------------------------------------------------------------


def _csv_values(row: ReportRow, cohort: str | None = None) -> list[Any]:
    return [
        row.user_id,
        row.name,
        row.role,
        row.squad or "",
        row.tier.value,
        row.last_active.isoformat() if row.last_active else "",
        row.checkins,
        row.missed_in_a_row,
        row.warned_rule or "",
        row.candidate_rule or "",
        cohort or "",
    ]


def report_csv(rows: Iterable[ReportRow], cohort: str | None = None) -> str:
    """The report's rows as CSV, one line per present member (columns: CSV_COLUMNS; the
    last, ``cohort``, names the cohort that ran during the month: ``report_cohort``);
    formula-like cells are quoted (chalicelib/domain/csvsafe.py)."""
    return csvsafe.render(CSV_COLUMNS, (_csv_values(row, cohort) for row in rows))


def report_dict(
    report: MonthlyReport, *, stored: bool, cohort: str | None = None
) -> dict[str, Any]:
    """The report for ``--json`` (``cohort``: as for :func:`report_csv`)."""
    s = report.summary
    return {
        "community": s.community_id,
        "month": s.month,
        "cohort": cohort,
        "stored": stored,
        "as_of": s.as_of.isoformat(),
        "generated_at": s.generated_at.isoformat(),
        "counts": dict(s.counts),
        "previous_counts": dict(s.previous_counts) if s.previous_counts is not None else None,
        "checkins": {"done": s.checkins.done, "expected": s.checkins.expected},
        "homework": {
            "done": s.homework.done,
            "expected": s.homework.expected,
            "cycles": s.homework_cycles,
        },
        "lists": {
            name: {
                "total": value.total,
                "names": [
                    {"user_id": n.user_id, "name": n.name, "rule": n.rule} for n in value.names
                ],
            }
            for name, value in s.lists.items()
        },
        "removal_enabled": s.removal_enabled,
        "confirmed_by": s.confirmed_by,
        "rows": [
            dict(zip(CSV_COLUMNS, line, strict=True)) for line in _csv_lines(report.rows, cohort)
        ],
    }


def _csv_lines(rows: Iterable[ReportRow], cohort: str | None = None) -> list[list[str]]:
    """The CSV's cells as text, unquoted: JSON carries names as they are."""
    return [[str(value) for value in _csv_values(row, cohort)] for row in rows]


# -- confirming removals ---------------------------------------------------------------------

# In a webhook (Slack and Discord want an answer within 3 s) the bot removes at most this
# many members through the platform's API; the rest are listed for removal by hand.
CHAT_PLATFORM_REMOVALS = 5


@dataclass
class RemovalOutcome:
    report: str
    removed: list[Named] = field(default_factory=list)  # marked removed and recorded
    by_hand: list[Named] = field(default_factory=list)  # ...but the admin must kick them
    kept: list[tuple[Named, Keep]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def one(n: Named) -> dict[str, Any]:
            return {"user_id": n.user_id, "name": n.name, "rule": n.rule}

        return {
            "report": self.report,
            "removed": [one(n) for n in self.removed],
            "by_hand": [one(n) for n in self.by_hand],
            "kept": [{**one(n), "why": why.value} for n, why in self.kept],
        }


class RemovalOff(InvalidValue):
    """The community has not turned removal on."""


class ListedOnly(InvalidValue):
    """The report was made while removal was off: its candidates were listed only (its
    warnings never said that anyone could be removed)."""


def confirm_removals(
    store: Store,
    community: Community,
    report_id: str,
    by: str,
    now: datetime,
    *,
    adapter: Any = None,
    platform_limit: int | None = None,
) -> RemovalOutcome:
    """Remove the candidates of a stored report, after an admin's confirmation.

    Each candidate is checked again first (:func:`still_candidate`): who came back, went
    on leave or left since the report is kept. For each removal, in this order: the member
    is marked removed (one conditional UpdateItem: the decision), the platform removes
    them where its adapter can (``remove_member``, when the adapter is a MemberRemoval:
    only some platforms are), and the removal is recorded (one PutItem) with what the
    platform did. The window left open: a crash between the mark and the record leaves a
    removed member without a record; we chose it over recording first, which could record
    a removal that then did not happen.

    Reads: the report (one GetItem, one Query) and the candidates with their homework
    counters and warnings (one BatchGetItem per 33, and one per 100 of those struck at their
    last close),
    never the whole roster.
    """
    month, report = _report_to_confirm(store, community, report_id)
    outcome = RemovalOutcome(month)
    candidates = report.candidates()
    if not candidates:
        return outcome
    current, on_member_item = _candidates_now(
        store.table, community.id, [row.user_id for row in candidates]
    )
    as_of = community.calendar.local_date(now)
    rules = rules_of(community)
    on_platform = _PlatformRemovals.for_confirmation(community, adapter, platform_limit)
    for row in candidates:
        member = current.get(row.user_id)
        named = Named(
            row.user_id, member.display() if member else row.name, row.candidate_rule or ""
        )
        why = _keep_or_mark_removed(
            store.table,
            community,
            row,
            member,
            rules,
            (as_of, report.summary.as_of),
            row.user_id in on_member_item,
        )
        if why is not None:
            outcome.kept.append((named, why))
            continue
        platform = on_platform.remove_candidate_on_platform(row.user_id)
        _record_removed(store.table, community, named, month, by, now, platform)
        outcome.removed.append(named)
        if platform != "removed":
            outcome.by_hand.append(named)
    reports.confirm_report(store.table, community.id, month, by, now)
    _log_removals(community, month, outcome)
    return outcome


def _report_to_confirm(
    store: Store, community: Community, report_id: str
) -> tuple[str, MonthlyReport]:
    """The stored report whose removals are confirmed, and its month; refused when removal
    is off (:class:`RemovalOff`), no such report is stored (NotFound) or it was made while
    removal was off (:class:`ListedOnly`)."""
    if not community.removal_enabled:
        raise RemovalOff(
            f"removal is off for community {community.id}: turn it on with "
            f"rollcall report rules --community {community.id} --removal on"
        )
    month = parse_month(report_id)
    report = reports.load_report(store.table, community.id, month)
    if report is None:
        raise NotFound(f"no report {month} for community {community.id}")
    if not report.summary.removal_enabled:
        raise ListedOnly(
            f"report {month} was made while removal was off: its candidates were listed "
            "only, never told they could be removed; confirm a report made since"
        )
    return month, report


def _keep_or_mark_removed(
    table: Table,
    community: Community,
    row: ReportRow,
    member: Member | None,
    rules: Sequence[Rule],
    dates: tuple[date, date],
    on_member_item: bool,
) -> Keep | None:
    """Why a candidate is kept (judged again now, ``dates``: today's and the report's), or
    None once they are marked removed (one conditional UpdateItem: the decision; refused
    when they changed since the read, and then kept as back)."""
    rule = row.candidate_rule or ""
    judged = observed(member, community) if member is not None else None
    why = still_candidate(judged, rule, rules, *dates)
    if why is None and not reports.mark_removed(
        table,
        community.id,
        row.user_id,
        rule,
        last_active=member.last_active if member else None,
        on_member_item=on_member_item,
        leave_until=member.leave_until if member else None,
    ):
        why = Keep.BACK  # changed between the read and the write
    return why


def _record_removed(
    table: Table,
    community: Community,
    named: Named,
    month: str,
    by: str,
    now: datetime,
    platform: str,
) -> None:
    """Record the removal with what the platform did (one PutItem)."""
    reports.record_removal(
        table,
        community.id,
        user_id=named.user_id,
        name=named.name,
        rule=named.rule or "",
        report=month,
        confirmed_by=by,
        at=now,
        platform=platform,
        retention=retention_of(community),
    )


@dataclass
class _PlatformRemovals:
    """The platform's removals of one confirmation: through the adapter when it can remove
    members, at most ``limit`` of them (a webhook's time), the rest by hand."""

    remover: Callable[[ChatAddress, str], bool] | None
    chat: ChatAddress
    limit: int | None
    calls: int = 0

    @classmethod
    def for_confirmation(
        cls, community: Community, adapter: Any, limit: int | None
    ) -> _PlatformRemovals:
        remover = adapter.remove_member if isinstance(adapter, MemberRemoval) else None
        chat = ChatAddress(
            community.platform, community.chat_id, community.robot_webhook, community.robot_secret
        )
        return cls(remover, chat, limit)

    def remove_candidate_on_platform(self, user_id: str) -> str:
        """``removed``, ``failed`` (remove by hand) or ``by_hand`` (not tried)."""
        if self.remover is None or (self.limit is not None and self.calls >= self.limit):
            return "by_hand"
        self.calls += 1
        return "removed" if _remove_on_platform(self.remover, self.chat, user_id) else "failed"


def _log_removals(community: Community, month: str, outcome: RemovalOutcome) -> None:
    log.info(
        "removals confirmed",
        extra={
            "community": community.id,
            "report": month,
            "removed": len(outcome.removed),
            "by_hand": len(outcome.by_hand),
            "kept": len(outcome.kept),
        },
    )


COUNTERS_PREFIXES = (keys.HOMEWORK_COUNTERS_PREFIX, keys.HOMEWORK_COUNTERS_BUCKET_PREFIX)


def _candidates_now(
    table: Table, community_id: str, user_ids: Sequence[str]
) -> tuple[dict[str, Member], set[str]]:
    """The candidates as they are now, with their homework counters and warning (the rules
    need both), and who among them still has the warning on the member item (from before
    warnings had items of their own). Member, counters and warning (each: their bucket,
    shared by others and read once, and the older per-member item) in one BatchGetItem per
    20 candidates at most, then the strikes their counters point at (cleared since by late
    work?), bucket and older record, in one per 50; both strongly consistent."""
    pk = keys.community_pk(community_id)
    wanted = [(pk, keys.member_sk(u)) for u in user_ids]
    wanted += [key for u in user_ids for key in counters_keys(pk, u)]  # bucket, older item
    wanted += [key for u in user_ids for key in reports.warning_keys(pk, u)]  # both shapes
    members: dict[str, Member] = {}
    counted: list[Item] = []
    found: list[Item] = []
    # Strongly consistent (the removal acts on it; a few candidates, so a few units): a
    # /standing clear or a late submission's cleared strike a moment ago is seen.
    for item in table.batch_get(wanted, consistent=True):  # a shared bucket is read once
        if item["sk"].startswith(COUNTERS_PREFIXES):
            counted.append(item)
        elif reports.is_warning_item(item):
            found.append(item)
        else:
            members[item["user_id"]] = from_fields(Member, item)
    warnings = reports.warnings_in_items(found)
    every = counters_in_items(counted)
    recorded: dict[str, Counters] = {u: every[u] for u in user_ids if u in every}
    struck = {u: c.through for u, c in recorded.items() if c.struck and c.through}
    held = table.batch_get(
        (k for u, c in struck.items() for k in strike_keys(pk, c, u)), consistent=True
    )
    standing = {u for u, c in struck.items() if holds_strike(held, u, c)}
    now = {
        u: reports.warning_from_item(
            with_counters(
                m, standing_counters(m, recorded.get(u), u not in struck or u in standing)
            ),
            warnings.get(u),
        )
        for u, m in members.items()
    }
    return now, set(members) - set(warnings)


def _remove_on_platform(
    remover: Callable[[ChatAddress, str], bool], chat: ChatAddress, user_id: str
) -> bool:
    """The platform's answer; any failure there means "remove by hand", never a lost
    confirmation (the member is already marked removed)."""
    try:
        return bool(remover(chat, user_id))
    except Exception as error:  # adapters raise errors of their own kinds
        log.warning(
            "platform removal failed", extra={"platform": chat.platform, "error": str(error)[:200]}
        )
        return False


def describe_outcome(
    community: Community, outcome: RemovalOutcome, *, kept_names: bool = True
) -> str:
    """The confirmation reply, in the community's language. ``kept_names=False`` counts the
    candidates kept without naming them (asked in the group, where the report's names do
    not go: nobody is named as a removal candidate in front of everyone)."""
    locale = community.locale
    separator = t(locale, "list_separator")

    def names(found: Sequence[Named]) -> str:
        return separator.join(n.name for n in found)

    if not outcome.removed and not outcome.kept:
        return t(locale, "removal_nothing", report=outcome.report)
    lines = []
    if outcome.removed:
        lines.append(
            t(
                locale,
                "removal_done",
                report=outcome.report,
                count=len(outcome.removed),
                names=names(outcome.removed),
            )
        )
    else:
        lines.append(t(locale, "removal_nothing", report=outcome.report))
    if outcome.by_hand:
        lines.append(t(locale, "removal_by_hand", names=names(outcome.by_hand)))
    if outcome.kept and not kept_names:
        lines.append(t(locale, "removal_kept_unnamed", count=len(outcome.kept)))
    elif outcome.kept:
        kept = [n for n, _ in outcome.kept]
        lines.append(t(locale, "removal_kept", count=len(kept), names=names(kept)))
    return "\n".join(lines)
