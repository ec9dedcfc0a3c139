"""Telegram: secret-token webhooks, Update parsing, HTML rendering, Bot API delivery."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from chalice.test import Client

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.commands import parse_command
from chalicelib.inbound import handle_webhook
from chalicelib.platforms import telegram
from chalicelib.platforms.base import (
    BadPayload,
    ChatAddress,
    DeliveryError,
    DirectRefused,
    HttpRequest,
    Mention,
    Message,
    Sender,
    Unauthorized,
)
from chalicelib.platforms.telegram import MESSAGE_LIMIT, TelegramAdapter
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community
from tests.platforms.support import log_fixture, timed_sender

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
SECRET = "rollcall-webhook-secret_1"
API = "https://api.telegram.org"
SEND_URL = f"{API}/bot{TOKEN}/sendMessage"
GROUP = -1001234567890


@pytest.fixture
def adapter(clock) -> TelegramAdapter:
    sender = timed_sender(clock, min_interval=telegram.PER_CHAT_INTERVAL)
    return TelegramAdapter(TOKEN, SECRET, api_base=API, sender=sender)


def too_many_requests(seconds: int) -> dict[str, Any]:
    """The Bot API's 429 body: the wait is in ``parameters``, not a header."""
    return {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {seconds}",
        "parameters": {"retry_after": seconds},
    }


# Shapes from the Bot API docs' Update / Message objects, in a supergroup.
def update(message: dict[str, Any] | None = None, update_id: int = 10000, **other: Any) -> dict:
    body: dict[str, Any] = {"update_id": update_id, **other}
    if message is not None:
        body["message"] = {
            "message_id": 1365,
            "date": 1441645532,
            "chat": {"id": GROUP, "title": "Study Group", "type": "supergroup"},
            **message,
        }
    return body


USER = {
    "id": 1111111,
    "is_bot": False,
    "first_name": "Test Firstname",
    "last_name": "Test Lastname",
    "username": "Testusername",
    "language_code": "en",
}


def request(body: dict | bytes, secret: str | None = SECRET) -> HttpRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers[telegram.SECRET_HEADER] = secret
    return HttpRequest("POST", headers, {}, raw)


def sent_json(call) -> dict:
    return json.loads(call.request.body)


# -- verify


def test_verify_accepts_the_secret_token_set_with_set_webhook(adapter):
    adapter.verify(request(update()), NOW)


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("rollcall-webhook-secret_2", id="forged"),
        pytest.param(SECRET + "x", id="longer"),
        pytest.param("sécret", id="non-ascii"),
    ],
)
def test_verify_rejects_anything_but_the_exact_secret(adapter, secret):
    with pytest.raises(Unauthorized):
        adapter.verify(request(update(), secret=secret), NOW)


# -- parse


def test_a_group_message_becomes_a_message_event_keyed_by_update_id(adapter):
    parsed = adapter.parse(
        request(update({"from": USER, "text": "/checkin@rollcall_bot 20 pages"}))
    )
    [event] = parsed.events
    assert event.kind == "message" and event.platform == "telegram"
    assert event.chat_id == str(GROUP)
    assert event.sender.user_id == "1111111"
    assert event.sender.name == "Test Firstname Test Lastname"
    assert event.sender.username == "Testusername"
    assert event.event_id == "10000"
    assert event.reply_context == {"message_id": 1365}
    command = parse_command(event.text)
    assert command is not None and command.name == "checkin" and command.args == "20 pages"


def test_a_photo_captioned_as_a_check_in_counts_as_its_text(adapter):
    message = {"from": USER, "photo": [{"file_id": "x", "width": 90, "height": 90}]}
    parsed = adapter.parse(request(update({**message, "caption": "打卡 晨跑"})))
    assert parsed.events[0].text == "打卡 晨跑"


def test_new_members_each_join_with_their_own_event_id_and_bots_are_skipped(adapter):
    joined = [
        {"id": 2, "is_bot": False, "first_name": "小明"},
        {"id": 3, "is_bot": True, "first_name": "SomeBot", "username": "some_bot"},
        {"id": 4, "is_bot": False, "first_name": "Ann", "username": "ann"},
    ]
    parsed = adapter.parse(request(update({"from": USER, "new_chat_members": joined})))
    assert [(e.kind, e.sender.user_id, e.sender.name) for e in parsed.events] == [
        ("member_joined", "2", "小明"),
        ("member_joined", "4", "Ann"),
    ]
    assert [e.event_id for e in parsed.events] == ["10000#0", "10000#1"]
    again = adapter.parse(request(update({"from": USER, "new_chat_members": joined})))
    assert [e.event_id for e in again.events] == ["10000#0", "10000#1"]  # a redelivery dedupes


def test_a_welcome_is_not_threaded_under_the_join_notice_but_stays_in_its_topic(adapter):
    joined = [{"id": 2, "is_bot": False, "first_name": "小明"}]
    body = update(
        {
            "from": USER,
            "new_chat_members": joined,
            "is_topic_message": True,
            "message_thread_id": 77,
        }
    )
    [event] = adapter.parse(request(body)).events
    assert event.reply_context == {"message_thread_id": 77}
    answer = adapter.respond(event, [Message("欢迎")]).body
    assert answer["message_thread_id"] == 77 and "reply_parameters" not in answer


def test_a_member_leaving_becomes_member_left(adapter):
    left = {"id": 2, "is_bot": False, "first_name": "小明"}
    parsed = adapter.parse(request(update({"from": left, "left_chat_member": left})))
    assert [(e.kind, e.sender.user_id) for e in parsed.events] == [("member_left", "2")]


# Bot API Message objects for replies: the member replied to, a bot, and a forum topic's
# opening service message (what every non-reply in a topic carries as reply_to_message).
ANN = {"id": 2222222, "is_bot": False, "first_name": "Ann", "username": "ann_reads"}
REPLIED = {
    "message_id": 1300,
    "from": ANN,
    "chat": {"id": GROUP, "title": "Study Group", "type": "supergroup"},
    "date": 1441645000,
    "text": "打卡 读了 20 页",
}
TOPIC_OPENING = {
    "message_id": 77,
    "from": ANN,
    "chat": {"id": GROUP, "title": "Study Group", "type": "supergroup", "is_forum": True},
    "date": 1441600000,
    "message_thread_id": 77,
    "forum_topic_created": {"name": "Week 47", "icon_color": 7322096},
    "is_topic_message": True,
}


def test_a_reply_carries_the_author_of_the_message_it_answers(adapter):
    body = update({"from": USER, "text": "/review 很好 5", "reply_to_message": REPLIED})
    [event] = adapter.parse(request(body)).events
    assert event.reply_to == Sender(user_id="2222222", name="Ann", username="ann_reads")
    assert event.sender.user_id == "1111111"


def test_a_message_that_replies_to_nothing_has_no_reply_to(adapter):
    [event] = adapter.parse(request(update({"from": USER, "text": "/review"}))).events
    assert event.reply_to is None


@pytest.mark.parametrize(
    "replied",
    [
        pytest.param(
            {
                **REPLIED,
                "from": {"id": 5, "is_bot": True, "first_name": "Quiz", "username": "q_bot"},
            },
            id="a bot",
        ),
        pytest.param(
            {
                **REPLIED,
                "from": {
                    "id": 1087968824,
                    "is_bot": True,
                    "first_name": "Group",
                    "username": "GroupAnonymousBot",
                },
                "sender_chat": {"id": GROUP, "title": "Study Group", "type": "supergroup"},
            },
            id="an anonymous admin",
        ),
        pytest.param({k: v for k, v in REPLIED.items() if k != "from"}, id="no author"),
    ],
)
def test_a_reply_to_no_member_has_no_reply_to(adapter, replied):
    body = update({"from": USER, "text": "/review 5", "reply_to_message": replied})
    [event] = adapter.parse(request(body)).events
    assert event.reply_to is None


def test_a_message_in_a_forum_topic_does_not_reply_to_whoever_opened_the_topic(adapter):
    """Telegram sets reply_to_message to the topic's creation message on every message in a
    topic: taking it as a reply would review the member who opened the topic."""
    body = update(
        {
            "from": USER,
            "text": "/review 5",
            "message_thread_id": 77,
            "is_topic_message": True,
            "reply_to_message": TOPIC_OPENING,
        }
    )
    [event] = adapter.parse(request(body)).events
    assert event.reply_to is None
    assert event.reply_context == {"message_id": 1365, "message_thread_id": 77}


def test_an_explicit_reply_inside_a_forum_topic_carries_its_author(adapter):
    replied = {**REPLIED, "message_thread_id": 77, "is_topic_message": True}
    body = update(
        {
            "from": USER,
            "text": "/review 很好 5",
            "message_thread_id": 77,
            "is_topic_message": True,
            "reply_to_message": replied,
        }
    )
    [event] = adapter.parse(request(body)).events
    assert event.reply_to is not None and event.reply_to.user_id == "2222222"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"update_id": 1, "edited_message": {"message_id": 1, "text": "/checkin"}}, id="edited"
        ),
        pytest.param({"update_id": 2, "channel_post": {"message_id": 1, "text": "hi"}}, id="post"),
        pytest.param(
            {"update_id": 3, "callback_query": {"id": "4382", "from": USER, "data": "x"}},
            id="callback",
        ),
        pytest.param({"update_id": 4, "my_chat_member": {"chat": {"id": GROUP}}}, id="bot-added"),
        pytest.param(
            update({"from": {**USER, "is_bot": True}, "text": "/checkin"}), id="from-a-bot"
        ),
        pytest.param(
            update({"from": USER, "sender_chat": {"id": -100999}, "text": "/checkin"}),
            id="on-behalf-of-a-chat",
        ),
    ],
)
def test_updates_we_do_not_handle_are_acknowledged_with_no_events(adapter, body):
    """A non-2xx answer makes Telegram redeliver for 24 hours: ignore, don't refuse."""
    parsed = adapter.parse(request(body))
    assert parsed.events == [] or parsed.events == ()
    assert parsed.handshake is None


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"{nope", "not JSON"),
        (b"[]", "JSON object"),
        (json.dumps({"message": {}}).encode(), "update_id"),
        (json.dumps({"update_id": 1, "message": {"text": "x"}}).encode(), "chat.id"),
    ],
)
def test_malformed_bodies_are_bad_payloads(adapter, raw, reason):
    with pytest.raises(BadPayload, match=reason):
        adapter.parse(request(raw))


# -- render


def test_text_and_names_are_html_escaped_and_mentions_use_username_or_a_user_link(adapter):
    message = Message(
        "Still to check in <today> & tonight:",
        (Mention("7", "A <b>&</b>"), Mention("8", "Bo", username="bo_99")),
        tail="Go & do it",
    )
    [part] = adapter.render(message)
    assert part == (
        "Still to check in &lt;today&gt; &amp; tonight: "
        '<a href="tg://user?id=7">A &lt;b&gt;&amp;&lt;/b&gt;</a> @bo_99\nGo &amp; do it'
    )


def test_a_300_mention_reminder_splits_within_4096_without_breaking_a_mention(adapter):
    mentions = tuple(
        Mention(str(100000000 + n), f"Member «{n:03d}» & co")
        if n % 3
        else Mention(str(100000000 + n), f"m{n}", username=f"member_{n:03d}")
        for n in range(300)
    )
    parts = adapter.render(Message("今晚还没打卡的同学：", mentions, "还有三小时！"))
    assert len(parts) > 1
    assert all(len(p) <= MESSAGE_LIMIT for p in parts)
    for part in parts:
        assert part.count("<a ") == part.count("</a>")  # every link opens and closes here
    text = "\n".join(parts)
    for n in range(300):
        token = telegram.mention(str(100000000 + n), mentions[n].name, mentions[n].username)
        assert text.count(token) == 1
    assert parts[0].startswith("今晚还没打卡的同学") and parts[-1].endswith("还有三小时！")


def test_an_overlong_line_is_never_cut_inside_an_html_entity(adapter):
    parts = adapter.render(Message("x" * 4094 + "&" * 3000))
    assert all(len(p) <= MESSAGE_LIMIT for p in parts)
    for part in parts:
        assert re.fullmatch(r"x*(&amp;)*", part), part[-10:]


# -- deliver


@responses.activate
def test_deliver_posts_html_to_send_message_and_returns_the_message_id(adapter):
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 42}})
    message_id = adapter.deliver(ChatAddress("telegram", str(GROUP)), "<b>hi</b>")
    assert message_id == "42"
    assert sent_json(responses.calls[0]) == {
        "chat_id": str(GROUP),
        "text": "<b>hi</b>",
        "parse_mode": "HTML",
    }


@responses.activate
def test_ok_false_is_a_failure_reported_without_the_token(adapter):
    responses.post(
        SEND_URL,
        status=400,
        json={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )
    with pytest.raises(DeliveryError) as raised:
        adapter.deliver(ChatAddress("telegram", "404"), "hi")
    assert "chat not found" in str(raised.value)
    assert TOKEN not in str(raised.value)
    assert len(responses.calls) == 1  # a refusal is not retried


@responses.activate
def test_ok_false_in_a_200_body_is_still_a_failure(adapter):
    responses.post(SEND_URL, json={"ok": False, "description": "odd"})
    with pytest.raises(DeliveryError):
        adapter.deliver(ChatAddress("telegram", "1"), "hi")


@responses.activate
def test_429_waits_for_the_retry_after_in_the_body(adapter, clock):
    responses.post(
        SEND_URL,
        status=429,
        json=too_many_requests(3),
    )
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 9}})
    assert adapter.deliver(ChatAddress("telegram", "1"), "hi") == "9"
    assert clock.sleeps == [3.0]


@responses.activate
def test_parts_to_one_chat_are_paced_a_second_apart(adapter, clock):
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 1}})
    chat = ChatAddress("telegram", str(GROUP))
    delivery = adapter.send(
        chat, Message("x", tuple(Mention(str(n), "N" * 60) for n in range(200)))
    )
    assert delivery.ok and len(delivery.sent) == len(responses.calls) > 1
    assert clock.sleeps == [1.0] * (len(responses.calls) - 1)


@responses.activate
def test_send_stops_at_the_first_failed_part_and_counts_the_rest(adapter):
    responses.post(SEND_URL, status=403, json={"ok": False, "description": "bot was kicked"})
    mentions = tuple(Mention(str(n), "N" * 60) for n in range(200))
    delivery = adapter.send(ChatAddress("telegram", "1"), Message("x", mentions))
    assert not delivery.ok
    assert delivery.failed == len(adapter.render(Message("x", mentions)))
    assert len(responses.calls) == 1


# -- direct messages

BAN_URL = f"{API}/bot{TOKEN}/banChatMember"
UNBAN_URL = f"{API}/bot{TOKEN}/unbanChatMember"


telegram_log = log_fixture("telegram")


def test_direct_messages_are_on_with_a_bot_token():
    assert TelegramAdapter(TOKEN, SECRET).direct_messages is True
    assert TelegramAdapter("", SECRET).direct_messages is False


@responses.activate
def test_a_direct_message_is_send_message_to_the_members_user_id(adapter):
    responses.post(
        SEND_URL,
        json={
            "ok": True,
            "result": {
                "message_id": 12,
                "from": {"id": 123456, "is_bot": True, "first_name": "rollcall"},
                "chat": {"id": 2222222, "first_name": "Ann", "type": "private"},
                "date": 1441645600,
                "text": "Ann, 3 天没打卡了",
            },
        },
    )
    [part] = adapter.render(Message("<Ann>, 3 天没打卡了"))
    chat = ChatAddress("telegram", str(GROUP))
    assert adapter.deliver_direct(chat, "2222222", part) == "12"
    assert len(responses.calls) == 1
    assert sent_json(responses.calls[0]) == {
        "chat_id": "2222222",
        "text": "&lt;Ann&gt;, 3 天没打卡了",
        "parse_mode": "HTML",
    }


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot can't initiate conversation with a user"),
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: user is deactivated"),
        (400, "Bad Request: chat not found"),
    ],
)
@responses.activate
def test_a_refused_direct_message_fails_at_once_with_telegrams_reason(adapter, status, description):
    responses.post(
        SEND_URL,
        status=status,
        json={"ok": False, "error_code": status, "description": description},
    )
    with pytest.raises(DirectRefused) as raised:
        adapter.deliver_direct(ChatAddress("telegram", str(GROUP)), "2222222", "hi")
    assert str(raised.value) == (
        f"Telegram refused a direct message to user 2222222: {description}"
    )
    assert TOKEN not in str(raised.value)
    assert len(responses.calls) == 1  # no retry: the member has to start the bot first


@responses.activate
def test_a_direct_message_telegram_cannot_parse_is_a_plain_delivery_error(adapter):
    responses.post(
        SEND_URL,
        status=400,
        json={
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: can't parse entities: Unexpected end tag at byte offset 3",
        },
    )
    with pytest.raises(DeliveryError, match="can't parse entities") as raised:
        adapter.deliver_direct(ChatAddress("telegram", str(GROUP)), "2222222", "a</b>")
    assert "refused" not in str(raised.value)
    assert len(responses.calls) == 1


@responses.activate
def test_a_throttled_direct_message_waits_for_retry_after_then_goes(adapter, clock):
    responses.post(
        SEND_URL,
        status=429,
        json=too_many_requests(7),
    )
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 13}})
    assert adapter.deliver_direct(ChatAddress("telegram", str(GROUP)), "2222222", "hi") == "13"
    assert clock.sleeps == [7.0]
    assert len(responses.calls) == 2


# -- member removal


@responses.activate
def test_removal_bans_then_lifts_the_ban_so_the_member_can_rejoin_by_invite(adapter):
    responses.post(BAN_URL, json={"ok": True, "result": True})
    responses.post(UNBAN_URL, json={"ok": True, "result": True})
    assert adapter.remove_member(ChatAddress("telegram", str(GROUP)), "2222222") is True
    assert [c.request.url for c in responses.calls] == [BAN_URL, UNBAN_URL]
    assert sent_json(responses.calls[0]) == {"chat_id": str(GROUP), "user_id": 2222222}
    assert sent_json(responses.calls[1]) == {
        "chat_id": str(GROUP),
        "user_id": 2222222,
        "only_if_banned": True,
    }


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (400, "Bad Request: not enough rights to restrict/unrestrict chat member"),
        (400, "Bad Request: user is an administrator of the chat"),
        (400, "Bad Request: can't remove chat owner"),
        (403, "Forbidden: bot is not a member of the supergroup chat"),
    ],
)
@responses.activate
def test_a_refused_removal_is_false_and_logged_without_the_token(
    adapter, telegram_log, status, description
):
    responses.post(
        BAN_URL, status=status, json={"ok": False, "error_code": status, "description": description}
    )
    assert adapter.remove_member(ChatAddress("telegram", str(GROUP)), "2222222") is False
    assert len(responses.calls) == 1  # no retry, and no unban of a ban that did not happen
    assert description in telegram_log.text()
    assert TOKEN not in telegram_log.text()


@responses.activate
def test_a_removal_telegram_cannot_be_reached_for_is_false_not_an_exception(adapter, clock):
    responses.post(BAN_URL, status=502, body="Bad Gateway")
    assert adapter.remove_member(ChatAddress("telegram", str(GROUP)), "2222222") is False
    assert len(responses.calls) == 4  # HttpSender's attempts, with backoff between them
    assert len(clock.sleeps) == 3


@responses.activate
def test_a_throttled_ban_waits_for_retry_after(adapter, clock):
    responses.post(
        BAN_URL,
        status=429,
        json=too_many_requests(2),
    )
    responses.post(BAN_URL, json={"ok": True, "result": True})
    responses.post(UNBAN_URL, json={"ok": True, "result": True})
    assert adapter.remove_member(ChatAddress("telegram", str(GROUP)), "2222222") is True
    assert clock.sleeps == [2.0]


@responses.activate
def test_a_member_banned_but_not_unbanned_is_removed_and_the_ban_is_logged(adapter, telegram_log):
    """In a basic group the ban is the removal and unbanChatMember is refused: the member
    is out all the same (True), and the log says they may need unbanning to come back."""
    responses.post(BAN_URL, json={"ok": True, "result": True})
    responses.post(
        UNBAN_URL,
        status=400,
        json={
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: method is available for supergroup and channel chats only",
        },
    )
    assert adapter.remove_member(ChatAddress("telegram", "-4001234567"), "2222222") is True
    [record] = telegram_log.records
    assert record.getMessage() == "removed member still banned"
    assert "supergroup and channel chats only" in record.__dict__["error"]


# -- respond


@responses.activate
def test_a_reply_is_answered_inline_in_the_webhook_response(adapter):
    [event] = adapter.parse(request(update({"from": USER, "text": "/help"}))).events
    response = adapter.respond(event, [Message("a < b"), Message("second")])
    assert response.status == 200
    assert response.body == {
        "method": "sendMessage",
        "chat_id": str(GROUP),
        "text": "a &lt; b\n\nsecond",  # short replies share one message
        "parse_mode": "HTML",
        "reply_parameters": {"message_id": 1365, "allow_sending_without_reply": True},
    }
    assert len(responses.calls) == 0


@responses.activate
def test_a_reply_too_long_for_one_message_sends_leading_parts_first_then_the_last_inline(adapter):
    """Telegram runs an inline answer after our response, so the last part goes inline and
    the ones before it through the API: the member reads them in order."""
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 1}})
    [event] = adapter.parse(request(update({"from": USER, "text": "/help"}))).events
    response = adapter.respond(event, [Message("a" * 4000), Message("b" * 4000)])
    assert [sent_json(c)["text"] for c in responses.calls] == ["a" * 4000]
    assert sent_json(responses.calls[0])["reply_parameters"]["message_id"] == 1365
    assert response.body["text"] == "b" * 4000
    assert "reply_parameters" not in response.body


def test_no_replies_is_an_empty_200(adapter):
    [event] = adapter.parse(request(update({"from": USER, "text": "hello"}))).events
    assert adapter.respond(event, []).body is None
    assert adapter.respond(None, []).status == 200


# -- reply_later (a deferred command's result, posted by the queue worker)


def topic_command(adapter: TelegramAdapter, text: str = "/remind") -> Any:
    """A command sent in forum topic 77 of a forum supergroup, as Telegram delivers it."""
    body = update(
        {
            "from": USER,
            "text": text,
            "message_thread_id": 77,
            "is_topic_message": True,
            "reply_to_message": TOPIC_OPENING,
        }
    )
    [event] = adapter.parse(request(body)).events
    return event


@responses.activate
def test_a_later_answer_replies_to_the_command_inside_its_forum_topic(adapter):
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 1400}})
    event = topic_command(adapter)
    ids = adapter.reply_later(event, Message("done"), community_chat=None, asked_at=NOW, now=NOW)
    assert ids == ["1400"]
    assert sent_json(responses.calls[0]) == {
        "chat_id": str(GROUP),
        "text": "done",
        "parse_mode": "HTML",
        "reply_parameters": {"message_id": 1365, "allow_sending_without_reply": True},
        "message_thread_id": 77,
    }


@responses.activate
def test_a_long_later_answer_replies_once_and_keeps_every_part_in_the_topic(adapter, clock):
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 1}})
    event = topic_command(adapter)
    mentions = tuple(Mention(str(i), f"Member {i}") for i in range(300))
    ids = adapter.reply_later(
        event, Message("Reminded:", mentions), community_chat=None, asked_at=NOW, now=NOW
    )
    sent = [sent_json(c) for c in responses.calls]
    assert len(ids) == len(sent) > 1
    assert all(part["message_thread_id"] == 77 for part in sent)
    assert "reply_parameters" in sent[0]
    assert not any("reply_parameters" in part for part in sent[1:])
    assert all(len(part["text"]) <= MESSAGE_LIMIT for part in sent)
    assert clock.sleeps  # paced a second apart, as any send to one chat


@responses.activate
def test_a_later_answer_outside_a_topic_only_replies(adapter):
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 9}})
    [event] = adapter.parse(request(update({"from": USER, "text": "/remind"}))).events
    adapter.reply_later(event, Message("done"), community_chat=None, asked_at=NOW, now=NOW)
    sent = sent_json(responses.calls[0])
    assert sent["reply_parameters"]["message_id"] == 1365 and "message_thread_id" not in sent


@responses.activate
def test_a_later_answer_telegram_refuses_is_a_delivery_error(adapter):
    responses.post(
        SEND_URL,
        status=403,
        json={
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot was kicked from the supergroup chat",
        },
    )
    event = topic_command(adapter)
    with pytest.raises(DeliveryError, match="kicked"):
        adapter.reply_later(event, Message("done"), community_chat=None, asked_at=NOW, now=NOW)
    assert len(responses.calls) == 1


@responses.activate
def test_a_later_answer_whose_topic_is_gone_goes_to_the_main_thread(adapter):
    gone = {"ok": False, "error_code": 400, "description": "Bad Request: message thread not found"}
    responses.post(SEND_URL, status=400, json=gone)
    responses.post(SEND_URL, json={"ok": True, "result": {"message_id": 1401}})
    event = topic_command(adapter)
    ids = adapter.reply_later(event, Message("done"), community_chat=None, asked_at=NOW, now=NOW)
    assert ids == ["1401"]
    first, second = (sent_json(c) for c in responses.calls)
    assert first["message_thread_id"] == 77 and "message_thread_id" not in second
    assert second["reply_parameters"]["message_id"] == 1365


# -- through inbound.handle_webhook


def memory_runtime(adapter: TelegramAdapter) -> Runtime:
    rt = Runtime(settings=Settings(), store=Store(MemoryTable()), clock=FixedClock(NOW))
    rt.adapters["telegram"] = adapter
    return rt


def test_a_redelivered_update_is_answered_once(adapter):
    rt = memory_runtime(adapter)
    rt.store.create_community(community(platform="telegram", chat_id=str(GROUP)))
    body = request(update({"from": USER, "text": "/help"}, update_id=777))
    first = handle_webhook(rt, "telegram", body, NOW)
    second = handle_webhook(rt, "telegram", body, NOW)
    assert first.status == second.status == 200
    assert "/checkin" in first.body["text"]
    assert second.body is None


def test_a_forged_update_is_401_and_stores_nothing(adapter):
    rt = memory_runtime(adapter)
    rt.store.create_community(community(platform="telegram", chat_id=str(GROUP)))
    body = request(update({"from": USER, "text": "/help"}), secret="guess")
    assert handle_webhook(rt, "telegram", body, NOW).status == 401
    assert rt.store.get_member("c1", "1111111") is None


# -- build and set_webhook


@pytest.mark.parametrize(
    "secrets",
    [
        {},
        {"ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN},
        {"ROLLCALL_TELEGRAM_SECRET_TOKEN": SECRET},
    ],
)
def test_telegram_is_off_unless_both_token_and_secret_are_set(secrets):
    assert telegram.build(Settings(secrets=secrets), None) is None


def test_telegram_builds_with_token_and_secret_and_hides_the_token():
    settings = Settings(
        secrets={"ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN, "ROLLCALL_TELEGRAM_SECRET_TOKEN": SECRET}
    )
    built = telegram.build(settings, None)
    assert isinstance(built, TelegramAdapter)
    assert TOKEN not in repr(built)


@responses.activate
def test_set_webhook_registers_the_url_with_our_secret_and_update_types():
    responses.post(
        f"{API}/bot{TOKEN}/setWebhook",
        json={"ok": True, "result": True, "description": "Webhook was set"},
    )
    settings = Settings(
        secrets={"ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN, "ROLLCALL_TELEGRAM_SECRET_TOKEN": SECRET}
    )
    answer = telegram.set_webhook(settings, "https://example.com/api/webhooks/telegram")
    assert answer["ok"] is True
    assert sent_json(responses.calls[0]) == {
        "url": "https://example.com/api/webhooks/telegram",
        "secret_token": SECRET,
        "allowed_updates": ["message", "chat_member"],
    }


def test_set_webhook_refuses_a_secret_telegram_would_reject():
    settings = Settings(
        secrets={"ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN, "ROLLCALL_TELEGRAM_SECRET_TOKEN": "a b"}
    )
    with pytest.raises(ValueError, match="A-Z"):
        telegram.set_webhook(settings, "https://example.com/hook")


@responses.activate
def test_set_webhook_failure_is_a_delivery_error():
    responses.post(
        f"{API}/bot{TOKEN}/setWebhook",
        status=400,
        json={"ok": False, "description": "Bad Request: bad webhook: HTTPS url must be provided"},
    )
    settings = Settings(
        secrets={"ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN, "ROLLCALL_TELEGRAM_SECRET_TOKEN": SECRET}
    )
    with pytest.raises(DeliveryError, match="HTTPS"):
        telegram.set_webhook(settings, "http://example.com/hook")


# -- through the real Chalice route


def test_a_member_of_a_bound_group_is_answered_through_the_chalice_route(dynamo_table):
    store = Store(dynamo_table)
    store.create_community(community(platform="telegram", chat_id=str(GROUP)))
    settings = Settings(
        secrets={"ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN, "ROLLCALL_TELEGRAM_SECRET_TOKEN": SECRET},
        api_bases={"telegram": "https://telegram.invalid"},
    )
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    try:
        with Client(app.app) as client, responses.RequestsMock() as outbound:
            body = json.dumps(update({"from": USER, "text": "/help@rollcall_bot"})).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
            }
            response = client.http.post("/webhooks/telegram", headers=headers, body=body)
            forged = client.http.post(
                "/webhooks/telegram",
                headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "nope"},
                body=body,
            )
            assert len(outbound.calls) == 0  # answered inline: no API call
    finally:
        set_runtime(None)
    assert response.status_code == 200
    answer = json.loads(response.body)
    assert answer["method"] == "sendMessage" and answer["chat_id"] == str(GROUP)
    assert "/checkin" in answer["text"]
    assert forged.status_code == 401
    member = store.get_member("c1", "1111111")
    assert member is not None and member.username == "Testusername"
    assert member.last_active == NOW.date()
