"""Announcements (群公告) and cohorts (期): what an admin may schedule, and when each post is due.

Pure: no AWS, no clock. A community keeps its live announcements' schedules and its
cohorts as small dicts of strings on its own item (``Community.announcements`` and
``Community.cohorts``, a bounded list each), so that the job's slots, which see only the
community, know every post that is due; an announcement's text is an item of its own, read
only when it is posted.

Each post is a run of its own, and its period the claim key: ``<local date>#<id>-<HHMM>``
for an announcement's occurrence (``2026-12-08#a1b2c3d4-0900``), ``<date>#<id>-open`` and
``<date>#<id>-close`` for a cohort's ceremonies.

Two posts due at the same minute must not share an instant: the dispatcher's worker points
the job at the first slot *strictly after* the one it takes, so a tie would lose one. Each
post is therefore due at its wall time plus its id's own microsecond within that second
(a fixed offset of under a second, independent of the other posts, so cancelling one never
moves another).
"""

from __future__ import annotations

import heapq
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.calendar import LocalCalendar
from chalicelib.domain.models import InvalidValue, parse_hhmm

# At most this many live announcements a community (each is a few dozen bytes on the
# community item, which every webhook reads), and this many cohorts kept.
MAX_ANNOUNCEMENTS = 20
MAX_COHORTS = 20
MAX_TEXT = 1000
PREVIEW = 30
# A one-off announcement stays listed (and "pinned" for newcomers) this long after it posts.
KEEP_AFTER = timedelta(days=7)
# Cohort ceremonies are posted at this local time: the opening on the first day, the closing
# the morning after the last one (late enough for that evening's check-ins).
CEREMONY_TIME = time(9, 0)

ONCE, DAILY, WEEKLY, MONTHLY = "once", "daily", "weekly", "monthly"
KINDS = (ONCE, DAILY, WEEKLY, MONTHLY)
OPEN, CLOSE = "open", "close"

WEEKDAYS = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
WEEKDAY_NAMES = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}

_DATE = r"(\d{4}-\d{2}-\d{2})"
_TIME = r"(\d{1,2}[:：]\d{2})"  # a full-width colon from a Chinese input method too
_UNTIL = rf"(?:\s+(?:until|至|截至|到)\s*{_DATE})?"
_ONCE = re.compile(rf"^(?:at\s+)?{_DATE}(?:[T\s]+){_TIME}{_UNTIL}(?:\s+|$)(.*)$", re.S | re.I)
_DAILY = re.compile(rf"^(?:daily|每天|每日)\s*{_TIME}{_UNTIL}(?:\s+|$)(.*)$", re.S | re.I)
_WEEKLY_EN = re.compile(rf"^weekly\s+([a-z]+)\s+{_TIME}{_UNTIL}(?:\s+|$)(.*)$", re.S | re.I)
_WEEKLY_ZH = re.compile(
    rf"^(?:每周|每星期)([一二三四五六日天])\s*{_TIME}{_UNTIL}(?:\s+|$)(.*)$", re.S
)
_MONTHLY = re.compile(
    rf"^(?:monthly\s+(\d{{1,2}})|每月\s*(\d{{1,2}})\s*[日号]?)\s+{_TIME}{_UNTIL}(?:\s+|$)(.*)$",
    re.S | re.I,
)
_ID = re.compile(r"^[ak][0-9a-f]{7}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Refused(InvalidValue):
    """Bad input, named by its message key (domain/texts/announcements.py) and values."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Schedule:
    """When an announcement posts: once on ``on``, or daily / weekly on ``weekday`` /
    monthly on ``day``, at wall time ``at``, up to ``until`` (a local date) if given."""

    kind: str
    at: time
    on: date | None = None
    weekday: int | None = None
    day: int | None = None
    until: date | None = None

    def as_fields(self) -> dict[str, str]:
        fields = {"kind": self.kind, "time": self.at.strftime("%H:%M")}
        if self.on is not None:
            fields["date"] = self.on.isoformat()
        if self.weekday is not None:
            fields["weekday"] = str(self.weekday)
        if self.day is not None:
            fields["day"] = str(self.day)
        if self.until is not None:
            fields["until"] = self.until.isoformat()
        return fields

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Schedule:
        return cls(
            kind=entry["kind"],
            at=parse_hhmm(entry["time"]),
            on=date.fromisoformat(entry["date"]) if entry.get("date") else None,
            weekday=int(entry["weekday"]) if entry.get("weekday") is not None else None,
            day=int(entry["day"]) if entry.get("day") is not None else None,
            until=date.fromisoformat(entry["until"]) if entry.get("until") else None,
        )


def _time(text: str) -> time:
    text = text.replace("：", ":")
    try:
        return parse_hhmm(text if len(text) == 5 else "0" + text)
    except InvalidValue:
        raise Refused("announce_bad_time", value=text) from None


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Refused("announce_bad_date", value=text) from None
    within_calendar(day)
    return day


def within_calendar(day: date) -> None:
    """Refused on the calendar's first or last day: away from UTC a time on them is before
    year 1 or after 9999 (OverflowError), and the last has no day after it (a cohort's
    closing)."""
    if day in (date.min, date.max):
        raise Refused("date_out_of_range", value=day.isoformat())


def parse_request(args: str) -> tuple[Schedule, str]:
    """``2026-12-08 09:00 text``, ``at 2026-12-08T09:00 text``, ``weekly mon 09:00 text``,
    ``每周一 09:00 内容``, ``daily 09:00``, ``monthly 1 09:00``, each optionally followed by
    ``until 2027-01-31`` (至 2027-01-31) before the text. Raises Refused."""
    args = args.strip()
    once = _ONCE.match(args)
    if once:
        on, at, until, text = once.groups()
        return Schedule(ONCE, _time(at), on=_day(on), until=None), _text(text, until)
    daily = _DAILY.match(args)
    if daily:
        at, until, text = daily.groups()
        return Schedule(DAILY, _time(at), until=_until(until)), _text(text)
    weekly = _WEEKLY_EN.match(args) or _WEEKLY_ZH.match(args)
    if weekly:
        word, at, until, text = weekly.groups()
        weekday = WEEKDAYS.get(word.lower(), _ZH_WEEKDAYS.get(word))
        if weekday is None:
            raise Refused("announce_bad_weekday", value=word)
        return Schedule(WEEKLY, _time(at), weekday=weekday, until=_until(until)), _text(text)
    monthly = _MONTHLY.match(args)
    if monthly:
        en_day, zh_day, at, until, text = monthly.groups()
        day = int(en_day or zh_day)
        if not 1 <= day <= 28:
            raise Refused("announce_bad_day", value=day)
        return Schedule(MONTHLY, _time(at), day=day, until=_until(until)), _text(text)
    raise Refused("announce_usage")


def _until(text: str | None) -> date | None:
    return _day(text) if text else None


def _text(text: str, stray_until: str | None = None) -> str:
    if stray_until is not None:
        raise Refused("announce_until_once")
    text = text.strip()
    if not text:
        raise Refused("announce_empty")
    if len(text) > MAX_TEXT:
        raise Refused("announce_too_long", limit=MAX_TEXT)
    return text


def in_gap(calendar: LocalCalendar, on: date, at: time) -> bool:
    """True when the local clock never shows ``on at`` (a spring-forward gap)."""
    instant = calendar.at_local(on, at)
    wall = instant.astimezone(calendar.tz).replace(tzinfo=None)
    return wall != datetime.combine(on, at)


def check_schedule(calendar: LocalCalendar, schedule: Schedule, now: datetime) -> datetime:
    """The first time the schedule posts after ``now``; Refused when it is in the past, in a
    DST gap, or never happens."""
    if schedule.kind == ONCE:
        assert schedule.on is not None
        if in_gap(calendar, schedule.on, schedule.at):
            raise Refused("announce_dst_gap", when=f"{schedule.on.isoformat()} {schedule.at:%H:%M}")
        first = calendar.at_local(schedule.on, schedule.at)
        if first <= now:
            raise Refused("announce_past", when=f"{schedule.on.isoformat()} {schedule.at:%H:%M}")
        return first
    found = next(_instants(calendar, schedule, now), None)
    if found is None:
        raise Refused("announce_never")
    return found[1]


def _dates(calendar: LocalCalendar, schedule: Schedule, after: datetime) -> Iterator[date]:
    """The wall dates the schedule posts on, from the one before ``after``'s."""
    start = after.astimezone(calendar.tz).date() - timedelta(days=1)
    if schedule.kind == ONCE:
        assert schedule.on is not None
        yield schedule.on
        return
    d = start
    while schedule.until is None or d <= schedule.until:
        if (
            schedule.kind == DAILY
            or (schedule.kind == WEEKLY and d.weekday() == schedule.weekday)
            or (schedule.kind == MONTHLY and d.day == schedule.day)
        ):
            yield d
        d += timedelta(days=1)


def _instants(
    calendar: LocalCalendar, schedule: Schedule, after: datetime
) -> Iterator[tuple[date, datetime]]:
    """(wall date, instant) of each post strictly after ``after``, in order."""
    for d in _dates(calendar, schedule, after):
        at = calendar.at_local(d, schedule.at)
        if at > after:
            yield d, at


def offset(entry_id: str) -> timedelta:
    """The id's own microsecond within the second (see the module's note)."""
    return timedelta(microseconds=int(entry_id[1:], 16) % 1_000_000)


def new_id(kind: str, taken: Iterable[str]) -> str:
    """A fresh id (``a`` announcements, ``k`` cohorts) whose offset no live one shares."""
    used = {offset(i) for i in taken if _ID.match(i)}
    candidate = kind + secrets.token_hex(4)[:7]
    for _ in range(100):  # at most 40 ids are taken of a million offsets: found at once
        if offset(candidate) not in used:
            break
        candidate = kind + secrets.token_hex(4)[:7]
    return candidate


def is_id(text: str) -> bool:
    return bool(_ID.match(text.strip().lower()))


def announcement_period(entry_id: str, on: date, at: time) -> str:
    return f"{on.isoformat()}#{entry_id}-{at:%H%M}"


def cohort_period(entry_id: str, on: date, ceremony: str) -> str:
    return f"{on.isoformat()}#{entry_id}-{ceremony}"


@dataclass(frozen=True)
class Post:
    """One post that is due: an announcement's occurrence or a cohort's ceremony."""

    scheduled_at: datetime
    period: str
    entry_id: str
    ceremony: str | None = None  # OPEN / CLOSE for a cohort


def announcement_posts(
    calendar: LocalCalendar, entry: dict[str, Any], after: datetime
) -> Iterator[Post]:
    schedule = Schedule.of(entry)
    shift = offset(entry["id"])
    for d, at in _instants(calendar, schedule, after - shift):
        yield Post(at + shift, announcement_period(entry["id"], d, schedule.at), entry["id"])


def cohort_posts(calendar: LocalCalendar, entry: dict[str, Any], after: datetime) -> Iterator[Post]:
    shift = offset(entry["id"])
    start, end = date.fromisoformat(entry["start"]), date.fromisoformat(entry["end"])
    opening = calendar.at_local(start, CEREMONY_TIME) + shift
    closing = calendar.at_local(end + timedelta(days=1), CEREMONY_TIME) + shift
    if opening > after:
        yield Post(opening, cohort_period(entry["id"], start, OPEN), entry["id"], OPEN)
    if closing > after:
        yield Post(closing, cohort_period(entry["id"], end, CLOSE), entry["id"], CLOSE)


def posts_after(
    calendar: LocalCalendar,
    announcements: Iterable[dict[str, Any]],
    cohorts: Iterable[dict[str, Any]],
    after: datetime,
) -> Iterator[Post]:
    """Every post strictly after ``after``, in increasing time (offsets keep them apart)."""
    streams = [announcement_posts(calendar, e, after) for e in announcements]
    streams += [cohort_posts(calendar, e, after) for e in cohorts]
    return heapq.merge(*streams, key=lambda post: (post.scheduled_at, post.period))


def find_post(
    calendar: LocalCalendar,
    announcements: Iterable[dict[str, Any]],
    cohorts: Iterable[dict[str, Any]],
    period: str,
) -> tuple[dict[str, Any], Post] | None:
    """The live entry and post a period names; None when it names none (cancelled, or not
    one of its occurrences)."""
    base, _, slot = period.partition("#")
    entry_id, _, rest = slot.partition("-")
    try:
        on = date.fromisoformat(base)
    except ValueError:
        return None
    for entry in announcements:
        if entry["id"] == entry_id:
            day_before = calendar.at_local(on - timedelta(days=1), time(0, 0))
            for post in announcement_posts(calendar, entry, day_before):
                if post.period == period:
                    return entry, post
                if post.scheduled_at > day_before + timedelta(days=3):
                    break
            return None
    for entry in cohorts:
        if entry["id"] == entry_id and rest in (OPEN, CLOSE):
            for post in cohort_posts(calendar, entry, _EPOCH):
                if post.period == period:
                    return entry, post
    return None


def live(calendar: LocalCalendar, entry: dict[str, Any], now: datetime) -> bool:
    """An announcement still listed: it posts again, or posted in the last KEEP_AFTER."""
    schedule = Schedule.of(entry)
    if next(announcement_posts(calendar, entry, now), None) is not None:
        return True
    last = schedule.on if schedule.kind == ONCE else schedule.until
    if last is None:
        return False
    return now - calendar.at_local(last, schedule.at) < KEEP_AFTER


def started(calendar: LocalCalendar, entry: dict[str, Any], now: datetime) -> bool:
    """True once the announcement has posted at least once (it is pinned)."""
    created = datetime.fromisoformat(entry["created"])
    first = next(announcement_posts(calendar, entry, created), None)
    return first is not None and first.scheduled_at <= now


def describe(entry: dict[str, Any], locale: str) -> str:
    """The schedule in words: ``2026-12-08 09:00``, ``every Mon 09:00``, ``每月1日 09:00``."""
    schedule = Schedule.of(entry)
    hhmm = f"{schedule.at:%H:%M}"
    zh = locale == "zh-CN"
    if schedule.kind == ONCE:
        assert schedule.on is not None
        words = f"{schedule.on.isoformat()} {hhmm}"
    elif schedule.kind == DAILY:
        words = f"每天 {hhmm}" if zh else f"daily {hhmm}"
    elif schedule.kind == WEEKLY:
        assert schedule.weekday is not None
        name = WEEKDAY_NAMES["zh-CN" if zh else "en"][schedule.weekday]
        words = f"每{name} {hhmm}" if zh else f"every {name} {hhmm}"
    else:
        words = f"每月{schedule.day}日 {hhmm}" if zh else f"monthly on day {schedule.day} {hhmm}"
    if schedule.until is not None:
        words += f"（至 {schedule.until}）" if zh else f" (until {schedule.until})"
    return words


def check_cohort(name: str, start: date, end: date) -> None:
    if not name.strip():
        raise Refused("cohort_empty_name")
    within_calendar(start)
    within_calendar(end)
    if end < start:
        raise Refused("cohort_end_before_start", start=start.isoformat(), end=end.isoformat())


def cohort_during(cohorts: Iterable[dict[str, Any]], first: date, last: date) -> str | None:
    """The name of the cohort that ran during ``first``..``last`` (the latest started of
    those overlapping it), for a report's title; None when none did."""
    overlapping = [
        e
        for e in cohorts
        if date.fromisoformat(e["start"]) <= last and first <= date.fromisoformat(e["end"])
    ]
    return max(overlapping, key=lambda e: e["start"])["name"] if overlapping else None
