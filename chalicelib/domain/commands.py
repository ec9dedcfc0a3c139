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
    "我的数据": "mydata",
    "/mydata": "mydata",
    "/standing": "standing",
    "排行榜": "leaderboard",
    "/leaderboard": "leaderboard",
    "星榜": "stars",
    "/stars": "stars",
    "请假": "leave",
    "/leave": "leave",
    "销假": "back",
    "/back": "back",
    "免打扰": "quiet",
    "/quiet": "quiet",
    "进度": "progress",
    "/progress": "progress",
    "目标榜": "goal",
    "本月目标": "goal",
    "/goal": "goal",
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
    # organisers: set the group up with an invite code, change its settings (chat/setup.py)
    "开通": "setup",
    "/setup": "setup",
    "设置": "settings",
    "/settings": "settings",
    # roles (the Chinese words say the role: domain/roles.py WORD_ROLES) and squads
    "设为管理员": "role",
    "取消管理员": "role",
    "设为组长": "role",
    "取消组长": "role",
    "设为成员": "role",
    "/role": "role",
    "小组": "squad",
    "/squad": "squad",
    "颁奖": "award",
    "/award": "award",
    "后台": "manage",
    "/manage": "manage",
    # the one-time code that confirms an admin command from DingTalk (chat/confirm.py)
    "确认": "confirm",
    "/confirm": "confirm",
    # the duty rota (chat/rota.py): volunteer, swap (同意换班 answers one), the rota
    "报名值月": "volunteer",
    "报名值周": "volunteer",
    "/volunteer": "volunteer",
    "换班": "swap",
    "同意换班": "swap",
    "/swap": "swap",
    "值班表": "rota",
    "/rota": "rota",
    # the joining ritual (chat/ritual.py): the group rules, accepting them, an introduction;
    # admins: newcomers who still owe a step
    "群规": "rules",
    "入群须知": "rules",
    "/rules": "rules",
    "同意": "agree",
    "同意群规": "agree",
    "/agree": "agree",
    "自我介绍": "intro",
    "/intro": "intro",
    "待确认": "pending",
    "/pending": "pending",
    # committee positions, the owner's (chat/positions.py)
    "任命": "appoint",
    "/appoint": "appoint",
    "免职": "dismiss",
    "/dismiss": "dismiss",
    # recurring sessions (chat/sessions.py); 签到 is a check-in, so attendance is 到
    "报名分享": "speak",
    "/speak": "speak",
    "确认分享": "confirm_speaker",
    "/confirm-speaker": "confirm_speaker",
    "到": "here",
    "/here": "here",
    "录播": "recording",
    "/recording": "recording",
    "取消分享": "cancel_session",
    "/cancel-session": "cancel_session",
    "分享会": "sessions",
    "/sessions": "sessions",
    # announcements (chat/announcements.py): admins schedule and cancel, anyone lists
    "公告": "announce",
    "取消公告": "announce",
    "/announce": "announce",
    "公告列表": "announcements",
    "/announcements": "announcements",
    # the owner erases a member's data (chat/personal.py): 删除数据 @某人, then … 确认
    "删除数据": "forget",
    "删除成员数据": "forget",
    "/forget": "forget",
    # a member's own page (chat/manage.py): a sign-in link by direct message
    "我的主页": "mypage",
    "/mypage": "mypage",
}

# The words accepted without a slash: every Chinese alias, longest first (so that 我的状态
# wins over 我的 as a prefix). English words need their slash, or a hashtag: ``#checkin``
# is the one English word members tag their check-ins with; a bare ``checkin`` is left to
# chatter ("checkin is at 9?"), and Slack's umbrella ``/rollcall checkin`` keeps reading as
# ``/checkin``.
_PREFIXES = sorted(
    ((a, n) for a, n in ALIASES.items() if not a.startswith("/")), key=lambda p: -len(p[0])
)
_HASHTAG_WORDS = (("checkin", "checkin"),)
# Commands that are things a member does: ``打卡了`` ("checked in") is the deed done.
_DEEDS = frozenset({"checkin", "makeup", "leave", "back", "submit"})
# What may close the command word: a run of these (full- and half-width).
_CLOSERS = "！!。.～~"
# What separates the command word from its note or argument.
_SEPARATORS = "：:，,"
# A glued argument must look like one (请假3, 补卡2026-11-21, 点评@小明), so chatter such as
# 打卡的同学 or 作业好难 is not taken for a command.
_GLUED_ARGUMENT = re.compile(r"^(\d|@|https?://)")
_SLASH_WORD = re.compile(r"^/([A-Za-z][A-Za-z0-9_-]*)(?:@[A-Za-z0-9_]+)?")


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    word: str  # what the member typed, for "I don't know X"


# Zero-width characters: the adapters put one after the "@" of a mention a member typed
# into a bot post (platforms/base.defuse), so a member who copies "/review @Alice" from the
# help sends it along; so do some input methods. They never change what a command means.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _normalise(text: str) -> str:
    text = (text or "").translate(_ZERO_WIDTH)
    return text.strip().replace("／", "/").replace("＃", "#")


def _tail(name: str, rest: str, *, glued: bool) -> str | None:
    """The argument after a command word, or None when what follows the word makes the
    message chatter (``打卡了吗``, ``打卡的同学请举手``). See :func:`parse_command`."""
    closed = False
    if name in _DEEDS and rest.startswith("了"):
        rest, closed = rest[1:], True
    punctuation = rest.lstrip(_CLOSERS)
    ends_sentence = len(punctuation) < len(rest)
    rest = punctuation
    if not rest:
        return ""
    if rest[0] in _SEPARATORS or rest[0].isspace():
        return rest[1:].strip()
    if ends_sentence:
        return rest.strip()  # 打卡！今天读了10页: the closing mark separates
    if glued and not closed and _GLUED_ARGUMENT.match(rest):
        return rest.strip()
    return None


def parse_command(text: str) -> Command | None:
    """The command in a chat message, or None when the message is chatter.

    The grammar (docs/counting.md has it with examples), for every command word:

        [#] word [#] [了] [！!。.～~ ...] [separator note]

    * ``word`` is a Chinese alias (``打卡``, ``签到``, ``补卡``, ``请假``, ``交作业``...),
      a slash word ``/checkin``, ``/checkin@botname`` (any case; full-width ``／`` too), or
      the hashtag ``#checkin`` (any case).
    * A leading ``#`` (``#打卡``, ``#checkin``) is allowed, and a hashtag's closing ``#``
      right after the word (``#打卡#``).
    * ``了`` right after the word is allowed for deeds (打卡了, 补卡了, 请假了, 交作业了,
      销假了): "done", not a question.
    * A run of closing marks ``！!。.～~`` may follow.
    * Then the message ends, or a separator (``：:，,`` or whitespace) introduces the note or
      argument. After a closing mark the note may follow directly (``打卡！读了10页``).
      Without any mark or separator, only an argument that looks like one may be glued on:
      a digit, ``@`` or a link (``请假3``, ``补卡2026-11-21``, ``点评@小明``).

    Anything else is chatter (``打卡了吗``, ``今天打卡了没``, ``大家记得打卡``,
    ``打卡的同学请举手``): it counts as activity and gets no reply. A ``/word`` that is not a
    command is an unknown command (the router suggests the nearest one).
    """
    text = _normalise(text)
    if not text:
        return None
    hashed = text.startswith("#")
    body = text[1:] if hashed else text
    if body.startswith("/"):
        return _slash(body, hashed)
    for alias, alias_name in _PREFIXES + (list(_HASHTAG_WORDS) if hashed else []):
        if body[: len(alias)].casefold() != alias:
            continue
        rest = body[len(alias) :]
        if hashed and rest.startswith("#"):
            rest = rest[1:]
        args = _tail(alias_name, rest, glued=True)
        if args is None:
            return None  # the longest alias decides: 我的状态吗 is not 我的 + 状态吗
        return Command(alias_name, args, body[: len(alias)])
    return None


def _slash(body: str, hashed: bool) -> Command | None:
    match = _SLASH_WORD.match(body)
    if match is None:
        if hashed or len(body) < 2 or body[1].isspace():
            return None
        word, _, rest = body.partition(" ")
        return Command("unknown", rest.strip(), word.split("\n")[0])
    word = "/" + match.group(1).lower()
    name = ALIASES.get(word)
    rest = body[match.end() :]
    if name is not None:
        args = _tail(name, rest, glued=False)
        if args is not None:
            return Command(name, args, match.group(0))
    if hashed:
        return None
    typed = (match.group(0) + rest).split(None, 1)
    return Command("unknown", typed[1].strip() if len(typed) > 1 else "", typed[0])
