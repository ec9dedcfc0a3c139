"""Points (积分): what each action earns, the per-day cap, and a member's running tally.

Pure: no clock, no storage. The store keeps the tally on the member item and changes it in
the same conditional write that counts the action (store/points.py), so this module only
says what a write should set.

The rules, in one place:

* **Amounts** are community settings (``points_*`` on Community): a check-in, a streak
  reaching 7, 30 or 100 days, homework on time, homework late (less), a review given that
  is at least ``review_min_chars`` long (shorter ones earn nothing, so reviews are not
  farmed). A make-up (补卡) earns nothing, milestones included.
* **Per-day cap.** What a member gains on one local day never exceeds ``points_daily_cap``
  (0: no cap); the part over the cap is dropped, not carried over.
* **Exactly once per action.** A check-in is counted once by the counters' own condition;
  homework and reviews are keyed (``HW#<cycle>``, ``RV#<cycle>#<reviewee digest>``) and the tally
  remembers what each key was credited, so a replay credits the difference: nothing.
* **Reversal.** A replaced submission changes its key's amount (on time → late takes the
  difference back); a take-back is never capped and never makes a period's tally negative.
* **Periods.** Besides the total, the tally keeps the points of the current ISO week and
  month (for the week and month leaderboards without reading history); a period's count
  starts at 0 when the period changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# The streak lengths that earn a bonus, and which setting holds each bonus.
STREAK_BONUSES = {7: "points_streak_7", 30: "points_streak_30", 100: "points_streak_100"}
# How many homework cycles the tally remembers its keys for: a submission can be replaced
# only while its cycle is open or in its late grace, and a review comes at most a cycle
# later; four cycles leaves room for long grace periods without growing the member item.
KEPT_CYCLES = 4


@dataclass(frozen=True)
class PointRules:
    checkin: int = 2
    streak_7: int = 5
    streak_30: int = 20
    streak_100: int = 50
    homework: int = 10
    homework_late: int = 5
    review: int = 3
    review_min_chars: int = 30
    daily_cap: int = 30

    @classmethod
    def of(cls, community: Any) -> PointRules:
        return cls(
            checkin=community.points_checkin,
            streak_7=community.points_streak_7,
            streak_30=community.points_streak_30,
            streak_100=community.points_streak_100,
            homework=community.points_homework,
            homework_late=community.points_homework_late,
            review=community.points_review,
            review_min_chars=community.review_min_chars,
            daily_cap=community.points_daily_cap,
        )


def checkin_points(rules: PointRules, streak: int, *, makeup: bool = False) -> int:
    """A check-in's points, with the bonus when its run just reached a milestone."""
    if makeup:
        return 0
    bonus = {7: rules.streak_7, 30: rules.streak_30, 100: rules.streak_100}.get(streak, 0)
    return rules.checkin + bonus


def homework_points(rules: PointRules, *, late: bool) -> int:
    return rules.homework_late if late else rules.homework


def review_points(rules: PointRules, text: str) -> int:
    """Only a review of ``review_min_chars`` or more (spaces not counted) earns points."""
    length = len("".join((text or "").split()))
    return rules.review if length >= rules.review_min_chars else 0


@dataclass(frozen=True)
class Tally:
    """A member's points as stored on their item. ``version`` changes with every write,
    so a write computed from a stale tally is refused and computed again."""

    total: int = 0
    day: date | None = None
    today: int = 0
    week: str | None = None
    week_points: int = 0
    month: str | None = None
    month_points: int = 0
    version: int = 0

    @classmethod
    def of(cls, member: Any) -> Tally:
        return cls(
            total=member.points,
            day=member.points_day,
            today=member.points_today,
            week=member.points_week,
            week_points=member.points_week_n,
            month=member.points_month,
            month_points=member.points_month_n,
            version=member.points_v,
        )

    def fields(self) -> dict[str, Any]:
        """The member item's attributes for this tally."""
        return {
            "points": self.total,
            "points_day": self.day.isoformat() if self.day else None,
            "points_today": self.today,
            "points_week": self.week,
            "points_week_n": self.week_points,
            "points_month": self.month,
            "points_month_n": self.month_points,
            "points_v": self.version,
        }

    def week_total(self, week: str) -> int:
        return self.week_points if self.week == week else 0

    def month_total(self, month: str) -> int:
        return self.month_points if self.month == month else 0


def credit(
    tally: Tally, amount: int, *, day: date, week: str, month: str, cap: int
) -> tuple[Tally, int]:
    """Add ``amount`` (may be negative: a take-back) on local ``day``; returns the new tally
    and what was really added (a gain is cut to what the day's cap leaves)."""
    today = tally.today if tally.day == day else 0
    if amount > 0 and cap > 0:
        amount = max(0, min(amount, cap - today))
    week_points = tally.week_total(week)
    month_points = tally.month_total(month)
    if amount < 0:
        # A take-back comes off the total; the periods lose no more than they hold.
        week_points = max(0, week_points + amount)
        month_points = max(0, month_points + amount)
        today = max(0, today + amount)
    else:
        week_points += amount
        month_points += amount
        today += amount
    after = Tally(
        total=max(0, tally.total + amount),
        day=day,
        today=today,
        week=week,
        week_points=week_points,
        month=month,
        month_points=month_points,
        version=tally.version + 1,
    )
    return after, amount


def settle_key(
    tally: Tally,
    held: Mapping[str, int],
    key: str,
    amount: int,
    *,
    day: date,
    week: str,
    month: str,
    cap: int,
) -> tuple[Tally, dict[str, int], int] | None:
    """Credit action ``key`` so that it holds ``amount`` in all: the difference from what it
    holds now (``held``). None when nothing changes (a replay, or the same amount again).
    Returns the tally, the keys to store and the change actually made."""
    before = held.get(key)
    if before is not None and before == amount:
        return None
    after, added = credit(tally, amount - (before or 0), day=day, week=week, month=month, cap=cap)
    kept = dict(held)
    kept[key] = (before or 0) + added
    return after, kept, added


def prune_keys(held: Mapping[str, int], current_cycle: str | None) -> dict[str, int]:
    """Forget keys of cycles more than :data:`KEPT_CYCLES` before ``current_cycle``
    (cycle ids ``C0003`` sort as text)."""
    if current_cycle is None or not current_cycle[1:].isdigit():
        return dict(held)
    oldest = f"C{max(int(current_cycle[1:]) - KEPT_CYCLES, 0):04d}"
    return {k: v for k, v in held.items() if k.split("#")[1] >= oldest}


def encode_keys(held: Mapping[str, int]) -> tuple[str, ...]:
    """The keys as the member item keeps them (``Member.points_keys``): ``HW#C0003=10``,
    sorted, so that every write of the whole member (an import) carries them along."""
    return tuple(f"{key}={amount}" for key, amount in sorted(held.items()))


def decode_keys(stored: tuple[str, ...] | list[str] | None) -> dict[str, int]:
    held: dict[str, int] = {}
    for entry in stored or ():
        key, _, amount = str(entry).rpartition("=")
        if key and amount.lstrip("-").isdigit():
            held[key] = int(amount)
    return held


def homework_key(cycle_id: str) -> str:
    return f"HW#{cycle_id}"


def review_key(cycle_id: str, reviewee: str) -> str:
    """Keyed by a digest of the reviewee, not their id: the reviewer's item must not carry
    another member's id (an erased member's would stay behind in it)."""
    digest = hashlib.sha256(reviewee.encode("utf-8")).hexdigest()[:12]
    return f"RV#{cycle_id}#{digest}"


def is_first(held: Mapping[str, int], key: str) -> bool:
    """The action was never credited before (counts toward cycles handed in, reviews)."""
    return key not in held


# -- repair: work stored, points not credited -------------------------------------------------


@dataclass(frozen=True)
class Owed:
    """What a member's stored work should hold and their item does not: the key, the amount
    the key should hold in all (a credit settles the difference, :func:`settle_key`), the
    counter the first credit raises, and the cycle."""

    key: str
    amount: int
    counter: str
    cycle: str


def kept_since(current_cycle: str) -> str:
    """The oldest cycle whose keys a member item still holds when ``current_cycle`` (or any
    earlier one) was the latest a credit pruned with (:func:`prune_keys`)."""
    return f"C{max(int(current_cycle[1:]) - KEPT_CYCLES, 0):04d}"


def owed_for(held: Mapping[str, int], key: str, worth: Any) -> int | None:
    """What ``key`` should hold when its stored work is ``worth`` (the item's ``points``),
    or None when its credit is not missing.

    * Never credited (no key): owed ``worth`` when it earns something (work stored without
      ``points``, before points existed, is owed nothing).
    * A lost take-back: the work now earns less than its key holds (on-time work replaced
      by a late resubmission, a review revised too short to earn), and the write that was
      to take the difference back did not land. Owed ``worth``: settling the key to it
      takes back exactly the difference, once (the key then holds ``worth``).
    * Worth more than the key holds is not judged: a first credit cut by the day's cap
      holds less than the work's worth for good, and crediting it again would lift the cap.
      So a lost write that was to raise a key stays lost (only where the community made
      late homework earn more than on-time, or raised an amount between two versions)."""
    if not isinstance(worth, int) or isinstance(worth, bool):
        return None
    credited = held.get(key)
    if credited is None:
        return worth if worth > 0 else None
    return worth if worth < credited else None


def owed_credits(
    user_id: str,
    held: Mapping[str, int],
    submissions: Iterable[Mapping[str, Any]],
    reviews: Iterable[Mapping[str, Any]],
    current_cycle: str,
) -> list[Owed]:
    """What ``user_id``'s stored submissions and reviews given should have credited and the
    held keys do not hold: the homework write landed, the points write after it did not (a
    crash between the two), for a first credit or a take-back (:func:`owed_for`). Each item
    says what it earns (``points``, written with it); work stored without it (before points
    existed, or imported) is owed nothing, so a repair never turns into a write per member
    for old data. Only cycles from :func:`kept_since` on are judged: an older key may have
    been credited and since forgotten, and crediting it again would count it twice."""
    oldest = kept_since(current_cycle)
    owed: list[Owed] = []
    for item in submissions:
        cycle = str(item.get("cycle") or "")
        if item.get("user_id") != user_id or cycle < oldest:
            continue
        key = homework_key(cycle)
        amount = owed_for(held, key, item.get("points"))
        if amount is not None:
            owed.append(Owed(key, amount, "homework_cycles", cycle))
    for item in reviews:
        cycle = str(item.get("cycle") or "")
        if item.get("reviewer") != user_id or cycle < oldest:
            continue
        key = review_key(cycle, str(item.get("reviewee")))
        amount = owed_for(held, key, item.get("points"))
        if amount is not None:
            owed.append(Owed(key, amount, "reviews_given", cycle))
    return owed
