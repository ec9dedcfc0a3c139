"""Texts of the one-time codes that confirm an admin command from DingTalk (chat/confirm.py)."""

TEXTS: dict[str, dict[str, str]] = {
    "confirm_sent": {
        "zh-CN": (
            "为安全起见，「{command}」需要确认：验证码已私信发给你，"
            "请在 10 分钟内发送「确认 验证码」。"
        ),
        "en": (
            "For safety, “{command}” needs confirming: a code was sent to you privately. "
            "Send /confirm <code> within 10 minutes."
        ),
    },
    "confirm_code_dm": {
        "zh-CN": (
            "你的确认码：{code}（10 分钟内有效），用于确认「{command}」。"
            "在群里发送「确认 {code}」。不是你发的？忽略即可。"
        ),
        "en": (
            "Your confirmation code: {code} (valid for 10 minutes), for “{command}”. Send "
            "/confirm {code} in the group. Not you? Ignore this message."
        ),
    },
    "confirm_no_dm": {
        "zh-CN": (
            "在钉钉上，「{command}」需要私信验证码确认，但现在无法私信你。"
            "请联系运营者用命令行完成。"
        ),
        "en": (
            "On DingTalk, “{command}” needs a code sent to you privately, and no direct "
            "message can reach you now. Ask the operator to do it with the rollcall CLI."
        ),
    },
    "confirm_unknown": {
        "zh-CN": "验证码无效或已过期，什么也没有改变。",
        "en": "That code is unknown or expired; nothing changed.",
    },
    "confirm_usage": {
        "zh-CN": "用法：确认 <6 位验证码>",
        "en": "Usage: /confirm <6-digit code>",
    },
}
