"""Points and levels: what chat commands, jobs and the CLI call to credit an action, judge a
level and rank members by points.

The rules are in domain/points.py and domain/levels.py; the writes in store/points.py (and,
for a check-in, inside store/checkins.save_streak). Costs are stated on each function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from chalicelib.domain.freezes import FreezeRules, bank, earned
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member, first_observed
from chalicelib.domain.points import (
    PointRules,
    Tally,
    checkin_points,
    credit,
    decode_keys,
    is_first,
    owed_credits,
    prune_keys,
    settle_key,
)
from chalicelib.store.points import read_member_item, save_points
from chalicelib.store.records import from_fields
from chalicelib.store.table import Table

log = logging.getLogger("rollcall.points")

# A points write loses only to the same member's own concurrent action; three tries.
MAX_ATTEMPTS = 3


def _periods(community: Community, today: date) -> dict[str, Any]:
    calendar = community.calendar
    return {"day": today, "week": calendar.iso_week(today), "month": calendar.month(today)}


def level_fields(
    community: Community, member: Member, today: date, now: datetime
) -> dict[str, Any]:
    """``level``/``level_at`` to write when ``member`` (counters as they will be) climbed a
    rung; empty otherwise (a level once reached is kept).

    Most check-ins leave a member short of the next rung's points: they are answered
    without the ladder's rules (domain/levels.py), which stay off the webhook's cold path."""
    if _short_of_next_rung(community, member):
        return {}
    from chalicelib.domain.levels import facts_of, level_of

    facts = facts_of(member, today, first_observed(member, community))
    level = level_of(facts, community.level_points)
    if level <= member.level:
        return {}
    return {"level": level, "level_at": now.isoformat()}


def _short_of_next_rung(community: Community, member: Member) -> bool:
    """No rung above ``member.level`` can be reached: rungs are climbed in order and each
    needs its points (domain/levels.level_of), so a member without the points of the rung
    right above theirs climbs none (a ladder they are at the top of has none)."""
    if member.level < 1:
        return False
    thresholds = community.level_points
    return member.level >= len(thresholds) or member.points < thresholds[member.level]


def level_label(community: Community, member: Member) -> str:
    from chalicelib.domain.levels import level_name

    return level_name(community.locale, community.level_names, community.level_points, member.level)


def checkin_fields(
    community: Community,
    member: Member,
    *,
    streak: int,
    best: int,
    checkins: int,
    today: date,
    now: datetime,
) -> tuple[dict[str, Any], int]:
    """The tally and level fields a check-in sets (run ``streak`` ending today), to ride in
    the counters' own conditional write; and the points it adds."""
    rules = PointRules.of(community)
    tally, added = credit(
        Tally.of(member),
        checkin_points(rules, streak),
        cap=rules.daily_cap,
        **_periods(community, today),
    )
    fields = tally.fields()
    after = replace(member, points=tally.total, best_streak=best, checkins=checkins)
    fields.update(level_fields(community, after, today, now))
    return fields, added


def credit_action(
    table: Table,
    community: Community,
    user_id: str,
    key: str,
    amount: int,
    *,
    today: date,
    now: datetime,
    counter: str | None = None,
    current_cycle: str | None = None,
) -> int | None:
    """Make action ``key`` hold ``amount`` points in all (a replay adds nothing; a change,
    such as a replaced submission turning late, adds the difference). ``counter`` (a Member
    field such as ``homework_cycles``) goes up by one the first time the key is credited.
    Returns the change made, or None when the member is not stored. One GetItem and one
    conditional UpdateItem; one pair more per lost race."""
    rules = PointRules.of(community)
    for _ in range(MAX_ATTEMPTS):
        item = read_member_item(table, community.id, user_id)
        if item is None:
            return None
        member = from_fields(Member, item)
        held = decode_keys(member.points_keys)
        first = is_first(held, key)
        if first and amount == 0:
            return 0  # nothing earned (a review too short): no key, no counter
        settled = settle_key(
            Tally.of(member), held, key, amount, cap=rules.daily_cap, **_periods(community, today)
        )
        if settled is None:
            return 0
        tally, kept, added = settled
        fields = tally.fields()
        after = replace(member, points=tally.total)
        if counter and first:
            after = replace(after, **{counter: getattr(member, counter) + 1})
            fields[counter] = getattr(after, counter)
        fields.update(level_fields(community, after, today, now))
        # Streak freezes earned by this action (every N reviews, each level): in the same
        # write, under the same version, so a replay earns nothing (domain/freezes.py).
        freeze_rules = FreezeRules.of(community)
        gained = earned(
            freeze_rules,
            member,
            reviews=after.reviews_given,
            level=int(fields.get("level", member.level)),
        )
        if gained:
            fields["freezes"] = bank(freeze_rules, member.freezes, gained)
        if save_points(
            table,
            community.id,
            user_id,
            version=member.points_v,
            fields=fields,
            held=prune_keys(kept, current_cycle),
        ):
            return added
    log.warning("points not settled", extra={"community": community.id})
    return 0


def repair_credits(
    table: Table,
    community: Community,
    members: Iterable[Member],
    submissions: Iterable[dict[str, Any]],
    reviews: Iterable[dict[str, Any]],
    *,
    today: date,
    now: datetime,
    current_cycle: str,
) -> int:
    """Credit the stored work (``submissions``; ``reviews`` given) whose points key its
    member's item does not hold, take back the difference from work that now earns less
    than its key holds (a take-back whose write was lost: on-time work replaced by late
    work, a review revised too short), and return how many keys were settled.

    A submission or review is stored, then its points are credited in a second write
    (:func:`credit_action`); a crash between the two leaves the work without its points,
    and the platform's redelivery of that message is dropped by its delivery claim. This
    is the repair: the member's next 交作业 /submit or 作业 /hw (their open cycles' work) and
    the weekly digest (the cycle it closes, the previous cycle's late work and reviews)
    call it. It cannot credit or take back twice: each is :func:`credit_action` on the same
    key as the original, settling the key to what the work is worth: it re-reads the
    member (consistent) and applies only the difference from what the key holds, under the
    tally's version condition; so a credit that did land, concurrently or since
    ``members`` was read, makes the repair change nothing. Keys of
    cycles old enough to have been forgotten, and work stored without what it earns (before
    points existed), are never judged (domain.points.owed_credits).
    ``current_cycle`` is the cycle in progress at ``now``. Costs nothing when nothing is
    owed (the usual case); a GetItem and an UpdateItem per owed key otherwise."""
    handed, given = _by_author(submissions, "user_id"), _by_author(reviews, "reviewer")
    repaired = 0
    for member in members:
        mine, theirs = handed.get(member.user_id, []), given.get(member.user_id, [])
        if not (mine or theirs) or not member.is_present:
            continue
        held = decode_keys(member.points_keys)
        for owed in owed_credits(member.user_id, held, mine, theirs, current_cycle):
            added = credit_action(
                table,
                community,
                member.user_id,
                owed.key,
                owed.amount,
                today=today,
                now=now,
                counter=owed.counter,
                current_cycle=current_cycle,
            )
            if added:
                repaired += 1
                log.warning(
                    "points repaired",
                    extra={"community": community.id, "cycle": owed.cycle, "key": owed.key},
                )
    return repaired


def _by_author(items: Iterable[dict[str, Any]], author: str) -> dict[str, list[dict[str, Any]]]:
    """Work items by the member who wrote them (``author``: the attribute naming them)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        found.setdefault(str(item.get(author)), []).append(item)
    return found


# -- leaderboard -----------------------------------------------------------------------------


def points_of(member: Member, community: Community, today: date, board: str) -> int:
    """A member's points on ``board`` (``week``, ``month`` or ``all``) from their own item."""
    tally = Tally.of(member)
    calendar = community.calendar
    if board == "week":
        return tally.week_total(calendar.iso_week(today))
    if board == "month":
        return tally.month_total(calendar.month(today))
    return tally.total


def rank_by_points(
    members: Iterable[Member], community: Community, today: date, board: str
) -> list[tuple[int, Member, int]]:
    """``(rank, member, points)`` best first; ties share a rank and are listed by name;
    members with no points on the board are not ranked."""
    scored = [(points_of(m, community, today, board), m) for m in members]
    ordered = sorted(
        ((p, m) for p, m in scored if p > 0),
        key=lambda pm: (-pm[0], pm[1].display().casefold(), pm[1].user_id),
    )
    ranked: list[tuple[int, Member, int]] = []
    for position, (points, member) in enumerate(ordered, start=1):
        rank = ranked[-1][0] if ranked and ranked[-1][2] == points else position
        ranked.append((rank, member, points))
    return ranked


def standing_lines(
    community: Community, member: Member, today: date, text: Callable[..., str]
) -> list[str]:
    """/me's points and level lines (no request: the member item holds it all)."""
    from chalicelib.domain.levels import facts_of, ladder_names, still_needed

    tally = Tally.of(member)
    calendar = community.calendar
    lines = [
        text(
            "me_points",
            points=tally.total,
            week=tally.week_total(calendar.iso_week(today)),
            month=tally.month_total(calendar.month(today)),
            level=level_label(community, member),
        )
    ]
    facts = facts_of(member, today, first_observed(member, community))
    needs = still_needed(facts, community.level_points, member.level)
    if not needs:
        lines.append(text("me_top_level"))
        return lines
    parts = [text(f"need_{kind}", n=n) for kind, n in needs.items()]
    names = ladder_names(community.locale, community.level_names, len(community.level_points))
    lines.append(
        text("me_next_level", next=names[member.level], needs=text("list_separator").join(parts))
    )
    return lines


# -- level-ups, announced once in the next scheduled post -------------------------------------


def levelled_up(members: Iterable[Member], start: datetime, end: datetime) -> list[Member]:
    """Present members whose last level-up falls in ``(start, end]``, by time then name.

    A scheduled post's window is fixed by its period (the previous post's scheduled time to
    its own), so windows do not overlap and a replay of the same period finds the same
    members: the run's own exactly-once claim makes the announcement exactly once, with no
    marker to write (and nothing written by a dry run)."""
    found = [
        m for m in members if m.is_present and m.level_at is not None and start < m.level_at <= end
    ]
    return sorted(found, key=lambda m: (m.level_at, m.display().casefold(), m.user_id))


# On a main post's run record: the end of the level-up window it announced.
LEVELUPS_UNTIL = "levelups_until"


def announced_until(table: Table, community_id: str, job: str, period: str) -> datetime | None:
    """Where the previous main post of ``job`` (before ``period``) that ran ended its level-up
    window, from the run ledger (one Query, reverse and limited): the next window starts
    there, so that a changed post time neither announces a level-up twice nor drops one,
    and a post skipped for lateness hands its level-ups on. None when no such run is
    recorded in the last few (a new community, or the ledger's retention passed)."""
    from chalicelib.store import runs  # the jobs' ledger: off the check-in's import path

    for run in runs.recent_runs(table, community_id, job, period, limit=RECENT_RUNS):
        if run.get("status") == runs.DONE and run.get(LEVELUPS_UNTIL):
            return datetime.fromisoformat(run[LEVELUPS_UNTIL])
    return None


# A day has three reminder runs at most (main, last call, manual): three days' worth
# (a digest's: nine weeks).
RECENT_RUNS = 9


def levelup_line(
    community: Community, members: Iterable[Member], start: datetime, end: datetime
) -> str | None:
    """``🎉 升级：Ann → 骨干、Bob → 学员``, or None when nobody levelled up in the window."""
    found = levelled_up(members, start, end)
    if not found:
        return None
    locale = community.locale
    entries = [
        t(locale, "levelup_entry", name=m.display(), level=level_label(community, m)) for m in found
    ]
    return t(locale, "levelup_line", names=t(locale, "list_separator").join(entries))
