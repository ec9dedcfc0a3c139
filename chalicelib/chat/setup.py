"""/setup (开通) and /settings (设置): an organiser sets the group up with an invite code, and
admins see and change the routine's settings from chat.

``/setup`` arrives in a group no community has yet, so the webhook calls
:func:`setup_unbound` with the event alone (inbound.py): a refusal is answered at once; a
good code creates the community, binds the group and makes the sender its owner, and the
command goes to the queue worker (router.DEFERRED), which schedules the jobs and answers
with the first reminder's local time. ``/settings`` is answered at once when it refuses or
only shows; a change is made by the worker, which reschedules the jobs. Scheduling needs
every job's declaration, which the webhook's function is not granted to reach
(tests/deploy/test_policy_reach.py: no BatchWriteItem on the webhook). Both go through the
use cases of features/communities.py, which the CLI's ``community create|update`` call too:
one validator, one audit trail, one way to schedule.

DingTalk (chat/confirm.py): ``/settings <change>`` is held for a code sent by direct message,
like every admin command that changes something there. ``/setup`` is not: its sender is no
admin yet (there is no community to be admin of), and the invite code is the proof a forged
body would lack; a code is good for its uses only, and a group already set up refuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.domain.commands import Command
from chalicelib.domain.invites import setup_code_and_name
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, InvalidValue, Member
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


@dataclass(frozen=True)
class SetupAnswer:
    """What the webhook does with a /setup in a group with no community: answer
    ``replies`` (a refusal), or, with ``community`` created and ``owner`` its owner, queue
    the command for the worker, which schedules the jobs and answers (inbound.py)."""

    replies: list[Message]
    community: Community | None = None
    owner: Member | None = None


def setup_unbound(
    store: Store, event: InboundEvent, command: Command, now: datetime
) -> SetupAnswer:
    """``/setup <code> [name]`` in a group with no community: create it, or one line why not."""
    from chalicelib.features.communities import (
        SETUP_ALREADY_BOUND,
        SETUP_BAD_CODE,
        Organiser,
        setup_from_chat,
    )

    locale = setup_locale(event, command)
    if event.chat_id == event.sender.user_id:
        # A one-to-one chat (a WeCom app message, a Telegram private chat): the chat is the
        # sender, no group whose reminders a community could post.
        return SetupAnswer([Message(t(locale, "setup_in_group_only"))])
    code, name = setup_code_and_name(command.args)
    if not code and not event.workspace:
        return SetupAnswer([Message(t(locale, "setup_usage"))])
    sender = event.sender
    organiser = Organiser(
        sender.user_id, sender.name or sender.username or sender.user_id, sender.username
    )
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
        return SetupAnswer([Message(t(locale, "setup_bad_code" if code else "setup_usage"))])
    if result.outcome == SETUP_ALREADY_BOUND or result.community is None:
        return SetupAnswer([Message(t(locale, "setup_already_bound"))])
    owner = store.get_member(result.community.id, sender.user_id)
    return SetupAnswer([], result.community, owner)


def precheck_setup(ctx: CommandContext) -> Sequence[Message] | None:
    """``/setup`` in a group that already is a community: it is set up. Unless its jobs were
    never scheduled (the worker never got the first /setup: the queue refused it), when an
    owner's or admin's /setup finishes it (one Query)."""
    from chalicelib.features.communities import next_runs

    if ctx.may("settings") and not next_runs(ctx.store, ctx.community.id):
        return None
    return [ctx.say("setup_already_bound")]


def handle_setup(ctx: CommandContext) -> Sequence[Message]:
    """In the queue worker, right after the webhook created the community: schedule its
    jobs and tell the organiser what happens next, in the group's language."""
    if not ctx.in_worker:
        return precheck_setup(ctx) or [ctx.say("setup_already_bound")]
    from chalicelib.features.communities import local_run, schedule_jobs

    community = ctx.community
    first = schedule_jobs(ctx.store, community, ctx.now).get("daily-reminder")
    return [
        ctx.say(
            "setup_done",
            community=community.name,
            owner=ctx.member.display(),
            reminder=community.reminder_time,
            timezone=community.timezone,
            first=local_run(first, community.timezone)
            if first
            else t(community.locale, "settings_no_next"),
        )
    ]


def precheck_settings(ctx: CommandContext) -> Sequence[Message] | None:
    """What the webhook answers at once: a refusal (not an admin, a bad value: the
    validator's reason), the settings when none is given, "no change"; None when the change
    goes to the queue worker (it reschedules the jobs: handle_settings)."""
    if not ctx.may("settings"):
        return [ctx.say("admin_only", name=ctx.member.display())]
    args = ctx.command.args.strip()
    if not args:
        return [_show(ctx)]
    from chalicelib.domain.settings import apply_settings, chat_settings, parse_settings

    community = ctx.community
    try:
        raw = chat_settings(args)
        members = None
        if "reviewers" in raw:  # judged against the roster (one Query)
            members = sum(1 for m in ctx.store.list_members(community.id) if m.is_present)
        apply_settings(community, raw, members=members)
    except InvalidValue as error:
        return [_refused(ctx, error)]
    changed = parse_settings(raw)
    if all(getattr(community, name) == value for name, value in changed.items()):
        return [ctx.say("settings_unchanged")]
    return None


def handle_settings(ctx: CommandContext) -> Sequence[Message]:
    """``/settings <what> <value>``, in the queue worker: checked again (the community may
    have changed since), changed, audited, rescheduled; the answer names the next run."""
    refused = precheck_settings(ctx)
    if refused is not None:
        return refused
    from chalicelib.domain.settings import chat_settings
    from chalicelib.features.communities import change_settings, local_run

    try:
        raw = chat_settings(ctx.command.args)
        changed = change_settings(ctx.store, ctx.community, raw, by=ctx.member.user_id, now=ctx.now)
    except InvalidValue as error:
        return [_refused(ctx, error)]
    if not changed.changes:
        return [ctx.say("settings_unchanged")]
    updated = changed.community
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


def _refused(ctx: CommandContext, error: InvalidValue) -> Message:
    from chalicelib.domain.settings import SettingRefused

    setting = error.setting if isinstance(error, SettingRefused) else None
    return ctx.say("settings_refused", reason=_reason(ctx.community.locale, error, setting))


def _reason(locale: str, error: InvalidValue, setting: str | None) -> str:
    """The validator's own line in English; in Chinese, what the setting takes."""
    from chalicelib.domain.settings import refusal_reason

    return refusal_reason(locale, error, setting)


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
    from chalicelib.features.communities import local_run, next_runs

    c: Community = ctx.community
    locale = c.locale
    at = next_runs(ctx.store, c.id).get("daily-reminder")
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
