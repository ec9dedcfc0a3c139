"""Daily check-in (打卡) rules: streaks, make-ups (补卡), leave (请假), notes, leaderboards.

Pure: no clock, no AWS. Every function takes the community's *local* dates (see
calendar.py), so "today" is always the caller's ``LocalCalendar.local_date(now)``.

The rules, in one place:

* **Run.** The run ending at a check-in date ``d`` is ``run(prev) + 1`` when every day strictly
  between the member's previous check-in ``prev`` and ``d`` was a leave day (no days between
  counts too), and ``1`` otherwise. So a leave day neither breaks a run nor extends it, and a
  check-in made on a leave day counts like any other.
* **Counters.** ``Member.current_streak`` is the run ending at ``Member.last_checkin``; it is
  maintained incrementally, one check-in at a time, never from history. What a member *sees*
  as their streak today (:func:`live_streak`) is that run while today's check-in could still
  continue it, else 0.
* **Leave.** A member has one leave period ``[leave_from, leave_until]`` (inclusive). ``请假 N``
  on local date ``T`` sets it to ``[T, T + N - 1]`` (1 <= N <= ``max_leave_days``, default 1);
  a request made while a leave is running or ended yesterday continues that period (its
  start is kept), so back-to-back requests bridge as one. ``/back`` ends the leave yesterday
  (``leave_until = T - 1``); a leave that began today disappears. Only this latest period is
  remembered: a gap covered by an older, separate period no longer bridges (a member can only
  notice through a make-up of a day between two leaves, inside the make-up window).
  ``leave_from`` unknown (imported data) means "on leave every day up to ``leave_until``",
  matching ``Member.on_leave``.
* **Make-up.** ``补卡 D`` is allowed when ``T - makeup_window_days <= D < T``, ``D`` is not
  before the member's first observed day (their first message, import or return after
  leaving; never before the community began), and the member has made fewer than
  ``makeups_per_month`` make-ups in the calendar month in which they make it (the month of
  ``T``: the quota the member sees in ``/me`` is the one they can spend now).
  A make-up is a check-in for ``D``: it counts, and it repairs runs. The member item keeps
  what the repair needs (:func:`chain_back`): the run ending at the last check-in, and for
  each recent check-in that did not follow the day before, the check-in it followed and
  the run there (``Member.gaps``). So the repair is exact and bounded: the run before ``D``
  is found going back from the last check-in over the member's check-ins of ``(D - 1, T]``
  (inside the window, read by key), and the later runs are recomputed forward; the gaps
  from ``D`` on are written again with the counters. ``best_streak`` is the maximum of
  every run computed.
* **Notes** longer than :data:`NOTE_MAX_CHARS` are cut, not refused, and the reply says so.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from chalicelib.domain.models import Member

__all__ = [
    "NOTE_MAX_CHARS",
    "THEME_MAX_CHARS",
    "Board",
    "Leave",
    "Link",
    "MakeupRefusal",
    "Repair",
    "Standing",
    "Streak",
    "board_dates",
    "chain_back",
    "check_in",
    "check_makeup",
    "continues",
    "cut_text",
    "end_leave",
    "gap_after_checkin",
    "gap_entries",
    "gaps_of",
    "leave_of",
    "live_streak",
    "makeups_left",
    "parse_board",
    "parse_day",
    "parse_leaderboard",
    "parse_leave_days",
    "rank_standings",
    "repair_with_makeup",
    "run_after",
    "take_leave",
]

NOTE_MAX_CHARS = 500
# A theme is read in every reminder and confirmation: a sentence, not an essay.
THEME_MAX_CHARS = 200
_ONE_DAY = timedelta(days=1)


# -- leave ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leave:
    """One leave period, both ends inclusive; ``start`` None means "since forever"."""

    until: date
    start: date | None = None

    def covers(self, d: date) -> bool:
        return d <= self.until and (self.start is None or self.start <= d)


def leave_of(member: Member) -> Leave | None:
    if member.leave_until is None:
        return None
    return Leave(until=member.leave_until, start=member.leave_from)


def take_leave(current: Leave | None, today: date, days: int) -> Leave:
    """``请假 days`` on ``today``: leave until ``today + days - 1``, continuing a running leave
    (or one that ended yesterday) so the two bridge a streak as one period. ``days`` must
    already be within the community's limit (see :func:`parse_leave_days`)."""
    until = today + timedelta(days=days - 1)
    if current is not None and current.until >= today - _ONE_DAY:
        start = current.start if current.start is None or current.start <= today else today
        return Leave(until=until, start=start)
    return Leave(until=until, start=today)


def end_leave(current: Leave | None, today: date) -> Leave | None:
    """``/back`` on ``today``: the leave ends yesterday; a leave that began today is gone.

    A member not on leave today keeps what they have (the caller answers "not on leave").
    """
    if current is None or not current.covers(today):
        return current
    if current.start is not None and current.start >= today:
        return None
    return Leave(until=today - _ONE_DAY, start=current.start)


_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# Patterns used by leave and make-up only are compiled on first use (``re``'s own cache), not
# when a check-in imports this module.
_LEAVE_ARGS = r"(?is)^(?P<n>\d+|[一二两三四五六七八九十]+)\s*(?:天|日|d|days?)?(?:\s+.*)?$"


def _chinese_number(text: str) -> int | None:
    """一..九十九 (十四, 二十, 两): enough for a number of days."""
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens_text, _, ones_text = text.partition("十")
    if "十" in ones_text or len(tens_text) > 1 or len(ones_text) > 1:
        return None
    tens = _CN_DIGITS.get(tens_text, 0) if tens_text else 1
    ones = _CN_DIGITS.get(ones_text, 0) if ones_text else 0
    if (tens_text and not tens) or (ones_text and not ones):
        return None
    return tens * 10 + ones


def parse_leave_days(args: str) -> int | None:
    """The number of days in ``请假 3`` / ``/leave 3 days`` / ``请假 三天 出差``; 1 when no
    argument is given; None when the argument does not start with a number. Words after the
    number (a reason) are allowed and ignored. The range is checked by the caller."""
    text = (args or "").strip()
    if not text:
        return 1
    match = re.match(_LEAVE_ARGS, text)
    if not match:
        return None
    number = match.group("n")
    if number.isdigit():
        return int(number) if len(number) <= 4 else None
    return _chinese_number(number)


# -- runs and counters ----------------------------------------------------------------------


def continues(
    prev: date | None, day: date, leave: Leave | None, frozen: frozenset[date] = frozenset()
) -> bool:
    """True when a run ending at ``prev`` carries on at ``day``: nothing between them, or
    only leave days and days a streak freeze covered (``frozen``, domain/freezes.py)."""
    if prev is None or prev >= day:
        return False
    gap_first, gap_last = prev + _ONE_DAY, day - _ONE_DAY
    if gap_first > gap_last:
        return True
    if leave is not None and leave.covers(gap_first) and leave.covers(gap_last):
        return True
    gap = (gap_last - gap_first).days + 1
    if not frozen or gap > len(frozen) + 400:
        return False
    return all(
        d in frozen or (leave is not None and leave.covers(d))
        for d in (gap_first + timedelta(days=n) for n in range(gap))
    )


def run_after(
    prev_run: int,
    prev: date | None,
    day: date,
    leave: Leave | None,
    frozen: frozenset[date] = frozenset(),
) -> int:
    """The run ending at a check-in on ``day`` that follows one on ``prev`` (run ``prev_run``)."""
    return (prev_run if continues(prev, day, leave, frozen) else 0) + 1


@dataclass(frozen=True)
class Streak:
    """A member's check-in counters: ``current`` is the run ending at ``last``."""

    current: int = 0
    best: int = 0
    last: date | None = None
    checkins: int = 0

    @classmethod
    def of(cls, member: Member) -> Streak:
        return cls(member.current_streak, member.best_streak, member.last_checkin, member.checkins)


def check_in(
    streak: Streak, day: date, leave: Leave | None, frozen: frozenset[date] = frozenset()
) -> Streak:
    """The counters after a check-in on ``day`` (a date not checked in before).

    ``day`` is normally after ``streak.last``; an earlier one (the community changed its
    timezone, or a make-up) counts but leaves the run alone, and so does the same date
    again, which callers never pass because the check-in write is conditional.
    """
    if streak.last is not None and day <= streak.last:
        added = 0 if day == streak.last else 1
        return replace(streak, checkins=streak.checkins + added)
    current = run_after(streak.current, streak.last, day, leave, frozen)
    return Streak(current, max(streak.best, current), day, streak.checkins + 1)


def live_streak(
    streak: Streak,
    today: date,
    leave: Leave | None,
    freezes: int = 0,
    frozen: frozenset[date] = frozenset(),
) -> int:
    """The streak a member has today: their run while a check-in today would continue it
    (last check-in today or yesterday, or only leave days and ``frozen`` days since, or
    missed days that the ``freezes`` banked would cover), else 0."""
    if streak.last is None:
        return 0
    if streak.last >= today - _ONE_DAY or continues(streak.last, today, leave, frozen):
        return streak.current
    if freezes > 0 and streak.last < today:
        gap = (today - streak.last).days - 1
        if gap <= 400:  # longer than any bank and leave together: not worth counting
            missed = sum(
                1
                for n in range(1, gap + 1)
                if not (leave is not None and leave.covers(streak.last + timedelta(days=n)))
                and streak.last + timedelta(days=n) not in frozen
            )
            if missed <= freezes:
                return streak.current
    return 0


# -- make-ups -------------------------------------------------------------------------------


class MakeupRefusal(StrEnum):
    """Why a make-up was refused; each has its own reply."""

    DISABLED = "disabled"  # the community allows no make-ups
    FUTURE = "future"
    TODAY = "today"  # today is a plain check-in
    TOO_OLD = "too_old"  # before the make-up window
    LIMIT = "limit"  # this month's make-ups are used up
    ALREADY = "already"  # that date is already checked in
    BEFORE_START = "before_start"  # before the member's first observed day here


def check_makeup(
    day: date,
    today: date,
    *,
    window_days: int,
    per_month: int,
    used_this_month: int = 0,
    first_day: date | None = None,
) -> MakeupRefusal | None:
    """None when a make-up for ``day`` is allowed on ``today``, else the reason it is not.

    ``first_day`` is the member's first observed day (models.first_observed: their first
    message, import or return, never before the community began): nothing before it can
    be made up, so a member cannot start with a streak longer than their time here.
    The quota is checked here for a quick answer; the store enforces it atomically too.
    """
    if window_days <= 0 or per_month <= 0:
        return MakeupRefusal.DISABLED
    if day > today:
        return MakeupRefusal.FUTURE
    if day == today:
        return MakeupRefusal.TODAY
    if day < today - timedelta(days=window_days):
        return MakeupRefusal.TOO_OLD
    if first_day is not None and day < first_day:
        return MakeupRefusal.BEFORE_START
    if used_this_month >= per_month:
        return MakeupRefusal.LIMIT
    return None


def makeups_left(per_month: int, used: int) -> int:
    return max(0, per_month - used)


@dataclass(frozen=True)
class Link:
    """A stored check-in as the streak rules see it: its date, the run ending there, and the
    member's previous check-in date."""

    day: date
    run: int
    prev: date | None = None


@dataclass(frozen=True)
class Repair:
    """What a make-up changes: the member's counters, the made-up check-in's own link, and
    the member's recent gaps from the made-up day on (see :func:`gaps_of`)."""

    streak: Streak
    link: Link
    gaps: Mapping[date, Link]


def repair_with_makeup(
    streak: Streak,
    day: date,
    leave: Leave | None,
    *,
    before: Link | None,
    later: Sequence[date] = (),
    frozen: frozenset[date] = frozenset(),
) -> Repair:
    """The counters after a make-up check-in for ``day``.

    ``before`` is the member's last check-in before ``day`` and the run ending there (None
    when there is none, see :func:`chain_back`); ``later`` are the dates of their stored
    check-ins after ``day``, which must include ``streak.last`` when ``day`` is earlier than
    it (the caller reads ``(day, today]``, inside the make-up window). Their runs are
    recomputed forward. Should the last check-in be missing (a crash between the two writes
    of an earlier check-in), the member's run is left as it was rather than guessed.
    """
    run = run_after(before.run if before else 0, before.day if before else None, day, leave, frozen)
    link = Link(day, run, before.day if before else None)
    gaps: dict[date, Link] = {}
    if before is not None and day > before.day + _ONE_DAY:
        gaps[day] = before
    best = max(streak.best, run)
    previous = link
    for stored in sorted(set(later)):
        if stored <= day:
            continue
        fresh = Link(stored, run_after(previous.run, previous.day, stored, leave, frozen))
        if stored > previous.day + _ONE_DAY:
            gaps[stored] = Link(previous.day, previous.run)
        best = max(best, fresh.run)
        previous = fresh
    if streak.last is None or day > streak.last:
        last, current = day, run
    elif previous.day == streak.last:
        last, current = streak.last, previous.run
    else:
        last, current = streak.last, streak.current
    best = max(best, current)
    return Repair(Streak(current, best, last, streak.checkins + 1), link, gaps)


# -- the runs a make-up needs, from the member item -----------------------------------------
#
# A check-in item keeps no run: the counters' conditional write is the only write a check-in
# makes besides its put. The member item keeps the run ending at the last check-in
# (``current_streak``) and, for each recent check-in that did not follow the day before, the
# check-in it followed and the run ending there (``Member.gaps``). Going back from the last
# check-in, a check-in the day before another has a run one less; across a gap the member
# item says. So the run before any day of the make-up window is known from the member item
# and the member's check-ins of the window, read by key.

# Gaps older than this are dropped from the member item: a make-up reaches at most 31 days
# back (D >= T - 31), and only the gap of a check-in after the made-up day is ever looked
# up (a day > T - 31): exactly the gaps of the last 30 days are needed.
GAPS_KEPT_DAYS = 31


def gaps_of(member: Member) -> dict[date, Link]:
    """The member's recent gaps: check-in date -> the check-in before it and its run."""
    found: dict[date, Link] = {}
    for entry in member.gaps:
        day, before, run = entry.split()
        found[date.fromisoformat(day)] = Link(date.fromisoformat(before), int(run))
    return found


def gap_entries(gaps: Mapping[date, Link], today: date) -> tuple[str, ...]:
    """``gaps`` as the member item keeps them (``"<day> <check-in before> <its run>"``),
    oldest first, those too old for any make-up dropped."""
    since = today - timedelta(days=GAPS_KEPT_DAYS)
    return tuple(
        f"{day.isoformat()} {link.day.isoformat()} {link.run}"
        for day, link in sorted(gaps.items())
        if day > since
    )


def gap_after_checkin(before: Streak, day: date) -> dict[date, Link]:
    """The gap a check-in on ``day`` after the counters ``before`` adds: none when it
    follows the day before (or is no later than the last check-in)."""
    if before.last is None or day <= before.last + _ONE_DAY:
        return {}
    return {day: Link(before.last, before.current)}


def chain_back(
    streak: Streak,
    days: Collection[date],
    gaps: Mapping[date, Link],
    stored: Mapping[date, Link] | None = None,
) -> dict[date, Link]:
    """The runs of the member's check-ins as their counters know them, going back from
    ``streak.last``: each check-in reached, with the run ending there and the check-in
    before it. ``days`` are every check-in of a range of dates ending at ``streak.last``
    (read by key); ``gaps`` the member's (:func:`gaps_of`); ``stored`` the runs kept on
    check-in items written before gaps existed (``streak``, ``prev``), used where no gap is
    known. The walk ends at the first check-in before the range (included: its date and run
    come from a gap) or where nothing more is known.
    """
    stored = stored or {}
    found: dict[date, Link] = {}
    day, run = streak.last, streak.current
    while day is not None and run >= 1 and day not in found:
        before: Link | None = None
        if day not in days:  # before the range: its run came from the gap after it
            found[day] = Link(day, run)
            break
        if day in gaps:
            before = gaps[day]
        elif day - _ONE_DAY in days:
            before = Link(day - _ONE_DAY, run - 1)
        elif day in stored and (prev := stored[day].prev) is not None:
            kept = stored.get(prev)
            before = Link(prev, run - 1 if stored[day].run > 1 else kept.run if kept else 0)
        found[day] = Link(day, run, before.day if before else None)
        if before is None:
            break
        day, run = before.day, before.run
    return found


_DAY_WORDS = {"昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}
_FULL_DATE = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$"
_MONTH_DAY = r"^(\d{1,2})[-/.月](\d{1,2})[日号]?$"
# A month-day without a year means the nearest such date: 12-31 typed on 1 January is the
# day before, not eleven months ahead.
_HALF_YEAR = timedelta(days=183)


def parse_day(text: str, today: date) -> date | None:
    """The date in ``补卡 2026-11-21`` (also ``2026/11/21``, ``11-21``, ``11/21``, ``11月21日``,
    ``昨天``, ``yesterday``), or None when it is not a real date."""
    word = (text or "").strip().translate(str.maketrans("／－．", "/-."))
    if word.lower() in _DAY_WORDS:
        return today - timedelta(days=_DAY_WORDS[word.lower()])
    try:
        full = re.match(_FULL_DATE, word)
        if full:
            year, month, day = (int(g) for g in full.groups())
            return date(year, month, day)
        short = re.match(_MONTH_DAY, word)
        if short:
            month, day = (int(g) for g in short.groups())
            candidate = date(today.year, month, day)
            if candidate > today + _HALF_YEAR:
                candidate = date(today.year - 1, month, day)
            elif candidate < today - _HALF_YEAR:
                candidate = date(today.year + 1, month, day)
            return candidate
    except ValueError:  # 2026-02-30, or 02-29 resolved into a common year
        return None
    return None


# -- notes ----------------------------------------------------------------------------------


def cut_text(text: str | None, limit: int) -> tuple[str, bool]:
    """``text`` stripped and cut to ``limit`` characters, and whether it was cut. A long note
    is kept in part rather than refused: the member loses a tail, not their check-in."""
    clean = (text or "").strip()
    if len(clean) <= limit:
        return clean, False
    return clean[:limit].rstrip(), True


# -- leaderboard ----------------------------------------------------------------------------


class Board(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


_BOARD_WORDS = {
    "": Board.WEEK,
    "week": Board.WEEK,
    "w": Board.WEEK,
    "周": Board.WEEK,
    "本周": Board.WEEK,
    "周榜": Board.WEEK,
    "month": Board.MONTH,
    "m": Board.MONTH,
    "月": Board.MONTH,
    "本月": Board.MONTH,
    "月榜": Board.MONTH,
    "all": Board.ALL,
    "total": Board.ALL,
    "总": Board.ALL,
    "总榜": Board.ALL,
    "全部": Board.ALL,
}


def parse_board(args: str) -> Board | None:
    """``排行榜 [周|月|总]`` / ``/leaderboard [week|month|all]``; the week by default."""
    return _BOARD_WORDS.get((args or "").strip().lower())


# Which leaderboard: check-ins (the default) or points. Words may come in any order (a
# Discord command's options do), so ``/leaderboard month points`` works too.
_KIND_WORDS = {"points": True, "point": True, "pts": True, "积分": True}
_KIND_WORDS.update({"checkins": False, "checkin": False, "打卡": False})


def parse_leaderboard(args: str) -> tuple[bool, Board | None]:
    """``(points board?, period)`` from ``排行榜 [积分] [周|月|总]``."""
    words = (args or "").strip().lower().split()
    points = any(_KIND_WORDS.get(w) for w in words)
    rest = " ".join(w for w in words if w not in _KIND_WORDS)
    return points, parse_board(rest)


def board_dates(board: Board, today: date) -> tuple[date, date] | None:
    """The local dates a board counts (ISO week from Monday, calendar month), up to today;
    None for the all-time board, which reads the members' own counters instead."""
    if board is Board.WEEK:
        return today - timedelta(days=today.weekday()), today
    if board is Board.MONTH:
        return today.replace(day=1), today
    return None


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: str
    name: str
    checkins: int
    streak: int


def rank_standings(entries: Iterable[tuple[str, str, int, int]]) -> list[Standing]:
    """``(user_id, name, checkins, streak)`` ranked by check-ins, then streak; ties share a
    rank (1, 2, 2, 4) and are listed by name. Members with no check-in are not ranked."""
    ordered = sorted(
        (e for e in entries if e[2] > 0), key=lambda e: (-e[2], -e[3], e[1].casefold(), e[0])
    )
    standings: list[Standing] = []
    for position, (user_id, name, count, streak) in enumerate(ordered, start=1):
        tied = standings and (standings[-1].checkins, standings[-1].streak) == (count, streak)
        rank = standings[-1].rank if tied else position
        standings.append(Standing(rank, user_id, name, count, streak))
    return standings
