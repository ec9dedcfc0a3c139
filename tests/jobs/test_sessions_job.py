"""Recurring sessions end to end: members speak through the signed webhook route
(chalice.test.Client), the dispatcher ticks every 5 minutes and the worker runs each phase.
A weekly session is announced, reminded, opened, switched to questions, attended and
summarised exactly once each, in Berlin across a DST change and in Shanghai; a missed tick
catches up; a reminder never arrives after its start; duplicates change nothing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from chalice.test import Client

import app
from chalicelib.domain.models import Role
from chalicelib.domain.sessions import SessionError
from chalicelib.features import sessions as session_features
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.post_sessions import plan_session_phase
from chalicelib.jobs.runner import RunStatus, run_job
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import set_runtime
from chalicelib.store import keys, runs
from chalicelib.store import sessions as session_store
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records
from tests.helpers import community, console_body, member, runtime, signed_headers

TICK = timedelta(minutes=5)
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = {"id": "friday", "title": "Friday talk", "weekday": "fri", "at": "20:00", "talk": 40}


class World:
    """A community with a weekly session, its runtime, the queue, and what was sent (with
    the instant it was sent at)."""

    def __init__(
        self, tz: str, start: datetime, *, locale: str = "en", session=FRIDAY, **overrides
    ) -> None:
        self.store = Store(MemoryTable())
        c = community(timezone=tz, locale=locale, jobs=(), **overrides)
        self.store.create_community(c)
        self.store.bulk_save_members(
            [member("u1"), member("u2"), member("boss", name="Boss", role=Role.ADMIN)]
        )
        self.rt, _ = runtime(self.store, start)
        self.sent: list[tuple[datetime, object]] = []
        self.rt.console_sink = lambda m: self.sent.append((self.rt.clock.now(), m))
        self.queue = MemoryQueue()
        self.now = start
        session_features.add_session(self.store, self.community, session, start)
        self.client_cm = None

    @property
    def community(self):
        return self.store.get_community("c1")

    def run_until(self, end: datetime, *, twice: bool = True, skip: tuple = ()) -> None:
        """Tick every 5 minutes up to ``end`` (the worker gets each batch twice, as SQS may
        deliver it); no tick at all inside the ``skip`` window (start, end)."""
        while self.now <= end:
            if not (skip and skip[0] < self.now < skip[1]):
                self.rt.clock.set(self.now)
                dispatch_due_jobs(self.store.table, self.queue, self.now)
                batch = self.queue.drain()
                records = [(f"id-{i}", json.dumps(m)) for i, m in enumerate(batch)]
                if twice:
                    records = records + records
                assert handle_records(self.rt, records, self.now) == {"batchItemFailures": []}
            self.now += TICK

    def say(self, client: Client, text: str, user: str, message_id: str) -> str:
        """A signed console webhook through the Chalice route; the replies it sent."""
        before = len(self.sent)
        self.rt.clock.set(self.now)
        body = console_body(text, user=user, message_id=message_id)
        response = client.http.post(
            "/webhooks/console", headers=signed_headers(body, self.now), body=body
        )
        assert response.status_code == 200
        return "\n".join(m.text for _, m in self.sent[before:])

    def posts(self) -> list[tuple[datetime, str]]:
        return [(at, m.text) for at, m in self.sent if m.kind == "message"]


@pytest.fixture
def route() -> Iterator[list]:
    holder: list = []
    yield holder
    set_runtime(None)


def _client(world: World) -> Client:
    set_runtime(world.rt)
    return Client(app.app)


def _phase_counts(world: World, day: str) -> Counter:
    items = world.store.table.query(keys.community_pk("c1"), prefix=f"RUN#sessions#friday#{day}#")
    return Counter(i["status"] for i in items)


def _runs(world: World) -> dict[str, str]:
    items = world.store.table.query(keys.community_pk("c1"), prefix="RUN#sessions#")
    return {i["period"]: i["status"] for i in items}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_weekly_session_in_berlin_runs_each_phase_once_across_the_dst_change(route, locale):
    """2026-10-23 is still summer time (20:00 = 18:00 UTC); clocks fall back on 10-25, so
    the 10-30 session starts at 19:00 UTC. Each phase posts once at its local time, with
    every batch delivered twice; attendance through the route counts once per member."""
    start = datetime(2026, 10, 19, 0, 0, tzinfo=UTC)
    world = World("Europe/Berlin", start, locale=locale)
    here = "/here" if locale == "en" else "到"
    with _client(world) as client:
        world.say(client, "/speak 2026-10-30 Clocks and calendars", "u1", "m-speak")
        world.say(client, "/confirm-speaker 2026-10-30", "boss", "m-confirm")
        session_start = datetime(2026, 10, 30, 20, 0, tzinfo=BERLIN)
        world.run_until(session_start + timedelta(minutes=5))
        first = world.say(client, here, "u1", "m-here-1")
        again = world.say(client, here, "u1", "m-here-1")  # a redelivery: no second reply
        second = world.say(client, here, "u1", "m-here-2")  # typed twice
        world.say(client, here, "u2", "m-here-3")
        world.run_until(datetime(2026, 11, 1, tzinfo=UTC))
    assert ("Friday talk" in first) and again == ""
    assert ("already" in second) if locale == "en" else ("已经签到" in second)
    attendees = session_store.instance_with_attendees(
        world.store.table, "c1", "friday", datetime(2026, 10, 30).date()
    ).attendees
    assert sorted(attendees) == ["u1", "u2"]
    done = _runs(world)
    for day in ("2026-10-23", "2026-10-30"):
        for phase in ("announce", "remind", "start", "questions", "summary"):
            assert done[f"friday#{day}#{phase}"] == runs.DONE, (day, phase)
    posts = world.posts()
    by_phase = Counter(text.split()[0] for _, text in posts)
    assert by_phase["📣"] == 2 and by_phase["⏰"] == 2 and by_phase["🎙️"] == 2
    assert by_phase["🙋"] == 2 and by_phase["📝"] == 2
    started = [at for at, text in posts if text.startswith("🎙️")]
    assert started == [
        datetime(2026, 10, 23, 18, 0, tzinfo=UTC),
        datetime(2026, 10, 30, 19, 0, tzinfo=UTC),
    ]
    questions = [at for at, text in posts if text.startswith("🙋")]
    assert questions[1] == datetime(2026, 10, 30, 19, 40, tzinfo=UTC)
    reminded = [at for at, text in posts if text.startswith("⏰")]
    assert reminded[1] == datetime(2026, 10, 30, 18, 0, tzinfo=UTC)  # an hour before, real time
    start_text = next(text for at, text in posts if at == started[1])
    assert ("Quiet please" in start_text) if locale == "en" else ("不要闲聊" in start_text)
    summary = [text for _, text in posts if text.startswith("📝")][1]
    assert "U1" in summary and "U2" in summary and "Clocks and calendars" in summary
    assert "\n2 attended" in summary or "出席 2 人" in summary
    # the first instance had no confirmed speaker by its deadline: the admins were told
    assert done["friday#2026-10-23#speaker-alert"] == runs.DONE
    assert done["friday#2026-10-30#speaker-alert"] == runs.SKIPPED  # confirmed in time
    assert world.store.get_member("c1", "u1").points > 0  # attendance earns points


def test_a_weekly_session_in_shanghai(route):
    start = datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI)
    world = World("Asia/Shanghai", start, locale="zh-CN")
    session_start = datetime(2026, 12, 11, 20, 0, tzinfo=SHANGHAI)
    with _client(world) as client:
        world.say(client, "报名分享 12-11 聊聊时区", "u2", "m1")
        world.run_until(session_start + timedelta(minutes=1))
        assert "已签到" in world.say(client, "到", "u1", "m2")
        world.run_until(session_start + timedelta(hours=2))
    posts = world.posts()
    starts = [at for at, text in posts if text.startswith("🎙️")]
    assert starts == [datetime(2026, 12, 11, 12, 0, tzinfo=UTC)]
    assert Counter(t.split()[0] for _, t in posts if not t.startswith(("✅",)))["📝"] == 1
    summary = next(t for _, t in posts if t.startswith("📝"))
    assert "聊聊时区" in summary and "U1" in summary and "出席 1 人" in summary


def test_a_missed_tick_catches_up_and_the_reminder_after_the_start_is_skipped(route):
    """No tick from 18:30 to 20:10 Shanghai time: the reminder's slot (19:00) is found late,
    after the start, so it is recorded as skipped, never sent; "starting now" still goes
    out (the session is on), and the rest follows in order."""
    start = datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI)
    world = World("Asia/Shanghai", start)
    session_start = datetime(2026, 12, 11, 20, 0, tzinfo=SHANGHAI)
    world.run_until(
        session_start + timedelta(hours=2),
        skip=(session_start - timedelta(minutes=90), session_start + timedelta(minutes=10)),
    )
    done = _runs(world)
    assert done["friday#2026-12-11#remind"] == runs.SKIPPED
    assert done["friday#2026-12-11#start"] == runs.DONE
    assert done["friday#2026-12-11#summary"] == runs.DONE
    texts = [t for _, t in world.posts()]
    assert not any(t.startswith("⏰") for t in texts)
    assert sum(t.startswith("🎙️") for t in texts) == 1


def test_a_reminder_planned_at_or_after_the_start_is_skipped():
    store = Store(MemoryTable())
    store.create_community(community())
    at = datetime(2026, 12, 7, tzinfo=SHANGHAI)
    session_features.add_session(store, store.get_community("c1"), FRIDAY, at)
    c = store.get_community("c1")
    session_start = datetime(2026, 12, 11, 20, 0, tzinfo=SHANGHAI)
    before = plan_session_phase(
        store, c, session_start - timedelta(minutes=1), period="friday#2026-12-11#remind"
    )
    assert before.skip is None and "starts in an hour" in before.messages[0].text
    for late in (session_start, session_start + timedelta(minutes=1)):
        plan = plan_session_phase(store, c, late, period="friday#2026-12-11#remind")
        assert plan.skip == "the session has started" and not plan.messages


def test_a_cancelled_session_tells_the_group_once_and_skips_its_later_phases(route):
    start = datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI)
    world = World("Asia/Shanghai", start)
    session_features.cancel_instance(
        world.store.table,
        world.community,
        session_features.definitions(world.community)[0],
        datetime(2026, 12, 11).date(),
        "cli",
        start,
    )
    world.run_until(datetime(2026, 12, 12, tzinfo=SHANGHAI))
    texts = [t for _, t in world.posts()]
    assert sum("cancelled" in t for t in texts) == 1
    assert not any(t.startswith(("⏰", "🎙️", "📝", "🙋")) for t in texts)
    done = _runs(world)
    assert done["friday#2026-12-11#announce"] == runs.DONE  # the one that told
    assert done["friday#2026-12-11#start"] == runs.SKIPPED


def test_the_speaker_alert_goes_to_the_admin_chat(route):
    start = datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI)
    world = World("Asia/Shanghai", start, admin_chat_id="admins-1")
    world.run_until(datetime(2026, 12, 9, 21, 0, tzinfo=SHANGHAI))
    alerts = [m for _, m in world.sent if "no confirmed speaker" in m.text]
    assert len(alerts) == 1 and alerts[0].chat_id == "admins-1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/speak 2026-12-04", "already started"),  # past
        ("/speak 2026-12-10", "no session on"),  # a Thursday
        ("/speak tomorrow", "Sign up to speak"),
    ],
)
def test_a_bad_sign_up_is_refused_and_nothing_is_written(route, text, expected):
    start = datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI)
    world = World("Asia/Shanghai", start)
    with _client(world) as client:
        reply = world.say(client, text, "u1", "m1")
    assert expected in reply
    assert not list(world.store.table.query(keys.community_pk("c1"), prefix=keys.SESSION_PREFIX))


def test_a_taken_date_is_refused_and_the_first_speaker_keeps_it(route):
    world = World("Asia/Shanghai", datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI))
    with _client(world) as client:
        world.say(client, "/speak 12-11 First", "u1", "m1")
        reply = world.say(client, "/speak 12-11 Second", "u2", "m2")
        member_confirm = world.say(client, "/confirm-speaker 12-11", "u2", "m3")
    assert "already has a speaker" in reply
    assert "only owners and admins" in member_confirm
    instance = session_store.get_instance(
        world.store.table, "c1", "friday", datetime(2026, 12, 11).date()
    )
    assert instance.speaker == "u1" and instance.topic == "First" and not instance.confirmed


def test_attendance_outside_the_window_and_bad_recording_links_write_nothing(route):
    world = World("Asia/Shanghai", datetime(2026, 12, 11, 12, 0, tzinfo=SHANGHAI))
    with _client(world) as client:
        assert "No session is on now" in world.say(client, "/here", "u1", "m1")
        world.now = datetime(2026, 12, 11, 21, 30, tzinfo=SHANGHAI)
        bad = world.say(client, "/recording ftp://example.com/v", "boss", "m2")
        not_speaker = world.say(client, "/recording https://example.com/v", "u2", "m3")
        good = world.say(client, "/recording https://example.com/v", "boss", "m4")
    assert "http://" in bad and "only the speaker" in not_speaker and "🎬" in good
    instance = session_store.get_instance(
        world.store.table, "c1", "friday", datetime(2026, 12, 11).date()
    )
    assert instance.recording == "https://example.com/v"
    assert not list(
        world.store.table.query(
            keys.community_pk("c1"), prefix=keys.session_instance_sk("friday", instance.day) + "#A#"
        )
    )


def test_an_admin_cancels_in_the_group_and_the_group_is_not_told_twice(route):
    world = World("Asia/Shanghai", datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI))
    with _client(world) as client:
        notice = world.say(client, "/cancel-session 12-11", "boss", "m1")
        again = world.say(client, "/cancel-session 12-11", "boss", "m2")
        by_member = world.say(client, "/cancel-session 12-18", "u1", "m3")
        listed = world.say(client, "/sessions", "u1", "m4")
    assert "cancelled" in notice and "already cancelled" in again
    assert "only owners and admins" in by_member
    assert "2026-12-11 (Fri) 20:00 Friday talk: cancelled" in listed
    world.run_until(datetime(2026, 12, 12, tzinfo=SHANGHAI))
    assert sum("is cancelled" in t for _, t in world.posts()) == 1  # the command's reply


def test_adding_a_session_keeps_a_phase_still_due_and_the_other_jobs_pointers():
    """A second session added while a phase of the first is due (its tick not yet run)
    leaves that pointer alone: nothing is skipped, and the daily reminder's pointer stays."""
    store = Store(MemoryTable())
    c = community(jobs=("daily-reminder",))
    store.create_community(c)
    at = datetime(2026, 12, 7, tzinfo=SHANGHAI)
    schedule_community(store.table, c, at)
    session_features.add_session(store, store.get_community("c1"), FRIDAY, at)
    pointers = {
        i["job"]: i["period"] for i in store.table.query(keys.community_pk("c1"), prefix="DUE#")
    }
    assert pointers == {"daily-reminder": "2026-12-07", "sessions": "friday#2026-12-11#announce"}
    late = datetime(2026, 12, 8, 20, 1, tzinfo=SHANGHAI)  # the announcement is due, not run
    other = {"id": "monday", "weekday": "mon", "at": "19:00", "announce_days": 0}
    session_features.add_session(store, store.get_community("c1"), other, late)
    held = store.table.get(keys.community_pk("c1"), keys.due_item_sk("sessions"))
    assert held["period"] == "friday#2026-12-11#announce"
    assert (
        store.table.get(keys.community_pk("c1"), keys.due_item_sk("daily-reminder"))["period"]
        == "2026-12-07"
    )


def test_the_roll_call_word_with_a_note_is_chatter_unless_a_session_is_on(route):
    """到 is one character: "到 家了" (got home) outside a session gets no reply and writes
    no attendance; during one, "到 👋" counts, and counts as the member's activity."""
    world = World("Asia/Shanghai", datetime(2026, 12, 11, 12, 0, tzinfo=SHANGHAI), locale="zh-CN")
    with _client(world) as client:
        assert world.say(client, "到 家了", "u1", "m1") == ""
        assert "现在没有进行中的分享会" in world.say(client, "到", "u1", "m2")
        world.now = datetime(2026, 12, 11, 20, 3, tzinfo=SHANGHAI)
        assert "已签到" in world.say(client, "到 👋", "u2", "m3")
    attendees = session_store.instance_with_attendees(
        world.store.table, "c1", "friday", datetime(2026, 12, 11).date()
    ).attendees
    assert list(attendees) == ["u2"]
    assert world.store.get_member("c1", "u2").last_active == datetime(2026, 12, 11).date()


def test_through_the_chalice_handlers_on_dynamodb_and_sqs(dynamo_table):
    """The deployed path on moto: EventBridge's tick invokes the dispatcher, which enqueues
    on SQS; the worker handler takes each batch twice; members attend through the signed
    webhook route (one of them redelivered). Each phase posts once, the summary names both
    attendees, and DynamoDB's own conditional writes keep one attendance per member."""
    import boto3

    from chalicelib.store import due as due_store
    from tests.entrypoints.test_schedules_and_queue import scheduled_event, sqs_event

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="rollcall-dev-jobs")["QueueUrl"]
    store = Store(dynamo_table)
    store.create_community(community())
    store.bulk_save_members([member("u1"), member("u2")])
    begin = datetime(2026, 12, 11, 18, 30, tzinfo=SHANGHAI)
    rt, sent = runtime(store, begin)
    from chalicelib.queue import SqsQueue

    rt.queue = SqsQueue(sqs, url)
    session_features.add_session(store, store.get_community("c1"), FRIDAY, begin)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            now = begin
            while now <= datetime(2026, 12, 11, 21, 5, tzinfo=SHANGHAI):
                rt.clock.set(now)
                # The tick of the slot before reads ahead to ``now``; its runs' delays
                # (SQS's, in real time on moto) have passed: the clock is at their time.
                ahead = (now - due_store.TICK_SPAN).astimezone(UTC)
                client.lambda_.invoke("dispatch_due_jobs", scheduled_event(ahead))
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if got:
                    bodies = [m["Body"] for m in got]
                    worker = client.lambda_.invoke("run_queued_jobs", sqs_event(bodies + bodies))
                    assert worker.payload == {"batchItemFailures": []}
                    sqs.delete_message_batch(
                        QueueUrl=url,
                        Entries=[
                            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                            for n, m in enumerate(got)
                        ],
                    )
                if now == datetime(2026, 12, 11, 20, 5, tzinfo=SHANGHAI):
                    for user, message_id in (("u1", "h1"), ("u1", "h1"), ("u2", "h2")):
                        body = console_body("/here", user=user, message_id=message_id)
                        response = client.http.post(
                            "/webhooks/console", headers=signed_headers(body, now), body=body
                        )
                        assert response.status_code == 200
                now += TICK
    finally:
        set_runtime(None)
    posts = [m.text for m in sent if m.kind == "message"]
    for mark in ("⏰", "🎙️", "🙋", "📝"):
        assert sum(p.startswith(mark) for p in posts) == 1, mark
    assert sum("is here" in p for p in posts) == 2  # u1's redelivery got no second reply
    summary = next(p for p in posts if p.startswith("📝"))
    assert "2 attended: U1, U2" in summary


def test_a_run_by_hand_without_a_period_takes_the_last_phase_due():
    store = Store(MemoryTable())
    store.create_community(community())
    at = datetime(2026, 12, 7, tzinfo=SHANGHAI)
    session_features.add_session(store, store.get_community("c1"), FRIDAY, at)
    c = store.get_community("c1")
    plan = plan_session_phase(store, c, datetime(2026, 12, 11, 20, 50, tzinfo=SHANGHAI))
    assert plan.period == "friday#2026-12-11#questions" and plan.skip is None
    with pytest.raises(ValueError, match="no session phase"):
        plan_session_phase(store, community(id="c2"), datetime(2026, 12, 7, tzinfo=SHANGHAI))


def test_a_cancellation_found_only_after_the_session_would_have_ended_is_not_posted():
    store = Store(MemoryTable())
    store.create_community(community())
    at = datetime(2026, 12, 7, tzinfo=SHANGHAI)
    session_features.add_session(store, store.get_community("c1"), FRIDAY, at)
    c = store.get_community("c1")
    friday = session_features.definitions(c)[0]
    session_features.cancel_instance(store.table, c, friday, datetime(2026, 12, 11).date(), "x", at)
    late = datetime(2026, 12, 11, 21, 0, tzinfo=SHANGHAI)
    during = plan_session_phase(
        store, c, late - timedelta(minutes=1), period=f"friday#{late.date()}#start"
    )
    assert "cancelled" in during.messages[0].text
    after = plan_session_phase(store, c, late, period=f"friday#{late.date()}#summary")
    assert after.skip == "cancelled" and not after.messages


def test_berlin_across_the_spring_change_keeps_the_local_time():
    """Clocks jump forward on 2027-03-28: Friday 20:00 is 19:00 UTC on 03-26 and 18:00 UTC
    on 04-02; every phase once, the reminder an hour before in real time."""
    world = World("Europe/Berlin", datetime(2027, 3, 22, tzinfo=UTC))
    world.run_until(datetime(2027, 4, 3, tzinfo=UTC))
    posts = world.posts()
    starts = [at for at, text in posts if text.startswith("🎙️")]
    assert starts == [
        datetime(2027, 3, 26, 19, 0, tzinfo=UTC),
        datetime(2027, 4, 2, 18, 0, tzinfo=UTC),
    ]
    reminders = [at for at, text in posts if text.startswith("⏰")]
    assert reminders == [at - timedelta(hours=1) for at in starts]
    assert Counter(text.split()[0] for _, text in posts)["📝"] == 2


# -- the speaker rota and removing a session --------------------------------------------------

ROTA_FRIDAY = {**FRIDAY, "speaker_rota": True}
DEADLINE = "friday#2026-12-11#speaker-alert"


def _rota_world(**overrides) -> World:
    """Shanghai, Monday 2026-12-07; the 12-11 session's speaker deadline is 12-09 20:00.
    U1 spoke on 12-04 and Boss on 11-27; U2 never has, so U2 is next."""
    start = datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI)
    world = World("Asia/Shanghai", start, session=ROTA_FRIDAY, **overrides)
    table = world.store.table
    for who, day in (("u1", date(2026, 12, 4)), ("boss", date(2026, 11, 27))):
        session_store.sign_up(table, "c1", "friday", day, who, who.title(), None, start)
        session_store.confirm_speaker(table, "c1", "friday", day, "boss", start)
    return world


def _dms(world: World, user: str) -> list[str]:
    return [m.text for _, m in world.sent if m.kind == "direct" and m.user_id == user]


def _instance(world: World, day: date = date(2026, 12, 11)):
    return session_store.get_instance(world.store.table, "c1", "friday", day)


def test_the_speaker_rota_picks_the_least_recent_speaker_once_at_the_deadline(route):
    world = _rota_world()
    deadline = datetime(2026, 12, 9, 20, 0, tzinfo=SHANGHAI)
    world.run_until(deadline - TICK)
    assert _instance(world).speaker is None  # nothing picked before the deadline
    world.run_until(deadline + timedelta(hours=1))  # every batch delivered twice
    picked = [t for _, t in world.posts() if "By the speaker rota" in t]
    assert len(picked) == 1 and "U2 speaks at Friday talk on 2026-12-11" in picked[0]
    assert len(_dms(world, "u2")) == 1 and "you speak at Friday talk" in _dms(world, "u2")[0]
    assert not [t for _, t in world.posts() if "no confirmed speaker" in t]
    assert _dms(world, "boss") == []  # the admins are not alerted
    instance = _instance(world)
    assert (instance.speaker, instance.confirmed, instance.picked_in) == ("u2", True, DEADLINE)
    # a replay of the phase is not claimed again: same pick, still one message to U2
    again = run_job(world.rt, "sessions", "c1", world.now, period=DEADLINE)
    assert again.status == RunStatus.ALREADY_DONE
    # planned again after U2 went on leave, the recorded pick stands (no second pick)
    world.store.save_member(
        member("u2", leave_from=date(2026, 12, 9), leave_until=date(2026, 12, 20))
    )
    replanned = plan_session_phase(world.store, world.community, world.now, period=DEADLINE)
    assert replanned.summary["picked"] == "u2"
    world.run_until(datetime(2026, 12, 11, 19, 5, tzinfo=SHANGHAI))
    assert len(_dms(world, "u2")) == 1
    reminders = [t for _, t in world.posts() if t.startswith("⏰")]
    assert len(reminders) == 1 and "Speaker: U2" in reminders[0]


def test_the_speaker_rota_keeps_a_member_who_signed_up(route):
    world = _rota_world()
    with _client(world) as client:
        world.say(client, "/speak 2026-12-11 Rust lifetimes", "u1", "m-speak")
    world.run_until(datetime(2026, 12, 9, 21, 0, tzinfo=SHANGHAI))
    picked = [t for _, t in world.posts() if "By the speaker rota" in t]
    assert len(picked) == 1 and "U1 speaks" in picked[0] and "Rust lifetimes" in picked[0]
    assert len(_dms(world, "u1")) == 1 and _dms(world, "u2") == []
    instance = _instance(world)
    assert (instance.speaker, instance.confirmed, instance.topic) == ("u1", True, "Rust lifetimes")


def test_the_speaker_rota_alerts_the_admins_when_nobody_can_be_picked(route):
    world = _rota_world()
    world.store.bulk_save_members(
        [
            member("u1", exempt=True),
            member("u2", leave_from=date(2026, 12, 1), leave_until=date(2026, 12, 31)),
            member("boss", name="Boss", role=Role.ADMIN, exempt=True),
        ]
    )
    world.run_until(datetime(2026, 12, 9, 21, 0, tzinfo=SHANGHAI))
    alerts = [m for _, m in world.sent if "no confirmed speaker" in m.text]
    assert len(alerts) == 1 and alerts[0].kind == "direct" and alerts[0].user_id == "boss"
    assert not [t for _, t in world.posts() if "By the speaker rota" in t]
    assert _instance(world).speaker is None
    assert _runs(world)[DEADLINE] == runs.DONE


def test_two_runs_planned_at_once_record_one_speaker(route):
    """Two plans of the deadline made before either is applied (a replay racing the first
    run), with different inputs: the first recorded pick stands, the second writes nothing."""
    world = _rota_world()
    deadline = datetime(2026, 12, 9, 20, 0, tzinfo=SHANGHAI)
    first = plan_session_phase(world.store, world.community, deadline, period=DEADLINE)
    world.store.save_member(
        member("u2", leave_from=date(2026, 12, 9), leave_until=date(2026, 12, 20))
    )
    second = plan_session_phase(world.store, world.community, deadline, period=DEADLINE)
    assert (first.summary["picked"], second.summary["picked"]) == ("u2", "boss")
    first.apply()
    second.apply()
    instance = _instance(world)
    assert (instance.speaker, instance.speaker_name, instance.confirmed) == ("u2", "U2", True)


def test_removing_a_session_stops_its_future_phases_and_keeps_the_past(route):
    start = datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)
    world = World("Asia/Shanghai", start)
    with _client(world) as client:
        world.say(client, "/speak 2026-12-04 Past talk", "u1", "m-speak")
    world.run_until(datetime(2026, 12, 5, 0, 0, tzinfo=SHANGHAI))
    assert _runs(world)["friday#2026-12-04#summary"] == runs.DONE
    stale = world.community  # read before another admin adds a session
    monday = {"id": "monday", "title": "Monday talk", "weekday": "mon", "at": "19:00"}
    session_features.add_session(world.store, world.community, monday, world.now)
    removed = session_features.remove_session(world.store, stale, "friday")
    assert removed.id == "friday"
    assert [d.id for d in session_features.definitions(world.community)] == ["monday"]
    before = len(world.sent)
    world.run_until(datetime(2026, 12, 19, 0, 0, tzinfo=SHANGHAI))
    later = [m.text for _, m in world.sent[before:]]
    assert later and all("Friday talk" not in t for t in later)
    assert any("Monday talk" in t for t in later)
    # the removed session's later phases are skipped if due, never posted
    done = _runs(world)
    later_friday = [p for p in done if p.startswith("friday#") and p > "friday#2026-12-05"]
    assert all(done[p] != runs.DONE for p in later_friday)
    assert _instance(world, date(2026, 12, 4)).speaker == "u1"  # the past stays
    with pytest.raises(SessionError, match="no session 'friday'"):
        session_features.remove_session(world.store, world.community, "friday")
