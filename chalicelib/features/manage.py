"""The organiser's pages' use cases: sign-in links, and what each page shows or changes.

Called by the chat command (``后台`` / ``/manage``: chat/manage.py), the CLI
(``rollcall manage link``) and the pages (chalicelib/manage/). Every page is built from a few
Queries of the community's partition (members, check-ins of a date range, warnings, runs,
due pointers): no Scan, no read per member.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community, InvalidValue, Member
from chalicelib.store import keys
from chalicelib.store import manage as links
from chalicelib.store.repository import Store

HEATMAP_WEEKS = 12


class NotAnAdmin(PermissionError):
    """The member is not (or no longer) an owner or admin of the community."""


# -- sign-in links ----------------------------------------------------------------------------


def signin_url(base_url: str, community_id: str, token: str) -> str:
    """The link; ``base_url`` is the API's (ROLLCALL_PUBLIC_URL may name a webhook URL)."""
    base = base_url.rstrip("/")
    head, found, _platform = base.rpartition("/webhooks/")
    if found:
        base = head
    return f"{base}/manage/{community_id}/signin?t={token}"


def issue_link(store: Store, community: Community, member: Member | None, now: datetime) -> str:
    """A new single-use token for an admin of the community (NotAnAdmin otherwise)."""
    if member is None or not member.is_present or not member.is_admin:
        raise NotAnAdmin(community.id)
    token = secrets.token_urlsafe(32)
    links.put_signin_link(store.table, community.id, member.user_id, token, now)
    return token


# A session's role when its link was a member's own (``我的主页`` / ``/mypage``): it opens
# that member's page and nothing else, whatever their role in the community.
SELF = "self"


def issue_member_link(
    store: Store, community: Community, member: Member | None, now: datetime
) -> str:
    """A new single-use token to the member's own page, for any present member."""
    if member is None or not member.is_present:
        raise NotAMember(community.id)
    token = secrets.token_urlsafe(32)
    links.put_signin_link(store.table, community.id, member.user_id, token, now, scope=SELF)
    return token


class NotAMember(PermissionError):
    """The member is not (or no longer) present in the community."""


@dataclass(frozen=True)
class SignedIn:
    community_id: str
    user_id: str
    role: str


def redeem_link(store: Store, community_id: str, token: str, now: datetime) -> SignedIn | str:
    """Use the link up and say who it signs in; or why not (``unknown``, ``used``,
    ``expired``, ``not_admin``, ``not_member``). The member's role is read now, not when the
    link was made; a member's own link signs in to their own page only (role ``self``)."""
    status, item = links.use_signin_link(store.table, community_id, token, now)
    if item is None:
        return status
    member = store.get_member(community_id, item["user_id"])
    if item.get("scope") == SELF:
        if member is None or not member.is_present:
            return "not_member"
        return SignedIn(community_id, member.user_id, SELF)
    if member is None or not member.is_present or not member.is_admin:
        return "not_admin"
    return SignedIn(community_id, member.user_id, member.role.value)


def current_admin(store: Store, community_id: str, user_id: str) -> Member | None:
    """The signed-in member when still a present owner or admin (one GetItem per page)."""
    member = store.get_member(community_id, user_id)
    if member is None or not member.is_present or not member.is_admin:
        return None
    return member


# -- the pages' data --------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    user_id: str
    name: str
    role: str
    squad: str
    tier: str
    streak: int
    checkins: int
    last_active: date | None
    warning: str
    points: int


def member_rows(store: Store, community: Community, now: datetime) -> list[MemberRow]:
    """Every present member with their tier and warning: two Queries (members, warnings)."""
    from chalicelib.domain.inactivity import Thresholds, tier_of
    from chalicelib.store.reports import warning_from_item, warnings_of

    today = community.calendar.local_date(now)
    thresholds = Thresholds.of(community)
    warnings = warnings_of(store.table, community.id)
    rows = []
    for member in store.list_members(community.id):
        if not member.is_present:
            continue
        member = warning_from_item(member, warnings.get(member.user_id))
        rows.append(
            MemberRow(
                user_id=member.user_id,
                name=member.display(),
                role=member.role.value,
                squad=member.squad or "",
                tier=tier_of(member, today, thresholds).value,
                streak=member.current_streak,
                checkins=member.checkins,
                last_active=member.last_active,
                warning=member.warned_rule or "",
                points=member.points,
            )
        )
    return rows


SORTS = ("name", "role", "squad", "tier", "streak", "last_active", "warning")


def select_rows(
    rows: list[MemberRow],
    *,
    sort: str = "name",
    descending: bool = False,
    tier: str = "",
    squad: str = "",
    search: str = "",
) -> list[MemberRow]:
    """The members table as asked in the query string; an unknown sort is by name."""
    picked = [
        r
        for r in rows
        if (not tier or r.tier == tier)
        and (not squad or r.squad == squad)
        and (not search or search.casefold() in r.name.casefold())
    ]
    key = sort if sort in SORTS else "name"

    def value(r: MemberRow) -> Any:
        v = getattr(r, key)
        if key == "last_active":
            return v or date.min
        return v.casefold() if isinstance(v, str) else v

    return sorted(picked, key=lambda r: (value(r), r.name.casefold()), reverse=descending)


@dataclass(frozen=True)
class Overview:
    today: date
    tiers: dict[str, int]
    present: int
    checked_in_today: list[str]
    days: dict[date, int]  # check-ins per local date over the heatmap's weeks
    first_day: date
    weekly_rate: list[tuple[date, float]]  # (Monday, share of possible check-ins)
    next_posts: list[tuple[str, datetime]]  # (job, local time)
    theme: str | None


def community_overview(store: Store, community: Community, now: datetime) -> Overview:
    """Members by tier, today's check-ins, 12 weeks of check-ins by day and rate by week,
    the next scheduled posts: Queries of members, warnings, a date range, due pointers."""
    from chalicelib.domain.inactivity import TIERS
    from chalicelib.store.checkins import checkins_between

    today = community.calendar.local_date(now)
    rows = member_rows(store, community, now)
    names = {r.user_id: r.name for r in rows}
    tiers = {t.value: 0 for t in TIERS}
    for row in rows:
        tiers[row.tier] = tiers.get(row.tier, 0) + 1
    # Whole weeks, Monday to Sunday, the last one holding today.
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=HEATMAP_WEEKS - 1)
    days: Counter[date] = Counter()
    todays: list[str] = []
    for item in checkins_between(store.table, community.id, first, today):
        day = date.fromisoformat(item["date"])
        days[day] += 1
        if day == today:
            todays.append(names.get(item["user_id"], item.get("name") or item["user_id"]))
    present = len(rows)
    weekly = []
    for week in range(HEATMAP_WEEKS):
        monday = first + timedelta(weeks=week)
        span = min(7, (today - monday).days + 1)
        count = sum(days[monday + timedelta(days=d)] for d in range(span))
        weekly.append((monday, count / (present * span) if present and span > 0 else 0.0))
    return Overview(
        today=today,
        tiers=tiers,
        present=present,
        checked_in_today=sorted(todays),
        days=dict(days),
        first_day=first,
        weekly_rate=weekly,
        next_posts=next_posts(store, community),
        theme=community.theme,
    )


def next_posts(store: Store, community: Community) -> list[tuple[str, datetime]]:
    """Each job's next run, in the community's local time, soonest first: one Query of the
    due pointers (rescheduled whenever the settings change)."""
    from chalicelib.domain.calendar import zone

    tz = zone(community.timezone)
    due = store.table.query(keys.community_pk(community.id), prefix=keys.due_item_sk(""))
    return sorted(
        (
            (item["job"], datetime.fromisoformat(item["scheduled_at"]).astimezone(tz))
            for item in due
        ),
        key=lambda pair: pair[1],
    )


def run_rows(store: Store, community: Community, limit: int = 200) -> list[dict[str, Any]]:
    """The latest job runs (the run ledger, store/runs.py), newest first, each with its
    parts settled, posted in the group, refused (direct messages the platform would not
    deliver) and sent privately: two Queries (the runs, all their refusals)."""
    from chalicelib.store import runs

    pk = keys.community_pk(community.id)
    refused: Counter[str] = Counter()
    for item in store.table.query(pk, prefix=keys.RUN_REFUSED_PREFIX):
        refused[item["sk"].removeprefix(keys.RUN_REFUSED_PREFIX).rsplit("#", 1)[0]] += 1
    found = []
    for item in store.table.query(pk, prefix=keys.RUN_PREFIX):
        done = runs.settled(item)
        group = len(runs.sent_parts(item))
        key = f"{item.get('job')}#{item.get('period')}#{runs.epoch_of(item)}"
        no = refused[key]
        found.append(
            {
                **item,
                "settled": done,
                "group": group,
                "refused": no,
                "direct": max(done - group - no, 0),
            }
        )
    found.sort(key=lambda i: i.get("claimed_at") or i.get("finished_at") or "", reverse=True)
    return found[:limit]


@dataclass(frozen=True)
class CycleRow:
    cycle_id: str
    deadline: date
    is_open: bool
    submitted: int
    late: int
    missing: int | None  # None while the cycle is open
    reviews_done: int
    reviews_owed: int
    work: list[tuple[str, str, bool]]  # (name, link or text, late)


def homework_cycles(
    store: Store, community: Community, now: datetime, count: int = 4
) -> list[CycleRow]:
    """The last ``count`` cycles, newest first: three Queries a cycle (submissions,
    reviews, assignments) and one of the roster."""
    from chalicelib.domain.homework import cycles_of, deadline_date, preview
    from chalicelib.store import homework

    cycles = cycles_of(community)
    if cycles is None:
        return []
    current = cycles.cycle_of(now)
    names = {m.user_id: m.display() for m in store.list_members(community.id) if m.is_present}
    rows = []
    for n in range(current, max(1, current - count + 1) - 1, -1):
        cid = cycles.cycle_id(n)
        subs = homework.submissions_of(store.table, community.id, cid)
        done = len(homework.reviews_of(store.table, community.id, cid))
        owed = sum(len(v) for v in homework.assignments_of(store.table, community.id, cid).values())
        handed = {s["user_id"] for s in subs}
        rows.append(
            CycleRow(
                cycle_id=cid,
                deadline=deadline_date(cycles, n),
                is_open=n == current,
                submitted=len(subs),
                late=sum(1 for s in subs if s.get("late")),
                missing=None if n == current else len(set(names) - handed),
                reviews_done=done,
                reviews_owed=max(owed - done, 0),
                work=sorted(
                    (
                        str(names.get(s["user_id"], s.get("name") or s["user_id"])),
                        preview(s),
                        bool(s.get("late")),
                    )
                    for s in subs
                ),
            )
        )
    return rows


def at_risk(store: Store, community: Community, now: datetime) -> tuple[str, list[Any]]:
    """Who the next report would warn or list for removal, and who stands warned: the
    report on this month so far, built as ``rollcall report monthly`` previews it (Queries of
    the roster, counters, warnings, check-ins and homework; nothing stored)."""
    from chalicelib.features.reports import build_monthly_report

    calendar = community.calendar
    month = calendar.month(calendar.local_date(now))
    report = build_monthly_report(store, community, month, now)
    rows = [r for r in report.rows if r.candidate_rule or r.newly_warned or r.warned_rule]
    rows.sort(key=lambda r: (not r.candidate_rule, not r.newly_warned, r.name.casefold()))
    return month, rows


# -- settings ---------------------------------------------------------------------------------

# The settings the page edits, by section, in the form's order (domain/settings.py names).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "daily",
        (
            "reminder_time",
            "last_call_time",
            "day_boundary",
            "timezone",
            "locale",
            "congratulate",
            "grace_days",
        ),
    ),
    ("homework", ("cycle_length_days", "deadline_weekday", "deadline_time")),
    ("report", ("report_day", "report_time", "removal", "ack_limited_activity")),
    (
        "joining",
        (
            "welcome",
            "group_rules",
            "require_rules_acceptance",
            "link",
            "nickname_pattern",
            "nickname_format",
            "pending_hours",
        ),
    ),
    ("freezes", ("streak_freezes", "freeze_bank", "freeze_every_reviews", "freeze_at_levels")),
    ("data", ("retention_days",)),
)
EDITABLE = tuple(name for _, names in SECTIONS for name in names)
# Long texts edited in a textarea (browsers send their new lines as CR LF).
TEXTAREAS = ("welcome", "group_rules")
# Settings the validator clears with ``off``: the form shows them empty when unset, and an
# emptied box clears them.
CLEARED_WHEN_EMPTY = ("welcome", "group_rules", "link", "nickname_pattern", "nickname_format")
# This week's theme is not a Community setting (it belongs to the week it was set in): the
# form's ``theme`` box goes to features/communities.py set_theme, as chat's /theme does.
THEME = "theme"


def setting_text(community: Community, name: str) -> str:
    """A setting's current value as the form shows it (and the validator reads it back)."""
    from chalicelib.domain.settings import SETTINGS, WEEKDAYS

    value = getattr(community, SETTINGS[name].field)
    if value is None:
        return "" if name in CLEARED_WHEN_EMPTY else "off"
    if isinstance(value, bool):
        return "on" if value else "off"
    if name == "deadline_weekday":
        return WEEKDAYS[value]
    return str(value)


def theme_text(community: Community, now: datetime) -> str:
    """This week's theme as the form shows it: empty when none, or set for another week."""
    calendar = community.calendar
    if community.theme and community.theme_week == calendar.iso_week(calendar.local_date(now)):
        return community.theme
    return ""


def _posted(name: str, value: str) -> str:
    """The form's text as the validator reads it: new lines as typed, an empty box ``off``."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text and name in CLEARED_WHEN_EMPTY:
        return "off"
    return text


class SettingsRefused(InvalidValue):
    """Bad input on the settings form: the validator's error for each field."""

    def __init__(self, causes: dict[str, InvalidValue]) -> None:
        super().__init__("; ".join(str(e) for e in causes.values()))
        self.causes = causes

    @property
    def errors(self) -> dict[str, str]:
        """Each field's reason in English, as the CLI prints it."""
        return {name: str(error) for name, error in self.causes.items()}

    def reasons(self, locale: str) -> dict[str, str]:
        """Each field's reason in the page's language (domain/settings.py refusal_reason:
        the hint of the setting the validator named, else of the field)."""
        from chalicelib.domain.settings import SettingRefused, refusal_reason

        found = {}
        for name, error in self.causes.items():
            named = error.setting if isinstance(error, SettingRefused) else None
            found[name] = refusal_reason(locale, error, named or name)
        return found


def change_settings(
    store: Store,
    queue: Any,
    community: Community,
    actor: Member,
    form: dict[str, str],
    now: datetime,
) -> Community:
    """Apply the form's changed settings with the CLI's validator (domain/settings.py),
    write only those, audit the change and have the jobs scheduled again. SettingsRefused
    (and nothing written) on bad input.

    The rescheduling goes through the queue (``reschedule``): computing next runs loads
    every job's module, and the function that serves the pages and webhooks is not granted
    what those jobs do (BatchWriteItem); the worker picks it up within a second.
    """
    from chalicelib.queue import reschedule_message

    given = _changed_fields(community, form)
    theme = form.get(THEME)
    if theme is not None and theme.strip() == theme_text(community, now):
        theme = None
    changes = _parsed_changes(given)
    if changes:
        _refuse_bad_combination(community, changes, given)
        community = _save_changes(store, community, actor, changes, now)
    if theme is not None:
        community = _change_theme(store, community, actor, theme, now)
    # Scheduled again even when nothing changed: a submit whose reschedule message was
    # lost (the queue refused it after the settings were saved) is repaired by submitting
    # the form again.
    queue.send_batch([reschedule_message(community.id)])
    return community


def _changed_fields(community: Community, form: dict[str, str]) -> dict[str, str]:
    """The editable fields whose posted text differs from what is set, as the validator
    reads them."""
    return {
        name: _posted(name, form[name])
        for name in EDITABLE
        if name in form
        and _posted(name, form[name]) != _posted(name, setting_text(community, name))
    }


def _parsed_changes(given: dict[str, str]) -> dict[str, Any]:
    """Each field parsed on its own; SettingsRefused naming every bad one."""
    from chalicelib.domain.settings import parse_settings

    errors: dict[str, InvalidValue] = {}
    changes: dict[str, Any] = {}
    for name, value in given.items():
        try:
            changes.update(parse_settings({name: value}))
        except InvalidValue as error:
            errors[name] = error
    if errors:
        raise SettingsRefused(errors)
    return changes


def _refuse_bad_combination(
    community: Community, changes: dict[str, Any], given: dict[str, str]
) -> None:
    """SettingsRefused when the changed community breaks a rule across settings, on the
    field the rule names (else the first field given)."""
    from chalicelib.domain.settings import SETTINGS, SettingRefused, check_settings

    try:
        updated = community.with_changes(**changes)
        check_settings(updated, changed=changes)
    except InvalidValue as error:
        text = str(error)
        named = [
            n
            for n in given
            if (isinstance(error, SettingRefused) and error.setting == n)
            or text.startswith(SETTINGS[n].what)
        ] or list(given)
        raise SettingsRefused({named[0]: error}) from None


def _save_changes(
    store: Store, community: Community, actor: Member, changes: dict[str, Any], now: datetime
) -> Community:
    """Write the changes and audit what they really changed, as chat and the CLI do."""
    from chalicelib.features.communities import record_changes
    from chalicelib.store.retention import retention_of

    saved = store.update_community(community, **changes)
    diff = {
        name: (getattr(community, name), getattr(saved, name))
        for name in changes
        if getattr(community, name) != getattr(saved, name)
    }
    # The same audit record as a change from chat or the CLI (features/communities.py).
    record_changes(
        store, community.id, diff, by=actor.user_id, now=now, retention=retention_of(saved)
    )
    return saved


def _change_theme(
    store: Store, community: Community, actor: Member, text: str, now: datetime
) -> Community:
    """This week's theme from the form, through chat's own use case (set or, empty, clear)."""
    from chalicelib.features.communities import set_theme

    today = community.calendar.local_date(now)
    return set_theme(store, community, text, today=today, by=actor.user_id, now=now).community


# -- the delivery log -------------------------------------------------------------------------

DELIVERY_PAGE = 20
_LAST = "\uffff"  # sorts after any period


@dataclass(frozen=True)
class Delivery:
    """What one run of a job delivered: its group posts (part number, message id), how many
    direct messages went out, which parts the platform refused for good."""

    job: str
    period: str
    status: str
    started: datetime | None
    finished: datetime | None
    parts: int | None
    group: list[tuple[int, str]]
    direct: int
    refused: list[int]
    note: str


def delivery_log(
    store: Store, community_id: str, job: str, before: str = "", limit: int = DELIVERY_PAGE
) -> tuple[list[Delivery], str | None]:
    """One job's runs, newest period first, ``limit`` at a time, and the period the next
    (older) page starts below (None: no older run). ``before`` is the cursor a previous
    page gave. Two Queries whatever the ledger's length or the members': the run records
    (reverse, limited) and the refusals of exactly those periods (one key range)."""
    from chalicelib.store import runs

    # One more than the page, to know whether an older page exists; and one more again: the
    # Query's range includes the cursor's own run, which recent_runs then leaves out.
    found = runs.recent_runs(store.table, community_id, job, before or _LAST, limit=limit + 2)
    page, more = found[:limit], len(found) > limit
    refused: dict[tuple[str, str], list[int]] = {}
    if page:
        newest, oldest = page[0]["period"], page[-1]["period"]
        head = f"{keys.RUN_REFUSED_PREFIX}{job}#"  # keys.run_refused_prefix without a period
        items = store.table.query(
            keys.community_pk(community_id),
            start=f"{head}{oldest}#",
            end=f"{head}{newest}#{_LAST}",
        )
        for item in items:
            period, epoch, _index = item["sk"].removeprefix(head).rsplit("#", 2)
            refused.setdefault((period, epoch), []).append(int(item["index"]))

    def when(text: Any) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    log = []
    for item in page:
        no = sorted(refused.get((item["period"], runs.epoch_of(item)), []))
        group = sorted(runs.sent_parts(item).items())
        done = runs.settled(item)
        log.append(
            Delivery(
                job=job,
                period=str(item["period"]),
                status=str(item.get("status", "")),
                started=when(item.get("claimed_at")),
                finished=when(item.get("finished_at")),
                parts=int(item["parts"]) if item.get("parts") is not None else None,
                group=group,
                direct=max(done - len(group) - len(no), 0),
                refused=no,
                note=str(item.get("reason") or item.get("error") or ""),
            )
        )
    return log, (page[-1]["period"] if more else None)


# -- a member's own page ----------------------------------------------------------------------


@dataclass(frozen=True)
class MyPage:
    name: str
    today: date
    month: str  # YYYY-MM shown
    first: date  # the month's first day
    last: date  # its last day
    checked: set[date]  # the member's check-ins in the month
    streak: int
    best: int
    total: int
    makeups_left: int
    homework: tuple[str, date, bool, bool] | None  # (cycle, deadline, handed in, late)
    lines: list[str]  # points and level, this month's goal, duty served: /me's own lines
    sessions: list[tuple[date, str, bool]]  # the month's sessions so far: (day, title, there)


def month_shown(community: Community, asked: str, now: datetime) -> str:
    """``asked`` (``YYYY-MM``) when it is a month up to the current one, else the current."""
    calendar = community.calendar
    current = calendar.month(calendar.local_date(now))
    try:
        first = date.fromisoformat(f"{asked}-01")
    except ValueError:
        return current
    # The pager links the month before: the calendar's first month (0001-01) has none.
    return asked if len(asked) == 7 and first > date.min and asked <= current else current


def member_home(
    store: Store, community: Community, member: Member, now: datetime, *, month: str = ""
) -> MyPage:
    """What the member's own page shows, in ``community.locale`` (pass a copy with another
    to switch): a month of their check-ins and the make-ups left (one BatchGetItem), their
    streak, points and level (the member item), this cycle's homework (one BatchGetItem),
    the month's goal (one of two keys), duty served (one Query of the rota's history, only
    where there is a rota). Never a read of other members."""
    import calendar as months

    from chalicelib.domain.checkins import Streak, leave_of, live_streak, makeups_left
    from chalicelib.domain.freezes import FreezeRules, frozen_set
    from chalicelib.domain.homework import cycles_of, deadline_date
    from chalicelib.domain.messages import t
    from chalicelib.features import goals, rota
    from chalicelib.features.points import standing_lines
    from chalicelib.store import homework
    from chalicelib.store.checkins import member_month

    cal = community.calendar
    today = cal.local_date(now)
    shown = month_shown(community, month, now)
    first = date.fromisoformat(f"{shown}-01")
    last = first.replace(day=months.monthrange(first.year, first.month)[1])
    checked, used = member_month(
        store.table, community.id, member.user_id, first, min(last, today), shown
    )
    done_today = today in checked if shown == cal.month(today) else False
    streak, leave = Streak.of(member), leave_of(member)
    rules = FreezeRules.of(community)
    freezes = member.freezes if rules.enabled else 0
    live = live_streak(streak, today, leave, freezes, frozen_set(member))
    work = None
    cycles = cycles_of(community)
    if cycles is not None:
        n = cycles.cycle_of(now)
        cid = cycles.cycle_id(n)
        item = homework.member_work(store.table, community.id, member.user_id, [cid]).get(cid)
        work = (cid, deadline_date(cycles, n), item is not None, bool(item and item.get("late")))
    attended = sessions_attended(store, community, member, first, min(last, today))
    say = lambda key, **v: t(community.locale, key, **v)  # noqa: E731
    lines = [
        *standing_lines(community, member, today, say),
        goals.me_line(store.table, community, member, now),
        rota.me_line(store.table, community, member, now),
    ]
    return MyPage(
        name=member.display(),
        today=today,
        month=shown,
        first=first,
        last=last,
        checked=checked,
        streak=max(live, 1 if done_today else 0),
        best=max(streak.best, 1 if done_today else 0),
        total=streak.checkins,
        makeups_left=makeups_left(community.makeups_per_month, used),
        homework=work,
        lines=[line for line in lines if line],
        sessions=attended,
    )


def sessions_attended(
    store: Store, community: Community, member: Member, first: date, last: date
) -> list[tuple[date, str, bool]]:
    """The community's sessions (分享会) from ``first`` to ``last`` and whether the member
    signed in to each: one BatchGetItem of the member's attendance keys (none without
    sessions)."""
    from chalicelib.features.sessions import definitions

    held: list[tuple[date, str, str]] = []
    for definition in definitions(community):
        for day in definition.recurrence.dates_from(first):
            if day > last:
                break
            held.append((day, definition.id, definition.title))
    if not held:
        return []
    pk = keys.community_pk(community.id)
    wanted = [(pk, keys.session_attendance_sk(sid, day, member.user_id)) for day, sid, _ in held]
    there = {item["sk"] for item in store.table.batch_get(wanted)}
    return sorted(
        (day, title, key[1] in there) for (day, _sid, title), key in zip(held, wanted, strict=True)
    )
