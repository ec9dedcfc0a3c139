"""Weekly homework (作业): cycles, what counts as a submission, lateness, strikes, stars.

Pure rules, no storage and no clock: callers pass ``now`` and what they read. The store
(store/homework.py), the chat commands (chat/homework.py) and the digest job
(jobs/send_weekly_digests.py) all decide through here, so the record is the same whichever
path wrote it.

The rules:

* **Cycles** come from the community: ``CycleCalendar(calendar, anchor, length, deadline
  weekday, deadline time)`` with ``anchor = cycle_anchor`` or the local date the community
  was created; weekly communities with neither count from :data:`FALLBACK_ANCHOR` (a
  Monday), which gives the same ISO-week periods the scheduler uses. Other lengths need a
  start date: without one the community has no cycles.
* **Paused cycles** (``Community.paused_cycles``) keep their numbers: nothing is due, no
  new work is taken, nobody gets a strike, and "missed in a row" runs across them.
* **Late**: work handed in after cycle ``n``'s deadline but within ``late_grace_hours`` goes
  to cycle ``n`` flagged late, as long as the member has nothing for ``n`` yet. The window
  never reaches past the next deadline (only the previous cycle is ever open), so cycle
  ``n``'s late work is always settled before the digest of ``n + 1``. A late submission
  that arrives after ``n``'s digest clears the strike that digest gave.
* **Strikes**: at a cycle's close a present member who handed in nothing, was not on leave
  on the deadline's local date and is past the new-member grace (``grace_days``) gets one
  strike, and their misses in a row grow by one; handing in (even late) resets the run to
  zero; leave and grace neither count nor break a run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.calendar import CycleCalendar
from chalicelib.domain.models import Community, InvalidValue, Member, parse_hhmm

# A piece of text homework: long enough for a short essay pasted into chat, short enough
# to stay one item (DynamoDB's 400 KB) with its history and to show in any platform.
TEXT_MAX_CHARS = 2000
# Longer links are almost always tracking junk; 1,000 characters also keeps a link on one
# part when a digest is split for WeCom (2,048 bytes).
LINK_MAX_CHARS = 1000
# Weekly communities with no anchor and no creation date count cycles from this Monday.
FALLBACK_ANCHOR = date(2024, 1, 1)
# How much of a text submission a digest shows.
PREVIEW_CHARS = 40
MIN_SCORE, MAX_SCORE = 1, 5

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_CYCLE = re.compile(r"^C(\d{4})$")
_URLISH = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)*\.?$")  # \w: internationalised names (例子.中国) too


# -- cycles ---------------------------------------------------------------------------------


def cycles_of(community: Community) -> CycleCalendar | None:
    """The community's numbered cycles; None when they cannot be counted (a length other
    than 7 days and no anchor nor creation date: the scheduler runs no digest then)."""
    calendar = community.calendar
    anchor = community.cycle_anchor
    if anchor is None and community.created_at is not None:
        anchor = calendar.local_date(community.created_at)
    if anchor is None:
        if community.cycle_length_days != 7:
            return None
        anchor = FALLBACK_ANCHOR
    return CycleCalendar(
        calendar,
        anchor,
        length_days=community.cycle_length_days,
        deadline_weekday=community.deadline_weekday,
        deadline_time=parse_hhmm(community.deadline_time),
    )


def is_paused(community: Community, n: int) -> bool:
    return n in community.paused_cycles


def previous_active(community: Community, n: int) -> int | None:
    """The latest cycle before ``n`` that was not paused (reviews and late work carry over
    paused cycles), or None."""
    m = n - 1
    while m >= 1 and is_paused(community, m):
        m -= 1
    return m if m >= 1 else None


def deadline_date(cycles: CycleCalendar, n: int) -> date:
    """The local date cycle ``n`` is due on (its deadline lies within that local date)."""
    return cycles.calendar.local_date(cycles.deadline(n))


def cycle_dates(cycles: CycleCalendar, n: int) -> tuple[date, date]:
    """First and last local date of cycle ``n`` (inclusive)."""
    first = cycles.anchor if n == 1 else deadline_date(cycles, n - 1) + timedelta(days=1)
    return first, deadline_date(cycles, n)


def late_until(community: Community, cycles: CycleCalendar, n: int) -> datetime:
    """The last instant late work is taken for cycle ``n`` (real hours after the deadline,
    so a DST change does not stretch or shrink the grace)."""
    return cycles.deadline(n) + timedelta(hours=community.late_grace_hours)


def local_text(community: Community, instant: datetime) -> str:
    """An instant as the community reads it: ``2026-11-29 23:59``."""
    return instant.astimezone(community.calendar.tz).strftime("%Y-%m-%d %H:%M")


def period_of(community: Community, cycles: CycleCalendar, n: int) -> str:
    """The digest period of cycle ``n``, as jobs/schedule.py names it: the ISO week of the
    deadline's local date for 7-day cycles, else the cycle id."""
    if community.cycle_length_days == 7:
        return cycles.calendar.iso_week(deadline_date(cycles, n))
    return cycles.cycle_id(n)


def cycle_for_period(community: Community, cycles: CycleCalendar, period: str) -> int:
    """The cycle a digest period names. Weekly communities also accept a cycle id."""
    period = (period or "").strip()
    match = _CYCLE.match(period)
    if match and int(match.group(1)) >= 1:
        return int(match.group(1))
    week = _WEEK.match(period)
    if week and community.cycle_length_days == 7:
        try:
            day = date.fromisocalendar(
                int(week.group(1)), int(week.group(2)), community.deadline_weekday + 1
            )
        except ValueError:
            raise InvalidValue(f"no such week {period!r}") from None
        instant = cycles.calendar.occurrence(day, cycles.deadline_time)
        n = cycles.cycle_of(instant)
        if n >= 1 and cycles.deadline(n) == instant:
            return n
        raise InvalidValue(f"no homework cycle closes in {period} (cycles start {cycles.anchor})")
    raise InvalidValue(f"not a digest period of this community: {period!r}")


def last_closed(cycles: CycleCalendar, now: datetime) -> int:
    """The cycle that most recently closed at or before ``now`` (0: none has closed)."""
    n = cycles.cycle_of(now)
    if n == 0:
        return 0
    return n if cycles.deadline(n) <= now else n - 1


# -- handing in -----------------------------------------------------------------------------


class WorkRefusal(StrEnum):
    EMPTY = "empty"
    NOT_HTTP = "not_http"
    BAD_LINK = "bad_link"
    LINK_TOO_LONG = "link_too_long"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Work:
    """What a member handed in: a link (with an optional note) or text."""

    link: str | None
    text: str


def _valid_link(token: str) -> WorkRefusal | None:
    try:
        parts = urlsplit(token)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return WorkRefusal.BAD_LINK
    if parts.scheme.lower() not in ("http", "https"):
        return WorkRefusal.NOT_HTTP
    if ":" not in host:  # IPv6 literals aside, a host is dot-separated labels
        if not _HOST.match(host):
            return WorkRefusal.BAD_LINK
        if "." not in host.strip(".") and host != "localhost":
            return WorkRefusal.BAD_LINK  # "http://foo" is a typo far more often than an intranet
    if len(token) > LINK_MAX_CHARS:
        return WorkRefusal.LINK_TOO_LONG
    return None


def parse_work(args: str) -> Work | WorkRefusal:
    """The first word that looks like a URL (``scheme://``) is the link and must be a valid
    http(s) URL with a host; the rest is a note. Without one, the whole text is the work.
    Nothing is cut: a refusal says what to fix, so no one's homework is silently shortened.
    """
    content = (args or "").strip()
    if not content:
        return WorkRefusal.EMPTY
    if len(content) > TEXT_MAX_CHARS:
        return WorkRefusal.TOO_LONG
    words = content.split()
    for index, word in enumerate(words):
        if _URLISH.match(word):
            refusal = _valid_link(word)
            if refusal is not None:
                return refusal
            note = " ".join(words[:index] + words[index + 1 :])
            return Work(link=word, text=note)
    return Work(link=None, text=content)


def preview(item: Mapping[str, Any]) -> str:
    """How a submission shows in a digest: its link, or the start of its text."""
    if item.get("link"):
        return str(item["link"])
    text = " ".join(str(item.get("text") or "").split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


@dataclass(frozen=True)
class Window:
    """Which cycles take work at an instant: ``current`` (0 before the first cycle) and,
    while its grace lasts, ``late`` (the previous cycle)."""

    current: int
    late: int | None


def submission_window(community: Community, cycles: CycleCalendar, now: datetime) -> Window:
    current = cycles.cycle_of(now)
    previous = current - 1
    open_late = (
        previous >= 1
        and not is_paused(community, previous)
        and now <= late_until(community, cycles, previous)
    )
    return Window(current, previous if open_late else None)


class Closed(StrEnum):
    NOT_STARTED = "not_started"
    PAUSED = "paused"


@dataclass(frozen=True)
class Target:
    cycle: int
    late: bool


def choose_target(
    window: Window,
    cycles: CycleCalendar,
    community: Community,
    *,
    has_late_work: bool,
    joined_at: date | None,
) -> Target | Closed:
    """Where a submission goes: to the previous cycle, late, while its grace lasts and the
    member has nothing there yet (and was a member by its deadline); otherwise to the
    current cycle, where a resubmission before the deadline replaces the earlier one."""
    if (
        window.late is not None
        and not has_late_work
        and (joined_at is None or joined_at <= deadline_date(cycles, window.late))
    ):
        return Target(window.late, late=True)
    if window.current == 0:
        return Closed.NOT_STARTED
    if is_paused(community, window.current):
        return Closed.PAUSED
    return Target(window.current, late=False)


# -- the close of a cycle -------------------------------------------------------------------


class Standing(StrEnum):
    SUBMITTED = "submitted"
    MISSING = "missing"
    ON_LEAVE = "on_leave"
    GRACE = "grace"
    NOT_EXPECTED = "not_expected"


def on_leave_on(member: Member, day: date) -> bool:
    """On leave on local date ``day``: the leave had begun (when we know its start) and had
    not ended."""
    if member.leave_until is None or day > member.leave_until:
        return False
    start = getattr(member, "leave_from", None)
    return start is None or start <= day


def standing(member: Member, due: date, submitted: bool, grace_days: int) -> Standing:
    """A member's standing for a cycle due on local date ``due``."""
    if submitted:
        return Standing.SUBMITTED
    if not member.is_present or (member.joined_at is not None and member.joined_at > due):
        return Standing.NOT_EXPECTED
    if on_leave_on(member, due):
        return Standing.ON_LEAVE
    if member.in_grace(due, grace_days):
        return Standing.GRACE
    return Standing.MISSING


@dataclass(frozen=True)
class CycleClose:
    """Present members by standing at a cycle's close, each list in display order."""

    submitted: tuple[Member, ...]
    missing: tuple[Member, ...]
    on_leave: tuple[Member, ...]
    grace: tuple[Member, ...]


def display_order(members: Iterable[Member]) -> list[Member]:
    return sorted(members, key=lambda m: (m.display().casefold(), m.user_id))


def close_cycle(
    members: Iterable[Member], submitted: Iterable[str], due: date, grace_days: int
) -> CycleClose:
    done = set(submitted)
    groups: dict[Standing, list[Member]] = {s: [] for s in Standing}
    for member in display_order(members):
        if member.user_id in done and not member.is_present:
            continue  # their work is listed from the submissions; they are not reviewers
        groups[standing(member, due, member.user_id in done, grace_days)].append(member)
    return CycleClose(
        tuple(groups[Standing.SUBMITTED]),
        tuple(groups[Standing.MISSING]),
        tuple(groups[Standing.ON_LEAVE]),
        tuple(groups[Standing.GRACE]),
    )


@dataclass(frozen=True)
class StrikeChange:
    """A change to a member's counters: ``strikes`` grows by ``delta``, and their misses in
    a row become ``missed_in_a_row``."""

    user_id: str
    delta: int
    missed_in_a_row: int


def strike_changes(close: CycleClose, already_struck: Iterable[str] = ()) -> list[StrikeChange]:
    """The counter changes a cycle's close makes. Members already struck for this cycle (a
    replayed run) are left alone, so a cycle strikes each member at most once."""
    struck = set(already_struck)
    changes = [
        StrikeChange(m.user_id, 1, m.missed_in_a_row + 1)
        for m in close.missing
        if m.user_id not in struck
    ]
    changes += [StrikeChange(m.user_id, 0, 0) for m in close.submitted if m.missed_in_a_row]
    return changes


@dataclass(frozen=True)
class Counters:
    """A member's homework counters as the digests recorded them, outside the member item
    (``HWM#<member>``, written only by the digest, so a batch put of them undoes nothing).

    ``through`` is the cycle whose close wrote them, ``struck`` whether that close struck
    the member. A late submission clears that strike by deleting its record, never by
    writing here: :func:`standing_counters` reads the record's absence as the clear."""

    strikes: int
    missed_in_a_row: int
    through: str | None = None
    struck: bool = False
    at: date | None = None  # local date of the close that wrote them


def standing_counters(
    member: Member, recorded: Counters | None, strike_stands: bool = True
) -> Counters:
    """The member's counters now. ``recorded``: what the digests recorded (None: no digest
    has since this shape, so the member item's own counters, written before it, count).
    ``strike_stands``: the record of ``recorded.through``'s strike still exists (a late
    submission deletes it: that strike goes and the run ends). A return after leaving
    starts a new membership: a run recorded before it does not carry over."""
    if recorded is None:
        return Counters(member.strikes, member.missed_in_a_row)
    strikes, run = recorded.strikes, recorded.missed_in_a_row
    if recorded.struck and not strike_stands:
        strikes, run = max(0, strikes - 1), 0
    if member.joined_at is not None and recorded.at is not None and recorded.at < member.joined_at:
        run = 0
    return Counters(strikes, run, recorded.through, recorded.struck, recorded.at)


@dataclass(frozen=True)
class CloseWrites:
    """What a cycle's close records: strike records (``HWS#<cycle>#<member>``, with the run
    they made) and new counters by member. Both are idempotent by key, so they go out in
    batches, and a replay computes the same or less."""

    strikes: tuple[StrikeChange, ...]
    counters: dict[str, Counters]


def close_writes(
    close: CycleClose,
    cycle_id: str,
    struck: Iterable[str],
    recorded: Mapping[str, Counters],
    at: date,
    cleared: Iterable[str] = (),
) -> CloseWrites:
    """The writes of ``cycle_id``'s close, given who already has a strike record for it
    (``struck``), each member's recorded counters (``recorded``, as stored; absent: the
    member item's, written before this shape) and whose recorded strike a late submission
    has since deleted (``cleared``, see :func:`standing_counters`).

    Exactly once under replay: counters already through this cycle (or a later one) are
    not counted again; a strike record missing behind counters through this cycle (a crash
    between the two writes) is written again; a record written by the older shape (no
    recorded counters: the member item already counted it) is left alone."""
    already, gone = set(struck), set(cleared)
    strikes: list[StrikeChange] = []
    counters: dict[str, Counters] = {}
    for member in close.missing:
        mine = recorded.get(member.user_id)
        if mine is not None and mine.through is not None and mine.through >= cycle_id:
            if mine.through == cycle_id and member.user_id not in already:
                strikes.append(StrikeChange(member.user_id, 1, mine.missed_in_a_row))
            continue
        if mine is None and member.user_id in already:
            continue  # struck by the older shape, which counted it on the member item
        base = standing_counters(member, mine, member.user_id not in gone)
        run = base.missed_in_a_row + 1
        strikes.append(StrikeChange(member.user_id, 1, run))
        counters[member.user_id] = Counters(base.strikes + 1, run, cycle_id, True, at)
    for member in close.submitted:
        mine = recorded.get(member.user_id)
        if mine is not None and mine.through is not None and mine.through >= cycle_id:
            continue
        base = standing_counters(member, mine, member.user_id not in gone)
        if base.missed_in_a_row or member.user_id in gone:
            counters[member.user_id] = Counters(base.strikes, 0, cycle_id, False, at)
    return CloseWrites(tuple(strikes), counters)


def cleared_strike(user_id: str) -> StrikeChange:
    """Late work within grace, after the digest struck the member: the strike goes, and the
    cycle counts as handed in, so the run of misses ends."""
    return StrikeChange(user_id, -1, 0)


# -- reviews --------------------------------------------------------------------------------


class ReviewRefusal(StrEnum):
    USAGE = "usage"
    BAD_SCORE = "bad_score"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class ReviewBody:
    text: str
    score: int | None


_SCORE_WORDS = {"score", "score:", "评分", "评分:", "评分：", "打分", "打分:", "打分：", "分数"}
_SCORE = re.compile(r"^(?:(?:score|评分|打分|分数)[:：=]?)?(\d{1,4})(?:分|/5)?$", re.IGNORECASE)
_STARS = re.compile(r"^[⭐★]+$")


def parse_review_body(body: str) -> ReviewBody | ReviewRefusal:
    """Text with an optional score at the end: ``4``, ``4分``, ``4/5``, ``score 4``,
    ``评分：4`` or ``⭐⭐⭐⭐``. A trailing number is always read as a score, so one out of
    1-5 is refused rather than silently kept as text."""
    words = unicodedata.normalize("NFKC", body or "").split()
    score = None
    if words:
        last = words[-1].replace("\ufe0f", "")
        match = _SCORE.match(last)
        if match:
            score = int(match.group(1))
            words.pop()
        elif _STARS.match(last):
            score = len(last)
            words.pop()
        if score is not None and words and words[-1].lower() in _SCORE_WORDS:
            words.pop()
    if score is not None and not MIN_SCORE <= score <= MAX_SCORE:
        return ReviewRefusal.BAD_SCORE
    text = " ".join(words)
    if not text:
        return ReviewRefusal.USAGE
    if len(text) > TEXT_MAX_CHARS:
        return ReviewRefusal.TOO_LONG
    return ReviewBody(text, score)


def mention_text(args: str) -> str | None:
    """What follows the mention that opens ``args`` (``@name``, ``＠name`` or Slack's and
    Discord's ``<@U123>``), or None when it opens with none."""
    stripped = (args or "").strip().replace("＠", "@")
    if stripped.startswith("<@"):
        return stripped[1:]
    if stripped.startswith("@") and len(stripped) > 1:
        return stripped[1:]
    return None


def resolve_mention(after_at: str, roster: Sequence[Member]) -> tuple[list[Member], str]:
    """The members ``after_at`` names and the text after the name.

    ``<@U123>`` / ``<@U123|name>`` name a user id. Otherwise the longest user id, username
    or display name that ``after_at`` starts with (and that ends at a space or the end)
    wins, case-insensitively, so names with spaces work; at equal length an id or a
    username beats a display name (``@bob`` is the user ``bob`` before someone whose name
    is Bob). Several members behind one winning name: all are returned (the caller asks
    to be more precise).
    """
    if after_at.startswith("@") and ">" in after_at:  # <@U123> with its "<" already gone
        inner, _, rest = after_at[1:].partition(">")
        user_id = inner.partition("|")[0].lstrip("!&")
        return [m for m in roster if m.user_id == user_id], rest.strip()
    folded = after_at.casefold()
    best: list[Member] = []
    best_rank = (0, 0)
    for member in roster:
        for kind, name in ((2, member.user_id), (2, member.username), (1, member.name)):
            if not name:
                continue
            name_folded = str(name).casefold()
            size = len(name_folded)
            if not folded.startswith(name_folded):
                continue
            if len(folded) > size and not folded[size].isspace():
                continue
            rank = (size, kind)
            if rank > best_rank:
                best, best_rank = [member], rank
            elif rank == best_rank and all(m.user_id != member.user_id for m in best):
                best.append(member)
    return best, after_at[best_rank[0] :].strip()


# -- stars ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Star:
    user_id: str
    average: float | None
    reviews: int


def homework_star(reviews: Iterable[Mapping[str, Any]]) -> Star | None:
    """作业之星: the best-reviewed submission, by average score, then by number of scored
    reviews, then by number of reviews; ties go to the smaller user id (stable). Without
    any score, the most-reviewed submission."""
    scores: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for review in reviews:
        reviewee = str(review["reviewee"])
        counts[reviewee] = counts.get(reviewee, 0) + 1
        if review.get("score") is not None:
            scores.setdefault(reviewee, []).append(int(review["score"]))
    if not counts:
        return None

    def key(user_id: str) -> tuple[float, int, int, str]:
        given = scores.get(user_id, [])
        average = sum(given) / len(given) if given else 0.0
        return (-average, -len(given), -counts[user_id], user_id)

    winner = min(counts, key=key)
    given = scores.get(winner, [])
    return Star(winner, sum(given) / len(given) if given else None, counts[winner])


def checkin_leaders(user_ids: Iterable[str]) -> tuple[list[str], int]:
    """打卡之星: the members with the most check-ins among ``user_ids`` (one entry per
    check-in), all of them when tied, in user id order, and their count."""
    counts: dict[str, int] = {}
    for user_id in user_ids:
        counts[user_id] = counts.get(user_id, 0) + 1
    if not counts:
        return [], 0
    top = max(counts.values())
    return sorted(u for u, c in counts.items() if c == top), top
