"""Community settings as operators type them: one validator for every place that changes them.

The CLI (``community create|update``) uses it today; chat ``/settings`` and the web pages
are meant to call the same functions, so a value refused in one place is refused, with the
same words, everywhere. Settings arrive as text by name (``reminder_time``, ``reviewers``:
the CLI's option names with ``_``); :func:`parse_settings` turns each into the Community
field it sets, :func:`check_settings` judges the resulting community as a whole (a last call
after the reminder, the digest after the deadline, fewer reviewers than members). Both raise
:class:`InvalidValue` with one line fit to show; the caller writes nothing then.

Pure: no storage, no clock. Community.__post_init__ still checks what a stored community
must satisfy to be loaded at all; the rules here are the stricter ones for *changing* it,
so that a community stored before a rule existed still loads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.levels import parse_level_names, parse_level_points
from chalicelib.domain.models import (
    JOBS,
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    Community,
    InvalidValue,
    parse_hhmm,
    parse_locale,
    parse_timezone,
)
from chalicelib.domain.roles import parse_positions
from chalicelib.domain.visibility import GROUP_KINDS, chatter_refusal, check_group_kind

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Peer review is a few people per submission; more is a typo, not a policy.
MAX_REVIEWERS = 10
MINUTES_PER_DAY = 24 * 60
# Points are small numbers a member can follow; more is a typo.
MAX_POINTS = 1000
# Ids go into keys (``C#<id>``), URLs and commands: no separators, no spaces, no '#'.
_COMMUNITY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# DingTalk access tokens (64 hex) and WeCom robot keys (a UUID) given without their URL.
_ROBOT_KEY = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_ROBOT_KEY_PLATFORMS = ("dingtalk", "wecom")


class SettingRefused(InvalidValue):
    """A setting's value refused: the one line (English, as the CLI prints it) and which
    setting it was, so chat can say it in the member's language (texts/settings.py)."""

    def __init__(self, message: str, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class Setting:
    """One setting: its name as typed, the Community field it sets, how text becomes a value."""

    name: str
    field: str
    parse: Callable[[str], Any]
    help: str

    @property
    def metavar(self) -> str:
        """How the value is written, for --help."""
        return _METAVARS.get(self.name, "N")

    @property
    def what(self) -> str:
        return self.name.replace("_", " ")

    @property
    def default(self) -> str | None:
        """The default of a new community, as text (for ``--help``)."""
        value = _DEFAULTS.get(self.field)
        if value is None:
            return None
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, tuple):
            return ",".join(str(v) for v in value)
        if self.field == "deadline_weekday":
            return WEEKDAYS[value]
        return str(value)


def check_community_id(value: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not _COMMUNITY_ID.match(text):
        raise InvalidValue(
            "community id must be 1-64 letters, digits, '-' or '_' (starting with a letter "
            f"or digit), got {value!r}"
        )
    return text


def _text(what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not value.strip():
            raise InvalidValue(f"{what} must not be empty")
        return value.strip()

    return parse


def _time(what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        parse_hhmm(value, what)
        return value.strip()

    return parse


def _last_call(value: str) -> str | None:
    if value.strip().lower() in ("-", "off", "none", "关", "关闭"):
        return None
    parse_hhmm(value, "last call time")
    return value.strip()


def _timezone(value: str) -> str:
    if not value.strip():
        raise InvalidValue("timezone must be an IANA name like Asia/Shanghai, got ''")
    return parse_timezone(value.strip())


_ON = ("on", "yes", "true", "1", "开", "开启", "打开", "是")
_OFF = ("off", "no", "false", "0", "关", "关闭", "否")


def _on_off(what: str) -> Callable[[str], bool]:
    def parse(value: str) -> bool:
        lowered = value.strip().lower()
        if lowered in _ON:
            return True
        if lowered in _OFF:
            return False
        raise InvalidValue(f"{what} must be on or off, got {value!r}")

    return parse


def _whole(what: str, low: int, high: int | None = None, why: str = "") -> Callable[[str], int]:
    def parse(value: str) -> int:
        text = str(value).strip()
        try:
            number = int(text)
        except ValueError:
            raise InvalidValue(f"{what} must be a whole number, got {value!r}") from None
        if high is None and number < low:
            raise InvalidValue(f"{what} must be at least {low}{why}, got {number}")
        if high is not None and not low <= number <= high:
            raise InvalidValue(f"{what} must be between {low} and {high}{why}, got {number}")
        return number

    return parse


# 周一..周日, 星期一..星期日 (天 for 日), as organisers write a deadline in Chinese.
_CHINESE_DAYS = {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6}


def _weekday(value: str) -> int:
    typed = value.strip()
    for lead in ("星期", "礼拜", "周"):
        if typed.startswith(lead) and typed[len(lead) :] in _CHINESE_DAYS:
            return _CHINESE_DAYS[typed[len(lead) :]]
    text = typed.lower()[:3]
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    raise InvalidValue(f"deadline weekday must be one of {', '.join(WEEKDAYS)}, got {value!r}")


# The cycles counted from the anchor (their deadlines, a day's start away from UTC) stay
# inside the calendar: an anchor on its first or last days overflowed once saved.
ANCHOR_RANGE = (date(1900, 1, 1), date(9998, 12, 31))


def _anchor(value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(
            f"cycle anchor must be an ISO date like 2026-11-02, got {value!r}"
        ) from None
    low, high = ANCHOR_RANGE
    if not low <= day <= high:
        raise InvalidValue(f"cycle anchor must be between {low} and {high}, got {value!r}")
    return day


def _jobs(value: str) -> tuple[str, ...]:
    if value.strip().lower() == "none":
        return ()
    names = tuple(j.strip() for j in value.split(",") if j.strip())
    unknown = [n for n in names if n not in JOBS]
    if unknown or not names:
        raise InvalidValue(
            f"unknown jobs {unknown or [value]}; jobs are {', '.join(JOBS)} (or none)"
        )
    return names


_CLEAR = ("-", "off", "none", "关", "关闭")


def _template(what: str) -> Callable[[str], str | None]:
    """A welcome or rules text: its placeholders checked (domain/ritual.py); ``off`` clears."""

    def parse(value: str) -> str | None:
        from chalicelib.domain.ritual import check_template

        text = value.strip()
        if text.lower() in _CLEAR:
            return None
        if not text:
            raise InvalidValue(f"{what} must not be empty ('off' clears it)")
        return check_template(text.replace("\\n", "\n"), what)

    return parse


def _link(value: str) -> str | None:
    text = value.strip()
    if text.lower() in _CLEAR:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValue(f"link must be an http(s):// URL, got {value!r}")
    return text


def _nickname_pattern(value: str) -> str | None:
    from chalicelib.domain.ritual import check_nickname_pattern

    text = value.strip()
    if text.lower() in _CLEAR:
        return None
    return check_nickname_pattern(text)


def _group_kind(value: str) -> str | None:
    """A group kind (domain/visibility.py); which platform takes it is checked with the
    community (check_settings); ``-``/``off``/``none`` clears it (the ordinary group)."""
    text = value.strip().lower()
    if text in _CLEAR:
        return None
    kinds = sorted({k for ks in GROUP_KINDS.values() for k in ks})
    if text not in kinds:
        raise InvalidValue(f"group kind must be one of {', '.join(kinds)}, got {value!r}")
    return text


def _nickname_format(value: str) -> str | None:
    text = value.strip()
    if text.lower() in _CLEAR:
        return None
    if not text or len(text) > 100:
        raise InvalidValue("nickname format must be 1-100 characters, e.g. 名称-地区-职业")
    return text


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("timezone", "timezone", _timezone, "IANA timezone, e.g. Asia/Shanghai."),
        Setting("locale", "locale", parse_locale, "zh-CN or en."),
        Setting("reminder_time", "reminder_time", _time("reminder time"), "Daily reminder, HH:MM."),
        Setting(
            "last_call_time",
            "last_call_time",
            _last_call,
            "Second reminder, HH:MM after the reminder ('off': none).",
        ),
        Setting("day_boundary", "day_boundary", _time("day boundary"), "When the day ends, HH:MM."),
        Setting("report_time", "report_time", _time("report time"), "Monthly report, HH:MM."),
        Setting(
            "robot_webhook",
            "robot_webhook",
            _text("robot webhook"),
            "Group robot's https:// URL (Feishu, DingTalk, WeCom; DingTalk/WeCom: or its key).",
        ),
        Setting(
            "robot_secret", "robot_secret", _text("robot secret"), "Robot signing secret (加签)."
        ),
        Setting(
            "congratulate",
            "congratulate_when_all_done",
            _on_off("congratulate"),
            "Congratulate when everyone checked in: on or off.",
        ),
        Setting(
            "grace_days",
            "grace_days",
            _whole("grace days", 0, 60),
            "Days a new member is not reminded.",
        ),
        Setting(
            "makeup_window_days",
            "makeup_window_days",
            _whole("makeup window days", 0, 31),
            "补卡 reaches this many days back.",
        ),
        Setting(
            "makeups_per_month",
            "makeups_per_month",
            _whole("makeups per month", 0, 31),
            "补卡 allowed per month.",
        ),
        Setting(
            "max_leave_days",
            "max_leave_days",
            _whole("max leave days", 1, 365),
            "Longest 请假, in days.",
        ),
        Setting(
            "cycle_anchor", "cycle_anchor", _anchor, "First homework cycle starts on (ISO date)."
        ),
        Setting(
            "cycle_length_days",
            "cycle_length_days",
            _whole("cycle length days", 1, 28),
            "Homework cycle length, in days.",
        ),
        Setting(
            "deadline_weekday", "deadline_weekday", _weekday, "Homework deadline day, mon..sun."
        ),
        Setting(
            "deadline_time", "deadline_time", _time("deadline time"), "Homework deadline, HH:MM."
        ),
        Setting(
            "late_grace_hours",
            "late_grace_hours",
            _whole("late grace hours", 0, 28 * 24),
            "Hours late homework is still accepted.",
        ),
        Setting(
            "reviewers",
            "reviewers_per_submission",
            _whole("reviewers", 0, MAX_REVIEWERS),
            "Peer reviewers per submission (fewer than members).",
        ),
        Setting(
            "digest_offset_minutes",
            "digest_offset_minutes",
            _whole("digest offset minutes", 0, None, " (the digest follows the deadline)"),
            "Minutes after the deadline the weekly digest goes out.",
        ),
        Setting(
            "report_day", "report_day", _whole("report day", 1, 28), "Report day of month, 1-28."
        ),
        Setting("jobs", "jobs", _jobs, "Comma-separated jobs this community runs (or none)."),
        Setting(
            "removal",
            "removal_enabled",
            _on_off("removal"),
            "Remove members the monthly report lists, once an admin confirms: on or off.",
        ),
        *(
            Setting(name, name, _whole(name.replace("_", " "), 0, MAX_POINTS), help_text)
            for name, help_text in (
                ("points_checkin", "Points for a check-in (none for a make-up)."),
                ("points_streak_7", "Bonus points when a streak reaches 7 days."),
                ("points_streak_30", "Bonus points when a streak reaches 30 days."),
                ("points_streak_100", "Bonus points when a streak reaches 100 days."),
                ("points_homework", "Points for homework handed in on time."),
                ("points_homework_late", "Points for late homework."),
                ("points_review", "Points for a review given (at least review_min_chars)."),
                ("review_min_chars", "Shortest review that earns points, in characters."),
                ("points_daily_cap", "Most points a member gains in a day (0: no cap)."),
            )
        ),
        Setting(
            "level_points",
            "level_points",
            parse_level_points,
            "Points each level needs, strictly increasing from 0.",
        ),
        Setting(
            "level_names",
            "level_names",
            parse_level_names,
            "Level names, comma-separated, one per level ('default': 新生..元老 or Newcomer..).",
        ),
        Setting(
            "stars_include_admins",
            "stars_include_admins",
            _on_off("stars include admins"),
            "Rank admins and exempt members for the monthly and quarterly stars: on or off.",
        ),
        # the joining ritual (domain/ritual.py)
        Setting(
            "welcome",
            "welcome_text",
            _template("welcome"),
            "Newcomers' welcome; {name}, {community}, {link}; \\n a new line ('off': default).",
        ),
        Setting(
            "group_rules",
            "group_rules",
            _template("group rules"),
            "Group rules (入群须知) newcomers accept with 同意; {name}, {community}, {link}.",
        ),
        Setting("link", "community_link", _link, "The community's link, for {link}."),
        Setting(
            "require_rules_acceptance",
            "require_rules_acceptance",
            _on_off("require rules acceptance"),
            "Check-ins wait until a member accepts the group rules: on or off.",
        ),
        Setting(
            "pending_hours",
            "pending_hours",
            _whole("pending hours", 1, 30 * 24),
            "Hours before /pending lists a newcomer who has not accepted or introduced.",
        ),
        Setting(
            "nickname_pattern",
            "nickname_pattern",
            _nickname_pattern,
            "Regular expression display names must match ('off': none).",
        ),
        Setting(
            "nickname_format",
            "nickname_format",
            _nickname_format,
            "The nickname format in words, e.g. 名称-地区-职业.",
        ),
        Setting(
            "positions",
            "positions",
            parse_positions,
            "Committee positions, NAME[/ALIAS]:COMMAND,... separated by ';' ('default': "
            "学习委员/study-officer:remind,theme;活动委员/activity-officer:award,cancel_session,confirm_speaker,goal).",
        ),
        Setting(
            "streak_freezes",
            "streak_freezes",
            _on_off("streak freezes"),
            "Earned streak freezes keep a streak over a missed day: on or off.",
        ),
        Setting(
            "freeze_every_reviews",
            "freeze_every_reviews",
            _whole("freeze every reviews", 0, 100),
            "A streak freeze for every N reviews given (0: none for reviews).",
        ),
        Setting(
            "freeze_at_levels",
            "freeze_at_levels",
            _on_off("freeze at levels"),
            "A streak freeze at each level reached: on or off.",
        ),
        Setting(
            "freeze_bank",
            "freeze_bank",
            _whole("freeze bank", 1, 10),
            "Most streak freezes a member keeps banked.",
        ),
        Setting(
            "retention_days",
            "retention_days",
            _whole(
                "retention days",
                MIN_RETENTION_DAYS,
                MAX_RETENTION_DAYS,
                " (audit records are kept at least 6 months: docs/privacy.md)",
            ),
            "Days check-ins, homework, reports and audit records are kept (new items only).",
        ),
        Setting(
            "group_kind",
            "group_kind",
            _group_kind,
            "WeCom: robot, app (a group the app created) or customer (a customer group); "
            "DingTalk: robot or scene (a scene group). Roster sync lists app, customer and "
            "scene groups only.",
        ),
        Setting(
            "ack_limited_activity",
            "ack_limited_activity",
            _on_off("ack limited activity"),
            "Accept that on DingTalk and WeCom activity is only commands and @-bot messages "
            "(needed for inactive_days rules there).",
        ),
    )
}

_METAVARS = {
    "group_kind": "KIND",
    "ack_limited_activity": "on|off",
    "timezone": "ZONE",
    "locale": "LOCALE",
    "reminder_time": "HH:MM",
    "last_call_time": "HH:MM|off",
    "day_boundary": "HH:MM",
    "report_time": "HH:MM",
    "deadline_time": "HH:MM",
    "robot_webhook": "URL",
    "robot_secret": "SECRET",
    "congratulate": "on|off",
    "removal": "on|off",
    "cycle_anchor": "DATE",
    "deadline_weekday": "DAY",
    "jobs": "JOBS",
    "level_points": "N,N,...",
    "level_names": "NAME,NAME,...",
    "stars_include_admins": "on|off",
    "welcome": "TEXT",
    "group_rules": "TEXT",
    "link": "URL",
    "require_rules_acceptance": "on|off",
    "nickname_pattern": "REGEX",
    "nickname_format": "TEXT",
    "positions": "SPECS",
    "streak_freezes": "on|off",
    "freeze_at_levels": "on|off",
}

_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in fields(Community) if f.default is not MISSING
}


def parse_settings(raw: Mapping[str, str]) -> dict[str, Any]:
    """``{setting name: text}`` -> ``{Community field: value}``; the first bad one raises."""
    changes: dict[str, Any] = {}
    for name, value in raw.items():
        setting = SETTINGS.get(name)
        if setting is None:
            raise SettingRefused(f"unknown setting {name!r}; settings are {', '.join(SETTINGS)}")
        if not isinstance(value, str):
            raise SettingRefused(f"{setting.what} must be text, got {value!r}", name)
        try:
            changes[setting.field] = setting.parse(value)
        except SettingRefused:
            raise
        except InvalidValue as error:
            raise SettingRefused(str(error), name) from None
    return changes


def _day_minutes(hhmm: str, boundary: str) -> int:
    """Minutes from the start of the community's day (``day_boundary``) to ``hhmm``."""
    t, b = parse_hhmm(hhmm), parse_hhmm(boundary)
    return ((t.hour - b.hour) * 60 + t.minute - b.minute) % MINUTES_PER_DAY


def check_settings(
    community: Community, *, changed: Iterable[str] = (), members: int | None = None
) -> None:
    """Refuse a combination that makes no sense; ``changed`` names the fields just set
    (rules are judged when one of their fields changes, so a community stored before a rule
    existed can still be edited in other ways), ``members`` the present members, if known.
    The first rule broken is the one said."""
    touched = set(changed)
    _check_last_call_after_reminder(community, touched)
    _check_digest_inside_cycle(community, touched)
    _check_reviewers_fit(community, touched, members)
    _check_levels_named(community, touched)
    _check_rules_to_accept(community, touched)
    _check_group_kind_fits(community, touched)
    _check_chatter_acknowledged(community, touched)
    _check_robot_webhook_fits(community, touched)


def _check_last_call_after_reminder(c: Community, touched: set[str]) -> None:
    if (
        c.last_call_time
        and touched & {"last_call_time", "reminder_time", "day_boundary"}
        and _day_minutes(c.last_call_time, c.day_boundary)
        <= _day_minutes(c.reminder_time, c.day_boundary)
    ):
        raise SettingRefused(
            f"last call time {c.last_call_time} must come after the reminder "
            f"({c.reminder_time}) in the same day (the day ends at {c.day_boundary})",
            "last_call_time",
        )


def _check_digest_inside_cycle(c: Community, touched: set[str]) -> None:
    cycle_minutes = c.cycle_length_days * MINUTES_PER_DAY
    if touched & {"digest_offset_minutes", "cycle_length_days"} and not (
        0 <= c.digest_offset_minutes < cycle_minutes
    ):
        raise SettingRefused(
            f"digest offset minutes must be between 0 and {cycle_minutes - 1} (after the "
            f"deadline, before the next one), got {c.digest_offset_minutes}",
            "digest_offset_minutes",
        )


def _check_reviewers_fit(c: Community, touched: set[str], members: int | None) -> None:
    if "reviewers_per_submission" in touched and members:
        most = max(members - 1, 0)  # nobody reviews their own work
        if c.reviewers_per_submission > most:
            raise SettingRefused(
                f"reviewers must be at most {most} with {members} members (nobody reviews "
                f"their own work), got {c.reviewers_per_submission}",
                "reviewers",
            )


def _check_levels_named(c: Community, touched: set[str]) -> None:
    if (
        c.level_names
        and touched & {"level_names", "level_points"}
        and len(c.level_names) != len(c.level_points)
    ):
        raise InvalidValue(
            f"level names must name every level: {len(c.level_points)} levels in level "
            f"points, {len(c.level_names)} names"
        )


def _check_rules_to_accept(c: Community, touched: set[str]) -> None:
    if (
        c.require_rules_acceptance
        and not c.group_rules
        and touched & {"require_rules_acceptance", "group_rules"}
    ):
        raise SettingRefused(
            "require rules acceptance needs group rules: set group_rules first",
            "require_rules_acceptance",
        )


def _check_group_kind_fits(c: Community, touched: set[str]) -> None:
    if touched & {"group_kind", "platform"}:
        try:
            check_group_kind(c.platform, c.group_kind)
        except InvalidValue as error:
            raise SettingRefused(str(error), "group_kind") from None


def _check_chatter_acknowledged(c: Community, touched: set[str]) -> None:
    if touched & {"rules", "removal_enabled", "ack_limited_activity", "platform"}:
        from chalicelib.domain.inactivity import rules_of

        refusal = chatter_refusal(c, rules_of(c), touched)
        if refusal is not None:
            raise SettingRefused(refusal, "ack_limited_activity")


def _check_robot_webhook_fits(c: Community, touched: set[str]) -> None:
    if c.robot_webhook and touched & {"robot_webhook", "platform"}:
        try:
            _check_robot_webhook(c.robot_webhook, c.platform)
        except InvalidValue as error:
            raise SettingRefused(str(error), "robot_webhook") from None


def _check_robot_webhook(value: str, platform: str) -> None:
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname and "." in parts.hostname:
            return
        raise InvalidValue(f"robot webhook must be an https:// URL, got {value!r}")
    if platform in _ROBOT_KEY_PLATFORMS and _ROBOT_KEY.match(value):
        return
    also = " (or the robot's key alone)" if platform in _ROBOT_KEY_PLATFORMS else ""
    raise InvalidValue(f"robot webhook must be an https:// URL{also}, got {value!r}")


def apply_settings(
    current: Community, raw: Mapping[str, str], *, members: int | None = None
) -> Community:
    """``current`` with the settings in ``raw`` applied, or InvalidValue and nothing changes."""
    changes = parse_settings(raw)
    updated = current.with_changes(**changes)  # Community's own checks run here too
    check_settings(updated, changed=changes, members=members)
    return updated


# -- the same settings typed in chat (``/settings reminder 20:30``, ``设置 提醒 20:30``) --------
# Words organisers use, in both languages, for the settings chat may change; any setting's
# own name (``reminder_time``, ``reminder-time``) works too. The group robot's URL and secret
# are not among them: a secret typed into a group is no longer one (the CLI sets them).
CHAT_WORDS: dict[str, str] = {
    "reminder": "reminder_time",
    "提醒": "reminder_time",
    "lastcall": "last_call_time",
    "最后提醒": "last_call_time",
    "deadline": "deadline",
    "截止": "deadline",
    "removal": "removal",
    "移除": "removal",
    "timezone": "timezone",
    "tz": "timezone",
    "时区": "timezone",
    "locale": "locale",
    "language": "locale",
    "语言": "locale",
    "daystart": "day_boundary",
    "换日": "day_boundary",
    "report": "report_time",
    "报告": "report_time",
    "reportday": "report_day",
    "报告日": "report_day",
    "reviewers": "reviewers",
    "点评人数": "reviewers",
    "grace": "grace_days",
    "新人宽限": "grace_days",
    "congratulate": "congratulate",
    "祝贺": "congratulate",
    "makeups": "makeups_per_month",
    "补卡次数": "makeups_per_month",
    "maxleave": "max_leave_days",
    "请假上限": "max_leave_days",
    "cycle": "cycle_length_days",
    "作业周期": "cycle_length_days",
    # the joining ritual
    "welcome": "welcome",
    "欢迎语": "welcome",
    "rules": "group_rules",
    "群规": "group_rules",
    "link": "link",
    "链接": "link",
    "acceptance": "require_rules_acceptance",
    "须同意群规": "require_rules_acceptance",
    "pending": "pending_hours",
    "待确认时长": "pending_hours",
    "nickname": "nickname",
    "昵称格式": "nickname",
    "positions": "positions",
    "班委": "positions",
    "freezes": "streak_freezes",
    "保护卡": "streak_freezes",
    "freezebank": "freeze_bank",
    "保护卡上限": "freeze_bank",
    "freezereviews": "freeze_every_reviews",
    "点评得卡": "freeze_every_reviews",
    "retention": "retention_days",
    "保留天数": "retention_days",
    "groupkind": "group_kind",
    "群类型": "group_kind",
    "ackactivity": "ack_limited_activity",
    "确认活动局限": "ack_limited_activity",
}
NOT_IN_CHAT = frozenset({"robot_webhook", "robot_secret"})


def chat_settings(args: str) -> dict[str, str]:
    """``reminder 20:30`` → ``{"reminder_time": "20:30"}``, ready for :func:`apply_settings`.

    ``deadline Sunday 23:59`` (``截止 周日 23:59``) sets the weekday and the time; either may
    be given alone. Refuses an unknown word with the list of the words there are."""
    # The word ends at the first space or new line (group rules may start on a line of
    # their own: ``设置 群规`` then the rules).
    word, value = [*re.split(r"\s", args.strip(), maxsplit=1), ""][:2]
    value = value.strip()
    key = word.strip().lower().replace("-", "_")
    name = CHAT_WORDS.get(key) or CHAT_WORDS.get(key.replace("_", ""))
    if name is None and key in SETTINGS and key not in NOT_IN_CHAT:
        name = key
    if name is None:
        words = ", ".join(w for w in CHAT_WORDS if w.isascii())
        raise SettingRefused(f"unknown setting {word!r}; settings are {words}")
    if name == "nickname":  # a pattern and its description (domain/ritual.py)
        from chalicelib.domain.ritual import split_nickname_setting

        try:
            return split_nickname_setting(value)
        except InvalidValue as error:
            raise SettingRefused(str(error), "nickname_pattern") from None
    if name != "deadline":
        return {name: value}
    found: dict[str, str] = {}
    for part in value.split():
        if ":" in part or "：" in part:
            found["deadline_time"] = part.replace("：", ":")
        else:
            found["deadline_weekday"] = part
    if not found:
        raise SettingRefused(
            f"deadline must be a weekday and/or HH:MM like Sunday 23:59, got {value!r}",
            "deadline_weekday",
        )
    return found


# Which job's next run a change moves (the reply names it): the field → the job.
_JOB_OF = {
    "reminder_time": "daily-reminder",
    "last_call_time": "daily-reminder",
    "day_boundary": "daily-reminder",
    "timezone": "daily-reminder",
    "grace_days": "daily-reminder",
    "deadline_weekday": "weekly-digest",
    "deadline_time": "weekly-digest",
    "cycle_length_days": "weekly-digest",
    "cycle_anchor": "weekly-digest",
    "digest_offset_minutes": "weekly-digest",
    "reviewers_per_submission": "weekly-digest",
    "late_grace_hours": "weekly-digest",
    "report_day": "monthly-report",
    "report_time": "monthly-report",
    "removal_enabled": "monthly-report",
}


def job_moved(fields_changed: Iterable[str]) -> str:
    """The job whose next run a reply should name after these fields changed."""
    for name in fields_changed:
        if name in _JOB_OF:
            return _JOB_OF[name]
    return "daily-reminder"


def refusal_reason(locale: str, error: InvalidValue, setting: str | None = None) -> str:
    """A refused setting as the reader's language says it: the validator's own line in
    English (word for word what ``rollcall community update`` prints); in Chinese, what the
    setting takes (texts/setup.py ``setting_hint_<setting>``). ``setting`` defaults to the
    one the error names (SettingRefused). Chat's ``/settings`` and the pages both use it."""
    if locale == "en":
        return str(error)
    from chalicelib.domain.messages import t

    if setting is None and isinstance(error, SettingRefused):
        setting = error.setting
    if setting is None:
        setting = "unknown" if str(error).startswith("unknown setting") else "other"
    try:
        return t(locale, f"setting_hint_{setting}")
    except KeyError:  # a setting without a hint of its own
        return t(locale, "setting_hint_other")
