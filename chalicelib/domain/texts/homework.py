"""Texts of weekly homework: 交作业, 点评, 作业 and the weekly digest."""

TEXTS: dict[str, dict[str, str]] = {
    # -- cycles
    "hw_not_set_up": {
        "zh-CN": "这个群还没有设置作业周期（管理员可以设置周期起始日期）。",
        "en": "Homework cycles are not set up here yet (an admin can set a cycle start date).",
    },
    "hw_not_started": {
        "zh-CN": "作业还没开始：第一个周期从 {start} 开始，{deadline} 截止。",
        "en": "Homework has not started yet: the first cycle opens on {start}, due {deadline}.",
    },
    "hw_paused": {
        "zh-CN": "⏸ 本期作业（{cycle}，{deadline} 截止）暂停，不用交作业。",
        "en": "⏸ This cycle ({cycle}, due {deadline}) is paused: no homework to hand in.",
    },
    # -- 交作业 /submit
    "hw_submit_usage": {
        "zh-CN": "交作业请附上链接或文字，如：交作业 https://example.com/my-essay",
        "en": "Hand in a link or some text, e.g. /submit https://example.com/my-essay",
    },
    "hw_refused_not_http": {
        "zh-CN": "链接需要以 http:// 或 https:// 开头，请检查后重新提交。",
        "en": "Links must start with http:// or https://. Check it and send it again.",
    },
    "hw_refused_bad_link": {
        "zh-CN": "这个链接格式不对（需要 http(s)://域名/...，如 https://example.com/a），请检查后重新提交。",
        "en": "That link is not a valid web address (http(s):// and a host, such as "
        "https://example.com/a). Check it and send it again.",
    },
    "hw_refused_link_too_long": {
        "zh-CN": "链接超过 {limit} 个字符，请换一个短一些的链接。",
        "en": "That link is longer than {limit} characters; please send a shorter one.",
    },
    "hw_refused_too_long": {
        "zh-CN": "作业文字最多 {limit} 字（你的有 {length} 字）。可以发到别处，再提交链接。",
        "en": "Homework text can be at most {limit} characters (yours has {length}). "
        "Post it somewhere and hand in the link.",
    },
    "hw_submit_done": {
        "zh-CN": "📝 {name} 已交 {cycle} 的作业（{deadline} 截止）。截止前再次提交会替换这一份。",
        "en": "📝 {name} handed in for {cycle} (due {deadline}). "
        "Hand in again before the deadline to replace it.",
    },
    "hw_submit_replaced": {
        "zh-CN": "📝 {name} 的 {cycle} 作业已更新（第 {version} 版，旧版本已保留），"
        "{deadline} 截止。",
        "en": "📝 {name}, your {cycle} homework is replaced (version {version}; earlier "
        "versions are kept). Due {deadline}.",
    },
    "hw_submit_late": {
        "zh-CN": "⏰ {name} 补交了 {cycle} 的作业（截止时间是 {deadline}），记为迟交。",
        "en": "⏰ {name} handed in late for {cycle} (it was due {deadline}); it counts, "
        "marked late.",
    },
    "hw_strike_cleared": {
        "zh-CN": "{cycle} 的缺交记录已撤销。",
        "en": "Your missed-homework strike for {cycle} is cleared.",
    },
    # -- 点评 /review
    "hw_review_usage": {
        "zh-CN": "点评格式：点评 @某人 <点评内容> [1-5分]，如：点评 @小明 结构清晰，例子很好 5",
        "en": "To review: /review @name <your review> [score 1-5], "
        "e.g. /review @Alice Clear and well argued 5",
    },
    "hw_review_not_member": {
        "zh-CN": "群里没有叫「{who}」的成员。",
        "en": "There is no member called “{who}” here.",
    },
    "hw_review_ambiguous": {
        "zh-CN": "有好几位成员叫「{who}」：{names}。请用对方的用户名或 ID。",
        "en": "Several members are called “{who}”: {names}. Use their username or id.",
    },
    "hw_review_self": {
        "zh-CN": "不能点评自己的作业哦，去看看别人的吧 🙂",
        "en": "You can't review your own homework. Go and read someone else's! 🙂",
    },
    "hw_review_bad_score": {
        "zh-CN": "评分只能是 1 到 5 分。",
        "en": "Scores go from 1 to 5.",
    },
    "hw_review_too_long": {
        "zh-CN": "点评最多 {limit} 字。",
        "en": "A review can be at most {limit} characters.",
    },
    "hw_review_nothing": {
        "zh-CN": "{name} 最近还没有交作业，暂时没有可以点评的。",
        "en": "{name} has not handed in anything to review yet.",
    },
    "hw_review_done": {
        "zh-CN": "✅ 已记录 {reviewer} 对 {reviewee}（{cycle}）的点评。",
        "en": "✅ {reviewer}'s review of {reviewee} ({cycle}) is saved.",
    },
    "hw_review_updated": {
        "zh-CN": "✅ {reviewer} 对 {reviewee}（{cycle}）的点评已更新。",
        "en": "✅ {reviewer}'s review of {reviewee} ({cycle}) is updated.",
    },
    "hw_review_score": {
        "zh-CN": "评分：{score}/5",
        "en": "Score: {score}/5",
    },
    "hw_review_extra": {
        "zh-CN": "（这不是分配给你的点评，记为额外点评，谢谢！）",
        "en": "(Not one of your assigned reviews: it counts as an extra one. Thank you!)",
    },
    # -- 作业 /hw
    "hw_status_title": {
        "zh-CN": "📚 {name} 的作业：本期（{cycle}），{deadline} 截止",
        "en": "📚 {name}'s homework: {cycle}, due {deadline}",
    },
    "hw_status_submitted": {
        "zh-CN": "✅ 已交（{at}）：{work}",
        "en": "✅ Handed in ({at}): {work}",
    },
    "hw_status_missing": {
        "zh-CN": "❌ 还没交。发送「交作业 <链接或文字>」提交。",
        "en": "❌ Not handed in yet. Send /submit <link or text>.",
    },
    "hw_status_late_open": {
        "zh-CN": "⏰ 上期（{cycle}） 还没交，{until} 之前可以补交（记为迟交）。",
        "en": "⏰ {cycle} is still missing: you can hand it in late until {until}.",
    },
    "hw_status_late_done": {
        "zh-CN": "⏰ 上期（{cycle}） 已补交（迟交）：{work}",
        "en": "⏰ {cycle} handed in late: {work}",
    },
    "hw_status_owed": {
        "zh-CN": "✍️ 待点评（{cycle}）：{names}",
        "en": "✍️ Reviews owed ({cycle}): {names}",
    },
    "hw_status_reviews_done": {
        "zh-CN": "✍️ {cycle} 分配给你的 {count} 份点评都完成了 👏",
        "en": "✍️ All {count} reviews assigned to you for {cycle} are done 👏",
    },
    "hw_status_no_reviews": {
        "zh-CN": "✍️ 目前没有分配给你的点评。",
        "en": "✍️ No reviews assigned to you right now.",
    },
    "hw_status_strikes": {
        "zh-CN": "缺交次数：{strikes}（连续 {in_a_row} 期）",
        "en": "Missed cycles: {strikes} ({in_a_row} in a row)",
    },
    # -- weekly digest
    "hw_digest_title": {
        "zh-CN": "📚 作业周报 {cycle}（{first} 至 {last}，{deadline} 截止）",
        "en": "📚 Homework digest {cycle} ({first} to {last}, due {deadline})",
    },
    "hw_digest_paused": {
        "zh-CN": "⏸ {cycle}（{first} 至 {last}）作业暂停，本期不用交作业。",
        "en": "⏸ {cycle} ({first} to {last}) was paused: no homework was due.",
    },
    "hw_digest_count": {
        "zh-CN": "已交 {done}/{expected} · 按时 {on_time} · 迟交 {late} · 未交 {missing}",
        "en": "Handed in: {done}/{expected} · on time {on_time} · late {late} · missing {missing}",
    },
    "hw_digest_line": {
        "zh-CN": "{n}. {name} — {work}",
        "en": "{n}. {name} — {work}",
    },
    "hw_digest_line_late": {
        "zh-CN": "{n}. {name} — {work} ⏰迟交",
        "en": "{n}. {name} — {work} ⏰ late",
    },
    "hw_digest_none": {
        "zh-CN": "本期还没有人交作业。",
        "en": "Nobody handed in anything this cycle.",
    },
    "hw_digest_late_title": {
        "zh-CN": "⏰ 上期（{cycle}） 在周报之后补交的作业：",
        "en": "⏰ Late work for {cycle}, handed in after its digest:",
    },
    "hw_digest_missing": {
        "zh-CN": "❌ 未交（{count}）：{names}",
        "en": "❌ Missing ({count}): {names}",
    },
    "hw_digest_on_leave": {
        "zh-CN": "🏖 请假（{count}）：{names}",
        "en": "🏖 On leave ({count}): {names}",
    },
    "hw_digest_grace": {
        "zh-CN": "🌱 新成员，本期不要求（{count}）：{names}",
        "en": "🌱 New members, not expected yet ({count}): {names}",
    },
    "hw_digest_reviews": {
        "zh-CN": "✍️ {cycle} 作业的点评：分配的 {assigned} 份已完成 {done} 份，还欠 {owed} 份，"
        "另有额外点评 {extra} 份",
        "en": "✍️ Reviews of {cycle} work: {done} of {assigned} assigned done, {owed} owed, "
        "{extra} extra",
    },
    "hw_digest_owed_title": {
        "zh-CN": "还欠的点评：",
        "en": "Reviews still owed:",
    },
    "hw_digest_pair": {
        "zh-CN": "{reviewer} → {reviewees}",
        "en": "{reviewer} → {reviewees}",
    },
    "hw_digest_all_reviewed": {
        "zh-CN": "分配的点评全部完成 👏",
        "en": "Every assigned review is done 👏",
    },
    "hw_digest_star_scored": {
        "zh-CN": "🌟 作业之星：{name}（{cycle}，平均 {average} 分，{count} 份点评）",
        "en": "🌟 Homework star: {name} ({cycle}, average {average}/5, reviews: {count})",
    },
    "hw_digest_star_reviewed": {
        "zh-CN": "🌟 作业之星：{name}（{cycle}，收到 {count} 份点评）",
        "en": "🌟 Homework star: {name} ({cycle}, reviews: {count})",
    },
    "hw_digest_star_checkin": {
        "zh-CN": "🏅 打卡之星：{names}（本期打卡 {count} 天）",
        "en": "🏅 Check-in star: {names} (check-ins this cycle: {count})",
    },
    "hw_digest_assign_title": {
        "zh-CN": "🔁 {cycle} 作业互评分配（每份 {k} 人，谁 → 点评谁）：",
        "en": "🔁 Review assignments for {cycle} work ({k} per submission, reviewer → whom):",
    },
    "hw_digest_assign_late_title": {
        "zh-CN": "🔁 {cycle} 补交作业的互评分配：",
        "en": "🔁 Review assignments for the late {cycle} work:",
    },
    "hw_digest_how_to_review": {
        "zh-CN": "发送「点评 @某人 <内容> [1-5分]」提交点评，「作业」查看自己的状态。",
        "en": "Post a review with /review @name <text> [1-5]; /hw shows your own status.",
    },
    "hw_assign_dm_title": {
        "zh-CN": "🔁 {name}，{cycle} 作业互评：请点评以下同学的作业",
        "en": "🔁 {name}, your reviews of {cycle} work: please review",
    },
    "hw_assign_dm_late_title": {
        "zh-CN": "🔁 另有 {cycle} 补交的作业请你点评：",
        "en": "🔁 Also, late {cycle} work for you to review:",
    },
    "hw_assign_dm_line": {
        "zh-CN": "{n}. {name}：{work}",
        "en": "{n}. {name}: {work}",
    },
    # the weekly digest's scannable post and its full list (issue 17)
    "hw_digest_done_names": {
        "zh-CN": "✅ 已交：{names}",
        "en": "✅ Handed in: {names}",
    },
    "hw_digest_done_squad": {
        "zh-CN": "✅ {squad}：{names}",
        "en": "✅ {squad}: {names}",
    },
    "hw_digest_more": {
        "zh-CN": " 等，另 {count} 人见完整名单",
        "en": " …and {count} more in the full list",
    },
    "hw_digest_late_names": {
        "zh-CN": "⏰ {cycle} 补交：{names}",
        "en": "⏰ Also handed in late for {cycle}: {names}",
    },
    "hw_digest_full_title": {
        "zh-CN": "📎 {cycle} 完整名单（作业链接、点评分配）：",
        "en": "📎 {cycle} full list (links to the work, review assignments):",
    },
}
