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
    "reminder_direct": {
        "zh-CN": "⏰ {name}，你今天（{date}）还没打卡哦：已打卡 {done}/{expected}。"
        "在群里发送「打卡」即可。",
        "en": "⏰ {name}, you have not checked in today ({date}) yet: {done}/{expected} "
        "have. Send /checkin in the group.",
    },
    "reminder_direct_last_call": {
        "zh-CN": "🔔 {name}，{date} 快结束啦，你还没打卡（{done}/{expected}）。"
        "在群里发送「打卡」即可。",
        "en": "🔔 {name}, {date} is nearly over and you have not checked in yet "
        "({done}/{expected}). Send /checkin in the group.",
    },
    "reminder_quiet_unreached": {
        "zh-CN": "免打扰成员，私信未送达，还没打卡：",
        "en": "Quiet members not reachable by direct message, not checked in yet:",
    },
    "reminder_all_done": {
        "zh-CN": "🎉 {date} 全员打卡完成（{done}/{expected}），大家太棒了！",
        "en": "🎉 Everyone checked in on {date} ({done}/{expected}). Well done, all!",
    },
    "reminder_not_counted": {
        "zh-CN": "（未计入：{parts}）",
        "en": "(not counted: {parts})",
    },
    "reminder_not_counted_new": {
        "zh-CN": "{count} 位新成员还在加入后的前 {days}",
        "en": "{count} new in their first {days}",
    },
    "reminder_not_counted_leave": {
        "zh-CN": "{count} 人请假或免打卡",
        "en": "{count} on leave or excused",
    },
    "list_separator": {
        "zh-CN": "、",
        "en": ", ",
    },
}
