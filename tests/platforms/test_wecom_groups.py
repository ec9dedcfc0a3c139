"""WeCom groups with a member list: groups the app created (appchat/get) and customer groups
(externalcontact/groupchat/get, the change_external_chat event), against the answers' shapes
in WeCom's reference (document/path/90247, 92707, 92130). A group robot's group has no list:
sync says so in one sentence. A refusal names what the app needs and writes nothing."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from chalicelib.domain.models import MemberStatus
from chalicelib.features.roles import refresh_platform_admins
from chalicelib.features.roster import sync_roster
from chalicelib.inbound import handle_webhook
from chalicelib.platforms.base import (
    AdminsUnavailable,
    ChatAddress,
    ListRefused,
    MalformedAnswer,
)
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member
from tests.platforms import test_wecom as wc
from tests.platforms.support import quiet_sender

BASE = wc.BASE  # a configured ROLLCALL_WECOM_API_BASE, never qyapi.weixin.qq.com
TOKEN_URL = f"{BASE}/gettoken"
APPCHAT_URL = f"{BASE}/appchat/get"
CUSTOMER_URL = f"{BASE}/externalcontact/groupchat/get"
APP_CHAT = "CHATID"
CUSTOMER_CHAT = "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"

# appchat/get, as WeCom's reference shows it.
APPCHAT_ANSWER = {
    "errcode": 0,
    "errmsg": "ok",
    "chat_info": {
        "chatid": APP_CHAT,
        "name": "NAME",
        "owner": "userid2",
        "userlist": ["userid1", "userid2", "userid3"],
        "chat_type": 0,
    },
}
# externalcontact/groupchat/get with need_name=1, as WeCom's reference shows it.
CUSTOMER_ANSWER = {
    "errcode": 0,
    "errmsg": "ok",
    "group_chat": {
        "chat_id": CUSTOMER_CHAT,
        "name": "销售客服群",
        "owner": "ZhuShengBen",
        "create_time": 1572505490,
        "notice": "文明沟通，拒绝脏话",
        "member_list": [
            {
                "userid": "abel",
                "type": 1,
                "join_time": 1572505491,
                "join_scene": 1,
                "invitor": {"userid": "jack"},
                "group_nickname": "客服小张",
                "name": "张三丰",
            },
            {
                "userid": "wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA",
                "type": 2,
                "unionid": "ozynqsulJFCZ2z1aYeS8h-nuasdAAA",
                "join_time": 1572505491,
                "join_scene": 1,
                "group_nickname": "",
                "name": "顾客",
            },
        ],
        "admin_list": [{"userid": "sam"}, {"userid": "pony"}],
        "member_version": "71217227bbd112ecfe3a49c482195cb4",
    },
}


def app_adapter(**overrides):
    fields = {"corp_secret": "app-secret", "app_sender": quiet_sender(attempts=1)}
    fields.update(overrides)
    return wc.adapter(**fields)


def token(rsps) -> None:
    rsps.get(TOKEN_URL, json={"errcode": 0, "access_token": "tok", "expires_in": 7200})


def query(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def test_an_app_group_is_listed_by_appchat_get_and_its_owner_is_the_admin():
    wecom = app_adapter()
    chat = ChatAddress("wecom", APP_CHAT, group_kind="app")
    with responses.RequestsMock() as rsps:
        token(rsps)
        rsps.get(APPCHAT_URL, json=APPCHAT_ANSWER)
        rsps.get(APPCHAT_URL, json=APPCHAT_ANSWER)
        listed = wecom.read_chat_members(chat, [], check_limit=100)
        admins = wecom.chat_admin_ids(chat)
        asked = query(rsps.calls[1])
    assert [m.user_id for m in listed.members] == ["userid1", "userid2", "userid3"]
    assert listed.complete and all(m.name == "" for m in listed.members)  # ids only
    assert admins == frozenset({"userid2"})
    assert asked == {"chatid": APP_CHAT, "access_token": "tok"}


def test_a_customer_group_is_listed_with_names_and_its_owner_and_admins():
    wecom = app_adapter()
    chat = ChatAddress("wecom", CUSTOMER_CHAT, group_kind="customer")
    with responses.RequestsMock() as rsps:
        token(rsps)
        rsps.post(CUSTOMER_URL, json=CUSTOMER_ANSWER)
        rsps.post(CUSTOMER_URL, json=CUSTOMER_ANSWER)
        listed = wecom.read_chat_members(chat, [], check_limit=100)
        admins = wecom.chat_admin_ids(chat)
        body = json.loads(rsps.calls[1].request.body)
    assert [(m.user_id, m.name) for m in listed.members] == [
        ("abel", "客服小张"),  # the group nickname first
        ("wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA", "顾客"),  # else the name
    ]
    assert admins == frozenset({"ZhuShengBen", "sam", "pony"})
    assert body == {"chat_id": CUSTOMER_CHAT, "need_name": 1}


@pytest.mark.parametrize(
    ("errcode", "needs"),
    [
        (
            48002,
            "API permission: the app may not call this API (for customer groups, add the "
            "app to 客户联系 → 可调用接口的应用)",
        ),
        (60020, "a trusted IP (企业可信IP) for this server"),
        (12345, "access (errcode 12345)"),
    ],
)
def test_a_refusal_names_what_the_app_needs(errcode, needs):
    wecom = app_adapter()
    chat = ChatAddress("wecom", CUSTOMER_CHAT, group_kind="customer")
    with responses.RequestsMock() as rsps:
        token(rsps)
        rsps.post(CUSTOMER_URL, json={"errcode": errcode, "errmsg": "api forbidden"})
        with pytest.raises(ListRefused) as refused:
            wecom.read_chat_members(chat, [], check_limit=100)
    assert refused.value.permission == needs
    assert str(refused.value).startswith(f"wecom refused the member list: missing {needs}")


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({"errcode": 0, "errmsg": "ok"}, "an answer without group_chat"),
        (
            {"errcode": 0, "group_chat": {"owner": "a", "admin_list": []}},
            "group_chat without a member_list",
        ),
        (
            {"errcode": 0, "group_chat": {"owner": "a", "member_list": [{"type": 1}]}},
            "a member without a userid",
        ),
    ],
)
def test_a_malformed_answer_is_an_error_naming_wecom(answer, what):
    wecom = app_adapter()
    chat = ChatAddress("wecom", CUSTOMER_CHAT, group_kind="customer")
    with responses.RequestsMock() as rsps:
        token(rsps)
        rsps.post(CUSTOMER_URL, json=answer)
        with pytest.raises(MalformedAnswer, match=f"wecom sent a malformed member list: {what}"):
            wecom.read_chat_members(chat, [], check_limit=100)


def test_a_robot_group_or_no_app_is_refused_before_any_request():
    with responses.RequestsMock():  # any request would fail the test
        with pytest.raises(ListRefused, match="group robot's group has no member API"):
            app_adapter().read_chat_members(ChatAddress("wecom", "wrk1"), [], check_limit=1)
        with pytest.raises(ListRefused, match="ROLLCALL_WECOM_CORP_SECRET"):
            wc.adapter().read_chat_members(
                ChatAddress("wecom", APP_CHAT, group_kind="app"), [], check_limit=1
            )
        with pytest.raises(AdminsUnavailable, match="no member API"):
            app_adapter().chat_admin_ids(ChatAddress("wecom", "wrk1"))


# -- through the feature: sync and the admin refresh --------------------------------------


def customer_store(**overrides) -> Store:
    store = Store(MemoryTable())
    store.create_community(
        community(platform="wecom", chat_id=CUSTOMER_CHAT, group_kind="customer", **overrides)
    )
    store.bulk_save_members(
        [member("abel", name="Abel"), member("gone", name="Gone"), member("sam", name="Sam")]
    )
    return store


def test_sync_of_a_customer_group_records_joins_and_leaves_and_the_owner_is_admin():
    store = customer_store()
    wecom = app_adapter()
    with responses.RequestsMock() as rsps:
        token(rsps)
        rsps.post(CUSTOMER_URL, json=CUSTOMER_ANSWER)
        rsps.post(CUSTOMER_URL, json=CUSTOMER_ANSWER)
        c = store.get_community("c1")
        report = sync_roster(store, c, wecom, wc.NOW)
        roles = refresh_platform_admins(store, wecom, c, wc.NOW)
    assert [p["user_id"] for p in report.joins] == ["wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA"]
    assert [p["user_id"] for p in report.leaves] == ["gone", "sam"]
    assert store.get_member("c1", "gone").status is MemberStatus.LEFT
    assert store.get_member("c1", "abel").name == "客服小张"
    assert roles.admins == 3  # the owner and two admins, one of them (sam) now left
    assert report.skipped is None


@pytest.mark.parametrize(
    "answer",
    [
        {"errcode": 48002, "errmsg": "api forbidden"},
        {"errcode": 0, "group_chat": {"owner": "a", "member_list": [{"userid": ""}]}},
    ],
)
def test_a_refused_or_malformed_sync_writes_nothing(answer):
    store = customer_store()
    before = store.table.all_items()
    with responses.RequestsMock() as rsps:
        token(rsps)
        rsps.post(CUSTOMER_URL, json=answer)
        with pytest.raises((ListRefused, MalformedAnswer)):
            sync_roster(store, store.get_community("c1"), app_adapter(), wc.NOW)
    assert store.get_member("c1", "gone").status is MemberStatus.ACTIVE
    assert store.table.all_items() == before


def test_a_robot_group_is_skipped_with_the_one_sentence():
    store = Store(MemoryTable())
    store.create_community(community(platform="wecom", chat_id="wrk1"))
    report = sync_roster(store, store.get_community("c1"), app_adapter(), wc.NOW)
    assert report.skipped is not None
    assert report.skipped.startswith("WeCom shows a group robot no member list")
    assert report.skipped.count(".") == 1 and "--group-kind customer" in report.skipped


# -- change_external_chat through the webhook ---------------------------------------------


def change_event(detail: str, users: list[str], version: str) -> str:
    """An app callback's change_external_chat, as WeCom's reference (92130) shows it."""
    items = "".join(f"<Item><![CDATA[{u}]]></Item>" for u in users)
    return (
        f"<xml><ToUserName><![CDATA[{wc.CORP_ID}]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>"
        f"<ChatId><![CDATA[{CUSTOMER_CHAT}]]></ChatId><ChangeType><![CDATA[update]]></ChangeType>"
        f"<UpdateDetail><![CDATA[{detail}]]></UpdateDetail><JoinScene>1</JoinScene>"
        f"<QuitScene>0</QuitScene><MemChangeCnt>{len(users)}</MemChangeCnt>"
        f"<MemChangeList>{items}</MemChangeList>"
        "<LastMemVer>9c3f97c2ada667dfb5f6d03308d963e1</LastMemVer>"
        f"<CurMemVer>{version}</CurMemVer></xml>"
    )


def test_customer_group_joins_and_leaves_arrive_as_events_once():
    wecom = wc.adapter()
    rt = wc.Runtime(
        settings=wc.Settings(), store=customer_store(), clock=wc.FixedClock(wc.NOW), adapters={}
    )
    rt.adapters["wecom"] = wecom
    robot = f"{BASE}/webhook/send"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(robot, json={"errcode": 0, "errmsg": "ok"})
        joined = wc.post(wc.encrypt(change_event("add_member", ["newbie"], "v2")))
        left = wc.post(wc.encrypt(change_event("del_member", ["gone", "sam"], "v3")))
        assert handle_webhook(rt, "wecom", joined, wc.NOW).status == 200
        assert handle_webhook(rt, "wecom", left, wc.NOW).status == 200
        again = wc.post(wc.encrypt(change_event("del_member", ["gone", "sam"], "v3")))
        assert handle_webhook(rt, "wecom", again, wc.NOW).status == 200
    newbie = rt.store.get_member("c1", "newbie")
    assert newbie.is_present and newbie.observed_since == date(2026, 11, 23)
    assert rt.store.get_member("c1", "gone").status is MemberStatus.LEFT
    assert rt.store.get_member("c1", "sam").status is MemberStatus.LEFT
    assert rt.store.get_member("c1", "abel").is_present


def test_other_customer_group_changes_and_an_empty_member_are_handled():
    wecom = wc.adapter()
    owner = change_event("change_owner", [], "v4")
    assert list(wecom.parse(wc.post(wc.encrypt(owner))).events) == []
    events = wecom.parse(wc.post(wc.encrypt(change_event("add_member", ["a", "b"], "v5"))))
    assert [(e.kind, e.sender.user_id, e.chat_id) for e in events.events] == [
        ("member_joined", "a", CUSTOMER_CHAT),
        ("member_joined", "b", CUSTOMER_CHAT),
    ]
    assert events.events[0].event_id == f"{CUSTOMER_CHAT}:v5:member_joined:a"
    with pytest.raises(wc.BadPayload, match="empty member"):
        wecom.parse(wc.post(wc.encrypt(change_event("del_member", [" "], "v6"))))
