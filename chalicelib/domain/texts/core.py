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
            "排行榜 [积分] [周/月/全部] — 打卡或积分排行\n"
            "星榜 — 月度、季度之星\n"
            "请假 <天数> / 销假 — 请假期间不提醒\n"
            "免打扰 — 提醒时不@我\n"
            "进度 <数字> / 进度 +<数字> — 报告本月目标的累计进度\n"
            "本月目标 / 目标榜 — 本月目标与目标榜\n"
            "我的数据 — 私信给我：关于我保存的全部数据\n"
            "小组 — 我的小组今天的打卡与本期作业\n"
            "公告列表 — 本群公告\n"
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
            "/leaderboard [points] [week|month|all] — check-in or points leaderboard\n"
            "/stars — the month's and quarter's stars\n"
            "/leave <days> / /back — take leave, no reminders meanwhile\n"
            "/quiet — no @mention in reminders\n"
            "/progress <number> / /progress +<number> — your total on the month's goal\n"
            "/goal / /goal board — the month's goal and its board\n"
            "/mydata — DM me everything kept about me\n"
            "/squad — your squad's check-ins today and this cycle's homework\n"
            "/announcements — this group's announcements\n"
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
            "确认移除 <报告ID> — 按报告移除候选成员，如 确认移除 2026-11\n"
            "设置 — 查看设置；设置 提醒 20:30 / 设置 截止 周日 23:59 / 设置 移除 关 — 修改\n"
            "小组 <名称> — 查看任一小组\n"
            "设为组长 @某人 / 设为成员 @某人 — 设置组长；设为管理员 @某人 / 取消管理员 @某人 "
            "— 仅群主\n"
            "颁奖 @某人 <奖项> — 颁发一个手选奖项，如 颁奖 @小明 最佳进步\n"
            "后台 — 私信给你社群后台的登录链接（15 分钟内有效，只能用一次）\n"
            "公告 2026-12-08 09:00 <内容> / 公告 每周一 09:00 <内容> — 安排群公告；"
            "取消公告 <编号> — 取消；公告列表 — 查看"
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
            "/confirm-removals 2026-11\n"
            "/settings — see the settings; /settings reminder 20:30, /settings deadline "
            "Sunday 23:59, /settings removal off — change them\n"
            "/squad <name> — any squad's day\n"
            "/role @someone leader|member — make a leader or a member; /role @someone admin "
            "— the owner only\n"
            "/award @someone <award> — give a hand-picked award, e.g. /award @sam most improved\n"
            "/manage — a sign-in link to the community's pages, by direct message (works once, "
            "for 15 minutes)\n"
            "/announce at 2026-12-08T09:00 <text> / /announce weekly mon 09:00 <text> — "
            "schedule an announcement; /announce cancel <id>; /announcements — list them"
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
            "这个群还没有开通 rollcall。组织者发送「开通 <邀请码>」即可开通"
            "（邀请码向运营者索取）；运营者也可以运行：\n"
            "rollcall community bind --community <社群ID> --platform {platform} "
            "--chat-id {chat_id}"
        ),
        "en": (
            "This chat is not set up with rollcall yet. An organiser sends /setup <invite "
            "code> (the operator gives you one); or the operator runs:\n"
            "rollcall community bind --community <community id> --platform {platform} "
            "--chat-id {chat_id}"
        ),
    },
    "welcome": {
        "zh-CN": "欢迎 {name} 加入「{community}」！发送「帮助」查看怎么打卡、交作业。",
        "en": "Welcome to {community}, {name}! Send /help to see how to check in and hand in work.",
    },
}
