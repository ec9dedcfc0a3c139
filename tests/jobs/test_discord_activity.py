"""discord-activity: the channel's history read every 2 hours, against Discord's API faked at
the configured base with ``responses`` (messages as Discord's reference shows them, pages of
100 newest first, ``after`` a snowflake). Each author's newest message is their activity:
written once per author, never moving ``last_active`` back, the cursor advanced only after
the writes; bots, webhooks and system messages ignored; a refusal is the run's skip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from chalicelib.features.channel_activity import plan_activity_read
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.read_discord_activity import SPEC, discord_activity_slots
from chalicelib.jobs.runner import run_job
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.platforms.base import ChatAddress, HistoryRefused, MalformedHistory
from chalicelib.platforms.discord import DISCORD_EPOCH_MS, DiscordAdapter, snowflake_at
from chalicelib.queue import MemoryQueue
from chalicelib.store import channel_activity as activity_store
from chalicelib.store import keys, runs
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records
from tests.helpers import community, member, runtime
from tests.platforms.support import quiet_sender

API = "https://discord.test/api/v10"
CHANNEL = "1171234567890123456"
HISTORY = f"{API}/channels/{CHANNEL}/messages"
# 18:00 in Shanghai on 5 December; the community's day starts at 04:00 local.
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
ANN, BOB, CY, DEE = (f"80351110224678{n:03d}" for n in (1, 2, 3, 4))
BOT = "80351110224678999"


def snowflake(at: datetime, seq: int = 0) -> str:
    return str(((int(at.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22) | seq)


def message(author: str, at: datetime, seq: int = 0, *, bot: bool = False, **extra: object) -> dict:
    """A Message object as Discord's reference shows one, read without the Message Content
    intent (``content`` empty)."""
    return {
        "id": snowflake(at, seq),
        "channel_id": CHANNEL,
        "type": 0,
        "content": "",
        "timestamp": at.isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "flags": 0,
        "components": [],
        "author": {
            "id": author,
            "username": f"user{author[-3:]}",
            "global_name": f"Name {author[-3:]}",
            "discriminator": "0",
            "avatar": None,
            **({"bot": True} if bot else {}),
        },
        **extra,
    }


class FakeChannel:
    """The channel's messages endpoint: the ``limit`` oldest messages after ``after``,
    listed newest first, as Discord answers."""

    def __init__(self, messages: list[dict]) -> None:
        self.messages = messages
        self.afters: list[str] = []

    def __call__(self, request):
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        after, limit = int(query["after"]), int(query["limit"])
        self.afters.append(query["after"])
        newer = sorted(
            (m for m in self.messages if int(m["id"]) > after), key=lambda m: int(m["id"])
        )
        page = list(reversed(newer[:limit]))
        return 200, {"Content-Type": "application/json"}, json.dumps(page)

    def serve(self) -> FakeChannel:
        responses.add_callback(responses.GET, HISTORY, callback=self)
        return self


def discord_adapter() -> DiscordAdapter:
    return DiscordAdapter(bytes(32), "bot-token", api_base=API, sender=quiet_sender())


@pytest.fixture
def store():
    store = Store(MemoryTable())
    c = community(platform="discord", chat_id=CHANNEL, day_boundary="04:00")
    store.create_community(c)
    store.bulk_save_members(
        [
            member(ANN, name="Ann", last_active=date(2026, 11, 20)),
            member(BOB, name="Bob", last_active=date(2026, 12, 5)),  # checked in today
        ]
    )
    return store


def run(store: Store, at: datetime = NOW, *, adapter: DiscordAdapter | None = None):
    rt, _ = runtime(store, at)
    rt.adapters["discord"] = adapter or discord_adapter()
    return run_job(rt, "discord-activity", "c1", at, period=at.strftime("%Y-%m-%dT%H:%MZ"))


def cursor(store: Store) -> str | None:
    return activity_store.activity_cursor(store.table, "c1", CHANNEL)


# -- the job ------------------------------------------------------------------------------------


@responses.activate
def test_pages_of_100_are_read_after_the_cursor_and_each_author_is_marked_once(store):
    morning = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 09:00 local on the 5th
    last_night = datetime(2026, 12, 4, 19, 30, tzinfo=UTC)  # 03:30 local: still the 4th
    msgs = [message(ANN, last_night + timedelta(seconds=n), n) for n in range(120)]
    msgs += [message(CY, morning + timedelta(seconds=n), n) for n in range(130)]
    fake = FakeChannel(msgs).serve()

    result = run(store)
    assert result.status.value == "nothing-to-send", result.describe()  # it posts nothing
    assert result.summary == {"pages": 3, "messages": 250, "authors": 2, "more": False}
    # The first read starts 7 days back; each page after the newest id of the one before.
    assert fake.afters[0] == str(snowflake_at(NOW - timedelta(days=7)))
    assert fake.afters[1:] == [msgs[99]["id"], msgs[199]["id"]]
    assert store.get_member("c1", ANN).last_active == date(2026, 12, 4)
    cy = store.get_member("c1", CY)  # not on the roster: added as a join adds
    assert cy.last_active == date(2026, 12, 5) and cy.is_present
    assert cy.name == "Name 003" and cy.username == "user003" and cy.role.value == "member"
    assert cy.observed_since == date(2026, 12, 5) and cy.checkins == 0
    assert cursor(store) == msgs[-1]["id"]

    # The next run asks only after the cursor, and touches only who spoke since.
    later = NOW + timedelta(hours=2)
    read_to = msgs[-1]["id"]
    fake.messages.append(message(DEE, later - timedelta(minutes=5)))
    fake.afters.clear()
    store.table.requests.clear()
    result = run(store, later)
    assert fake.afters == [read_to]
    assert result.summary["authors"] == 1
    assert store.get_member("c1", DEE).last_active == date(2026, 12, 5)
    assert cursor(store) == fake.messages[-1]["id"]


@responses.activate
def test_last_active_never_moves_back(store):
    """Bob checked in today; his message of yesterday leaves him active today. Ann's older
    date moves forward."""
    yesterday = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
    FakeChannel([message(BOB, yesterday), message(ANN, yesterday, 1)]).serve()
    run(store)
    assert store.get_member("c1", BOB).last_active == date(2026, 12, 5)
    assert store.get_member("c1", ANN).last_active == date(2026, 12, 4)


@responses.activate
def test_a_member_who_left_stays_left_but_their_activity_is_kept(store):
    from dataclasses import replace

    from chalicelib.domain.models import MemberStatus

    ann = store.get_member("c1", ANN)
    store.save_member(replace(ann, status=MemberStatus.LEFT))
    FakeChannel([message(ANN, NOW - timedelta(hours=1))]).serve()
    run(store)
    ann = store.get_member("c1", ANN)
    assert ann.status is MemberStatus.LEFT and ann.name == "Ann"
    assert ann.last_active == date(2026, 12, 5)


@responses.activate
def test_bots_webhooks_and_system_messages_are_not_activity_but_the_cursor_passes_them(store):
    at = NOW - timedelta(hours=1)
    msgs = [
        message(BOT, at, 1, bot=True),
        message(DEE, at, 2, webhook_id="1171234567890000001"),
        message(CY, at, 3, type=7),  # "CY joined the server": not something CY wrote
        message(BOT, at, 4, type=20, bot=True, interaction_metadata={"user": {"id": ANN}}),
    ]
    FakeChannel(msgs).serve()
    result = run(store)
    assert result.summary["messages"] == 0
    assert store.get_member("c1", CY) is None and store.get_member("c1", DEE) is None
    assert store.get_member("c1", BOT) is None
    assert store.get_member("c1", ANN).last_active == date(2026, 11, 20)
    assert cursor(store) == msgs[-1]["id"]


@responses.activate
def test_a_missing_permission_is_the_runs_skip_naming_it_and_nothing_is_written(store):
    responses.get(HISTORY, status=403, json={"message": "Missing Access", "code": 50001})
    before = store.table.all_items()
    result = run(store)
    assert result.status.value == "skipped"
    record = runs.get_run(store.table, "c1", "discord-activity", result.period)
    assert record["status"] == "skipped"
    assert "View Channel" in record["reason"]
    assert len(responses.calls) == 1  # refused once, not retried (an invalid request)
    after = [i for i in store.table.all_items() if not i["sk"].startswith(keys.RUN_PREFIX)]
    assert after == before


@responses.activate
def test_without_read_message_history_permission_missing_permissions_is_named(store):
    responses.get(HISTORY, status=403, json={"message": "Missing Permissions", "code": 50013})
    with pytest.raises(HistoryRefused, match="Read Message History"):
        plan_activity_read(store, store.get_community("c1"), discord_adapter(), NOW)


@responses.activate
def test_a_malformed_page_fails_before_anything_is_written(store):
    at = NOW - timedelta(hours=1)
    broken = message(CY, at)
    del broken["author"]["id"]
    FakeChannel([message(DEE, at, 1), broken]).serve()
    before = store.table.all_items()
    with pytest.raises(MalformedHistory, match="discord"):
        run(store)
    assert store.table.all_items() == before


@responses.activate
def test_a_run_delivered_twice_through_the_queue_writes_once(store, monkeypatch):
    c = store.get_community("c1")
    schedule_community(store.table, c, NOW - timedelta(hours=3))
    FakeChannel([message(CY, NOW - timedelta(minutes=30))]).serve()
    rt, _ = runtime(store, NOW)
    rt.adapters["discord"] = discord_adapter()
    marks: list[str] = []
    real = activity_store.mark_active

    def counted(table, community_id, user_id, *args):
        marks.append(user_id)
        return real(table, community_id, user_id, *args)

    monkeypatch.setattr(activity_store, "mark_active", counted)
    queue = MemoryQueue()
    dispatch_due_jobs(store.table, queue, NOW)
    dispatch_due_jobs(store.table, queue, NOW)  # a tick delivered twice
    jobs = [m for m in queue.drain() if m["job"] == "discord-activity"]
    assert jobs
    records = [(f"m{n}", json.dumps(m)) for n, m in enumerate(jobs + jobs)]
    assert handle_records(rt, records, NOW) == {"batchItemFailures": []}
    assert store.get_member("c1", CY).last_active == date(2026, 12, 5)
    # The duplicates planned (a page each) and found the run done: one write in all.
    assert marks == [CY]
    assert cursor(store) is not None


# -- exactly once, resumable, and the cost ------------------------------------------------------


@responses.activate
def test_a_crash_after_the_writes_before_the_cursor_reruns_safely(store, monkeypatch):
    at = NOW - timedelta(hours=1)
    msgs = [message(ANN, at, 1), message(CY, at, 2), message(CY, at, 3)]
    fake = FakeChannel(msgs).serve()
    c = store.get_community("c1")

    def crash(*args, **kwargs):
        raise RuntimeError("the function timed out")

    with monkeypatch.context() as patch:
        patch.setattr(activity_store, "advance_cursor", crash)
        first = plan_activity_read(store, c, discord_adapter(), NOW)
        with pytest.raises(RuntimeError):
            first.write()
    assert cursor(store) is None  # not advanced: the next run reads the same messages
    written = {i["sk"]: i for i in store.table.all_items() if i["sk"].startswith("M#")}

    again = plan_activity_read(store, c, discord_adapter(), NOW)
    assert fake.afters[0] == fake.afters[1]  # the same read again
    assert again.write() == 0  # nobody moved: nothing changes twice
    assert {i["sk"]: i for i in store.table.all_items() if i["sk"].startswith("M#")} == written
    assert cursor(store) == msgs[-1]["id"]


@responses.activate
def test_a_crash_midway_through_the_writes_loses_nobody(store, monkeypatch):
    """The function dies after Ann's write and before Cy's: the cursor has not moved, so
    the next run reads the same messages and Cy is marked then."""
    at = NOW - timedelta(hours=1)
    FakeChannel([message(ANN, at, 1), message(CY, at, 2)]).serve()
    c = store.get_community("c1")
    real = activity_store.mark_active

    def dies_at_cy(table, community_id, user_id, *args):
        if user_id == CY:
            raise RuntimeError("the function timed out")
        return real(table, community_id, user_id, *args)

    with monkeypatch.context() as patch:
        patch.setattr(activity_store, "mark_active", dies_at_cy)
        with pytest.raises(RuntimeError):
            plan_activity_read(store, c, discord_adapter(), NOW).write()
    assert store.get_member("c1", ANN).last_active == date(2026, 12, 5)
    assert store.get_member("c1", CY) is None
    plan_activity_read(store, c, discord_adapter(), NOW).write()
    assert store.get_member("c1", CY).last_active == date(2026, 12, 5)


@responses.activate
def test_a_thousand_messages_from_200_authors_cost_200_updates_not_a_read_per_member():
    store = Store(MemoryTable())
    store.create_community(community(platform="discord", chat_id=CHANNEL))
    base = NOW - timedelta(hours=1)
    authors = [str(90000000000000000 + n) for n in range(200)]
    store.bulk_save_members(
        [member(a, name=f"M{n}", last_active=date(2026, 11, 1)) for n, a in enumerate(authors)]
    )
    msgs = [message(authors[n % 200], base + timedelta(seconds=n), n) for n in range(1000)]
    fake = FakeChannel(msgs).serve()
    c = store.get_community("c1")
    store.table.requests.clear()
    read = plan_activity_read(store, c, discord_adapter(), NOW)
    assert read.write() == 200
    assert len(fake.afters) == 10 and read.more  # a run's 10 pages; the next run goes on
    assert dict(store.table.requests) == {"GetItem": 1, "UpdateItem": 200, "PutItem": 1}
    # The next run starts after the last message read: one request finds nothing new.
    store.table.requests.clear()
    fake.afters.clear()
    read = plan_activity_read(store, c, discord_adapter(), NOW)
    assert read.write() == 0 and len(fake.afters) == 1
    assert dict(store.table.requests) == {"GetItem": 1}


@responses.activate
def test_a_long_backlog_is_read_on_by_the_next_run(store):
    base = NOW - timedelta(hours=1)
    msgs = [message(CY, base + timedelta(seconds=n), n) for n in range(250)]
    fake = FakeChannel(msgs).serve()
    c = store.get_community("c1")
    read = plan_activity_read(store, c, discord_adapter(), NOW, max_pages=2)
    read.write()
    assert read.more and cursor(store) == msgs[199]["id"]
    read = plan_activity_read(store, c, discord_adapter(), NOW, max_pages=2)
    read.write()
    assert not read.more and cursor(store) == msgs[-1]["id"]
    assert fake.afters[-1] == msgs[199]["id"]


# -- the schedule and the adapter ---------------------------------------------------------------


def test_runs_every_two_hours_at_a_stable_offset_on_discord_only():
    c = community(platform="discord", chat_id=CHANNEL)
    slots = discord_activity_slots(c, NOW)
    times = [next(slots).scheduled_at for _ in range(13)]
    assert all(b - a == timedelta(hours=2) for a, b in pairwise(times))
    assert NOW < times[0] <= NOW + timedelta(hours=2)
    assert len({_period_of(c, t) for t in times}) == 13  # each run its own claim
    assert [s.scheduled_at for s in _take(discord_activity_slots(c, times[0]), 2)] == times[1:3]
    assert SPEC.enabled(c) and not SPEC.enabled(community(platform="slack"))
    assert SPEC.reads_platform and SPEC.always_on


def _period_of(c, at):
    return next(discord_activity_slots(c, at - timedelta(seconds=1))).period


def _take(slots, n):
    return [next(slots) for _ in range(n)]


@responses.activate
def test_the_adapter_without_a_bot_token_names_it():
    with pytest.raises(HistoryRefused, match="ROLLCALL_DISCORD_BOT_TOKEN"):
        DiscordAdapter(bytes(32), "", api_base=API).read_channel_history(
            ChatAddress("discord", CHANNEL), None, since=NOW, max_pages=1
        )
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    ("status", "body", "named"),
    [
        (401, {"message": "401: Unauthorized", "code": 0}, "a valid bot token"),
        (403, {"message": "Missing Access", "code": 50001}, "View Channel"),
        (403, {"message": "Missing Permissions", "code": 50013}, "Read Message History"),
        (404, {"message": "Unknown Channel", "code": 10003}, "Unknown Channel"),
    ],
)
@responses.activate
def test_each_refusal_names_what_to_grant_after_one_request(status, body, named):
    responses.get(HISTORY, status=status, json=body)
    with pytest.raises(HistoryRefused, match=named):
        discord_adapter().read_channel_history(
            ChatAddress("discord", CHANNEL), "1", since=NOW, max_pages=5
        )
    assert len(responses.calls) == 1


@responses.activate
def test_a_server_error_is_retried_then_fails_the_run_not_a_skip(store):
    responses.get(HISTORY, status=503, json={"message": "upstream"})
    from chalicelib.platforms.base import DeliveryError

    with pytest.raises(DeliveryError) as raised:
        run(store)
    assert not isinstance(raised.value, HistoryRefused)  # the queue tries again later
    assert len(responses.calls) == 4  # the sender's bounded attempts
    assert cursor(store) is None


@responses.activate
def test_pages_are_paced_a_second_apart():
    from chalicelib.platforms.discord import PER_CHANNEL_INTERVAL
    from tests.platforms.support import FakeTime, timed_sender

    clock = FakeTime()
    base = NOW - timedelta(hours=1)
    FakeChannel([message(CY, base + timedelta(seconds=n), n) for n in range(250)]).serve()
    adapter = DiscordAdapter(
        bytes(32),
        "bot-token",
        api_base=API,
        sender=timed_sender(clock, min_interval=PER_CHANNEL_INTERVAL),
    )
    history = adapter.read_channel_history(
        ChatAddress("discord", CHANNEL), None, since=NOW - timedelta(days=1), max_pages=20
    )
    assert history.pages == 3 and len(history.posts) == 250
    assert clock.sleeps == [1.0, 1.0]
    assert all(p.at.tzinfo is not None for p in history.posts)
    assert history.posts[0].at == base.replace(microsecond=0)


@responses.activate
def test_a_community_bound_to_another_channel_since_starts_afresh(store):
    activity_store.advance_cursor(store.table, "c1", "1171234567890000999", "5" * 18, NOW)
    fake = FakeChannel([message(CY, NOW - timedelta(hours=1))]).serve()
    run(store)
    assert fake.afters == [str(snowflake_at(NOW - timedelta(days=7)))]
    assert store.get_member("c1", CY).last_active == date(2026, 12, 5)
    assert cursor(store) == fake.messages[-1]["id"]


@responses.activate
def test_through_the_runner_a_run_that_died_before_its_cursor_is_taken_over_and_finishes(
    store, monkeypatch
):
    """The run claimed, wrote the authors and died: its lease runs out, the queue's retry
    takes it over, reads the same messages, changes no member again, and moves the cursor."""
    at = NOW - timedelta(hours=1)
    fake = FakeChannel([message(ANN, at, 1), message(CY, at, 2)]).serve()
    period = NOW.strftime("%Y-%m-%dT%H:%MZ")

    def crash(*args, **kwargs):
        raise RuntimeError("the function timed out")

    with monkeypatch.context() as patch:
        patch.setattr(activity_store, "advance_cursor", crash)
        with pytest.raises(RuntimeError):
            run(store)
    members = {i["sk"]: i for i in store.table.all_items() if i["sk"].startswith("M#")}
    assert cursor(store) is None
    assert runs.get_run(store.table, "c1", "discord-activity", period)["status"] != "done"

    marks: list[str] = []
    real = activity_store.mark_active

    def counted(table, community_id, user_id, *args):
        moved = real(table, community_id, user_id, *args)
        marks.append(f"{user_id}:{moved}")
        return moved

    monkeypatch.setattr(activity_store, "mark_active", counted)
    rt, _ = runtime(store, NOW + timedelta(minutes=6))  # past the 5-minute lease
    rt.adapters["discord"] = discord_adapter()
    result = run_job(rt, "discord-activity", "c1", NOW, period=period)
    assert result.status.value == "nothing-to-send"
    assert fake.afters[0] == fake.afters[-1]  # the same read
    assert marks == [f"{ANN}:False", f"{CY}:False"]  # refused by their condition
    assert {i["sk"]: i for i in store.table.all_items() if i["sk"].startswith("M#")} == members
    assert cursor(store) == fake.messages[-1]["id"]
    assert runs.get_run(store.table, "c1", "discord-activity", period)["status"] == "done"
