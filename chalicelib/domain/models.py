"""Communities and their members: plain values with their validation rules.

No storage here: store/records.py turns these into items and back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from chalicelib.domain.calendar import LocalCalendar, zone

LOCALES = ("zh-CN", "en")
PLATFORMS = ("slack", "discord", "telegram", "feishu", "dingtalk", "wecom", "console")
JOBS = (
    "daily-reminder",
    "weekly-digest",
    "monthly-report",
    "monthly-stars",
    "quarterly-stars",
)


POINT_FIELDS = (
    "points_checkin",
    "points_streak_7",
    "points_streak_30",
    "points_streak_100",
    "points_homework",
    "points_homework_late",
    "points_review",
    "review_min_chars",
    "points_daily_cap",
)

# How long history is kept by default: 13 months (a year plus the month the next report
# compares with); a community's ``retention_days`` setting, between the bounds below
# (domain/settings.py; the reasons in docs/privacy.md).
DEFAULT_RETENTION_DAYS = 396
MIN_RETENTION_DAYS = 180
MAX_RETENTION_DAYS = 1096


class InvalidValue(ValueError):
    """Bad input from an operator or a member, with a message fit to show them."""


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    LEADER = "leader"
    MEMBER = "member"

    @property
    def is_admin(self) -> bool:
        """Owners and admins run the community; the monthly report never targets them."""
        return self in (Role.OWNER, Role.ADMIN)


class MemberStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"
    REMOVED = "removed"


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str, what: str = "time") -> time:
    match = _HHMM.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise InvalidValue(f"{what} must be HH:MM (24-hour), got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_locale(value: str) -> str:
    aliases = {
        "zh": "zh-CN",
        "zh-cn": "zh-CN",
        "zh_cn": "zh-CN",
        "中文": "zh-CN",
        "en": "en",
        "en-us": "en",
        "english": "en",
        "英文": "en",
    }
    locale = aliases.get(value.strip().lower()) if isinstance(value, str) else None
    if locale is None:
        raise InvalidValue(f"locale must be one of {', '.join(LOCALES)}, got {value!r}")
    return locale


def parse_platform(value: str) -> str:
    name = value.strip().lower() if isinstance(value, str) else ""
    if name == "lark":
        name = "feishu"  # Lark and Feishu are one API on two domains
    if name not in PLATFORMS:
        raise InvalidValue(f"platform must be one of {', '.join(PLATFORMS)}, got {value!r}")
    return name


def parse_timezone(value: str) -> str:
    try:
        zone(value)
    except ValueError as error:
        raise InvalidValue(str(error)) from None
    return value


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except (ValueError, AttributeError):
        roles = ", ".join(r.value for r in Role)
        raise InvalidValue(f"role must be one of {roles}, got {value!r}") from None


@dataclass(frozen=True)
class Community:
    """One group chat on one platform, with its own timezone, language, times and rules."""

    id: str
    name: str
    platform: str
    chat_id: str
    timezone: str = "Asia/Shanghai"
    locale: str = "zh-CN"
    created_at: datetime | None = None
    # When the community was last bound to its chat (``community bind``): rollcall has
    # watched that chat only since, so observed time starts there too (docs/counting.md).
    bound_at: datetime | None = None
    # When the community's day ends: "00:00" is local midnight, "04:00" suits night owls.
    day_boundary: str = "00:00"
    # Daily check-ins
    reminder_time: str = "21:00"
    last_call_time: str | None = None
    congratulate_when_all_done: bool = True
    grace_days: int = 2
    makeup_window_days: int = 3
    makeups_per_month: int = 2
    max_leave_days: int = 14
    theme: str | None = None
    theme_week: str | None = None
    # Weekly homework
    cycle_anchor: date | None = None
    cycle_length_days: int = 7
    deadline_weekday: int = 6
    deadline_time: str = "23:59"
    late_grace_hours: int = 48
    reviewers_per_submission: int = 2
    digest_offset_minutes: int = 60
    paused_cycles: tuple[int, ...] = ()
    # Monthly report
    report_day: int = 1
    report_time: str = "10:00"
    admin_chat_id: str | None = None
    rules: tuple[dict[str, Any], ...] = ()
    removal_enabled: bool = False
    # The report goes to admin_chat_id; to the group itself only when this is set.
    report_to_group: bool = False
    # Activity tiers (domain/inactivity.py): active <= these days since last activity,
    # quiet up to tier_quiet_days, inactive beyond.
    tier_active_days: int = 7
    tier_quiet_days: int = 30
    jobs: tuple[str, ...] = JOBS
    # Points (domain/points.py): what each action earns, and the most a member gains a day.
    points_checkin: int = 2
    points_streak_7: int = 5
    points_streak_30: int = 20
    points_streak_100: int = 50
    points_homework: int = 10
    points_homework_late: int = 5
    points_review: int = 3
    review_min_chars: int = 30
    points_daily_cap: int = 30
    # Levels (domain/levels.py): names (empty: the defaults in the community's language)
    # and the points each rung needs.
    level_names: tuple[str, ...] = ()
    level_points: tuple[int, ...] = (0, 30, 150, 400, 800)
    # Monthly and quarterly stars rank admins and exempt members too when set.
    stars_include_admins: bool = False
    # The duty rota (domain/rota.py): None (no rota), "week" or "month"; the duties sent
    # privately to the member on duty; a daily nudge to them; how many periods a member who
    # served sits out.
    rota_period: str | None = None
    rota_duties: str | None = None
    rota_nudge: bool = False
    rota_skip_periods: int = 2
    # Per-group robots (Feishu custom bot, DingTalk robot, WeCom group robot): the webhook
    # URL and signing secret; never printed in full by the CLI, never logged.
    robot_webhook: str | None = field(default=None, repr=False)
    robot_secret: str | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)
    # The joining ritual (domain/ritual.py): the welcome and the group rules (入群须知),
    # templates with {name}, {community} and {link}; whether check-ins wait for the rules to
    # be accepted; after how many hours a newcomer still owing a step is listed (/pending);
    # the nickname format, a regular expression and its human description.
    welcome_text: str | None = None
    group_rules: str | None = None
    community_link: str | None = None
    require_rules_acceptance: bool = False
    pending_hours: int = 24
    nickname_pattern: str | None = None
    nickname_format: str | None = None
    # Committee positions (班委, domain/roles.py): their specs, ``学习委员/study-officer:
    # theme,remind``; none stored means the defaults (学习委员, 活动委员).
    positions: tuple[str, ...] = ()
    # Earned streak freezes (domain/freezes.py): off unless turned on; one for every
    # ``freeze_every_reviews`` reviews given (0: none for reviews) and one at each level
    # reached when ``freeze_at_levels``; at most ``freeze_bank`` banked.
    streak_freezes: bool = False
    freeze_every_reviews: int = 5
    freeze_at_levels: bool = True
    freeze_bank: int = 2
    # Members' data rights: days history (check-ins, homework, reports, audit items) is kept
    # after it was written (store/retention.py; docs/privacy.md). Read by writers when they
    # write, so a change applies to what is written after it.
    retention_days: int = DEFAULT_RETENTION_DAYS
    # Recurring sessions (分享会): their definitions as JSON strings (domain/sessions.py), on
    # the community item so that the sessions job's slots need nothing else.
    sessions: tuple[str, ...] = ()
    # Announcements' schedules and cohorts (domain/announcements.py): small dicts of
    # strings, a bounded list each, here so that the announcements job's slots see them.
    announcements: tuple[dict[str, Any], ...] = ()
    cohorts: tuple[dict[str, Any], ...] = ()
    # Which kind of group chat_id is, where a platform has several with different APIs
    # (domain/visibility.py GROUP_KINDS): WeCom "robot" (a group robot's group, None too),
    # "app" (a group the app created, appchat) or "customer" (a customer group); DingTalk
    # "robot" or "scene" (a scene group, the app's own). Roster sync reads the kinds with a
    # member list.
    group_kind: str | None = None
    # Chatter-based rules (inactive_days) on a platform whose bot cannot see chatter need
    # this acknowledgement to be switched on (domain/visibility.py).
    ack_limited_activity: bool = False

    def __post_init__(self) -> None:
        parse_platform(self.platform)
        parse_timezone(self.timezone)
        if self.locale not in LOCALES:
            raise InvalidValue(f"locale must be one of {', '.join(LOCALES)}, got {self.locale!r}")
        for name in ("day_boundary", "reminder_time", "deadline_time", "report_time"):
            parse_hhmm(getattr(self, name), name.replace("_", " "))
        if self.last_call_time is not None:
            parse_hhmm(self.last_call_time, "last call time")
        if not self.name.strip():
            raise InvalidValue("name must not be empty")
        if not str(self.chat_id).strip():
            raise InvalidValue("chat id must not be empty")
        if not 1 <= self.report_day <= 28:
            raise InvalidValue("report day must be between 1 and 28")
        if not 1 <= self.cycle_length_days <= 28:
            raise InvalidValue("cycle length must be between 1 and 28 days")
        for name in ("grace_days", "makeup_window_days", "makeups_per_month", "late_grace_hours"):
            if getattr(self, name) < 0:
                raise InvalidValue(f"{name.replace('_', ' ')} must not be negative")
        if not 1 <= self.max_leave_days <= 365:
            raise InvalidValue("max leave days must be between 1 and 365")
        if self.reviewers_per_submission < 0:
            raise InvalidValue("reviewers per submission must not be negative")
        for name in POINT_FIELDS:
            if getattr(self, name) < 0:
                raise InvalidValue(f"{name.replace('_', ' ')} must not be negative")
        if self.rota_period not in (None, "week", "month"):
            raise InvalidValue(f"rota period must be week or month, got {self.rota_period!r}")
        if not 0 <= self.rota_skip_periods <= 12:
            raise InvalidValue("rota skip periods must be between 0 and 12")
        if self.freeze_every_reviews < 0 or not 1 <= self.freeze_bank <= 10:
            raise InvalidValue("freeze bank must be between 1 and 10, reviews not negative")
        unknown = set(self.jobs) - set(JOBS)
        if unknown:
            raise InvalidValue(f"unknown jobs {sorted(unknown)}; jobs are {', '.join(JOBS)}")

    @property
    def calendar(self) -> LocalCalendar:
        return LocalCalendar(self.timezone, parse_hhmm(self.day_boundary))

    def with_changes(self, **changes: Any) -> Community:
        return replace(self, **changes)


@dataclass(frozen=True)
class Member:
    """A member of one community, keyed by their platform user id."""

    community_id: str
    user_id: str
    name: str
    role: Role = Role.MEMBER
    # Where the role came from (domain/roles.py): "csv", "cli" or "chat" (explicit: a
    # platform refresh never changes it), "platform" (a platform admin: lost when demoted
    # there), None on items stored before it existed (explicit, unless the role is member).
    role_source: str | None = None
    squad: str | None = None
    username: str | None = None
    joined_at: date | None = None
    # The first local date rollcall could see this membership: the member's first message
    # or join event, their import, or their return after leaving (a new membership). An
    # imported ``joined_at`` earlier than this is history, not observation: silence, missed
    # cycles and rates are counted from here (domain/inactivity.py ``observed_since``).
    # None on items stored before it existed: the community's creation stands in.
    observed_since: date | None = None
    last_active: date | None = None
    leave_until: date | None = None
    # First day of the current leave (None: unknown, e.g. imported). Streak rules need it to
    # tell a gap made only of leave days from one that began before the leave did.
    leave_from: date | None = None
    status: MemberStatus = MemberStatus.ACTIVE
    quiet: bool = False
    # Set by an admin (/exempt): never reminded, warned or listed for removal.
    exempt: bool = False
    # Check-in bookkeeping, maintained incrementally (no history scan).
    checkins: int = 0
    current_streak: int = 0
    best_streak: int = 0
    last_checkin: date | None = None
    # Homework and standing.
    strikes: int = 0
    missed_in_a_row: int = 0
    # Points and levels (domain/points.py, domain/levels.py), kept incrementally by the
    # same conditional writes that count the actions (store/points.py).
    points: int = 0
    points_day: date | None = None
    points_today: int = 0
    points_week: str | None = None
    points_week_n: int = 0
    points_month: str | None = None
    points_month_n: int = 0
    points_v: int = 0
    # What each homework and review action was credited, ``HW#C0003=10`` (domain/points.py).
    points_keys: tuple[str, ...] = ()
    homework_cycles: int = 0
    reviews_given: int = 0
    # The highest level reached, and when (a level-up is announced by the first scheduled
    # post after ``level_at``).
    level: int = 1
    level_at: datetime | None = None
    warned_rule: str | None = None
    # The local date of that warning: a member becomes a removal candidate only at a
    # later report (domain/inactivity.py).
    warned_at: date | None = None
    # The joining ritual (domain/ritual.py): when this membership was welcomed, accepted the
    # group rules and introduced itself; the local date of the last nickname prompt.
    welcomed_at: datetime | None = None
    rules_accepted_at: datetime | None = None
    introduced_at: datetime | None = None
    nickname_prompted_on: date | None = None
    # The committee position held (domain/roles.py Position.name), at most one.
    position: str | None = None
    # Streak freezes banked, and the recent days a freeze covered (domain/freezes.py).
    freezes: int = 0
    frozen_days: tuple[str, ...] = ()  # ISO dates
    # Recent check-ins that did not follow the day before: "<day> <check-in before> <its
    # run>" (domain/checkins.py gaps_of), what a make-up needs to find runs.
    gaps: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not str(self.user_id).strip():
            raise InvalidValue("user id must not be empty")
        if not isinstance(self.role, Role):
            object.__setattr__(self, "role", parse_role(str(self.role)))
        if not isinstance(self.status, MemberStatus):
            object.__setattr__(self, "status", MemberStatus(str(self.status)))

    @property
    def is_admin(self) -> bool:
        return self.role.is_admin

    @property
    def is_present(self) -> bool:
        return self.status is MemberStatus.ACTIVE

    def on_leave(self, local_date: date) -> bool:
        return self.leave_until is not None and local_date <= self.leave_until

    def in_grace(self, local_date: date, grace_days: int) -> bool:
        """Joined fewer than ``grace_days`` days before ``local_date``: not yet reminded."""
        return self.joined_at is not None and (local_date - self.joined_at).days < grace_days

    def display(self) -> str:
        return self.name or self.username or self.user_id


def community_start(community: Community) -> date | None:
    """The first local date rollcall watched the community's chat: the later of its
    creation and its binding to that chat; None when neither is known (old data)."""
    known = [at for at in (community.created_at, community.bound_at) if at is not None]
    if not known:
        return None
    return community.calendar.local_date(max(known))


def first_observed(member: Member, community: Community) -> date | None:
    """The first local date rollcall watched this membership: the later of the community's
    creation and the member's own ``observed_since``; a member stored without one falls
    back to the community's creation. None when neither is known."""
    found = [d for d in (community_start(community), member.observed_since) if d is not None]
    return max(found) if found else None
