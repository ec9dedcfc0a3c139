"""Texts of the admin commands /remind and /exempt, and of slow admin commands' deferral."""

TEXTS: dict[str, dict[str, str]] = {
    "admin_only": {
        "zh-CN": "抱歉 {name}，这个命令只有群主和管理员可以用。",
        "en": "Sorry {name}, only owners and admins can use this command.",
    },
    "remind_sent": {
        "zh-CN": "📣 已发出今天（{date}）的打卡提醒。",
        "en": "📣 Today's ({date}) check-in reminder is out.",
    },
    "remind_already": {
        "zh-CN": "今天（{date}）已经手动提醒过一次了，定时提醒仍会照常发出。",
        "en": "A manual reminder already went out today ({date}); the scheduled one still runs.",
    },
    "remind_nobody": {
        "zh-CN": "今天（{date}）没有需要提醒的成员。",
        "en": "Nobody to remind today ({date}).",
    },
    "remind_busy": {
        "zh-CN": "今天（{date}）的手动提醒正在发送中，请稍候。",
        "en": "Today's ({date}) manual reminder is going out right now; please wait.",
    },
    "remind_failed": {
        "zh-CN": "提醒没能发出，请过几分钟再试。",
        "en": "The reminder could not be sent; please try again in a few minutes.",
    },
    "exempt_usage": {
        "zh-CN": "用法：豁免 @某人（再次发送取消豁免）。"
        "被豁免的成员不会被提醒、警告或列为移除候选。",
        "en": "Usage: /exempt @someone (again to undo). Exempt members are not reminded, "
        "warned or listed for removal.",
    },
    "exempt_unknown": {
        "zh-CN": "群里没有找到「{who}」。",
        "en": "No member “{who}” in this community.",
    },
    "exempt_ambiguous": {
        "zh-CN": "「{who}」对应多位成员，请用 @用户名 指明。",
        "en": "“{who}” matches several members; use their @username.",
    },
    "exempt_on": {
        "zh-CN": "✅ 已豁免 {name}：不再提醒、警告或列为移除候选。",
        "en": "✅ {name} is exempt: no reminders, warnings or removal.",
    },
    "exempt_off": {
        "zh-CN": "↩️ 已取消 {name} 的豁免。",
        "en": "↩️ {name} is no longer exempt.",
    },
    # Slow admin commands (/remind, /confirm-removals) answer this at once and post their
    # result when the worker has run them (chalicelib/inbound.py).
    "deferred_working": {
        "zh-CN": "⏳ 正在处理…结果稍后发到这里。",
        "en": "⏳ Working on it… the result follows here shortly.",
    },
    "deferred_not_started": {
        "zh-CN": "⚠️ 暂时无法处理这个命令，请过一分钟再试。",
        "en": "⚠️ This command could not be started just now; please try again in a minute.",
    },
    "manage_sent": {
        "zh-CN": "{name}，后台登录链接已私信发给你（15 分钟内有效，只能用一次）。",
        "en": "{name}, I sent you a sign-in link by direct message (it works once, for 15 "
        "minutes).",
    },
    "manage_no_dm": {
        "zh-CN": "{name}，这个平台上机器人无法私信你，登录链接不会发在群里；"
        "请运维执行 rollcall manage link --community {community} --user {user_id} 生成。",
        "en": "{name}, the bot cannot message you privately here and never posts sign-in links "
        "in a group: the operator's rollcall manage link --community {community} --user "
        "{user_id} makes one.",
    },
    "manage_refused": {
        "zh-CN": "{name}，私信没能送达（可能你还没有和机器人开始私聊）。"
        "请先私聊机器人一次，再发送 后台。",
        "en": "{name}, the direct message could not be delivered (perhaps you never started a "
        "private chat with the bot). Message the bot privately once, then send /manage again.",
    },
    "manage_not_configured": {
        "zh-CN": "{name}，社群后台尚未配置"
        "（运维需设置 ROLLCALL_PUBLIC_URL 和 ROLLCALL_MANAGE_SECRET）。",
        "en": "{name}, the community pages are not set up here (the operator sets "
        "ROLLCALL_PUBLIC_URL and ROLLCALL_MANAGE_SECRET).",
    },
    "manage_link": {
        "zh-CN": "「{community}」后台登录链接（15 分钟内有效，只能用一次，请勿转发）：\n{url}",
        "en": "Sign-in link to “{community}”'s pages (works once, for 15 minutes; do not "
        "forward it):\n{url}",
    },
}
