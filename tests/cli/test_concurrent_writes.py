"""Writers of the community item change only what they own.

The CLI (an operator) and the chat (an admin's /theme, answered by a warm container whose
copy of the community is up to a minute old) write the same community item. Each writes
only the attributes it changes, so neither erases the other's change, in either order.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from chalicelib.domain.models import Role
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store.repository import Store
from chalicelib.store.table import DynamoTable
from rollcall.cli import main
from tests.conftest import TABLE
from tests.helpers import community, member, runtime

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai, ISO week 2026-W48


@pytest.fixture
def world(dynamo_client, monkeypatch):
    """One DynamoDB table (moto) that the CLI and a warm chat container share."""
    monkeypatch.setenv("ROLLCALL_STAGE", "test")
    monkeypatch.setenv("ROLLCALL_TABLE", TABLE)
    setup = Store(DynamoTable(dynamo_client, TABLE))
    setup.create_community(
        community(robot_webhook="https://robot.example/old", removal_enabled=True)
    )
    setup.save_member(member("boss", name="Boss", role=Role.ADMIN))
    # The chat side's store never lets its cached community expire during the test.
    chat_store = Store(DynamoTable(dynamo_client, TABLE), monotonic=lambda: 0.0)
    rt, _sent = runtime(chat_store, NOON)
    return setup, rt


def say(rt, text: str) -> str:
    event = InboundEvent("message", "console", "chat-1", Sender("boss", "Boss"), text)
    return "\n".join(m.text for m in handle_event(rt, event, NOON))


def operator(*args: str) -> None:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output + result.stderr


def cli_changes() -> None:
    operator("report", "rules", "--community", "c1", "--removal", "off")
    operator("community", "update", "c1", "--robot-webhook", "https://robot.example/new")


@pytest.mark.parametrize("order", ["cli-then-theme", "theme-then-cli"])
def test_cli_and_theme_changes_both_survive_a_stale_cached_community(world, order):
    setup, rt = world
    assert "No check-in theme" in say(rt, "/theme")  # the container caches the community
    if order == "cli-then-theme":
        cli_changes()  # the cached copy is now stale: removal on, the old robot URL
        assert "Read a poem" in say(rt, "/theme Read a poem")
    else:
        assert "Read a poem" in say(rt, "/theme Read a poem")
        say(rt, "/theme")  # cached again, before the operator's change
        cli_changes()
        assert "cleared" in say(rt, "/theme clear")
        assert "Read a poem" in say(rt, "/theme Read a poem")
    stored = setup.get_community("c1")
    assert stored.removal_enabled is False
    assert stored.robot_webhook == "https://robot.example/new"
    assert (stored.theme, stored.theme_week) == ("Read a poem", "2026-W48")
