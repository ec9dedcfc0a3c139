"""Chat commands are accepted in both languages and in the platforms' own spellings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.commands import ALIASES, parse_command


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("打卡", "checkin", ""),
        ("打卡 今天读了第三章", "checkin", "今天读了第三章"),
        ("/checkin read chapter 3", "checkin", "read chapter 3"),
        ("/checkin@rollcall_bot", "checkin", ""),
        ("/CHECKIN", "checkin", ""),
        ("／checkin", "checkin", ""),
        ("补卡 2026-11-21", "makeup", "2026-11-21"),
        ("补卡2026-11-21", "makeup", "2026-11-21"),
        ("请假3", "leave", "3"),
        ("请假 3", "leave", "3"),
        ("我的状态", "standing", ""),
        ("我的", "me", ""),
        ("交作业 https://example.com/a", "submit", "https://example.com/a"),
        ("交作业https://example.com/a", "submit", "https://example.com/a"),
        ("点评@小明 写得好", "review", "@小明 写得好"),
        ("  帮助  ", "help", ""),
        ("/help\nmore text", "help", "more text"),
        ("本周主题 坚持早起", "theme", "坚持早起"),
    ],
)
def test_commands_in_both_languages(text, name, args):
    command = parse_command(text)
    assert command is not None
    assert (command.name, command.args) == (name, args)


@pytest.mark.parametrize("text", ["", "   ", "hello everyone", "打卡了吗大家", "作业好难", "/"])
def test_chatter_is_not_a_command(text):
    assert parse_command(text) is None


def test_unknown_slash_word_is_an_unknown_command():
    command = parse_command("/dance now")
    assert command is not None and command.name == "unknown" and command.word == "/dance"


def test_every_alias_parses_to_its_command():
    for alias, name in ALIASES.items():
        assert parse_command(alias).name == name


@settings(max_examples=300)
@given(st.text())
def test_parsing_never_raises(text):
    parse_command(text)


# -- check-in words as members type them (docs/counting.md) ------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("打卡！", "checkin", ""),
        ("打卡!", "checkin", ""),
        ("打卡了", "checkin", ""),
        ("打卡了！", "checkin", ""),
        ("#打卡", "checkin", ""),
        ("＃打卡", "checkin", ""),
        ("#打卡# 读了两章", "checkin", "读了两章"),
        ("打卡：今天读了10页", "checkin", "今天读了10页"),
        ("打卡:今天读了10页", "checkin", "今天读了10页"),
        ("打卡,读完第三章", "checkin", "读完第三章"),
        ("打卡，读完第三章", "checkin", "读完第三章"),
        ("打卡。", "checkin", ""),
        ("打卡～", "checkin", ""),
        ("打卡~~", "checkin", ""),
        ("打卡！今天读了10页", "checkin", "今天读了10页"),
        ("打卡了，跑了5公里", "checkin", "跑了5公里"),
        ("签到！", "checkin", ""),
        ("签到了", "checkin", ""),
        ("#checkin done", "checkin", "done"),
        ("#Checkin!", "checkin", ""),
        ("/checkin.", "checkin", ""),
        ("/checkin@rollcall_bot, read a chapter", "checkin", "read a chapter"),
        ("补卡：昨天", "makeup", "昨天"),
        ("#补卡 2026-11-21", "makeup", "2026-11-21"),
        ("补卡，11-21", "makeup", "11-21"),
        ("请假：3天", "leave", "3天"),
        ("请假了", "leave", ""),
        ("#请假 2", "leave", "2"),
        ("交作业：https://example.com/a", "submit", "https://example.com/a"),
        ("#交作业 https://example.com/a", "submit", "https://example.com/a"),
        ("交作业，我的读书笔记", "submit", "我的读书笔记"),
    ],
)
def test_command_words_as_members_type_them(text, name, args):
    command = parse_command(text)
    assert command is not None, text
    assert (command.name, command.args) == (name, args)


@pytest.mark.parametrize(
    "text",
    [
        "打卡了吗",
        "打卡了吗？",
        "打卡？",
        "今天打卡了没",
        "大家记得打卡",
        "打卡的同学请举手",
        "打卡好难",
        "#打卡好难",
        "checkin",
        "checkin is at 9?",
        "#checking in late today",
        "checkins are due",
        "补卡怎么弄",
        "请假的人多吗",
        "交作业了吗",
        "交作业的时间到了",
        "我的天",
        "#今天",
    ],
)
def test_chatter_around_command_words_is_not_a_command(text):
    assert parse_command(text) is None


def test_a_mistyped_slash_word_is_an_unknown_command_with_its_word():
    command = parse_command("/chekin 今天")
    assert command is not None
    assert (command.name, command.word, command.args) == ("unknown", "/chekin", "今天")


def test_zero_width_characters_from_a_copied_bot_post_do_not_change_a_command():
    """Adapters defuse "@" in bot posts with a zero-width space; a member who copies
    "/review @Alice …" from the help must still review Alice."""
    copied = parse_command("/review @\u200bAlice great work")
    assert copied is not None and copied.name == "review"
    assert copied.args == "@Alice great work"
    assert parse_command("\u200b打卡\u200b") == parse_command("打卡")
