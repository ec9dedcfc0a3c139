"""Recurring sessions (分享会): what a session definition says, when its instances happen,
and the phases rollcall posts for each. Pure: no storage, no clock.

A definition has an id (``friday``), a default topic, a recurrence in the community's own
timezone (weekly on a weekday at a wall time; every N weeks from an anchor date; the Nth
weekday of a month, ``-1`` the last), a duration, an optional talk/questions split, how many
days before it is announced and by when a speaker must be confirmed.

An instance is a session on one local calendar date; each of its phases is one scheduled
run of the ``sessions`` job whose period is ``<session id>#<date>#<phase>``, so every phase
of every instance is claimed once (chalicelib/jobs/post_sessions.py). Phase times come from
:class:`LocalCalendar` (DST-correct): the announcement and the speaker deadline are the
session's wall time N days before, the reminder an hour before the start in real time.

Definitions are kept on the community item as JSON strings (``Community.sessions``), so
that the job's slots are computed from the community alone.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from itertools import count
from typing import Any

from chalicelib.domain.calendar import LocalCalendar
from chalicelib.domain.inactivity import on_leave_on
from chalicelib.domain.models import Member
from chalicelib.domain.rota import Pick, tie_breaker

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_WORDS = {
    **{w: n for n, w in enumerate(WEEKDAYS)},
    **{
        w: n
        for n, w in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    **{w: n for n, w in enumerate("一二三四五六日")},
    "天": 6,
}
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_FULL_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.](\d{1,2})|(\d{1,2})月(\d{1,2})[日号]?")
_URL = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)

# Phases of an instance, in the order they happen (announce and speaker-alert may swap).
ANNOUNCE, SPEAKER_ALERT, REMIND, START, QUESTIONS, SUMMARY = (
    "announce",
    "speaker-alert",
    "remind",
    "start",
    "questions",
    "summary",
)
PHASES = (ANNOUNCE, SPEAKER_ALERT, REMIND, START, QUESTIONS, SUMMARY)
REMIND_BEFORE = timedelta(hours=1)
# Attendance opens a little before the start (members arrive early) and closes at the end.
ATTEND_EARLY = timedelta(minutes=10)
MAX_DURATION = 8 * 60
MAX_LEAD_DAYS = 28
TITLE_MAX_CHARS = 60
TOPIC_MAX_CHARS = 80
# A definition whose time falls in a DST gap is refused when it would in the next two years.
_GAP_HORIZON = timedelta(days=2 * 366)


class SessionError(ValueError):
    """A definition or a command that cannot be taken; the message is one line for an
    operator (the chat commands map refusals to texts of their own)."""


@dataclass(frozen=True)
class Recurrence:
    """``weekly`` on ``weekday`` (0 = Monday), every ``every`` weeks counted from
    ``anchor`` (when ``every`` > 1), or ``monthly`` on the ``nth`` ``weekday`` (-1: the
    last); always at wall time ``at``."""

    kind: str  # "weekly" | "monthly"
    weekday: int
    at: time
    every: int = 1
    anchor: date | None = None
    nth: int | None = None

    def dates_from(self, start: date) -> Iterator[date]:
        """The local calendar dates it happens on, from ``start`` on, in order (infinite)."""
        if self.kind == "monthly":
            month = date(start.year, start.month, 1)
            while True:
                d = nth_weekday(month.year, month.month, self.weekday, self.nth or 1)
                if d is not None and d >= start:
                    yield d
                month = (month + timedelta(days=32)).replace(day=1)
        first = self.anchor or start
        if self.anchor is None:
            first = start + timedelta(days=(self.weekday - start.weekday()) % 7)
        step = timedelta(weeks=self.every)
        if first < start:
            skipped = -(-(start - first).days // step.days)
            first += skipped * step
        for n in count():
            yield first + n * step

    def happens_on(self, d: date) -> bool:
        return next(self.dates_from(d)) == d


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The ``nth`` ``weekday`` of a month (``nth`` -1: the last), None when the month has
    no fifth one."""
    first = date(year, month, 1)
    if nth == -1:
        following = (first + timedelta(days=32)).replace(day=1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    d = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return d if d.month == month else None


@dataclass(frozen=True)
class SessionDef:
    id: str
    title: str
    recurrence: Recurrence
    duration_minutes: int = 60
    talk_minutes: int | None = None
    announce_days: int = 3
    # A confirmed speaker is due this many days before (0: no deadline, no alert).
    speaker_deadline_days: int = 2
    # At the deadline, an instance without a confirmed speaker gets one picked by
    # :func:`pick_speaker` instead of an alert to the admins.
    speaker_rota: bool = False

    # -- storage (Community.sessions holds these JSON strings) --------------------------

    def to_json(self) -> str:
        fields = asdict(self)
        rec = fields.pop("recurrence")
        rec["at"] = self.recurrence.at.strftime("%H:%M")
        rec["anchor"] = self.recurrence.anchor.isoformat() if self.recurrence.anchor else None
        return json.dumps({**fields, "recurrence": rec}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SessionDef:
        data = json.loads(text)
        rec = dict(data.pop("recurrence"))
        hour, minute = rec["at"].split(":")
        rec["at"] = time(int(hour), int(minute))
        rec["anchor"] = date.fromisoformat(rec["anchor"]) if rec.get("anchor") else None
        return cls(**data, recurrence=Recurrence(**rec))

    # -- when -----------------------------------------------------------------------------

    def start(self, calendar: LocalCalendar, d: date) -> datetime:
        """The instance's start (aware UTC); a wall time in a gap moves to the gap's end."""
        return calendar.at_local(d, self.recurrence.at)

    def end(self, calendar: LocalCalendar, d: date) -> datetime:
        return self.start(calendar, d) + timedelta(minutes=self.duration_minutes)

    def phases(self, calendar: LocalCalendar, d: date) -> list[tuple[datetime, str]]:
        """When each phase of the instance on ``d`` runs, in increasing time."""
        start = self.start(calendar, d)
        at = self.recurrence.at
        out = [(start - REMIND_BEFORE, REMIND), (start, START)]
        if self.announce_days:
            out.append((calendar.at_local(d - timedelta(days=self.announce_days), at), ANNOUNCE))
        if self.speaker_deadline_days:
            deadline = calendar.at_local(d - timedelta(days=self.speaker_deadline_days), at)
            out.append((deadline, SPEAKER_ALERT))
        if self.talk_minutes:
            out.append((start + timedelta(minutes=self.talk_minutes), QUESTIONS))
        out.append((start + timedelta(minutes=self.duration_minutes), SUMMARY))
        return sorted(out, key=lambda p: (p[0], PHASES.index(p[1])))

    def phase_at(self, calendar: LocalCalendar, d: date, phase: str) -> datetime | None:
        return next((when for when, name in self.phases(calendar, d) if name == phase), None)

    def _lead(self) -> timedelta:
        # How long before its start an instance's first phase may run (+1 day: DST slack).
        return timedelta(days=max(self.announce_days, self.speaker_deadline_days, 0) + 1) + (
            REMIND_BEFORE
        )

    def phase_times(
        self, calendar: LocalCalendar, after: datetime
    ) -> Iterator[tuple[datetime, str]]:
        """Every phase strictly after ``after``, in increasing time, as ``(when, period)``."""
        begin = calendar.local_date(after) - timedelta(days=2)  # a session may still be on
        pending: list[tuple[datetime, int, str]] = []
        order = count()
        for d in self.recurrence.dates_from(begin):
            horizon = self.start(calendar, d) - self._lead()
            while pending and pending[0][0] < horizon:
                when, _, period = heapq.heappop(pending)
                yield when, period
            for when, phase in self.phases(calendar, d):
                if when > after:
                    heapq.heappush(pending, (when, next(order), instance_period(self.id, d, phase)))


def instance_period(session_id: str, d: date, phase: str) -> str:
    return f"{session_id}#{d.isoformat()}#{phase}"


@dataclass(frozen=True)
class InstancePeriod:
    session_id: str
    day: date
    phase: str


def parse_period(period: str) -> InstancePeriod:
    """``friday#2026-12-11#remind`` → its parts; SessionError for anything else."""
    parts = (period or "").split("#")
    if len(parts) != 3 or parts[2] not in PHASES or not _ID.fullmatch(parts[0]):
        raise SessionError(f"not a session period: {period!r} (e.g. friday#2026-12-11#remind)")
    try:
        day = date.fromisoformat(parts[1])
    except ValueError as error:
        raise SessionError(f"not a session period: {period!r}") from error
    return InstancePeriod(parts[0], day, parts[2])


def all_phase_times(
    definitions: Iterable[SessionDef], calendar: LocalCalendar, after: datetime
) -> Iterator[tuple[datetime, str]]:
    """Every phase of every definition strictly after ``after``, in increasing time."""
    return heapq.merge(*(d.phase_times(calendar, after) for d in definitions))


def definitions_of(stored: Iterable[str]) -> list[SessionDef]:
    return [SessionDef.from_json(text) for text in stored]


# -- parsing what an operator gives -----------------------------------------------------------


def _int(value: Any, what: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise SessionError(f"{what} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise SessionError(f"{what} must be {low}..{high}, got {number}")
    return number


def parse_weekday(value: str) -> int:
    word = str(value or "").strip().lower().removeprefix("周").removeprefix("星期")
    if word not in _WEEKDAY_WORDS:
        raise SessionError(f"weekday must be one of {', '.join(WEEKDAYS)}, got {value!r}")
    return _WEEKDAY_WORDS[word]


def _session_anchor(value: Any) -> date | None:
    """The date of one session (every N weeks); None when none is given."""
    if not value:
        return None
    try:
        anchor = date.fromisoformat(str(value).strip())
    except ValueError:
        raise SessionError(f"anchor must be a date like 2026-12-11, got {value!r}") from None
    if not 1900 <= anchor.year <= 9998:  # the weeks counted from it would overflow
        raise SessionError(f"anchor must be in the years 1900 to 9998, got {anchor}")
    return anchor


def parse_definition(values: Mapping[str, Any], calendar: LocalCalendar, today: date) -> SessionDef:
    """A definition from an operator's fields: ``id``, ``title``, ``weekday`` and ``at``
    (required), ``every`` and ``anchor`` (every N weeks), ``nth`` (the Nth weekday of a
    month, -1 the last), ``duration``, ``talk``, ``announce_days``,
    ``speaker_deadline_days``. SessionError with one line when it cannot be taken: a
    recurrence that never occurs, a time in a DST gap, a split longer than the session."""
    sid = str(values.get("id") or "").strip().lower()
    if not _ID.fullmatch(sid):
        raise SessionError(f"session id must be 1-32 of a-z, 0-9 and -, got {sid!r}")
    title = str(values.get("title") or "").strip() or sid
    if len(title) > TITLE_MAX_CHARS:
        raise SessionError(f"title has at most {TITLE_MAX_CHARS} characters")
    weekday = parse_weekday(values.get("weekday") or "")
    match = _HHMM.fullmatch(str(values.get("at") or "").strip())
    if not match:
        raise SessionError(f"time must be HH:MM (24-hour), got {values.get('at')!r}")
    at = time(int(match.group(1)), int(match.group(2)))
    every = _int(values.get("every") or 1, "every (weeks)", 1, 52)
    anchor = _session_anchor(values.get("anchor"))
    nth = None
    if values.get("nth") not in (None, ""):
        nth = _int(values["nth"], "nth", -99, 99)
        if nth == 0 or not -1 <= nth <= 5:
            raise SessionError(f"nth must be 1..5 or -1 (the last); a {nth}th weekday never occurs")
        if every != 1 or anchor is not None:
            raise SessionError("give either --nth (monthly) or --every/--anchor (weekly)")
    if anchor is not None and anchor.weekday() != weekday:
        raise SessionError(
            f"never occurs: the anchor {anchor.isoformat()} is a {WEEKDAYS[anchor.weekday()]}, "
            f"not a {WEEKDAYS[weekday]}"
        )
    if every > 1 and anchor is None:
        raise SessionError("every N weeks needs --anchor, the date of one session")
    recurrence = Recurrence(
        "monthly" if nth is not None else "weekly", weekday, at, every, anchor, nth
    )
    duration = _int(values.get("duration") or 60, "duration (minutes)", 5, MAX_DURATION)
    talk = None
    if values.get("talk") not in (None, "", 0):
        talk = _int(values["talk"], "talk (minutes)", 1, MAX_DURATION)
        if talk >= duration:
            raise SessionError(f"talk ({talk} min) must be shorter than the session ({duration})")
    announce = _int(values.get("announce_days", 3), "announce days", 0, MAX_LEAD_DAYS)
    deadline = _int(values.get("speaker_deadline_days", 2), "speaker deadline days", 0, 28)
    speaker_rota = bool(values.get("speaker_rota"))
    if speaker_rota and not deadline:
        raise SessionError("a speaker rota needs a speaker deadline (speaker deadline days 1..28)")
    definition = SessionDef(
        sid, title, recurrence, duration, talk, announce, deadline, speaker_rota
    )
    gap = first_gap(definition, calendar, today)
    if gap is not None:
        raise SessionError(
            f"{at.strftime('%H:%M')} does not exist on {gap.isoformat()} in {calendar.timezone} "
            "(the clocks skip it for daylight saving time): choose another time"
        )
    return definition


def first_gap(definition: SessionDef, calendar: LocalCalendar, today: date) -> date | None:
    """The first date, within two years of ``today``, when the session's wall time falls in
    a daylight-saving gap (the clock never shows it), or None."""
    at = definition.recurrence.at
    for d in definition.recurrence.dates_from(today):
        if d > today + _GAP_HORIZON:
            return None
        shown = calendar.at_local(d, at).astimezone(calendar.tz).replace(tzinfo=None)
        if shown != datetime.combine(d, at):
            return d
    return None  # pragma: no cover - dates_from is infinite


def with_definition(stored: Iterable[str], definition: SessionDef) -> tuple[str, ...]:
    """The stored definitions with ``definition`` added, refusing an id already there."""
    kept = list(stored)
    if any(SessionDef.from_json(text).id == definition.id for text in kept):
        raise SessionError(f"a session {definition.id!r} exists already")
    return (*kept, definition.to_json())


def without_definition(stored: Iterable[str], session_id: str) -> tuple[str, ...]:
    """The stored definitions without ``session_id``, refusing an id not there."""
    kept = tuple(text for text in stored if SessionDef.from_json(text).id != session_id)
    if len(kept) == len(tuple(stored)):
        raise SessionError(f"there is no session {session_id!r}")
    return kept


def describe(definition: SessionDef) -> str:
    """One line for operators: ``friday: fri 20:00 weekly, 60 min (talk 40)``."""
    rec = definition.recurrence
    when = f"{WEEKDAYS[rec.weekday]} {rec.at.strftime('%H:%M')}"
    if rec.kind == "monthly":
        how = "last" if rec.nth == -1 else f"#{rec.nth}"
        when = f"{how} {when} monthly"
    elif rec.every > 1:
        when = f"{when} every {rec.every} weeks from {rec.anchor.isoformat() if rec.anchor else ''}"
    else:
        when = f"{when} weekly"
    talk = f" (talk {definition.talk_minutes})" if definition.talk_minutes else ""
    rota = ", speaker rota" if definition.speaker_rota else ""
    return (
        f"{definition.id}: {definition.title}, {when}, {definition.duration_minutes} min"
        f"{talk}{rota}"
    )


# -- what members type ------------------------------------------------------------------------


def parse_session_date(text: str, today: date) -> date | None:
    """``12-12``, ``12/12``, ``12月12日`` (the next such date from ``today``, within a
    year) or ``2026-12-12``; None when it is no real date."""
    word = (text or "").strip().translate(str.maketrans("／－．", "/-."))
    try:
        full = _FULL_DATE.fullmatch(word)
        if full:
            return date(*(int(g) for g in full.groups()))
        short = _MONTH_DAY.fullmatch(word)
        if short:
            groups = [g for g in short.groups() if g is not None]
            month, day = int(groups[0]), int(groups[1])
            candidate = date(today.year, month, day)
            return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None
    return None


def split_date(text: str, today: date) -> tuple[date | None, str]:
    """The date a command starts with and the rest (a topic, a link)."""
    head, _, rest = (text or "").strip().partition(" ")
    return parse_session_date(head, today), rest.strip()


def is_recording_url(text: str) -> bool:
    return bool(_URL.fullmatch((text or "").strip()))


def find_instance(definitions: Iterable[SessionDef], d: date) -> SessionDef | None:
    """The session held on local date ``d`` (the first by id when several are)."""
    found = sorted((s for s in definitions if s.recurrence.happens_on(d)), key=lambda s: s.id)
    return found[0] if found else None


def upcoming(
    definitions: Iterable[SessionDef], calendar: LocalCalendar, now: datetime, limit: int = 4
) -> list[tuple[datetime, SessionDef, date]]:
    """The next ``limit`` instances not yet ended, soonest first."""
    today = calendar.local_date(now)
    found: list[tuple[datetime, SessionDef, date]] = []
    for s in definitions:
        for n, d in enumerate(s.recurrence.dates_from(today - timedelta(days=1))):
            if n >= limit + 1:
                break
            if s.end(calendar, d) > now:
                found.append((s.start(calendar, d), s, d))
    return sorted(found, key=lambda f: (f[0], f[1].id))[:limit]


def current_instance(
    definitions: Iterable[SessionDef], calendar: LocalCalendar, now: datetime
) -> tuple[SessionDef, date] | None:
    """The instance whose attendance window (10 minutes before the start to its end)
    holds ``now``."""
    today = calendar.local_date(now)
    for s in sorted(definitions, key=lambda s: s.id):
        for d in (today - timedelta(days=1), today, today + timedelta(days=1)):
            if not s.recurrence.happens_on(d):
                continue
            if s.start(calendar, d) - ATTEND_EARLY <= now < s.end(calendar, d):
                return s, d
    return None


def latest_started(
    definitions: Iterable[SessionDef], calendar: LocalCalendar, now: datetime, days: int = 14
) -> tuple[SessionDef, date] | None:
    """The most recent instance that has started by ``now`` (for /recording)."""
    today = calendar.local_date(now)
    best: tuple[datetime, SessionDef, date] | None = None
    for s in definitions:
        for d in s.recurrence.dates_from(today - timedelta(days=days)):
            if d > today + timedelta(days=1):
                break
            start = s.start(calendar, d)
            if start <= now and (best is None or start > best[0]):
                best = (start, s, d)
    return (best[1], best[2]) if best else None


def cut_topic(text: str) -> str:
    return (text or "").strip()[:TOPIC_MAX_CHARS]


# -- the speaker rota ---------------------------------------------------------------------------


def pick_speaker(
    community_id: str,
    session_id: str,
    day: date,
    members: Iterable[Member],
    last_spoke: Mapping[str, date],
    signed_up: str | None = None,
) -> Pick | None:
    """The speaker of the instance on ``day`` when nobody is confirmed at its deadline:

    1. the member who signed up for it (报名分享), when still present and not on leave on
       ``day``;
    2. else, among present members who are not exempt nor on leave on ``day``, the least
       recently spoke (never before anyone; ``last_spoke``: member id → the date of their
       latest confirmed talk of this session);
    3. ties broken by a SHA-256 of (community, session, date, member) (domain/rota.py
       ``tie_breaker``): the same inputs give the same pick on every run and machine.

    None when nobody may speak."""
    present = [m for m in members if m.is_present]
    if signed_up:
        found = next((m for m in present if m.user_id == signed_up), None)
        if found is not None and not on_leave_on(found, day):
            return Pick(found.user_id, found.display(), True)
    seed = f"{session_id}#{day.isoformat()}"
    eligible = [m for m in present if not m.exempt and not on_leave_on(m, day)]
    if not eligible:
        return None
    chosen = min(
        eligible,
        key=lambda m: (
            last_spoke.get(m.user_id, date.min),
            tie_breaker(community_id, seed, m.user_id),
        ),
    )
    return Pick(chosen.user_id, chosen.display(), False)
