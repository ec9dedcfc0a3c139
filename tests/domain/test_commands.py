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
