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
        "announce",
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
