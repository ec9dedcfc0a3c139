"""The month's and the quarter's stars: who wins (domain/stars.py says how), the post, the
history (星榜 /stars) and hand-picked awards (颁奖 /award).

Cost of a period's stars, whatever the community's size: one Query of the roster, one of
the period's check-ins, one of the submissions and one of the reviews of the homework
cycles due in the period (a sort-key range from its first cycle to its last, so a quarter
costs what a month does), each paged; one PutItem of the result. Never a request per
member, nor per cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from chalicelib.domain.homework import cycles_of, deadline_date
from chalicelib.domain.inactivity import MonthlyReport
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member, community_start, first_observed
from chalicelib.domain.stars import (
    Award,
    Candidate,
    Winner,
    eligible,
    homework_scores,
    pick_winners,
    review_scores,
)
from chalicelib.platforms.base import Message
from chalicelib.store.checkins import checkin_counts
from chalicelib.store.homework import work_over_cycles
from chalicelib.store.repository import Store
from chalicelib.store.retention import retention_of
from chalicelib.store.stars import period_stars, save_hand_award, save_stars, star_history
from chalicelib.store.table import Item

log = logging.getLogger("rollcall.stars")

StarTable = dict[str, list[Winner]]


def cycles_due_in(community: Community, first: date, last: date) -> list[str]:
    """The ids of the homework cycles whose deadline falls on a local date in first..last."""
    cycles = cycles_of(community)
    if cycles is None:
        return []
    n = max(1, cycles.cycle_of(community.calendar.day_start(first)))
    found = []
    while deadline_date(cycles, n) <= last:
        if deadline_date(cycles, n) >= first and n not in community.paused_cycles:
            found.append(cycles.cycle_id(n))
        n += 1
    return found


def watched_whole(community: Community, first: date) -> bool:
    """rollcall watched the community from the period's first day: a month it saw only in
    part (it was created or bound mid-month) gets no stars, rather than stars for 3 days."""
    start = community_start(community)
    return start is None or start <= first


def compute_stars(store: Store, community: Community, first: date, last: date) -> StarTable:
    """Each award's winners over local dates first..last (see the module's cost); none when
    the community was not watched from ``first`` (no request then)."""
    if not watched_whole(community, first):
        return {award.value: [] for award in Award}
    members = list(store.list_members(community.id))
    checkins = checkin_counts(store.table, community.id, first, last)
    return stars_from(store, community, first, last, members, checkins)


def stars_from(
    store: Store,
    community: Community,
    first: date,
    last: date,
    members: Iterable[Member],
    checkins: Mapping[str, int],
    submissions: Iterable[Item] | None = None,
) -> StarTable:
    """The winners given the roster and the check-ins per member over first..last, already
    read by the caller: reads only the period's submissions (unless given, read over the
    same cycles) and reviews (a Query each)."""
    candidates = [
        Candidate(m.user_id, m.display(), first_observed(m, community))
        for m in members
        if eligible(
            present=m.is_present,
            admin=m.is_admin,
            exempt=m.exempt,
            include_admins=community.stars_include_admins,
        )
    ]
    handed, given = work_over_cycles(
        store.table, community.id, cycles_due_in(community, first, last), submissions
    )
    homework = homework_scores(handed, given)
    reviews = review_scores(given, community.review_min_chars)
    return {
        Award.CHECKINS.value: pick_winners(candidates, checkins),
        Award.HOMEWORK.value: pick_winners(candidates, homework),
        Award.REVIEWS.value: pick_winners(candidates, reviews),
    }


def compose_stars(community: Community, title: str, stars: StarTable) -> list[Message]:
    """One message: the title and a line per award that has winners; none when no award
    has any (a quiet month posts nothing)."""
    locale = community.locale
    lines = [title]
    separator = t(locale, "list_separator")
    for award in Award:
        winners = stars.get(award.value) or []
        if winners:
            names = separator.join(w.name for w in winners)
            lines.append(t(locale, f"stars_{award.value}", names=names, score=winners[0].score))
    if len(lines) == 1:
        return []
    return [Message("\n".join(lines))]


def record_stars(
    store: Store, community: Community, period: str, stars: StarTable, at: datetime
) -> None:
    awards: dict[str, list[dict[str, Any]]] = {
        award: [asdict(w) for w in winners] for award, winners in stars.items()
    }
    save_stars(store.table, community.id, period, awards, at, retention_of(community))


def month_stars_text(store: Store, community: Community, report: MonthlyReport) -> str:
    """The month's stars for its report: the title and one line per award with its winners'
    names (the message the group got), or "" when the community has no monthly stars, the
    month had not ended at the report's date, or nobody won anything.

    Read, not recomputed, when the monthly-stars job already ran (one GetItem of
    ``STAR#<month>``; the usual order: stars at 09:00, the report at 10:00 on the 1st), so
    the report names exactly whom the group saw applauded, even if a member left since.
    Otherwise (a report scheduled earlier, or a late stars run) computed the job's way from
    the roster, check-in counts and submissions the report already read, plus the month's
    reviews (one Query); never a read per member. The job, when it runs, finds the
    same winners on the same finished month and records them."""
    summary = report.summary
    month = summary.month
    if "monthly-stars" not in community.jobs:
        return ""
    first, last = community.calendar.month_bounds(month)
    if summary.as_of <= last:
        return ""
    item = period_stars(store.table, community.id, month)
    if item is not None:
        stars: StarTable = {
            award: [Winner(str(w["user_id"]), str(w["name"]), int(w["score"])) for w in winners]
            for award, winners in (item.get("awards") or {}).items()
        }
    elif not watched_whole(community, first):
        return ""
    else:
        members = [v.member for v in report.verdicts]
        checkins = {row.user_id: row.checkins for row in report.rows}
        submitted = [dict(s) for s in report.submissions]
        stars = stars_from(store, community, first, last, members, checkins, submitted)
    title = t(community.locale, "stars_title_month", period=month)
    messages = compose_stars(community, title, stars)
    return messages[0].text if messages else ""


def history_lines(store: Store, community: Community) -> list[str]:
    """星榜 /stars: the latest periods' stars and hand-picked awards, newest first."""
    locale = community.locale
    separator = t(locale, "list_separator")
    lines: list[str] = []
    for item in star_history(store.table, community.id):
        if item.get("kind") == "hand-award":
            lines.append(
                t(
                    locale,
                    "stars_history_hand",
                    period=item["period"],
                    award=item["award"],
                    name=item["name"],
                    by=item.get("given_by_name") or item.get("given_by"),
                )
            )
            continue
        parts = []
        for award in Award:
            winners = (item.get("awards") or {}).get(award.value) or []
            if winners:
                names = separator.join(str(w["name"]) for w in winners)
                parts.append(t(locale, f"stars_short_{award.value}", names=names))
        if parts:
            joined = t(locale, "stars_history_separator").join(parts)
            lines.append(t(locale, "stars_history_period", period=item["period"], awards=joined))
    return lines


def give_award(
    store: Store,
    community: Community,
    giver: Member,
    recipient: Member,
    award: str,
    now: datetime,
) -> bool:
    """Record a hand-picked award (the item names who gave it: the audit record). The
    caller has refused self-awards and non-admins. One conditional PutItem."""
    month = community.calendar.month(community.calendar.local_date(now))
    log.info(
        "award given",
        extra={"community": community.id, "period": month, "by": giver.user_id},
    )
    return save_hand_award(
        store.table,
        community.id,
        month,
        user_id=recipient.user_id,
        name=recipient.display(),
        award=award,
        given_by=giver.user_id,
        given_by_name=giver.display(),
        at=now,
        retention=retention_of(community),
    )
