"""Homework items in the community's partition: submissions (with history), reviews,
review assignments, strike records and what each digest showed.

    C#<cid> / HW#<cycle>#<member>            current submission (a resubmission replaces it)
    C#<cid> / HWH#<cycle>#<member>#<at>      an earlier version, kept when replaced
    C#<cid> / RV#<cycle>#<reviewee>#<reviewer>   a review of <reviewee>'s work of <cycle>
    C#<cid> / ASP#<cycle>#<M|L>#<bucket>     who reviews whom of <cycle>, packed by a hash of
                                             the reviewee (M: the digest's round, L: late)
    C#<cid> / AS#<cycle>#<reviewee>          the same for one reviewee (before packing; spills)
    C#<cid> / HWS#<cycle>#<member>           a strike: <member> missed <cycle>
    C#<cid> / HWC#<cycle>                    the close of <cycle>: who its digest showed
    C#<cid> / HWM#<member>                   the member's strike count and misses in a row
                                             (written by digests only; see "strikes" below)

Everything a digest needs for one cycle is one Query per kind (paged, 1 MB a page), never
a request per member; a chat command reads its own few items by key. Each function states
its cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from chalicelib.domain.homework import CloseWrites, Counters, StrikeChange, Work, standing_counters
from chalicelib.domain.models import Member
from chalicelib.store import keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table

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


def submissions_of(table: Table, community_id: str, cycle_id: str) -> list[Item]:
    """Every current submission of a cycle: one Query (paged; ~2 KB an item at most)."""
    prefix = keys.cycle_submissions_prefix(cycle_id)
    return list(table.query(_pk(community_id), prefix=prefix, consistent=True))


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


def struck_in(table: Table, community_id: str, cycle_id: str) -> set[str]:
    """Members with a strike for the cycle: one Query (strongly consistent, so a replayed
    close sees what the first one wrote)."""
    prefix = keys.cycle_strikes_prefix(cycle_id)
    return {
        item["user_id"] for item in table.query(_pk(community_id), prefix=prefix, consistent=True)
    }


# Strikes live outside the member item. A close writes a record per strike
# (HWS#<cycle>#<member>) and the counters of every member they change (HWM#<member>), both
# in batches of 25: only digests write them, so a blind put undoes no one's write. A late
# submission clears a strike by deleting its record (conditionally, once); readers take a
# recorded strike whose record is gone as cleared (domain.homework.standing_counters), and
# the next close folds that in. Members with no HWM# item yet keep the counters the member
# item held before this shape (the fallback read: old data is never rewritten).


def counters_from_item(item: Item) -> Counters:
    at = item.get("at")
    return Counters(
        int(item.get("strikes") or 0),
        int(item.get("missed_in_a_row") or 0),
        item.get("through"),
        bool(item.get("struck")),
        date.fromisoformat(at) if at else None,
    )


def recorded_counters(table: Table, community_id: str) -> tuple[dict[str, Counters], set[str]]:
    """Every member's recorded counters, and who among them has had the recorded strike
    cleared since (its record deleted by a late submission). One Query of the counters
    (paged, ~100 bytes a member: 10,000 members are two pages) plus one Query of strike
    records per cycle some recorded strike belongs to (almost always one: the last close)."""
    pk = _pk(community_id)
    recorded = {
        item["user_id"]: counters_from_item(item)
        for item in table.query(pk, prefix=keys.HOMEWORK_COUNTERS_PREFIX, consistent=True)
    }
    by_cycle: dict[str, set[str]] = {}
    for user_id, counters in recorded.items():
        if counters.struck and counters.through:
            by_cycle.setdefault(counters.through, set()).add(user_id)
    cleared: set[str] = set()
    for cycle_id, users in sorted(by_cycle.items()):
        cleared |= users - struck_in(table, community_id, cycle_id)
    return recorded, cleared


def counters_by_member(
    table: Table, community_id: str, members: Iterable[Member]
) -> dict[str, Counters]:
    """Each member's counters now (see :func:`recorded_counters` for the cost)."""
    recorded, cleared = recorded_counters(table, community_id)
    return {
        m.user_id: standing_counters(m, recorded.get(m.user_id), m.user_id not in cleared)
        for m in members
    }


def with_counters(member: Member, counters: Counters) -> Member:
    return replace(member, strikes=counters.strikes, missed_in_a_row=counters.missed_in_a_row)


def member_counters(table: Table, community_id: str, member: Member) -> Member:
    """The member with their homework counters and warning now, for a chat command: one
    BatchGetItem (counters and warning items), and one GetItem more only when their last
    close struck them (has the strike been cleared since?)."""
    from chalicelib.store.reports import warning_from_item

    pk = _pk(community_id)
    found = {
        item["sk"]: item
        for item in table.batch_get(
            [(pk, keys.homework_counters_sk(member.user_id)), (pk, keys.warning_sk(member.user_id))]
        )
    }
    member = warning_from_item(member, found.get(keys.warning_sk(member.user_id)))
    item = found.get(keys.homework_counters_sk(member.user_id))
    if item is None:
        return member  # no close since this shape: the member item's counters
    recorded = counters_from_item(item)
    stands = True
    if recorded.struck and recorded.through:
        stands = table.get(pk, keys.strike_sk(recorded.through, member.user_id)) is not None
    return with_counters(member, standing_counters(member, recorded, stands))


def record_close_writes(
    table: Table, community_id: str, cycle_id: str, writes: CloseWrites, at: datetime
) -> int:
    """The close's counters, then its strike records: 25 to a BatchWriteItem. Counters go
    first: a crash between leaves counters through this cycle without their record, which a
    replay writes (the other order would leave a record the replay takes as counted)."""
    pk = _pk(community_id)
    counters = (
        {
            "pk": pk,
            "sk": keys.homework_counters_sk(user_id),
            "kind": "hw-counters",
            "user_id": user_id,
            "strikes": c.strikes,
            "missed_in_a_row": c.missed_in_a_row,
            "through": c.through,
            "struck": c.struck,
            "at": c.at.isoformat() if c.at else None,
        }
        for user_id, c in sorted(writes.counters.items())
    )
    records = (
        {
            "pk": pk,
            "sk": keys.strike_sk(cycle_id, change.user_id),
            "kind": "strike",
            "cycle": cycle_id,
            "user_id": change.user_id,
            "in_a_row": change.missed_in_a_row,
            "at": at.isoformat(),
        }
        for change in writes.strikes
    )
    return table.batch_put([*counters, *records])


def bulk_record_strikes(
    table: Table, community_id: str, cycle_id: str, changes: Iterable[StrikeChange], at: datetime
) -> int:
    """Strike records alone for the changes that add a strike (25 to a BatchWriteItem):
    what the older shape wrote next to the member item's counters. Seeding and tests."""
    strikes = tuple(c for c in changes if c.delta > 0)
    return record_close_writes(table, community_id, cycle_id, CloseWrites(strikes, {}), at)


def delete_strike(table: Table, community_id: str, cycle_id: str, user_id: str) -> bool:
    """Remove a member's strike for a cycle: one conditional DeleteItem. True only for the
    caller that actually removed it, so two late submissions cannot clear it twice. This
    alone clears it: readers of the counters see the record gone."""
    return table.delete(
        _pk(community_id), keys.strike_sk(cycle_id, user_id), cond=Cond.exists("pk")
    )


def apply_strike_change(table: Table, community_id: str, change: StrikeChange) -> bool:
    """A change to counters kept on the member item, for members no close has recorded
    counters for since strikes moved out of it (one GetItem; then one conditional
    UpdateItem on those only). Members with an ``HWM#`` item need nothing: their cleared
    strike is the deleted record."""
    pk = _pk(community_id)
    if table.get(pk, keys.homework_counters_sk(change.user_id), consistent=True) is not None:
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
