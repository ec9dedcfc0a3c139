"""Every message a member sees exists in zh-CN and en, with the same placeholders."""

from __future__ import annotations

import string

from chalicelib.domain.messages import CATALOG, t


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_placeholders():
    for key, texts in CATALOG.items():
        assert set(texts) == {"zh-CN", "en"}, key
        assert _fields(texts["zh-CN"]) == _fields(texts["en"]), key
        assert texts["zh-CN"].strip() and texts["en"].strip(), key


def test_unknown_locale_falls_back_to_chinese():
    assert t("fr", "help") == t("zh-CN", "help")


def test_day_counts_and_ages_read_as_each_language_says_them():
    from chalicelib.domain.messages import day_count, days_ago

    assert [day_count("en", n) for n in (1, 3)] == ["1 day", "3 days"]
    assert [day_count("zh-CN", n) for n in (1, 3)] == ["1 天", "3 天"]
    assert [days_ago("en", n) for n in (0, 1, 5)] == ["today", "yesterday", "5 days ago"]
    assert [days_ago("zh-CN", n) for n in (0, 1, 5)] == ["今天", "昨天", "5 天前"]


def test_a_cycle_id_reaches_members_as_a_number_of_the_period_not_a_key():
    """ "作业周报 C0001" read like a community id (#17): members see 第 3 期 / cycle 3."""
    from chalicelib.domain.messages import cycle_label, t

    assert cycle_label("en", "C0003") == "cycle 3" and cycle_label("zh-CN", "C0012") == "第 12 期"
    assert cycle_label("en", "2026-W47") == "2026-W47"  # an ISO week stays a week
    assert "cycle 3" in t("en", "hw_strike_cleared", cycle="C0003")
    assert "第 3 期" in t("zh-CN", "hw_strike_cleared", cycle="C0003")
