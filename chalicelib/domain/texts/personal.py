"""Texts of members' data rights: the label that replaces a forgotten member, and /mydata."""

TEXTS: dict[str, dict[str, str]] = {
    "forgotten_member": {
        "zh-CN": "已删除的成员",
        "en": "former member",
    },
    "mydata_sent": {
        "zh-CN": "{name}，你的数据已私信发给你（群里不显示）。",
        "en": "{name}, I sent you your data by direct message (never in the group).",
    },
    "mydata_no_dm": {
        "zh-CN": "{name}，这个平台上机器人无法私信你，所以不能在这里发送你的数据；"
        "请联系社群管理员导出。",
        "en": "{name}, the bot cannot message you privately on this platform, so your data "
        "is not sent here; ask the community's organisers for an export.",
    },
    "mydata_refused": {
        "zh-CN": "{name}，私信没能送达（可能你还没有和机器人开始私聊）。"
        "请先私聊机器人一次，再发送 我的数据。",
        "en": "{name}, the direct message could not be delivered (perhaps you never started a "
        "private chat with the bot). Message the bot privately once, then send /mydata again.",
    },
    "mydata_header": {
        "zh-CN": "「{community}」保存的关于你（{name}，{user_id}）的全部数据：",
        "en": "Everything “{community}” keeps about you ({name}, {user_id}):",
    },
    "mydata_kind": {
        "zh-CN": "【{kind}】{count} 条",
        "en": "[{kind}] {count}",
    },
    "mydata_footer": {
        "zh-CN": "打卡、作业、报告等记录保留 {days} 天后自动删除。"
        "要删除全部数据，请联系社群管理员。",
        "en": "Check-ins, homework, reports and the like are deleted automatically after "
        "{days} days. To have everything erased, ask the community's organisers.",
    },
    "mydata_kind_member": {"zh-CN": "成员资料", "en": "member record"},
    "mydata_kind_checkins": {"zh-CN": "打卡", "en": "check-ins"},
    "mydata_kind_makeup_quotas": {"zh-CN": "补卡次数", "en": "make-up quota"},
    "mydata_kind_submissions": {"zh-CN": "作业", "en": "homework submissions"},
    "mydata_kind_submission_versions": {
        "zh-CN": "作业旧版本",
        "en": "earlier versions of submissions",
    },
    "mydata_kind_reviews": {"zh-CN": "点评（给出与收到）", "en": "reviews (given and received)"},
    "mydata_kind_review_assignments": {"zh-CN": "点评分配", "en": "review assignments"},
    "mydata_kind_strikes": {"zh-CN": "缺交记录", "en": "missed homework"},
    "mydata_kind_digests": {"zh-CN": "周报", "en": "weekly digests"},
    "mydata_kind_reports": {"zh-CN": "月度报告", "en": "monthly reports"},
    "mydata_kind_report_rows": {"zh-CN": "月度报告中你的行", "en": "your lines in monthly reports"},
    "mydata_kind_removals": {"zh-CN": "移除记录", "en": "removals"},
    "mydata_kind_settings_changes": {
        "zh-CN": "后台中的设置修改",
        "en": "settings changed on the pages",
    },
    "mydata_kind_signin_links": {"zh-CN": "后台登录链接", "en": "sign-in links"},
    "mydata_kind_role_changes": {"zh-CN": "角色变动", "en": "role changes"},
    "mydata_kind_stars": {"zh-CN": "月度、季度之星", "en": "stars"},
    "mydata_kind_homework_counters": {"zh-CN": "作业计数", "en": "homework counters"},
    "mydata_kind_warnings": {"zh-CN": "警告", "en": "warnings"},
    "mydata_kind_rota_duties": {"zh-CN": "值班", "en": "duty rota turns"},
    "mydata_kind_rota_volunteers": {"zh-CN": "值班报名", "en": "duty rota sign-ups"},
    "mydata_kind_sessions": {"zh-CN": "分享会（报名与出席）", "en": "sessions (talks, attendance)"},
}
