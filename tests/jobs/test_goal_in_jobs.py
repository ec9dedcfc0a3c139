"""The monthly goal in the jobs: the weekly digest's compact goal line (one Query, the same
requests with or without a goal), and the monthly report's month-end goal post in the group,
sent exactly once by the report's run."""

from __future__ import annotations

from collections import Counter

from chalicelib.domain.goals import Goal
from chalicelib.jobs.runner import run_job
from chalicelib.jobs.send_weekly_digests import plan_weekly_digest
from chalicelib.store import goals, keys
from chalicelib.store.repository import Store
from tests.helpers import runtime
from tests.jobs.test_report_inactive_members import RUN_AT, make_store
from tests.jobs.test_send_weekly_digests import DIGEST_3, _big_community


def _set_goal(store: Store, month: str, progress: dict[str, int]) -> None:
    goals.save_goal(store.table, "c1", month, Goal("Principles", 300, "pages"), "boss", DIGEST_3)
    store.table.batch_put(
        {
            "pk": "C#c1",
            "sk": keys.goal_progress_sk(month, uid),
            "user_id": uid,
            "name": uid,
            "value": value,
        }
        for uid, value in progress.items()
    )


def test_the_digest_ends_with_the_goal_line_at_the_same_cost(dynamo_table, requests_made):
    """200 members, 150 of them reporting: one line, and exactly the requests a month
    without a goal costs (the one Query of the month's goal prefix), none per member."""
    store = Store(dynamo_table)
    _big_community(store, "en")
    community = store.get_community("c1")
    requests_made.reset()
    without = plan_weekly_digest(store, community, DIGEST_3).messages[0].text
    cost_without = Counter(requests_made.counts)
    assert "🎯" not in without
    # November in Shanghai: 10 finished, 140 at 100 pages; present members 200
    _set_goal(store, "2026-11", {f"m{n:03d}": 300 if n < 10 else 100 for n in range(150)})
    requests_made.reset()
    text = plan_weekly_digest(store, community, DIGEST_3).messages[0].text
    assert Counter(requests_made.counts) == cost_without
    assert text.startswith(without)
    total = 10 * 300 + 140 * 100
    line = text.splitlines()[-1]
    assert line == (
        f"🎯 This month's goal, Principles: 10 finished, community total "
        f"{total}/{300 * 200} pages ({total * 100 // (300 * 200)}%)"
    )


def test_the_digest_goal_line_in_chinese(dynamo_table):
    store = Store(dynamo_table)
    _big_community(store, "zh-CN")
    _set_goal(store, "2026-11", {"m001": 300})
    text = plan_weekly_digest(store, store.get_community("c1"), DIGEST_3).messages[0].text
    assert text.splitlines()[-1].startswith("🎯 本月目标「Principles」：1 人完成")


def test_the_month_end_goal_post_goes_to_the_group_once():
    store = make_store()
    _set_goal(store, "2026-11", {"amy": 300, "quinn": 120})
    _set_goal(store, "2026-12", {"amy": 5})  # next month's goal is not November's
    rt, sent = runtime(store, RUN_AT)
    result = run_job(rt, "monthly-report", "c1", RUN_AT)
    assert result.status == "sent"
    posts = [m for m in sent if "🎯" in m.text]
    assert len(posts) == 1
    post = posts[0]
    assert post.kind == "message" and post.chat_id == "chat-1"  # the group, not admins-1
    assert "The goal for 2026-11, Principles (300 pages), is over: 1 finished" in post.text
    assert "🎉 Finished: Amy" in post.text
    assert "420/" in post.text
    assert run_job(rt, "monthly-report", "c1", RUN_AT).status == "already-done"
    assert sum("🎯" in m.text for m in sent) == 1


def test_a_month_without_a_goal_adds_no_post():
    store = make_store()
    rt, sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert not any("🎯" in m.text for m in sent)


def test_a_cleared_goal_adds_no_post():
    store = make_store()
    _set_goal(store, "2026-11", {"amy": 300})
    goals.clear_goal(store.table, "c1", "2026-11", "owner", DIGEST_3)
    rt, sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    assert not any("🎯" in m.text for m in sent)
