"""/setup (开通) and /settings (设置): an organiser sets the group up with an invite code, and
admins see and change the routine's settings from chat.

``/setup`` arrives in a group no community has yet, so the webhook calls
:func:`setup_unbound` with the event alone (inbound.py); in a group already set up the
handler says so. Both go through the use cases of features/communities.py, which the CLI's
``community create|update`` call too: one validator, one audit trail, one way to schedule.

DingTalk (chat/confirm.py): ``/settings <change>`` is held for a code sent by direct message,
like every admin command that changes something there. ``/setup`` is not: its sender is no
admin yet (there is no community to be admin of), and the invite code is the proof a forged
body would lack; a code is good for its uses only, and a group already set up refuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.domain.commands import Command
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, InvalidValue
from chalicelib.platforms.base import InboundEvent, Message
from chalicelib.store.repository import Store

_CHINESE_DAYS = "一二三四五六日"


def setup_locale(event: InboundEvent, command: Command) -> str:
    """The new community's language: the platform's, where it says one we speak (Telegram's
    ``language_code``, Discord's ``locale``); else the command's: 开通 → zh-CN, /setup → en."""
    hint = (event.locale or "").strip().lower()
    if hint.startswith("zh"):
        return "zh-CN"
    if hint.startswith("en"):
        return "en"
    return "en" if command.word.startswith("/") else "zh-CN"


def setup_unbound(
    store: Store, event: InboundEvent, command: Command, now: datetime
) -> list[Message]:
    """``/setup <code> [name]`` in a group with no community: create it, or one line why not."""
    from chalicelib.features.communities import (
        SETUP_ALREADY_BOUND,
        SETUP_BAD_CODE,
        Organiser,
        local_run,
        setup_from_chat,
    )

    locale = setup_locale(event, command)
    code, _, name = command.args.strip().partition(" ")
    if not code and not event.workspace:
        return [Message(t(locale, "setup_usage"))]
    sender = event.sender
    organiser = Organiser(sender.user_id, sender.name or sender.username or sender.user_id)
    default_name = ("社群 " if locale == "zh-CN" else "Community ") + event.chat_id[-6:]
    result = setup_from_chat(
        store,
        platform=event.platform,
        chat_id=event.chat_id,
        organiser=organiser,
        code=code,
        name=name.strip()[:80] or default_name,
        locale=locale,
        workspace=event.workspace,
        now=now,
    )
    if result.outcome == SETUP_BAD_CODE:
        return [Message(t(locale, "setup_bad_code" if code else "setup_usage"))]
    if result.outcome == SETUP_ALREADY_BOUND or result.community is None:
        return [Message(t(locale, "setup_already_bound"))]
    community = result.community
    first = result.next_runs.get("daily-reminder")
    return [
        Message(
            t(
                community.locale,
                "setup_done",
                community=community.name,
                owner=organiser.name,
                reminder=community.reminder_time,
                timezone=community.timezone,
                first=local_run(first, community.timezone)
                if first
                else t(community.locale, "settings_no_next"),
            )
        )
    ]


def handle_setup(ctx: CommandContext) -> Sequence[Message]:
    """``/setup`` in a group that already is a community."""
    return [ctx.say("setup_already_bound")]


def handle_settings(ctx: CommandContext) -> Sequence[Message]:
    """``/settings``: the settings; ``/settings <what> <value>``: change one (admins only)."""
    if not ctx.member.is_admin:
        return [ctx.say("admin_only", name=ctx.member.display())]
    args = ctx.command.args.strip()
    if not args:
        return [_show(ctx)]
    from chalicelib.domain.settings import SettingRefused, chat_settings
    from chalicelib.features.communities import change_settings, local_run

    community = ctx.community
    try:
        raw = chat_settings(args)
        changed = change_settings(ctx.store, community, raw, by=ctx.member.user_id, now=ctx.now)
    except InvalidValue as error:
        setting = error.setting if isinstance(error, SettingRefused) else None
        return [ctx.say("settings_refused", reason=_reason(community.locale, error, setting, args))]
    updated = changed.community
    if not changed.changes:
        return [ctx.say("settings_unchanged")]
    at = changed.next_runs.get(changed.job)
    # The reply speaks the language the community has now (a /settings locale en is
    # answered in English).
    locale = updated.locale
    lines = ", ".join(
        f"{_word(locale, name)} {_value(locale, name, old)} → {_value(locale, name, new)}"
        for name, (old, new) in changed.changes.items()
    )
    return [
        Message(
            t(
                locale,
                "settings_changed",
                changes=lines,
                job=t(locale, f"job_{changed.job}"),
                next=local_run(at, updated.timezone) if at else t(locale, "settings_no_next"),
            )
        )
    ]


def _reason(locale: str, error: InvalidValue, setting: str | None, args: str) -> str:
    """The validator's own line in English; in Chinese, what the setting takes."""
    if locale == "en":
        return str(error)
    if setting is None:
        key = "unknown" if str(error).startswith("unknown setting") else "other"
    else:
        key = setting
    try:
        return t(locale, f"setting_hint_{key}")
    except KeyError:  # a setting without a hint of its own
        return t(locale, "setting_hint_other")


def _word(locale: str, field: str) -> str:
    """What organisers call a Community field in chat (domain/settings.py CHAT_WORDS)."""
    from chalicelib.domain.settings import CHAT_WORDS, SETTINGS

    names = [s.name for s in SETTINGS.values() if s.field == field]
    name = names[0] if names else field
    if field.startswith("deadline_"):
        name = "deadline"
    chinese = locale == "zh-CN"
    for word, target in CHAT_WORDS.items():
        if target == name and word.isascii() != chinese:
            return word
    return name


def _value(locale: str, field: str, value: Any) -> str:
    from chalicelib.domain.settings import WEEKDAYS

    if value is None:
        return "关" if locale == "zh-CN" else "off"
    if isinstance(value, bool):
        on = value
        if locale == "zh-CN":
            return "开" if on else "关"
        return "on" if on else "off"
    if field == "deadline_weekday" and isinstance(value, int):
        return f"周{_CHINESE_DAYS[value]}" if locale == "zh-CN" else WEEKDAYS[value].capitalize()
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _show(ctx: CommandContext) -> Message:
    from chalicelib.features.communities import local_run
    from chalicelib.store import keys

    c: Community = ctx.community
    locale = c.locale
    due = {
        item["job"]: item["scheduled_at"]
        for item in ctx.store.table.query(keys.community_pk(c.id), prefix=keys.due_item_sk(""))
    }
    at = due.get("daily-reminder")
    values: dict[str, Any] = {
        "community": c.name,
        "reminder": c.reminder_time,
        "last_call": _value(locale, "last_call_time", c.last_call_time),
        "timezone": c.timezone,
        "language": c.locale,
        "deadline": f"{_value(locale, 'deadline_weekday', c.deadline_weekday)} {c.deadline_time}",
        "reviewers": c.reviewers_per_submission,
        "cycle": c.cycle_length_days,
        "report_day": c.report_day,
        "report_time": c.report_time,
        "removal": _value(locale, "removal_enabled", c.removal_enabled),
        "next": local_run(at, c.timezone) if at else t(locale, "settings_no_next"),
    }
    return Message(t(locale, "settings_show", **values))
