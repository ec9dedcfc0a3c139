"""A platform's send budget across workers (store/pacing.py, ROLLCALL_SEND_BUDGET): never
more than the limit in any second, however many workers ask at once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import responses

from chalicelib.clock import FixedClock
from chalicelib.config import Settings, send_budgets
from chalicelib.platforms.base import DeliveryError
from chalicelib.platforms.http import HttpSender
from chalicelib.runtime import Runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.pacing import take_slot
from chalicelib.store.repository import Store

AT = datetime(2026, 11, 23, 13, 0, 0, 250_000, tzinfo=UTC)  # 21:00:00.25 in Shanghai


def test_slots_fill_each_second_up_to_the_limit_then_the_next():
    table = MemoryTable()
    slots = [take_slot(table, "telegram", 3, AT) for _ in range(10)]
    second = AT.replace(microsecond=0)
    assert Counter(slots) == {
        second: 3,
        second + timedelta(seconds=1): 3,
        second + timedelta(seconds=2): 3,
        second + timedelta(seconds=3): 1,
    }
    # Another platform's budget is its own.
    assert take_slot(table, "discord", 3, AT) == second


def test_many_workers_at_once_never_exceed_the_limit_in_any_second():
    table = MemoryTable()
    slots: list[datetime | None] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            slot = take_slot(table, "telegram", 5, AT)
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_second = Counter(slots)
    assert None not in per_second and sum(per_second.values()) == 120
    assert max(per_second.values()) == 5 and len(per_second) == 24


def test_a_full_horizon_gives_no_slot():
    table = MemoryTable()
    for _ in range(4):
        assert take_slot(table, "discord", 2, AT, horizon=2) is not None
    assert take_slot(table, "discord", 2, AT, horizon=2) is None


def _runtime(budgets: dict[str, int]) -> Runtime:
    settings = Settings(
        secrets={"ROLLCALL_TELEGRAM_BOT_TOKEN": "123:abc", "ROLLCALL_TELEGRAM_SECRET_TOKEN": "s"}
    )
    return Runtime(
        settings=settings, store=Store(MemoryTable()), clock=FixedClock(AT), send_budgets=budgets
    )


@responses.activate
def test_a_budgeted_platforms_sends_wait_for_their_slots():
    """Telegram at 2 a second: the third and fourth requests wait for the next second, the
    fifth for the one after (the sender's own sleep, so nothing here really waits)."""
    rt = _runtime({"telegram": 2})
    adapter = rt.adapter("telegram")
    senders = [s for s in vars(adapter).values() if isinstance(s, HttpSender)]
    assert senders and all(s.gate is not None for s in senders)
    slept: list[float] = []
    sender = senders[0]
    sender._sleep = slept.append
    responses.post("https://api.telegram.org/bot123:abc/sendMessage", json={"ok": True})
    for _ in range(5):
        sender.request("POST", "https://api.telegram.org/bot123:abc/sendMessage", json={})
    assert slept == [0.75, 0.75, 1.75]
    assert len(responses.calls) == 5


@responses.activate
def test_without_a_budget_nothing_is_counted_and_a_spent_budget_fails_the_send():
    plain = _runtime({})
    assert all(
        s.gate is None
        for s in vars(plain.adapter("telegram")).values()
        if isinstance(s, HttpSender)
    )
    rt = _runtime({"telegram": 1})
    sender = next(s for s in vars(rt.adapter("telegram")).values() if isinstance(s, HttpSender))
    sender._sleep = lambda _: None
    responses.post("https://api.telegram.org/bot123:abc/sendMessage", json={"ok": True})
    for _ in range(30):  # every second of the horizon taken
        sender.request("POST", "https://api.telegram.org/bot123:abc/sendMessage", json={})
    with pytest.raises(DeliveryError, match="send budget"):
        sender.request("POST", "https://api.telegram.org/bot123:abc/sendMessage", json={})
    assert len(responses.calls) == 30


@pytest.mark.parametrize("value", ["telegram", "telegram=0", "myspace=3", "discord=x"])
def test_a_malformed_budget_is_refused_with_its_form(value):
    with pytest.raises(ValueError, match="telegram=25,discord=40"):
        send_budgets({"ROLLCALL_SEND_BUDGET": value})
    assert send_budgets({"ROLLCALL_SEND_BUDGET": "telegram=25, discord=40"}) == {
        "telegram": 25,
        "discord": 40,
    }
    assert send_budgets({}) == {}
