"""Homework items in the community's partition: submissions (with history), reviews,
review assignments, strike records and what each digest showed.

    C#<cid> / HW#<cycle>#<member>            current submission (a resubmission replaces it)
    C#<cid> / HWH#<cycle>#<member>#<at>      an earlier version, kept when replaced
    C#<cid> / RV#<cycle>#<reviewee>#<reviewer>   a review of <reviewee>'s work of <cycle>
    C#<cid> / ASP#<cycle>#<M|L>#<bucket>     who reviews whom of <cycle>, packed by a hash of
                                             the reviewee (M: the digest's round, L: late)
    C#<cid> / AS#<cycle>#<reviewee>          the same for one reviewee (before packing; spills)
    C#<cid> / HWS#<cycle>$<bucket>           a cycle's strikes, a map member -> misses in a
                                             row (a bucket: a hash of the member id)
    C#<cid> / HWC#<cycle>                    the close of <cycle>: who its digest showed
    C#<cid> / HWM$<bucket>                   the counters of the bucket's members: a map
                                             member -> strikes, misses in a row, through
                                             (written by digests only; see "strikes" below)
    C#<cid> / HWS#<cycle>#<member>, HWM#<member>   the same, as written before they were
                                             packed: still read, never written

Everything a digest needs for one cycle is one Query per kind (paged, 1 MB a page), never
a request per member; a chat command reads its own few items by key. Each function states
its cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.homework import (
    CloseWrites,
    Counters,
    StrikeChange,
    Work,
    cleared_strike,
    standing_counters,
)
from chalicelib.domain.models import Member
from chalicelib.store import keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table, entry_chunks

# Two members racing to replace the same submission is one member with two devices; three
# rounds settle it, and the loser's version still lands in the history.
MAX_ATTEMPTS = 3


def _pk(community_id: str) -> str:
    return keys.community_pk(community_id)


# -- submissions ----------------------------------------------------------------------------


def member_work(
    table: Table, community_id: str, user_id: str, cycle_ids: Iterable[str]
) -> dict[str, Item]:
    """The member's submissions for ``cycle_ids``, by cycle id: one BatchGetItem."""
    pk = _pk(community_id)
    found = table.batch_get((pk, keys.submission_sk(c, user_id)) for c in cycle_ids)
    return {item["cycle"]: item for item in found}


def save_submission(
    table: Table,
    community_id: str,
    cycle_id: str,
    user_id: str,
    *,
    name: str,
    work: Work,
    at: datetime,
    late: bool,
    previous: Item | None,
    retention: timedelta = RETENTION,
    points: int | None = None,
) -> tuple[Item, Item | None]:
    """Store a submission; returns it and the version it replaced (None: the first).
    ``points``: what it earns, credited by the caller's next write; kept on the item so
    that work whose credit a crash lost can be told from work stored before points were
    (features/points.py repair_credits).

    ``previous`` is the current item as the caller read it. A replacement copies it to the
    history first (one PutItem), then writes the new version conditionally on the current
    one still being ``previous`` (one PutItem), so a concurrent replacement is detected and
    retried rather than lost: two or three requests in all, one more per lost race.
    """
    pk = _pk(community_id)
    sk = keys.submission_sk(cycle_id, user_id)
    for _ in range(MAX_ATTEMPTS):
        versions = int(previous.get("versions") or 1) + 1 if previous else 1
        item: Item = {
            "pk": pk,
            "sk": sk,
            "kind": "submission",
            "cycle": cycle_id,
            "user_id": user_id,
            "name": name,
            "link": work.link,
            "text": work.text or None,
            "submitted_at": at.isoformat(),
            "late": late,
            "versions": versions,
            keys.TTL_ATTRIBUTE: expires_at(at, retention),  # kept for the retention period
        }
        if points is not None:
            item["points"] = points
        if previous is None:
            cond = Cond.absent("pk")
        else:
            history = {
                **previous,
                "sk": keys.submission_history_sk(cycle_id, user_id, previous["submitted_at"]),
                "kind": "submission-history",
                "replaced_at": at.isoformat(),
                keys.TTL_ATTRIBUTE: expires_at(at, retention),
            }
            table.put(history)
            cond = Cond.eq("submitted_at", previous["submitted_at"])
        if table.put(item, cond=cond):
            return item, previous
        previous = table.get(pk, sk, consistent=True)
    raise RuntimeError(f"submission {sk} kept changing; gave up after {MAX_ATTEMPTS} tries")


def submissions_of(
    table: Table, community_id: str, cycle_id: str, *, consistent: bool = True
) -> list[Item]:
    """Every current submission of a cycle: one Query (paged; ~2 KB an item at most).
    Strongly consistent unless the caller says why a read a moment stale is enough (half
    the read units)."""
    prefix = keys.cycle_submissions_prefix(cycle_id)
    return list(table.query(_pk(community_id), prefix=prefix, consistent=consistent))


def submission_history(table: Table, community_id: str, cycle_id: str, user_id: str) -> list[Item]:
    """Earlier versions of one member's submission, oldest first: one Query."""
    prefix = keys.submission_history_prefix(cycle_id, user_id)
    return list(table.query(_pk(community_id), prefix=prefix))


# -- reviews --------------------------------------------------------------------------------


def save_review(
    table: Table,
    community_id: str,
    cycle_id: str,
    reviewee: str,
    reviewer: str,
    *,
    text: str,
    score: int | None,
    at: datetime,
    assigned: bool,
    retention: timedelta = RETENTION,
    points: int | None = None,
) -> tuple[Item, bool]:
    """Store a review (one UpdateItem); a second review of the same work by the same
    reviewer replaces the first. Returns the item and whether it is the first.
    ``points`` as for :func:`save_submission`."""
    extra = {} if points is None else {"points": points}
    item = table.update(
        _pk(community_id),
        keys.review_sk(cycle_id, reviewee, reviewer),
        set={
            **extra,
            "kind": "review",
            "cycle": cycle_id,
            "reviewee": reviewee,
            "reviewer": reviewer,
            "text": text,
            "score": score,
            "at": at.isoformat(),
            "assigned": assigned,
            keys.TTL_ATTRIBUTE: expires_at(at, retention),
        },
        set_if_absent={"first_at": at.isoformat()},
    )
    assert item is not None  # no condition: an update always answers
    return item, item["first_at"] == at.isoformat()


def reviews_of(table: Table, community_id: str, cycle_id: str) -> list[Item]:
    """Every review of a cycle's work: one Query (paged)."""
    prefix = keys.cycle_reviews_prefix(cycle_id)
    return list(table.query(_pk(community_id), prefix=prefix))


def work_over_cycles(
    table: Table,
    community_id: str,
    cycle_ids: Sequence[str],
    submissions: Iterable[Item] | None = None,
) -> tuple[list[Item], list[Item]]:
    """The current submissions and the reviews of the cycles ``cycle_ids`` (a month's or
    a quarter's): one Query of each kind over the range from the first cycle to the last
    (cycle ids sort as numbers), paged; items of cycles in the range but not listed (a
    paused cycle) are left out. Nothing is read for no cycles. Eventually consistent (half
    the read units): the periods read are over, their work written hours before.
    ``submissions`` already read by the caller over the same cycles (the monthly report's)
    saves the first Query."""
    if not cycle_ids:
        return [], []
    wanted = set(cycle_ids)
    pk = _pk(community_id)
    first, last = min(wanted), max(wanted)
    if submissions is None:
        start, end = keys.cycles_range(keys.SUBMISSION_PREFIX, first, last)
        submissions = table.query(pk, start=start, end=end)
    handed = [item for item in submissions if _cycle_of_sk(item) in wanted]
    start, end = keys.cycles_range(keys.REVIEW_PREFIX, first, last)
    reviews = [
        item for item in table.query(pk, start=start, end=end) if _cycle_of_sk(item) in wanted
    ]
    return handed, reviews


def _cycle_of_sk(item: Item) -> str:
    """``HW#C0005#u1`` / ``RV#C0005#u1#u2`` -> ``C0005``."""
    return str(item["sk"]).split("#")[1]


# -- assignments ----------------------------------------------------------------------------


# A cycle's assignments are packed: the reviewee's entry (reviewee -> reviewers) lives in
# the bucket item ``ASP#<cycle>#<round>#<bucket>`` that keys.assignment_bucket names, 16
# buckets a round, so the digest writes them in one or two BatchWriteItems and a /review
# reads its one entry by key. The late round (late work of the previous cycle, assigned by
# the next digest) has buckets of its own: it never overwrites the main round's. A bucket
# past ASSIGNMENT_BUCKET_MAX_BYTES spills its last entries (by reviewee) into per-reviewee
# ``AS#<cycle>#<reviewee>`` items, the shape written before packing, which readers still read
# (cycles assigned before packing, and spills). Everything is deterministic: a retried
# digest writes the same items.
ASSIGNMENT_BUCKET_MAX_BYTES = 64 * 1024


def _assignment_entry_bytes(reviewee: str, reviewers: Sequence[str]) -> int:
    """An entry's size as DynamoDB counts it: the name, the list (3 bytes), its strings
    (1 byte each over their length)."""
    return len(reviewee.encode()) + 3 + sum(len(r.encode()) + 1 for r in reviewers)


def pack_assignments(
    assignment: Mapping[str, Sequence[str]], max_bytes: int = ASSIGNMENT_BUCKET_MAX_BYTES
) -> tuple[dict[int, dict[str, list[str]]], dict[str, list[str]]]:
    """Entries by bucket, and those spilled (a bucket full): a function of the assignment."""
    buckets: dict[int, dict[str, list[str]]] = {}
    sizes: dict[int, int] = {}
    spilled: dict[str, list[str]] = {}
    for reviewee, reviewers in sorted(assignment.items()):
        bucket = keys.assignment_bucket(reviewee)
        sizes[bucket] = sizes.get(bucket, 0) + _assignment_entry_bytes(reviewee, reviewers)
        if sizes[bucket] > max_bytes:
            spilled[reviewee] = list(reviewers)
        else:
            buckets.setdefault(bucket, {})[reviewee] = list(reviewers)
    return buckets, spilled


def assignment_items(
    community_id: str,
    cycle_id: str,
    assignment: Mapping[str, Sequence[str]],
    at: datetime,
    *,
    late_round: bool = False,
    retention: timedelta = RETENTION,
    max_bytes: int = ASSIGNMENT_BUCKET_MAX_BYTES,
) -> list[Item]:
    """The items :func:`bulk_save_assignments` writes (the benchmark seeds the same)."""
    pk = _pk(community_id)
    common = {
        "cycle": cycle_id,
        "assigned_at": at.isoformat(),
        "late_round": late_round or None,
        keys.TTL_ATTRIBUTE: expires_at(at, retention),
    }
    buckets, spilled = pack_assignments(assignment, max_bytes)
    items: list[Item] = [
        {
            "pk": pk,
            "sk": keys.assignment_bucket_sk(cycle_id, late_round, bucket),
            "kind": "assignment-bucket",
            "bucket": bucket,
            "reviewers": entries,
            **common,
        }
        for bucket, entries in sorted(buckets.items())
    ]
    items += [
        {
            "pk": pk,
            "sk": keys.assignment_sk(cycle_id, reviewee),
            "kind": "assignment",
            "reviewee": reviewee,
            "reviewers": reviewers,
            **common,
        }
        for reviewee, reviewers in sorted(spilled.items())
    ]
    return items


def bulk_save_assignments(
    table: Table,
    community_id: str,
    cycle_id: str,
    assignment: Mapping[str, Sequence[str]],
    at: datetime,
    *,
    late_round: bool = False,
    retention: timedelta = RETENTION,
    max_bytes: int = ASSIGNMENT_BUCKET_MAX_BYTES,
) -> int:
    """A round's assignments packed (see above): at most 16 bucket items (plus any spill),
    25 to a BatchWriteItem; one request for a cycle of up to ~1 MB of assignments."""
    items = assignment_items(
        community_id,
        cycle_id,
        assignment,
        at,
        late_round=late_round,
        retention=retention,
        max_bytes=max_bytes,
    )
    return table.batch_put(items)


def _merge_reviewers(into: dict[str, list[str]], reviewee: str, reviewers: Iterable[str]) -> None:
    """Both rounds may assign the same work (a digest that crashed before its close record):
    a reviewer told either time is assigned."""
    merged = into.setdefault(reviewee, [])
    merged.extend(r for r in reviewers if r not in merged)


def _main_round_first(item: Item) -> tuple[bool, str]:
    return bool(item.get("late_round")), str(item["sk"])


def _assignments_in(item: Item) -> dict[str, list[str]]:
    """A bucket's entries, or a per-reviewee item's one entry."""
    if str(item["sk"]).startswith(keys.ASSIGNMENT_BUCKET_PREFIX):
        return {e: list(r or []) for e, r in (item.get("reviewers") or {}).items()}
    return {item["reviewee"]: list(item.get("reviewers") or [])}


def assignments_of(table: Table, community_id: str, cycle_id: str) -> dict[str, list[str]]:
    """Reviewers by reviewee for a cycle: one Query of its bucket items (both rounds; at
    most 32 items, one page up to ~1 MB), one of per-reviewee items (spilled, or written
    before packing; usually an empty page)."""
    pk = _pk(community_id)
    items = [
        item
        for prefix in (
            keys.cycle_assignment_buckets_prefix(cycle_id),
            keys.cycle_assignments_prefix(cycle_id),
        )
        for item in table.query(pk, prefix=prefix)
    ]
    found: dict[str, list[str]] = {}
    for item in sorted(items, key=_main_round_first):
        for reviewee, reviewers in _assignments_in(item).items():
            _merge_reviewers(found, reviewee, reviewers)
    return found


def work_and_assignment(
    table: Table,
    community_id: str,
    reviewee: str,
    cycle_ids: Iterable[str],
    assignment_cycle_id: str | None,
) -> tuple[dict[str, Item], list[str]]:
    """What a review of ``reviewee`` needs: their submissions for ``cycle_ids`` and who is
    assigned to their work of ``assignment_cycle_id``. One BatchGetItem (at most 5 keys:
    the submissions, the reviewee's bucket of each round, their per-reviewee item)."""
    pk = _pk(community_id)
    wanted = [(pk, keys.submission_sk(c, reviewee)) for c in cycle_ids]
    if assignment_cycle_id is not None:
        bucket = keys.assignment_bucket(reviewee)
        wanted += [
            (pk, keys.assignment_bucket_sk(assignment_cycle_id, late, bucket))
            for late in (False, True)
        ]
        wanted.append((pk, keys.assignment_sk(assignment_cycle_id, reviewee)))
    work: dict[str, Item] = {}
    assigned: dict[str, list[str]] = {}
    for item in sorted(table.batch_get(wanted), key=_main_round_first):
        if item["sk"].startswith((keys.ASSIGNMENT_PREFIX, keys.ASSIGNMENT_BUCKET_PREFIX)):
            _merge_reviewers(assigned, reviewee, _assignments_in(item).get(reviewee) or [])
        else:
            work[item["cycle"]] = item
    return work, assigned.get(reviewee, [])


def review_progress(
    table: Table, community_id: str, cycle_id: str, reviewer: str, reviewees: Sequence[str]
) -> tuple[set[str], dict[str, str]]:
    """Which of ``reviewees`` the reviewer has reviewed for the cycle, and their display
    names: one BatchGetItem (reviews and member items together, 2 keys per reviewee)."""
    pk = _pk(community_id)
    wanted = [(pk, keys.review_sk(cycle_id, r, reviewer)) for r in reviewees]
    wanted += [(pk, keys.member_sk(r)) for r in reviewees]
    done: set[str] = set()
    names: dict[str, str] = {}
    for item in table.batch_get(wanted):
        if item["sk"].startswith(keys.REVIEW_PREFIX):
            done.add(item["reviewee"])
        else:
            names[item["user_id"]] = item.get("name") or item.get("username") or item["user_id"]
    return done, names


# -- strikes --------------------------------------------------------------------------------
#
# Strikes live outside the member item, packed (issue 19). A cycle's strikes are
# keys.STRIKE_BUCKETS items ``HWS#<cycle>$<bb>``, each a map member -> the misses in a row
# that strike made; every member's counters are keys.COUNTER_BUCKETS items ``HWM$<bb>``, a
# map member -> counters; a member's bucket is a stable hash of their id. A close writes
# whole buckets, 25 to a BatchWriteItem: ~1 KB write units full of entries instead of one
# ~100-byte item per struck member.
#
# Who else writes them, and why nothing of theirs is undone:
# - counters buckets: only digests write them (erasure removes an entry), and a digest
#   reads them all first, so its put of a bucket carries every entry as read plus its own.
#   (A member forgotten between a digest's read and its put would be written back, as their
#   per-member counters item was before: `member forget` run again removes it.)
# - strike buckets: a late submission clears a strike by an UpdateItem REMOVE of its own
#   entry (conditional on the entry, so once). A close puts only buckets that did not exist
#   when it read the cycle's strikes (nobody can have removed an entry from them); into a
#   bucket that exists (a replay) it sets its new entries one by one (UpdateItem SET), never
#   rewriting the bucket, so a strike cleared meanwhile stays cleared.
# Readers take a recorded strike whose entry is gone as cleared
# (domain.homework.standing_counters), and the next close folds that in.
#
# The older shapes still count, read in the same Query as the new (keys.py: "$" sorts right
# after "#"): per-member records ``HWS#<cycle>#<member>``, counters items ``HWM#<member>``
# (a bucket's entry is newer), and counters on the member item for members with neither.
# Old data is never rewritten in bulk: a close copies an older counters item into its bucket
# only when it writes that bucket anyway.

STRIKE_BUCKET_KIND = keys.STRIKE_BUCKET_KIND
COUNTERS_BUCKET_KIND = keys.COUNTERS_BUCKET_KIND


def is_strike_bucket(item: Item) -> bool:
    return item.get("kind") == STRIKE_BUCKET_KIND


def is_counters_bucket(item: Item) -> bool:
    return item.get("kind") == COUNTERS_BUCKET_KIND


def cycle_strikes(table: Table, community_id: str, cycle_id: str) -> tuple[set[str], set[int]]:
    """Members with a strike for the cycle (either shape), and which of its strike buckets
    exist: one Query (strongly consistent, so a replayed close sees what the first wrote;
    ~45 bytes a strike: 10,000 strikes are one 1 MB page)."""
    start, end = keys.cycle_strikes_range(cycle_id, cycle_id)
    struck: set[str] = set()
    buckets: set[int] = set()
    for item in table.query(_pk(community_id), start=start, end=end, consistent=True):
        if is_strike_bucket(item):
            buckets.add(int(item["bucket"]))
            struck |= set(item.get("strikes") or {})
        else:
            struck.add(item["user_id"])
    return struck, buckets


def struck_in(table: Table, community_id: str, cycle_id: str) -> set[str]:
    """Members with a strike for the cycle: one Query (see :func:`cycle_strikes`)."""
    return cycle_strikes(table, community_id, cycle_id)[0]


def strikes_over_cycles(
    table: Table, community_id: str, first: str, last: str
) -> set[tuple[str, str]]:
    """(cycle, member) of every strike of the cycles ``first..last``, both shapes: one
    Query over the range (paged; ~45 bytes a strike)."""
    start, end = keys.cycle_strikes_range(first, last)
    found: set[tuple[str, str]] = set()
    for item in table.query(_pk(community_id), start=start, end=end):
        if is_strike_bucket(item):
            found |= {(item["cycle"], u) for u in item.get("strikes") or {}}
        else:
            found.add((item["cycle"], item["user_id"]))
    return found


def counters_from_item(item: Item) -> Counters:
    at = item.get("at")
    return Counters(
        int(item.get("strikes") or 0),
        int(item.get("missed_in_a_row") or 0),
        item.get("through"),
        bool(item.get("struck")),
        date.fromisoformat(at) if at else None,
    )


def counters_entry(counters: Counters) -> dict[str, Any]:
    """A member's entry in a counters bucket: one-letter names, no empty values."""
    entry = {
        "s": counters.strikes,
        "r": counters.missed_in_a_row,
        "t": counters.through,
        "k": counters.struck or None,
        "a": counters.at.isoformat() if counters.at else None,
    }
    return {k: v for k, v in entry.items() if v is not None}


def counters_from_entry(entry: Mapping[str, Any]) -> Counters:
    at = entry.get("a")
    return Counters(
        int(entry.get("s") or 0),
        int(entry.get("r") or 0),
        entry.get("t"),
        bool(entry.get("k")),
        date.fromisoformat(at) if at else None,
    )


def counters_in_items(items: Iterable[Item]) -> dict[str, Counters]:
    """Counters by member from items of either shape; a bucket's entry wins over an older
    per-member item (it was written after it)."""
    older: dict[str, Counters] = {}
    packed: dict[str, Counters] = {}
    for item in items:
        if is_counters_bucket(item):
            for user_id, entry in (item.get("counters") or {}).items():
                packed[user_id] = counters_from_entry(entry)
        elif str(item["sk"]).startswith(keys.HOMEWORK_COUNTERS_PREFIX):
            older[item["user_id"]] = counters_from_item(item)
    return {**older, **packed}


def recorded_counters(
    table: Table, community_id: str, *, consistent: bool = True
) -> tuple[dict[str, Counters], set[str]]:
    """Every member's recorded counters, and who among them has had the recorded strike
    cleared since (its entry removed by a late submission). One Query of the counters, both
    shapes (paged, ~70 bytes a member: 10,000 members are one page) plus one Query of the
    strikes per cycle some recorded strike belongs to (almost always one: the last close).
    The counters strongly consistent unless told (the digest writes them from this read,
    and a replay must see what the first attempt wrote); the strikes always: a close writes
    counters first and strikes second, so a stale strikes read after a fresh counters read
    would take a strike just written for one cleared since (a state no moment had)."""
    pk = _pk(community_id)
    start, end = keys.COUNTERS_RANGE
    found = table.query(pk, start=start, end=end, consistent=consistent)
    recorded = counters_in_items(found)
    by_cycle: dict[str, set[str]] = {}
    for user_id, counters in recorded.items():
        if counters.struck and counters.through:
            by_cycle.setdefault(counters.through, set()).add(user_id)
    cleared: set[str] = set()
    for cycle_id, users in sorted(by_cycle.items()):
        cleared |= users - struck_in(table, community_id, cycle_id)
    return recorded, cleared


def counters_by_member(
    table: Table, community_id: str, members: Iterable[Member], *, consistent: bool = True
) -> dict[str, Counters]:
    """Each member's counters now (see :func:`recorded_counters` for the cost)."""
    recorded, cleared = recorded_counters(table, community_id, consistent=consistent)
    return {
        m.user_id: standing_counters(m, recorded.get(m.user_id), m.user_id not in cleared)
        for m in members
    }


def with_counters(member: Member, counters: Counters) -> Member:
    return replace(member, strikes=counters.strikes, missed_in_a_row=counters.missed_in_a_row)


def counters_keys(pk: str, user_id: str) -> list[tuple[str, str]]:
    """Where a member's counters may be: their bucket, and the older per-member item."""
    bucket = keys.member_bucket(user_id, keys.COUNTER_BUCKETS)
    return [(pk, keys.counters_bucket_sk(bucket)), (pk, keys.homework_counters_sk(user_id))]


def strike_keys(pk: str, cycle_id: str, user_id: str) -> list[tuple[str, str]]:
    """Where a member's strike for a cycle may be: their bucket, and the older record."""
    bucket = keys.member_bucket(user_id, keys.STRIKE_BUCKETS)
    return [(pk, keys.strike_bucket_sk(cycle_id, bucket)), (pk, keys.strike_sk(cycle_id, user_id))]


def holds_strike(items: Iterable[Item], user_id: str, cycle_id: str) -> bool:
    """Among ``items`` (read by :func:`strike_keys`), the member's strike for the cycle."""
    for item in items:
        if is_strike_bucket(item):
            if item.get("cycle") == cycle_id and user_id in (item.get("strikes") or {}):
                return True
        elif item.get("user_id") == user_id and item.get("cycle") == cycle_id:
            return True
    return False


def member_counters(
    table: Table, community_id: str, member: Member, *, warning: bool = True
) -> Member:
    """The member with their homework counters and (``warning``) their warning now, for a
    chat command (see :func:`member_standing`; without the warning, its bucket is not
    read)."""
    return member_standing(table, community_id, member, warning=warning)[0]


def member_standing(
    table: Table, community_id: str, member: Member, *, warning: bool = True
) -> tuple[Member, bool]:
    """The member with their homework counters and warning now, and whether that warning
    was read from their warnings bucket's entry (False: from an older item, or none): one
    BatchGetItem (their counters bucket, their older counters item, their warning's bucket
    and older item), and one more only when their last close struck them (has the strike
    been cleared since?). A bucket is read whole: ~1 read unit at 10,000 members, ~13 at
    100,000 (long ids)."""
    from chalicelib.store.reports import (
        is_bucket_entry,
        is_warning_item,
        warning_from_item,
        warning_keys,
        warnings_in_items,
    )

    pk = _pk(community_id)
    user_id = member.user_id
    wanted = [*counters_keys(pk, user_id), *(warning_keys(pk, user_id) if warning else [])]
    found = table.batch_get(wanted)
    record = warnings_in_items(i for i in found if is_warning_item(i)).get(user_id)
    member = warning_from_item(member, record)
    from_entry = is_bucket_entry(record)
    counted = counters_in_items(i for i in found if not is_warning_item(i))
    recorded = counted.get(user_id)
    if recorded is None:
        return member, from_entry  # no close since strikes left the member item
    stands = True
    if recorded.struck and recorded.through:
        held = table.batch_get(strike_keys(pk, recorded.through, user_id))
        stands = holds_strike(held, user_id, recorded.through)
    return with_counters(member, standing_counters(member, recorded, stands)), from_entry


def record_close_writes(
    table: Table,
    community_id: str,
    cycle_id: str,
    writes: CloseWrites,
    at: datetime,
    *,
    recorded: Mapping[str, Counters] | None = None,
    strike_buckets: Iterable[int] | None = None,
) -> int:
    """The close's counters buckets, then its strike buckets, 25 to a BatchWriteItem; on a
    replay, new strikes in a bucket that exists are set entry by entry (one UpdateItem per
    such bucket). Returns the items written.

    ``recorded``: every member's counters as the close read them (:func:`recorded_counters`;
    read here when not given): a counters bucket is written whole, with its members' entries
    as read and the close's changes. ``strike_buckets``: the cycle's strike buckets that
    existed when the close read its strikes (:func:`cycle_strikes`; read here when not given).

    Exactly once: counters go first. A crash between the two writes leaves counters through
    this cycle with no strike entry; the replay (domain.homework.close_writes) counts nothing
    again and writes the entry. The other order would leave an entry that the replay reads
    as a strike already counted. A crash inside either write loses whole buckets only (each
    put is atomic), and the same argument holds member by member. A strike cleared after
    the replay read the cycle's strikes is never written back: the replay read it as struck
    (so sets no entry for it) and never rewrites a bucket that exists. One cleared before
    that read came with late work, which the replay's read of the submissions, after it,
    sees (jobs/send_weekly_digests.py record_close)."""
    if recorded is None:
        recorded, _cleared = recorded_counters(table, community_id)
    if strike_buckets is None:
        _struck, existing = cycle_strikes(table, community_id, cycle_id)
    else:
        existing = set(strike_buckets)
    written = _put_counters_buckets(table, community_id, writes, recorded, at)
    return written + _put_strike_buckets(table, community_id, cycle_id, writes, existing, at)


def _put_counters_buckets(
    table: Table,
    community_id: str,
    writes: CloseWrites,
    recorded: Mapping[str, Counters],
    at: datetime,
) -> int:
    """Every counters bucket the close changes, written whole: its members' entries as read,
    with the close's changes. 25 to a BatchWriteItem; the items written."""
    touched = {keys.member_bucket(u, keys.COUNTER_BUCKETS) for u in writes.counters}
    counters: dict[int, dict[str, Any]] = {b: {} for b in touched}
    for user_id, c in sorted({**recorded, **writes.counters}.items()):
        bucket = keys.member_bucket(user_id, keys.COUNTER_BUCKETS)
        if bucket in counters:
            counters[bucket][user_id] = counters_entry(c)
    return table.batch_put(
        {
            "pk": _pk(community_id),
            "sk": keys.counters_bucket_sk(bucket),
            "kind": COUNTERS_BUCKET_KIND,
            "bucket": bucket,
            "counters": entries,
            "at": at.isoformat(),
        }
        for bucket, entries in sorted(counters.items())
    )


def _put_strike_buckets(
    table: Table,
    community_id: str,
    cycle_id: str,
    writes: CloseWrites,
    existing: set[int],
    at: datetime,
) -> int:
    """The cycle's strike buckets: a new one written whole (25 to a BatchWriteItem), one that
    exists (a replay) given its missing entries only, never rewritten."""
    pk = _pk(community_id)
    strikes: dict[int, dict[str, int]] = {}
    for change in writes.strikes:
        bucket = keys.member_bucket(change.user_id, keys.STRIKE_BUCKETS)
        strikes.setdefault(bucket, {})[change.user_id] = change.missed_in_a_row
    written = table.batch_put(
        {
            "pk": pk,
            "sk": keys.strike_bucket_sk(cycle_id, bucket),
            "kind": STRIKE_BUCKET_KIND,
            "cycle": cycle_id,
            "bucket": bucket,
            "strikes": entries,
            "at": at.isoformat(),
        }
        for bucket, entries in sorted(strikes.items())
        if bucket not in existing
    )
    for bucket, entries in sorted(strikes.items()):
        if bucket not in existing:
            continue
        for chunk in entry_chunks(entries):
            table.update_entries(pk, keys.strike_bucket_sk(cycle_id, bucket), "strikes", put=chunk)
        written += 1
    return written


def bulk_record_strikes(
    table: Table, community_id: str, cycle_id: str, changes: Iterable[StrikeChange], at: datetime
) -> int:
    """Strike records of the older shape (``HWS#<cycle>#<member>``, one item each, 25 to a
    BatchWriteItem) for the changes that add a strike: what was written before strikes were
    packed. Seeding older data and tests of the upgrade; no close writes these any more."""
    pk = _pk(community_id)
    return table.batch_put(
        {
            "pk": pk,
            "sk": keys.strike_sk(cycle_id, change.user_id),
            "kind": "strike",
            "cycle": cycle_id,
            "user_id": change.user_id,
            "in_a_row": change.missed_in_a_row,
            "at": at.isoformat(),
        }
        for change in changes
        if change.delta > 0
    )


def delete_strike(table: Table, community_id: str, cycle_id: str, user_id: str) -> bool:
    """Clear a member's strike for a cycle. True only for the caller that actually cleared
    it, so two late submissions cannot clear it twice: one UpdateItem REMOVE of their entry
    in the cycle's strike bucket, conditional on the entry. Readers of the counters then
    see the entry gone. A strike recorded by the older shape (the REMOVE finds no entry) is
    its record: one conditional DeleteItem, and for a member whose counters were still on the
    member item, the change there (:func:`apply_strike_change`)."""
    pk = _pk(community_id)
    bucket = keys.strike_bucket_sk(cycle_id, keys.member_bucket(user_id, keys.STRIKE_BUCKETS))
    cond = Cond.has_entry("strikes", user_id)
    if table.update_entries(pk, bucket, "strikes", drop=[user_id], cond=cond):
        return True
    if not table.delete(pk, keys.strike_sk(cycle_id, user_id), cond=Cond.exists("pk")):
        return False
    apply_strike_change(table, community_id, cleared_strike(user_id))
    return True


def apply_strike_change(table: Table, community_id: str, change: StrikeChange) -> bool:
    """A change to counters kept on the member item, for members no close has recorded
    counters for since strikes moved out of it (one BatchGetItem of where their counters
    may be; then one conditional UpdateItem on those only). Members with recorded counters
    need nothing: their cleared strike is the entry or record gone."""
    pk = _pk(community_id)
    if counters_in_items(table.batch_get(counters_keys(pk, change.user_id))).get(change.user_id):
        return True
    updated = table.update(
        pk,
        keys.member_sk(change.user_id),
        set={"missed_in_a_row": change.missed_in_a_row},
        add={"strikes": change.delta} if change.delta else None,
        cond=Cond.exists("pk"),
    )
    return updated is not None


# -- cycle closes ---------------------------------------------------------------------------


def cycle_close(table: Table, community_id: str, cycle_id: str) -> Item | None:
    """What the cycle's digest recorded, or None: one GetItem."""
    return table.get(_pk(community_id), keys.cycle_close_sk(cycle_id), consistent=True)


def save_cycle_close(
    table: Table,
    community_id: str,
    cycle_id: str,
    *,
    shown: Iterable[str],
    at: datetime,
    retention: timedelta = RETENTION,
) -> None:
    """Record whose work the digest showed (one PutItem): the next digest lists only the
    late work that came after. A few bytes per member: a 5,000-member cycle is ~60 KB."""
    table.put(
        {
            "pk": _pk(community_id),
            "sk": keys.cycle_close_sk(cycle_id),
            "kind": "cycle-close",
            "cycle": cycle_id,
            "shown": sorted(set(shown)),
            "closed_at": at.isoformat(),
            keys.TTL_ATTRIBUTE: expires_at(at, retention),
        }
    )
