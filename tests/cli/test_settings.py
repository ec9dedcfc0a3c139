"""One validator of community settings (chalicelib/domain/settings.py), pinned by one table.

BAD_SETTINGS is meant for every place that changes settings: the CLI here, chat /settings
and the web pages later (``from tests.cli.test_settings import BAD_SETTINGS``). A value
refused in one place must be refused, with the same words, in all of them.
"""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.models import Community, InvalidValue
from chalicelib.domain.settings import SETTINGS, apply_settings, check_community_id

# (setting, bad value, a fragment of the one-line message), judged on a community of
# ROSTER members with the defaults (reminder 21:00, day ends 00:00, 7-day cycles).
ROSTER = 10
BAD_SETTINGS: list[tuple[str, str, str]] = [
    ("timezone", "", "timezone must be an IANA name"),
    ("timezone", "Mars/Base", "unknown timezone 'Mars/Base'"),
    ("locale", "fr", "locale must be one of zh-CN, en"),
    ("reminder_time", "9pm", "reminder time must be HH:MM"),
    ("reminder_time", "", "reminder time must be HH:MM"),
    ("last_call_time", "20:00", "last call time 20:00 must come after the reminder (21:00)"),
    ("last_call_time", "21:00", "must come after the reminder"),
    ("day_boundary", "24:00", "day boundary must be HH:MM"),
    ("report_time", "10am", "report time must be HH:MM"),
    ("digest_offset_minutes", "-5", "digest offset minutes must be at least 0"),
    ("digest_offset_minutes", "999999", "digest offset minutes must be between 0 and 10079"),
    ("digest_offset_minutes", "soon", "digest offset minutes must be a whole number"),
    ("reviewers", "100", "reviewers must be between 0 and 10"),
    ("reviewers", "10", "reviewers must be at most 9 with 10 members"),
    ("robot_webhook", "notaurl", "robot webhook must be an https:// URL"),
    ("robot_webhook", "http://open.feishu.cn/hook/x", "robot webhook must be an https:// URL"),
    ("robot_webhook", "", "robot webhook must not be empty"),
    ("robot_secret", " ", "robot secret must not be empty"),
    ("congratulate", "maybe", "congratulate must be on or off"),
    ("grace_days", "-1", "grace days must be between 0 and 60"),
    ("makeup_window_days", "99", "makeup window days must be between 0 and 31"),
    ("makeups_per_month", "x", "makeups per month must be a whole number"),
    ("max_leave_days", "0", "max leave days must be between 1 and 365"),
    ("cycle_anchor", "next monday", "cycle anchor must be an ISO date"),
    # The calendar's edges: saved, the cycles' dates overflowed (every later run crashed).
    ("cycle_anchor", "9999-12-31", "cycle anchor must be between 1900-01-01 and 9998-12-31"),
    ("cycle_anchor", "0001-01-01", "cycle anchor must be between 1900-01-01 and 9998-12-31"),
    ("cycle_length_days", "29", "cycle length days must be between 1 and 28"),
    ("deadline_weekday", "someday", "deadline weekday must be one of mon"),
    ("deadline_time", "23:60", "deadline time must be HH:MM"),
    ("late_grace_hours", "-2", "late grace hours must be between 0 and 672"),
    ("report_day", "30", "report day must be between 1 and 28"),
    ("jobs", "dance", "unknown jobs ['dance']"),
    ("jobs", "", "unknown jobs"),
    ("removal", "sometimes", "removal must be on or off"),
    ("points_checkin", "-1", "points checkin must be between 0 and 1000"),
    ("points_streak_7", "x", "points streak 7 must be a whole number"),
    ("points_streak_30", "-3", "points streak 30 must be between 0 and 1000"),
    ("points_streak_100", "5000", "points streak 100 must be between 0 and 1000"),
    ("points_homework", "ten", "points homework must be a whole number"),
    ("points_homework_late", "-5", "points homework late must be between 0 and 1000"),
    ("points_review", "-1", "points review must be between 0 and 1000"),
    ("review_min_chars", "-1", "review min chars must be between 0 and 1000"),
    ("points_daily_cap", "-1", "points daily cap must be between 0 and 1000"),
    # A ladder that does not climb is refused, whatever way it fails to.
    ("level_points", "0,30,30,400", "level points must be strictly increasing"),
    ("level_points", "0,400,150", "level points must be strictly increasing"),
    ("level_points", "0,-30,150", "level points must not be negative"),
    ("level_points", "10,30,150", "level points must start at 0"),
    ("level_points", "0", "level points must list 2 to 12 levels"),
    ("level_points", "0,a,3", "level points must be whole numbers"),
    ("level_names", "新生,,元老", "level names must not be empty"),
    ("level_names", "a,b,c", "level names must name every level: 5 levels"),
    ("level_names", "a,a,b,c,d", "level names must differ"),
    ("stars_include_admins", "maybe", "stars include admins must be on or off"),
    # the joining ritual (domain/ritual.py): placeholders, the link, the gate, the pattern
    ("welcome", "Hi {nmae}, welcome", "welcome has an unknown placeholder {nmae}"),
    ("welcome", "", "welcome must not be empty"),
    ("group_rules", "Be kind to {name", "group rules has a brace that does not close"),
    ("group_rules", "Rule {0}", "group rules has an unknown placeholder {0}"),
    ("link", "ftp://x.org", "link must be an http(s):// URL"),
    ("require_rules_acceptance", "on", "require rules acceptance needs group rules"),
    ("require_rules_acceptance", "perhaps", "require rules acceptance must be on or off"),
    ("pending_hours", "0", "pending hours must be between 1 and 720"),
    ("nickname_pattern", "([a-z]+", "nickname pattern does not compile"),
    ("nickname_pattern", "a" * 201, "nickname pattern must be at most 200 characters"),
    ("nickname_format", "x" * 101, "nickname format must be 1-100 characters"),
    ("positions", "班长:confirm_removals", "position 班长 may not be given confirm_removals"),
    ("positions", "班长", "a position is NAME[/ALIAS]:COMMAND,COMMAND"),
    ("streak_freezes", "maybe", "streak freezes must be on or off"),
    ("freeze_every_reviews", "-1", "freeze every reviews must be between 0 and 100"),
    ("freeze_at_levels", "x", "freeze at levels must be on or off"),
    ("freeze_bank", "0", "freeze bank must be between 1 and 10"),
    ("retention_days", "179", "retention days must be between 180 and 1096 (audit records"),
    ("retention_days", "1097", "retention days must be between 180 and 1096"),
    ("group_kind", "tribe", "group kind must be one of app, customer, robot, scene"),
    ("group_kind", "scene", "group kind is for wecom and dingtalk groups, not console"),
    ("ack_limited_activity", "maybe", "ack limited activity must be on or off"),
]

# Values near the edges that must pass: a refusal here is a false alarm for an organiser.
GOOD_SETTINGS: list[dict[str, str]] = [
    {"day_boundary": "04:00", "reminder_time": "23:00", "last_call_time": "01:30"},
    {"last_call_time": "off"},
    {"digest_offset_minutes": "0"},
    {"digest_offset_minutes": "10079"},
    {"cycle_length_days": "14", "digest_offset_minutes": "20000"},
    {"reviewers": "9"},
    {"reviewers": "0"},
    {"robot_webhook": "https://open.feishu.cn/open-apis/bot/v2/hook/abc"},
    {"deadline_weekday": "Saturday", "jobs": "daily-reminder, monthly-report"},
    {"jobs": "none"},
    {"timezone": "Europe/Berlin", "locale": "en"},
    {"level_points": "0,10,20", "level_names": "Seed,Sprout,Tree"},
    {"level_names": "default"},
    {"points_daily_cap": "0", "points_review": "0"},
    {"welcome": "欢迎 {name} 加入 {community}！资料：{link}", "link": "https://example.org/wiki"},
    {"group_rules": "1. 每天打卡\\n2. {{不发广告}}", "require_rules_acceptance": "on"},
    {"nickname_pattern": "^[^-]+-[^-]+-[^-]+$", "nickname_format": "名称-地区-职业"},
    {"nickname_pattern": "off", "welcome": "off"},
    {"positions": "default"},
    {"streak_freezes": "on", "freeze_every_reviews": "0", "freeze_bank": "10"},
    {"retention_days": "180"},
    {"retention_days": "1096"},
    {"ack_limited_activity": "on", "group_kind": "-"},
]


def community(**fields: object) -> Community:
    base: dict[str, object] = {"id": "c1", "name": "Writers", "platform": "console"}
    return Community(chat_id="room", **{**base, **fields})  # type: ignore[arg-type]


def test_the_table_tries_a_bad_value_for_every_setting():
    """A setting nobody tries a bad value for is a setting whose checks nobody pins."""
    tried = {name for name, _, _ in BAD_SETTINGS}
    assert tried == set(SETTINGS)


@pytest.mark.parametrize(("name", "value", "message"), BAD_SETTINGS)
def test_a_bad_setting_is_refused_with_one_clear_line(name, value, message):
    with pytest.raises(InvalidValue) as refused:
        apply_settings(community(), {name: value}, members=ROSTER)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("raw", GOOD_SETTINGS)
def test_sensible_settings_at_the_edges_are_accepted(raw):
    apply_settings(community(), raw, members=ROSTER)


def test_a_bare_robot_key_is_accepted_only_where_the_platform_takes_one():
    """DingTalk and WeCom robots combine their key with the API base; Feishu needs the URL."""
    key = "0123456789abcdef0123456789abcdef"
    apply_settings(community(platform="dingtalk"), {"robot_webhook": key})
    apply_settings(community(platform="wecom"), {"robot_webhook": key})
    with pytest.raises(InvalidValue, match="https://"):
        apply_settings(community(platform="feishu"), {"robot_webhook": key})
    with pytest.raises(InvalidValue, match="or the robot's key alone"):
        apply_settings(community(platform="dingtalk"), {"robot_webhook": "notaurl"})


def test_a_rule_is_judged_when_one_of_its_settings_changes():
    """A community stored before a rule existed can still change its other settings."""
    stored = community(reminder_time="21:00", last_call_time="20:00")
    assert apply_settings(stored, {"locale": "en"}).locale == "en"
    with pytest.raises(InvalidValue, match="must come after the reminder"):
        apply_settings(stored, {"reminder_time": "20:30"})
    with pytest.raises(InvalidValue, match="digest offset minutes must be between 0 and 1439"):
        apply_settings(
            community(cycle_length_days=14, digest_offset_minutes=2000),
            {"cycle_length_days": "1"},
        )


def test_reviewers_are_not_judged_against_an_unknown_roster():
    assert apply_settings(community(), {"reviewers": "5"}).reviewers_per_submission == 5


def test_unknown_setting_names_are_refused():
    with pytest.raises(InvalidValue, match="unknown setting 'colour'"):
        apply_settings(community(), {"colour": "red"})


@pytest.mark.parametrize("bad", ["a#b", "a/b", "", " ", "-x", "a b", "x" * 65])
def test_community_ids_fit_keys_urls_and_commands(bad):
    with pytest.raises(InvalidValue, match="community id must be"):
        check_community_id(bad)
    assert check_community_id("reading-club_2") == "reading-club_2"


# -- through the CLI --------------------------------------------------------------------


def test_the_cli_refuses_every_bad_setting_in_one_line_and_writes_nothing(cli):
    created = cli(
        "community", "create", "--name", "Writers", "--platform", "console", "--chat-id", "r"
    )
    cid = created.stdout.strip()
    roster = "user_id,name,role,squad,joined_at\n" + "".join(
        f"u{i},M{i},member,A,2026-11-01\n" for i in range(ROSTER)
    )
    cli("member", "import", "--community", cid, "-", input=roster)
    before = cli("community", "show", cid, "--json").stdout
    for name, value, message in BAD_SETTINGS:
        option = "--" + name.replace("_", "-")
        result = cli("community", "update", cid, option, value, ok=False)
        assert result.exit_code == 1, (name, value, result.output)
        assert message in result.stderr, (name, value, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert cli("community", "show", cid, "--json").stdout == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--timezone", ""), "timezone must be an IANA name"),
        (("--last-call-time", "20:00"), "must come after the reminder"),
        (("--digest-offset-minutes", "-5"), "must be at least 0"),
        (("--robot-webhook", "notaurl"), "robot webhook must be an https:// URL"),
        (("--id", "club#1"), "community id must be"),
        (("--id", "a/b"), "community id must be"),
    ],
)
def test_create_refuses_bad_settings_and_creates_nothing(cli, extra, message):
    result = cli(
        "community",
        "create",
        "--name",
        "x",
        "--platform",
        "console",
        "--chat-id",
        "r",
        *extra,
        ok=False,
    )
    assert result.exit_code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(cli("community", "list", "--json").stdout) == []


# -- the same table through chat's /settings -----------------------------------------------


def _chat_settings(locale: str):
    """A community like the CLI test's (ROSTER present members, one of them its admin), and
    a function sending ``/settings <name> <value>`` as that admin, returning the reply."""
    from datetime import UTC, datetime

    from chalicelib.chat.worker import run_queued_command
    from chalicelib.domain.models import Member, Role
    from chalicelib.inbound import handle_event
    from chalicelib.platforms.base import InboundEvent, Sender
    from chalicelib.queue import MemoryQueue
    from chalicelib.store.memory import MemoryTable
    from chalicelib.store.repository import Store
    from chalicelib.worker import parse_message
    from tests.helpers import runtime

    store = Store(MemoryTable())
    store.create_community(community(locale=locale, timezone="Asia/Shanghai"))
    store.bulk_save_members(
        Member("c1", f"u{i}", f"M{i}", role=Role.ADMIN if i == 0 else Role.MEMBER)
        for i in range(ROSTER)
    )
    now = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    rt, sent = runtime(store, now)
    rt.queue = MemoryQueue()
    counter = iter(range(10_000))

    def send(text: str) -> str:
        """The answer: inline, or (a change) what the queue worker posted."""
        event = InboundEvent(
            "message", "console", "room", Sender("u0", "M0"), text, f"e{next(counter)}"
        )
        [reply] = handle_event(rt, event, now)
        queued = rt.queue.drain()
        if not queued:
            return reply.text
        [message] = queued
        before = len(sent)
        run_queued_command(rt, parse_message(json.dumps(message)), now)
        [posted] = sent[before:]
        return posted.text

    return store, send


# Robot settings are secrets: chat refuses them by name (the CLI sets them).
CHAT_BAD_SETTINGS = [row for row in BAD_SETTINGS if not row[0].startswith("robot_")]


def test_cli_and_chat_refuse_the_same_values_with_the_same_words(cli):
    """One table, both doors: every bad value the CLI refuses (`rollcall community update`)
    chat's /settings refuses too, in English with the CLI's very line, in Chinese with the
    setting's hint; and neither writes anything."""
    created = cli(
        "community", "create", "--name", "Writers", "--platform", "console", "--chat-id", "r"
    )
    cid = created.stdout.strip()
    roster = "user_id,name,role,squad,joined_at\n" + "".join(
        f"u{i},M{i},member,A,2026-11-01\n" for i in range(ROSTER)
    )
    cli("member", "import", "--community", cid, "-", input=roster)
    en_store, en = _chat_settings("en")
    zh_store, zh = _chat_settings("zh-CN")
    before = (en_store.get_community("c1"), zh_store.get_community("c1"))
    for name, value, message in CHAT_BAD_SETTINGS:
        option = "--" + name.replace("_", "-")
        refused = cli("community", "update", cid, option, value, ok=False)
        line = refused.stderr.strip().removeprefix("error: ")
        assert message in line, (name, value, line)
        assert en(f"/settings {name} {value}") == f"Nothing changed: {line}", (name, value)
        said = zh(f"设置 {name} {value}")
        assert said.startswith("没有改动：") and said != "没有改动：", (name, value, said)
    assert (en_store.get_community("c1"), zh_store.get_community("c1")) == before


def test_cli_and_chat_accept_the_same_good_values():
    """The other half of agreeing: what the validator accepts, chat accepts and stores."""
    for raw in GOOD_SETTINGS:
        store, send = _chat_settings("en")
        for name, value in raw.items():
            if name.startswith("robot_"):
                continue
            said = send(f"/settings {name} {value}")
            assert said.startswith(("✅ Changed", "No change")), (raw, said)
        expected = apply_settings(community(), {k: v for k, v in raw.items()}, members=ROSTER)
        stored = store.get_community("c1")
        for field in (
            "reminder_time",
            "last_call_time",
            "day_boundary",
            "reviewers_per_submission",
            "jobs",
            "timezone",
            "locale",
            "deadline_weekday",
            "digest_offset_minutes",
            "cycle_length_days",
        ):
            if not any(s == field or SETTINGS[s].field == field for s in raw if s in SETTINGS):
                continue
            assert getattr(stored, field) == getattr(expected, field), (raw, field)


def test_robot_secrets_are_never_set_from_a_group_chat():
    store, send = _chat_settings("en")
    said = send("/settings robot_secret s3cr3t")
    assert said.startswith("Nothing changed: unknown setting 'robot_secret'")
    assert store.get_community("c1").robot_secret is None


def test_community_update_is_audited_like_chat(cli):
    from chalicelib.features.communities import audit_trail
    from rollcall.runtime import read_store

    cid = cli(
        "community", "create", "--name", "W", "--platform", "console", "--chat-id", "r"
    ).stdout.strip()
    cli("community", "update", cid, "--reminder-time", "20:00", "--removal", "on")
    with read_store() as store:
        trail = audit_trail(store, cid)
    assert {(a["field"], a["old"], a["new"], a["by"]) for a in trail} == {
        ("reminder_time", "21:00", "20:00", "cli"),
        ("removal_enabled", "off", "on", "cli"),
    }
