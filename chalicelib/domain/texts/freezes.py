"""Texts of earned streak freezes (保护卡, domain/freezes.py)."""

TEXTS: dict[str, dict[str, str]] = {
    "freeze_used": {
        "zh-CN": "🧊 保护卡替你补上了 {days}，保住了你连续 {kept} 天的打卡；还剩 {left} 张。",
        "en": "🧊 A streak freeze covered {days} and kept your {kept}-day streak; {left} left.",
    },
    "freeze_returned": {
        "zh-CN": "🧊 {date} 补卡成功，那天用掉的保护卡已退还。",
        "en": "🧊 {date} is made up, so the streak freeze it used is yours again.",
    },
    "me_freezes": {
        "zh-CN": "🧊 保护卡：{left} 张（最多 {bank} 张）",
        "en": "🧊 Streak freezes: {left} (at most {bank})",
    },
    "me_freezes_last": {
        "zh-CN": "，上次用于 {date}",
        "en": ", last used for {date}",
    },
    "setting_hint_streak_freezes": {
        "zh-CN": "保护卡只能是 开 或 关。",
        "en": "streak freezes must be on or off.",
    },
    "setting_hint_freeze_bank": {
        "zh-CN": "保护卡上限要在 1 到 10 之间。",
        "en": "the freeze bank must be between 1 and 10.",
    },
    "setting_hint_freeze_every_reviews": {
        "zh-CN": "点评得卡要写 0 到 100 之间的整数（0：点评不得卡）。",
        "en": "freeze every reviews must be a whole number from 0 to 100.",
    },
    "freeze_kept": {
        "zh-CN": "🧊 {date} 没有打卡：保护卡帮你保住了 {kept} 天的连续打卡，还剩 {left} 张。",
        "en": "🧊 You missed {date}: a freeze kept your {kept}-day streak; {left} left.",
    },
    "setting_hint_freeze_at_levels": {
        "zh-CN": "升级得保护卡只能是 开 或 关。",
        "en": "freeze at levels must be on or off.",
    },
}
