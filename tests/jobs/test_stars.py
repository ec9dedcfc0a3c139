"""The month's and the quarter's stars: posted once per period with the right winners on
seeded data, through the same runner and claim as every job; the tie rule, who is ranked,
what it costs; 星榜 /stars and 颁奖 /award."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.homework import Work
from chalicelib.domain.models import Role
from chalicelib.domain.stars import MAX_PER_AWARD, Candidate, pick_winners
from chalicelib.inbound import handle_event
from chalicelib.jobs.post_monthly_stars import monthly_stars_slots
from chalicelib.jobs.post_quarterly_stars import quarterly_stars_slots
from chalicelib.jobs.runner import run_job
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store import keys
from chalicelib.store.checkins import record_checkin
from chalicelib.store.homework import save_review, save_submission
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

MONTH_END = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 1 December, 09:00 in Shanghai
QUARTER_END = datetime(2027, 1, 1, 1, 5, tzinfo=UTC)  # 1 January, 09:05 in Shanghai
LONG = "a careful review with an example, a question and a suggestion for next time"
AT = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)


def checkins(store: Store, user: str, days: range, month: int = 11) -> None:
    for d in days:
        record_checkin(store.table, "c1", user, date(2026, month, d), AT)


def seeded(**overrides) -> Store:
    """November 2026, weekly cycles due on Sundays 8, 15, 22 and 29 November (C0001-C0004).

    ann and bob check in 28 days each (a tie), cat 20; the owner and an exempt member more
    than anyone. bob hands in all four cycles on time and gets 5s; ann three; cat writes
    the long reviews, dan short ones."""
    store = Store(MemoryTable())
    store.create_community(community(cycle_anchor=date(2026, 11, 2), **overrides))
    store.bulk_save_members(
        [
            member("ann", observed_since=date(2026, 3, 1)),
            member("bob", observed_since=date(2026, 5, 1)),
            member("cat"),
            member("dan"),
            member("own", role=Role.OWNER),
            member("eve", exempt=True),
            member("gone", status="left"),
        ]
    )
    checkins(store, "ann", range(1, 29))
    checkins(store, "bob", range(3, 31))
    checkins(store, "cat", range(1, 21))
    checkins(store, "own", range(1, 31))
    checkins(store, "eve", range(1, 31))
    checkins(store, "gone", range(1, 31))
    checkins(store, "cat", range(1, 5), month=12)  # December counts for the next month
    work = Work(link="https://example.com/w", text=None)
    for n in range(1, 5):
        cycle = f"C{n:04d}"
        for user in ("bob", "ann") if n < 4 else ("bob",):
            save_submission(
                store.table,
                "c1",
                cycle,
                user,
                name=user,
                work=work,
                at=AT,
                late=False,
                previous=None,
            )
        save_review(
            store.table, "c1", cycle, "bob", "cat", text=LONG, score=5, at=AT, assigned=True
        )
        save_review(
            store.table, "c1", cycle, "bob", "dan", text="ok", score=None, at=AT, assigned=True
        )
    save_review(store.table, "c1", "C0001", "ann", "cat", text=LONG, score=3, at=AT, assigned=True)
    return store


def review(store: Store, cycle: str, reviewee: str, reviewer: str, text: str, score) -> None:
    save_review(
        store.table, "c1", cycle, reviewee, reviewer, text=text, score=score, at=AT, assigned=True
    )


def group(sent) -> list[str]:
    return [m.text for m in sent if m.kind == "message"]


def test_month_end_posts_the_three_stars_once_with_the_right_winners():
    store = seeded()
    rt, sent = runtime(store, MONTH_END)
    result = run_job(rt, "monthly-stars", "c1", MONTH_END)
    assert result.status == "sent" and result.period == "2026-11"
    assert group(sent) == [
        "🌟 Stars of 2026-11\n"
        "Check-in star: Ann, Bob (28 check-ins)\n"
        "Homework star: Bob (28 points)\n"
        "Review star: Cat (5 reviews)"
    ]
    assert run_job(rt, "monthly-stars", "c1", MONTH_END).status == "already-done"
    assert len(group(sent)) == 1
    item = store.table.get("C#c1", keys.stars_sk("2026-11"))
    assert [w["user_id"] for w in item["awards"]["checkins"]] == ["ann", "bob"]


def test_admins_and_exempt_members_are_ranked_only_when_the_community_says_so():
    store = seeded(stars_include_admins=True)
    rt, sent = runtime(store, MONTH_END)
    run_job(rt, "monthly-stars", "c1", MONTH_END)
    assert "Check-in star: Eve, Own (30 check-ins)" in group(sent)[0]


def test_the_month_end_job_costs_a_few_queries_whatever_the_roster():
    """≤ 0.02 requests a member: the roster, the month's check-ins and two Queries a cycle,
    then one write; no request per member."""
    store = seeded()
    store.bulk_save_members(member(f"x{n:04d}") for n in range(500))
    rt, _sent = runtime(store, MONTH_END)
    before = dict(store.table.requests)
    run_job(rt, "monthly-stars", "c1", MONTH_END)
    used = {
        k: v - before.get(k, 0) for k, v in store.table.requests.items() if v > before.get(k, 0)
    }
    assert used["Query"] <= 2 + 2 * 4
    assert sum(used.values()) <= 0.02 * 507 + 10


def test_quarter_end_posts_the_quarters_stars_once():
    store = seeded()
    checkins(store, "cat", range(1, 32), month=10)
    rt, sent = runtime(store, QUARTER_END)
    result = run_job(rt, "quarterly-stars", "c1", QUARTER_END)
    assert result.status == "sent" and result.period == "2026-Q4"
    assert group(sent)[0].splitlines()[:2] == [
        "🌟 Stars of the quarter 2026-Q4",
        "Check-in star: Cat (55 check-ins)",
    ]
    assert run_job(rt, "quarterly-stars", "c1", QUARTER_END).status == "already-done"
    assert len(group(sent)) == 1


def test_the_jobs_are_scheduled_for_the_first_of_the_month_and_of_the_quarter():
    c = community()
    after = datetime(2026, 11, 15, tzinfo=UTC)
    slot = next(monthly_stars_slots(c, after))
    assert (slot.period, slot.scheduled_at) == ("2026-11", MONTH_END)
    slot = next(quarterly_stars_slots(c, after))
    assert (slot.period, slot.scheduled_at) == ("2026-Q4", QUARTER_END)
    store = Store(MemoryTable())
    store.create_community(c)
    planned = schedule_community(store.table, c, after)
    assert planned["monthly-stars"] == MONTH_END.isoformat()


def test_a_tie_shares_the_star_up_to_three_the_longest_standing_first():
    people = [Candidate(f"u{n}", f"U{n}", date(2026, 1, 10 - n)) for n in range(5)]
    winners = pick_winners(people, {f"u{n}": 7 for n in range(5)})
    assert len(winners) == MAX_PER_AWARD
    assert [w.user_id for w in winners] == ["u4", "u3", "u2"]
    assert pick_winners(people, {}) == []


def test_a_quiet_month_posts_nothing_and_records_empty_stars():
    store = Store(MemoryTable())
    store.create_community(community())
    rt, sent = runtime(store, MONTH_END)
    assert run_job(rt, "monthly-stars", "c1", MONTH_END).status in ("sent", "nothing-to-send")
    assert group(sent) == []


# -- 星榜 /stars and 颁奖 /award ---------------------------------------------------------------


def say(rt, user: str, text: str, at: datetime = MONTH_END) -> str:
    event = InboundEvent("message", "console", "chat-1", Sender(user, user.title()), text)
    return "\n".join(m.text for m in handle_event(rt, event, at))


@pytest.fixture
def after_the_month():
    store = seeded()
    rt, _sent = runtime(store, MONTH_END)
    run_job(rt, "monthly-stars", "c1", MONTH_END)
    return store, rt


def test_stars_shows_the_history(after_the_month):
    _store, rt = after_the_month
    assert say(rt, "cat", "/stars").splitlines() == [
        "🌟 Stars so far",
        "2026-11: check-ins: Ann, Bob; homework: Bob; reviews: Cat",
    ]


def test_an_admin_gives_an_award_recorded_with_who_gave_it(after_the_month):
    store, rt = after_the_month
    reply = say(rt, "own", '/award @cat "most improved"', MONTH_END + timedelta(hours=1))
    assert reply == "🏆 Own gives Cat the award “most improved”!"
    [item] = [i for i in store.table.all_items() if "#hand#" in i["sk"]]
    assert (item["user_id"], item["award"], item["given_by"]) == ("cat", "most improved", "own")
    assert "2026-12: “most improved” to Cat (from Own)" in say(rt, "ann", "星榜")


def test_a_self_award_is_refused_and_nothing_is_written(after_the_month):
    """Guard: an admin cannot decorate themselves."""
    store, rt = after_the_month
    assert say(rt, "own", "/award @own best admin") == "You cannot give an award to yourself."
    assert not [i for i in store.table.all_items() if "#hand#" in i["sk"]]


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        ("ann", "/award @cat most improved", "Only admins can give awards."),
        ("own", "/award @nobody most improved", "No member called @nobody here."),
        ("own", "/award @cat", "Usage: /award @someone <award>"),
        ("own", "/award", "Usage: /award @someone <award>"),
        ("own", "/award @cat " + "x" * 31, "Usage: /award @someone <award>"),
    ],
)
def test_bad_awards_get_one_line_and_write_nothing(after_the_month, user, text, expected):
    store, rt = after_the_month
    assert say(rt, user, text).startswith(expected)
    assert not [i for i in store.table.all_items() if "#hand#" in i["sk"]]


def test_award_in_chinese(after_the_month):
    store, rt = after_the_month
    store.update_community(store.get_community("c1"), locale="zh-CN")
    assert say(rt, "own", "颁奖 @cat 最佳进步") == "🏆 Own 为 Cat 颁发「最佳进步」！"
    assert say(rt, "own", "颁奖 @own 最佳进步") == "不能给自己颁奖哦。"


def test_a_month_watched_only_in_part_gets_no_stars():
    """A community created on 28 September is not given September's stars for three days."""
    store = seeded(created_at=datetime(2026, 11, 3, tzinfo=UTC))
    rt, sent = runtime(store, MONTH_END)
    run_job(rt, "monthly-stars", "c1", MONTH_END)
    assert group(sent) == []
    item = store.table.get("C#c1", keys.stars_sk("2026-11"))
    assert item is None or not any(item["awards"].values())
