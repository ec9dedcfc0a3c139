"""Slack: v0 signatures, slash commands and Events API, chat.postMessage delivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
import responses
from chalice.test import Client

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.inbound import handle_webhook
from chalicelib.platforms import slack
from chalicelib.platforms.base import (
    BadPayload,
    ChatAddress,
    DeliveryError,
    DirectRefused,
    HttpRequest,
    Mention,
    Message,
    Unauthorized,
)
from chalicelib.platforms.slack import MESSAGE_LIMIT, SlackAdapter, sign, slash_text
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member
from tests.platforms.support import FakeTime, log_fixture, timed_sender

# The worked example from Slack's "Verifying requests from Slack" page.
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = "1531420618"
DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
DOC_NOW = datetime.fromtimestamp(int(DOC_TIMESTAMP), UTC)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SECRET = "slack-signing-secret"
BOT_TOKEN = "xoxb-test-token"
API = "https://slack.com/api"
POST_URL = f"{API}/chat.postMessage"
BOT_USER = "U0LAN0Z89"
CHANNEL = "C0LAN2Q65"


def make_adapter(clock: FakeTime, token: str = BOT_TOKEN) -> SlackAdapter:
    return SlackAdapter(
        SECRET,
        token,
        api_base=API,
        sender=timed_sender(clock, min_interval=slack.PER_CHANNEL_INTERVAL),
        reply_sender=timed_sender(clock, attempts=1),
    )


@pytest.fixture
def adapter(clock) -> SlackAdapter:
    return make_adapter(clock)


def signed(body: bytes, at: datetime = NOW, *, form: bool = False, **extra: str) -> HttpRequest:
    stamp = str(int(at.timestamp()))
    headers = {
        "content-type": "application/x-www-form-urlencoded" if form else "application/json",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": sign(SECRET, stamp, body),
        **extra,
    }
    return HttpRequest("POST", headers, {}, body)


def envelope(event: dict[str, Any], event_id: str = "Ev0LAN670R") -> bytes:
    """An event_callback as the Events API documents it."""
    return json.dumps(
        {
            "token": "one-long-verification-token",
            "team_id": "T061EG9R6",
            "api_app_id": "A0PNCHHK2",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1515449522,
            "authorizations": [
                {"enterprise_id": None, "team_id": "T061EG9R6", "user_id": BOT_USER, "is_bot": True}
            ],
        }
    ).encode()


APP_MENTION = {
    "type": "app_mention",
    "user": "U061F7AUR",
    "text": f"<@{BOT_USER}> /checkin is it everything a river should be?",
    "ts": "1515449522.000016",
    "channel": CHANNEL,
    "event_ts": "1515449522.000016",
}


def slash_form(command: str = "/checkin", text: str = "", **extra: str) -> bytes:
    fields = {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": "T0001",
        "team_domain": "example",
        "channel_id": CHANNEL,
        "channel_name": "study",
        "user_id": "U2147483697",
        "user_name": "Steve",
        "command": command,
        "text": text,
        "api_app_id": "A123456",
        "response_url": "https://hooks.slack.com/commands/1234/5678",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        **extra,
    }
    return urlencode(fields).encode()


def sent_json(call) -> dict:
    return json.loads(call.request.body)


# -- verify


def test_the_documented_example_signature_is_reproduced_and_accepted():
    assert sign(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY) == DOC_SIGNATURE
    headers = {"x-slack-request-timestamp": DOC_TIMESTAMP, "x-slack-signature": DOC_SIGNATURE}
    SlackAdapter(DOC_SECRET).verify(HttpRequest("POST", headers, {}, DOC_BODY), DOC_NOW)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"x-slack-signature": "v0=" + "0" * 64}, id="forged"),
        pytest.param({"x-slack-signature": ""}, id="missing-signature"),
        pytest.param({"x-slack-request-timestamp": ""}, id="missing-timestamp"),
        pytest.param({"x-slack-request-timestamp": "later"}, id="bad-timestamp"),
        pytest.param({"x-slack-signature": "v0=é"}, id="non-ascii"),
    ],
)
def test_forged_or_missing_signatures_are_unauthorized(headers):
    base = {"x-slack-request-timestamp": DOC_TIMESTAMP, "x-slack-signature": DOC_SIGNATURE}
    request = HttpRequest("POST", {**base, **headers}, {}, DOC_BODY)
    with pytest.raises(Unauthorized):
        SlackAdapter(DOC_SECRET).verify(request, DOC_NOW)


def test_a_body_changed_after_signing_is_unauthorized():
    headers = {"x-slack-request-timestamp": DOC_TIMESTAMP, "x-slack-signature": DOC_SIGNATURE}
    request = HttpRequest("POST", headers, {}, DOC_BODY.replace(b"text=", b"text=x"))
    with pytest.raises(Unauthorized):
        SlackAdapter(DOC_SECRET).verify(request, DOC_NOW)


@pytest.mark.parametrize("skew", [301, -301])
def test_a_validly_signed_request_older_or_newer_than_five_minutes_is_a_replay(skew):
    headers = {"x-slack-request-timestamp": DOC_TIMESTAMP, "x-slack-signature": DOC_SIGNATURE}
    request = HttpRequest("POST", headers, {}, DOC_BODY)
    SlackAdapter(DOC_SECRET).verify(request, DOC_NOW + timedelta(seconds=299))
    with pytest.raises(Unauthorized, match="stale"):
        SlackAdapter(DOC_SECRET).verify(request, DOC_NOW + timedelta(seconds=skew))


# -- parse: slash commands


def test_the_documented_slash_command_parses_to_a_message_keyed_by_trigger_id():
    headers = {"content-type": "application/x-www-form-urlencoded"}
    parsed = SlackAdapter(DOC_SECRET).parse(HttpRequest("POST", headers, {}, DOC_BODY))
    [event] = parsed.events
    assert event.kind == "message" and event.chat_id == "G8PSS9T3V"
    assert event.sender.user_id == "U2CERLKJA"
    assert event.sender.name == ""  # Slack sends no display name; user_name is deprecated
    assert event.event_id == "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    assert event.text == "/help"  # an umbrella command with no text asks for help
    assert event.reply_context["slash"] is True


@pytest.mark.parametrize(
    "command, text, expected",
    [
        ("/checkin", "read 20 pages", "/checkin read 20 pages"),
        ("/checkin", "", "/checkin"),
        ("/makeup", " 2026-11-21 ", "/makeup 2026-11-21"),
        ("/rollcall", "checkin read", "/checkin read"),
        ("/rollcall", "leave 3", "/leave 3"),  # /leave itself is a Slack built-in
        ("/rollcall", "打卡 晨跑", "打卡 晨跑"),
        ("/rollcall", "/me", "/me"),
        ("/rollcall", "", "/help"),
        ("/rc", "dance", "/dance"),
    ],
)
def test_slash_commands_become_the_chat_text_the_command_parser_reads(command, text, expected):
    assert slash_text(command, text) == expected


def test_interactive_payloads_are_acknowledged_with_no_events(adapter):
    body = urlencode({"payload": json.dumps({"type": "block_actions"})}).encode()
    parsed = adapter.parse(signed(body, form=True))
    assert not parsed.events and parsed.handshake is None


def test_slacks_certificate_check_is_acknowledged(adapter):
    parsed = adapter.parse(signed(b"ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO", form=True))
    assert parsed.handshake is not None and parsed.handshake.status == 200


def test_a_form_without_a_command_is_a_bad_payload(adapter):
    with pytest.raises(BadPayload):
        adapter.parse(signed(b"foo=bar", form=True))


# -- parse: Events API


def test_url_verification_is_answered_with_its_challenge(adapter):
    body = json.dumps(
        {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    parsed = adapter.parse(signed(body))
    assert parsed.handshake is not None and parsed.handshake.status == 200
    assert parsed.handshake.body == {
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    }


def test_an_app_mention_loses_the_leading_bot_mention_and_keeps_the_event_id(adapter):
    [event] = adapter.parse(signed(envelope(APP_MENTION))).events
    assert event.kind == "message" and event.chat_id == CHANNEL
    assert event.text == "/checkin is it everything a river should be?"
    assert event.sender.user_id == "U061F7AUR"
    assert event.event_id == "Ev0LAN670R"


def test_plain_channel_messages_carry_chinese_commands_and_count_as_activity(adapter):
    message = {"type": "message", "channel": CHANNEL, "user": "U1", "text": "打卡", "ts": "1.0"}
    [event] = adapter.parse(signed(envelope(message))).events
    assert event.text == "打卡"


def test_a_message_mentioning_our_bot_is_activity_only_since_app_mention_answers_it(adapter):
    """Slack delivers such a message twice (message and app_mention): one reply, not two."""
    message = {**APP_MENTION, "type": "message", "text": f"打卡 <@{BOT_USER}>"}
    [event] = adapter.parse(signed(envelope(message))).events
    assert event.text == ""


def test_a_threaded_message_is_answered_in_its_thread(adapter):
    message = {**APP_MENTION, "thread_ts": "1515449000.000001"}
    [event] = adapter.parse(signed(envelope(message))).events
    assert event.reply_context == {"thread_ts": "1515449000.000001"}


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(
            {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "/checkin"},
            id="bot-message",
        ),
        pytest.param({"type": "message", "bot_id": "B1", "user": "U9", "text": "/help"}, id="ours"),
        pytest.param({"type": "message", "user": "USLACKBOT", "text": "hi"}, id="slackbot"),
        pytest.param(
            {"type": "message", "subtype": "message_changed", "user": "U1", "text": "/checkin"},
            id="edit",
        ),
        pytest.param(
            {"type": "message", "subtype": "channel_join", "user": "U1", "text": "joined"},
            id="join-notice",
        ),
        pytest.param({**APP_MENTION, "bot_id": "B2"}, id="mention-by-a-bot"),
        pytest.param({"type": "reaction_added", "user": "U1", "reaction": "+1"}, id="reaction"),
    ],
)
def test_bot_posts_edits_and_other_events_produce_nothing(adapter, event):
    event = {"channel": CHANNEL, "ts": "1.0", **event}
    parsed = adapter.parse(signed(envelope(event)))
    assert not parsed.events and parsed.handshake is None


def test_members_joining_and_leaving_channels(adapter):
    joined = {
        "type": "member_joined_channel",
        "user": "W06GH7XHN",
        "channel": "C0698JE0H",
        "channel_type": "C",
        "team": "T024BE7LD",
        "inviter": "U123456789",
    }
    left = {k: v for k, v in joined.items() if k != "inviter"} | {"type": "member_left_channel"}
    [event] = adapter.parse(signed(envelope(joined))).events
    assert (event.kind, event.sender.user_id, event.chat_id) == (
        "member_joined",
        "W06GH7XHN",
        "C0698JE0H",
    )
    [event] = adapter.parse(signed(envelope(left))).events
    assert event.kind == "member_left"
    ours = adapter.parse(signed(envelope({**joined, "user": BOT_USER})))
    assert not ours.events  # our bot being invited is not a member joining


# -- render


def test_text_is_escaped_and_mentions_use_user_ids(adapter):
    [part] = adapter.render(
        Message("Tom & Jerry <3 <!channel>", (Mention("U1", "Ann"), Mention("U2", "Bo")), "> go")
    )
    assert part == "Tom &amp; Jerry &lt;3 &lt;!channel&gt; <@U1> <@U2>\n&gt; go"


def test_a_300_mention_reminder_splits_within_3000_without_breaking_a_mention(adapter):
    mentions = tuple(Mention(f"U{n:010d}", f"m{n}") for n in range(300))
    parts = adapter.render(Message("Still to check in today:", mentions, "3 hours left"))
    assert len(parts) > 1
    assert all(len(p) <= MESSAGE_LIMIT for p in parts)
    joined = " ".join(parts)
    for n in range(300):
        assert joined.count(f"<@U{n:010d}>") == 1
    assert all(p.count("<@") == p.count(">") for p in parts)


# -- deliver


@responses.activate
def test_deliver_posts_to_chat_post_message_with_the_bot_token(adapter):
    responses.post(POST_URL, json={"ok": True, "channel": CHANNEL, "ts": "1503435956.000247"})
    assert adapter.deliver(ChatAddress("slack", CHANNEL), "hello") == "1503435956.000247"
    call = responses.calls[0]
    assert call.request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert sent_json(call) == {"channel": CHANNEL, "text": "hello"}


@responses.activate
def test_ok_false_is_a_failure_and_not_retried(adapter):
    responses.post(POST_URL, json={"ok": False, "error": "channel_not_found"})
    with pytest.raises(DeliveryError, match="channel_not_found") as raised:
        adapter.deliver(ChatAddress("slack", "C404"), "hello")
    assert BOT_TOKEN not in str(raised.value)
    assert len(responses.calls) == 1


@responses.activate
def test_ratelimited_in_the_body_is_retried_after_retry_after(adapter, clock):
    responses.post(
        POST_URL, json={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "2"}
    )
    responses.post(POST_URL, json={"ok": True, "ts": "1.1"})
    assert adapter.deliver(ChatAddress("slack", CHANNEL), "hi") == "1.1"
    assert clock.sleeps == [2.0]


@responses.activate
def test_429_honours_retry_after(adapter, clock):
    responses.post(POST_URL, status=429, headers={"Retry-After": "5"}, body="")
    responses.post(POST_URL, json={"ok": True, "ts": "1.2"})
    assert adapter.deliver(ChatAddress("slack", CHANNEL), "hi") == "1.2"
    assert clock.sleeps == [5.0]


def test_without_a_bot_token_delivery_fails_cleanly(clock):
    with pytest.raises(DeliveryError, match="ROLLCALL_SLACK_BOT_TOKEN"):
        make_adapter(clock, token="").deliver(ChatAddress("slack", CHANNEL), "hi")


# -- direct messages

OPEN_URL = f"{API}/conversations.open"
KICK_URL = f"{API}/conversations.kick"
MEMBER = "U061F7AUR"
DM = "D069C7QFK"


def sent_form(call) -> dict[str, list[str]]:
    return parse_qs(call.request.body)


slack_log = log_fixture("slack")


def test_direct_messages_are_on_with_a_bot_token(clock):
    assert make_adapter(clock).direct_messages is True
    assert make_adapter(clock, token="").direct_messages is False


@responses.activate
def test_a_direct_message_opens_the_dm_once_then_posts_into_it(adapter):
    responses.post(OPEN_URL, json={"ok": True, "channel": {"id": DM}})
    responses.post(POST_URL, json={"ok": True, "channel": DM, "ts": "1503435956.000247"})
    chat = ChatAddress("slack", CHANNEL)
    [part] = adapter.render(Message("You have 2 homework <reviews> waiting"))
    assert adapter.deliver_direct(chat, MEMBER, part) == "1503435956.000247"
    assert adapter.deliver_direct(chat, MEMBER, part) == "1503435956.000247"
    assert [c.request.url for c in responses.calls] == [OPEN_URL, POST_URL, POST_URL]
    open_call = responses.calls[0]
    assert open_call.request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert sent_form(open_call) == {"users": [MEMBER]}
    assert sent_json(responses.calls[1]) == {
        "channel": DM,
        "text": "You have 2 homework &lt;reviews&gt; waiting",
    }


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"ok": False, "error": "user_not_found"}, "user_not_found"),
        ({"ok": False, "error": "cannot_dm_bot"}, "cannot_dm_bot"),
        ({"ok": False, "error": "user_disabled"}, "user_disabled"),
        (
            {
                "ok": False,
                "error": "missing_scope",
                "needed": "im:write",
                "provided": "commands,chat:write",
            },
            "missing_scope (needs im:write)",
        ),
    ],
)
@responses.activate
def test_a_refused_direct_message_fails_at_once_and_posts_nothing(adapter, answer, reason):
    responses.post(OPEN_URL, json=answer)
    with pytest.raises(DirectRefused) as raised:
        adapter.deliver_direct(ChatAddress("slack", CHANNEL), MEMBER, "hi")
    assert str(raised.value) == f"Slack refused a direct message to user {MEMBER}: {reason}"
    assert BOT_TOKEN not in str(raised.value)
    assert len(responses.calls) == 1  # neither retried nor posted


@responses.activate
def test_opening_a_dm_while_rate_limited_waits_for_retry_after(adapter, clock):
    responses.post(OPEN_URL, status=429, headers={"Retry-After": "3"}, body="")
    responses.post(OPEN_URL, json={"ok": True, "channel": {"id": DM}})
    responses.post(POST_URL, json={"ok": True, "ts": "1.3"})
    assert adapter.deliver_direct(ChatAddress("slack", CHANNEL), MEMBER, "hi") == "1.3"
    assert clock.sleeps == [3.0]
    assert len(responses.calls) == 3


@responses.activate
def test_a_failed_post_into_the_dm_opens_it_afresh_next_time(adapter):
    responses.post(OPEN_URL, json={"ok": True, "channel": {"id": DM}})
    responses.post(POST_URL, json={"ok": False, "error": "channel_not_found"})
    responses.post(POST_URL, json={"ok": True, "ts": "1.4"})
    chat = ChatAddress("slack", CHANNEL)
    with pytest.raises(DeliveryError, match="channel_not_found"):
        adapter.deliver_direct(chat, MEMBER, "hi")
    assert adapter.deliver_direct(chat, MEMBER, "hi") == "1.4"
    assert [c.request.url for c in responses.calls] == [OPEN_URL, POST_URL, OPEN_URL, POST_URL]


def test_without_a_bot_token_a_direct_message_fails_cleanly(clock):
    with pytest.raises(DeliveryError, match="ROLLCALL_SLACK_BOT_TOKEN"):
        make_adapter(clock, token="").deliver_direct(ChatAddress("slack", CHANNEL), MEMBER, "hi")


# -- member removal


@responses.activate
def test_removal_kicks_the_member_from_the_channel(adapter):
    responses.post(KICK_URL, json={"ok": True})
    assert adapter.remove_member(ChatAddress("slack", CHANNEL), MEMBER) is True
    [call] = responses.calls
    assert call.request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert sent_form(call) == {"channel": [CHANNEL], "user": [MEMBER]}


@responses.activate
def test_a_member_no_longer_in_the_channel_counts_as_removed(adapter):
    responses.post(KICK_URL, json={"ok": False, "error": "not_in_channel"})
    assert adapter.remove_member(ChatAddress("slack", CHANNEL), MEMBER) is True


@pytest.mark.parametrize(
    "answer",
    [
        {"ok": False, "error": "restricted_action"},
        {"ok": False, "error": "cant_kick_self"},
        {"ok": False, "error": "cant_kick_from_general"},
        {
            "ok": False,
            "error": "missing_scope",
            "needed": "channels:manage",
            "provided": "chat:write",
        },
        {"ok": False, "error": "channel_not_found"},
    ],
    ids=lambda answer: answer["error"],
)
@responses.activate
def test_a_refused_removal_is_false_logged_and_not_retried(adapter, slack_log, answer):
    responses.post(KICK_URL, json=answer)
    assert adapter.remove_member(ChatAddress("slack", CHANNEL), MEMBER) is False
    assert len(responses.calls) == 1
    [record] = slack_log.records
    assert record.getMessage() == "member not removed"
    assert record.__dict__["error"].startswith(answer["error"])
    assert BOT_TOKEN not in str(record.__dict__)


@responses.activate
def test_a_removal_slack_cannot_be_reached_for_is_false_not_an_exception(adapter, clock):
    responses.post(KICK_URL, status=503, body="upstream connect error")
    assert adapter.remove_member(ChatAddress("slack", CHANNEL), MEMBER) is False
    assert len(responses.calls) == 4
    assert len(clock.sleeps) == 3


@responses.activate
def test_a_rate_limited_kick_waits_then_goes(adapter, clock):
    responses.post(
        KICK_URL, json={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "4"}
    )
    responses.post(KICK_URL, json={"ok": True})
    assert adapter.remove_member(ChatAddress("slack", CHANNEL), MEMBER) is True
    assert clock.sleeps == [4.0]


def test_without_a_bot_token_removal_is_false(clock):
    assert (
        make_adapter(clock, token="").remove_member(ChatAddress("slack", CHANNEL), MEMBER) is False
    )


# -- respond


@responses.activate
def test_a_slash_command_is_answered_in_channel_inline(adapter):
    [event] = adapter.parse(signed(slash_form("/help"), form=True)).events
    response = adapter.respond(event, [Message("<b>hi</b>"), Message("more")])
    assert response.body == {"response_type": "in_channel", "text": "&lt;b&gt;hi&lt;/b&gt;\n\nmore"}
    assert len(responses.calls) == 0


@responses.activate
def test_a_long_slash_answer_posts_leading_parts_first_and_the_last_inline(adapter):
    responses.post(POST_URL, json={"ok": True, "ts": "1.0"})
    [event] = adapter.parse(signed(slash_form("/help"), form=True)).events
    response = adapter.respond(event, [Message("a" * 2900), Message("b" * 2900)])
    assert [sent_json(c)["text"] for c in responses.calls] == ["a" * 2900]
    assert response.body["text"] == "b" * 2900


def test_without_a_bot_token_a_long_slash_answer_stays_whole_inline(clock):
    no_token = make_adapter(clock, token="")
    [event] = no_token.parse(signed(slash_form("/help"), form=True)).events
    response = no_token.respond(event, [Message("a" * 2900), Message("b" * 2900)])
    assert response.body["text"] == "a" * 2900 + "\n\n" + "b" * 2900


@responses.activate
def test_event_replies_are_posted_then_acknowledged_with_an_empty_200(adapter):
    responses.post(POST_URL, json={"ok": True, "ts": "1.0"})
    [event] = adapter.parse(signed(envelope({**APP_MENTION, "thread_ts": "9.9"}))).events
    response = adapter.respond(event, [Message("done")])
    assert response.status == 200 and response.body is None
    assert sent_json(responses.calls[0]) == {"channel": CHANNEL, "text": "done", "thread_ts": "9.9"}


@responses.activate
def test_a_failed_reply_post_still_acknowledges_the_event(adapter):
    """A non-2xx would make Slack retry the event, which dedupe then drops anyway."""
    responses.post(POST_URL, json={"ok": False, "error": "not_in_channel"})
    [event] = adapter.parse(signed(envelope(APP_MENTION))).events
    assert adapter.respond(event, [Message("done")]).status == 200


# -- reply_later (a deferred command's result, posted by the queue worker)

RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1234/5678"


def slash_event(adapter: SlackAdapter, response_url: str = RESPONSE_URL) -> Any:
    body = slash_form("/rollcall", "remind", response_url=response_url)
    [event] = adapter.parse(signed(body, form=True)).events
    return event


def later(adapter: SlackAdapter, event: Any, message: Message, *, after: timedelta) -> list[str]:
    return adapter.reply_later(event, message, community_chat=None, asked_at=NOW, now=NOW + after)


@responses.activate
def test_without_a_bot_token_a_slash_commands_result_goes_through_its_response_url(clock):
    no_token = make_adapter(clock, token="")
    hook = responses.post(RESPONSE_URL, body="ok")
    event = slash_event(no_token)
    [message_id] = later(no_token, event, Message("📣 <done> & out"), after=timedelta(minutes=2))
    assert message_id.startswith("slack-response-")
    assert sent_json(hook.calls[0]) == {
        "response_type": "in_channel",
        "text": "📣 &lt;done&gt; &amp; out",
    }
    assert "Authorization" not in hook.calls[0].request.headers  # the URL is the credential


@responses.activate
def test_the_response_url_is_preferred_even_with_a_bot_token(adapter):
    hook = responses.post(RESPONSE_URL, json={"ok": True})
    later(adapter, slash_event(adapter), Message("done"), after=timedelta(seconds=5))
    assert hook.call_count == 1 and len(responses.calls) == 1


@responses.activate
def test_five_parts_go_through_the_response_url_and_the_rest_through_chat_post_message(adapter):
    hook = responses.post(RESPONSE_URL, body="ok")
    posted = responses.post(POST_URL, json={"ok": True, "ts": "1.0"})
    mentions = tuple(Mention(f"U{i:08d}", "") for i in range(1400))
    parts = adapter.render(Message("Reminded:", mentions))
    assert len(parts) == 7
    ids = later(adapter, slash_event(adapter), Message("Reminded:", mentions), after=timedelta(0))
    assert len(ids) == 7 and ids[-1] == "1.0"
    assert [sent_json(c)["text"] for c in hook.calls] == parts[:5]
    assert [sent_json(c)["text"] for c in posted.calls] == parts[5:]
    # The URL is used up: the next answer to the same command goes to the channel at once.
    later(adapter, slash_event(adapter), Message("more"), after=timedelta(minutes=1))
    assert hook.call_count == 5 and posted.call_count == 3


@responses.activate
def test_without_a_bot_token_parts_beyond_the_uses_left_share_one_message(clock):
    no_token = make_adapter(clock, token="")
    hook = responses.post(RESPONSE_URL, body="ok")
    mentions = tuple(Mention(f"U{i:08d}", "") for i in range(1400))
    parts = no_token.render(Message("Reminded:", mentions))
    ids = later(no_token, slash_event(no_token), Message("Reminded:", mentions), after=timedelta(0))
    [only] = [sent_json(c)["text"] for c in hook.calls]
    assert len(ids) == 1 and only == "\n\n".join(parts) and len(only) <= slack.TEXT_LIMIT


@responses.activate
def test_an_expired_response_url_is_not_tried_and_the_channel_gets_the_answer(adapter):
    hook = responses.post(RESPONSE_URL, body="ok")
    posted = responses.post(POST_URL, json={"ok": True, "ts": "1.5"})
    event = slash_event(adapter)
    assert later(adapter, event, Message("done"), after=timedelta(minutes=29)) == ["1.5"]
    assert hook.call_count == 0
    assert sent_json(posted.calls[0]) == {"channel": CHANNEL, "text": "done"}


def test_without_a_bot_token_an_expired_response_url_is_a_delivery_error(clock):
    no_token = make_adapter(clock, token="")
    with pytest.raises(DeliveryError, match="ROLLCALL_SLACK_BOT_TOKEN"):
        later(no_token, slash_event(no_token), Message("done"), after=timedelta(minutes=31))


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"status": 404, "body": "expired_url"}, id="404-text"),
        pytest.param({"status": 200, "json": {"ok": False, "error": "used_url"}}, id="ok-false"),
    ],
)
@responses.activate
def test_a_refused_response_url_falls_back_to_the_channel_and_is_not_tried_again(
    adapter, slack_log, answer
):
    hook = responses.post(RESPONSE_URL, **answer)
    posted = responses.post(POST_URL, json={"ok": True, "ts": "1.0"})
    event = slash_event(adapter)
    later(adapter, event, Message("one"), after=timedelta(minutes=1))
    later(adapter, event, Message("two"), after=timedelta(minutes=1))
    assert hook.call_count == 1
    assert [sent_json(c)["text"] for c in posted.calls] == ["one", "two"]
    assert any("response_url refused" in r.getMessage() for r in slack_log.records)


@responses.activate
def test_a_response_url_slack_cannot_be_reached_for_fails_without_a_second_path(adapter, clock):
    """A 5xx may hide a message Slack took: posting to the channel too could show it twice,
    so the worker's retry tries the URL again instead."""
    hook = responses.post(RESPONSE_URL, status=503, body="")
    posted = responses.post(POST_URL, json={"ok": True, "ts": "1.0"})
    with pytest.raises(DeliveryError, match="503"):
        later(adapter, slash_event(adapter), Message("done"), after=timedelta(0))
    assert hook.call_count == 4 and posted.call_count == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.test/commands/T0001/1234/5678",
        "http://hooks.slack.com/commands/T0001/1234/5678",
        "https://user@hooks.slack.com/commands/T0001/1234/5678",
        "https://hooks.slack.com.evil.test/commands/T0001/1234/5678",
    ],
)
@responses.activate
def test_a_response_url_off_slacks_host_is_never_posted_to(clock, url):
    no_token = make_adapter(clock, token="")
    with pytest.raises(DeliveryError, match="ROLLCALL_SLACK_BOT_TOKEN"):
        later(no_token, slash_event(no_token, url), Message("done"), after=timedelta(0))
    assert len(responses.calls) == 0


@responses.activate
def test_a_response_url_on_the_configured_api_host_is_trusted_so_tests_can_sink_it(clock):
    sink = SlackAdapter(SECRET, "", api_base="http://localhost:9001/api")
    url = "http://localhost:9001/commands/T0001/1234/5678"
    hook = responses.post(url, body="ok")
    later(sink, slash_event(sink, url), Message("done"), after=timedelta(0))
    assert hook.call_count == 1


@responses.activate
def test_an_event_is_answered_later_in_its_thread_with_chat_post_message(adapter):
    posted = responses.post(POST_URL, json={"ok": True, "ts": "1.7"})
    [event] = adapter.parse(signed(envelope({**APP_MENTION, "thread_ts": "9.9"}))).events
    assert later(adapter, event, Message("done"), after=timedelta(hours=2)) == ["1.7"]
    assert sent_json(posted.calls[0]) == {"channel": CHANNEL, "text": "done", "thread_ts": "9.9"}
    assert posted.calls[0].request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"


# -- through inbound.handle_webhook


def memory_runtime(adapter: SlackAdapter) -> Runtime:
    rt = Runtime(settings=Settings(), store=Store(MemoryTable()), clock=FixedClock(NOW))
    rt.adapters["slack"] = adapter
    return rt


@responses.activate
def test_slacks_retry_of_an_event_is_answered_once(adapter):
    responses.post(POST_URL, json={"ok": True, "ts": "1.0"})
    rt = memory_runtime(adapter)
    rt.store.create_community(community(platform="slack", chat_id=CHANNEL))
    help_mention = {**APP_MENTION, "text": f"<@{BOT_USER}> /help"}
    first = handle_webhook(rt, "slack", signed(envelope(help_mention)), NOW)
    retry = signed(
        envelope(help_mention), **{"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    )
    second = handle_webhook(rt, "slack", retry, NOW)
    assert first.status == second.status == 200
    assert len(responses.calls) == 1
    assert "/checkin" in sent_json(responses.calls[0])["text"]


@responses.activate
def test_a_slack_member_keeps_the_name_an_operator_imported(adapter):
    """Slack sends only user ids: activity must not rename "Alice" to "U061F7AUR"."""
    responses.post(POST_URL, json={"ok": True, "ts": "1.0"})
    rt = memory_runtime(adapter)
    rt.store.create_community(community(platform="slack", chat_id=CHANNEL))
    rt.store.bulk_save_members([member("U061F7AUR", name="Alice")])
    handle_webhook(rt, "slack", signed(envelope(APP_MENTION)), NOW)
    stored = rt.store.get_member("c1", "U061F7AUR")
    assert stored is not None and stored.name == "Alice" and stored.last_active == NOW.date()


def test_a_stale_signed_event_is_401_and_stores_nothing(adapter):
    rt = memory_runtime(adapter)
    rt.store.create_community(community(platform="slack", chat_id=CHANNEL))
    old = signed(envelope(APP_MENTION), NOW - timedelta(minutes=6))
    assert handle_webhook(rt, "slack", old, NOW).status == 401
    assert rt.store.get_member("c1", "U061F7AUR") is None


# -- build


def test_slack_is_off_without_a_signing_secret_and_on_without_a_bot_token():
    assert slack.build(Settings(secrets={"ROLLCALL_SLACK_BOT_TOKEN": BOT_TOKEN}), None) is None
    built = slack.build(Settings(secrets={"ROLLCALL_SLACK_SIGNING_SECRET": SECRET}), None)
    assert isinstance(built, SlackAdapter)
    assert SECRET not in repr(built)


# -- through the real Chalice route


@pytest.fixture
def slack_route(dynamo_table):
    store = Store(dynamo_table)
    store.create_community(community(platform="slack", chat_id=CHANNEL))
    settings = Settings(
        secrets={"ROLLCALL_SLACK_SIGNING_SECRET": SECRET, "ROLLCALL_SLACK_BOT_TOKEN": BOT_TOKEN},
        api_bases={"slack": "https://slack.invalid/api"},
    )
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    try:
        with Client(app.app) as client:
            yield client, store
    finally:
        set_runtime(None)


def route_headers(body: bytes, content_type: str) -> dict[str, str]:
    stamp = str(int(NOW.timestamp()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(SECRET, stamp, body),
    }


def test_a_slash_command_through_the_chalice_route_is_answered_in_channel(slack_route):
    client, store = slack_route
    body = slash_form("/rollcall", "help")
    with responses.RequestsMock() as outbound:
        response = client.http.post(
            "/webhooks/slack",
            headers=route_headers(body, "application/x-www-form-urlencoded"),
            body=body,
        )
        assert len(outbound.calls) == 0
    assert response.status_code == 200
    answer = json.loads(response.body)
    assert answer["response_type"] == "in_channel" and "/checkin" in answer["text"]
    stored = store.get_member("c1", "U2147483697")
    assert stored is not None and stored.last_active == NOW.date()
    assert stored.name == "U2147483697"  # a new member is shown by user id until named


def test_an_app_mention_through_the_chalice_route_is_answered_by_chat_post_message(slack_route):
    client, store = slack_route
    body = envelope({**APP_MENTION, "text": f"<@{BOT_USER}> /help"})
    with responses.RequestsMock() as outbound:
        outbound.post("https://slack.invalid/api/chat.postMessage", json={"ok": True, "ts": "1"})
        response = client.http.post(
            "/webhooks/slack", headers=route_headers(body, "application/json"), body=body
        )
        posted = json.loads(outbound.calls[0].request.body)
    assert response.status_code == 200 and response.body in (b"", "")
    assert posted["channel"] == CHANNEL and "/checkin" in posted["text"]
    assert store.get_member("c1", "U061F7AUR") is not None
    forged = client.http.post(
        "/webhooks/slack",
        headers={**route_headers(body, "application/json"), "X-Slack-Signature": "v0=00"},
        body=body,
    )
    assert forged.status_code == 401
