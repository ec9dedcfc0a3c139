"""Texts of /setup (开通) and /settings (设置): an organiser sets a group up and changes
its settings from chat (chat/setup.py)."""

TEXTS: dict[str, dict[str, str]] = {
    "setup_usage": {
        "zh-CN": "用法：开通 <邀请码>（邀请码向 rollcall 的运营者索取），如 开通 RC-7KQM-X2PA-9HWD",
        "en": "Usage: /setup <invite code> (the rollcall operator gives you one), e.g. "
        "/setup RC-7KQM-X2PA-9HWD",
    },
    "setup_in_group_only": {
        "zh-CN": "开通要在群里进行：在要开通的群里发送「开通 <邀请码>」"
        "（企业微信：在群里 @群机器人）。这里是私聊，什么也没有开通。",
        "en": "Set up in the group itself: send /setup <invite code> there (WeCom: @ the group "
        "robot in the group). This is a private chat; nothing was set up.",
    },
    "setup_bad_code": {
        "zh-CN": "邀请码无效、已用完或已过期，什么也没有开通。",
        "en": "That invite code is unknown, used up or expired; nothing was set up.",
    },
    "setup_already_bound": {
        "zh-CN": "这个群已经开通了 rollcall，不用再开通。管理员发「设置」查看或修改设置。",
        "en": "This group is already set up with rollcall. Admins: send /settings to see or "
        "change its settings.",
    },
    "setup_done": {
        "zh-CN": (
            "✅ 开通成功！本群现在是社群「{community}」，{owner} 是群主。\n"
            "每天 {reminder}（{timezone}）提醒还没打卡的成员，第一次提醒：{first}。\n"
            "改提醒时间：设置 提醒 20:30；改时区：设置 时区 Asia/Shanghai；"
            "改语言：设置 语言 en；查看全部设置：设置\n"
            "成员命令：打卡、交作业、点评、请假、我的、排行榜；发「帮助」看全部命令。"
        ),
        "en": (
            "✅ All set! This group is now the community “{community}”, and {owner} is its "
            "owner.\n"
            "Every day at {reminder} ({timezone}) members who have not checked in get a "
            "reminder; the first one: {first}.\n"
            "Change the time: /settings reminder 20:30; the timezone: /settings timezone "
            "Europe/London; the language: /settings locale zh-CN; see every setting: "
            "/settings\n"
            "Members' commands: /checkin, /submit, /review, /leave, /me, /leaderboard; "
            "/help lists them all."
        ),
    },
    "settings_show": {
        "zh-CN": (
            "「{community}」的设置：\n"
            "提醒 {reminder}　最后提醒 {last_call}　时区 {timezone}　语言 {language}\n"
            "截止 {deadline}　点评人数 {reviewers}　作业周期 {cycle} 天\n"
            "报告 每月 {report_day} 日 {report_time}　移除 {removal}\n"
            "下次提醒：{next}\n"
            "修改：设置 提醒 20:30 / 设置 截止 周日 23:59 / 设置 移除 关 / 设置 时区 Asia/Shanghai"
        ),
        "en": (
            "Settings of “{community}”:\n"
            "reminder {reminder}, last call {last_call}, timezone {timezone}, locale {language}\n"
            "deadline {deadline}, reviewers {reviewers}, homework cycle {cycle} days\n"
            "report on day {report_day} at {report_time}, removal {removal}\n"
            "Next reminder: {next}\n"
            "Change: /settings reminder 20:30, /settings deadline Sunday 23:59, "
            "/settings removal off, /settings timezone Asia/Shanghai"
        ),
    },
    "settings_changed": {
        "zh-CN": "✅ 已修改：{changes}。下次{job}：{next}。",
        "en": "✅ Changed: {changes}. Next {job}: {next}.",
    },
    "settings_unchanged": {
        "zh-CN": "没有变化：本来就是这样设置的。",
        "en": "No change: that is the setting already.",
    },
    "settings_refused": {
        "zh-CN": "没有改动：{reason}",
        "en": "Nothing changed: {reason}",
    },
    "settings_no_next": {
        "zh-CN": "未安排",
        "en": "not scheduled",
    },
    "job_daily-reminder": {"zh-CN": "提醒", "en": "reminder"},
    "job_weekly-digest": {"zh-CN": "作业汇总", "en": "weekly digest"},
    "job_monthly-report": {"zh-CN": "月度报告", "en": "monthly report"},
    # Why a value was refused, in Chinese terms (the English reply gives the validator's own
    # line, word for word what `rollcall community update` prints).
    "setting_hint_unknown": {
        "zh-CN": "没有这个设置。可以改：提醒、最后提醒、截止、移除、时区、语言、换日、报告、"
        "报告日、点评人数、新人宽限、祝贺、补卡次数、请假上限、作业周期",
        "en": "no such setting. Settings: reminder, lastcall, deadline, removal, timezone, "
        "locale, daystart, report, reportday, reviewers, grace, congratulate, makeups, "
        "maxleave, cycle",
    },
    "setting_hint_other": {
        "zh-CN": "这个值不对，请检查后再发。",
        "en": "that value is not valid; check it and send again.",
    },
    "setting_hint_timezone": {
        "zh-CN": "时区要写 IANA 名称，如 Asia/Shanghai、Europe/London。",
        "en": "the timezone must be an IANA name like Asia/Shanghai.",
    },
    "setting_hint_locale": {
        "zh-CN": "语言只能是 zh-CN（中文）或 en（英文）。",
        "en": "the locale must be zh-CN or en.",
    },
    "setting_hint_reminder_time": {
        "zh-CN": "提醒时间要写成 HH:MM（24 小时制），如 20:30。",
        "en": "the reminder time must be HH:MM (24-hour), e.g. 20:30.",
    },
    "setting_hint_last_call_time": {
        "zh-CN": "最后提醒要写成 HH:MM，并且在同一天里晚于每日提醒；不要最后提醒写「关」。",
        "en": "the last call must be HH:MM, after the daily reminder on the same day; "
        "off for none.",
    },
    "setting_hint_day_boundary": {
        "zh-CN": "换日时间要写成 HH:MM，如 04:00。",
        "en": "the day boundary must be HH:MM, e.g. 04:00.",
    },
    "setting_hint_report_time": {
        "zh-CN": "报告时间要写成 HH:MM，如 10:00。",
        "en": "the report time must be HH:MM, e.g. 10:00.",
    },
    "setting_hint_congratulate": {
        "zh-CN": "祝贺只能是「开」或「关」。",
        "en": "congratulate must be on or off.",
    },
    "setting_hint_removal": {
        "zh-CN": "移除只能是「开」或「关」。",
        "en": "removal must be on or off.",
    },
    "setting_hint_grace_days": {
        "zh-CN": "新人宽限要写 0 到 60 之间的天数。",
        "en": "grace days must be a whole number from 0 to 60.",
    },
    "setting_hint_makeup_window_days": {
        "zh-CN": "补卡天数要写 0 到 31 之间的整数。",
        "en": "the makeup window must be a whole number from 0 to 31.",
    },
    "setting_hint_makeups_per_month": {
        "zh-CN": "补卡次数要写 0 到 31 之间的整数。",
        "en": "makeups per month must be a whole number from 0 to 31.",
    },
    "setting_hint_max_leave_days": {
        "zh-CN": "请假上限要写 1 到 365 之间的天数。",
        "en": "max leave days must be a whole number from 1 to 365.",
    },
    "setting_hint_cycle_anchor": {
        "zh-CN": "作业起始日要写成日期，如 2026-11-02。",
        "en": "the cycle anchor must be a date like 2026-11-02.",
    },
    "setting_hint_cycle_length_days": {
        "zh-CN": "作业周期要写 1 到 28 之间的天数。",
        "en": "the homework cycle must be a whole number of days from 1 to 28.",
    },
    "setting_hint_deadline_weekday": {
        "zh-CN": "截止要写星期和时间，如「周日 23:59」（周一到周日）。",
        "en": "the deadline must be a weekday and a time, e.g. Sunday 23:59.",
    },
    "setting_hint_deadline_time": {
        "zh-CN": "截止时间要写成 HH:MM，如「周日 23:59」。",
        "en": "the deadline time must be HH:MM, e.g. Sunday 23:59.",
    },
    "setting_hint_late_grace_hours": {
        "zh-CN": "迟交宽限要写 0 到 672 之间的小时数。",
        "en": "late grace hours must be a whole number from 0 to 672.",
    },
    "setting_hint_reviewers": {
        "zh-CN": "点评人数要写 0 到 10 之间的整数，并且少于成员人数。",
        "en": "reviewers must be a whole number from 0 to 10, fewer than the members.",
    },
    "setting_hint_digest_offset_minutes": {
        "zh-CN": "汇总要在截止之后、下个截止之前，写分钟数。",
        "en": "the digest offset must be minutes after the deadline, before the next one.",
    },
    "setting_hint_report_day": {
        "zh-CN": "报告日要写 1 到 28 之间的日子。",
        "en": "the report day must be a day of the month from 1 to 28.",
    },
    "setting_hint_jobs": {
        "zh-CN": "任务要写 daily-reminder、weekly-digest、monthly-report（逗号分隔）或 none。",
        "en": "jobs must be daily-reminder, weekly-digest, monthly-report (comma-separated) "
        "or none.",
    },
    "setting_hint_group_kind": {
        "zh-CN": "群类型：企业微信写 robot（群机器人的群）、app（应用创建的群）"
        "或 customer（客户群）；钉钉写 robot（普通群）或 scene（场景群）。",
        "en": "group kind on WeCom must be robot, app or customer; on DingTalk robot or scene.",
    },
    "setting_hint_ack_limited_activity": {
        "zh-CN": "确认活动局限写「开」或「关」。钉钉和企业微信的机器人只看得到 @ 它的消息"
        "和发给应用的消息，看不到群里的日常聊天：按「多少天没有动静」算的规则"
        "（inactive_days）会把只聊天不 @ 机器人的人算成沉默。"
        "确认接受请先发「设置 确认活动局限 开」，或去掉这条规则。",
        "en": "ack limited activity is on or off. DingTalk and WeCom show the bot only "
        "messages that @ it (or are sent to the app), never the group's chatter: an "
        "inactive_days rule would count people who only chat as silent. Send /settings "
        "ackactivity on to accept that, or drop the rule.",
    },
}
