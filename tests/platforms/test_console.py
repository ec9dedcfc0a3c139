"""The console platform: signed like a real one, split like a real one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.platforms.base import (
    ChatAddress,
    DeliveryError,
    HttpRequest,
    InboundEvent,
    Mention,
    Message,
    Sender,
    Unauthorized,
    split_parts,
)
from chalicelib.platforms.console import ConsoleAdapter, SentMessage, sign

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def request(body: bytes, stamp: str, signature: str) -> HttpRequest:
    headers = {"x-rollcall-timestamp": stamp, "x-rollcall-signature": signature}
    return HttpRequest("POST", headers, {}, body)


def test_verify_accepts_the_real_signature_inside_the_window():
    adapter = ConsoleAdapter("s3cret", sink=lambda _: None)
    stamp = str(int(NOW.timestamp()) - 299)
    adapter.verify(request(b"{}", stamp, sign("s3cret", stamp, b"{}")), NOW)


def test_verify_rejects_a_replay_from_the_future_or_past():
    adapter = ConsoleAdapter("s3cret", sink=lambda _: None)
    for skew in (301, -301):
        stamp = str(int(NOW.timestamp()) - skew)
        with pytest.raises(Unauthorized):
            adapter.verify(request(b"{}", stamp, sign("s3cret", stamp, b"{}")), NOW)


def test_verify_rejects_a_body_changed_after_signing():
    adapter = ConsoleAdapter("s3cret", sink=lambda _: None)
    stamp = str(int(NOW.timestamp()))
    with pytest.raises(Unauthorized):
        adapter.verify(request(b'{"a":2}', stamp, sign("s3cret", stamp, b'{"a":1}')), NOW)


def test_render_splits_without_breaking_a_mention():
    adapter = ConsoleAdapter("s", sink=lambda _: None)
    mentions = tuple(Mention(f"u{n}", f"member-{n:04d}") for n in range(1000))
    parts = adapter.render(Message("Reminder", mentions, "tail"))
    assert len(parts) > 1
    assert all(len(p) <= 4000 for p in parts)
    tokens = " ".join(parts).split()
    assert tokens.count("@member-0999") == 1
    assert parts[0].startswith("Reminder") and parts[-1].endswith("tail")
    assert sum(1 for t in tokens if t.startswith("@member-")) == 1000


@settings(max_examples=200)
@given(
    head=st.text(max_size=300),
    tokens=st.lists(
        st.text(min_size=1, max_size=40).map(lambda s: "@" + s.replace(" ", "_")), max_size=60
    ),
    tail=st.text(max_size=120),
    limit=st.integers(min_value=20, max_value=400),
)
def test_split_parts_respects_the_limit_and_keeps_every_mention_whole(head, tokens, tail, limit):
    parts = split_parts(head, tokens, tail, limit)
    assert all(len(p) <= limit for p in parts)
    joined = "\n".join(parts)
    for token in tokens:
        if len(token) <= limit:
            assert token in joined


def test_a_non_ascii_signature_is_refused_not_a_crash():
    adapter = ConsoleAdapter("s3cret", sink=lambda _: None)
    stamp = str(int(NOW.timestamp()))
    with pytest.raises(Unauthorized):
        adapter.verify(request(b"{}", stamp, "sha256=签名"), NOW)


# -- direct messages and removal ---------------------------------------------------------


def collecting() -> tuple[ConsoleAdapter, list[SentMessage]]:
    sent: list[SentMessage] = []
    return ConsoleAdapter("s", sink=sent.append), sent


def test_a_direct_message_reaches_the_sink_marked_as_private_to_the_member():
    adapter, sent = collecting()
    assert adapter.direct_messages is True
    chat = ChatAddress("console", "chat-1")
    group_id = adapter.deliver(chat, "大家好")
    (part,) = adapter.render(Message("你本周还没有交作业"))
    dm_id = adapter.deliver_direct(chat, "u1", part)
    assert dm_id != group_id
    assert sent[1] == SentMessage(
        chat_id="chat-1",
        text="[DM → u1] 你本周还没有交作业",
        message_id=dm_id,
        kind="direct",
        user_id="u1",
    )
    assert (sent[0].kind, sent[0].user_id) == ("message", None)  # group messages unchanged


def test_a_long_direct_message_keeps_its_lines():
    adapter, sent = collecting()
    adapter.deliver_direct(ChatAddress("console", "chat-1"), "u9", "line one\nline two")
    assert sent[0].text == "[DM → u9] line one\nline two"


def test_removal_is_recorded_and_succeeds():
    adapter, sent = collecting()
    assert adapter.remove_member(ChatAddress("console", "chat-1"), "olga") is True
    (record,) = sent
    assert (record.kind, record.user_id, record.chat_id) == ("removal", "olga", "chat-1")
    assert record.text == "[removed from the chat: olga]"


def test_direct_messages_and_removals_read_nothing_from_the_store():
    """Jobs' request counts are pinned on the console adapter: a DM costs no read."""
    from chalicelib.store.memory import MemoryTable
    from chalicelib.store.repository import Store
    from tests.helpers import community, member, runtime

    table = MemoryTable()
    store = Store(table)
    store.create_community(community())  # console, bound to chat-1
    store.save_member(member("u1", name="Amy"))
    rt, sent = runtime(store, NOW)
    adapter = rt.adapter("console")
    chat = ChatAddress("console", "chat-1")

    def no_reads(*args, **kwargs):
        raise AssertionError("the console adapter read the store")

    table.get = table.query = table.batch_get = no_reads
    adapter.deliver_direct(chat, "u1", "hello")
    assert adapter.remove_member(chat, "u1") is True
    assert [s.text for s in sent] == ["[DM → u1] hello", "[removed from the chat: u1]"]


def test_a_later_answer_reaches_the_sink_in_the_chat_it_was_asked_in():
    adapter, sent = collecting()
    asked = InboundEvent("message", "console", "admins", Sender("boss", "Boss"), "/remind")
    ids = adapter.reply_later(
        asked,
        Message("📣 done", (Mention("amy", "Amy"),)),
        community_chat=None,
        asked_at=NOW,
        now=NOW,
    )
    assert [(s.chat_id, s.text, s.message_id, s.kind) for s in sent] == [
        ("admins", "📣 done @Amy", ids[0], "message")
    ]

    def down(_: SentMessage) -> None:
        raise DeliveryError("chat unavailable")

    with pytest.raises(DeliveryError):
        ConsoleAdapter("s", sink=down).reply_later(
            asked, Message("x"), community_chat=None, asked_at=NOW, now=NOW
        )


# -- the local stage only ------------------------------------------------------------------


@pytest.mark.parametrize(("stage", "status"), [("local", 200), ("dev", 404), ("prod", 404)])
def test_the_console_platform_exists_on_the_local_stage_only(aws, monkeypatch, stage, status):
    """A console community's members are whoever holds one shared secret, and its direct
    messages and removals always "succeed": a deployed stage must not answer it even when
    ROLLCALL_CONSOLE_SECRET made it into its environment. The stage comes from Chalice's
    own stage configuration (.chalice/config.json), as in a deployment."""
    import json

    import boto3
    from chalice.test import Client

    import app
    from chalicelib.runtime import set_runtime
    from chalicelib.store.schema import ensure_table
    from tests.helpers import console_body, signed_headers

    # The stage's table exists: a 404 is the guard's, not a missing table's.
    ensure_table(boto3.client("dynamodb", region_name="us-east-1"), f"rollcall-{stage}")
    monkeypatch.setenv("ROLLCALL_CONSOLE_SECRET", "console-test-secret")
    set_runtime(None)  # built from the stage's environment on the first request
    body = console_body("/help", message_id="m1")
    now = datetime.now(UTC)
    try:
        with Client(app.app, stage_name=stage) as client:
            answer = client.http.post(
                "/webhooks/console", headers=signed_headers(body, now), body=body
            )
    finally:
        set_runtime(None)
    assert answer.status_code == status
    if status == 200:  # not bound: the answer says how to bind, nothing was written
        assert "chat-1" in json.dumps(json.loads(answer.body))
