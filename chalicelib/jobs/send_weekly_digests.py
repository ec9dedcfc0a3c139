"""weekly-digest: at a cycle's close (plus the community's offset), two posts to the group.
The first is meant to be read at a glance: the counts first (handed in on time / late /
missing, the previous cycle's reviews done / owed), the per-squad counts, who handed in
(names only, one line per squad when the community has squads), who is missing (leave and
new members shown apart; more than ``FOLDED_NAMES`` names fold into "+N more in the full
list"), the stars, then the goal, rota and level-up lines. The second is the full list:
the work with its links (late work marked), late work for the previous cycle that came
after its digest, every name the first post folded, reviews still owed and the new review
assignments: a reply in the first post's thread where the platform has threads (Slack,
Discord, Telegram, Feishu; jobs/runner.py), else a second post. Neither @-mentions anyone.
Adapters split each at line boundaries to their platform's size.

Reads, whatever the number of members: one Query each for the roster, this cycle's
submissions, the previous cycle's submissions, assignments and reviews, and the cycle's
check-ins (all paged), plus one GetItem of the previous cycle's close record. No request
per member. The submissions are read eventually consistently (half the units).

Writes happen in ``Plan.apply``, once the messages are out: the assignments (25 to a
BatchWriteItem), then strikes. Who is struck is decided on the plan's read of the
submissions; the strikes and counters are read first. After the strike writes the cycle's
submissions are read once more, strongly consistent, and the strike of anyone whose work
it finds is cleared: work the plan's read missed (stale, or handed in while the digest went
out) never keeps a strike (record_close). Strikes and counters live
outside the member item, packed (store/homework.py): a fixed number of bucket items per
cycle for the strikes (``HWS#<cycle>$<bucket>``, a map member -> misses in a row) and for
everyone's counters (``HWM$<bucket>``), keyed by a hash of the member id and written whole
in batches of 25; a bucket of strikes that exists already (a replay) gets only its missing
entries, one UpdateItem each, so a late submission's cleared strike is never written back.
No check-in or submission written meanwhile can be undone. Replays are exact: counters
already through this cycle are not counted again (domain.homework.close_writes). Reads for
this: one Query of the counters and one of the strikes of the cycle they were last struck
in (both shapes, the older per-member items too, in the same Query).
Last, the points of stored work that a crash kept from being credited (the cycle's and the
previous cycle's submissions, the previous cycle's reviews; features/points.py
repair_credits): keyed as the original credit, so never twice; no request when none is owed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.calendar import CycleCalendar
from chalicelib.domain.homework import (
    CycleClose,
    Star,
    checkin_leaders,
    close_cycle,
    close_writes,
    cycle_dates,
    cycle_for_period,
    cycles_of,
    deadline_date,
    homework_star,
    is_paused,
    last_closed,
    local_text,
    on_leave_on,
    period_of,
    preview,
    previous_active,
)
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, InvalidValue, Member, parse_hhmm
from chalicelib.domain.review_assignment import Person, assign_reviewers
from chalicelib.features.points import (
    LEVELUPS_UNTIL,
    announced_until,
    levelup_line,
    repair_credits,
)
from chalicelib.jobs.plan import Direct, InThread, JobSpec, Plan, Slot, Target
from chalicelib.platforms.base import Message
from chalicelib.store.checkins import checkins_between
from chalicelib.store.homework import (
    assignments_of,
    bulk_save_assignments,
    cycle_close,
    cycle_strikes,
    delete_strike,
    record_close_writes,
    recorded_counters,
    reviews_of,
    save_cycle_close,
    submissions_of,
)
from chalicelib.store.repository import Store
from chalicelib.store.retention import retention_of

NAME = "weekly-digest"

Say = Callable[..., str]
Name = Callable[[str], str]

# Names per line in long lists (missing members, assignments): lines stay short enough
# that every platform's split (WeCom: 2,048 bytes) falls between lines, never inside one.
NAMES_PER_LINE = 20
# The scannable post names at most this many missing (on leave, new) members, then says
# how many more the full list (the digest's second post) names.
FOLDED_NAMES = 15


@dataclass(frozen=True)
class Digest:
    """Everything one digest says and does, computed before anything is sent."""

    cycle: int
    cycle_id: str
    submissions: list[dict[str, Any]]
    close: CycleClose
    late_previous: list[dict[str, Any]] = field(default_factory=list)
    previous_id: str | None = None
    assignment: dict[str, list[str]] = field(default_factory=dict)
    late_assignment: dict[str, list[str]] = field(default_factory=dict)
    assigned_pairs: int = 0
    done_pairs: int = 0
    extra_reviews: int = 0
    owed: dict[str, list[str]] = field(default_factory=dict)
    star: Star | None = None
    checkin_stars: tuple[list[str], int] = ([], 0)
    squads: tuple[SquadCount, ...] = ()
    # The previous cycle's submissions and reviews as read, for the points repair.
    previous_work: list[dict[str, Any]] = field(default_factory=list)
    previous_reviews: list[dict[str, Any]] = field(default_factory=list)
    # The cycle's submissions as the plan read them (whatever their time), for the close and
    # the points repair.
    work_read: tuple[dict[str, Any], ...] = ()

    @property
    def handed_in(self) -> frozenset[str]:
        """Everyone with work for the cycle in the plan's read: the close strikes the
        others (record_close)."""
        return frozenset(s["user_id"] for s in self.work_read)


@dataclass(frozen=True)
class SquadCount:
    """One squad's line in the digest: present members, those who checked in at least once
    during the cycle, and homework handed in of homework expected."""

    squad: str | None  # None: members in no squad
    members: int
    checked: int
    submitted: int
    expected: int


def count_squads(
    members: Iterable[Member], close: CycleClose, checked_in: Iterable[str]
) -> tuple[SquadCount, ...]:
    """Per-squad counts from what the digest read anyway (the roster, the cycle's check-ins
    and submissions): no request of its own. Empty when no present member has a squad."""
    present = [m for m in members if m.is_present]
    if not any(m.squad for m in present):
        return ()
    checked, submitted = set(checked_in), {m.user_id for m in close.submitted}
    missing = {m.user_id for m in close.missing}
    counts = []
    for squad in sorted({m.squad for m in present}, key=lambda s: (s is None, s or "")):
        group = [m for m in present if m.squad == squad]
        done = sum(1 for m in group if m.user_id in submitted)
        counts.append(
            SquadCount(
                squad,
                len(group),
                sum(1 for m in group if m.user_id in checked),
                done,
                done + sum(1 for m in group if m.user_id in missing),
            )
        )
    return tuple(counts)


def plan_weekly_digest(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
) -> Plan:
    """``period`` as the scheduler names it (``2026-W47``, or ``C0042`` for other cycle
    lengths); by default the cycle that most recently closed at or before ``now``. With
    ``direct`` (the platform can send DMs here) each reviewer is also told privately whom to
    review, with the links; the digest lists the assignments either way."""
    cycles = cycles_of(community)
    if cycles is None:
        raise ValueError(
            f"community {community.id} has no homework cycles: "
            f"{community.cycle_length_days}-day cycles need a cycle anchor"
        )
    try:
        n = cycle_for_period(community, cycles, period) if period else last_closed(cycles, now)
    except InvalidValue as error:
        raise ValueError(str(error)) from None
    if n < 1:
        due = local_text(community, cycles.deadline(1))
        raise ValueError(f"no homework cycle of {community.id} has closed yet (first: {due})")
    period = period_of(community, cycles, n)
    cycle_id = cycles.cycle_id(n)
    first, last = cycle_dates(cycles, n)
    if is_paused(community, n):
        text = t(
            community.locale,
            "hw_digest_paused",
            cycle=cycle_id,
            first=first.isoformat(),
            last=last.isoformat(),
        )
        return Plan(period, [Message(text)], {"cycle": cycle_id, "paused": True})
    members = list(store.list_members(community.id))
    digest = build_digest(store, community, cycles, n, members, now)
    text = compose_digest(community, cycles, digest, members)
    text = with_goal_line(store, community, now, members, text)
    text = with_rota_line(store, community, now, text)

    def apply() -> None:
        record_close(store, community, cycles, digest, members, now)

    record: dict[str, str] = {}
    if "daily-reminder" not in community.jobs:
        text, record = with_levelups(store, community, cycles, n, period, members, text)
    messages = [Message(text)]
    targets: list[Target] = [None]
    full = compose_full_list(community, cycles, digest, members)
    if full:
        messages.append(Message(full))
        targets.append(InThread(0))  # under the first post where the platform has threads
    if direct:
        for user_id, message in compose_assignment_dms(community, digest, members):
            messages.append(message)
            targets.append(Direct(user_id))
    return Plan(period, messages, digest_summary(digest), apply, targets, record=record)


def digest_summary(digest: Digest) -> dict[str, Any]:
    """The run's figures for operators (``rollcall run``, the runs page)."""
    return {
        "cycle": digest.cycle_id,
        "submitted": len(digest.submissions),
        "late": sum(1 for s in digest.submissions if s.get("late")),
        "late_previous": len(digest.late_previous),
        "missing": len(digest.close.missing),
        "on_leave": len(digest.close.on_leave),
        "grace": len(digest.close.grace),
        "assigned": sum(len(r) for r in digest.assignment.values()),
        "reviews_done": digest.done_pairs,
        "reviews_owed": digest.assigned_pairs - digest.done_pairs,
    }


def with_levelups(
    store: Store,
    community: Community,
    cycles: CycleCalendar,
    n: int,
    period: str,
    members: Sequence[Member],
    text: str,
) -> tuple[str, dict[str, str]]:
    """No daily post to carry level-ups: the digest does, for the cycle's window (from the
    previous digest's time to its own), once like the reminder would. Started where the
    previous digest that ran ended its window, when the ledger has it (a changed deadline
    or a skipped digest then neither repeats nor drops one). Returns the text and the
    window's end to keep on the run's record."""
    offset = timedelta(minutes=community.digest_offset_minutes)
    start, end = cycles.deadline(n - 1) + offset, cycles.deadline(n) + offset
    start = announced_until(store.table, community.id, NAME, period) or start
    line = levelup_line(community, members, start, end)
    return (f"{text}\n{line}" if line else text), {LEVELUPS_UNTIL: end.isoformat()}


def with_goal_line(
    store: Store, community: Community, now: datetime, members: Sequence[Member], text: str
) -> str:
    """The digest with the month's goal line at its end, when the month has a goal: one
    Query of the month's goal and progress (features/goals.py), no read per member."""
    from chalicelib.features.goals import goal_digest_line

    line = goal_digest_line(store.table, community, now, members)
    return f"{text}\n{line}" if line else text


def with_rota_line(store: Store, community: Community, now: datetime, text: str) -> str:
    """The digest with who is on duty at its end, for a community with a rota: one GetItem
    of the period's duty (features/rota.py), no read per member."""
    if community.rota_period is None:
        return text
    from chalicelib.features.rota import digest_line

    line = digest_line(store.table, community, now)
    return f"{text}\n{line}" if line else text


# -- what the digest says ---------------------------------------------------------------------


def _squads(members: Iterable[Member]) -> dict[str, str | None]:
    return {m.user_id: m.squad for m in members}


def reviewer_candidates(
    members: Iterable[Member], submitted: Iterable[str], day: date
) -> list[Person]:
    """Present members: those who handed in are the pool; the others (not on leave) are the
    fallback ``assign_reviewers`` uses only when the submitters are too few."""
    done = set(submitted)
    pool = []
    for m in members:
        if not m.is_present:
            continue
        if m.user_id in done:
            pool.append(Person(m.user_id, m.squad, submitted=True))
        elif not on_leave_on(m, day):
            pool.append(Person(m.user_id, m.squad, submitted=False))
    return pool


def build_digest(
    store: Store,
    community: Community,
    cycles: CycleCalendar,
    n: int,
    members: Sequence[Member],
    now: datetime,
) -> Digest:
    table, cid = store.table, community.id
    cycle_id = cycles.cycle_id(n)
    due = deadline_date(cycles, n)
    at = now.isoformat()
    squads = _squads(members)
    # Eventually consistent (half the units): the close decides who is struck on this read,
    # and its strongly consistent re-read after the strike writes clears the strike of any
    # work this read missed, stale or saved since (record_close).
    read = submissions_of(table, cid, cycle_id, consistent=False)
    submissions = [s for s in read if s["submitted_at"] <= at]
    close = close_cycle(members, (s["user_id"] for s in submissions), due, community.grace_days)
    k = community.reviewers_per_submission
    assignment = assign_reviewers(
        [Person(s["user_id"], squads.get(s["user_id"])) for s in submissions],
        reviewer_candidates(members, (s["user_id"] for s in submissions), due),
        k,
        seed=f"{cid}#{cycle_id}",
    )
    first, last = cycle_dates(cycles, n)
    present = {m.user_id for m in members if m.is_present}
    checkins = checkins_between(table, cid, first, last)
    checkin_stars = checkin_leaders(c["user_id"] for c in checkins if c["user_id"] in present)
    squad_counts = count_squads(members, close, (c["user_id"] for c in checkins))
    digest = Digest(
        n,
        cycle_id,
        submissions,
        close,
        assignment=assignment,
        checkin_stars=checkin_stars,
        squads=squad_counts,
        work_read=tuple(read),
    )
    previous = previous_active(community, n)
    if previous is None:
        return digest
    return _with_previous(store, community, cycles, digest, previous, members, now)


def _previous_work(
    table: Any, cid: str, previous_id: str, at: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The previous cycle's work handed in by ``at``, and the late part of it its digest
    did not show. Eventually consistent (half the units): work saved a moment before this
    read may be missed, and is then treated as work saved a moment after it always was (not
    listed, assigned or repaired by this digest): a wider moment, no new case. Nothing is
    decided on it that a later read must correct."""
    read = submissions_of(table, cid, previous_id, consistent=False)
    before = [s for s in read if s["submitted_at"] <= at]
    record = cycle_close(table, cid, previous_id)
    if record is not None:
        shown = set(record.get("shown") or [])
        return before, [s for s in before if s["user_id"] not in shown]
    # its digest never ran: at least the late work gets noticed
    return before, [s for s in before if s.get("late")]


def _with_previous(
    store: Store,
    community: Community,
    cycles: CycleCalendar,
    digest: Digest,
    previous: int,
    members: Sequence[Member],
    now: datetime,
) -> Digest:
    """The previous cycle's late work, review progress and star."""
    table, cid = store.table, community.id
    previous_id = cycles.cycle_id(previous)
    at = now.isoformat()
    before, late_previous = _previous_work(table, cid, previous_id, at)
    squads = _squads(members)
    late_assignment = {}
    if late_previous:
        late_assignment = assign_reviewers(
            [Person(s["user_id"], squads.get(s["user_id"])) for s in late_previous],
            reviewer_candidates(
                members, (s["user_id"] for s in before), deadline_date(cycles, previous)
            ),
            community.reviewers_per_submission,
            seed=f"{cid}#{previous_id}#late",
        )
    assigned = assignments_of(table, cid, previous_id)
    reviews = [r for r in reviews_of(table, cid, previous_id) if r.get("at", "") <= at]
    done = {(r["reviewee"], r["reviewer"]) for r in reviews}
    pairs = {(e, r) for e, reviewers in assigned.items() for r in reviewers}
    present = {m.user_id for m in members if m.is_present}
    owed: dict[str, list[str]] = {}
    for reviewee, reviewer in sorted(pairs - done):
        if reviewer in present:
            owed.setdefault(reviewer, []).append(reviewee)
    return Digest(
        digest.cycle,
        digest.cycle_id,
        digest.submissions,
        digest.close,
        late_previous=late_previous,
        previous_id=previous_id,
        assignment=digest.assignment,
        late_assignment=late_assignment,
        assigned_pairs=len(pairs),
        done_pairs=len(pairs & done),
        extra_reviews=len(done - pairs),
        owed=owed,
        star=homework_star(reviews),
        checkin_stars=digest.checkin_stars,
        squads=digest.squads,
        previous_work=before,
        previous_reviews=reviews,
        work_read=digest.work_read,
    )


def compose_digest(
    community: Community, cycles: CycleCalendar, digest: Digest, members: Sequence[Member]
) -> str:
    """The digest's scannable post: the counts first, then the names grouped (per squad when
    the community has squads), long lists folded; every line is short, so splitting never
    cuts one. It mentions nobody: names only (no member is @-mentioned by the digest)."""
    view = DigestView.of_digest(community, digest, members)
    return "\n".join(
        [
            _title_line(view, cycles),
            *_count_lines(view),
            *_squad_lines(view),
            *_handed_in_lines(view),
            *_late_previous_lines(view),
            *_absent_lines(view, fold=True),
            *_star_lines(view),
        ]
    )


def compose_full_list(
    community: Community, cycles: CycleCalendar, digest: Digest, members: Sequence[Member]
) -> str:
    """The digest's second post, the full list: each submission with its link, late work of
    the previous cycle, the names the first post folded, reviews still owed and the new
    review assignments. Empty when there is nothing to list."""
    view = DigestView.of_digest(community, digest, members)
    say, d = view.digest_text, digest
    lines = _work_lines(say, d.submissions, view.name_in_digest)
    if d.late_previous:
        lines.append(say("hw_digest_late_title", cycle=d.previous_id))
        lines += _work_lines(say, d.late_previous, view.name_in_digest)
    lines += _absent_lines(view, fold=False, only_folded=True)
    if d.owed:
        lines.append(say("hw_digest_owed_title"))
        lines += _pair_lines(say, d.owed, view.name_in_digest, view.names_separator)
    if any(d.assignment.values()):
        k = community.reviewers_per_submission
        lines.append(say("hw_digest_assign_title", cycle=d.cycle_id, k=k))
        lines += _pair_lines(
            say, _by_reviewer(d.assignment), view.name_in_digest, view.names_separator
        )
    if any(d.late_assignment.values()):
        lines.append(say("hw_digest_assign_late_title", cycle=d.previous_id))
        lines += _pair_lines(
            say, _by_reviewer(d.late_assignment), view.name_in_digest, view.names_separator
        )
    if any(d.assignment.values()) or d.owed:
        lines.append(say("hw_digest_how_to_review"))
    if not lines:
        return ""
    return "\n".join([say("hw_digest_full_title", cycle=d.cycle_id), *lines])


@dataclass(frozen=True)
class DigestView:
    """What every part of the digest's text needs: the digest, the community's language and
    members' names (work of members who left keeps the name it was handed in under)."""

    community: Community
    digest: Digest
    names: Mapping[str, str]
    squad_of: Mapping[str, str | None]

    @classmethod
    def of_digest(
        cls, community: Community, digest: Digest, members: Sequence[Member]
    ) -> DigestView:
        names = {m.user_id: m.display() for m in members}
        for item in (*digest.submissions, *digest.late_previous):
            names.setdefault(item["user_id"], item.get("name") or item["user_id"])
        return cls(community, digest, names, _squads(members))

    def digest_text(self, key: str, **values: Any) -> str:
        return t(self.community.locale, key, **values)

    def name_in_digest(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)

    @property
    def names_separator(self) -> str:
        return self.digest_text("list_separator")


def _title_line(view: DigestView, cycles: CycleCalendar) -> str:
    n = view.digest.cycle
    first, last = cycle_dates(cycles, n)
    return view.digest_text(
        "hw_digest_title",
        cycle=view.digest.cycle_id,
        first=first.isoformat(),
        last=last.isoformat(),
        deadline=local_text(view.community, cycles.deadline(n)),
    )


def _count_lines(view: DigestView) -> list[str]:
    """Handed in (on time, late) and missing, then the previous cycle's reviews done and
    owed. Counted: present members only. Work of a member who left since is still listed
    (it was handed in), but counts in neither number, so done never outruns expected."""
    d, close = view.digest, view.digest.close
    present = {m.user_id for m in close.submitted}
    late = sum(1 for s in d.submissions if s.get("late") and s["user_id"] in present)
    done = len(close.submitted)
    lines = [
        view.digest_text(
            "hw_digest_count",
            done=done,
            expected=done + len(close.missing),
            on_time=done - late,
            late=late,
            missing=len(close.missing),
        )
    ]
    if d.previous_id is not None and d.assigned_pairs + d.extra_reviews:
        lines.append(
            view.digest_text(
                "hw_digest_reviews",
                cycle=d.previous_id,
                done=d.done_pairs,
                assigned=d.assigned_pairs,
                owed=d.assigned_pairs - d.done_pairs,
                extra=d.extra_reviews,
            )
        )
        if d.assigned_pairs and not d.owed:
            lines.append(view.digest_text("hw_digest_all_reviewed"))
    return lines


def _squad_lines(view: DigestView) -> list[str]:
    if not view.digest.squads:
        return []
    lines = [view.digest_text("hw_digest_squads_title")]
    for line in view.digest.squads:
        lines.append(
            view.digest_text(
                "hw_digest_squad_line",
                squad=line.squad or view.digest_text("hw_digest_no_squad"),
                checked=line.checked,
                members=line.members,
                submitted=line.submitted,
                expected=line.expected,
            )
        )
    return lines


def _handed_in_lines(view: DigestView) -> list[str]:
    """Who handed in, names only (the links are in the full list): one line per squad when
    the community has squads, else lines of ``NAMES_PER_LINE`` names; late work marked."""
    d = view.digest
    if not d.submissions:
        return [view.digest_text("hw_digest_none")]
    marked = {
        s["user_id"]: view.name_in_digest(s["user_id"]) + ("⏰" if s.get("late") else "")
        for s in d.submissions
    }
    ordered = sorted(marked, key=lambda u: (view.name_in_digest(u).casefold(), u))
    if not d.squads:
        render = _saying(view.digest_text, "hw_digest_done_names")
        return _name_lines(render, [marked[u] for u in ordered], view.names_separator)
    groups: dict[str | None, list[str]] = {}
    for user_id in ordered:
        groups.setdefault(view.squad_of.get(user_id), []).append(marked[user_id])
    lines = []
    for squad in sorted(groups, key=lambda s: (s is None, s or "")):
        label = squad or view.digest_text("hw_digest_no_squad")
        render = _saying(view.digest_text, "hw_digest_done_squad", squad=label)
        lines += _name_lines(render, groups[squad], view.names_separator)
    return lines


def _late_previous_lines(view: DigestView) -> list[str]:
    """The previous cycle's work handed in after its digest, names only."""
    d = view.digest
    names = sorted((view.name_in_digest(s["user_id"]) for s in d.late_previous), key=str.casefold)
    render = _saying(view.digest_text, "hw_digest_late_names", cycle=d.previous_id)
    return _name_lines(render, names, view.names_separator)


def _absent_lines(view: DigestView, *, fold: bool, only_folded: bool = False) -> list[str]:
    """Missing, on leave and new members. Folded (the scannable post): at most
    ``FOLDED_NAMES`` names, then "+N more in the full list". Unfolded with ``only_folded``
    (the full list): just the groups the scannable post folded, every name."""
    close = view.digest.close
    lines: list[str] = []
    for key, group in (
        ("hw_digest_missing", close.missing),
        ("hw_digest_on_leave", close.on_leave),
        ("hw_digest_grace", close.grace),
    ):
        names = [m.display() for m in group]
        if not names or (only_folded and len(names) <= FOLDED_NAMES):
            continue
        render = _saying(view.digest_text, key, count=len(names))
        if fold and len(names) > FOLDED_NAMES:
            more = view.digest_text("hw_digest_more", count=len(names) - FOLDED_NAMES)
            lines.append(render(view.names_separator.join(names[:FOLDED_NAMES]) + more))
        else:
            lines += _name_lines(render, names, view.names_separator)
    return lines


def _star_lines(view: DigestView) -> list[str]:
    d, lines = view.digest, []
    star = d.star
    if star is not None and star.average is not None:
        lines.append(
            view.digest_text(
                "hw_digest_star_scored",
                name=view.name_in_digest(star.user_id),
                cycle=d.previous_id,
                average=f"{star.average:.1f}",
                count=star.reviews,
            )
        )
    elif star is not None:
        lines.append(
            view.digest_text(
                "hw_digest_star_reviewed",
                name=view.name_in_digest(star.user_id),
                cycle=d.previous_id,
                count=star.reviews,
            )
        )
    leaders, count = d.checkin_stars
    if leaders:
        shown = view.names_separator.join(view.name_in_digest(u) for u in leaders[:5])
        if len(leaders) > 5:
            shown += f" +{len(leaders) - 5}"
        lines.append(view.digest_text("hw_digest_star_checkin", names=shown, count=count))
    return lines


def _work_lines(say: Say, items: Sequence[Mapping[str, Any]], name: Name) -> list[str]:
    ordered = sorted(items, key=lambda s: (name(s["user_id"]).casefold(), s["user_id"]))
    return [
        say(
            "hw_digest_line_late" if item.get("late") else "hw_digest_line",
            n=index,
            name=name(item["user_id"]),
            work=preview(item),
        )
        for index, item in enumerate(ordered, 1)
    ]


def _saying(say: Callable[..., str], key: str, **values: Any) -> Name:
    """A line of names for ``_name_lines``: ``say(key, names=chunk, **values)``."""
    return lambda chunk: say(key, names=chunk, **values)


def _name_lines(render: Name, names: Sequence[str], separator: str) -> list[str]:
    return [
        render(separator.join(names[i : i + NAMES_PER_LINE]))
        for i in range(0, len(names), NAMES_PER_LINE)
    ]


def _by_reviewer(assignment: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Reviewee → reviewers, turned around: each member reads one line saying whom to
    review."""
    out: dict[str, list[str]] = {}
    for reviewee, reviewers in sorted(assignment.items()):
        for reviewer in reviewers:
            out.setdefault(reviewer, []).append(reviewee)
    return out


def _pair_lines(
    say: Say, by_reviewer: Mapping[str, Sequence[str]], name: Name, separator: str
) -> list[str]:
    ordered = sorted(by_reviewer, key=lambda r: (name(r).casefold(), r))
    return [
        say(
            "hw_digest_pair",
            reviewer=name(reviewer),
            reviewees=separator.join(name(e) for e in by_reviewer[reviewer]),
        )
        for reviewer in ordered
    ]


def compose_assignment_dms(
    community: Community, digest: Digest, members: Sequence[Member]
) -> list[tuple[str, Message]]:
    """Each reviewer's assignments as a private message: whom to review, each with the link
    (or the start) of their work, and how to post a review. No fallback is needed: the
    digest lists the same assignments in the group."""
    locale = community.locale

    def say(key: str, **values: Any) -> str:
        return t(locale, key, **values)

    names = {m.user_id: m.display() for m in members}
    work: dict[tuple[str | None, str], Mapping[str, Any]] = {}
    for item in digest.submissions:
        work[(digest.cycle_id, item["user_id"])] = item
        names.setdefault(item["user_id"], item.get("name") or item["user_id"])
    for item in digest.late_previous:
        work[(digest.previous_id, item["user_id"])] = item
        names.setdefault(item["user_id"], item.get("name") or item["user_id"])

    def lines(cycle: str | None, reviewees: Sequence[str]) -> list[str]:
        return [
            say(
                "hw_assign_dm_line",
                n=index,
                name=names.get(user_id, user_id),
                work=preview(work.get((cycle, user_id), {})),
            )
            for index, user_id in enumerate(reviewees, 1)
        ]

    current = _by_reviewer(digest.assignment)
    late = _by_reviewer(digest.late_assignment)
    out = []
    for reviewer in sorted(set(current) | set(late)):
        name = names.get(reviewer, reviewer)
        text: list[str] = []
        if reviewer in current:
            text.append(say("hw_assign_dm_title", name=name, cycle=digest.cycle_id))
            text += lines(digest.cycle_id, current[reviewer])
        if reviewer in late:
            if not text:
                text.append(say("hw_assign_dm_title", name=name, cycle=digest.previous_id))
            else:
                text.append(say("hw_assign_dm_late_title", cycle=digest.previous_id))
            text += lines(digest.previous_id, late[reviewer])
        text.append(say("hw_digest_how_to_review"))
        out.append((reviewer, Message("\n".join(text))))
    return out


# -- what the digest records ------------------------------------------------------------------


def record_close(
    store: Store,
    community: Community,
    cycles: CycleCalendar,
    digest: Digest,
    members: Sequence[Member],
    now: datetime,
) -> None:
    """Assignments, strikes and the close record, after the digest went out."""
    table, cid = store.table, community.id
    retention = retention_of(community)  # how long the assignments and the close are kept
    _save_digest_assignments(table, cid, digest, now, retention)
    # Who is struck is decided on the plan's read of the submissions (eventually consistent;
    # no second read before the writes): a member whose work it missed, stale or saved
    # since, is struck, and the strongly consistent re-read after the strike writes clears
    # it (below). The strike entries and counters are read here, after the plan's read: a
    # late /submit saves its work before it deletes its strike, so a strike deleted before
    # this read is written again only for work the re-read then sees, and one deleted after
    # is among the struck (not written again). tests/jobs/test_strike_records.py
    # interleaves exactly this.
    struck, strike_buckets = cycle_strikes(table, cid, digest.cycle_id)
    recorded, cleared = recorded_counters(table, cid)
    close = close_cycle(
        members, digest.handed_in, deadline_date(cycles, digest.cycle), community.grace_days
    )
    writes = close_writes(
        close, digest.cycle_id, struck, recorded, community.calendar.local_date(now), cleared
    )
    record_close_writes(
        table, cid, digest.cycle_id, writes, now, recorded=recorded, strike_buckets=strike_buckets
    )
    holding = struck | {change.user_id for change in writes.strikes}
    current = _clear_strikes_of_work_since(table, cid, digest.cycle_id, holding)
    save_cycle_close(
        table,
        cid,
        digest.cycle_id,
        shown=(s["user_id"] for s in digest.submissions),
        at=now,
        retention=retention,
    )
    # Work whose points a crash lost after it was stored (features/points.py): none twice.
    repair_credits(
        table,
        community,
        members,
        [*(digest.work_read if current is None else current), *digest.previous_work],
        digest.previous_reviews,
        today=community.calendar.local_date(now),
        now=now,
        current_cycle=cycles.cycle_id(max(cycles.cycle_of(now), 0)),
    )


def _clear_strikes_of_work_since(
    table: Any, cid: str, cycle_id: str, holding: set[str]
) -> list[dict[str, Any]] | None:
    """Work the plan's read did not see (saved since, or the read a moment stale) was
    struck, and its /submit may have found no strike to clear (it came first): after the
    strike writes, the submissions are read again (one Query, strongly consistent, so it
    sees all work saved before the writes) and the strike of every member ``holding`` one
    (struck before, as read, or by this close) whose work it finds is cleared. Work saved
    after this read finds its strike written and clears it itself; delete_strike clears a
    strike once, whoever comes first. A replay after a crash between the writes and this
    read clears them too (their entries read as struck). Returns what it read (None: no
    strike, nothing read)."""
    if not holding:
        return None
    current = submissions_of(table, cid, cycle_id)
    for user_id in sorted({s["user_id"] for s in current} & holding):
        delete_strike(table, cid, cycle_id, user_id)
    return current


def _save_digest_assignments(
    table: Any, cid: str, digest: Digest, now: datetime, retention: timedelta
) -> None:
    """The cycle's review assignments, and the late round's for the cycle before."""
    if digest.assignment:
        bulk_save_assignments(
            table, cid, digest.cycle_id, digest.assignment, now, retention=retention
        )
    if digest.late_assignment and digest.previous_id is not None:
        bulk_save_assignments(
            table,
            cid,
            digest.previous_id,
            digest.late_assignment,
            now,
            late_round=True,
            retention=retention,
        )


# -- when it runs ------------------------------------------------------------------------


def weekly_digest_slots(community: Community, after: datetime) -> Iterator[Slot]:
    """The digest follows each cycle's deadline by ``digest_offset_minutes`` of real time, so
    late submissions made in the last minutes before the deadline are in it."""
    calendar = community.calendar
    offset = timedelta(minutes=community.digest_offset_minutes)
    deadline_time = parse_hhmm(community.deadline_time)
    anchor = community.cycle_anchor
    if anchor is None and community.created_at is not None:
        anchor = calendar.local_date(community.created_at)
    weekly = community.cycle_length_days == 7
    if anchor is None:
        if not weekly:
            return  # cycles of other lengths cannot be counted without a starting date
        cursor = after - offset
        while True:
            cursor = calendar.next_weekly(cursor, community.deadline_weekday, deadline_time)
            week = calendar.iso_week(calendar.period_date(cursor))
            yield Slot(NAME, week, cursor + offset)
    cycles = CycleCalendar(
        calendar,
        anchor,
        length_days=community.cycle_length_days,
        deadline_weekday=community.deadline_weekday,
        deadline_time=deadline_time,
    )
    # The first cycle whose deadline is at or after ``after - offset``; step past an exact
    # hit because the window is open on the left. Cycle 0 (before the anchor) has no digest.
    n = max(1, cycles.cycle_of(after - offset))
    while True:
        deadline = cycles.deadline(n)
        if deadline + offset > after:
            if weekly:
                period = calendar.iso_week(calendar.period_date(deadline))
            else:
                period = cycles.cycle_id(n)
            yield Slot(NAME, period, deadline + offset)
        n += 1


SPEC = JobSpec(
    name=NAME,
    plan=plan_weekly_digest,
    slots=weekly_digest_slots,
    max_lateness=timedelta(days=3),  # still worth having late
)
