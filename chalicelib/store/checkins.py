"""Check-in items: one per (community, local date, member), written exactly once; and the
member counters, leave and make-up quota that go with them.

``C#<cid> / CI#<local date>#<member>``: "who checked in on D" is one Query of one prefix.
An item keeps no run: the member item keeps what a make-up needs to find runs (the run at
the last check-in and the recent gaps, domain/checkins.py ``chain_back``), written by the
counters' update the check-in makes anyway. Items written before that keep the run ending
at them (``streak``) and the previous check-in date (``prev``); :func:`link_of` reads them.

Request costs are stated on each function; none grows with the member's history, and only
the leaderboard's grows with the number of members.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.domain.checkins import Leave, Link, Streak
from chalicelib.domain.models import Member
from chalicelib.store import keys
from chalicelib.store.points import tally_unchanged
from chalicelib.store.records import from_fields
from chalicelib.store.repository import CHECKIN_DELIVERY, Activity
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, PutResult, Table


def record_checkin(
    table: Table,
    community_id: str,
    user_id: str,
    local_date: date,
    at: datetime,
    *,
    note: str | None = None,
    makeup: bool = False,
    recorded_by: str | None = None,
    delivery: str | None = None,
    retention: timedelta = RETENTION,
    attempt: str | None = None,
) -> PutResult:
    """Written (truthy) when this is the member's first check-in for that local date; else
    refused, carrying the check-in already there (one PutItem either way).

    A conditional put, not read-then-write: two deliveries of the same message, or two
    messages at once, record one check-in. ``delivery`` is the
    platform delivery that sent it ("<platform>#<event id>"): when a put is refused, the
    item it returns tells a redelivery of that message (answered with silence) from a
    second check-in the same day (answered kindly), with no separate de-duplication write.

    The put needs nothing from the member item, so the webhook sends it together with the
    member read (chat/checkins.py). ``attempt`` is this request's own mark (made here when
    not given), which :func:`withdraw_checkin` is conditional on.
    """
    item: dict[str, Any] = {
        "pk": keys.community_pk(community_id),
        "sk": keys.checkin_sk(local_date, user_id),
        "user_id": user_id,
        "date": local_date.isoformat(),
        "at": at.isoformat(),
        "note": note,
        "delivery": delivery,
        keys.TTL_ATTRIBUTE: expires_at(at, retention),  # kept for the retention period only
    }
    if makeup:
        item.update(makeup=True, recorded_by=recorded_by or user_id)
    # This attempt's own mark (store/claims.py): DynamoDB may apply the put and lose its
    # answer; botocore's retry is then refused by the put itself, and without the mark the
    # member's check-in would be taken for a redelivery and answered with silence.
    attempt = attempt or new_attempt()
    item["attempt"] = attempt
    written = table.put(item, cond=Cond.absent("pk"), return_old=True)
    if not written and written.old is not None and written.old.get("attempt") == attempt:
        return PutResult(True)
    return written


def new_attempt() -> str:
    """A check-in put's own mark (see :func:`record_checkin`)."""
    return uuid.uuid4().hex[:16]


def withdraw_checkin(
    table: Table, community_id: str, user_id: str, day: date, attempt: str
) -> bool:
    """Take back a check-in this request put before reading the member, when the read
    refused it (rules not accepted, a redelivery after the day ended): one DeleteItem,
    conditional on the item being this attempt's and not adopted. Exactly once: a
    redelivery's put was refused and has nothing to withdraw, a repeat of the delete is
    refused, and a check-in another request adopted meanwhile (:func:`adopt_checkin`, then
    counted) is never taken back from under its counters."""
    return table.delete(
        keys.community_pk(community_id),
        keys.checkin_sk(day, user_id),
        # Not adopted, nor given a run by a settler of the code before adoption (a deploy's
        # old and new functions overlap for minutes).
        cond=Cond.eq("attempt", attempt) & Cond.absent("adopted") & Cond.absent("streak"),
    )


def adopt_checkin(table: Table, community_id: str, user_id: str, day: date) -> bool:
    """Mark a check-in another request put as counted by this one, before this one writes
    the counters for it: one UpdateItem, only if it is still there. Its own request can then
    no longer withdraw it; False when it was withdrawn first (record one afresh). Only a
    check-in whose counters were left behind pays for it (a crash, or a racing message)."""
    updated = table.update(
        keys.community_pk(community_id),
        keys.checkin_sk(day, user_id),
        set={"adopted": True},
        cond=Cond.exists("pk"),
        return_new=False,
    )
    return bool(updated)


def checkins_on(table: Table, community_id: str, local_date: date) -> list[dict[str, Any]]:
    """Every check-in of one local date: one Query (paged)."""
    return list(
        table.query(keys.community_pk(community_id), prefix=keys.checkin_day_prefix(local_date))
    )


def checkins_between(
    table: Table, community_id: str, first: date, last: date
) -> list[dict[str, Any]]:
    """Check-ins of local dates first..last inclusive: one Query (paged)."""
    return list(
        table.query(
            keys.community_pk(community_id),
            start=keys.checkin_day_prefix(first),
            end=keys.checkin_day_prefix(last) + "\uffff",
        )
    )


# -- one member's check-ins, by key -------------------------------------------------------


def link_of(item: dict[str, Any]) -> Link:
    """A check-in item written with its run (before the member item kept the gaps) as the
    streak rules see it; one without a run counts as a run of 1: never more than the member
    really had."""
    prev = item.get("prev")
    return Link(
        date.fromisoformat(item["date"]),
        int(item.get("streak") or 1),
        date.fromisoformat(prev) if prev else None,
    )


def member_checkins(
    table: Table, community_id: str, user_id: str, days: Iterable[date]
) -> dict[date, dict[str, Any]]:
    """The member's check-ins on ``days``, by date: one BatchGetItem per 100 dates.

    Reading by key costs the same whatever the community's size, where a Query of those
    dates would read every member's check-ins.
    """
    pk = keys.community_pk(community_id)
    found = table.batch_get((pk, keys.checkin_sk(d, user_id)) for d in days)
    return {date.fromisoformat(item["date"]): item for item in found}


def get_checkin(table: Table, community_id: str, user_id: str, day: date) -> dict[str, Any] | None:
    """One check-in by key: one GetItem."""
    return table.get(keys.community_pk(community_id), keys.checkin_sk(day, user_id))


# -- member counters, leave and quiet ------------------------------------------------------


def load_member(table: Table, community_id: str, user_id: str) -> Member | None:
    """The member as last written (strongly consistent): one GetItem, used after a
    conditional update lost a race."""
    item = table.get(keys.community_pk(community_id), keys.member_sk(user_id), consistent=True)
    return from_fields(Member, item) if item else None


def _counters_unchanged(member: Member) -> Cond:
    """The member's check-in counters are still the ones we computed from.

    ``last_checkin`` and ``checkins`` together act as a version: every check-in and make-up
    changes ``checkins``, so a concurrent one makes the update fail instead of being lost.
    A comparison is false on a missing item, so the member must exist too; only a member
    who never checked in needs saying so (each clause is work for the endpoint).
    """
    if member.last_checkin:
        last = Cond.eq("last_checkin", member.last_checkin.isoformat())
    else:
        last = Cond.exists("pk") & Cond.absent("last_checkin")
    count = Cond.eq("checkins", member.checkins)
    if member.checkins == 0:
        count = count | Cond.absent("checkins")
    return last & count


def save_streak(
    table: Table,
    member: Member,
    streak: Streak,
    *,
    activity: Activity | None = None,
    delivery: str | None = None,
    points: Mapping[str, Any] | None = None,
    add: Mapping[str, int] | None = None,
    gaps: tuple[str, ...] | None = None,
) -> Member | None:
    """Store new counters computed from ``member``: one conditional write. None when the
    counters changed meanwhile (re-read with :func:`load_member` and compute again).

    ``points``, the tally and level the check-in sets (features/points.checkin_fields),
    ride in the same write, also conditional on the tally being the one they were computed
    from: the check-in's points are counted exactly when its day is, once. So are the
    streak freezes it spends or earns (domain/freezes.py): ``add`` (``{"freezes": -1}``)
    takes them from the bank in this write, whose condition on the counters (the member's
    last check-in is still the one before the gap) lets one write spend a missed day, once.
    ``gaps``, the member's recent gaps (domain/checkins.py ``gap_entries``), are written
    when given and different from the member's: what a later make-up reads runs from.

    ``activity``, the member's pending activity write (Store.see_member), rides along in the
    same request. ``delivery`` is the delivery that recorded the check-in (see
    repository.CHECKIN_DELIVERY).

    For a stored member it is an UpdateItem conditional on the counters, which reads nothing
    back: the member returned is ``member`` (as the caller sees them, activity included)
    with the counters written, which the condition makes the stored ones. For a member not
    stored yet (``activity.set_if_absent``) it is a PutItem of the whole new item, refused
    when another message created them meanwhile: the same effect as an update with that
    condition, and no update expression for DynamoDB to parse.
    """
    creating = activity is not None and activity.set_if_absent is not None
    fields = _counter_fields(member, streak, activity=activity, creating=creating)
    if delivery is not None:
        fields[CHECKIN_DELIVERY] = delivery
    if points is not None:
        fields.update(points)
    if gaps is not None and gaps != member.gaps:
        fields["gaps"] = list(gaps) or None
    pk, sk = keys.community_pk(member.community_id), keys.member_sk(member.user_id)
    if creating:
        written = table.put({"pk": pk, "sk": sk, **fields}, cond=Cond.absent("pk"))
    else:
        cond = _counters_unchanged(member)
        if points is not None:
            cond = cond & tally_unchanged(member.points_v)
        written = table.update(pk, sk, set=fields, add=add, cond=cond, return_new=False)
    if not written:
        return None
    saved = replace(
        member,
        current_streak=streak.current,
        best_streak=streak.best,
        last_checkin=streak.last,
        checkins=streak.checkins,
        gaps=member.gaps if gaps is None else gaps,
    )
    if points is not None:
        saved = replace(saved, points=int(points["points"]), points_v=int(points["points_v"]))
    return saved


def _counter_fields(
    member: Member, streak: Streak, *, activity: Activity | None, creating: bool
) -> dict[str, Any]:
    """The member's pending activity and new counters, as the attributes to write."""
    fields: dict[str, Any] = {}
    if activity is not None:
        fields.update(activity.set_if_absent or {})
        fields.update(activity.set)
    fields.update(
        {
            "current_streak": streak.current,
            "best_streak": streak.best,
            "last_checkin": streak.last.isoformat() if streak.last else None,
            "checkins": streak.checkins,
        }
    )
    if not creating and streak.best == member.best_streak:
        del fields["best_streak"]  # unchanged: one clause less to write
    return fields


def save_freeze_spent(table: Table, member: Member, frozen_days: Iterable[str]) -> bool:
    """Spend one of ``member``'s banked streak freezes on a missed day (already in
    ``frozen_days``, the frozen days to keep): one UpdateItem, conditional on the tally's
    version being the one read (every write of the bank and of the frozen days, a check-in's
    too, bumps it, and so does this one) and on no check-in since. False when either changed:
    re-read and decide again (the day may be frozen by now). A check-in computed from the
    member before this write then fails its own condition and sees the day frozen."""
    if member.last_checkin is None:
        return False
    cond = (
        tally_unchanged(member.points_v)
        & Cond.eq("last_checkin", member.last_checkin.isoformat())
        & Cond.gt("freezes", 0)
    )
    return table.update(
        keys.community_pk(member.community_id),
        keys.member_sk(member.user_id),
        set={
            "freezes": member.freezes - 1,
            "frozen_days": list(frozen_days),
            "points": member.points,
            "points_v": member.points_v + 1,
        },
        cond=cond,
        return_new=False,
    )


def save_leave(table: Table, member: Member, leave: Leave | None) -> Member | None:
    """Set or clear the member's leave: one UpdateItem, conditional on the leave being the one
    it was computed from (None when another request changed it first)."""
    current = (
        Cond.eq("leave_until", member.leave_until.isoformat())
        if member.leave_until
        else Cond.absent("leave_until")
    )
    item = table.update(
        keys.community_pk(member.community_id),
        keys.member_sk(member.user_id),
        set={
            "leave_until": leave.until.isoformat() if leave else None,
            "leave_from": leave.start.isoformat() if leave and leave.start else None,
        },
        cond=Cond.exists("pk") & current,
    )
    return from_fields(Member, item) if item else None


def set_quiet(table: Table, community_id: str, user_id: str, quiet: bool) -> Member | None:
    """Opt in or out of public @mentions in reminders: one UpdateItem."""
    item = table.update(
        keys.community_pk(community_id),
        keys.member_sk(user_id),
        set={"quiet": quiet},
        cond=Cond.exists("pk"),
    )
    return from_fields(Member, item) if item else None


# -- make-up quota -------------------------------------------------------------------------


def _quota_key(community_id: str, user_id: str, month: str) -> tuple[str, str]:
    return keys.community_pk(community_id), keys.makeup_quota_sk(month, user_id)


def reserve_makeup(
    table: Table,
    community_id: str,
    user_id: str,
    month: str,
    limit: int,
    retention: timedelta = RETENTION,
) -> int | None:
    """Take one of the member's ``limit`` make-ups for ``month``: one conditional UpdateItem.

    Returns how many are used now, or None when none is left. The check and the increment
    are one request, so two make-ups sent at once cannot both take the last one.
    """
    year, number = (int(part) for part in month.split("-"))
    month_end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    item = table.update(
        *_quota_key(community_id, user_id, month),
        # kept for the retention period after the month it counts
        set={
            "user_id": user_id,
            "month": month,
            keys.TTL_ATTRIBUTE: expires_at(month_end, retention),
        },
        add={"used": 1},
        cond=Cond.absent("used") | Cond.lt("used", limit),
    )
    return int(item["used"]) if item else None


def release_makeup(table: Table, community_id: str, user_id: str, month: str) -> None:
    """Give back a reserved make-up whose check-in turned out to exist: one UpdateItem."""
    table.update(
        *_quota_key(community_id, user_id, month), add={"used": -1}, cond=Cond.exists("used")
    )


def member_month(
    table: Table, community_id: str, user_id: str, first: date, last: date, month: str
) -> tuple[set[date], int]:
    """The member's check-in dates in ``first..last`` and make-ups used in ``month``, for
    ``/me``: one BatchGetItem (a month's dates plus the quota item are at most 32 keys)."""
    pk = keys.community_pk(community_id)
    quota_sk = keys.makeup_quota_sk(month, user_id)
    days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    wanted = [(pk, keys.checkin_sk(d, user_id)) for d in days] + [(pk, quota_sk)]
    dates: set[date] = set()
    used = 0
    for item in table.batch_get(wanted):
        if item["sk"] == quota_sk:
            used = int(item.get("used") or 0)
        else:
            dates.add(date.fromisoformat(item["date"]))
    return dates, used


# -- leaderboard ---------------------------------------------------------------------------


def checkin_counts(table: Table, community_id: str, first: date, last: date) -> Counter[str]:
    """Check-ins per member over local dates ``first..last``: one Query (paged). Its size is
    days x members who checked in (a month of 500 members is ~15,000 small items)."""
    return Counter(item["user_id"] for item in checkins_between(table, community_id, first, last))
