"""Fixtures for the adapter tests; the helpers behind them are in support.py."""

from __future__ import annotations

import pytest

from tests.platforms.support import FakeTime


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()
