"""Check-in words as members type them, through the real webhook route (signed console
payload → Chalice → DynamoDB on moto → reply): the grammar of docs/counting.md, end to end."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.messages import t
from chalicelib.store.checkins import checkins_on
from chalicelib.store.repository import Store
from tests.helpers import community, console_body, runtime, signed_headers

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.combine(date(2026, 11, 23), time(20, 0), tzinfo=SHANGHAI)
_ids = itertools.count(1)


def post(store: Store, texts: list[str], *, user: str = "u1") -> list[str]:
    """Each text posted to /webhooks/console as ``user``; the replies the bot sent."""
    from chalice.test import Client

    import app
    from chalicelib.runtime import set_runtime

    rt, sent = runtime(store, NOW)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            for text in texts:
                body = console_body(text, user=user, name="小明", message_id=f"w-{next(_ids)}")
                response = client.http.post(
                    "/webhooks/console", headers=signed_headers(body, NOW), body=body
                )
                assert response.status_code == 200, response.body
    finally:
        set_runtime(None)
    return [m.text for m in sent]


@pytest.fixture
def zh_store(dynamo_table) -> Store:
    store = Store(dynamo_table)
    store.create_community(community(locale="zh-CN"))
    return store


@pytest.mark.parametrize(
    ("text", "note"),
    [("打卡！", ""), ("#打卡", ""), ("打卡了", ""), ("打卡：今天读了10页", "今天读了10页")],
)
def test_checkin_words_check_in_through_the_route(zh_store, dynamo_table, text, note):
    replies = post(zh_store, [text])
    assert replies == [
        t("zh-CN", "checkin_done", name="小明", date="2026-11-23", streak=1, total=1)
    ]
    recorded = checkins_on(dynamo_table, "c1", date(2026, 11, 23))
    assert [(c["user_id"], c.get("note", "")) for c in recorded] == [("u1", note)]


def test_chatter_about_checking_in_records_activity_and_gets_no_reply(zh_store, dynamo_table):
    replies = post(zh_store, ["打卡了吗", "今天打卡了没", "大家记得打卡", "打卡的同学请举手"])
    assert replies == []
    assert checkins_on(dynamo_table, "c1", date(2026, 11, 23)) == []
    seen = zh_store.get_member("c1", "u1")
    assert seen is not None and seen.last_active == date(2026, 11, 23)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_mistyped_slash_command_gets_one_line_naming_the_nearest(dynamo_table, locale):
    store = Store(dynamo_table)
    store.create_community(community(locale=locale))
    replies = post(store, ["/chekin"])
    assert replies == [t(locale, "did_you_mean", command="/chekin", suggestion="/checkin")]
    assert checkins_on(dynamo_table, "c1", date(2026, 11, 23)) == []


def test_a_slash_word_near_no_command_gets_one_line_pointing_at_the_help(zh_store):
    """Not the whole help: one line naming the word and where the commands are."""
    replies = post(zh_store, ["/dance"])
    assert replies == [t("zh-CN", "unknown_command", command="/dance")]
    assert "帮助" in replies[0] and "\n" not in replies[0]


def test_leave_and_makeup_words_take_the_same_punctuation_through_the_route(zh_store):
    """请假：2天 and #补卡 昨天 are commands as members type them (the make-up is refused:
    the member is new today, and nothing before their first day can be made up)."""
    replies = post(zh_store, ["请假：2天", "#补卡 昨天"])
    assert replies[0] == t("zh-CN", "leave_set", name="小明", until="2026-11-24", days="2 天")
    assert replies[1] == t(
        "zh-CN", "makeup_refused_before_start", date="2026-11-22", first="2026-11-23"
    )
