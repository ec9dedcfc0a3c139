"""Community and member values refuse what makes no sense, with a message for operators."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.models import (
    InvalidValue,
    Role,
    parse_hhmm,
    parse_locale,
    parse_platform,
    parse_role,
    parse_timezone,
)
from tests.helpers import community, member


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"locale": "fr"}, "locale"),
        ({"platform": "myspace"}, "platform"),
        ({"reminder_time": "25:00"}, "HH:MM"),
        ({"day_boundary": "4am"}, "HH:MM"),
        ({"name": "  "}, "name"),
        ({"chat_id": ""}, "chat id"),
        ({"report_day": 31}, "report day"),
        ({"grace_days": -1}, "negative"),
        ({"jobs": ("daily-reminder", "dance")}, "unknown jobs"),
    ],
)
def test_community_refuses_bad_settings(overrides, message):
    with pytest.raises(InvalidValue, match=message):
        community(**overrides)


def test_parsers_normalise_what_operators_type():
    assert parse_locale("zh") == "zh-CN" and parse_locale("EN") == "en"
    assert parse_platform("Lark") == "feishu"
    assert parse_role(" Admin ") is Role.ADMIN
    assert parse_hhmm("04:00").hour == 4
    assert parse_timezone("Pacific/Kiritimati") == "Pacific/Kiritimati"
    with pytest.raises(InvalidValue):
        parse_role("king")


def test_member_leave_and_grace_are_by_local_date():
    m = member("u1", joined_at=date(2026, 11, 20), leave_until=date(2026, 11, 22))
    assert m.on_leave(date(2026, 11, 22)) and not m.on_leave(date(2026, 11, 23))
    assert m.in_grace(date(2026, 11, 21), grace_days=2)
    assert not m.in_grace(date(2026, 11, 22), grace_days=2)


def test_owners_and_admins_are_admins_leaders_are_not():
    assert Role.OWNER.is_admin and Role.ADMIN.is_admin
    assert not Role.LEADER.is_admin and not Role.MEMBER.is_admin
