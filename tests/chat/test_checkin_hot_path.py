"""The check-in's hot path, through ``handle_event``: what a check-in costs on DynamoDB
(moto), and how it de-duplicates a redelivery without claiming the delivery id first.

A warm check-in is two round trips and two write units: the member's GetItem together
with the check-in's conditional PutItem (which records the delivery id, and no run), then
the member's UpdateItem (counters, the day's activity, the delivery id and, after a gap,
the gap a make-up reads runs from). It used to be an UpdateItem more (the check-in's run,
sent with the counters: 3 write units), before that three rounds in sequence (read, put,
update), and before that five requests: a claim of the delivery id and a separate activity
write came first.
"""

from __future__ import annotations

import itertools
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.config import Settings
from chalicelib.domain.checkins import Streak, chain_back, gaps_of
from chalicelib.domain.messages import t
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.runtime import Runtime
from chalicelib.store import keys
from chalicelib.store.checkins import (
    adopt_checkin,
    checkins_on,
    record_checkin,
    withdraw_checkin,
)
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ids = itertools.count(1)


def local(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def say(
    rt: Runtime,
    text: str,
    at: datetime,
    *,
    user: str = "u1",
    name: str | None = None,
    event_id: str | None = None,
    chat: str = "chat-1",
) -> str:
    event = InboundEvent(
        kind="message",
        platform="console",
        chat_id=chat,
        sender=Sender(user, name or user.title()),
        text=text,
        event_id=event_id or f"e-{next(_ids)}",
    )
    return "\n".join(m.text for m in handle_event(rt, event, at))


def counters(rt: Runtime, user: str = "u1") -> tuple[int, int, date | None]:
    m = rt.store.get_member("c1", user)
    assert m is not None
    return m.checkins, m.current_streak, m.last_checkin


@pytest.fixture
def on_moto(dynamo_table, requests_made):
    store = Store(dynamo_table)
    store.create_community(community())
    store.bulk_save_members(member(f"m{n:03d}") for n in range(40))
    requests_made.reset()
    return Runtime(settings=Settings(), store=store), requests_made


@pytest.fixture
def capacity(dynamo_client):
    """Read and write units billed, as the bench counts them (bench/capacity.py)."""
    from bench.capacity import Meter

    return Meter().attach(dynamo_client)


class SlowTable(MemoryTable):
    """Each request takes a millisecond, as over a network, so racing threads interleave."""

    def get(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.001)
        return super().get(*args, **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.001)
        return super().put(*args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.001)
        return super().update(*args, **kwargs)


def memory_runtime(table: MemoryTable | None = None) -> Runtime:
    store = Store(table or MemoryTable())
    store.create_community(community())
    return Runtime(settings=Settings(), store=store)


# -- what it costs ---------------------------------------------------------------------------


def test_a_warm_checkin_is_two_rounds_and_two_write_units(on_moto, capacity):
    """Round 1: the member read with the check-in's put; round 2: the member's update
    alone. 0.5 read unit (the member, eventually consistent) and 2 write units."""
    rt, requests = on_moto
    say(rt, "hello", local(23, 8), user="m001")  # the container has the community cached
    say(rt, "/checkin", local(22, 9), user="m007")  # yesterday's: the member item is known
    requests.reset()
    capacity.reset()
    reply = say(rt, "/checkin", local(23, 9), user="m007")
    assert "checked in for 2026-11-23: 2-day streak" in reply
    assert dict(requests.counts) == {"GetItem": 1, "PutItem": 1, "UpdateItem": 1}
    assert requests.rounds() == 2
    assert (capacity.rcu, capacity.wcu) == (0.5, 2.0)
    [item] = checkins_on(rt.store.table, "c1", date(2026, 11, 23))
    assert item["user_id"] == "m007" and "streak" not in item, "no run on the item"
    stored = rt.store.get_member("c1", "m007")
    assert stored is not None and stored.last_active == date(2026, 11, 23), "activity folded in"


def test_a_cold_checkin_reads_the_community_and_the_member_in_one_batch(on_moto):
    """No community cached (a cold container, or the minute ran out): the chat binding,
    then the community and the member together."""
    rt, requests = on_moto
    reply = say(rt, "打卡", local(23, 9), user="m002")
    assert "checked in" in reply
    assert dict(requests.counts) == {
        "GetItem": 1,
        "BatchGetItem": 1,
        "PutItem": 1,
        "UpdateItem": 1,
    }


def test_a_warm_checkin_reads_nothing_back_from_its_member_update(on_moto):
    """The handler computed the counters it writes, and the update's condition makes them
    the stored ones: the response carries no item (nothing to send, parse or convert)."""
    rt, _ = on_moto
    say(rt, "hello", local(23, 8), user="m001")
    asked: list[dict[str, Any]] = []
    rt.store.table.client.meta.events.register(
        "provide-client-params.dynamodb.UpdateItem", lambda params, **_: asked.append(params)
    )
    reply = say(rt, "/checkin", local(23, 9), user="m001")
    assert "1-day streak" in reply
    assert len(asked) == 1, "the counters alone"
    assert all(update["ReturnValues"] == "NONE" for update in asked)
    assert counters(rt, "m001") == (1, 1, date(2026, 11, 23))


def test_a_new_members_first_message_being_a_checkin_creates_them_in_one_put(on_moto):
    """Nothing stored yet: the member item is created whole, by a put conditional on its
    absence (the same effect as an update with that condition, cheaper to evaluate)."""
    rt, requests = on_moto
    say(rt, "hello", local(23, 8), user="m001")
    requests.reset()
    reply = say(rt, "/checkin", local(23, 9), user="newbie", name="Newbie")
    assert "Newbie checked in for 2026-11-23" in reply
    assert dict(requests.counts) == {"GetItem": 1, "PutItem": 2}
    assert requests.rounds() == 2
    created = rt.store.get_member("c1", "newbie")
    assert created is not None
    assert (created.joined_at, created.last_active, created.role.value) == (
        date(2026, 11, 23),
        date(2026, 11, 23),
        "member",
    )
    assert (created.checkins, created.current_streak, created.best_streak) == (1, 1, 1)


def test_a_redelivery_and_a_second_checkin_cost_one_round_and_write_nothing(on_moto):
    """The read and the put go out together, so a repeat costs a refused put besides the
    read (one round trip, the same wait), and writes nothing."""
    rt, requests = on_moto
    say(rt, "/checkin", local(23, 9), user="m003", event_id="m-1")
    before = sorted(map(str, rt.store.table.client.scan(TableName=rt.store.table.name)["Items"]))
    requests.reset()
    assert say(rt, "/checkin", local(23, 9, 1), user="m003", event_id="m-1") == ""
    assert dict(requests.counts) == {"GetItem": 1, "PutItem": 1}
    assert requests.rounds() == 1
    requests.reset()
    again = say(rt, "/checkin", local(23, 18), user="m003", event_id="m-2")
    assert again == t("en", "checkin_already", name="M003", date="2026-11-23", streak=1)
    assert dict(requests.counts) == {"GetItem": 1, "PutItem": 1}
    assert requests.rounds() == 1
    after = sorted(map(str, rt.store.table.client.scan(TableName=rt.store.table.name)["Items"]))
    assert after == before


def test_chatter_claims_no_delivery_id_but_other_commands_do(on_moto):
    rt, requests = on_moto
    say(rt, "hello", local(23, 8), user="m001")
    requests.reset()
    say(rt, "just chatting", local(23, 9), user="m001")
    assert dict(requests.counts) == {"GetItem": 1}
    requests.reset()
    say(rt, "/help", local(23, 9), user="m001")
    assert dict(requests.counts) == {"PutItem": 1, "GetItem": 1}


# -- exactly once, without a claim -----------------------------------------------------------


def test_a_redelivery_while_the_first_is_in_flight_is_silent_and_settles_the_counters():
    """The first delivery's put is in, its member update not yet (or it crashed between
    them): the redelivery's put is refused with the first's delivery id, so it answers
    nothing and brings the counters up to date."""
    rt = memory_runtime()
    say(rt, "/checkin", local(22))
    record_checkin(
        rt.store.table, "c1", "u1", date(2026, 11, 23), local(23, 9), delivery="console#m-9"
    )
    assert say(rt, "/checkin", local(23, 9, 1), event_id="m-9") == ""
    assert counters(rt) == (2, 2, date(2026, 11, 23))
    # and the member item now knows the delivery: a third copy costs one read (and the
    # refused put that went out with it), no settling
    before = dict(rt.store.table.requests)
    assert say(rt, "/checkin", local(23, 9, 2), event_id="m-9") == ""
    used = {k: v - before.get(k, 0) for k, v in rt.store.table.requests.items()}
    assert {k: v for k, v in used.items() if v} == {"GetItem": 1, "PutItem": 1}


def test_a_redelivery_after_the_day_ended_checks_in_for_no_new_day():
    """Telegram redelivers for up to 24 hours: a message sent at 23:59 and delivered again
    at 00:01 is still yesterday's one check-in."""
    rt = memory_runtime()
    say(rt, "/checkin", local(22, 23, 59), event_id="late")
    assert say(rt, "/checkin", local(23, 0, 1), event_id="late") == ""
    assert counters(rt) == (1, 1, date(2026, 11, 22))
    assert checkins_on(rt.store.table, "c1", date(2026, 11, 23)) == []
    assert "2-day streak" in say(rt, "/checkin", local(23, 8), event_id="next")


def test_the_checkin_item_and_member_keep_the_delivery_id():
    rt = memory_runtime()
    say(rt, "/checkin", local(23), event_id="abc")
    [item] = checkins_on(rt.store.table, "c1", date(2026, 11, 23))
    assert item["delivery"] == "console#abc"
    assert rt.store.table.get("C#c1", "M#u1")["checkin_delivery"] == "console#abc"
    assert not [i for i in rt.store.table.all_items() if i["pk"].startswith(keys.EVENT_PREFIX)]


def test_a_checkin_without_a_delivery_id_is_still_recorded_once():
    rt = memory_runtime()
    event = InboundEvent(
        kind="message", platform="console", chat_id="chat-1", sender=Sender("u1", "U1"), text="打卡"
    )
    first = "\n".join(m.text for m in handle_event(rt, event, local(23)))
    again = "\n".join(m.text for m in handle_event(rt, event, local(23, 13)))
    assert "checked in" in first and "already" in again
    assert counters(rt) == (1, 1, date(2026, 11, 23))


def race(rt: Runtime, event_ids: list[str]) -> list[str]:
    """Send a check-in per delivery id, all at once from one thread each."""
    replies: list[str] = []
    lock = threading.Lock()

    def send(event_id: str) -> None:
        reply = say(rt, "/checkin", local(23, 9), event_id=event_id)
        with lock:
            replies.append(reply)

    threads = [threading.Thread(target=send, args=(i,)) for i in event_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def test_deliveries_racing_each_other_record_one_checkin_and_count_it_once():
    """Copies of one message and a second message, all at once, from eight threads: one
    confirmation, the other message answered "already", the copies silent."""
    for round_ in range(20):
        rt = memory_runtime(SlowTable())
        say(rt, "/checkin", local(22))
        replies = race(rt, [f"r{round_}-a"] * 4 + [f"r{round_}-b"] * 4)
        done = [r for r in replies if "checked in for" in r]
        assert len(done) == 1, replies
        assert len([r for r in replies if r and r not in done]) <= 4, replies
        assert counters(rt) == (2, 2, date(2026, 11, 23))
        assert len(checkins_on(rt.store.table, "c1", date(2026, 11, 23))) == 1


def test_a_checkin_in_an_unbound_chat_is_answered_once():
    rt = memory_runtime()
    first = say(rt, "/checkin", local(23), chat="nowhere", event_id="x")
    again = say(rt, "/checkin", local(23), chat="nowhere", event_id="x")
    assert "rollcall community bind" in first and again == ""


class CreatedMeanwhile(MemoryTable):
    """Another message from the same new member lands between this one's read and its
    write: the member item appears (with an admin's role set on it) just before the
    check-in creates it."""

    def put(self, item: dict[str, Any], **kwargs: Any) -> Any:
        if item["sk"] == keys.member_sk("newbie") and self.get(item["pk"], item["sk"]) is None:
            super().put(
                {
                    "pk": item["pk"],
                    "sk": item["sk"],
                    "community_id": "c1",
                    "user_id": "newbie",
                    "name": "Newbie",
                    "role": "admin",
                    "joined_at": "2026-11-22",
                    "last_active": "2026-11-23",
                    "status": "active",
                }
            )
        return super().put(item, **kwargs)


def test_a_new_member_created_meanwhile_keeps_what_the_other_message_wrote():
    rt = memory_runtime(CreatedMeanwhile())
    reply = say(rt, "/checkin", local(23, 9), user="newbie", name="Newbie")
    assert "Newbie checked in for 2026-11-23" in reply
    stored = rt.store.get_member("c1", "newbie")
    assert stored is not None
    assert (stored.role.value, stored.joined_at) == ("admin", date(2026, 11, 22))
    assert counters(rt, "newbie") == (1, 1, date(2026, 11, 23))
    assert len(checkins_on(rt.store.table, "c1", date(2026, 11, 23))) == 1


def test_a_huge_delivery_id_is_kept_by_its_digest():
    """The id comes from the (signed) body: stored whole, it could make the check-in item
    too large for DynamoDB; its digest de-duplicates just as well."""
    rt = memory_runtime()
    huge = "x" * 500_000
    assert "checked in" in say(rt, "/checkin", local(23), event_id=huge)
    assert say(rt, "/checkin", local(23, 13), event_id=huge) == ""
    [item] = checkins_on(rt.store.table, "c1", date(2026, 11, 23))
    assert item["delivery"].startswith("console#sha256:") and len(item["delivery"]) < 100


def test_the_rules_gate_is_decided_from_the_member_read_and_takes_the_put_back(on_moto):
    """A community that requires its rules accepted (the joining ritual) decides from the
    member item the check-in reads anyway: a member who accepted checks in in the same two
    rounds; one who has not gets the rules, the put sent with the read is taken back, and
    only their activity is written."""
    from dataclasses import replace

    rt, requests = on_moto
    store = rt.store
    store.update_community(
        store.get_community("c1"), group_rules="Be kind.", require_rules_acceptance=True
    )
    accepted = replace(member("m008"), rules_accepted_at=local(20))
    store.save_member(accepted)
    say(rt, "hello", local(23, 8), user="m001")  # the container has the community cached
    requests.reset()
    reply = say(rt, "/checkin", local(23, 9), user="m008")
    assert "checked in for 2026-11-23" in reply
    assert dict(requests.counts) == {"GetItem": 1, "PutItem": 1, "UpdateItem": 1}
    assert requests.rounds() == 2
    requests.reset()
    refused = say(rt, "/checkin", local(23, 9), user="m007")
    assert "accept the group rules first" in refused and "Be kind." in refused
    assert dict(requests.counts) == {
        "GetItem": 1,
        "PutItem": 1,
        "DeleteItem": 1,
        "UpdateItem": 1,
    }
    assert counters(rt, "m007") == (0, 0, None)
    assert [i["user_id"] for i in checkins_on(store.table, "c1", date(2026, 11, 23))] == ["m008"]


# -- the put sent with the read, taken back when the read refuses it -------------------------


def test_a_redelivery_after_the_day_ended_takes_back_the_put_it_sent_with_the_read(on_moto):
    """On a warm container the late copy's put for the new day goes out before the member
    read tells it is a copy: the put is written, then withdrawn, and no day is counted."""
    rt, requests = on_moto
    say(rt, "/checkin", local(22, 23, 59), user="m004", event_id="late")
    requests.reset()
    assert say(rt, "/checkin", local(23, 0, 1), user="m004", event_id="late") == ""
    assert requests.counts["DeleteItem"] == 1
    assert checkins_on(rt.store.table, "c1", date(2026, 11, 23)) == []
    assert counters(rt, "m004") == (1, 1, date(2026, 11, 22))


def test_withdrawing_is_exactly_once_and_never_takes_another_requests_checkin():
    table = MemoryTable()
    day = date(2026, 11, 23)
    record_checkin(table, "c1", "u1", day, local(23), delivery="console#a", attempt="a")
    # a copy whose put was refused has nothing of its own to take back
    assert not withdraw_checkin(table, "c1", "u1", day, "b")
    assert withdraw_checkin(table, "c1", "u1", day, "a")
    assert not withdraw_checkin(table, "c1", "u1", day, "a"), "a repeat deletes nothing"
    # a check-in another request adopted meanwhile (to count it) stays
    record_checkin(table, "c1", "u1", day, local(23), delivery="console#a", attempt="a")
    assert adopt_checkin(table, "c1", "u1", day)
    assert not withdraw_checkin(table, "c1", "u1", day, "a")
    assert len(checkins_on(table, "c1", day)) == 1
    # and one withdrawn first cannot be adopted: the adopter records it afresh
    assert not adopt_checkin(table, "c1", "u1", date(2026, 11, 24))
    # while a deploy rolls out, the code before adoption counts a check-in by giving it its
    # run: that one stays too
    later = date(2026, 11, 25)
    record_checkin(table, "c1", "u1", later, local(25), delivery="console#c", attempt="c")
    table.update("C#c1", keys.checkin_sk(later, "u1"), set={"streak": 1, "prev": None})
    assert not withdraw_checkin(table, "c1", "u1", later, "c")
    assert len(checkins_on(table, "c1", later)) == 1


class WithdrawnUnderneath(MemoryTable):
    """A first message's early put is there, uncounted; this second message's put is
    refused by it, and its own request's read refuses it (the gate) and withdraws it just
    before this one adopts it (``before``: "adopt") or just before this one writes the
    counters for it ("counters")."""

    def __init__(self, before: str) -> None:
        super().__init__()
        self.before = before

    def update(self, pk: str, sk: str, **kwargs: Any) -> Any:
        if self.before == "adopt":
            now = sk.startswith(keys.CHECKIN_PREFIX)
        else:
            now = sk == keys.member_sk("u1") and "checkins" in (kwargs.get("set") or {})
        if now:
            withdraw_checkin(self, "c1", "u1", date(2026, 11, 23), "first")
        return super().update(pk, sk, **kwargs)


@pytest.mark.parametrize("before", ["adopt", "counters"])
def test_a_checkin_counted_by_another_message_is_never_withdrawn_from_under_it(before):
    """Withdrawn before the other message adopts it: recorded again; adopted first: the
    withdrawal is refused. Either way one check-in, counted once, and its item there."""
    rt = memory_runtime(WithdrawnUnderneath(before))
    say(rt, "/checkin", local(22))
    record_checkin(
        rt.store.table, "c1", "u1", date(2026, 11, 23), local(23, 9), delivery="x", attempt="first"
    )
    reply = say(rt, "/checkin", local(23, 9, 1), event_id="second")
    assert "already" in reply
    assert len(checkins_on(rt.store.table, "c1", date(2026, 11, 23))) == 1
    assert counters(rt) == (2, 2, date(2026, 11, 23)), "counted once, and its item there"


# -- the counters the two rounds write equal a day-by-day recount, make-ups included --------


def _recount(checked: set[date], end: date) -> int:
    run, day = 0, end
    while day in checked:
        run += 1
        day = date.fromordinal(day.toordinal() - 1)
    return run


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(["checkin", "makeup"]), st.integers(1, 3)),
        min_size=1,
        max_size=14,
    )
)
def test_runs_written_with_the_counters_equal_a_recount_after_checkins_and_makeups(steps):
    """Warm check-ins (the put with the read, the gap with the counters) and make-ups in
    any order: the member's counters, and the run a make-up finds before every day of the
    window, equal the runs counted day by day from the check-ins that exist."""
    from dataclasses import replace

    table = MemoryTable()
    store = Store(table)
    store.create_community(replace(community(), makeups_per_month=31, makeup_window_days=3))
    rt = Runtime(settings=Settings(), store=store)
    day = 1
    for gap, action, back in steps:
        day += gap
        at = local(min(day, 30), 12)
        say(rt, "hello", at)  # the community cached: every check-in takes the warm path
        if action == "checkin":
            say(rt, "/checkin", at)
        else:
            target = date(2026, 11, min(day, 30)) - timedelta(days=back)
            say(rt, f"/makeup {target.isoformat()}", at)
    items = [i for i in table.all_items() if i["sk"].startswith(keys.CHECKIN_PREFIX)]
    assert not [i for i in items if "streak" in i], "no run kept on a check-in item"
    checked = {date.fromisoformat(i["date"]) for i in items}
    stored = store.get_member("c1", "u1")
    assert stored is not None and stored.checkins == len(checked)
    if checked:
        last = max(checked)
        assert (stored.last_checkin, stored.current_streak) == (last, _recount(checked, last))
        assert stored.best_streak == max(_recount(checked, x) for x in checked)
        chain = chain_back(Streak.of(stored), checked, gaps_of(stored))
        assert {d: link.run for d, link in chain.items()} == {
            d: _recount(checked, d) for d in checked
        }, "every run found back from the member item"


def test_a_member_who_left_or_is_exempt_checks_in_on_the_warm_path_as_before(on_moto):
    """What the read shows beyond the gate does not refuse a check-in: a member back after
    leaving starts a new membership and checks in; an exempt member checks in. Both in the
    same two rounds, each with its run."""
    from dataclasses import replace

    rt, requests = on_moto
    store = rt.store
    store.save_member(replace(member("m010"), status="left", current_streak=5, checkins=9))
    store.save_member(replace(member("m011"), exempt=True))
    say(rt, "hello", local(23, 8), user="m001")  # the container has the community cached
    for user in ("m010", "m011"):
        requests.reset()
        assert "checked in for 2026-11-23" in say(rt, "/checkin", local(23, 9), user=user)
        assert requests.rounds() == 2
    back = store.get_member("c1", "m010")
    assert back is not None and back.is_present and back.joined_at == date(2026, 11, 23)
    assert (back.checkins, back.current_streak) == (10, 1)
    exempt = store.get_member("c1", "m011")
    assert exempt is not None and (exempt.checkins, exempt.current_streak) == (1, 1)
    days = {i["user_id"] for i in checkins_on(store.table, "c1", date(2026, 11, 23))}
    assert days == {"m010", "m011"}


class SettledBeforeTheRead(MemoryTable):
    """The interleaving the warm path makes possible: this request's put lands, then another
    message's check-in (its put refused by ours) settles the counters for ours, with our
    delivery id, and only then does our member read return."""

    def __init__(self) -> None:
        super().__init__()
        self.between: Any = None  # called once, between our put and our member read
        self.our_put = threading.Event()

    def put(self, item: Any, *args: Any, **kwargs: Any) -> Any:
        result = super().put(item, *args, **kwargs)
        if item.get("delivery") == "console#ours" and result:
            self.our_put.set()
        return result

    def get(self, pk: str, sk: str, *args: Any, **kwargs: Any) -> Any:
        between, self.between = self.between, None
        if between is not None and sk == keys.member_sk("u1"):
            assert self.our_put.wait(5)
            between()
        return super().get(pk, sk, *args, **kwargs)


def test_a_fresh_checkin_settled_by_another_message_before_its_own_read_is_confirmed():
    """Our put is written; another message's check-in finds it, settles the counters for it
    (recording our delivery) and answers "already"; our member read then sees counters that
    name our delivery. That is not a redelivery: ours is the one confirmation, once."""
    table = SettledBeforeTheRead()
    rt = memory_runtime(table)
    say(rt, "/checkin", local(22))  # yesterday's, and the container warm
    other: list[str] = []
    table.between = lambda: other.append(say(rt, "/checkin", local(23, 9), event_id="other"))
    ours = say(rt, "/checkin", local(23, 9), event_id="ours")
    assert "already" in other[0]
    assert "checked in for" in ours, ours
    assert counters(rt) == (2, 2, date(2026, 11, 23))
    assert len(checkins_on(rt.store.table, "c1", date(2026, 11, 23))) == 1


# -- make-ups find runs from the member item, and from old items that kept theirs ----------


def _makeup_runtime(window: int) -> Runtime:
    from dataclasses import replace

    store = Store(MemoryTable())
    store.create_community(replace(community(), makeups_per_month=5, makeup_window_days=window))
    return Runtime(settings=Settings(), store=store)


def test_a_makeup_at_the_windows_far_edge_finds_the_run_its_gap_kept():
    """31 days back, the longest window: the gap the check-in after it ended is still on
    the member item (the oldest one a make-up can need), so the two runs join exactly."""
    rt = _makeup_runtime(31)
    shanghai = datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)
    for n in [0, 1, 2, *range(4, 35)]:  # 20..22 November, then 24 November..24 December
        say(rt, "/checkin", shanghai + timedelta(days=n))
    assert counters(rt) == (34, 31, date(2026, 12, 24))
    say(rt, "hello", shanghai + timedelta(days=34, minutes=59))  # the community cached
    before = dict(rt.store.table.requests)
    reply = say(rt, "/makeup 2026-11-23", shanghai + timedelta(days=34, hours=1))
    assert "2026-11-23 is made up: 35-day streak now" in reply
    stored = rt.store.get_member("c1", "u1")
    assert stored is not None and (stored.checkins, stored.best_streak) == (35, 35)
    assert stored.gaps == (), "the gap is closed"
    used = {k: v - before.get(k, 0) for k, v in rt.store.table.requests.items()}
    assert used["BatchGetItem"] == 1, "the window's check-ins, read by key at once"


def _old_item(rt: Runtime, day: int, run: int, prev: int | None) -> None:
    """A check-in as code before the member item kept gaps wrote it: with its run."""
    when = date(2026, 11, day)
    rt.store.table.put(
        {
            "pk": "C#c1",
            "sk": keys.checkin_sk(when, "u1"),
            "user_id": "u1",
            "date": when.isoformat(),
            "at": local(day).isoformat(),
            "streak": run,
            "prev": date(2026, 11, prev).isoformat() if prev else None,
        }
    )


def test_a_makeup_over_check_ins_that_kept_their_runs_still_repairs_exactly():
    """Items written with their runs, a member item with no gaps: the run before the
    made-up day is read from the old items (the one before the window by key), across the
    member's leave."""
    from dataclasses import replace

    rt = _makeup_runtime(3)
    for day in range(13, 18):
        _old_item(rt, day, day - 12, day - 1 if day > 13 else None)
    _old_item(rt, 23, 1, 17)  # leave 18..21, 22 missed: the run broke
    rt.store.save_member(
        replace(
            member("u1"),
            checkins=6,
            current_streak=1,
            best_streak=5,
            last_checkin=date(2026, 11, 23),
            leave_from=date(2026, 11, 18),
            leave_until=date(2026, 11, 21),
        )
    )
    reply = say(rt, "/makeup 2026-11-22", local(23, 20))
    assert "2026-11-22 is made up: 7-day streak now" in reply
    assert counters(rt) == (7, 7, date(2026, 11, 23))


def test_a_makeup_writes_its_own_check_in_and_the_member_only():
    """No later check-in is rewritten: the command's claim of its delivery id, the quota,
    the put and the member's counters (the repair rewrote the later check-in's run too)."""
    rt = _makeup_runtime(3)
    for day in (19, 20, 21, 23):
        say(rt, "/checkin", local(day))
    say(rt, "hello", local(23, 12))
    before = dict(rt.store.table.requests)
    assert "5-day streak" in say(rt, "/makeup 2026-11-22", local(23, 13))
    used = {k: v - before.get(k, 0) for k, v in rt.store.table.requests.items() if v}
    writes = {k: v for k, v in used.items() if k in ("PutItem", "UpdateItem", "DeleteItem")}
    assert writes == {"PutItem": 2, "UpdateItem": 2}, used
