"""Erasing personal data: one member's (the right to erasure) or a whole community's.

Everything is found by Query on the community partition, kind by kind (keys.PERSONAL_PREFIXES),
never by Scan, and deleted in batches of 25 (Table.batch_delete).

Forgetting a member costs one Query per kind, paged: O(items of that kind in the community
/ ~1 MB) reads. The check-ins are by far the largest kind: ``CI#<date>#<member>`` sorts by
date, so the member's own check-ins cannot be read alone, and the Query pages through every
check-in of the community (~4,000 small items a page; a year of a 500-member community is
~45 pages, ~6,000 read units). Writes are O(the member's items / 25) BatchWriteItems, plus one
PutItem per item that must stay for counts (report rows and headers, removals, digests,
other members' assignments) with the member replaced by a neutral label.

Both are resumable: the member item (a community's META) is deleted last, so a run that
stops half-way is finished by running it again; a second run after a finished one finds
nothing (the member is unknown) and deletes nothing.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.store import keys
from chalicelib.store.table import Cond, Item, Table

# What each kind is called in what an operator reads (counts by kind).
KIND_NAMES: dict[str, str] = {
    keys.MEMBER_PREFIX: "member",
    keys.CHECKIN_PREFIX: "checkins",
    keys.MAKEUP_PREFIX: "makeup_quotas",
    keys.SUBMISSION_PREFIX: "submissions",
    keys.SUBMISSION_HISTORY_PREFIX: "submission_versions",
    keys.REVIEW_PREFIX: "reviews",
    keys.ASSIGNMENT_PREFIX: "review_assignments",
    keys.ASSIGNMENT_BUCKET_PREFIX: "review_assignments",
    keys.STRIKE_PREFIX: "strikes",
    keys.CYCLE_CLOSE_PREFIX: "digests",
    keys.REPORT_PREFIX: "reports",
    keys.REPORT_ROWS_PREFIX: "report_rows",
    keys.REMOVAL_PREFIX: "removals",
    keys.AUDIT_PREFIX: "settings_changes",
    keys.ROLE_CHANGE_PREFIX: "role_changes",
    keys.STAR_PREFIX: "stars",
    keys.RUN_PREFIX: "runs",
    keys.RUN_REFUSED_PREFIX: "run_refusals",
    keys.DUE_ITEM_PREFIX: "schedules",
    keys.HOMEWORK_COUNTERS_PREFIX: "homework_counters",
    keys.WARNING_PREFIX: "warnings",
    keys.CONFIRM_PREFIX: "held_commands",
    keys.SYNC_PREFIX: "roster_sync",
    keys.SIGNIN_PREFIX: "signin_links",
    keys.GOAL_PREFIX: "goals",
    keys.ROTA_PREFIX: "rota_duties",
    keys.ROTA_VOLUNTEER_PREFIX: "rota_volunteers",
    keys.WELCOME_PREFIX: "welcomes",
    keys.SESSION_PREFIX: "sessions",
    keys.ANNOUNCEMENT_PREFIX: "announcements",
    keys.META: "community",
    keys.HOMEWORK_COUNTERS_BUCKET_PREFIX: "homework_counters",  # an entry of a packed item
    keys.WARNING_BUCKET_PREFIX: "warnings",  # an entry of a packed item (store/reports.py)
}

# The attribute of the member item that keeps the label a forgetting replaces them with, so
# that a rerun after an interruption uses the same one (the member item goes last).
LABEL_ATTRIBUTE = "forget_label"


def kind_of(sk: str) -> str:
    """The kind an item's sort key says it is (the longest matching prefix)."""
    if sk == keys.META:
        return KIND_NAMES[keys.META]
    matches = [p for p in KIND_NAMES if p != keys.META and sk.startswith(p)]
    return KIND_NAMES[max(matches, key=len)] if matches else "other"


@dataclass
class Erased:
    """What an erasure did, by kind."""

    deleted: Counter[str] = field(default_factory=Counter)
    relabelled: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"deleted": dict(sorted(self.deleted.items())), "relabelled": dict(self.relabelled)}


class _Deleter:
    """Collects keys and deletes them 25 at a time, counting by kind."""

    def __init__(self, table: Table, erased: Erased) -> None:
        self.table = table
        self.erased = erased
        self.pending: list[tuple[str, str]] = []

    def erase_later(self, pk: str, sk: str) -> None:
        self.pending.append((pk, sk))
        if len(self.pending) >= 25:
            self.erase_pending()

    def erase_pending(self) -> None:
        if not self.pending:
            return
        self.table.batch_delete(self.pending)
        for _, sk in self.pending:
            self.erased.deleted[kind_of(sk)] += 1
        self.pending = []


# -- one member -----------------------------------------------------------------------------


def _owned(prefix: str, item: Item, user_id: str) -> bool:
    """The item is the member's own: deleted, not relabelled."""
    sk = item["sk"]
    if prefix == keys.REVIEW_PREFIX:  # given and received
        return user_id in (item.get("reviewee"), item.get("reviewer")) or sk.endswith(f"#{user_id}")
    if prefix == keys.ASSIGNMENT_PREFIX:
        return item.get("reviewee") == user_id or sk.endswith(f"#{user_id}")
    if prefix == keys.SUBMISSION_HISTORY_PREFIX:
        return item.get("user_id") == user_id or f"#{user_id}#" in sk
    if prefix in (
        keys.CHECKIN_PREFIX,
        keys.MAKEUP_PREFIX,
        keys.SUBMISSION_PREFIX,
        keys.STRIKE_PREFIX,
        keys.ROLE_CHANGE_PREFIX,
    ):
        return item.get("user_id") == user_id or sk.endswith(f"#{user_id}")
    if prefix == keys.GOAL_PREFIX:  # their progress; a goal they set is relabelled
        return item.get("user_id") == user_id or sk.endswith(f"#P#{user_id}")
    if prefix == keys.ROTA_VOLUNTEER_PREFIX:  # their offer; a duty served is relabelled
        return item.get("user_id") == user_id or sk.endswith(f"#{user_id}")
    if prefix == keys.SESSION_PREFIX:  # their attendance; a talk they gave is relabelled
        return item.get("user_id") == user_id or sk.endswith(f"#A#{user_id}")
    return False


def _without_own_entry(prefix: str, fields: Item, user_id: str) -> Item:
    """A packed assignment bucket (keys.ASSIGNMENT_BUCKET_PREFIX) without the member's own
    entry (who reviews their work): theirs, so erased like a per-reviewee item; where they
    review others, they are relabelled like any other member's item naming them."""
    if prefix != keys.ASSIGNMENT_BUCKET_PREFIX:
        return fields
    entries = fields.get("reviewers") or {}
    return {**fields, "reviewers": {e: r for e, r in entries.items() if e != user_id}}


def _emptied(prefix: str, scrubbed: Item) -> bool:
    """A bucket left with no entry: deleted rather than kept empty."""
    return prefix == keys.ASSIGNMENT_BUCKET_PREFIX and not scrubbed.get("reviewers")


def relabel(value: Any, user_id: str, name: str | None, label_id: str, label_name: str) -> Any:
    """``value`` with the member replaced by the label: their id wherever it stands alone,
    their name where it stands beside their id (a report row, a named list entry, a removal)."""

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return label_id if v == user_id else v
        if isinstance(v, list):
            beside = user_id in v
            return [label_name if beside and name and x == name else walk(x) for x in v]
        if isinstance(v, set):
            return {walk(x) for x in v}
        if isinstance(v, dict):
            beside = user_id in v.values()
            return {
                walk(k): (label_name if beside and name and x == name else walk(x))
                for k, x in v.items()
            }
        return v

    return walk(value)


def _relabelled_sk(sk: str, user_id: str, label_id: str) -> str:
    return "#".join(label_id if part == user_id else part for part in sk.split("#"))


def forget_member(
    table: Table, community_id: str, user_id: str, *, label_name: str
) -> Erased | None:
    """Delete the member's items and relabel them where an item must stay (see the module's
    docstring for the cost). None when the member is unknown: nothing is touched."""
    pk = keys.community_pk(community_id)
    member_sk = keys.member_sk(user_id)
    member = table.update(
        pk,
        member_sk,
        set_if_absent={LABEL_ATTRIBUTE: "forgotten-" + secrets.token_hex(4)},
        cond=Cond.exists("pk"),
    )
    if member is None:
        return None
    label_id = str(member[LABEL_ATTRIBUTE])
    name = member.get("name")
    erased = Erased()
    deleter = _Deleter(table, erased)
    labels = (user_id, name, label_id, label_name)
    for prefix in keys.PERSONAL_PREFIXES:
        for item in table.query(pk, prefix=prefix):
            if _packed(item):  # a bucket of strikes: only their entry goes
                if _holds_entry(item, user_id):
                    _remove_entry(table, item, user_id)
                    erased.deleted[kind_of(item["sk"])] += 1
                continue
            if _owned(prefix, item, user_id):
                deleter.erase_later(pk, item["sk"])
                continue
            fields = {k: v for k, v in item.items() if k not in ("pk", "sk")}
            scrubbed = relabel(_without_own_entry(prefix, fields, user_id), *labels)
            new_sk = _relabelled_sk(item["sk"], user_id, label_id)
            if scrubbed == fields and new_sk == item["sk"]:
                continue
            if _emptied(prefix, scrubbed):  # a bucket of their assignment only
                deleter.erase_later(pk, item["sk"])
                continue
            # Written before the old item goes: an interruption leaves both, and the rerun
            # (same label) rewrites the same new item and deletes the old one.
            table.put({"pk": pk, "sk": new_sk, **scrubbed})
            if new_sk != item["sk"]:
                deleter.erase_later(pk, item["sk"])
                erased.deleted[kind_of(item["sk"])] -= 1  # moved, not deleted
            erased.relabelled[kind_of(item["sk"])] += 1
    _erase_state(table, pk, user_id, deleter)
    deleter.erase_pending()
    table.delete(pk, member_sk)
    erased.deleted[KIND_NAMES[keys.MEMBER_PREFIX]] += 1
    erased.deleted = +erased.deleted  # drop kinds at zero
    return erased


def preview_forget(table: Table, community_id: str, user_id: str) -> Erased | None:
    """What :func:`forget_member` would delete and relabel, by kind, writing nothing: the
    same Queries (the owner's ``/forget @x`` shows it before asking for a confirmation).
    None when the member is unknown."""
    pk = keys.community_pk(community_id)
    member = table.get(pk, keys.member_sk(user_id), consistent=True)
    if member is None:
        return None
    name = member.get("name")
    erased = Erased()
    for prefix in keys.PERSONAL_PREFIXES:
        for item in table.query(pk, prefix=prefix):
            if _packed(item):
                erased.deleted[kind_of(item["sk"])] += _holds_entry(item, user_id)
                continue
            if _owned(prefix, item, user_id):
                erased.deleted[kind_of(item["sk"])] += 1
                continue
            fields = {k: v for k, v in item.items() if k not in ("pk", "sk")}
            without = _without_own_entry(prefix, fields, user_id)
            scrubbed = relabel(without, user_id, name, "forgotten", "former member")
            if _emptied(prefix, scrubbed):
                erased.deleted[kind_of(item["sk"])] += 1
            elif scrubbed != fields or _relabelled_sk(item["sk"], user_id, "x") != item["sk"]:
                erased.relabelled[kind_of(item["sk"])] += 1
    for sk, _entry in _state_keys(table, pk, user_id):
        erased.deleted[kind_of(sk)] += 1
    erased.deleted[KIND_NAMES[keys.MEMBER_PREFIX]] += 1
    return erased


# -- the owner's /forget @x from chat: the request awaiting its confirmation ----------------
#
# ``CONFIRM#<owner>#forget-<member>``: the owner's held-command kind (so forgetting the owner
# erases it too), never a 6-digit code (chat/confirm.py cannot release it), with a TTL.


def _forget_request_sk(owner_id: str, user_id: str) -> str:
    return keys.confirm_sk(owner_id, f"forget-{user_id}")


def hold_forget_request(
    table: Table, community_id: str, owner_id: str, user_id: str, valid_until: datetime
) -> None:
    """The owner asked to forget ``user_id``: valid until ``valid_until`` (one PutItem; a
    new ask replaces an older one, unused)."""
    table.put(
        {
            "pk": keys.community_pk(community_id),
            "sk": _forget_request_sk(owner_id, user_id),
            "valid_until": valid_until.isoformat(),
            keys.TTL_ATTRIBUTE: int(valid_until.timestamp()),
        }
    )


def claim_forget_request(
    table: Table, community_id: str, owner_id: str, user_id: str, now: datetime, owner: str
) -> bool:
    """The owner's confirmation takes their request, once, while it is valid: one
    conditional UpdateItem (``owner`` is the command's id, so a retry of the same command
    still holds it: store/claims.py)."""
    from chalicelib.store import claims

    claim = claims.claim(
        table,
        keys.community_pk(community_id),
        _forget_request_sk(owner_id, user_id),
        owner_attr="used_by",
        owner=owner,
        set={"used_at": now.isoformat()},
        cond=Cond.exists("pk") & Cond.absent("used_by") & Cond.gt("valid_until", now.isoformat()),
    )
    return claim.owned


def drop_forget_request(table: Table, community_id: str, owner_id: str, user_id: str) -> None:
    table.delete(keys.community_pk(community_id), _forget_request_sk(owner_id, user_id))


def _erase_state(table: Table, pk: str, user_id: str, deleter: _Deleter) -> None:
    for sk, entry in _state_keys(table, pk, user_id):
        if entry:  # their entry in their counters or warnings bucket, shared with others
            _remove_entry(table, {"pk": pk, "sk": sk, "kind": _bucket_kind(sk)}, user_id)
            deleter.erased.deleted[kind_of(sk)] += 1
        else:
            deleter.erase_later(pk, sk)


# Packed items (store/homework.py): a map member -> their entry, for many members.
_PACKED_MAPS = keys.PACKED_MAPS


def _packed(item: Item) -> bool:
    return item.get("kind") in _PACKED_MAPS


def _holds_entry(item: Item, user_id: str) -> bool:
    return user_id in (item.get(_PACKED_MAPS[item["kind"]]) or {})


def _remove_entry(table: Table, item: Item, user_id: str) -> None:
    """The member's entry out of a packed item: one UpdateItem REMOVE, conditional on the
    entry (a rerun, or a late clear that removed it first, removes nothing)."""
    attr = _PACKED_MAPS[item["kind"]]
    cond = Cond.has_entry(attr, user_id)
    table.update_entries(item["pk"], item["sk"], attr, drop=[user_id], cond=cond)


def _state_keys(table: Table, pk: str, user_id: str) -> Iterator[tuple[str, bool]]:
    """The member's state outside the member item, by its known keys (one BatchGetItem:
    with their entry in a counters bucket, True beside it), the admin commands held for
    their code and their unused sign-in links (a Query each; links live 15 minutes, so
    there are few)."""
    for item in table.batch_get((pk, sk) for sk in _own_state(user_id)):
        if not _packed(item):
            yield item["sk"], False
        elif _holds_entry(item, user_id):
            yield item["sk"], True
    for item in table.query(pk, prefix=keys.confirm_sk(user_id, "")):
        yield item["sk"], False
    for item in table.query(pk, prefix=keys.SIGNIN_PREFIX):
        if item.get("user_id") == user_id:
            yield item["sk"], False
    # Their welcome claims (the joining ritual, store/ritual.py): a few days' worth at most.
    for item in table.query(pk, prefix=keys.welcome_member_prefix(user_id)):
        yield item["sk"], False


def _bucket_kind(sk: str) -> str:
    """The kind of a packed state item by its key: a warnings or a counters bucket."""
    if sk.startswith(keys.WARNING_BUCKET_PREFIX):
        return keys.WARNING_BUCKET_KIND
    return keys.COUNTERS_BUCKET_KIND


def _own_state(user_id: str) -> list[str]:
    """The keys of a member's state: counters (their bucket, the older item), warning
    (their bucket, the older item)."""
    bucket = keys.counters_bucket_sk(keys.member_bucket(user_id, keys.COUNTER_BUCKETS))
    own = [bucket, keys.homework_counters_sk(user_id), keys.warning_sk(user_id)]
    return [*own, keys.member_warning_bucket_sk(user_id)]


# -- a whole community ----------------------------------------------------------------------


def partition_items(table: Table, community_id: str) -> Iterator[Item]:
    """Every item of the community's partition: one Query, paged."""
    return table.query(keys.community_pk(community_id))


_PURGE_PASSES = 5


def purge_partition(table: Table, community_id: str) -> Erased:
    """Delete every item of the community's partition, META last (so a rerun after an
    interruption still finds the community): one Query (paged) and a BatchWriteItem per 25
    items, then one more Query that finds nothing left. The due pointers are partition
    items too (``DUE#<job>``): they go with it, and with them the community's entries in
    the due index."""
    pk = keys.community_pk(community_id)
    erased = Erased()
    deleter = _Deleter(table, erased)
    # Until a pass finds nothing: a job or message that wrote meanwhile (the chats are
    # released first, so few can) is caught by the next pass, while META still stands.
    for _ in range(_PURGE_PASSES):
        found = 0
        for item in partition_items(table, community_id):
            if item["sk"] != keys.META:
                deleter.erase_later(pk, item["sk"])
                found += 1
        deleter.erase_pending()
        if not found:
            break
    if table.delete(pk, keys.META, cond=Cond.exists("pk")):
        erased.deleted[KIND_NAMES[keys.META]] += 1
    return erased


# -- what is kept about one member (the right of access) ------------------------------------


def member_items(table: Table, community_id: str, user_id: str) -> dict[str, list[Item]] | None:
    """Everything the community keeps about the member, by kind: their own items, and the
    parts of others that name them (their lines of stored reports, their removal, the
    assignments and digests naming them). The same Queries as :func:`forget_member`, no
    writes. None when the member is unknown."""
    pk = keys.community_pk(community_id)
    member = table.get(pk, keys.member_sk(user_id), consistent=True)
    if member is None:
        return None
    found: dict[str, list[Item]] = {KIND_NAMES[keys.MEMBER_PREFIX]: [member]}
    for prefix in keys.PERSONAL_PREFIXES:
        kind = KIND_NAMES[prefix]
        for item in table.query(pk, prefix=prefix):
            if _packed(item):
                if _holds_entry(item, user_id):
                    found.setdefault(kind, []).append(_entry_of(item, user_id))
                continue
            if not _owned(prefix, item, user_id):
                if prefix == keys.REPORT_ROWS_PREFIX:
                    rows = [r for r in item.get("rows", []) if r and r[0] == user_id]
                    item = {"sk": item["sk"], "month": item.get("month"), "rows": rows}
                    if not rows:
                        continue
                elif prefix == keys.REPORT_PREFIX:  # their lines of its lists, not others'
                    if relabel(item, user_id, None, "", "") == item:
                        continue
                    item = {**item, "lists": _own_lines(item.get("lists") or {}, user_id)}
                elif prefix == keys.ASSIGNMENT_BUCKET_PREFIX:  # their entries, not others'
                    entries = {
                        e: r
                        for e, r in (item.get("reviewers") or {}).items()
                        if e == user_id or user_id in r
                    }
                    item = {**item, "reviewers": entries}
                    if not entries:
                        continue
                elif relabel(item, user_id, None, "", "") == item:
                    continue  # does not name them
            found.setdefault(kind, []).append({k: v for k, v in item.items() if k != "pk"})
    for item in table.batch_get((pk, sk) for sk in _own_state(user_id)):  # their state
        if _packed(item):
            if _holds_entry(item, user_id):
                found.setdefault(kind_of(item["sk"]), []).append(_entry_of(item, user_id))
            continue
        found.setdefault(kind_of(item["sk"]), []).append(
            {k: v for k, v in item.items() if k != "pk"}
        )
    return found


def _own_lines(lists: Item, user_id: str) -> Item:
    """A report header's lists (name -> total and ``[user id, name, rule]`` lines) with
    only the member's own lines: who else was warned or a candidate is theirs, not this
    member's."""
    own = {
        name: [line for line in (value.get("names") or []) if line and line[0] == user_id]
        for name, value in lists.items()
    }
    return {name: {"names": lines} for name, lines in own.items() if lines}


def _entry_of(item: Item, user_id: str) -> Item:
    """What a packed item keeps about the member: their entry alone, with where it is."""
    attr = _PACKED_MAPS[item["kind"]]
    shown = {k: v for k, v in item.items() if k not in ("pk", attr, "bucket")}
    return {**shown, attr: {user_id: item[attr][user_id]}}
