"""Texts of announcements (公告 /announce, 公告列表 /announcements) and of cohorts' opening
and closing ceremonies (开班仪式, 结业)."""

TEXTS: dict[str, dict[str, str]] = {
    # -- 公告 /announce
    "announce_usage": {
        "zh-CN": "发布公告：公告 2026-12-08 09:00 内容；每周：公告 每周一 09:00 内容；"
        "也可以 每天 09:00、每月1日 09:00，时间后可加 至 2027-01-31。"
        "取消：取消公告 编号；查看：公告列表",
        "en": "Schedule an announcement: /announce at 2026-12-08T09:00 text; weekly: "
        "/announce weekly mon 09:00 text; also daily 09:00 or monthly 1 09:00, optionally "
        "followed by until 2027-01-31. Cancel: /announce cancel ID; list: /announcements",
    },
    "announce_bad_time": {
        "zh-CN": "时间要写成 HH:MM（24 小时制），收到的是「{value}」。",
        "en": "The time must be HH:MM (24-hour), got '{value}'.",
    },
    "announce_bad_date": {
        "zh-CN": "日期要写成 YYYY-MM-DD，收到的是「{value}」。",
        "en": "The date must be YYYY-MM-DD, got '{value}'.",
    },
    "date_out_of_range": {
        "zh-CN": "日期 {value} 超出了日历的范围，请选一个近一些的日期。",
        "en": "The date {value} is at the very edge of the calendar: pick a nearer one.",
    },
    "announce_bad_weekday": {
        "zh-CN": "不认识星期「{value}」，请用 mon…sun 或 每周一…每周日。",
        "en": "Unknown weekday '{value}': use mon, tue, wed, thu, fri, sat or sun.",
    },
    "announce_bad_day": {
        "zh-CN": "每月的日期要在 1 到 28 之间（每个月都有），收到的是 {value}。",
        "en": "The day of the month must be 1 to 28 (every month has it), got {value}.",
    },
    "announce_until_once": {
        "zh-CN": "一次性公告不需要截止日期。",
        "en": "A one-off announcement takes no 'until' date.",
    },
    "announce_empty": {
        "zh-CN": "公告内容不能为空。",
        "en": "The announcement needs some text.",
    },
    "announce_too_long": {
        "zh-CN": "公告最多 {limit} 个字。",
        "en": "An announcement has at most {limit} characters.",
    },
    "announce_dst_gap": {
        "zh-CN": "本群时区里 {when} 这个时刻不存在（夏令时跳过了这一小时），请换一个时间。",
        "en": "{when} does not exist in this group's timezone (daylight saving skips that "
        "hour): pick another time.",
    },
    "announce_past": {
        "zh-CN": "{when} 已经过去了，请选一个将来的时间。",
        "en": "{when} is in the past: pick a time to come.",
    },
    "announce_never": {
        "zh-CN": "这个重复公告在截止日期前一次也不会发出，请检查日期。",
        "en": "This recurring announcement would never be posted before its end date.",
    },
    "announce_full": {
        "zh-CN": "本群已有 {limit} 条进行中的公告，请先取消一条。",
        "en": "This group already has {limit} live announcements: cancel one first.",
    },
    "announce_admins_only": {
        "zh-CN": "{name}，只有群主或管理员可以发布或取消公告。发送「公告列表」查看公告。",
        "en": "{name}, only owners and admins schedule or cancel announcements. Send "
        "/announcements to see them.",
    },
    "announce_added": {
        "zh-CN": "📢 公告 {id} 已安排：{when}，首次发布 {first}。",
        "en": "📢 Announcement {id} scheduled: {when}, first posted {first}.",
    },
    "announce_cancelled": {
        "zh-CN": "公告 {id} 已取消，不会再发布。",
        "en": "Announcement {id} is cancelled and will not be posted again.",
    },
    "announce_not_found": {
        "zh-CN": "没有编号为 {id} 的公告。发送「公告列表」查看编号。",
        "en": "There is no announcement {id}. Send /announcements to see their IDs.",
    },
    "announce_cancel_usage": {
        "zh-CN": "取消公告：取消公告 编号（编号见「公告列表」）。",
        "en": "Cancel an announcement: /announce cancel ID (IDs are in /announcements).",
    },
    "announce_list_title": {
        "zh-CN": "📢 本群公告",
        "en": "📢 This group's announcements",
    },
    "announce_list_line": {
        "zh-CN": "{id}｜{when}｜{preview}",
        "en": "{id} | {when} | {preview}",
    },
    "announce_none": {
        "zh-CN": "本群暂无公告。",
        "en": "This group has no announcements.",
    },
    "announce_post": {
        "zh-CN": "📢 群公告\n{text}",
        "en": "📢 Announcement\n{text}",
    },
    "announce_pinned_title": {
        "zh-CN": "📌 置顶公告：",
        "en": "📌 Pinned announcements:",
    },
    # -- cohorts (rollcall cohort add)
    "cohort_empty_name": {
        "zh-CN": "期的名称不能为空。",
        "en": "A cohort needs a name.",
    },
    "cohort_end_before_start": {
        "zh-CN": "结束日期 {end} 早于开始日期 {start}。",
        "en": "The end date {end} is before the start date {start}.",
    },
    "cohort_full": {
        "zh-CN": "本群最多保留 {limit} 期，请先取消一期。",
        "en": "A group keeps at most {limit} cohorts: cancel one first.",
    },
    "cohort_not_found": {
        "zh-CN": "没有编号为 {id} 的期。",
        "en": "There is no cohort {id}.",
    },
    "cohort_opening_title": {
        "zh-CN": "🎉 {name} 开班仪式（{start} – {end}）",
        "en": "🎉 {name} opens ({start} – {end})",
    },
    "cohort_opening_theme": {
        "zh-CN": "本期主题：{theme}",
        "en": "Theme: {theme}",
    },
    "cohort_opening_rules": {
        "zh-CN": "群规：{rules}",
        "en": "Rules: {rules}",
    },
    "cohort_everyone": {"zh-CN": "大家", "en": "everyone"},
    "cohort_opening_session": {
        "zh-CN": "🎤 首次分享会：{title}，{date} {time}",
        "en": "🎤 First session: {title}, {date} at {time}",
    },
    "cohort_opening_squads": {
        "zh-CN": "小组与组长：",
        "en": "Squads and their leaders:",
    },
    "cohort_opening_squad_line": {
        "zh-CN": "· {squad}：组长 {leaders}（{count} 人）",
        "en": "· {squad}: led by {leaders} ({count} members)",
    },
    "cohort_opening_no_leader": {
        "zh-CN": "待定",
        "en": "to be named",
    },
    "cohort_opening_welcome": {
        "zh-CN": "每天「打卡」，每周「交作业」，一起坚持到结业！",
        "en": "Check in every day (/checkin), hand in your homework each week (/submit), "
        "and let's all reach the end together!",
    },
    "cohort_closing_title": {
        "zh-CN": "🎓 {name} 结业（{start} – {end}）",
        "en": "🎓 {name} closes ({start} – {end})",
    },
    "cohort_closing_stars": {
        "zh-CN": "本期之星：",
        "en": "Stars of the cohort:",
    },
    "cohort_closing_no_stars": {
        "zh-CN": "本期没有评出之星。",
        "en": "No stars this cohort.",
    },
    "cohort_closing_levels": {
        "zh-CN": "等级：{levels}",
        "en": "Levels reached: {levels}",
    },
    "cohort_closing_thanks": {
        "zh-CN": "感谢每一位同学的坚持与分享，我们下期见！🙏",
        "en": "Thank you all for showing up and sharing. See you next time! 🙏",
    },
    "cohort_report_title": {
        "zh-CN": "（{name}）",
        "en": " ({name})",
    },
}
