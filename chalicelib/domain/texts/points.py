"""Texts of points, levels and stars: /me's points line, the points leaderboard, level-ups
in the scheduled posts, 星榜 /stars and 颁奖 /award."""

TEXTS: dict[str, dict[str, str]] = {
    # -- /me
    "me_points": {
        "zh-CN": "⭐ 积分 {points}（本周 {week}，本月 {month}）· 等级：{level}",
        "en": "⭐ Points: {points} ({week} this week, {month} this month) · Level: {level}",
    },
    "me_next_level": {
        "zh-CN": "下一级「{next}」还需：{needs}",
        "en": "Next level, {next}, needs: {needs}",
    },
    "me_top_level": {
        "zh-CN": "已是最高等级，了不起！",
        "en": "You are at the top of the ladder. Remarkable!",
    },
    "need_points": {"zh-CN": "再得 {n} 积分", "en": "{n} more points"},
    "need_best_streak": {"zh-CN": "最长连续打卡 {n} 天", "en": "a best streak of {n} days"},
    "need_homework_cycles": {"zh-CN": "交满 {n} 期作业", "en": "homework in {n} cycles"},
    "need_reviews_given": {"zh-CN": "点评他人 {n} 次", "en": "{n} reviews given"},
    "need_days_in": {"zh-CN": "入群满 {n} 天", "en": "{n} days in the community"},
    # -- level-ups, in the next scheduled post
    "levelup_line": {
        "zh-CN": "🎉 升级：{names}",
        "en": "🎉 Levelled up: {names}",
    },
    "levelup_entry": {"zh-CN": "{name} → {level}", "en": "{name} → {level}"},
    # -- 排行榜 积分 /leaderboard points
    "leaderboard_points_usage": {
        "zh-CN": "积分榜：排行榜 积分、排行榜 积分 月、排行榜 积分 总",
        "en": "Points boards: /leaderboard points, /leaderboard points month, "
        "/leaderboard points all",
    },
    "leaderboard_points_title_week": {
        "zh-CN": "🏅 本周积分榜（{first} 至 {last}）",
        "en": "🏅 Points this week ({first} to {last})",
    },
    "leaderboard_points_title_month": {
        "zh-CN": "🏅 本月积分榜（{first} 至 {last}）",
        "en": "🏅 Points this month ({first} to {last})",
    },
    "leaderboard_points_title_all": {
        "zh-CN": "🏅 积分总榜",
        "en": "🏅 Points, all time",
    },
    "leaderboard_points_line": {
        "zh-CN": "{rank}. {name}  {points} 分 · {level}",
        "en": "{rank}. {name}  {points} pts · {level}",
    },
    "leaderboard_points_empty": {
        "zh-CN": "还没有人得分，快去打卡吧！",
        "en": "No points yet. Check in to get on the board!",
    },
    "leaderboard_points_you": {
        "zh-CN": "你排第 {rank} 名，{points} 分。",
        "en": "You are #{rank} with {points} points.",
    },
    "leaderboard_points_you_unranked": {
        "zh-CN": "你还没有上榜。",
        "en": "You are not on the board yet.",
    },
    # -- the month's and quarter's stars
    "stars_title_month": {
        "zh-CN": "🌟 {period} 月度之星",
        "en": "🌟 Stars of {period}",
    },
    "stars_title_quarter": {
        "zh-CN": "🌟 {period} 季度之星",
        "en": "🌟 Stars of the quarter {period}",
    },
    "stars_checkins": {
        "zh-CN": "打卡之星：{names}（打卡 {score} 天）",
        "en": "Check-in star: {names} ({score} check-ins)",
    },
    "stars_homework": {
        "zh-CN": "作业之星：{names}（{score} 分）",
        "en": "Homework star: {names} ({score} points)",
    },
    "stars_reviews": {
        "zh-CN": "点评之星：{names}（点评 {score} 次）",
        "en": "Review star: {names} ({score} reviews)",
    },
    "stars_short_checkins": {"zh-CN": "打卡之星 {names}", "en": "check-ins: {names}"},
    "stars_short_homework": {"zh-CN": "作业之星 {names}", "en": "homework: {names}"},
    "stars_short_reviews": {"zh-CN": "点评之星 {names}", "en": "reviews: {names}"},
    "stars_history_separator": {"zh-CN": "；", "en": "; "},
    "stars_history_period": {
        "zh-CN": "{period}：{awards}",
        "en": "{period}: {awards}",
    },
    "stars_history_hand": {
        "zh-CN": "{period}：「{award}」{name}（{by} 颁发）",
        "en": "{period}: “{award}” to {name} (from {by})",
    },
    "stars_history_title": {
        "zh-CN": "🌟 星榜",
        "en": "🌟 Stars so far",
    },
    "stars_history_empty": {
        "zh-CN": "还没有评出过星星。每月 1 日公布上个月的打卡之星、作业之星、点评之星。",
        "en": "No stars yet. Each month's check-in, homework and review stars are posted on "
        "the 1st of the next month.",
    },
    # -- 颁奖 /award
    "award_usage": {
        "zh-CN": "颁奖请写：颁奖 @某人 奖项名（1-30 字），如 颁奖 @小明 最佳进步",
        "en": "Usage: /award @someone <award> (1-30 characters), e.g. /award @sam most improved",
    },
    "award_admins_only": {
        "zh-CN": "只有管理员可以颁奖。",
        "en": "Only admins can give awards.",
    },
    "award_self": {
        "zh-CN": "不能给自己颁奖哦。",
        "en": "You cannot give an award to yourself.",
    },
    "award_not_member": {
        "zh-CN": "找不到成员 {who}。",
        "en": "No member called {who} here.",
    },
    "award_given": {
        "zh-CN": "🏆 {by} 为 {name} 颁发「{award}」！",
        "en": "🏆 {by} gives {name} the award “{award}”!",
    },
}
