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
