"""The helpers every adapter shares: splitting by characters or bytes, packing replies,
delivering parts, and reading the untrusted parts of a request without a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.platforms.base import (
    BadPayload,
    DeliveryError,
    Unauthorized,
    cut_long_lines,
    deliver_parts,
    identifier,
    join_texts,
    json_object,
    load_json,
    pack_replies,
    same_secret,
    skew_seconds,
    split_mentions,
    split_parts,
    utf8_len,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "stamp", ["", "soon", "-1", "+1", " 1", "1_0", "１２３", "1e9", "1" + "0" * 400, "9" * 21]
)
def test_a_timestamp_header_must_be_plain_digits_of_sane_length(stamp):
    with pytest.raises(Unauthorized):
        skew_seconds(NOW, stamp)


def test_skew_is_in_seconds_whatever_the_unit():
    assert skew_seconds(NOW, str(int(NOW.timestamp()) - 30)) == 30
    assert skew_seconds(NOW, str(int(NOW.timestamp() * 1000) + 1500), unit=0.001) == 1.5


def test_identifiers_are_non_blank_strings_or_integers_of_sane_length():
    assert identifier("U1") == "U1" and identifier(-100) == "-100"
    for bad in ("", "  ", None, True, 1.5, {"id": 1}, ["x"], "x" * 257):
        assert identifier(bad) is None


def test_secrets_compare_whatever_a_header_holds():
    assert same_secret("abc", "abc")
    assert not same_secret("abc", "abd")
    assert not same_secret("abc", "签名") and not same_secret("abc", "\ud800")


def test_json_that_would_crash_is_not_json():
    for raw in (b"[" * 100_000, b'{"a":' * 50_000, b'{"a": "\xed\xb2\x80"}', b"\xff{}"):
        with pytest.raises(BadPayload, match="not JSON"):
            json_object(raw)
    with pytest.raises(BadPayload, match="JSON object"):
        json_object(b"[1]")
    assert json_object('{"a": 1}'.encode("utf-16")) == {"a": 1}


def test_lone_surrogate_escapes_become_replacement_characters():
    value = load_json(b'{"k\\ud800": ["a\\udc80", {"pair": "\\ud83d\\ude00"}]}')
    assert value == {"k\ufffd": ["a\ufffd", {"pair": "😀"}]}
    assert load_json('"\\udfff"') == "\ufffd"


# -- splitting --------------------------------------------------------------------------


def test_each_part_knows_the_ids_it_mentions():
    """(split_bytes in test_wecom.py fuzzes the same with a byte measure.)"""
    pairs = [(f"@member-{n:02d}", f"id{n:02d}") for n in range(30)]
    parts = split_mentions("Still to check in:", pairs, "3 hours left", 60)
    assert len(parts) > 1 and all(len(text) <= 60 for text, _ in parts)
    assert [i for _, ids in parts for i in ids] == [i for _, i in pairs]
    for text, ids in parts:
        assert [w for w in text.split() if w.startswith("@")] == [f"@member-{i[2:]}" for i in ids]


def test_a_byte_limit_never_cuts_a_character():
    parts = split_parts("打卡" * 100, [], "", 31, measure=utf8_len)
    assert all(utf8_len(p) <= 31 for p in parts) and "".join(parts) == "打卡" * 100


def test_long_lines_are_cut_between_entities_not_inside_one():
    text = "x" * 18 + "&amp;" + "y" * 10
    cut = cut_long_lines(text, 20, entities=True).split("\n")
    assert cut[0] == "x" * 18 and cut[1].startswith("&amp;")
    assert cut_long_lines(text, 20).split("\n")[0] == text[:20]


def test_replies_pack_into_as_few_messages_as_fit():
    merge = join_texts(20)
    assert pack_replies([["hello"], ["", "world"]], merge) == ["hello\n\nworld"]
    assert pack_replies([["x" * 15], ["y" * 10]], merge) == ["x" * 15, "y" * 10]
    byte_merge = join_texts(10, utf8_len)
    assert pack_replies([["打卡"], ["打卡"]], byte_merge) == ["打卡", "打卡"]


def test_delivery_stops_at_the_first_failure_and_counts_the_rest():
    def deliver(part: str) -> str:
        if part == "b":
            raise DeliveryError("refused")
        return f"id-{part}"

    delivery = deliver_parts(deliver, ["a", "b", "c"])
    assert delivery.sent == ["id-a"] and delivery.failed == 2
    assert delivery.errors == ["refused"] and not delivery.ok


@pytest.mark.parametrize(
    "adapter",
    [
        "console.ConsoleAdapter",
        "telegram.TelegramAdapter",
        "slack.SlackAdapter",
        "discord.DiscordAdapter",
        "feishu.FeishuAdapter",
        "dingtalk.DingTalkAdapter",
        "wecom.WeComAdapter",
    ],
)
def test_every_adapter_answers_later_with_the_protocols_signature(adapter):
    """The queue worker calls ``reply_later`` by keyword (base.ReplyLater): an adapter
    whose parameters drift would fail only when a deferred command's result is posted."""
    import importlib
    import inspect

    from chalicelib.platforms.base import ReplyLater

    module, name = adapter.split(".")
    cls = getattr(importlib.import_module(f"chalicelib.platforms.{module}"), name)
    expected = inspect.signature(ReplyLater.reply_later)
    actual = inspect.signature(cls.reply_later)
    assert [(p.name, p.kind) for p in actual.parameters.values()] == [
        (p.name, p.kind) for p in expected.parameters.values()
    ]
