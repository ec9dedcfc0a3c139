"""``rollcall platform setup``: guides in both languages, the webhook URL, masked settings,
and the two steps performed through the platforms' APIs (Telegram setWebhook, Discord
application commands), against ``responses``."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
import responses
from click.testing import CliRunner

from rollcall.cli import main
from rollcall.platform_setup import DISCORD_COMMANDS, PLATFORMS, webhook_url

API = "https://abc123.execute-api.eu-west-1.amazonaws.com/api/"
TOKEN = "123456789:AAH-secret-bot-token-value"
SECRET = "tg_secret-token_value"
DISCORD_TOKEN = "MTAx.discord-secret-bot-token"
TELEGRAM_BASE = "https://telegram.test"
DISCORD_BASE = "https://discord.test/api/v10"


@pytest.fixture
def run(monkeypatch):
    monkeypatch.delenv("ROLLCALL_PUBLIC_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, ["platform", "setup", *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
        else:
            assert result.exit_code != 0, result.output
        return result

    return invoke


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_has_a_guide_in_both_languages(run, platform, locale):
    result = run(platform, "--locale", locale, "--url", API, "--json")
    data = json.loads(result.stdout)
    assert data["webhook_url"] == f"{API}webhooks/{platform}"
    assert data["settings"] and data["steps"]
    assert all(s["name"].startswith(f"ROLLCALL_{platform.upper()}_") for s in data["settings"])
    assert all(s["ssm_parameter"].endswith(s["name"]) for s in data["settings"])
    # English guides quote Chinese console labels (加签, 打卡) but are written in English.
    assert any("\u4e00" <= ch <= "\u9fff" for ch in data["title"]) == (locale == "zh-CN")
    text = run(platform, "--locale", locale, "--url", API).stdout
    assert f"{API}webhooks/{platform}" in text
    assert all(s["name"] in text for s in data["settings"])


def test_each_guide_names_what_its_platform_needs(run):
    telegram = json.loads(run("telegram", "--locale", "en", "--json").stdout)
    assert any("/setprivacy" in step and "Disable" in step for step in telegram["steps"])
    assert "checkin - check in for today" in telegram["commands"]
    slack = json.loads(run("slack", "--locale", "en", "--json").stdout)
    assert {"app_mention", "message.channels", "member_joined_channel"} <= set(slack["events"])
    assert {"commands", "chat:write"} <= set(slack["scopes"])
    assert "/rollcall" in slack["commands"] and "/me" not in slack["commands"]
    feishu = json.loads(run("feishu", "--json").stdout)
    assert "im.message.receive_v1" in feishu["events"]
    assert any("open.larksuite.com" in step for step in feishu["steps"])
    dingtalk = run("dingtalk").stdout
    assert "加签" in dingtalk and "HTTP" in dingtalk
    wecom = run("wecom", "--locale", "en").stdout
    assert "echostr" in wecom and "--robot-webhook" in wecom


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_each_guide_says_what_direct_messages_and_removal_need(run, locale):
    """Without these, rollcall falls back to the group and lists removals to do by hand:
    the guide is where an operator learns that this is configuration, not a bug."""

    def guide(platform: str) -> tuple[dict, str]:
        data = json.loads(run(platform, "--locale", locale, "--json").stdout)
        return data, " ".join(data["steps"])

    _, steps = guide("telegram")
    assert "can_restrict_members" in steps and "Start" in steps
    slack, steps = guide("slack")
    assert {"im:write", "channels:manage", "groups:write"} <= set(slack["scopes"])
    assert all(scope in steps for scope in ("im:write", "channels:manage", "groups:write"))
    [token] = [s for s in slack["settings"] if s["name"] == "ROLLCALL_SLACK_BOT_TOKEN"]
    assert "response_url" in token["purpose"]
    _, steps = guide("discord")
    assert "KICK_MEMBERS" in steps
    _, steps = guide("feishu")
    assert "im:message:send_as_bot" in steps and "可用范围" in steps and "群管理员" in steps
    dingtalk, steps = guide("dingtalk")
    optional = {s["name"] for s in dingtalk["settings"] if not s["required"]}
    assert {"ROLLCALL_DINGTALK_APP_KEY", "ROLLCALL_DINGTALK_ROBOT_CODE"} <= optional
    assert "ROLLCALL_DINGTALK_APP_KEY" in steps and "企业内机器人发送消息权限" in steps
    wecom, steps = guide("wecom")
    optional = {s["name"] for s in wecom["settings"] if not s["required"]}
    assert {"ROLLCALL_WECOM_CORP_SECRET", "ROLLCALL_WECOM_AGENT_ID"} <= optional
    assert "60020" in steps and "可信IP" in steps


def test_the_direct_message_settings_show_set_or_not_and_never_their_values(run, monkeypatch):
    secret = "wecom-app-secret-value-0123456789"
    monkeypatch.setenv("ROLLCALL_WECOM_CORP_SECRET", secret)
    data = json.loads(run("wecom", "--json").stdout)
    [setting] = [s for s in data["settings"] if s["name"] == "ROLLCALL_WECOM_CORP_SECRET"]
    assert setting["set"] is True and setting["value"] == secret[:4] + "…"
    assert secret[4:] not in run("wecom", "--locale", "en").stdout


def test_the_url_comes_from_the_option_or_the_environment(run, monkeypatch):
    placeholder = json.loads(run("slack", "--json").stdout)
    assert placeholder["webhook_url_known"] is False
    assert "<api-id>" in placeholder["webhook_url"]
    monkeypatch.setenv("ROLLCALL_PUBLIC_URL", API.rstrip("/"))
    from_env = json.loads(run("slack", "--json").stdout)
    assert from_env["webhook_url"] == f"{API}webhooks/slack" and from_env["webhook_url_known"]
    # Another platform's full webhook URL is as good as the base.
    given = json.loads(run("slack", "--url", f"{API}webhooks/telegram", "--json").stdout)
    assert given["webhook_url"] == f"{API}webhooks/slack"


@pytest.mark.parametrize("bad", ["abc123.execute-api.amazonaws.com", "ftp://x.test", f"{API}?a=1"])
def test_a_bad_url_is_one_line_of_error(run, bad):
    result = run("telegram", "--url", bad, ok=False)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_webhook_url_keeps_the_api_stage_path():
    assert webhook_url("wecom", "https://x.test/api") == ("https://x.test/api/webhooks/wecom", True)
    assert webhook_url("wecom", "https://x.test") == ("https://x.test/webhooks/wecom", True)


def test_settings_show_set_or_not_and_never_their_values(run, monkeypatch):
    monkeypatch.setenv("ROLLCALL_TELEGRAM_BOT_TOKEN", TOKEN)
    data = json.loads(run("telegram", "--json").stdout)
    token, secret = data["settings"]
    assert token["set"] is True and token["value"] == TOKEN[:4] + "…"
    assert secret["set"] is False and secret["value"] is None
    for args in (("--json",), ("--locale", "en")):
        assert TOKEN[4:] not in run("telegram", *args).stdout


def test_apply_only_where_the_platform_has_an_api(run):
    for platform in ("slack", "feishu", "dingtalk", "wecom", "console"):
        result = run(platform, "--apply", ok=False)
        assert "no API" in result.stderr


# -- Telegram setWebhook ----------------------------------------------------------------


@pytest.fixture
def telegram_env(monkeypatch):
    monkeypatch.setenv("ROLLCALL_TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ROLLCALL_TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("ROLLCALL_TELEGRAM_API_BASE", TELEGRAM_BASE)


def test_telegram_apply_sets_the_webhook_with_the_secret_token(run, telegram_env):
    with responses.RequestsMock() as rsps:
        rsps.add(
            responses.POST,
            f"{TELEGRAM_BASE}/bot{TOKEN}/setWebhook",
            json={"ok": True, "result": True, "description": "Webhook was set"},
        )
        result = run("telegram", "--apply", "--url", API, "--locale", "en", "--json")
        sent = json.loads(rsps.calls[0].request.body)
    assert sent == {
        "url": f"{API}webhooks/telegram",
        "secret_token": SECRET,
        "allowed_updates": ["message", "chat_member"],
    }
    data = json.loads(result.stdout)
    assert data["applied"] == {"action": "setWebhook", "result": "Webhook was set"}
    assert TOKEN[4:] not in result.stdout and SECRET not in result.stdout


def test_telegram_apply_needs_a_url_and_both_settings(run, telegram_env, monkeypatch):
    assert "--url" in run("telegram", "--apply", ok=False).stderr
    monkeypatch.delenv("ROLLCALL_TELEGRAM_SECRET_TOKEN")
    result = run("telegram", "--apply", "--url", API, ok=False)
    assert "ROLLCALL_TELEGRAM_SECRET_TOKEN" in result.stderr
    monkeypatch.setenv("ROLLCALL_TELEGRAM_SECRET_TOKEN", "has spaces")
    assert "1-256 characters" in run("telegram", "--apply", "--url", API, ok=False).stderr


def test_telegram_refusing_is_one_line_without_the_token(run, telegram_env):
    with responses.RequestsMock() as rsps:
        rsps.add(
            responses.POST,
            f"{TELEGRAM_BASE}/bot{TOKEN}/setWebhook",
            status=400,
            json={"ok": False, "error_code": 400, "description": "Bad Request: bad webhook"},
        )
        result = run("telegram", "--apply", "--url", API, ok=False)
    assert "bad webhook" in result.stderr and result.stderr.count("\n") == 1
    assert TOKEN[4:] not in result.stderr + result.stdout


# -- Discord application commands -------------------------------------------------------


@pytest.fixture
def discord_env(monkeypatch):
    monkeypatch.setenv("ROLLCALL_DISCORD_APPLICATION_ID", "1010101010")
    monkeypatch.setenv("ROLLCALL_DISCORD_BOT_TOKEN", DISCORD_TOKEN)
    monkeypatch.setenv("ROLLCALL_DISCORD_API_BASE", DISCORD_BASE)


def registered(request) -> list[dict]:
    return [{"id": str(n), **c} for n, c in enumerate(json.loads(request.body))]


def test_discord_apply_registers_every_command(run, discord_env):
    url = f"{DISCORD_BASE}/applications/1010101010/commands"
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.PUT, url, lambda r: (200, {}, json.dumps(registered(r))))
        result = run("discord", "--apply", "--locale", "en")
        request = rsps.calls[0].request
    assert request.headers["Authorization"] == f"Bot {DISCORD_TOKEN}"
    assert json.loads(request.body) == list(DISCORD_COMMANDS)
    assert "register application commands: checkin, makeup" in result.stdout
    assert DISCORD_TOKEN[4:] not in result.stdout


def test_discord_retries_a_rate_limit_then_registers(run, discord_env):
    url = f"{DISCORD_BASE}/applications/1010101010/commands"
    with responses.RequestsMock() as rsps:
        rsps.add(
            responses.PUT, url, status=429, json={"retry_after": 0}, headers={"Retry-After": "0"}
        )
        rsps.add_callback(responses.PUT, url, lambda r: (200, {}, json.dumps(registered(r))))
        data = json.loads(run("discord", "--apply", "--json").stdout)
        assert len(rsps.calls) == 2
    assert data["applied"]["result"][0] == "checkin"


def test_discord_apply_needs_the_application_id_and_token(run, discord_env, monkeypatch):
    monkeypatch.delenv("ROLLCALL_DISCORD_APPLICATION_ID")
    assert "ROLLCALL_DISCORD_APPLICATION_ID" in run("discord", "--apply", ok=False).stderr
    monkeypatch.setenv("ROLLCALL_DISCORD_APPLICATION_ID", "../../users/@me")
    assert "numeric" in run("discord", "--apply", ok=False).stderr


def test_discord_refusing_is_one_line_without_the_token(run, discord_env):
    url = f"{DISCORD_BASE}/applications/1010101010/commands"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.PUT, url, status=401, json={"message": "401: Unauthorized", "code": 0})
        result = run("discord", "--apply", ok=False)
    assert "401" in result.stderr and DISCORD_TOKEN[4:] not in result.stderr


def test_discord_commands_are_valid_for_discord():
    """Discord's own rules: lowercase names of at most 32, descriptions of 1-100 characters,
    required options first; and every name is a command rollcall understands."""
    from chalicelib.domain.commands import parse_command

    names = [c["name"] for c in DISCORD_COMMANDS]
    assert len(names) == len(set(names)) <= 100
    for command in DISCORD_COMMANDS:
        assert re.fullmatch(r"[-_a-z0-9]{1,32}", command["name"])
        assert parse_command(f"/{command['name']}").name != "unknown"
        texts = [command["description"], *command["description_localizations"].values()]
        options = command.get("options", [])
        for option in options:
            assert re.fullmatch(r"[-_a-z0-9]{1,32}", option["name"])
            texts += [option["description"], *option["description_localizations"].values()]
        assert all(1 <= len(text) <= 100 for text in texts)
        required = [o["required"] for o in options]
        assert required == sorted(required, reverse=True)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_TW.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": ""}, "zh-CN"),
    ],
)
def test_the_guide_speaks_the_environments_language_else_english(
    run, monkeypatch, environ, expected
):
    """An English CLI used to answer in Chinese unless told otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert json.loads(run("telegram", "--json").stdout)["locale"] == expected
    chosen = "en" if expected == "zh-CN" else "zh-CN"
    assert json.loads(run("telegram", "--locale", chosen, "--json").stdout)["locale"] == chosen


def columns(text: str) -> int:
    """Terminal columns, counted here independently of the code under test."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_guide_lines_never_break_a_command_and_fit_the_width(run, platform, locale):
    """A command split over two lines cannot be copied; a Chinese line of 100 characters is
    200 columns wide."""
    data = json.loads(run(platform, "--locale", locale, "--json").stdout)
    lines = run(platform, "--locale", locale).stdout.splitlines()
    spans = {span for text in data["steps"] for span in re.findall(r"`[^`]*`", text)}
    for span in spans:
        assert any(span in line for line in lines), span
    for line in lines:
        unbreakable = any(span in line and columns(span) > 60 for span in spans)
        assert columns(line) <= 100 or unbreakable or "Webhook URL" in line, line


def test_fill_counts_chinese_characters_as_two_columns():
    from rollcall.platform_setup import fill

    text = "先配置上面列出的设置项，再把 URL 填到平台上（多数平台保存 URL 时立即校验）。" * 3
    lines = fill(text, 40, "  ", "  ").splitlines()
    assert all(columns(line) <= 40 for line in lines)
    assert not any(line.lstrip().startswith(("，", "。", "）")) for line in lines)
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    assert fill("run `a b c d` now", 8) == "run\n`a b c d`\nnow"


@pytest.mark.parametrize(
    ("platform", "words"),
    [
        ("dingtalk", "DingTalk shows a robot no member list of an ordinary group"),
        ("wecom", "WeCom shows an app no member list of an ordinary group"),
        ("discord", "Server Members Intent"),
        ("feishu", "im:chat.members:read"),
    ],
)
def test_setup_says_what_the_roster_sync_needs_or_cannot_see(run, platform, words):
    """Issue 21: where a platform hides who joins and leaves, setup says so in one plain
    sentence; where the sync needs a permission, setup names it."""
    steps = json.loads(run(platform, "--locale", "en", "--json").stdout)["steps"]
    assert any(words in step for step in steps)


def test_slack_setup_asks_for_the_scope_that_names_members(run):
    data = json.loads(run("slack", "--locale", "en", "--json").stdout)
    assert "users:read" in data["scopes"]
