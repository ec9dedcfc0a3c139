"""Texts of roster sync and of a chat that moved (a Telegram group upgraded)."""

TEXTS: dict[str, dict[str, str]] = {
    "roster_welcome": {
        "zh-CN": "欢迎新成员加入「{community}」！发送「帮助」查看怎么打卡、交作业：",
        "en": "Welcome to {community}, new members! Send /help to see how to check in "
        "and hand in work:",
    },
    "chat_migrated": {
        "zh-CN": "这个群已升级为超级群：rollcall 已自动跟到新群，打卡和作业记录都在。",
        "en": "This group became a supergroup: rollcall moved with it, and every check-in "
        "and homework record is kept.",
    },
    "report_leaves_unseen": {
        "zh-CN": "{platform} 不向 rollcall 提供群成员名单，看不到谁退了群：退群的成员会留在"
        "名单上，直到用 rollcall member remove 标记。",
        "en": "{platform} shows rollcall no member list, so it cannot see who left the group: "
        "members who left stay on this list until marked with rollcall member remove.",
    },
}
