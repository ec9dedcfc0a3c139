"""Announcements through the webhook route (Chalice's test client, signed console bodies,
DynamoDB and SQS on moto) and then through the timer and the queue worker's handlers:
scheduled from chat in either language, refused in one line writing nothing, listed,
cancelled, and posted once at its local time however often the tick and the queue repeat."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from chalice.test import Client

import app
from chalicelib.domain.models import Role
from chalicelib.runtime import set_runtime
from chalicelib.store import keys, runs
from chalicelib.store.repository import Store
from tests.entrypoints.test_schedules_and_queue import scheduled_event, sqs_event
from tests.helpers import community, console_body, member, runtime, signed_headers

NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
EDGE = "超出了日历的范围，请选一个近一些的日期。"


@pytest.fixture
def wired(dynamo_table):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="rollcall-dev-jobs")["QueueUrl"]
    store = Store(dynamo_table)
    store.create_community(community(locale="zh-CN"))
    store.bulk_save_members(
        [member("boss", name="Boss", role=Role.ADMIN), member("u1", name="Ann")]
    )
    rt, sent = runtime(store, NOW)
    from chalicelib.queue import SqsQueue

    rt.queue = SqsQueue(sqs, url)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            yield client, store, sent, rt, sqs, url
    finally:
        set_runtime(None)


def post(client, text: str, *, user: str, message_id: str) -> list[str]:
    body = console_body(text, user=user, message_id=message_id)
    response = client.http.post("/webhooks/console", headers=signed_headers(body, NOW), body=body)
    assert response.status_code == 200
    return [line for reply in json.loads(response.body)["replies"] for line in reply]


def items(store: Store) -> list[tuple[str, str]]:
    return sorted((i["pk"], i["sk"]) for i in store.table.query("C#c1") if i["sk"] != "META")


def tick_and_work(client, rt, sqs, url, at: datetime) -> int:
    """The timer, then the worker on what it queued until the queue is empty (the tick's
    shard messages, then the runs they enqueue), each message delivered twice. A tick reads
    its next five minutes (runs delayed to their time: on moto, in real seconds, so not
    seen here), and at minutes 10, 25, 40 and 55 everything still due (the sweep): the
    ticks below are sweeps, a few minutes after the post's time."""
    rt.clock.set(at)
    client.lambda_.invoke("dispatch_due_jobs", scheduled_event(at))
    client.lambda_.invoke("dispatch_due_jobs", scheduled_event(at))  # a repeated tick
    handled = 0
    while True:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not found:
            return handled
        bodies = [m["Body"] for m in found]
        for m in found:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        worker = client.lambda_.invoke("run_queued_jobs", sqs_event(bodies + bodies))
        assert worker.payload == {"batchItemFailures": []}
        handled += len(bodies)


def group(sent) -> list[str]:
    return [m.text for m in sent if m.kind == "message"]


def test_an_admin_schedules_in_chinese_and_it_posts_once_at_local_time(wired):
    client, store, sent, rt, sqs, url = wired
    reply = post(
        client, "公告 2026-12-08 09:00 周二晚上八点作业分享会", user="boss", message_id="a1"
    )
    entry = store.get_community("c1").announcements[0]
    assert reply == [f"📢 公告 {entry['id']} 已安排：2026-12-08 09:00，首次发布 2026-12-08 09:00。"]
    # the platform redelivers the command: nothing is scheduled twice
    assert (
        post(client, "公告 2026-12-08 09:00 周二晚上八点作业分享会", user="boss", message_id="a1")
        == []
    )
    assert len(store.get_community("c1").announcements) == 1
    listed = post(client, "公告列表", user="u1", message_id="l1")
    assert listed == [f"📢 本群公告\n{entry['id']}｜2026-12-08 09:00｜周二晚上八点作业分享会"]
    before = len(sent)
    tick_and_work(client, rt, sqs, url, datetime(2026, 12, 8, 0, 55, tzinfo=UTC))  # 08:55
    assert group(sent[before:]) == []
    tick_and_work(client, rt, sqs, url, datetime(2026, 12, 8, 1, 7, tzinfo=UTC))  # 09:07
    tick_and_work(client, rt, sqs, url, datetime(2026, 12, 8, 1, 10, tzinfo=UTC))
    assert group(sent[before:]) == ["📢 群公告\n周二晚上八点作业分享会"]
    period = f"2026-12-08#{entry['id']}-0900"
    assert runs.get_run(store.table, "c1", "announcements", period)["status"] == "done"


def test_a_weekly_announcement_from_english_chat_is_listed_and_cancelled(wired):
    client, store, sent, rt, sqs, url = wired
    reply = post(client, "/announce weekly mon 09:00 Plan your week", user="boss", message_id="w1")
    entry = store.get_community("c1").announcements[0]
    assert reply[0].startswith(f"📢 公告 {entry['id']} 已安排：每周一 09:00")
    assert post(client, "/announcements", user="u1", message_id="l1") == [
        f"📢 本群公告\n{entry['id']}｜每周一 09:00｜Plan your week"
    ]
    assert post(client, f"取消公告 {entry['id']}", user="boss", message_id="c1") == [
        f"公告 {entry['id']} 已取消，不会再发布。"
    ]
    assert store.table.get("C#c1", keys.announcement_sk(entry["id"])) is None
    before = len(sent)
    tick_and_work(client, rt, sqs, url, datetime(2026, 12, 7, 1, 10, tzinfo=UTC))  # Mon 09:10
    assert group(sent[before:]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("公告 2026-12-01 09:00 过去了", "2026-12-01 09:00 已经过去了，请选一个将来的时间。"),
        ("公告 2026-12-08 09:00", "公告内容不能为空。"),
        (
            "/announce weekly mon 09:00 until 2026-12-06 never",
            "这个重复公告在截止日期前一次也不会发出，请检查日期。",
        ),
        ("/announce at 2026-12-08T25:00 x", "时间要写成 HH:MM（24 小时制），收到的是「25:00」。"),
        # The calendar's first and last days: 00:00 in Shanghai is before year 1 in UTC (was
        # an OverflowError, a 500); 9999-12-31 has no day after it.
        ("公告 0001-01-01 00:00 x", "日期 0001-01-01 " + EDGE),
        ("/announce 9999-12-31 23:59 x", "日期 9999-12-31 " + EDGE),
    ],
)
def test_bad_announcements_get_one_line_and_write_nothing(wired, text, expected):
    client, store, _sent, _rt, _sqs, _url = wired
    before = items(store)
    assert post(client, text, user="boss", message_id="b1") == [expected]
    assert items(store) == before
    assert store.get_community("c1").announcements == ()


def test_a_member_cannot_schedule_or_cancel(wired):
    client, store, _sent, _rt, _sqs, _url = wired
    reply = post(client, "公告 2026-12-08 09:00 hi", user="u1", message_id="m1")
    assert reply == ["U1，只有群主或管理员可以发布或取消公告。发送「公告列表」查看公告。"]
    assert store.get_community("c1").announcements == ()


def test_a_time_in_a_dst_gap_is_refused_in_the_members_language(dynamo_table):
    store = Store(dynamo_table)
    store.create_community(community(timezone="Europe/Berlin", locale="en"))
    store.save_member(member("boss", name="Boss", role=Role.ADMIN))
    at = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    rt, _sent = runtime(store, at)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            body = console_body("/announce at 2027-03-28T02:30 hi", user="boss", message_id="g1")
            response = client.http.post(
                "/webhooks/console", headers=signed_headers(body, at), body=body
            )
    finally:
        set_runtime(None)
    replies = [line for reply in json.loads(response.body)["replies"] for line in reply]
    assert replies == [
        "2027-03-28 02:30 does not exist in this group's timezone (daylight saving skips that "
        "hour): pick another time."
    ]
    assert store.get_community("c1").announcements == ()


def test_a_weekly_announcement_in_berlin_posts_at_0900_across_the_spring_change(dynamo_table):
    """Scheduled through the webhook, posted through the timer and the worker: 09:00 CET
    (08:00 UTC) on 21 March, 09:00 CEST (07:00 UTC) on 28 March, once each."""
    from chalicelib.queue import SqsQueue

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="rollcall-dev-jobs")["QueueUrl"]
    store = Store(dynamo_table)
    store.create_community(community(timezone="Europe/Berlin", locale="en"))
    store.save_member(member("boss", name="Boss", role=Role.ADMIN))
    at = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
    rt, sent = runtime(store, at)
    rt.queue = SqsQueue(sqs, url)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            body = console_body("/announce weekly sun 09:00 Plan", user="boss", message_id="w1")
            client.http.post("/webhooks/console", headers=signed_headers(body, at), body=body)
            posted = []
            for when in (
                datetime(2027, 3, 21, 7, 55, tzinfo=UTC),  # 08:55 CET: not yet
                datetime(2027, 3, 21, 8, 10, tzinfo=UTC),  # 09:10 CET
                datetime(2027, 3, 21, 8, 15, tzinfo=UTC),
                datetime(2027, 3, 28, 6, 55, tzinfo=UTC),  # 08:55 CEST: not yet
                datetime(2027, 3, 28, 7, 10, tzinfo=UTC),  # 09:10 CEST
                datetime(2027, 3, 28, 8, 5, tzinfo=UTC),  # an hour later: nothing more
            ):
                before = len(group(sent))
                tick_and_work(client, rt, sqs, url, when)
                posted += [when] * (len(group(sent)) - before)
    finally:
        set_runtime(None)
    assert posted == [
        datetime(2027, 3, 21, 8, 10, tzinfo=UTC),
        datetime(2027, 3, 28, 7, 10, tzinfo=UTC),
    ]
    assert [m for m in group(sent) if "\n" in m] == ["📢 Announcement\nPlan"] * 2
