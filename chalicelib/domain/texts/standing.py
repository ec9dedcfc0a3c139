"""Texts of inactivity: /standing, the monthly report, warnings and confirmed removals."""

TEXTS: dict[str, dict[str, str]] = {
    # -- tiers
    "tier_active": {"zh-CN": "活跃", "en": "active"},
    "tier_quiet": {"zh-CN": "沉寂", "en": "quiet"},
    "tier_inactive": {"zh-CN": "不活跃", "en": "inactive"},
    "tier_new": {"zh-CN": "新成员", "en": "new"},
    "tier_on_leave": {"zh-CN": "请假中", "en": "on leave"},
    # -- /standing 我的状态
    "standing_head": {
        "zh-CN": "📊 {name} 的状态：{tier}",
        "en": "📊 {name}: {tier}",
    },
    "standing_last_active": {
        "zh-CN": "最近活跃：{date}（{ago}）",
        "en": "Last active: {date} ({ago})",
    },
    "standing_never_active": {
        "zh-CN": "还没有活跃记录。",
        "en": "No activity recorded yet.",
    },
    "standing_strikes": {
        "zh-CN": "作业未交记录：{strikes} 次（连续 {missed} 次）",
        "en": "Homework strikes: {strikes} (missed in a row: {missed})",
    },
    "standing_rule_cycles": {
        "zh-CN": "• 规则「{rule}」：连续未交 {current} 次，{warn} 次时提醒（还差 {left} 次）",
        "en": "• Rule “{rule}”: {current} cycles missed in a row, warning at {warn} ({left} to go)",
    },
    "standing_rule_days": {
        "zh-CN": "• 规则「{rule}」：{current} 天未活跃，{warn} 天时提醒（还差 {left} 天）",
        "en": "• Rule “{rule}”: {current} days without activity, warning at {warn} ({left} to go)",
    },
    "standing_warned": {
        "zh-CN": "⚠️ 你在 {date} 因规则「{rule}」收到提醒。{remedy}",
        "en": "⚠️ You were warned under rule “{rule}” on {date}. {remedy}",
    },
    "standing_remedy_cycles": {
        "zh-CN": "按时交一次作业即可解除。",
        "en": "Hand in this cycle's homework to clear it.",
    },
    "standing_remedy_days": {
        "zh-CN": "在群里发言或打卡即可解除。",
        "en": "Any message or check-in clears it.",
    },
    "standing_cleared": {
        "zh-CN": "✅ 规则「{rule}」的提醒已解除，欢迎回来！",
        "en": "✅ Your warning under rule “{rule}” is cleared. Welcome back!",
    },
    "standing_exempted": {
        "zh-CN": "管理员已豁免你：不会被提醒、警告或移除。",
        "en": "An admin exempted you: no reminders, warnings or removal.",
    },
    "standing_admin": {
        "zh-CN": "群主和管理员不会被提醒或移除。",
        "en": "Owners and admins are never warned or removed.",
    },
    "standing_on_leave": {
        "zh-CN": "请假到 {date}，期间不会收到新的提醒。",
        "en": "On leave until {date}: no new warnings meanwhile.",
    },
    "standing_new": {
        "zh-CN": "新成员：加入后 {days} 天内不会被提醒。",
        "en": "New member: no warnings in your first {days} days.",
    },
    # -- the monthly report (to admins)
    "report_title": {
        "zh-CN": "📋「{community}」{month} 月度报告（截至 {as_of}）",
        "en": "📋 {community}: monthly report for {month} (as of {as_of})",
    },
    "report_members": {
        "zh-CN": "成员 {total} 人：{tiers}",
        "en": "Members ({total}): {tiers}",
    },
    "report_tier_count": {
        "zh-CN": "{tier} {count}{change}",
        "en": "{tier} {count}{change}",
    },
    "report_change": {
        "zh-CN": "（{change}）",
        "en": " ({change})",
    },
    "report_first": {
        "zh-CN": "（首份报告，没有上月可比）",
        "en": "(first report: nothing to compare with last month)",
    },
    "report_observed": {
        "zh-CN": "📅 本月 {total} 天中，rollcall 只看到了 {observed} 天（{since} 起）："
        "之前的日子不计入打卡率，也不算沉默。",
        "en": "📅 rollcall watched {observed} of the month's {total} days (since {since}): "
        "earlier days count neither in the rates nor as silence.",
    },
    "report_observed_none": {
        "zh-CN": "📅 这个月 rollcall 还没有开始观察（社群 {since} 才创建）："
        "不计打卡率，也不算沉默。",
        "en": "📅 rollcall was not watching yet in this month (the community began on {since}): "
        "no rates, and no silence counted.",
    },
    "report_checkins": {
        "zh-CN": "打卡率：{done}/{expected} 人·天（{percent}%）",
        "en": "Check-ins: {done}/{expected} member-days ({percent}%)",
    },
    "report_checkins_none": {
        "zh-CN": "打卡率：本月没有应打卡的人·天",
        "en": "Check-ins: no member-days expected this month",
    },
    "report_homework": {
        "zh-CN": "作业提交率：{done}/{expected}（{percent}%），共 {cycles} 期",
        "en": "Homework: {done}/{expected} handed in ({percent}%) over {cycles} cycles",
    },
    "report_homework_none": {
        "zh-CN": "作业提交率：本月没有应交的作业",
        "en": "Homework: none was due this month",
    },
    "report_newly_quiet": {
        "zh-CN": "新近沉寂（{count}）：{names}",
        "en": "Newly quiet ({count}): {names}",
    },
    "report_newly_inactive": {
        "zh-CN": "新近不活跃（{count}）：{names}",
        "en": "Newly inactive ({count}): {names}",
    },
    "report_came_back": {
        "zh-CN": "回归（{count}）：{names}",
        "en": "Came back ({count}): {names}",
    },
    "report_warned": {
        "zh-CN": "本次提醒（{count}）：{names}",
        "en": "Warned ({count}): {names}",
    },
    "report_candidates": {
        "zh-CN": "移除候选（{count}）：{names}",
        "en": "Removal candidates ({count}): {names}",
    },
    # A rule's name where the community gave it none (domain/inactivity.py Rule.label).
    "rule_kind_missed_cycles": {
        "zh-CN": "缺交作业",
        "en": "missed homework",
    },
    "rule_kind_inactive_days": {
        "zh-CN": "长期未活跃",
        "en": "inactivity",
    },
    "report_named_rule": {
        "zh-CN": "{name}（{rule}）",
        "en": "{name} ({rule})",
    },
    "report_more": {
        "zh-CN": "等，另有 {count} 人见 CSV",
        "en": "and {count} more (see the CSV)",
    },
    "report_removal_off": {
        "zh-CN": "本社群未开启移除：候选人仅供参考。",
        "en": "Removal is off for this community: candidates are listed only.",
    },
    "report_dry_run": {
        "zh-CN": "演练：尚未移除任何人。确认移除请发送「确认移除 {report}」。",
        "en": "Dry run: nobody has been removed. To remove them, send /confirm-removals {report}.",
    },
    "report_confirmed": {
        "zh-CN": "已由 {by} 于 {date} 确认移除。",
        "en": "Removals confirmed by {by} on {date}.",
    },
    "report_none": {
        "zh-CN": "还没有月度报告。",
        "en": "No monthly report yet.",
    },
    "report_not_found": {
        "zh-CN": "没有 {report} 的月度报告。",
        "en": "There is no monthly report {report}.",
    },
    "report_admins_only": {
        "zh-CN": "只有群主和管理员可以查看报告。",
        "en": "Only owners and admins can see the report.",
    },
    "report_names_hidden": {
        "zh-CN": "（名单只发给管理员：在管理员群里发送「报告」，或运行 rollcall report monthly）",
        "en": "(Names go to admins only: send /report in the admin chat, "
        "or run rollcall report monthly.)",
    },
    # -- warnings (a mention in the group)
    "warning_missed_cycles": {
        "zh-CN": "⚠️ 规则「{rule}」：连续 {warn} 次或以上未交作业。"
        "本期交作业（交作业 <链接>）即可解除提醒。",
        "en": "⚠️ Rule “{rule}”: {warn} or more homework cycles missed in a row. "
        "Hand in this cycle's homework (/submit <link>) to clear this warning.",
    },
    "warning_inactive_days": {
        "zh-CN": "⚠️ 规则「{rule}」：{warn} 天或以上没有活跃。在群里发言或打卡即可解除提醒。",
        "en": "⚠️ Rule “{rule}”: no activity for {warn} days or more. "
        "Send any message or check in (/checkin) to clear this warning.",
    },
    "warning_removal_cycles": {
        "zh-CN": "连续 {remove} 次未交，管理员可能将你移出本群。",
        "en": "At {remove} missed in a row, the admins may remove you from the group.",
    },
    "warning_removal_days": {
        "zh-CN": "{remove} 天未活跃，管理员可能将你移出本群。",
        "en": "After {remove} days without activity, the admins may remove you from the group.",
    },
    # -- /confirm-removals 确认移除
    "removal_admins_only": {
        "zh-CN": "只有群主和管理员可以确认移除。",
        "en": "Only owners and admins can confirm removals.",
    },
    "removal_usage": {
        "zh-CN": "用法：确认移除 <报告编号>，如 确认移除 {example}",
        "en": "Usage: /confirm-removals <report id>, e.g. /confirm-removals {example}",
    },
    "removal_off": {
        "zh-CN": "本社群未开启移除，没有移除任何人。",
        "en": "Removal is off for this community: nobody was removed.",
    },
    "removal_listed_only": {
        "zh-CN": "报告 {report} 生成时未开启移除：其候选人仅供参考，提醒中也未告知可能被移出，"
        "因此没有移除任何人。请确认开启移除之后生成的报告。",
        "en": "Report {report} was made while removal was off: its candidates were listed "
        "only and their warnings never said they could be removed, so nobody was removed. "
        "Confirm a report made since removal is on.",
    },
    "removal_nothing": {
        "zh-CN": "报告 {report} 中没有待移除的成员。",
        "en": "No one left to remove in report {report}.",
    },
    "removal_done": {
        "zh-CN": "已按报告 {report} 移除 {count} 人：{names}",
        "en": "Removed {count} under report {report}: {names}",
    },
    "removal_by_hand": {
        "zh-CN": "请手动将他们移出群聊（本平台不支持机器人移除）：{names}",
        "en": "Please remove them from the chat by hand (the bot cannot here): {names}",
    },
    "removal_kept": {
        "zh-CN": "保留 {count} 人（已回归、请假中或已离开）：{names}",
        "en": "Kept {count} (came back, on leave or already gone): {names}",
    },
    "removal_kept_unnamed": {
        "zh-CN": "保留 {count} 人（已回归、请假中或已离开）。",
        "en": "Kept {count} (came back, on leave or already gone).",
    },
    "warning_dm_intro": {
        "zh-CN": "{name}，这是「{community}」的提醒：",
        "en": "{name}, a note from {community}:",
    },
    "report_ready": {
        "zh-CN": "📊 {report} 月度活跃报告已生成。管理员请发送「报告」查看。",
        "en": "📊 The activity report for {report} is ready. Admins: send /report to read it.",
    },
}
