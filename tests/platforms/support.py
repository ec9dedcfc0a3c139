"""What the adapter tests share: a clock that moves only when told, senders that never
wait for real, and a way to read an adapter's log records."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib.platforms.http import HttpSender


class FakeTime:
    """A monotonic clock that moves only when the sender sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def timed_sender(clock: FakeTime, **kwargs: Any) -> HttpSender:
    """An HttpSender on ``clock``, its jitter pinned (backoff waits exactly 0.5 * 2**n)."""
    return HttpSender(sleep=clock.sleep, monotonic=clock.monotonic, jitter=lambda: 0.5, **kwargs)


def quiet_sender(sleeps: list[float] | None = None, **kwargs: Any) -> HttpSender:
    """An HttpSender that never waits: its waits go to ``sleeps`` when given."""
    return HttpSender(sleep=(sleeps.append if sleeps is not None else lambda _: None), **kwargs)


class Recorded(logging.Handler):
    """An adapter's log records, read directly: configure_logging may have stopped
    propagation to the root logger (and so to caplog), and the suite may have quietened
    "rollcall"."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return " ".join(f"{r.getMessage()} {r.__dict__}" for r in self.records)


@contextmanager
def recorded(platform: str, level: int = logging.DEBUG) -> Iterator[Recorded]:
    """The records ``rollcall.platforms.<platform>`` logs at ``level`` and above meanwhile."""
    handler = Recorded()
    logger = logging.getLogger(f"rollcall.platforms.{platform}")
    before = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before)


def log_fixture(platform: str) -> Any:
    """A fixture ``<platform>_log``: the platform adapter's log records during the test."""

    @pytest.fixture(name=f"{platform}_log")
    def fixture() -> Iterator[Recorded]:
        with recorded(platform) as handler:
            yield handler

    return fixture
