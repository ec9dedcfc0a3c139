"""The joining ritual and the nickname format (features/ritual.py, chat/ritual.py)."""

TEXTS = {
    "ritual_rules": {
        "zh-CN": "📜 入群须知：\n{rules}",
        "en": "📜 Group rules:\n{rules}",
    },
    "ritual_ask_accept": {
        "zh-CN": "读完请回复「同意」表示接受群规。",
        "en": "Once you have read them, reply /agree to accept the rules.",
    },
    "ritual_ask_accept_required": {
        "zh-CN": "读完请回复「同意」表示接受群规；接受之后打卡才会记录。",
        "en": "Once you have read them, reply /agree to accept the rules; check-ins count "
        "from then on.",
    },
    "ritual_ask_intro": {
        "zh-CN": "也请做个自我介绍（「自我介绍 …」，或直接发几句话），让大家认识你。",
        "en": "And introduce yourself (/intro …, or just a few sentences) so everyone gets "
        "to know you.",
    },
    "ritual_nickname_hint": {
        "zh-CN": "群昵称格式：{format}",
        "en": "Nickname format here: {format}",
    },
    "ritual_group_names": {
        "zh-CN": "、",
        "en": ", ",
    },
    "rules_show": {
        "zh-CN": "📜 {community} 入群须知：\n{rules}",
        "en": "📜 {community}'s group rules:\n{rules}",
    },
    "rules_none": {
        "zh-CN": "{community} 还没有设置群规。管理员可以用「设置 群规 …」设置。",
        "en": "{community} has no group rules yet. Admins set them with /settings rules …",
    },
    "agree_done": {
        "zh-CN": "✅ {name}，已记录你接受群规，欢迎！",
        "en": "✅ {name}, you have accepted the group rules. Welcome aboard!",
    },
    "agree_already": {
        "zh-CN": "{name}，你已经接受过群规了。",
        "en": "{name}, you accepted the group rules already.",
    },
    "agree_no_rules": {
        "zh-CN": "{name}，本群没有需要接受的群规。",
        "en": "{name}, this group has no rules to accept.",
    },
    "intro_done": {
        "zh-CN": "👋 谢谢 {name} 的自我介绍！",
        "en": "👋 Thanks for introducing yourself, {name}!",
    },
    "intro_already": {
        "zh-CN": "{name}，你已经做过自我介绍了，谢谢！",
        "en": "{name}, you introduced yourself already, thanks!",
    },
    "intro_usage": {
        "zh-CN": "用法：自我介绍 <几句话介绍你自己>",
        "en": "Usage: /intro <a few sentences about yourself>",
    },
    "checkin_rules_first": {
        "zh-CN": "{name}，请先阅读并接受群规（回复「同意」），之后打卡才会记录。\n"
        "📜 入群须知：\n{rules}",
        "en": "{name}, please read and accept the group rules first (reply /agree); your "
        "check-ins count from then on.\n📜 Group rules:\n{rules}",
    },
    "pending_none": {
        "zh-CN": "✅ 入群超过 {hours} 小时的新成员都已接受群规并做了自我介绍。",
        "en": "✅ Every newcomer welcomed more than {hours} hours ago has accepted the rules "
        "and introduced themselves.",
    },
    "pending_header": {
        "zh-CN": "⏳ 入群超过 {hours} 小时、仍未完成入群步骤的成员（{count} 人）：",
        "en": "⏳ Newcomers welcomed more than {hours} hours ago who still owe a step ({count}):",
    },
    "pending_line": {
        "zh-CN": "{name}（{since} 入群）：{missing}",
        "en": "{name} (welcomed {since}): {missing}",
    },
    "pending_not_accepted": {
        "zh-CN": "未同意群规",
        "en": "rules not accepted",
    },
    "pending_not_introduced": {
        "zh-CN": "未自我介绍",
        "en": "no introduction",
    },
    "pending_and": {
        "zh-CN": "，",
        "en": ", ",
    },
    "nickname_prompt": {
        "zh-CN": "你好 {name}！{community} 的群昵称格式是「{format}」，方便大家互相认识。"
        "有空时请把群昵称改成这个格式，谢谢 🙏",
        "en": "Hi {name}! In {community} nicknames follow the format “{format}”, so that "
        "everyone can tell who is who. When you have a moment, please rename yourself that "
        "way. Thank you 🙏",
    },
    "setting_hint_welcome": {
        "zh-CN": "欢迎语只能用 {{name}}、{{community}}、{{link}} 这几个占位符；发「关」恢复默认。",
        "en": "the welcome may use only {{name}}, {{community}} and {{link}}; 'off' restores the "
        "default.",
    },
    "setting_hint_group_rules": {
        "zh-CN": "群规只能用 {{name}}、{{community}}、{{link}} 这几个占位符；发「关」清除。",
        "en": "the group rules may use only {{name}}, {{community}} and {{link}}; 'off' "
        "clears them.",
    },
    "setting_hint_link": {
        "zh-CN": "链接要以 https:// 开头。",
        "en": "the link must start with https://.",
    },
    "setting_hint_require_rules_acceptance": {
        "zh-CN": "须同意群规要写「开」或「关」，并且要先设置群规。",
        "en": "acceptance must be on or off, and needs the group rules set first.",
    },
    "setting_hint_pending_hours": {
        "zh-CN": "待确认时长要写 1 到 720 之间的小时数。",
        "en": "pending must be a number of hours from 1 to 720.",
    },
    "setting_hint_nickname_pattern": {
        "zh-CN": "昵称格式要写一个能编译的正则表达式，再加一段说明，"
        "例如：昵称格式 ^.+-.+-.+$ 名称-地区-职业",
        "en": "nickname takes a regular expression that compiles and its description, e.g. "
        "nickname ^.+-.+-.+$ name-region-job",
    },
    "ritual_pinned": {
        "zh-CN": "📌 群公告：\n{texts}",
        "en": "📌 Pinned announcements:\n{texts}",
    },
    "setting_hint_nickname_format": {
        "zh-CN": "昵称格式说明要写 1 到 100 个字，例如：名称-地区-职业。",
        "en": "the nickname format takes 1-100 characters, e.g. name-city-job.",
    },
}
