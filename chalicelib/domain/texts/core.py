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
            "进度 <数字> / 进度 +<数字> — 报告本月目标的累计进度\n"
            "本月目标 / 目标榜 — 本月目标与目标榜\n"
            "我的数据 — 私信给我：关于我保存的全部数据\n"
            "帮助 — 显示本帮助"
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
            "/progress <number> / /progress +<number> — your total on the month's goal\n"
            "/goal / /goal board — the month's goal and its board\n"
            "/mydata — DM me everything kept about me\n"
            "/help — show this help"
        ),
    },
    "help_admin": {
        "zh-CN": (
            "管理员命令：\n"
            "本周主题 <内容> / 本周主题 清除 — 设置或清除本周打卡主题\n"
            "本月目标 <名称> <数量><单位> / 本月目标 关闭 — 设置或取消本月目标，"
            "如 本月目标 读完《原则》 300页\n"
            "/remind — 现在发一次今天的打卡提醒（每天一次，定时提醒照常）\n"
            "/exempt @某人 — 免除或恢复提醒、警告和移除\n"
            "报告 [月份] — 查看月度活跃报告，如 报告 2026-11\n"
            "确认移除 <报告ID> — 按报告移除候选成员，如 确认移除 2026-11"
        ),
        "en": (
            "Admin commands:\n"
            "/theme <text> / /theme clear — set or clear this week's check-in theme\n"
            "/goal <title> <number> <unit> / /goal off — set or clear the month's goal, e.g. "
            '/goal "Principles" 300 pages\n'
            "/remind — send today's check-in reminder now (once a day; the scheduled one "
            "still runs)\n"
            "/exempt @someone — exempt from, or return to, reminders, warnings and removal\n"
            "/report [month] — the monthly activity report, e.g. /report 2026-11\n"
            "/confirm-removals <report id> — remove the report's candidates, e.g. "
            "/confirm-removals 2026-11"
        ),
    },
    "unknown_command": {
        "zh-CN": "没有「{command}」这个命令。发送「帮助」查看可用命令。",
        "en": "There is no “{command}” command. Send /help for the list.",
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
