"""The command table names its handlers by module and function (imported on first use):
every name must resolve, and a cold check-in must not import the other features."""

from __future__ import annotations

import subprocess
import sys

from chalicelib.chat.router import HANDLERS, SELF_DEDUPLICATING, handle_unknown, handler


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
