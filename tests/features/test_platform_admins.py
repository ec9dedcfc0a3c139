"""Platform admins are rollcall admins: each adapter's admin list against recorded answers,
and ``refresh_platform_admins`` (what the roster sync and ``rollcall member admins`` call)
promoting them, demoting those the platform demoted, and keeping explicit roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses

from chalicelib.domain.models import Role
from chalicelib.features.roles import refresh_platform_admins
from chalicelib.platforms.base import AdminsUnavailable, ChatAddress, ChatAdmins
from chalicelib.platforms.discord import DiscordAdapter
from chalicelib.platforms.feishu import FeishuAdapter
from chalicelib.platforms.slack import SlackAdapter
from chalicelib.platforms.telegram import TelegramAdapter
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.store.roles import role_changes
from tests.helpers import community, member
from tests.platforms.support import quiet_sender

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TG_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
TG_API = "https://telegram.test"
TG_GROUP = "-1001234567890"
TG_ADMINS_URL = f"{TG_API}/bot{TG_TOKEN}/getChatAdministrators"
SLACK_API = "https://slack.test/api"
FEISHU = "https://feishu.test/open-apis"
FEISHU_CHAT = "oc_5ce6d572455d361153b7xx51da133945"


def telegram() -> TelegramAdapter:
    return TelegramAdapter(TG_TOKEN, "secret_1", api_base=TG_API, sender=quiet_sender())


# getChatAdministrators as Telegram answers it: the creator, an admin, and our own bot.
TG_ANSWER = {
    "ok": True,
    "result": [
        {
            "user": {"id": 111, "is_bot": False, "first_name": "Olga"},
            "status": "creator",
            "is_anonymous": False,
        },
        {
            "user": {"id": 333, "is_bot": False, "first_name": "Max", "username": "maxi"},
            "status": "administrator",
            "can_be_edited": False,
            "can_manage_chat": True,
        },
        {
            "user": {"id": 999, "is_bot": True, "first_name": "rollcall", "username": "rc_bot"},
            "status": "administrator",
            "can_be_edited": False,
        },
    ],
}


def test_telegram_lists_the_creator_and_admins_but_no_bots():
    with responses.RequestsMock() as rsps:
        call = rsps.post(TG_ADMINS_URL, json=TG_ANSWER)
        found = telegram().chat_admin_ids(ChatAddress("telegram", TG_GROUP))
    assert found == frozenset({"111", "333"})
    assert call.call_count == 1
    assert b'"chat_id": "-1001234567890"' in call.calls[0].request.body


def test_telegram_refusing_names_the_method_and_its_reason():
    answer = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    with responses.RequestsMock() as rsps:
        rsps.post(TG_ADMINS_URL, json=answer, status=400)
        with pytest.raises(AdminsUnavailable, match=r"getChatAdministrators.*chat not found"):
            telegram().chat_admin_ids(ChatAddress("telegram", TG_GROUP))


def slack() -> SlackAdapter:
    return SlackAdapter("secret", "xoxb-token", api_base=SLACK_API, sender=quiet_sender())


def test_slack_lists_workspace_owners_and_admins_page_by_page():
    first = {
        "ok": True,
        "members": [
            {"id": "U0OWNER", "is_owner": True, "is_admin": True},
            {"id": "U0PLAIN", "is_admin": False},
            {"id": "U0BOT", "is_admin": True, "is_bot": True},
        ],
        "response_metadata": {"next_cursor": "dXNlcjpVMEc5V0ZYTlo="},
    }
    second = {
        "ok": True,
        "members": [
            {"id": "U0ADMIN", "is_admin": True},
            {"id": "U0GONE", "is_admin": True, "deleted": True},
        ],
        "response_metadata": {"next_cursor": ""},
    }
    with responses.RequestsMock() as rsps:
        call = rsps.post(f"{SLACK_API}/users.list", json=first)
        rsps.post(f"{SLACK_API}/users.list", json=second)
        found = slack().chat_admin_ids(ChatAddress("slack", "C0LAN2Q65"))
        assert len(rsps.calls) == 2
        assert "cursor=dXNlcjpVMEc5V0ZYTlo" in rsps.calls[1].request.body
        assert call.calls[0].request.headers["Authorization"] == "Bearer xoxb-token"
    assert found == frozenset({"U0OWNER", "U0ADMIN"})


def test_slack_without_the_scope_says_which_it_needs():
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{SLACK_API}/users.list",
            json={"ok": False, "error": "missing_scope", "needed": "users:read"},
        )
        with pytest.raises(AdminsUnavailable, match=r"missing_scope \(needs users:read\)"):
            slack().chat_admin_ids(ChatAddress("slack", "C0LAN2Q65"))


def feishu(**app) -> FeishuAdapter:
    return FeishuAdapter(
        verification_token="t",
        encrypt_key="k",
        api_base=FEISHU,
        sender=quiet_sender(),
        reply_sender=quiet_sender(attempts=1),
        **app,
    )


def test_feishu_lists_the_group_owner_and_managers():
    chat = {
        "code": 0,
        "msg": "success",
        "data": {
            "name": "读书会",
            "owner_id": "ou_owner",
            "owner_id_type": "open_id",
            "user_manager_id_list": ["ou_manager1", "ou_manager2"],
            "bot_manager_id_list": ["cli_bot"],
        },
    }
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{FEISHU}/auth/v3/tenant_access_token/internal",
            json={"code": 0, "tenant_access_token": "t-abc", "expire": 7200},
        )
        call = rsps.get(f"{FEISHU}/im/v1/chats/{FEISHU_CHAT}", json=chat)
        found = feishu(app_id="cli_x", app_secret="s").chat_admin_ids(
            ChatAddress("feishu", FEISHU_CHAT)
        )
    assert found == frozenset({"ou_owner", "ou_manager1", "ou_manager2"})
    assert "user_id_type=open_id" in call.calls[0].request.url


def test_feishu_without_the_app_or_the_scope_changes_nothing():
    with pytest.raises(AdminsUnavailable, match="needs the app"):
        feishu().chat_admin_ids(ChatAddress("feishu", FEISHU_CHAT))
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{FEISHU}/auth/v3/tenant_access_token/internal",
            json={"code": 0, "tenant_access_token": "t-abc", "expire": 7200},
        )
        rsps.get(
            f"{FEISHU}/im/v1/chats/{FEISHU_CHAT}",
            json={"code": 99991672, "msg": "Access denied. One of the scopes is required"},
            status=400,
        )
        with pytest.raises(AdminsUnavailable, match="im:chat:readonly"):
            feishu(app_id="cli_x", app_secret="s").chat_admin_ids(
                ChatAddress("feishu", FEISHU_CHAT)
            )


def test_discord_has_no_admin_list_its_interactions_carry_permissions():
    assert not isinstance(DiscordAdapter(b"\0" * 32), ChatAdmins)
    assert isinstance(telegram(), ChatAdmins)


# -- the use case -----------------------------------------------------------------------------


class Listed:
    """An adapter whose platform lists these admins (and counts how often it was asked)."""

    def __init__(self, *admins: str) -> None:
        self.admins = frozenset(admins)
        self.calls = 0

    def chat_admin_ids(self, chat: ChatAddress) -> frozenset[str]:
        self.calls += 1
        return self.admins


@pytest.fixture
def store() -> Store:
    store = Store(MemoryTable())
    store.create_community(community(platform="telegram", chat_id=TG_GROUP))
    store.bulk_save_members(
        [
            member("111", name="Olga", role=Role.OWNER),
            member("333", name="Max"),  # a platform admin, member in rollcall
            member("444", name="Was", role=Role.ADMIN, role_source="platform"),  # demoted
            member("555", name="Csv", role=Role.ADMIN, role_source="csv"),  # explicit
            member("666", name="Kept", role=Role.MEMBER, role_source="chat"),  # explicit
            member("777", name="Legacy", role=Role.ADMIN),  # stored before sources
            member("888", name="Plain"),
        ]
    )
    return store


def test_a_refresh_promotes_platform_admins_and_demotes_the_demoted(store):
    adapter = Listed("111", "333", "666", "999")
    done = refresh_platform_admins(store, adapter, store.get_community("c1"), NOW)
    roles = {m.user_id: (m.role, m.role_source) for m in store.list_members("c1")}
    assert roles == {
        "111": (Role.OWNER, None),
        "333": (Role.ADMIN, "platform"),
        "444": (Role.MEMBER, "platform"),
        "555": (Role.ADMIN, "csv"),
        "666": (Role.MEMBER, "chat"),
        "777": (Role.ADMIN, None),
        "888": (Role.MEMBER, None),
    }
    assert [(c.user_id, c.old, c.new) for c in done.changes] == [
        ("333", Role.MEMBER, Role.ADMIN),
        ("444", Role.ADMIN, Role.MEMBER),
    ]
    assert done.kept_explicit == ["666"] and done.unknown == 1 and done.admins == 4
    audits = role_changes(store.table, "c1")
    assert sorted((a["user_id"], a["new"], a["by"]) for a in audits) == [
        ("333", "admin", "platform"),
        ("444", "member", "platform"),
    ]
    again = refresh_platform_admins(store, adapter, store.get_community("c1"), NOW)
    assert again.changes == [] and len(role_changes(store.table, "c1")) == 2


def test_a_dry_run_changes_nothing(store):
    done = refresh_platform_admins(
        store, Listed("333"), store.get_community("c1"), NOW, dry_run=True
    )
    assert [c.user_id for c in done.changes] == ["333", "444"]
    assert store.get_member("c1", "333").role is Role.MEMBER
    assert store.get_member("c1", "444").role is Role.ADMIN
    assert role_changes(store.table, "c1") == []


def test_a_platform_without_an_admin_list_changes_nothing(store):
    with pytest.raises(AdminsUnavailable, match="no admin list"):
        refresh_platform_admins(store, object(), store.get_community("c1"), NOW)
    assert role_changes(store.table, "c1") == []


def test_a_refresh_costs_one_roster_query_and_writes_only_changes(dynamo_table, requests_made):
    """No read per member: 200 unchanged members cost what 2 do."""
    counts = []
    for size in (2, 200):
        store = Store(dynamo_table)
        cid = f"r{size}"
        store.create_community(community(id=cid, platform="telegram", chat_id=f"g{size}"))
        store.bulk_save_members(
            [member("333", community_id=cid)]
            + [member(f"m{n:03d}", community_id=cid) for n in range(size)]
        )
        found = store.get_community(cid)
        requests_made.reset()
        done = refresh_platform_admins(store, Listed("333"), found, NOW)
        assert [c.user_id for c in done.changes] == ["333"]
        counts.append(requests_made.total())
    assert counts[0] == counts[1] == 3  # roster Query, the conditional update, the audit batch


def test_a_role_that_changed_meanwhile_is_not_overwritten(store):
    """Two admins acting at once from the same old role: the second write is refused (and
    says so), not laid over the first."""
    from chalicelib.features.roles import RoleConflict, set_member_role

    stale = store.get_member("c1", "888")
    set_member_role(store, "c1", "888", Role.LEADER, source="chat", by="111", now=NOW)
    with pytest.raises(RoleConflict, match="changed meanwhile"):
        set_member_role(
            store, "c1", "888", Role.ADMIN, source="chat", by="111", now=NOW, known=stale
        )
    assert store.get_member("c1", "888").role is Role.LEADER
    assert len(role_changes(store.table, "c1")) == 1


def test_a_refreshs_audit_items_are_kept_for_the_communitys_retention(store):
    from datetime import timedelta

    from chalicelib.store import keys
    from chalicelib.store.retention import expires_at

    store.update_community(store.get_community("c1"), retention_days=200)
    refresh_platform_admins(store, Listed("111", "333"), store.get_community("c1"), NOW)
    audits = role_changes(store.table, "c1")
    assert len(audits) == 2
    kept = expires_at(NOW, timedelta(days=200))
    assert all(a[keys.TTL_ATTRIBUTE] == kept for a in audits)
