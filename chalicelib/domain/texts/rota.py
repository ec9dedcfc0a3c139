"""Texts of the duty rota (值月生 / 值周生): 报名值月, 换班, 同意换班, 值班表, the turn-over's
announcement and private note, and its lines in /me and the weekly digest."""

TEXTS: dict[str, dict[str, str]] = {
    "rota_word_week": {"zh-CN": "值周生", "en": "duty monitor of the week"},
    "rota_word_month": {"zh-CN": "值月生", "en": "duty monitor of the month"},
    "rota_none": {
        "zh-CN": "本群还没有开启值班（管理员可用 rollcall rota set 开启）。",
        "en": "This group runs no duty rota (an operator turns it on with rollcall rota set).",
    },
    # -- the turn-over
    "rota_announce": {
        "zh-CN": "📋 {period} 的{duty}是 {name}，辛苦啦！",
        "en": "📋 The {duty} for {period} is {name}. Thank you!",
    },
    "rota_announce_volunteer": {
        "zh-CN": "📋 {period} 的{duty}是 {name}（主动报名），谢谢！",
        "en": "📋 The {duty} for {period} is {name}, who volunteered. Thank you!",
    },
    "rota_announce_nobody": {
        "zh-CN": "📋 {period} 暂无{duty}：没有可以值班的成员。发送「报名值月」报名下一期。",
        "en": "📋 Nobody is the {duty} for {period}: no member can serve. Send /volunteer "
        "for the next one.",
    },
    "rota_duties_note": {
        "zh-CN": "{name}，你是 {period} 的{duty}。职责：\n{duties}\n"
        "需要换班？发送「换班 @某人」，对方 24 小时内回复「同意换班」即生效。",
        "en": "{name}, you are the {duty} for {period}. Your duties:\n{duties}\n"
        "Need a swap? Send /swap @someone; it takes effect when they answer /swap accept "
        "within 24 hours.",
    },
    "rota_duties_default": {
        "zh-CN": "协助管理员维护本群秩序，提醒大家打卡、交作业。",
        "en": "Help the admins run the group: remind everyone to check in and hand in "
        "their homework.",
    },
    "rota_nudge": {
        "zh-CN": "{name}，今天你仍是{duty}，记得看看群里谁还没打卡。",
        "en": "{name}, you are still the {duty} today: have a look at who has not checked in yet.",
    },
    # -- 报名值月 /volunteer
    "rota_volunteered": {
        "zh-CN": "{name} 已报名 {period} 的{duty}，谢谢！",
        "en": "{name} volunteered to be the {duty} for {period}. Thank you!",
    },
    "rota_volunteered_already": {
        "zh-CN": "{name} 已经报过名了（{period}）。",
        "en": "{name}, you have volunteered for {period} already.",
    },
    "rota_volunteer_on_leave": {
        "zh-CN": "{name}，请假期间不能报名值班，销假后再来吧。",
        "en": "{name}, you cannot volunteer while on leave; send /back first.",
    },
    # -- 换班 /swap
    "rota_swap_usage": {
        "zh-CN": "换班请写：换班 @某人（另一位成员）；对方回复「同意换班」即生效。",
        "en": "To swap, write /swap @someone (another member); it takes effect when they "
        "answer /swap accept.",
    },
    "rota_swap_not_on_duty": {
        "zh-CN": "{name}，只有本期值班的成员可以发起换班。",
        "en": "{name}, only the member on duty this period can ask for a swap.",
    },
    "rota_swap_unavailable": {
        "zh-CN": "{name} 正在请假或被豁免，不能接班。",
        "en": "{name} is on leave or exempt and cannot take the duty.",
    },
    "rota_swap_asked": {
        "zh-CN": "{name} 请 {to} 接替 {period} 的值班。"
        "{to}，{hours} 小时内回复「同意换班」即生效。",
        "en": "{name} asks {to} to take over the duty for {period}. {to}, answer /swap accept "
        "within {hours} hours to take it.",
    },
    "rota_swap_nothing_pending": {
        "zh-CN": "{name}，没有等你确认的换班（或已超过 24 小时），什么也没改。",
        "en": "{name}, no swap is waiting for you (or it is over 24 hours old); nothing changed.",
    },
    "rota_swap_on_leave": {
        "zh-CN": "{name}，请假期间不能接班，销假后再说吧。",
        "en": "{name}, you cannot take a duty while on leave; send /back first.",
    },
    "rota_swap_done": {
        "zh-CN": "换班成功：{period} 的{duty}现在是 {name}。",
        "en": "Swapped: {name} is now the {duty} for {period}.",
    },
    "rota_swap_pending": {
        "zh-CN": "等待 {to} 确认换班。",
        "en": "A swap waits for {to} to accept.",
    },
    # -- 值班表 /rota
    "rota_now": {
        "zh-CN": "📋 {period} 的{duty}：{name}",
        "en": "📋 The {duty} for {period}: {name}",
    },
    "rota_now_nobody": {
        "zh-CN": "📋 {period} 还没有{duty}。",
        "en": "📋 No {duty} for {period} yet.",
    },
    "rota_next": {
        "zh-CN": "下一期（{period}）预计：{name}（报名可改变人选）",
        "en": "Next ({period}), as things stand: {name} (volunteers may change it)",
    },
    "rota_next_nobody": {
        "zh-CN": "下一期（{period}）暂无人选，欢迎「报名值月」。",
        "en": "Next ({period}): nobody yet; send /volunteer.",
    },
    # -- /me and the weekly digest
    "me_rota_on_duty": {
        "zh-CN": "📋 你是本期（{last}）的{duty}；共值班 {count} 次",
        "en": "📋 You are the {duty} now ({last}); duty served: {count}",
    },
    "me_rota_served": {
        "zh-CN": "📋 共值班 {count} 次，最近一次 {last}",
        "en": "📋 Duty served: {count}, last in {last}",
    },
    "rota_digest_line": {
        "zh-CN": "📋 {period} 的{duty}：{name}",
        "en": "📋 The {duty} for {period}: {name}",
    },
}
