"""The command table names its handlers by module and function (imported on first use):
every name must resolve, and a cold check-in must not import the other features."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from chalicelib.chat.router import HANDLERS, SELF_DEDUPLICATING, handle_unknown, handler

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_every_command_resolves_to_a_handler():
    for name in HANDLERS:
        assert callable(handler(name)) and handler(name) is not handle_unknown, name
    assert handler("no-such-command") is handle_unknown
    assert set(HANDLERS) >= SELF_DEDUPLICATING


def test_the_webhook_path_imports_no_homework_or_report_code_until_asked():
    code = (
        "import sys, app, chalicelib.inbound; "
        "from chalicelib.chat.router import handler; handler('checkin'); "
        "loaded = [m for m in ('chalicelib.chat.homework', 'chalicelib.chat.standing', "
        "'chalicelib.domain.inactivity', 'chalicelib.jobs.runner') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_help_lists_the_admin_commands_for_admins_only_in_both_languages():
    from chalicelib.chat.context import CommandContext
    from chalicelib.chat.router import handle_help
    from chalicelib.domain.commands import parse_command
    from chalicelib.domain.models import Role
    from chalicelib.platforms.base import InboundEvent, Sender
    from chalicelib.store.memory import MemoryTable
    from chalicelib.store.repository import Store
    from tests.helpers import community, member

    event = InboundEvent("message", "console", "chat-1", Sender("u", "U"), "/help")
    for locale, admin_word in (("en", "/remind"), ("zh-CN", "提醒 — 现在提醒一次")):
        c = community(locale=locale)
        for role, shown in ((Role.ADMIN, True), (Role.OWNER, True), (Role.MEMBER, False)):
            ctx = CommandContext(
                Store(MemoryTable()), c, member("u", role=role), parse_command("/help"), event, NOW
            )
            [reply] = handle_help(ctx)
            assert (admin_word in reply.text) is shown, (locale, role)
            exempt = "/exempt" if locale == "en" else "豁免 @某人"
            assert (exempt in reply.text) is shown
