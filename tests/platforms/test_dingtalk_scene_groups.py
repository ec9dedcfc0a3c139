"""DingTalk scene groups (场景群, the app's own groups): the member list page by page
(sceneGroups/members/batchQuery), the owner and sub-admins (topapi/im/chat/scenegroup/get),
against the answers' shapes in DingTalk's reference; an ordinary group has no list and sync
says so in one sentence. A refusal names the permission; nothing is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses

from chalicelib.domain.models import MemberStatus
from chalicelib.features.roles import refresh_platform_admins
from chalicelib.features.roster import sync_roster
from chalicelib.platforms.base import AdminsUnavailable, ChatAddress, ListRefused, MalformedAnswer
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member
from tests.platforms import test_dingtalk as dt

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CHAT = "cidqO7Ne8bC0uFEn3nhKtzYBA=="
MEMBERS_URL = f"{dt.OPENAPI}/v1.0/im/sceneGroups/members/batchQuery"
INFO_URL = f"{dt.BASE}/topapi/im/chat/scenegroup/get"  # the configured classic API base
SCENE = ChatAddress("dingtalk", CHAT, group_kind="scene")

# topapi/im/chat/scenegroup/get, as DingTalk's reference shows it.
INFO_ANSWER = {
    "errcode": 0,
    "errmsg": "ok",
    "success": True,
    "request_id": "5um7ykyaalsj",
    "result": {
        "open_conversation_id": CHAT,
        "template_id": "6b9d5a88-9a8e-4f0e-b9c3-xxxxxxxx",
        "title": "晨读营",
        "owner_staff_id": "manager4220",
        "sub_admin_staff_ids": ["staff01", "staff02"],
        "management_type": "0",
        "searchable": "0",
        "validation_type": "0",
        "mention_all_authority": "0",
        "chat_banned_type": "0",
        "show_history_type": "0",
        "icon": "@lADPDfJ6",
        "group_url": "dingtalk://dingtalkclient/page/link?url=...",
    },
}


def page(ids: list[str], next_token: str | None = None) -> dict:
    """One batchQuery answer, as DingTalk's reference shows it."""
    body: dict = {"success": True, "memberUserIds": ids, "hasMore": next_token is not None}
    if next_token is not None:
        body["nextToken"] = next_token
    return body


def test_a_scene_group_is_read_to_its_last_page_and_its_owner_and_sub_admins_are_admins():
    app = dt.app_adapter()
    with responses.RequestsMock() as rsps:
        dt.token_answer(rsps)
        rsps.post(MEMBERS_URL, json=page(["manager4220", "staff01"], "p2"))
        rsps.post(MEMBERS_URL, json=page(["user123"]))
        rsps.post(INFO_URL, json=INFO_ANSWER)
        listed = app.read_chat_members(SCENE, [], check_limit=100)
        admins = app.chat_admin_ids(SCENE)
        first = json.loads(rsps.calls[1].request.body)
        second = json.loads(rsps.calls[2].request.body)
        info = rsps.calls[3].request
        header = rsps.calls[1].request.headers["x-acs-dingtalk-access-token"]
    assert [m.user_id for m in listed.members] == ["manager4220", "staff01", "user123"]
    assert listed.complete
    assert first == {"openConversationId": CHAT, "maxResults": 1000}
    assert second == {"openConversationId": CHAT, "maxResults": 1000, "nextToken": "p2"}
    assert header == dt.ACCESS_TOKEN
    assert admins == frozenset({"manager4220", "staff01", "staff02"})
    assert f"access_token={dt.ACCESS_TOKEN}" in info.url
    assert json.loads(info.body) == {"open_conversation_id": CHAT}


def test_a_missing_permission_is_named_from_dingtalks_refusal():
    refusal = {
        "code": "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        "requestid": "A8B2F9C5-2B54-7F24-9C5B-4FD1C1C3E7F5",
        "message": "没有调用该接口的权限，接口权限申请参考：https://open.dingtalk.com/document/",
        "accessdenieddetail": {"requiredScopes": ["qyapi_chat_read"], "isAuthorized": False},
    }
    with responses.RequestsMock() as rsps:
        dt.token_answer(rsps)
        rsps.post(MEMBERS_URL, status=403, json=refusal)
        with pytest.raises(ListRefused) as refused:
            dt.app_adapter().read_chat_members(SCENE, [], check_limit=100)
    assert refused.value.permission == "qyapi_chat_read"
    assert "Forbidden.AccessDenied.AccessTokenPermissionDenied" in str(refused.value)


def test_a_group_that_is_no_scene_group_is_named_for_the_admins():
    with responses.RequestsMock() as rsps:
        dt.token_answer(rsps)
        rsps.post(INFO_URL, json={"errcode": 4000003, "errmsg": "not scene group"})
        with pytest.raises(AdminsUnavailable, match="missing a scene group"):
            dt.app_adapter().chat_admin_ids(SCENE)


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({"success": True, "hasMore": False}, "a page without memberUserIds"),
        ({"memberUserIds": ["a", ""], "hasMore": False}, "a member without a userid"),
        ({"memberUserIds": ["a"], "hasMore": True}, "hasMore without a nextToken"),
    ],
)
def test_a_malformed_page_names_dingtalk(answer, what):
    with responses.RequestsMock() as rsps:
        dt.token_answer(rsps)
        rsps.post(MEMBERS_URL, json=answer)
        with pytest.raises(MalformedAnswer, match=f"dingtalk sent a malformed member list: {what}"):
            dt.app_adapter().read_chat_members(SCENE, [], check_limit=100)


def test_an_ordinary_group_or_no_app_is_refused_before_any_request():
    with responses.RequestsMock():
        with pytest.raises(ListRefused, match="ordinary group's robot has no member API"):
            dt.app_adapter().read_chat_members(ChatAddress("dingtalk", CHAT), [], check_limit=1)
        with pytest.raises(ListRefused, match="ROLLCALL_DINGTALK_APP_KEY"):
            dt.adapter().read_chat_members(SCENE, [], check_limit=1)


def scene_store() -> Store:
    store = Store(MemoryTable())
    store.create_community(community(platform="dingtalk", chat_id=CHAT, group_kind="scene"))
    store.bulk_save_members([member("staff01"), member("gone"), member("manager4220")])
    return store


def test_sync_of_a_scene_group_records_leaves_and_joins_and_refreshes_admins():
    store = scene_store()
    app = dt.app_adapter()
    with responses.RequestsMock() as rsps:
        dt.token_answer(rsps)
        rsps.post(MEMBERS_URL, json=page(["manager4220", "staff01", "user123"]))
        rsps.post(INFO_URL, json=INFO_ANSWER)
        c = store.get_community("c1")
        report = sync_roster(store, c, app, NOW)
        roles = refresh_platform_admins(store, app, c, NOW)
    assert [p["user_id"] for p in report.joins] == ["user123"]
    assert [p["user_id"] for p in report.leaves] == ["gone"]
    assert store.get_member("c1", "gone").status is MemberStatus.LEFT
    assert {c.user_id for c in roles.changes} == {"manager4220", "staff01"}
    assert store.get_member("c1", "manager4220").is_admin


def test_a_refused_sync_writes_nothing():
    store = scene_store()
    before = store.table.all_items()
    with responses.RequestsMock() as rsps:
        dt.token_answer(rsps)
        rsps.post(MEMBERS_URL, status=403, json={"code": "Forbidden.AccessDenied"})
        with pytest.raises(ListRefused, match="missing qyapi_chat_read"):
            sync_roster(store, store.get_community("c1"), dt.app_adapter(), NOW)
    assert store.table.all_items() == before


def test_an_ordinary_group_is_skipped_with_the_one_sentence():
    store = Store(MemoryTable())
    store.create_community(community(platform="dingtalk", chat_id=CHAT))
    report = sync_roster(store, store.get_community("c1"), dt.app_adapter(), NOW)
    assert report.skipped is not None and "--group-kind scene" in report.skipped
