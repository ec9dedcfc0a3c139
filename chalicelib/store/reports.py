"""Monthly reports, warning state and removals in the community's partition.

    C#<cid> / RPT#<month>           the report's header: what its message says (counts, rates,
                                    the first names of each list), removal confirmation
    C#<cid> / RPR#<month>#<part>    its rows: every present member's line (the CSV), packed
                                    ~300 KB to an item, so 10,000 members are ~4 items
    C#<cid> / RM#<at>#<member>      a removal: who, when, under which rule and report, who
                                    confirmed, what the platform did

The report id is its month (``2026-10``): one report per community and month, which is
also the monthly-report job's period. Rows are written before the header, so a header
always points at rows that exist (``parts`` says how many are its own: a replay that writes
fewer parts leaves stale ones behind, which readers ignore).

Costs: reading the latest header is one Query (Limit 1); a whole report is one GetItem plus
one Query (1 MB pages: ~3 row items each). Saving is one BatchWriteItem per 25 row items
plus one PutItem. Warning changes are ``WRN#<member>`` items, one BatchWriteItem per 25
members whose warning state *changes* (newly warned or cleared); a removal is one
UpdateItem and one PutItem.

    C#<cid> / WRN#<member>          the member's warning: rule, local date, report month
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.inactivity import (
    MonthlyReport,
    Named,
    NameList,
    Rate,
    ReportRow,
    ReportSummary,
    Tier,
    Verdict,
)
from chalicelib.domain.models import Member
from chalicelib.store import keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table

# Under DynamoDB's 400 KB item limit with room for attribute names and per-element type
# overhead (a few bytes per list element, which the JSON estimate below does not count).
ROWS_PART_BYTES = 300_000


def _pk(community_id: str) -> str:
    return keys.community_pk(community_id)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- rows -----------------------------------------------------------------------------------
# A row is a list, not a map: attribute names would double the size of 10,000 rows.

_FLAG_NEWLY_WARNED = 1
_FLAG_CLEARED = 2


def _row_out(row: ReportRow) -> list[Any]:
    flags = (_FLAG_NEWLY_WARNED if row.newly_warned else 0) | (_FLAG_CLEARED if row.cleared else 0)
    return [
        row.user_id,
        row.name,
        row.role,
        row.squad or "",
        row.tier.value,
        _iso(row.last_active) or "",
        row.checkins,
        row.missed_in_a_row,
        row.warned_rule or "",
        row.candidate_rule or "",
        row.previous_tier.value if row.previous_tier else "",
        flags,
    ]


def _row_in(values: Sequence[Any]) -> ReportRow:
    user_id, name, role, squad, tier, last, checkins, missed, warned, candidate, prev, flags = (
        values
    )
    return ReportRow(
        user_id=str(user_id),
        name=str(name),
        role=str(role),
        squad=squad or None,
        tier=Tier(tier),
        last_active=date.fromisoformat(last) if last else None,
        checkins=int(checkins),
        missed_in_a_row=int(missed),
        warned_rule=warned or None,
        candidate_rule=candidate or None,
        previous_tier=Tier(prev) if prev else None,
        newly_warned=bool(int(flags) & _FLAG_NEWLY_WARNED),
        cleared=bool(int(flags) & _FLAG_CLEARED),
    )


def _pack(rows: Iterable[ReportRow], limit: int = ROWS_PART_BYTES) -> Iterator[list[list[Any]]]:
    part: list[list[Any]] = []
    size = 0
    for row in rows:
        values = _row_out(row)
        row_size = len(json.dumps(values, ensure_ascii=False).encode()) + 4 * len(values)
        if part and size + row_size > limit:
            yield part
            part, size = [], 0
        part.append(values)
        size += row_size
    if part:
        yield part


# -- headers --------------------------------------------------------------------------------


def _named_out(named: Named) -> list[str]:
    return [named.user_id, named.name, named.rule or ""]


def _lists_out(lists: dict[str, NameList] | Any) -> dict[str, Any]:
    return {
        name: {"total": value.total, "names": [_named_out(n) for n in value.names]}
        for name, value in lists.items()
    }


def _lists_in(data: dict[str, Any]) -> dict[str, NameList]:
    return {
        name: NameList(
            int(value.get("total", 0)),
            tuple(Named(n[0], n[1], n[2] or None) for n in value.get("names", [])),
        )
        for name, value in data.items()
    }


def _header_item(summary: ReportSummary, parts: int, retention: timedelta = RETENTION) -> Item:
    return {
        "pk": _pk(summary.community_id),
        "sk": keys.report_sk(summary.month),
        "kind": "report",
        "community_id": summary.community_id,
        "month": summary.month,
        "as_of": summary.as_of.isoformat(),
        "generated_at": summary.generated_at.isoformat(),
        "counts": dict(summary.counts),
        "previous_counts": dict(summary.previous_counts)
        if summary.previous_counts is not None
        else None,
        "checkins_done": summary.checkins.done,
        "checkins_expected": summary.checkins.expected,
        "homework_done": summary.homework.done,
        "homework_expected": summary.homework.expected,
        "homework_cycles": summary.homework_cycles,
        "lists": _lists_out(summary.lists),
        "removal_enabled": summary.removal_enabled,
        "parts": parts,
        keys.TTL_ATTRIBUTE: expires_at(summary.generated_at, retention),
    }


def summary_from_item(item: Item) -> ReportSummary:
    confirmed_at = item.get("confirmed_at")
    return ReportSummary(
        community_id=item["community_id"],
        month=item["month"],
        as_of=date.fromisoformat(item["as_of"]),
        generated_at=datetime.fromisoformat(item["generated_at"]),
        counts={k: int(v) for k, v in item.get("counts", {}).items()},
        previous_counts=(
            {k: int(v) for k, v in item["previous_counts"].items()}
            if item.get("previous_counts") is not None
            else None
        ),
        checkins=Rate(int(item.get("checkins_done", 0)), int(item.get("checkins_expected", 0))),
        homework=Rate(int(item.get("homework_done", 0)), int(item.get("homework_expected", 0))),
        homework_cycles=int(item.get("homework_cycles", 0)),
        lists=_lists_in(item.get("lists", {})),
        removal_enabled=bool(item.get("removal_enabled", False)),
        parts=int(item.get("parts", 0)),
        confirmed_by=item.get("confirmed_by"),
        confirmed_at=datetime.fromisoformat(confirmed_at) if confirmed_at else None,
    )


# -- reports --------------------------------------------------------------------------------


def save_report(table: Table, report: MonthlyReport, retention: timedelta = RETENTION) -> int:
    """Store the rows, then the header (the commit point); returns the number of row items.

    One BatchWriteItem per 25 row items (10,000 members: one) plus one PutItem. A replay
    overwrites the same keys; a confirmation already recorded on the header is kept.
    """
    summary = report.summary
    pk = _pk(summary.community_id)
    items = [
        {
            "pk": pk,
            "sk": keys.report_rows_sk(summary.month, index),
            "kind": "report-rows",
            "month": summary.month,
            "part": index,
            "rows": rows,
            keys.TTL_ATTRIBUTE: expires_at(summary.generated_at, retention),
        }
        for index, rows in enumerate(_pack(report.rows))
    ]
    table.batch_put(items)
    header = _header_item(summary, len(items), retention)
    table.update(
        pk,
        header["sk"],
        set={k: v for k, v in header.items() if k not in ("pk", "sk")},
    )
    return len(items)


def report_header(table: Table, community_id: str, month: str) -> ReportSummary | None:
    """One report's header: one GetItem."""
    item = table.get(_pk(community_id), keys.report_sk(month), consistent=True)
    return summary_from_item(item) if item else None


def latest_header(table: Table, community_id: str) -> ReportSummary | None:
    """The newest report's header: one Query of the headers, newest first, Limit 1."""
    for item in table.query(_pk(community_id), prefix=keys.REPORT_PREFIX, reverse=True, limit=1):
        return summary_from_item(item)
    return None


def recent_headers(table: Table, community_id: str, limit: int) -> list[ReportSummary]:
    """The newest ``limit`` reports' headers, oldest first: one Query of the headers
    (newest first, Limit ``limit``); the rows are not read."""
    found = table.query(_pk(community_id), prefix=keys.REPORT_PREFIX, reverse=True, limit=limit)
    return [summary_from_item(item) for item in found][::-1]


def report_rows(table: Table, community_id: str, month: str, parts: int) -> tuple[ReportRow, ...]:
    """The report's rows in their order: one Query (paged, ~3 row items per 1 MB page)."""
    rows: list[ReportRow] = []
    for item in table.query(_pk(community_id), prefix=keys.report_rows_prefix(month)):
        if int(item.get("part", 0)) < parts:  # parts beyond the header's are stale
            rows.extend(_row_in(values) for values in item.get("rows", []))
    return tuple(rows)


def load_report(table: Table, community_id: str, month: str) -> MonthlyReport | None:
    """A whole stored report: one GetItem, then one Query when it exists."""
    summary = report_header(table, community_id, month)
    if summary is None:
        return None
    return MonthlyReport(summary, report_rows(table, community_id, month, summary.parts))


def confirm_report(
    table: Table, community_id: str, month: str, by: str, at: datetime
) -> ReportSummary | None:
    """Note who confirmed the report's removals (one UpdateItem; None: no such report)."""
    item = table.update(
        _pk(community_id),
        keys.report_sk(month),
        set={"confirmed_by": by, "confirmed_at": at.isoformat()},
        cond=Cond.exists("pk"),
    )
    return summary_from_item(item) if item else None


# -- warning state --------------------------------------------------------------------------
# A member's warning lives in an item of its own (WRN#<member>), not the member item, so the
# report writes its changes 25 to a BatchWriteItem and never touches a member item (a put
# of which could undo a check-in). The report writes only warnings whose state changed since
# the warning state it read, and a member's own action (/standing) only ever clears an
# existing warning, conditionally on it being the one it read. The window left: the report's
# blind batch put lands after a /standing clear made between the report's read and its apply
# (one invocation's span); it writes the report's verdict, which that month's data supports.
# Members with no WRN# item keep the warning the member item held before this shape (the
# fallback read); a warning given before a member's current membership began is ignored
# (a return starts a new membership, as Store.see_member resets the member item).


def warning_from_item(member: Member, item: Item | None) -> Member:
    """The member with the warning their ``WRN#`` item holds (``item`` None: the member
    item's own, from before this shape)."""
    if item is None:
        return member
    at = date.fromisoformat(item["at"]) if item.get("at") else None
    if at is not None and member.joined_at is not None and at < member.joined_at:
        return replace(member, warned_rule=None, warned_at=None)
    rule = item.get("rule") or None
    return replace(member, warned_rule=rule, warned_at=at if rule else None)


def warnings_of(table: Table, community_id: str) -> dict[str, Item]:
    """Every member's warning item: one Query (paged; ~80 bytes a member warned ever)."""
    return {
        item["user_id"]: item
        for item in table.query(_pk(community_id), prefix=keys.WARNING_PREFIX, consistent=True)
    }


def _warning_item(community_id: str, verdict: Verdict, month: str | None) -> Item:
    return {
        "pk": _pk(community_id),
        "sk": keys.warning_sk(verdict.member.user_id),
        "kind": "warning",
        "user_id": verdict.member.user_id,
        "rule": verdict.warned_rule,
        "at": _iso(verdict.warned_at) if verdict.warned_rule else None,
        "month": month,
    }


def save_warning(table: Table, community_id: str, verdict: Verdict) -> bool:
    """Store one member's new warning state (``/standing`` clearing a warning): one
    conditional write, only while their warning is still the one the verdict was computed
    from. On the ``WRN#`` item when there is one; else on the member item, where warnings
    were kept before this shape (a second UpdateItem, for those members only)."""
    member = verdict.member
    held = Cond.eq("rule", member.warned_rule) if member.warned_rule else Cond.absent("rule")
    item = _warning_item(community_id, verdict, None)
    if table.update(
        item["pk"],
        item["sk"],
        set={k: v for k, v in item.items() if k not in ("pk", "sk", "month")},
        cond=Cond.exists("pk") & held,
    ):
        return True
    current = (
        Cond.eq("warned_rule", member.warned_rule)
        if member.warned_rule
        else Cond.absent("warned_rule")
    )
    updated = table.update(
        _pk(community_id),
        keys.member_sk(member.user_id),
        set={"warned_rule": verdict.warned_rule, "warned_at": _iso(verdict.warned_at)},
        cond=Cond.exists("pk") & current,
    )
    return updated is not None


def bulk_save_warnings(
    table: Table, community_id: str, verdicts: Iterable[Verdict], month: str | None = None
) -> int:
    """Store the warning changes among ``verdicts`` (newly warned, cleared): their ``WRN#``
    items, 25 to a BatchWriteItem; members whose state is unchanged cost nothing. Safe to
    replay: the same verdicts write the same items."""
    return table.batch_put(_warning_item(community_id, v, month) for v in verdicts if v.changed)


# -- removals -------------------------------------------------------------------------------


def mark_removed(
    table: Table,
    community_id: str,
    user_id: str,
    rule_id: str,
    *,
    last_active: date | None = None,
    on_member_item: bool = True,
) -> bool:
    """Set the member's status to removed (their data stays): one conditional UpdateItem,
    only while they are still present and still as they were judged: warned under
    ``rule_id`` when the warning is on the member item (``on_member_item``: from before
    warnings had items of their own), else silent since ``last_active`` (coming back, which
    is what clears a warning, moves it). False: something changed since they were checked
    (they came back, left, or were removed already)."""
    cond = Cond.eq("status", "active")
    if on_member_item:
        cond &= Cond.eq("warned_rule", rule_id)
    elif last_active is not None:
        cond &= Cond.eq("last_active", last_active.isoformat())
    else:
        cond &= Cond.absent("last_active")
    updated = table.update(
        _pk(community_id), keys.member_sk(user_id), set={"status": "removed"}, cond=cond
    )
    return updated is not None


def record_removal(
    table: Table,
    community_id: str,
    *,
    user_id: str,
    name: str,
    rule: str,
    report: str,
    confirmed_by: str,
    at: datetime,
    platform: str,
    retention: timedelta = RETENTION,
) -> Item:
    """The audit record of one removal: one PutItem. ``platform`` says what the chat
    platform did: ``removed``, ``by_hand`` (no API for it) or ``failed``."""
    item: Item = {
        "pk": _pk(community_id),
        "sk": keys.removal_sk(at.isoformat(), user_id),
        "kind": "removal",
        "user_id": user_id,
        "name": name,
        "rule": rule,
        "report": report,
        "confirmed_by": confirmed_by,
        "at": at.isoformat(),
        "platform": platform,
        keys.TTL_ATTRIBUTE: expires_at(at, retention),
    }
    table.put(item)
    return item


def removals(table: Table, community_id: str) -> list[Item]:
    """Every recorded removal, oldest first: one Query (removals are few)."""
    return list(table.query(_pk(community_id), prefix=keys.REMOVAL_PREFIX))
