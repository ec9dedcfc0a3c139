"""Texts of daily check-ins: 打卡, 补卡, 我的, 排行榜, 请假/销假, 免打扰, 本周主题."""

TEXTS: dict[str, dict[str, str]] = {
    # -- 打卡 /checkin
    "checkin_done": {
        "zh-CN": "✅ {name} 打卡成功（{date}）！连续 {streak} 天，累计 {total} 天。",
        "en": "✅ {name} checked in for {date}: {streak}-day streak, {total} in all.",
    },
    "checkin_milestone": {
        "zh-CN": "🏆 已经连续打卡 {streak} 天，了不起！",
        "en": "🏆 {streak} days in a row. Impressive!",
    },
    "checkin_already": {
        "zh-CN": "{name} 今天（{date}）已经打过卡啦，连续 {streak} 天，继续保持！",
        "en": "{name}, you already checked in today ({date}): {streak}-day streak. Keep it up!",
    },
    "checkin_theme": {
        "zh-CN": "📌 本周主题：{theme}",
        "en": "📌 This week's theme: {theme}",
    },
    "checkin_note_cut": {
        "zh-CN": "（备注超过 {limit} 字，只保留了前 {limit} 字）",
        "en": "(Your note was longer than {limit} characters; only the first {limit} were kept.)",
    },
    # -- 补卡 /makeup
    "makeup_usage": {
        "zh-CN": "补卡请写上日期，格式 YYYY-MM-DD，如：补卡 {example}"
        "（也可以写 11-21、11/21 或 昨天）",
        "en": "Tell me which day to make up, as YYYY-MM-DD, e.g. /makeup {example} "
        "(11-21, 11/21 or yesterday work too).",
    },
    "makeup_done": {
        "zh-CN": "🩹 {name} 已补卡 {date}，现在连续 {streak} 天。本月还可补卡 {left} 次。",
        "en": "🩹 {name}, {date} is made up: {streak}-day streak now. "
        "Make-ups left this month: {left}.",
    },
    "makeup_refused_disabled": {
        "zh-CN": "这个群没有开启补卡。",
        "en": "Make-ups are turned off in this community.",
    },
    "makeup_refused_future": {
        "zh-CN": "{date} 还没到，不能补卡哦。",
        "en": "{date} hasn't happened yet, so it can't be made up.",
    },
    "makeup_refused_today": {
        "zh-CN": "{date} 就是今天，直接发送「打卡」就好。",
        "en": "{date} is today: just send /checkin.",
    },
    "makeup_refused_before_start": {
        "zh-CN": "{date} 在你加入之前（你在这里的第一天是 {first}），不能补卡。",
        "en": "{date} is before your first day here ({first}): there is nothing to make up.",
    },
    "makeup_refused_too_old": {
        "zh-CN": "只能补最近 {window} 天内的卡（最早 {earliest}），{date} 太早了。",
        "en": "Only days from {earliest} on can be made up (a {window}-day window); "
        "{date} is too long ago.",
    },
    "makeup_refused_limit": {
        "zh-CN": "本月的补卡次数已经用完了（每月 {limit} 次）。",
        "en": "You have used this month's make-ups ({limit} a month).",
    },
    "makeup_refused_already": {
        "zh-CN": "{date} 已经打过卡了，不用补卡。",
        "en": "{date} is already checked in; nothing to make up.",
    },
    # -- 我的 /me
    "me_summary": {
        "zh-CN": "📋 {name} 的打卡\n"
        "今天（{date}）：{today}\n"
        "连续 {streak} 天，最长 {best} 天\n"
        "本月打卡 {month} 天，累计 {total} 天\n"
        "本月还可补卡 {left}/{limit} 次",
        "en": "📋 {name}'s check-ins\n"
        "Today ({date}): {today}\n"
        "Streak: {streak} (best: {best})\n"
        "This month: {month}, all time: {total}\n"
        "Make-ups left this month: {left}/{limit}",
    },
    "me_today_done": {
        "zh-CN": "已打卡 ✅",
        "en": "checked in ✅",
    },
    "me_today_missing": {
        "zh-CN": "还没打卡",
        "en": "not checked in yet",
    },
    "me_on_leave": {
        "zh-CN": "请假中，到 {until} 为止",
        "en": "On leave until {until}",
    },
    "me_quiet": {
        "zh-CN": "免打扰已开启：提醒时不 @ 你",
        "en": "Quiet mode is on: reminders don't @mention you",
    },
    # -- 排行榜 /leaderboard
    "leaderboard_usage": {
        "zh-CN": "排行榜可以看：排行榜 周、排行榜 月、排行榜 全部（积分榜：排行榜 积分 周）",
        "en": "Leaderboards: /leaderboard week, /leaderboard month, /leaderboard all "
        "(points: /leaderboard points week)",
    },
    "leaderboard_title_week": {
        "zh-CN": "🏅 本周打卡排行（{first} 至 {last}）",
        "en": "🏅 This week's check-ins ({first} to {last})",
    },
    "leaderboard_title_month": {
        "zh-CN": "🏅 本月打卡排行（{first} 至 {last}）",
        "en": "🏅 This month's check-ins ({first} to {last})",
    },
    "leaderboard_title_all": {
        "zh-CN": "🏅 累计打卡排行",
        "en": "🏅 All-time check-ins",
    },
    "leaderboard_line": {
        "zh-CN": "{rank}. {name} — {checkins} 天，连续 {streak} 天",
        "en": "{rank}. {name} — check-ins: {checkins}, streak: {streak}",
    },
    "leaderboard_empty": {
        "zh-CN": "还没有人打卡，发送「打卡」成为第一名吧！",
        "en": "Nobody has checked in yet. Send /checkin to be first!",
    },
    "leaderboard_you": {
        "zh-CN": "你排第 {rank} 名（{checkins} 天）。",
        "en": "You are #{rank} (check-ins: {checkins}).",
    },
    "leaderboard_you_unranked": {
        "zh-CN": "你在这个榜上还没有打卡记录，发送「打卡」加入吧。",
        "en": "You have no check-ins on this board yet. Send /checkin to join.",
    },
    # -- 请假 /leave, 销假 /back
    "leave_set": {
        "zh-CN": "🏖 {name} 请假到 {until}（{days}），期间不提醒，也不会中断连续打卡。"
        "提前回来请发送「销假」。",
        "en": "🏖 {name}: leave for {days}, until {until}. No reminders meanwhile, and "
        "your streak waits for you. Back early? Send /back.",
    },
    "leave_usage": {
        "zh-CN": "请假请写天数（1 到 {max} 天），如：请假 3",
        "en": "Say how many days (1 to {max}), e.g. /leave 3",
    },
    "back_done": {
        "zh-CN": "👋 欢迎回来，{name}！已销假，今天记得打卡。",
        "en": "👋 Welcome back, {name}! Your leave is over; remember today's check-in.",
    },
    "back_done_checked_in": {
        "zh-CN": "👋 欢迎回来，{name}！已销假，今天的卡已经打过了。",
        "en": "👋 Welcome back, {name}! Your leave is over, and today's check-in is done.",
    },
    "back_not_on_leave": {
        "zh-CN": "{name}，你现在没有在请假哦。",
        "en": "{name}, you aren't on leave.",
    },
    # -- 免打扰 /quiet
    "quiet_on": {
        "zh-CN": "🔕 已开启免打扰：提醒时不再 @ 你，只列出名字。再发一次「免打扰」即可关闭。",
        "en": "🔕 Quiet mode on: reminders will list your name without @mentioning you. "
        "Send /quiet again to turn it off.",
    },
    "quiet_off": {
        "zh-CN": "🔔 已关闭免打扰：提醒时会 @ 你。",
        "en": "🔔 Quiet mode off: reminders will @mention you.",
    },
    # -- 本周主题 /theme
    "theme_set": {
        "zh-CN": "📌 本周（{week}）打卡主题：{theme}",
        "en": "📌 Check-in theme for this week ({week}): {theme}",
    },
    "theme_cleared": {
        "zh-CN": "本周打卡主题已清除。",
        "en": "This week's check-in theme is cleared.",
    },
    "theme_current": {
        "zh-CN": "📌 本周打卡主题：{theme}",
        "en": "📌 This week's check-in theme: {theme}",
    },
    "theme_none": {
        "zh-CN": "本周还没有打卡主题。管理员可以发送「本周主题 <内容>」来设置。",
        "en": "No check-in theme this week yet. Admins can set one with /theme <text>.",
    },
    "theme_admins_only": {
        "zh-CN": "抱歉，{name}，只有群主和管理员可以设置本周主题。",
        "en": "Sorry, {name}, only the owner and admins can set the weekly theme.",
    },
    "theme_cut": {
        "zh-CN": "（主题超过 {limit} 字，只保留了前 {limit} 字）",
        "en": "(The theme was longer than {limit} characters; only the first {limit} were kept.)",
    },
}
