"""Texts of committee positions (任命 /appoint, 免职 /dismiss) and their permission lines."""

TEXTS: dict[str, dict[str, str]] = {
    "appoint_owner_only": {
        "zh-CN": "只有群主可以任命或免去班委。",
        "en": "Only the owner can appoint or dismiss committee members.",
    },
    "appoint_usage": {
        "zh-CN": "用法：任命 @某人 学习委员（或 /appoint @某人 study-officer）。",
        "en": "Usage: /appoint @someone study-officer (in Chinese: 任命 @某人 学习委员).",
    },
    "dismiss_usage": {
        "zh-CN": "用法：免职 @某人（或 /dismiss @某人）。",
        "en": "Usage: /dismiss @someone (in Chinese: 免职 @某人).",
    },
    "appoint_unknown": {
        "zh-CN": "没有「{position}」这个职位。本群的班委职位：{positions}",
        "en": "No position “{position}”. This group's positions: {positions}",
    },
    "appoint_done": {
        "zh-CN": "✅ {name} 现在是{position}。",
        "en": "✅ {name} is now {position}.",
    },
    "appoint_moved": {
        "zh-CN": "✅ {name} 现在是{position}（原为{old}）。",
        "en": "✅ {name} is now {position} (was {old}).",
    },
    "appoint_unchanged": {
        "zh-CN": "{name} 已经是{position}了。",
        "en": "{name} is {position} already.",
    },
    "dismiss_none": {
        "zh-CN": "{name} 没有担任班委。",
        "en": "{name} holds no committee position.",
    },
    "dismiss_done": {
        "zh-CN": "✅ {name} 不再担任{position}。",
        "en": "✅ {name} is no longer {position}.",
    },
    "position_help": {
        "zh-CN": "作为{position}，你还可以用：{commands}",
        "en": "As {position} you may also use: {commands}",
    },
    "me_position": {
        "zh-CN": "班委：{position}（可用 {commands}）",
        "en": "Committee: {position} (may use {commands})",
    },
    "committee_entry": {
        "zh-CN": "{position} {name}",
        "en": "{position} {name}",
    },
    "committee_line": {
        "zh-CN": "班委：{entries}",
        "en": "Committee: {entries}",
    },
    "setting_hint_positions": {
        "zh-CN": "班委职位写作 名称/别名:命令,命令，多个用 ; 分隔（或 default）；职位只能获得 "
        "theme、remind、award、goal、squad_others，移除确认、设置和角色只归群主和管理员。",
        "en": "positions are NAME/ALIAS:COMMAND,COMMAND separated by ';' (or default).",
    },
}
