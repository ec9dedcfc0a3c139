"""The star jobs' shared planner (jobs/stars.py): a quarter's homework and reviews are read
with one Query of each kind over the quarter's cycles, not two per cycle, and only the
cycles due in the period (not a paused one, not the next period's) are counted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.homework import Work
from chalicelib.domain.periods import PeriodKind
from chalicelib.jobs.post_monthly_stars import SPEC as MONTHLY_SPEC
from chalicelib.jobs.post_quarterly_stars import SPEC as QUARTERLY_SPEC
from chalicelib.jobs.runner import run_job
from chalicelib.jobs.stars import MONTHLY, QUARTERLY
from chalicelib.store import keys
from chalicelib.store.homework import save_review, save_submission
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

QUARTER_END = datetime(2027, 1, 1, 1, 5, tzinfo=UTC)  # 1 January, 09:05 in Shanghai
MONTH_END = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
AT = datetime(2026, 10, 10, 4, 0, tzinfo=UTC)
LONG = "a careful review with an example, a question and a suggestion for next time"
WORK = Work(link="https://example.com/w", text=None)


def quarter_of_homework(cycles: range = range(1, 15), **overrides) -> Store:
    """Weekly cycles due on Sundays from 4 October 2026: C0001-C0013 in 2026-Q4, C0014 on
    3 January 2027. bob hands in every cycle on time (2) and cat reviews each with a 5."""
    store = Store(MemoryTable())
    store.create_community(
        community(
            cycle_anchor=date(2026, 9, 28),
            created_at=datetime(2026, 9, 1, tzinfo=UTC),
            **overrides,
        )
    )
    store.bulk_save_members([member("bob"), member("cat"), member("ann")])
    for n in cycles:
        cycle = f"C{n:04d}"
        save_submission(
            store.table, "c1", cycle, "bob", name="Bob", work=WORK, at=AT, late=False, previous=None
        )
        review = {"text": LONG, "score": 5, "at": AT, "assigned": True}
        save_review(store.table, "c1", cycle, "bob", "cat", **review)
    return store


def stars_of(store: Store, period: str) -> dict:
    return store.table.get("C#c1", keys.stars_sk(period))["awards"]


def used(store: Store, run) -> dict[str, int]:
    before = dict(store.table.requests)
    run()
    return {
        k: v - before.get(k, 0) for k, v in store.table.requests.items() if v > before.get(k, 0)
    }


def test_a_quarter_of_thirteen_cycles_costs_four_queries_as_a_month_does():
    """The roster, the check-ins, the submissions and the reviews: one Query each (one
    page here), not two per cycle (26 for this quarter before)."""
    store = quarter_of_homework()
    rt, _sent = runtime(store, QUARTER_END)
    spent = used(store, lambda: run_job(rt, "quarterly-stars", "c1", QUARTER_END))
    assert spent["Query"] == 4
    assert spent["PutItem"] == 1 and "Scan" not in spent
    rt, _sent = runtime(store, MONTH_END)
    spent = used(store, lambda: run_job(rt, "monthly-stars", "c1", MONTH_END))
    assert spent["Query"] == 4


def test_the_quarter_counts_its_own_cycles_only():
    """13 cycles × (2 on time + a 5 received) = 91; C0014 (due 3 January) is the next
    quarter's. Cat's 13 long reviews; the next quarter's 14th is not counted."""
    store = quarter_of_homework()
    rt, _sent = runtime(store, QUARTER_END)
    run_job(rt, "quarterly-stars", "c1", QUARTER_END)
    awards = stars_of(store, "2026-Q4")
    assert [(w["user_id"], w["score"]) for w in awards["homework"]] == [("bob", 91)]
    assert [(w["user_id"], w["score"]) for w in awards["reviews"]] == [("cat", 13)]


def test_a_paused_cycle_in_the_range_is_left_out():
    store = quarter_of_homework(paused_cycles=(5,))
    rt, _sent = runtime(store, QUARTER_END)
    run_job(rt, "quarterly-stars", "c1", QUARTER_END)
    assert stars_of(store, "2026-Q4")["homework"][0]["score"] == 91 - 7


def test_november_counts_the_cycles_due_in_november():
    """Cycles due 1, 8, 15, 22 and 29 November: C0005-C0009."""
    store = quarter_of_homework()
    rt, _sent = runtime(store, MONTH_END)
    run_job(rt, "monthly-stars", "c1", MONTH_END)
    assert stars_of(store, "2026-11")["homework"][0]["score"] == 5 * 7


def test_both_jobs_are_one_planner_parameterised_by_the_period_kind():
    assert (MONTHLY.kind, QUARTERLY.kind) == (PeriodKind.MONTH, PeriodKind.QUARTER)
    assert MONTHLY_SPEC.plan.__qualname__ == QUARTERLY_SPEC.plan.__qualname__
    store = quarter_of_homework()
    with pytest.raises(ValueError, match="quarterly stars are for a quarter like 2026-Q4"):
        QUARTERLY_SPEC.plan(store, store.get_community("c1"), QUARTER_END, period="2026-11")
    with pytest.raises(ValueError, match="monthly stars are for a month like 2026-11"):
        MONTHLY_SPEC.plan(store, store.get_community("c1"), QUARTER_END, period="2026-Q4")
