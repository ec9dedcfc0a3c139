"""Texts of the daily reminder."""

TEXTS: dict[str, dict[str, str]] = {
    "reminder_header": {
        "zh-CN": "⏰ {date} 打卡提醒：已打卡 {done}/{expected}，还差 {missing} 人。",
        "en": "⏰ Check-in reminder for {date}: {done}/{expected} checked in, {missing} to go.",
    },
    "reminder_last_call": {
        "zh-CN": "🔔 最后召唤！{date} 还差 {missing} 人没打卡（{done}/{expected}），今天快结束啦。",
        "en": "🔔 Last call for {date}: {missing} still to check in ({done}/{expected}), "
        "the day is nearly over.",
    },
    "reminder_theme": {
        "zh-CN": "本周主题：{theme}",
        "en": "This week's theme: {theme}",
    },
    "reminder_call": {
        "zh-CN": "还没打卡的小伙伴，发送「打卡」即可：",
        "en": "Not checked in yet? Send /checkin:",
    },
    "reminder_quiet": {
        "zh-CN": "（免打扰成员：{names}）",
        "en": "(quiet members: {names})",
    },
    "reminder_all_done": {
        "zh-CN": "🎉 {date} 全员打卡完成（{done}/{expected}），大家太棒了！",
        "en": "🎉 Everyone checked in on {date} ({done}/{expected}). Well done, all!",
    },
    "list_separator": {
        "zh-CN": "、",
        "en": ", ",
    },
}
