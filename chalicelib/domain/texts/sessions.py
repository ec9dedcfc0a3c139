"""Texts of recurring sessions (分享会): the job's posts, 报名分享, 确认分享, 到, 录播,
取消分享 and 分享会."""

TEXTS: dict[str, dict[str, str]] = {
    # -- the job's posts
    "session_announce": {
        "zh-CN": "📣 {title}：{date}（{weekday}）{time} 开始，{duration} 分钟。\n主讲：{speaker}\n"
        "主题：{topic}",
        "en": "📣 {title}: {date} ({weekday}) at {time}, {duration} minutes.\nSpeaker: {speaker}\n"
        "Topic: {topic}",
    },
    "session_speaker_open": {
        "zh-CN": "还没有主讲人，发送「报名分享 {date}」报名",
        "en": "none yet: sign up with /speak {date}",
    },
    "session_speaker_pending": {
        "zh-CN": "{name}（待确认）",
        "en": "{name} (to be confirmed)",
    },
    "session_remind": {
        "zh-CN": "⏰ {title} 一小时后（{time}）开始。主讲：{speaker}，主题：{topic}",
        "en": "⏰ {title} starts in an hour ({time}). Speaker: {speaker}, topic: {topic}",
    },
    "session_start": {
        "zh-CN": "🎙️ {title} 现在开始！主讲：{speaker}，主题：{topic}\n"
        "分享期间请大家不要闲聊、发问、刷屏，问题留到提问时间。发送「到」签到。",
        "en": "🎙️ {title} starts now! Speaker: {speaker}, topic: {topic}\n"
        "Quiet please during the talk: no chatter, questions or flooding; keep questions for "
        "question time. Send /here to be counted.",
    },
    "session_questions": {
        "zh-CN": "🙋 提问时间到！现在可以向 {speaker} 提问了（{minutes} 分钟）。",
        "en": "🙋 Question time! Ask {speaker} your questions now ({minutes} minutes).",
    },
    "session_summary": {
        "zh-CN": "📝 {title}（{date}）结束。主讲：{speaker}，主题：{topic}\n"
        "出席 {count} 人：{names}",
        "en": "📝 {title} ({date}) is over. Speaker: {speaker}, topic: {topic}\n"
        "{count} attended: {names}",
    },
    "session_summary_recording": {
        "zh-CN": "录播：{url}",
        "en": "Recording: {url}",
    },
    "session_summary_no_recording": {
        "zh-CN": "主讲人可发送「录播 链接」补上录播。",
        "en": "The speaker may add the recording with /recording <link>.",
    },
    "session_nobody": {"zh-CN": "无", "en": "nobody"},
    "session_no_speaker": {"zh-CN": "待定", "en": "to be announced"},
    "session_speaker_alert": {
        "zh-CN": "⚠️ 管理员请注意：{title}（{date} {time}）还没有确认的主讲人。{pending}",
        "en": "⚠️ Admins: {title} ({date} {time}) has no confirmed speaker yet. {pending}",
    },
    "session_alert_pending": {
        "zh-CN": "{name} 已报名，发送「确认分享 {date}」确认。",
        "en": "{name} signed up: confirm with /confirm-speaker {date}.",
    },
    "session_alert_open": {
        "zh-CN": "还没有人报名。",
        "en": "Nobody has signed up.",
    },
    "session_rota_picked": {
        "zh-CN": "🎤 {title}（{date}（{weekday}）{time}）的主讲人按轮值定为 {speaker}，"
        "主题：{topic}。",
        "en": "🎤 By the speaker rota, {speaker} speaks at {title} on {date} ({weekday}) at "
        "{time}. Topic: {topic}.",
    },
    "session_rota_note": {
        "zh-CN": "{speaker}，你是 {title}（{date} {time}）的主讲人，时长 {duration} 分钟。"
        "发送「报名分享 {date} 主题」可修改主题；不能来请告诉管理员。",
        "en": "{speaker}, you speak at {title} on {date} at {time} ({duration} minutes). "
        "Set your topic with /speak {date} <topic>; if you cannot, tell an admin.",
    },
    "session_cancelled_notice": {
        "zh-CN": "🚫 {title}（{date} {time}）取消了，下次见。",
        "en": "🚫 {title} on {date} at {time} is cancelled. See you next time.",
    },
    # -- 报名分享 /speak
    "session_speak_usage": {
        "zh-CN": "报名分享：报名分享 <日期> [主题]，如：报名分享 12-12 聊聊 Kubernetes",
        "en": "Sign up to speak: /speak <date> [topic], e.g. /speak 2026-12-12 Kubernetes",
    },
    "session_none_on": {
        "zh-CN": "{date} 没有分享会。发送「分享会」查看接下来的安排。",
        "en": "There is no session on {date}. Send /sessions to see what is coming.",
    },
    "session_past": {
        "zh-CN": "{date} 的分享会已经开始或结束了。",
        "en": "The session on {date} has already started or ended.",
    },
    "session_taken": {
        "zh-CN": "{date} 已经有主讲人了：{name}。",
        "en": "{date} already has a speaker: {name}.",
    },
    "session_is_cancelled": {
        "zh-CN": "{date} 的分享会已取消。",
        "en": "The session on {date} is cancelled.",
    },
    "session_signed_up": {
        "zh-CN": "✅ {name} 报名了 {date} 的分享会（{title}），等待管理员确认。",
        "en": "✅ {name} signed up to speak on {date} ({title}); an admin will confirm.",
    },
    # -- 确认分享 /confirm-speaker
    "session_admins_only": {
        "zh-CN": "{name}，只有群主或管理员可以这样做。",
        "en": "{name}, only owners and admins may do that.",
    },
    "session_confirm_usage": {
        "zh-CN": "确认主讲人：确认分享 <日期>，如：确认分享 12-12",
        "en": "Confirm a speaker: /confirm-speaker <date>, e.g. /confirm-speaker 2026-12-12",
    },
    "session_no_signup": {
        "zh-CN": "{date} 还没有人报名分享。",
        "en": "Nobody has signed up to speak on {date}.",
    },
    "session_confirmed": {
        "zh-CN": "✅ 已确认：{name} 主讲 {date} 的分享会。",
        "en": "✅ Confirmed: {name} speaks on {date}.",
    },
    # -- 到 /here
    "session_not_now": {
        "zh-CN": "现在没有进行中的分享会，签到在开始前 10 分钟到结束之间。",
        "en": "No session is on now; attendance opens 10 minutes before a session and closes "
        "at its end.",
    },
    "session_attended": {
        "zh-CN": "✅ {name} 已签到（{title}，{date}）。",
        "en": "✅ {name} is here ({title}, {date}).",
    },
    "session_already_here": {
        "zh-CN": "{name} 已经签到过了。",
        "en": "{name} is already counted.",
    },
    # -- 录播 /recording
    "session_recording_usage": {
        "zh-CN": "添加录播：录播 <http(s) 链接>，如：录播 https://example.com/v/1",
        "en": "Add the recording: /recording <http(s) link>, e.g. /recording https://example.com/v/1",
    },
    "session_recording_bad_url": {
        "zh-CN": "录播链接要以 http:// 或 https:// 开头。",
        "en": "A recording link must start with http:// or https://.",
    },
    "session_recording_none": {
        "zh-CN": "最近没有已开始的分享会。",
        "en": "No session has started recently.",
    },
    "session_recording_who": {
        "zh-CN": "{name}，只有主讲人或管理员可以添加录播。",
        "en": "{name}, only the speaker or an admin may add the recording.",
    },
    "session_recording_saved": {
        "zh-CN": "🎬 {date} 的录播：{url}",
        "en": "🎬 Recording of {date}: {url}",
    },
    # -- 取消分享 /cancel-session
    "session_cancel_usage": {
        "zh-CN": "取消一次分享会：取消分享 <日期>，如：取消分享 12-12",
        "en": "Cancel a session: /cancel-session <date>, e.g. /cancel-session 2026-12-12",
    },
    "session_already_cancelled": {
        "zh-CN": "{date} 的分享会已经取消了。",
        "en": "The session on {date} is already cancelled.",
    },
    # -- 分享会 /sessions
    "session_list_none": {
        "zh-CN": "还没有安排分享会。",
        "en": "No sessions are scheduled.",
    },
    "session_list_head": {
        "zh-CN": "📅 接下来的分享会：",
        "en": "📅 Coming sessions:",
    },
    "session_list_line": {
        "zh-CN": "{date}（{weekday}）{time} {title}：{speaker}",
        "en": "{date} ({weekday}) {time} {title}: {speaker}",
    },
    "session_list_cancelled": {
        "zh-CN": "{date}（{weekday}）{time} {title}：已取消",
        "en": "{date} ({weekday}) {time} {title}: cancelled",
    },
}
