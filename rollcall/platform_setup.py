"""``rollcall platform setup <platform>``: what an operator does to connect a chat.

Each platform is connected by hand in its own console (apps, bots, robots, event
subscriptions), and a missed step shows up later as silence: a bot that never sees 打卡
because Telegram's privacy mode hides it, Slack events that never arrive because a scope is
missing. So the guide is one place that says, per platform and in the operator's language,
the webhook URL to paste, the settings rollcall reads (environment or SSM), what to enable
on the platform, and how to bind the group. Each guide also says what direct messages
(quiet members' reminders, warnings, reviewers' assignments) and removal (confirmed
removals from a monthly report) need there: without it rollcall falls back to the group
and lists removals for an admin to do by hand, which is easy to mistake for a bug. Where the
platform has an API for a step it is performed with ``--apply``: Telegram's ``setWebhook``
(with our secret token) and Discord's application commands.

Nothing here prints a secret: the CLI shows only whether each setting is set (masked).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

PLATFORMS = ("telegram", "slack", "discord", "feishu", "dingtalk", "wecom", "console")
LOCALES = ("zh-CN", "en")
PUBLIC_URL_ENV = "ROLLCALL_PUBLIC_URL"
URL_PLACEHOLDER = "https://<api-id>.execute-api.<region>.amazonaws.com/api/webhooks/{platform}"
# Platforms whose setup rollcall can perform through their API.
APPLICABLE = ("telegram", "discord")
_WEBHOOK_PATH = re.compile(r"/webhooks/[^/]*$")


@dataclass(frozen=True)
class Setting:
    """A setting rollcall reads: an environment variable locally, the SSM parameter of the
    same name under ``/rollcall/<stage>/`` in AWS."""

    name: str
    purpose: str
    required: bool = True


@dataclass
class Guide:
    platform: str
    title: str
    settings: list[Setting]
    steps: list[str]
    # Extra lists an operator copies from: commands, events, scopes.
    lists: dict[str, list[str]] = field(default_factory=dict)
    # What ``--apply`` does on this platform (None: nothing, do it by hand).
    applies: str | None = None
    webhook_url: str = ""
    url_known: bool = False


def webhook_url(platform: str, given: str | None = None) -> tuple[str, bool]:
    """The URL to give the platform, and whether it is real (not a placeholder).

    ``given`` (``--url``) or ``ROLLCALL_PUBLIC_URL`` may be the API's base URL (what
    ``chalice url`` prints) or any platform's full webhook URL; either way the answer is
    this platform's webhook under it.
    """
    base = (given or os.environ.get(PUBLIC_URL_ENV, "")).strip()
    if not base:
        return URL_PLACEHOLDER.format(platform=platform), False
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"{base!r} is not an http(s) URL (--url or {PUBLIC_URL_ENV})")
    if parts.query or parts.fragment:
        raise ValueError(f"{base!r}: give the API's base URL, without a query")
    path = _WEBHOOK_PATH.sub("", parts.path.rstrip("/"))
    return f"{parts.scheme}://{parts.netloc}{path}/webhooks/{platform}", True


def default_locale(environ: Mapping[str, str] | None = None) -> str:
    """The guide's language when ``--locale`` is not given: the environment's (``LC_ALL``,
    then ``LC_MESSAGES``, then ``LANG``, as POSIX orders them), Chinese for ``zh*``, else
    English, which is also the answer when none is set (the CLI itself speaks English)."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


# Units a line never breaks inside: a `command` span, a word (with the punctuation that
# follows it), one CJK character (with its closing punctuation, after any opening one).
# Lines break between units: at spaces, and between CJK characters as Chinese text does.
_CLOSING = "，。、；：？！）」』》…,.;:?!)"
_OPENING = "（「『《"
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_UNITS = re.compile(
    rf"\s+"
    rf"|[{_OPENING}]*`[^`]*`[{_CLOSING}]*"
    rf"|[{_OPENING}]*[^\s`{_CJK}]+[{_CLOSING}]*"
    rf"|[{_OPENING}]*[{_CJK}][{_CLOSING}]*"
    rf"|."
)


def display_width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fill(text: str, width: int, indent: str = "", first_indent: str | None = None) -> str:
    """Wrap ``text`` to ``width`` terminal columns without breaking a command, a URL or a
    word, in English and Chinese alike (textwrap counts characters and breaks only at
    spaces: Chinese lines ran to twice the width, and commands broke mid-way)."""
    lines: list[str] = []
    line = indent if first_indent is None else first_indent
    empty, space = True, False
    for unit in _UNITS.findall(text):
        if unit.isspace():
            space = True
            continue
        joined = (" " if space and not empty else "") + unit
        if not empty and display_width(line + joined) > width:
            lines.append(line)
            line, joined = indent, unit
        line += joined
        empty, space = False, False
    lines.append(line)
    return "\n".join(lines)


def guide(platform: str, locale: str, url: str, url_known: bool, stage: str) -> Guide:
    """The guide for one platform in one language (``zh-CN`` or ``en``)."""
    if platform not in PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}, got {platform!r}")
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}, got {locale!r}")
    built = _BUILDERS[platform](locale == "zh-CN", stage)
    built.webhook_url, built.url_known = url, url_known
    return built


def _g(zh: bool, chinese: str, english: str) -> str:
    return chinese if zh else english


def _bind_step(zh: bool, platform: str, ask: str) -> str:
    return _g(
        zh,
        f"{ask}：机器人会回复这个群的 chat id 和绑定命令；运行 `rollcall community bind "
        f"--community <社群ID> --platform {platform} --chat-id <chat id>`（或在 `rollcall "
        f"community create --platform {platform} --chat-id ...` 时直接给出）。",
        f"{ask}: the bot answers with the chat id and the command to bind it; "
        f"run `rollcall community bind --community <id> --platform {platform} --chat-id "
        f"<chat id>` (or give it to `rollcall community create --platform {platform} "
        "--chat-id ...`).",
    )


def _secrets_step(zh: bool, stage: str) -> str:
    return _g(
        zh,
        "先配置上面列出的设置项，再把 URL 填到平台上（多数平台保存 URL 时立即校验）："
        "本地用环境变量，"
        f"AWS 中用 `rollcall secrets set <名称> --stage {stage}`（存入 SSM Parameter Store，"
        "5 分钟内生效，无需重新部署）。",
        "Set the settings listed above before saving the URL on the platform (most platforms check "
        "the URL at once): environment variables locally, and in AWS `rollcall secrets set "
        f"<NAME> --stage {stage}` (SSM Parameter Store; in use within 5 minutes, no redeploy).",
    )


# -- Telegram ---------------------------------------------------------------------------

# What @BotFather's /setcommands takes: names of a-z, 0-9 and _ only (no /confirm-removals).
TELEGRAM_COMMANDS = (
    ("checkin", "今日打卡", "check in for today"),
    ("makeup", "补卡：补最近漏掉的一天", "make up a recently missed day"),
    ("submit", "交作业", "hand in this week's homework"),
    ("review", "点评作业", "review a submission"),
    ("hw", "我的作业与待点评", "your homework and reviews owed"),
    ("me", "我的打卡与连续天数", "your check-ins and streak"),
    ("standing", "我的活跃度", "your activity tier"),
    ("mydata", "私信给我：关于我保存的全部数据", "DM me everything kept about me"),
    ("leaderboard", "排行榜（加“积分”看积分榜）", "check-in or points leaderboard"),
    ("stars", "星榜：月度、季度之星", "the month's and quarter's stars"),
    ("leave", "请假", "take leave"),
    ("back", "销假", "back from leave"),
    ("quiet", "提醒时不@我", "no @mention in reminders"),
    ("squad", "我的小组：今日打卡与本期作业", "your squad's check-ins and homework"),
    ("progress", "报告本月目标进度", "report your progress on the month's goal"),
    ("goal", "本月目标与目标榜", "the month's goal and its board"),
    ("help", "帮助", "show the commands"),
    ("setup", "开通：组织者用邀请码开通本群", "organisers: set this group up with an invite code"),
    ("volunteer", "报名值月/值周", "volunteer for the next duty"),
    ("swap", "换班（@某人）或同意换班（accept）", "swap your duty (@someone) or accept one"),
    ("rota", "值班表：本期与下一期", "who is on duty now and next"),
    ("rules", "群规（入群须知）", "the group rules"),
    ("agree", "同意群规", "accept the group rules"),
    ("intro", "自我介绍", "introduce yourself"),
    ("speak", "报名分享会主讲", "sign up to speak at a session"),
    ("here", "分享会签到", "attend the session that is on"),
    ("recording", "主讲人：添加录播链接", "speakers: add the recording's link"),
    ("sessions", "接下来的分享会", "the coming sessions"),
    ("announcements", "本群公告", "this group's announcements"),
    ("mypage", "私信给我个人主页链接", "DM me a link to my own page"),
)


def _telegram(zh: bool, stage: str) -> Guide:
    return Guide(
        platform="telegram",
        title=_g(zh, "Telegram：连接一个群", "Telegram: connect a group"),
        settings=[
            Setting(
                "ROLLCALL_TELEGRAM_BOT_TOKEN",
                _g(zh, "@BotFather 给的 bot token", "the bot's token from @BotFather"),
            ),
            Setting(
                "ROLLCALL_TELEGRAM_SECRET_TOKEN",
                _g(
                    zh,
                    "自选的 1–256 个字符（A-Z a-z 0-9 _ -），Telegram 每次推送都会带回",
                    "one you choose, 1-256 characters of A-Z a-z 0-9 _ -; Telegram sends it "
                    "back with every update",
                ),
            ),
        ],
        steps=[
            _g(
                zh,
                "在 Telegram 里找 @BotFather，发送 /newbot 创建机器人，记下 token。",
                "In Telegram, send /newbot to @BotFather and keep the token it gives.",
            ),
            _secrets_step(zh, stage),
            _g(
                zh,
                "关闭隐私模式：@BotFather → /setprivacy → 选择机器人 → Disable。否则机器人在群里"
                "只能看到 / 开头的命令，看不到「打卡」这类中文命令和普通发言（活跃度）。已在群里的"
                "机器人需移出再加回才生效；也可以把机器人设为群管理员。",
                "Turn privacy mode off: @BotFather → /setprivacy → the bot → Disable. "
                "Otherwise the bot sees only /commands in groups, not 打卡-style commands or "
                "ordinary messages (activity). A bot already in the group must be removed and "
                "added again for this to apply; making it a group admin works too.",
            ),
            _g(
                zh,
                "设置 webhook：`rollcall platform setup telegram --apply --url <API 地址>`"
                "（调用 setWebhook，带上 secret_token，只订阅 message 更新）。",
                "Set the webhook: `rollcall platform setup telegram --apply --url <API URL>` "
                "(calls setWebhook with the secret_token, for message updates only).",
            ),
            _g(
                zh,
                "可选：@BotFather → /setcommands，粘贴下面的命令列表，成员输入 / 时有提示。",
                "Optional: @BotFather → /setcommands, paste the list below so members get "
                "suggestions when they type /.",
            ),
            _g(zh, "把机器人加入群。", "Add the bot to the group."),
            _g(
                zh,
                "移除成员：把机器人设为群管理员并打开「封禁用户」权限（can_restrict_members）；"
                "否则确认的移除会列出来由管理员手动处理。私信：Telegram 只允许机器人给打开过"
                "机器人并点过 Start 的成员发私信，给其他成员的私信改发到群里。",
                "Removal: make the bot a group admin with the right to ban users "
                "(can_restrict_members); without it confirmed removals are listed for an "
                "admin to do by hand. Direct messages: Telegram lets a bot write only to "
                "members who opened the bot and pressed Start; the others get their "
                "private messages in the group instead.",
            ),
            _bind_step(zh, "telegram", _g(zh, "在群里发送 /help", "In the group, send /help")),
        ],
        lists={
            "commands": [
                f"{name} - {chinese if zh else english}"
                for name, chinese, english in TELEGRAM_COMMANDS
            ]
        },
        applies=_g(
            zh,
            "--apply 调用 setWebhook（url、secret_token、allowed_updates=[message, chat_member]）。"
            "机器人是群管理员时，chat_member 更新会告诉 rollcall 谁进群、谁退群。",
            "--apply calls setWebhook (url, secret_token, allowed_updates=[message, chat_member])."
            " With the bot an admin of the group, chat_member updates tell rollcall who joins "
            "and leaves.",
        ),
    )


# -- Slack ------------------------------------------------------------------------------

SLACK_SCOPES = (
    "commands",
    "chat:write",
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "im:write",  # direct messages (conversations.open)
    "channels:manage",  # removal from public channels (conversations.kick)
    "groups:write",  # removal from private channels
    "users:read",  # names for the daily roster sync; workspace owners and admins (users.list)
)
SLACK_EVENTS = (
    "app_mention",
    "message.channels",
    "message.groups",
    "member_joined_channel",
    "member_left_channel",
)
# Slack's own /me, /leave and /remind cannot be taken: /rollcall covers those.
SLACK_COMMANDS = (
    "/rollcall",
    "/checkin",
    "/makeup",
    "/submit",
    "/review",
    "/hw",
    "/standing",
    "/mydata",
    "/leaderboard",
    "/stars",
    "/award",
    "/back",
    "/quiet",
    "/squad",
    "/theme",
    "/report",
    "/exempt",
    "/confirm-removals",
    "/volunteer",
    "/swap",
    "/rota",
)


def _slack(zh: bool, stage: str) -> Guide:
    return Guide(
        platform="slack",
        title=_g(zh, "Slack：连接一个频道", "Slack: connect a channel"),
        settings=[
            Setting(
                "ROLLCALL_SLACK_SIGNING_SECRET",
                _g(zh, "Basic Information → Signing Secret", "Basic Information → Signing Secret"),
            ),
            Setting(
                "ROLLCALL_SLACK_BOT_TOKEN",
                _g(
                    zh,
                    "OAuth & Permissions → Bot User OAuth Token（xoxb-…）；没有它只能回复斜杠命令"
                    "（/rollcall remind 等较慢命令的结果经命令的 response_url 在 30 分钟内送达），"
                    "不能发提醒、私信或移除成员",
                    "OAuth & Permissions → Bot User OAuth Token (xoxb-…); without it only "
                    "slash commands are answered (slow ones such as /rollcall remind post their "
                    "result through the command's response_url, within 30 minutes), and no "
                    "reminders, direct messages or removals go out",
                ),
            ),
        ],
        steps=[
            _g(
                zh,
                "在 https://api.slack.com/apps 创建应用（From scratch），选择工作区。",
                "Create an app at https://api.slack.com/apps (From scratch) in your workspace.",
            ),
            _secrets_step(zh, stage),
            _g(
                zh,
                "OAuth & Permissions → Bot Token Scopes：添加下面的 scopes，然后 Install to "
                "Workspace，取得 bot token。其中 im:write 用于私信（没有它私信改发到频道），"
                "channels:manage（公开频道）和 groups:write（私有频道）用于移除成员（没有它们，"
                "或工作区限制了移除，确认的移除会列出来手动处理）。之后添加 scope 需要重新安装。",
                "OAuth & Permissions → Bot Token Scopes: add the scopes below, then Install to "
                "Workspace and take the bot token. im:write is for direct messages (without "
                "it, private messages go to the channel instead); channels:manage (public "
                "channels) and groups:write (private channels) are for removal (without them, "
                "or where the workspace restricts removal, confirmed removals are listed to do "
                "by hand). Scopes added later need a reinstall.",
            ),
            _g(
                zh,
                "Event Subscriptions：打开，Request URL 填 webhook URL（Slack 的 challenge 会"
                "自动应答），Subscribe to bot events 添加下面的事件，保存（会提示重新安装）。",
                "Event Subscriptions: turn on, Request URL = the webhook URL (Slack's challenge "
                "is answered), add the bot events below under Subscribe to bot events, save "
                "(and reinstall when asked).",
            ),
            _g(
                zh,
                "Slash Commands：至少创建 /rollcall（/rollcall 打卡、/rollcall checkin 备注 都"
                "可用），Request URL 都填 webhook URL；下面其余命令可选。/me、/leave、/remind "
                "是 Slack 内置命令，只能通过 /rollcall 使用。",
                "Slash Commands: create at least /rollcall (/rollcall checkin note, /rollcall "
                "打卡), Request URL = the webhook URL for each; the others below are optional. "
                "/me, /leave and /remind are Slack's own: use them through /rollcall.",
            ),
            _g(
                zh,
                "在频道里 /invite @机器人，把它加入频道。",
                "In the channel, /invite @your-bot.",
            ),
            _bind_step(
                zh,
                "slack",
                _g(zh, "在频道里发送 /rollcall help", "In the channel, send /rollcall help"),
            ),
        ],
        lists={
            "scopes": list(SLACK_SCOPES),
            "events": list(SLACK_EVENTS),
            "commands": list(SLACK_COMMANDS),
        },
    )


# -- Discord ----------------------------------------------------------------------------

_STRING, _INTEGER, _USER = 3, 4, 6


def _option(
    kind: int, name: str, english: str, chinese: str, *, required: bool = False, **extra: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "name": name,
        "description": english,
        "description_localizations": {"zh-CN": chinese},
        "required": required,
        **extra,
    }


def _command(name: str, english: str, chinese: str, *options: dict[str, Any]) -> dict[str, Any]:
    command: dict[str, Any] = {
        "type": 1,  # CHAT_INPUT: a slash command
        "name": name,
        "description": english,
        "description_localizations": {"zh-CN": chinese},
    }
    if options:
        command["options"] = list(options)
    return command


# The interaction's options become the words after the command, in order (a user option as
# <@id>), so each command's options follow what its chat form takes.
DISCORD_COMMANDS: tuple[dict[str, Any], ...] = (
    _command(
        "checkin",
        "Check in for today",
        "今日打卡",
        _option(_STRING, "note", "A note", "备注"),
    ),
    _command(
        "makeup",
        "Make up a recently missed day",
        "补最近漏掉的一天",
        _option(_STRING, "date", "The day, e.g. 2026-11-21", "日期，如 2026-11-21", required=True),
    ),
    _command(
        "submit",
        "Hand in this week's homework",
        "提交本周作业",
        _option(_STRING, "work", "A link or text", "链接或文字", required=True),
    ),
    _command(
        "review",
        "Review a member's submission",
        "点评作业",
        _option(_USER, "member", "Whose submission", "点评谁的作业", required=True),
        _option(_STRING, "text", "Your review", "点评内容"),
        _option(_INTEGER, "score", "A score from 1 to 5", "1-5 分", min_value=1, max_value=5),
    ),
    _command("hw", "Your homework and the reviews you owe", "我本周的作业与待点评"),
    _command("me", "Your check-ins and streak", "我的打卡与连续天数"),
    _command("standing", "Your activity tier and any warning", "我的活跃度与提醒"),
    _command("mydata", "DM me everything kept about me", "私信给我：关于我保存的全部数据"),
    _command(
        "leaderboard",
        "Check-in or points leaderboard",
        "打卡或积分排行榜",
        _option(
            _STRING,
            "period",
            "week, month or all",
            "周、月或全部",
            choices=[{"name": p, "value": p} for p in ("week", "month", "all")],
        ),
        _option(
            _STRING,
            "board",
            "check-ins or points",
            "打卡或积分",
            choices=[{"name": b, "value": b} for b in ("checkins", "points")],
        ),
    ),
    _command(
        "leave",
        "Take leave: no reminders meanwhile",
        "请假，期间不提醒",
        _option(_INTEGER, "days", "How many days", "天数", required=True, min_value=1),
    ),
    _command("back", "Back from leave", "销假"),
    _command("quiet", "No @mention in reminders", "提醒时不@我"),
    _command(
        "squad",
        "Your squad today: check-ins, streaks, homework",
        "我的小组：今日打卡、连续天数、本期作业",
        _option(_STRING, "name", "Admins: another squad", "管理员：查看其他小组"),
    ),
    _command(
        "progress",
        "Report your progress on the month's goal",
        "报告本月目标进度",
        _option(
            _STRING,
            "value",
            "Your total (120) or an increase (+20)",
            "累计（120）或增加（+20）",
            required=True,
        ),
    ),
    _command(
        "goal",
        "The month's goal; board; admins: set (title number unit) or off",
        "本月目标；board 看目标榜；管理员：设置（名称 数量 单位）或 off 取消",
        _option(
            _STRING,
            "text",
            'board, or admins: "Principles" 300 pages, or off',
            "board，或管理员：读完《原则》 300页，或 off",
        ),
    ),
    _command("help", "Show the commands", "显示帮助"),
    _command(
        "theme",
        "Admins: set this week's theme",
        "管理员：设置本周主题",
        _option(_STRING, "text", "The theme", "主题", required=True),
    ),
    _command("remind", "Admins: send today's reminder now", "管理员：立即发出今天的提醒"),
    _command("report", "Admins: the monthly activity report", "管理员：月度活跃报告"),
    _command(
        "exempt",
        "Admins: exempt a member from reminders (again to undo)",
        "管理员：豁免成员（再次发送取消）",
        _option(_USER, "member", "Who", "成员", required=True),
    ),
    _command(
        "role",
        "Set a member's role (admin: the owner only)",
        "设置成员角色（管理员仅群主可设）",
        _option(_USER, "member", "Who", "成员", required=True),
        _option(
            _STRING,
            "role",
            "admin, leader or member",
            "管理员、组长或成员",
            required=True,
            choices=[
                {"name": r, "value": r, "name_localizations": {"zh-CN": zh}}
                for r, zh in (("admin", "管理员"), ("leader", "组长"), ("member", "成员"))
            ],
        ),
    ),
    _command(
        "confirm-removals",
        "Admins: confirm a report's removals",
        "管理员：确认报告中的移除",
        _option(_STRING, "report", "The report id, e.g. 2026-10", "报告 ID，如 2026-10"),
    ),
    _command(
        "setup",
        "Organisers: set this channel up with an invite code",
        "组织者：用邀请码开通本频道",
        _option(_STRING, "code", "The invite code, e.g. RC-7KQM-X2PA-9HWD", "邀请码"),
        _option(_STRING, "name", "The community's name", "社群名称"),
    ),
    _command(
        "settings",
        "Admins: see or change the settings",
        "管理员：查看或修改设置",
        _option(
            _STRING,
            "setting",
            "What to change",
            "要改的设置",
            choices=[
                {"name": w, "value": w}
                for w in (
                    "reminder",
                    "lastcall",
                    "deadline",
                    "removal",
                    "timezone",
                    "locale",
                    "daystart",
                    "report",
                    "reportday",
                    "reviewers",
                    "grace",
                    "congratulate",
                    "makeups",
                    "maxleave",
                    "cycle",
                    "positions",
                    "freezes",
                    "freezebank",
                    "freezereviews",
                )
            ],
        ),
        _option(_STRING, "value", "The new value, e.g. 20:30", "新的值，如 20:30"),
    ),
    _command("stars", "The month's and quarter's stars", "星榜：月度、季度之星"),
    _command(
        "award",
        "Admins: give a member a hand-picked award",
        "管理员：给成员颁发一个奖项",
        _option(_USER, "member", "Who", "成员", required=True),
        _option(
            _STRING, "award", "The award, e.g. most improved", "奖项，如 最佳进步", required=True
        ),
    ),
    _command("manage", "Admins: DM me a sign-in link to the pages", "管理员：私信给我后台登录链接"),
    _command("volunteer", "Volunteer for the next duty (值月生/值周生)", "报名下一期值班"),
    _command(
        "swap",
        "On duty: ask someone to take over; or accept a swap asked of you",
        "值班成员：请某人接班；或同意别人的换班",
        _option(_USER, "member", "Who should take over", "请谁接班"),
        _option(
            _STRING,
            "answer",
            "accept: take the duty you were asked to",
            "accept：同意换班",
            choices=[{"name": "accept", "value": "accept"}],
        ),
    ),
    _command("rota", "Who is on duty now and next", "值班表：本期与下一期"),
    _command("rules", "The group rules", "群规（入群须知）"),
    _command("agree", "Accept the group rules", "同意群规"),
    _command(
        "intro",
        "Introduce yourself to the group",
        "自我介绍",
        _option(_STRING, "text", "A few sentences about you", "几句话介绍你自己", required=True),
    ),
    _command(
        "pending", "Admins: newcomers yet to accept or introduce", "管理员：未完成入群步骤的新成员"
    ),
    _command(
        "appoint",
        "Owner: give a member a committee position",
        "群主：任命班委",
        _option(_USER, "member", "Who", "成员", required=True),
        _option(
            _STRING,
            "position",
            "The position, e.g. study-officer",
            "职位，如 学习委员",
            required=True,
        ),
    ),
    _command(
        "dismiss",
        "Owner: take a member's committee position away",
        "群主：免去班委职位",
        _option(_USER, "member", "Who", "成员", required=True),
    ),
    _command(
        "speak",
        "Sign up to speak at a session",
        "报名分享会主讲",
        _option(
            _STRING, "date", "The session's date, e.g. 2026-12-12", "日期，如 12-12", required=True
        ),
        _option(_STRING, "topic", "Your topic", "主题"),
    ),
    _command(
        "confirm-speaker",
        "Admins: confirm a session's speaker",
        "管理员：确认分享会主讲人",
        _option(_STRING, "date", "The session's date", "日期", required=True),
    ),
    _command("here", "Attend the session that is on", "分享会签到"),
    _command(
        "recording",
        "Speakers and admins: the session's recording link",
        "主讲人或管理员：添加录播链接",
        _option(_STRING, "link", "An http(s) link", "http(s) 链接", required=True),
    ),
    _command(
        "cancel-session",
        "Admins: cancel one session",
        "管理员：取消一次分享会",
        _option(_STRING, "date", "The session's date", "日期", required=True),
    ),
    _command("sessions", "The coming sessions", "接下来的分享会"),
    _command(
        "announce",
        "Admins: schedule or cancel an announcement",
        "管理员：安排或取消群公告",
        _option(
            _STRING,
            "text",
            "at 2026-12-08T09:00 text, weekly mon 09:00 text, or cancel ID",
            "2026-12-08 09:00 内容、每周一 09:00 内容，或 cancel 编号",
            required=True,
        ),
    ),
    _command("announcements", "This group's announcements", "本群公告"),
    _command(
        "forget",
        "Owner: erase a member's data (asks first; add confirm)",
        "群主：删除成员的数据（先预览，加 确认 执行）",
        _option(_USER, "member", "Who", "成员", required=True),
        _option(
            _STRING,
            "confirm",
            "confirm: erase now (within 10 minutes of asking)",
            "确认：执行删除（预览后 10 分钟内）",
            choices=[{"name": "confirm", "value": "confirm"}],
        ),
    ),
    _command("mypage", "DM me a link to my own page", "私信给我个人主页链接"),
)


def _discord(zh: bool, stage: str) -> Guide:
    return Guide(
        platform="discord",
        title=_g(zh, "Discord：连接一个服务器的频道", "Discord: connect a server's channels"),
        settings=[
            Setting(
                "ROLLCALL_DISCORD_PUBLIC_KEY",
                _g(zh, "General Information → Public Key", "General Information → Public Key"),
            ),
            Setting(
                "ROLLCALL_DISCORD_BOT_TOKEN",
                _g(
                    zh,
                    "Bot → Reset Token；发提醒、私信、移除成员和注册命令时需要",
                    "Bot → Reset Token; for reminders, direct messages, removal and "
                    "registering the commands",
                ),
            ),
            Setting(
                "ROLLCALL_DISCORD_APPLICATION_ID",
                _g(
                    zh,
                    "General Information → Application ID；只有 --apply 注册命令时需要",
                    "General Information → Application ID; only --apply needs it",
                ),
                required=False,
            ),
        ],
        steps=[
            _g(
                zh,
                "在 https://discord.com/developers/applications 创建应用，Bot 页面生成 token。",
                "Create an application at https://discord.com/developers/applications and a "
                "bot token on its Bot page.",
            ),
            _secrets_step(zh, stage),
            _g(
                zh,
                "部署好公钥后，General Information → Interactions Endpoint URL 填 webhook URL。"
                "Discord 保存时会发 PING 和故意伪造的签名，rollcall 必须已经有正确的公钥。",
                "With the public key deployed, set General Information → Interactions Endpoint "
                "URL to the webhook URL. Discord checks it on save with a PING and deliberately "
                "bad signatures, so rollcall must have the right public key first.",
            ),
            _g(
                zh,
                "注册斜杠命令：`rollcall platform setup discord --apply`（PUT "
                "/applications/<id>/commands，覆盖全部全局命令）。",
                "Register the slash commands: `rollcall platform setup discord --apply` (PUT "
                "/applications/<id>/commands, replacing all global commands).",
            ),
            _g(
                zh,
                "OAuth2 → URL Generator：scopes 选 bot 和 applications.commands，权限选 View "
                "Channels、Send Messages、Read Message History，周报的完整名单发在子区里还要 "
                "Create Public Threads 和 Send Messages in Threads，要移除成员再加 Kick Members"
                "（KICK_MEMBERS），用生成的"
                "链接把机器人邀请进服务器。机器人的角色要排在被移除成员的角色之上；否则确认的"
                "移除会列出来手动处理。关闭了「允许服务器成员私信」的成员，私信改发到频道。",
                "OAuth2 → URL Generator: scopes bot and applications.commands, permissions "
                "View Channels, Send Messages and Read Message History, Create Public Threads "
                "and Send Messages in Threads (the digest's full list goes in a thread), plus "
                "Kick Members (KICK_MEMBERS) for removal; "
                "invite the bot with the generated link. The bot's role must sit above the "
                "roles of members it removes, or confirmed removals are listed to do by hand. "
                "Members who closed DMs from server members get their private messages in the "
                "channel.",
            ),
            _g(
                zh,
                "每天的成员同步：Developer Portal → Bot → Privileged Gateway Intents，打开 Server "
                "Members Intent；否则同步会报缺少这一项，名单不变。只有能看到绑定频道的成员才算"
                "社群成员（按 Discord 的规则由角色和频道的权限覆盖算出；服务器所有者和管理员"
                "总能看到）。机器人自己要能看到这个频道。",
                "Daily roster sync: Developer Portal → Bot → Privileged Gateway Intents, switch "
                "on Server Members Intent; without it the sync names what is missing and "
                "changes nothing. Only members who can view the bound channel count (computed "
                "as Discord does, from their roles and the channel's permission overwrites; "
                "the server owner and administrators always can). The bot must see the "
                "channel too.",
            ),
            _g(
                zh,
                "Discord 只把斜杠命令发给 rollcall；普通发言由 discord-activity 任务每 2 小时"
                "读取频道的新消息补上（只看发言人和时间，不需要 Message Content Intent；需要"
                "频道的 View Channels 和 Read Message History 权限，少了 Read Message History "
                "时 Discord 不报错，只返回空列表）。成员进出只由每天的同步看到。",
                "Discord sends rollcall slash commands only; members' ordinary messages are "
                "read back every 2 hours by the discord-activity job (authors and times only, "
                "no Message Content intent needed; it needs View Channels and Read Message "
                "History in the channel, and without the latter Discord answers an empty list, "
                "not an error). Joins and leaves are seen only by the daily sync.",
            ),
            _bind_step(zh, "discord", _g(zh, "在频道里使用 /help", "In the channel, use /help")),
        ],
        lists={"commands": [f"/{c['name']}" for c in DISCORD_COMMANDS]},
        applies=_g(
            zh,
            "--apply 用 bot token 把下面的命令注册为全局斜杠命令。",
            "--apply registers the commands below as global slash commands with the bot token.",
        ),
    )


# -- Feishu / Lark ----------------------------------------------------------------------

FEISHU_EVENTS = (
    "im.message.receive_v1",
    "im.chat.member.user.added_v1",
    "im.chat.member.user.deleted_v1",
    "im.chat.member.user.withdrawn_v1",
)


def _feishu(zh: bool, stage: str) -> Guide:
    return Guide(
        platform="feishu",
        title=_g(zh, "飞书 / Lark：连接一个群", "Feishu / Lark: connect a group"),
        settings=[
            Setting(
                "ROLLCALL_FEISHU_ENCRYPT_KEY",
                _g(
                    zh,
                    "事件与回调 → 加密策略 → Encrypt Key（签名并加密每个事件，生产环境请设置）",
                    "Events & Callbacks → Encryption Strategy → Encrypt Key (signs and encrypts "
                    "every event: set it in production)",
                ),
            ),
            Setting(
                "ROLLCALL_FEISHU_VERIFICATION_TOKEN",
                _g(zh, "加密策略 → Verification Token", "Encryption Strategy → Verification Token"),
            ),
            Setting(
                "ROLLCALL_FEISHU_APP_ID",
                _g(
                    zh,
                    "凭证与基础信息 → App ID；用应用身份回复、发提醒、发私信和移除成员",
                    "Credentials → App ID; to reply, remind, message members privately and "
                    "remove them as the app",
                ),
                required=False,
            ),
            Setting(
                "ROLLCALL_FEISHU_APP_SECRET",
                _g(zh, "凭证与基础信息 → App Secret", "Credentials → App Secret"),
                required=False,
            ),
        ],
        steps=[
            _g(
                zh,
                "在 https://open.feishu.cn/app（Lark：https://open.larksuite.com/app）创建企业"
                "自建应用，添加「机器人」能力。Lark 还要设置 ROLLCALL_FEISHU_API_BASE="
                "https://open.larksuite.com/open-apis。",
                "Create a custom app at https://open.feishu.cn/app (Lark: "
                "https://open.larksuite.com/app) and add the Bot capability. For Lark also set "
                "ROLLCALL_FEISHU_API_BASE=https://open.larksuite.com/open-apis.",
            ),
            _secrets_step(zh, stage),
            _g(
                zh,
                "事件与回调 → 事件配置：请求地址填 webhook URL（飞书要求 1 秒内回应 challenge，"
                "rollcall 不访问数据库直接应答），添加下面的事件，并开通每个事件要求的权限"
                "（接收群聊中@机器人消息、以应用身份发消息等，以控制台提示为准）。",
                "Events & Callbacks → Event Configuration: Request URL = the webhook URL "
                "(Feishu wants its challenge answered within 1 s; rollcall answers it without "
                "touching the database), add the events below and grant the permissions the "
                "console asks for with each (group messages that @ the bot, sending messages "
                "as the app).",
            ),
            _g(
                zh,
                "私信和移除成员需要应用（自定义机器人做不到）：权限管理里开通「以应用的身份发消息」"
                "（im:message:send_as_bot）用于私信，「更新群成员」（im:chat.members:write_only，"
                "或 im:chat）用于移除；发布版本时把可用范围设为群成员所在的部门或全员（范围外的"
                "成员收不到私信，改发到群里）。飞书只允许群主、群管理员或建群的应用移除成员："
                "把机器人设为群管理员，否则确认的移除会列出来手动处理。群主和群管理员自动成为 "
                "rollcall 管理员（rollcall member admins）需要「获取群组信息」"
                "（im:chat:readonly）。",
                "Direct messages and removal need the app (a custom bot can do neither): grant "
                "im:message:send_as_bot for direct messages and im:chat.members:write_only (or "
                "im:chat) for removal, and when publishing set the availability range (可用范围) "
                "to cover the group's members (members outside it get their private messages "
                "in the group). Feishu lets only the group owner, a group admin or the app that "
                "created the group remove members: make the bot a group admin (群管理员), or "
                "confirmed removals are listed to do by hand. The group's owner and managers "
                "become rollcall admins (rollcall member admins) with im:chat:readonly.",
            ),
            _g(
                zh,
                "每天的成员同步也需要应用：开通「查看群成员」（im:chat.members:read，或 "
                "im:chat:readonly）。",
                "The daily roster sync needs the app too: grant im:chat.members:read (or "
                "im:chat:readonly).",
            ),
            _g(
                zh,
                "发布应用版本并由管理员审核通过，然后把机器人拉进群。群里的消息需要 @机器人 才会"
                "推送给 rollcall。",
                "Publish a version and have it approved, then add the bot to the group. Group "
                "messages reach rollcall only when they @ the bot.",
            ),
            _g(
                zh,
                "不用应用发消息也可以：群设置 → 群机器人 → 自定义机器人，安全设置选「签名校验」，"
                "然后 `rollcall community update <社群ID> --robot-webhook <URL> --robot-secret "
                "<密钥>`（每分钟 100 条、每秒 5 条）。",
                "To send without the app: group settings → Bots → Custom Bot with signature "
                "verification, then `rollcall community update <id> --robot-webhook <URL> "
                "--robot-secret <secret>` (100 messages a minute, 5 a second).",
            ),
            _bind_step(
                zh, "feishu", _g(zh, "在群里发送 @机器人 帮助", "In the group, send @bot /help")
            ),
        ],
        lists={"events": list(FEISHU_EVENTS)},
    )


# -- DingTalk ---------------------------------------------------------------------------


def _dingtalk(zh: bool, stage: str) -> Guide:
    return Guide(
        platform="dingtalk",
        title=_g(zh, "钉钉：连接一个群", "DingTalk: connect a group"),
        settings=[
            Setting(
                "ROLLCALL_DINGTALK_APP_SECRET",
                _g(
                    zh,
                    "应用的 AppSecret：校验机器人推送的 timestamp/sign",
                    "the app's AppSecret: checks the robot's timestamp/sign headers",
                ),
            ),
            Setting(
                "ROLLCALL_DINGTALK_APP_KEY",
                _g(
                    zh,
                    "同一应用的 AppKey（Client ID）；设置后通过应用机器人给成员发私信",
                    "the same app's AppKey (Client ID); with it, members get direct messages "
                    "from the app's robot",
                ),
                required=False,
            ),
            Setting(
                "ROLLCALL_DINGTALK_ROBOT_CODE",
                _g(
                    zh,
                    "应用机器人的 robotCode；不设置时用 AppKey（企业内部应用机器人即如此）",
                    "the app robot's robotCode; defaults to the AppKey, which it is for an "
                    "internal app's robot",
                ),
                required=False,
            ),
        ],
        steps=[
            _g(
                zh,
                "在 https://open-dev.dingtalk.com 创建应用，添加「机器人」能力。",
                "Create an app at https://open-dev.dingtalk.com and add the Robot capability.",
            ),
            _secrets_step(zh, stage),
            _g(
                zh,
                "机器人配置：消息接收模式选 HTTP 模式，消息接收地址填 webhook URL，发布机器人。",
                "Robot configuration: message receiving mode HTTP, message receiving address = "
                "the webhook URL; publish the robot.",
            ),
            _g(
                zh,
                "把机器人加入群；成员需 @机器人 发命令。回复通过消息里的 sessionWebhook 发出。",
                "Add the robot to the group; members @ the robot to talk to it. Replies go "
                "through the message's sessionWebhook.",
            ),
            _g(
                zh,
                "提醒要发进群：群设置 → 机器人 → 添加自定义机器人，安全设置选「加签」（不要用"
                "自定义关键词，它会拒收不含关键词的提醒），然后 `rollcall community update "
                "<社群ID> --robot-webhook https://oapi.dingtalk.com/robot/send?access_token=... "
                "--robot-secret SEC...`。每个机器人每分钟 20 条，超出后限流 10 分钟。",
                "For reminders in the group: group settings → Robots → add a custom robot "
                "with 加签 (signature) security (not keywords: those refuse a reminder that "
                "lacks one), then `rollcall community update <id> --robot-webhook "
                "https://oapi.dingtalk.com/robot/send?access_token=... --robot-secret SEC...`. "
                "A robot takes 20 messages a minute, then is throttled for 10 minutes.",
            ),
            _g(
                zh,
                "私信：设置 ROLLCALL_DINGTALK_APP_KEY（自定义机器人不能私信），在应用的权限管理"
                "里开通「企业内机器人发送消息权限」，并让成员在应用的可用范围内；收不到私信的"
                "成员，消息改发到群里。钉钉没有机器人移除群成员的接口：确认的移除会列出来手动处理。",
                "Direct messages: set ROLLCALL_DINGTALK_APP_KEY (a custom robot cannot message "
                "a member), grant the app the robot's permission to send messages "
                "(企业内机器人发送消息权限), and keep members in the app's range; members who "
                "cannot get one have their private messages in the group. DingTalk has no "
                "robot API that removes someone from a group: confirmed removals are listed "
                "to do by hand.",
            ),
            _g(
                zh,
                "钉钉不向机器人提供普通群的成员名单，所以 rollcall 看不到谁进群、谁退群：退群的"
                "成员请用 rollcall member remove 标记。应用自己的场景群有名单："
                "rollcall community update ID --group-kind scene（需要 qyapi_chat_read 权限）。",
                "DingTalk shows a robot no member list of an ordinary group, so rollcall cannot "
                "see who joins or leaves there: mark leavers with rollcall member remove. The "
                "app's scene groups have one: rollcall community update ID --group-kind scene "
                "(permission qyapi_chat_read).",
            ),
            _bind_step(
                zh, "dingtalk", _g(zh, "在群里发送 @机器人 帮助", "In the group, send @robot /help")
            ),
        ],
    )


# -- WeCom ------------------------------------------------------------------------------


def _wecom(zh: bool, stage: str) -> Guide:
    return Guide(
        platform="wecom",
        title=_g(zh, "企业微信：连接一个群", "WeCom: connect a group"),
        settings=[
            Setting("ROLLCALL_WECOM_TOKEN", _g(zh, "接收消息的 Token", "the callback's Token")),
            Setting(
                "ROLLCALL_WECOM_ENCODING_AES_KEY",
                _g(zh, "接收消息的 EncodingAESKey（43 位）", "the callback's EncodingAESKey (43)"),
            ),
            Setting(
                "ROLLCALL_WECOM_CORP_ID",
                _g(
                    zh,
                    "我的企业 → 企业ID；自建应用回调和私信需要，群机器人回调不需要",
                    "My Company → Corp ID; for app callbacks and direct messages, not for group "
                    "robot callbacks",
                ),
                required=False,
            ),
            Setting(
                "ROLLCALL_WECOM_CORP_SECRET",
                _g(
                    zh,
                    "自建应用的 Secret；和企业ID、AgentId 一起用于发私信（应用消息）",
                    "the self-built app's Secret; with the Corp ID and AgentId, for direct "
                    "messages (app messages)",
                ),
                required=False,
            ),
            Setting(
                "ROLLCALL_WECOM_AGENT_ID",
                _g(zh, "自建应用的 AgentId（数字）", "the self-built app's AgentId (a number)"),
                required=False,
            ),
        ],
        steps=[
            _g(
                zh,
                "在群里添加群机器人（群设置 → 群机器人 → 添加），复制它的 webhook 地址，运行 "
                "`rollcall community update <社群ID> --robot-webhook "
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`：提醒和回复都通过"
                "它发出（文本 2048 字节、markdown 4096 字节，每分钟 20 条）。",
                "Add a group robot (group settings → Group Robots → Add), copy its webhook "
                "address and run `rollcall community update <id> --robot-webhook "
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`: reminders and "
                "replies go out through it (text 2,048 bytes, markdown 4,096 bytes, 20 "
                "messages a minute).",
            ),
            _secrets_step(zh, stage),
            _g(
                zh,
                "接收成员的消息：在群机器人的「接收消息」配置（或自建应用 → 接收消息 → 设置 API "
                "接收）里填 URL = webhook URL，Token 和 EncodingAESKey 与上面的设置一致。企业微信"
                "保存时用 GET echostr 校验 URL（要求 1 秒内），rollcall 直接应答。",
                "To hear members: in the group robot's message receiving settings (or your "
                "app → Receive Messages → Set API Receive), URL = the webhook URL, with the "
                "Token and EncodingAESKey set above. WeCom checks the URL on save with a GET "
                "echostr (within 1 s), which rollcall answers.",
            ),
            _g(
                zh,
                "群成员需 @机器人 发命令。自建应用收到的是单聊消息，群的绑定请用群机器人。",
                "Members @ the robot to talk to it. An app receives one-to-one messages only: "
                "bind a group through its group robot.",
            ),
            _g(
                zh,
                "私信（应用消息）：设置 ROLLCALL_WECOM_CORP_ID、ROLLCALL_WECOM_CORP_SECRET 和 "
                "ROLLCALL_WECOM_AGENT_ID，把成员加入应用的可见范围，并把服务器出口 IP 加入应用的"
                "企业可信IP（Lambda 没有固定 IP：经 NAT 网关和弹性 IP 出去；否则报 60020）。收不到"
                "私信的成员，消息改发到群里。群机器人和应用都不能移除群成员：确认的移除会列出来"
                "手动处理。",
                "Direct messages (app messages): set ROLLCALL_WECOM_CORP_ID, "
                "ROLLCALL_WECOM_CORP_SECRET and ROLLCALL_WECOM_AGENT_ID, put members in the "
                "app's visible range (可见范围), and add the server's outbound IP to the app's "
                "trusted IPs (企业可信IP; Lambda has no fixed IP: route it through a NAT gateway "
                "with an Elastic IP, or WeCom answers 60020). Members who cannot get one have "
                "their private messages in the group. Neither the group robot nor the app can "
                "remove someone from a group chat: confirmed removals are listed to do by hand.",
            ),
            _g(
                zh,
                "企业微信不向应用提供普通群的成员名单（只有应用自己建的群才有），所以 rollcall "
                "看不到谁进群、谁退群：退群的成员请用 rollcall member remove 标记。应用建的群和"
                "客户群有名单：rollcall community update ID --group-kind app 或 customer。",
                "WeCom shows an app no member list of an ordinary group (only of groups the app "
                "created), so rollcall cannot see who joins or leaves there: mark leavers with "
                "rollcall member remove. Groups the app created and customer groups have one: "
                "rollcall community update ID --group-kind app or customer.",
            ),
            _bind_step(
                zh, "wecom", _g(zh, "在群里发送 @机器人 帮助", "In the group, send @robot /help")
            ),
        ],
    )


# -- console ----------------------------------------------------------------------------


def _console(zh: bool, stage: str) -> Guide:
    return Guide(
        platform="console",
        title=_g(
            zh, "console：本地聊天，用于演示和测试", "console: local chat for demos and tests"
        ),
        settings=[
            Setting(
                "ROLLCALL_CONSOLE_SECRET",
                _g(
                    zh,
                    "签名密钥；本地不设置时自动生成在 ROLLCALL_HOME 下。"
                    "生产环境不要设置（路由返回 404）",
                    "the signing secret; generated under ROLLCALL_HOME when unset locally. "
                    "Leave it unset in production (the route answers 404)",
                ),
                required=False,
            ),
        ],
        steps=[
            _g(
                zh,
                "`rollcall community create --platform console --chat-id room-1 ...` 创建社群。",
                "Create a community: `rollcall community create --platform console --chat-id "
                "room-1 ...`.",
            ),
            _g(
                zh,
                "`rollcall serve` 启动本地运行时。",
                "Start the local runtime: `rollcall serve`.",
            ),
            _g(
                zh,
                "另开终端：`rollcall chat --community <社群ID> --user u1 打卡`。",
                "In another terminal: `rollcall chat --community <id> --user u1 /checkin`.",
            ),
        ],
    )


_BUILDERS = {
    "telegram": _telegram,
    "slack": _slack,
    "discord": _discord,
    "feishu": _feishu,
    "dingtalk": _dingtalk,
    "wecom": _wecom,
    "console": _console,
}


# -- --apply ----------------------------------------------------------------------------


def apply_telegram(settings: Any, url: str, sender: Any = None) -> dict[str, Any]:
    """setWebhook with our secret token; Telegram's answer (it carries no secret)."""
    from chalicelib.platforms.telegram import set_webhook

    return set_webhook(settings, url, sender=sender)


def apply_discord(settings: Any, sender: Any = None) -> list[dict[str, Any]]:
    """Register DISCORD_COMMANDS as the application's global commands (a bulk overwrite,
    so a command removed here disappears from Discord too). Returns Discord's answer."""
    from chalicelib.platforms.base import api_base
    from chalicelib.platforms.discord import USER_AGENT
    from chalicelib.platforms.http import HttpSender

    application_id = settings.secret("ROLLCALL_DISCORD_APPLICATION_ID").strip()
    token = settings.secret("ROLLCALL_DISCORD_BOT_TOKEN").strip()
    if not application_id or not token:
        raise ValueError("set ROLLCALL_DISCORD_APPLICATION_ID and ROLLCALL_DISCORD_BOT_TOKEN first")
    if not application_id.isdigit():
        raise ValueError("ROLLCALL_DISCORD_APPLICATION_ID must be the application's numeric id")
    base = api_base(settings, "discord")
    answer = (sender or HttpSender()).request(
        "PUT",
        f"{base}/applications/{application_id}/commands",
        headers={"Authorization": f"Bot {token}", "User-Agent": USER_AGENT},
        json=list(DISCORD_COMMANDS),
    )
    return answer.body if isinstance(answer.body, list) else []
