"""Every word the pages show, in zh-CN and en."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "title": {"zh-CN": "社群后台", "en": "Community pages"},
    "nav_overview": {"zh-CN": "概览", "en": "Overview"},
    "nav_members": {"zh-CN": "成员", "en": "Members"},
    "nav_homework": {"zh-CN": "作业", "en": "Homework"},
    "nav_risk": {"zh-CN": "风险成员", "en": "At risk"},
    "nav_runs": {"zh-CN": "任务记录", "en": "Runs"},
    "nav_settings": {"zh-CN": "设置", "en": "Settings"},
    "nav_audit": {"zh-CN": "操作记录", "en": "Audit"},
    "signout": {"zh-CN": "退出", "en": "Sign out"},
    "signed_out": {"zh-CN": "已退出。", "en": "Signed out."},
    "not_found": {"zh-CN": "找不到这个页面。", "en": "Page not found."},
    "forbidden": {
        "zh-CN": "请先用机器人私信给你的链接登录（在群里发送 后台）。",
        "en": "Sign in first with the link the bot sends you (send /manage in the group).",
    },
    "signin_title": {"zh-CN": "登录社群后台", "en": "Sign in to the community pages"},
    "signin_intro": {
        "zh-CN": "点击继续，以 {name} 的身份登录「{community}」的后台。链接只能使用一次。",
        "en": "Continue to sign in to “{community}” as {name}. The link works once.",
    },
    "continue": {"zh-CN": "继续", "en": "Continue"},
    "link_unknown": {
        "zh-CN": "这个登录链接无效。请在群里重新发送 后台 获取新链接。",
        "en": "This sign-in link is not valid. Send /manage in the group for a new one.",
    },
    "link_used": {
        "zh-CN": "这个登录链接已经用过了。请在群里重新发送 后台 获取新链接。",
        "en": "This sign-in link was used already. Send /manage in the group for a new one.",
    },
    "link_expired": {
        "zh-CN": "这个登录链接已过期（15 分钟内有效）。请在群里重新发送 后台。",
        "en": "This sign-in link has expired (it works for 15 minutes). Send /manage again.",
    },
    "link_not_admin": {
        "zh-CN": "只有群主和管理员可以登录社群后台。",
        "en": "Only owners and admins can sign in to the community pages.",
    },
    "not_configured": {
        "zh-CN": "后台尚未配置（运维需设置 ROLLCALL_MANAGE_SECRET）。",
        "en": "The pages are not configured (the operator sets ROLLCALL_MANAGE_SECRET).",
    },
    "bad_form": {
        "zh-CN": "表单已过期，请重新打开页面再提交。",
        "en": "This form has expired; open the page again and resubmit.",
    },
    # overview
    "members_by_tier": {"zh-CN": "成员活跃度", "en": "Members by tier"},
    "present": {"zh-CN": "在群成员", "en": "Members"},
    "tier_active": {"zh-CN": "活跃", "en": "Active"},
    "tier_quiet": {"zh-CN": "沉默", "en": "Quiet"},
    "tier_inactive": {"zh-CN": "不活跃", "en": "Inactive"},
    "tier_new": {"zh-CN": "新成员", "en": "New"},
    "tier_on_leave": {"zh-CN": "请假中", "en": "On leave"},
    "today": {"zh-CN": "今日打卡（{date}）", "en": "Today's check-ins ({date})"},
    "nobody_yet": {"zh-CN": "今天还没有人打卡。", "en": "Nobody has checked in yet today."},
    "heatmap": {"zh-CN": "最近 12 周打卡", "en": "Check-ins, last 12 weeks"},
    "heatmap_cell": {"zh-CN": "{date}：{count} 人打卡", "en": "{date}: {count} check-ins"},
    "weekly_rate": {"zh-CN": "每周打卡率", "en": "Check-in rate per week"},
    "week_of": {"zh-CN": "{date} 这周：{rate}", "en": "Week of {date}: {rate}"},
    "next_posts": {"zh-CN": "接下来的定时消息", "en": "Next scheduled posts"},
    "no_schedule": {"zh-CN": "没有安排。", "en": "Nothing scheduled."},
    "theme": {"zh-CN": "本周主题", "en": "This week's theme"},
    "job_daily-reminder": {"zh-CN": "每日提醒", "en": "Daily reminder"},
    "job_weekly-digest": {"zh-CN": "每周作业总结", "en": "Weekly digest"},
    "job_monthly-report": {"zh-CN": "月度报告", "en": "Monthly report"},
    "job_monthly-stars": {"zh-CN": "月度之星", "en": "Stars of the month"},
    "job_quarterly-stars": {"zh-CN": "季度之星", "en": "Stars of the quarter"},
    "job_roster-sync": {"zh-CN": "成员名单同步", "en": "Roster sync"},
    "job_rota": {"zh-CN": "值班轮换", "en": "Duty rota hand-over"},
    "job_sessions": {"zh-CN": "分享会", "en": "Sessions"},
    "job_announcements": {"zh-CN": "群公告与开班/结业", "en": "Announcements and cohorts"},
    "job_discord-activity": {"zh-CN": "Discord 频道活跃记录", "en": "Discord channel activity"},
    # members
    "col_name": {"zh-CN": "昵称", "en": "Name"},
    "col_role": {"zh-CN": "角色", "en": "Role"},
    "col_squad": {"zh-CN": "小组", "en": "Squad"},
    "col_tier": {"zh-CN": "活跃度", "en": "Tier"},
    "col_streak": {"zh-CN": "连续打卡", "en": "Streak"},
    "col_last_active": {"zh-CN": "最近活跃", "en": "Last active"},
    "col_warning": {"zh-CN": "警告", "en": "Warnings"},
    "search": {"zh-CN": "按昵称搜索", "en": "Search by name"},
    "all_tiers": {"zh-CN": "全部活跃度", "en": "All tiers"},
    "all_squads": {"zh-CN": "全部小组", "en": "All squads"},
    "filter": {"zh-CN": "筛选", "en": "Filter"},
    "export_csv": {"zh-CN": "导出 CSV", "en": "Export CSV"},
    "shown": {"zh-CN": "显示 {shown} / {total} 人", "en": "{shown} of {total} members"},
    "role_owner": {"zh-CN": "群主", "en": "owner"},
    "role_admin": {"zh-CN": "管理员", "en": "admin"},
    "role_leader": {"zh-CN": "组长", "en": "leader"},
    "role_member": {"zh-CN": "成员", "en": "member"},
    # runs
    "col_job": {"zh-CN": "任务", "en": "Job"},
    "col_period": {"zh-CN": "周期", "en": "Period"},
    "col_status": {"zh-CN": "状态", "en": "Status"},
    "col_started": {"zh-CN": "开始", "en": "Started"},
    "col_took": {"zh-CN": "耗时", "en": "Took"},
    "col_parts": {"zh-CN": "已完成/总数", "en": "Parts done"},
    "col_split": {"zh-CN": "群内 / 私信 / 被拒", "en": "Group / DMs / refused"},
    "col_note": {"zh-CN": "说明", "en": "Note"},
    "no_runs": {"zh-CN": "还没有任务记录。", "en": "No job has run yet."},
    # settings
    "saved": {"zh-CN": "已保存。", "en": "Saved."},
    "save": {"zh-CN": "保存", "en": "Save"},
    "next_reminder": {"zh-CN": "下一次提醒：{when}", "en": "Next reminder: {when}"},
    "fix_below": {"zh-CN": "请修改下面标出的项。", "en": "Please correct the field marked below."},
    "set_reminder_time": {"zh-CN": "每日提醒时间", "en": "Daily reminder"},
    "set_last_call_time": {"zh-CN": "最后提醒时间（off 关闭）", "en": "Last call (off: none)"},
    "set_day_boundary": {"zh-CN": "一天结束于", "en": "Day ends at"},
    "set_timezone": {"zh-CN": "时区", "en": "Timezone"},
    "set_locale": {"zh-CN": "语言", "en": "Language"},
    "set_congratulate": {"zh-CN": "全员打卡时祝贺", "en": "Congratulate when all done"},
    "set_grace_days": {"zh-CN": "新成员免提醒天数", "en": "Grace days for new members"},
    "set_cycle_length_days": {"zh-CN": "作业周期（天）", "en": "Homework cycle (days)"},
    "set_deadline_weekday": {"zh-CN": "作业截止日", "en": "Homework deadline day"},
    "set_deadline_time": {"zh-CN": "作业截止时间", "en": "Homework deadline time"},
    "set_report_day": {"zh-CN": "月报日期（1-28）", "en": "Report day (1-28)"},
    "set_report_time": {"zh-CN": "月报时间", "en": "Report time"},
    # the settings page's sections and the settings it gained (issue 27)
    "sec_theme": {"zh-CN": "本周主题", "en": "This week's theme"},
    "sec_daily": {"zh-CN": "每日打卡", "en": "Daily check-ins"},
    "sec_homework": {"zh-CN": "作业", "en": "Homework"},
    "sec_report": {"zh-CN": "月报与移除", "en": "Monthly report and removal"},
    "sec_joining": {"zh-CN": "入群流程", "en": "Joining"},
    "sec_freezes": {"zh-CN": "保护卡", "en": "Streak freezes"},
    "sec_data": {"zh-CN": "数据保留", "en": "Data kept"},
    "set_theme": {"zh-CN": "主题（留空清除）", "en": "Theme (empty: none)"},
    "set_removal": {
        "zh-CN": "移除（on/off，管理员确认后）",
        "en": "Removal (on/off, admin confirms)",
    },
    "set_welcome": {
        "zh-CN": "欢迎语（{name} {community} {link}；留空用默认）",
        "en": "Welcome ({name} {community} {link}; empty: default)",
    },
    "set_group_rules": {
        "zh-CN": "群规 / 入群须知（留空清除）",
        "en": "Group rules (empty: none)",
    },
    "set_require_rules_acceptance": {
        "zh-CN": "同意群规后才能打卡（on/off）",
        "en": "Check-ins wait for accepting the rules (on/off)",
    },
    "set_link": {"zh-CN": "社群链接（{link}）", "en": "Community link ({link})"},
    "set_nickname_pattern": {
        "zh-CN": "昵称正则（留空不检查）",
        "en": "Nickname pattern, a regular expression (empty: none)",
    },
    "set_nickname_format": {
        "zh-CN": "昵称格式说明，如 名称-地区-职业",
        "en": "Nickname format in words, e.g. name-city-job",
    },
    "set_pending_hours": {
        "zh-CN": "新人待确认时长（小时）",
        "en": "Pending newcomers after (hours)",
    },
    "set_streak_freezes": {"zh-CN": "保护卡（on/off）", "en": "Streak freezes (on/off)"},
    "set_freeze_bank": {"zh-CN": "保护卡上限（1-10）", "en": "Freezes banked at most (1-10)"},
    "set_freeze_every_reviews": {
        "zh-CN": "每点评几次得一张（0 不发）",
        "en": "A freeze every N reviews (0: none)",
    },
    "set_freeze_at_levels": {
        "zh-CN": "升级时得一张（on/off）",
        "en": "A freeze at each level reached (on/off)",
    },
    "set_retention_days": {
        "zh-CN": "记录保留天数（仅新记录）",
        "en": "Days records are kept (new records only)",
    },
    # homework
    "no_cycles": {
        "zh-CN": "这个社群还没有作业周期。",
        "en": "This community has no homework cycles.",
    },
    "cycle_title": {"zh-CN": "{cycle}（截止 {deadline}）", "en": "{cycle} (deadline {deadline})"},
    "cycle_open": {"zh-CN": "进行中", "en": "open"},
    "cycle_figures": {
        "zh-CN": "已交 {submitted}（迟交 {late}），未交 {missing}；"
        "点评已完成 {done}，待完成 {owed}",
        "en": "submitted {submitted} ({late} late), missing {missing}; reviews done {done}, "
        "owed {owed}",
    },
    "late": {"zh-CN": "迟交", "en": "late"},
    # at risk
    "risk_intro": {
        "zh-CN": "按 {month} 到目前为止的数据，下一次月报会提醒或建议移除的成员，"
        "以及已被提醒的成员。",
        "en": "Who the next report would warn or list for removal, on {month} so far, and who "
        "stands warned.",
    },
    "no_risk": {"zh-CN": "目前没有人会被提醒或移除。", "en": "Nobody would be warned or removed."},
    "col_checkins": {"zh-CN": "本月打卡", "en": "Check-ins this month"},
    "col_missed": {"zh-CN": "连续缺交作业", "en": "Homework missed in a row"},
    "col_outcome": {"zh-CN": "下次报告", "en": "At the next report"},
    "outcome_remove": {"zh-CN": "移除候选（规则 {rule}）", "en": "removal candidate (rule {rule})"},
    "outcome_warn": {"zh-CN": "将被提醒（规则 {rule}）", "en": "would be warned (rule {rule})"},
    "outcome_warned": {"zh-CN": "已被提醒（规则 {rule}）", "en": "already warned (rule {rule})"},
    # audit
    "col_when": {"zh-CN": "时间", "en": "When"},
    "col_who": {"zh-CN": "操作人", "en": "Who"},
    "col_what": {"zh-CN": "修改", "en": "What changed"},
    "no_audit": {"zh-CN": "后台还没有修改记录。", "en": "No change made on these pages yet."},
    "audit_none": {"zh-CN": "暂无记录。", "en": "Nothing on record."},
    "audit_settings": {"zh-CN": "设置修改", "en": "Settings changed"},
    "audit_removals": {"zh-CN": "移除记录", "en": "Removals"},
    "audit_roles": {"zh-CN": "角色与班委变更", "en": "Role and position changes"},
    "audit_makeups": {"zh-CN": "{month} 补卡记录", "en": "Make-ups in {month}"},
    "col_rule": {"zh-CN": "规则", "en": "Rule"},
    "col_report": {"zh-CN": "报告", "en": "Report"},
    "col_confirmed_by": {"zh-CN": "确认人", "en": "Confirmed by"},
    "col_change": {"zh-CN": "变更", "en": "Change"},
    "col_date": {"zh-CN": "日期", "en": "Date"},
    "col_recorded_by": {"zh-CN": "登记人", "en": "Recorded by"},
    # the delivery log
    "nav_delivery": {"zh-CN": "发送记录", "en": "Delivery log"},
    "delivery_intro": {
        "zh-CN": "每次运行发到群里的消息、私信条数，以及平台拒收的私信（按编号），最新的在前。",
        "en": "What each run posted in the group, how many direct messages it sent and which "
        "the platform refused (by part number), newest first.",
    },
    "show": {"zh-CN": "查看", "en": "Show"},
    "no_delivery": {"zh-CN": "这个任务还没有运行记录。", "en": "This job has not run yet."},
    "col_group_posts": {"zh-CN": "群内消息", "en": "Group posts"},
    "col_direct": {"zh-CN": "私信", "en": "Direct messages"},
    "col_refused": {"zh-CN": "被拒", "en": "Refused"},
    "parts": {"zh-CN": "第 {parts} 条", "en": "parts {parts}"},
    "newest": {"zh-CN": "← 最新", "en": "← Newest"},
    "older": {"zh-CN": "更早 →", "en": "Older →"},
    # a member's own page (我的主页 / /mypage)
    "nav_me": {"zh-CN": "我的主页", "en": "My page"},
    "signin_intro_self": {
        "zh-CN": "点击继续，以 {name} 的身份打开你在「{community}」的个人主页。链接只能使用一次。",
        "en": "Continue to open your own page in “{community}” as {name}. The link works once.",
    },
    "self_only": {
        "zh-CN": "这个登录只能查看你自己的主页。管理员请在群里发送 后台 获取后台链接。",
        "en": "This sign-in opens your own page only. Admins send /manage in the group for "
        "the community pages.",
    },
    "link_not_member": {
        "zh-CN": "你已不在这个社群里，无法打开这个页面。",
        "en": "You are no longer a member of this community, so this page does not open.",
    },
    "my_intro": {
        "zh-CN": "{name}，这是只有你能看到的主页（在群里发送 我的主页 获取新链接）。",
        "en": "{name}, this page is yours alone (send /mypage for a new link).",
    },
    "wd_0": {"zh-CN": "一", "en": "Mon"},
    "wd_1": {"zh-CN": "二", "en": "Tue"},
    "wd_2": {"zh-CN": "三", "en": "Wed"},
    "wd_3": {"zh-CN": "四", "en": "Thu"},
    "wd_4": {"zh-CN": "五", "en": "Fri"},
    "wd_5": {"zh-CN": "六", "en": "Sat"},
    "wd_6": {"zh-CN": "日", "en": "Sun"},
    "cal_title": {"zh-CN": "{month} 打卡 {count} 天", "en": "{month}: {count} check-ins"},
    "cal_in": {"zh-CN": "{date} 已打卡", "en": "{date}: checked in"},
    "cal_missed": {"zh-CN": "{date} 未打卡", "en": "{date}: no check-in"},
    "cal_future": {"zh-CN": "{date}", "en": "{date}"},
    "prev_month": {"zh-CN": "← 上个月", "en": "← Previous month"},
    "next_month": {"zh-CN": "下个月 →", "en": "Next month →"},
    "my_figures": {"zh-CN": "我的数据", "en": "My figures"},
    "my_streak": {"zh-CN": "连续打卡 {days}", "en": "Streak: {days}"},
    "my_best": {"zh-CN": "最长连续 {days}", "en": "Best streak: {days}"},
    "my_total": {"zh-CN": "累计打卡 {n} 次", "en": "Check-ins in all: {n}"},
    "my_makeups": {"zh-CN": "本月还可补卡 {n} 次", "en": "Make-ups left this month: {n}"},
    "my_hw_done": {
        "zh-CN": "本期作业（{cycle}，截止 {deadline}）：已提交",
        "en": "Homework this cycle ({cycle}, due {deadline}): handed in",
    },
    "my_hw_late": {
        "zh-CN": "本期作业（{cycle}，截止 {deadline}）：已提交（迟交）",
        "en": "Homework this cycle ({cycle}, due {deadline}): handed in late",
    },
    "my_sessions": {
        "zh-CN": "本月分享会：参加 {n} / {of} 场",
        "en": "Sessions this month: attended {n} of {of}",
    },
    "my_hw_missing": {
        "zh-CN": "本期作业（{cycle}，截止 {deadline}）：还没有提交",
        "en": "Homework this cycle ({cycle}, due {deadline}): not handed in yet",
    },
}


def page_text(locale: str, key: str, **values: object) -> str:
    entry = TEXTS[key]
    template = entry.get(locale) or entry["en"]
    return template.format(**values) if values else template
