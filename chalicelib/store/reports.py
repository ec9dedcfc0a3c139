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
plus one PutItem. Warning changes are entries of bucket items, one UpdateItem per bucket
holding a member whose warning state *changes* (newly warned or cleared); a removal is one
UpdateItem and one PutItem.

    C#<cid> / WRN$<bb>              the warnings of the members of bucket bb (of 64): a map
                                    member -> rule, local date, report month
    C#<cid> / WRN#<member>          the member's warning before the buckets (read, not written)
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
from chalicelib.domain.models import Member, Role
from chalicelib.store import keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table, entry_chunks

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
# A member's warning lives outside the member item, so the report never touches a member
# item (a put of which could undo a check-in). Since issue 19 it is an entry of a map
# member -> {rule, at, month} in one of keys.WARNING_BUCKETS items ``WRN$<bb>`` (bucket: a
# stable hash of the member's id), so the report writes its changes with one UpdateItem per
# bucket touched (SET of the changed entries only) instead of one ~90-byte item each.
# The report writes only warnings whose state changed since the warning state it read, and a
# member's own action (/standing) only ever clears an existing warning, conditionally on it
# being the one it read. The window left: the report's write of an entry lands after a
# /standing clear of that entry made between the report's read and its apply (one
# invocation's span); it writes the report's verdict, which that month's data supports.
# Entries the report does not change are never written, so a clear of another member's
# entry in the same bucket is never undone.
# Older shapes still read, newest first: a bucket entry, else a ``WRN#<member>`` item (one
# per member, before the buckets), else the warning the member item held before either.
# Nothing writes those two any more; /standing clearing a warning read from them writes a
# cleared bucket entry that overrides them (only while the member has no entry), so one
# conditional write decides, and the older item is simply outranked from then on.
# A warning given before a member's current membership began (or on its first day) is
# ignored (a return starts a new membership, as Store.see_member resets the member item).

WARNINGS_ATTR = "warnings"
# An update's entries go store.table.ENTRIES_PER_UPDATE at a time (entry_chunks: DynamoDB's
# 4 KB expression limit); a bucket's other limit, the item's 400 KB, is kept by
# keys.WARNING_BUCKETS (~140 KB at 100,000 members).


def warning_from_item(member: Member, item: Item | None) -> Member:
    """The member with the warning their record holds (a bucket entry or a ``WRN#`` item,
    as :func:`warnings_of` gives it; ``item`` None: the member item's own, from before)."""
    if item is None:
        return member
    at = date.fromisoformat(item["at"]) if item.get("at") else None
    # on the day it began too: a report warns no membership on its first day (new, and
    # nothing observed yet; only grace 0 with one-day cycles and warn 1 could), so a
    # warning of that day was the previous membership's (left and back the same day)
    if at is not None and member.joined_at is not None and at <= member.joined_at:
        return replace(member, warned_rule=None, warned_at=None)
    rule = item.get("rule") or None
    return replace(member, warned_rule=rule, warned_at=at if rule else None)


def _is_warning_bucket(item: Item) -> bool:
    return item.get("kind") == keys.WARNING_BUCKET_KIND


def warnings_in_items(
    items: Iterable[Item], seen_buckets: set[int] | None = None
) -> dict[str, Item]:
    """Every member's warning record among ``items`` (buckets and older ``WRN#`` items),
    a bucket's entry outranking an older item. ``seen_buckets``: filled with the buckets
    found."""
    older: dict[str, Item] = {}
    entries: dict[str, Item] = {}
    for item in items:
        if _is_warning_bucket(item):
            if seen_buckets is not None:
                seen_buckets.add(int(item["bucket"]))
            for user_id, entry in (item.get(WARNINGS_ATTR) or {}).items():
                entries[user_id] = {"user_id": user_id, **entry}
        elif item.get("user_id"):
            older[item["user_id"]] = item
    return {**older, **entries}


def is_bucket_entry(record: Item | None) -> bool:
    """A warning record (of :func:`warnings_in_items`) read from a bucket's entry, not from an
    older ``WRN#`` item (which has a key of its own)."""
    return record is not None and "sk" not in record


def warnings_of(
    table: Table, community_id: str, seen_buckets: set[int] | None = None
) -> dict[str, Item]:
    """Every member's warning record: one Query of both shapes (paged; a bucket is ~60
    bytes a member warned ever). ``seen_buckets``: filled with the buckets that exist."""
    start, end = keys.WARNINGS_RANGE
    found = table.query(_pk(community_id), start=start, end=end, consistent=True)
    return warnings_in_items(found, seen_buckets)


def warning_keys(pk: str, user_id: str) -> list[tuple[str, str]]:
    """Where a member's warning may be: their bucket, their older item."""
    return [(pk, keys.member_warning_bucket_sk(user_id)), (pk, keys.warning_sk(user_id))]


def is_warning_item(item: Item) -> bool:
    """A bucket of warnings or an older ``WRN#`` item."""
    return str(item.get("sk", "")).startswith((keys.WARNING_PREFIX, keys.WARNING_BUCKET_PREFIX))


def _entry(verdict: Verdict, month: str | None) -> Item:
    entry: Item = {"rule": verdict.warned_rule, "month": month}
    if verdict.warned_rule:
        entry["at"] = _iso(verdict.warned_at)
    return {k: v for k, v in entry.items() if v is not None}


def save_warning(table: Table, community_id: str, verdict: Verdict, *, from_entry: bool) -> bool:
    """Store one member's new warning state (``/standing`` clearing a warning): their entry,
    only while it still holds the rule the verdict was computed from (``from_entry``: the
    warning was read from their bucket entry), or, for a warning read from an older item
    (which nothing writes), only while they have no entry. So an entry removed since the
    read (the member forgotten) is never written back. One UpdateItem when it is written to
    a bucket that exists; a second creates a missing bucket (older warnings only); a refusal
    costs up to three. False: refused (the entry changed since it was read) or nothing was
    warned."""
    member = verdict.member
    if not member.warned_rule:
        return False
    pk, sk = _pk(community_id), keys.member_warning_bucket_sk(member.user_id)
    entry = {member.user_id: _entry(verdict, None)}
    if from_entry:
        held = Cond.entry_eq(WARNINGS_ATTR, member.user_id, "rule", member.warned_rule)
        return table.update_entries(
            pk, sk, WARNINGS_ATTR, put=entry, cond=Cond.exists(WARNINGS_ATTR) & held
        )
    bucket = keys.member_bucket(member.user_id, keys.WARNING_BUCKETS)
    return _set_entries(table, pk, bucket, entry, Cond.lacks_entry(WARNINGS_ATTR, member.user_id))


def _create_bucket(table: Table, pk: str, bucket: int, entries: Item) -> bool:
    """The bucket created with ``entries``, only while it has no map (one UpdateItem; False
    when it exists)."""
    made = table.update(
        pk,
        keys.warning_bucket_sk(bucket),
        set={"kind": keys.WARNING_BUCKET_KIND, "bucket": bucket, WARNINGS_ATTR: entries},
        cond=Cond.absent(WARNINGS_ATTR),
        return_new=False,
    )
    return bool(made)


def _set_entries(
    table: Table, pk: str, bucket: int, entries: Item, held: Cond | None = None
) -> bool:
    """SET ``entries`` in the bucket (only while ``held``), leaving its other entries as they
    are: one UpdateItem; two more when that one found no bucket (created with them, or by
    someone else in between, then tried again) or was refused. False: refused."""
    sk = keys.warning_bucket_sk(bucket)
    cond = Cond.exists(WARNINGS_ATTR) & held if held else Cond.exists(WARNINGS_ATTR)
    if table.update_entries(pk, sk, WARNINGS_ATTR, put=entries, cond=cond):
        return True
    if _create_bucket(table, pk, bucket, entries):
        return True
    return table.update_entries(pk, sk, WARNINGS_ATTR, put=entries, cond=cond)


def bulk_save_warnings(
    table: Table,
    community_id: str,
    verdicts: Iterable[Verdict],
    month: str | None = None,
    buckets: Iterable[int] | None = None,
) -> int:
    """Store the warning changes among ``verdicts`` (newly warned, cleared): in each bucket
    touched, one UpdateItem SET of the changed entries only (one per ENTRIES_PER_UPDATE);
    members whose state is unchanged cost nothing, and no other entry is written.
    ``buckets``: the buckets that existed when the report read the warnings (a missing one
    is created with all its entries in one UpdateItem, conditional on its absence; None:
    each tried as existing first). Safe to replay: the same verdicts set the same entries.
    Returns the UpdateItems meant (a race that finds a bucket made or missing costs more)."""
    pk = _pk(community_id)
    existing = None if buckets is None else set(buckets)
    changes: dict[int, list[tuple[str, Item]]] = {}
    for v in verdicts:
        if v.changed:
            bucket = keys.member_bucket(v.member.user_id, keys.WARNING_BUCKETS)
            changes.setdefault(bucket, []).append((v.member.user_id, _entry(v, month)))
    written = 0
    for bucket, entries in sorted(changes.items()):
        written += 1
        # a new bucket takes every entry in one request (the map is a value, not an
        # expression: no 4 KB limit; keys.WARNING_BUCKETS keeps it far under 400 KB)
        new = existing is not None and bucket not in existing
        if new and _create_bucket(table, pk, bucket, dict(sorted(entries))):
            continue
        for index, chunk in enumerate(entry_chunks(dict(entries))):
            _set_entries(table, pk, bucket, chunk)
            written += 1 if index else 0
    return written


# -- removals -------------------------------------------------------------------------------


def mark_removed(
    table: Table,
    community_id: str,
    user_id: str,
    rule_id: str,
    *,
    last_active: date | None = None,
    on_member_item: bool = True,
    leave_until: date | None = None,
) -> bool:
    """Set the member's status to removed (their data stays): one conditional UpdateItem,
    only while they are still present and still as they were judged: warned under
    ``rule_id`` when the warning is on the member item (``on_member_item``: from before
    warnings had items of their own), else silent since ``last_active`` (coming back, which
    is what clears a warning, moves it). False: something changed since they were checked
    (they came back, left, or were removed already), or they were exempted, made an admin
    or took leave (``leave_until``: as judged) since (the candidates are read once, before
    the platform calls of the others)."""
    cond = Cond.eq("status", "active") & (Cond.absent("exempt") | Cond.ne("exempt", True))
    cond &= Cond.absent("role") | (
        Cond.ne("role", Role.OWNER.value) & Cond.ne("role", Role.ADMIN.value)
    )
    if leave_until is not None:
        cond &= Cond.eq("leave_until", leave_until.isoformat())
    else:
        cond &= Cond.absent("leave_until")
    if on_member_item:
        cond &= Cond.eq("warned_rule", rule_id)
    # Coming back moves last_active, also for a warning on the member item: /standing now
    # clears that one with a bucket entry, never on the member item.
    if last_active is not None:
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
