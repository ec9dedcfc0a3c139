"""Texts of the monthly goal: 本月目标, 进度, 目标榜, and its lines in /me, the weekly
digest and the monthly report."""

TEXTS: dict[str, dict[str, str]] = {
    # -- 本月目标 /goal
    "goal_usage": {
        "zh-CN": "设置本月目标：本月目标 <名称> <数量><单位>，如：本月目标 读完《原则》 300页",
        "en": 'Set this month\'s goal: /goal <title> <number> <unit>, e.g. /goal "Principles" '
        "300 pages",
    },
    "goal_refused_target": {
        "zh-CN": "目标数量要是 1 到 {max} 之间的整数。",
        "en": "The target must be a whole number from 1 to {max}.",
    },
    "goal_refused_title": {
        "zh-CN": "目标名称最多 {limit} 个字。",
        "en": "A goal's title has at most {limit} characters.",
    },
    "goal_admins_only": {
        "zh-CN": "{name}，只有群主或管理员可以设置本月目标。发送「本月目标」查看当前目标。",
        "en": "{name}, only owners and admins set the month's goal. Send /goal to see it.",
    },
    "goal_set": {
        "zh-CN": "🎯 本月（{month}）目标：{title}，{target}{unit}。"
        "用「进度 数字」报告你的累计进度，如 进度 120，或 进度 +20。",
        "en": "🎯 This month's goal ({month}): {title}, {target} {unit}. Report your total "
        "with /progress <number>, e.g. /progress 120, or add with /progress +20.",
    },
    "goal_cleared": {
        "zh-CN": "本月（{month}）目标已取消。",
        "en": "This month's goal ({month}) is turned off.",
    },
    "goal_none": {
        "zh-CN": "本月（{month}）还没有目标。",
        "en": "There is no goal this month ({month}).",
    },
    "goal_current": {
        "zh-CN": "🎯 本月（{month}）目标：{title}，{target}{unit}。{name} 的进度：{value}/{target}"
        "（{percent}%）",
        "en": "🎯 This month's goal ({month}): {title}, {target} {unit}. {name}'s progress: "
        "{value}/{target} ({percent}%)",
    },
    # -- 进度 /progress
    "progress_usage": {
        "zh-CN": "报告进度请写一个数字：进度 120（累计），或 进度 +20（增加）。",
        "en": "Report your progress as a number: /progress 120 (your total) or /progress +20 "
        "(to add).",
    },
    "progress_negative": {
        "zh-CN": "进度不能是负数。",
        "en": "Progress cannot be negative.",
    },
    "progress_above_target": {
        "zh-CN": "进度不能超过目标 {target}{unit}（你现在是 {value}）。",
        "en": "Progress cannot go above the target of {target} {unit} (you are at {value}).",
    },
    "progress_no_goal": {
        "zh-CN": "本月还没有目标，等管理员用「本月目标」设置后再报告进度吧。",
        "en": "There is no goal this month; an admin sets one with /goal.",
    },
    "progress_done": {
        "zh-CN": "📖 {name} 的进度：{value}/{target}{unit}（{percent}%）",
        "en": "📖 {name}'s progress: {value}/{target} {unit} ({percent}%)",
    },
    "progress_finished": {
        "zh-CN": "🎉 {name} 完成了本月目标「{title}」！",
        "en": "🎉 {name} finished this month's goal, {title}!",
    },
    # -- 我的 /me
    "me_goal": {
        "zh-CN": "🎯 本月目标「{title}」：{value}/{target}{unit}（{percent}%）",
        "en": "🎯 This month's goal, {title}: {value}/{target} {unit} ({percent}%)",
    },
    # -- 目标榜 /goal board
    "goal_board_title": {
        "zh-CN": "🎯 本月（{month}）目标榜：{title}，{target}{unit}",
        "en": "🎯 Goal board for {month}: {title}, {target} {unit}",
    },
    "goal_board_finished": {
        "zh-CN": "🎉 已完成（{count}）：{names}",
        "en": "🎉 Finished ({count}): {names}",
    },
    "goal_board_leaders": {
        "zh-CN": "📖 进行中：{names}",
        "en": "📖 On the way: {names}",
    },
    "goal_board_nobody": {
        "zh-CN": "还没有人报告进度。发送「进度 数字」报告吧。",
        "en": "Nobody has reported progress yet. Send /progress <number>.",
    },
    "goal_board_total": {
        "zh-CN": "全群合计：{total}/{possible}{unit}（{percent}%），{reporting} 人已报告",
        "en": "Community total: {total}/{possible} {unit} ({percent}%), {reporting} reporting",
    },
    "goal_board_entry": {
        "zh-CN": "{name} {value}",
        "en": "{name} {value}",
    },
    # -- the weekly digest's line
    "goal_digest_line": {
        "zh-CN": "🎯 本月目标「{title}」：{finished} 人完成，全群合计 {total}/{possible}{unit}"
        "（{percent}%）",
        "en": "🎯 This month's goal, {title}: {finished} finished, community total "
        "{total}/{possible} {unit} ({percent}%)",
    },
    # -- the month's end (the monthly report's group post)
    "goal_month_end": {
        "zh-CN": "🎯 {month} 月度目标「{title}」（{target}{unit}）结束：{finished} 人完成，"
        "全群合计 {total}/{possible}{unit}（{percent}%）。",
        "en": "🎯 The goal for {month}, {title} ({target} {unit}), is over: {finished} "
        "finished, community total {total}/{possible} {unit} ({percent}%).",
    },
    "goal_month_end_names": {
        "zh-CN": "🎉 完成的成员：{names}",
        "en": "🎉 Finished: {names}",
    },
    # -- /mydata: the kind of item (store/erasure.KIND_NAMES)
    "mydata_kind_goals": {
        "zh-CN": "本月目标与进度",
        "en": "monthly goals and progress",
    },
}
