"""The monthly report names the month's stars (one line per award) when the community has
monthly stars: read from the STAR#<month> item when the stars job already ran, computed
its way when not; never for a month not yet over, nor for a community without them."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.jobs.report_inactive_members import plan_monthly_report
from chalicelib.jobs.runner import run_job
from tests.helpers import runtime
from tests.jobs.test_stars import MONTH_END, seeded

REPORT_AT = MONTH_END + timedelta(hours=1)  # 1 December, 10:00 in Shanghai
STARS = [
    "🌟 Stars of 2026-11",
    "Check-in star: Ann, Bob (28 check-ins)",
    "Homework star: Bob (28 points)",
    "Review star: Cat (5 reviews)",
]


def report_text(store, at: datetime = REPORT_AT) -> str:
    plan = plan_monthly_report(store, store.get_community("c1"), at, period="2026-11")
    return plan.messages[0].text


def test_the_report_names_the_stars_the_group_saw():
    """Read from the stars item: Ann left after the post, yet the report names her."""
    store = seeded()
    rt, _sent = runtime(store, MONTH_END)
    assert run_job(rt, "monthly-stars", "c1", MONTH_END).status == "sent"
    store.mark_member_left("c1", "ann")
    lines = report_text(store).splitlines()
    at = lines.index(STARS[0])
    assert lines[at : at + 4] == STARS


def test_before_the_stars_job_ran_the_report_computes_them():
    store = seeded()
    lines = report_text(store).splitlines()
    at = lines.index(STARS[0])
    assert lines[at : at + 4] == STARS
    store.mark_member_left("c1", "ann")  # computed now: Ann is no longer ranked
    assert "Check-in star: Bob (28 check-ins)" in report_text(store)


def test_no_stars_in_the_report_without_monthly_stars_or_before_the_month_ends():
    store = seeded(jobs=("daily-reminder", "weekly-digest", "monthly-report"))
    assert "Stars of" not in report_text(store)
    store = seeded()
    mid_month = datetime(2026, 11, 25, 4, 0, tzinfo=MONTH_END.tzinfo)
    assert "Stars of" not in report_text(store, mid_month)
