"""The weekly digest: what it says, what it records, and what it costs.

The record matters as much as the message: strikes feed the monthly report's "K missed in
a row" rule, so a replayed run, a paused week or late work must leave exact counters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.homework import Work
from chalicelib.domain.models import Role
from chalicelib.inbound import handle_event
from chalicelib.jobs.plan import InThread
from chalicelib.jobs.runner import CHECKPOINT_PARTS, run_job
from chalicelib.jobs.schedule import slots_between
from chalicelib.jobs.send_weekly_digests import plan_weekly_digest
from chalicelib.platforms.base import InboundEvent, Message, Sender, split_parts
from chalicelib.store import keys
from chalicelib.store.checkins import record_checkin
from chalicelib.store.homework import (
    assignments_of,
    bulk_save_assignments,
    member_counters,
    save_review,
    save_submission,
    struck_in,
)
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

# A Shanghai community anchored on Monday 2026-11-02: cycle 3 is 16-22 November, due
# Sunday 23:59 local = 15:59 UTC; its digest runs an hour later (the default offset).
DEADLINE_3 = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)
DIGEST_3 = DEADLINE_3 + timedelta(hours=1)
WEEK = timedelta(days=7)
DIGEST_4, DIGEST_5 = DIGEST_3 + WEEK, DIGEST_3 + 2 * WEEK


def hand_in(
    store: Store, user: str, cycle: str, at: datetime, *, link=None, late=False, first=False
) -> None:
    previous = None if first else store.table.get("C#c1", keys.submission_sk(cycle, user))
    save_submission(
        store.table,
        "c1",
        cycle,
        user,
        name=user.title(),
        work=Work(link or f"https://example.com/{user}/{cycle}", ""),
        at=at,
        late=late,
        previous=previous,
    )


def counters(store: Store, user: str):
    """The member with their homework counters now, as /hw and /standing read them."""
    member = store.get_member("c1", user)
    assert member is not None
    return member_counters(store.table, "c1", member)


def say(rt, user: str, text: str, at: datetime) -> str:
    """A chat message from ``user``, through the webhook's own path."""
    event = InboundEvent("message", "console", "chat-1", Sender(user, user.title()), text)
    return "\n".join(m.text for m in handle_event(rt, event, at))


def sent_text(sent) -> str:
    return "\n".join(m.text for m in sent)


def items(store: Store, prefix: str) -> list[dict]:
    return [i for i in store.table.all_items() if i["sk"].startswith(prefix)]


@pytest.fixture
def world():
    store = Store(MemoryTable())
    store.create_community(community(cycle_anchor=date(2026, 11, 2)))
    store.bulk_save_members(
        [
            member("ann", squad="A", role=Role.OWNER),
            member("bob", squad="B"),
            member("cat", squad="A"),
            member("dan", squad="B"),
            member("eve", leave_until=date(2026, 11, 25)),
            member("fay", joined_at=date(2026, 11, 21)),  # new: within the 2-day grace
            member("gus", status="left"),
        ]
    )
    rt, sent = runtime(store, DIGEST_3)
    return store, rt, sent


def test_the_digest_lists_work_marks_late_and_shows_missing_leave_and_grace_apart(world):
    store, rt, sent = world
    hand_in(store, "ann", "C0003", DEADLINE_3 - timedelta(days=2))
    hand_in(store, "bob", "C0003", DEADLINE_3 - timedelta(hours=1))
    hand_in(store, "cat", "C0003", DEADLINE_3 + timedelta(minutes=30), late=True)
    result = run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert (result.status, result.period) == ("sent", "2026-W47")
    text = sent_text(sent)
    assert "Homework digest cycle 3 (2026-11-16 to 2026-11-22, due 2026-11-22 23:59)" in text
    assert "Handed in: 3/4" in text
    assert "1. Ann — https://example.com/ann/C0003" in text
    assert "3. Cat — https://example.com/cat/C0003 ⏰ late" in text
    assert "Missing (1): Dan" in text
    assert "On leave (1): Eve" in text
    assert "New members, not expected yet (1): Fay" in text
    assert "Gus" not in text
    assert "Review assignments for cycle 3 work (2 per submission" in text
    assert result.summary["missing"] == 1 and result.summary["late"] == 1


def test_the_close_strikes_the_missing_and_writes_the_assignments(world):
    store, rt, _sent = world
    for user in ("ann", "bob", "cat"):
        hand_in(store, user, "C0003", DEADLINE_3 - timedelta(hours=3))
    store.table.update("C#c1", "M#ann", set={"missed_in_a_row": 2})
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    dan = counters(store, "dan")
    assert (dan.strikes, dan.missed_in_a_row) == (1, 1)
    assert counters(store, "ann").missed_in_a_row == 0  # handing in ends a run
    for excused in ("eve", "fay"):
        assert counters(store, excused).strikes == 0
    # one strike, packed: dan's entry in the bucket of C0003's strikes his id hashes to
    dans = keys.strike_bucket_sk("C0003", keys.member_bucket("dan", keys.STRIKE_BUCKETS))
    assert [(i["sk"], i["strikes"]) for i in items(store, keys.STRIKE_PREFIX)] == [
        (dans, {"dan": 1})
    ]
    assignment = assignments_of(store.table, "c1", "C0003")
    assert set(assignment) == {"ann", "bob", "cat"}
    assert all(len(r) == 2 and author not in r for author, r in assignment.items())


def test_a_replayed_digest_strikes_nobody_twice(world):
    """A forced replay (or a takeover after a crash) applies the close again."""
    store, rt, _sent = world
    hand_in(store, "ann", "C0003", DEADLINE_3 - timedelta(hours=3))
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert run_job(rt, "weekly-digest", "c1", DIGEST_3).status == "already-done"
    assert run_job(rt, "weekly-digest", "c1", DIGEST_3, force=True).status == "sent"
    assert counters(store, "dan").strikes == 1


def test_work_handed_in_while_the_digest_goes_out_earns_no_strike(world):
    store, _rt, _sent = world
    plan = plan_weekly_digest(store, store.get_community("c1"), DIGEST_3)
    hand_in(store, "dan", "C0003", DIGEST_3 + timedelta(seconds=5), late=True)
    plan.apply()
    assert counters(store, "dan").strikes == 0


def test_late_work_after_the_digest_is_noted_and_assigned_in_the_next_one(world):
    store, rt, sent = world
    for user in ("ann", "bob", "cat"):
        hand_in(store, user, "C0003", DEADLINE_3 - timedelta(hours=3))
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert counters(store, "dan").strikes == 1
    # dan hands in the next morning, through chat: late, within the 48-hour grace.
    reply = say(rt, "dan", "/submit https://example.com/dan-late", DIGEST_3 + timedelta(hours=15))
    assert "late for cycle 3" in reply and "strike for cycle 3 is cleared" in reply
    assert counters(store, "dan").strikes == 0
    sent.clear()
    run_job(rt, "weekly-digest", "c1", DIGEST_4)
    text = sent_text(sent)
    assert "⏰ Also handed in late for cycle 3: Dan" in sent[0].text  # the scannable post
    assert "Late work for cycle 3, handed in after its digest:" in text
    assert "1. Dan — https://example.com/dan-late ⏰ late" in text
    assert "Review assignments for the late cycle 3 work:" in text
    late_round = assignments_of(store.table, "c1", "C0003")["dan"]
    assert len(late_round) == 2 and "dan" not in late_round
    sent.clear()
    run_job(rt, "weekly-digest", "c1", DIGEST_5)
    assert "dan-late" not in sent_text(sent)  # noted once


def test_a_resubmission_shows_its_latest_version(world):
    store, rt, sent = world
    hand_in(store, "ann", "C0003", DEADLINE_3 - timedelta(days=3), link="https://e.com/draft")
    hand_in(store, "ann", "C0003", DEADLINE_3 - timedelta(days=1), link="https://e.com/final")
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    text = sent_text(sent)
    assert "https://e.com/final" in text and "https://e.com/draft" not in text
    assert len(items(store, keys.SUBMISSION_HISTORY_PREFIX)) == 1


def test_strikes_run_across_a_paused_cycle(world):
    """Cycle 4 is a holiday: its digest says so and strikes nobody; dan misses 3 and 5,
    which is two in a row, and cycle 5 keeps its number."""
    store, rt, sent = world
    store.update_community(store.get_community("c1"), paused_cycles=(4,))
    for digest_at in (DIGEST_3, DIGEST_4, DIGEST_5):
        cycle = {DIGEST_3: "C0003", DIGEST_4: "C0004", DIGEST_5: "C0005"}[digest_at]
        if cycle != "C0004":
            hand_in(store, "ann", cycle, digest_at - timedelta(days=1))
        assert run_job(rt, "weekly-digest", "c1", digest_at).status == "sent"
    text = sent_text(sent)
    assert "cycle 4 (2026-11-23 to 2026-11-29) was paused: no homework was due." in text
    assert "Homework digest cycle 5 (2026-11-30 to 2026-12-06" in text
    dan = counters(store, "dan")
    assert (dan.strikes, dan.missed_in_a_row) == (2, 2)
    assert [c for c in ("C0003", "C0004", "C0005") if "dan" in struck_in(store.table, "c1", c)] == [
        "C0003",
        "C0005",
    ]


def test_reviews_done_and_owed_and_the_stars_show_in_the_next_digest(world):
    store, rt, sent = world
    for user in ("ann", "bob", "cat"):
        hand_in(store, user, "C0003", DEADLINE_3 - timedelta(hours=3))
    bulk_save_assignments(
        store.table, "c1", "C0003", {"ann": ["bob"], "bob": ["cat"], "cat": ["ann"]}, DIGEST_3
    )
    store.update_community(store.get_community("c1"), reviewers_per_submission=1)
    monday = DIGEST_3 + timedelta(hours=20)
    review = {"at": monday, "assigned": True}
    save_review(store.table, "c1", "C0003", "ann", "bob", text="ok", score=5, **review)
    save_review(store.table, "c1", "C0003", "bob", "cat", text="ok", score=3, **review)
    save_review(
        store.table, "c1", "C0003", "bob", "dan", text="extra", score=4, at=monday, assigned=False
    )
    for day in range(23, 28):
        record_checkin(store.table, "c1", "cat", date(2026, 11, day), monday)
    record_checkin(store.table, "c1", "bob", date(2026, 11, 24), monday)
    run_job(rt, "weekly-digest", "c1", DIGEST_4)
    text = sent_text(sent)
    assert "Reviews of cycle 3 work: 2 of 3 assigned done, 1 owed, 1 extra" in text
    assert "Reviews still owed:\nAnn → Cat" in text
    assert "Homework star: Ann (cycle 3, average 5.0/5, reviews: 1)" in text
    assert "Check-in star: Cat (check-ins this cycle: 5)" in text


def test_the_default_period_is_the_cycle_that_closed_last(world):
    store, _rt, _sent = world
    c = store.get_community("c1")
    assert plan_weekly_digest(store, c, DEADLINE_3).period == "2026-W47"
    assert plan_weekly_digest(store, c, DEADLINE_3 - timedelta(seconds=1)).period == "2026-W46"
    assert plan_weekly_digest(store, c, DIGEST_4, period="C0003").period == "2026-W47"
    with pytest.raises(ValueError, match="has closed yet"):
        plan_weekly_digest(store, c, datetime(2026, 11, 3, tzinfo=UTC))
    with pytest.raises(ValueError, match="not a digest period"):
        plan_weekly_digest(store, c, DIGEST_3, period="2026-11")


def test_the_scheduler_s_slot_plans_the_same_period(world):
    store, _rt, _sent = world
    c = store.get_community("c1")
    for slot in slots_between(c, "weekly-digest", DIGEST_3 - WEEK, DIGEST_5):
        assert plan_weekly_digest(store, c, slot.scheduled_at, period=slot.period).period == (
            slot.period
        )


def test_a_cycle_over_the_autumn_dst_change_in_berlin():
    """Europe/Berlin leaves summer time on Sunday 2026-10-25. Work at 23:30 local that night
    is on time (it would be late by summer time), at 00:30 Monday it is late; the digest
    runs at 00:59 CET and is named for ISO week 43."""
    store = Store(MemoryTable())
    store.create_community(community(timezone="Europe/Berlin", cycle_anchor=date(2026, 10, 5)))
    store.bulk_save_members([member("ann"), member("bob"), member("cat")])
    rt, sent = runtime(store, datetime(2026, 10, 25, 22, tzinfo=UTC))
    handed_in = say(rt, "ann", "/submit https://e.com/a", _utc(10, 25, 22, 30))
    assert "handed in for cycle 3" in handed_in
    assert "late for cycle 3" in say(rt, "bob", "/submit https://e.com/b", _utc(10, 25, 23, 30))
    (slot,) = slots_between(
        store.get_community("c1"), "weekly-digest", _utc(10, 25, 12), _utc(10, 26, 12)
    )
    assert (slot.period, slot.scheduled_at) == ("2026-W43", _utc(10, 25, 23, 59))
    result = run_job(rt, "weekly-digest", "c1", slot.scheduled_at, period=slot.period)
    text = sent_text(sent)
    assert result.status == "sent" and "due 2026-10-25 23:59" in text
    assert "2. Bob — https://e.com/b ⏰ late" in text and "Missing (1): Cat" in text


def _utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# -- a 200-member community: cost and splitting ------------------------------------------------


def _big_community(store: Store, locale: str) -> None:
    store.create_community(community(cycle_anchor=date(2026, 11, 2), locale=locale))
    surnames = "王李张刘陈杨黄赵吴周"
    store.bulk_save_members(
        member(
            f"m{n:03d}",
            name=f"{surnames[n % 10]}同学{n:03d}" if locale == "zh-CN" else f"Member {n:03d}",
            squad=f"squad-{n % 25}",
            leave_until=date(2026, 11, 30) if n % 40 == 0 else None,
        )
        for n in range(200)
    )
    # Cycle 2: 150 handed in and were assigned; some reviewed. Cycle 3: 160 hand in.
    deadline_2 = DEADLINE_3 - WEEK
    for n in range(150):
        hand_in(store, f"m{n:03d}", "C0002", deadline_2 - timedelta(hours=5), first=True)
    bulk_save_assignments(
        store.table,
        "c1",
        "C0002",
        {f"m{n:03d}": [f"m{(n + 1) % 150:03d}", f"m{(n + 2) % 150:03d}"] for n in range(150)},
        deadline_2 + timedelta(hours=1),
    )
    store.table.put({"pk": "C#c1", "sk": "HWC#C0002", "shown": [f"m{n:03d}" for n in range(150)]})
    for n in range(0, 150, 2):
        reviewer = f"m{(n + 1) % 150:03d}"
        save_review(
            store.table,
            "c1",
            "C0002",
            f"m{n:03d}",
            reviewer,
            text="👍",
            score=n % 5 + 1,
            at=DIGEST_3 - timedelta(days=3),
            assigned=True,
        )
    for n in range(160):
        link = f"https://blog.example.com/posts/{n:03d}/a-fairly-long-article-slug"
        hand_in(store, f"m{n:03d}", "C0003", DEADLINE_3 - timedelta(hours=2), link=link, first=True)
    store.table.batch_put(  # a third of the members checked in every day of the cycle
        {
            "pk": "C#c1",
            "sk": keys.checkin_sk(date(2026, 11, day), f"m{n:03d}"),
            "user_id": f"m{n:03d}",
        }
        for day in range(16, 23)
        for n in range(0, 200, 3)
    )


def _group_posts(plan) -> list[str]:
    """The digest's posts to the group: the scannable post, then the full list (in its
    thread where the platform has threads)."""
    group = (None, InThread(0))
    return [m.text for i, m in enumerate(plan.messages) if plan.target(i) in group]


def _lines_kept(text: str, parts: list[str]) -> bool:
    """Every part ends at a line boundary: joining them gives the text back."""
    return "\n".join(parts) == text


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_200_member_digest_reads_a_bounded_number_of_queries_and_splits_per_platform(
    dynamo_table, requests_made, locale
):
    """Reads are one Query per kind of item (paged) and two GetItems, whatever the number of
    members; writes are batches (strikes and counters too), never a request per member."""
    store = Store(dynamo_table)
    _big_community(store, locale)
    rt, sent = runtime(store, DIGEST_3)
    requests_made.reset()
    result = run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert result.status == "sent"
    counts = dict(requests_made.counts)
    # roster, C0003 and C0002 submissions, C0002 assignments and reviews, check-ins; then
    # in apply: C0003 strikes, counters and submissions again. 1 MB pages: one each here.
    assert counts.pop("Query") <= 8 + 4
    assert counts.pop("GetItem") == 2  # the community, the cycle 2 close record
    missing = result.summary["missing"]
    assert missing == 200 - 160 - result.summary["on_leave"]
    # assignments (160 packed in 16 bucket items: one batch), then the counters buckets and
    # strike buckets the close touched, whole, 25 to a batch: fewer items than a record and a
    # counters item per struck member
    packed = [
        len(list(store.table.query("C#c1", prefix=prefix)))
        for prefix in (keys.HOMEWORK_COUNTERS_BUCKET_PREFIX, "HWS#C0003$")
    ]
    assert sum(packed) < 2 * missing
    assert counts.pop("BatchWriteItem") == 1 + sum(-(-n // 25) for n in packed)
    assert counts.pop("PutItem") == 1  # the cycle 3 close record
    # claim + one per group part + one per 50 DMs (each reviewer's assignments) + finish:
    # nothing per struck member (strikes are no longer member item updates)
    group = sum(1 for m in sent if m.kind == "message")
    dms = len(sent) - group
    assert dms == 160  # every submitter reviews
    assert counts.pop("UpdateItem") == 2 + group + -(-dms // CHECKPOINT_PARTS)
    assert counts == {}

    posts = _group_posts(plan_weekly_digest(store, store.get_community("c1"), DIGEST_3))
    text = "\n".join(posts)
    assert text.count("https://blog.example.com/posts/") == 160
    for post in posts:
        telegram = split_parts(post, [], "", 4096)
        assert all(len(p) <= 4096 for p in telegram) and _lines_kept(post, telegram)
        # WeCom counts bytes (2,048); a character is at most 4 bytes in UTF-8.
        wecom = split_parts(post, [], "", 2048 // 4)
        assert all(len(p.encode()) <= 2048 for p in wecom) and _lines_kept(post, wecom)
    assert len(split_parts(posts[1], [], "", 4096)) >= 3  # the full list: several parts
    title = "作业周报 第 3 期" if locale == "zh-CN" else "Homework digest cycle 3"
    assert text.startswith("📚 " + title)
    if locale == "zh-CN":
        assert "已交 160/" in text and "❌ 未交" in text and "🔁 第 3 期 作业互评分配" in text
    else:
        assert "Handed in: 160/" in text and "Missing (" in text


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_real_telegram_and_wecom_adapters_split_a_200_member_digest(locale):
    from chalicelib.platforms.telegram import MESSAGE_LIMIT, TelegramAdapter
    from chalicelib.platforms.wecom import TEXT_LIMIT_BYTES, WeComAdapter

    store = Store(MemoryTable())
    _big_community(store, locale)
    posts = _group_posts(plan_weekly_digest(store, store.get_community("c1"), DIGEST_3))
    telegram = [p for post in posts for p in TelegramAdapter("token", "s").render(Message(post))]
    assert len(telegram) >= 3 and all(len(p) <= MESSAGE_LIMIT for p in telegram)
    assert "\n".join(telegram).count("https://blog.example.com/posts/") == 160
    for post in posts:
        wecom = WeComAdapter().render(Message(post))
        assert all(len(p.content.encode()) <= TEXT_LIMIT_BYTES for p in wecom)
        assert "\n".join(p.content for p in wecom) == post  # cut only between lines
    assert len(WeComAdapter().render(Message(posts[1]))) >= 4


def test_work_of_a_member_who_left_is_listed_but_not_counted(world):
    """Gus handed in, then left: his work still shows, but "handed in x/y" counts present
    members only, so it never reads 4/3."""
    store, rt, sent = world
    for user in ("ann", "bob", "cat", "gus"):
        hand_in(store, user, "C0003", DEADLINE_3 - timedelta(hours=2))
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    text = sent_text(sent)
    assert "Handed in: 3/4" in text
    assert "Gus — https://example.com/gus/C0003" in text


def test_the_digest_counts_each_squad_first_from_what_it_reads_anyway(world):
    """Per-squad counts open the digest (before the names): check-ins during the cycle and
    homework handed in of expected, per squad, members in no squad last."""
    store, rt, sent = world
    for user in ("ann", "bob"):
        record_checkin(store.table, "c1", user, date(2026, 11, 18), DEADLINE_3 - WEEK / 2)
    record_checkin(store.table, "c1", "gus", date(2026, 11, 18), DEADLINE_3 - WEEK / 2)  # left
    hand_in(store, "ann", "C0003", DEADLINE_3 - timedelta(days=2))
    hand_in(store, "cat", "C0003", DEADLINE_3 - timedelta(days=1))
    hand_in(store, "bob", "C0003", DEADLINE_3 - timedelta(hours=1))
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    lines = sent_text(sent).splitlines()
    start = lines.index("By squad:")
    assert lines[start - 1] == "Handed in: 3/4 · on time 3 · late 0 · missing 1"
    assert lines[start + 1 : start + 4] == [
        "· A: checked in this cycle 1/2 · homework 2/2",
        "· B: checked in this cycle 1/2 · homework 1/2",
        "· no squad: checked in this cycle 0/2 · homework 0/0",
    ]
    assert lines[start + 4 : start + 6] == ["✅ A: Ann, Cat", "✅ B: Bob"]


def test_a_community_without_squads_has_no_squad_lines(world):
    store, rt, sent = world
    for name in ("ann", "bob", "cat", "dan"):
        store.save_member(member(name, role=Role.OWNER if name == "ann" else Role.MEMBER))
    run_job(rt, "weekly-digest", "c1", DIGEST_3)
    assert "By squad:" not in sent_text(sent)
