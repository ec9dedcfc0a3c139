"""The joining ritual and the nickname format through the webhook route, with signed
payloads: a newcomer is welcomed once (a redelivery, a second signal of the join, the roster
sync seeing them too), shown the rules, accepts them; check-ins wait for the acceptance when
the community requires it; an introduction is noted once; a nickname off the format gets
one prompt by direct message a day, never a group post; /pending lists who still owes a
step after the community's hours; the first sync welcomes nobody."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import responses
from chalice.test import Client

import app
from chalicelib.domain.models import Role
from chalicelib.inbound import handle_webhook
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.platforms.base import HttpRequest
from chalicelib.platforms.slack import SlackAdapter, sign
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import set_runtime
from chalicelib.store import keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records
from tests.helpers import community, console_body, member, runtime, signed_headers
from tests.platforms.support import quiet_sender

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
RULES = "1. Be kind, {name}.\n2. Check in daily at {community}: {link}"
RITUAL = {
    "group_rules": RULES,
    "community_link": "https://example.org/wiki",
    "require_rules_acceptance": True,
}


class Route:
    """The console platform behind the real route: signed deliveries, the clock at ``at``."""

    def __init__(self, client: Client, rt) -> None:
        self.client, self.rt = client, rt
        rt.queue = MemoryQueue()
        self.queued: list[dict] = []
        self.work = True

    def __call__(self, text: str = "", *, at: datetime = NOW, **kwargs) -> list[str]:
        """One signed delivery; the reply parts it answered with."""
        self.rt.clock.set(at)
        body = console_body(text, **kwargs)
        headers = signed_headers(body, at)
        response = self.client.http.post("/webhooks/console", headers=headers, body=body)
        assert response.status_code == 200
        self.queued += self.rt.queue.drain()
        if self.work:  # the queue worker, as SQS would run it next
            self.run_worker(at)
        return ["\n".join(parts) for parts in response.json_body["replies"]]

    def run_worker(self, at: datetime) -> None:
        records = [(f"q{n}", json.dumps(m)) for n, m in enumerate(self.queued)]
        self.queued = []
        handle_records(self.rt, records, at)


@pytest.fixture
def world():
    """The console platform behind the real route, on the in-memory table."""
    store = Store(MemoryTable())
    store.create_community(community(**RITUAL))
    store.save_member(member("boss", name="Boss", role=Role.ADMIN))
    rt, sent = runtime(store, NOW)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            yield Route(client, rt), store, sent
    finally:
        set_runtime(None)


def test_a_newcomer_is_welcomed_once_shown_the_rules_and_accepts_them(world):
    """The join's redelivery and a second signal of the same join (its own delivery id, as
    Telegram's service message and chat_member update are) welcome nobody again."""
    post, store, _sent = world
    [welcome] = post(kind="member_joined", user="dee", name="Dee", message_id="j-1")
    assert "Welcome to Study Group, Dee!" in welcome
    assert "1. Be kind, Dee.\n2. Check in daily at Study Group: https://example.org/wiki" in welcome
    assert "/agree" in welcome and "/intro" in welcome
    assert post(kind="member_joined", user="dee", name="Dee", message_id="j-1") == []
    assert post(kind="member_joined", user="dee", name="Dee", message_id="j-2") == []
    dee = store.get_member("c1", "dee")
    assert dee.welcomed_at == NOW and dee.rules_accepted_at is None

    [agreed] = post("/agree", user="dee", name="Dee", message_id="a-1")
    assert "accepted the group rules" in agreed
    assert store.get_member("c1", "dee").rules_accepted_at == NOW
    [again] = post("同意", user="dee", name="Dee", message_id="a-2", at=NOW + timedelta(hours=1))
    assert "already" in again
    assert store.get_member("c1", "dee").rules_accepted_at == NOW  # never moved


def test_a_newcomers_welcome_shows_the_announcements_pinned_now(world):
    """Issue 25: the welcome includes the pinned announcements (a one-off stays pinned for
    a week after it posts); one that has not posted yet is not shown."""
    from chalicelib.features.announcements import add_announcement

    post, store, _sent = world
    before = NOW - timedelta(days=2)
    c1 = store.get_community("c1")
    add_announcement(store, c1, "at 2026-11-22T09:00 Book club moves to Fridays", "boss", before)
    add_announcement(store, c1, "at 2026-11-30T09:00 Not yet", "boss", before)
    [welcome] = post(kind="member_joined", user="dee", name="Dee", message_id="j-1")
    assert "Pinned announcements:\n📌 Book club moves to Fridays" in welcome
    assert "Not yet" not in welcome


def test_check_ins_wait_for_the_rules_when_the_community_requires_it(world):
    post, store, _sent = world
    post(kind="member_joined", user="dee", name="Dee", message_id="j-1")
    [refused] = post("/checkin", user="dee", name="Dee", message_id="c-1")
    assert "accept the group rules first" in refused and "1. Be kind, Dee." in refused
    assert store.get_member("c1", "dee").checkins == 0
    assert not [i for i in store.table.all_items() if i["sk"].startswith(keys.CHECKIN_PREFIX)]
    [no_makeup] = post("/makeup 2026-11-22", user="dee", name="Dee", message_id="c-0")
    assert "accept the group rules first" in no_makeup
    post("/agree", user="dee", name="Dee", message_id="a-1")
    [done] = post("/checkin", user="dee", name="Dee", message_id="c-2")
    assert "Dee checked in for 2026-11-23" in done
    assert store.get_member("c1", "dee").checkins == 1
    # The admin who set the rules is never gated.
    post("/checkin", user="boss", name="Boss", message_id="c-3")
    assert store.get_member("c1", "boss").checkins == 1


def test_without_the_requirement_a_check_in_counts_before_acceptance(world):
    post, store, _sent = world
    store.update_community(store.get_community("c1"), require_rules_acceptance=False)
    post(kind="member_joined", user="dee", name="Dee", message_id="j-1")
    post("/checkin", user="dee", name="Dee", message_id="c-1")
    assert store.get_member("c1", "dee").checkins == 1


def test_the_first_long_message_after_the_welcome_is_the_introduction_noted_once(world):
    post, store, _sent = world
    post(kind="member_joined", user="dee", name="Dee", message_id="j-1")
    assert post("hi!", user="dee", name="Dee", message_id="m-1") == []
    assert store.get_member("c1", "dee").introduced_at is None
    later = NOW + timedelta(minutes=5)
    [thanks] = post(
        "I am Dee, a data engineer in Berlin",
        user="dee",
        name="Dee",
        message_id="m-2",
        at=later,
    )
    assert "Thanks for introducing yourself, Dee" in thanks
    assert store.get_member("c1", "dee").introduced_at == later
    assert post("and I like long walks too", user="dee", name="Dee", message_id="m-3") == []
    [already] = post("/intro hello again", user="dee", name="Dee", message_id="m-4")
    assert "already" in already
    # A member never welcomed (there before the ritual) is not asked for one.
    assert post("a long message from a regular", user="boss", message_id="m-5") == []


def test_whether_a_message_introduces_is_decided_once_per_message(world, monkeypatch):
    """inbound._introducing is computed once per message, not again inside the ritual."""
    import chalicelib.inbound as inbound

    post, _store, _sent = world
    post(kind="member_joined", user="dee", name="Dee", message_id="j-1")
    calls: list[str] = []
    decide = inbound._introducing

    def counted(member, event, command):
        calls.append(event.text)
        return decide(member, event, command)

    monkeypatch.setattr(inbound, "_introducing", counted)
    [thanks] = post("I am Dee, a data engineer in Berlin", user="dee", name="Dee", message_id="m")
    assert "Thanks for introducing yourself, Dee" in thanks
    assert calls == ["I am Dee, a data engineer in Berlin"]


def test_rules_are_shown_to_anyone_and_pending_lists_who_still_owes_a_step(world):
    post, store, _sent = world
    [rules] = post("群规", user="boss", name="Boss", message_id="r-1")
    assert "1. Be kind, Boss." in rules
    for uid, name in (("dee", "Dee"), ("eve", "Eve"), ("fay", "Fay")):
        post(kind="member_joined", user=uid, name=name, message_id=f"j-{uid}")
    post("/agree", user="eve", name="Eve", message_id="a-eve")
    post("/intro Eve from Lyon, writer", user="eve", name="Eve", message_id="i-eve")
    post("/agree", user="fay", name="Fay", message_id="a-fay")
    soon = NOW + timedelta(hours=23)
    [none] = post("/pending", user="boss", name="Boss", message_id="p-1", at=soon)
    assert "Every newcomer welcomed more than 24 hours ago" in none
    day_later = NOW + timedelta(hours=25)
    store.table.requests.clear()
    [listed] = post("/pending", user="boss", name="Boss", message_id="p-2", at=day_later)
    assert "Scan" not in store.table.requests
    assert "Dee (welcomed 2026-11-23): rules not accepted, no introduction" in listed
    assert "Fay (welcomed 2026-11-23): no introduction" in listed
    assert "Eve" not in listed and "Boss" not in listed
    [refused] = post("/pending", user="dee", name="Dee", message_id="p-3", at=day_later)
    assert "only owners and admins" in refused


# -- the nickname format --------------------------------------------------------------------


def dms(sent, user: str) -> list[str]:
    return [m.text for m in sent if m.kind == "direct" and m.user_id == user]


def test_a_nickname_off_the_format_is_prompted_by_dm_at_most_once_a_day(world):
    post, store, sent = world
    store.update_community(
        store.get_community("c1"),
        nickname_pattern=r"[^-]+-[^-]+-[^-]+",
        nickname_format="名称-地区-职业",
    )
    post(kind="member_joined", user="dee", name="Dee", message_id="j-1")
    [prompt] = dms(sent, "dee")
    assert "名称-地区-职业" in prompt and "Hi Dee!" in prompt
    assert not [
        m for m in sent if m.kind != "direct" and "名称-地区-职业" in m.text and "Hi" in m.text
    ]
    # A rename the same day (the platform reports the new name with a message): no second one.
    post("hello", user="dee", name="Dee Two", message_id="m-1")
    assert len(dms(sent, "dee")) == 1
    # The next day's rename, still off the format: one more.
    tomorrow = NOW + timedelta(days=1)
    post("hello", user="dee", name="Dee Three", message_id="m-2", at=tomorrow)
    post("hello", user="dee", name="Dee Four", message_id="m-3", at=tomorrow)
    assert len(dms(sent, "dee")) == 2
    assert store.get_member("c1", "dee").nickname_prompted_on == date(2026, 11, 24)
    # Renamed to the format: nothing.
    later = NOW + timedelta(days=2)
    post("hello", user="dee", name="Dee-Berlin-Dev", message_id="m-4", at=later)
    assert len(dms(sent, "dee")) == 2


def test_the_webhook_claims_the_prompt_and_the_worker_sends_it(world):
    """The webhook answers without the DM (a DM may need the platform's token first): it
    claims the prompt and queues it; the queue worker sends it, once, by direct message.
    A redelivered queue message after the member renamed to the format sends nothing."""
    post, store, sent = world
    store.update_community(
        store.get_community("c1"), nickname_pattern=r"\S+-\S+", nickname_format="名称-地区"
    )
    post.work = False
    post("hello", user="dee", name="Dee", message_id="m-1")
    assert dms(sent, "dee") == []  # nothing sent inside the webhook
    assert [m["kind"] for m in post.queued] == ["nickname-prompt"]
    assert store.get_member("c1", "dee").nickname_prompted_on == date(2026, 11, 23)
    again = list(post.queued)
    post.run_worker(NOW)
    [prompt] = dms(sent, "dee")
    assert "名称-地区" in prompt
    post("hello", user="dee", name="Dee-Lyon", message_id="m-2")
    post.queued = again  # SQS delivers the same message again
    post.run_worker(NOW)
    assert len(dms(sent, "dee")) == 1


def test_two_renames_racing_from_the_same_read_prompt_once(world):
    """Two messages under new names, handled side by side, both read the member before
    either prompt was noted: the conditional write of the date lets one prompt through."""
    from chalicelib.features.ritual import claim_nickname_prompt, send_nickname_prompt

    post, store, sent = world
    c = store.update_community(
        store.get_community("c1"), nickname_pattern=r"\S+-\S+", nickname_format="名称-地区"
    )
    post("hello", user="dee", name="Dee", message_id="m-0", at=NOW - timedelta(days=3))
    stale = store.get_member("c1", "dee")
    adapter = post.rt.adapter("console")
    today = date(2026, 11, 23)
    before = len(dms(sent, "dee"))
    results = [claim_nickname_prompt(store, c, stale, today, adapter) for _ in range(2)]
    assert results == [True, False]
    assert send_nickname_prompt(store, "c1", "dee", adapter)
    assert len(dms(sent, "dee")) == before + 1


def test_a_nickname_pattern_that_does_not_compile_is_one_line_and_nothing_is_written(world):
    post, store, _sent = world
    before = store.get_community("c1")
    [refused] = post("/settings nickname ([a-z 名称-地区-职业", user="boss", message_id="s-1")
    assert "nickname pattern does not compile" in refused and "\n" not in refused
    assert store.get_community("c1") == before


# -- the roster sync and the join event, racing (Slack) ---------------------------------------

API = "https://slack.test/api"
CHANNEL = "C012AB3CD"
SECRET = "slack-signing-secret"
START = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 00:00 on the 23rd in Shanghai
SYNC_AT = datetime(2026, 11, 22, 20, 1, tzinfo=UTC)  # 04:01 local
NEXT_DAY = datetime(2026, 11, 23, 20, 1, tzinfo=UTC)
PEOPLE = {"U0ANN0001": "Ann", "U0BOB0001": "Bob", "U0DEE0001": "Dee", "U0CY00001": "Cy"}


def slack_lists(*ids: str, during=None) -> None:
    """The channel's members and the workspace's users; ``during`` runs while the members
    are read (a join event arriving in the middle of the sync)."""

    def members(_request):
        if during is not None:
            during()
        body = {"ok": True, "members": list(ids), "response_metadata": {"next_cursor": ""}}
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.POST, f"{API}/conversations.members", callback=members)
    users = [
        {
            "id": uid,
            "name": PEOPLE[uid].lower(),
            "deleted": False,
            "is_bot": False,
            "profile": {"display_name": PEOPLE[uid], "real_name": PEOPLE[uid]},
        }
        for uid in ids
    ]
    body = {"ok": True, "members": users, "response_metadata": {"next_cursor": ""}}
    responses.post(f"{API}/users.list", json=body)


def join_event(user: str, event_id: str, at: datetime) -> HttpRequest:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T061EG9R6",
            "event_id": event_id,
            "event": {"type": "member_joined_channel", "user": user, "channel": CHANNEL},
        }
    ).encode()
    stamp = str(int(at.timestamp()))
    headers = {
        "content-type": "application/json",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": sign(SECRET, stamp, body),
    }
    return HttpRequest("POST", headers, {}, body)


@pytest.fixture
def slack_world():
    store = Store(MemoryTable())
    c = community(platform="slack", chat_id=CHANNEL, jobs=("daily-reminder",), **RITUAL)
    store.create_community(c)
    store.bulk_save_members([member("U0ANN0001", name="Ann"), member("U0BOB0001", name="Bob")])
    schedule_community(store.table, c, START)
    rt, _ = runtime(store, SYNC_AT)
    rt.adapters["slack"] = SlackAdapter(
        SECRET, "xoxb-test", api_base=API, sender=quiet_sender(), reply_sender=quiet_sender()
    )
    return store, rt


def tick(rt, at: datetime) -> dict:
    rt.clock.set(at)
    queue = MemoryQueue()
    dispatch_due_jobs(rt.store.table, queue, at)
    messages = [m for m in queue.drain() if m["job"] == "roster-sync"]
    return handle_records(rt, [(f"m{n}", json.dumps(m)) for n, m in enumerate(messages)], at)


def welcomes() -> list[str]:
    posted = [c for c in responses.calls if c.request.url.endswith("chat.postMessage")]
    texts = [json.loads(c.request.body)["text"] for c in posted]
    return [text for text in texts if "Welcome to Study Group" in text]


@responses.activate
def test_the_first_sync_welcomes_nobody_and_a_join_racing_the_sync_is_welcomed_once(slack_world):
    store, rt = slack_world
    responses.post(f"{API}/chat.postMessage", json={"ok": True, "channel": CHANNEL, "ts": "1.1"})
    slack_lists("U0ANN0001", "U0BOB0001", "U0DEE0001")
    assert tick(rt, SYNC_AT) == {"batchItemFailures": []}
    assert welcomes() == []  # Dee was there at the first sync: added quietly
    assert store.get_member("c1", "U0DEE0001").welcomed_at is None

    # Next day, Cy joins: Slack's join event arrives while the sync reads the channel (the
    # sync's roster read has not seen Cy's item), so both see a newcomer.
    joined_at = NEXT_DAY - timedelta(seconds=1)

    def cy_joins() -> None:
        answer = handle_webhook(rt, "slack", join_event("U0CY00001", "Ev1", joined_at), joined_at)
        assert answer.status == 200

    responses.calls.reset()
    slack_lists("U0ANN0001", "U0BOB0001", "U0DEE0001", "U0CY00001", during=cy_joins)
    assert tick(rt, NEXT_DAY) == {"batchItemFailures": []}
    [welcome] = welcomes()
    assert "1. Be kind" in welcome
    cy = store.get_member("c1", "U0CY00001")
    assert cy.is_present and cy.welcomed_at is not None


@responses.activate
def test_a_newcomer_the_sync_welcomed_is_not_welcomed_again_by_a_late_join_event(slack_world):
    store, rt = slack_world
    responses.post(f"{API}/chat.postMessage", json={"ok": True, "channel": CHANNEL, "ts": "1.1"})
    slack_lists("U0ANN0001", "U0BOB0001")
    tick(rt, SYNC_AT)
    slack_lists("U0ANN0001", "U0BOB0001", "U0DEE0001")
    responses.calls.reset()
    tick(rt, NEXT_DAY)
    [welcome] = welcomes()
    assert "<@U0DEE0001>" in welcome and "1. Be kind, Dee." in welcome
    assert store.get_member("c1", "U0DEE0001").welcomed_at == NEXT_DAY
    late = NEXT_DAY + timedelta(minutes=1)
    handle_webhook(rt, "slack", join_event("U0DEE0001", "Ev9", late), late)
    assert len(welcomes()) == 1


@responses.activate
def test_the_sync_prompts_joiners_and_renamed_members_off_the_format_by_dm_once_a_day(
    slack_world,
):
    """The sync's joiners and renames reach the nickname check too: a prompt by DM (never in
    the channel), noted with the date that keeps it to one a day."""
    store, rt = slack_world
    store.update_community(
        store.get_community("c1"), nickname_pattern=r"\S+-\S+", nickname_format="name-city"
    )
    responses.post(f"{API}/chat.postMessage", json={"ok": True, "channel": CHANNEL, "ts": "1.1"})
    responses.post(f"{API}/conversations.open", json={"ok": True, "channel": {"id": "D0DM00001"}})
    slack_lists("U0ANN0001", "U0BOB0001")
    tick(rt, SYNC_AT)
    store.save_member(member("U0ANN0001", name="Ann-Lyon"))
    responses.calls.reset()
    slack_lists("U0ANN0001", "U0BOB0001", "U0DEE0001")  # Dee joins; Ann renamed "Ann"
    tick(rt, NEXT_DAY)
    opened = [c for c in responses.calls if c.request.url.endswith("conversations.open")]
    dm_posts = [
        json.loads(c.request.body)
        for c in responses.calls
        if c.request.url.endswith("chat.postMessage")
        and json.loads(c.request.body)["channel"] == "D0DM00001"
    ]
    channel_posts = [
        json.loads(c.request.body)["text"]
        for c in responses.calls
        if c.request.url.endswith("chat.postMessage")
        and json.loads(c.request.body)["channel"] == CHANNEL
    ]
    assert len(dm_posts) == 2 and all("name-city" in p["text"] for p in dm_posts)
    assert len(opened) == 2
    assert not [t for t in channel_posts if "rename yourself" in t]
    assert store.get_member("c1", "U0DEE0001").nickname_prompted_on == date(2026, 11, 24)
    assert store.get_member("c1", "U0ANN0001").nickname_prompted_on == date(2026, 11, 24)


def test_admins_set_the_rules_and_the_nickname_format_from_chat_in_chinese():
    """设置 群规 with the rules on their own lines, then 设置 昵称格式 with a pattern and its
    description: what the settings hold afterwards (through the queue worker, as any
    /settings change); a member's 群规 then shows them."""
    from tests.cli.test_settings import _chat_settings

    store, send = _chat_settings("zh-CN")
    said = send("设置 群规\n1. 每天打卡，{name}\n2. 不发广告")
    assert said.startswith("✅"), said
    said = send("设置 昵称格式 ^[^-]+-[^-]+-[^-]+$ 名称-地区-职业")
    assert said.startswith("✅"), said
    refused = send("设置 欢迎语 欢迎 {nmae}")
    assert refused.startswith("没有改动：") and "{name}" in refused
    c = store.get_community("c1")
    assert c.group_rules == "1. 每天打卡，{name}\n2. 不发广告"
    assert (c.nickname_pattern, c.nickname_format) == ("^[^-]+-[^-]+-[^-]+$", "名称-地区-职业")
    assert c.welcome_text is None
    assert "1. 每天打卡，M3\n2. 不发广告" in send_as(store, "u3", "群规")


def send_as(store: Store, user: str, text: str) -> str:
    from chalicelib.inbound import handle_event
    from chalicelib.platforms.base import InboundEvent, Sender

    rt, _ = runtime(store, NOW)
    event = InboundEvent("message", "console", "room", Sender(user, "M3"), text, "x-1")
    return "\n".join(m.text for m in handle_event(rt, event, NOW))
