"""Texts every feature shares: help, unknown commands, binding, welcome."""

TEXTS: dict[str, dict[str, str]] = {
    "help": {
        "zh-CN": (
            "可用命令：\n"
            "打卡 [备注] · 补卡 <日期> — 今日打卡；补最近漏掉的一天\n"
            "交作业 <链接或文字> · 点评 @某人 <内容> [1-5] · 作业 — 本周作业与点评\n"
            "我的 · 我的状态 · 我的数据 · 我的主页 — 打卡与连续天数；活跃度；私信我数据；主页链接\n"
            "排行榜 [积分] [周/月/全部] · 星榜 — 排行；月度、季度之星\n"
            "请假 <天数> · 销假 · 免打扰 — 请假不提醒；提醒时不@我\n"
            "本月目标 · 目标榜 · 进度 <数字>/+<数字> — 本月目标与进度\n"
            "小组 — 我的小组今天的打卡与本期作业\n"
            "报名值月 · 值班表 · 换班 @某人 · 同意换班 — 值班\n"
            "分享会 · 报名分享 <日期> · 到 · 录播 <链接> — 分享会\n"
            "群规 · 同意 · 自我介绍 <内容> · 公告列表 — 群规与公告\n"
            "帮助 — 显示本帮助"
        ),
        "en": (
            "Commands:\n"
            "/checkin [note] · /makeup <date> — check in; make up a recently missed day\n"
            "/submit <link or text> · /review @someone <text> [1-5] · /hw — homework\n"
            "/me · /standing · /mydata · /mypage — streak; tier; your data by DM; your page\n"
            "/leaderboard [points] [week|month|all] · /stars — rankings and stars\n"
            "/leave <days> · /back · /quiet — leave without reminders; no @mention\n"
            "/goal · /goal board · /progress <n>|+<n> — the month's goal and your progress\n"
            "/squad — your squad's check-ins today and this cycle's homework\n"
            "/volunteer · /rota · /swap @someone · /swap accept — the duty rota\n"
            "/sessions · /speak <date> · /here · /recording <link> — sessions (分享会)\n"
            "/rules · /agree · /intro <text> · /announcements — group rules, announcements\n"
            "/help — show this help"
        ),
    },
    "help_admin": {
        "zh-CN": (
            "管理员命令：\n"
            "本周主题 <内容>|清除 · 本月目标 <名称> <数量><单位>|关闭 — 主题与目标\n"
            "提醒 — 现在提醒一次（每天一次） · 豁免 @某人 — 免除或恢复提醒与移除\n"
            "报告 [月份] · 确认移除 <报告ID> — 月度报告；按报告移除\n"
            "设置 · 设置 提醒 20:30 — 查看、修改设置\n"
            "设为组长|成员|管理员 @某人 · 任命 @某人 <职位> · 免职 @某人 — 角色与班委\n"
            "颁奖 @某人 <奖项> · 小组 <名称> · 待确认 — 颁奖；任一小组；未完成入群的新人\n"
            "确认分享 <日期> · 取消分享 <日期> — 分享会\n"
            "公告 2026-12-08 09:00 <内容> · 公告 每周一 09:00 <内容> · 取消公告 <编号>\n"
            "后台 — 私信给你后台登录链接 · 删除数据 @某人 — 群主：删除成员的数据"
        ),
        "en": (
            "Admin commands:\n"
            "/theme <text>|clear · /goal <title> <n> <unit>|off — theme and goal\n"
            "/remind — remind now (once a day) · /exempt @someone — out of reminders, removal\n"
            "/report [month] · /confirm-removals <report id> — the report; its removals\n"
            "/settings · /settings reminder 20:30 — see or change the settings\n"
            "/role @someone leader|member|admin · /appoint @someone <position> · /dismiss\n"
            "/award @someone <award> · /squad <name> · /pending — awards; squads; newcomers\n"
            "/confirm-speaker <date> · /cancel-session <date> — sessions\n"
            "/announce at 2026-12-08T09:00|weekly mon 09:00 <text> · /announce cancel <id>\n"
            "/manage — a sign-in link by DM · /forget @someone — owner: erase their data"
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
