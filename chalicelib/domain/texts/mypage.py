"""我的主页 / /mypage: a member's sign-in link to their own page (chat/manage.py)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "mypage_link": {
        "zh-CN": "你在「{community}」的个人主页（15 分钟内有效，只能用一次，请勿转发）：\n{url}",
        "en": "Your own page in “{community}” (the link works once, for 15 minutes; do not "
        "forward it):\n{url}",
    },
    "mypage_sent": {
        "zh-CN": "{name}，个人主页链接已私信发给你（15 分钟内有效，只能用一次）。",
        "en": "{name}, I sent you a link to your own page by direct message (it works once, "
        "for 15 minutes).",
    },
    "mypage_no_dm": {
        "zh-CN": "{name}，这个平台上机器人无法私信你，个人主页链接不会发在群里。",
        "en": "{name}, the bot cannot message you privately here, and never posts your page's "
        "link in a group.",
    },
    "mypage_refused": {
        "zh-CN": "{name}，私信没能送达（可能你还没有和机器人开始私聊）。"
        "请先私聊机器人一次，再发送 我的主页。",
        "en": "{name}, the direct message could not be delivered (perhaps you never started a "
        "private chat with the bot). Message the bot privately once, then send /mypage again.",
    },
}
