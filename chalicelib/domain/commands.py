"""Chat text → a command name and its arguments, in both languages.

The table maps every accepted spelling (``打卡``, ``/checkin``, ``/checkin@botname``,
full-width ``／``) to one command name; handlers are looked up by that name elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALIASES: dict[str, str] = {
    # members
    "打卡": "checkin",
    "签到": "checkin",
    "/checkin": "checkin",
    "补卡": "makeup",
    "/makeup": "makeup",
    "交作业": "submit",
    "/submit": "submit",
    "作业": "hw",
    "/hw": "hw",
    "点评": "review",
    "/review": "review",
    "我的": "me",
    "/me": "me",
    "我的状态": "standing",
    "/standing": "standing",
    "排行榜": "leaderboard",
    "/leaderboard": "leaderboard",
    "请假": "leave",
    "/leave": "leave",
    "销假": "back",
    "/back": "back",
    "免打扰": "quiet",
    "/quiet": "quiet",
    "帮助": "help",
    "/help": "help",
    "/start": "help",
    # admins
    "本周主题": "theme",
    "/theme": "theme",
    "提醒": "remind",
    "/remind": "remind",
    "报告": "report",
    "/report": "report",
    "豁免": "exempt",
    "/exempt": "exempt",
    "/confirm-removals": "confirm_removals",
    "确认移除": "confirm_removals",
}

# Chinese aliases, longest first, so that 我的状态 wins over 我的 as a prefix.
_PREFIXES = sorted(
    ((a, n) for a, n in ALIASES.items() if not a.startswith("/")), key=lambda p: -len(p[0])
)
# A glued argument must look like one (请假3, 补卡2026-11-21, 点评@小明), so chatter such as
# 打卡了吗 or 作业好难 is not taken for a command.
_GLUED_ARGUMENT = re.compile(r"^(\d|@|https?://)")
_BOT_SUFFIX = re.compile(r"^(/[A-Za-z_-]+)@[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    word: str  # what the member typed, for "I don't know X"


def parse_command(text: str) -> Command | None:
    """The command in a chat message, or None when the message is not a command.

    A message is a command when its first word is a known alias, or starts with ``/``
    (an unknown ``/word`` is a command we don't know, which earns a help reply); plain
    chatter is not a command and gets no reply. Chinese commands may be followed by their
    argument without a space when it looks like one (``请假3``).
    """
    text = (text or "").strip().replace("／", "/")
    if not text:
        return None
    first, _, rest = text.partition(" ")
    first_line, _, after_line = first.partition("\n")
    if after_line:
        first, rest = first_line, (after_line + " " + rest).strip()
    word = first
    match = _BOT_SUFFIX.match(first)
    if match:
        first = match.group(1)
    name = ALIASES.get(first.lower() if first.startswith("/") else first)
    if name is not None:
        return Command(name, rest.strip(), word)
    for alias, alias_name in _PREFIXES:
        remainder = first[len(alias) :]
        if first.startswith(alias) and _GLUED_ARGUMENT.match(remainder):
            return Command(alias_name, (remainder + " " + rest).strip(), word)
    if first.startswith("/") and len(first) > 1:
        return Command("unknown", rest.strip(), word)
    return None
