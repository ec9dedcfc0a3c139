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
}
