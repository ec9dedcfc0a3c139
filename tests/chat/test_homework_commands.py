"""交作业 /submit, 点评 /review, 作业 /hw, through the same path a webhook takes.

Every refusal must be a clear reply with nothing stored, and nothing a member types may
raise (a raise is a 500 to the platform, which then retries the same message).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store import keys
from chalicelib.store.homework import bulk_save_assignments, submission_history
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

# Cycle 3 of a community anchored on Monday 2026-11-02 runs 16-22 November (Shanghai),
# due Sunday 22 November 23:59 = 15:59 UTC.
WEDNESDAY = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)


@pytest.fixture
def world():
    store = Store(MemoryTable())
    store.create_community(community(cycle_anchor=date(2026, 11, 2)))
    store.bulk_save_members(
        [
            member("ann", name="Ann Lee", username="annie", squad="A"),
            member("bob", squad="B"),
            member("cat", squad="A"),
            member("dan", name="Dan Brown"),
            member("fay", name="Dan Brown"),  # two members, one display name
            member("eve", status="left"),
        ]
    )
    rt, _sent = runtime(store, WEDNESDAY)
    return store, rt


# The platform sends each sender's display name with every message (and the roster follows it).
NAMES = {"ann": "Ann Lee", "dan": "Dan Brown", "fay": "Dan Brown"}


def say(rt, user: str, text: str, at: datetime = WEDNESDAY) -> str:
    sender = Sender(user, NAMES.get(user, user.title()))
    event = InboundEvent("message", "console", "chat-1", sender, text)
    return "\n".join(m.text for m in handle_event(rt, event, at))


def homework_items(store: Store, prefix: str) -> list[dict]:
    return [i for i in store.table.all_items() if i["sk"].startswith(prefix)]


# -- 交作业 /submit ----------------------------------------------------------------------------


def test_submit_stores_the_link_and_says_when_it_is_due(world):
    store, rt = world
    reply = say(rt, "ann", "/submit https://example.com/essay my first essay")
    assert "handed in for cycle 3" in reply and "2026-11-22 23:59" in reply
    (item,) = homework_items(store, keys.SUBMISSION_PREFIX)
    assert item["sk"] == "HW#C0003#ann"
    assert (item["link"], item["text"], item["late"]) == (
        "https://example.com/essay",
        "my first essay",
        False,
    )


def test_a_resubmission_replaces_the_work_and_keeps_the_earlier_version(world):
    store, rt = world
    say(rt, "ann", "/submit https://example.com/v1")
    later = WEDNESDAY + timedelta(hours=5)
    reply = say(rt, "ann", "交作业 https://example.com/v2", later)
    assert "replaced (version 2" in reply
    (item,) = homework_items(store, keys.SUBMISSION_PREFIX)
    assert item["link"] == "https://example.com/v2" and item["versions"] == 2
    (old,) = submission_history(store.table, "c1", "C0003", "ann")
    assert old["link"] == "https://example.com/v1"
    assert old["submitted_at"] == WEDNESDAY.isoformat()


def test_text_homework_is_accepted_without_a_link(world):
    store, rt = world
    assert "handed in" in say(rt, "bob", "交作业 今天读完了第三章，笔记如下……")
    (item,) = homework_items(store, keys.SUBMISSION_PREFIX)
    assert "link" not in item and item["text"].startswith("今天读完了")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/submit", "Hand in a link or some text"),
        ("/submit ftp://example.com/x", "must start with http:// or https://"),
        ("/submit https://", "not a valid web address"),
        ("/submit see http://nohost", "not a valid web address"),
        ("/submit https://e.com/" + "x" * 1200, "longer than 1000 characters"),
        ("/submit " + "字" * 2001, "at most 2000 characters (yours has 2001)"),
    ],
)
def test_bad_work_gets_a_clear_reply_and_nothing_is_stored(world, text, expected):
    store, rt = world
    assert expected in say(rt, "ann", text)
    assert homework_items(store, keys.SUBMISSION_PREFIX) == []


def test_work_after_the_deadline_is_late_within_grace(world):
    store, rt = world
    reply = say(rt, "cat", "/submit https://example.com/late", DEADLINE + timedelta(hours=3))
    assert "late for cycle 3" in reply
    (item,) = homework_items(store, keys.SUBMISSION_PREFIX)
    assert item["sk"] == "HW#C0003#cat" and item["late"] is True


def test_work_after_the_grace_goes_to_the_next_cycle(world):
    store, rt = world
    reply = say(rt, "cat", "/submit https://example.com/x", DEADLINE + timedelta(hours=49))
    assert "handed in for cycle 4" in reply
    assert homework_items(store, keys.SUBMISSION_PREFIX)[0]["sk"] == "HW#C0004#cat"


def test_late_work_after_the_digest_clears_the_strike(world):
    store, rt = world
    store.table.put({"pk": "C#c1", "sk": "HWS#C0003#cat", "user_id": "cat", "cycle": "C0003"})
    store.table.update("C#c1", "M#cat", set={"strikes": 4, "missed_in_a_row": 2})
    reply = say(rt, "cat", "/submit https://example.com/x", DEADLINE + timedelta(hours=2))
    assert "strike for cycle 3 is cleared" in reply
    assert homework_items(store, keys.STRIKE_PREFIX) == []
    cat = store.get_member("c1", "cat")
    assert (cat.strikes, cat.missed_in_a_row) == (3, 0)


def test_a_paused_cycle_takes_no_work(world):
    store, rt = world
    store.update_community(store.get_community("c1"), paused_cycles=(3,))
    assert "is paused" in say(rt, "ann", "/submit https://example.com/x")
    assert homework_items(store, keys.SUBMISSION_PREFIX) == []


def test_before_the_first_cycle_the_reply_says_when_it_starts(world):
    store, rt = world
    store.update_community(store.get_community("c1"), cycle_anchor=date(2026, 12, 7))
    assert "first cycle opens on 2026-12-07" in say(rt, "ann", "/submit https://e.com/x")


def test_a_community_without_cycles_says_so(world):
    store, rt = world
    store.update_community(store.get_community("c1"), cycle_anchor=None, cycle_length_days=14)
    assert "not set up" in say(rt, "ann", "/submit https://e.com/x")
    assert "not set up" in say(rt, "ann", "/hw")


# -- 点评 /review ----------------------------------------------------------------------------


@pytest.fixture
def reviewed_cycle(world):
    """Cycle 3 handed in by ann, bob and cat; its digest assigned cat to review bob."""
    store, rt = world
    for user in ("ann", "bob", "cat"):
        say(rt, user, f"/submit https://example.com/{user}")
    bulk_save_assignments(store.table, "c1", "C0003", {"bob": ["cat", "ann"]}, DEADLINE)
    return store, rt, DEADLINE + timedelta(days=1)


def test_an_assigned_review_is_stored_with_its_score(reviewed_cycle):
    store, rt, monday = reviewed_cycle
    reply = say(rt, "cat", "/review @bob Clear structure, good examples 5", monday)
    assert "Cat's review of Bob (cycle 3) is saved" in reply and "Score: 5/5" in reply
    assert "extra" not in reply
    (review,) = homework_items(store, keys.REVIEW_PREFIX)
    assert review["sk"] == "RV#C0003#bob#cat"
    assert (review["score"], review["assigned"]) == (5, True)
    assert review["text"] == "Clear structure, good examples"


def test_an_unassigned_review_is_accepted_as_extra(reviewed_cycle):
    store, rt, monday = reviewed_cycle
    reply = say(rt, "bob", "/review @annie Nice one", monday)
    assert "saved" in reply and "counts as an extra one" in reply
    (review,) = homework_items(store, keys.REVIEW_PREFIX)
    assert review["sk"] == "RV#C0003#ann#bob" and review["assigned"] is False


def test_a_second_review_of_the_same_work_replaces_the_first(reviewed_cycle):
    store, rt, monday = reviewed_cycle
    say(rt, "cat", "/review @bob ok 3", monday)
    later = monday + timedelta(minutes=5)
    assert "is updated" in say(rt, "cat", "/review @bob better on reread 4", later)
    (review,) = homework_items(store, keys.REVIEW_PREFIX)
    assert review["score"] == 4


def test_a_display_name_with_spaces_resolves(reviewed_cycle):
    _store, rt, monday = reviewed_cycle
    assert "review of Ann Lee (cycle 3)" in say(rt, "bob", "/review @Ann Lee lovely", monday)


def test_early_reviews_go_to_this_cycle_s_work(world):
    store, rt = world
    say(rt, "ann", "/submit https://example.com/ann")
    reply = say(rt, "bob", "点评 @annie 很有启发")
    assert "cycle 3" in reply
    assert homework_items(store, keys.REVIEW_PREFIX)[0]["sk"] == "RV#C0003#ann#bob"


def reply_to(rt, user: str, author: str, text: str, at: datetime) -> str:
    """``text`` sent as a reply to a message of ``author`` (as Telegram reports it)."""
    sender = Sender(user, NAMES.get(user, user.title()))
    replied = Sender(author, NAMES.get(author, author.title()))
    event = InboundEvent("message", "console", "chat-1", sender, text, reply_to=replied)
    return "\n".join(m.text for m in handle_event(rt, event, at))


def test_a_review_sent_as_a_reply_reviews_the_replied_to_member(reviewed_cycle):
    store, rt, monday = reviewed_cycle
    reply = reply_to(rt, "cat", "bob", "/review Clear structure 4", monday)
    assert "Cat's review of Bob (cycle 3) is saved" in reply and "Score: 4/5" in reply
    (review,) = homework_items(store, keys.REVIEW_PREFIX)
    assert review["sk"] == "RV#C0003#bob#cat" and review["assigned"] is True
    assert review["text"] == "Clear structure"


def test_a_mention_wins_over_the_replied_to_message(reviewed_cycle):
    store, rt, monday = reviewed_cycle
    reply_to(rt, "cat", "ann", "点评 @bob 很好", monday)
    assert homework_items(store, keys.REVIEW_PREFIX)[0]["sk"] == "RV#C0003#bob#cat"


@pytest.mark.parametrize(
    ("author", "text", "expected"),
    [
        ("ann", "/review my own 5", "can't review your own homework"),
        ("zed", "/review great", "no member called “Zed”"),
        ("bob", "/review", "To review: /review @name"),
        ("bob", "/review great 9", "Scores go from 1 to 5"),
    ],
)
def test_bad_replies_get_a_clear_answer_and_nothing_is_stored(
    reviewed_cycle, author, text, expected
):
    store, rt, monday = reviewed_cycle
    assert expected in reply_to(rt, "ann", author, text, monday)
    assert homework_items(store, keys.REVIEW_PREFIX) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/review", "To review: /review @name"),
        ("/review great work", "To review: /review @name"),
        ("/review @bob", "To review: /review @name"),
        ("/review @ann me myself 5", "can't review your own homework"),
        ("/review @annie me myself 5", "can't review your own homework"),
        ("/review @zed great", "no member called “zed”"),
        ("/review @eve great", "no member called “eve”"),
        ("/review @bob great 6", "Scores go from 1 to 5"),
        ("/review @bob great 0分", "Scores go from 1 to 5"),
        ("/review @Dan Brown hi", "Several members are called “Dan Brown”"),
        ("/review @cat " + "x" * 2001, "at most 2000 characters"),
        ("/review @dan great", "has not handed in anything"),
    ],
)
def test_bad_reviews_get_a_clear_reply_and_nothing_is_stored(reviewed_cycle, text, expected):
    store, rt, monday = reviewed_cycle
    assert expected in say(rt, "ann", text, monday)
    assert homework_items(store, keys.REVIEW_PREFIX) == []


def test_a_review_updates_last_activity(reviewed_cycle):
    store, rt, monday = reviewed_cycle
    say(rt, "cat", "/review @bob good 4", monday)
    assert store.get_member("c1", "cat").last_active == date(2026, 11, 23)


# -- 作业 /hw --------------------------------------------------------------------------------


def test_hw_shows_work_reviews_owed_and_strikes(reviewed_cycle):
    store, rt, monday = reviewed_cycle
    store.table.update("C#c1", "M#ann", set={"strikes": 2, "missed_in_a_row": 1})
    reply = say(rt, "ann", "/hw", monday)
    assert "homework: cycle 4, due 2026-11-29 23:59" in reply
    assert "Not handed in yet" in reply
    assert "Reviews owed (cycle 3): Bob" in reply
    assert "Missed cycles: 2 (1 in a row)" in reply
    say(rt, "ann", "/review @bob ok 4", monday)
    say(rt, "ann", "/submit https://example.com/next", monday)
    reply = say(rt, "ann", "/hw", monday)
    assert "Handed in (2026-11-23 23:59): https://example.com/next" in reply
    assert "All 1 reviews assigned to you for cycle 3 are done" in reply


def test_hw_offers_late_work_while_the_grace_lasts(world):
    _store, rt = world
    reply = say(rt, "dan", "/hw", DEADLINE + timedelta(hours=1))
    assert "cycle 3 is still missing: you can hand it in late until 2026-11-24 23:59" in reply
    say(rt, "dan", "/submit https://example.com/late", DEADLINE + timedelta(hours=2))
    assert "cycle 3 handed in late" in say(rt, "dan", "/hw", DEADLINE + timedelta(hours=3))


# -- both languages ----------------------------------------------------------------------------


def test_chinese_communities_get_chinese_replies(world):
    store, rt = world
    store.update_community(store.get_community("c1"), locale="zh-CN")
    assert "已交 第 3 期 的作业" in say(rt, "ann", "交作业 https://example.com/a")
    assert "链接需要以 http:// 或 https:// 开头" in say(rt, "ann", "交作业 ftp://x.cn")
    assert "已记录" in say(rt, "bob", "点评 @annie 写得很好 5分")
    assert "评分只能是 1 到 5 分" in say(rt, "bob", "点评 @annie 写得很好 9分")
    assert "的作业：本期（第 3 期）" in say(rt, "ann", "作业")


# -- nothing raises ----------------------------------------------------------------------------

_store = Store(MemoryTable())
_store.create_community(community(cycle_anchor=date(2026, 11, 2)))
_store.bulk_save_members([member("ann"), member("bob", username="b")])
_rt, _ = runtime(_store, WEDNESDAY)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(["/submit", "交作业", "/review", "点评", "/review @b", "/hw", "作业"]),
    args=st.text(max_size=80)
    | st.from_regex(r"@\S{0,6} .{0,20}( \d{1,3}(分|/5)?)?", fullmatch=True)
    | st.from_regex(r"[a-z]{2,8}://\S{0,30}", fullmatch=True),
    offset_hours=st.integers(-24 * 30, 24 * 30),
)
def test_nothing_a_member_sends_raises(command, args, offset_hours):
    reply = say(_rt, "ann", f"{command} {args}", WEDNESDAY + timedelta(hours=offset_hours))
    assert reply.strip()


def test_hw_reads_no_warnings_bucket_it_does_not_show(reviewed_cycle):
    """/hw shows strikes, not the warning: its one BatchGetItem of the member's counters
    asks for no ``WRN`` key (a warnings bucket is read whole: ~13 read units at 100,000
    members), while the same read for /standing does."""
    from chalicelib.store.homework import member_counters

    store, rt, monday = reviewed_cycle
    warning_keys = (keys.WARNING_PREFIX, keys.WARNING_BUCKET_PREFIX)
    asked: list[tuple[str, str]] = []
    batch_get = store.table.batch_get

    def spying(wanted):
        wanted = list(wanted)
        asked.extend(wanted)
        return batch_get(wanted)

    store.table.batch_get = spying
    store.table.update("C#c1", "M#ann", set={"strikes": 2, "missed_in_a_row": 1})
    assert "Missed cycles: 2 (1 in a row)" in say(rt, "ann", "/hw", monday)
    assert asked and not [sk for _pk, sk in asked if sk.startswith(warning_keys)]
    asked.clear()
    member_counters(store.table, "c1", store.get_member("c1", "ann"))  # as /standing reads
    assert {sk[:4] for _pk, sk in asked if sk.startswith(warning_keys)} == {"WRN#", "WRN$"}
