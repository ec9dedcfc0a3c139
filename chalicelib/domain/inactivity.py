"""Inactive members: activity tiers, the community's rules, warnings and the monthly report.

Pure rules: no storage, no clock. The monthly report job (jobs/report_inactive_members.py),
the ``/standing`` and ``/report`` commands (chat/standing.py) and the CLI all decide through
here, so a member sees the same standing the admins see.

**Days since last activity** count local dates (the community's timezone and day boundary)
from the later of: the member's last activity (any message, written at most once a local
day), their last check-in and the end of their last leave (leave days are not silence).
Members with none of these nor a join date have no known activity: they count as inactive
but no rule warns them on a guess.

**Observed time.** Rollcall judges a member only on time it watched them. A member's
observation starts at :func:`observed_since`: the later of the community's creation and
the member's own ``observed_since`` (first message or join event, import, or return after
leaving). Silence is counted from that date at the earliest (an imported ``joined_at`` of
last year is not a year of silence); homework misses count for a rule only up to the number
of whole cycles observed (``missed_cycles`` needing 2 cycles needs 2 observed cycles); the
monthly rates count only observed member-days, and only days the community existed. A
member stored before ``observed_since`` existed falls back to the community's creation; a
community with no creation time (very old data) limits nothing.

**Tiers** (thresholds per community, :class:`Thresholds`): *on leave* on the report's
date (shown apart), else *new* while within the community's grace period after joining,
else *active* (at most ``tier_active_days``, 7 by default), *quiet* (up to
``tier_quiet_days``, 30) or *inactive* (beyond). Members who left or were removed are in no
tier.

**Rules** are data (``Community.rules``, a tuple of dicts), validated by :func:`parse_rules`:

* ``{"id": "hw-missed", "kind": "missed_cycles", "warn": 2, "remove": 3}``: homework
  cycles missed in a row (``Member.missed_in_a_row``, kept by the homework close: paused
  cycles, leave and grace neither count nor break a run);
* ``{"id": "silent", "kind": "inactive_days", "warn": 30, "remove": 45}``: days since
  last activity, as above.

``remove`` may be left out (a rule that only warns). A community with no rules gets
:data:`DEFAULT_RULES`, the two above: they match the issue's examples, and the homework one
is harmless in a community without homework (nobody misses a cycle that never closes).
Removal itself stays off unless the community turns it on.

**Evaluation** (:func:`evaluate`), at each report:

* owners and admins are never warned nor candidates (a stale warning of theirs is cleared);
* members on leave or still new get no new warning and are never candidates; a warning
  they already have stays until they come back;
* a member holds at most one warning (``warned_rule``, ``warned_at``): the first rule, in
  the community's order, whose warning threshold they reach;
* the warning clears as soon as its rule's measure falls below the warning threshold (a
  submission resets the missed run, any message resets the silence) or the rule is gone;
* a member is a removal candidate only under the rule they were warned about, at a report
  *after* the one that warned them (``warned_at`` before the report's date), and only
  while still at or past that rule's ``remove`` threshold. A member warned under one rule
  who reaches another rule's removal threshold stays warned and is not a candidate: no
  one is removed under a rule they were never told about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, InvalidValue, Member, first_observed

# -- tiers ----------------------------------------------------------------------------------


class Tier(StrEnum):
    ACTIVE = "active"
    QUIET = "quiet"
    INACTIVE = "inactive"
    NEW = "new"
    ON_LEAVE = "on_leave"


# The order tiers are counted and shown in.
TIERS: tuple[Tier, ...] = (Tier.ACTIVE, Tier.QUIET, Tier.INACTIVE, Tier.NEW, Tier.ON_LEAVE)
# A threshold longer than a year is a typo, not a policy.
MAX_DAYS = 365
MAX_CYCLES = 100
# Ten rules are more than any community needs; the report names each member's rule.
MAX_RULES = 10


@dataclass(frozen=True)
class Thresholds:
    """Days since last activity: ``<= active_days`` is active, ``<= quiet_days`` quiet,
    more is inactive; ``new_days`` is the grace period after joining."""

    active_days: int = 7
    quiet_days: int = 30
    new_days: int = 2

    def __post_init__(self) -> None:
        for name in ("active_days", "quiet_days", "new_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidValue(f"{name.replace('_', ' ')} must be a whole number of days")
            if value < 0:
                raise InvalidValue(f"{name.replace('_', ' ')} must not be negative (got {value})")
            if value > MAX_DAYS:
                raise InvalidValue(f"{name.replace('_', ' ')} must be at most {MAX_DAYS} days")
        if self.quiet_days < self.active_days:
            raise InvalidValue(
                f"quiet days ({self.quiet_days}) must not be below active days "
                f"({self.active_days}): quiet begins where active ends"
            )

    @classmethod
    def of(cls, community: Community) -> Thresholds:
        return cls(community.tier_active_days, community.tier_quiet_days, community.grace_days)


def on_leave_on(member: Member, day: date) -> bool:
    """On leave on local date ``day``: the leave had begun (when its start is known) and
    had not ended."""
    if member.leave_until is None or day > member.leave_until:
        return False
    return member.leave_from is None or member.leave_from <= day


# -- observed time --------------------------------------------------------------------------


def observed_since(member: Member, community: Community) -> date | None:
    """The first local date rollcall watched this membership (see the module docstring)."""
    return first_observed(member, community)


def observed(member: Member, community: Community) -> Member:
    """``member`` with ``observed_since`` resolved against the community, as every rule here
    expects it: callers pass members through this before judging them."""
    since = observed_since(member, community)
    return member if since == member.observed_since else replace(member, observed_since=since)


def observed_days(member: Member, as_of: date) -> int | None:
    """Local dates watched up to ``as_of``, both included; None when not known."""
    if member.observed_since is None:
        return None
    return max(0, (as_of - member.observed_since).days + 1)


def last_seen(member: Member, as_of: date) -> date | None:
    """The member's last known activity, as the report shows it (see the module docstring)."""
    seen = [d for d in (member.last_active, member.last_checkin) if d is not None]
    if member.leave_until is not None and member.leave_until < as_of:
        seen.append(member.leave_until)
    if not seen and member.joined_at is not None:
        seen.append(member.joined_at)
    return max(seen) if seen else None


def silent_since(member: Member, as_of: date) -> date | None:
    """The local date silence is counted from: the last activity, but never before
    observation began (an imported member's old ``joined_at`` is not silence we watched)."""
    seen = last_seen(member, as_of)
    if member.observed_since is not None and (seen is None or seen < member.observed_since):
        return member.observed_since
    return seen


def days_silent(member: Member, as_of: date) -> int | None:
    """Local dates of observed silence (0: seen today); None when never seen."""
    seen = silent_since(member, as_of)
    return None if seen is None else max(0, (as_of - seen).days)


def tier_of(member: Member, as_of: date, thresholds: Thresholds) -> Tier:
    """The member's tier on local date ``as_of``."""
    if on_leave_on(member, as_of):
        return Tier.ON_LEAVE
    if member.joined_at is not None and 0 <= (as_of - member.joined_at).days < (
        thresholds.new_days
    ):
        return Tier.NEW
    days = days_silent(member, as_of)
    if days is None or days > thresholds.quiet_days:
        return Tier.INACTIVE
    return Tier.ACTIVE if days <= thresholds.active_days else Tier.QUIET


# -- rules ----------------------------------------------------------------------------------


class RuleKind(StrEnum):
    MISSED_CYCLES = "missed_cycles"
    INACTIVE_DAYS = "inactive_days"


_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_RULE_FIELDS = {"id", "kind", "warn", "remove", "name"}
MAX_RULE_NAME = 40


@dataclass(frozen=True)
class Rule:
    """Reaching ``warn`` earns a warning; reaching ``remove`` (after a warning) makes a
    removal candidate. ``remove`` None: the rule only warns."""

    id: str
    kind: RuleKind
    warn: int
    remove: int | None = None
    # The community's homework cycle, for counting observed cycles (rules_of sets it).
    cycle_days: int = field(default=7, compare=False)
    # What members read (规则「连续缺交」); None: the kind's own name (rule_label). The id
    # stays the key reports and warnings are stored under.
    name: str | None = field(default=None, compare=False)

    def label(self, locale: str) -> str:
        """The rule as members read it: its name, else its kind's name in ``locale``."""
        return self.name or t(locale, f"rule_kind_{self.kind.value}")

    def measure(self, member: Member, as_of: date) -> int | None:
        """Where the member stands on this rule; None when it cannot be known.

        Only observed time counts: silence from observation's start at the earliest, and
        missed cycles at most the whole cycles observed."""
        if self.kind is RuleKind.MISSED_CYCLES:
            watched = observed_days(member, as_of)
            if watched is None:
                return member.missed_in_a_row
            return min(member.missed_in_a_row, watched // max(1, self.cycle_days))
        return days_silent(member, as_of)

    def warns(self, member: Member, as_of: date) -> bool:
        value = self.measure(member, as_of)
        return value is not None and value >= self.warn

    def removes(self, member: Member, as_of: date) -> bool:
        value = self.measure(member, as_of)
        return self.remove is not None and value is not None and value >= self.remove

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind.value, "warn": self.warn}
        if self.remove is not None:
            data["remove"] = self.remove
        if self.name is not None:
            data["name"] = self.name
        return data


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("hw-missed", RuleKind.MISSED_CYCLES, warn=2, remove=3),
    Rule("silent", RuleKind.INACTIVE_DAYS, warn=30, remove=45),
)


def _threshold(rule_id: str, name: str, value: Any, unit: str, limit: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValue(f"rule {rule_id!r}: {name} must be a whole number of {unit}")
    if value < 0:
        raise InvalidValue(f"rule {rule_id!r}: {name} must not be negative (got {value})")
    if value == 0:
        raise InvalidValue(
            f"rule {rule_id!r}: {name} must be at least 1 (0 {unit} would catch everyone)"
        )
    if value > limit:
        raise InvalidValue(f"rule {rule_id!r}: {name} must be at most {limit} {unit}")
    return value


def parse_rule(data: Any, position: int = 1) -> Rule:
    """One rule from its dict form; raises InvalidValue naming the rule and the reason."""
    if not isinstance(data, Mapping):
        raise InvalidValue(f"rule {position} must be an object with id, kind, warn, remove")
    raw_id = data.get("id")
    if not isinstance(raw_id, str) or not _RULE_ID.match(raw_id):
        raise InvalidValue(
            f"rule {position}: id must be 1-32 lower-case letters, digits, '-' or '_' "
            f"(got {raw_id!r})"
        )
    unknown = sorted(set(data) - _RULE_FIELDS)
    if unknown:
        raise InvalidValue(f"rule {raw_id!r}: unknown field(s) {', '.join(unknown)}")
    try:
        kind = RuleKind(str(data.get("kind")))
    except ValueError:
        kinds = ", ".join(k.value for k in RuleKind)
        raise InvalidValue(
            f"rule {raw_id!r}: unknown kind {data.get('kind')!r} (kinds are {kinds})"
        ) from None
    unit, limit = ("cycles", MAX_CYCLES) if kind is RuleKind.MISSED_CYCLES else ("days", MAX_DAYS)
    if "warn" not in data:
        raise InvalidValue(f"rule {raw_id!r}: warn is required (the warning threshold)")
    warn = _threshold(raw_id, "warn", data["warn"], unit, limit)
    remove = data.get("remove")
    if remove is not None:
        remove = _threshold(raw_id, "remove", remove, unit, limit)
        if remove < warn:
            raise InvalidValue(
                f"rule {raw_id!r}: remove ({remove}) is below warn ({warn}): a member must "
                "be warned before becoming a removal candidate"
            )
    name = data.get("name")
    if name is not None:
        if not isinstance(name, str) or not name.strip() or not name.isprintable():
            raise InvalidValue(f"rule {raw_id!r}: name must be printable text (got {name!r})")
        if len(name.strip()) > MAX_RULE_NAME:
            raise InvalidValue(f"rule {raw_id!r}: name must be at most {MAX_RULE_NAME} characters")
        name = name.strip()
    return Rule(raw_id, kind, warn, remove, name=name)


def rule_label(rules: Sequence[Rule], rule_id: str, locale: str) -> str:
    """A stored rule id as members read it; the id itself for a rule since deleted."""
    rule = next((r for r in rules if r.id == rule_id), None)
    return rule.label(locale) if rule is not None else rule_id


def parse_rules(data: Any) -> tuple[Rule, ...]:
    """A community's rules from their stored form (a sequence of dicts), all or nothing.

    Raises InvalidValue with the first reason: not a list, a bad rule, a repeated id, too
    many rules.
    """
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        raise InvalidValue("rules must be a list of objects")
    if len(data) > MAX_RULES:
        raise InvalidValue(f"at most {MAX_RULES} rules (got {len(data)})")
    rules = tuple(parse_rule(item, n) for n, item in enumerate(data, start=1))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise InvalidValue(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
    return rules


def rules_of(community: Community) -> tuple[Rule, ...]:
    """The community's rules, or :data:`DEFAULT_RULES` when it set none (each knowing the
    community's cycle length, to count observed cycles)."""
    rules = parse_rules(community.rules) if community.rules else DEFAULT_RULES
    return tuple(replace(rule, cycle_days=community.cycle_length_days) for rule in rules)


# -- evaluation -----------------------------------------------------------------------------


class Exempt(StrEnum):
    ADMIN = "admin"
    EXEMPTED = "exempted"  # by an admin's /exempt
    ON_LEAVE = "on_leave"
    NEW = "new"


@dataclass(frozen=True)
class Verdict:
    """One member at one report: their tier and their warning state after this report.

    ``warned_rule``/``warned_at`` are what the member item should hold afterwards;
    ``newly_warned`` and ``cleared`` say whether that changed; ``candidate`` is the rule
    that makes them a removal candidate (always their warned rule).
    """

    member: Member
    tier: Tier
    days_silent: int | None
    warned_rule: str | None
    warned_at: date | None
    newly_warned: bool = False
    cleared: bool = False
    candidate: str | None = None
    exempt: Exempt | None = None

    @property
    def changed(self) -> bool:
        return self.newly_warned or self.cleared


def evaluate(member: Member, rules: Sequence[Rule], thresholds: Thresholds, as_of: date) -> Verdict:
    """The member's tier and warning state on local date ``as_of`` (rules in the
    community's order; see the module docstring)."""
    tier = tier_of(member, as_of, thresholds)
    silent = days_silent(member, as_of)
    by_id = {rule.id: rule for rule in rules}
    held = by_id.get(member.warned_rule) if member.warned_rule else None
    had_warning = member.warned_rule is not None
    exempt: Exempt | None = None
    if member.is_admin:
        exempt = Exempt.ADMIN
    elif member.exempt:
        exempt = Exempt.EXEMPTED
    elif tier is Tier.ON_LEAVE:
        exempt = Exempt.ON_LEAVE
    elif tier is Tier.NEW:
        exempt = Exempt.NEW

    if exempt in (Exempt.ADMIN, Exempt.EXEMPTED) or (
        held is not None and not held.warns(member, as_of)
    ):
        held = None
    if held is not None:
        warned_before = member.warned_at is None or member.warned_at < as_of
        may_remove = exempt is None and warned_before and held.removes(member, as_of)
        return Verdict(
            member,
            tier,
            silent,
            warned_rule=held.id,
            warned_at=member.warned_at,
            candidate=held.id if may_remove else None,
            exempt=exempt,
        )
    # No warning holds (any former one is cleared); a member who is not exempt may earn a
    # new one under the first rule they reach, even right after another one cleared.
    new_rule = None if exempt else next((r for r in rules if r.warns(member, as_of)), None)
    return Verdict(
        member,
        tier,
        silent,
        warned_rule=new_rule.id if new_rule else None,
        warned_at=as_of if new_rule else None,
        newly_warned=new_rule is not None,
        cleared=had_warning,
        exempt=exempt,
    )


@dataclass(frozen=True)
class Distance:
    """How far a member is from a rule's warning: ``current`` of ``warn`` (None: unknown)."""

    rule: Rule
    current: int | None

    @property
    def left(self) -> int | None:
        return None if self.current is None else max(0, self.rule.warn - self.current)


def distances(member: Member, rules: Sequence[Rule], as_of: date) -> list[Distance]:
    """For ``/standing``: where the member stands on each rule."""
    return [Distance(rule, rule.measure(member, as_of)) for rule in rules]


# -- the monthly report ---------------------------------------------------------------------

# How many names each list of the report message shows; the CSV has everyone.
LIST_CAP = 30
LISTS = ("newly_quiet", "newly_inactive", "came_back", "warned", "candidates")


@dataclass(frozen=True)
class Named:
    user_id: str
    name: str
    rule: str | None = None


@dataclass(frozen=True)
class NameList:
    total: int
    names: tuple[Named, ...]

    @classmethod
    def of(cls, named: Sequence[Named], cap: int = LIST_CAP) -> NameList:
        return cls(len(named), tuple(named[:cap]))


@dataclass(frozen=True)
class ReportRow:
    """One present member in the report; the CSV's columns, plus how they got there."""

    user_id: str
    name: str
    role: str
    squad: str | None
    tier: Tier
    last_active: date | None
    checkins: int
    missed_in_a_row: int
    warned_rule: str | None
    candidate_rule: str | None
    previous_tier: Tier | None = None
    newly_warned: bool = False
    cleared: bool = False


@dataclass(frozen=True)
class Rate:
    done: int
    expected: int

    @property
    def percent(self) -> int | None:
        return None if self.expected <= 0 else round(100 * self.done / self.expected)


@dataclass(frozen=True)
class ReportSummary:
    """What the report message says: enough to render it again without the rows."""

    community_id: str
    month: str
    as_of: date
    generated_at: datetime
    counts: Mapping[str, int]
    previous_counts: Mapping[str, int] | None
    checkins: Rate
    homework: Rate
    homework_cycles: int
    lists: Mapping[str, NameList]
    removal_enabled: bool
    parts: int = 0
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def change(self, tier: str) -> int | None:
        if self.previous_counts is None:
            return None
        return self.counts.get(tier, 0) - self.previous_counts.get(tier, 0)


@dataclass(frozen=True)
class MonthlyReport:
    summary: ReportSummary
    rows: tuple[ReportRow, ...]
    verdicts: tuple[Verdict, ...] = field(default=(), compare=False)
    # The month's homework submissions as the build read them (for the month's stars in
    # the report); not stored, empty for a stored report.
    submissions: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)

    @property
    def warning_changes(self) -> list[Verdict]:
        """The members whose stored warning state this report changes."""
        return [v for v in self.verdicts if v.changed]

    def candidates(self) -> list[ReportRow]:
        return [row for row in self.rows if row.candidate_rule]


def member_days(member: Member, first: date, last: date) -> int:
    """Local dates in ``first..last`` the member was expected to check in: after joining
    and once observed, outside their (last known) leave. An approximation: only the
    current or latest leave is known, earlier leaves of the month count as expected days."""
    start = max(d for d in (first, member.joined_at, member.observed_since) if d is not None)
    if start > last:
        return 0
    days = (last - start).days + 1
    if member.leave_until is not None:
        leave_start = max(start, member.leave_from or start)
        leave_end = min(last, member.leave_until)
        if leave_end >= leave_start:
            days -= (leave_end - leave_start).days + 1
    return max(0, days)


def _tier_or_none(value: str | None) -> Tier | None:
    try:
        return Tier(value) if value else None
    except ValueError:
        return None


def display_order(members: Iterable[Member]) -> list[Member]:
    return sorted(members, key=lambda m: (m.display().casefold(), m.user_id))


def compile_report(
    community: Community,
    month: str,
    members: Iterable[Member],
    *,
    as_of: date,
    generated_at: datetime,
    checkin_counts: Mapping[str, int],
    checkin_window: tuple[date, date] | None,
    homework: Rate,
    homework_cycles: int,
    previous: ReportSummary | None,
    previous_tiers: Mapping[str, str],
) -> MonthlyReport:
    """The report from what the job read: the roster, the month's check-ins per member,
    the homework counts and last month's report (its summary and each member's tier).

    ``checkin_window`` is the month's local dates up to ``as_of`` (None: none yet).
    """
    rules = rules_of(community)
    thresholds = Thresholds.of(community)
    counts = {tier.value: 0 for tier in TIERS}
    rows: list[ReportRow] = []
    verdicts: list[Verdict] = []
    lists: dict[str, list[Named]] = {name: [] for name in LISTS}
    done = expected = 0
    for member in display_order(observed(m, community) for m in members if m.is_present):
        verdict = evaluate(member, rules, thresholds, as_of)
        verdicts.append(verdict)
        counts[verdict.tier.value] += 1
        before = _tier_or_none(previous_tiers.get(member.user_id))
        _list_member(lists, member, verdict, before, compared=previous is not None)
        checkins = checkin_counts.get(member.user_id, 0)
        if checkin_window is not None:
            days = member_days(member, *checkin_window)
            expected += days
            done += min(checkins, days)
        rows.append(_report_row(member, verdict, before, checkins, as_of))
    summary = ReportSummary(
        community_id=community.id,
        month=month,
        as_of=as_of,
        generated_at=generated_at,
        counts=counts,
        previous_counts=dict(previous.counts) if previous is not None else None,
        checkins=Rate(done, expected),
        homework=homework,
        homework_cycles=homework_cycles,
        lists={name: NameList.of(named) for name, named in lists.items()},
        removal_enabled=community.removal_enabled,
    )
    return MonthlyReport(summary, tuple(rows), tuple(verdicts))


def _list_member(
    lists: dict[str, list[Named]],
    member: Member,
    verdict: Verdict,
    before: Tier | None,
    *,
    compared: bool,
) -> None:
    """Add the member to the report's lists their verdict puts them on; the tier changes
    only when there is a previous report to compare with (``compared``)."""
    tier = verdict.tier
    named = Named(member.user_id, member.display())
    if compared:
        if tier is Tier.QUIET and before not in (Tier.QUIET, Tier.INACTIVE):
            lists["newly_quiet"].append(named)
        if tier is Tier.INACTIVE and before is not Tier.INACTIVE:
            lists["newly_inactive"].append(named)
        if tier is Tier.ACTIVE and before in (Tier.QUIET, Tier.INACTIVE):
            lists["came_back"].append(named)
    if verdict.newly_warned:
        lists["warned"].append(Named(member.user_id, member.display(), verdict.warned_rule))
    if verdict.candidate:
        lists["candidates"].append(Named(member.user_id, member.display(), verdict.candidate))


def _report_row(
    member: Member, verdict: Verdict, before: Tier | None, checkins: int, as_of: date
) -> ReportRow:
    """The member's row of the report (and of its CSV)."""
    return ReportRow(
        user_id=member.user_id,
        name=member.display(),
        role=member.role.value,
        squad=member.squad,
        tier=verdict.tier,
        last_active=last_seen(member, as_of),
        checkins=checkins,
        missed_in_a_row=member.missed_in_a_row,
        warned_rule=verdict.warned_rule,
        candidate_rule=verdict.candidate,
        previous_tier=before,
        newly_warned=verdict.newly_warned,
        cleared=verdict.cleared,
    )


# -- confirming removals --------------------------------------------------------------------


class Keep(StrEnum):
    """Why a candidate listed in a report is not removed when an admin confirms."""

    GONE = "gone"  # left or already removed
    ADMIN = "admin"
    ON_LEAVE = "on_leave"
    BACK = "back"  # no longer at the rule's removal threshold, or warning cleared
    RULE_GONE = "rule_gone"


def still_candidate(
    member: Member | None,
    rule_id: str,
    rules: Sequence[Rule],
    as_of: date,
    reported_on: date | None = None,
) -> Keep | None:
    """None when ``member`` may be removed under ``rule_id`` now; else why not.

    Checked again at confirmation because days or weeks may pass between the report and
    the admin's confirmation: a member who came back meanwhile is kept. ``reported_on``:
    the listing report's date; a warning given on or after it (once the one it listed them
    under was cleared) is not the one that made them a candidate, and keeps them.
    """
    if member is None or not member.is_present:
        return Keep.GONE
    if member.is_admin or member.exempt:
        return Keep.ADMIN
    if on_leave_on(member, as_of):
        return Keep.ON_LEAVE
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None:
        return Keep.RULE_GONE
    if member.warned_rule != rule_id or not rule.removes(member, as_of):
        return Keep.BACK
    if reported_on is not None and member.warned_at is not None and member.warned_at >= reported_on:
        return Keep.BACK  # warned anew since the report: removal waits for a later one
    return None
