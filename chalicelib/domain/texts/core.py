"""Texts every feature shares: help, unknown commands, binding, welcome."""

TEXTS: dict[str, dict[str, str]] = {
    "help": {
        "zh-CN": (
            "可用命令：\n"
            "打卡 [备注] — 今日打卡\n"
            "补卡 <日期> — 补最近漏掉的一天，如 补卡 2026-11-21\n"
            "交作业 <链接或文字> — 提交本周作业\n"
            "点评 @某人 <内容> [1-5] — 点评作业，可打分\n"
            "作业 — 我本周的作业与待点评\n"
            "我的 — 我的打卡与连续天数\n"
            "我的状态 — 我的活跃度与提醒\n"
            "排行榜 [周/月/全部] — 打卡排行\n"
            "请假 <天数> / 销假 — 请假期间不提醒\n"
            "免打扰 — 提醒时不@我\n"
            "帮助 — 显示本帮助\n"
            "管理员：本周主题 <内容>、报告、确认移除 <报告ID>"
        ),
        "en": (
            "Commands:\n"
            "/checkin [note] — check in for today\n"
            "/makeup <date> — make up a recently missed day, e.g. /makeup 2026-11-21\n"
            "/submit <link or text> — hand in this week's homework\n"
            "/review @someone <text> [1-5] — review a submission, with a score\n"
            "/hw — your homework and the reviews you owe this cycle\n"
            "/me — your check-ins and streak\n"
            "/standing — your activity tier and any warning\n"
            "/leaderboard [week|month|all] — check-in leaderboard\n"
            "/leave <days> / /back — take leave, no reminders meanwhile\n"
            "/quiet — no @mention in reminders\n"
            "/help — show this help\n"
            "Admins: /theme <text>, /report, /confirm-removals <report id>"
        ),
    },
    "unknown_command": {
        "zh-CN": "没有看懂「{command}」。发送「帮助」查看可用命令。",
        "en": "I don't know “{command}”. Send /help for the commands.",
    },
    "did_you_mean": {
        "zh-CN": "没有「{command}」这个命令，你是想发 {suggestion} 吗？",
        "en": "There is no “{command}”: did you mean {suggestion}?",
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
