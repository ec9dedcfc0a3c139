"""Texts every feature shares: help, unknown commands, binding, welcome."""

TEXTS: dict[str, dict[str, str]] = {
    "help": {
        "zh-CN": (
            "可用命令：\n"
            "打卡 [备注] — 今日打卡\n"
            "补卡 <日期> — 补最近漏掉的一天，如 补卡 2026-11-21\n"
            "交作业 <链接或文字> — 提交本周作业\n"
            "点评 @某人 <内容> — 点评作业\n"
            "我的 — 我的打卡与连续天数\n"
            "排行榜 — 打卡排行\n"
            "请假 <天数> — 请假，期间不提醒\n"
            "帮助 — 显示本帮助"
        ),
        "en": (
            "Commands:\n"
            "/checkin [note] — check in for today\n"
            "/makeup <date> — make up a recently missed day, e.g. /makeup 2026-11-21\n"
            "/submit <link or text> — hand in this week's homework\n"
            "/review @someone <text> — review a submission\n"
            "/me — your check-ins and streak\n"
            "/leaderboard — check-in leaderboard\n"
            "/leave <days> — take leave, no reminders meanwhile\n"
            "/help — show this help"
        ),
    },
    "unknown_command": {
        "zh-CN": "没有看懂「{command}」。发送「帮助」查看可用命令。",
        "en": "I don't know “{command}”. Send /help for the commands.",
    },
    "not_bound": {
        "zh-CN": (
            "这个群还没有连接到 rollcall 社群。请管理员运行：\n"
            "rollcall community bind --community <社群ID> --platform {platform} "
            "--chat-id {chat_id}"
        ),
        "en": (
            "This chat is not connected to a rollcall community yet. An admin can run:\n"
            "rollcall community bind --community <community id> --platform {platform} "
            "--chat-id {chat_id}"
        ),
    },
    "welcome": {
        "zh-CN": "欢迎 {name} 加入「{community}」！发送「帮助」查看怎么打卡、交作业。",
        "en": "Welcome to {community}, {name}! Send /help to see how to check in and hand in work.",
    },
}
