"""Texts of roles (/role, 设为管理员 @x) and squads (/squad, a leader's /remind)."""

TEXTS: dict[str, dict[str, str]] = {
    "role_name_owner": {"zh-CN": "群主", "en": "owner"},
    "role_name_admin": {"zh-CN": "管理员", "en": "admin"},
    "role_name_leader": {"zh-CN": "组长", "en": "leader"},
    "role_name_member": {"zh-CN": "成员", "en": "member"},
    "role_usage": {
        "zh-CN": "用法：设为组长 @某人、设为成员 @某人；群主还可以 设为管理员 @某人、"
        "取消管理员 @某人。也可以 /role @某人 admin|leader|member。",
        "en": "Usage: /role @someone leader|member; the owner also /role @someone admin. "
        "In Chinese: 设为组长 @某人, 设为管理员 @某人, 取消管理员 @某人.",
    },
    "role_unknown_role": {
        "zh-CN": "不认识的角色「{role}」：可以是 管理员、组长 或 成员。",
        "en": "Unknown role “{role}”: use admin, leader or member.",
    },
    "role_owner_only": {
        "zh-CN": "只有群主可以设置或取消管理员。",
        "en": "Only the owner can make or unmake admins.",
    },
    "role_self": {
        "zh-CN": "不能修改自己的角色。",
        "en": "You cannot change your own role.",
    },
    "role_owner_target": {
        "zh-CN": "群主的角色不能在群里修改，请联系运营者。",
        "en": "The owner's role cannot be changed from chat; ask the operator.",
    },
    "role_no_owner": {
        "zh-CN": "不能在群里指定群主，请联系运营者。",
        "en": "Nobody is made owner from chat; ask the operator.",
    },
    "role_done": {
        "zh-CN": "✅ {name} 现在是{role}（原为{old}）。",
        "en": "✅ {name} is now {role} (was {old}).",
    },
    "role_unchanged": {
        "zh-CN": "{name} 已经是{role}了。",
        "en": "{name} is {role} already.",
    },
    "role_not_that": {
        "zh-CN": "{name} 不是{role}，无需取消。",
        "en": "{name} is not {role}; nothing to undo.",
    },
    "role_busy": {
        "zh-CN": "{name} 的角色刚刚被修改过，请再发一次。",
        "en": "{name}'s role just changed; please send it again.",
    },
    "help_leader": {
        "zh-CN": "组长命令：\n提醒 — @ 本组今天还没打卡的成员",
        "en": "Leader commands:\n/remind — @-mention your squad's members who have not "
        "checked in today",
    },
    # 小组 /squad
    "squad_none": {
        "zh-CN": "{name}，你还不在任何小组里；小组由管理员在名单中设置。",
        "en": "{name}, you are in no squad yet; admins set squads in the roster.",
    },
    "squad_unknown": {
        "zh-CN": "没有叫「{squad}」的小组。现有小组：{squads}",
        "en": "No squad called “{squad}”. Squads: {squads}",
    },
    "squad_pick": {
        "zh-CN": "发送「小组 名称」查看一个小组。现有小组：{squads}",
        "en": "Send /squad NAME to see one. Squads: {squads}",
    },
    "squad_no_squads": {
        "zh-CN": "这个社群还没有小组；小组由管理员在名单中设置。",
        "en": "This community has no squads yet; admins set squads in the roster.",
    },
    "squad_others_admin_only": {
        "zh-CN": "只有管理员可以查看其他小组；发送「小组」查看你自己的。",
        "en": "Only admins can look at other squads; send /squad for your own.",
    },
    "squad_title": {
        "zh-CN": "👥 小组 {squad} · {date}",
        "en": "👥 Squad {squad} · {date}",
    },
    "squad_checked_in": {
        "zh-CN": "今日打卡 {done}/{total}",
        "en": "Checked in today: {done}/{total}",
    },
    "squad_homework": {
        "zh-CN": "本期作业（{cycle}）{submitted}/{total}",
        "en": "Homework ({cycle}): {submitted}/{total}",
    },
    "squad_line": {
        "zh-CN": "{mark} {name} · 连续 {streak} 天{work}",
        "en": "{mark} {name} · streak {streak}{work}",
    },
    "squad_work_done": {"zh-CN": " · 📝 已交作业", "en": " · 📝 homework in"},
    "squad_work_missing": {"zh-CN": " · 作业未交", "en": " · no homework yet"},
    "squad_empty": {
        "zh-CN": "小组 {squad} 目前没有在群的成员。",
        "en": "Squad {squad} has no present members.",
    },
    # a leader's /remind: their squad only
    "remind_not_allowed": {
        "zh-CN": "抱歉 {name}，只有群主、管理员和组长可以发提醒。",
        "en": "Sorry {name}, only owners, admins and leaders can send reminders.",
    },
    "remind_squad_header": {
        "zh-CN": "📣 小组 {squad} 今天（{date}）已打卡 {done}/{expected}，还差 {missing} 人：",
        "en": "📣 Squad {squad} today ({date}): {done}/{expected} checked in, {missing} to go:",
    },
    "remind_squad_quiet": {
        "zh-CN": "（免打扰：{names}）",
        "en": "(quiet: {names})",
    },
    "remind_squad_all_done": {
        "zh-CN": "🎉 小组 {squad} 今天（{date}）全部打卡了：{done}/{expected}！",
        "en": "🎉 Squad {squad} all checked in today ({date}): {done}/{expected}!",
    },
    "remind_squad_already": {
        "zh-CN": "{squad} 组今天已经提醒过了",
        "en": "Squad {squad} was already reminded today",
    },
    # the weekly digest's per-squad counts (jobs/send_weekly_digests.py)
    "hw_digest_squads_title": {"zh-CN": "各小组：", "en": "By squad:"},
    "hw_digest_squad_line": {
        "zh-CN": "· {squad}：本期打卡 {checked}/{members} 人 · 作业 {submitted}/{expected}",
        "en": "· {squad}: checked in this cycle {checked}/{members} · homework "
        "{submitted}/{expected}",
    },
    "hw_digest_no_squad": {"zh-CN": "未分组", "en": "no squad"},
}
