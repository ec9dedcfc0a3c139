"""Slack and Feishu joins and leaves through the webhook route, from the Events API's and
Feishu's documented payloads: joiners are observed from the day they joined, leavers are
marked left and are never @-mentioned by the next reminder."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime

import responses

from chalicelib.domain.models import MemberStatus
from chalicelib.inbound import handle_webhook
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import HttpRequest
from tests.helpers import community
from tests.platforms import test_feishu as fs
from tests.platforms import test_slack as sl

TODAY = date(2026, 11, 23)


def slack_member_event(kind: str, user: str, event_id: str) -> bytes:
    event = {
        "type": kind,
        "user": user,
        "channel": sl.CHANNEL,
        "channel_type": "C",
        "team": "T024BE7LD",
    }
    if kind == "member_joined_channel":
        event["inviter"] = "U123456789"
    return sl.envelope(event, event_id=event_id)


@responses.activate
def test_slack_joins_and_leaves_change_the_roster_once_and_leavers_are_not_reminded(clock):
    responses.post(sl.POST_URL, json={"ok": True, "ts": "1.0"})
    rt = sl.memory_runtime(sl.make_adapter(clock))
    rt.store.create_community(community(platform="slack", chat_id=sl.CHANNEL, grace_days=0))
    for user, event_id in (("W06GH7XHN", "Ev1"), ("W07AAAAAA", "Ev2")):
        body = slack_member_event("member_joined_channel", user, event_id)
        assert handle_webhook(rt, "slack", sl.signed(body), sl.NOW).status == 200
    joined = rt.store.get_member("c1", "W06GH7XHN")
    assert joined.is_present and joined.observed_since == TODAY
    welcomes = [c for c in responses.calls if "Welcome" in sl.sent_json(c)["text"]]
    assert len(welcomes) == 2
    left = sl.signed(slack_member_event("member_left_channel", "W07AAAAAA", "Ev3"))
    handle_webhook(rt, "slack", left, sl.NOW)
    retry = sl.signed(
        slack_member_event("member_joined_channel", "W06GH7XHN", "Ev1"),
        **{"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"},
    )
    handle_webhook(rt, "slack", retry, sl.NOW)
    assert len([c for c in responses.calls if "Welcome" in sl.sent_json(c)["text"]]) == 2
    assert rt.store.get_member("c1", "W07AAAAAA").status is MemberStatus.LEFT
    responses.calls.reset()
    at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai
    rt.clock.set(at)
    assert run_job(rt, "daily-reminder", "c1", at).status == "sent"
    text = "\n".join(sl.sent_json(c)["text"] for c in responses.calls)
    assert "<@W06GH7XHN>" in text and "<@W07AAAAAA>" not in text


@responses.activate
def test_a_leave_redelivered_after_the_member_came_back_changes_nothing(clock):
    """Slack retries an event it thinks went unanswered: a leave retried after the member
    rejoined must not mark them left again (the leave is claimed by its event id, as a
    join is), or their new membership would end and restart on their next message."""
    responses.post(sl.POST_URL, json={"ok": True, "ts": "1.0"})
    rt = sl.memory_runtime(sl.make_adapter(clock))
    rt.store.create_community(community(platform="slack", chat_id=sl.CHANNEL))
    events = (
        ("member_joined_channel", "Ev1", {}),
        ("member_left_channel", "Ev2", {}),
        ("member_joined_channel", "Ev3", {}),
        ("member_left_channel", "Ev2", {"x-slack-retry-num": "1", "x-slack-retry-reason": "x"}),
    )
    for kind, event_id, retry in events:
        body = sl.signed(slack_member_event(kind, "W07AAAAAA", event_id), **retry)
        assert handle_webhook(rt, "slack", body, sl.NOW).status == 200
    assert rt.store.get_member("c1", "W07AAAAAA").status is MemberStatus.ACTIVE


def feishu_event(kind: str, event_id: str, users: list[tuple[str, str]]) -> HttpRequest:
    body = copy.deepcopy(fs.MEMBERS_ADDED)
    body["header"].update(event_type=kind, event_id=event_id)
    body["event"]["users"] = [
        {
            "name": name,
            "tenant_key": "d4ad4gb3",
            "user_id": {"union_id": f"on_{uid}", "user_id": uid, "open_id": uid},
        }
        for uid, name in users
    ]
    return fs.request(json.dumps(body, ensure_ascii=False).encode())


def test_feishu_added_deleted_and_withdrawn_members():
    adapter = fs.adapter(encrypt_key="")
    rt = sl.memory_runtime(adapter)
    rt.adapters = {"feishu": adapter}
    rt.store.create_community(community(platform="feishu", chat_id=fs.CHAT))
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        added = feishu_event(
            "im.chat.member.user.added_v1",
            "e1",
            [("ou_a", "小明"), ("ou_b", "小红"), ("ou_c", "小刚")],
        )
        assert handle_webhook(rt, "feishu", added, sl.NOW).status == 200
        assert rt.store.get_member("c1", "ou_a").observed_since == TODAY
        for kind, event_id, uid in (
            ("im.chat.member.user.deleted_v1", "e2", "ou_b"),
            ("im.chat.member.user.withdrawn_v1", "e3", "ou_c"),
        ):
            handle_webhook(rt, "feishu", feishu_event(kind, event_id, [(uid, "")]), sl.NOW)
    present = {m.user_id for m in rt.store.list_members("c1") if m.is_present}
    assert present == {"ou_a"}
