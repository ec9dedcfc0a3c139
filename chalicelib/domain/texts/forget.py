"""Texts of the owner's /forget @x (删除数据 @某人): erasing a member's data from chat."""

TEXTS: dict[str, dict[str, str]] = {
    "forget_owner_only": {
        "zh-CN": "只有群主可以删除成员的数据。",
        "en": "Only the owner can erase a member's data.",
    },
    "forget_usage": {
        "zh-CN": "用法：删除数据 @某人（先列出将删除的内容），10 分钟内再发送 删除数据 @某人 确认",
        "en": "Usage: /forget @someone (lists what would be erased), then /forget @someone "
        "confirm within 10 minutes",
    },
    "forget_owner_target": {
        "zh-CN": "群主的数据不能在群里删除：请运营者运行 rollcall member forget。",
        "en": "The owner's data is not erased from chat: the operator runs rollcall member forget.",
    },
    "forget_preview": {
        "zh-CN": "将删除 {name} 的数据：{deleted}。将改为「已删除的成员」保留计数：{relabelled}。"
        "确定要删除，请在 10 分钟内发送：{again}",
        "en": "Erasing {name}'s data would delete: {deleted}. Kept for counts under "
        "“former member”: {relabelled}. To go ahead, send within 10 minutes: {again}",
    },
    "forget_not_asked": {
        "zh-CN": "没有待确认的删除：请先发送 删除数据 @{name}，再在 10 分钟内确认。",
        "en": "Nothing to confirm: send /forget @{name} first, then confirm within 10 minutes.",
    },
    "forget_items": {"zh-CN": "{count} 条", "en": "{count} items"},
    "forget_kinds_elsewhere": {
        "zh-CN": "群里只显示条数，不显示是哪类数据：请在管理群中发送以查看分类。",
        "en": "The group sees only how many items, not their kinds: ask in the admin chat "
        "to see them.",
    },
    "forget_done": {
        "zh-CN": "🗑 {name} 的数据已删除：{deleted}。改为「已删除的成员」：{relabelled}。",
        "en": "🗑 {name}'s data is erased. Deleted: {deleted}. Relabelled “former member”: "
        "{relabelled}.",
    },
    "setting_hint_retention_days": {
        "zh-CN": "保留天数要在 180 到 1096 之间（审计记录至少保留 6 个月）。",
        "en": "retention days must be between 180 and 1096 (audit records are kept at least "
        "6 months).",
    },
}
