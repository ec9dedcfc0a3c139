"""Discord: Ed25519-signed interactions, command options, allowed_mentions, delivery."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from chalice.test import Client
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.inbound import handle_webhook
from chalicelib.platforms import discord
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
from chalicelib.platforms.discord import (
    MAX_MENTIONS_PER_MESSAGE,
    MESSAGE_LIMIT,
    DiscordAdapter,
    deferred,
)
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community
from tests.platforms.support import FakeTime, log_fixture, timed_sender

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BOT_TOKEN = "discord-bot-token"
API = "https://discord.com/api/v10"
CHANNEL = "1111111111111111111"
APPLICATION = "2222222222222222222"


@pytest.fixture(scope="module")
def key():
    return ECC.generate(curve="ed25519")


@pytest.fixture(scope="module")
def public_hex(key) -> str:
    return key.public_key().export_key(format="raw").hex()


def make_adapter(public_hex: str, clock: FakeTime, token: str = BOT_TOKEN) -> DiscordAdapter:
    return DiscordAdapter(
        bytes.fromhex(public_hex),
        token,
        api_base=API,
        sender=timed_sender(clock, min_interval=discord.PER_CHANNEL_INTERVAL),
        reply_sender=timed_sender(clock, attempts=1),
    )


@pytest.fixture
def adapter(public_hex, clock) -> DiscordAdapter:
    return make_adapter(public_hex, clock)


def rate_limited(seconds: float) -> dict[str, Any]:
    """Discord's 429 body: ``retry_after`` in seconds, finer than the header."""
    return {"message": "You are being rate limited.", "retry_after": seconds, "global": False}


def signed(key, body: dict | bytes, at: datetime = NOW) -> HttpRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(int(at.timestamp()))
    signature = eddsa.new(key, "rfc8032").sign(stamp.encode() + raw)
    headers = {
        "content-type": "application/json",
        "x-signature-ed25519": signature.hex(),
        "x-signature-timestamp": stamp,
    }
    return HttpRequest("POST", headers, {}, raw)


PING = {
    "id": "3333333333333333333",
    "application_id": APPLICATION,
    "type": 1,
    "version": 1,
    "token": "t",
}


def command(
    name: str = "checkin",
    options: list[dict[str, Any]] | None = None,
    *,
    interaction_id: str = "4444444444444444444",
    dm: bool = False,
    resolved: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An APPLICATION_COMMAND interaction shaped like Discord's documented example."""
    user = {
        "id": "53908232506183680",
        "username": "mason",
        "global_name": "Mason",
        "discriminator": "0",
        "avatar": None,
    }
    data: dict[str, Any] = {"id": "771825006014889984", "name": name, "type": 1}
    if options is not None:
        data["options"] = options
    if resolved is not None:
        data["resolved"] = resolved
    body: dict[str, Any] = {
        "id": interaction_id,
        "application_id": APPLICATION,
        "type": 2,
        "data": data,
        "channel_id": CHANNEL,
        "token": "A_UNIQUE_TOKEN",
        "version": 1,
        "locale": "en-US",
    }
    if dm:
        body["user"] = user
    else:
        body["guild_id"] = "290926798626357999"
        body["member"] = {"user": user, "nick": "Mace", "roles": [], "permissions": "2147483647"}
    return body


# -- verify


def test_verify_accepts_a_real_ed25519_signature(adapter, key):
    adapter.verify(signed(key, PING), NOW)


def test_a_signature_by_another_key_is_unauthorized(adapter):
    """Discord probes with bad signatures and drops endpoints that accept them."""
    with pytest.raises(Unauthorized):
        adapter.verify(signed(ECC.generate(curve="ed25519"), PING), NOW)


def test_a_body_changed_after_signing_is_unauthorized(adapter, key):
    request = signed(key, PING)
    tampered = HttpRequest(
        "POST", request.headers, {}, request.body.replace(b'"type": 1', b'"type": 2')
    )
    with pytest.raises(Unauthorized):
        adapter.verify(tampered, NOW)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"x-signature-ed25519": ""}, id="missing-signature"),
        pytest.param({"x-signature-timestamp": ""}, id="missing-timestamp"),
        pytest.param({"x-signature-ed25519": "zz" * 64}, id="not-hex"),
        pytest.param({"x-signature-ed25519": "00" * 10}, id="short"),
        pytest.param({"x-signature-ed25519": "00" * 64}, id="zeros"),
        pytest.param({"x-signature-timestamp": "noon"}, id="bad-timestamp"),
    ],
)
def test_missing_or_malformed_signatures_are_unauthorized(adapter, key, change):
    request = signed(key, PING)
    with pytest.raises(Unauthorized):
        adapter.verify(HttpRequest("POST", {**request.headers, **change}, {}, request.body), NOW)


@pytest.mark.parametrize("skew", [timedelta(minutes=6), -timedelta(minutes=6)])
def test_a_validly_signed_but_stale_interaction_is_a_replay(adapter, key, skew):
    with pytest.raises(Unauthorized, match="stale"):
        adapter.verify(signed(key, PING, NOW - skew), NOW)


# -- parse


def test_ping_is_answered_with_pong(adapter, key):
    parsed = adapter.parse(signed(key, PING))
    assert parsed.handshake is not None and parsed.handshake.body == {"type": 1}


def test_a_slash_command_with_options_becomes_chat_text_keyed_by_interaction_id(adapter, key):
    body = command("checkin", [{"name": "note", "type": 3, "value": "read 20 pages"}])
    [event] = adapter.parse(signed(key, body)).events
    assert event.kind == "message" and event.platform == "discord"
    assert event.text == "/checkin read 20 pages"
    assert event.chat_id == CHANNEL
    assert event.sender.user_id == "53908232506183680"
    assert event.sender.name == "Mace"  # the member's nickname in this server
    assert event.sender.username == "mason"
    assert event.event_id == "4444444444444444444"
    assert event.reply_context == {
        "application_id": APPLICATION,
        "interaction_token": "A_UNIQUE_TOKEN",
    }


def test_user_options_become_mentions_and_subcommands_their_names(adapter, key):
    review = command(
        "review",
        [
            {"name": "who", "type": 6, "value": "80351110224678912"},
            {"name": "text", "type": 3, "value": "great essay"},
        ],
        resolved={"users": {"80351110224678912": {"id": "80351110224678912", "username": "n"}}},
    )
    assert (
        adapter.parse(signed(key, review)).events[0].text
        == "/review <@80351110224678912> great essay"
    )
    hw = command(
        "hw", [{"name": "list", "type": 1, "options": [{"name": "week", "type": 4, "value": 3}]}]
    )
    assert adapter.parse(signed(key, hw)).events[0].text == "/hw list 3"


def test_a_command_in_a_dm_uses_the_top_level_user_and_global_name(adapter, key):
    [event] = adapter.parse(signed(key, command("me", dm=True))).events
    assert event.text == "/me" and event.sender.name == "Mason"


@pytest.mark.parametrize(
    "kind, answer",
    [(3, {"type": 6}), (5, {"type": 6}), (4, {"type": 8, "data": {"choices": []}})],
)
def test_components_modals_and_autocomplete_are_acknowledged_without_events(
    adapter, key, kind, answer
):
    parsed = adapter.parse(signed(key, {**PING, "type": kind, "data": {}}))
    assert not parsed.events and parsed.handshake is not None
    assert parsed.handshake.body == answer


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"nope", "not JSON"),
        (json.dumps({"type": 99}).encode(), "unknown interaction type"),
        (json.dumps({"type": 2, "data": {}}).encode(), "data.name"),
        (json.dumps({**command(), "member": {}}).encode(), "user"),
        (json.dumps({**command(), "channel_id": None}).encode(), "channel_id"),
    ],
)
def test_malformed_interactions_are_bad_payloads(adapter, key, raw, reason):
    with pytest.raises(BadPayload, match=reason):
        adapter.parse(signed(key, raw))


# -- render


def mentioned_ids(part: dict[str, Any]) -> list[str]:
    return re.findall(r"<@(\d+)>", part["content"])


def test_a_part_pings_exactly_its_mentioned_members_and_never_everyone(adapter):
    [part] = adapter.render(
        Message(
            "@everyone <@999> still to check in:", (Mention("101", "Ann"), Mention("102", "Bo"))
        )
    )
    # The words' @everyone and <@999> are defused too: they no longer even look like pings.
    assert part["content"] == "@\u200beveryone <\u200b@999> still to check in: <@101> <@102>"
    assert part["allowed_mentions"] == {"parse": [], "users": ["101", "102"]}


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param([str(80351110224678912 + n) for n in range(300)], id="snowflakes-by-length"),
        pytest.param([str(n) for n in range(300)], id="short-ids-by-count"),
    ],
)
def test_a_300_mention_reminder_splits_by_2000_chars_and_100_pings(adapter, ids):
    mentions = tuple(Mention(i, f"m{i}") for i in ids)
    parts = adapter.render(Message("Still to check in today:", mentions, "3 hours left"))
    assert len(parts) >= 3
    assert all(len(p["content"]) <= MESSAGE_LIMIT for p in parts)
    assert all(len(p["allowed_mentions"]["users"]) <= MAX_MENTIONS_PER_MESSAGE for p in parts)
    seen = [i for p in parts for i in mentioned_ids(p)]
    assert seen == ids  # every member once, in order, none cut in half
    for part in parts:
        assert part["allowed_mentions"]["users"] == mentioned_ids(part)
    assert parts[0]["content"].startswith("Still") and parts[-1]["content"].endswith("3 hours left")


# -- deliver


@responses.activate
def test_deliver_posts_the_payload_to_the_channel_as_the_bot(adapter):
    responses.post(f"{API}/channels/{CHANNEL}/messages", json={"id": "5555", "channel_id": CHANNEL})
    part = adapter.render(Message("hi", (Mention("101", "Ann"),)))[0]
    assert adapter.deliver(ChatAddress("discord", CHANNEL), part) == "5555"
    call = responses.calls[0]
    assert call.request.headers["Authorization"] == f"Bot {BOT_TOKEN}"
    assert call.request.headers["User-Agent"].startswith("DiscordBot (")
    assert json.loads(call.request.body) == part


@responses.activate
def test_429_waits_for_retry_after_from_the_body(adapter, clock):
    responses.post(
        f"{API}/channels/{CHANNEL}/messages",
        status=429,
        json=rate_limited(0.25),
    )
    responses.post(f"{API}/channels/{CHANNEL}/messages", json={"id": "6"})
    assert adapter.deliver(ChatAddress("discord", CHANNEL), "hi") == "6"
    assert clock.sleeps == [0.25]


@responses.activate
def test_a_refusal_fails_at_once_without_the_token(adapter):
    responses.post(
        f"{API}/channels/{CHANNEL}/messages",
        status=403,
        json={"message": "Missing Access", "code": 50001},
    )
    with pytest.raises(DeliveryError, match="Missing Access") as raised:
        adapter.deliver(ChatAddress("discord", CHANNEL), "hi")
    assert BOT_TOKEN not in str(raised.value)
    assert len(responses.calls) == 1


def test_without_a_bot_token_delivery_fails_cleanly(public_hex, clock):
    with pytest.raises(DeliveryError, match="ROLLCALL_DISCORD_BOT_TOKEN"):
        make_adapter(public_hex, clock, token="").deliver(ChatAddress("discord", CHANNEL), "hi")


# -- direct messages

MEMBER = "80351110224678912"
DM_CHANNEL = "319674150115610528"
GUILD = "197038439483310086"
OPEN_DM_URL = f"{API}/users/@me/channels"
DM_MESSAGES_URL = f"{API}/channels/{DM_CHANNEL}/messages"
CHANNEL_URL = f"{API}/channels/{CHANNEL}"
KICK_URL = f"{API}/guilds/{GUILD}/members/{MEMBER}"
# A DM channel object, as POST /users/@me/channels answers.
DM_OBJECT = {
    "id": DM_CHANNEL,
    "type": 1,
    "last_message_id": None,
    "recipients": [
        {"id": MEMBER, "username": "nelly", "discriminator": "0", "global_name": "Nelly"}
    ],
}
# A guild text channel object, as GET /channels/{id} answers.
CHANNEL_OBJECT = {
    "id": CHANNEL,
    "type": 0,
    "guild_id": GUILD,
    "name": "study-hall",
    "position": 6,
    "permission_overwrites": [],
    "nsfw": False,
    "parent_id": None,
}


discord_log = log_fixture("discord")


def test_direct_messages_are_on_with_a_bot_token(public_hex, clock):
    assert make_adapter(public_hex, clock).direct_messages is True
    assert make_adapter(public_hex, clock, token="").direct_messages is False


@responses.activate
def test_a_direct_message_opens_the_dm_channel_once_then_posts_the_payload(adapter):
    responses.post(OPEN_DM_URL, json=DM_OBJECT)
    responses.post(DM_MESSAGES_URL, json={"id": "5556", "channel_id": DM_CHANNEL})
    chat = ChatAddress("discord", CHANNEL)
    [part] = adapter.render(Message("Your homework got a review", (Mention(MEMBER, "Nelly"),)))
    assert adapter.deliver_direct(chat, MEMBER, part) == "5556"
    assert adapter.deliver_direct(chat, MEMBER, part) == "5556"
    assert [c.request.url for c in responses.calls] == [
        OPEN_DM_URL,
        DM_MESSAGES_URL,
        DM_MESSAGES_URL,
    ]
    opened = responses.calls[0].request
    assert json.loads(opened.body) == {"recipient_id": MEMBER}
    assert opened.headers["Authorization"] == f"Bot {BOT_TOKEN}"
    assert json.loads(responses.calls[1].request.body) == part
    assert responses.calls[1].request.headers["Authorization"] == f"Bot {BOT_TOKEN}"


@responses.activate
def test_a_member_with_dms_closed_is_refused_at_once(adapter):
    responses.post(OPEN_DM_URL, json=DM_OBJECT)
    responses.post(
        DM_MESSAGES_URL,
        status=403,
        json={"message": "Cannot send messages to this user", "code": 50007},
    )
    with pytest.raises(DirectRefused) as raised:
        adapter.deliver_direct(ChatAddress("discord", CHANNEL), MEMBER, "hi")
    assert str(raised.value) == (
        f"Discord refused a direct message to user {MEMBER}: "
        "Cannot send messages to this user (50007)"
    )
    assert BOT_TOKEN not in str(raised.value)
    assert len(responses.calls) == 2  # open, one post: a refusal is never retried


@responses.activate
def test_a_dm_channel_discord_will_not_open_is_a_refusal(adapter):
    responses.post(OPEN_DM_URL, status=400, json={"message": "Invalid Recipient(s)", "code": 50033})
    with pytest.raises(DirectRefused, match=r"refused a direct message.*Invalid Recipient"):
        adapter.deliver_direct(ChatAddress("discord", CHANNEL), MEMBER, "hi")
    assert len(responses.calls) == 1


@responses.activate
def test_a_throttled_direct_message_waits_for_retry_after(adapter, clock):
    responses.post(OPEN_DM_URL, json=DM_OBJECT)
    responses.post(
        DM_MESSAGES_URL,
        status=429,
        json=rate_limited(1.5),
    )
    responses.post(DM_MESSAGES_URL, json={"id": "5557"})
    assert adapter.deliver_direct(ChatAddress("discord", CHANNEL), MEMBER, "hi") == "5557"
    assert clock.sleeps == [1.5]


@responses.activate
def test_a_direct_message_to_something_that_is_no_user_id_is_refused_before_any_call(adapter):
    with pytest.raises(DeliveryError, match="not a Discord user id"):
        adapter.deliver_direct(ChatAddress("discord", CHANNEL), "../guilds/1", "hi")
    assert len(responses.calls) == 0


def test_without_a_bot_token_a_direct_message_fails_cleanly(public_hex, clock):
    no_token = make_adapter(public_hex, clock, token="")
    with pytest.raises(DeliveryError, match="ROLLCALL_DISCORD_BOT_TOKEN"):
        no_token.deliver_direct(ChatAddress("discord", CHANNEL), MEMBER, "hi")


# -- member removal


@responses.activate
def test_removal_finds_the_channels_guild_once_and_kicks_with_an_audit_log_reason(adapter):
    responses.get(CHANNEL_URL, json=CHANNEL_OBJECT)
    responses.delete(KICK_URL, status=204)
    other = f"{API}/guilds/{GUILD}/members/80351110224678913"
    responses.delete(other, status=204)
    chat = ChatAddress("discord", CHANNEL)
    assert adapter.remove_member(chat, MEMBER) is True
    assert adapter.remove_member(chat, "80351110224678913") is True
    assert [(c.request.method, c.request.url) for c in responses.calls] == [
        ("GET", CHANNEL_URL),
        ("DELETE", KICK_URL),
        ("DELETE", other),
    ]
    kick = responses.calls[1].request
    assert kick.headers["Authorization"] == f"Bot {BOT_TOKEN}"
    assert kick.headers["X-Audit-Log-Reason"] == "rollcall%3A removal confirmed by an admin"


@responses.activate
def test_a_member_already_gone_counts_as_removed(adapter):
    responses.get(CHANNEL_URL, json=CHANNEL_OBJECT)
    responses.delete(KICK_URL, status=404, json={"message": "Unknown Member", "code": 10007})
    assert adapter.remove_member(ChatAddress("discord", CHANNEL), MEMBER) is True
    assert len(responses.calls) == 2


@responses.activate
def test_a_kick_without_permission_is_false_logged_and_not_retried(adapter, discord_log):
    responses.get(CHANNEL_URL, json=CHANNEL_OBJECT)
    responses.delete(KICK_URL, status=403, json={"message": "Missing Permissions", "code": 50013})
    assert adapter.remove_member(ChatAddress("discord", CHANNEL), MEMBER) is False
    assert len(responses.calls) == 2
    [record] = discord_log.records
    assert record.getMessage() == "member not removed"
    assert "Missing Permissions" in record.__dict__["error"]
    assert BOT_TOKEN not in str(record.__dict__)


@responses.activate
def test_a_404_other_than_unknown_member_is_not_a_removal(adapter):
    responses.get(CHANNEL_URL, json=CHANNEL_OBJECT)
    responses.delete(KICK_URL, status=404, json={"message": "Unknown Guild", "code": 10004})
    assert adapter.remove_member(ChatAddress("discord", CHANNEL), MEMBER) is False


@responses.activate
def test_a_channel_the_bot_cannot_see_means_no_kick(adapter):
    responses.get(CHANNEL_URL, status=403, json={"message": "Missing Access", "code": 50001})
    assert adapter.remove_member(ChatAddress("discord", CHANNEL), MEMBER) is False
    assert [c.request.method for c in responses.calls] == ["GET"]


@responses.activate
def test_a_channel_outside_any_server_means_no_kick(adapter):
    responses.get(CHANNEL_URL, json={"id": CHANNEL, "type": 1, "recipients": []})
    assert adapter.remove_member(ChatAddress("discord", CHANNEL), MEMBER) is False
    assert len(responses.calls) == 1


@responses.activate
def test_a_throttled_kick_waits_for_retry_after(adapter, clock):
    responses.get(CHANNEL_URL, json=CHANNEL_OBJECT)
    responses.delete(
        KICK_URL,
        status=429,
        json=rate_limited(0.75),
    )
    responses.delete(KICK_URL, status=204)
    assert adapter.remove_member(ChatAddress("discord", CHANNEL), MEMBER) is True
    assert clock.sleeps == [0.75]


@responses.activate
def test_a_removal_discord_cannot_be_reached_for_is_false_not_an_exception(adapter, clock):
    responses.get(CHANNEL_URL, json=CHANNEL_OBJECT)
    responses.delete(KICK_URL, status=502, body="Bad Gateway")
    assert adapter.remove_member(ChatAddress("discord", CHANNEL), MEMBER) is False
    assert len(responses.calls) == 1 + 4
    assert len(clock.sleeps) == 3


@responses.activate
def test_removal_of_something_that_is_no_user_id_makes_no_call(adapter):
    assert adapter.remove_member(ChatAddress("discord", CHANNEL), "12/../../roles") is False
    assert len(responses.calls) == 0


def test_without_a_bot_token_removal_is_false(public_hex, clock):
    no_token = make_adapter(public_hex, clock, token="")
    assert no_token.remove_member(ChatAddress("discord", CHANNEL), MEMBER) is False


@responses.activate
def test_follow_up_posts_through_the_interaction_webhook_without_the_bot_token(public_hex, clock):
    no_token = make_adapter(public_hex, clock, token="")
    url = f"{API}/webhooks/{APPLICATION}/A_UNIQUE_TOKEN"
    responses.post(url, json={"id": "7"})
    assert no_token.follow_up(APPLICATION, "A_UNIQUE_TOKEN", Message("done")) == ["7"]
    call = responses.calls[0]
    assert call.request.url.endswith("?wait=true")
    assert "Authorization" not in call.request.headers
    assert deferred() == {"type": 5}


# -- reply_later (a deferred command's result, posted by the queue worker)

FOLLOW_UP_URL = f"{API}/webhooks/{APPLICATION}/A_UNIQUE_TOKEN"
CHANNEL_MESSAGES = f"{API}/channels/{CHANNEL}/messages"


def later(adapter: DiscordAdapter, key, message: Message, *, after: timedelta) -> list[str]:
    [event] = adapter.parse(signed(key, command("remind"))).events
    return adapter.reply_later(event, message, community_chat=None, asked_at=NOW, now=NOW + after)


@responses.activate
def test_a_later_answer_is_a_follow_up_while_the_interaction_token_lives(public_hex, clock, key):
    no_token = make_adapter(public_hex, clock, token="")
    hook = responses.post(FOLLOW_UP_URL, json={"id": "901"})
    message = Message("Reminded:", (Mention("101", "Ann"),))
    assert later(no_token, key, message, after=timedelta(minutes=13, seconds=59)) == ["901"]
    assert json.loads(hook.calls[0].request.body) == {
        "content": "Reminded: <@101>",
        "allowed_mentions": {"parse": [], "users": ["101"]},
    }
    assert hook.calls[0].request.url.endswith("?wait=true")
    assert "Authorization" not in hook.calls[0].request.headers


@responses.activate
def test_a_later_answer_past_the_token_goes_to_the_channel_with_the_bot_token(adapter, key):
    hook = responses.post(FOLLOW_UP_URL, json={"id": "901"})
    posted = responses.post(CHANNEL_MESSAGES, json={"id": "902"})
    assert later(adapter, key, Message("done"), after=discord.INTERACTION_TOKEN_LIFETIME) == ["902"]
    assert hook.call_count == 0
    assert posted.calls[0].request.headers["Authorization"] == f"Bot {BOT_TOKEN}"


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param(
            {"status": 401, "json": {"message": "401: Unauthorized", "code": 0}}, id="401"
        ),
        pytest.param(
            {"status": 404, "json": {"message": "Unknown Webhook", "code": 10015}}, id="unknown"
        ),
        pytest.param(
            {"status": 400, "json": {"message": "Invalid Webhook Token", "code": 50027}},
            id="invalid-token",
        ),
    ],
)
@responses.activate
def test_a_refused_interaction_token_sends_the_answer_to_the_channel(adapter, key, refusal):
    hook = responses.post(FOLLOW_UP_URL, **refusal)
    posted = responses.post(CHANNEL_MESSAGES, json={"id": "902"})
    assert later(adapter, key, Message("done"), after=timedelta(minutes=1)) == ["902"]
    assert hook.call_count == 1
    assert json.loads(posted.calls[0].request.body)["content"] == "done"


@responses.activate
def test_a_token_refused_after_a_part_went_out_fails_rather_than_move_the_rest(adapter, key):
    hook = responses.post(FOLLOW_UP_URL, json={"id": "901"})
    hook_refused = responses.post(
        FOLLOW_UP_URL, status=404, json={"message": "Unknown Webhook", "code": 10015}
    )
    posted = responses.post(CHANNEL_MESSAGES, json={"id": "902"})
    with pytest.raises(DeliveryError, match="404"):
        later(adapter, key, Message("a" * 1990 + "\n" + "b" * 1990), after=timedelta(0))
    assert hook.call_count + hook_refused.call_count == 2 and posted.call_count == 0


@responses.activate
def test_a_follow_up_discord_cannot_take_is_a_delivery_error_not_a_channel_post(adapter, key):
    responses.post(FOLLOW_UP_URL, status=400, json={"message": "Invalid Form Body", "code": 50035})
    posted = responses.post(CHANNEL_MESSAGES, json={"id": "902"})
    with pytest.raises(DeliveryError, match="400"):
        later(adapter, key, Message("done"), after=timedelta(0))
    assert posted.call_count == 0


# -- respond


def test_a_reply_is_the_interaction_response(adapter, key):
    [event] = adapter.parse(signed(key, command("help"))).events
    response = adapter.respond(event, [Message("a"), Message("b", (Mention("101", "Ann"),))])
    assert response.status == 200
    assert response.body == {
        "type": 4,
        "data": {"content": "a\n\nb <@101>", "allowed_mentions": {"parse": [], "users": ["101"]}},
    }


@responses.activate
def test_a_long_reply_posts_leading_parts_to_the_channel_and_answers_with_the_last(adapter, key):
    responses.post(f"{API}/channels/{CHANNEL}/messages", json={"id": "1"})
    [event] = adapter.parse(signed(key, command("help"))).events
    response = adapter.respond(event, [Message("a" * 1900), Message("b" * 1900)])
    assert [json.loads(c.request.body)["content"] for c in responses.calls] == ["a" * 1900]
    assert response.body["data"]["content"] == "b" * 1900


def test_an_interaction_with_nothing_to_say_still_gets_an_answer(adapter, key):
    """An unanswered interaction shows the member "This interaction failed"."""
    [event] = adapter.parse(signed(key, command("help"))).events
    body = adapter.respond(event, []).body
    assert body["type"] == 4 and body["data"]["flags"] == 64


# -- through inbound.handle_webhook


def test_a_replayed_interaction_is_answered_once(adapter, key):
    rt = Runtime(settings=Settings(), store=Store(MemoryTable()), clock=FixedClock(NOW))
    rt.adapters["discord"] = adapter
    rt.store.create_community(community(platform="discord", chat_id=CHANNEL))
    request = signed(key, command("help"))
    first = handle_webhook(rt, "discord", request, NOW)
    second = handle_webhook(rt, "discord", request, NOW)
    assert "/checkin" in first.body["data"]["content"]
    assert "/checkin" not in second.body["data"]["content"]
    assert second.body["data"]["flags"] == 64


# -- build


def test_discord_is_off_without_a_usable_public_key(public_hex):
    assert discord.build(Settings(), None) is None
    assert discord.build(Settings(secrets={"ROLLCALL_DISCORD_PUBLIC_KEY": "xyz"}), None) is None
    assert discord.build(Settings(secrets={"ROLLCALL_DISCORD_PUBLIC_KEY": "ab" * 16}), None) is None
    built = discord.build(Settings(secrets={"ROLLCALL_DISCORD_PUBLIC_KEY": public_hex}), None)
    assert isinstance(built, DiscordAdapter)


# -- through the real Chalice route


def test_ping_and_a_command_through_the_chalice_route(dynamo_table, key, public_hex):
    store = Store(dynamo_table)
    store.create_community(community(platform="discord", chat_id=CHANNEL))
    settings = Settings(
        secrets={"ROLLCALL_DISCORD_PUBLIC_KEY": public_hex},
        api_bases={"discord": "https://discord.invalid/api/v10"},
    )
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    try:
        with Client(app.app) as client, responses.RequestsMock() as outbound:

            def post(request: HttpRequest):
                return client.http.post(
                    "/webhooks/discord", headers=dict(request.headers), body=request.body
                )

            pong = post(signed(key, PING))
            forged = post(signed(ECC.generate(curve="ed25519"), PING))
            answer = post(signed(key, command("help")))
            assert len(outbound.calls) == 0
    finally:
        set_runtime(None)
    assert pong.status_code == 200 and json.loads(pong.body) == {"type": 1}
    assert forged.status_code == 401
    assert answer.status_code == 200
    body = json.loads(answer.body)
    assert body["type"] == 4 and "/checkin" in body["data"]["content"]
    member = store.get_member("c1", "53908232506183680")
    assert member is not None and member.name == "Mace" and member.last_active == NOW.date()
