"""Every chat command works on every platform: a bar of the project, checked from the tables
that each platform's registration is built from, so a new command that forgets one fails here.

* both languages: a Chinese word and an English slash word (chat commands are typed as
  members really type them, in either language);
* Discord: a registered slash command (Discord delivers nothing else);
* Slack: reachable as ``/rollcall <word>`` (the umbrella reads as ``/<word>``), and never a
  command Slack reserves (``/me``, ``/leave``, ``/remind``) registered on its own;
* Telegram: the members' menu lists every command a member (not only an admin) uses.
"""

from __future__ import annotations

import pytest

from chalicelib.chat.router import HANDLERS
from chalicelib.domain.commands import ALIASES, parse_command
from rollcall.platform_setup import DISCORD_COMMANDS, SLACK_COMMANDS, TELEGRAM_COMMANDS

# ``confirm`` answers DingTalk's held admin commands only (chat/confirm.py): a code typed
# back in the chat where it was asked for, never a command of its own elsewhere.
NOT_A_SLASH_COMMAND = frozenset({"confirm"})
SLACK_RESERVED = frozenset({"/me", "/leave", "/remind"})
# Commands only an owner or admin may use: Telegram's command menu is the members' list, so
# these are left out of it (typing them still works; /help shows them to admins).
ADMIN_COMMANDS = frozenset(
    {
        "theme",
        "remind",
        "report",
        "exempt",
        "confirm_removals",
        "settings",
        "role",
        "award",
        "manage",
        "pending",
        "appoint",
        "dismiss",
        "confirm_speaker",
        "cancel_session",
        "announce",
        "forget",
    }
)


def _slash_words(name: str) -> list[str]:
    return [alias for alias, target in ALIASES.items() if target == name and alias.startswith("/")]


def _chinese_words(name: str) -> list[str]:
    return [a for a, target in ALIASES.items() if target == name and not a.startswith("/")]


def test_every_command_has_a_chinese_word_and_an_english_slash_word():
    missing = {
        name: ("zh" if not _chinese_words(name) else "en")
        for name in HANDLERS
        if name != "help" and not (_chinese_words(name) and _slash_words(name))
    }
    assert not missing, f"commands without a word in one language: {missing}"


def test_every_command_is_a_discord_slash_command():
    registered = {c["name"].replace("-", "_") for c in DISCORD_COMMANDS}
    missing = set(HANDLERS) - NOT_A_SLASH_COMMAND - registered
    assert not missing, f"not registered on Discord: {sorted(missing)}"


def test_every_command_is_reachable_on_slack_through_the_umbrella():
    assert "/rollcall" in SLACK_COMMANDS
    for name in set(HANDLERS) - NOT_A_SLASH_COMMAND:
        words = _slash_words(name)
        assert words, name
        command = parse_command(f"{words[0]} x")
        assert command is not None and command.name == name, name
    assert not SLACK_RESERVED & set(SLACK_COMMANDS), "Slack reserves these; use /rollcall"


def test_slack_commands_registered_on_their_own_are_commands():
    for word in SLACK_COMMANDS:
        if word != "/rollcall":
            assert ALIASES.get(word), f"{word} is registered on Slack but is no command"


def test_telegram_menu_lists_every_members_command():
    listed = {name for name, _zh, _en in TELEGRAM_COMMANDS}
    missing = set(HANDLERS) - NOT_A_SLASH_COMMAND - ADMIN_COMMANDS - listed
    assert not missing, f"members' commands missing from Telegram's menu: {sorted(missing)}"
    assert all(name.replace("_", "").isalnum() and name.islower() for name in listed)


def test_every_admin_command_is_guarded_by_the_permission_table():
    """domain/roles.py's may() lets every member run a command it does not list: an admin
    command missing from PERMISSIONS would be open to all."""
    from chalicelib.domain.roles import PERMISSIONS

    unguarded = ADMIN_COMMANDS - set(PERMISSIONS)
    assert not unguarded, f"admin commands missing from PERMISSIONS: {sorted(unguarded)}"


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_help_names_every_command_by_a_word_that_works_and_fits_one_discord_message(locale):
    """/help is how members find a command: every command is in it (the member's or the
    admins' part), every slash word it shows is a command, and an admin's whole help is one
    message on Discord (2,000 characters), where a longer one would arrive in pieces."""
    import re

    from chalicelib.chat.router import HANDLERS
    from chalicelib.domain.messages import t

    text = t(locale, "help") + "\n\n" + t(locale, "help_admin")
    assert len(text) < 2000
    shown = set(re.findall(r"/[a-z][a-z_-]*", text))
    assert shown <= set(ALIASES), sorted(shown - set(ALIASES))
    tokens = set(re.split(r"[\s·—|<>\[\]():：，；]+", text))
    named = {ALIASES[w] for w in tokens if w in ALIASES}
    missing = set(HANDLERS) - named - NOT_A_SLASH_COMMAND - {"setup"}
    assert not missing, f"commands /help does not name ({locale}): {sorted(missing)}"


def test_the_chinese_help_teaches_chinese_words_only():
    """Issue 17: the zh-CN help (admins' part too) names each command by its Chinese word,
    never a slash word in the middle of Chinese lines."""
    import re

    from chalicelib.domain.messages import t

    text = t("zh-CN", "help") + "\n" + t("zh-CN", "help_admin")
    assert re.findall(r"/[a-z][a-z_-]*", text) == []


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_leaderboards_usage_uses_the_words_of_help(locale):
    """Issue 17: `排行榜 年` (no such board) answers with the words /help teaches."""
    from chalicelib.domain.messages import t

    usage = t(locale, "leaderboard_usage")
    words = ("周", "月", "全部") if locale == "zh-CN" else ("week", "month", "all")
    assert all(w in usage for w in words)
    assert all(w in t(locale, "help") for w in words)
