"""``rollcall serve`` and ``rollcall chat``: the scheduler tick, and the real server.

The tick is tested on the in-memory table with explicit instants (no sleeping: time is
passed in). The server test runs the real thing once, in a thread on a free port, with the
embedded endpoint in a private state directory, and talks to it as a second terminal would.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Community, Member
from chalicelib.platforms.console import SentMessage, sign
from chalicelib.runtime import Runtime
from chalicelib.store import runs
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from rollcall import local
from rollcall.cli import main
from rollcall.serve import (
    MAX_ATTEMPTS,
    RETRY_AFTER,
    LocalQueue,
    run_server,
    schedule_all,
    tick,
)

SHANGHAI = timedelta(hours=8)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant given as Shanghai wall time in November 2026, as aware UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - SHANGHAI


def community(cid: str = "c1", **overrides: Any) -> Community:
    fields: dict[str, Any] = {
        "id": cid,
        "name": "Study Group",
        "platform": "console",
        "chat_id": f"chat-{cid}",
        "timezone": "Asia/Shanghai",
        "locale": "en",
        "reminder_time": "21:00",
        # Only the job this test is about, whatever planners other jobs add later.
        "jobs": ("daily-reminder",),
    }
    fields.update(overrides)
    return Community(**fields)


@dataclass
class Setup:
    runtime: Runtime
    sent: list[SentMessage]

    @property
    def store(self) -> Store:
        return self.runtime.store


@pytest.fixture
def setup() -> Setup:
    store = Store(MemoryTable())
    store.create_community(community())
    store.save_member(Member("c1", "u1", "Ann", joined_at=date(2026, 1, 1)))
    sent: list[SentMessage] = []
    runtime = Runtime(
        settings=Settings(console_secret="s"), store=store, clock=FixedClock(at(23, 8))
    )
    runtime.console_sink = sent.append
    schedule_all(runtime, at(23, 8))
    return Setup(runtime, sent)


# -- tick --------------------------------------------------------------------------------


def test_ticks_send_the_reminder_exactly_once(setup: Setup):
    """The worker moves the schedule on, so later ticks find nothing due."""
    queue = LocalQueue()
    assert tick(setup.runtime, at(23, 20, 55), queue=queue) == []
    first = tick(setup.runtime, at(23, 21, 1), queue=queue)
    assert [(r.job, r.period, r.status) for r in first] == [
        ("daily-reminder", "2026-11-23", "sent")
    ]
    assert "@Ann" in setup.sent[0].text
    assert tick(setup.runtime, at(23, 21, 2), queue=queue) == []
    assert tick(setup.runtime, at(23, 22, 0), queue=queue) == []
    assert len(setup.sent) == first[0].delivered == 1


def test_a_late_tick_catches_up_a_reminder_that_is_still_timely(setup: Setup):
    (result,) = tick(setup.runtime, at(23, 22, 30))
    assert (result.period, result.status) == ("2026-11-23", "sent")


def test_a_reminder_three_hours_late_is_skipped_and_the_skip_recorded(setup: Setup):
    """A laptop that slept through 21:00 must not remind people at midnight; the record
    tells the operator why nothing was sent, and the schedule moves on to the next day."""
    (result,) = tick(setup.runtime, at(24, 0, 1))
    assert (result.period, result.status) == ("2026-11-23", "skipped")
    record = runs.get_run(setup.store.table, "c1", "daily-reminder", "2026-11-23")
    assert record is not None and record["status"] == runs.SKIPPED
    assert "late by" in record["reason"]
    assert setup.sent == []
    assert tick(setup.runtime, at(24, 0, 2)) == []  # recorded once
    (next_day,) = tick(setup.runtime, at(24, 21, 0))
    assert (next_day.period, next_day.status) == ("2026-11-24", "sent")


def test_a_failed_delivery_is_retried_after_the_visibility_timeout(setup: Setup):
    broken = [True]

    def flaky(sent: SentMessage) -> None:
        if broken[0]:
            from chalicelib.platforms.base import DeliveryError

            raise DeliveryError("chat is down")
        setup.sent.append(sent)

    setup.runtime.console_sink = flaky
    queue = LocalQueue()
    (failed,) = tick(setup.runtime, at(23, 21, 0), queue=queue)
    assert failed.status == "failed"
    assert tick(setup.runtime, at(23, 21, 1), queue=queue) == []  # waiting to be redelivered
    broken[0] = False
    (retried,) = tick(setup.runtime, at(23, 21, 6), queue=queue)
    assert retried.status == "sent" and len(setup.sent) == 1


def test_a_run_that_keeps_failing_is_dead_lettered(setup: Setup):
    from chalicelib.platforms.base import DeliveryError

    def down(sent: SentMessage) -> None:
        raise DeliveryError("chat is down")

    setup.runtime.console_sink = down
    queue = LocalQueue()
    now = at(23, 21, 0)
    for _ in range(MAX_ATTEMPTS):
        (failed,) = tick(setup.runtime, now, queue=queue)
        assert failed.status == "failed"
        now += RETRY_AFTER
    assert queue.dead and queue.dead[0]["period"] == "2026-11-23"
    assert tick(setup.runtime, now, queue=queue) == []


class BrokenRoster(Store):
    """A store whose roster query fails for one community, as a corrupt item would."""

    def list_members(self, community_id: str) -> Iterator[Member]:
        if community_id == "c0":
            raise RuntimeError("corrupt member item")
        return super().list_members(community_id)


def test_one_broken_community_does_not_stop_the_others(setup: Setup):
    store = BrokenRoster(setup.store.table)
    store.create_community(community("c0", chat_id="chat-c0"))
    setup.runtime.store = store
    schedule_all(setup.runtime, at(23, 8))
    results = tick(setup.runtime, at(23, 21, 0))
    assert sorted((r.community_id, r.status) for r in results) == [("c0", "failed"), ("c1", "sent")]
    (failed,) = [r for r in results if r.status == "failed"]
    assert failed.errors == ["corrupt member item"]


def test_communities_on_platforms_not_configured_here_are_left_alone(setup: Setup):
    """Without its bot token a Telegram community's run could only fail, on every tick."""
    setup.store.create_community(community("c0", platform="telegram", chat_id="-100"))
    schedule_all(setup.runtime, at(23, 8))
    unserved: list[str] = []
    results = tick(setup.runtime, at(23, 21, 0), unserved=lambda c: unserved.append(c.id))
    assert [(r.community_id, r.status) for r in results] == [("c1", "sent")]
    assert unserved == ["c0"]
    assert runs.get_run(setup.store.table, "c0", "daily-reminder", "2026-11-23") is None


# -- the real server ---------------------------------------------------------------------


@dataclass
class Server:
    url: str
    port: int
    stop: threading.Event
    thread: threading.Thread
    errors: list[BaseException]
    home: Path
    banner: str

    def shutdown(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()
        if self.errors:
            raise self.errors[0]


@pytest.fixture
def server(capsys: pytest.CaptureFixture[str]) -> Iterator[Server]:
    """``rollcall serve`` in a thread: port 0 picks a free port, ``ready`` says which."""
    home = local.state_dir()
    stop = threading.Event()
    started = threading.Event()
    urls: list[str] = []
    errors: list[BaseException] = []

    def ready(url: str) -> None:
        urls.append(url)
        started.set()

    def serve() -> None:
        try:
            run_server(port=0, fresh=True, tick_seconds=3600, stop=stop, ready=ready)
        except BaseException as error:
            errors.append(error)
            started.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(15), "the server did not start"
    if errors:
        raise errors[0]
    url = urls[0]
    banner = capsys.readouterr().out
    running = Server(url, int(url.rsplit(":", 1)[1]), stop, thread, errors, home, banner)
    try:
        yield running
    finally:
        if thread.is_alive():
            running.shutdown()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(url: str, body: dict[str, Any], secret: str) -> requests.Response:
    raw = json.dumps(body).encode()
    stamp = str(int(datetime.now(UTC).timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Rollcall-Timestamp": stamp,
        "X-Rollcall-Signature": sign(secret, stamp, raw),
    }
    return requests.post(f"{url}/webhooks/console", data=raw, headers=headers, timeout=10)


def test_serve_answers_webhooks_shares_its_state_and_saves_it(
    server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    from rollcall.context import open_store
    from rollcall.runtime import console_secret

    serving = json.loads((server.home / local.SERVE_FILE_NAME).read_text())
    assert serving["endpoint"] == os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    # Another command, as from another terminal (no endpoint in its environment): it finds
    # the published server and writes where the server reads.
    with monkeypatch.context() as other_terminal:
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
            other_terminal.delenv(name)
        with local.local_endpoint() as url:
            assert url == serving["endpoint"]
        with open_store() as store:
            store.create_community(community("c1", chat_id="room-1"))
            store.create_community(community("c2", platform="telegram", chat_id="-100"))

        answer = post(
            server.url,
            {"chat_id": "room-1", "user": {"id": "u1", "name": "Ann"}, "text": "/help"},
            console_secret(),
        )
        assert answer.status_code == 200
        assert any("/checkin" in part for part in answer.json()["replies"][0])
        assert post(server.url, {"chat_id": "room-1"}, "wrong").status_code == 401

        runner = CliRunner()
        said = runner.invoke(
            main,
            ["chat", "--community", "c1", "--user", "u2", "--port", str(server.port), "/help"],
        )
        assert said.exit_code == 0, said.output
        assert "/checkin" in said.stdout
        # Without --port, chat finds the port the running serve announced in serve.json.
        announced = runner.invoke(main, ["chat", "--community", "c1", "--user", "u2", "/help"])
        assert announced.exit_code == 0, announced.output
        assert "/checkin" in announced.stdout
        wrong_platform = runner.invoke(
            main, ["chat", "--community", "c2", "--user", "u2", "--port", str(server.port), "hi"]
        )
        assert wrong_platform.exit_code != 0
        assert "only talks to console communities" in wrong_platform.stderr

        # A second serve on the same state would save over the first one's writes.
        with pytest.raises(local.LocalStateError, match="already running"):
            run_server(port=0, fresh=False, tick_seconds=60)

    server.shutdown()
    assert f"{server.url}/webhooks/<platform>" in server.banner
    assert f"rollcall chat --community ID --user u1 --port {server.port}" in server.banner
    assert serving["endpoint"] in server.banner and str(server.home) in server.banner
    out = capsys.readouterr().out
    assert "bot → room-1:" in out  # the bot's replies are shown in the server's log
    assert "POST /webhooks/console → 200" in out
    saved = (server.home / local.SNAPSHOT_NAME).read_text()
    assert "room-1" in saved and "Ann" in saved
    assert not (server.home / local.SERVE_FILE_NAME).exists()
    assert "AWS_ENDPOINT_URL" not in os.environ


def test_chat_without_a_server_says_so_in_one_line():
    port = free_port()
    result = CliRunner().invoke(
        main, ["chat", "--community", "c1", "--user", "u1", "--port", str(port), "hi"]
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: no rollcall serve on port {port} (start one with `rollcall serve`)"
    )


def test_serve_refuses_to_face_the_network():
    with pytest.raises(ValueError, match="loopback"):
        run_server(port=0, fresh=True, tick_seconds=60, host="0.0.0.0")  # noqa: S104


def test_a_nickname_prompt_the_webhook_queued_is_sent_by_the_local_worker(setup: Setup):
    """`rollcall serve` runs the queue's nickname prompts as the Lambda worker does: the
    member's prompt by direct message, never in the group; a prompt whose DM fails is
    retried like a failed run."""
    from chalicelib.queue import nickname_prompt_message

    setup.store.update_community(
        setup.store.get_community("c1"), nickname_pattern=r"\S+-\S+", nickname_format="name-city"
    )
    broken = [True]

    def flaky(sent: SentMessage) -> None:
        if broken[0]:
            raise RuntimeError("the platform's token could not be read")
        setup.sent.append(sent)

    setup.runtime.console_sink = flaky
    queue = LocalQueue()
    queue.queue.send_batch([nickname_prompt_message("c1", "u1")])
    tick(setup.runtime, at(23, 12), queue=queue)
    assert setup.sent == []
    broken[0] = False
    tick(setup.runtime, at(23, 12) + RETRY_AFTER, queue=queue)
    [prompt] = setup.sent
    assert prompt.kind == "direct" and prompt.user_id == "u1" and "name-city" in prompt.text


def test_the_generated_console_secret_is_private_from_its_creation(tmp_path, monkeypatch):
    """The secret that signs the local console's requests is created 0600: never readable
    by another user, not even between its write and a chmod (none is made: a chmod that
    does nothing leaves it private)."""
    from rollcall.runtime import console_secret

    monkeypatch.delenv("ROLLCALL_CONSOLE_SECRET", raising=False)
    monkeypatch.setattr(Path, "chmod", lambda *_args, **_kw: None)
    previous = os.umask(0)
    try:
        secret = console_secret(tmp_path / "state")
    finally:
        os.umask(previous)
    path = tmp_path / "state" / "console-secret"
    assert path.read_text() == secret and len(secret) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert console_secret(tmp_path / "state") == secret  # kept: serve and chat agree
